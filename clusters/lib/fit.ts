/**
 * Whether a workload fits the hardware it asks for, and what one replica requests there. The
 * loader runs these for every workload of an environment (clusters/lib/resolve.ts) and hands the
 * resulting placements to apps/; a failure is a `FieldError` naming the field and the reason.
 *
 * Device memory (`placeVllm`, `placeDiffusion`): every term a server holds on its devices is
 * modelled with its source and shown in the message and the placement annotation:
 * - NVIDIA (vLLM V1): weights, the KV cache of one `maxModelLen`-token sequence (vLLM refuses to
 *   start with less), the activation peak of its profiling run, and the CUDA context and other
 *   memory outside PyTorch must fit in devices x memory x `gpuMemoryUtilization`; the CUDA graphs
 *   vLLM captures afterwards must fit in what the utilization leaves.
 * - Neuron (NxD Inference): weights, the KV cache NxD Inference allocates statically for the
 *   batch it compiles (`NEURON_BATCH` sequences of `maxModelLen` tokens), and the context-encoding
 *   activations of one full-length sequence must fit in the device memory less the runtime's
 *   per-NeuronCore overhead.
 *
 * Pod sizing (`podShare`): a pod requests its share (by devices) of what the node can give pods:
 * the instance's allocatable (EKS's reservation formula) less the DaemonSets that run on every
 * node of that pool (clusters/catalog/node-daemons.ts).
 */

import { coresOf, INSTANCE_TYPES, type InstanceType, maxPods } from '../catalog/instances.js';
import { kvCacheGB, type LanguageModel, MODEL_CATALOGUE, type Model, weightsGB } from '../catalog/models.js';
import { NEURON_RUNTIMES, neuronModelType, neuronRuntime } from '../catalog/neuron-runtimes.js';
import { type DaemonRequests, daemonsOn } from '../catalog/node-daemons.js';
import { type AcceleratedPool, POOLS } from '../contract.js';
import { versions } from '../versions.js';
import type { ParsedEnvironment, ParsedVllm } from './environment.js';

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

/** Decimal gigabyte: the unit AWS uses for device memory and the fit check uses throughout. */
const GB = 1e9;
const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** vLLM's own default `--gpu-memory-utilization`; the diffusion check assumes the same share. */
export const DEFAULT_GPU_MEMORY_UTILIZATION = 0.9;

/**
 * Engine limits the NVIDIA vLLM servers are started with (`--max-num-seqs`,
 * `--max-num-batched-tokens`, rendered from here by apps/workloads/vllm): the profiling run's
 * activations scale with the batched tokens, the sampler's logits with the sequences.
 */
export const NVIDIA_ENGINE = { maxNumSeqs: 256, maxNumBatchedTokens: 2048 } as const;

/**
 * Sequences a Neuron replica serves at once (`--max-num-seqs`): NxD Inference compiles fixed
 * shapes for this batch and allocates its KV cache for all of them.
 */
export const NEURON_BATCH = 4;

/**
 * Memory outside PyTorch's allocator on each GPU (CUDA context, cuBLAS workspaces, NCCL): 1.79 GiB,
 * the `non_torch_memory` vLLM reported for Meta-Llama-3-8B on one GPU in its memory-profiling
 * overhaul (https://github.com/vllm-project/vllm/pull/10511, maintainer's sanity check). The same
 * log shows 3.58 GiB per GPU with two NVLink-connected GPUs (custom all-reduce buffers); the
 * catalogued GPUs are PCIe cards, where the single-GPU figure is used.
 */
export const CUDA_NON_TORCH_GB = (1.79 * GiB) / GB;

/**
 * CUDA graphs vLLM captures after it sized the KV cache, outside the `gpu_memory_utilization`
 * budget: 1 GiB per GPU, the low end of the 1-3 GiB vLLM itself warns about when it captures
 * ("CUDA graphs can take additional 1~3 GiB memory per GPU", vllm/worker/model_runner.py, quoted
 * in https://github.com/vllm-project/vllm/pull/6234).
 */
export const CUDA_GRAPHS_GB = GiB / GB;

