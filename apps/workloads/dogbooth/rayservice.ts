/**
 * The `dogbooth` RayService (apps layer): Ray Serve text-to-image with the fine-tuned Stable
 * Diffusion model named by `workloads.dogbooth.modelId`, GPU workers on the nvidia pool within
 * the environment's bounds, and an HTTPRoute on the shared Gateway for the Serve endpoint
 * (/dogbooth/serve/) and, where the environment opts in, the Ray dashboard (/dogbooth/).
 *
 * The head runs on the CPU pool, not the nvidia pool: it requests no GPU (num-gpus 0), and a pod
 * without GPU requests must not tolerate the GPU taint (it would hold a GPU node for nothing).
 *
 * Pod templates are written with the Kubernetes 1.35 types (apps/imports/k8s.ts) and handed to
 * the RayService typed by its CRD (apps/imports/ray.io.ts): the compiler checks both.
 */
import { ConfigMap } from 'cdk8s-plus-28';
import { stringify } from 'yaml';
import type { Dogbooth } from '../../../clusters/lib/resolve.js';
import { versions } from '../../../clusters/versions.js';
import {
  HttpRoute,
  HttpRouteSpecRulesFiltersType,
  HttpRouteSpecRulesFiltersUrlRewritePathType,
  HttpRouteSpecRulesMatchesPathType,
} from '../../imports/httproute-gateway.networking.k8s.io.js';
import type { Container, PodSpec, Volume } from '../../imports/k8s.js';
import {
  RayService,
  RayServiceSpecRayClusterConfigAutoscalerOptionsUpscalingMode,
} from '../../imports/rayservice-ray.io.js';
import type { Cluster } from '../../lib/cluster.js';
import {
  acceleratedPlacement,
  cpuPlacement,
  qty,
  quantities,
  restrictedContainer,
  restrictedPod,
} from '../../lib/pod.js';
import type { Platform } from '../../platform/index.js';
import { PLACEMENT_ANNOTATION, placementAnnotation } from '../placement.js';
import { SERVE_APP_SOURCE, SERVE_MODULE } from './serve-app.js';

export const DOGBOOTH_NAMESPACE = 'dogbooth';
const NAME = 'dogbooth';
const APP_CONFIGMAP = 'dogbooth-serve-app';
const APP_DIR = '/home/ray/serve-app';
const RAY_UID = 1000;
const SERVE_PORT = 8000;
const DASHBOARD_PORT = 8265;
const LABELS = { 'app.kubernetes.io/name': NAME } as const;
/** Label KubeRay puts on the head pod of a Ray cluster. */
const RAY_HEAD_LABELS = { 'ray.io/node-type': 'head' } as const;

