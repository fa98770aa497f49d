/**
 * vLLM OpenAI-compatible servers, one Deployment + Service + PodDisruptionBudget per
 * `workloads.vllm` entry, in the `inference` namespace. Every model is staged once into the model
 * bucket at its pinned revision by a Job (staging.ts); replicas wait for it and never download
 * from Hugging Face (HF_HUB_OFFLINE). How they start is the entry's `start` (clusters/lib/fast-start.ts):
 * - NVIDIA: the vllm/vllm-openai image; weights read from the linked FSx directory, each
 *   safetensors file read whole (`--safetensors-load-strategy eager`), or streamed from S3
 *   (`--load-format runai_streamer`); compile caches on FSx per configuration, or per pod.
 * - Neuron: the AWS Neuron "vLLM with NxD Inference" image; weights read from FSx. A Job
 *   compiles the model once per configuration into the FSx cache (clusters/contract.ts
 *   `neuronArtifactsPath`); replicas wait for it and load the artifacts instead of compiling
 *   under their startup probe.
 * The startup probe and the progress deadline are derived from the modelled cold start
 * (clusters/lib/cold-start.ts), never shorter.
 * Every entry was checked and placed when the environment loaded (clusters/lib/fit.ts): the
 * engine limits the fit assumed are the flags rendered here.
 *
 * The servers run as uid 1000, which neither image has an account for (vllm-openai runs as root;
 * the Neuron image's uid 1000 is `ubuntu`): HOME, USER and every cache directory are set on
 * writable volumes (apps/workloads/images.ts `nonRootEnvironment`), keeping Pod Security
 * `restricted`.
 *
 * The workload objects are typed with the Kubernetes 1.35 API rather than cdk8s-plus-28, which
 * cannot request extended resources (`nvidia.com/gpu`, `aws.amazon.com/neuron`), name probe
 * ports, or use the `sleep` preStop action (Kubernetes 1.29+).
 */

import { createHash } from 'node:crypto';
import type { LanguageModel } from '../../../clusters/catalog/models.js';
import {
  type CompileCacheKey,
  compileCachePath,
  contractRef,
  IDENTITIES,
  MODEL_STAGED_MARKER,
  modelDataMount,
  modelDataPath,
  NEURON_ARTIFACTS_COMPLETE,
  type NeuronCompileKey,
  neuronArtifactsPath,
  POOLS,
} from '../../../clusters/contract.js';
import {
  coldStart,
  deviceKey,
  loadProtectionSeconds,
  progressDeadlineSeconds,
  STARTUP_PROBE_PERIOD,
  startupProbeThreshold,
  withMargin,
} from '../../../clusters/lib/cold-start.js';
import { fsxReadStrategy, streamerMemoryLimitBytes } from '../../../clusters/lib/fast-start.js';
import { neuronImageTag } from '../../../clusters/lib/fit.js';
import type { VllmDeployment } from '../../../clusters/lib/resolve.js';
import { versions } from '../../../clusters/versions.js';
import {
  type Container,
  type EnvVar,
  IntOrString,
  KubeDeployment,
  KubeJob,
  KubePodDisruptionBudget,
  KubeServiceAccount,
  type PodSpec,
  type Volume,
  type VolumeMount,
} from '../../imports/k8s.js';
import type { Cluster } from '../../lib/cluster.js';
import { loadBalancer, loadBalancerService } from '../../lib/exposure.js';
import {
  acceleratedPlacement,
  port,
  qty,
  quantities,
  RUN_TO_COMPLETION,
  restrictedContainer,
  restrictedPod,
} from '../../lib/pod.js';
import type { Platform } from '../../platform/index.js';
import { type ImageName, nonRootEnvironment } from '../images.js';
import { PLACEMENT_ANNOTATION, placementAnnotation, shareQuantities } from '../placement.js';
import { loadProtection, replicasField, vllmScaling } from './scaling.js';
import { COMPILE_NEURON, WAIT_FOR_NEURON_ARTIFACTS, WAIT_FOR_STAGED_MODEL } from './scripts.js';
import { modelStaging, type StagedModel, stagedModel } from './staging.js';

