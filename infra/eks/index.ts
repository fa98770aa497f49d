/**
 * The EKS control plane and the system managed node group: API authentication with access
 * entries, envelope encryption of Secrets with a customer managed KMS key, control-plane
 * logging, a private endpoint (public only where the environment allows it, with CIDRs), and
 * two (by default) on-demand nodes labelled and tainted for critical add-ons.
 */
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { Ec2Tag } from '@cdktf/provider-aws/lib/ec2-tag/index.js';
import { EksCluster } from '@cdktf/provider-aws/lib/eks-cluster/index.js';
import { EksNodeGroup } from '@cdktf/provider-aws/lib/eks-node-group/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { Construct } from 'constructs';
import { SYSTEM_NODES } from '../../clusters/contract.js';
import type { ITerraformDependable } from '../cdktf.js';
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

/** Managed policies every EKS worker node role needs (kubelet, VPC CNI on the node, image pulls, SSM). */
export const NODE_MANAGED_POLICIES = [
  'AmazonEKSWorkerNodePolicy',
  'AmazonEKS_CNI_Policy',
  'AmazonEC2ContainerRegistryPullOnly',
  'AmazonSSMManagedInstanceCore',
] as const;

/** Creates a role for EC2 worker nodes with the managed policies above. */
export function nodeRole(
  scope: Construct,
  id: string,
  name: string,
  partition: string,
): { role: IamRole; attachments: IamRolePolicyAttachment[] } {
  const role = new IamRole(scope, id, {
    name,
    assumeRolePolicy: serviceTrust(scope, `${id}-trust`, 'ec2.amazonaws.com').json,
  });
  const attachments = NODE_MANAGED_POLICIES.map(
    (policy) =>
      new IamRolePolicyAttachment(scope, `${id}-${policy}`, {
        role: role.name,
        policyArn: `arn:${partition}:iam::aws:policy/${policy}`,
      }),
  );
  return { role, attachments };
}

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
    // Created before the cluster so that retention is ours (EKS would create it without one).
    const logs = new CloudwatchLogGroup(this, 'control-plane-logs', {
      name: `/aws/eks/${name}/cluster`,
      retentionInDays: props.logRetentionDays ?? 90,
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
        endpointPublicAccess: props.publicAccess,
        ...(props.publicAccess ? { publicAccessCidrs: [...props.publicAccessCidrs] } : {}),
      },
      kubernetesNetworkConfig: { ipFamily: 'ipv4' },
      upgradePolicy: { supportType: 'STANDARD' },
      dependsOn: [clusterPolicy, encryptionPolicy, logs],
    });
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
}

/** The system managed node group: on-demand, labelled and tainted for critical add-ons, auto repair on. */
export class SystemNodeGroup extends Construct {
  readonly nodeGroup: EksNodeGroup;
  readonly nodeRole: IamRole;

  constructor(scope: Construct, id: string, props: SystemNodeGroupProps) {
    super(scope, id);
    const name = props.cluster.name;
    const nodes = nodeRole(this, 'role', `${name}-system-node`, props.partition);
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
