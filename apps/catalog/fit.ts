/**
 * Render-time checks that a workload fits the hardware it asks for. Each failure throws a
 * WorkloadError `<what> <name>: <field>: <reason>`; the render prefixes the environment and
 * leaves dist/ untouched.
 *
 * vLLM fit: weights plus the KV cache of one maximum-length sequence must fit in the memory of
 * the devices one replica gets (devices x memory per device x utilization). That is the least
 * vLLM needs to start; more KV cache means more concurrent sequences.
 */
import type { Environment } from '../../clusters/lib/environment.js';
import { NODEPOOL_LABEL, POOLS } from '../lib/platform.js';
import { coresOf, INSTANCE_TYPES, type InstanceType } from './accelerators.js';
import { kvCacheGB, type LanguageModel, MODEL_CATALOGUE, type Model, weightsGB } from './models.js';

export class WorkloadError extends Error {
  override name = 'WorkloadError';
}

export type AcceleratedPool = 'nvidia' | 'neuron';

/** Utilization assumed for Neuron devices: the Neuron runtime has no such knob; the check uses all of it. */
const NEURON_UTILIZATION = 1;

/** Default `--gpu-memory-utilization` (vLLM's own default). */
export const DEFAULT_GPU_MEMORY_UTILIZATION = 0.9;

/** Well-known node label holding the EC2 instance type. */
export const INSTANCE_TYPE_LABEL = 'node.kubernetes.io/instance-type';