export const INFERENCE_NAMESPACE = 'inference';
/** Port the vLLM server listens on; the Service exposes it on 80. */
export const VLLM_PORT = 8000;
/** Label every vLLM pod carries (with `app.kubernetes.io/instance: <name>`). */
export const VLLM_POD_LABELS = { 'app.kubernetes.io/name': 'vllm' } as const;
/** Non-root user the servers run as (restricted Pod Security). */
export const VLLM_UID = 1000;
/** Name of the pod volume of the FSx model data. */
const MODELS_VOLUME = 'models';
/** The service account of replicas that stream their weights from S3 (read-only Pod Identity role). */
export const VLLM_READER = IDENTITIES.modelReader;

/** Name of the Deployment and Service of a vLLM entry. */
export function vllmServiceName(name: string): string {
  return `vllm-${name}`;
}

/** What the Neuron compile of an entry depends on. */
export function neuronCompileKey(e: VllmDeployment): NeuronCompileKey {
  const model = e.placement.model as LanguageModel;
  return {
    model: model.id,
    revision: model.source.revision,
    // The image tag: vLLM, plugin and Neuron SDK versions.
    runtime: neuronImageTag(),
    tensorParallelSize: e.tensorParallelSize,
    maxModelLen: e.maxModelLen,
    batch: e.placement.engine.maxNumSeqs,
    dtype: model.dtype,
  };
}

/** Name of the compile Job of an entry: new configuration, new Job (Jobs are immutable). */
export function neuronCompileJobName(e: VllmDeployment): string {
  const hash = createHash('sha256')
    .update(neuronArtifactsPath(neuronCompileKey(e)).relative)
    .digest('hex');
  return `${vllmServiceName(e.name)}-compile-${hash.slice(0, 8)}`;
}

export function vllm(cluster: Cluster, platform: Platform): void {
  const entries = cluster.env.workloads.vllm;
  if (entries.length === 0) return;
  const ns = cluster.namespaces.declare(INFERENCE_NAMESPACE, {
    podSecurity: 'restricted',
    isolation: 'namespace',
  });
  const claim = platform.storage.fsx(ns);
  modelStaging(cluster, platform, entries);
  // NLB targets (and its health checks).
  cluster.network.fromLoadBalancers(ns, 'vllm', VLLM_POD_LABELS, [{ port: VLLM_PORT }]);
  if (entries.some((e) => e.start.weights === 's3')) {
    new KubeServiceAccount(cluster.layers.apps, `serviceaccount-${ns}-${VLLM_READER.serviceAccount}`, {
      metadata: { name: VLLM_READER.serviceAccount, namespace: ns, labels: { ...VLLM_POD_LABELS } },
      automountServiceAccountToken: false,
    });
  }
  for (const e of entries) {
    const labels = { ...VLLM_POD_LABELS, 'app.kubernetes.io/instance': e.name };
    const server = serverPod(claim, e);
    deployment(cluster, ns, e, labels, server);
    if (e.pool === 'neuron') compileJob(cluster, ns, e, server);
    cluster.endpoints.push({
      name: e.name,
      baseUrl: `http://${vllmServiceName(e.name)}.${ns}.svc.cluster.local/v1`,
      namespace: ns,
      podLabels: VLLM_POD_LABELS,
      port: VLLM_PORT,
    });
    // Replicas that stream from S3 reach it over HTTPS, with credentials from the Pod Identity
    // agent; the others read FSx only (node traffic) and need no egress.
    if (e.start.weights === 's3') {
      cluster.network.httpsEgress(ns, vllmServiceName(e.name), labels);
      cluster.network.podIdentityAgent(ns, vllmServiceName(e.name), labels);
    }
  }
  // Metrics and autoscaling (scaling.ts).
  vllmScaling(cluster, platform, ns, VLLM_POD_LABELS, { name: 'http', number: VLLM_PORT }, vllmServiceName);
}

/** The server container and its pod, shared by the Deployment and (Neuron) the compile Job. */
interface ServerPod {
  readonly image: string;
  readonly args: readonly string[];
  readonly env: readonly EnvVar[];
  readonly volumeMounts: readonly VolumeMount[];
  readonly volumes: readonly Volume[];
  readonly resources: Container['resources'];
  readonly pod: Pick<PodSpec, 'nodeSelector' | 'tolerations'> & Pick<PodSpec, 'serviceAccountName'>;
  /** The staged model the pod serves, and the init container that waits for it. */
  readonly staged: StagedModel;
  readonly waitForStaging: Container;
}

