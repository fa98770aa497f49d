/**
 * Pods of software the simulation does not run, modelled so that they occupy node capacity as
 * they would: the Deployments and DaemonSets that our HelmReleases' charts and the EKS add-ons
 * create. No helm-controller runs here, so each chart's workloads are built from a recipe below:
 * requests, replicas, node selectors, tolerations and affinities are read from the rendered
 * HelmRelease `spec.values` merged over the chart's default values (Helm's merge: maps merge,
 * everything else is replaced), and the default values come from
 * `../shared/reference/helm-chart-values/<chart>-<version>/values.yaml` (passed in by the runner;
 * `DEFAULTS` below holds the few defaults of charts that have no file there, each with its
 * source). Each recipe names the chart template it follows. Containers run nothing (kwok plays
 * the kubelet); the image is never pulled.
 *
 * What is not modelled is listed in `NOT_MODELLED` and printed by the tier.
 */
import type { KubeManifest } from '../../apps/index.js';

export type Values = Record<string, unknown>;

export interface ContainerModel {
  readonly name: string;
  readonly resources?: { readonly requests?: Values; readonly limits?: Values };
}

export interface PodModel {
  readonly containers: readonly ContainerModel[];
  readonly initContainers?: readonly ContainerModel[];
  readonly nodeSelector?: Values;
  readonly tolerations?: readonly unknown[];
  readonly affinity?: Values;
  readonly topologySpreadConstraints?: readonly unknown[];
  /** system-node-critical and the like: lets the scheduler preempt lower-priority pods for it. */
  readonly priorityClassName?: string;
}

/** A PersistentVolumeClaim template of a StatefulSet (the controller creates the claim per pod). */
export interface ClaimModel {
  readonly name: string;
  readonly spec: Values;
}

export interface ModelledWorkload {
  /**
   * Jobs are Helm hooks (they run once, at install); kwok completes their pods as soon as they
   * run (its pod-complete stage), like any Job's.
   */
  readonly kind: 'DaemonSet' | 'Deployment' | 'StatefulSet' | 'Job';
  readonly namespace: string;
  readonly name: string;
  /** Deployments and StatefulSets only. */
  readonly replicas?: number;
  /** StatefulSets only: the governing Service's name and the claim templates. */
  readonly serviceName?: string;
  readonly claims?: readonly ClaimModel[];
  readonly pod: PodModel;
  /** Where the figures come from (repository@tag:path or chart@version). */
  readonly source: string;
}

