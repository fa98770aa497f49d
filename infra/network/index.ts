/**
 * The VPC of one environment: a public and a private subnet per availability zone, an internet
 * gateway, NAT (one for the VPC, or one per AZ), and the tags that load balancers and Karpenter
 * use to find subnets.
 */
import { Eip } from '@cdktf/provider-aws/lib/eip/index.js';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway/index.js';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway/index.js';
import { Route } from '@cdktf/provider-aws/lib/route/index.js';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table/index.js';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association/index.js';
import { Subnet } from '@cdktf/provider-aws/lib/subnet/index.js';
import { Vpc } from '@cdktf/provider-aws/lib/vpc/index.js';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint/index.js';
import { Construct } from 'constructs';
import { parseCidr, subnets } from '../../clusters/lib/net.js';

export interface NetworkProps {
  /** Prefix of resource names, e.g. `genai-dev`. */
  readonly namePrefix: string;
  /** EKS cluster name, for the Karpenter discovery tag. */
  readonly clusterName: string;
  /** VPC CIDR (/16 to /20). */
  readonly vpcCidr: string;
  /** Availability zones: one public and one private subnet in each. */
  readonly availabilityZones: readonly string[];
  /** One NAT gateway for the VPC (cost) or one per AZ (no cross-AZ dependency). */
  readonly natGateways: 'single' | 'one-per-az';
  /**
   * Smallest subnet prefix AWS allows; carving that would go below it is an error.
   * @default 28
   */
  readonly smallestPrefix?: number;
  /**
   * An S3 gateway endpoint on the private route tables: S3 traffic (model weights) stays on the
   * AWS network instead of crossing the NAT gateway, which bills per GB
   * (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html).
   * @default false
   */
  readonly s3GatewayEndpoint?: boolean;
  /** Region of the VPC (for the endpoint's service name). Required with s3GatewayEndpoint. */
  readonly region?: string;
}

/** The subnet plan: private subnets take most of the VPC (pods get VPC IPs), public ones are small. */
export interface SubnetPlan {
  readonly private: readonly string[];
  readonly public: readonly string[];
}

/**
 * Splits the VPC into 2^k blocks (the smallest k with more blocks than AZs): one private
 * subnet per AZ, and the next free block divided again for the public subnets.
 * Throws, naming the field, when the subnets would be smaller than AWS allows.
 */
export function planSubnets(vpcCidr: string, azCount: number, smallestPrefix = 28): SubnetPlan {
  const vpc = parseCidr(vpcCidr);
  if (typeof vpc === 'string') throw new Error(`vpcCidr: ${vpc}`);
  const bits = Math.ceil(Math.log2(azCount + 1));
  const privatePrefix = vpc.prefix + bits;
  const publicPrefix = privatePrefix + Math.ceil(Math.log2(azCount));
  if (publicPrefix > smallestPrefix) {
    throw new Error(
      `vpcCidr: ${vpcCidr} is too small for ${azCount} availability zones: public subnets would be /${publicPrefix}, AWS allows at most /${smallestPrefix}`,
    );
  }
  const privateSubnets = subnets(vpcCidr, privatePrefix, azCount);
  const [publicBlock] = subnets(vpcCidr, privatePrefix, 1, azCount);
  return { private: privateSubnets, public: subnets(publicBlock!, publicPrefix, azCount) };
}

export class Network extends Construct {
  readonly vpc: Vpc;
  readonly privateSubnets: readonly Subnet[];
  readonly publicSubnets: readonly Subnet[];
  readonly privateRouteTables: readonly RouteTable[];
  readonly s3Endpoint: VpcEndpoint | undefined;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { namePrefix, availabilityZones: azs } = props;
    const plan = planSubnets(props.vpcCidr, azs.length, props.smallestPrefix);
    this.vpc = new Vpc(this, 'vpc', {
      cidrBlock: props.vpcCidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: namePrefix },
    });
    const igw = new InternetGateway(this, 'igw', { vpcId: this.vpc.id, tags: { Name: namePrefix } });

    this.publicSubnets = azs.map(
      (az, i) =>
        new Subnet(this, `public-${az}`, {
          vpcId: this.vpc.id,
          availabilityZone: az,
          cidrBlock: plan.public[i]!,
          mapPublicIpOnLaunch: false,
          tags: { Name: `${namePrefix}-public-${az}`, 'kubernetes.io/role/elb': '1' },
        }),
    );
    this.privateSubnets = azs.map(
      (az, i) =>
        new Subnet(this, `private-${az}`, {
          vpcId: this.vpc.id,
          availabilityZone: az,
          cidrBlock: plan.private[i]!,
          tags: {
            Name: `${namePrefix}-private-${az}`,
            'kubernetes.io/role/internal-elb': '1',
            'karpenter.sh/discovery': props.clusterName,
          },
        }),
    );

    const publicRoutes = new RouteTable(this, 'public-routes', {
      vpcId: this.vpc.id,
      tags: { Name: `${namePrefix}-public` },
    });
    new Route(this, 'public-default', {
      routeTableId: publicRoutes.id,
      destinationCidrBlock: '0.0.0.0/0',
      gatewayId: igw.id,
    });
    this.publicSubnets.forEach((subnet, i) => {
      new RouteTableAssociation(this, `public-${azs[i]}-routes`, {
        subnetId: subnet.id,
        routeTableId: publicRoutes.id,
      });
    });

    const natAzs = props.natGateways === 'one-per-az' ? azs : azs.slice(0, 1);
    const nats = natAzs.map((az, i) => {
      const eip = new Eip(this, `nat-${az}-ip`, { domain: 'vpc', tags: { Name: `${namePrefix}-nat-${az}` } });
      return new NatGateway(this, `nat-${az}`, {
        allocationId: eip.allocationId,
        subnetId: this.publicSubnets[i]!.id,
        tags: { Name: `${namePrefix}-${az}` },
        dependsOn: [igw],
      });
    });
    this.privateRouteTables = this.privateSubnets.map((subnet, i) => {
      const az = azs[i]!;
      const routes = new RouteTable(this, `private-${az}-routes`, {
        vpcId: this.vpc.id,
        tags: { Name: `${namePrefix}-private-${az}` },
      });
      new Route(this, `private-${az}-default`, {
        routeTableId: routes.id,
        destinationCidrBlock: '0.0.0.0/0',
        natGatewayId: (nats[i] ?? nats[0]!).id,
      });
      new RouteTableAssociation(this, `private-${az}-association`, {
        subnetId: subnet.id,
        routeTableId: routes.id,
      });
      return routes;
    });
    if (props.s3GatewayEndpoint && !props.region) {
      throw new Error('Network: s3GatewayEndpoint needs the region');
    }
    this.s3Endpoint = props.s3GatewayEndpoint
      ? new VpcEndpoint(this, 's3-gateway-endpoint', {
          vpcId: this.vpc.id,
          serviceName: `com.amazonaws.${props.region}.s3`,
          vpcEndpointType: 'Gateway',
          routeTableIds: this.privateRouteTables.map((r) => r.id),
          tags: { Name: `${namePrefix}-s3` },
        })
      : undefined;
  }
}
