/**
 * Model data: an S3 bucket holding the weights (versioned with old versions expiring, SSE-KMS
 * with a customer managed key, public access blocked, TLS only) and FSx for Lustre (PERSISTENT_2) in front of it, linked by
 * a data repository association on the bucket's `models/` prefix with automatic import.
 *
 * Disaster recovery: a `source` environment replicates its bucket to the replica environment's
 * bucket in the other region; the replica's FSx links to its own (replica) bucket. The bucket
 * name and key alias derive from the environment definitions, so the source's stack names the
 * replica's bucket and finds its key (by alias, in the replica's region) without reading the
 * replica's state.
 */
import { DataAwsKmsAlias } from '@cdktf/provider-aws/lib/data-aws-kms-alias/index.js';
import { FsxDataRepositoryAssociation } from '@cdktf/provider-aws/lib/fsx-data-repository-association/index.js';
import { FsxLustreFileSystem } from '@cdktf/provider-aws/lib/fsx-lustre-file-system/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import { S3BucketReplicationConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-replication-configuration/index.js';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { Construct } from 'constructs';
import { dataRepositoryAssociation } from '../../clusters/contract.js';
import { policyDocument, serviceTrust } from '../lib/iam.js';

/** Lustre ports (TCP) that clients need on the file system: 988 and 1018-1023. */
export const LUSTRE_PORTS = [
  { from: 988, to: 988 },
  { from: 1018, to: 1023 },
] as const;

/** Name of an environment's model bucket: cluster name, purpose and account (bucket names are global). */
export function modelBucketName(clusterName: string, accountId: string): string {
  return `${clusterName}-models-${accountId}`;
}

/** Alias of the KMS key that encrypts an environment's model bucket. */
export function modelKeyAlias(clusterName: string): string {
  return `alias/${clusterName}-models`;
}

export interface ReplicationTarget {
  /** Environment name of the replica (for names and descriptions). */
  readonly environment: string;
  /** Cluster name of the replica environment (its bucket and key alias derive from it). */
  readonly clusterName: string;
  /** Region of the replica environment. */
  readonly region: string;
}

export interface ModelDataProps {
  /** EKS cluster name; prefixes every name. */
  readonly clusterName: string;
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** VPC id and CIDR (FSx security group egress stays in the VPC). */
  readonly vpcId: string;
  readonly vpcCidr: string;
  /** Private subnet where FSx places its file servers (FSx for Lustre lives in one AZ). */
  readonly fsxSubnetId: string;
  /** Security group of the nodes (EKS cluster security group): the Lustre clients. */
  readonly clientSecurityGroupId: string;
  /** FSx for Lustre PERSISTENT_2 capacity in GiB. */
  readonly fsxStorageGiB: number;
  /** FSx for Lustre PERSISTENT_2 throughput in MB/s per TiB. */
  readonly fsxThroughputPerTiB: number;
  /**
   * Days a replaced or deleted object version is kept before it expires.
   * @default 30
   */
  readonly noncurrentVersionDays?: number;
  /** Replicate the bucket to another environment's bucket. @default no replication */
  readonly replicateTo?: ReplicationTarget;
}

export class ModelData extends Construct {
  readonly bucket: S3Bucket;
  readonly key: KmsKey;
  /** The replica's key (full key ARN) where this bucket replicates. */
  replicaKeyArn: string | undefined;
  readonly fileSystem: FsxLustreFileSystem;
  readonly association: FsxDataRepositoryAssociation;

