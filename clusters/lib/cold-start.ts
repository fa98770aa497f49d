/**
 * The modelled cold start of each vLLM deployment: how long from "Flux applied it" to "a replica
 * answers /health", phase by phase, first time (nothing staged, compiled or pulled) and on a new
 * node once the caches are warm, each figure with its source or marked as an assumption.
 *
 * Three settings are derived from it, never shorter: the startup probe of the replicas (the
 * container's own start, worst case), their Deployment's progress deadline and the Flux `apps`
 * layer's timeout (the first start, staging and Neuron compile included). `npm run cold-start`
 * measures the real phases on a cluster (review/cold-start-measure.ts); its figures replace the
 * assumptions here when they differ.
 */
import { baselineGbps } from '../catalog/bandwidth.js';
import { DEVICES } from '../catalog/instances.js';
import { type LanguageModel, weightsGB } from '../catalog/models.js';
import { fsxReadStrategy } from './fast-start.js';
import type { Environment, VllmDeployment } from './resolve.js';

/** A figure the model uses: a value with its unit and where it comes from. */
export interface Figure {
  readonly value: number;
  readonly unit: string;
  /** What it is. */
  readonly what: string;
  /** Where it was read (repository@tag:path or URL); absent for an assumption. */
  readonly source?: string;
  /** For an assumption: what it stands for and how to replace it. */
  readonly assumption?: string;
}

/** Every figure of the model. Sourced ones carry `source`, the rest `assumption`. */
export const FIGURES = {
  nodeLaunch: {
    value: 150,
    unit: 's',
    what: 'Karpenter launches the instance until the node is Ready with its device plugin registered',
    assumption:
      'EC2 launch, AL2023 boot and nodeadm join, GPU or Neuron driver load and device plugin registration; replace with the "node" phase `npm run cold-start` measures',
  },
  imagePull: {
    value: 40,
    unit: 'MB/s',
    what: 'image download and unpacking on a new node',
    assumption:
      "registry download and layer unpacking by containerd on the node; `npm run cold-start` reports the kubelet's measured pull time and the image size",
  },
  vllmImage: {
    value: 10,
    unit: 'GB',
    what: 'compressed size of the vllm/vllm-openai image',
    assumption:
      'not read from the registry here; the kubelet\'s Pulled event gives it ("Image size: N bytes")',
  },
  neuronImage: {
    value: 15,
    unit: 'GB',
    what: 'compressed size of the Neuron vLLM image',
    assumption:
      'not read from the registry here; the kubelet\'s Pulled event gives it ("Image size: N bytes")',
  },
  hubDownload: {
    value: 50,
    unit: 'MB/s',
    what: 'staging: Hugging Face download and S3 upload, file by file',
    assumption: 'one staging Job, one file at a time from the Hub, then uploaded to S3',
  },
  fsxImport: {
    value: 60,
    unit: 's',
    what: 'until the data repository association has imported the last staged object',
    assumption: 'automatic import of new objects (NEW events) of the FSx data repository association',
  },
  fsxThroughput: {
    value: 1,
    unit: 'x',
    what: 'FSx for Lustre throughput = storage (TiB) x throughput per TiB (baseline; bursts above it are not counted)',
    source:
      'FSx API LustreFileSystemConfiguration.PerUnitStorageThroughput ("File system throughput capacity is equal to Storage capacity (TiB) * PerUnitStorageThroughput (MB/s/TiB)"), https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/fsx/aws.sdk.kotlin.services.fsx.model/-lustre-file-system-configuration/per-unit-storage-throughput.html; burst credits: https://docs.aws.amazon.com/fsx/latest/LustreGuide/ssd-storage.html',
  },
  instanceBandwidth: {
    value: 1,
    unit: 'x',
    what: "the instance's baseline network bandwidth bounds every read from FSx or S3",
    source:
      'aws/karpenter-provider-aws@v1.14.1:pkg/providers/instancetype/zz_generated.bandwidth.go (clusters/catalog/bandwidth.ts)',
  },
  fsxLazy: {
    value: 3,
    unit: 'x slower',
    what: 'memory-mapped (lazy) reads from FSx, against whole-file (eager) reads',
    assumption:
      "mmap's small random reads are slow on Lustre (vllm-project/vllm#24469, which added the eager strategy for it); no published factor, measure with `npm run cold-start`",
  },
  s3Stream: {
    value: 1,
    unit: 'x',
    what: "the Run:ai Model Streamer reads S3 at the instance's baseline bandwidth",
    assumption:
      'the streamer reads with many concurrent S3 requests (vLLM `--model-loader-extra-config` `concurrency`); S3 itself is not the bound at these rates',
  },
  torchCompile: {
    value: 120,
    unit: 's',
    what: 'first torch.compile of the model (Dynamo trace, Inductor and Triton kernels)',
    assumption: 'vLLM logs it as "torch.compile takes N s in total"; `npm run cold-start` reports it',
  },
  torchCompileCached: {
    value: 15,
    unit: 's',
    what: 'loading the compiled graphs from the compile cache',
    assumption: 'vLLM logs it as "Directly load the compiled graph(s) … from the cache, took N s"',
  },
  cudaGraphs: {
    value: 20,
    unit: 's',
    what: 'CUDA graph capture, at every start (vLLM keeps no file of the captured graphs)',
    source:
      'vllm-project/vllm vllm/v1/worker/gpu_model_runner.py capture_model, comment "This usually takes 5~20 seconds" before the log line "Graph capturing finished in N secs" (a stored commit of the code index, not the v0.12.0 tag); CUDA graphs applied at run time, the compiled artifact loaded from the cache: https://docs.vllm.ai/en/v0.12.0/design/debug_vllm_compile/',
  },
  engine: {
    value: 60,
    unit: 's',
    what: 'process start, imports, memory profiling, KV cache allocation and the API server',
    assumption: 'the rest of vLLM\'s "init engine (profile, create kv cache, warmup model) took N seconds"',
  },
  neuronCompile: {
    value: 5400,
    unit: 's',
    what: 'the compile Job: NxD Inference traces and compiles every bucket of the model',
    assumption:
      "the upper end of the 30-90 min estimate in docs/workloads.md; measured by the compile Job's duration",
  },
  neuronLoad: {
    value: 120,
    unit: 's',
    what: 'loading the compiled artifacts onto the NeuronCores and warming up',
    assumption: 'NxD Inference loads the compiled model from NEURON_COMPILED_ARTIFACTS',
  },
  margin: {
    value: 1.5,
    unit: 'x',
    what: 'headroom of the derived startup probe, progress deadline and Flux timeout over the modelled time',
    assumption:
      'a design choice: most figures above are assumptions; a measured figure far below the model is harmless, one above it fails the rollout',
  },
} as const satisfies Record<string, Figure>;

