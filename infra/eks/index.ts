/**
 * The EKS control plane and the system managed node group: API authentication with access
 * entries, envelope encryption of Secrets with a customer managed KMS key, control-plane
 * logging, a private endpoint (public only where the environment allows it, with CIDRs), and
 * two (by default) on-demand nodes labelled and tainted for critical add-ons.
 */
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { Ec2Tag } from '@cdktf/provider-aws/lib/ec2-tag/index.js';
import { EksAccessEntry } from '@cdktf/provider-aws/lib/eks-access-entry/index.js';
import { EksAccessPolicyAssociation } from '@cdktf/provider-aws/lib/eks-access-policy-association/index.js';
import { EksCluster } from '@cdktf/provider-aws/lib/eks-cluster/index.js';
import { EksNodeGroup } from '@cdktf/provider-aws/lib/eks-node-group/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import { Construct } from 'constructs';
import { SYSTEM_NODES } from '../../clusters/contract.js';
import type { BootstrapAccess } from '../../clusters/lib/environment.js';
import {
  Fn,
  type IResolvable,
  type ITerraformDependable,
  TerraformStack,
  TerraformVariable,
  Token,
} from '../cdktf.js';
import { policyDocument, serviceTrust } from '../lib/iam.js';

/**
 * The system node group's taint in the EKS API's shape (`NO_SCHEDULE`): only pods that tolerate
 * it (critical add-ons, the controllers layer) land there. Label and taint are the contract's
 * (clusters/contract.ts SYSTEM_NODES), which apps/ places controllers with.
 */
const EKS_TAINT_EFFECT = {
  NoSchedule: 'NO_SCHEDULE',
  NoExecute: 'NO_EXECUTE',
  PreferNoSchedule: 'PREFER_NO_SCHEDULE',
} as const;
export const SYSTEM_NODE_TAINT = {
  key: SYSTEM_NODES.taint.key,
  value: SYSTEM_NODES.taint.value,
  effect: EKS_TAINT_EFFECT[SYSTEM_NODES.taint.effect],
} as const;

/**
 * Managed policies every EKS worker node role needs (kubelet, image pulls, SSM), after Karpenter's
 * reference node role (aws/karpenter-provider-aws@v1.14.1:website/content/en/docs/getting-started/
 * getting-started-with-karpenter/cloudformation.yaml, KarpenterNodeRole).
 */
export const NODE_MANAGED_POLICIES = [
  'AmazonEKSWorkerNodePolicy',
  'AmazonEC2ContainerRegistryPullOnly',
  'AmazonSSMManagedInstanceCore',
] as const;

/**
 * The VPC CNI's policy: on the node role only where the CNI does not run on its own Pod Identity
 * role (`hardening.vpcCniPodIdentity`, infra/addons).
 */
export const CNI_POLICY = 'AmazonEKS_CNI_Policy';

/** Creates a role for EC2 worker nodes with the managed policies above (and the CNI's where `cni`). */
export function nodeRole(
  scope: Construct,
  id: string,
  name: string,
  partition: string,
  cni: boolean,
): { role: IamRole; attachments: IamRolePolicyAttachment[] } {
  const role = new IamRole(scope, id, {
    name,
    assumeRolePolicy: serviceTrust(scope, `${id}-trust`, 'ec2.amazonaws.com').json,
  });
  const attachments = [...NODE_MANAGED_POLICIES, ...(cni ? [CNI_POLICY] : [])].map(
    (policy) =>
      new IamRolePolicyAttachment(scope, `${id}-${policy}`, {
        role: role.name,
        policyArn: `arn:${partition}:iam::aws:policy/${policy}`,
      }),
  );
  return { role, attachments };
}

/** How the bootstrap stage reaches the API server (resolved from the environment's `bootstrap`). */
export interface BootstrapAccessProps {
  readonly access: BootstrapAccess;
  /** Networks the bootstrap runs from. */
  readonly runnerCidrs: readonly string[];
  /** The VPC's CIDR: admitted to the private endpoint with `private-endpoint` access. */
  readonly vpcCidr: string;
}

