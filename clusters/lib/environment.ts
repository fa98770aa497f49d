/**
 * The environment definition: one readonly, typed object per cluster in `clusters/<env>.ts`.
 *
 * - `EnvironmentProps` (and the `…Props` interfaces below) is what an environment file writes;
 *   each field's documentation and default show in the editor.
 * - `environmentSchema` checks a file's value at load time and fills every default; it is typed
 *   against the interfaces, so the two cannot disagree.
 * - `Environment` (clusters/lib/resolve.ts) is what infra/ and apps/ receive: resolved, checked,
 *   with placements computed. Constructs never apply a default themselves.
 */
import type { AcceleratedPool } from '../contract.js';
import {
  budgetsSchema,
  type DisruptionBudgetProps,
  defaultBudgets,
  type ParsedDisruptionBudget,
} from './disruption.js';
import {
  type NeuronStartProps,
  type NvidiaStartProps,
  neuronStartSchema,
  nvidiaStartSchema,
  type ParsedNeuronStart,
  type ParsedNvidiaStart,
} from './fast-start.js';
import { parseCidr } from './net.js';
import {
  DEFAULT_OBSERVABILITY,
  type ObservabilityProps,
  observabilitySchema,
  type ParsedObservability,
} from './observability.js';
import { type ParsedVllmScaling, scalingSchema, type VllmScalingProps } from './scaling.js';
import {
  bool,
  int,
  list,
  num,
  obj,
  oneOf,
  optional,
  type Range,
  type Schema,
  str,
  variant,
  withDefault,
} from './schema.js';

/** AWS regions where Amazon EKS is offered (commercial partition). */
export const AWS_REGIONS = [
  'af-south-1',
  'ap-east-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-7',
  'ca-central-1',
  'ca-west-1',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
] as const;

export type AwsRegion = (typeof AWS_REGIONS)[number];
export type CapacityType = 'spot' | 'on-demand';
export type Exposure = 'internal' | 'open';
export type ConsolidationPolicy = 'WhenEmpty' | 'WhenEmptyOrUnderutilized';

// --- the interfaces an environment file writes ---

/** A Karpenter NodePool's knobs that vary between environments. */
export interface PoolProps {
  /** Instance families offered by the pool, e.g. `g5`. */
  readonly instanceFamilies: readonly string[];
  /** Purchase options, in preference order. */
  readonly capacityTypes: readonly CapacityType[];
  /** Total vCPUs the pool may launch. */
  readonly cpuLimit: number;
  /** Total memory the pool may launch, in GiB. */
  readonly memoryLimitGiB: number;
  /** EC2 capacity reservation ids (e.g. Capacity Blocks for ML) the pool may use. @default none */
  readonly capacityReservationIds?: readonly string[];
  /**
   * Total accelerators (GPUs for `nvidia`, Neuron devices for `neuron`) the pool may launch;
   * ignored for `cpu`. @default no accelerator limit (cpuLimit and memoryLimitGiB still apply)
   */
  readonly acceleratorLimit?: number;
  /**
   * When Karpenter may remove or replace nodes: `WhenEmpty` never moves running pods to pack
   * nodes tighter (serving pods finish their requests), `WhenEmptyOrUnderutilized` also
   * consolidates busy nodes. @default 'WhenEmptyOrUnderutilized' for cpu, 'WhenEmpty' for nvidia and neuron
   */
  readonly consolidationPolicy?: ConsolidationPolicy;
  /** How long a node must be empty or underutilized before Karpenter acts on it. @default '5m' (cpu), '30m' (nvidia, neuron) */
  readonly consolidateAfter?: string;
  /**
   * How many of the pool's nodes Karpenter may disrupt at once, per reason (NodePool
   * `spec.disruption.budgets`; clusters/lib/disruption.ts). @default [{ nodes: '10%' }] (cpu), [{ nodes: '1' }] (nvidia, neuron)
   */
  readonly disruptionBudgets?: readonly DisruptionBudgetProps[];
}

export interface PoolsProps {
  /** General-purpose x86 capacity (c, m, r families). */
  readonly cpu: PoolProps;
  /** NVIDIA GPU capacity, tainted `nvidia.com/gpu`. */
  readonly nvidia: PoolProps;
  /** AWS Inferentia/Trainium capacity, tainted `aws.amazon.com/neuron`. */
  readonly neuron: PoolProps;
}

export interface EndpointProps {
  /** Whether the public endpoint is enabled besides the private one. */
  readonly publicAccess: boolean;
  /** CIDRs allowed to reach the public endpoint (required when publicAccess is true). */
  readonly publicAccessCidrs: readonly string[];
}