  constructor(scope: Construct, id: string, props: ModelDataProps) {
    super(scope, id);
    const { clusterName, partition: p, accountId, region } = props;
    this.key = new KmsKey(this, 'key', {
      description: `${clusterName}: model bucket and FSx for Lustre encryption`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policyDocument(this, 'key-policy', [
        {
          sid: 'AccountAdministersThroughIam',
          actions: ['kms:*'],
          resources: ['*'],
          principals: [{ type: 'AWS', identifiers: [`arn:${p}:iam::${accountId}:root`] }],
        },
        {
          // FSx reads the bucket through its service-linked role; key policy grants it use via S3 only.
          sid: 'FsxDataRepositoryThroughS3',
          actions: [
            'kms:Decrypt',
            'kms:Encrypt',
            'kms:GenerateDataKey*',
            'kms:ReEncrypt*',
            'kms:DescribeKey',
          ],
          resources: ['*'],
          principals: [{ type: 'AWS', identifiers: ['*'] }],
          conditions: [
            { test: 'StringEquals', variable: 'kms:CallerAccount', values: [accountId] },
            { test: 'StringEquals', variable: 'kms:ViaService', values: [`s3.${region}.amazonaws.com`] },
            {
              test: 'ArnLike',
              variable: 'aws:PrincipalArn',
              values: [
                `arn:${p}:iam::${accountId}:role/aws-service-role/s3.data-source.lustre.fsx.amazonaws.com/*`,
              ],
            },
          ],
        },
      ]).json,
    });
    new KmsAlias(this, 'key-alias', { name: modelKeyAlias(clusterName), targetKeyId: this.key.keyId });

    this.bucket = new S3Bucket(this, 'bucket', { bucket: modelBucketName(clusterName, accountId) });
    const versioning = new S3BucketVersioningA(this, 'versioning', {
      bucket: this.bucket.id,
      versioningConfiguration: { status: 'Enabled' },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket: this.bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: this.key.arn },
          bucketKeyEnabled: true,
        },
      ],
    });
    // Old versions of multi-GB weights add up: keep them long enough to roll back, then expire.
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: this.bucket.id,
      rule: [
        {
          id: 'expire-old-versions-and-abandoned-uploads',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionDays ?? 30 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
      dependsOn: [versioning],
    });
    new S3BucketPublicAccessBlock(this, 'public-access-block', {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', {
      bucket: this.bucket.id,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    new S3BucketPolicy(this, 'bucket-policy', {
      bucket: this.bucket.id,
      policy: policyDocument(this, 'bucket-policy-document', [
        {
          sid: 'DenyInsecureTransport',
          effect: 'Deny',
          actions: ['s3:*'],
          resources: [this.bucket.arn, `${this.bucket.arn}/*`],
          principals: [{ type: '*', identifiers: ['*'] }],
          conditions: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
        },
      ]).json,
    });

    const lustre = new SecurityGroup(this, 'fsx-security-group', {
      name: `${clusterName}-fsx-lustre`,
      description: `${clusterName}: Lustre traffic from the cluster's nodes to FSx`,
      vpcId: props.vpcId,
      ingress: LUSTRE_PORTS.map((port) => ({
        description: `Lustre ${port.from}-${port.to} from cluster nodes and between file servers`,
        protocol: 'tcp',
        fromPort: port.from,
        toPort: port.to,
        securityGroups: [props.clientSecurityGroupId],
        selfAttribute: true,
      })),
      egress: [
        {
          description: 'Lustre replies and file-server traffic inside the VPC',
          protocol: '-1',
          fromPort: 0,
          toPort: 0,
          cidrBlocks: [props.vpcCidr],
        },
      ],
      tags: { Name: `${clusterName}-fsx-lustre` },
    });
    this.fileSystem = new FsxLustreFileSystem(this, 'fsx', {
      deploymentType: 'PERSISTENT_2',
      storageType: 'SSD',
      storageCapacity: props.fsxStorageGiB,
      perUnitStorageThroughput: props.fsxThroughputPerTiB,
      fileSystemTypeVersion: '2.15',
      dataCompressionType: 'LZ4',
      kmsKeyId: this.key.arn,
      subnetIds: [props.fsxSubnetId],
      securityGroupIds: [lustre.id],
      // The bucket is the source of truth for the weights; FSx is a cache in front of it.
      automaticBackupRetentionDays: 0,
      tags: { Name: `${clusterName}-models` },
    });
    this.association = new FsxDataRepositoryAssociation(this, 'models-association', {
      fileSystemId: this.fileSystem.id,
      // The one path contract (clusters/contract.ts): pods read this FSx path at the same place.
      ...dataRepositoryAssociation(this.bucket.bucket),
      batchImportMetaDataOnCreate: true,
      deleteDataInFilesystem: false,
      s3: { autoImportPolicy: { events: ['NEW', 'CHANGED', 'DELETED'] } },
    });

    if (props.replicateTo) this.replicate(props, props.replicateTo, versioning);
  }

  /**
   * Cross-region replication with SSE-KMS and S3 Bucket Keys on both buckets, after the S3 guide
   * "Replicating encrypted objects" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html,
   * "Amazon S3 Bucket Keys and replication"): with a Bucket Key the KMS encryption context is the
   * bucket ARN, not the object ARN, so the conditions name the buckets; and the role needs
   * kms:Decrypt on the replica's key too (S3 verifies the replica bucket's Bucket Key with it).
   * The replica's key is found by its alias in the replica's region and named by its full key
   * ARN (an alias would be resolved in the requester's account: S3 API EncryptionConfiguration,
   * https://docs.aws.amazon.com/AmazonS3/latest/API/API_EncryptionConfiguration.html).
   */
  private replicate(props: ModelDataProps, target: ReplicationTarget, versioning: S3BucketVersioningA): void {
    const { clusterName, partition: p, accountId, region } = props;
    const destinationBucket = `arn:${p}:s3:::${modelBucketName(target.clusterName, accountId)}`;
    // Created by the replica's own stack, which is applied first (docs/infra.md).
    const replicaKey = new DataAwsKmsAlias(this, 'replica-key', {
      name: modelKeyAlias(target.clusterName),
      region: target.region,
    });
    this.replicaKeyArn = replicaKey.targetKeyArn;
    const role = new IamRole(this, 'replication-role', {
      name: `${clusterName}-models-replication`,
      description: `S3 replication of ${clusterName}'s model bucket to ${target.environment} (${target.region})`,
      assumeRolePolicy: serviceTrust(this, 'replication-trust', 's3.amazonaws.com').json,
    });
    const via = (r: string) => ({
      test: 'StringEquals',
      variable: 'kms:ViaService',
      values: [`s3.${r}.amazonaws.com`],
    });
    const context = (bucketArn: string) => ({
      test: 'StringEquals',
      variable: 'kms:EncryptionContext:aws:s3:arn',
      values: [bucketArn],
    });
    const policy = new IamRolePolicy(this, 'replication-policy', {
      name: 'replicate-models',
      role: role.name,
      policy: policyDocument(this, 'replication-permissions', [
        {
          sid: 'ReadSourceConfiguration',
          actions: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
          resources: [this.bucket.arn],
        },
        {
          sid: 'ReadSourceVersions',
          actions: [
            's3:GetObjectVersionForReplication',
            's3:GetObjectVersionAcl',
            's3:GetObjectVersionTagging',
          ],
          resources: [`${this.bucket.arn}/*`],
        },
        {
          sid: 'WriteReplicas',
          actions: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'],
          resources: [`${destinationBucket}/*`],
        },
        {
          sid: 'DecryptSource',
          actions: ['kms:Decrypt'],
          resources: [this.key.arn],
          conditions: [via(region), context(this.bucket.arn)],
        },
        {
          // Encrypt writes the replicas; Decrypt verifies the replica bucket's Bucket Key.
          sid: 'EncryptReplicas',
          actions: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [replicaKey.targetKeyArn],
          conditions: [via(target.region), context(destinationBucket)],
        },
      ]).json,
    });
    new S3BucketReplicationConfigurationA(this, 'replication', {
      bucket: this.bucket.id,
      role: role.arn,
      rule: [
        {
          id: `models-to-${target.environment}`,
          status: 'Enabled',
          priority: 1,
          filter: { prefix: '' },
          deleteMarkerReplication: { status: 'Enabled' },
          sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
          destination: {
            bucket: destinationBucket,
            storageClass: 'STANDARD',
            encryptionConfiguration: { replicaKmsKeyId: replicaKey.targetKeyArn },
          },
        },
      ],
      dependsOn: [versioning, policy],
    });
  }
}