const rec = (v: unknown): Values => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Values) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Helm's values merge: maps merge recursively, any other value (lists too) replaces. */
export function mergeValues(base: unknown, over: unknown): unknown {
  if (over === undefined) return structuredClone(base);
  if (over === null) return undefined;
  const b = rec(base);
  const o = rec(over);
  if (over && typeof over === 'object' && !Array.isArray(over)) {
    const out: Values = { ...structuredClone(b) };
    for (const [k, v] of Object.entries(o)) {
      const merged = mergeValues(b[k], v);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
    return out;
  }
  return structuredClone(over);
}

/** `a.b.c` of a values tree. */
export function at(values: unknown, path: string): unknown {
  let cur: unknown = values;
  for (const p of path.split('.')) cur = rec(cur)[p];
  return cur;
}

const resources = (v: unknown): ContainerModel['resources'] => {
  const r = rec(v);
  return { requests: rec(r.requests), limits: rec(r.limits) };
};

function optional(v: unknown): Values | undefined {
  const r = rec(v);
  return Object.keys(r).length ? r : undefined;
}

function pod(
  containers: readonly ContainerModel[],
  placement: {
    nodeSelector?: unknown;
    tolerations?: unknown;
    affinity?: unknown;
    topologySpreadConstraints?: unknown;
    priorityClassName?: unknown;
  },
): PodModel {
  return {
    ...(typeof placement.priorityClassName === 'string' && placement.priorityClassName
      ? { priorityClassName: placement.priorityClassName }
      : {}),
    containers,
    nodeSelector: optional(placement.nodeSelector),
    tolerations: arr(placement.tolerations),
    affinity: optional(placement.affinity),
    topologySpreadConstraints: arr(placement.topologySpreadConstraints),
  };
}

/** Default values of charts without a file in ../shared/reference/helm-chart-values. */
export const DEFAULTS: Readonly<Record<string, { readonly values: Values; readonly source: string }>> = {
  // argo-workflows 2.0.2 could not be read here; the newest chart readable is 1.0.18
  // (argoproj/argo-helm@argo-workflows-1.0.18:charts/argo-workflows/values.yaml): one replica
  // each of controller and server, no resources. Our values set resources and placement.
  'argo-workflows': {
    values: { controller: { replicas: 1 }, server: { enabled: true, replicas: 1 } },
    source:
      'argoproj/argo-helm@argo-workflows-1.0.18:charts/argo-workflows/values.yaml (2.0.2 not readable here)',
  },
  // neuron-helm-chart 1.10.0 (OCI) could not be read here; aws-neuron/neuron-helm-charts@8172e5e
  // (chart 1.0.0): device-plugin DaemonSet without resources, tolerating CriticalAddonsOnly and
  // the neuron taint; the scheduler extension is off by default.
  'neuron-helm-chart': {
    values: {
      devicePlugin: {
        tolerations: [
          { key: 'CriticalAddonsOnly', operator: 'Exists' },
          { key: 'aws.amazon.com/neuron', operator: 'Exists', effect: 'NoSchedule' },
        ],
      },
      scheduler: { enabled: false },
    },
    source:
      'aws-neuron/neuron-helm-charts@8172e5e:charts/neuron-helm-chart (chart 1.0.0; 1.10.0 not readable here)',
  },
  // kube-prometheus-stack 88.3.0 has no file in ../shared/reference/helm-chart-values. The defaults
  // its recipe reads, from prometheus-community/helm-charts@kube-prometheus-stack-88.3.0:
  // charts/kube-prometheus-stack/values.yaml, and those of its subcharts (Chart.yaml
  // dependencies: grafana 12.10.4 from grafana-community/helm-charts@grafana-12.10.4:
  // charts/grafana/values.yaml; kube-state-metrics 8.2.0 from
  // prometheus-community/helm-charts@kube-state-metrics-8.2.0:charts/kube-state-metrics/values.yaml)
  // under their names, as Helm merges them. Every `resources` is {} and every placement key empty
  // in those files; our values set them.
  'kube-prometheus-stack': {
    values: {
      fullnameOverride: '',
      prometheusOperator: {
        enabled: true,
        resources: {},
        nodeSelector: {},
        tolerations: [],
        affinity: {},
        prometheusConfigReloader: { resources: {} },
        admissionWebhooks: {
          enabled: true,
          patch: { enabled: true, resources: {}, nodeSelector: {}, tolerations: [], affinity: {} },
          certManager: { enabled: false },
          deployment: { enabled: false },
        },
      },
      prometheus: {
        enabled: true,
        prometheusSpec: {
          replicas: 1,
          shards: 1,
          resources: {},
          nodeSelector: {},
          tolerations: [],
          affinity: {},
          storageSpec: {},
        },
      },
      alertmanager: {
        enabled: true,
        alertmanagerSpec: {
          replicas: 1,
          resources: {},
          nodeSelector: {},
          tolerations: [],
          affinity: {},
          storage: {},
        },
      },
      grafana: {
        enabled: true,
        replicas: 1,
        resources: {},
        nodeSelector: {},
        tolerations: [],
        affinity: {},
        sidecar: {
          resources: {},
          dashboards: { enabled: true },
          datasources: { enabled: true, initDatasources: false },
        },
        persistence: { enabled: false },
        initChownData: { enabled: true, resources: {} },
      },
      kubeStateMetrics: { enabled: true },
      'kube-state-metrics': { replicas: 1, resources: {}, nodeSelector: {}, tolerations: [], affinity: {} },
      nodeExporter: { enabled: true },
      thanosRuler: { enabled: false },
    },
    source:
      'prometheus-community/helm-charts@kube-prometheus-stack-88.3.0:charts/kube-prometheus-stack/values.yaml, subcharts grafana-community/helm-charts@grafana-12.10.4:charts/grafana/values.yaml and prometheus-community/helm-charts@kube-state-metrics-8.2.0:charts/kube-state-metrics/values.yaml (the keys the recipe reads)',
  },
  // keda 2.20.2 has no file in ../shared/reference/helm-chart-values: kedacore/charts@v2.20.2:
  // keda/values.yaml. One replica of each part; requests 100m / 100Mi (limits 1 CPU / 1000Mi)
  // for the operator, the metrics server and the webhooks; no placement.
  keda: {
    values: {
      operator: { name: 'keda-operator', replicaCount: 1, nodeSelector: {}, tolerations: [], affinity: {} },
      metricsServer: { replicaCount: 1, nodeSelector: {}, tolerations: [], affinity: {} },
      webhooks: {
        enabled: true,
        name: 'keda-admission-webhooks',
        replicaCount: 1,
        nodeSelector: {},
        tolerations: [],
        affinity: {},
      },
      resources: {
        operator: { limits: { cpu: 1, memory: '1000Mi' }, requests: { cpu: '100m', memory: '100Mi' } },
        metricServer: { limits: { cpu: 1, memory: '1000Mi' }, requests: { cpu: '100m', memory: '100Mi' } },
        webhooks: { limits: { cpu: 1, memory: '1000Mi' }, requests: { cpu: '100m', memory: '100Mi' } },
      },
      nodeSelector: {},
      tolerations: [],
      affinity: {},
      priorityClassName: '',
      topologySpreadConstraints: { operator: [], metricsServer: [], webhooks: [] },
    },
    source: 'kedacore/charts@v2.20.2:keda/values.yaml',
  },
  // prometheus-operator-crds 31.0.0 installs CustomResourceDefinitions only (its templates at
  // prometheus-community/helm-charts@prometheus-operator-crds-31.0.0:charts/prometheus-operator-crds/
  // templates); no values are read.
  'prometheus-operator-crds': {
    values: {},
    source: 'prometheus-community/helm-charts@prometheus-operator-crds-31.0.0 (CRDs only)',
  },
};

type Recipe = (values: Values, namespace: string, release: string) => ModelledWorkload[];

/** The z2jh tolerations every core pod gets (jupyterhub 4.4.0 values scheduling.corePods.tolerations). */
function z2jhCore(values: Values): unknown[] {
  return arr(at(values, 'scheduling.corePods.tolerations'));
}

const RECIPES: Readonly<Record<string, { readonly recipe: Recipe; readonly templates: string }>> = {
  karpenter: {
    templates: 'aws/karpenter-provider-aws@v1.14.1:charts/karpenter/templates/deployment.yaml',
    recipe: (v, ns, release) => [
      {
        kind: 'Deployment',
        namespace: ns,
        name: release,
        replicas: Number(v.replicas ?? 1),
        pod: pod([{ name: 'controller', resources: resources(at(v, 'controller.resources')) }], v),
        source: '',
      },
    ],
  },
  'aws-load-balancer-controller': {
    templates: 'aws/eks-charts aws-load-balancer-controller 3.5.0 templates/deployment.yaml',
    recipe: (v, ns, release) => [
      {
        kind: 'Deployment',
        namespace: ns,
        name: release,
        replicas: Number(v.replicaCount ?? 1),
        pod: pod([{ name: 'aws-load-balancer-controller', resources: resources(v.resources) }], v),
        source: '',
      },
    ],
  },
  'external-secrets': {
    templates: 'external-secrets/external-secrets@v2.9.0:deploy/charts/external-secrets/templates',
    recipe: (v, ns, release) => {
      const part = (key: string, suffix: string, cfg: Values): ModelledWorkload => ({
        kind: 'Deployment',
        namespace: ns,
        name: `${release}${suffix}`,
        replicas: Number(cfg.replicaCount ?? 1),
        pod: pod([{ name: key, resources: resources(cfg.resources) }], cfg),
        source: '',
      });
      const out = [part('external-secrets', '', v)];
      if (at(v, 'webhook.create') !== false) out.push(part('webhook', '-webhook', rec(v.webhook)));
      if (at(v, 'certController.create') !== false)
        out.push(part('cert-controller', '-cert-controller', rec(v.certController)));
      return out;
    },
  },
  'kuberay-operator': {
    templates: 'ray-project/kuberay@v1.7.0:helm-chart/kuberay-operator/templates/deployment.yaml',
    recipe: (v, ns, release) => [
      {
        kind: 'Deployment',
        namespace: ns,
        name: release,
        replicas: Number(v.replicas ?? 1),
        pod: pod([{ name: 'kuberay-operator', resources: resources(v.resources) }], v),
        source: '',
      },
    ],
  },
  'argo-workflows': {
    templates: 'argoproj/argo-helm charts/argo-workflows/templates/{controller,server}/*-deployment.yaml',
    recipe: (v, ns, release) => {
      const part = (key: 'controller' | 'server', name: string): ModelledWorkload => {
        const c = rec(v[key]);
        return {
          kind: 'Deployment',
          namespace: ns,
          name: `${release}-${name}`,
          replicas: Number(c.replicas ?? 1),
          pod: pod([{ name, resources: resources(c.resources) }], c),
          source: '',
        };
      };
      const out = [part('controller', 'workflow-controller')];
      if (at(v, 'server.enabled') !== false) out.push(part('server', 'server'));
      return out;
    },
  },
  jupyterhub: {
    templates:
      'jupyterhub/zero-to-jupyterhub-k8s@4.4.0:jupyterhub/templates/{hub,proxy}/deployment.yaml (core pods tolerate scheduling.corePods.tolerations)',
    recipe: (v, ns) => {
      const tol = (own: unknown) => [...arr(own), ...z2jhCore(v)];
      const hub = rec(v.hub);
      const chp = rec(at(v, 'proxy.chp'));
      return [
        {
          kind: 'Deployment',
          namespace: ns,
          name: 'hub',
          replicas: 1,
          pod: pod([{ name: 'hub', resources: resources(hub.resources) }], {
            nodeSelector: hub.nodeSelector,
            tolerations: tol(hub.tolerations),
          }),
          source: '',
        },
        {
          kind: 'Deployment',
          namespace: ns,
          name: 'proxy',
          replicas: 1,
          pod: pod([{ name: 'chp', resources: resources(chp.resources) }], {
            nodeSelector: chp.nodeSelector,
            tolerations: tol(chp.tolerations),
          }),
          source: '',
        },
      ];
    },
  },
  'nvidia-device-plugin': {
    templates:
      'NVIDIA/k8s-device-plugin@v0.20.0:deployments/helm/nvidia-device-plugin/templates/daemonset-{device-plugin,gfd}.yml (both read .Values.resources), subchart node-feature-discovery',
    recipe: (v, ns, release) => {
      const placement = {
        nodeSelector: v.nodeSelector,
        tolerations: v.tolerations,
        affinity: v.affinity,
        priorityClassName: v.priorityClassName,
      };
      const out: ModelledWorkload[] = [];
      if (at(v, 'devicePlugin.enabled') !== false) {
        out.push({
          kind: 'DaemonSet',
          namespace: ns,
          name: release,
          pod: pod([{ name: 'nvidia-device-plugin-ctr', resources: resources(v.resources) }], placement),
          source: '',
        });
      }
      if (at(v, 'gfd.enabled') === true) {
        out.push({
          kind: 'DaemonSet',
          namespace: ns,
          name: `${release}-gpu-feature-discovery`,
          pod: pod([{ name: 'gpu-feature-discovery-ctr', resources: resources(v.resources) }], placement),
          source: '',
        });
      }
      if (at(v, 'nfd.enabled') === true) {
        const nfd = rec(v.nfd);
        const master = rec(nfd.master);
        const worker = rec(nfd.worker);
        const gc = rec(nfd.gc);
        if (master.enable !== false)
          out.push({
            kind: 'Deployment',
            namespace: ns,
            name: 'node-feature-discovery-master',
            replicas: Number(master.replicaCount ?? 1),
            pod: pod([{ name: 'master', resources: resources(master.resources) }], master),
            source: '',
          });
        if (worker.enable !== false)
          out.push({
            kind: 'DaemonSet',
            namespace: ns,
            name: 'node-feature-discovery-worker',
            pod: pod([{ name: 'worker', resources: resources(worker.resources) }], worker),
            source: '',
          });
        if (gc.enable !== false)
          out.push({
            kind: 'Deployment',
            namespace: ns,
            name: 'node-feature-discovery-gc',
            replicas: Number(gc.replicaCount ?? 1),
            pod: pod([{ name: 'gc', resources: resources(gc.resources) }], gc),
            source: '',
          });
      }
      return out;
    },
  },
  'dcgm-exporter': {
    templates: 'NVIDIA/dcgm-exporter charts/dcgm-exporter/templates/daemonset.yaml',
    recipe: (v, ns, release) => [
      {
        kind: 'DaemonSet',
        namespace: ns,
        name: release,
        pod: pod([{ name: 'exporter', resources: resources(v.resources) }], v),
        source: '',
      },
    ],
  },
  'aws-efa-k8s-device-plugin': {
    templates:
      'aws/eks-charts stable/aws-efa-k8s-device-plugin templates/daemonset.yaml (node affinity on supportedInstanceLabels)',
    recipe: (v, ns, release) => {
      const labels = rec(v.supportedInstanceLabels);
      const affinity = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: arr(labels.keys).map((key) => ({
              matchExpressions: [{ key, operator: 'In', values: arr(labels.values) }],
            })),
          },
        },
      };
      return [
        {
          kind: 'DaemonSet',
          namespace: ns,
          name: release,
          pod: pod([{ name: 'aws-efa-k8s-device-plugin', resources: resources(v.resources) }], {
            nodeSelector: v.nodeSelector,
            tolerations: v.tolerations,
            affinity: arr(labels.keys).length ? affinity : undefined,
          }),
          source: '',
        },
      ];
    },
  },
  'neuron-helm-chart': {
    templates:
      'aws-neuron/neuron-helm-charts charts/neuron-helm-chart/templates/{device-plugin-daemonset,scheduler-extn,custom-scheduler}.yaml',
    recipe: (v, ns) => {
      const dp = rec(v.devicePlugin);
      const out: ModelledWorkload[] = [
        {
          kind: 'DaemonSet',
          namespace: ns,
          name: 'neuron-device-plugin',
          pod: pod([{ name: 'neuron-device-plugin', resources: resources(dp.resources) }], dp),
          source: '',
        },
      ];
      const sched = rec(v.scheduler);
      if (sched.enabled === true) {
        out.push({
          kind: 'Deployment',
          namespace: ns,
          name: 'neuron-scheduler-extension',
          replicas: 1,
          pod: pod([{ name: 'neuron-scheduler-exp', resources: resources(sched.resources) }], sched),
          source: '',
        });
        const custom = rec(sched.customScheduler);
        if (custom.enabled === true) {
          out.push({
            kind: 'Deployment',
            namespace: ns,
            name: String(custom.fullnameOverride ?? 'neuron-scheduler'),
            replicas: 1,
            pod: pod([{ name: 'scheduler', resources: resources(custom.resources) }], custom),
            source: '',
          });
        }
      }
      return out;
    },
  },
  'prometheus-operator-crds': {
    templates: 'prometheus-community/helm-charts@prometheus-operator-crds-31.0.0 (CRDs only: no pods)',
    recipe: () => [],
  },
  keda: {
    templates:
      'kedacore/charts@v2.20.2:keda/templates/{manager,metrics-server,webhooks}/deployment.yaml (nodeSelector kubernetes.io/os: linux plus <part>.nodeSelector or the root one; tolerations and affinity <part>.* or the root ones; resources.<operator|metricServer|webhooks>)',
    recipe: (v, ns) => {
      const part = (
        key: 'operator' | 'metricsServer' | 'webhooks',
        name: string,
        res: string,
      ): ModelledWorkload => {
        const c = rec(v[key]);
        const or = (own: unknown, root: unknown) =>
          Object.keys(rec(own)).length || arr(own).length ? own : root;
        return {
          kind: 'Deployment',
          namespace: ns,
          name,
          replicas: Number(c.replicaCount ?? 1),
          pod: pod([{ name, resources: resources(rec(v.resources)[res]) }], {
            nodeSelector: { 'kubernetes.io/os': 'linux', ...rec(or(c.nodeSelector, v.nodeSelector)) },
            tolerations: or(c.tolerations, v.tolerations),
            affinity: or(c.affinity, v.affinity),
            topologySpreadConstraints: rec(v.topologySpreadConstraints)[key],
            priorityClassName: v.priorityClassName,
          }),
          source: '',
        };
      };
      const operator = String(at(v, 'operator.name') ?? 'keda-operator');
      const out = [
        part('operator', operator, 'operator'),
        part('metricsServer', `${operator}-metrics-apiserver`, 'metricServer'),
      ];
      if (at(v, 'webhooks.enabled') !== false)
        out.push(part('webhooks', String(at(v, 'webhooks.name') ?? 'keda-admission-webhooks'), 'webhooks'));
      return out;
    },
  },
  'kube-prometheus-stack': {
    templates:
      'prometheus-community/helm-charts@kube-prometheus-stack-88.3.0:charts/kube-prometheus-stack/templates/{prometheus-operator/deployment.yaml, prometheus-operator/admission-webhooks/job-patch/job-{createSecret,patchWebhook}.yaml (Helm hooks), prometheus/prometheus.yaml, alertmanager/alertmanager.yaml}; the StatefulSets the operator makes of the Prometheus and Alertmanager objects: prometheus-operator/prometheus-operator@v0.93.0:pkg/prometheus/server/statefulset.go and pkg/alertmanager/statefulset.go (containers prometheus or alertmanager with spec.resources, config-reloader and init-config-reloader without requests: the chart passes --config-reloader-*-request=0 when prometheusConfigReloader.resources is empty, and cmd/operator/main.go says "0" configures no request; governing Services prometheus-operated and alertmanager-operated; claim <statefulset>-db); grafana-community/helm-charts@grafana-12.10.4:charts/grafana/templates/_pod.tpl (grafana, the dashboards and datasources sidecars with sidecar.resources; init-chown-data only with persistence); kube-state-metrics 8.2.0 templates/deployment.yaml. The soft pod anti-affinity of Prometheus and Alertmanager (a preference) is not modelled',
    recipe: (v, ns, release) => {
      const full = String(v.fullnameOverride || release);
      const out: ModelledWorkload[] = [];
      const po = rec(v.prometheusOperator);
      if (po.enabled !== false) {
        out.push({
          kind: 'Deployment',
          namespace: ns,
          name: `${full}-operator`,
          replicas: 1,
          pod: pod([{ name: 'kube-prometheus-stack', resources: resources(po.resources) }], po),
          source: '',
        });
        const hooks = rec(po.admissionWebhooks);
        const patch = rec(hooks.patch);
        if (hooks.enabled !== false && patch.enabled !== false && at(hooks, 'certManager.enabled') !== true) {
          for (const [suffix, container] of [
            ['admission-create', 'create'],
            ['admission-patch', 'patch'],
          ] as const) {
            out.push({
              kind: 'Job',
              namespace: ns,
              name: `${full}-${suffix}`,
              pod: pod([{ name: container, resources: resources(patch.resources) }], patch),
              source: '',
            });
          }
        }
        if (at(hooks, 'deployment.enabled') === true) {
          const d = rec(hooks.deployment);
          out.push({
            kind: 'Deployment',
            namespace: ns,
            name: `${full}-webhook`,
            replicas: Number(d.replicas ?? 1),
            pod: pod(
              [{ name: 'prometheus-operator-admission-webhook', resources: resources(d.resources) }],
              d,
            ),
            source: '',
          });
        }
        const reloader = resources(at(po, 'prometheusConfigReloader.resources'));
        const operated = (
          key: 'prometheus' | 'alertmanager',
          specKey: string,
          storageKey: string,
        ): ModelledWorkload | undefined => {
          const top = rec(v[key]);
          if (top.enabled === false) return undefined;
          const spec = rec(top[specKey]);
          const name = `${key}-${full}-${key}`;
          const template = rec(rec(spec[storageKey]).volumeClaimTemplate);
          const shards = key === 'prometheus' ? Number(spec.shards ?? 1) : 1;
          return {
            kind: 'StatefulSet',
            namespace: ns,
            name,
            replicas: Number(spec.replicas ?? 1) * shards,
            serviceName: `${key}-operated`,
            claims: Object.keys(rec(template.spec)).length
              ? [{ name: `${name}-db`, spec: rec(template.spec) }]
              : [],
            pod: {
              ...pod(
                [
                  { name: key, resources: resources(spec.resources) },
                  { name: 'config-reloader', resources: reloader },
                ],
                spec,
              ),
              initContainers: [{ name: 'init-config-reloader', resources: reloader }],
            },
            source: '',
          };
        };
        for (const w of [
          operated('prometheus', 'prometheusSpec', 'storageSpec'),
          operated('alertmanager', 'alertmanagerSpec', 'storage'),
        ])
          if (w) out.push(w);
      }
      const g = rec(v.grafana);
      if (g.enabled !== false) {
        const side = resources(at(g, 'sidecar.resources'));
        const containers: ContainerModel[] = [{ name: 'grafana', resources: resources(g.resources) }];
        const init: ContainerModel[] = [];
        if (at(g, 'sidecar.dashboards.enabled') === true)
          containers.push({ name: 'grafana-sc-dashboard', resources: side });
        if (at(g, 'sidecar.datasources.enabled') === true) {
          if (at(g, 'sidecar.datasources.initDatasources') === true)
            init.push({ name: 'grafana-init-sc-datasources', resources: side });
          else containers.push({ name: 'grafana-sc-datasources', resources: side });
        }
        if (at(g, 'persistence.enabled') === true && at(g, 'initChownData.enabled') !== false)
          init.push({ name: 'init-chown-data', resources: resources(at(g, 'initChownData.resources')) });
        out.push({
          kind: 'Deployment',
          namespace: ns,
          name: `${release}-grafana`,
          replicas: Number(g.replicas ?? 1),
          pod: { ...pod(containers, g), ...(init.length ? { initContainers: init } : {}) },
          source: '',
        });
      }
      if (at(v, 'kubeStateMetrics.enabled') !== false) {
        const k = rec(v['kube-state-metrics']);
        out.push({
          kind: 'Deployment',
          namespace: ns,
          name: `${release}-kube-state-metrics`,
          replicas: Number(k.replicas ?? 1),
          pod: pod([{ name: 'kube-state-metrics', resources: resources(k.resources) }], k),
          source: '',
        });
      }
      // nodeExporter (a DaemonSet on every node) and thanosRuler: our values turn them off; a
      // release that turns them on has no model yet.
      if (at(v, 'nodeExporter.enabled') !== false)
        throw new Error(
          `HelmRelease ${release}: nodeExporter.enabled is on; its DaemonSet (prometheus-node-exporter subchart) has no model in test/simulation/modelled.ts`,
        );
      if (at(v, 'thanosRuler.enabled') === true)
        throw new Error(
          `HelmRelease ${release}: thanosRuler.enabled is on; it has no model in test/simulation/modelled.ts`,
        );
      return out;
    },
  },
};

