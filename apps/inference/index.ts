/**
 * vLLM OpenAI-compatible servers, one Deployment + Service + PodDisruptionBudget per
 * `workloads.vllm` entry, in the `inference` namespace:
 * - NVIDIA: the vllm/vllm-openai image; weights downloaded once from Hugging Face into a cache
 *   on the FSx volume (HF_HOME), so restarts and new replicas do not download again.
 * - Neuron: the AWS Neuron "vLLM with NxD Inference" image; weights read from the FSx volume
 *   (synced from the model bucket, no Hugging Face download) and compiled artifacts cached on FSx.
 * Every deployment is checked against the catalogues first (apps/catalog/fit.ts).
 */
import type { Environment } from '../../clusters/lib/environment.js';
import { versions } from '../../clusters/versions.js';
import {
  checkPodFits,
  PLACEMENT_ANNOTATION,
  type Placement,
  placementAnnotation,
  placeVllm,
  WorkloadError,
} from '../catalog/fit.js';
import type { LanguageModel } from '../catalog/models.js';
import type { Cluster } from '../lib/cluster.js';
import { loadBalancer, loadBalancerService } from '../lib/exposure.js';
import { POOLS } from '../lib/platform.js';
import {
  acceleratedPlacement,
  type Container,
  type EnvVar,
  type PodSpec,
  restrictedContainer,
  restrictedPod,
} from '../lib/pod.js';
import { resource } from '../lib/resource.js';
import { namespace } from '../namespaces/index.js';
import { huggingFaceToken } from '../secrets/huggingface.js';
import { modelVolumeClaim } from '../storage/models.js';

export const INFERENCE_NAMESPACE = 'inference';
/** Port the vLLM server listens on; the Service exposes it on 80. */
export const VLLM_PORT = 8000;
/** Label every vLLM pod carries (with `app.kubernetes.io/instance: <name>`). */
export const VLLM_POD_LABELS = { 'app.kubernetes.io/name': 'vllm' } as const;
/** Where the FSx model volume is mounted in serving pods. */
export const MODELS_MOUNT = '/models';
/** Non-root user the servers run as (restricted Pod Security). */
const UID = 1000;
/** Batch size the Neuron graphs are compiled for (NxD Inference compiles fixed shapes). */
const NEURON_MAX_NUM_SEQS = 4;

type VllmEntry = NonNullable<Environment['workloads']>['vllm'][number];

/** Name of the Deployment and Service of a vLLM entry. */
export function vllmServiceName(name: string): string {
  return `vllm-${name}`;
}

/** In-cluster base URL of a vLLM entry's OpenAI-compatible API. */
export function vllmBaseUrl(name: string): string {
  return `http://${vllmServiceName(name)}.${INFERENCE_NAMESPACE}.svc.cluster.local/v1`;
}

/** The model name a vLLM entry serves under (`--served-model-name`): its catalogue id. */
export function servedModelName(entry: VllmEntry): string {
  return entry.model;
}

export function vllm(cluster: Cluster): void {
  const entries = cluster.env.workloads?.vllm ?? [];
  if (entries.length === 0) return;
  const seen = new Map<string, number>();
  entries.forEach((e, i) => {
    const before = seen.get(e.name);
    if (before !== undefined) {
      throw new WorkloadError(
        `vllm ${e.name}: workloads.vllm[${i}].name: already used by workloads.vllm[${before}]`,
      );
    }
    seen.set(e.name, i);
  });
  const placements = entries.map((e, i) => placeVllm(cluster.env, i, e));
  const ns = namespace(cluster, INFERENCE_NAMESPACE, 'restricted');
  const claim = modelVolumeClaim(cluster, ns);
  entries.forEach((e, i) => {
    vllmDeployment(cluster, ns, claim, e, i, placements[i]!);
  });
}

