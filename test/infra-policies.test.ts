/**
 * IAM policies against their upstream references, by property: Karpenter's controller policy
 * statement by statement against the v1.14.1 reference template, the EBS CSI driver's against the
 * managed policy's statements, and the DR replication role against the S3 guide on replicating
 * encrypted objects with S3 Bucket Keys. The reference tables below are transcribed facts, each
 * with its source; the policies are read from the synthesized stacks of fixture environments.
 */
import { describe, expect, test } from 'vitest';
import { clusterName } from '../clusters/lib/environment.js';
import { REFERENCE } from '../infra/karpenter/index.js';
import {
  address,
  deref,
  type PolicyStatement,
  resource,
  type Stages,
  statements,
  str,
  synth,
  tf,
} from './infra-helpers.js';
import { fixture, resolve } from './support/fixtures.js';

const source = fixture('source', 0);
source.tier = 'production';
source.authentication = { kind: 'cognito' };
source.modelData.disasterRecovery = { role: 'source', replicaEnvironment: 'replica' };
const replica = fixture('replica', 1);
replica.tier = 'production';
replica.authentication = { kind: 'cognito' };
replica.region = 'us-east-2';
replica.availabilityZones = ['us-east-2a', 'us-east-2b'];
replica.modelData.disasterRecovery = { role: 'replica', sourceEnvironment: 'source' };
const all = resolve(source, replica);
const env = all.find((e) => e.name === 'source')!;
const target = all.find((e) => e.name === 'replica')!;
let cached: Stages | undefined;
const stages = () => {
  cached ??= synth(env, all);
  return cached;
};

const PARTITION = tf('data.aws_partition.partition.partition');
const REGION = tf('data.aws_region.region.region');
const ACCOUNT = tf('data.aws_caller_identity.account.account_id');

interface RefCondition {
  readonly test: string;
  readonly variable: string;
  readonly values: readonly string[];
}
interface RefStatement {
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly conditions?: readonly RefCondition[];
}

/**
 * Karpenter's controller policy, from `REFERENCE` (aws/karpenter-provider-aws@v1.14.1, the
 * getting-started CloudFormation template: NodeLifecyclePolicy, IAMIntegrationPolicy,
 * EKSIntegrationPolicy, InterruptionPolicy, ZonalShiftPolicy, ResourceDiscoveryPolicy), with
 * ${AWS::Partition}, ${AWS::Region}, ${AWS::AccountId} and ${ClusterName} filled in; the node
 * role, queue and cluster ARNs are this environment's resources.
 */
