/**
 * The AWS side of one environment as two cdktf stacks, one per root module (infra/stages.ts):
 * the cluster stage (AWS APIs only) and the bootstrap stage (the Kubernetes API), which reads the
 * cluster stage's outputs from its state. Each component folder under infra/ exports a construct;
 * this file wires them in dependency order and fills the contract (`cluster-vars`) from their
 * attributes.
 */
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region/index.js';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import type { Construct } from 'constructs';
import { type ClusterVars, OPTIONAL_CONTRACT_VARIABLES } from '../clusters/contract.js';
import { clusterName } from '../clusters/lib/environment.js';
import { type Environment, replicaOf } from '../clusters/lib/resolve.js';
import { versions } from '../clusters/versions.js';
import { Addons, AFTER_FLUX_CREATE_TIMEOUT, addonsIn, VpcCniIdentity } from './addons/index.js';
import { CognitoSignIn } from './auth/index.js';
import {
  DataTerraformRemoteStateS3,
  PartialS3Backend,
  TerraformOutput,
  TerraformStack,
  TerraformVariable,
} from './cdktf.js';
import { Cluster, SystemNodeGroup } from './eks/index.js';
import { FluxBootstrap } from './flux/index.js';
import {
  cloudwatchAgent,
  ebsCsi,
  loadBalancerController,
  readModels,
  readSecrets,
  readStagedModels,
  type ScopeArns,
  stageModels,
  WorkloadIdentities,
  writeModels,
} from './identity/index.js';
import { KarpenterPrerequisites } from './karpenter/index.js';
import { ModelData } from './model-data/index.js';
import { Network } from './network/index.js';
import { Secrets } from './secrets/index.js';
import {
  type ClusterOutput,
  type ClusterOutputs,
  type ClusterStageVars,
  type Stage,
  stackName,
  stateKey,
} from './stages.js';

/** Both stacks of an environment. */
export interface EnvironmentStacks {
  readonly cluster: ClusterStack;
  readonly bootstrap: BootstrapStack;
}

/** The environment's two stacks in `scope` (one App holds every environment's for the cdktf CLI). */
export function environmentStacks(
  scope: Construct,
  env: Environment,
  all: readonly Environment[],
): EnvironmentStacks {
  return { cluster: new ClusterStack(scope, env, all), bootstrap: new BootstrapStack(scope, env) };
}

/** The S3 backend (bucket given at init) and the AWS provider every stage of an environment uses. */
function stageBase(stack: TerraformStack, env: Environment, stage: Stage): void {
  new PartialS3Backend(stack, { key: stateKey(env, stage), region: env.region });
  new AwsProvider(stack, 'aws', {
    region: env.region,
    defaultTags: [
      {
        tags: {
          'genai-eks/environment': env.name,
          'genai-eks/cluster': clusterName(env),
          'genai-eks/kubernetes': versions.kubernetes,
          'genai-eks/stage': stage,
          'genai-eks/managed-by': 'cdktf',
        },
      },
    ],
  });
}

/** Network, EKS, nodes, the add-ons that need no Karpenter capacity, identities, model data, secrets. */
export class ClusterStack extends TerraformStack {
  /** The outputs the bootstrap stage reads, by name. */
  readonly outputs: { readonly [K in ClusterOutput]?: TerraformOutput };