/** Terraform input of the cluster stage that opens the public endpoint for a bootstrap. */
export const BOOTSTRAP_PUBLIC_ACCESS_VARIABLE = 'bootstrap_public_access';

/** EKS access policy for cluster administrators (https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html). */
export const CLUSTER_ADMIN_POLICY = 'AmazonEKSClusterAdminPolicy';

export interface ClusterProps {
  /** EKS cluster name. */
  readonly name: string;
  /** Kubernetes minor version, e.g. `1.35`. */
  readonly kubernetesVersion: string;
  /** AWS partition (from `aws_partition`), for managed policy ARNs. */
  readonly partition: string;
  /** Private subnet ids: control-plane ENIs and system nodes. */
  readonly subnetIds: readonly string[];
  /** Whether the public API endpoint is enabled besides the private one. */
  readonly publicAccess: boolean;
  /** CIDRs allowed to reach the public endpoint (ignored when publicAccess is false). */
  readonly publicAccessCidrs: readonly string[];
  /**
   * Control-plane log retention in days.
   * @default 90
   */
  readonly logRetentionDays?: number;
  /** Account id and region (attributes of data sources), for key policies and ARNs. */
  readonly accountId: string;
  readonly region: string;
  /** How the bootstrap stage reaches the API server. */
  readonly bootstrap: BootstrapAccessProps;
  /** EKS deletion protection. */
  readonly deletionProtection: boolean;
  /** ARC zonal shift. */
  readonly zonalShift: boolean;
  /** Encrypt the control-plane log group with a customer managed key. */
  readonly encryptLogs: boolean;
  /** IAM role names (with optional path) given cluster administrator access entries. */
  readonly administratorRoles: readonly string[];
}

export class Cluster extends Construct {
  readonly cluster: EksCluster;
  readonly secretsKey: KmsKey;