/** Charts whose recipe makes no pods (CRDs only). */
export const CHARTS_WITHOUT_PODS: readonly string[] = ['prometheus-operator-crds'];

/** Charts this module has a recipe for. */
export const MODELLED_CHARTS: readonly string[] = Object.keys(RECIPES);

/**
 * The workloads a HelmRelease's chart creates. `defaults` are the chart's default values (from
 * ../shared, or DEFAULTS); throws for a chart without a recipe, so a new chart cannot pass
 * unmodelled.
 */
export function releaseWorkloads(
  release: { name: string; namespace: string; chart: string; version: string; values: unknown },
  defaults: { values: Values; source: string } | undefined,
): ModelledWorkload[] {
  const r = RECIPES[release.chart];
  if (!r) {
    throw new Error(
      `HelmRelease ${release.name}: chart ${release.chart} ${release.version} has no model of its pods in test/simulation/modelled.ts (modelled: ${MODELLED_CHARTS.join(', ')})`,
    );
  }
  const base = defaults ?? DEFAULTS[release.chart];
  const values = rec(mergeValues(base?.values ?? {}, release.values));
  const source = `${release.chart} ${release.version}: values = ${base ? base.source : 'no default values (rendered values only)'} merged with HelmRelease ${release.name}; templates ${r.templates}`;
  return r.recipe(values, release.namespace, release.name).map((w) => ({ ...w, source }));
}

