/**
 * KubeRay: the operator (HelmRelease, controllers layer) and the `dogbooth` RayService (apps
 * layer): Ray Serve text-to-image with the fine-tuned Stable Diffusion model named by
 * `workloads.dogbooth.modelId`, GPU workers on the nvidia pool with autoscaling bounds, and
 * HTTPRoutes on the shared Gateway for the Ray dashboard (/dogbooth/) and the Serve endpoint
 * (/dogbooth/serve/).
 *
 * The head runs on the CPU pool, not the nvidia pool: it requests no GPU (num-gpus 0), and a pod
 * without GPU requests must not tolerate the GPU taint (it would hold a GPU node for nothing).
 */
import { stringify } from 'yaml';
import { versions } from '../../clusters/versions.js';
import {
  checkPodFits,
  PLACEMENT_ANNOTATION,
  placeDiffusion,
  placementAnnotation,
  WorkloadError,
} from '../catalog/fit.js';
import { helmRelease } from '../flux/helm.js';
import type { Cluster } from '../lib/cluster.js';
import { GATEWAY } from '../lib/platform.js';
import {
  acceleratedPlacement,
  type Container,
  cpuPlacement,
  restrictedContainer,
  restrictedPod,
  systemPlacement,
} from '../lib/pod.js';
import { resource } from '../lib/resource.js';
import { namespace } from '../namespaces/index.js';
import { huggingFaceToken } from '../secrets/huggingface.js';
import { modelVolumeClaim } from '../storage/models.js';
import { SERVE_APP_SOURCE, SERVE_MODULE } from './serve-app.js';
import { GATEWAY_API, type HTTPRouteSpec, RAY_API, type RayServiceSpec } from './types.js';

export const KUBERAY_NAMESPACE = 'kuberay';
export const DOGBOOTH_NAMESPACE = 'dogbooth';
const NAME = 'dogbooth';
const APP_CONFIGMAP = 'dogbooth-serve-app';
const APP_DIR = '/home/ray/serve-app';
const RAY_UID = 1000;
/** The base model the fine-tuned dogbooth model derives from (catalogue id): same size. */
const BASE_MODEL = 'stable-diffusion-2-1';
const SERVE_PORT = 8000;
const DASHBOARD_PORT = 8265;
/** Labels of the dogbooth Ray pods (head and workers) and their ports, for the NetworkPolicies. */
export const DOGBOOTH_POD = {
  labels: { 'app.kubernetes.io/name': NAME },
  servePort: SERVE_PORT,
  dashboardPort: DASHBOARD_PORT,
} as const;

export function kuberayOperator(cluster: Cluster): void {
  if (!cluster.env.workloads?.dogbooth) return;
  const ns = namespace(cluster, KUBERAY_NAMESPACE, 'restricted');
  const chart = versions.kuberayOperatorChart;
  helmRelease(cluster, {
    name: 'kuberay-operator',
    namespace: ns,
    chart,
    values: {
      image: { ...versions.kuberayOperatorImage, pullPolicy: 'IfNotPresent' },
      // The operator is in the controllers layer, which must be Ready before the configs layer
      // creates the NodePools: system nodes, via top-level `nodeSelector`/`tolerations`
      // (helm-chart/kuberay-operator/values.yaml of ray-project/kuberay).
      ...systemPlacement(),
      resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    },
  });
}