export function rayService(cluster: Cluster, platform: Platform, cfg: Dogbooth): void {
  const ns = cluster.namespaces.declare(DOGBOOTH_NAMESPACE, {
    podSecurity: 'restricted',
    isolation: 'namespace',
  });
  const claim = platform.storage.fsx(ns);
  const token = platform.secrets.huggingFaceToken(ns);
  const { placement } = cfg;
  const labels = { ...LABELS };

  new ConfigMap(cluster.layers.apps, `configmap-${ns}-${APP_CONFIGMAP}`, {
    metadata: { name: APP_CONFIGMAP, namespace: ns, labels },
    data: { [`${SERVE_MODULE}.py`]: SERVE_APP_SOURCE },
    immutable: false,
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
              min_replicas: cfg.minWorkers,
              max_replicas: cfg.maxWorkers,
              target_ongoing_requests: 2,
            },
            ray_actor_options: { num_gpus: 1 },
          },
        ],
      },
    ],
  };

  const container = (name: string, extra: Omit<Container, 'name' | 'image'>): Container => ({
    name,
    image: versions.rayImage,
    imagePullPolicy: 'IfNotPresent',
    ...extra,
    env: [{ name: 'PYTHONPATH', value: APP_DIR }, ...(extra.env ?? [])],
    volumeMounts: [
      { name: 'ray-logs', mountPath: '/tmp/ray' },
      { name: 'serve-app', mountPath: APP_DIR, readOnly: true },
      ...(extra.volumeMounts ?? []),
    ],
    securityContext: restrictedContainer(),
  });
  const baseVolumes: Volume[] = [
    { name: 'ray-logs', emptyDir: { sizeLimit: qty('20Gi') } },
    { name: 'serve-app', configMap: { name: APP_CONFIGMAP } },
  ];

  const head: PodSpec = {
    securityContext: restrictedPod(RAY_UID),
    ...cpuPlacement(),
    containers: [
      container('ray-head', {
        resources: {
          requests: quantities({ cpu: '2', memory: '8Gi' }),
          limits: quantities({ memory: '8Gi' }),
        },
        ports: [
          { name: 'gcs', containerPort: 6379, protocol: 'TCP' },
          { name: 'dashboard', containerPort: DASHBOARD_PORT, protocol: 'TCP' },
          { name: 'client', containerPort: 10001, protocol: 'TCP' },
          { name: 'serve', containerPort: SERVE_PORT, protocol: 'TCP' },
        ],
      }),
    ],
    volumes: baseVolumes,
  };
  const worker: PodSpec = {
    automountServiceAccountToken: false,
    securityContext: restrictedPod(RAY_UID),
    ...acceleratedPlacement('nvidia', placement.instance.name),
    containers: [
      container('ray-worker', {
        env: [
          { name: 'DOGBOOTH_MODEL_ID', value: cfg.modelId },
          { name: 'HF_HOME', value: '/models/hf-cache' },
          { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: token.name, key: token.key } } },
        ],
        resources: {
          requests: quantities({
            cpu: String(placement.cpu),
            memory: `${placement.memoryGiB}Gi`,
            'nvidia.com/gpu': 1,
          }),
          limits: quantities({ memory: `${placement.memoryGiB}Gi`, 'nvidia.com/gpu': 1 }),
        },
        volumeMounts: [
          { name: 'models', mountPath: '/models' },
          { name: 'dshm', mountPath: '/dev/shm' },
        ],
      }),
    ],
    volumes: [
      ...baseVolumes,
      { name: 'models', persistentVolumeClaim: { claimName: claim } },
      { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: qty('4Gi') } },
    ],
  };

  new RayService(cluster.layers.apps, `rayservice-${NAME}`, {
    metadata: {
      name: NAME,
      namespace: ns,
      labels,
      annotations: { [PLACEMENT_ANNOTATION]: placementAnnotation(placement, cfg.modelId) },
    },
    spec: {
      serveConfigV2: stringify(serveConfig, { lineWidth: 0 }),
      rayClusterConfig: {
        rayVersion: versions.rayVersion,
        enableInTreeAutoscaling: true,
        autoscalerOptions: {
          upscalingMode: RayServiceSpecRayClusterConfigAutoscalerOptionsUpscalingMode.DEFAULT,
          idleTimeoutSeconds: 600,
          resources: {
            requests: quantities({ cpu: '500m', memory: '512Mi' }),
            limits: quantities({ memory: '1Gi' }),
          },
          securityContext: restrictedContainer(),
        },
        headGroupSpec: {
          // No tasks or GPU work on the head: it schedules and serves the dashboard only.
          rayStartParams: { 'dashboard-host': '0.0.0.0', 'num-cpus': '0', 'num-gpus': '0' },
          template: { metadata: { labels }, spec: head },
        },
        workerGroupSpecs: [
          {
            groupName: 'gpu',
            replicas: cfg.minWorkers,
            minReplicas: cfg.minWorkers,
            maxReplicas: cfg.maxWorkers,
            rayStartParams: {},
            template: { metadata: { labels }, spec: worker },
          },
        ],
      },
    },
  });

  // KubeRay names the Services of a RayService `<name>-head-svc` and `<name>-serve-svc`.
  const route = (prefix: string, service: string, port: number) => ({
    matches: [{ path: { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: prefix } }],
    filters: [
      {
        type: HttpRouteSpecRulesFiltersType.URL_REWRITE,
        urlRewrite: {
          path: {
            type: HttpRouteSpecRulesFiltersUrlRewritePathType.REPLACE_PREFIX_MATCH,
            replacePrefixMatch: '/',
          },
        },
      },
    ],
    backendRefs: [{ name: service, port }],
  });
  const { gateway } = platform;
  new HttpRoute(cluster.layers.apps, `httproute-${NAME}`, {
    metadata: { name: NAME, namespace: ns, labels },
    spec: {
      parentRefs: [{ name: gateway.name, namespace: gateway.namespace, sectionName: gateway.listener }],
      rules: [
        route('/dogbooth/serve', `${NAME}-serve-svc`, SERVE_PORT),
        ...(cfg.dashboardRoute ? [route('/dogbooth', `${NAME}-head-svc`, DASHBOARD_PORT)] : []),
      ],
    },
  });

  // Network: head <-> workers (GCS 6379, dashboard 8265, client 10001, Serve 8000, Ray's worker
  // ports) stay inside the namespace. The Gateway's ALB reaches Serve (a proxy on every Ray
  // node) and, only where routed, the dashboard on the head.
  cluster.network.fromLoadBalancers(ns, 'ray-serve', labels, [{ port: SERVE_PORT }]);
  if (cfg.dashboardRoute) {
    cluster.network.fromLoadBalancers(ns, 'ray-dashboard', { ...labels, ...RAY_HEAD_LABELS }, [
      { port: DASHBOARD_PORT },
    ]);
  }
  // Hugging Face Hub, PyPI (runtime_env pip), the Kubernetes API (in-tree autoscaler).
  cluster.network.httpsEgress(ns, 'ray', labels);
  if (platform.kuberay) {
    // The operator reads Serve status through the head's dashboard.
    cluster.network.flow(
      { namespace: platform.kuberay.namespace, name: 'kuberay-operator' },
      { namespace: ns, podLabels: { ...labels, ...RAY_HEAD_LABELS }, name: 'ray-dashboard' },
      [{ port: DASHBOARD_PORT }],
    );
  }
}
