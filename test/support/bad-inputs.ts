/**
 * Bad inputs a user can write in clusters/, each with the message the loader must give. One table
 * for two suites: test/environments.test.ts checks the messages, test/cli.test.ts runs the synth
 * command on them and checks dist/ stays byte-identical.
 *
 * The world they edit: `dev` (development, us-west-2), `live` (production, us-west-2, its model
 * bucket replicated to `standby`) and `standby` (production, us-east-2), all fixtures, and a copy
 * of the versions tables of clusters/versions.ts. An entry edits the environments' values, the
 * versions tables, or the text of one environment file.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { EnvironmentError, resolveEnvironments, type VersionsTables } from '../../clusters/lib/resolve.js';
import { toolVersions, versions } from '../../clusters/versions.js';
import { loadEnvironments } from '../../render/load.js';
import { fixture, type Props } from './fixtures.js';

export interface World {
  dev: Props;
  live: Props;
  standby: Props;
}

export function world(): World {
  const dev = fixture('dev', 0);
  const live = fixture('live', 1);
  live.tier = 'production';
  live.authentication = { kind: 'cognito' };
  live.modelData.disasterRecovery = { role: 'source', replicaEnvironment: 'standby' };
  const standby = fixture('standby', 2);
  standby.tier = 'production';
  standby.authentication = { kind: 'cognito' };
  standby.region = 'us-east-2';
  standby.availabilityZones = ['us-east-2a', 'us-east-2b'];
  standby.modelData.disasterRecovery = { role: 'replica', sourceEnvironment: 'live' };
  return { dev, live, standby };
}

/** A writable copy of the versions tables of clusters/versions.ts. */
export interface Tables extends VersionsTables {
  readonly versions: Record<string, unknown> & typeof versions;
  readonly toolVersions: Record<string, unknown>;
}

export function tables(): Tables {
  return structuredClone({ versions, toolVersions }) as Tables;
}

export interface BadInput {
  readonly what: string;
  /** Edits the environments' values (what the files hold). */
  readonly edit?: (w: World) => void;
  /** Edits the versions tables. */
  readonly versions?: (t: Tables) => void;
  /** Replaces one environment file's text (given the valid file's text). */
  readonly source?: { readonly member: keyof World; readonly text: (valid: string) => string };
  /** A line of the error output. */
  readonly message: RegExp;
}

/** The inputs of one bad input: the world, the versions tables and the file texts. */
export interface Case {
  readonly world: World;
  readonly tables: Tables;
  /** Environment file texts that replace the world's plain data, by member. */
  readonly sources: Partial<Record<keyof World, string>>;
}

/** The world, tables and file texts after a bad input's edits. */
export function apply(bad: BadInput): Case {
  const w = world();
  const t = tables();
  bad.edit?.(w);
  bad.versions?.(t);
  const sources: Partial<Record<keyof World, string>> = {};
  if (bad.source) sources[bad.source.member] = bad.source.text(fileText(w[bad.source.member]));
  return { world: w, tables: t, sources };
}

/** The text of an environment file holding `props` as plain data. */
const fileText = (props: Props) => `export default ${JSON.stringify(props, null, 2)};\n`;

/**
 * The problems the loader reports for a bad input; empty when everything loads. Entries that only
 * edit values go straight to the resolver; a file's text needs the files, so those are loaded
 * from a clusters folder (named `clusters/<member>.ts`, as in the table).
 */
export async function problems(bad: BadInput): Promise<string[]> {
  const c = apply(bad);
  try {
    if (bad.source) {
      const dir = worldDir(c.world, c.sources);
      await loadEnvironments(dir, dirname(dir), c.tables);
    } else {
      // Files keep the world's names, as a user's files keep theirs when a field changes.
      resolveEnvironments(
        Object.entries(c.world).map(([file, value]) => ({ file: `clusters/${file}.ts`, value })),
        c.tables,
      );
    }
  } catch (e) {
    if (e instanceof EnvironmentError) return [...e.problems];
    throw e;
  }
  return [];
}

/**
 * A clusters folder, `<temporary folder>/clusters`, holding the world as environment files named
 * after its members (`dev.ts`, `live.ts`, `standby.ts`: a file keeps its name when the name in
 * it changes), as plain data unless `sources` gives a member's text. Run from the temporary
 * folder, the loader names them `clusters/<member>.ts`, as the messages in BAD_INPUTS do.
 */
export function worldDir(w: World, sources: Case['sources'] = {}): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'genai-eks-world-')), 'clusters');
  mkdirSync(dir);
  for (const [file, props] of Object.entries(w) as [keyof World, Props][]) {
    writeFileSync(join(dir, `${file}.ts`), sources[file] ?? fileText(props));
  }
  return dir;
}

// Bad values are written through `unknown`: they are what a user's file may hold, not what the
// types allow.
const set = (target: object, key: string, value: unknown) => {
  (target as Record<string, unknown>)[key] = value;
};
const vllm = (p: Props, i: number) => p.workloads!.vllm[i]!;
/** Makes a vLLM entry autoscale (its fixed `replicas` removed, as a user would). */
const autoscale = (v: object, scaling: unknown) => {
  delete (v as { replicas?: unknown }).replicas;
  set(v, 'scaling', scaling);
};