function karpenterReference(c: {
  cluster: string;
  nodeRoleArn: string;
  queueArn: string;
  clusterArn: string;
}): RefStatement[] {
  const ec2 = (t: string) => `arn:${PARTITION}:ec2:${REGION}:*:${t}/*`;
  const launched = [
    'fleet',
    'instance',
    'volume',
    'network-interface',
    'launch-template',
    'spot-instances-request',
  ].map(ec2);
  const eq = (variable: string, ...values: string[]) => ({ test: 'StringEquals', variable, values });
  const like = (variable: string, ...values: string[]) => ({ test: 'StringLike', variable, values });
  const owned = `kubernetes.io/cluster/${c.cluster}`;
  const profile = `arn:${PARTITION}:iam::${ACCOUNT}:instance-profile/*`;
  return [
    {
      sid: 'AllowScopedEC2InstanceAccessActions',
      actions: ['ec2:RunInstances', 'ec2:CreateFleet'],
      resources: [
        `arn:${PARTITION}:ec2:${REGION}::image/*`,
        `arn:${PARTITION}:ec2:${REGION}::snapshot/*`,
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
      conditions: [
        eq(`aws:ResourceTag/${owned}`, 'owned'),
        like('aws:ResourceTag/karpenter.sh/nodepool', '*'),
      ],
    },
    {
      sid: 'AllowScopedEC2InstanceActionsWithTags',
      actions: ['ec2:RunInstances', 'ec2:CreateFleet', 'ec2:CreateLaunchTemplate'],
      resources: launched,
      conditions: [
        eq(`aws:RequestTag/${owned}`, 'owned'),
        eq('aws:RequestTag/eks:eks-cluster-name', c.cluster),
        like('aws:RequestTag/karpenter.sh/nodepool', '*'),
      ],
    },
    {
      sid: 'AllowScopedResourceCreationTagging',
      actions: ['ec2:CreateTags'],
      resources: launched,
      conditions: [
        eq(`aws:RequestTag/${owned}`, 'owned'),
        eq('aws:RequestTag/eks:eks-cluster-name', c.cluster),
        eq('ec2:CreateAction', 'RunInstances', 'CreateFleet', 'CreateLaunchTemplate'),
        like('aws:RequestTag/karpenter.sh/nodepool', '*'),
      ],
    },
    {
      sid: 'AllowScopedResourceTagging',
      actions: ['ec2:CreateTags'],
      resources: [ec2('instance')],
      conditions: [
        eq(`aws:ResourceTag/${owned}`, 'owned'),
        like('aws:ResourceTag/karpenter.sh/nodepool', '*'),
        {
          test: 'StringEqualsIfExists',
          variable: 'aws:RequestTag/eks:eks-cluster-name',
          values: [c.cluster],
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
      conditions: [
        eq(`aws:ResourceTag/${owned}`, 'owned'),
        like('aws:ResourceTag/karpenter.sh/nodepool', '*'),
      ],
    },
    {
      sid: 'AllowPassingInstanceRole',
      actions: ['iam:PassRole'],
      resources: [c.nodeRoleArn],
      conditions: [eq('iam:PassedToService', 'ec2.amazonaws.com', 'ec2.amazonaws.com.cn')],
    },
    {
      sid: 'AllowScopedInstanceProfileCreationActions',
      actions: ['iam:CreateInstanceProfile'],
      resources: [profile],
      conditions: [
        eq(`aws:RequestTag/${owned}`, 'owned'),
        eq('aws:RequestTag/eks:eks-cluster-name', c.cluster),
        eq('aws:RequestTag/topology.kubernetes.io/region', REGION),
        like('aws:RequestTag/karpenter.k8s.aws/ec2nodeclass', '*'),
      ],
    },
    {
      sid: 'AllowScopedInstanceProfileTagActions',
      actions: ['iam:TagInstanceProfile'],
      resources: [profile],
      conditions: [
        eq(`aws:ResourceTag/${owned}`, 'owned'),
        eq('aws:ResourceTag/topology.kubernetes.io/region', REGION),
        eq(`aws:RequestTag/${owned}`, 'owned'),
        eq('aws:RequestTag/eks:eks-cluster-name', c.cluster),
        eq('aws:RequestTag/topology.kubernetes.io/region', REGION),
        like('aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass', '*'),
        like('aws:RequestTag/karpenter.k8s.aws/ec2nodeclass', '*'),
      ],
    },
    {
      sid: 'AllowScopedInstanceProfileActions',
      actions: [
        'iam:AddRoleToInstanceProfile',
        'iam:RemoveRoleFromInstanceProfile',
        'iam:DeleteInstanceProfile',
      ],
      resources: [profile],
      conditions: [
        eq(`aws:ResourceTag/${owned}`, 'owned'),
        eq('aws:ResourceTag/topology.kubernetes.io/region', REGION),
        like('aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass', '*'),
      ],
    },
    { sid: 'AllowAPIServerEndpointDiscovery', actions: ['eks:DescribeCluster'], resources: [c.clusterArn] },
    {
      sid: 'AllowInterruptionQueueActions',
      actions: ['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
      resources: [c.queueArn],
    },
    {
      sid: 'AllowZonalShiftStatusReadOnly',
      actions: ['arc-zonal-shift:GetManagedResource'],
      resources: ['*'],
      conditions: [eq('arc-zonal-shift:ResourceIdentifier', c.clusterArn)],
    },
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
      resources: ['*'],
      conditions: [eq('aws:RequestedRegion', REGION)],
    },
    {
      sid: 'AllowSSMReadActions',
      actions: ['ssm:GetParameter'],
      resources: [`arn:${PARTITION}:ssm:${REGION}::parameter/aws/service/*`],
    },
    { sid: 'AllowPricingReadActions', actions: ['pricing:GetProducts'], resources: ['*'] },
    {
      sid: 'AllowUnscopedInstanceProfileListAction',
      actions: ['iam:ListInstanceProfiles'],
      resources: ['*'],
    },
    { sid: 'AllowInstanceProfileReadActions', actions: ['iam:GetInstanceProfile'], resources: [profile] },
  ];
}

const sorted = (xs: readonly string[] | undefined) => [...(xs ?? [])].sort();
const conditionKey = (c: RefCondition) => `${c.test} ${c.variable} = ${sorted(c.values).join(',')}`;

describe(`Karpenter's controller policy (${REFERENCE})`, () => {
  const ours = (): PolicyStatement[] => {
    const { cluster } = stages();
    return statements(cluster, resource(cluster, 'aws_iam_role_policy', 'identity/karpenter/policy').policy);
  };
  const reference = () => {
    const { cluster } = stages();
    return karpenterReference({
      cluster: clusterName(env),
      nodeRoleArn: tf(`${address(cluster, 'aws_iam_role', 'karpenter/node-role')}.arn`),
      queueArn: tf(`${address(cluster, 'aws_sqs_queue', 'karpenter/interruption-queue')}.arn`),
      clusterArn: tf(`${address(cluster, 'aws_eks_cluster', 'eks/cluster')}.arn`),
    });
  };

  test('grants every action the reference grants, and nothing else', () => {
    const granted = new Set(ours().flatMap((s) => s.actions));
    const expected = new Set(reference().flatMap((s) => s.actions));
    expect(
      [...expected].filter((a) => !granted.has(a)),
      'missing',
    ).toEqual([]);
    expect(
      [...granted].filter((a) => !expected.has(a)),
      'extra',
    ).toEqual([]);
  });

  test('statement by statement: the same Sids, each with the same actions, resources and conditions', () => {
    const bySid = new Map(ours().map((s) => [s.sid, s]));
    expect([...bySid.keys()].sort()).toEqual(
      reference()
        .map((s) => s.sid)
        .sort(),
    );
    for (const ref of reference()) {
      const st = bySid.get(ref.sid)!;
      expect(st.effect, ref.sid).toBe('Allow');
      expect(sorted(st.actions), ref.sid).toEqual(sorted(ref.actions));
      expect(sorted(st.resources), ref.sid).toEqual(sorted(ref.resources));
      expect(sorted((st.condition ?? []).map(conditionKey)), ref.sid).toEqual(
        sorted((ref.conditions ?? []).map(conditionKey)),
      );
    }
  });
});

/**
 * The AWS-managed AmazonEBSCSIDriverPolicy's actions (its source: kubernetes-sigs/aws-ebs-csi-driver
 * @v1.56.0:docs/example-iam-policy.json, "AWS maintains a managed policy version of the example
 * policy", docs/install.md), and its tag statements.
 */
const EBS_CSI_ACTIONS = [
  'ec2:DescribeAvailabilityZones',
  'ec2:DescribeInstances',
  'ec2:DescribeSnapshots',
  'ec2:DescribeTags',
  'ec2:DescribeVolumes',
  'ec2:DescribeVolumesModifications',
  'ec2:DescribeVolumeStatus',
  'ec2:CreateSnapshot',
  'ec2:ModifyVolume',
  'ec2:CopyVolumes',
  'ec2:AttachVolume',
  'ec2:DetachVolume',
  'ec2:CreateVolume',
  'ec2:EnableFastSnapshotRestores',
  'ec2:CreateTags',
  'ec2:DeleteTags',
  'ec2:DeleteVolume',
  'ec2:DeleteSnapshot',
];

describe('the EBS CSI driver (AmazonEBSCSIDriverPolicy)', () => {
  const ours = (): PolicyStatement[] => {
    const { cluster } = stages();
    return statements(cluster, resource(cluster, 'aws_iam_role_policy', 'identity/ebsCsi/policy').policy);
  };

  test('grants every action of the managed policy', () => {
    const granted = new Set(ours().flatMap((s) => s.actions));
    expect(EBS_CSI_ACTIONS.filter((a) => !granted.has(a))).toEqual([]);
  });

  test('tags as the managed policy does: CreateTags only while creating, DeleteTags on volumes and snapshots', () => {
    const volume = `arn:${PARTITION}:ec2:${REGION}:*:volume/*`;
    const snapshot = `arn:${PARTITION}:ec2:${REGION}::snapshot/*`;
    const create = ours().filter((s) => s.actions.includes('ec2:CreateTags'));
    expect(create).toHaveLength(1);
    expect(sorted(create[0]!.resources)).toEqual(sorted([volume, snapshot]));
    expect(create[0]!.condition).toEqual([
      {
        test: 'StringEquals',
        variable: 'ec2:CreateAction',
        values: ['CreateVolume', 'CreateSnapshot', 'CopyVolumes'],
      },
    ]);
    const remove = ours().filter((s) => s.actions.includes('ec2:DeleteTags'));
    expect(sorted(remove.flatMap((s) => s.resources ?? []))).toEqual(sorted([volume, snapshot]));
  });
});

describe('DR replication with S3 Bucket Keys (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html)', () => {
  const policy = () => {
    const { cluster } = stages();
    return statements(
      cluster,
      resource(cluster, 'aws_iam_role_policy', 'model-data/replication-policy').policy,
    );
  };
  const context = (st: PolicyStatement) =>
    st.condition?.find((c) => c.variable === 'kms:EncryptionContext:aws:s3:arn');

  test('both buckets use an S3 Bucket Key, which makes the KMS encryption context the bucket ARN', () => {
    const { cluster } = stages();
    const sse = resource(
      cluster,
      'aws_s3_bucket_server_side_encryption_configuration',
      'model-data/encryption',
    );
    expect(sse.rule).toEqual([expect.objectContaining({ bucket_key_enabled: true })]);
  });

  test('kms:Decrypt on the source key, in the source region, for the source bucket ARN (not its objects)', () => {
    const { cluster } = stages();
    const decrypt = policy().filter((s) => s.actions.includes('kms:Decrypt'));
    const sourceKey = tf(`${address(cluster, 'aws_kms_key', 'model-data/key')}.arn`);
    const onSource = decrypt.find((s) => s.resources?.includes(sourceKey))!;
    expect(onSource.resources).toEqual([sourceKey]);
    expect(context(onSource)).toEqual({
      test: 'StringEquals',
      variable: 'kms:EncryptionContext:aws:s3:arn',
      values: [tf(`${address(cluster, 'aws_s3_bucket', 'model-data/bucket')}.arn`)],
    });
    expect(onSource.condition).toContainEqual({
      test: 'StringEquals',
      variable: 'kms:ViaService',
      values: [`s3.${REGION}.amazonaws.com`],
    });
  });

  test("kms:Encrypt and kms:Decrypt on the replica's key (by full ARN, in its region), for the replica bucket ARN", () => {
    const { cluster } = stages();
    const replicaBucket = `arn:${PARTITION}:s3:::genai-${target.name}-models-${ACCOUNT}`;
    const st = policy().find((s) => s.actions.includes('kms:Encrypt'))!;
    expect(st.actions).toEqual(expect.arrayContaining(['kms:Encrypt', 'kms:Decrypt']));
    expect(st.resources).toHaveLength(1);
    const key = deref(cluster, st.resources![0]);
    expect(key).toMatchObject({ type: 'aws_kms_alias', attribute: 'target_key_arn' });
    expect(key.block).toMatchObject({ name: `alias/genai-${target.name}-models`, region: target.region });
    expect(context(st)).toEqual({
      test: 'StringEquals',
      variable: 'kms:EncryptionContext:aws:s3:arn',
      values: [replicaBucket],
    });
    expect(st.condition).toContainEqual({
      test: 'StringEquals',
      variable: 'kms:ViaService',
      values: [`s3.${target.region}.amazonaws.com`],
    });
  });

  test('no encryption-context condition names objects (`<bucket>/*`): with Bucket Keys KMS never sees them', () => {
    for (const st of policy()) {
      for (const v of context(st)?.values ?? []) expect(str(v), st.sid).not.toMatch(/\/\*$/);
    }
  });
});