export function dogbooth(cluster: Cluster): void {
  const cfg = cluster.env.workloads?.dogbooth;
  if (!cfg) return;
  const what = 'rayservice dogbooth';
  const minWorkers = cfg.minWorkers ?? 1;
  const maxWorkers = cfg.maxWorkers ?? 2;
  if (minWorkers > maxWorkers) {
    throw new WorkloadError(
      `${what}: workloads.dogbooth.minWorkers: ${minWorkers} is more than maxWorkers (${maxWorkers})`,
    );
  }
  const placement = placeDiffusion(
    cluster.env,
    what,
    'workloads.dogbooth.workerInstanceType',
    BASE_MODEL,
    cfg.workerInstanceType,
  );
  const cpuLimit = cluster.env.pools.nvidia.cpuLimit;
  if (maxWorkers * placement.instance.vcpus > cpuLimit) {
    throw new WorkloadError(
      `${what}: workloads.dogbooth.maxWorkers: ${maxWorkers} x ${placement.instance.name} (${placement.instance.vcpus} vCPUs each) exceeds the nvidia pool's cpuLimit of ${cpuLimit}`,
    );
  }
  const ns = namespace(cluster, DOGBOOTH_NAMESPACE, 'restricted');
  const claim = modelVolumeClaim(cluster, ns);
  const token = huggingFaceToken(cluster, ns);
  const labels = { 'app.kubernetes.io/name': NAME };

  resource(cluster.layers.apps, `configmap-${ns}-${APP_CONFIGMAP}`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: APP_CONFIGMAP, namespace: ns, labels },
    body: { data: { [`${SERVE_MODULE}.py`]: SERVE_APP_SOURCE } },
  });

  const pip = Object.entries(versions.dogboothServePip).map(([n, v]) => `${n}==${v}`);
  const serveConfig = {
    applications: [
      {
        name: NAME,
        route_prefix: '/',
        import_path: `${SERVE_MODULE}:entrypoint`,
        runtime_env: { pip },
        deployments: [
          { name: 'Ingress', num_replicas: 1, ray_actor_options: { num_cpus: 1 } },
          {
            name: 'StableDiffusion',
            autoscaling_config: {
              min_replicas: minWorkers,
              max_replicas: maxWorkers,
              target_ongoing_requests: 2,
            },
            ray_actor_options: { num_gpus: 1 },
          },
        ],
      },
    ],
  };

  const common = (name: string, extra: Partial<Container>): Container => ({
    name,
    image: versions.rayImage,
    imagePullPolicy: 'IfNotPresent',
    env: [{ name: 'PYTHONPATH', value: APP_DIR }, ...(extra.env ?? [])],
    resources: extra.resources ?? { requests: {} },
    volumeMounts: [
      { name: 'ray-logs', mountPath: '/tmp/ray' },
      { name: 'serve-app', mountPath: APP_DIR, readOnly: true },
      ...(extra.volumeMounts ?? []),
    ],
    ...(extra.ports ? { ports: extra.ports } : {}),
    securityContext: restrictedContainer(),
  });
  const baseVolumes = [
    { name: 'ray-logs', emptyDir: { sizeLimit: '20Gi' } },
    { name: 'serve-app', configMap: { name: APP_CONFIGMAP } },
  ];

  const head = common('ray-head', {
    resources: { requests: { cpu: '2', memory: '8Gi' }, limits: { memory: '8Gi' } },
    ports: [
      { name: 'gcs', containerPort: 6379, protocol: 'TCP' },
      { name: 'dashboard', containerPort: DASHBOARD_PORT, protocol: 'TCP' },
      { name: 'client', containerPort: 10001, protocol: 'TCP' },
      { name: 'serve', containerPort: SERVE_PORT, protocol: 'TCP' },
    ],
  });
  const gpuPlacement = acceleratedPlacement('nvidia', placement.instance.name);
  const worker = common('ray-worker', {
    env: [
      { name: 'DOGBOOTH_MODEL_ID', value: cfg.modelId },
      { name: 'HF_HOME', value: '/models/hf-cache' },
      { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: token.name, key: token.key } } },
    ],
    resources: {
      requests: { cpu: String(placement.cpu), memory: `${placement.memoryGiB}Gi`, 'nvidia.com/gpu': 1 },
      limits: { memory: `${placement.memoryGiB}Gi`, 'nvidia.com/gpu': 1 },
    },
    volumeMounts: [
      { name: 'models', mountPath: '/models' },
      { name: 'dshm', mountPath: '/dev/shm' },
    ],
  });
  const workerSpec = {
    automountServiceAccountToken: false,
    securityContext: restrictedPod(RAY_UID),
    ...gpuPlacement,
    containers: [worker],
    volumes: [
      ...baseVolumes,
      { name: 'models', persistentVolumeClaim: { claimName: claim } },
      { name: 'dshm', emptyDir: { medium: 'Memory' as const, sizeLimit: '4Gi' } },
    ],
  };
  checkPodFits(what, workerSpec, 'nvidia', placement.instance);

  const spec: RayServiceSpec = {
    serveConfigV2: stringify(serveConfig, { lineWidth: 0 }),
    rayClusterConfig: {
      rayVersion: versions.rayVersion,
      enableInTreeAutoscaling: true,
      autoscalerOptions: {
        upscalingMode: 'Default',
        idleTimeoutSeconds: 600,
        resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } },
        securityContext: restrictedContainer(),
      },
      headGroupSpec: {
        // No tasks or GPU work on the head: it schedules and serves the dashboard only.
        rayStartParams: { 'dashboard-host': '0.0.0.0', 'num-cpus': '0', 'num-gpus': '0' },
        template: {
          metadata: { labels },
          spec: {
            securityContext: restrictedPod(RAY_UID),
            ...cpuPlacement(),
            containers: [head],
            volumes: baseVolumes,
          },
        },
      },
      workerGroupSpecs: [
        {
          groupName: 'gpu',
          replicas: minWorkers,
          minReplicas: minWorkers,
          maxReplicas: maxWorkers,
          rayStartParams: {},
          template: { metadata: { labels }, spec: workerSpec },
        },
      ],
    },
  };
  resource(cluster.layers.apps, `rayservice-${NAME}`, {
    apiVersion: RAY_API,
    kind: 'RayService',
    metadata: {
      name: NAME,
      namespace: ns,
      labels,
      annotations: {
        [PLACEMENT_ANNOTATION]: placementAnnotation({
          ...placement,
          model: { ...placement.model, id: cfg.modelId },
        }),
      },
    },
    body: { spec },
  });

  // KubeRay names the Services of a RayService `<name>-head-svc` and `<name>-serve-svc`.
  const route = (prefix: string, service: string, port: number) => ({
    matches: [{ path: { type: 'PathPrefix' as const, value: prefix } }],
    filters: [
      {
        type: 'URLRewrite' as const,
        urlRewrite: { path: { type: 'ReplacePrefixMatch' as const, replacePrefixMatch: '/' } },
      },
    ],
    backendRefs: [{ name: service, port }],
  });
  const routeSpec: HTTPRouteSpec = {
    parentRefs: [{ name: GATEWAY.name, namespace: GATEWAY.namespace, sectionName: GATEWAY.listener }],
    rules: [
      route('/dogbooth/serve', `${NAME}-serve-svc`, SERVE_PORT),
      ...(cfg.dashboardRoute ? [route('/dogbooth', `${NAME}-head-svc`, DASHBOARD_PORT)] : []),
    ],
  };
  resource(cluster.layers.apps, `httproute-${NAME}`, {
    apiVersion: GATEWAY_API,
    kind: 'HTTPRoute',
    metadata: { name: NAME, namespace: ns, labels },
    body: { spec: routeSpec },
  });
}