function vllmDeployment(
  cluster: Cluster,
  ns: string,
  claim: string,
  e: VllmEntry,
  index: number,
  p: Placement,
): void {
  const name = vllmServiceName(e.name);
  const model = p.model as LanguageModel;
  const labels = { 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': e.name };
  const neuron = e.pool === 'neuron';
  const resourceName = POOLS[e.pool].resource;
  const env: EnvVar[] = [
    { name: 'HOME', value: '/home/vllm' },
    { name: 'VLLM_NO_USAGE_STATS', value: '1' },
    { name: 'DO_NOT_TRACK', value: '1' },
  ];
  let modelArg: string;
  if (model.source.kind === 'huggingface') {
    const token = huggingFaceToken(cluster, ns);
    modelArg = model.source.repo;
    env.push(
      // The Hugging Face cache lives on FSx: the first replica downloads, the rest reuse it.
      { name: 'HF_HOME', value: `${MODELS_MOUNT}/hf-cache` },
      { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: token.name, key: token.key } } },
    );
  } else {
    modelArg = `${MODELS_MOUNT}/${model.source.path}`;
    env.push({ name: 'HF_HUB_OFFLINE', value: '1' });
  }
  if (neuron) {
    env.push(
      { name: 'VLLM_NEURON_FRAMEWORK', value: 'neuronx-distributed-inference' },
      // NxD Inference saves the compiled model here and loads it on the next start instead of recompiling.
      { name: 'NEURON_COMPILED_ARTIFACTS', value: `${MODELS_MOUNT}/neuron-cache/${e.name}` },
      { name: 'NEURON_COMPILE_CACHE_URL', value: `${MODELS_MOUNT}/neuron-cache/compiler` },
    );
  }
  const args = [
    modelArg,
    '--served-model-name',
    servedModelName(e),
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
    ...(neuron
      ? ['--max-num-seqs', String(NEURON_MAX_NUM_SEQS)]
      : ['--gpu-memory-utilization', p.utilization.toFixed(2)]),
  ];
  // Shared memory for the tensor-parallel workers: 1 GiB per rank plus 1 GiB, in RAM.
  const shm = `${e.tensorParallelSize + 1}Gi`;
  const container: Container = {
    name: 'vllm',
    image: neuron ? versions.vllmNeuronImage : versions.vllmImage,
    imagePullPolicy: 'IfNotPresent',
    command: ['vllm', 'serve'],
    args,
    env,
    ports: [{ name: 'http', containerPort: VLLM_PORT, protocol: 'TCP' }],
    resources: {
      requests: { cpu: String(p.cpu), memory: `${p.memoryGiB}Gi`, [resourceName]: p.devices },
      limits: { memory: `${p.memoryGiB}Gi`, [resourceName]: p.devices },
    },
    volumeMounts: [
      { name: 'models', mountPath: MODELS_MOUNT },
      { name: 'dshm', mountPath: '/dev/shm' },
      { name: 'home', mountPath: '/home/vllm' },
      { name: 'tmp', mountPath: '/tmp' },
    ],
    // Model load (download on first start, or Neuron compilation) can take long: allow 40 minutes.
    startupProbe: {
      httpGet: { path: '/health', port: 'http' },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 240,
    },
    readinessProbe: {
      httpGet: { path: '/health', port: 'http' },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 3,
    },
    livenessProbe: {
      httpGet: { path: '/health', port: 'http' },
      periodSeconds: 15,
      timeoutSeconds: 5,
      failureThreshold: 4,
    },
    // Keep serving while the load balancer deregisters the pod, then let vLLM drain.
    lifecycle: { preStop: { sleep: { seconds: 15 } } },
    securityContext: restrictedContainer(),
  };
  const pod: PodSpec = {
    automountServiceAccountToken: false,
    securityContext: restrictedPod(UID),
    ...acceleratedPlacement(e.pool, e.instanceType),
    terminationGracePeriodSeconds: 120,
    containers: [container],
    volumes: [
      { name: 'models', persistentVolumeClaim: { claimName: claim } },
      { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: shm } },
      { name: 'home', emptyDir: { sizeLimit: '10Gi' } },
      { name: 'tmp', emptyDir: { sizeLimit: '10Gi' } },
    ],
  };
  checkPodFits(`vllm ${e.name}`, pod, e.pool, p.instance);
  resource(cluster.layers.apps, `deployment-${name}`, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: ns,
      labels: { ...labels, 'app.kubernetes.io/component': 'model-server' },
      annotations: { [PLACEMENT_ANNOTATION]: placementAnnotation(p) },
    },
    body: {
      spec: {
        replicas: e.replicas,
        selector: { matchLabels: labels },
        // One new replica at a time, never below the serving count: accelerators are scarce.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        progressDeadlineSeconds: 3600,
        template: {
          metadata: {
            labels,
            annotations: {
              'prometheus.io/scrape': 'true',
              'prometheus.io/port': String(VLLM_PORT),
              'prometheus.io/path': '/metrics',
            },
          },
          spec: pod,
        },
      },
    },
  });
  const lb = loadBalancer(
    cluster.env,
    e.exposure ?? 'internal',
    `vllm ${e.name}`,
    `workloads.vllm[${index}].exposure`,
  );
  loadBalancerService(cluster.layers.apps, { name: name, namespace: ns, labels, lb });
  resource(cluster.layers.apps, `pdb-${name}`, {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, namespace: ns, labels },
    body: { spec: { maxUnavailable: 1, selector: { matchLabels: labels } } },
  });
}