export interface SystemNodeGroupProps {
  /** General-purpose EC2 instance type matching the AMI architecture in versions.ts (not accelerated). */
  readonly instanceType: string;
  /** Number of nodes. */
  readonly size: number;
}

/** This environment's model bucket replicates to the named environment's bucket. */
export interface DisasterRecoverySource {
  readonly role: 'source';
  /** The environment (`name`) that receives the replica. */
  readonly replicaEnvironment: string;
}

/** This environment receives the named environment's model data. */
export interface DisasterRecoveryReplica {
  readonly role: 'replica';
  /** The environment (`name`) whose bucket replicates here. */
  readonly sourceEnvironment: string;
}

export type DisasterRecoveryProps = DisasterRecoverySource | DisasterRecoveryReplica;

export interface ModelDataProps {
  /** FSx for Lustre PERSISTENT_2 capacity in GiB (1200, 2400, then multiples of 2400). */
  readonly fsxStorageGiB: number;
  /** FSx for Lustre PERSISTENT_2 throughput per TiB (125, 250, 500 or 1000 MB/s). */
  readonly fsxThroughputPerTiB: number;
  /** Cross-region disaster recovery of the model bucket. @default none */
  readonly disasterRecovery?: DisasterRecoveryProps;
}

export interface ExposureProps {
  /** Source CIDRs allowed through internet-facing load balancers. Empty: internal only. */
  readonly openTo: readonly string[];
}

/** A shared password, for development clusters only. */
export interface DummyAuthentication {
  readonly kind: 'dummy';
}

/** GitHub OAuth restricted to members of one organisation. */
export interface GitHubAuthentication {
  readonly kind: 'github';
  /** The GitHub organisation whose members may sign in. */
  readonly organization: string;
}

/** An Amazon Cognito user pool that infra/ creates for the environment. */
export interface CognitoAuthentication {
  readonly kind: 'cognito';
}

export type AuthenticationProps = DummyAuthentication | GitHubAuthentication | CognitoAuthentication;

interface VllmCommonProps {
  /** Name of the deployment: objects are called `vllm-<name>`. Unique in the environment. */
  readonly name: string;
  /** Model id from the model catalogue (clusters/catalog/models.ts). */
  readonly model: string;
  /** EC2 instance type each replica is placed on; its family must be one the pool offers. */
  readonly instanceType: string;
  /** Tensor-parallel size: GPUs (nvidia) or NeuronCores (neuron) per replica; divides one instance's. */
  readonly tensorParallelSize: number;
  /** Longest sequence (prompt + output) served, tokens; at most the model's context length. */
  readonly maxModelLen: number;
  /** Number of replicas, when the deployment does not autoscale (excludes `scaling`). @default 1 */
  readonly replicas?: number;
  /**
   * Autoscaling between a minimum and a maximum on the deployment's own queue and latency
   * (clusters/lib/scaling.ts); excludes `replicas`. @default a fixed `replicas` count
   */
  readonly scaling?: VllmScalingProps;
  /** `internal`: internal NLB; `open`: internet-facing NLB limited to exposure.openTo. @default 'internal' */
  readonly exposure?: Exposure;
}

/** A vLLM server on NVIDIA GPUs. */
export interface NvidiaVllmProps extends VllmCommonProps {
  /** NodePool the replicas run on. */
  readonly pool: 'nvidia';
  /** Fraction of each GPU's memory vLLM may use (`--gpu-memory-utilization`). @default 0.9 (vLLM's default) */
  readonly gpuMemoryUtilization?: number;
  /** How replicas start: weights from FSx or S3, compile caches shared or per pod (clusters/lib/fast-start.ts). @default weights from FSx, shared compile cache */
  readonly start?: NvidiaStartProps;
}

/** A vLLM server on AWS Inferentia2/Trainium (Neuron). */
export interface NeuronVllmProps extends VllmCommonProps {
  /** NodePool the replicas run on. */
  readonly pool: 'neuron';
  /** How replicas start: weights from FSx (clusters/lib/fast-start.ts). @default weights from FSx */
  readonly start?: NeuronStartProps;
}

export type VllmProps = NvidiaVllmProps | NeuronVllmProps;

export interface OpenWebUIProps {
  /** Names of the vLLM deployments (workloads.vllm[].name) offered as models. */
  readonly backends: readonly string[];
  /** Size of its gp3 data volume, GiB. @default 20 */
  readonly storageGiB?: number;
  /** `internal`: internal NLB; `open`: internet-facing NLB limited to exposure.openTo. @default 'internal' */
  readonly exposure?: Exposure;
}

