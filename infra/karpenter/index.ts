/**
 * Karpenter's AWS prerequisites: the node role (with an EC2_LINUX access entry so its nodes can
 * join), the SQS interruption queue with the EventBridge rules that feed it, and the controller's
 * least-privilege statements (granted through EKS Pod Identity by infra/identity).
 */
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule/index.js';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target/index.js';
import { EksAccessEntry } from '@cdktf/provider-aws/lib/eks-access-entry/index.js';
import type { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue/index.js';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy/index.js';
import { Construct } from 'constructs';
import { nodeRole } from '../eks/index.js';
import { policyDocument, type Statement } from '../lib/iam.js';

/** The events Karpenter handles: spot interruptions, rebalance recommendations, state changes, health. */
export const INTERRUPTION_EVENTS = {
  'scheduled-change': { source: ['aws.health'], 'detail-type': ['AWS Health Event'] },
  'spot-interruption': { source: ['aws.ec2'], 'detail-type': ['EC2 Spot Instance Interruption Warning'] },
  rebalance: { source: ['aws.ec2'], 'detail-type': ['EC2 Instance Rebalance Recommendation'] },
  'instance-state-change': { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'] },
} as const;

export interface KarpenterProps {
  /** EKS cluster name (plain, for resource names and policy conditions). */
  readonly clusterName: string;
  /** The cluster's name as an attribute of the cluster resource (the access entry waits for it). */
  readonly clusterNameRef: string;
  /** AWS partition, region and account id (attributes of data sources). */
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

export class KarpenterPrerequisites extends Construct {
  readonly nodeRole: IamRole;
  readonly queue: SqsQueue;

  constructor(scope: Construct, id: string, props: KarpenterProps) {
    super(scope, id);
    const { clusterName } = props;
    this.nodeRole = nodeRole(this, 'node-role', `${clusterName}-karpenter-node`, props.partition).role;
    new EksAccessEntry(this, 'node-access-entry', {
      clusterName: props.clusterNameRef,
      principalArn: this.nodeRole.arn,
      type: 'EC2_LINUX',
    });
    this.queue = new SqsQueue(this, 'interruption-queue', {
      name: `${clusterName}-karpenter`,
      messageRetentionSeconds: 300,
      sqsManagedSseEnabled: true,
    });
    new SqsQueuePolicy(this, 'interruption-queue-policy', {
      queueUrl: this.queue.url,
      policy: policyDocument(this, 'interruption-queue-access', [
        {
          sid: 'EventBridgeSendsEvents',
          actions: ['sqs:SendMessage'],
          resources: [this.queue.arn],
          principals: [{ type: 'Service', identifiers: ['events.amazonaws.com', 'sqs.amazonaws.com'] }],
        },
        {
          sid: 'DenyInsecureTransport',
          effect: 'Deny',
          actions: ['sqs:*'],
          resources: [this.queue.arn],
          principals: [{ type: 'AWS', identifiers: ['*'] }],
          conditions: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
        },
      ]).json,
    });
    for (const [name, pattern] of Object.entries(INTERRUPTION_EVENTS)) {
      const rule = new CloudwatchEventRule(this, `rule-${name}`, {
        name: `${clusterName}-karpenter-${name}`,
        description: `Karpenter interruption handling (${clusterName}): ${pattern['detail-type'][0]}`,
        eventPattern: JSON.stringify(pattern),
      });
      new CloudwatchEventTarget(this, `rule-${name}-target`, {
        rule: rule.name,
        targetId: 'karpenter-interruption-queue',
        arn: this.queue.arn,
      });
    }
  }

  /**
   * The controller's permissions, after Karpenter's reference policy: launch and tag only
   * resources tagged for this cluster, delete only instances and launch templates it created,
   * pass only its node role, manage only instance profiles tagged for this cluster.
   */
  controllerStatements(
    props: Omit<KarpenterProps, 'clusterNameRef'> & { readonly clusterArn: string },
  ): Statement[] {
    const { partition: p, region, accountId, clusterName } = props;
    const ec2 = (type: string) => `arn:${p}:ec2:${region}:*:${type}/*`;
    const owned = `aws:ResourceTag/kubernetes.io/cluster/${clusterName}`;
    const requestOwned = `aws:RequestTag/kubernetes.io/cluster/${clusterName}`;
    const inRegion = { test: 'StringEquals', variable: 'aws:RequestedRegion', values: [region] };
    const launched = [
      'fleet',
      'instance',
      'volume',
      'network-interface',
      'launch-template',
      'spot-instances-request',
    ];
    const taggedAtRequest = [
      { test: 'StringEquals', variable: requestOwned, values: ['owned'] },
      { test: 'StringEquals', variable: 'aws:RequestTag/eks:eks-cluster-name', values: [clusterName] },
      { test: 'StringLike', variable: 'aws:RequestTag/karpenter.sh/nodepool', values: ['*'] },
    ];
    const ownedByNodePool = [
      { test: 'StringEquals', variable: owned, values: ['owned'] },
      { test: 'StringLike', variable: 'aws:ResourceTag/karpenter.sh/nodepool', values: ['*'] },
    ];
    const profileTags = (kind: 'Request' | 'Resource') => [
      {
        test: 'StringEquals',
        variable: `aws:${kind}Tag/kubernetes.io/cluster/${clusterName}`,
        values: ['owned'],
      },
      { test: 'StringEquals', variable: `aws:${kind}Tag/eks:eks-cluster-name`, values: [clusterName] },
      { test: 'StringEquals', variable: `aws:${kind}Tag/topology.kubernetes.io/region`, values: [region] },
      { test: 'StringLike', variable: `aws:${kind}Tag/karpenter.k8s.aws/ec2nodeclass`, values: ['*'] },
    ];
    const instanceProfiles = `arn:${p}:iam::${accountId}:instance-profile/*`;
    return [
      {
        sid: 'LaunchFromSharedResources',
        actions: ['ec2:RunInstances', 'ec2:CreateFleet'],
        resources: [
          `arn:${p}:ec2:${region}::image/*`,
          `arn:${p}:ec2:${region}::snapshot/*`,
          ec2('security-group'),
          ec2('subnet'),
          ec2('capacity-reservation'),
        ],
      },
      {
        sid: 'LaunchFromOwnLaunchTemplates',
        actions: ['ec2:RunInstances', 'ec2:CreateFleet'],
        resources: [ec2('launch-template')],
        conditions: ownedByNodePool,
      },
      {
        sid: 'CreateTaggedResources',
        actions: ['ec2:RunInstances', 'ec2:CreateFleet', 'ec2:CreateLaunchTemplate'],
        resources: launched.map(ec2),
        conditions: taggedAtRequest,
      },
      {
        sid: 'TagOnCreate',
        actions: ['ec2:CreateTags'],
        resources: launched.map(ec2),
        conditions: [
          ...taggedAtRequest,
          {
            test: 'StringEquals',
            variable: 'ec2:CreateAction',
            values: ['RunInstances', 'CreateFleet', 'CreateLaunchTemplate'],
          },
        ],
      },
      {
        sid: 'TagOwnInstances',
        actions: ['ec2:CreateTags'],
        resources: [ec2('instance')],
        conditions: [
          ...ownedByNodePool,
          {
            test: 'ForAllValues:StringEquals',
            variable: 'aws:TagKeys',
            values: ['eks:eks-cluster-name', 'karpenter.sh/nodeclaim', 'Name'],
          },
        ],
      },
      {
        sid: 'DeleteOwnInstancesAndLaunchTemplates',
        actions: ['ec2:TerminateInstances', 'ec2:DeleteLaunchTemplate'],
        resources: [ec2('instance'), ec2('launch-template')],
        conditions: ownedByNodePool,
      },
      {
        sid: 'RegionalReads',
        actions: [
          'ec2:DescribeAvailabilityZones',
          'ec2:DescribeCapacityReservations',
          'ec2:DescribeImages',
          'ec2:DescribeInstances',
          'ec2:DescribeInstanceTypeOfferings',
          'ec2:DescribeInstanceTypes',
          'ec2:DescribeLaunchTemplates',
          'ec2:DescribeSecurityGroups',
          'ec2:DescribeSpotPriceHistory',
          'ec2:DescribeSubnets',
        ],
        // These Describe calls support no resource-level permissions; the region condition scopes them.
        resources: ['*'],
        conditions: [inRegion],
      },
      {
        sid: 'ReadAmiParameters',
        actions: ['ssm:GetParameter'],
        resources: [`arn:${p}:ssm:${region}::parameter/aws/service/*`],
      },
      {
        sid: 'ReadPrices',
        actions: ['pricing:GetProducts'],
        // The Price List API has no resources to scope to.
        resources: ['*'],
      },
      {
        sid: 'ConsumeInterruptionQueue',
        actions: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
        resources: [this.queue.arn],
      },
      {
        sid: 'PassNodeRole',
        actions: ['iam:PassRole'],
        resources: [this.nodeRole.arn],
        conditions: [
          { test: 'StringEquals', variable: 'iam:PassedToService', values: ['ec2.amazonaws.com'] },
        ],
      },
      {
        sid: 'CreateTaggedInstanceProfiles',
        actions: ['iam:CreateInstanceProfile'],
        resources: [instanceProfiles],
        conditions: profileTags('Request'),
      },
      {
        sid: 'TagOwnInstanceProfiles',
        actions: ['iam:TagInstanceProfile'],
        resources: [instanceProfiles],
        conditions: [...profileTags('Resource'), ...profileTags('Request')],
      },
      {
        sid: 'ManageOwnInstanceProfiles',
        actions: [
          'iam:AddRoleToInstanceProfile',
          'iam:RemoveRoleFromInstanceProfile',
          'iam:DeleteInstanceProfile',
        ],
        resources: [instanceProfiles],
        conditions: profileTags('Resource'),
      },
      {
        sid: 'ReadInstanceProfiles',
        actions: ['iam:GetInstanceProfile', 'iam:ListInstanceProfiles'],
        resources: [instanceProfiles],
      },
      {
        sid: 'DiscoverApiServer',
        actions: ['eks:DescribeCluster'],
        resources: [props.clusterArn],
      },
    ];
  }
}