/** What the shared compile cache of an NVIDIA entry is keyed by. */
export function compileCacheKey(e: VllmDeployment): CompileCacheKey {
  return {
    runtime: versions.vllmImage.slice(versions.vllmImage.lastIndexOf(':') + 1),
    model: e.placement.model.id,
    tensorParallelSize: e.tensorParallelSize,
    device: deviceKey(e),
  };
}

function serverPod(claim: string, e: VllmDeployment): ServerPod {
  const p = e.placement;
  const model = p.model as LanguageModel;
  const neuron = e.pool === 'neuron';
  const image: ImageName = neuron ? 'vllmNeuron' : 'vllm';
  const device = POOLS[e.pool].resource;
  const staged = stagedModel(model.source);
  const overrides: Record<string, string> = {};
  const env: EnvVar[] = [
    { name: 'VLLM_NO_USAGE_STATS', value: '1' },
    { name: 'DO_NOT_TRACK', value: '1' },
    // Staged weights only: nothing is fetched from the Hugging Face Hub at run time.
    { name: 'HF_HUB_OFFLINE', value: '1' },
  ];
  let modelArg: string;
  const load: string[] = [];
  if (e.pool === 'nvidia' && e.start.weights === 's3') {
    // A model in S3 served as `vllm serve s3://<bucket>/<path> --load-format runai_streamer`
    // (https://docs.vllm.ai/en/stable/models/extensions/runai_model_streamer/); the loader at the
    // pinned tag: https://docs.vllm.ai/en/v0.12.0/api/vllm/model_executor/model_loader/runai_streamer_loader/.
    modelArg = `s3://${contractRef('MODEL_BUCKET')}/${staged.path.s3Key}`;
    load.push('--load-format', 'runai_streamer');
    env.push(
      { name: 'AWS_REGION', value: contractRef('AWS_REGION') },
      // The streamer's CPU buffer within the replica's memory (clusters/lib/fast-start.ts).
      { name: 'RUNAI_STREAMER_MEMORY_LIMIT', value: String(streamerMemoryLimitBytes(p.memoryMiB)) },
    );
  } else {
    modelArg = staged.path.containerPath;
    // Each file read whole into memory: sequential reads instead of mmap's random ones, which vLLM
    // recommends for network file systems such as Lustre (vllm-project/vllm#24469, in LoadConfig
    // `safetensors_load_strategy` of https://docs.vllm.ai/en/v0.11.2/api/vllm/config/load/).
    // Where the replica's memory cannot hold that, memory-mapped (vLLM's default). The Neuron
    // plugin loads through NxD Inference and takes no load strategy.
    if (e.pool === 'nvidia' && fsxReadStrategy(e.start, p.memoryMiB) === 'eager') {
      load.push('--safetensors-load-strategy', 'eager');
    }
  }
  if (e.pool === 'nvidia' && e.start.compileCache === 'shared') {
    // vLLM's torch.compile cache (VLLM_CACHE_ROOT/torch_compile_cache), Inductor's and Triton's
    // kernels, on FSx per configuration: the first replica compiles, the next ones load.
    const cache = compileCachePath(compileCacheKey(e)).containerPath;
    overrides.VLLM_CACHE_ROOT = `${cache}/vllm`;
    overrides.TORCHINDUCTOR_CACHE_DIR = `${cache}/inductor`;
    overrides.TRITON_CACHE_DIR = `${cache}/triton`;
  }
  if (neuron) {
    // NxD Inference loads the compiled model from here (and saves it here when it compiles).
    overrides.NEURON_COMPILED_ARTIFACTS = neuronArtifactsPath(neuronCompileKey(e)).containerPath;
    overrides.NEURON_COMPILE_CACHE_URL = modelDataPath('cache', 'neuron-compile-cache').containerPath;
  }
  const scratch = nonRootEnvironment(image, overrides);
  const args = [
    modelArg,
    '--served-model-name',
    e.model,
    '--host',
    '0.0.0.0',
    '--port',
    String(VLLM_PORT),
    '--dtype',
    model.dtype,
    '--max-model-len',
    String(e.maxModelLen),
    '--tensor-parallel-size',
    String(e.tensorParallelSize),
    '--max-num-seqs',
    String(p.engine.maxNumSeqs),
    ...load,
    ...(e.pool === 'nvidia'
      ? [
          '--gpu-memory-utilization',
          e.gpuMemoryUtilization.toFixed(2),
          '--max-num-batched-tokens',
          String(p.engine.maxNumBatchedTokens),
        ]
      : // vLLM V1 turns prefix caching on by default; the Neuron plugin's scheduler then demands a
        // block size. Off, the plugin sets the block size to max-model-len itself
        // (vllm-project/vllm-neuron@0.2.0:vllm_neuron/platform.py check_and_update_config).
        ['--no-enable-prefix-caching']),
  ];
  const requests = { ...shareQuantities(p), [device]: p.devices };
  const volumeMounts: VolumeMount[] = [
    modelDataMount('linked', MODELS_VOLUME, true),
    modelDataMount('cache', MODELS_VOLUME),
    { name: 'dshm', mountPath: '/dev/shm' },
    ...scratch.volumeMounts,
  ];
  const imageRef = neuron ? versions.vllmNeuronImage : versions.vllmImage;
  return {
    image: imageRef,
    args,
    env: [...scratch.env, ...env],
    volumeMounts,
    volumes: [
      { name: MODELS_VOLUME, persistentVolumeClaim: { claimName: claim } },
      // Shared memory for the tensor-parallel workers: 1 GiB per rank plus 1 GiB, in RAM.
      { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: qty(`${e.tensorParallelSize + 1}Gi`) } },
      ...scratch.volumes,
    ],
    resources: {
      requests: quantities(requests),
      limits: quantities({ memory: requests.memory, [device]: p.devices }),
    },
    pod: {
      ...acceleratedPlacement(e.pool, e.instanceType),
      ...(e.pool === 'nvidia' && e.start.weights === 's3'
        ? { serviceAccountName: VLLM_READER.serviceAccount }
        : {}),
    },
    staged,
    waitForStaging: {
      name: 'wait-for-staged-model',
      image: imageRef,
      imagePullPolicy: 'IfNotPresent',
      command: ['/bin/sh', '-c', WAIT_FOR_STAGED_MODEL],
      // The server's environment and mounts: the same image, run as the same uid.
      env: [
        ...scratch.env,
        ...env,
        { name: 'STAGED_MODEL_DIR', value: staged.path.containerPath },
        { name: 'STAGED_MARKER', value: MODEL_STAGED_MARKER },
        { name: 'EXPECTED', value: staged.manifestHead },
      ],
      resources: {
        requests: quantities({ cpu: '10m', memory: '32Mi' }),
        limits: quantities({ memory: '64Mi' }),
      },
      volumeMounts,
      securityContext: restrictedContainer(),
    },
  };
}