/** chart, version and target namespace of a HelmRelease (chartRef OCIRepository resolved among `all`). */
export function releaseChart(
  hr: KubeManifest,
  all: readonly KubeManifest[],
): { chart: string; version: string; namespace: string } {
  const spec = rec(hr.spec);
  const namespace = String(spec.targetNamespace ?? hr.metadata.namespace);
  const chartSpec = rec(rec(spec.chart).spec);
  if (chartSpec.chart)
    return { chart: String(chartSpec.chart), version: String(chartSpec.version), namespace };
  const ref = rec(spec.chartRef);
  const oci = all.find((o) => o.kind === ref.kind && o.metadata.name === ref.name);
  if (!oci) throw new Error(`HelmRelease ${hr.metadata.name}: chartRef ${ref.kind} ${ref.name} not found`);
  const url = String(rec(oci.spec).url);
  return { chart: url.split('/').pop()!, version: String(rec(rec(oci.spec).ref).tag), namespace };
}

// ---------------------------------------------------------------- EKS add-ons

const EXISTS = [{ operator: 'Exists' }];
const NODE_CRITICAL = 'system-node-critical';

/**
 * The pods of the EKS add-ons (infra/addons), at the add-on versions of clusters/versions.ts,
 * from their upstream charts at the matching tags; `configuration` is infra/addons'
 * ADDON_CONFIGURATION (our configuration values override the defaults, as EKS applies them).
 */