/** JupyterHub's GPU notebook profile: one GPU per notebook server. */
export interface GpuProfileProps {
  /** EC2 instance type of the GPU profile; its family must be one the nvidia pool offers. */
  readonly instanceType: string;
  /**
   * Most users running the GPU profile at the same time (one GPU each). The nvidia pool's limits
   * must hold them besides every other GPU workload (clusters/lib/capacity.ts); a server beyond
   * them would wait for a GPU that the pool may not launch. @default 1
   */
  readonly maxUsers?: number;
}

export interface JupyterHubProps {
  /** The GPU notebook profile (A10G-class, nvidia pool). */
  readonly gpuProfile: GpuProfileProps;
  /** Minutes without activity before a notebook server is stopped. @default 60 */
  readonly idleCullMinutes?: number;
  /** Size of each user's gp3 home volume, GiB. @default 100 */
  readonly homeGiB?: number;
  /** `internal`: internal NLB; `open`: internet-facing NLB limited to exposure.openTo. @default 'internal' */
  readonly exposure?: Exposure;
}

export interface DogboothProps {
  /** Hugging Face repository of the fine-tuned model (`owner/name`) that is served and pushed to. */
  readonly modelId: string;
  /** EC2 instance type of the GPU workers of the RayService (nvidia pool). */
  readonly workerInstanceType: string;
  /** Fewest GPU workers (and Serve replicas) kept running. @default 1 */
  readonly minWorkers?: number;
  /** Most GPU workers (and Serve replicas) the autoscaler may add. @default 2 */
  readonly maxWorkers?: number;
  /**
   * Route the Ray dashboard at /dogbooth/ through the shared Gateway. The dashboard has no
   * sign-in and accepts job submissions (code execution in the cluster), so it is off unless
   * an environment opts in; otherwise reach it with `kubectl port-forward`. @default false
   */
  readonly dashboardRoute?: boolean;
}

export interface PipelineProps {
  /** EC2 instance type of the GPU steps (fine-tuning, validation, evaluation); nvidia pool. */
  readonly gpuInstanceType: string;
  /** Learning rates of the hyperparameter sweep: one parallel fine-tuning per value. */
  readonly learningRates: readonly string[];
  /** Training steps of each fine-tuning. @default 800 */
  readonly maxTrainSteps?: number;
  /** Most GPU steps running at once. @default 2 */
  readonly parallelism?: number;
}

/** The GenAI workloads of the environment. */
export interface WorkloadsProps {
  /** vLLM servers. */
  readonly vllm: readonly VllmProps[];
  /** Open WebUI chat front-end over the vLLM servers. @default not deployed */
  readonly openWebUI?: OpenWebUIProps;
  /** JupyterHub (z2jh); sign-in follows `authentication`. @default not deployed */
  readonly jupyterhub?: JupyterHubProps;
  /** The dogbooth DreamBooth example served by Ray Serve (KubeRay RayService). @default not deployed */
  readonly dogbooth?: DogboothProps;
  /** The dogbooth fine-tuning pipeline (Argo Workflows). @default not deployed */
  readonly pipeline?: PipelineProps;
}

/**
 * How the bootstrap stage (Terraform's kubernetes and helm providers, `dist/terraform/<env>/bootstrap`)
 * reaches the EKS API server (docs/infra.md, "Two stages").
 */
export type BootstrapAccess = 'private-endpoint' | 'public-endpoint';

/** How Flux authenticates to this Git repository. */
export type GitCredentials = 'none' | 'ssh-key' | 'github-app';

/** The bootstrap stage: how it reaches the cluster, and how Flux reaches this repository. */
export interface BootstrapProps {
  /**
   * - `private-endpoint`: the bootstrap runs from a machine inside the VPC, or in a network
   *   routed to it (VPN, peering, Transit Gateway) named in `runnerCidrs`; the cluster security
   *   group admits HTTPS from the VPC CIDR and those networks.
   * - `public-endpoint`: the bootstrap runs through the public endpoint, which the cluster stage
   *   opens to `runnerCidrs` only while its input `bootstrap_public_access` is true (set it for
   *   the bootstrap apply, then apply the cluster stage again without it to close it).
   * @default 'private-endpoint'
   */
  readonly access?: BootstrapAccess;
  /**
   * Networks the bootstrap runs from: for `private-endpoint`, networks outside the VPC that are
   * routed to it (the VPC's own CIDR is always admitted); for `public-endpoint`, the public
   * addresses the runner's traffic leaves from (required).
   * @default none
   */
  readonly runnerCidrs?: readonly string[];
  /**
   * Credentials Flux uses to fetch this repository: `none` for a public repository over HTTPS;
   * `ssh-key` (a deploy key: JSON `{identity, known_hosts}`) or `github-app` (JSON `{githubAppID,
   * githubAppInstallationID, githubAppPrivateKey}`) for a private one. The value is put into the
   * Secrets Manager secret `genai-<env>/flux-git` out of band; the bootstrap stage reads it as an
   * ephemeral value into a write-only attribute, so it is in neither dist/ nor Terraform state.
   * @default 'none'
   */
  readonly gitCredentials?: GitCredentials;
}