function deployment(
  cluster: Cluster,
  ns: string,
  e: VllmDeployment,
  labels: Readonly<Record<string, string>>,
  s: ServerPod,
): void {
  const name = vllmServiceName(e.name);
  const start = coldStart(cluster.env, e);
  const health = (periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path: '/health', port: port('http') },
    periodSeconds,
    timeoutSeconds: 5,
    failureThreshold,
  });
  const container: Container = {
    name: 'vllm',
    image: s.image,
    imagePullPolicy: 'IfNotPresent',
    command: ['vllm', 'serve'],
    args: [...s.args],
    env: [...s.env],
    ports: [{ name: 'http', containerPort: VLLM_PORT, protocol: 'TCP' }],
    resources: s.resources,
    volumeMounts: [...s.volumeMounts],
    // The container's modelled worst start (weights, first compile, CUDA graphs, engine) with
    // the margin (clusters/lib/cold-start.ts); staging and the Neuron compile happen before it
    // starts, in the init containers.
    startupProbe: health(STARTUP_PROBE_PERIOD, startupProbeThreshold(start)),
    readinessProbe: health(10, 3),
    livenessProbe: health(15, 4),
    // Keep serving while the load balancer deregisters the pod, then let vLLM drain.
    lifecycle: { preStop: { sleep: { seconds: 15 } } },
    securityContext: restrictedContainer(),
  };
  const initContainers: Container[] = [
    s.waitForStaging,
    ...(e.pool === 'neuron'
      ? [
          {
            name: 'wait-for-compiled-artifacts',
            image: s.image,
            imagePullPolicy: 'IfNotPresent',
            command: ['/bin/sh', '-c', WAIT_FOR_NEURON_ARTIFACTS],
            // The server's environment and mounts: the same image, run as the same uid.
            env: [...s.env],
            resources: {
              requests: quantities({ cpu: '10m', memory: '32Mi' }),
              limits: quantities({ memory: '64Mi' }),
            },
            volumeMounts: [...s.volumeMounts],
            securityContext: restrictedContainer(),
          },
        ]
      : []),
  ];
  const pod: PodSpec = {
    automountServiceAccountToken: false,
    securityContext: restrictedPod(VLLM_UID),
    ...s.pod,
    terminationGracePeriodSeconds: 120,
    initContainers,
    containers: [container],
    volumes: [...s.volumes],
  };
  new KubeDeployment(cluster.layers.apps, `deployment-${name}`, {
    metadata: {
      name,
      namespace: ns,
      labels: { ...labels, 'app.kubernetes.io/component': 'model-server' },
      annotations: { [PLACEMENT_ANNOTATION]: placementAnnotation(e.placement) },
    },
    spec: {
      ...replicasField(e),
      selector: { matchLabels: { ...labels } },
      // One new replica at a time, never below the serving count: accelerators are scarce.
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: IntOrString.fromNumber(1), maxUnavailable: IntOrString.fromNumber(0) },
      },
      // The first start (staging, Neuron compile, node, image, container) with the margin: a
      // rollout waiting for them is progressing.
      progressDeadlineSeconds: progressDeadlineSeconds(start),
      template: {
        metadata: {
          labels: { ...labels },
          annotations: {
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(VLLM_PORT),
            'prometheus.io/path': '/metrics',
            ...loadProtection(loadProtectionSeconds(start)),
          },
        },
        spec: pod,
      },
    },
  });
  loadBalancerService(cluster.layers.apps, {
    name,
    namespace: ns,
    labels,
    lb: loadBalancer(cluster.env, e.exposure),
  });
  new KubePodDisruptionBudget(cluster.layers.apps, `pdb-${name}`, {
    metadata: { name, namespace: ns, labels: { ...labels } },
    spec: { maxUnavailable: IntOrString.fromNumber(1), selector: { matchLabels: { ...labels } } },
  });
}