export function addonWorkloads(
  configuration: Readonly<Record<string, object | undefined>>,
): ModelledWorkload[] {
  const cfg = (name: string, path: string): unknown => at(configuration[name], path);
  const csiNode = (
    ns: string,
    name: string,
    containers: ContainerModel[],
    source: string,
  ): ModelledWorkload => ({
    kind: 'DaemonSet',
    namespace: ns,
    name,
    // tolerateAllTaints: true (chart default) -> tolerations [{operator: Exists}]; the node
    // templates set priorityClassName system-node-critical.
    pod: pod(containers, { tolerations: EXISTS, priorityClassName: NODE_CRITICAL }),
    source,
  });
  const r = (cpu: string, memory?: string) => ({ requests: { cpu, ...(memory ? { memory } : {}) } });
  return [
    {
      kind: 'DaemonSet',
      namespace: 'kube-system',
      name: 'aws-node',
      pod: pod(
        [
          { name: 'aws-node', resources: r('25m') },
          { name: 'aws-eks-nodeagent', resources: {} },
        ],
        { tolerations: EXISTS, priorityClassName: NODE_CRITICAL },
      ),
      source:
        'aws/amazon-vpc-cni-k8s@v1.23.0:charts/aws-vpc-cni/values.yaml (resources.requests.cpu 25m; nodeAgent.resources {}; tolerations Exists; priorityClassName system-node-critical)',
    },
    {
      kind: 'DaemonSet',
      namespace: 'kube-system',
      name: 'kube-proxy',
      pod: pod([{ name: 'kube-proxy', resources: r('100m') }], {
        tolerations: EXISTS,
        priorityClassName: NODE_CRITICAL,
      }),
      source:
        "EKS's kube-proxy DaemonSet requests cpu 100m, tolerates every taint and is system-node-critical (as reproduced in https://gist.github.com/marccampbell/5dd25ae11166a283d97763c43e74d167; no first-party manifest of v1.35.3-eksbuild.18 is readable here)",
    },
    {
      kind: 'DaemonSet',
      namespace: 'kube-system',
      name: 'eks-pod-identity-agent',
      pod: pod([{ name: 'eks-pod-identity-agent', resources: {} }], {
        tolerations: EXISTS,
        priorityClassName: NODE_CRITICAL,
      }),
      source:
        'aws/eks-pod-identity-agent@d4dc0f3:charts/eks-pod-identity-agent/values.yaml (resources {}, tolerations Exists, priorityClassName system-node-critical)',
    },
    {
      kind: 'Deployment',
      namespace: 'kube-system',
      name: 'coredns',
      replicas: 2,
      pod: pod([{ name: 'coredns', resources: r('100m', '70Mi') }], {
        tolerations: cfg('coredns', 'tolerations') ?? [],
      }),
      source:
        'CoreDNS requests 100m / 70Mi, 2 replicas (kubernetes/kubernetes cluster/addons/dns/coredns/coredns.yaml.base, which the EKS add-on follows); tolerations from infra/addons ADDON_CONFIGURATION',
    },
    csiNode(
      'kube-system',
      'ebs-csi-node',
      ['ebs-plugin', 'node-driver-registrar', 'liveness-probe'].map((name) => ({
        name,
        resources: r('10m', '40Mi'),
      })),
      'kubernetes-sigs/aws-ebs-csi-driver@v1.56.0:charts/aws-ebs-csi-driver/values.yaml (node.resources 10m/40Mi, sidecars default to it: templates/_node.tpl)',
    ),
    {
      kind: 'Deployment',
      namespace: 'kube-system',
      name: 'ebs-csi-controller',
      replicas: 2,
      pod: pod(
        [
          'ebs-plugin',
          'csi-provisioner',
          'csi-attacher',
          'csi-snapshotter',
          'csi-resizer',
          'liveness-probe',
        ].map((name) => ({ name, resources: r('10m', '40Mi') })),
        { tolerations: cfg('aws-ebs-csi-driver', 'controller.tolerations') ?? [] },
      ),
      source:
        'kubernetes-sigs/aws-ebs-csi-driver@v1.56.0:charts/aws-ebs-csi-driver/values.yaml (controller.replicaCount 2, controller.resources 10m/40Mi, sidecars default to it); tolerations from infra/addons ADDON_CONFIGURATION',
    },
    csiNode(
      'kube-system',
      'fsx-csi-node',
      [
        { name: 'fsx-plugin', resources: r('10m', '40Mi') },
        { name: 'node-driver-registrar', resources: r('10m', '32Mi') },
        { name: 'liveness-probe', resources: r('10m', '32Mi') },
      ],
      'kubernetes-sigs/aws-fsx-csi-driver@v1.9.0:charts/aws-fsx-csi-driver/values.yaml (node.resources, sidecars.*.resources)',
    ),
    {
      kind: 'Deployment',
      namespace: 'kube-system',
      name: 'fsx-csi-controller',
      replicas: 2,
      pod: pod(
        [
          { name: 'fsx-plugin', resources: r('10m', '40Mi') },
          { name: 'csi-provisioner', resources: r('10m', '32Mi') },
          { name: 'csi-resizer', resources: r('10m', '32Mi') },
          { name: 'liveness-probe', resources: r('10m', '32Mi') },
        ],
        {
          tolerations: [
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
            { effect: 'NoExecute', operator: 'Exists', tolerationSeconds: 300 },
          ],
        },
      ),
      source:
        'kubernetes-sigs/aws-fsx-csi-driver@v1.9.0:charts/aws-fsx-csi-driver/values.yaml (controller.replicaCount 2, tolerations, resources)',
    },
    csiNode(
      'kube-system',
      's3-csi-node',
      ['s3-plugin', 'node-driver-registrar', 'liveness-probe'].map((name) => ({
        name,
        resources: r('10m', '40Mi'),
      })),
      'awslabs/mountpoint-s3-csi-driver@v2.7.0:charts/aws-mountpoint-s3-csi-driver/values.yaml (node.resources 10m/40Mi, sidecars default to it: templates/node.yaml)',
    ),
    {
      kind: 'Deployment',
      namespace: 'kube-system',
      name: 's3-csi-controller',
      replicas: 1,
      pod: pod([{ name: 's3-csi-controller', resources: {} }], {
        nodeSelector: { 'kubernetes.io/os': 'linux' },
      }),
      source:
        'awslabs/mountpoint-s3-csi-driver@v2.7.0:charts/aws-mountpoint-s3-csi-driver/templates/controller.yaml (1 replica, no tolerations, no resources)',
    },
    ...cloudwatch(),
  ];
}

