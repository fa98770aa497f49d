/**
 * Whether a workload fits the hardware it asks for, and what one replica requests there. The
 * loader runs these for every workload of an environment (clusters/lib/resolve.ts) and hands the
 * resulting placements to apps/; a failure is a `FieldError` naming the field and the reason.
 *
 * vLLM fit: weights plus the KV cache of one maximum-length sequence must fit in the memory of
 * the devices one replica gets (devices x memory per device x utilization). That is the least
 * vLLM needs to start; more KV cache means more concurrent sequences.
 */

import { coresOf, INSTANCE_TYPES, type InstanceType } from '../catalog/instances.js';
import { kvCacheGB, type LanguageModel, MODEL_CATALOGUE, type Model, weightsGB } from '../catalog/models.js';
import { type AcceleratedPool, POOLS } from '../contract.js';
import type { ParsedEnvironment, ParsedVllm } from './environment.js';
import { maxReplicas } from './scaling.js';

/** A problem with one field of an environment. */
export class FieldError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'FieldError';
  }
}

/** Utilization assumed for Neuron devices: the Neuron runtime has no such knob; the check uses all of it. */
const NEURON_UTILIZATION = 1;

/** vLLM's own default `--gpu-memory-utilization`; the diffusion check assumes the same share. */
export const DEFAULT_GPU_MEMORY_UTILIZATION = 0.9;

/** A pod's share of one instance: the CPU cores and memory (GiB) it requests. */
export interface PodShare {
  readonly cpu: number;
  readonly memoryGiB: number;
}

/** An instance type of an accelerated pool and the share of it one pod requests. */
export interface InstanceShare extends PodShare {
  readonly instance: InstanceType;
}