/**
 * Production hardening of the AWS side. Each switch defaults by tier (`HARDENING_DEFAULTS`);
 * an environment may set any of them either way.
 */
export interface HardeningProps {
  /** EKS deletion protection: the cluster cannot be deleted until it is turned off. @default true (production), false (development) */
  readonly deletionProtection?: boolean;
  /** ARC zonal shift for the cluster (traffic moves away from an impaired zone). @default true (production), false (development) */
  readonly zonalShift?: boolean;
  /** Encrypt the control-plane log group with a customer managed KMS key. @default true (production), false (development) */
  readonly encryptControlPlaneLogs?: boolean;
  /** An S3 gateway VPC endpoint on the private route tables, so model weights do not cross the NAT gateway. @default true */
  readonly s3GatewayEndpoint?: boolean;
  /** Run the VPC CNI on its own EKS Pod Identity role instead of the node role. @default true */
  readonly vpcCniPodIdentity?: boolean;
  /**
   * IAM role names (optionally with a path, `ci/deployer`) in the environment's account that get
   * an access entry with cluster administrator access (a CI role, a break-glass role), besides
   * the identity that created the cluster. Each role must exist before the cluster stage applies.
   * @default none
   */
  readonly administratorRoles?: readonly string[];
}

/** One cluster: what `clusters/<env>.ts` exports (`export default defineEnvironment({...})`). */
export interface EnvironmentProps {
  /** Environment name: a DNS label of at most 20 characters, used in resource names (`genai-<name>`) and dist/ paths. */
  readonly name: string;
  /** Development clusters may use spot for everything and a shared password; production may not. */
  readonly tier: 'development' | 'production';
  /** AWS region. */
  readonly region: AwsRegion;
  /** Availability zones for subnets (at least 2, all in `region`). */
  readonly availabilityZones: readonly string[];
  /** VPC CIDR, /16 to /20; must not overlap another environment's. */
  readonly vpcCidr: string;
  /** One NAT gateway for the VPC (cost) or one per AZ (availability). */
  readonly natGateways: 'single' | 'one-per-az';
  /** EKS API endpoint access. */
  readonly endpoint: EndpointProps;
  /** The system managed node group for critical add-ons. */
  readonly systemNodeGroup: SystemNodeGroupProps;
  /** Karpenter NodePools. */
  readonly pools: PoolsProps;
  /** Model data: FSx for Lustre size and cross-region replication. */
  readonly modelData: ModelDataProps;
  /** Who may reach load balancers: internal by default; CIDRs open an internet-facing listener. */
  readonly exposure: ExposureProps;
  /** User authentication for JupyterHub and Open WebUI. */
  readonly authentication: AuthenticationProps;
  /** GenAI workloads (vLLM, Open WebUI, …). @default none */
  readonly workloads?: WorkloadsProps;
  /** How the bootstrap stage reaches the cluster and Flux reaches this repository. @default private endpoint, no Git credentials */
  readonly bootstrap?: BootstrapProps;
  /** Production hardening switches. @default by tier (`HARDENING_DEFAULTS`) */
  readonly hardening?: HardeningProps;
  /** The in-cluster monitoring stack (clusters/lib/observability.ts). @default 15 days of samples on a 50 GiB volume */
  readonly observability?: ObservabilityProps;
}

/** Identity function that gives an environment file its type (and the editor its documentation). */
export function defineEnvironment(env: EnvironmentProps): EnvironmentProps {
  return env;
}

// --- what the schema resolves them to (defaults filled) ---

export interface ParsedPool extends Required<Omit<PoolProps, 'acceleratorLimit' | 'disruptionBudgets'>> {
  readonly acceleratorLimit: number | undefined;
  readonly disruptionBudgets: readonly ParsedDisruptionBudget[];
}
export interface ParsedPools {
  readonly cpu: ParsedPool;
  readonly nvidia: ParsedPool;
  readonly neuron: ParsedPool;
}
export interface ParsedModelData extends Omit<ModelDataProps, 'disasterRecovery'> {
  readonly disasterRecovery: DisasterRecoveryProps | undefined;
}
/** A vLLM entry's `scaling`, resolved (undefined: a fixed `replicas` count). */
interface ParsedScalingField {
  readonly scaling: ParsedVllmScaling | undefined;
}
export type ParsedNvidiaVllm = Required<Omit<NvidiaVllmProps, 'scaling' | 'start'>> &
  ParsedScalingField & { readonly start: ParsedNvidiaStart };