/** amazon-cloudwatch-observability v6.3.0: the root `tolerations: [{operator: Exists}]` applies to the agents. */
function cloudwatch(): ModelledWorkload[] {
  const source = (what: string) =>
    `aws-observability/helm-charts@amazon-cloudwatch-observability-6.3.0:charts/amazon-cloudwatch-observability/values.yaml (${what})`;
  const ds = (
    name: string,
    cpu: string,
    memory: string,
    key: string,
    affinity?: Values,
    priorityClassName?: string,
  ): ModelledWorkload => ({
    kind: 'DaemonSet',
    namespace: 'amazon-cloudwatch',
    name,
    pod: pod([{ name, resources: { requests: { cpu, memory } } }], {
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: EXISTS,
      affinity,
      ...(priorityClassName ? { priorityClassName } : {}),
    }),
    source: source(
      `${key}.resources, nodeSelector, affinity${priorityClassName ? `, ${key}.priorityClassName` : ''}; root tolerations`,
    ),
  });
  return [
    // The agent and Fluent Bit run at system-node-critical (values.yaml `agent.priorityClassName`,
    // `containerLogs.fluentBit.priorityClassName`; templates/linux/cloudwatch-agent-custom-resource.yaml
    // and fluent-bit-daemonset.yaml set them), so a node that filled up before their pod arrived
    // makes room by preemption; the exporters below have no priority class in 6.3.0.
    ds('cloudwatch-agent', '250m', '128Mi', 'agent', undefined, NODE_CRITICAL),
    ds('fluent-bit', '50m', '25Mi', 'containerLogs.fluentBit', undefined, NODE_CRITICAL),
    ds('node-exporter', '50m', '30Mi', 'nodeExporter'),
    // dcgmExporter / neuronMonitor run on the GPU / Neuron instance types their affinity lists
    // (node.kubernetes.io/instance-type In [...]). Every type of our accelerated catalogue
    // (g5, g6, g6e, inf2, trn1, all sizes) is on those lists in 6.3.0, read when this was
    // written; the model selects the same nodes by our pools' labels instead of copying the lists.
    ds('dcgm-exporter', '250m', '128Mi', 'dcgmExporter', {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'nvidia.com/gpu.present', operator: 'In', values: ['true'] }] },
          ],
        },
      },
    }),
    ds('neuron-monitor', '256m', '128Mi', 'neuronMonitor', {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            {
              matchExpressions: [{ key: 'aws.amazon.com/neuron.present', operator: 'In', values: ['true'] }],
            },
          ],
        },
      },
    }),
    {
      kind: 'Deployment',
      namespace: 'amazon-cloudwatch',
      name: 'kube-state-metrics',
      replicas: 1,
      pod: pod([{ name: 'kube-state-metrics', resources: { requests: { cpu: '50m', memory: '64Mi' } } }], {
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        tolerations: EXISTS,
      }),
      source: source('kubeStateMetrics.resources; root tolerations'),
    },
    {
      kind: 'Deployment',
      namespace: 'amazon-cloudwatch',
      name: 'amazon-cloudwatch-observability-controller-manager',
      replicas: 1,
      pod: pod([{ name: 'manager', resources: { requests: { cpu: '100m', memory: '64Mi' } } }], {
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        tolerations: [],
      }),
      source: source('manager.resources, manager.tolerations []'),
    },
  ];
}

