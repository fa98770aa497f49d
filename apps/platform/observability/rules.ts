/**
 * Alert and recording rules as code, one PrometheusRule per group, rendered by kube-prometheus-stack
 * from its `additionalPrometheusRulesMap` value (values.ts). Every rule has unit tests in
 * test/rules/*.test.yaml that `npm run test:rules` runs with promtool against the rules as
 * rendered in dist/ (docs/platform.md, "Observability"); test/observability.test.ts fails when a
 * rule has none.
 *
 * Thresholds are the same in every environment, so one set of tests holds for all of them.
 */
import type {
  PrometheusRuleSpecGroups,
  PrometheusRuleSpecGroupsRules,
} from '../../imports/prometheusrule-monitoring.coreos.com.js';
import { DCGM, KARPENTER, KUBE_STATE_METRICS, NEURON, TARGET_LABELS, VLLM } from './metrics.js';

export type Severity = 'warning' | 'critical';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  /** How long the condition holds before the alert fires. */
  readonly for: string;
  readonly severity: Severity;
  readonly summary: string;
  readonly description: string;
}

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly (AlertRule | RecordingRule)[];
}

const { node, vllmDeployment } = TARGET_LABELS;
/** Labels a vLLM deployment's series are aggregated by. */
const BY_DEPLOYMENT = `namespace, ${vllmDeployment}`;

/** Recorded series, named level:metric:operations (prometheus.io/docs/practices/rules/). */
export const RECORDED = {
  /** Waiting requests of a vLLM deployment, summed over its replicas. */
  vllmWaiting: `${vllmDeployment}:vllm_num_requests_waiting:sum`,
  /** Generated tokens per second of a vLLM deployment. */
  vllmGenerationRate: `${vllmDeployment}:vllm_generation_tokens:rate2m`,
  /** 90th percentile time to first token of a vLLM deployment over 2 minutes, seconds. */
  vllmTtftP90: `${vllmDeployment}:vllm_time_to_first_token_seconds:p90_2m`,
  /** Estimated on-demand or spot price of the nodes Karpenter runs, per NodePool, US dollars per hour. */
  nodeCost: 'nodepool:karpenter_node_cost_usd_per_hour:sum',
} as const;

/** KV cache use above which a vLLM replica preempts or queues requests (issue 18: 90%). */
export const KV_CACHE_ALERT = 0.9;

