/**
 * Observability as code: an in-cluster Prometheus stack (docs/decisions.md, "Observability"),
 * what it scrapes, its alert rules and its Grafana dashboards, all rendered from the repository.
 *
 * - controllers layer: the Prometheus Operator CRDs (chart prometheus-operator-crds), so that the
 *   monitors and rules below apply in configs;
 * - configs layer: ServiceMonitors and PodMonitors for the platform's exporters (DCGM exporter,
 *   neuron-monitor, Karpenter) and the dashboards (dashboards.ts, ConfigMaps that Grafana's
 *   sidecar loads);
 * - apps layer: kube-prometheus-stack itself (operator, Prometheus, Alertmanager, Grafana,
 *   kube-state-metrics) on the cpu pool, because Prometheus's volume needs the gp3 StorageClass and
 *   the pods need NodePools, both from the configs layer (apps/lib/flux.ts, HelmReleaseProps.layer);
 *   its release renders the alert and recording rules (rules.ts) as PrometheusRules from
 *   `additionalPrometheusRulesMap` (docs/decisions.md, "Observability", says why not objects here).
 *
 * Workloads register their own scrape targets with `scrapePods` (the PodMonitor and the
 * NetworkPolicy that lets Prometheus into an isolated namespace).
 */
import { ConfigMap } from 'cdk8s-plus-28';
import { IDENTITIES } from '../../../clusters/contract.js';
import { versions } from '../../../clusters/versions.js';
import {
  PodMonitor,
  PodMonitorSpecPodMetricsEndpointsRelabelingsAction,
} from '../../imports/podmonitor-monitoring.coreos.com.js';
import {
  ServiceMonitor,
  ServiceMonitorSpecEndpointsRelabelingsAction,
} from '../../imports/servicemonitor-monitoring.coreos.com.js';
import type { Cluster } from '../../lib/cluster.js';
import { helmRelease } from '../../lib/flux.js';
import type { Labels } from '../../lib/network.js';
import { cpuPlacement } from '../../lib/pod.js';
import { NVIDIA_NAMESPACE } from '../accelerators/index.js';
import { STORAGE_CLASS_GP3 } from '../storage/index.js';
import { DASHBOARD_LABEL, dashboards } from './dashboards.js';
import { TARGET_LABELS } from './metrics.js';
import { ruleGroups } from './rules.js';
import type { KubePrometheusStackValues, PrometheusOperatorCrdsValues } from './values.js';

/** Namespace of the monitoring stack. */
export const MONITORING_NAMESPACE = 'monitoring';
/** kube-prometheus-stack's fullnameOverride: its objects are called `monitoring-…`. */
const FULLNAME = 'monitoring';
/**
 * Prometheus Operator release that the pinned kube-prometheus-stack deploys (its appVersion:
 * prometheus-community/helm-charts@kube-prometheus-stack-88.3.0:charts/kube-prometheus-stack/
 * Chart.yaml). It must be the release whose CRDs the prometheus-operator-crds chart installs
 * (test/observability.test.ts compares it with tools/imports/sources.ts).
 */
export const KUBE_PROMETHEUS_STACK_OPERATOR: Readonly<Record<string, string>> = { '88.3.0': 'v0.93.0' };

/**
 * Prometheus's query endpoint inside the cluster: the Service `<fullname>-prometheus` on
 * `prometheus.service.port` 9090 (templates/prometheus/service.yaml and values.yaml of the
 * pinned chart).
 */
export const PROMETHEUS_URL = `http://${FULLNAME}-prometheus.${MONITORING_NAMESPACE}.svc.cluster.local:9090`;

/**
 * Releases whose Services and pods the monitors below select, as the platform installs them
 * (apps/platform/accelerators, apps/platform/karpenter); test/observability.test.ts checks that
 * each is rendered where the monitor looks for it.
 */
export const SCRAPED_RELEASES = {
  dcgmExporter: { release: 'dcgm-exporter', namespace: NVIDIA_NAMESPACE },
  neuron: { release: 'neuron', namespace: 'kube-system' },
  karpenter: { release: 'karpenter', namespace: IDENTITIES.karpenter.namespace },
} as const;

/** A set of pods Prometheus scrapes, declared by the capability that runs them. */
export interface ScrapeTarget {
  /** Names the PodMonitor and the NetworkPolicy (`allow-<name>`… in the pods' namespace). */
  readonly name: string;
  readonly namespace: string;
  /** Labels that select the pods. */
  readonly podLabels: Labels;
  /** Name of the container port serving metrics. */
  readonly port: string;
  /** Its number (for the NetworkPolicy). */
  readonly portNumber: number;
  /** Target labels copied from pod labels: target label -> pod label key. @default none */
  readonly labelsFromPod?: Readonly<Record<string, string>>;
  /** Flux layer of the PodMonitor (the pods' own layer reads best). */
  readonly layer: 'configs' | 'apps';
}

