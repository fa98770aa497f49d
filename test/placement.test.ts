/**
 * Bootstrap order: the controllers layer must become Ready on the system managed node group
 * alone (Karpenter's NodePools come later, in the configs layer). Every HelmRelease rendered into
 * an environment's controllers layer whose chart runs a Deployment must place it on the system
 * nodes through the chart's own values keys. See docs/platform.md, "Bootstrap order".
 *
 * Checked on every environment of the repository (its one render per run) and on a fixture
 * environment with every workload, which renders every chart some environment may need.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { NODEPOOL_LABEL, SYSTEM_NODES } from '../clusters/contract.js';
import { fixture } from './support/fixtures.js';
import { renderFixture } from './support/render.js';
import { repository } from './support/repository.js';

const { label: SYSTEM_LABEL, taint: SYSTEM_TAINT } = SYSTEM_NODES;

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
  // KEDA's operator, metrics API server and webhooks read the top-level nodeSelector/tolerations.
  keda: [[]],
  // CRDs only: no workload.
  'prometheus-operator-crds': [],
  'aws-efa-k8s-device-plugin': 'daemonsets-only',
};

type Obj = Record<string, unknown>;

interface ControllerRelease {
  /** Which release of which environment (for messages). */
  readonly where: string;
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
      `${release.where}: chart ${release.chart} is in the controllers layer but has no entry in CHART_PLACEMENT (test/placement.test.ts): add the values paths where its Deployments take nodeSelector and tolerations (from the chart's values.yaml at the pinned version), or 'daemonsets-only' if it runs only DaemonSets, and place those Deployments with systemPlacement() from apps/lib/pod.ts`,
    ];
  }
  if (entry === 'daemonsets-only') return [];
  const problems: string[] = [];
  for (const path of entry) {
    const where = path.length === 0 ? 'values' : `values.${path.join('.')}`;
    let node: unknown = release.values;
    for (const key of path) node = isObj(node) ? node[key] : undefined;
    if (!isObj(node)) {
      problems.push(`${release.where}: ${where} is missing (needs nodeSelector and tolerations)`);
      continue;
    }
    const selector = node.nodeSelector;
    if (!isObj(selector) || selector[SYSTEM_LABEL.key] !== SYSTEM_LABEL.value) {
      problems.push(
        `${release.where}: ${where}.nodeSelector does not select ${SYSTEM_LABEL.key}=${SYSTEM_LABEL.value}`,
      );
    }
    if (isObj(selector) && NODEPOOL_LABEL in selector) {
      problems.push(
        `${release.where}: ${where}.nodeSelector also selects ${NODEPOOL_LABEL} (no NodePool exists before the configs layer)`,
      );
    }
    const tolerations = node.tolerations;
    const tolerates =
      Array.isArray(tolerations) &&
      tolerations.some(
        (t) =>
          isObj(t) &&
          t.key === SYSTEM_TAINT.key &&
          t.operator === 'Exists' &&
          (t.effect === undefined || t.effect === 'NoSchedule'),
      );
    if (!tolerates) {
      problems.push(
        `${release.where}: ${where}.tolerations does not tolerate ${SYSTEM_TAINT.key} (operator Exists)`,
      );
    }
  }
  return problems;
}

/** An environment's rendered objects, each with its Flux layer. */
interface Rendered {
  readonly layer: string;
  readonly manifest: object;
}

/** Every HelmRelease in an environment's controllers layer, with its chart name resolved. */
function controllerReleases(env: string, objects: readonly Rendered[]): ControllerRelease[] {
  const docs = objects.filter((o) => o.layer === 'controllers').map((o) => o.manifest as Obj);
  const ociUrls = new Map<string, string>();
  for (const doc of docs) {
    if (doc.kind === 'OCIRepository') {
      ociUrls.set((doc.metadata as Obj).name as string, (doc.spec as Obj).url as string);
    }
  }
  const out: ControllerRelease[] = [];
  for (const doc of docs) {
    if (doc.kind !== 'HelmRelease') continue;
    const meta = doc.metadata as { name: string; namespace: string };
    const where = `${env}: HelmRelease ${meta.namespace}/${meta.name}`;
    const spec = doc.spec as Obj & { chart?: { spec: { chart: string } }; chartRef?: { name: string } };
    let chart = spec.chart?.spec.chart;
    if (!chart && spec.chartRef) {
      const url = ociUrls.get(spec.chartRef.name);
      if (!url) throw new Error(`${where}: chartRef ${spec.chartRef.name} has no OCIRepository in the layer`);
      chart = url.split('/').at(-1);
    }
    if (!chart) throw new Error(`${where}: no chart`);
    out.push({ where, chart, values: isObj(spec.values) ? spec.values : {} });
  }
  return out;
}

