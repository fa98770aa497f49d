/**
 * The environment definition: one readonly, typed object per cluster in `clusters/<env>.ts`.
 * The schema below is both the TypeScript type and the load-time validation.
 */
import { parseCidr } from './net.js';
import { bool, type Infer, int, list, num, obj, oneOf, optional, str, variant } from './schema.js';

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
  str((v) =>
    (AWS_REGIONS as readonly string[]).includes(v)
      ? undefined
      : `unknown AWS region ${JSON.stringify(v)} (known: ${AWS_REGIONS.join(', ')})`,
  );

const capacityType = oneOf(['spot', 'on-demand'] as const);

/** A Karpenter NodePool's knobs that vary between environments. */
const pool = obj({
  /** Instance families offered by the pool, e.g. `g5`. */
  instanceFamilies: list(str(), { min: 1, unique: true }),
  /** Purchase options, in preference order. */
  capacityTypes: list(capacityType, { min: 1, unique: true }),
  /** Total vCPUs the pool may launch. */
  cpuLimit: int({ min: 0 }),
  /** Total memory the pool may launch, in GiB. */
  memoryLimitGiB: int({ min: 0 }),
  /** Optional EC2 capacity reservation ids (e.g. Capacity Blocks for ML). @default none */
  capacityReservationIds: optional(
    list(
      str((v) =>
        /^cr-[0-9a-f]{8,17}$/.test(v)
          ? undefined
          : `${JSON.stringify(v)} is not a capacity reservation id (cr-…)`,
      ),
      { unique: true },
    ),
  ),
  // --- platform: Karpenter pool knobs (apps/karpenter) ---
  /**
   * Total accelerators (GPUs for `nvidia`, Neuron devices for `neuron`) the pool may launch;
   * ignored for `cpu`. @default no accelerator limit (cpuLimit and memoryLimitGiB still apply)
   */
  acceleratorLimit: optional(int({ min: 0 })),
  /**
   * When Karpenter may remove or replace nodes: `WhenEmpty` never moves running pods to pack
   * nodes tighter (serving pods finish their requests), `WhenEmptyOrUnderutilized` also
   * consolidates busy nodes. @default WhenEmptyOrUnderutilized for cpu, WhenEmpty for nvidia and neuron
   */
  consolidationPolicy: optional(oneOf(['WhenEmpty', 'WhenEmptyOrUnderutilized'] as const)),
  /** How long a node must be empty or underutilized before Karpenter acts on it. @default '5m' (cpu), '30m' (accelerators) */
  consolidateAfter: optional(
    str((v) =>
      /^([0-9]+(s|m|h))+$/.test(v) ? undefined : `${JSON.stringify(v)} is not a duration like 30m or 1h`,
    ),
  ),
});

const disasterRecovery = variant('role', {
  /** This environment's model bucket replicates to the named environment's bucket. */
  source: obj({ role: oneOf(['source'] as const), replicaEnvironment: dnsLabel() }),
  /** This environment receives the named environment's model data. */
  replica: obj({ role: oneOf(['replica'] as const), sourceEnvironment: dnsLabel() }),
});

const authentication = variant('kind', {
  /** A shared password, for development clusters only. */
  dummy: obj({ kind: oneOf(['dummy'] as const) }),
  /** GitHub OAuth restricted to members of one organisation. */
  github: obj({
    kind: oneOf(['github'] as const),
    organization: str((v) =>
      /^[A-Za-z0-9-]{1,39}$/.test(v) ? undefined : `${JSON.stringify(v)} is not a GitHub organisation name`,
    ),
  }),
  /** An Amazon Cognito user pool that infra/ creates for the environment. */
  cognito: obj({ kind: oneOf(['cognito'] as const) }),
});

// --- workloads ---
/** One vLLM OpenAI-compatible server (Deployment + Service), checked against the catalogues at render. */
const vllmDeployment = obj({
  /** Name of the deployment: objects are called `vllm-<name>`. */
  name: dnsLabel(40),
  /** Model id from the model catalogue (apps/catalog/models.ts). */
  model: str(),
  /** NodePool the replicas run on. */
  pool: oneOf(['nvidia', 'neuron'] as const),
  /** EC2 instance type each replica is placed on; its family must be one the pool offers. */
  instanceType: str(),
  /** Tensor-parallel size: GPUs (nvidia) or NeuronCores (neuron) per replica; divides one instance's. */
  tensorParallelSize: int({ min: 1, max: 64 }),
  /** Longest sequence (prompt + output) served, tokens; at most the model's context length. */
  maxModelLen: int({ min: 128 }),
  /** Fraction of each GPU's memory vLLM may use (NVIDIA only). @default 0.9 */
  gpuMemoryUtilization: optional(num({ min: 0.1, max: 0.99 })),
  /** Number of replicas. */
  replicas: int({ min: 0, max: 32 }),
  /** `internal`: internal NLB; `open`: internet-facing NLB limited to exposure.openTo. @default 'internal' */
  exposure: optional(oneOf(['internal', 'open'] as const)),
});

