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

/**
 * The events Karpenter handles, one EventBridge rule each, as in Karpenter's reference template
 * (REFERENCE below: ScheduledChangeRule, SpotInterruptionRule, RebalanceRule,
 * InstanceStateChangeRule, CapacityReservationInterruptionRule).
 */
export const INTERRUPTION_EVENTS = {
  'scheduled-change': { source: ['aws.health'], 'detail-type': ['AWS Health Event'] },
  'spot-interruption': { source: ['aws.ec2'], 'detail-type': ['EC2 Spot Instance Interruption Warning'] },
  rebalance: { source: ['aws.ec2'], 'detail-type': ['EC2 Instance Rebalance Recommendation'] },
  'instance-state-change': { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'] },
  'capacity-reservation-interruption': {
    source: ['aws.ec2'],
    'detail-type': ['EC2 Capacity Reservation Instance Interruption Warning'],
  },
} as const;

/** Where the controller policy below comes from, statement by statement (Sids kept). */
export const REFERENCE =
  'aws/karpenter-provider-aws@v1.14.1:website/content/en/docs/getting-started/getting-started-with-karpenter/cloudformation.yaml';

export interface KarpenterProps {
  /** EKS cluster name (plain, for resource names and policy conditions). */
  readonly clusterName: string;
  /** Attach the VPC CNI's policy to the node role (false where the CNI has its own Pod Identity role). */
  readonly cniPolicyOnNodes: boolean;
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
    this.nodeRole = nodeRole(
      this,
      'node-role',
      `${clusterName}-karpenter-node`,
      props.partition,
      props.cniPolicyOnNodes,
    ).role;
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
   * The controller's permissions: Karpenter's reference policy (REFERENCE: NodeLifecyclePolicy,
   * IAMIntegrationPolicy, EKSIntegrationPolicy, InterruptionPolicy, ZonalShiftPolicy,
   * ResourceDiscoveryPolicy) statement by statement, with the same Sids, actions, resources and
   * conditions; only the queue, node role and cluster are this environment's.
   */
  controllerStatements(
    props: Omit<KarpenterProps, 'clusterNameRef' | 'cniPolicyOnNodes'> & { readonly clusterArn: string },
  ): Statement[] {
    const { partition: p, region, accountId, clusterName } = props;
    const ec2 = (type: string) => `arn:${p}:ec2:${region}:*:${type}/*`;
    const launched = [
      'fleet',
      'instance',
      'volume',
      'network-interface',
      'launch-template',
      'spot-instances-request',
    ].map(ec2);
    const clusterTag = `kubernetes.io/cluster/${clusterName}`;
    const requestTagged = [
      { test: 'StringEquals', variable: `aws:RequestTag/${clusterTag}`, values: ['owned'] },
      { test: 'StringEquals', variable: 'aws:RequestTag/eks:eks-cluster-name', values: [clusterName] },
      { test: 'StringLike', variable: 'aws:RequestTag/karpenter.sh/nodepool', values: ['*'] },
    ];
    const resourceTagged = [
      { test: 'StringEquals', variable: `aws:ResourceTag/${clusterTag}`, values: ['owned'] },
      { test: 'StringLike', variable: 'aws:ResourceTag/karpenter.sh/nodepool', values: ['*'] },
    ];
    const profileTags = (kind: 'Request' | 'Resource', withClusterName: boolean) => [
      { test: 'StringEquals', variable: `aws:${kind}Tag/${clusterTag}`, values: ['owned'] },
      ...(withClusterName
        ? [{ test: 'StringEquals', variable: `aws:${kind}Tag/eks:eks-cluster-name`, values: [clusterName] }]
        : []),
      { test: 'StringEquals', variable: `aws:${kind}Tag/topology.kubernetes.io/region`, values: [region] },
      { test: 'StringLike', variable: `aws:${kind}Tag/karpenter.k8s.aws/ec2nodeclass`, values: ['*'] },
    ];
    const instanceProfiles = `arn:${p}:iam::${accountId}:instance-profile/*`;
    return [
      // --- NodeLifecyclePolicy ---
      {
        sid: 'AllowScopedEC2InstanceAccessActions',
        actions: ['ec2:RunInstances', 'ec2:CreateFleet'],
        resources: [
          `arn:${p}:ec2:${region}::image/*`,
          `arn:${p}:ec2:${region}::snapshot/*`,
          ec2('security-group'),
          ec2('subnet'),
          ec2('capacity-reservation'),
          ec2('placement-group'),
        ],
      },
      {
        sid: 'AllowScopedEC2LaunchTemplateAccessActions',
        actions: ['ec2:RunInstances', 'ec2:CreateFleet'],
        resources: [ec2('launch-template')],
        conditions: resourceTagged,
      },
      {
        sid: 'AllowScopedEC2InstanceActionsWithTags',
        actions: ['ec2:RunInstances', 'ec2:CreateFleet', 'ec2:CreateLaunchTemplate'],
        resources: launched,
        conditions: requestTagged,
      },
      {
        sid: 'AllowScopedResourceCreationTagging',
        actions: ['ec2:CreateTags'],
        resources: launched,
        conditions: [
          ...requestTagged,
          {
            test: 'StringEquals',
            variable: 'ec2:CreateAction',
            values: ['RunInstances', 'CreateFleet', 'CreateLaunchTemplate'],
          },
        ],
      },
      {
        sid: 'AllowScopedResourceTagging',
        actions: ['ec2:CreateTags'],
        resources: [ec2('instance')],
        conditions: [
          ...resourceTagged,
          {
            test: 'StringEqualsIfExists',
            variable: 'aws:RequestTag/eks:eks-cluster-name',
            values: [clusterName],
          },
          {
            test: 'ForAllValues:StringEquals',
            variable: 'aws:TagKeys',
            values: ['eks:eks-cluster-name', 'karpenter.sh/nodeclaim', 'Name'],
          },
        ],
      },
      {
        sid: 'AllowScopedDeletion',
        actions: ['ec2:TerminateInstances', 'ec2:DeleteLaunchTemplate'],
        resources: [ec2('instance'), ec2('launch-template')],
        conditions: resourceTagged,
      },
      // --- IAMIntegrationPolicy ---
      {
        sid: 'AllowPassingInstanceRole',
        actions: ['iam:PassRole'],
        resources: [this.nodeRole.arn],
        conditions: [
          {
            test: 'StringEquals',
            variable: 'iam:PassedToService',
            values: ['ec2.amazonaws.com', 'ec2.amazonaws.com.cn'],
          },
        ],
      },
      {
        sid: 'AllowScopedInstanceProfileCreationActions',
        actions: ['iam:CreateInstanceProfile'],
        resources: [instanceProfiles],
        conditions: profileTags('Request', true),
      },
      {
        sid: 'AllowScopedInstanceProfileTagActions',
        actions: ['iam:TagInstanceProfile'],
        resources: [instanceProfiles],
        conditions: [...profileTags('Resource', false), ...profileTags('Request', true)],
      },
      {
        sid: 'AllowScopedInstanceProfileActions',
        actions: [
          'iam:AddRoleToInstanceProfile',
          'iam:RemoveRoleFromInstanceProfile',
          'iam:DeleteInstanceProfile',
        ],
        resources: [instanceProfiles],
        conditions: profileTags('Resource', false),
      },
      // --- EKSIntegrationPolicy ---
      {
        sid: 'AllowAPIServerEndpointDiscovery',
        actions: ['eks:DescribeCluster'],
        resources: [props.clusterArn],
      },
      // --- InterruptionPolicy ---
      {
        sid: 'AllowInterruptionQueueActions',
        actions: ['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
        resources: [this.queue.arn],
      },
      // --- ZonalShiftPolicy ---
      {
        sid: 'AllowZonalShiftStatusReadOnly',
        actions: ['arc-zonal-shift:GetManagedResource'],
        // The action takes no resource-level permission; the condition names this cluster.
        resources: ['*'],
        conditions: [
          {
            test: 'StringEquals',
            variable: 'arc-zonal-shift:ResourceIdentifier',
            values: [props.clusterArn],
          },
        ],
      },
      // --- ResourceDiscoveryPolicy ---
      {
        sid: 'AllowRegionalReadActions',
        actions: [
          'ec2:DescribeCapacityReservations',
          'ec2:DescribeImages',
          'ec2:DescribeInstances',
          'ec2:DescribeInstanceStatus',
          'ec2:DescribeInstanceTypeOfferings',
          'ec2:DescribeInstanceTypes',
          'ec2:DescribeLaunchTemplates',
          'ec2:DescribePlacementGroups',
          'ec2:DescribeSecurityGroups',
          'ec2:DescribeSpotPriceHistory',
          'ec2:DescribeSubnets',
        ],
        // These Describe calls support no resource-level permissions; the region condition scopes them.
        resources: ['*'],
        conditions: [{ test: 'StringEquals', variable: 'aws:RequestedRegion', values: [region] }],
      },
      {
        sid: 'AllowSSMReadActions',
        actions: ['ssm:GetParameter'],
        resources: [`arn:${p}:ssm:${region}::parameter/aws/service/*`],
      },
      {
        sid: 'AllowPricingReadActions',
        actions: ['pricing:GetProducts'],
        // The Price List API has no resources to scope to.
        resources: ['*'],
      },
      {
        sid: 'AllowUnscopedInstanceProfileListAction',
        actions: ['iam:ListInstanceProfiles'],
        // ListInstanceProfiles lists the account's profiles: no resource to scope it to.
        resources: ['*'],
      },
      {
        sid: 'AllowInstanceProfileReadActions',
        actions: ['iam:GetInstanceProfile'],
        resources: [instanceProfiles],
      },
    ];
  }
}
