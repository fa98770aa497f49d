/**
 * The AWS side of one environment as a cdktf stack. Each component folder under infra/
 * exports a construct; this file wires them in dependency order and fills the contract
 * (`cluster-vars`) from their attributes.
 */
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region/index.js';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import type { Construct } from 'constructs';
import type { ClusterVars } from '../clusters/contract.js';
import { clusterName } from '../clusters/lib/environment.js';
import { type Environment, replicaOf } from '../clusters/lib/resolve.js';
import { versions } from '../clusters/versions.js';
import { Addons, addonsIn } from './addons/index.js';
import { CognitoSignIn } from './auth/index.js';
import { PartialS3Backend, TerraformOutput, TerraformStack, TerraformVariable } from './cdktf.js';
import { Cluster, SystemNodeGroup } from './eks/index.js';
import { FluxBootstrap } from './flux/index.js';
import {
  cloudwatchAgent,
  ebsCsi,
  loadBalancerController,
  readModels,
  readSecrets,
  type ScopeArns,
  WorkloadIdentities,
  writeModels,
} from './identity/index.js';
import { KarpenterPrerequisites } from './karpenter/index.js';
import { ModelData } from './model-data/index.js';
import { Network } from './network/index.js';
import { Secrets } from './secrets/index.js';

/** Key of an environment's state object in the (input) backend bucket. */
export function stateKey(env: Pick<Environment, 'name'>): string {
  return `genai-eks/${env.name}/terraform.tfstate`;
}