export type FigureName = keyof typeof FIGURES;

/** One phase of a start. */
export interface Phase {
  readonly name: string;
  readonly seconds: number;
  /** Whether this phase reuses something an earlier start left (staged weights, a compile cache, artifacts). */
  readonly cached: boolean;
  /** How the seconds were computed, with the figures used. */
  readonly basis: string;
  /** Figures the phase rests on. */
  readonly figures: readonly FigureName[];
}

/** The modelled starts of one vLLM deployment. */
export interface ColdStart {
  readonly deployment: string;
  /** The first start: nothing staged, compiled or pulled, a new node. Phases in order; some overlap (`firstSeconds` says how). */
  readonly first: readonly Phase[];
  /** Time until the first replica is ready, overlaps counted once. */
  readonly firstSeconds: number;
  /** A new replica on a new node once the model is staged and the caches filled. */
  readonly warm: readonly Phase[];
  readonly warmSeconds: number;
  /** From the server container's start to ready, worst case (what the startup probe must allow). */
  readonly containerSeconds: number;
  /** A restart where the node and image are there and the caches warm: the container's start only. */
  readonly restartSeconds: number;
  /** How weights reach the replica, in words. */
  readonly weightsPath: string;
  /** Neuron: from the compile Job's creation until its artifacts are complete (it waits for the staging). */
  readonly compileJobSeconds?: number;
}

const MB = 1e6;
const GB = 1e9;

