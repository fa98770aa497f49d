/**
 * Bootstrap order: the controllers layer must become Ready on the system managed node group
 * alone (Karpenter's NodePools come later, in the configs layer). Every HelmRelease rendered into
 * dist/k8s/<env>/controllers whose chart runs a Deployment must place it on the system nodes
 * through the chart's own values keys. See docs/platform.md, "Bootstrap order".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { NODEPOOL_LABEL } from '../apps/lib/platform.js';
import { SYSTEM_NODE_LABEL, SYSTEM_NODE_TAINT_KEY } from '../clusters/lib/system-nodes.js';
import { listFiles } from '../render/compare.js';
import { ROOT } from './helpers.js';

/**
 * Per chart: where each of its Deployments takes nodeSelector and tolerations in the values
 * (confirmed in the chart's values.yaml; see the comment at each release in apps/), or
 * 'daemonsets-only' for a chart whose every workload is a per-node DaemonSet that belongs on the
 * accelerator nodes. A chart in the controllers layer that is not listed here fails the test.
 */
const CHART_PLACEMENT: Readonly<Record<string, 'daemonsets-only' | readonly (readonly string[])[]>> = {
  karpenter: [[]],
  'aws-load-balancer-controller': [[]],
  'external-secrets': [[], ['webhook'], ['certController']],
  // Device plugin and GFD are DaemonSets on GPU nodes; NFD master and gc are Deployments.
  'nvidia-device-plugin': [
    ['nfd', 'master'],
    ['nfd', 'gc'],
  ],
  // Device plugin and monitor are DaemonSets on neuron nodes; the schedulers are Deployments.
  'neuron-helm-chart': [['scheduler'], ['scheduler', 'customScheduler']],
  'kuberay-operator': [[]],
  'argo-workflows': [['controller'], ['server']],
  'dcgm-exporter': 'daemonsets-only',
  'aws-efa-k8s-device-plugin': 'daemonsets-only',
};

type Obj = Record<string, unknown>;