/** The GenAI workloads of the environment. */
const workloads = obj({
  /** vLLM servers. @default none */
  vllm: list(vllmDeployment, { max: 16 }),
  /** Open WebUI chat front-end over the vLLM servers. @default not deployed */
  openWebUI: optional(
    obj({
      /** Names of the vLLM deployments (workloads.vllm[].name) offered as models. */
      backends: list(dnsLabel(40), { min: 1, unique: true }),
      /** Size of its gp3 data volume, GiB. @default 20 */
      storageGiB: optional(int({ min: 1, max: 1000 })),
      /** `internal`: internal NLB; `open`: internet-facing NLB limited to exposure.openTo. @default 'internal' */
      exposure: optional(oneOf(['internal', 'open'] as const)),
    }),
  ),
  /** JupyterHub (z2jh); sign-in follows `authentication`. @default not deployed */
  jupyterhub: optional(
    obj({
      /** The GPU notebook profile (A10G-class, nvidia pool). */
      gpuProfile: obj({
        /** EC2 instance type of the GPU profile; its family must be one the nvidia pool offers. */
        instanceType: str(),
      }),
      /** Minutes without activity before a notebook server is stopped. @default 60 */
      idleCullMinutes: optional(int({ min: 10, max: 10080 })),
      /** Size of each user's gp3 home volume, GiB. @default 100 */
      homeGiB: optional(int({ min: 10, max: 16384 })),
      /** `internal`: internal NLB; `open`: internet-facing NLB limited to exposure.openTo. @default 'internal' */
      exposure: optional(oneOf(['internal', 'open'] as const)),
    }),
  ),
  /** The dogbooth DreamBooth example (notebook, Ray Serve). @default not deployed */
  dogbooth: optional(
    obj({
      /** Hugging Face repository of the fine-tuned model (`owner/name`) that is served and pushed to. */
      modelId: str((v) =>
        /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v)
          ? undefined
          : `${JSON.stringify(v)} is not a Hugging Face repository id (owner/name)`,
      ),
      /** EC2 instance type of the GPU workers of the RayService (nvidia pool). */
      workerInstanceType: str(),
      /** Fewest GPU workers (and Serve replicas) kept running. @default 1 */
      minWorkers: optional(int({ min: 0, max: 64 })),
      /** Most GPU workers (and Serve replicas) the autoscaler may add. @default 2 */
      maxWorkers: optional(int({ min: 1, max: 64 })),
      /**
       * Route the Ray dashboard at /dogbooth/ through the shared Gateway. The dashboard has no
       * sign-in and accepts job submissions (code execution in the cluster), so it is off unless
       * an environment opts in; otherwise reach it with `kubectl port-forward`. @default false
       */
      dashboardRoute: optional(bool()),
    }),
  ),
  /** The dogbooth fine-tuning pipeline (Argo Workflows). @default not deployed */
  pipeline: optional(
    obj({
      /** EC2 instance type of the GPU steps (fine-tuning, validation, evaluation); nvidia pool. */
      gpuInstanceType: str(),
      /** Learning rates of the hyperparameter sweep: one parallel fine-tuning per value. */
      learningRates: list(
        str((v) =>
          /^\d+(\.\d+)?(e-?\d+)?$/.test(v)
            ? undefined
            : `${JSON.stringify(v)} is not a learning rate like 2e-6`,
        ),
        { min: 1, max: 16, unique: true },
      ),
      /** Training steps of each fine-tuning. @default 800 */
      maxTrainSteps: optional(int({ min: 50, max: 20000 })),
      /** Most GPU steps running at once. @default 2 */
      parallelism: optional(int({ min: 1, max: 16 })),
    }),
  ),
});

export const environmentSchema = obj({
  /** Environment name: a DNS label, used in resource names. */
  name: dnsLabel(20),
  /** Development clusters may use spot for everything and a shared password; production may not. */
  tier: oneOf(['development', 'production'] as const),
  /** AWS region. */
  region: region(),
  /** Availability zones for subnets (at least 2, all in `region`). */
  availabilityZones: list(str(), { min: 2, max: 6, unique: true }),
  /** VPC CIDR, /16 to /20. */
  vpcCidr: cidr(),
  /** One NAT gateway for the VPC (cost) or one per AZ (availability). */
  natGateways: oneOf(['single', 'one-per-az'] as const),
  /** EKS API endpoint access. */
  endpoint: obj({
    /** Whether the public endpoint is enabled besides the private one. */
    publicAccess: bool(),
    /** CIDRs allowed to reach the public endpoint (required when publicAccess is true). */
    publicAccessCidrs: list(cidr(), { unique: true }),
  }),
  /** The system managed node group for critical add-ons. */
  systemNodeGroup: obj({
    /** General-purpose EC2 instance type matching the AMI architecture in versions.ts (not accelerated). */
    instanceType: str(),
    /** Number of nodes. */
    size: int({ min: 1, max: 10 }),
  }),
  /** Karpenter NodePools. */
  pools: obj({ cpu: pool, nvidia: pool, neuron: pool }),
  /** Model data: FSx for Lustre size and cross-region replication. */
  modelData: obj({
    /** FSx for Lustre PERSISTENT_2 capacity in GiB (1200, 2400, then multiples of 2400). */
    fsxStorageGiB: int({ min: 1200 }),
    /** FSx for Lustre PERSISTENT_2 throughput per TiB. */
    fsxThroughputPerTiB: int(),
    /** Cross-region disaster recovery of the model bucket. @default none */
    disasterRecovery: optional(disasterRecovery),
  }),
  /** Who may reach load balancers: internal by default; CIDRs open an internet-facing listener. */
  exposure: obj({
    /** Source CIDRs allowed through internet-facing load balancers. Empty: internal only. */
    openTo: list(cidr(), { unique: true }),
  }),
  /** User authentication for JupyterHub and Open WebUI. */
  authentication,
  /** GenAI workloads (vLLM, Open WebUI, …). @default none */
  workloads: optional(workloads),
});

export type Environment = Infer<typeof environmentSchema>;

/** Identity function that gives an environment file its type. */
export function defineEnvironment(env: Environment): Environment {
  return env;
}

/** The EKS cluster name of an environment. */
export function clusterName(env: Pick<Environment, 'name'>): string {
  return `genai-${env.name}`;
}
