/**
 * The cross-layer contract: every name that infra/ (cdktf) and apps/ (cdk8s) must agree on.
 * Both programs import this module and nothing of each other (a lint rule enforces it), so a
 * rename here changes both sides and a missing value is a compile error.
 *
 * - Contract variables: values known only after `terraform apply` reach the manifests through
 *   the ConfigMap `flux-system/cluster-vars`, which infra/ writes and every Flux Kustomization
 *   substitutes (`postBuild.substituteFrom`). `ClusterVars` makes a missing one a compile error
 *   in infra/; apps/ references them with `contractRef`; a test checks every `${…}` in dist/k8s.
 * - Identities: in-cluster service accounts that call AWS (EKS Pod Identity).
 * - Nodes: the system node group's label and taint, the Karpenter pools' names, taints and
 *   device resources.
 * - Flux: namespace, the bootstrap GitRepository, the layers and their paths in this repository.
 */

// --- contract variables ---

export const CONTRACT_VARIABLES = {
  CLUSTER_NAME: 'EKS cluster name',
  AWS_REGION: 'AWS region of the cluster',
  VPC_ID: 'VPC id of the cluster (AWS Load Balancer Controller)',
  KARPENTER_NODE_ROLE: 'IAM role name that Karpenter-launched nodes use (EC2NodeClass spec.role)',
  KARPENTER_INTERRUPTION_QUEUE: 'SQS queue name receiving spot interruption and health events',
  FSX_FILE_SYSTEM_ID: 'FSx for Lustre file system id holding the models (fs-…)',
  FSX_DNS_NAME: 'FSx for Lustre DNS name',
  FSX_MOUNT_NAME: 'FSx for Lustre mount name',
  MODEL_BUCKET: 'S3 bucket holding model weights and pipeline artifacts',
  HF_TOKEN_SECRET_NAME: 'Secrets Manager secret name holding the Hugging Face token (value set out-of-band)',
  COGNITO_CLIENT_ID: 'Cognito app client id: a public client (no secret), authorization code flow with PKCE',
  COGNITO_DOMAIN: 'Cognito hosted sign-in base URL (https://<prefix>.auth.<region>.amazoncognito.com)',
  OPEN_WEBUI_SECRET_NAME:
    'Secrets Manager secret name holding Open WebUI credentials as JSON {secretKey, adminEmail, adminPassword} (value set out-of-band)',
  JUPYTERHUB_SECRET_NAME:
    'Secrets Manager secret name holding JupyterHub sign-in secrets as JSON: {password} (dummy), {clientId, clientSecret} (GitHub) or {clientSecret} (Cognito); value set out-of-band',
  JUPYTERHUB_HOST:
    'DNS name users reach JupyterHub at (record for its NLB; the OAuth callback is https://<host>/hub/oauth_callback)',
  JUPYTERHUB_CERTIFICATE_ARN:
    'ACM certificate ARN for JUPYTERHUB_HOST, terminated on the JupyterHub NLB (OAuth sign-in needs https)',
} as const satisfies Record<string, string>;

export type ContractVariable = keyof typeof CONTRACT_VARIABLES;

/**
 * Contract variables that only some environments set, and when. An environment that does not
 * set one leaves it out of cluster-vars (the kubernetes provider plans an empty string as null),
 * so its manifests may reference it only where it is set: Flux's strict post-build substitution
 * (kustomize-controller `--feature-gates=StrictPostBuildSubstitutions=true`, which infra/flux
 * turns on) fails on a variable without a default that cluster-vars does not hold.
 */
export const OPTIONAL_CONTRACT_VARIABLES = {
  /** The Cognito app client and sign-in domain exist where `authentication.kind` is `cognito`. */
  COGNITO_CLIENT_ID: (a: AuthenticationKind) => a === 'cognito',
  COGNITO_DOMAIN: (a: AuthenticationKind) => a === 'cognito',
  /** JupyterHub's public name and certificate: OAuth sign-in needs them, the shared password does not. */
  JUPYTERHUB_HOST: (a: AuthenticationKind) => a !== 'dummy',
  JUPYTERHUB_CERTIFICATE_ARN: (a: AuthenticationKind) => a !== 'dummy',
} as const satisfies { readonly [K in ContractVariable]?: (a: AuthenticationKind) => boolean };

/** `authentication.kind` of an environment (clusters/lib/environment.ts). */
export type AuthenticationKind = 'dummy' | 'github' | 'cognito';
export type OptionalContractVariable = keyof typeof OPTIONAL_CONTRACT_VARIABLES;
export type RequiredContractVariable = Exclude<ContractVariable, OptionalContractVariable>;