/** Where one replica of a workload lands, and why it fits. */
export interface Placement {
  readonly model: Model;
  readonly pool: AcceleratedPool;
  readonly instance: InstanceType;
  /** Devices (GPUs or Neuron devices) one replica requests. */
  readonly devices: number;
  readonly requiredGB: number;
  readonly availableGB: number;
  readonly utilization: number;
  /** CPU cores and memory (GiB) one replica requests: its share of the instance, minus headroom. */
  readonly cpu: number;
  readonly memoryGiB: number;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const fmt = (n: number) => round1(n).toFixed(1);

/** The compact JSON that the `genai-eks.io/placement` annotation carries. */
export function placementAnnotation(p: Placement): string {
  return JSON.stringify({
    model: p.model.id,
    pool: p.pool,
    instanceType: p.instance.name,
    devices: p.devices,
    requiredGB: round1(p.requiredGB),
    availableGB: round1(p.availableGB),
  });
}

export const PLACEMENT_ANNOTATION = 'genai-eks.io/placement';

/** Looks up a catalogued model or fails naming the field. */
export function catalogModel(what: string, field: string, id: string): Model {
  const m = MODEL_CATALOGUE.get(id);
  if (!m) {
    throw new WorkloadError(
      `${what}: ${field}: unknown model ${JSON.stringify(id)} (catalogued: ${[...MODEL_CATALOGUE.keys()].join(', ')})`,
    );
  }
  return m;
}

/**
 * Checks that `instanceType` is an accelerated instance of `pool` that the environment's NodePool
 * offers, and returns it.
 */
export function poolInstance(
  env: Environment,
  what: string,
  field: string,
  pool: AcceleratedPool,
  instanceType: string,
): InstanceType {
  const instance = INSTANCE_TYPES.get(instanceType);
  if (!instance) {
    throw new WorkloadError(
      `${what}: ${field}: unknown instance type ${JSON.stringify(instanceType)} (catalogued: ${[...INSTANCE_TYPES.keys()].join(', ')})`,
    );
  }
  if (instance.device.kind !== pool) {
    throw new WorkloadError(
      `${what}: ${field}: ${instanceType} carries ${instance.device.model} devices, which the ${pool} pool does not manage`,
    );
  }
  const families = env.pools[pool].instanceFamilies;
  if (!families.includes(instance.family)) {
    throw new WorkloadError(
      `${what}: ${field}: the ${pool} NodePool offers instance families ${families.join(', ')}, not ${instance.family} (${instanceType})`,
    );
  }
  return instance;
}

/** Share of an instance's CPU and memory a pod using `devices` of its devices requests. */
export function podShare(instance: InstanceType, devices: number): { cpu: number; memoryGiB: number } {
  const share = devices / instance.devices;
  // Headroom for the kubelet, system reserve and the per-node daemons (device plugin, CSI, CNI).
  const cpu = Math.max(1, Math.floor(instance.vcpus * share) - 1);
  const memoryGiB = Math.max(2, Math.floor(instance.memoryGiB * share * 0.8));
  return { cpu, memoryGiB };
}

export interface VllmFitInput {
  readonly name: string;
  readonly model: string;
  readonly pool: AcceleratedPool;
  readonly instanceType: string;
  readonly tensorParallelSize: number;
  readonly maxModelLen: number;
  readonly gpuMemoryUtilization?: number;
  readonly replicas: number;
}

/** Checks one vLLM deployment (`workloads.vllm[index]`) against the catalogues and the pool. */
export function placeVllm(env: Environment, index: number, d: VllmFitInput): Placement {
  const what = `vllm ${d.name}`;
  const field = (f: string) => `workloads.vllm[${index}].${f}`;
  const model = catalogModel(what, field('model'), d.model);
  if (model.kind !== 'llm') {
    throw new WorkloadError(
      `${what}: ${field('model')}: ${model.id} is a ${model.kind} model; vLLM serves language models`,
    );
  }
  if (!model.runsOn.includes(d.pool)) {
    throw new WorkloadError(
      `${what}: ${field('pool')}: model ${model.id} runs on ${model.runsOn.join(', ')} accelerators only, not on the ${d.pool} pool`,
    );
  }
  const instance = poolInstance(env, what, field('instanceType'), d.pool, d.instanceType);
  const cores = coresOf(instance);
  const unit = d.pool === 'nvidia' ? 'GPUs' : 'NeuronCores';
  if (d.tensorParallelSize > cores || cores % d.tensorParallelSize !== 0) {
    throw new WorkloadError(
      `${what}: ${field('tensorParallelSize')}: tensor parallel size ${d.tensorParallelSize} does not divide the ${cores} ${unit} of one ${instance.name}`,
    );
  }
  if (d.maxModelLen > model.contextLength) {
    throw new WorkloadError(
      `${what}: ${field('maxModelLen')}: ${d.maxModelLen} tokens exceeds ${model.id}'s context length of ${model.contextLength}`,
    );
  }
  if (d.pool === 'neuron' && d.gpuMemoryUtilization !== undefined) {
    throw new WorkloadError(`${what}: ${field('gpuMemoryUtilization')}: applies to NVIDIA GPUs only`);
  }
  const devices = Math.ceil(d.tensorParallelSize / instance.device.coresPerDevice);
  const utilization =
    d.pool === 'nvidia' ? (d.gpuMemoryUtilization ?? DEFAULT_GPU_MEMORY_UTILIZATION) : NEURON_UTILIZATION;
  const weights = weightsGB(model);
  const kv = kvCacheGB(model as LanguageModel, d.maxModelLen);
  const requiredGB = weights + kv;
  const availableGB = devices * instance.device.memoryGB * utilization;
  if (requiredGB > availableGB) {
    throw new WorkloadError(
      `${what}: ${field('instanceType')}: model needs ${fmt(requiredGB)} GB (weights ${fmt(weights)} GB + KV cache ${fmt(kv)} GB for one ${d.maxModelLen}-token sequence), ` +
        `${instance.name} offers ${devices} x ${instance.device.memoryGB} GB x ${utilization.toFixed(2)} = ${fmt(availableGB)} GB ` +
        `with tensor parallel size ${d.tensorParallelSize}; choose a larger instance or raise tensorParallelSize`,
    );
  }
  const cpuLimit = env.pools[d.pool].cpuLimit;
  if (d.replicas * instance.vcpus > cpuLimit) {
    throw new WorkloadError(
      `${what}: ${field('replicas')}: ${d.replicas} x ${instance.name} (${instance.vcpus} vCPUs each) exceeds the ${d.pool} pool's cpuLimit of ${cpuLimit}`,
    );
  }
  return {
    model,
    pool: d.pool,
    instance,
    devices,
    requiredGB,
    availableGB,
    utilization,
    ...podShare(instance, devices),
  };
}

interface PodLike {
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly {
    readonly key?: string;
    readonly value?: string;
    readonly effect?: string;
  }[];
  readonly containers: readonly {
    readonly resources?: { readonly requests?: Readonly<Record<string, string | number>> };
  }[];
}

function quantity(v: string | number | undefined): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)(m|Mi|Gi)?$/.exec(v);
  if (!m) throw new WorkloadError(`unsupported quantity ${v}`);
  const n = Number(m[1]);
  return m[2] === 'm' ? n / 1000 : m[2] === 'Mi' ? n / 1024 : n;
}

