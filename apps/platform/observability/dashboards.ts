/**
 * Grafana dashboards provisioned from the repository: each is a ConfigMap in the monitoring
 * namespace with the label Grafana's dashboard sidecar watches (kube-prometheus-stack's
 * `grafana.sidecar.dashboards.label`/`labelValue`, set in index.ts; the sidecar loads every
 * ConfigMap so labelled: grafana-community/helm-charts@grafana-12.10.4:charts/grafana/values.yaml,
 * `sidecar.dashboards`). Queries read the datasource `prometheus` (the uid kube-prometheus-stack
 * gives its Prometheus datasource, `grafana.sidecar.datasources.uid`).
 *
 * The JSON is the dashboard model Grafana stores (grafana.com/docs/grafana/latest/dashboards/
 * build-dashboards/view-dashboard-json-model/); Grafana migrates an older `schemaVersion` on load.
 */
import { DCGM, KARPENTER, KUBE_STATE_METRICS, NEURON, TARGET_LABELS, VLLM } from './metrics.js';
import { RECORDED } from './rules.js';

/** The label Grafana's sidecar selects dashboard ConfigMaps by. */
export const DASHBOARD_LABEL = { key: 'grafana_dashboard', value: '1' } as const;

const DATASOURCE = { type: 'prometheus', uid: 'prometheus' } as const;

export interface Target {
  readonly refId: string;
  readonly expr: string;
  readonly legendFormat: string;
  readonly datasource: typeof DATASOURCE;
}

export interface Panel {
  readonly id: number;
  readonly type: 'timeseries' | 'stat';
  readonly title: string;
  readonly description: string;
  readonly datasource: typeof DATASOURCE;
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly fieldConfig: {
    readonly defaults: { readonly unit: string };
    readonly overrides: readonly never[];
  };
  readonly targets: readonly Target[];
}

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly schemaVersion: number;
  readonly editable: boolean;
  readonly refresh: string;
  readonly time: { readonly from: string; readonly to: string };
  readonly templating: { readonly list: readonly object[] };
  readonly panels: readonly Panel[];
}

interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  readonly type?: Panel['type'];
  readonly queries: readonly (readonly [expr: string, legend: string])[];
}

/** Lays panels out two per row, 12 columns wide and 8 high. */
function dashboard(
  uid: string,
  title: string,
  panels: readonly PanelSpec[],
  variables: readonly object[] = [],
): Dashboard {
  return {
    uid,
    title,
    tags: ['genai-eks'],
    schemaVersion: 39,
    editable: false,
    refresh: '1m',
    time: { from: 'now-6h', to: 'now' },
    templating: { list: variables },
    panels: panels.map((p, i) => ({
      id: i + 1,
      type: p.type ?? 'timeseries',
      title: p.title,
      description: p.description,
      datasource: DATASOURCE,
      gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      targets: p.queries.map(([expr, legendFormat], j) => ({
        refId: String.fromCharCode(65 + j),
        expr,
        legendFormat,
        datasource: DATASOURCE,
      })),
    })),
  };
}

const { node, vllmDeployment } = TARGET_LABELS;
/** Grafana's variable reference for the selected vLLM deployments. */
const SELECTED = `${vllmDeployment}=~"$deployment"`;

function accelerators(): Dashboard {
  return dashboard('genai-accelerators', 'GenAI / Accelerators', [
    {
      title: 'GPU utilisation',
      description: `${DCGM.gpuUtilization} per GPU (DCGM exporter).`,
      unit: 'percent',
      queries: [[`${DCGM.gpuUtilization}`, `{{${node}}} GPU {{gpu}}`]],
    },
    {
      title: 'GPU memory used',
      description: `${DCGM.memoryUsed} / (${DCGM.memoryUsed} + ${DCGM.memoryFree}) per GPU.`,
      unit: 'percentunit',
      queries: [
        [`${DCGM.memoryUsed} / (${DCGM.memoryUsed} + ${DCGM.memoryFree})`, `{{${node}}} GPU {{gpu}}`],
      ],
    },
    {
      title: 'NeuronCore utilisation',
      description: `${NEURON.coreUtilization} averaged over each node's NeuronCores (neuron-monitor).`,
      unit: 'percentunit',
      queries: [[`avg by (${node}) (${NEURON.coreUtilization})`, `{{${node}}}`]],
    },
    {
      title: 'Neuron runtime memory',
      description: `${NEURON.runtimeMemory} per node and location (host, neuron_device).`,
      unit: 'bytes',
      queries: [
        [`sum by (${node}, memory_location) (${NEURON.runtimeMemory})`, `{{${node}}} {{memory_location}}`],
      ],
    },
  ]);
}