/** Where one replica of a model server lands, and why it fits. */
export interface Placement extends InstanceShare {
  readonly model: Model;
  readonly pool: AcceleratedPool;
  /** Devices (GPUs or Neuron devices) one replica requests. */
  readonly devices: number;
  readonly requiredGB: number;
  readonly availableGB: number;
  readonly utilization: number;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const fmt = (n: number) => round1(n).toFixed(1);

/** Looks up a catalogued model or fails naming the field. */
export function catalogModel(field: string, id: string): Model {
  const m = MODEL_CATALOGUE.get(id);
  if (!m) {
    throw new FieldError(
      field,
      `unknown model ${JSON.stringify(id)} (catalogued: ${[...MODEL_CATALOGUE.keys()].join(', ')})`,
    );
  }
  return m;
}

/**
 * Checks that `instanceType` is an accelerated instance of `pool` that the environment's NodePool
 * offers, and returns it.
 */
export function poolInstance(
  env: ParsedEnvironment,
  field: string,
  pool: AcceleratedPool,
  instanceType: string,
): InstanceType {
  const instance = INSTANCE_TYPES.get(instanceType);
  if (!instance) {
    throw new FieldError(
      field,
      `unknown instance type ${JSON.stringify(instanceType)} (catalogued: ${[...INSTANCE_TYPES.keys()].join(', ')})`,
    );
  }
  if (instance.device.kind !== pool) {
    throw new FieldError(
      field,
      `${instanceType} carries ${instance.device.model} devices, which the ${pool} pool does not manage`,
    );
  }
  const families = env.pools[pool].instanceFamilies;
  if (!families.includes(instance.family)) {
    throw new FieldError(
      field,
      `the ${pool} NodePool offers instance families ${families.join(', ')}, not ${instance.family} (${instanceType})`,
    );
  }
  return instance;
}

/** Share of an instance's CPU and memory a pod using `devices` of its devices requests. */
export function podShare(instance: InstanceType, devices: number): PodShare {
  const share = devices / instance.devices;
  // Headroom for the kubelet, system reserve and the per-node daemons (device plugin, CSI, CNI).
  const cpu = Math.max(1, Math.floor(instance.vcpus * share) - 1);
  const memoryGiB = Math.max(2, Math.floor(instance.memoryGiB * share * 0.8));
  return { cpu, memoryGiB };
}

/** A one-GPU pod on `instanceType` of the nvidia pool with at least `minMemoryGB` of GPU memory. */
export function gpuShare(
  env: ParsedEnvironment,
  field: string,
  instanceType: string,
  minMemoryGB: number,
  purpose: string,
): InstanceShare {
  const instance = poolInstance(env, field, 'nvidia', instanceType);
  if (instance.device.memoryGB < minMemoryGB) {
    throw new FieldError(
      field,
      `${purpose} needs an A10G-class GPU (${minMemoryGB} GB or more), ${instance.name} has ${instance.device.memoryGB} GB`,
    );
  }
  return { instance, ...podShare(instance, 1) };
}

/** Checks one vLLM deployment (`workloads.vllm[index]`) against the catalogues and the pool. */
export function placeVllm(env: ParsedEnvironment, index: number, d: ParsedVllm): Placement {
  const field = (f: string) => `workloads.vllm[${index}].${f}`;
  const model = catalogModel(field('model'), d.model);
  if (model.kind !== 'llm') {
    throw new FieldError(field('model'), `${model.id} is a ${model.kind} model; vLLM serves language models`);
  }
  if (!model.runsOn.includes(d.pool)) {
    throw new FieldError(
      field('pool'),
      `model ${model.id} runs on ${model.runsOn.join(', ')} accelerators only, not on the ${d.pool} pool`,
    );
  }
  const instance = poolInstance(env, field('instanceType'), d.pool, d.instanceType);
  const cores = coresOf(instance);
  const unit = d.pool === 'nvidia' ? 'GPUs' : 'NeuronCores';
  if (d.tensorParallelSize > cores || cores % d.tensorParallelSize !== 0) {
    throw new FieldError(
      field('tensorParallelSize'),
      `tensor parallel size ${d.tensorParallelSize} does not divide the ${cores} ${unit} of one ${instance.name}`,
    );
  }
  if (d.maxModelLen > model.contextLength) {
    throw new FieldError(
      field('maxModelLen'),
      `${d.maxModelLen} tokens exceeds ${model.id}'s context length of ${model.contextLength}`,
    );
  }
  const devices = Math.ceil(d.tensorParallelSize / instance.device.coresPerDevice);
  const utilization = d.pool === 'nvidia' ? d.gpuMemoryUtilization : NEURON_UTILIZATION;
  const weights = weightsGB(model);
  const kv = kvCacheGB(model as LanguageModel, d.maxModelLen);
  const requiredGB = weights + kv;
  const availableGB = devices * instance.device.memoryGB * utilization;
  if (requiredGB > availableGB) {
    throw new FieldError(
      field('instanceType'),
      `model needs ${fmt(requiredGB)} GB (weights ${fmt(weights)} GB + KV cache ${fmt(kv)} GB for one ${d.maxModelLen}-token sequence), ` +
        `${instance.name} offers ${devices} x ${instance.device.memoryGB} GB x ${utilization.toFixed(2)} = ${fmt(availableGB)} GB ` +
        `with tensor parallel size ${d.tensorParallelSize}; choose a larger instance or raise tensorParallelSize`,
    );
  }
  const cpuLimit = env.pools[d.pool].cpuLimit;
  const most = maxReplicas(d);
  if (most * instance.vcpus > cpuLimit) {
    throw new FieldError(
      field(d.scaling ? 'scaling.maxReplicas' : 'replicas'),
      `${most} x ${instance.name} (${instance.vcpus} vCPUs each) exceeds the ${d.pool} pool's cpuLimit of ${cpuLimit}`,
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

/**
 * Working memory a Stable Diffusion pipeline needs besides its weights for one fp16 image at its
 * native resolution (UNet activations, attention, VAE decode). An estimate, kept deliberately
 * generous; the weights come from the catalogue.
 */
export const DIFFUSION_WORKSPACE_GB = 4;

/** Checks a one-GPU diffusion server (a Ray Serve replica) on `instanceType` of the nvidia pool. */
export function placeDiffusion(
  env: ParsedEnvironment,
  field: string,
  modelId: string,
  instanceType: string,
): Placement {
  const model = catalogModel(field, modelId);
  if (model.kind !== 'diffusion') throw new FieldError(field, `${model.id} is not a diffusion model`);
  const instance = poolInstance(env, field, 'nvidia', instanceType);
  const requiredGB = weightsGB(model) + DIFFUSION_WORKSPACE_GB;
  const availableGB = instance.device.memoryGB * DEFAULT_GPU_MEMORY_UTILIZATION;
  if (requiredGB > availableGB) {
    throw new FieldError(
      field,
      `model needs ${fmt(requiredGB)} GB, ${instance.name} offers 1 x ${instance.device.memoryGB} GB x ${DEFAULT_GPU_MEMORY_UTILIZATION.toFixed(2)} = ${fmt(availableGB)} GB`,
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

/** The device resource of a pool (`nvidia.com/gpu`, `aws.amazon.com/neuron`). */
export function deviceResource(pool: AcceleratedPool): string {
  return POOLS[pool].resource;
}
