/**
 * How a vLLM deployment starts: where its replicas read the staged weights and where vLLM keeps
 * its compile caches (`workloads.vllm[].start`). The staging itself is not a choice: every
 * deployment's model is staged once into the model bucket at the catalogue's revision by a Job
 * that runs before the replicas (apps/workloads/vllm/staging.ts), and replicas run with
 * `HF_HUB_OFFLINE=1` (docs/workloads.md, "Fast start").
 */
import { obj, oneOf, type Schema, str, withDefault } from './schema.js';

/** Where a replica reads the staged weights. */
export type WeightSource = 'fsx' | 's3';

/** Where vLLM keeps its compile caches on NVIDIA GPUs. */
export type CompileCacheMode = 'shared' | 'pod';

/** How vLLM reads safetensors files from FSx (`--safetensors-load-strategy`). */
export type FsxRead = 'auto' | 'eager' | 'lazy';

/** How the replicas of a vLLM deployment on NVIDIA GPUs start. */
export interface NvidiaStartProps {
  /**
   * Where each replica reads the model's weights (staged once from the Hub either way):
   * - `fsx`: the FSx for Lustre directory linked to the bucket's `models/` prefix, each
   *   safetensors file read whole into memory before it is loaded (vLLM
   *   `--safetensors-load-strategy eager`, which vLLM recommends for network file systems such as
   *   Lustre); bounded by the file system's throughput, shared by every reader;
   * - `s3`: streamed from the bucket by the Run:ai Model Streamer (`--load-format
   *   runai_streamer`), with read-only Pod Identity access to `models/`; bounded by the
   *   instance's network bandwidth.
   * @default 'fsx'
   */
  readonly weights?: WeightSource;
  /**
   * How a replica reading from FSx reads each safetensors file:
   * - `eager`: the whole file into memory, then the tensors (`--safetensors-load-strategy
   *   eager`): sequential reads, fast on Lustre, but up to twice the largest file in host memory;
   * - `lazy`: memory-mapped, tensor by tensor (vLLM's default): little host memory, random reads;
   * - `auto`: `eager` when the replica's memory request holds its peak (`eagerPeakGB`), else `lazy`.
   * Ignored with `weights: 's3'`. @default 'auto'
   */
  readonly fsxRead?: FsxRead;
  /**
   * Where vLLM keeps its compile caches (torch.compile artifacts, Inductor and Triton kernels):
   * - `shared`: FSx, one directory per vLLM image, model, tensor-parallel size and GPU model
   *   (clusters/contract.ts `compileCachePath`): the first replica compiles, later ones load;
   * - `pod`: the pod's own emptyDir, on the instance store where the instance has one (the
   *   EC2NodeClass `instanceStorePolicy: RAID0` puts the kubelet's directory there): compiled at
   *   every pod start, kept across container restarts.
   * CUDA graphs are captured at every start whatever this says (vLLM keeps no file of them).
   * @default 'shared'
   */
  readonly compileCache?: CompileCacheMode;
}

/** How the replicas of a vLLM deployment on Neuron start (compiled artifacts come from its compile Job). */
export interface NeuronStartProps {
  /**
   * Where each replica reads the model's weights: `fsx` only (the Neuron plugin loads a local
   * checkpoint through NxD Inference; it has no S3 streaming loader). @default 'fsx'
   */
  readonly weights?: 'fsx';
}

export type ParsedNvidiaStart = Required<NvidiaStartProps>;
export type ParsedNeuronStart = Required<NeuronStartProps>;

export const DEFAULT_NVIDIA_START: ParsedNvidiaStart = {
  weights: 'fsx',
  fsxRead: 'auto',
  compileCache: 'shared',
};
export const DEFAULT_NEURON_START: ParsedNeuronStart = { weights: 'fsx' };

export const nvidiaStartSchema: Schema<NvidiaStartProps, ParsedNvidiaStart, 'default'> = withDefault(
  obj<NvidiaStartProps, ParsedNvidiaStart>({
    weights: withDefault(oneOf(['fsx', 's3'] as const), DEFAULT_NVIDIA_START.weights),
    fsxRead: withDefault(oneOf(['auto', 'eager', 'lazy'] as const), DEFAULT_NVIDIA_START.fsxRead),
    compileCache: withDefault(oneOf(['shared', 'pod'] as const), DEFAULT_NVIDIA_START.compileCache),
  }),
  DEFAULT_NVIDIA_START,
);