/**
 * The Neuron compile Job of an entry: the server image, placement and arguments of its replicas,
 * run once to fill NEURON_COMPILED_ARTIFACTS. Named by the compile key, so a configuration change
 * creates a new Job and a new artifacts directory; an unchanged one keeps both.
 */
function compileJob(cluster: Cluster, ns: string, e: VllmDeployment, s: ServerPod): void {
  const name = neuronCompileJobName(e);
  const labels = {
    'app.kubernetes.io/name': 'vllm-neuron-compile',
    'app.kubernetes.io/instance': e.name,
  };
  new KubeJob(cluster.layers.apps, `job-${name}`, {
    metadata: { name, namespace: ns, labels },
    spec: {
      // A compile takes tens of minutes; two retries on infrastructure failures. The deadline
      // covers the modelled wait for the staging and the compile with the margin, at least 4 h.
      backoffLimit: 2,
      activeDeadlineSeconds: Math.max(4 * 3600, withMargin(coldStart(cluster.env, e).compileJobSeconds ?? 0)),
      template: {
        // An evicted compile starts over: its node stays until it ends.
        metadata: { labels, annotations: { ...RUN_TO_COMPLETION } },
        spec: {
          automountServiceAccountToken: false,
          restartPolicy: 'Never',
          securityContext: restrictedPod(VLLM_UID),
          ...s.pod,
          initContainers: [s.waitForStaging],
          containers: [
            {
              name: 'compile',
              image: s.image,
              imagePullPolicy: 'IfNotPresent',
              command: ['/bin/sh', '-c', COMPILE_NEURON, 'compile', ...s.args],
              env: [...s.env, { name: 'SERVER_PORT', value: String(VLLM_PORT) }],
              resources: s.resources,
              volumeMounts: [...s.volumeMounts],
              securityContext: restrictedContainer(),
            },
          ],
          volumes: [...s.volumes],
        },
      },
    },
  });
}

/** The marker a compile Job writes when an entry's artifacts are complete (container path). */
export function neuronArtifactsMarker(e: VllmDeployment): string {
  return `${neuronArtifactsPath(neuronCompileKey(e)).containerPath}/${NEURON_ARTIFACTS_COMPLETE}`;
}