/**
 * What infra/ writes into cluster-vars: every required contract variable, and the optional ones
 * the environment sets (`contractVariablesOf`), nothing else.
 */
export type ClusterVars = { readonly [K in RequiredContractVariable]: string } & {
  readonly [K in OptionalContractVariable]?: string;
};

export const CONTRACT_VARIABLE_NAMES = Object.keys(CONTRACT_VARIABLES) as ContractVariable[];

/** The contract variables an environment's cluster-vars holds. */
export function contractVariablesOf(env: {
  readonly authentication: { readonly kind: AuthenticationKind };
}): ContractVariable[] {
  return CONTRACT_VARIABLE_NAMES.filter((name) => {
    const setWhen = (
      OPTIONAL_CONTRACT_VARIABLES as Partial<Record<ContractVariable, (a: AuthenticationKind) => boolean>>
    )[name];
    return setWhen ? setWhen(env.authentication.kind) : true;
  });
}

/** Name of the ConfigMap (in `flux-system`) that carries the contract variables. */
export const CLUSTER_VARS_CONFIGMAP = 'cluster-vars';

/** `${NAME}` for Flux post-build substitution. */
export function contractRef(name: ContractVariable): string {
  return `\${${name}}`;
}

// --- identities (EKS Pod Identity) ---

/**
 * An in-cluster service account that calls AWS. apps/ creates the service account (unless an
 * EKS add-on does); infra/ creates one IAM role per entry and a Pod Identity association for
 * (namespace, serviceAccount).
 */
export interface WorkloadIdentity {
  /** Namespace of the service account. */
  readonly namespace: string;
  /** Service account name. */
  readonly serviceAccount: string;
  /** What the role allows, in words (the policy lives in infra/identity). */
  readonly purpose: string;
  /**
   * Who creates the service account: an EKS add-on that infra/ installs (apps/ must not create it).
   * @default apps/ creates it
   */
  readonly createdBy?: 'eks-addon';
}

export const IDENTITIES = {
  karpenter: {
    namespace: 'karpenter',
    serviceAccount: 'karpenter',
    purpose: 'launch and terminate EC2 capacity for NodePools, read the interruption queue',
  },
  awsLoadBalancerController: {
    namespace: 'kube-system',
    serviceAccount: 'aws-load-balancer-controller',
    purpose: 'manage NLBs and target groups for Services and Gateways',
  },
  externalSecrets: {
    namespace: 'external-secrets',
    serviceAccount: 'external-secrets',
    purpose: 'read the environment secrets in AWS Secrets Manager',
  },
  mountpointS3: {
    namespace: 'kube-system',
    serviceAccount: 's3-csi-driver-sa',
    purpose: 'read the model bucket for the Mountpoint for Amazon S3 CSI driver',
    createdBy: 'eks-addon',
  },
  argoWorkflows: {
    namespace: 'argo',
    serviceAccount: 'argo-workflow',
    purpose: 'read and write pipeline artifacts and publish models in the model bucket',
  },
  ebsCsi: {
    namespace: 'kube-system',
    serviceAccount: 'ebs-csi-controller-sa',
    purpose: 'create, attach and delete EBS volumes and snapshots tagged for this cluster',
    createdBy: 'eks-addon',
  },
  cloudwatchAgent: {
    namespace: 'amazon-cloudwatch',
    serviceAccount: 'cloudwatch-agent',
    purpose: 'publish Container Insights metrics and logs of this cluster to CloudWatch',
    createdBy: 'eks-addon',
  },
  modelStaging: {
    namespace: 'model-staging',
    serviceAccount: 'model-staging',
    purpose:
      'copy catalogue models from Hugging Face into the model bucket, under models/ only (the staging Jobs)',
  },
  modelReader: {
    namespace: 'inference',
    serviceAccount: 'vllm',
    purpose:
      'read the staged models under models/ of the model bucket (vLLM replicas that stream their weights from S3)',
  },
} as const satisfies Record<string, WorkloadIdentity>;

export type IdentityName = keyof typeof IDENTITIES;

// --- nodes ---

export interface Taint {
  readonly key: string;
  readonly value: string;
  readonly effect: 'NoSchedule' | 'NoExecute' | 'PreferNoSchedule';
}

/**
 * The system managed node group (infra/ creates it) runs critical add-ons and every pod of the
 * controllers layer: it is the only capacity before the configs layer creates Karpenter's
 * NodePools (docs/platform.md, "Bootstrap order").
 */