/** Megabytes per second the weights reach one replica at. */
function weightRate(
  env: Environment,
  d: VllmDeployment,
): { mbps: number; basis: string; figures: FigureName[] } {
  const type = d.placement.instance.name;
  const gbps = baselineGbps(type);
  const network = gbps === undefined ? Number.POSITIVE_INFINITY : (gbps * 1e9) / 8 / MB;
  const networkText =
    gbps === undefined
      ? `${type}: no bandwidth figure`
      : `${type} baseline ${gbps} Gbit/s = ${Math.round(network)} MB/s`;
  if (d.start.weights === 's3') {
    return {
      mbps: network,
      basis: `streamed from S3 at the instance's bandwidth (${networkText})`,
      figures: ['s3Stream', 'instanceBandwidth'],
    };
  }
  const tib = env.modelData.fsxStorageGiB / 1024;
  const fsx = tib * env.modelData.fsxThroughputPerTiB;
  const eager = d.pool === 'neuron' || fsxReadStrategy(d.start, d.placement.memoryMiB) === 'eager';
  const basis = `read from FSx at min(file system ${+tib.toFixed(3)} TiB x ${env.modelData.fsxThroughputPerTiB} MB/s/TiB = ${Math.round(fsx)} MB/s, ${networkText})`;
  if (eager) return { mbps: Math.min(fsx, network), basis, figures: ['fsxThroughput', 'instanceBandwidth'] };
  return {
    mbps: Math.min(fsx, network) / v('fsxLazy'),
    basis: `${basis}, memory-mapped: ${v('fsxLazy')}x slower`,
    figures: ['fsxThroughput', 'instanceBandwidth', 'fsxLazy'],
  };
}

const v = (n: FigureName) => FIGURES[n].value;

/** The modelled starts of one deployment. */
export function coldStart(env: Environment, d: VllmDeployment): ColdStart {
  const model = d.placement.model as LanguageModel;
  const neuron = d.pool === 'neuron';
  const weightsGb = weightsGB(model);
  const rate = weightRate(env, d);
  const imageGb = v(neuron ? 'neuronImage' : 'vllmImage');
  const phase = (
    name: string,
    seconds: number,
    cached: boolean,
    basis: string,
    figures: FigureName[],
  ): Phase => ({ name, seconds: Math.round(seconds), cached, basis, figures });

  const staging = phase(
    'staging (Hub to S3, once per model revision)',
    stagingSeconds(model),
    false,
    `${weightsGb.toFixed(1)} GB at ${v('hubDownload')} MB/s, then ${v('fsxImport')} s until FSx has imported it`,
    ['hubDownload', 'fsxImport'],
  );
  const node = phase('node launch', v('nodeLaunch'), false, `${v('nodeLaunch')} s`, ['nodeLaunch']);
  const pull = phase(
    'image pull',
    (imageGb * GB) / (v('imagePull') * MB),
    false,
    `${imageGb} GB at ${v('imagePull')} MB/s`,
    [neuron ? 'neuronImage' : 'vllmImage', 'imagePull'],
  );
  const weightSeconds = (weightsGb * GB) / (rate.mbps * MB);
  const weightBasis = `${weightsGb.toFixed(1)} GB ${rate.basis}`;
  // The first read of a staged model goes through FSx's import from S3 (fsx) or S3 itself (s3);
  // later replicas read what is staged (and, on FSx, already imported).
  const weights = phase('weight load', weightSeconds, false, weightBasis, rate.figures);
  const weightsWarm = phase('weight load (staged)', weightSeconds, true, weightBasis, rate.figures);
  const engine = phase('engine start', v('engine'), false, `${v('engine')} s`, ['engine']);

  if (neuron) {
    const compile = phase(
      'Neuron compile Job (once per configuration)',
      v('neuronCompile'),
      false,
      `${v('neuronCompile')} s; the Job also launches a node, pulls the image and loads the weights`,
      ['neuronCompile'],
    );
    const load = phase('load compiled artifacts', v('neuronLoad'), true, `${v('neuronLoad')} s`, [
      'neuronLoad',
    ]);
    // The compile Job waits for the staging; the replica waits for the Job. Its node and image
    // pull overlap both.
    const jobStart = Math.max(staging.seconds, node.seconds + pull.seconds);
    const jobDone = jobStart + weights.seconds + compile.seconds;
    const containerSeconds = weights.seconds + load.seconds + engine.seconds;
    const firstSeconds = Math.max(jobDone, node.seconds + pull.seconds) + containerSeconds;
    const warm = [node, pull, weightsWarm, load, engine];
    return {
      deployment: d.name,
      first: [staging, node, pull, compile, weights, load, engine],
      firstSeconds,
      warm,
      warmSeconds: sum(warm),
      containerSeconds,
      restartSeconds: containerSeconds,
      weightsPath: 'FSx',
      compileJobSeconds: jobDone,
    };
  }
  const shared = d.start.compileCache === 'shared';
  const compile = phase('torch.compile', v('torchCompile'), false, `${v('torchCompile')} s (first compile)`, [
    'torchCompile',
  ]);
  const compileWarm = shared
    ? phase(
        'torch.compile (from the shared cache)',
        v('torchCompileCached'),
        true,
        `${v('torchCompileCached')} s`,
        ['torchCompileCached'],
      )
    : phase('torch.compile (per pod: compiled again)', v('torchCompile'), false, `${v('torchCompile')} s`, [
        'torchCompile',
      ]);
  const graphs = phase('CUDA graph capture', v('cudaGraphs'), false, `${v('cudaGraphs')} s, every start`, [
    'cudaGraphs',
  ]);
  // The replica's node launch and image pull overlap the staging; its container starts when both are done.
  const containerSeconds = weights.seconds + compile.seconds + graphs.seconds + engine.seconds;
  const firstSeconds = Math.max(staging.seconds, node.seconds + pull.seconds) + containerSeconds;
  const warm = [node, pull, weightsWarm, compileWarm, graphs, engine];
  return {
    deployment: d.name,
    first: [staging, node, pull, weights, compile, graphs, engine],
    firstSeconds,
    warm,
    warmSeconds: sum(warm),
    containerSeconds,
    restartSeconds: weightsWarm.seconds + compileWarm.seconds + graphs.seconds + engine.seconds,
    weightsPath:
      d.start.weights === 's3'
        ? 'S3 (Run:ai Model Streamer)'
        : `FSx (${fsxReadStrategy(d.start, d.placement.memoryMiB)})`,
  };
}