  constructor(scope: Construct, env: Environment, all: readonly Environment[]) {
    super(scope, stackName(env, 'cluster'));
    const name = clusterName(env);
    const hardening = env.hardening;
    stageBase(this, env, 'cluster');
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
      s3GatewayEndpoint: hardening.s3GatewayEndpoint,
      region: env.region,
    });
    const privateSubnetIds = network.privateSubnets.map((s) => s.id);
    const cluster = new Cluster(this, 'eks', {
      name,
      kubernetesVersion: versions.kubernetes,
      partition,
      accountId,
      region,
      subnetIds: privateSubnetIds,
      publicAccess: env.endpoint.publicAccess,
      publicAccessCidrs: env.endpoint.publicAccessCidrs,
      logRetentionDays: env.tier === 'production' ? 365 : 30,
      bootstrap: {
        access: env.bootstrap.access,
        runnerCidrs: env.bootstrap.runnerCidrs,
        vpcCidr: env.vpcCidr,
      },
      deletionProtection: hardening.deletionProtection,
      zonalShift: hardening.zonalShift,
      encryptLogs: hardening.encryptControlPlaneLogs,
      administratorRoles: hardening.administratorRoles,
    });
    const eks = cluster.cluster;
    const cniPolicyOnNodes = !hardening.vpcCniPodIdentity;

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
    const secrets = new Secrets(this, 'secrets', {
      clusterName: name,
      fluxGitCredentials: env.bootstrap.gitCredentials !== 'none',
    });
    const karpenter = new KarpenterPrerequisites(this, 'karpenter', {
      clusterName: name,
      clusterNameRef: eks.name,
      partition,
      region,
      accountId,
      cniPolicyOnNodes,
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
        modelStaging: stageModels(scoped),
        modelReader: readStagedModels(scoped),
      },
    });

    const identityAssociations = Object.values(identities.identities).map((i) => i.association);
    const cni = hardening.vpcCniPodIdentity
      ? new VpcCniIdentity(this, 'vpc-cni-identity', { roleName: `${name}-vpc-cni`, partition })
      : undefined;
    const early = new Addons(this, 'addons-before-nodes', {
      clusterName: eks.name,
      addons: addonsIn('before-nodes'),
      ...(cni ? { identities: { 'vpc-cni': cni.identity }, dependsOn: [cni.attachment] } : {}),
    });
    const system = new SystemNodeGroup(this, 'system-nodes', {
      cluster: eks,
      partition,
      subnetIds: privateSubnetIds,
      instanceType: env.systemNodeGroup.instanceType,
      size: env.systemNodeGroup.size,
      amiType: versions.systemNodeGroupAmi.type,
      releaseVersion: versions.systemNodeGroupAmi.releaseVersion,
      cniPolicyOnNodes,
      dependsOn: early.addons,
    });
    // Pod Identity associations first, so that add-on pods start with their credentials.
    new Addons(this, 'addons', {
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

    const clusterVars: ClusterStageVars = {
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
      OPEN_WEBUI_SECRET_NAME: secrets.openWebUi.name,
      JUPYTERHUB_SECRET_NAME: secrets.jupyterHub.name,
      // Set only where the environment signs in with Cognito (OPTIONAL_CONTRACT_VARIABLES).
      ...(cognito
        ? { COGNITO_CLIENT_ID: cognito.client.id, COGNITO_DOMAIN: cognito.hostedDomainUrl(region) }
        : {}),
    };
    const outputs: { [K in ClusterOutput]-?: ClusterOutputs[K] | undefined } = {
      cluster_name: eks.name,
      cluster_endpoint: eks.endpoint,
      cluster_certificate_authority: eks.certificateAuthority.get(0).data,
      cluster_vars: clusterVars,
      flux_git_secret_arn: secrets.fluxGit?.arn,
    };
    const made: { [K in ClusterOutput]?: TerraformOutput } = {};
    for (const [key, value] of Object.entries(outputs) as [ClusterOutput, unknown][]) {
      if (value === undefined) continue;
      made[key] = new TerraformOutput(this, key, {
        value,
        description: `Read by the bootstrap stage (terraform_remote_state): ${key}`,
      });
    }
    this.outputs = made;
  }
}

/** Flux, cluster-vars, and the add-ons that need Flux-provided capacity. */
export class BootstrapStack extends TerraformStack {
  /** The cluster stage's state, read through the same S3 backend. */
  readonly clusterState: DataTerraformRemoteStateS3;