/** What the tier knows it does not model, printed with every run. */
export const NOT_MODELLED: readonly string[] = [
  'eks-node-monitoring-agent v1.4.0-eksbuild.1 (a DaemonSet on every node, and its DCGM server on GPU nodes): no chart or manifest of it is readable here',
  'neuron-helm-chart 1.10.0 monitor (neuron-monitor exporter): the readable chart (1.0.0) has no such template',
  "Flux's own controllers (installed by infra/flux with the Helm provider before Flux applies anything)",
  'argo-workflows 2.0.2 CRD install hook Job (crds.upgradeJob, on the system nodes, 100m / 128Mi): the chart renders it only with crds.full (argoproj/argo-helm@af0a931:charts/argo-workflows/templates/crds-install-job.yaml), whose default at 2.0.2 could not be read here',
];

/** Namespaces the add-ons create (EKS creates them with the add-on). */
export const ADDON_NAMESPACES = ['amazon-cloudwatch'];

/** A restricted-compliant container security context (the modelled pods model capacity, not security). */
const SECURITY = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  runAsNonRoot: true,
  runAsUser: 65534,
  seccompProfile: { type: 'RuntimeDefault' },
};

/** The label selecting a modelled workload's pods. */
export const MODELLED_LABEL = 'simulation.genai-eks.io/modelled';