interface ControllerRelease {
  /** Where it was read from (for messages). */
  readonly file: string;
  /** Chart name: spec.chart.spec.chart, or the last path segment of the OCIRepository's URL. */
  readonly chart: string;
  readonly values: Obj;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Problems with the system-node placement of one controllers-layer release (empty: fine). */
function placementProblems(release: ControllerRelease): string[] {
  const entry = CHART_PLACEMENT[release.chart];
  if (entry === undefined) {
    return [
      `${release.file}: chart ${release.chart} is in the controllers layer but has no entry in CHART_PLACEMENT (test/placement.test.ts): add the values paths where its Deployments take nodeSelector and tolerations (from the chart's values.yaml at the pinned version), or 'daemonsets-only' if it runs only DaemonSets, and place those Deployments with systemPlacement() from apps/lib/pod.ts`,
    ];
  }
  if (entry === 'daemonsets-only') return [];
  const problems: string[] = [];
  for (const path of entry) {
    const where = path.length === 0 ? 'values' : `values.${path.join('.')}`;
    let node: unknown = release.values;
    for (const key of path) node = isObj(node) ? node[key] : undefined;
    if (!isObj(node)) {
      problems.push(`${release.file}: ${where} is missing (needs nodeSelector and tolerations)`);
      continue;
    }
    const selector = node.nodeSelector;
    if (!isObj(selector) || selector[SYSTEM_NODE_LABEL.key] !== SYSTEM_NODE_LABEL.value) {
      problems.push(
        `${release.file}: ${where}.nodeSelector does not select ${SYSTEM_NODE_LABEL.key}=${SYSTEM_NODE_LABEL.value}`,
      );
    }
    if (isObj(selector) && NODEPOOL_LABEL in selector) {
      problems.push(
        `${release.file}: ${where}.nodeSelector also selects ${NODEPOOL_LABEL} (no NodePool exists before the configs layer)`,
      );
    }
    const tolerations = node.tolerations;
    const tolerates =
      Array.isArray(tolerations) &&
      tolerations.some(
        (t) =>
          isObj(t) &&
          t.key === SYSTEM_NODE_TAINT_KEY &&
          t.operator === 'Exists' &&
          (t.effect === undefined || t.effect === 'NoSchedule'),
      );
    if (!tolerates) {
      problems.push(
        `${release.file}: ${where}.tolerations does not tolerate ${SYSTEM_NODE_TAINT_KEY} (operator Exists)`,
      );
    }
  }
  return problems;
}

/** Every HelmRelease under dist/k8s/<env>/controllers, with its chart name resolved. */
function controllerReleases(env: string): ControllerRelease[] {
  const dir = join(ROOT, 'dist/k8s', env, 'controllers');
  const docs = listFiles(dir).map((f) => ({
    file: `${env}/controllers/${f}`,
    doc: parse(readFileSync(join(dir, f), 'utf8')) as Obj,
  }));
  const ociUrls = new Map<string, string>();
  for (const { doc } of docs) {
    if (doc.kind === 'OCIRepository') {
      ociUrls.set((doc.metadata as Obj).name as string, (doc.spec as Obj).url as string);
    }
  }
  const out: ControllerRelease[] = [];
  for (const { file, doc } of docs) {
    if (doc.kind !== 'HelmRelease') continue;
    const spec = doc.spec as Obj & { chart?: { spec: { chart: string } }; chartRef?: { name: string } };
    let chart = spec.chart?.spec.chart;
    if (!chart && spec.chartRef) {
      const url = ociUrls.get(spec.chartRef.name);
      if (!url) throw new Error(`${file}: chartRef ${spec.chartRef.name} has no OCIRepository in the layer`);
      chart = url.split('/').at(-1);
    }
    if (!chart) throw new Error(`${file}: no chart`);
    out.push({ file, chart, values: isObj(spec.values) ? spec.values : {} });
  }
  return out;
}

const ENVS = listFiles(join(ROOT, 'dist/k8s'))
  .map((f) => f.split('/')[0]!)
  .filter((e, i, all) => all.indexOf(e) === i);

describe('bootstrap order: controllers-layer Deployments run on the system nodes', () => {
  test('the rendered environments are all checked', () => {
    expect(ENVS).toEqual(expect.arrayContaining(['dev', 'prod', 'prod-dr']));
  });

  test.each(ENVS)(
    '%s: every controllers-layer HelmRelease places its Deployments on the system nodes',
    (env) => {
      const releases = controllerReleases(env);
      expect(releases.length).toBeGreaterThan(0);
      expect(releases.flatMap(placementProblems)).toEqual([]);
    },
  );

  test('the table lists exactly the charts some environment renders into the controllers layer', () => {
    const rendered = new Set(ENVS.flatMap((e) => controllerReleases(e).map((r) => r.chart)));
    expect([...rendered].sort()).toEqual(Object.keys(CHART_PLACEMENT).sort());
  });

  const good = {
    nodeSelector: { [SYSTEM_NODE_LABEL.key]: SYSTEM_NODE_LABEL.value },
    tolerations: [{ key: SYSTEM_NODE_TAINT_KEY, operator: 'Exists' }],
  };

  test('fails a release on the Karpenter cpu pool (the original bug)', () => {
    const problems = placementProblems({
      file: 'x/helmrelease-kuberay-operator.yaml',
      chart: 'kuberay-operator',
      values: { nodeSelector: { 'karpenter.sh/nodepool': 'cpu' } },
    });
    expect(problems).toEqual([
      'x/helmrelease-kuberay-operator.yaml: values.nodeSelector does not select genai-eks/node-role=system',
      'x/helmrelease-kuberay-operator.yaml: values.nodeSelector also selects karpenter.sh/nodepool (no NodePool exists before the configs layer)',
      'x/helmrelease-kuberay-operator.yaml: values.tolerations does not tolerate CriticalAddonsOnly (operator Exists)',
    ]);
  });

  test('fails a Deployment that selects the system nodes and a NodePool as well', () => {
    expect(
      placementProblems({
        file: 'f',
        chart: 'karpenter',
        values: { ...good, nodeSelector: { ...good.nodeSelector, 'karpenter.sh/nodepool': 'cpu' } },
      }),
    ).toEqual([
      'f: values.nodeSelector also selects karpenter.sh/nodepool (no NodePool exists before the configs layer)',
    ]);
  });

  test('fails a nested Deployment left out, and a toleration of another taint', () => {
    const problems = placementProblems({
      file: 'f',
      chart: 'external-secrets',
      values: {
        ...good,
        webhook: {
          ...good,
          tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
        },
      },
    });
    expect(problems).toEqual([
      'f: values.webhook.tolerations does not tolerate CriticalAddonsOnly (operator Exists)',
      'f: values.certController is missing (needs nodeSelector and tolerations)',
    ]);
  });

  test('fails a chart without an entry in the table, saying what to add', () => {
    const [problem, ...rest] = placementProblems({ file: 'f', chart: 'cert-manager', values: good });
    expect(rest).toEqual([]);
    expect(problem).toMatch(
      /^f: chart cert-manager is in the controllers layer but has no entry in CHART_PLACEMENT/,
    );
    expect(problem).toMatch(/'daemonsets-only'/);
  });

  test('passes a correct placement; DaemonSet-only charts need none', () => {
    expect(
      placementProblems({ file: 'f', chart: 'argo-workflows', values: { controller: good, server: good } }),
    ).toEqual([]);
    expect(placementProblems({ file: 'f', chart: 'dcgm-exporter', values: {} })).toEqual([]);
  });
});