export const neuronStartSchema: Schema<NeuronStartProps, ParsedNeuronStart, 'default'> = withDefault(
  obj<NeuronStartProps, ParsedNeuronStart>({
    weights: withDefault(
      str<'fsx'>((v) =>
        v === 'fsx'
          ? undefined
          : v === 's3'
            ? '"s3" streams weights with vLLM\'s Run:ai Model Streamer loader, which the Neuron plugin does not use (it loads a local checkpoint through NxD Inference); Neuron deployments read "fsx"'
            : `${JSON.stringify(v)} is not a weight source (Neuron: "fsx")`,
      ),
      DEFAULT_NEURON_START.weights,
    ),
  }),
  DEFAULT_NEURON_START,
);

// --- host memory of a replica while it loads ---

const GIB = 2 ** 30;

/**
 * The largest safetensors file a staged model has, GB. The staging copies the shards a
 * safetensors index names (staging-script.ts), which transformers' `save_pretrained` writes at
 * most `max_shard_size` = "5GB" each (huggingface/transformers src/transformers/modeling_utils.py,
 * the default); Llama-3-8B-Instruct's largest measured 4,999,802,720 bytes.
 */
export const LARGEST_SHARD_GB = 5;

/**
 * Host memory a replica needs besides what a load strategy buffers, GiB: vLLM's API server and
 * engine processes with Python, torch and the CUDA libraries. An assumption; the pod's memory
 * use during a load shows the real figure.
 */
export const PROCESS_RESERVE_GIB = 4;

/**
 * Peak host memory of an eager read, GB: vLLM reads a file whole into memory
 * (vllm-project/vllm#24469) and builds its tensors from those bytes; counted as two copies of the
 * largest file (an assumption about safetensors' `load`), plus the process reserve.
 */
export function eagerPeakGB(): number {
  return 2 * LARGEST_SHARD_GB + (PROCESS_RESERVE_GIB * GIB) / 1e9;
}

/** The replica's memory request, GB. */
function requestGB(memoryMiB: number): number {
  return (memoryMiB * 2 ** 20) / 1e9;
}

/** The strategy a replica with `memoryMiB` of memory reads FSx with. */
export function fsxReadStrategy(start: ParsedNvidiaStart, memoryMiB: number): 'eager' | 'lazy' {
  if (start.fsxRead !== 'auto') return start.fsxRead;
  return requestGB(memoryMiB) >= eagerPeakGB() ? 'eager' : 'lazy';
}

/**
 * The Run:ai Model Streamer's CPU buffer for a replica, bytes (`RUNAI_STREAMER_MEMORY_LIMIT`):
 * the replica's memory less the process reserve. Its default, 40 GB (20 GB in 0.14) for one
 * process, is more than a small instance's replica has
 * (run-ai/runai-model-streamer@0.15.0:docs/src/env-vars.md).
 */
export function streamerMemoryLimitBytes(memoryMiB: number): number {
  return memoryMiB * 2 ** 20 - PROCESS_RESERVE_GIB * GIB;
}

/** Least buffer the streamer is given, bytes: below this, streaming makes no sense. */
export const STREAMER_MIN_BYTES = GIB;

/**
 * What is wrong with a deployment's start settings given its replica's memory, if anything:
 * `eager` that the memory cannot hold, or too little memory to stream.
 */
export function startProblem(
  start: ParsedNvidiaStart,
  memoryMiB: number,
  instanceType: string,
): { field: string; reason: string } | undefined {
  const have = requestGB(memoryMiB);
  if (start.weights === 'fsx' && start.fsxRead === 'eager' && have < eagerPeakGB()) {
    return {
      field: 'start.fsxRead',
      reason: `"eager" needs ${eagerPeakGB().toFixed(1)} GB of host memory (twice the largest ${LARGEST_SHARD_GB} GB safetensors file, plus ${PROCESS_RESERVE_GIB} GiB for the processes), a replica on ${instanceType} requests ${have.toFixed(1)} GB; use "lazy" or "auto", or weights "s3"`,
    };
  }
  if (start.weights === 's3' && streamerMemoryLimitBytes(memoryMiB) < STREAMER_MIN_BYTES) {
    return {
      field: 'start.weights',
      reason: `"s3" streams through a host memory buffer; a replica on ${instanceType} requests ${have.toFixed(1)} GB, which leaves less than 1 GiB beside the ${PROCESS_RESERVE_GIB} GiB for the processes`,
    };
  }
  return undefined;
}