  constructor(scope: Construct, id: string, props: ClusterProps) {
    super(scope, id);
    const { name } = props;
    this.secretsKey = new KmsKey(this, 'secrets-key', {
      description: `${name}: envelope encryption of Kubernetes Secrets`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
    });
    new KmsAlias(this, 'secrets-key-alias', {
      name: `alias/${name}-eks-secrets`,
      targetKeyId: this.secretsKey.keyId,
    });
    const role = new IamRole(this, 'cluster-role', {
      name: `${name}-cluster`,
      assumeRolePolicy: serviceTrust(this, 'cluster-trust', 'eks.amazonaws.com', true).json,
    });
    const clusterPolicy = new IamRolePolicyAttachment(this, 'cluster-policy', {
      role: role.name,
      policyArn: `arn:${props.partition}:iam::aws:policy/AmazonEKSClusterPolicy`,
    });
    const encryptionPolicy = new IamRolePolicy(this, 'cluster-encryption-policy', {
      name: 'secrets-encryption',
      role: role.name,
      policy: policyDocument(this, 'cluster-encryption', [
        {
          sid: 'EnvelopeEncryptionOfSecrets',
          actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ListGrants', 'kms:DescribeKey'],
          resources: [this.secretsKey.arn],
        },
      ]).json,
    });
    // Created before the cluster so that retention (and encryption) are ours (EKS would create
    // it without either).
    const logGroupName = `/aws/eks/${name}/cluster`;
    const logsKey = props.encryptLogs ? this.logsKey(name, logGroupName, props) : undefined;
    const logs = new CloudwatchLogGroup(this, 'control-plane-logs', {
      name: logGroupName,
      retentionInDays: props.logRetentionDays ?? 90,
      ...(logsKey ? { kmsKeyId: logsKey.arn } : {}),
    });
    this.cluster = new EksCluster(this, 'cluster', {
      name,
      version: props.kubernetesVersion,
      roleArn: role.arn,
      accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: true },
      bootstrapSelfManagedAddons: false,
      encryptionConfig: { resources: ['secrets'], provider: { keyArn: this.secretsKey.arn } },
      enabledClusterLogTypes: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'],
      vpcConfig: {
        subnetIds: [...props.subnetIds],
        endpointPrivateAccess: true,
        ...this.publicEndpoint(props),
      },
      kubernetesNetworkConfig: { ipFamily: 'ipv4' },
      upgradePolicy: { supportType: 'STANDARD' },
      deletionProtection: props.deletionProtection,
      zonalShiftConfig: { enabled: props.zonalShift },
      dependsOn: [clusterPolicy, encryptionPolicy, logs],
    });
    if (props.bootstrap.access === 'private-endpoint') {
      // The private endpoint's network interfaces carry the cluster security group, which admits
      // only its own members: a bootstrap runner in the VPC (or a network routed to it) needs HTTPS.
      for (const cidr of [props.bootstrap.vpcCidr, ...props.bootstrap.runnerCidrs]) {
        new VpcSecurityGroupIngressRule(this, `bootstrap-https-${cidr.replace(/[./]/g, '-')}`, {
          securityGroupId: this.clusterSecurityGroupId,
          description: `bootstrap stage to the private API endpoint from ${cidr}`,
          ipProtocol: 'tcp',
          fromPort: 443,
          toPort: 443,
          cidrIpv4: cidr,
        });
      }
    }
    for (const roleName of props.administratorRoles) {
      const id = roleName.replace(/[^A-Za-z0-9-]/g, '-');
      const entry = new EksAccessEntry(this, `admin-${id}`, {
        clusterName: this.cluster.name,
        principalArn: `arn:${props.partition}:iam::${props.accountId}:role/${roleName}`,
        type: 'STANDARD',
      });
      new EksAccessPolicyAssociation(this, `admin-${id}-policy`, {
        clusterName: this.cluster.name,
        principalArn: entry.principalArn,
        policyArn: `arn:${props.partition}:eks::aws:cluster-access-policy/${CLUSTER_ADMIN_POLICY}`,
        accessScope: { type: 'cluster' },
      });
    }
    // Karpenter selects node security groups by this tag; the EKS-created cluster security
    // group is the one managed nodes and the control plane share.
    new Ec2Tag(this, 'cluster-sg-discovery-tag', {
      resourceId: this.clusterSecurityGroupId,
      key: 'karpenter.sh/discovery',
      value: name,
    });
  }

  /** The security group EKS creates for the control plane and managed nodes. */
  get clusterSecurityGroupId(): string {
    return this.cluster.vpcConfig.clusterSecurityGroupId;
  }

  /**
   * The public endpoint: the environment's, and with `public-endpoint` bootstrap access, open to
   * the runner's CIDRs while the cluster stage's input `bootstrap_public_access` is true.
   */
  private publicEndpoint(props: ClusterProps): {
    endpointPublicAccess: boolean | IResolvable;
    publicAccessCidrs?: string[];
  } {
    const permanent = props.publicAccess ? [...props.publicAccessCidrs] : [];
    if (props.bootstrap.access !== 'public-endpoint') {
      return props.publicAccess
        ? { endpointPublicAccess: true, publicAccessCidrs: permanent }
        : { endpointPublicAccess: false };
    }
    const open = new TerraformVariable(TerraformStack.of(this), BOOTSTRAP_PUBLIC_ACCESS_VARIABLE, {
      type: 'bool',
      default: false,
      description: `Open the public API endpoint to the bootstrap runner (${props.bootstrap.runnerCidrs.join(', ')}) for the bootstrap apply; apply again with false to close it`,
    });
    const during = [...permanent, ...props.bootstrap.runnerCidrs];
    if (!props.publicAccess) {
      // Closed, the endpoint is off and its allow-list does not matter.
      return { endpointPublicAccess: open.booleanValue, publicAccessCidrs: during };
    }
    return {
      endpointPublicAccess: true,
      publicAccessCidrs: Token.asList(Fn.conditional(open.booleanValue, during, permanent)),
    };
  }

  /**
   * A key for the control-plane log group. CloudWatch Logs uses it as the service principal
   * `logs.<region>.amazonaws.com`, only for this log group (encryption context
   * `kms:EncryptionContext:aws:logs:arn`):
   * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
   */
  private logsKey(name: string, logGroupName: string, props: ClusterProps): KmsKey {
    const p = props.partition;
    return new KmsKey(this, 'logs-key', {
      description: `${name}: control-plane log group encryption`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policyDocument(this, 'logs-key-policy', [
        {
          sid: 'AccountAdministersThroughIam',
          actions: ['kms:*'],
          resources: ['*'],
          principals: [{ type: 'AWS', identifiers: [`arn:${p}:iam::${props.accountId}:root`] }],
        },
        {
          sid: 'CloudWatchLogsEncryptsThisLogGroup',
          actions: [
            'kms:Encrypt*',
            'kms:Decrypt*',
            'kms:ReEncrypt*',
            'kms:GenerateDataKey*',
            'kms:Describe*',
          ],
          resources: ['*'],
          principals: [{ type: 'Service', identifiers: [`logs.${props.region}.amazonaws.com`] }],
          conditions: [
            {
              test: 'ArnEquals',
              variable: 'kms:EncryptionContext:aws:logs:arn',
              values: [`arn:${p}:logs:${props.region}:${props.accountId}:log-group:${logGroupName}`],
            },
          ],
        },
      ]).json,
    });
  }
}