function serving(): Dashboard {
  const variable = {
    name: 'deployment',
    label: 'vLLM deployment',
    type: 'query',
    datasource: DATASOURCE,
    query: { query: `label_values(${VLLM.running}, ${vllmDeployment})`, refId: 'deployment' },
    definition: `label_values(${VLLM.running}, ${vllmDeployment})`,
    refresh: 2,
    includeAll: true,
    multi: true,
    current: { text: 'All', value: '$__all' },
  };
  const quantile = (q: number) =>
    `histogram_quantile(${q}, sum by (${vllmDeployment}, le) (rate(${VLLM.timeToFirstToken}_bucket{${SELECTED}}[5m])))`;
  return dashboard(
    'genai-serving',
    'GenAI / Model serving (vLLM)',
    [
      {
        title: 'Queue',
        description: `Requests running (${VLLM.running}) and waiting (${VLLM.waiting}), per deployment.`,
        unit: 'short',
        queries: [
          [`sum by (${vllmDeployment}) (${VLLM.running}{${SELECTED}})`, `{{${vllmDeployment}}} running`],
          [`sum by (${vllmDeployment}) (${VLLM.waiting}{${SELECTED}})`, `{{${vllmDeployment}}} waiting`],
        ],
      },
      {
        title: 'Time to first token',
        description: `50th, 90th and 99th percentile of ${VLLM.timeToFirstToken} over 5 minutes.`,
        unit: 's',
        queries: [
          [quantile(0.5), `{{${vllmDeployment}}} p50`],
          [quantile(0.9), `{{${vllmDeployment}}} p90`],
          [quantile(0.99), `{{${vllmDeployment}}} p99`],
        ],
      },
      {
        title: 'Tokens per second',
        description: `Rate of ${VLLM.promptTokens} and ${VLLM.generationTokens}.`,
        unit: 'short',
        queries: [
          [
            `sum by (${vllmDeployment}) (rate(${VLLM.promptTokens}{${SELECTED}}[2m]))`,
            `{{${vllmDeployment}}} prompt`,
          ],
          [
            `sum by (${vllmDeployment}) (rate(${VLLM.generationTokens}{${SELECTED}}[2m]))`,
            `{{${vllmDeployment}}} generated`,
          ],
        ],
      },
      {
        title: 'KV-cache use',
        description: `${VLLM.kvCacheUsage} per replica; VllmKvCacheNearlyFull fires above 90%.`,
        unit: 'percentunit',
        queries: [[`${VLLM.kvCacheUsage}{${SELECTED}}`, '{{pod}}']],
      },
      {
        title: 'Replicas',
        description: `Desired (${KUBE_STATE_METRICS.deploymentDesired}, set by the autoscaler) and ready replicas of each vLLM Deployment.`,
        unit: 'short',
        queries: [
          [
            `${KUBE_STATE_METRICS.deploymentDesired}{deployment=~"vllm-($deployment)"}`,
            '{{deployment}} desired',
          ],
          [`${KUBE_STATE_METRICS.deploymentReady}{deployment=~"vllm-($deployment)"}`, '{{deployment}} ready'],
        ],
      },
      {
        title: 'Waiting requests (recorded)',
        description: `${RECORDED.vllmWaiting}: the queue the autoscaler and VllmQueueGrowing read.`,
        unit: 'short',
        queries: [[`${RECORDED.vllmWaiting}{${SELECTED}}`, `{{${vllmDeployment}}}`]],
      },
    ],
    [variable],
  );
}

function cost(): Dashboard {
  return dashboard('genai-cost', 'GenAI / Cost of running nodes', [
    {
      title: 'Cost per hour by NodePool',
      description: `${RECORDED.nodeCost}: every Karpenter node priced at Karpenter's own offering estimate (${KARPENTER.offeringPrice}), US dollars per hour. The system node group is not a Karpenter node and is not counted.`,
      unit: 'currencyUSD',
      queries: [[RECORDED.nodeCost, '{{nodepool}}']],
    },
    {
      title: 'Cost per hour, all NodePools',
      description: `Sum of ${RECORDED.nodeCost}.`,
      unit: 'currencyUSD',
      type: 'stat',
      queries: [[`sum(${RECORDED.nodeCost})`, 'total']],
    },
    {
      title: 'Nodes by NodePool and instance type',
      description: `Karpenter's nodes (${KARPENTER.nodeLifetime} has one series per node).`,
      unit: 'short',
      queries: [
        [
          `count by (nodepool, instance_type, capacity_type) (${KARPENTER.nodeLifetime})`,
          '{{nodepool}} {{instance_type}} {{capacity_type}}',
        ],
      ],
    },
  ]);
}

/** Every dashboard, in a fixed order. */
export function dashboards(): Dashboard[] {
  return [accelerators(), serving(), cost()];
}