export class EnvironmentStack extends TerraformStack {
  constructor(scope: Construct, env: Environment, all: readonly Environment[]) {
    super(scope, env.name);
    const name = clusterName(env);
    new PartialS3Backend(this, { key: stateKey(env), region: env.region });
    new AwsProvider(this, 'aws', {
      region: env.region,
      defaultTags: [
        {
          tags: {
            'genai-eks/environment': env.name,
            'genai-eks/cluster': name,
            'genai-eks/kubernetes': versions.kubernetes,
            'genai-eks/managed-by': 'cdktf',
          },
        },
      ],
    });
    const account = new DataAwsCallerIdentity(this, 'account');
    const partition = new DataAwsPartition(this, 'partition').partition;
    const region = new DataAwsRegion(this, 'region').region;
    const accountId = account.accountId;

    const network = new Network(this, 'network', {
      namePrefix: name,
      clusterName: name,
      vpcCidr: env.vpcCidr,
      availabilityZones: env.availabilityZones,
      natGateways: env.natGateways,
    });
    const privateSubnetIds = network.privateSubnets.map((s) => s.id);
    const cluster = new Cluster(this, 'eks', {
      name,
      kubernetesVersion: versions.kubernetes,
      partition,
      subnetIds: privateSubnetIds,
      publicAccess: env.endpoint.publicAccess,
      publicAccessCidrs: env.endpoint.publicAccessCidrs,
      logRetentionDays: env.tier === 'production' ? 365 : 30,
    });
    const eks = cluster.cluster;

    // The loader checked that a DR source's replica exists and points back.
    const replica = replicaOf(env, all);
    const models = new ModelData(this, 'model-data', {
      clusterName: name,
      partition,
      region,
      accountId,
      vpcId: network.vpc.id,
      vpcCidr: env.vpcCidr,
      fsxSubnetId: privateSubnetIds[0]!,
      clientSecurityGroupId: cluster.clusterSecurityGroupId,
      fsxStorageGiB: env.modelData.fsxStorageGiB,
      fsxThroughputPerTiB: env.modelData.fsxThroughputPerTiB,
      ...(replica
        ? {
            replicateTo: {
              environment: replica.name,
              clusterName: clusterName(replica),
              region: replica.region,
            },
          }
        : {}),
    });
    const secrets = new Secrets(this, 'secrets', { clusterName: name });
    const karpenter = new KarpenterPrerequisites(this, 'karpenter', {
      clusterName: name,
      clusterNameRef: eks.name,
      partition,
      region,
      accountId,
    });

    const scoped: ScopeArns = {
      partition,
      region,
      accountId,
      clusterName: name,
      vpcId: network.vpc.id,
      modelBucketArn: models.bucket.arn,
      modelKeyArn: models.key.arn,
      environmentSecretArns: secrets.all.map((secret) => secret.arn),
    };
    const identities = new WorkloadIdentities(this, 'identity', {
      clusterName: eks.name,
      rolePrefix: name,
      statements: {
        karpenter: karpenter.controllerStatements({
          clusterName: name,
          partition,
          region,
          accountId,
          clusterArn: eks.arn,
        }),
        awsLoadBalancerController: loadBalancerController(scoped),
        externalSecrets: readSecrets(scoped),
        mountpointS3: readModels(scoped),
        argoWorkflows: writeModels(scoped),
        ebsCsi: ebsCsi(scoped),
        cloudwatchAgent: cloudwatchAgent(scoped),
      },
    });

    const identityAssociations = Object.values(identities.identities).map((i) => i.association);
    const early = new Addons(this, 'addons-before-nodes', {
      clusterName: eks.name,
      addons: addonsIn('before-nodes'),
    });
    const system = new SystemNodeGroup(this, 'system-nodes', {
      cluster: eks,
      partition,
      subnetIds: privateSubnetIds,
      instanceType: env.systemNodeGroup.instanceType,
      size: env.systemNodeGroup.size,
      amiType: versions.systemNodeGroupAmi.type,
      releaseVersion: versions.systemNodeGroupAmi.releaseVersion,
      dependsOn: early.addons,
    });
    // Pod Identity associations first, so that add-on pods start with their credentials.
    const addons = new Addons(this, 'addons', {
      clusterName: eks.name,
      addons: addonsIn('before-flux'),
      dependsOn: [system.nodeGroup, ...identityAssociations],
    });

    const cognito =
      env.authentication.kind === 'cognito'
        ? new CognitoSignIn(this, 'cognito', { clusterName: name, region: env.region, accountId })
        : undefined;
    if (cognito) {
      new TerraformOutput(this, 'cognito_user_pool_id', {
        value: cognito.userPool.id,
        description:
          'Cognito user pool of the environment (aws cognito-idp admin-create-user --user-pool-id …)',
      });
    }

    // JupyterHub's public name and its certificate are the operator's (DNS and ACM live outside
    // this stack); OAuth sign-in needs them, the shared-password development sign-in does not.
    const jupyterHub = jupyterHubEndpoint(this, env.authentication.kind !== 'dummy');
    const clusterVars: ClusterVars = {
      CLUSTER_NAME: eks.name,
      AWS_REGION: region,
      VPC_ID: network.vpc.id,
      KARPENTER_NODE_ROLE: karpenter.nodeRole.name,
      KARPENTER_INTERRUPTION_QUEUE: karpenter.queue.name,
      FSX_FILE_SYSTEM_ID: models.fileSystem.id,
      FSX_DNS_NAME: models.fileSystem.dnsName,
      FSX_MOUNT_NAME: models.fileSystem.mountName,
      MODEL_BUCKET: models.bucket.bucket,
      HF_TOKEN_SECRET_NAME: secrets.huggingFaceToken.name,
      COGNITO_CLIENT_ID: cognito ? cognito.client.id : '',
      COGNITO_DOMAIN: cognito ? cognito.hostedDomainUrl(region) : '',
      OPEN_WEBUI_SECRET_NAME: secrets.openWebUi.name,
      JUPYTERHUB_SECRET_NAME: secrets.jupyterHub.name,
      JUPYTERHUB_HOST: jupyterHub.host,
      JUPYTERHUB_CERTIFICATE_ARN: jupyterHub.certificateArn,
    };
    const flux = new FluxBootstrap(this, 'flux', {
      environment: env.name,
      clusterEndpoint: eks.endpoint,
      clusterCaBase64: eks.certificateAuthority.get(0).data,
      clusterName: eks.name,
      region,
      clusterVars,
      dependsOn: [system.nodeGroup, ...addons.addons],
    });
    new Addons(this, 'addons-after-flux', {
      clusterName: eks.name,
      addons: addonsIn('after-flux'),
      dependsOn: [flux.sync, ...identityAssociations],
    });
  }
}

/** Terraform inputs for JupyterHub's DNS name and ACM certificate (required where OAuth is used). */
function jupyterHubEndpoint(scope: Construct, required: boolean): { host: string; certificateArn: string } {
  const host = new TerraformVariable(scope, 'jupyterhub_host', {
    type: 'string',
    description:
      'DNS name users reach JupyterHub at (a record for its NLB); the OAuth callback is https://<host>/hub/oauth_callback',
    ...(required ? {} : { default: '' }),
  });
  const certificateArn = new TerraformVariable(scope, 'jupyterhub_certificate_arn', {
    type: 'string',
    description: 'ACM certificate ARN for jupyterhub_host, terminated on the JupyterHub NLB',
    ...(required ? {} : { default: '' }),
  });
  return { host: host.stringValue, certificateArn: certificateArn.stringValue };
}