function container(c: ContainerModel): Values {
  const res = c.resources ?? {};
  return {
    name: c.name,
    image: 'registry.k8s.io/pause:3.10',
    securityContext: SECURITY,
    resources: {
      ...(res.requests && Object.keys(res.requests).length ? { requests: res.requests } : {}),
      ...(res.limits && Object.keys(res.limits).length ? { limits: res.limits } : {}),
    },
  };
}

/** The Deployment or DaemonSet object of a modelled workload. */
export function workloadManifest(w: ModelledWorkload): KubeManifest {
  const labels = { [MODELLED_LABEL]: w.name };
  const spec: Values = {
    selector: { matchLabels: labels },
    template: {
      metadata: { labels },
      spec: {
        automountServiceAccountToken: false,
        ...(w.pod.priorityClassName ? { priorityClassName: w.pod.priorityClassName } : {}),
        containers: w.pod.containers.map(container),
        ...(w.pod.initContainers?.length ? { initContainers: w.pod.initContainers.map(container) } : {}),
        ...(w.pod.nodeSelector ? { nodeSelector: w.pod.nodeSelector } : {}),
        ...(w.pod.tolerations?.length ? { tolerations: w.pod.tolerations } : {}),
        ...(w.pod.affinity ? { affinity: w.pod.affinity } : {}),
        ...(w.pod.topologySpreadConstraints?.length
          ? {
              topologySpreadConstraints: w.pod.topologySpreadConstraints.map((t) => ({
                labelSelector: { matchLabels: labels },
                ...rec(t),
              })),
            }
          : {}),
      },
    },
  };
  // A podAntiAffinity term without a label selector (the karpenter chart's default gets one from
  // its template) selects this workload's own pods.
  const anti = rec(rec(rec(spec.template).spec).affinity).podAntiAffinity as Values | undefined;
  if (anti) {
    for (const term of arr(anti.requiredDuringSchedulingIgnoredDuringExecution)) {
      const t = term as Values;
      if (!t.labelSelector) t.labelSelector = { matchLabels: labels };
    }
  }
  if (w.kind === 'Deployment' || w.kind === 'StatefulSet') spec.replicas = w.replicas ?? 1;
  if (w.kind === 'StatefulSet') {
    spec.serviceName = w.serviceName ?? w.name;
    if (w.claims?.length)
      spec.volumeClaimTemplates = w.claims.map((c) => ({ metadata: { name: c.name }, spec: c.spec }));
  }
  if (w.kind === 'Job') {
    // The Job controller generates the selector and labels the pods; a Job's pods never restart.
    delete spec.selector;
    rec(rec(spec.template).spec).restartPolicy = 'Never';
    spec.backoffLimit = 0;
  }
  return {
    apiVersion: w.kind === 'Job' ? 'batch/v1' : 'apps/v1',
    kind: w.kind,
    metadata: {
      name: w.name,
      namespace: w.namespace,
      labels,
      annotations: { 'simulation.genai-eks.io/source': w.source },
    },
    spec,
  } as KubeManifest;
}