export const BAD_INPUTS: readonly BadInput[] = [
  // --- the schema ---
  {
    what: 'an unknown region',
    edit: (w) => set(w.dev, 'region', 'us-west-9'),
    message: /^clusters\/dev\.ts \(dev\): region: unknown AWS region "us-west-9"/,
  },
  {
    what: 'a CIDR with host bits set',
    edit: (w) => set(w.dev, 'vpcCidr', '10.200.0.1/16'),
    message:
      /^clusters\/dev\.ts \(dev\): vpcCidr: "10\.200\.0\.1\/16" has host bits set \(the network is 10\.200\.0\.0\/16\)$/,
  },
  {
    what: 'an octet above 255',
    edit: (w) => set(w.dev, 'vpcCidr', '10.300.0.0/16'),
    message: /^clusters\/dev\.ts \(dev\): vpcCidr: "10\.300\.0\.0\/16" has an octet above 255$/,
  },
  {
    what: 'a prefix length above 32',
    edit: (w) => set(w.live, 'vpcCidr', '10.201.0.0/33'),
    message: /^clusters\/live\.ts \(live\): vpcCidr: "10\.201\.0\.0\/33" has a prefix length above 32$/,
  },
  {
    what: 'a name Kubernetes would reject',
    edit: (w) => set(w.dev, 'name', 'Dev_1'),
    message: /^clusters\/dev\.ts \(Dev_1\): name: "Dev_1" is not a valid Kubernetes name/,
  },
  {
    what: 'a missing required field',
    edit: (w) => set(w.live, 'natGateways', undefined),
    message: /^clusters\/live\.ts \(live\): natGateways: required field is missing$/,
  },
  {
    what: 'a missing nested field',
    edit: (w) => set(w.live.pools.nvidia, 'capacityTypes', undefined),
    message: /^clusters\/live\.ts \(live\): pools\.nvidia\.capacityTypes: required field is missing$/,
  },
  {
    what: 'a misspelt field',
    edit: (w) => set(w.dev, 'regoin', 'us-west-2'),
    message: /^clusters\/dev\.ts \(dev\): regoin: unknown field \(known: name, tier, region,/,
  },
  {
    what: 'gpuMemoryUtilization on a Neuron deployment',
    edit: (w) => set(vllm(w.dev, 1), 'gpuMemoryUtilization', 0.8),
    message: /^clusters\/dev\.ts \(dev\): workloads\.vllm\[1\]\.gpuMemoryUtilization: unknown field/,
  },
  {
    what: 'a bad duration',
    edit: (w) => set(w.dev.pools.cpu, 'consolidateAfter', 'soon'),
    message:
      /^clusters\/dev\.ts \(dev\): pools\.cpu\.consolidateAfter: "soon" is not a duration like 30m or 1h \(or Never\)$/,
  },
  {
    what: 'two vLLM deployments with one name',
    edit: (w) => set(vllm(w.dev, 1), 'name', 'gpu'),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.vllm\[1\]\.name: "gpu" is already used by workloads\.vllm\[0\]$/,
  },
  // --- one environment ---
  {
    what: 'an availability zone outside the region',
    edit: (w) => set(w.dev, 'availabilityZones', ['us-east-1a', 'us-west-2b']),
    message:
      /^clusters\/dev\.ts \(dev\): availabilityZones\[0\]: "us-east-1a" is not an availability zone of us-west-2$/,
  },
  {
    what: 'fewer than two availability zones',
    edit: (w) => set(w.dev, 'availabilityZones', ['us-west-2a']),
    message: /^clusters\/dev\.ts \(dev\): availabilityZones: needs at least 2 entries, got 1$/,
  },
  {
    what: 'an FSx capacity PERSISTENT_2 does not offer',
    edit: (w) => set(w.dev.modelData, 'fsxStorageGiB', 3000),
    message:
      /^clusters\/dev\.ts \(dev\): modelData\.fsxStorageGiB: FSx for Lustre PERSISTENT_2 takes 1200, 2400 or a multiple of 2400 GiB, got 3000$/,
  },
  {
    what: 'a public endpoint without CIDRs',
    edit: (w) => set(w.dev, 'endpoint', { publicAccess: true, publicAccessCidrs: [] }),
    message:
      /^clusters\/dev\.ts \(dev\): endpoint\.publicAccessCidrs: must name at least one CIDR when publicAccess is true$/,
  },
  {
    what: 'exposure to the whole internet',
    edit: (w) => set(w.dev, 'exposure', { openTo: ['0.0.0.0/0'] }),
    message:
      /^clusters\/dev\.ts \(dev\): exposure\.openTo\[0\]: 0\.0\.0\.0\/0 opens to the whole internet; name the networks that need access$/,
  },
  {
    what: 'the shared-password authenticator in production',
    edit: (w) => set(w.live, 'authentication', { kind: 'dummy' }),
    message:
      /^clusters\/live\.ts \(live\): authentication\.kind: the shared-password \(dummy\) authenticator is for development environments only$/,
  },
  {
    what: 'a system node group type that is not an instance type',
    edit: (w) => set(w.dev.systemNodeGroup, 'instanceType', 'xlarge'),
    message:
      /^clusters\/dev\.ts \(dev\): systemNodeGroup\.instanceType: "xlarge" is not an EC2 instance type like m5\.xlarge$/,
  },
  {
    what: 'an accelerated system node group',
    edit: (w) => set(w.live.systemNodeGroup, 'instanceType', 'g5.xlarge'),
    message:
      /^clusters\/live\.ts \(live\): systemNodeGroup\.instanceType: g5\.xlarge is an accelerated instance type/,
  },
  {
    what: 'a Graviton system node group with the x86_64 AMI',
    edit: (w) => set(w.standby.systemNodeGroup, 'instanceType', 'm7g.xlarge'),
    message:
      /^clusters\/standby\.ts \(standby\): systemNodeGroup\.instanceType: m7g\.xlarge is an Arm \(Graviton\) instance type but the system node group AMI is /,
  },
  {
    what: 'a name Cognito refuses in its sign-in domain',
    edit: (w) => {
      w.live.name = 'amazon-live';
      w.standby.modelData.disasterRecovery = { role: 'replica', sourceEnvironment: 'amazon-live' };
    },
    message:
      /^clusters\/live\.ts \(amazon-live\): name: "amazon-live" contains "amazon", which Cognito refuses/,
  },
  {
    what: 'a CPU family in the GPU pool',
    edit: (w) => set(w.dev.pools.nvidia, 'instanceFamilies', ['g5', 'c6i']),
    message:
      /^clusters\/dev\.ts \(dev\): pools\.nvidia\.instanceFamilies\[1\]: "c6i" is not an x86 NVIDIA GPU instance family/,
  },
  {
    what: 'an Arm family in the CPU pool',
    edit: (w) => set(w.live.pools.cpu, 'instanceFamilies', ['m7g']),
    message:
      /^clusters\/live\.ts \(live\): pools\.cpu\.instanceFamilies\[0\]: "m7g" is not an x86 general purpose \(c, m or r\) instance family$/,
  },
  {
    what: 'spot capacity for production serving',
    edit: (w) => set(w.live.pools.nvidia, 'capacityTypes', ['spot', 'on-demand']),
    message:
      /^clusters\/live\.ts \(live\): pools\.nvidia\.capacityTypes: production environments serve models on on-demand or reserved capacity/,
  },
  // --- across environments ---
  {
    what: 'two environments with one name',
    edit: (w) => set(w.standby, 'name', 'dev'),
    message:
      /^clusters\/(dev|standby)\.ts \(dev\): name: "dev" is already used by clusters\/(dev|standby)\.ts$/,
  },
  {
    what: 'overlapping VPC CIDRs (both files named)',
    edit: (w) => set(w.live, 'vpcCidr', '10.200.128.0/17'),
    message:
      /^clusters\/live\.ts \(live\): vpcCidr: 10\.200\.128\.0\/17 overlaps vpcCidr 10\.200\.0\.0\/16 of clusters\/dev\.ts \(dev\)/,
  },
  {
    what: 'a DR replica that does not exist',
    edit: (w) => set(w.live.modelData, 'disasterRecovery', { role: 'source', replicaEnvironment: 'nowhere' }),
    message:
      /^clusters\/live\.ts \(live\): modelData\.disasterRecovery\.replicaEnvironment: environment "nowhere" does not exist$/,
  },
  {
    what: 'a DR replica in the same region',
    edit: (w) => {
      w.standby.region = 'us-west-2';
      w.standby.availabilityZones = ['us-west-2a', 'us-west-2b'];
    },
    message:
      /^clusters\/live\.ts \(live\): modelData\.disasterRecovery\.replicaEnvironment: standby is in the same region/,
  },
  // --- workloads ---
  {
    what: 'Llama-3-70B on one g5.xlarge',
    edit: (w) => set(vllm(w.dev, 0), 'model', 'llama-3-70b-instruct'),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.vllm\[0\]\.instanceType: model needs [\d.]+ GB \(weights [\d.]+ GB \+ KV cache [\d.]+ GB for one 4096-token sequence \+ activations [\d.]+ GB [^+]+\+ CUDA context and other non-torch memory [\d.]+ GB on 1 GPU\(s\)\), g5\.xlarge offers 1 x 24 GB x 0\.90 = 21\.6 GB/,
  },
  {
    what: 'tensor parallel 3 on a 4-GPU instance',
    edit: (w) => Object.assign(vllm(w.live, 0), { instanceType: 'g5.12xlarge', tensorParallelSize: 3 }),
    message:
      /^clusters\/live\.ts \(live\): workloads\.vllm\[0\]\.tensorParallelSize: tensor parallel size 3 does not divide the 4 GPUs of one g5\.12xlarge$/,
  },
  {
    what: 'a Neuron model on the nvidia pool',
    edit: (w) =>
      Object.assign(vllm(w.dev, 1), { pool: 'nvidia', instanceType: 'g5.2xlarge', tensorParallelSize: 1 }),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.vllm\[1\]\.pool: model mistral-7b-instruct-neuron runs on neuron accelerators only, not on the nvidia pool$/,
  },
  {
    what: 'an instance family the pool does not offer',
    edit: (w) => set(vllm(w.standby, 1), 'instanceType', 'trn1.2xlarge'),
    message:
      /^clusters\/standby\.ts \(standby\): workloads\.vllm\[1\]\.instanceType: the neuron NodePool offers instance families inf2, not trn1 \(trn1\.2xlarge\)$/,
  },
  {
    what: 'a sequence longer than the model takes',
    edit: (w) => set(vllm(w.dev, 0), 'maxModelLen', 16384),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.vllm\[0\]\.maxModelLen: 16384 tokens exceeds llama-3-8b-instruct's context length of 8192$/,
  },
  {
    what: 'an unknown model',
    edit: (w) => set(vllm(w.dev, 0), 'model', 'gpt-5'),
    message: /^clusters\/dev\.ts \(dev\): workloads\.vllm\[0\]\.model: unknown model "gpt-5" \(catalogued: /,
  },
  {
    what: 'an open endpoint without named CIDRs',
    edit: (w) => set(vllm(w.dev, 0), 'exposure', 'open'),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.vllm\[0\]\.exposure: "open" needs exposure\.openTo to name the CIDRs/,
  },
  {
    what: 'an Open WebUI backend that names no vLLM',
    edit: (w) => set(w.live.workloads!.openWebUI!, 'backends', ['gpu', 'llama4']),
    message:
      /^clusters\/live\.ts \(live\): workloads\.openWebUI\.backends\[1\]: "llama4" names no vLLM deployment \(workloads\.vllm names: gpu, inf\)$/,
  },
  {
    what: 'a JupyterHub GPU profile on an uncatalogued instance',
    edit: (w) => set(w.dev.workloads!.jupyterhub!.gpuProfile, 'instanceType', 'g4dn.xlarge'),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.jupyterhub\.gpuProfile\.instanceType: unknown instance type "g4dn\.xlarge"/,
  },
  {
    what: 'dogbooth autoscaling bounds reversed',
    edit: (w) => set(w.dev.workloads!.dogbooth!, 'minWorkers', 3),
    message: /^clusters\/dev\.ts \(dev\): workloads\.dogbooth\.minWorkers: 3 is more than maxWorkers \(2\)$/,
  },
  {
    what: 'pipeline GPU steps on a Neuron instance',
    edit: (w) => set(w.live.workloads!.pipeline!, 'gpuInstanceType', 'inf2.xlarge'),
    message:
      /^clusters\/live\.ts \(live\): workloads\.pipeline\.gpuInstanceType: inf2\.xlarge carries AWS Inferentia2 devices, which the nvidia pool does not manage$/,
  },
  // --- more ---
  {
    what: 'a GPU family in the Neuron pool',
    edit: (w) => set(w.standby.pools.neuron, 'instanceFamilies', ['inf2', 'p5']),
    message:
      /^clusters\/standby\.ts \(standby\): pools\.neuron\.instanceFamilies\[1\]: "p5" is not a Neuron instance family/,
  },
  {
    what: 'a vLLM deployment name Kubernetes would reject',
    edit: (w) => set(vllm(w.dev, 0), 'name', 'Llama_3'),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.vllm\[0\]\.name: "Llama_3" is not a valid Kubernetes name/,
  },
  {
    what: 'a GPU memory utilization above 0.99',
    edit: (w) => set(vllm(w.live, 0), 'gpuMemoryUtilization', 1.5),
    message:
      /^clusters\/live\.ts \(live\): workloads\.vllm\[0\]\.gpuMemoryUtilization: must be at most 0\.99 \(project limit\), got 1\.5$/,
  },
  {
    what: 'more vLLM replicas than the pool’s CPU limit holds',
    edit: (w) => {
      set(vllm(w.dev, 0), 'replicas', 30);
      Object.assign(w.dev.pools.nvidia, { acceleratorLimit: 64, memoryLimitGiB: 8192 });
    },
    message:
      /^clusters\/dev\.ts \(dev\): pools\.nvidia\.cpuLimit: 96 vCPUs cannot hold the nvidia pool's demand, which needs at least \d+ vCPUs .*workloads\.vllm\[0\]\.replicas: 31 x 1 GPU on g5\.xlarge \(vLLM \w+: 30 replicas \+ 1 during a rolling update\)/,
  },
  {
    what: 'a learning rate that is not a number',
    edit: (w) => set(w.dev.workloads!.pipeline!, 'learningRates', ['fast']),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.pipeline\.learningRates\[0\]: "fast" is not a learning rate like 2e-6$/,
  },
  {
    what: 'a dogbooth model id that is not a Hugging Face repository',
    edit: (w) => set(w.dev.workloads!.dogbooth!, 'modelId', 'dogbooth'),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.dogbooth\.modelId: "dogbooth" is not a Hugging Face repository id \(owner\/name\)$/,
  },
  // --- the bootstrap stage and hardening (infra) ---
  {
    what: 'a bootstrap access mode that does not exist',
    edit: (w) => set(w.dev, 'bootstrap', { access: 'vpn' }),
    message:
      /^clusters\/dev\.ts \(dev\): bootstrap\.access: expected one of "private-endpoint", "public-endpoint", got "vpn"$/,
  },
  {
    what: 'a bootstrap through the public endpoint without runner CIDRs',
    edit: (w) => set(w.live, 'bootstrap', { access: 'public-endpoint' }),
    message:
      /^clusters\/live\.ts \(live\): bootstrap\.runnerCidrs: access "public-endpoint" needs the public CIDRs the bootstrap runs from/,
  },
  {
    what: 'a bootstrap through the public endpoint from private addresses',
    edit: (w) => set(w.dev, 'bootstrap', { access: 'public-endpoint', runnerCidrs: ['192.168.10.0/24'] }),
    message:
      /^clusters\/dev\.ts \(dev\): bootstrap\.runnerCidrs\[0\]: 192\.168\.10\.0\/24 is private address space \(192\.168\.0\.0\/16\): the public endpoint sees the runner's public address/,
  },
  {
    what: 'a bootstrap runner CIDR that is the whole internet',
    edit: (w) => set(w.standby, 'bootstrap', { access: 'public-endpoint', runnerCidrs: ['0.0.0.0/0'] }),
    message:
      /^clusters\/standby\.ts \(standby\): bootstrap\.runnerCidrs\[0\]: 0\.0\.0\.0\/0 opens the API server to the whole internet/,
  },
  {
    what: 'a private-endpoint runner network that contains the VPC',
    edit: (w) => set(w.dev, 'bootstrap', { runnerCidrs: ['10.0.0.0/8'] }),
    message:
      /^clusters\/dev\.ts \(dev\): bootstrap\.runnerCidrs\[0\]: 10\.0\.0\.0\/8 contains vpcCidr 10\.200\.0\.0\/16: a network routed to the VPC cannot overlap its CIDR/,
  },
  {
    what: 'a Git credential kind that does not exist',
    edit: (w) => set(w.dev, 'bootstrap', { gitCredentials: 'password' }),
    message:
      /^clusters\/dev\.ts \(dev\): bootstrap\.gitCredentials: expected one of "none", "ssh-key", "github-app", got "password"$/,
  },
  {
    what: 'an administrator role that is an ARN, not a role name',
    edit: (w) => set(w.live, 'hardening', { administratorRoles: ['arn:aws:iam::111122223333:role/admin'] }),
    message:
      /^clusters\/live\.ts \(live\): hardening\.administratorRoles\[0\]: "arn:aws:iam::111122223333:role\/admin" is not an IAM role name/,
  },
  {
    what: 'a hardening switch that is not true or false',
    edit: (w) => set(w.live, 'hardening', { deletionProtection: 'yes' }),
    message:
      /^clusters\/live\.ts \(live\): hardening\.deletionProtection: expected true or false, got "yes"$/,
  },
  // --- demand against pool limits (clusters/lib/capacity.ts) ---
  {
    what: 'an accelerator limit of 0 under GPU workloads',
    edit: (w) => set(w.dev.pools.nvidia, 'acceleratorLimit', 0),
    message:
      /^clusters\/dev\.ts \(dev\): pools\.nvidia\.acceleratorLimit: 0 GPUs cannot hold the nvidia pool's demand, which needs at least 8 GPUs \(6 x g5\.2xlarge \+ 2 x g5\.xlarge\): workloads\.vllm\[0\]\.replicas: 2 x 1 GPU on g5\.xlarge \(vLLM gpu: 1 replica \+ 1 during a rolling update\); workloads\.dogbooth\.maxWorkers: 3 x 1 GPU on g5\.2xlarge/,
  },
  {
    what: '32 single-GPU replicas against a limit of 8 GPUs',
    edit: (w) => {
      set(vllm(w.dev, 0), 'replicas', 32);
      Object.assign(w.dev.pools.nvidia, { cpuLimit: 1024, memoryLimitGiB: 8192 });
    },
    message:
      /^clusters\/dev\.ts \(dev\): pools\.nvidia\.acceleratorLimit: 8 GPUs cannot hold the nvidia pool's demand, which needs at least 39 GPUs \(6 x g5\.2xlarge \+ 33 x g5\.xlarge\): workloads\.vllm\[0\]\.replicas: 33 x 1 GPU on g5\.xlarge \(vLLM gpu: 32 replicas \+ 1 during a rolling update\)/,
  },
  {
    what: 'a GPU limit that leaves out the workers of a RayService upgrade',
    edit: (w) => set(w.live.pools.nvidia, 'acceleratorLimit', 7),
    message:
      /^clusters\/live\.ts \(live\): pools\.nvidia\.acceleratorLimit: 7 GPUs cannot hold .* workloads\.dogbooth\.maxWorkers: 3 x 1 GPU on g5\.2xlarge \(maxWorkers 2 \+ minWorkers 1 in the new RayCluster of an upgrade\)/,
  },
  {
    what: 'more Neuron replicas than the Neuron limit holds',
    edit: (w) => set(vllm(w.standby, 1), 'replicas', 2),
    message:
      /^clusters\/standby\.ts \(standby\): pools\.neuron\.acceleratorLimit: 3 Neuron devices cannot hold the neuron pool's demand, which needs at least 4 Neuron devices \(4 x inf2\.8xlarge\): workloads\.vllm\[1\]\.replicas: 4 x 1 Neuron device on inf2\.8xlarge \(vLLM inf: 2 replicas \+ 1 during a rolling update \+ 1 compile Job\)$/,
  },
  {
    what: 'more GPU notebook users than the GPU limit holds',
    edit: (w) => set(w.live.workloads!.jupyterhub!.gpuProfile, 'maxUsers', 4),
    message:
      /^clusters\/live\.ts \(live\): pools\.nvidia\.acceleratorLimit: 8 GPUs cannot hold the nvidia pool's demand, which needs at least 11 GPUs .* workloads\.jupyterhub\.gpuProfile\.maxUsers: 4 x 1 GPU on g5\.2xlarge \(maxUsers 4: GPU notebook servers at once\)$/,
  },
  {
    what: 'a GPU pool vCPU limit below the nodes its workloads need',
    edit: (w) => set(w.dev.pools.nvidia, 'cpuLimit', 40),
    message:
      /^clusters\/dev\.ts \(dev\): pools\.nvidia\.cpuLimit: 40 vCPUs cannot hold the nvidia pool's demand, which needs at least 56 vCPUs \(6 x g5\.2xlarge \+ 2 x g5\.xlarge\)/,
  },
  {
    what: 'a GPU pool memory limit below the nodes its workloads need',
    edit: (w) => set(w.live.pools.nvidia, 'memoryLimitGiB', 200),
    message:
      /^clusters\/live\.ts \(live\): pools\.nvidia\.memoryLimitGiB: 200 GiB cannot hold the nvidia pool's demand, which needs at least 207\.2 GiB \(6 x g5\.2xlarge \+ 2 x g5\.xlarge; instance memory less Karpenter's 7\.5% VM overhead\)/,
  },
  // --- numbers beyond what AWS or Kubernetes accepts ---
  {
    what: 'a memory limit beyond any Kubernetes quantity (1e21 GiB)',
    edit: (w) => set(w.dev.pools.nvidia, 'memoryLimitGiB', 1e21),
    message:
      /^clusters\/dev\.ts \(dev\): pools\.nvidia\.memoryLimitGiB: must be at most 8589934591 \(the largest memory a Kubernetes quantity holds: 2\^63-1 bytes\), got 1e\+21$/,
  },
  {
    what: 'a vCPU limit beyond an exact integer',
    edit: (w) => set(w.live.pools.cpu, 'cpuLimit', 1e21),
    message: /^clusters\/live\.ts \(live\): pools\.cpu\.cpuLimit: must be at most 9007199254740991 \(/,
  },
  {
    what: 'a negative accelerator limit',
    edit: (w) => set(w.dev.pools.neuron, 'acceleratorLimit', -1),
    message: /^clusters\/dev\.ts \(dev\): pools\.neuron\.acceleratorLimit: must be at least 0, got -1$/,
  },
  {
    what: 'a fractional replica count',
    edit: (w) => set(vllm(w.dev, 0), 'replicas', 1.5),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.vllm\[0\]\.replicas: expected an integer, got number 1\.5$/,
  },
  {
    what: 'an FSx size beyond the FSx API (2.4e15 GiB)',
    edit: (w) => set(w.dev.modelData, 'fsxStorageGiB', 2.4e15),
    message:
      /^clusters\/dev\.ts \(dev\): modelData\.fsxStorageGiB: must be at most 2147481600 \(FSx takes a 32-bit StorageCapacity: the largest PERSISTENT_2 size below 2\^31 GiB\), got 2400000000000000$/,
  },
  {
    what: 'an FSx throughput PERSISTENT_2 does not offer',
    edit: (w) => set(w.dev.modelData, 'fsxThroughputPerTiB', 2000),
    message:
      /^clusters\/dev\.ts \(dev\): modelData\.fsxThroughputPerTiB: must be at most 1000 \(PERSISTENT_2 offers 125 to 1000 MB\/s\/TiB\), got 2000$/,
  },
  {
    what: 'an Open WebUI volume larger than gp3 holds',
    edit: (w) => set(w.live.workloads!.openWebUI!, 'storageGiB', 20000),
    message:
      /^clusters\/live\.ts \(live\): workloads\.openWebUI\.storageGiB: must be at most 16384 \(EBS gp3 volumes hold 1 GiB to 16 TiB\), got 20000$/,
  },
  {
    what: 'a consolidation delay longer than Go parses',
    edit: (w) => set(w.dev.pools.cpu, 'consolidateAfter', '99999999999h'),
    message:
      /^clusters\/dev\.ts \(dev\): pools\.cpu\.consolidateAfter: "99999999999h" is longer than Go's longest duration/,
  },
  {
    what: 'more public endpoint CIDRs than EKS takes',
    edit: (w) =>
      set(w.dev, 'endpoint', {
        publicAccess: true,
        publicAccessCidrs: Array.from({ length: 41 }, (_, i) => `192.0.${i}.0/24`),
      }),
    message:
      /^clusters\/dev\.ts \(dev\): endpoint\.publicAccessCidrs: allows at most 40 entries \(EKS takes at most 40 public endpoint CIDRs per cluster\), got 41$/,
  },
  // --- the versions table (clusters/versions.ts), checked by form ---
  {
    what: "kubernetes: 'latest'",
    versions: (t) => set(t.versions, 'kubernetes', 'latest'),
    message:
      /^clusters\/versions\.ts: kubernetes: "latest" is not an EKS Kubernetes version like 1\.35 \(major\.minor\)$/,
  },
  {
    what: 'an image tag with a trailing space',
    versions: (t) => set(t.versions, 'vllmImage', `${versions.vllmImage} `),
    message: /^clusters\/versions\.ts: vllmImage: ".*:v[\d.]+ " contains whitespace/,
  },
  {
    what: 'an image with the latest tag',
    versions: (t) => set(t.versions, 'openWebUIImage', 'ghcr.io/open-webui/open-webui:latest'),
    message:
      /^clusters\/versions\.ts: openWebUIImage: "latest" is a moving tag, not a release: pin a version$/,
  },
  {
    what: 'the AMI alias al2023@latest',
    versions: (t) => set(t.versions, 'amiAlias', 'al2023@latest'),
    message:
      /^clusters\/versions\.ts: amiAlias: "al2023@latest" is not a Karpenter AMI alias like al2023@v20250101/,
  },
  {
    what: 'a chart version that is not exact',
    versions: (t) => set(t.versions.karpenter, 'version', '1.x'),
    message: /^clusters\/versions\.ts: karpenter\.version: "1\.x" is not an exact version like 1\.2\.3/,
  },
  {
    what: 'a git tag that moves',
    versions: (t) => set(t.versions.gatewayApi, 'tag', 'main'),
    message:
      /^clusters\/versions\.ts: gatewayApi\.tag: "main" is a moving tag, not a release: pin a version$/,
  },
  {
    what: 'an EKS add-on without a version',
    versions: (t) => set(t.versions.eksAddons, 'coredns', ''),
    message: /^clusters\/versions\.ts: eksAddons\.coredns: "" is not an exact version/,
  },
  {
    what: 'a system node AMI release of another Kubernetes minor',
    versions: (t) => set(t.versions.systemNodeGroupAmi, 'releaseVersion', '1.34.2-20260930'),
    message:
      /^clusters\/versions\.ts: systemNodeGroupAmi\.releaseVersion: "1\.34\.2-20260930" is not a release of Kubernetes /,
  },
  {
    what: 'a tool version that is not a pin',
    versions: (t) => set(t.toolVersions, 'actionlint', 'latest'),
    message: /^clusters\/versions\.ts: toolVersions\.actionlint: "latest" is not an exact version/,
  },
  // --- environment files that do not load ---
  {
    what: 'a TypeScript syntax error (a missing comma)',
    source: {
      member: 'dev',
      text: (valid) => valid.replace('"tier": "development",', '"tier": "development"'),
    },
    message: /^clusters\/dev\.ts:4:3: Expected "}" but found "\\"region\\""$/,
  },
  {
    what: 'an environment file that throws while it loads',
    source: {
      member: 'live',
      text: () => "throw new Error('not ready');\nexport default {};\n",
    },
    message: /^clusters\/live\.ts \(\?\): default export: cannot be evaluated: Error: not ready$/,
  },
  // --- autoscaling, observability, disruption budgets (issue 18) ---
  {
    what: 'a fixed replica count beside autoscaling',
    edit: (w) => set(vllm(w.dev, 0), 'scaling', { maxReplicas: 2 }),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.vllm\[0\]\.replicas: replicas and scaling exclude each other: with scaling the autoscaler sets the count between scaling\.minReplicas and scaling\.maxReplicas$/,
  },
  {
    what: 'autoscaling bounds reversed',
    edit: (w) => autoscale(vllm(w.live, 0), { minReplicas: 3, maxReplicas: 2 }),
    message:
      /^clusters\/live\.ts \(live\): workloads\.vllm\[0\]\.scaling\.minReplicas: 3 is more than maxReplicas \(2\)$/,
  },
  {
    what: 'scale to zero without active hours',
    edit: (w) => autoscale(vllm(w.dev, 0), { minReplicas: 0, maxReplicas: 2 }),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.vllm\[0\]\.scaling\.activeHours: required when minReplicas is 0: a deployment at zero replicas exports no metrics, so only a schedule can bring it back$/,
  },
  {
    what: 'scale to zero in production',
    edit: (w) =>
      autoscale(vllm(w.live, 1), {
        minReplicas: 0,
        maxReplicas: 1,
        activeHours: { start: '0 8 * * 1-5', end: '0 18 * * 1-5' },
      }),
    message:
      /^clusters\/live\.ts \(live\): workloads\.vllm\[1\]\.scaling\.minReplicas: 0 is for development environments: a production deployment at zero replicas fails every request until its schedule wakes it$/,
  },
  {
    what: 'active hours on a deployment that never scales to zero',
    edit: (w) =>
      autoscale(vllm(w.dev, 0), { maxReplicas: 2, activeHours: { start: '0 8 * * *', end: '0 18 * * *' } }),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.vllm\[0\]\.scaling\.activeHours: only applies when minReplicas is 0 \(it is 1: a replica always runs\)$/,
  },
  {
    what: 'active hours that are not a cron expression',
    edit: (w) =>
      autoscale(vllm(w.dev, 0), {
        minReplicas: 0,
        maxReplicas: 2,
        activeHours: { start: '8:00', end: '0 18 * * *' },
      }),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.vllm\[0\]\.scaling\.activeHours\.start: "8:00" is not a five-field cron expression/,
  },
  {
    what: 'active hours in an hour that does not exist',
    edit: (w) =>
      autoscale(vllm(w.dev, 0), {
        minReplicas: 0,
        maxReplicas: 2,
        activeHours: { start: '0 25 * * *', end: '0 18 * * *' },
      }),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.vllm\[0\]\.scaling\.activeHours\.start: "0 25 \* \* \*": hour field "25" is not \*, a number from 0 to 23, a range, a list or a step$/,
  },
  {
    what: 'active hours in a time zone that does not exist',
    edit: (w) =>
      autoscale(vllm(w.dev, 0), {
        minReplicas: 0,
        maxReplicas: 2,
        activeHours: { timezone: 'Mars/Olympus', start: '0 8 * * *', end: '0 18 * * *' },
      }),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.vllm\[0\]\.scaling\.activeHours\.timezone: "Mars\/Olympus" is not an IANA time zone/,
  },
  {
    what: 'an autoscaling maximum the pool’s CPU limit cannot hold',
    edit: (w) => {
      autoscale(vllm(w.dev, 0), { maxReplicas: 30 });
      Object.assign(w.dev.pools.nvidia, { acceleratorLimit: 64, memoryLimitGiB: 8192 });
    },
    message:
      /^clusters\/dev\.ts \(dev\): pools\.nvidia\.cpuLimit: 96 vCPUs cannot hold the nvidia pool's demand, which needs at least \d+ vCPUs .*workloads\.vllm\[0\]\.scaling\.maxReplicas: 31 x 1 GPU on g5\.xlarge \(vLLM \w+: 30 replicas \+ 1 during a rolling update\)/,
  },
  {
    what: 'a latency target of zero',
    edit: (w) => autoscale(vllm(w.dev, 0), { maxReplicas: 2, timeToFirstTokenSeconds: 0 }),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.vllm\[0\]\.scaling\.timeToFirstTokenSeconds: must be at least 0\.05, got 0$/,
  },
  {
    what: 'a Prometheus retention that is not a duration',
    edit: (w) => set(w.dev, 'observability', { retention: '15 days' }),
    message:
      /^clusters\/dev\.ts \(dev\): observability\.retention: "15 days" is not a retention such as 15d, 72h, 2w or 1y$/,
  },
  {
    what: 'a disruption budget of an unknown node count',
    edit: (w) => set(w.live.pools.nvidia, 'disruptionBudgets', [{ nodes: 'one' }]),
    message:
      /^clusters\/live\.ts \(live\): pools\.nvidia\.disruptionBudgets\[0\]\.nodes: "one" is not a node count \('1'\) or a percentage \('10%'\)$/,
  },
  {
    what: 'a disruption budget with a schedule but no duration',
    edit: (w) => set(w.live.pools.neuron, 'disruptionBudgets', [{ nodes: '0', schedule: '0 9 * * 1-5' }]),
    message:
      /^clusters\/live\.ts \(live\): pools\.neuron\.disruptionBudgets\[0\]\.duration: schedule and duration are set together/,
  },
  // --- how vLLM replicas start (clusters/lib/fast-start.ts) ---
  {
    what: 'an eager FSx read that the replica memory cannot hold',
    edit: (w) => set(vllm(w.dev, 0), 'start', { fsxRead: 'eager' }),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.vllm\[0\]\.start\.fsxRead: "eager" needs 14\.3 GB of host memory .* a replica on g5\.xlarge requests 13\.4 GB; use "lazy" or "auto", or weights "s3"$/,
  },
  {
    what: 'weights streamed from S3 on Neuron',
    edit: (w) => set(vllm(w.dev, 1), 'start', { weights: 's3' }),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.vllm\[1\]\.start\.weights: "s3" streams weights with vLLM's Run:ai Model Streamer loader, which the Neuron plugin does not use/,
  },
  {
    what: 'a weight source that does not exist',
    edit: (w) => set(vllm(w.dev, 0), 'start', { weights: 'hub' }),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.vllm\[0\]\.start\.weights: expected one of "fsx", "s3", got "hub"$/,
  },
  {
    what: 'a compile cache mode that does not exist',
    edit: (w) => set(vllm(w.dev, 0), 'start', { compileCache: 'node' }),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.vllm\[0\]\.start\.compileCache: expected one of "shared", "pod", got "node"$/,
  },
  {
    what: 'a compile cache setting on a Neuron deployment (its compile Job owns the artifacts)',
    edit: (w) => set(vllm(w.dev, 1), 'start', { compileCache: 'pod' }),
    message: /^clusters\/dev\.ts \(dev\): workloads\.vllm\[1\]\.start\.compileCache: unknown field/,
  },
];