export type ParsedNeuronVllm = Required<Omit<NeuronVllmProps, 'scaling' | 'start'>> &
  ParsedScalingField & { readonly start: ParsedNeuronStart };
export type ParsedVllm = ParsedNvidiaVllm | ParsedNeuronVllm;
export type ParsedOpenWebUI = Required<OpenWebUIProps>;
export type ParsedGpuProfile = Required<GpuProfileProps>;
export interface ParsedJupyterHub extends Required<Omit<JupyterHubProps, 'gpuProfile'>> {
  readonly gpuProfile: ParsedGpuProfile;
}
export type ParsedDogbooth = Required<DogboothProps>;
export type ParsedPipeline = Required<PipelineProps>;
export interface ParsedWorkloads {
  readonly vllm: readonly ParsedVllm[];
  readonly openWebUI: ParsedOpenWebUI | undefined;
  readonly jupyterhub: ParsedJupyterHub | undefined;
  readonly dogbooth: ParsedDogbooth | undefined;
  readonly pipeline: ParsedPipeline | undefined;
}
export type ParsedBootstrap = Required<BootstrapProps>;
/** Hardening as written: a switch left out is `undefined` until the loader applies the tier's default. */
export interface ParsedHardening extends Omit<HardeningProps, 'administratorRoles'> {
  readonly administratorRoles: readonly string[];
}
/** Hardening with every switch decided (the tier's default where the file left it out). */
export type Hardening = Required<HardeningProps>;
export interface ParsedEnvironment
  extends Omit<
    EnvironmentProps,
    'pools' | 'modelData' | 'workloads' | 'bootstrap' | 'hardening' | 'observability'
  > {
  readonly pools: ParsedPools;
  readonly modelData: ParsedModelData;
  readonly workloads: ParsedWorkloads;
  readonly bootstrap: ParsedBootstrap;
  readonly hardening: ParsedHardening;
  readonly observability: ParsedObservability;
}

// --- bounds: every number an environment writes, with where each bound comes from ---

/** 2^63-1: the largest value a Kubernetes quantity may represent. */
const QUANTITY_MAX = 2n ** 63n - 1n;

/**
 * The range of every number field. Upper bounds are what AWS or Kubernetes accepts where the
 * field reaches an API as it is; where the project sets a tighter limit, `why` says so.
 *
 * Sources:
 * - Kubernetes quantities (NodePool `limits`): "no quantity may represent a number greater than
 *   2^63-1 in magnitude" (kubernetes/apimachinery@v0.35.4:pkg/api/resource/quantity.go).
 *   cpuLimit and acceleratorLimit are plain counts, so JavaScript's exact-integer limit (2^53-1)
 *   is the tighter bound; memoryLimitGiB is written as `<n>Gi`, n x 2^30 bytes.
 * - FSx for Lustre: StorageCapacity is a 32-bit integer of GiB, 0..2147483647 (the FSx API model,
 *   boto/botocore@1.43.11:botocore/data/fsx/2018-03-01/service-2.json, shape StorageCapacity);
 *   PERSISTENT_2 SSD takes 1200, 2400 and multiples of 2400 GiB and 125, 250, 500 or 1000 MB/s/TiB
 *   (https://docs.aws.amazon.com/fsx/latest/APIReference/API_CreateFileSystem.html,
 *   StorageCapacity and PerUnitStorageThroughput).
 * - EBS gp3 volumes (Open WebUI data, JupyterHub homes): 1 GiB to 16 TiB
 *   (https://docs.aws.amazon.com/ebs/latest/userguide/ebs-volume-types.html).
 * - EKS: 450 nodes per managed node group (adjustable), 40 public endpoint CIDRs per cluster
 *   (not adjustable) (https://docs.aws.amazon.com/eks/latest/userguide/service-quotas.html).
 */