export const RULE_GROUPS: readonly RuleGroup[] = [
  {
    name: 'genai-vllm.rules',
    rules: [
      { record: RECORDED.vllmWaiting, expr: `sum by (${BY_DEPLOYMENT}) (${VLLM.waiting})` },
      {
        record: RECORDED.vllmGenerationRate,
        expr: `sum by (${BY_DEPLOYMENT}) (rate(${VLLM.generationTokens}[2m]))`,
      },
      {
        record: RECORDED.vllmTtftP90,
        expr: `histogram_quantile(0.9, sum by (${BY_DEPLOYMENT}, le) (rate(${VLLM.timeToFirstToken}_bucket[2m])))`,
      },
    ],
  },
  {
    name: 'genai-vllm',
    rules: [
      {
        alert: 'VllmKvCacheNearlyFull',
        expr: `${VLLM.kvCacheUsage} > ${KV_CACHE_ALERT}`,
        for: '10m',
        severity: 'warning',
        summary: 'vLLM KV cache above 90% on {{ $labels.pod }}',
        description:
          'Replica {{ $labels.pod }} of {{ $labels.vllm_deployment }} has used more than 90% of its KV cache for 10 minutes: new requests wait or preempt running ones. Add replicas (scaling.maxReplicas) or memory (gpuMemoryUtilization, a larger instance).',
      },
      {
        alert: 'VllmQueueGrowing',
        expr: `deriv(${RECORDED.vllmWaiting}[10m]) > 0 and ${RECORDED.vllmWaiting} > 0`,
        for: '10m',
        severity: 'warning',
        summary: 'vLLM queue of {{ $labels.vllm_deployment }} keeps growing',
        description:
          'Requests waiting on {{ $labels.namespace }}/{{ $labels.vllm_deployment }} have grown for 10 minutes: the replicas do not keep up. Check that the autoscaler is not at scaling.maxReplicas and that new replicas get nodes (KarpenterNodeLaunchFailures).',
      },
    ],
  },
  {
    name: 'genai-accelerators',
    rules: [
      {
        alert: 'GpuIdle',
        expr: `max_over_time(${DCGM.gpuUtilization}[10m]) < 1`,
        for: '1h',
        severity: 'warning',
        summary: 'GPU {{ $labels.gpu }} on {{ $labels.node }} idle for an hour',
        description:
          'GPU {{ $labels.gpu }} ({{ $labels.modelName }}) on node {{ $labels.node }} has done no work for more than an hour while its node runs (and costs). Scale the workload down or let the node go.',
      },
      {
        alert: 'NeuronCoreIdle',
        expr: `max_over_time(${NEURON.coreUtilization}[10m]) < 0.01`,
        for: '1h',
        severity: 'warning',
        summary: 'NeuronCore {{ $labels.neuroncore }} on {{ $labels.node }} idle for an hour',
        description:
          'NeuronCore {{ $labels.neuroncore }} on node {{ $labels.node }} holds a loaded model but has done no work for more than an hour. Scale the workload down or let the node go.',
      },
      {
        alert: 'NeuronExecutionErrors',
        expr: `sum by (${node}, status_type) (increase(${NEURON.executionStatus}{status_type!="completed"}[10m])) > 0`,
        for: '0m',
        severity: 'critical',
        summary: 'Neuron executions failing on {{ $labels.node }} ({{ $labels.status_type }})',
        description:
          'Model executions on the Neuron devices of node {{ $labels.node }} ended as {{ $labels.status_type }} in the last 10 minutes. Check the serving pod logs and the node (hardware errors: replace the node).',
      },
    ],
  },
  {
    name: 'genai-workloads',
    rules: [
      {
        alert: 'ContainerRestarting',
        // increase() extrapolates a little past the samples; ">= 2" still needs two restarts.
        expr: `increase(${KUBE_STATE_METRICS.restarts}[30m]) >= 2`,
        for: '0m',
        severity: 'warning',
        summary: 'Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} restarts',
        description:
          'Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} restarted at least twice in 30 minutes (for a model server: failed loads, out of memory, or failing health checks).',
      },
    ],
  },
  {
    name: 'genai-karpenter',
    rules: [
      {
        alert: 'KarpenterNodeLaunchFailures',
        expr: `sum by (error) (increase(${KARPENTER.cloudProviderErrors}{method="Create"}[15m])) > 0`,
        for: '15m',
        severity: 'warning',
        summary: 'Karpenter cannot launch nodes ({{ $labels.error }})',
        description:
          'Karpenter has failed to launch EC2 instances for 15 minutes (error "{{ $labels.error }}"; empty when the cloud provider gave no known type). Pending pods stay pending: check capacity in the pool\'s instance families and zones, the pool limits and the reservation ids.',
      },
    ],
  },
  {
    name: 'genai-cost.rules',
    rules: [
      {
        // One series per Karpenter node (group), priced by its offering (max over duplicate
        // exporters), summed per NodePool.
        record: RECORDED.nodeCost,
        expr:
          `sum by (nodepool) (group by (node_name, nodepool, instance_type, capacity_type, zone) (${KARPENTER.nodeLifetime})` +
          ` * on (instance_type, capacity_type, zone) group_left () max by (instance_type, capacity_type, zone) (${KARPENTER.offeringPrice}))`,
      },
    ],
  },
];

const isAlert = (r: AlertRule | RecordingRule): r is AlertRule => 'alert' in r;

/**
 * A PrometheusRule `spec.groups` entry as Helm values carry it: the field names typed by the
 * pinned CRD's import, `expr` as the plain string the chart writes with `toYaml`.
 */
export type RuleGroupValue = Omit<PrometheusRuleSpecGroups, 'rules'> & {
  readonly rules: (Omit<PrometheusRuleSpecGroupsRules, 'expr'> & { readonly expr: string })[];
};

/** The groups as PrometheusRule `spec.groups` entries. */
export function ruleGroups(): RuleGroupValue[] {
  return RULE_GROUPS.map((g) => ({
    name: g.name,
    rules: g.rules.map((r) =>
      isAlert(r)
        ? {
            alert: r.alert,
            expr: r.expr,
            for: r.for,
            labels: { severity: r.severity },
            annotations: { summary: r.summary, description: r.description },
          }
        : { record: r.record, expr: r.expr },
    ),
  }));
}