/**
 * Checks a rendered pod spec against the instance it is meant for: it selects the pool and the
 * instance type, tolerates the pool's taint, and its summed requests fit the instance.
 */
export function checkPodFits(
  what: string,
  pod: PodLike,
  pool: AcceleratedPool,
  instance: InstanceType,
): void {
  const p = POOLS[pool];
  const problems: string[] = [];
  if (pod.nodeSelector?.[NODEPOOL_LABEL] !== p.name) problems.push(`does not select the ${p.name} NodePool`);
  if (pod.nodeSelector?.[INSTANCE_TYPE_LABEL] !== instance.name)
    problems.push(`does not select ${instance.name}`);
  if (!pod.tolerations?.some((t) => t.key === p.taint.key && t.effect === p.taint.effect)) {
    problems.push(`does not tolerate the ${p.taint.key} taint`);
  }
  const sum = (key: string) => pod.containers.reduce((n, c) => n + quantity(c.resources?.requests?.[key]), 0);
  if (sum(p.resource) > instance.devices)
    problems.push(`requests ${sum(p.resource)} ${p.resource}, ${instance.name} has ${instance.devices}`);
  if (sum('cpu') > instance.vcpus)
    problems.push(`requests ${sum('cpu')} CPUs, ${instance.name} has ${instance.vcpus}`);
  if (sum('memory') > instance.memoryGiB)
    problems.push(`requests ${sum('memory')} GiB, ${instance.name} has ${instance.memoryGiB}`);
  if (problems.length > 0) throw new WorkloadError(`${what}: pod ${problems.join('; ')}`);
}

/**
 * Working memory a Stable Diffusion pipeline needs besides its weights for one fp16 image at its
 * native resolution (UNet activations, attention, VAE decode). An estimate, kept deliberately
 * generous; the weights come from the catalogue.
 */
export const DIFFUSION_WORKSPACE_GB = 4;

/** Checks a one-GPU diffusion server (a Ray Serve replica) on `instanceType` of the nvidia pool. */
export function placeDiffusion(
  env: Environment,
  what: string,
  field: string,
  modelId: string,
  instanceType: string,
): Placement {
  const model = catalogModel(what, field, modelId);
  if (model.kind !== 'diffusion') {
    throw new WorkloadError(`${what}: ${field}: ${model.id} is not a diffusion model`);
  }
  const instance = poolInstance(env, what, field, 'nvidia', instanceType);
  const requiredGB = weightsGB(model) + DIFFUSION_WORKSPACE_GB;
  const availableGB = instance.device.memoryGB * DEFAULT_GPU_MEMORY_UTILIZATION;
  if (requiredGB > availableGB) {
    throw new WorkloadError(
      `${what}: ${field}: model needs ${fmt(requiredGB)} GB, ${instance.name} offers 1 x ${instance.device.memoryGB} GB x ${DEFAULT_GPU_MEMORY_UTILIZATION.toFixed(2)} = ${fmt(availableGB)} GB`,
    );
  }
  return {
    model,
    pool: 'nvidia',
    instance,
    devices: 1,
    requiredGB,
    availableGB,
    utilization: DEFAULT_GPU_MEMORY_UTILIZATION,
    ...podShare(instance, 1),
  };
}