/**
 * Device memory the Neuron runtime keeps per NeuronCore for micro-code: 96 MB ("model code ...
 * includes a micro-code overhead of 96MB per physical Neuron Core",
 * https://awsdocs-neuron.readthedocs-hosted.com/en/latest/neuron-runtime/explore/device-memory.html).
 */
export const NEURON_MICROCODE_GB = (96 * MiB) / GB;

/** One term of a fit: what it is, how much (GB), for what, and where its size comes from. */
export interface FitTerm {
  readonly term: string;
  readonly gb: number;
  /** What the figure is for (`for one 8192-token sequence`), shown after it. */
  readonly detail?: string;
  readonly source: string;
}

/** What a node of an instance type gives pods, and what its DaemonSets take of it. */
export interface NodeBudget {
  /** Capacity less the kubelet's reservations and eviction threshold. */
  readonly allocatable: DaemonRequests;
  /** The DaemonSets that run on the node (clusters/catalog/node-daemons.ts), summed. */
  readonly daemons: DaemonRequests;
  readonly daemonNames: readonly string[];
  readonly maxPods: number;
}

/** A pod's share of one instance: the CPU and memory it requests. */
export interface PodShare {
  readonly cpuMillicores: number;
  readonly memoryMiB: number;
  /** The same in cores and GiB (fractions), for messages and profiles. */
  readonly cpu: number;
  readonly memoryGiB: number;
  readonly node: NodeBudget;
}

/** An instance type of an accelerated pool and the share of it one pod requests. */
export interface InstanceShare extends PodShare {
  readonly instance: InstanceType;
}

/** Engine settings the fit assumed, which the server is started with. */
export interface EngineSettings {
  readonly maxNumSeqs: number;
  /** NVIDIA only: `--max-num-batched-tokens`. */
  readonly maxNumBatchedTokens?: number;
}