/** What the monitoring stack offers the rest of the cluster. */
export interface Observability {
  readonly namespace: string;
  /** Prometheus's HTTP API, for in-cluster queries (the autoscaler's triggers). */
  readonly prometheusUrl: string;
  /** Prometheus scrapes `target` (a PodMonitor, and a NetworkPolicy where the namespace is isolated). */
  scrapePods(target: ScrapeTarget): void;
}

/** `__meta_kubernetes_pod_label_<name>` of a pod label (unsupported characters become `_`). */
function podLabelMeta(key: string): string {
  return `__meta_kubernetes_pod_label_${key.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

export function observability(cluster: Cluster, after: readonly string[]): Observability {
  const { env } = cluster;
  const ns = cluster.namespaces.declare(MONITORING_NAMESPACE, { podSecurity: 'restricted' });

  helmRelease<PrometheusOperatorCrdsValues>(cluster, {
    name: 'prometheus-operator-crds',
    namespace: ns,
    chart: versions.prometheusOperatorCrds,
    dependsOn: after,
    values: {},
  });

  const placement = { nodeSelector: cpuPlacement().nodeSelector };
  const small = { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } };
  helmRelease<KubePrometheusStackValues>(cluster, {
    name: 'kube-prometheus-stack',
    namespace: ns,
    chart: versions.kubePrometheusStack,
    layer: 'apps',
    timeout: '15m',
    values: {
      fullnameOverride: FULLNAME,
      crds: { enabled: false },
      defaultRules: { rules: { nodeExporterAlerting: false, nodeExporterRecording: false } },
      kubeEtcd: { enabled: false },
      kubeScheduler: { enabled: false },
      kubeControllerManager: { enabled: false },
      kubeProxy: { enabled: false },
      nodeExporter: { enabled: false },
      prometheusOperator: {
        ...placement,
        resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
        admissionWebhooks: { patch: { ...placement, resources: small } },
      },
      prometheus: {
        prometheusSpec: {
          ...placement,
          image: {
            registry: 'quay.io',
            repository: versions.prometheus.image.replace(/^quay\.io\//, ''),
            tag: versions.prometheus.tag,
          },
          retention: env.observability.retention,
          // Prometheus stops keeping samples at 90% of the volume, before it fills.
          retentionSize: `${Math.floor(env.observability.storageGiB * 0.9)}GB`,
          resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { memory: '4Gi' } },
          storageSpec: {
            volumeClaimTemplate: {
              spec: {
                storageClassName: STORAGE_CLASS_GP3,
                accessModes: ['ReadWriteOnce'],
                resources: { requests: { storage: `${env.observability.storageGiB}Gi` } },
              },
            },
          },
          serviceMonitorSelectorNilUsesHelmValues: false,
          podMonitorSelectorNilUsesHelmValues: false,
          ruleSelectorNilUsesHelmValues: false,
        },
      },
      alertmanager: {
        alertmanagerSpec: {
          ...placement,
          resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } },
        },
      },
      grafana: {
        ...placement,
        resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
        defaultDashboardsEnabled: true,
        testFramework: { enabled: false },
        sidecar: {
          dashboards: {
            enabled: true,
            label: DASHBOARD_LABEL.key,
            labelValue: DASHBOARD_LABEL.value,
            searchNamespace: MONITORING_NAMESPACE,
          },
          datasources: { uid: 'prometheus' },
        },
      },
      'kube-state-metrics': {
        ...placement,
        resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } },
      },
      // One PrometheusRule per group, `genai-<group>` without the dots of Prometheus's group
      // naming convention (the chart names it `<fullname>-<key>`).
      additionalPrometheusRulesMap: Object.fromEntries(
        ruleGroups().map((group) => [
          group.name.replace(/\./g, '-'),
          { additionalLabels: { 'app.kubernetes.io/part-of': 'genai-eks' }, groups: [group] },
        ]),
      ),
    },
  });

  const configs = cluster.layers.configs;
  const nodeFromPod = {
    sourceLabels: ['__meta_kubernetes_pod_node_name'],
    targetLabel: TARGET_LABELS.node,
  };

  // DCGM exporter: its chart's Service (labels from templates/_helpers.tpl, port `metrics` from
  // templates/service.yaml of NVIDIA/dcgm-exporter deployment/ at 4.2.3-4.1.1 and 4.5.3-4.8.2).
  const dcgm = SCRAPED_RELEASES.dcgmExporter;
  new ServiceMonitor(configs, 'servicemonitor-dcgm-exporter', {
    metadata: { name: 'dcgm-exporter', namespace: ns },
    spec: {
      namespaceSelector: { matchNames: [dcgm.namespace] },
      selector: {
        matchLabels: {
          'app.kubernetes.io/name': 'dcgm-exporter',
          'app.kubernetes.io/instance': dcgm.release,
        },
      },
      endpoints: [
        {
          port: 'metrics',
          interval: '30s',
          relabelings: [{ ...nodeFromPod, action: ServiceMonitorSpecEndpointsRelabelingsAction.REPLACE }],
        },
      ],
    },
  });

  // neuron-monitor: the Neuron chart's exporter DaemonSet runs a container named `neuron-monitor`
  // (aws-neuron/neuron-helm-charts templates/monitor-exporter-daemonset.yaml; the SDK's own
  // manifest names it the same: aws-neuron/aws-neuron-sdk@v2.28.0:src/k8/k8s-neuron-monitor-daemonset.yml).
  // Pods are kept by container name, not by the chart's labels; with no port given the operator
  // scrapes every port the container declares (prometheus-operator@v0.93.0:pkg/prometheus/promcfg.go,
  // generatePodMonitorConfig).
  const neuron = SCRAPED_RELEASES.neuron;
  new PodMonitor(configs, 'podmonitor-neuron-monitor', {
    metadata: { name: 'neuron-monitor', namespace: ns },
    spec: {
      namespaceSelector: { matchNames: [neuron.namespace] },
      selector: {},
      podMetricsEndpoints: [
        {
          interval: '30s',
          relabelings: [
            {
              action: PodMonitorSpecPodMetricsEndpointsRelabelingsAction.KEEP,
              sourceLabels: ['__meta_kubernetes_pod_container_name'],
              regex: 'neuron-monitor',
            },
            { ...nodeFromPod, action: PodMonitorSpecPodMetricsEndpointsRelabelingsAction.REPLACE },
          ],
        },
      ],
    },
  });

  // Karpenter: the chart's Service, port `http-metrics` (aws/karpenter-provider-aws@v1.14.1:
  // charts/karpenter/templates/service.yaml; labels from templates/_helpers.tpl selectorLabels).
  const karpenter = SCRAPED_RELEASES.karpenter;
  new ServiceMonitor(configs, 'servicemonitor-karpenter', {
    metadata: { name: 'karpenter', namespace: ns },
    spec: {
      namespaceSelector: { matchNames: [karpenter.namespace] },
      selector: {
        matchLabels: {
          'app.kubernetes.io/name': 'karpenter',
          'app.kubernetes.io/instance': karpenter.release,
        },
      },
      endpoints: [{ port: 'http-metrics', interval: '30s' }],
    },
  });

  for (const d of dashboards()) {
    new ConfigMap(configs, `configmap-dashboard-${d.uid}`, {
      metadata: {
        name: `dashboard-${d.uid}`,
        namespace: ns,
        labels: { [DASHBOARD_LABEL.key]: DASHBOARD_LABEL.value },
      },
      data: { [`${d.uid}.json`]: JSON.stringify(d, null, 2) },
      immutable: false,
    });
  }

  return {
    namespace: ns,
    prometheusUrl: PROMETHEUS_URL,
    scrapePods(t: ScrapeTarget): void {
      const relabelings = Object.entries(t.labelsFromPod ?? {}).map(([target, key]) => ({
        action: PodMonitorSpecPodMetricsEndpointsRelabelingsAction.REPLACE,
        sourceLabels: [podLabelMeta(key)],
        targetLabel: target,
      }));
      new PodMonitor(cluster.layers[t.layer], `podmonitor-${t.namespace}-${t.name}`, {
        metadata: { name: t.name, namespace: t.namespace },
        spec: {
          selector: { matchLabels: { ...t.podLabels } },
          podMetricsEndpoints: [
            { port: t.port, interval: '15s', ...(relabelings.length > 0 ? { relabelings } : {}) },
          ],
        },
      });
      cluster.network.flow(
        { namespace: ns, name: `prometheus-${t.name}` },
        { namespace: t.namespace, podLabels: t.podLabels, name: `${t.name}-metrics` },
        [{ port: t.portNumber }],
      );
    },
  };
}