export const BOUNDS = {
  poolCpu: {
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    why: 'a Kubernetes quantity stops at 2^63-1; 2^53-1 is the largest integer kept exactly here',
  },
  poolMemoryGiB: {
    min: 0,
    max: Number(QUANTITY_MAX / 2n ** 30n),
    why: 'the largest memory a Kubernetes quantity holds: 2^63-1 bytes',
  },
  poolAccelerators: {
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    why: 'a Kubernetes quantity stops at 2^63-1; 2^53-1 is the largest integer kept exactly here',
  },
  systemNodes: {
    min: 1,
    max: 10,
    why: 'project limit: the system node group runs the cluster add-ons, workloads get Karpenter nodes (EKS allows 450 nodes per managed node group)',
  },
  fsxStorageGiB: {
    min: 1200,
    max: 2147483647 - (2147483647 % 2400),
    why: 'FSx takes a 32-bit StorageCapacity: the largest PERSISTENT_2 size below 2^31 GiB',
  },
  fsxThroughputPerTiB: { min: 125, max: 1000, why: 'PERSISTENT_2 offers 125 to 1000 MB/s/TiB' },
  tensorParallelSize: {
    min: 1,
    max: 64,
    why: 'project limit: no catalogued instance has more than 64 GPUs or NeuronCores',
  },
  maxModelLen: {
    min: 128,
    max: 10_000_000,
    why: "project limit; each model's context length bounds it further",
  },
  vllmReplicas: { min: 0, max: 32, why: 'project limit per deployment' },
  gpuMemoryUtilization: { min: 0.1, max: 0.99, why: 'project limit' },
  gp3GiB: { min: 1, max: 16384, why: 'EBS gp3 volumes hold 1 GiB to 16 TiB' },
  homeGiB: { min: 10, max: 16384, why: 'EBS gp3 volumes hold at most 16 TiB' },
  idleCullMinutes: { min: 10, max: 10080, why: 'project limit: a week' },
  notebookGpuUsers: {
    min: 0,
    max: 1000,
    why: 'project limit; the GPU pool limit bounds it further',
  },
  dogboothWorkers: { min: 0, max: 64, why: 'project limit' },
  maxTrainSteps: { min: 50, max: 20000, why: 'project limit' },
  pipelineParallelism: { min: 1, max: 16, why: 'project limit' },
  publicAccessCidrs: 40,
} as const satisfies Record<string, Range | number>;

// --- the schema ---

/** RFC 1123 label: what Kubernetes accepts for namespace-like names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function dnsLabel(max = 63) {
  return str((v) =>
    v.length > max
      ? `${JSON.stringify(v)} is longer than ${max} characters`
      : DNS_LABEL.test(v)
        ? undefined
        : `${JSON.stringify(v)} is not a valid Kubernetes name (lower-case letters, digits and '-', starting and ending with a letter or digit)`,
  );
}

export const cidr = () =>
  str((v) => {
    const c = parseCidr(v);
    return typeof c === 'string' ? c : undefined;
  });

const region = () =>
  str<AwsRegion>((v) =>
    (AWS_REGIONS as readonly string[]).includes(v)
      ? undefined
      : `unknown AWS region ${JSON.stringify(v)} (known: ${AWS_REGIONS.join(', ')})`,
  );

const exposure = () => withDefault(oneOf(['internal', 'open'] as const), 'internal');

/** The longest duration Go's time.ParseDuration (which Karpenter uses) accepts: 2^63-1 ns. */
const MAX_DURATION_SECONDS = Number((2n ** 63n - 1n) / 1_000_000_000n);
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600 };

/**
 * A Karpenter duration: the NodePool CRD's pattern `^(([0-9]+(s|m|h))+|Never)$`
 * (aws/karpenter-provider-aws@v1.14.1:pkg/apis/crds/karpenter.sh_nodepools.yaml), parsed by Go's
 * time.ParseDuration, which rejects anything above 2^63-1 nanoseconds
 * (kubernetes-sigs/karpenter pkg/apis/v1/duration.go; go/src/time/format.go ParseDuration).
 */
const duration = () =>
  str((v) => {
    if (v === 'Never') return undefined;
    if (!/^([0-9]+(s|m|h))+$/.test(v))
      return `${JSON.stringify(v)} is not a duration like 30m or 1h (or Never)`;
    let seconds = 0;
    for (const [, n, unit] of v.matchAll(/([0-9]+)(s|m|h)/g)) seconds += Number(n) * UNIT_SECONDS[unit!]!;
    return seconds > MAX_DURATION_SECONDS
      ? `${JSON.stringify(v)} is longer than Go's longest duration (2562047h47m16s), which Karpenter parses it with`
      : undefined;
  });

