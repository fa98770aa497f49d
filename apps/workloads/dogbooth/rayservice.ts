/**
 * The `dogbooth` RayService (apps layer): Ray Serve text-to-image with the fine-tuned Stable
 * Diffusion model named by `workloads.dogbooth.modelId` (or the pipeline's latest release), GPU
 * workers on the nvidia pool within the environment's bounds, and an HTTPRoute on the shared
 * Gateway for the Serve endpoint (/dogbooth/serve/) and, where the environment opts in, the Ray
 * dashboard (/dogbooth/).
 *
 * Start-up is bounded and repeatable: the Serve application's packages (torch, diffusers, …, a
 * few GB with their CUDA wheels) are installed once per package set by a Job into the FSx cache
 * (clusters/contract.ts model data), and the workers import them from there (PYTHONPATH); no
 * `runtime_env` install runs on every node at every start under Ray's setup timeout. The head
 * only builds the application graph and imports none of them.
 *
 * The Gateway's target group checks each Serve proxy's own health endpoint, `/-/healthz`: the
 * application's route prefix is `/` and it answers `/` with 404.
 *
 * The head runs on the CPU pool, not the nvidia pool: it requests no GPU (num-gpus 0), and a pod
 * without GPU requests must not tolerate the GPU taint (it would hold a GPU node for nothing).
 *
 * Pod templates are written with the Kubernetes 1.35 types (apps/imports/k8s.ts) and handed to
 * the RayService typed by its CRD (apps/imports/ray.io.ts): the compiler checks both.
 */
import { createHash } from 'node:crypto';
import { ConfigMap } from 'cdk8s-plus-28';
import { stringify } from 'yaml';
import { MODEL_DATA, modelDataMount, modelDataPath } from '../../../clusters/contract.js';
import type { Dogbooth } from '../../../clusters/lib/resolve.js';
import { versions } from '../../../clusters/versions.js';
import {
  HttpRoute,
  HttpRouteSpecRulesFiltersType,
  HttpRouteSpecRulesFiltersUrlRewritePathType,
  HttpRouteSpecRulesMatchesPathType,
} from '../../imports/httproute-gateway.networking.k8s.io.js';
import { type Container, KubeJob, type PodSpec, type Volume } from '../../imports/k8s.js';
import {
  RayService,
  RayServiceSpecRayClusterConfigAutoscalerOptionsUpscalingMode,
} from '../../imports/rayservice-ray.io.js';
import {
  TargetGroupConfiguration,
  TargetGroupConfigurationSpecDefaultConfigurationHealthCheckConfigHealthCheckProtocol,
  TargetGroupConfigurationSpecDefaultConfigurationTargetType,
} from '../../imports/targetgroupconfiguration-gateway.k8s.aws.js';
import type { Cluster } from '../../lib/cluster.js';
import {
  acceleratedPlacement,
  cpuPlacement,
  DO_NOT_DISRUPT,
  qty,
  quantities,
  restrictedContainer,
  restrictedPod,
} from '../../lib/pod.js';
import type { Platform } from '../../platform/index.js';
import { IMAGES } from '../images.js';
import { PLACEMENT_ANNOTATION, placementAnnotation, shareQuantities } from '../placement.js';
import { DOGBOOTH_POINTER } from './pipeline.js';
import { INSTALL_PACKAGES, WAIT_FOR_PACKAGES } from './scripts.js';
import { LOGIC_MODULE, LOGIC_SOURCE, SERVE_APP_SOURCE, SERVE_MODULE } from './serve-app.js';

export const DOGBOOTH_NAMESPACE = 'dogbooth';
const NAME = 'dogbooth';
const APP_CONFIGMAP = 'dogbooth-serve-app';
const APP_DIR = '/home/ray/serve-app';
const RAY_UID = IMAGES.ray.user.uid;
export const SERVE_PORT = 8000;
const DASHBOARD_PORT = 8265;
/** KubeRay names the Services of a RayService `<name>-head-svc` and `<name>-serve-svc`. */
export const SERVE_SERVICE = `${NAME}-serve-svc`;
/** The Ray Serve proxy's health endpoint (ray-project/ray python/ray/serve/_private/proxy_request_response.py `is_health_request`). */
export const SERVE_HEALTH_PATH = '/-/healthz';
const LABELS = { 'app.kubernetes.io/name': NAME } as const;
const PACKAGES_LABELS = { 'app.kubernetes.io/name': `${NAME}-packages` } as const;
/** Label KubeRay puts on the head pod of a Ray cluster. */
const RAY_HEAD_LABELS = { 'ray.io/node-type': 'head' } as const;
/** Karpenter's protection of a GPU worker's node while it loads (45 min: see where it is used). */
const WORKER_LOAD_PROTECTION = { [DO_NOT_DISRUPT]: '45m' } as const;