export interface SystemNodeGroupProps {
  /** The cluster (nodes join it; its name and version are read from it). */
  readonly cluster: EksCluster;
  /** AWS partition, for managed policy ARNs. */
  readonly partition: string;
  /** Private subnet ids for the nodes. */
  readonly subnetIds: readonly string[];
  /** EC2 instance type. */
  readonly instanceType: string;
  /** Number of nodes (desired and minimum; maximum is one more for rolling updates). */
  readonly size: number;
  /** EKS AMI type, e.g. `AL2023_x86_64_STANDARD`. */
  readonly amiType: string;
  /** EKS optimized AMI release, e.g. `1.35.8-20260930`. */
  readonly releaseVersion: string;
  /** Resources the nodes need before they can become Ready (the VPC CNI add-on...). @default none */
  readonly dependsOn?: readonly ITerraformDependable[];
  /** Attach the VPC CNI's policy to the node role (false where the CNI has its own Pod Identity role). */
  readonly cniPolicyOnNodes: boolean;
}

/** The system managed node group: on-demand, labelled and tainted for critical add-ons, auto repair on. */
export class SystemNodeGroup extends Construct {
  readonly nodeGroup: EksNodeGroup;
  readonly nodeRole: IamRole;

  constructor(scope: Construct, id: string, props: SystemNodeGroupProps) {
    super(scope, id);
    const name = props.cluster.name;
    const nodes = nodeRole(this, 'role', `${name}-system-node`, props.partition, props.cniPolicyOnNodes);
    this.nodeRole = nodes.role;
    this.nodeGroup = new EksNodeGroup(this, 'nodes', {
      clusterName: name,
      nodeGroupName: 'system',
      nodeRoleArn: nodes.role.arn,
      subnetIds: [...props.subnetIds],
      instanceTypes: [props.instanceType],
      capacityType: 'ON_DEMAND',
      amiType: props.amiType,
      releaseVersion: props.releaseVersion,
      version: props.cluster.version,
      scalingConfig: { desiredSize: props.size, minSize: props.size, maxSize: props.size + 1 },
      updateConfig: { maxUnavailable: 1 },
      labels: { [SYSTEM_NODES.label.key]: SYSTEM_NODES.label.value },
      taint: [{ ...SYSTEM_NODE_TAINT }],
      // Node auto repair acts on the conditions that eks-node-monitoring-agent reports.
      nodeRepairConfig: { enabled: true },
      dependsOn: [...nodes.attachments, ...(props.dependsOn ?? [])],
    });
  }
}
