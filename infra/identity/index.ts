/**
 * One IAM role per in-cluster service account that calls AWS (IDENTITIES in clusters/contract.ts), each
 * with its own least-privilege policy and an EKS Pod Identity association. The statements are
 * a record keyed by identity, so an identity added to the table without a policy is a compile
 * error, and a policy cannot be written for an identity that does not exist.
 */
import { Construct } from 'constructs';
import { IDENTITIES, type IdentityName, MODEL_DATA } from '../../clusters/contract.js';
import { PodIdentity, type Statement } from '../lib/iam.js';

export type IdentityStatements = { readonly [K in IdentityName]: readonly Statement[] };

export interface WorkloadIdentitiesProps {
  /** EKS cluster name (an attribute of the cluster resource). */
  readonly clusterName: string;
  /** Prefix of role names, e.g. `genai-dev`. */
  readonly rolePrefix: string;
  /** The permissions of each identity. */
  readonly statements: IdentityStatements;
}

/** Role name of an identity: `<prefix>-<identity in kebab case>`. */
export function identityRoleName(prefix: string, name: IdentityName): string {
  return `${prefix}-${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export class WorkloadIdentities extends Construct {
  readonly identities: { readonly [K in IdentityName]: PodIdentity };

  constructor(scope: Construct, id: string, props: WorkloadIdentitiesProps) {
    super(scope, id);
    const names = Object.keys(IDENTITIES) as IdentityName[];
    this.identities = Object.fromEntries(
      names.map((name) => [
        name,
        new PodIdentity(this, name, {
          clusterName: props.clusterName,
          identity: IDENTITIES[name],
          roleName: identityRoleName(props.rolePrefix, name),
          statements: props.statements[name],
        }),
      ]),
    ) as { [K in IdentityName]: PodIdentity };
  }
}

/** Resources the identities are scoped to. */
export interface ScopeArns {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly clusterName: string;
  readonly vpcId: string;
  readonly modelBucketArn: string;
  readonly modelKeyArn: string;
  /** ARNs of the environment's Secrets Manager secrets (infra/secrets). */
  readonly environmentSecretArns: readonly string[];
}

const inRegion = (region: string) => ({
  test: 'StringEquals',
  variable: 'aws:RequestedRegion',
  values: [region],
});

/** Read the model bucket (list and get) and decrypt its objects. */
export function readModels(s: ScopeArns): Statement[] {
  return [
    { sid: 'ListModelBucket', actions: ['s3:ListBucket'], resources: [s.modelBucketArn] },
    { sid: 'ReadModelObjects', actions: ['s3:GetObject'], resources: [`${s.modelBucketArn}/*`] },
    {
      sid: 'DecryptModelObjects',
      actions: ['kms:Decrypt'],
      resources: [s.modelKeyArn],
      conditions: [
        { test: 'StringEquals', variable: 'kms:ViaService', values: [`s3.${s.region}.amazonaws.com`] },
      ],
    },
  ];
}

/** Read and write the model bucket (pipelines publish models and artifacts). */
export function writeModels(s: ScopeArns): Statement[] {
  return [
    {
      sid: 'ListModelBucket',
      actions: ['s3:ListBucket', 's3:GetBucketLocation'],
      resources: [s.modelBucketArn],
    },
    {
      sid: 'ReadWriteModelObjects',
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
      resources: [`${s.modelBucketArn}/*`],
    },
    {
      sid: 'EncryptModelObjects',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [s.modelKeyArn],
      conditions: [
        { test: 'StringEquals', variable: 'kms:ViaService', values: [`s3.${s.region}.amazonaws.com`] },
      ],
    },
  ];
}

/**
 * The linked prefix of the model bucket (clusters/contract.ts MODEL_DATA: what FSx imports), as
 * S3 resources: listing limited to keys under it, objects under it.
 */
function linkedPrefix(s: ScopeArns): { list: Statement['conditions']; objects: string } {
  const prefix = MODEL_DATA.linked.s3Prefix;
  return {
    list: [{ test: 'StringLike', variable: 's3:prefix', values: [`${prefix}*`] }],
    objects: `${s.modelBucketArn}/${prefix}*`,
  };
}

/**
 * The model staging Jobs: write the models they copy from Hugging Face under `models/` (and read
 * back what an earlier run staged, to resume), nothing else of the bucket; no delete.
 */
export function stageModels(s: ScopeArns): Statement[] {
  const linked = linkedPrefix(s);
  return [
    {
      sid: 'ListStagedModels',
      actions: ['s3:ListBucket'],
      resources: [s.modelBucketArn],
      conditions: linked.list,
    },
    {
      sid: 'WriteStagedModels',
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
      resources: [linked.objects],
    },
    {
      sid: 'EncryptStagedModels',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [s.modelKeyArn],
      conditions: [
        { test: 'StringEquals', variable: 'kms:ViaService', values: [`s3.${s.region}.amazonaws.com`] },
      ],
    },
  ];
}

/** vLLM replicas that stream their weights from S3: read `models/`, nothing else. */
export function readStagedModels(s: ScopeArns): Statement[] {
  const linked = linkedPrefix(s);
  return [
    {
      sid: 'ListStagedModels',
      actions: ['s3:ListBucket'],
      resources: [s.modelBucketArn],
      conditions: linked.list,
    },
    { sid: 'ReadStagedModels', actions: ['s3:GetObject'], resources: [linked.objects] },
    {
      sid: 'DecryptStagedModels',
      actions: ['kms:Decrypt'],
      resources: [s.modelKeyArn],
      conditions: [
        { test: 'StringEquals', variable: 'kms:ViaService', values: [`s3.${s.region}.amazonaws.com`] },
      ],
    },
  ];
}

/** External Secrets reads this environment's own secrets (infra/secrets), nothing else. */
export function readSecrets(s: ScopeArns): Statement[] {
  return [
    {
      sid: 'ReadEnvironmentSecrets',
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      resources: [...s.environmentSecretArns],
    },
  ];
}

/**
 * The EBS CSI driver, after the AWS-managed AmazonEBSCSIDriverPolicy, which mirrors the driver's
 * example policy (kubernetes-sigs/aws-ebs-csi-driver@v1.56.0:docs/example-iam-policy.json;
 * docs/install.md names the managed version), statement by statement, narrowed to this region
 * and to what the driver tags as its own (`ebs.csi.aws.com/cluster=true`, set on every volume
 * and snapshot it creates). Tags: CreateTags only while creating (`ec2:CreateAction`), DeleteTags
 * on volumes and snapshots, as the managed policy grants them.
 */
export function ebsCsi(s: ScopeArns): Statement[] {
  const p = s.partition;
  const volume = `arn:${p}:ec2:${s.region}:*:volume/*`;
  const snapshot = `arn:${p}:ec2:${s.region}::snapshot/*`;
  const instance = `arn:${p}:ec2:${s.region}:*:instance/*`;
  const csiTag = (kind: 'Request' | 'Resource') => ({
    test: 'StringEquals',
    variable: `aws:${kind}Tag/ebs.csi.aws.com/cluster`,
    values: ['true'],
  });
  return [
    {
      sid: 'RegionalReads',
      actions: [
        'ec2:DescribeAvailabilityZones',
        'ec2:DescribeInstances',
        'ec2:DescribeSnapshots',
        'ec2:DescribeTags',
        'ec2:DescribeVolumes',
        'ec2:DescribeVolumesModifications',
        'ec2:DescribeVolumeStatus',
      ],
      // Describe calls take no resource-level permissions; the region condition scopes them.
      resources: ['*'],
      conditions: [inRegion(s.region)],
    },
    {
      sid: 'AttachToClusterNodes',
      actions: ['ec2:AttachVolume', 'ec2:DetachVolume'],
      resources: [instance],
      conditions: [
        {
          test: 'StringEquals',
          variable: `aws:ResourceTag/kubernetes.io/cluster/${s.clusterName}`,
          values: ['owned'],
        },
      ],
    },
    {
      sid: 'ManageOwnVolumes',
      actions: [
        'ec2:AttachVolume',
        'ec2:DetachVolume',
        'ec2:ModifyVolume',
        'ec2:DeleteVolume',
        'ec2:CreateSnapshot',
        'ec2:CopyVolumes',
      ],
      resources: [volume],
      conditions: [csiTag('Resource')],
    },
    {
      sid: 'CreateTaggedVolumesAndSnapshots',
      actions: ['ec2:CreateVolume', 'ec2:CopyVolumes', 'ec2:CreateSnapshot'],
      resources: [volume, snapshot],
      conditions: [csiTag('Request')],
    },
    {
      sid: 'CreateVolumesFromOwnSnapshots',
      actions: ['ec2:CreateVolume', 'ec2:EnableFastSnapshotRestores'],
      resources: [snapshot],
      conditions: [csiTag('Resource')],
    },
    {
      sid: 'TagOnCreate',
      actions: ['ec2:CreateTags'],
      resources: [volume, snapshot],
      conditions: [
        {
          test: 'StringEquals',
          variable: 'ec2:CreateAction',
          values: ['CreateVolume', 'CreateSnapshot', 'CopyVolumes'],
        },
      ],
    },
    {
      // Tag removal through a VolumeAttributesClass (`tagDeletion_*`: docs/tagging.md at the same tag).
      sid: 'UntagOwnVolumesAndSnapshots',
      actions: ['ec2:DeleteTags'],
      resources: [volume, snapshot],
      conditions: [csiTag('Resource')],
    },
    {
      sid: 'DeleteOwnSnapshots',
      actions: ['ec2:DeleteSnapshot'],
      resources: [snapshot],
      conditions: [csiTag('Resource')],
    },
  ];
}

/** The CloudWatch agent and Fluent Bit of Container Insights: this cluster's log groups (and Application Signals'). */
export function cloudwatchAgent(s: ScopeArns): Statement[] {
  const group = (name: string) => `arn:${s.partition}:logs:${s.region}:${s.accountId}:log-group:${name}`;
  const logs = group(`/aws/containerinsights/${s.clusterName}/*`);
  // Application Signals (on by default in the add-on) writes to one shared group per region.
  const signals = group('/aws/application-signals/data');
  return [
    {
      sid: 'PublishMetrics',
      actions: ['cloudwatch:PutMetricData'],
      // PutMetricData has no resource-level permissions.
      resources: ['*'],
      conditions: [inRegion(s.region)],
    },
    {
      sid: 'WriteClusterLogs',
      actions: [
        'logs:CreateLogGroup',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'logs:DescribeLogStreams',
        'logs:PutRetentionPolicy',
      ],
      resources: [logs, `${logs}:log-stream:*`, signals, `${signals}:log-stream:*`],
    },
    {
      sid: 'FindLogGroups',
      actions: ['logs:DescribeLogGroups'],
      resources: [`arn:${s.partition}:logs:${s.region}:${s.accountId}:log-group:*`],
    },
    {
      sid: 'DescribeNodes',
      actions: ['ec2:DescribeTags', 'ec2:DescribeVolumes', 'ec2:DescribeInstances'],
      resources: ['*'],
      conditions: [inRegion(s.region)],
    },
    {
      sid: 'PublishTraces',
      actions: [
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
        'xray:GetSamplingRules',
        'xray:GetSamplingTargets',
      ],
      // X-Ray ingestion has no resource-level permissions.
      resources: ['*'],
      conditions: [inRegion(s.region)],
    },
  ];
}

/**
 * The AWS Load Balancer Controller, after its reference policy, narrowed to this cluster: it
 * changes only load balancers, target groups and security groups tagged
 * `elbv2.k8s.aws/cluster=<cluster>` and only in this region.
 */
export function loadBalancerController(s: ScopeArns): Statement[] {
  const p = s.partition;
  const elb = `arn:${p}:elasticloadbalancing:${s.region}:${s.accountId}`;
  const sg = `arn:${p}:ec2:${s.region}:${s.accountId}:security-group/*`;
  const vpc = `arn:${p}:ec2:${s.region}:${s.accountId}:vpc/${s.vpcId}`;
  const tag = 'elbv2.k8s.aws/cluster';
  const mine = (kind: 'Request' | 'Resource') => ({
    test: 'StringEquals',
    variable: `aws:${kind}Tag/${tag}`,
    values: [s.clusterName],
  });
  const balancers = [`${elb}:loadbalancer/net/*/*`, `${elb}:loadbalancer/app/*/*`, `${elb}:targetgroup/*/*`];
  return [
    {
      sid: 'CreateElbServiceLinkedRole',
      actions: ['iam:CreateServiceLinkedRole'],
      resources: [`arn:${p}:iam::${s.accountId}:role/aws-service-role/elasticloadbalancing.amazonaws.com/*`],
      conditions: [
        {
          test: 'StringEquals',
          variable: 'iam:AWSServiceName',
          values: ['elasticloadbalancing.amazonaws.com'],
        },
      ],
    },
    {
      sid: 'RegionalReads',
      actions: [
        'ec2:DescribeAccountAttributes',
        'ec2:DescribeAddresses',
        'ec2:DescribeAvailabilityZones',
        'ec2:DescribeCoipPools',
        'ec2:DescribeInstances',
        'ec2:DescribeInternetGateways',
        'ec2:DescribeIpamPools',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeRouteTables',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSubnets',
        'ec2:DescribeTags',
        'ec2:DescribeVpcPeeringConnections',
        'ec2:DescribeVpcs',
        'ec2:GetCoipPoolUsage',
        'ec2:GetSecurityGroupsForVpc',
        'elasticloadbalancing:DescribeCapacityReservation',
        'elasticloadbalancing:DescribeListenerAttributes',
        'elasticloadbalancing:DescribeListenerCertificates',
        'elasticloadbalancing:DescribeListeners',
        'elasticloadbalancing:DescribeLoadBalancerAttributes',
        'elasticloadbalancing:DescribeLoadBalancers',
        'elasticloadbalancing:DescribeRules',
        'elasticloadbalancing:DescribeSSLPolicies',
        'elasticloadbalancing:DescribeTags',
        'elasticloadbalancing:DescribeTargetGroupAttributes',
        'elasticloadbalancing:DescribeTargetGroups',
        'elasticloadbalancing:DescribeTargetHealth',
        'elasticloadbalancing:DescribeTrustStores',
        'acm:DescribeCertificate',
        'acm:ListCertificates',
        'iam:GetServerCertificate',
        'iam:ListServerCertificates',
        'shield:GetSubscriptionState',
        'wafv2:GetWebACL',
        'wafv2:GetWebACLForResource',
      ],
      // Describe/List/Get calls without resource-level permissions; scoped to the region.
      resources: ['*'],
      conditions: [inRegion(s.region)],
    },
    {
      sid: 'CreateSecurityGroupsInClusterVpc',
      actions: ['ec2:CreateSecurityGroup'],
      resources: [vpc],
    },
    {
      sid: 'CreateTaggedSecurityGroups',
      actions: ['ec2:CreateSecurityGroup'],
      resources: [sg],
      conditions: [mine('Request')],
    },
    {
      sid: 'TagSecurityGroupsOnCreate',
      actions: ['ec2:CreateTags'],
      resources: [sg],
      conditions: [
        { test: 'StringEquals', variable: 'ec2:CreateAction', values: ['CreateSecurityGroup'] },
        mine('Request'),
      ],
    },
    {
      sid: 'ManageRulesInClusterVpc',
      actions: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress'],
      resources: [sg],
      conditions: [{ test: 'StringEquals', variable: 'ec2:Vpc', values: [vpc] }],
    },
    {
      sid: 'ManageOwnSecurityGroups',
      actions: ['ec2:CreateTags', 'ec2:DeleteTags', 'ec2:DeleteSecurityGroup'],
      resources: [sg],
      conditions: [mine('Resource')],
    },
    {
      sid: 'CreateTaggedBalancers',
      actions: ['elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:CreateTargetGroup'],
      resources: balancers,
      conditions: [mine('Request')],
    },
    {
      sid: 'TagBalancersOnCreate',
      actions: ['elasticloadbalancing:AddTags'],
      resources: balancers,
      conditions: [
        {
          test: 'StringEquals',
          variable: 'elasticloadbalancing:CreateAction',
          values: ['CreateTargetGroup', 'CreateLoadBalancer'],
        },
        mine('Request'),
      ],
    },
    {
      sid: 'ManageOwnBalancers',
      actions: [
        'elasticloadbalancing:AddTags',
        'elasticloadbalancing:RemoveTags',
        'elasticloadbalancing:ModifyLoadBalancerAttributes',
        'elasticloadbalancing:SetIpAddressType',
        'elasticloadbalancing:SetSecurityGroups',
        'elasticloadbalancing:SetSubnets',
        'elasticloadbalancing:DeleteLoadBalancer',
        'elasticloadbalancing:ModifyTargetGroup',
        'elasticloadbalancing:ModifyTargetGroupAttributes',
        'elasticloadbalancing:DeleteTargetGroup',
        'elasticloadbalancing:ModifyCapacityReservation',
        'elasticloadbalancing:ModifyIpPools',
      ],
      resources: balancers,
      conditions: [mine('Resource')],
    },
    {
      sid: 'ManageListenersAndRules',
      actions: [
        'elasticloadbalancing:CreateListener',
        'elasticloadbalancing:DeleteListener',
        'elasticloadbalancing:CreateRule',
        'elasticloadbalancing:DeleteRule',
        'elasticloadbalancing:ModifyListener',
        'elasticloadbalancing:ModifyListenerAttributes',
        'elasticloadbalancing:ModifyRule',
        'elasticloadbalancing:AddListenerCertificates',
        'elasticloadbalancing:RemoveListenerCertificates',
        'elasticloadbalancing:AddTags',
        'elasticloadbalancing:RemoveTags',
      ],
      resources: [
        `${elb}:loadbalancer/net/*/*`,
        `${elb}:loadbalancer/app/*/*`,
        `${elb}:listener/net/*/*/*`,
        `${elb}:listener/app/*/*/*`,
        `${elb}:listener-rule/net/*/*/*/*`,
        `${elb}:listener-rule/app/*/*/*/*`,
      ],
    },
    {
      sid: 'RegisterTargets',
      actions: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
      resources: [`${elb}:targetgroup/*/*`],
    },
  ];
}