/** The Serve application's packages, pinned (clusters/versions.ts dogboothServePip). */
export function servePackages(): string[] {
  return Object.entries(versions.dogboothServePip).map(([n, v]) => `${n}==${v}`);
}

/** Where the packages of this image and package set live (model data cache area). */
export function servePackagesPath() {
  const key = createHash('sha256')
    .update(JSON.stringify([versions.rayImage, servePackages()]))
    .digest('hex');
  return modelDataPath('cache', `python/dogbooth-serve-${key.slice(0, 12)}`);
}

export function rayService(cluster: Cluster, platform: Platform, cfg: Dogbooth): void {
  const ns = cluster.namespaces.declare(DOGBOOTH_NAMESPACE, {
    podSecurity: 'restricted',
    isolation: 'namespace',
  });
  const claim = platform.storage.fsx(ns);
  const token = platform.secrets.huggingFaceToken(ns);
  const { placement } = cfg;
  const labels = { ...LABELS };
  const packages = servePackagesPath();

  new ConfigMap(cluster.layers.apps, `configmap-${ns}-${APP_CONFIGMAP}`, {
    metadata: { name: APP_CONFIGMAP, namespace: ns, labels },
    data: { [`${SERVE_MODULE}.py`]: SERVE_APP_SOURCE, [`${LOGIC_MODULE}.py`]: LOGIC_SOURCE },
    immutable: false,
  });

  const serveConfig = {
    applications: [
      {
        name: NAME,
        route_prefix: '/',
        import_path: `${SERVE_MODULE}:entrypoint`,
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

  const modelsVolume: Volume = { name: 'models', persistentVolumeClaim: { claimName: claim } };
  const container = (
    name: string,
    extra: Omit<Container, 'name' | 'image'>,
    pythonPath: string = APP_DIR,
  ): Container => ({
    name,
    image: versions.rayImage,
    imagePullPolicy: 'IfNotPresent',
    ...extra,
    env: [{ name: 'PYTHONPATH', value: pythonPath }, ...(extra.env ?? [])],
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
    initContainers: [
      {
        name: 'wait-for-packages',
        image: versions.rayImage,
        imagePullPolicy: 'IfNotPresent',
        command: ['/bin/sh', '-c', WAIT_FOR_PACKAGES],
        env: [{ name: 'TARGET', value: packages.containerPath }],
        resources: {
          requests: quantities({ cpu: '10m', memory: '32Mi' }),
          limits: quantities({ memory: '64Mi' }),
        },
        volumeMounts: [modelDataMount('cache', 'models', true)],
        securityContext: restrictedContainer(),
      },
    ],
    containers: [
      container(
        'ray-worker',
        {
          env: [
            { name: 'DOGBOOTH_MODEL_ID', value: cfg.modelId },
            { name: 'DOGBOOTH_POINTER', value: DOGBOOTH_POINTER.containerPath },
            { name: 'DOGBOOTH_MODELS_ROOT', value: MODEL_DATA.linked.mountPath },
            { name: 'HF_HOME', value: modelDataPath('cache', 'huggingface').containerPath },
            { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: token.name, key: token.key } } },
          ],
          resources: {
            requests: quantities({ ...shareQuantities(placement), 'nvidia.com/gpu': 1 }),
            limits: quantities({ memory: shareQuantities(placement).memory, 'nvidia.com/gpu': 1 }),
          },
          volumeMounts: [
            modelDataMount('linked', 'models', true),
            modelDataMount('cache', 'models'),
            { name: 'dshm', mountPath: '/dev/shm' },
          ],
        },
        // The application's packages, installed once on FSx by the packages Job.
        `${APP_DIR}:${packages.containerPath}`,
      ),
    ],
    volumes: [
      ...baseVolumes,
      modelsVolume,
      { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: qty('4Gi') } },
    ],
  };

  // A GPU worker loads the Serve application's packages and the model from FSx before it
  // serves: Karpenter leaves its node alone for the first start's upper estimate (30 min,
  // docs/workloads.md, "How each workload starts") with the 1.5x margin of the vLLM cold-start
  // model, counted from the pod's start as Karpenter counts it (apps/lib/pod.ts, DO_NOT_DISRUPT).
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
            template: { metadata: { labels, annotations: { ...WORKER_LOAD_PROTECTION } }, spec: worker },
          },
        ],
      },
    },
  });

  packagesJob(cluster, ns, claim);

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
        route('/dogbooth/serve', SERVE_SERVICE, SERVE_PORT),
        ...(cfg.dashboardRoute ? [route('/dogbooth', `${NAME}-head-svc`, DASHBOARD_PORT)] : []),
      ],
    },
  });
  // The ALB's target group for the Serve Service checks the proxies' health endpoint, not `/`
  // (the load balancer's default path), which the application answers with 404. IP targets, as
  // the Gateway's default target group configuration (apps/platform/traffic). Fields of the
  // TargetGroupConfiguration CRD of the Load Balancer Controller (kubernetes-sigs/aws-load-balancer-controller@v3.5.0
  // config/crd/gateway, typed in apps/imports).
  new TargetGroupConfiguration(cluster.layers.apps, `targetgroupconfiguration-${NAME}-serve`, {
    metadata: { name: `${NAME}-serve`, namespace: ns, labels },
    spec: {
      targetReference: { kind: 'Service', name: SERVE_SERVICE },
      defaultConfiguration: {
        targetType: TargetGroupConfigurationSpecDefaultConfigurationTargetType.IP,
        healthCheckConfig: {
          healthCheckPath: SERVE_HEALTH_PATH,
          healthCheckProtocol:
            TargetGroupConfigurationSpecDefaultConfigurationHealthCheckConfigHealthCheckProtocol.HTTP,
          matcher: { httpCode: '200' },
        },
      },
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
  // Hugging Face Hub (the model before any release), the Kubernetes API (in-tree autoscaler).
  cluster.network.httpsEgress(ns, 'ray', labels);
  // PyPI and its file hosts, for the packages Job only.
  cluster.network.httpsEgress(ns, 'ray-packages', PACKAGES_LABELS);
  if (platform.kuberay) {
    // The operator reads Serve status through the head's dashboard.
    cluster.network.flow(
      { namespace: platform.kuberay.namespace, name: 'kuberay-operator' },
      { namespace: ns, podLabels: { ...labels, ...RAY_HEAD_LABELS }, name: 'ray-dashboard' },
      [{ port: DASHBOARD_PORT }],
    );
  }
}

/**
 * The packages Job: the Serve application's pinned packages into the FSx cache, once per Ray
 * image and package set (both in the path and the Job name), on the CPU pool.
 */
function packagesJob(cluster: Cluster, ns: string, claim: string): void {
  const target = servePackagesPath();
  const name = `${NAME}-packages-${target.relative.split('-').pop()}`;
  new KubeJob(cluster.layers.apps, `job-${name}`, {
    metadata: { name, namespace: ns, labels: { ...PACKAGES_LABELS } },
    spec: {
      backoffLimit: 3,
      activeDeadlineSeconds: 3600,
      template: {
        metadata: { labels: { ...PACKAGES_LABELS } },
        spec: {
          automountServiceAccountToken: false,
          restartPolicy: 'Never',
          securityContext: restrictedPod(RAY_UID),
          ...cpuPlacement(),
          containers: [
            {
              name: 'install',
              image: versions.rayImage,
              imagePullPolicy: 'IfNotPresent',
              command: ['/bin/sh', '-c', INSTALL_PACKAGES, 'install', ...servePackages()],
              env: [{ name: 'TARGET', value: target.containerPath }],
              // Wheels are downloaded to /tmp (torch and its CUDA libraries: several GB).
              resources: {
                requests: quantities({ cpu: '2', memory: '4Gi', 'ephemeral-storage': '20Gi' }),
                limits: quantities({ memory: '6Gi', 'ephemeral-storage': '30Gi' }),
              },
              volumeMounts: [modelDataMount('cache', 'models')],
              securityContext: restrictedContainer(),
            },
          ],
          volumes: [{ name: 'models', persistentVolumeClaim: { claimName: claim } }],
        },
      },
    },
  });
}
