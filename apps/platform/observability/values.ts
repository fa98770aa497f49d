/**
 * Values of kube-prometheus-stack 88.3.0 that this project sets, typed. Every key was read in
 * the chart's values.yaml at prometheus-community/helm-charts@kube-prometheus-stack-88.3.0:
 * charts/kube-prometheus-stack/values.yaml, and in its subcharts' at the versions its Chart.yaml
 * pins: grafana 12.10.4 (grafana-community/helm-charts@grafana-12.10.4:charts/grafana/values.yaml)
 * and kube-state-metrics 8.2.0 (prometheus-community/helm-charts@kube-state-metrics-8.2.0:
 * charts/kube-state-metrics/values.yaml). Keys a subchart reads are written under the subchart's
 * name (`grafana.`, `kube-state-metrics.`).
 */
import type { Toleration } from '../../imports/k8s.js';
import type { Resources } from '../../lib/values.js';
import type { RuleGroupValue } from './rules.js';

type Selector = Readonly<Record<string, string>>;

interface Placed {
  readonly nodeSelector: Selector;
  readonly tolerations?: readonly Toleration[];
}

export interface KubePrometheusStackValues {
  /** Names every object `<fullnameOverride>-…` (templates/_helpers.tpl, "kube-prometheus-stack.fullname"). */
  readonly fullnameOverride: string;
  /** The CRDs come from the prometheus-operator-crds release in the controllers layer. */
  readonly crds: { readonly enabled: boolean };
  /** Default rules; the node-exporter groups are off with node-exporter. */
  readonly defaultRules: {
    readonly rules: { readonly nodeExporterAlerting: boolean; readonly nodeExporterRecording: boolean };
  };
  /** EKS runs the control plane: etcd, scheduler and controller manager cannot be scraped. */
  readonly kubeEtcd: { readonly enabled: boolean };
  readonly kubeScheduler: { readonly enabled: boolean };
  readonly kubeControllerManager: { readonly enabled: boolean };
  /** kube-proxy (an EKS add-on) serves its metrics on the node's loopback only. */
  readonly kubeProxy: { readonly enabled: boolean };
  /** node-exporter needs host access (a privileged namespace); not deployed. */
  readonly nodeExporter: { readonly enabled: boolean };
  readonly prometheusOperator: Placed & {
    readonly resources: Resources;
    readonly admissionWebhooks: { readonly patch: Placed & { readonly resources: Resources } };
  };
  readonly prometheus: {
    readonly prometheusSpec: Placed & {
      readonly image: { readonly registry: string; readonly repository: string; readonly tag: string };
      readonly retention: string;
      readonly retentionSize: string;
      readonly resources: Resources;
      readonly storageSpec: {
        readonly volumeClaimTemplate: {
          readonly spec: {
            readonly storageClassName: string;
            readonly accessModes: readonly string[];
            readonly resources: { readonly requests: { readonly storage: string } };
          };
        };
      };
      /** Select every ServiceMonitor, PodMonitor and PrometheusRule, not only the release's. */
      readonly serviceMonitorSelectorNilUsesHelmValues: boolean;
      readonly podMonitorSelectorNilUsesHelmValues: boolean;
      readonly ruleSelectorNilUsesHelmValues: boolean;
    };
  };
  readonly alertmanager: { readonly alertmanagerSpec: Placed & { readonly resources: Resources } };
  readonly grafana: Placed & {
    readonly resources: Resources;
    readonly defaultDashboardsEnabled: boolean;
    /** The chart's `helm test` pod (not restricted-compliant); Flux runs no Helm tests unless asked. */
    readonly testFramework: { readonly enabled: boolean };
    readonly sidecar: {
      readonly dashboards: {
        readonly enabled: boolean;
        readonly label: string;
        readonly labelValue: string;
        readonly searchNamespace: string;
      };
      readonly datasources: { readonly uid: string };
    };
  };
  readonly 'kube-state-metrics': Placed & { readonly resources: Resources };
  /**
   * Rules the chart renders as PrometheusRules: one per key, named `<fullname>-<key>` (cut to 63
   * characters), in the release namespace, with `additionalLabels` and `groups`
   * (templates/prometheus/additionalPrometheusRules.yaml; values.yaml `additionalPrometheusRulesMap: {}`).
   */
  readonly additionalPrometheusRulesMap: Readonly<
    Record<
      string,
      {
        readonly additionalLabels: Readonly<Record<string, string>>;
        readonly groups: readonly RuleGroupValue[];
      }
    >
  >;
}

/**
 * Values of the prometheus-operator-crds chart 31.0.0: none; its defaults install every CRD of
 * the operator, which kube-prometheus-stack needs (charts/prometheus-operator-crds/values.yaml,
 * `crds.<kind>.enabled: true` for each).
 */
export type PrometheusOperatorCrdsValues = Readonly<Record<string, never>>;