const sum = (phases: readonly Phase[]) => phases.reduce((a, p) => a + p.seconds, 0);

/** Seconds with the margin, rounded up to whole minutes. */
export function withMargin(seconds: number): number {
  return Math.ceil((seconds * v('margin')) / 60) * 60;
}

/** Modelled seconds to stage a model (Hub download and S3 upload, then the FSx import). */
export function stagingSeconds(model: LanguageModel): number {
  return Math.round((weightsGB(model) * GB) / (v('hubDownload') * MB) + v('fsxImport'));
}

/**
 * The staging Job's deadline: four times the modelled staging (the Hub's throughput varies more
 * than anything else here), at least an hour.
 */
export function stagingDeadlineSeconds(model: LanguageModel): number {
  return Math.max(3600, Math.ceil((4 * stagingSeconds(model)) / 60) * 60);
}

/** Period of the startup probe, seconds. */
export const STARTUP_PROBE_PERIOD = 10;

/** The startup probe's failure threshold: the container's worst start with the margin. */
export function startupProbeThreshold(c: ColdStart): number {
  return Math.ceil(withMargin(c.containerSeconds) / STARTUP_PROBE_PERIOD);
}

/** The Deployment's progress deadline: the first start (staging and compile included) with the margin. */
export function progressDeadlineSeconds(c: ColdStart): number {
  return withMargin(c.firstSeconds);
}

/**
 * How long Karpenter must leave a new replica's node alone (the pod's `karpenter.sh/do-not-disrupt`
 * duration), counted from the pod's `status.startTime`: its worst time to Ready, the first start.
 * That is the progress deadline's figure, which also holds the node launch before the pod
 * starts: a few minutes longer than needed, never shorter. A replica that finds everything
 * staged and compiled is Ready much sooner and keeps its node protected until the duration ends.
 */
export function loadProtectionSeconds(c: ColdStart): number {
  return progressDeadlineSeconds(c);
}

/** The `apps` layer's timeout before this model (what the other workloads of the layer were given). */
export const APPS_TIMEOUT_FLOOR_MINUTES = 20;

/**
 * The Flux `apps` layer's timeout in minutes: the longest first start of the environment's vLLM
 * deployments with the margin, never below the floor the other workloads of the layer have.
 */
export function appsTimeoutMinutes(env: Environment): number {
  const starts = env.workloads.vllm.map((d) => withMargin(coldStart(env, d).firstSeconds) / 60);
  return Math.max(APPS_TIMEOUT_FLOOR_MINUTES, ...starts);
}

/** Minutes as a Go duration (`90m` → `1h30m`), as Flux's fields take it. */
export function goDuration(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h === 0 ? `${m}m` : m === 0 ? `${h}h` : `${h}h${m}m`;
}

/** The GPU model a deployment runs on, as the compile cache key names it (catalogue device key). */
export function deviceKey(d: VllmDeployment): string {
  const device = d.placement.instance.device;
  const key = Object.entries(DEVICES).find(([, dev]) => dev === device)?.[0];
  if (!key) throw new Error(`${d.name}: device ${device.model} is not in the device catalogue`);
  return key;
}