  constructor(scope: Construct, env: Environment) {
    super(scope, stackName(env, 'bootstrap'));
    stageBase(this, env, 'bootstrap');
    const stateBucket = new TerraformVariable(this, 'state_bucket', {
      type: 'string',
      description:
        "The S3 bucket holding the Terraform state (the bucket given to `terraform init -backend-config`): the bootstrap stage reads the cluster stage's outputs from it",
    });
    const stateRegion = new TerraformVariable(this, 'state_bucket_region', {
      type: 'string',
      default: env.region,
      description: 'Region of the state bucket',
    });
    this.clusterState = new DataTerraformRemoteStateS3(this, 'cluster', {
      bucket: stateBucket.stringValue,
      key: stateKey(env, 'cluster'),
      region: stateRegion.stringValue,
    });
    const fromCluster = (output: ClusterOutput, key?: string) =>
      this.clusterState.getString(key ? `${output}.${key}` : output);

    const clusterNameRef = fromCluster('cluster_name');
    const clusterVars = this.contractVariables(env, fromCluster);
    const flux = new FluxBootstrap(this, 'flux', {
      environment: env.name,
      clusterEndpoint: fromCluster('cluster_endpoint'),
      clusterCaBase64: fromCluster('cluster_certificate_authority'),
      clusterName: clusterName(env),
      region: env.region,
      clusterVars,
      gitCredentials: env.bootstrap.gitCredentials,
      ...(env.bootstrap.gitCredentials !== 'none'
        ? { gitCredentialsSecret: fromCluster('flux_git_secret_arn') }
        : {}),
    });
    // Their controllers may need general-purpose nodes, which Karpenter (installed by Flux)
    // launches once the configs layer has created the NodePools: after the sync, with a create
    // timeout that outlasts those layers (infra/addons AFTER_FLUX_CREATE_TIMEOUT).
    new Addons(this, 'addons-after-flux', {
      clusterName: clusterNameRef,
      addons: addonsIn('after-flux'),
      createTimeout: AFTER_FLUX_CREATE_TIMEOUT,
      dependsOn: [flux.instance],
    });
  }

  /**
   * cluster-vars: the cluster stage's variables, each read from its `cluster_vars` output, and
   * JupyterHub's DNS name and certificate, which are the operator's (DNS and ACM live outside this
   * repository), as inputs where OAuth sign-in needs them. Variables the environment does not set
   * are left out (OPTIONAL_CONTRACT_VARIABLES).
   */
  private contractVariables(
    env: Environment,
    fromCluster: (o: ClusterOutput, k?: string) => string,
  ): ClusterVars {
    const kind = env.authentication.kind;
    const read = (k: keyof ClusterStageVars) => fromCluster('cluster_vars', k);
    const jupyterHub = OPTIONAL_CONTRACT_VARIABLES.JUPYTERHUB_HOST(kind)
      ? {
          JUPYTERHUB_HOST: new TerraformVariable(this, 'jupyterhub_host', {
            type: 'string',
            description:
              'DNS name users reach JupyterHub at (a record for its NLB); the OAuth callback is https://<host>/hub/oauth_callback',
          }).stringValue,
          JUPYTERHUB_CERTIFICATE_ARN: new TerraformVariable(this, 'jupyterhub_certificate_arn', {
            type: 'string',
            description: 'ACM certificate ARN for jupyterhub_host, terminated on the JupyterHub NLB',
          }).stringValue,
        }
      : {};
    const cognito = OPTIONAL_CONTRACT_VARIABLES.COGNITO_CLIENT_ID(kind)
      ? { COGNITO_CLIENT_ID: read('COGNITO_CLIENT_ID'), COGNITO_DOMAIN: read('COGNITO_DOMAIN') }
      : {};
    return {
      CLUSTER_NAME: read('CLUSTER_NAME'),
      AWS_REGION: read('AWS_REGION'),
      VPC_ID: read('VPC_ID'),
      KARPENTER_NODE_ROLE: read('KARPENTER_NODE_ROLE'),
      KARPENTER_INTERRUPTION_QUEUE: read('KARPENTER_INTERRUPTION_QUEUE'),
      FSX_FILE_SYSTEM_ID: read('FSX_FILE_SYSTEM_ID'),
      FSX_DNS_NAME: read('FSX_DNS_NAME'),
      FSX_MOUNT_NAME: read('FSX_MOUNT_NAME'),
      MODEL_BUCKET: read('MODEL_BUCKET'),
      HF_TOKEN_SECRET_NAME: read('HF_TOKEN_SECRET_NAME'),
      OPEN_WEBUI_SECRET_NAME: read('OPEN_WEBUI_SECRET_NAME'),
      JUPYTERHUB_SECRET_NAME: read('JUPYTERHUB_SECRET_NAME'),
      ...cognito,
      ...jupyterHub,
    };
  }
}