/** Where one replica of a model server lands, and why it fits. */
export interface Placement extends InstanceShare {
  readonly model: Model;
  readonly pool: AcceleratedPool;
  /** Devices (GPUs or Neuron devices) one replica requests. */
  readonly devices: number;
  /** Sum of `terms`. */
  readonly requiredGB: number;
  /** What the devices offer the terms: devices x memory x utilization (NVIDIA), less the runtime's overhead (Neuron). */
  readonly availableGB: number;
  /** Share of device memory the server may fill (`availableGB` / total device memory). */
  readonly utilization: number;
  readonly terms: readonly FitTerm[];
  readonly engine: EngineSettings;
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

// --- the node: allocatable and DaemonSets ---

/**
 * CPU the kubelet reserves on a node of `vcpus` cores, millicores: 6% of the first core, 1% of the
 * second, 0.5% of the third and fourth, 0.25% of every core above four
 * (awslabs/amazon-eks-ami@v20260724:nodeadm/internal/kubelet/config.go `getCPUMillicoresToReserve`;
 * Karpenter computes the same in aws/karpenter-provider-aws@v1.14.1:pkg/providers/instancetype/types.go
 * `kubeReservedResources`). Integer arithmetic per range, as Go's.
 */
export function kubeReservedCpuMillicores(vcpus: number): number {
  const total = vcpus * 1000;
  const ranges = [0, 1000, 2000, 4000, total];
  const per10000 = [600, 100, 50, 25];
  let reserved = 0;
  for (let i = 0; i < per10000.length; i++) {
    const start = ranges[i]!;
    const end = Math.max(ranges[i + 1]!, start);
    if (total <= start) continue;
    reserved += Math.trunc(((Math.min(total, end) - start) * per10000[i]!) / 10000);
  }
  return reserved;
}

/**
 * Memory the kubelet reserves, MiB: 11 MiB per pod the node takes plus 255 MiB (same sources,
 * `getMemoryMebibytesToReserve`).
 */
export function kubeReservedMemoryMiB(pods: number): number {
  return 11 * pods + 255;
}

/** The kubelet's hard eviction threshold on memory, MiB (nodeadm config.go `evictionHard` memory.available 100Mi). */
export const EVICTION_HARD_MEMORY_MIB = 100;

/**
 * Share of the nominal memory Karpenter assumes the VM does not report, before it has seen a node
 * of a type (aws/karpenter-provider-aws@v1.14.1:pkg/operator/options/options.go
 * `--vm-memory-overhead-percent` default 0.075; applied in pkg/providers/instancetype/types.go
 * `memory`). Karpenter only launches a node whose allocatable, so computed, holds the pod.
 */
export const VM_MEMORY_OVERHEAD = 0.075;

/** What a node of `instance` in `pool` gives pods, and what its DaemonSets take. */
export function nodeBudget(pool: AcceleratedPool, instance: InstanceType): NodeBudget {
  const pods = maxPods(instance);
  const nominalMiB = instance.memoryGiB * 1024;
  const capacityMiB = nominalMiB - Math.ceil(nominalMiB * VM_MEMORY_OVERHEAD);
  const daemons = daemonsOn(pool, instance.name);
  return {
    allocatable: {
      cpuMillicores: instance.vcpus * 1000 - kubeReservedCpuMillicores(instance.vcpus),
      memoryMiB: capacityMiB - kubeReservedMemoryMiB(pods) - EVICTION_HARD_MEMORY_MIB,
    },
    daemons: {
      cpuMillicores: daemons.reduce((s, d) => s + d.cpuMillicores, 0),
      memoryMiB: daemons.reduce((s, d) => s + d.memoryMiB, 0),
    },
    daemonNames: daemons.map((d) => `${d.namespace}/${d.name}`),
    maxPods: pods,
  };
}

/**
 * What a pod using `devices` of the instance's devices requests: that share of the node's
 * allocatable less its DaemonSets, rounded down (millicores, MiB).
 */
export function podShare(pool: AcceleratedPool, instance: InstanceType, devices: number): PodShare {
  const node = nodeBudget(pool, instance);
  const share = devices / instance.devices;
  const cpuMillicores = Math.floor((node.allocatable.cpuMillicores - node.daemons.cpuMillicores) * share);
  const memoryMiB = Math.floor((node.allocatable.memoryMiB - node.daemons.memoryMiB) * share);
  return { cpuMillicores, memoryMiB, cpu: cpuMillicores / 1000, memoryGiB: memoryMiB / 1024, node };
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
  return { instance, ...podShare('nvidia', instance, 1) };
}

// --- device memory ---

/**
 * Activation memory of one forward pass over `tokens` tokens, GB: per token, the MLP's gate and
 * up projections (2 x intermediate), the activation and the product fed to the down projection
 * (2 x intermediate) and four hidden-size tensors of the residual stream (input, normed,
 * attention output, residual), in the model's dtype; plus the sampler's fp32 logits for `seqs`
 * sequences. For Meta-Llama-3-8B at 8192 tokens and 256 sequences this gives 1.25 GiB; vLLM
 * measured an activation peak of 1.26 GiB for that case, on one GPU and on each of two
 * (https://github.com/vllm-project/vllm/pull/10511), so the figure is taken per GPU.
 */
export function activationsGB(m: LanguageModel, tokens: number, seqs: number): number {
  const perToken = 4 * (m.intermediateSize + m.hiddenSize) * m.dtypeBytes;
  return (tokens * perToken + seqs * m.vocabSize * 4) / GB;
}

/**
 * KV heads NxD Inference keeps for a tensor-parallel degree: replicated up to the degree when
 * there are fewer and the degree is a multiple, otherwise converted to one per attention head
 * (aws-neuron/neuronx-distributed-inference@cd3abf3:src/neuronx_distributed_inference/modules/attention/gqa.py
 * `determine_sharding_strategy`, `get_shardable_head_counts`).
 */
export function neuronKvHeads(m: LanguageModel, tp: number): number {
  if (m.kvHeads === m.attentionHeads || m.kvHeads % tp === 0) return m.kvHeads;
  return tp % m.kvHeads === 0 ? tp : m.attentionHeads;
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
  if (d.pool === 'neuron') checkNeuronRuntime(field, model, instance, neuronImageTag());
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
  const deviceTotal = devices * instance.device.memoryGB;
  const fit = d.pool === 'nvidia' ? nvidiaFit(model, d, devices) : neuronFit(model, d);
  const requiredGB = fit.terms.reduce((s, t) => s + t.gb, 0);
  const availableGB = d.pool === 'nvidia' ? deviceTotal * d.gpuMemoryUtilization : fit.ceilingGB(deviceTotal);
  const shape = `${devices} x ${instance.device.memoryGB} GB`;
  if (requiredGB > availableGB) {
    throw new FieldError(
      field('instanceType'),
      `model needs ${fmt(requiredGB)} GB (${describe(fit.terms)}), ${instance.name} offers ${fit.offer(shape, availableGB)} ` +
        `with tensor parallel size ${d.tensorParallelSize}; choose a larger instance or raise tensorParallelSize`,
    );
  }
  if (d.pool === 'nvidia') {
    const left = instance.device.memoryGB * (1 - d.gpuMemoryUtilization);
    if (CUDA_GRAPHS_GB > left) {
      throw new FieldError(
        field('gpuMemoryUtilization'),
        `vLLM captures CUDA graphs outside gpuMemoryUtilization, ${fmt(CUDA_GRAPHS_GB)} GB per GPU at least; ` +
          `${instance.device.memoryGB} GB x (1 - ${d.gpuMemoryUtilization.toFixed(2)}) = ${fmt(left)} GB is left: lower gpuMemoryUtilization`,
      );
    }
  }
  // Replicas against the pool's limits: clusters/lib/capacity.ts (every workload of the pool together).
  return {
    model,
    pool: d.pool,
    instance,
    devices,
    requiredGB,
    availableGB,
    utilization: availableGB / deviceTotal,
    terms: fit.terms,
    engine: fit.engine,
    ...podShare(d.pool, instance, devices),
  };
}

/** The tag of the pinned Neuron vLLM image (clusters/versions.ts). */
export function neuronImageTag(): string {
  return versions.vllmNeuronImage.slice(versions.vllmNeuronImage.lastIndexOf(':') + 1);
}

/**
 * Checks that the Neuron image `tag` is catalogued (clusters/catalog/neuron-runtimes.ts), supports
 * the instance family and can build the model's architecture.
 */
export function checkNeuronRuntime(
  field: (f: string) => string,
  model: LanguageModel,
  instance: InstanceType,
  tag: string,
): void {
  const runtime = neuronRuntime(tag);
  if (!runtime) {
    throw new FieldError(
      field('pool'),
      `the Neuron vLLM image tag ${tag} (clusters/versions.ts vllmNeuronImage) is not in clusters/catalog/neuron-runtimes.ts (catalogued: ${NEURON_RUNTIMES.map((r) => r.tag).join(', ')})`,
    );
  }
  if (!runtime.instanceFamilies.includes(instance.family)) {
    throw new FieldError(
      field('instanceType'),
      `the Neuron vLLM image ${tag} supports ${runtime.instanceFamilies.join(', ')}, not ${instance.family}`,
    );
  }
  const type = neuronModelType(model.architecture);
  if (!runtime.modelTypes.includes(type)) {
    throw new FieldError(
      field('model'),
      `${model.id} is a ${model.architecture} (model type ${type}), which NxD Inference ${runtime.nxdInference} in the Neuron image ${tag} cannot build (it builds ${runtime.modelTypes.join(', ')})`,
    );
  }
}

interface Fit {
  readonly terms: readonly FitTerm[];
  readonly engine: EngineSettings;
  /** Device memory the terms may fill (Neuron); NVIDIA uses gpuMemoryUtilization. */
  readonly ceilingGB: (deviceTotalGB: number) => number;
  /** How the message states what the instance offers. */
  readonly offer: (shape: string, availableGB: number) => string;
}

const VLLM_PR_10511 = 'https://github.com/vllm-project/vllm/pull/10511';

function nvidiaFit(model: LanguageModel, d: ParsedVllm & { pool: 'nvidia' }, devices: number): Fit {
  const { maxNumSeqs, maxNumBatchedTokens } = NVIDIA_ENGINE;
  return {
    terms: [
      { term: 'weights', gb: weightsGB(model), source: 'parameters x dtype bytes (model card)' },
      {
        term: 'KV cache',
        detail: `for one ${d.maxModelLen}-token sequence`,
        gb: kvCacheGB(model, d.maxModelLen),
        source: 'vLLM refuses to start when the KV cache cannot hold one max-model-len sequence',
      },
      {
        term: 'activations',
        detail: `for ${maxNumBatchedTokens} batched tokens on ${devices} GPU(s)`,
        gb: devices * activationsGB(model, maxNumBatchedTokens, maxNumSeqs),
        source: `profiling-run peak per GPU, formula checked against ${VLLM_PR_10511}`,
      },
      {
        term: 'CUDA context and other non-torch memory',
        detail: `on ${devices} GPU(s)`,
        gb: devices * CUDA_NON_TORCH_GB,
        source: `non_torch_memory 1.79 GiB per GPU, ${VLLM_PR_10511}`,
      },
    ],
    engine: { maxNumSeqs, maxNumBatchedTokens },
    ceilingGB: (total) => total * d.gpuMemoryUtilization,
    offer: (shape, available) => `${shape} x ${d.gpuMemoryUtilization.toFixed(2)} = ${fmt(available)} GB`,
  };
}

function neuronFit(model: LanguageModel, d: ParsedVllm): Fit {
  const tp = d.tensorParallelSize;
  const kvHeads = neuronKvHeads(model, tp);
  const microcode = tp * NEURON_MICROCODE_GB;
  return {
    terms: [
      { term: 'weights', gb: weightsGB(model), source: 'parameters x dtype bytes (model card)' },
      {
        term: 'KV cache',
        detail: `for the compiled batch of ${NEURON_BATCH} x ${d.maxModelLen} tokens`,
        gb: NEURON_BATCH * kvCacheGB({ ...model, kvHeads }, d.maxModelLen),
        source:
          'NxD Inference allocates K and V for max batch x max length statically ' +
          '(neuronx-distributed-inference@cd3abf3 modules/kvcache/kv_cache_manager.py), KV heads per gqa.py',
      },
      {
        term: 'activations',
        detail: `of context encoding, one ${d.maxModelLen}-token sequence`,
        gb: activationsGB(model, d.maxModelLen, NEURON_BATCH),
        source: `the same per-token activation terms as on GPUs (${VLLM_PR_10511})`,
      },
    ],
    engine: { maxNumSeqs: NEURON_BATCH },
    ceilingGB: (total) => total - microcode,
    offer: (shape, available) =>
      `${shape} - ${tp} NeuronCores x ${NEURON_MICROCODE_GB.toFixed(3)} GB runtime micro-code = ${fmt(available)} GB`,
  };
}

function describe(terms: readonly FitTerm[]): string {
  return terms.map((t) => `${t.term} ${fmt(t.gb)} GB${t.detail ? ` ${t.detail}` : ''}`).join(' + ');
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
  const terms: FitTerm[] = [
    { term: 'weights', gb: weightsGB(model), source: 'parameters x dtype bytes (model card)' },
    {
      term: 'workspace',
      detail: `for one ${model.resolution} px image`,
      gb: DIFFUSION_WORKSPACE_GB,
      source: 'estimate (UNet activations, attention, VAE decode)',
    },
    { term: 'CUDA context', gb: CUDA_NON_TORCH_GB, source: `non_torch_memory per GPU, ${VLLM_PR_10511}` },
  ];
  const requiredGB = terms.reduce((s, t) => s + t.gb, 0);
  const availableGB = instance.device.memoryGB * DEFAULT_GPU_MEMORY_UTILIZATION;
  if (requiredGB > availableGB) {
    throw new FieldError(
      field,
      `model needs ${fmt(requiredGB)} GB (${describe(terms)}), ${instance.name} offers 1 x ${instance.device.memoryGB} GB x ${DEFAULT_GPU_MEMORY_UTILIZATION.toFixed(2)} = ${fmt(availableGB)} GB`,
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
    terms,
    engine: { maxNumSeqs: 1 },
    ...podShare('nvidia', instance, 1),
  };
}

/** The device resource of a pool (`nvidia.com/gpu`, `aws.amazon.com/neuron`). */
export function deviceResource(pool: AcceleratedPool): string {
  return POOLS[pool].resource;
}