export const SYSTEM_NODES = {
  label: { key: 'genai-eks/node-role', value: 'system' },
  taint: { key: 'CriticalAddonsOnly', value: 'true', effect: 'NoSchedule' },
} as const satisfies { label: { key: string; value: string }; taint: Taint };

/** Node label Karpenter sets to the NodePool's name. */
export const NODEPOOL_LABEL = 'karpenter.sh/nodepool';

/** Well-known node label holding the EC2 instance type. */
export const INSTANCE_TYPE_LABEL = 'node.kubernetes.io/instance-type';

/**
 * The Karpenter NodePools. Accelerator pools are tainted with their device resource, so only
 * pods that request (and tolerate) it land there; `labels` are set on every node of the pool.
 */
export const POOLS = {
  cpu: { name: 'cpu', labels: {} },
  nvidia: {
    name: 'nvidia',
    taint: { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' },
    resource: 'nvidia.com/gpu',
    // The NVIDIA device plugin schedules on this label before node feature discovery has run.
    labels: { 'nvidia.com/gpu.present': 'true' },
  },
  neuron: {
    name: 'neuron',
    taint: { key: 'aws.amazon.com/neuron', value: 'true', effect: 'NoSchedule' },
    resource: 'aws.amazon.com/neuron',
    labels: { 'aws.amazon.com/neuron.present': 'true' },
  },
} as const satisfies Record<
  string,
  { name: string; taint?: Taint; resource?: string; labels: Readonly<Record<string, string>> }
>;

export type PoolName = keyof typeof POOLS;
export type AcceleratedPool = Exclude<PoolName, 'cpu'>;
export const POOL_NAMES = Object.keys(POOLS) as PoolName[];

// --- Flux ---

export const FLUX = {
  /** Namespace of Flux's controllers and of every Flux object this project renders. */
  namespace: 'flux-system',
  /** The GitRepository of this repository that the bootstrap creates. */
  gitRepository: 'flux-system',
} as const;

/** Flux layers, in the order they are reconciled; each depends on the one before. */
export const LAYERS = ['flux-system', 'controllers', 'configs', 'apps'] as const;
export type Layer = (typeof LAYERS)[number];

/** Path inside this repository of an environment's layer (`./dist/k8s/<env>/<layer>`). */
export function layerPath(env: string, layer: Layer): string {
  return `./dist/k8s/${env}/${layer}`;
}

// --- model data paths ---

/**
 * The model data, one tree in two places: the model bucket's `models/` prefix and the FSx for
 * Lustre directory it is linked to by a data repository association (infra/model-data, which
 * takes the association from `dataRepositoryAssociation`). Pods mount the FSx file system and
 * see that directory at the same path. A second FSx directory holds what is never imported or
 * exported: caches written by pods (Hugging Face downloads, compiled Neuron artifacts, Python
 * packages).
 *
 * Every S3 key, FSx path and container path of the model data is computed by `modelDataPath`,
 * and every mount by `modelDataMount`: written once, so the layers cannot disagree (the
 * association used to link FSx `/models` while pods mounted the FSx root at `/models`, so
 * imported weights appeared at `/models/models/…`).
 */
export const MODEL_DATA = {
  /** Imported from S3 by the association (FSx path = mount path = S3 prefix without the slash). */
  linked: { s3Prefix: 'models/', fsxPath: '/models', mountPath: '/models' },
  /** FSx only: written by pods, never imported or exported. */
  cache: { fsxPath: '/cache', mountPath: '/cache' },
} as const satisfies Record<string, { s3Prefix?: string; fsxPath: string; mountPath: string }>;

export type ModelDataArea = keyof typeof MODEL_DATA;

/** One place in the model data, as each layer names it. */
export interface ModelDataPath {
  readonly area: ModelDataArea;
  /** Path relative to the area, `a/b/c` (no leading slash). */
  readonly relative: string;
  /** The S3 key in the model bucket (linked area only). */
  readonly s3Key: string | undefined;
  /** The path on the FSx file system. */
  readonly fsxPath: string;
  /** The path inside a container that mounts the area with `modelDataMount`. */
  readonly containerPath: string;
}

/** Segments that make a relative path escape its area or name nothing. */
const BAD_SEGMENT = /^(\.{1,2})?$/;

/**
 * A place in the model data by its path relative to an area. Argo placeholders
 * (`{{workflow.name}}`) may appear in a segment; `..`, empty segments and absolute paths may not.
 */
export function modelDataPath(area: ModelDataArea, relative: string): ModelDataPath {
  const segments = relative.split('/');
  if (relative.startsWith('/') || segments.some((s) => BAD_SEGMENT.test(s))) {
    throw new Error(
      `model data path ${JSON.stringify(relative)} must be relative, without empty, . or .. segments`,
    );
  }
  const a = MODEL_DATA[area];
  return {
    area,
    relative,
    s3Key: 's3Prefix' in a ? `${a.s3Prefix}${relative}` : undefined,
    fsxPath: `${a.fsxPath}/${relative}`,
    containerPath: `${a.mountPath}/${relative}`,
  };
}

/** The volume mount that shows an area of the FSx file system volume `volume` in a container. */
export function modelDataMount(
  area: ModelDataArea,
  volume: string,
  readOnly = false,
): {
  readonly name: string;
  readonly mountPath: string;
  readonly subPath: string;
  readonly readOnly: boolean;
} {
  const a = MODEL_DATA[area];
  // The volume is the file system's root; subPath selects the area's directory on it.
  return { name: volume, mountPath: a.mountPath, subPath: a.fsxPath.slice(1), readOnly };
}

/** The data repository association of an environment's FSx file system with its model bucket. */
export function dataRepositoryAssociation(bucket: string): {
  readonly fileSystemPath: string;
  readonly dataRepositoryPath: string;
} {
  return {
    fileSystemPath: MODEL_DATA.linked.fsxPath,
    dataRepositoryPath: `s3://${bucket}/${MODEL_DATA.linked.s3Prefix}`,
  };
}

/**
 * Where a catalogue model is staged: `models/<owner>/<name>/<revision>/` in the bucket, the same
 * path under the linked FSx directory. One revision, one directory: a new revision never mixes
 * with the files of another, and a replica names exactly the commit it serves.
 */
export function stagedModelPath(source: { readonly repo: string; readonly revision: string }): ModelDataPath {
  return modelDataPath('linked', `${source.repo}/${source.revision}`);
}

/**
 * The file a staging Job writes last into a staged model's directory: its manifest, one line
 * `<repo> <revision>`, then one line `<bytes> <relative path>` per staged file. Replicas wait
 * until it exists and every file it lists has its size on FSx (the data repository association
 * imports objects one by one, so the marker alone says nothing about the others).
 */
export const MODEL_STAGED_MARKER = '.staged';

/**
 * Everything that changes what vLLM compiles on NVIDIA GPUs besides what vLLM hashes itself
 * (torch.compile artifacts, Triton kernels): replicas share a compile cache only when all of it is
 * equal. vLLM keys its own cache by its configuration and code inside this directory
 * (docs.vllm.ai/en/v0.11.2/design/torch_compile/, "Compilation Cache"); the directory keeps
 * other images, models, parallel sizes and GPU architectures apart.
 */
export interface CompileCacheKey {
  /** The vLLM image tag. */
  readonly runtime: string;
  /** Model catalogue id. */
  readonly model: string;
  readonly tensorParallelSize: number;
  /** GPU model (catalogue device key, e.g. `a10g`). */
  readonly device: string;
}

/** The shared compile cache of one configuration (model data cache area). */
export function compileCachePath(k: CompileCacheKey): ModelDataPath {
  return modelDataPath('cache', `vllm-compile/${k.runtime}/${k.model}/tp${k.tensorParallelSize}-${k.device}`);
}

/**
 * Everything that changes what NxD Inference compiles for a vLLM server on Neuron: two servers
 * (or two versions of one) share compiled artifacts only when all of it is equal, so replicas and
 * configuration changes never load stale artifacts. Add a field here when another setting starts
 * to shape the compiled graphs.
 */
export interface NeuronCompileKey {
  /** Model catalogue id. */
  readonly model: string;
  /** The model's pinned revision (the weights the artifacts were compiled with). */
  readonly revision: string;
  /** The Neuron vLLM image's tag: vLLM, plugin and Neuron SDK versions. */
  readonly runtime: string;
  readonly tensorParallelSize: number;
  readonly maxModelLen: number;
  /** Sequences compiled for (`--max-num-seqs`). */
  readonly batch: number;
  readonly dtype: string;
}

/** Where the compiled artifacts of one configuration live (model data cache area). */
export function neuronArtifactsPath(k: NeuronCompileKey): ModelDataPath {
  return modelDataPath(
    'cache',
    `neuron-compiled/${k.model}/${k.revision}/${k.runtime}/tp${k.tensorParallelSize}-len${k.maxModelLen}-batch${k.batch}-${k.dtype}`,
  );
}

/** The file a compile Job writes last into an artifacts directory: its presence means complete. */
export const NEURON_ARTIFACTS_COMPLETE = '.complete';
