/**
 * vLLM OpenAI-compatible servers, one Deployment + Service + PodDisruptionBudget per
 * `workloads.vllm` entry, in the `inference` namespace:
 * - NVIDIA: the vllm/vllm-openai image; weights downloaded once from Hugging Face into a cache
 *   on the FSx volume (HF_HOME), so restarts and new replicas do not download again.
 * - Neuron: the AWS Neuron "vLLM with NxD Inference" image; weights read from the FSx volume
 *   (synced from the model bucket, no Hugging Face download) and compiled artifacts cached on FSx.
 * Every entry was checked and placed when the environment loaded (clusters/lib/fit.ts).
 *
 * The Deployment is typed with the Kubernetes 1.35 API rather than cdk8s-plus-28, which cannot
 * request extended resources (`nvidia.com/gpu`, `aws.amazon.com/neuron`), name probe ports, or
 * use the `sleep` preStop action (Kubernetes 1.29+).
 */

import type { LanguageModel } from '../../../clusters/catalog/models.js';
import { POOLS } from '../../../clusters/contract.js';
import type { VllmDeployment } from '../../../clusters/lib/resolve.js';
import { versions } from '../../../clusters/versions.js';
import {
  type Container,
  type EnvVar,
  IntOrString,
  KubeDeployment,
  KubePodDisruptionBudget,
  type PodSpec,
} from '../../imports/k8s.js';
import type { Cluster } from '../../lib/cluster.js';
import { loadBalancer, loadBalancerService } from '../../lib/exposure.js';
import {
  acceleratedPlacement,
  port,
  qty,
  quantities,
  restrictedContainer,
  restrictedPod,
} from '../../lib/pod.js';
import type { Platform } from '../../platform/index.js';
import { PLACEMENT_ANNOTATION, placementAnnotation } from '../placement.js';
import { loadProtection, replicasField, vllmScaling } from './scaling.js';

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

/** Name of the Deployment and Service of a vLLM entry. */
export function vllmServiceName(name: string): string {
  return `vllm-${name}`;
}

export function vllm(cluster: Cluster, platform: Platform): void {
  const entries = cluster.env.workloads.vllm;
  if (entries.length === 0) return;
  const ns = cluster.namespaces.declare(INFERENCE_NAMESPACE, {
    podSecurity: 'restricted',
    isolation: 'namespace',
  });
  const claim = platform.storage.fsx(ns);
  // NLB targets (and its health checks).
  cluster.network.fromLoadBalancers(ns, 'vllm', VLLM_POD_LABELS, [{ port: VLLM_PORT }]);
  for (const e of entries) {
    const labels = { ...VLLM_POD_LABELS, 'app.kubernetes.io/instance': e.name };
    deployment(cluster, platform, ns, claim, e, labels);
    cluster.endpoints.push({
      name: e.name,
      baseUrl: `http://${vllmServiceName(e.name)}.${ns}.svc.cluster.local/v1`,
      namespace: ns,
      podLabels: VLLM_POD_LABELS,
      port: VLLM_PORT,
    });
    // Model downloads from the Hugging Face Hub (into the FSx cache), only for deployments whose
    // weights come from there; the others read FSx and run with HF_HUB_OFFLINE.
    if (e.placement.model.source.kind === 'huggingface') {
      cluster.network.httpsEgress(ns, vllmServiceName(e.name), labels);
    }
  }
  // Metrics and autoscaling (scaling.ts).
  vllmScaling(cluster, platform, ns, VLLM_POD_LABELS, { name: 'http', number: VLLM_PORT }, vllmServiceName);
}

function deployment(
  cluster: Cluster,
  platform: Platform,
  ns: string,
  claim: string,
  e: VllmDeployment,
  labels: Readonly<Record<string, string>>,
): void {
  const name = vllmServiceName(e.name);
  const p = e.placement;
  const model = p.model as LanguageModel;
  const neuron = e.pool === 'neuron';
  const device = POOLS[e.pool].resource;
  const env: EnvVar[] = [
    { name: 'HOME', value: '/home/vllm' },
    { name: 'VLLM_NO_USAGE_STATS', value: '1' },
    { name: 'DO_NOT_TRACK', value: '1' },
  ];
  let modelArg: string;
  if (model.source.kind === 'huggingface') {
    const token = platform.secrets.huggingFaceToken(ns);
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
    ...(neuron
      ? ['--max-num-seqs', String(NEURON_MAX_NUM_SEQS)]
      : ['--gpu-memory-utilization', p.utilization.toFixed(2)]),
  ];
  const health = (periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path: '/health', port: port('http') },
    periodSeconds,
    timeoutSeconds: 5,
    failureThreshold,
  });
  const container: Container = {
    name: 'vllm',
    image: neuron ? versions.vllmNeuronImage : versions.vllmImage,
    imagePullPolicy: 'IfNotPresent',
    command: ['vllm', 'serve'],
    args,
    env,
    ports: [{ name: 'http', containerPort: VLLM_PORT, protocol: 'TCP' }],
    resources: {
      requests: quantities({ cpu: String(p.cpu), memory: `${p.memoryGiB}Gi`, [device]: p.devices }),
      limits: quantities({ memory: `${p.memoryGiB}Gi`, [device]: p.devices }),
    },
    volumeMounts: [
      { name: 'models', mountPath: MODELS_MOUNT },
      { name: 'dshm', mountPath: '/dev/shm' },
      { name: 'home', mountPath: '/home/vllm' },
      { name: 'tmp', mountPath: '/tmp' },
    ],
    // Model load (download on first start, or Neuron compilation) can take long: allow 40 minutes.
    startupProbe: health(10, 240),
    readinessProbe: health(10, 3),
    livenessProbe: health(15, 4),
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
      // Shared memory for the tensor-parallel workers: 1 GiB per rank plus 1 GiB, in RAM.
      { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: qty(`${e.tensorParallelSize + 1}Gi`) } },
      { name: 'home', emptyDir: { sizeLimit: qty('10Gi') } },
      { name: 'tmp', emptyDir: { sizeLimit: qty('10Gi') } },
    ],
  };
  new KubeDeployment(cluster.layers.apps, `deployment-${name}`, {
    metadata: {
      name,
      namespace: ns,
      labels: { ...labels, 'app.kubernetes.io/component': 'model-server' },
      annotations: { [PLACEMENT_ANNOTATION]: placementAnnotation(p) },
    },
    spec: {
      ...replicasField(e),
      selector: { matchLabels: { ...labels } },
      // One new replica at a time, never below the serving count: accelerators are scarce.
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: IntOrString.fromNumber(1), maxUnavailable: IntOrString.fromNumber(0) },
      },
      progressDeadlineSeconds: 3600,
      template: {
        metadata: {
          labels: { ...labels },
          annotations: {
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(VLLM_PORT),
            'prometheus.io/path': '/metrics',
            ...loadProtection(container.startupProbe),
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