/** The fixture environment with every workload, as `releases` names it. */
const FIXTURE = 'fixture placement';
/** Per environment (the repository's, then the fixture), its controllers-layer releases. */
let releases: Map<string, ControllerRelease[]>;

beforeAll(async () => {
  const { envs, objects } = await repository();
  releases = new Map(
    envs.map((e) => [
      e.name,
      controllerReleases(e.name, [...(objects.get(e.name)?.kubernetes.values() ?? [])]),
    ]),
  );
  releases.set(FIXTURE, controllerReleases(FIXTURE, renderFixture(fixture('placement'))));
});

describe('bootstrap order: controllers-layer Deployments run on the system nodes', () => {
  test('every environment, and the fixture with every workload, has controllers-layer releases', async () => {
    const { envs } = await repository();
    expect([...releases.keys()]).toEqual([...envs.map((e) => e.name), FIXTURE]);
    for (const [env, list] of releases) expect(list.length, env).toBeGreaterThan(0);
  });

  test('every controllers-layer HelmRelease places its Deployments on the system nodes', () => {
    expect([...releases.values()].flat().flatMap(placementProblems)).toEqual([]);
  });

  test('the table lists exactly the charts rendered into the controllers layer', () => {
    const rendered = new Set([...releases.values()].flat().map((r) => r.chart));
    expect([...rendered].sort()).toEqual(Object.keys(CHART_PLACEMENT).sort());
  });

  const good = {
    nodeSelector: { [SYSTEM_LABEL.key]: SYSTEM_LABEL.value },
    tolerations: [{ key: SYSTEM_TAINT.key, operator: 'Exists' }],
  };

  test('fails each rendered release whose Deployment loses its placement', () => {
    let planted = 0;
    for (const release of releases.get(FIXTURE)!) {
      const entry = CHART_PLACEMENT[release.chart];
      if (entry === undefined || entry === 'daemonsets-only') continue;
      for (const path of entry) {
        const values = structuredClone(release.values);
        let node: Obj = values;
        for (const key of path) node = node[key] as Obj;
        delete node.nodeSelector;
        delete node.tolerations;
        const where = path.length === 0 ? 'values' : `values.${path.join('.')}`;
        expect(placementProblems({ ...release, values })).toEqual([
          `${release.where}: ${where}.nodeSelector does not select genai-eks/node-role=system`,
          `${release.where}: ${where}.tolerations does not tolerate CriticalAddonsOnly (operator Exists)`,
        ]);
        planted++;
      }
    }
    expect(planted).toBeGreaterThan(0);
  });

  test('fails a release on the Karpenter cpu pool (the original bug)', () => {
    const problems = placementProblems({
      where: 'x/helmrelease-kuberay-operator.yaml',
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
        where: 'f',
        chart: 'karpenter',
        values: { ...good, nodeSelector: { ...good.nodeSelector, 'karpenter.sh/nodepool': 'cpu' } },
      }),
    ).toEqual([
      'f: values.nodeSelector also selects karpenter.sh/nodepool (no NodePool exists before the configs layer)',
    ]);
  });

  test('fails a nested Deployment left out, and a toleration of another taint', () => {
    const problems = placementProblems({
      where: 'f',
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
    const [problem, ...rest] = placementProblems({ where: 'f', chart: 'cert-manager', values: good });
    expect(rest).toEqual([]);
    expect(problem).toMatch(
      /^f: chart cert-manager is in the controllers layer but has no entry in CHART_PLACEMENT/,
    );
    expect(problem).toMatch(/'daemonsets-only'/);
  });

  test('passes a correct placement; DaemonSet-only charts need none', () => {
    expect(
      placementProblems({ where: 'f', chart: 'argo-workflows', values: { controller: good, server: good } }),
    ).toEqual([]);
    expect(placementProblems({ where: 'f', chart: 'dcgm-exporter', values: {} })).toEqual([]);
  });
});