/** A pool's schema; the defaults depend on whether the pool carries accelerators. */
function pool(accelerated: boolean): Schema<PoolProps, ParsedPool> {
  return obj<PoolProps, ParsedPool>({
    instanceFamilies: list(str(), { min: 1, unique: true }),
    capacityTypes: list(oneOf(['spot', 'on-demand'] as const), { min: 1, unique: true }),
    cpuLimit: int(BOUNDS.poolCpu),
    memoryLimitGiB: int(BOUNDS.poolMemoryGiB),
    capacityReservationIds: withDefault(
      list(
        str((v) =>
          /^cr-[0-9a-f]{8,17}$/.test(v)
            ? undefined
            : `${JSON.stringify(v)} is not a capacity reservation id (cr-…)`,
        ),
        { unique: true },
      ),
      [],
    ),
    acceleratorLimit: optional(int(BOUNDS.poolAccelerators)),
    consolidationPolicy: withDefault(
      oneOf(['WhenEmpty', 'WhenEmptyOrUnderutilized'] as const),
      accelerated ? 'WhenEmpty' : 'WhenEmptyOrUnderutilized',
    ),
    consolidateAfter: withDefault(duration(), accelerated ? '30m' : '5m'),
    disruptionBudgets: withDefault(budgetsSchema, defaultBudgets(accelerated)),
  });
}

const disasterRecovery = variant<DisasterRecoveryProps, DisasterRecoveryProps>('role', {
  source: obj<DisasterRecoverySource>({ role: oneOf(['source'] as const), replicaEnvironment: dnsLabel() }),
  replica: obj<DisasterRecoveryReplica>({ role: oneOf(['replica'] as const), sourceEnvironment: dnsLabel() }),
});

const authentication = variant<AuthenticationProps, AuthenticationProps>('kind', {
  dummy: obj<DummyAuthentication>({ kind: oneOf(['dummy'] as const) }),
  github: obj<GitHubAuthentication>({
    kind: oneOf(['github'] as const),
    organization: str((v) =>
      /^[A-Za-z0-9-]{1,39}$/.test(v) ? undefined : `${JSON.stringify(v)} is not a GitHub organisation name`,
    ),
  }),
  cognito: obj<CognitoAuthentication>({ kind: oneOf(['cognito'] as const) }),
});

const vllmCommon = {
  name: dnsLabel(40),
  model: str(),
  instanceType: str(),
  tensorParallelSize: int(BOUNDS.tensorParallelSize),
  maxModelLen: int(BOUNDS.maxModelLen),
  replicas: withDefault(int(BOUNDS.vllmReplicas), 1),
  scaling: optional(scalingSchema),
  exposure: exposure(),
} as const;

const vllm = variant<VllmProps, ParsedVllm>('pool', {
  nvidia: obj<NvidiaVllmProps, ParsedNvidiaVllm>({
    ...vllmCommon,
    pool: oneOf(['nvidia'] as const),
    gpuMemoryUtilization: withDefault(num(BOUNDS.gpuMemoryUtilization), 0.9),
    start: nvidiaStartSchema,
  }),
  neuron: obj<NeuronVllmProps, ParsedNeuronVllm>({
    ...vllmCommon,
    pool: oneOf(['neuron'] as const),
    start: neuronStartSchema,
  }),
});

const workloads = obj<WorkloadsProps, ParsedWorkloads>({
  vllm: list(vllm, { max: 16, uniqueBy: { field: 'name', key: (v) => v.name } }),
  openWebUI: optional(
    obj<OpenWebUIProps, ParsedOpenWebUI>({
      backends: list(dnsLabel(40), { min: 1, unique: true }),
      storageGiB: withDefault(int(BOUNDS.gp3GiB), 20),
      exposure: exposure(),
    }),
  ),
  jupyterhub: optional(
    obj<JupyterHubProps, ParsedJupyterHub>({
      gpuProfile: obj<GpuProfileProps, ParsedGpuProfile>({
        instanceType: str(),
        maxUsers: withDefault(int(BOUNDS.notebookGpuUsers), 1),
      }),
      idleCullMinutes: withDefault(int(BOUNDS.idleCullMinutes), 60),
      homeGiB: withDefault(int(BOUNDS.homeGiB), 100),
      exposure: exposure(),
    }),
  ),
  dogbooth: optional(
    obj<DogboothProps, ParsedDogbooth>({
      modelId: str((v) =>
        /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v)
          ? undefined
          : `${JSON.stringify(v)} is not a Hugging Face repository id (owner/name)`,
      ),
      workerInstanceType: str(),
      minWorkers: withDefault(int(BOUNDS.dogboothWorkers), 1),
      maxWorkers: withDefault(int({ ...BOUNDS.dogboothWorkers, min: 1 }), 2),
      dashboardRoute: withDefault(bool(), false),
    }),
  ),
  pipeline: optional(
    obj<PipelineProps, ParsedPipeline>({
      gpuInstanceType: str(),
      learningRates: list(
        str((v) =>
          /^\d+(\.\d+)?(e-?\d+)?$/.test(v)
            ? undefined
            : `${JSON.stringify(v)} is not a learning rate like 2e-6`,
        ),
        { min: 1, max: 16, unique: true },
      ),
      maxTrainSteps: withDefault(int(BOUNDS.maxTrainSteps), 800),
      parallelism: withDefault(int(BOUNDS.pipelineParallelism), 2),
    }),
  ),
});

const NO_WORKLOADS: ParsedWorkloads = {
  vllm: [],
  openWebUI: undefined,
  jupyterhub: undefined,
  dogbooth: undefined,
  pipeline: undefined,
};

/** What a hardening switch left out resolves to, per tier. */
export const HARDENING_DEFAULTS: {
  readonly [T in EnvironmentProps['tier']]: Omit<Hardening, 'administratorRoles'>;
} = {
  production: {
    deletionProtection: true,
    zonalShift: true,
    encryptControlPlaneLogs: true,
    s3GatewayEndpoint: true,
    vpcCniPodIdentity: true,
  },
  development: {
    deletionProtection: false,
    zonalShift: false,
    encryptControlPlaneLogs: false,
    s3GatewayEndpoint: true,
    vpcCniPodIdentity: true,
  },
};

export const DEFAULT_BOOTSTRAP: ParsedBootstrap = {
  access: 'private-endpoint',
  runnerCidrs: [],
  gitCredentials: 'none',
};

/** An IAM role name with an optional path (`deployer`, `ci/deployer`): IAM's name characters. */
const roleName = () =>
  str((v) =>
    /^([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/.test(v)
      ? undefined
      : `${JSON.stringify(v)} is not an IAM role name (letters, digits and +=,.@_-, at most 64, with an optional path like ci/deployer)`,
  );

const bootstrap = withDefault(
  obj<BootstrapProps, ParsedBootstrap>({
    access: withDefault(oneOf(['private-endpoint', 'public-endpoint'] as const), DEFAULT_BOOTSTRAP.access),
    runnerCidrs: withDefault(list(cidr(), { unique: true }), []),
    gitCredentials: withDefault(oneOf(['none', 'ssh-key', 'github-app'] as const), 'none'),
  }),
  DEFAULT_BOOTSTRAP,
);

const hardening = withDefault(
  obj<HardeningProps, ParsedHardening>({
    deletionProtection: optional(bool()),
    zonalShift: optional(bool()),
    encryptControlPlaneLogs: optional(bool()),
    s3GatewayEndpoint: optional(bool()),
    vpcCniPodIdentity: optional(bool()),
    administratorRoles: withDefault(list(roleName(), { unique: true, max: 10 }), []),
  }),
  {
    deletionProtection: undefined,
    zonalShift: undefined,
    encryptControlPlaneLogs: undefined,
    s3GatewayEndpoint: undefined,
    vpcCniPodIdentity: undefined,
    administratorRoles: [],
  },
);

export const environmentSchema = obj<EnvironmentProps, ParsedEnvironment>({
  name: dnsLabel(20),
  tier: oneOf(['development', 'production'] as const),
  region: region(),
  availabilityZones: list(str(), { min: 2, max: 6, unique: true }),
  vpcCidr: cidr(),
  natGateways: oneOf(['single', 'one-per-az'] as const),
  endpoint: obj<EndpointProps>({
    publicAccess: bool(),
    publicAccessCidrs: list(cidr(), {
      unique: true,
      max: BOUNDS.publicAccessCidrs,
      why: 'EKS takes at most 40 public endpoint CIDRs per cluster',
    }),
  }),
  systemNodeGroup: obj<SystemNodeGroupProps>({ instanceType: str(), size: int(BOUNDS.systemNodes) }),
  pools: obj<PoolsProps, ParsedPools>({ cpu: pool(false), nvidia: pool(true), neuron: pool(true) }),
  modelData: obj<ModelDataProps, ParsedModelData>({
    fsxStorageGiB: int(BOUNDS.fsxStorageGiB),
    fsxThroughputPerTiB: int(BOUNDS.fsxThroughputPerTiB),
    disasterRecovery: optional(disasterRecovery),
  }),
  exposure: obj<ExposureProps>({ openTo: list(cidr(), { unique: true }) }),
  authentication,
  workloads: withDefault(workloads, NO_WORKLOADS),
  bootstrap,
  hardening,
  observability: withDefault(observabilitySchema, DEFAULT_OBSERVABILITY),
});

/** The EKS cluster name of an environment. */
export function clusterName(env: Pick<EnvironmentProps, 'name'>): string {
  return `genai-${env.name}`;
}

/** Which accelerated pool a resolved vLLM entry runs on (narrowing helper). */
export function isPool<P extends AcceleratedPool>(
  v: ParsedVllm,
  pool: P,
): v is Extract<ParsedVllm, { pool: P }> {
  return v.pool === pool;
}
