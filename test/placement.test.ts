/**
 * Bootstrap order: the controllers layer must become Ready on the system managed node group
 * alone (Karpenter's NodePools come later, in the configs layer). Every HelmRelease rendered into
 * an environment's controllers layer must place every pod its chart creates that is not a
 * per-node DaemonSet (Deployments, StatefulSets, Jobs, hook Jobs included: Helm waits for a
 * pre-install hook before it creates anything else) on the system nodes through the chart's own
 * values keys. See docs/platform.md, "Bootstrap order".
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

/** A pod that a chart creates, and where the chart takes its nodeSelector and tolerations. */
interface ChartPod {
  /** What creates it: a Deployment, a StatefulSet, a Job (hooks included). */
  readonly kind: 'Deployment' | 'StatefulSet' | 'Job' | 'hook Job';
  readonly name: string;
  /** Values path of the object that holds its `nodeSelector` and `tolerations`. */
  readonly path: readonly string[];
  /** Values path of the switch that creates it, for a pod the chart creates only when it is `true`. */
  readonly enabledBy?: readonly string[];
}

/**
 * Per chart: every pod it creates that is not a per-node DaemonSet, and where each takes its
 * nodeSelector and tolerations in the values; 'daemonsets-only' for a chart whose every workload
 * is a DaemonSet that belongs on the accelerator nodes. Read in the charts' templates at the
 * pinned versions (a chart in the controllers layer that is not listed here fails the test):
 * - karpenter: aws/karpenter-provider-aws@v1.14.1:charts/karpenter/templates (deployment.yaml)
 * - aws-load-balancer-controller: aws/eks-charts@5239609 (chart 3.5.0)
 *   stable/aws-load-balancer-controller/templates (deployment.yaml)
 * - external-secrets: external-secrets/external-secrets@helm-chart-2.9.0:deploy/charts/
 *   external-secrets/templates (deployment.yaml, webhook-deployment.yaml, cert-controller-deployment.yaml)
 * - nvidia-device-plugin: NVIDIA/k8s-device-plugin@v0.20.0 (DaemonSets only) with its `nfd`
 *   dependency kubernetes-sigs/node-feature-discovery@v0.19.0:deployment/helm/node-feature-discovery/
 *   templates: master.yaml, nfd-gc.yaml (Deployments) and post-delete-job.yaml (a post-delete
 *   hook Job that takes `master.nodeSelector`/`tolerations`); worker.yaml is a DaemonSet
 * - neuron-helm-chart 1.10.0: the scheduler extension and custom scheduler Deployments
 *   (`scheduler.`, `scheduler.customScheduler.`), only when `scheduler.enabled` (default false;
 *   `helm show values` of 1.10.0); device plugin DaemonSet
 * - kuberay-operator: ray-project/kuberay@v1.7.0:helm-chart/kuberay-operator/templates (deployment.yaml)
 * - argo-workflows: controller and server Deployments and the CRD install Job, a
 *   pre-install/pre-upgrade hook (`crds.upgradeJob.`): argoproj/argo-helm@argo-workflows-1.0.18:
 *   charts/argo-workflows/templates (2.0.2's own files could not be read here)
 * - dcgm-exporter: NVIDIA/dcgm-exporter@4.5.3-4.8.2:deployment/templates (daemonset.yaml only)
 * - aws-efa-k8s-device-plugin: aws/eks-charts@bfe91c4 (chart v0.5.30) templates (daemonset.yaml only)
 * No chart above renders a StatefulSet.
 */
const CHART_PLACEMENT: Readonly<Record<string, 'daemonsets-only' | readonly ChartPod[]>> = {
  karpenter: [{ kind: 'Deployment', name: 'controller', path: [] }],
  'aws-load-balancer-controller': [{ kind: 'Deployment', name: 'controller', path: [] }],
  'external-secrets': [
    { kind: 'Deployment', name: 'controller', path: [] },
    { kind: 'Deployment', name: 'webhook', path: ['webhook'] },
    { kind: 'Deployment', name: 'cert controller', path: ['certController'] },
  ],
  'nvidia-device-plugin': [
    { kind: 'Deployment', name: 'NFD master', path: ['nfd', 'master'] },
    { kind: 'hook Job', name: 'NFD prune (post-delete)', path: ['nfd', 'master'] },
    { kind: 'Deployment', name: 'NFD gc', path: ['nfd', 'gc'] },
  ],
  'neuron-helm-chart': [
    {
      kind: 'Deployment',
      name: 'scheduler extension',
      path: ['scheduler'],
      enabledBy: ['scheduler', 'enabled'],
    },
    {
      kind: 'Deployment',
      name: 'custom scheduler',
      path: ['scheduler', 'customScheduler'],
      enabledBy: ['scheduler', 'enabled'],
    },
  ],
  'kuberay-operator': [{ kind: 'Deployment', name: 'operator', path: [] }],
  'argo-workflows': [
    { kind: 'Deployment', name: 'controller', path: ['controller'] },
    { kind: 'Deployment', name: 'server', path: ['server'] },
    { kind: 'hook Job', name: 'CRD install (pre-install, pre-upgrade)', path: ['crds', 'upgradeJob'] },
  ],
  'dcgm-exporter': 'daemonsets-only',
  // KEDA's operator, metrics API server and admission webhooks read the top-level
  // nodeSelector/tolerations (kedacore/charts@v2.20.2: keda/templates deployments).
  keda: [
    { kind: 'Deployment', name: 'operator', path: [] },
    { kind: 'Deployment', name: 'metrics API server', path: [] },
    { kind: 'Deployment', name: 'admission webhooks', path: [] },
  ],
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
      `${release.where}: chart ${release.chart} is in the controllers layer but has no entry in CHART_PLACEMENT (test/placement.test.ts): add every Deployment, StatefulSet and Job (hooks included) its templates create at the pinned version, with the values path where each takes nodeSelector and tolerations, or 'daemonsets-only' if it runs only DaemonSets, and place them with systemPlacement() from apps/lib/pod.ts`,
    ];
  }
  if (entry === 'daemonsets-only') return [];
  const problems: string[] = [];
  const at = (path: readonly string[]): unknown => {
    let node: unknown = release.values;
    for (const key of path) node = isObj(node) ? node[key] : undefined;
    return node;
  };
  const created = entry.filter((p) => p.enabledBy === undefined || at(p.enabledBy) === true);
  // Pods that share a values path (the NFD prune Job takes the master's) are checked once.
  const paths = [...new Map(created.map((p) => [p.path.join('.'), p.path])).values()];
  for (const path of paths) {
    const where = path.length === 0 ? 'values' : `values.${path.join('.')}`;
    const node = at(path);
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

describe('bootstrap order: every pod of a controllers-layer chart (Deployments, Jobs, hooks) runs on the system nodes', () => {
  test('every environment, and the fixture with every workload, has controllers-layer releases', async () => {
    const { envs } = await repository();
    expect([...releases.keys()]).toEqual([...envs.map((e) => e.name), FIXTURE]);
    for (const [env, list] of releases) expect(list.length, env).toBeGreaterThan(0);
  });

  test('every controllers-layer HelmRelease places its Deployments and Jobs on the system nodes', () => {
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
      const created = entry.filter((p) => p.enabledBy === undefined);
      for (const path of new Set(created.map((p) => p.path.join('.')))) {
        const values = structuredClone(release.values);
        let node: Obj = values;
        for (const key of path ? path.split('.') : []) node = node[key] as Obj;
        delete node.nodeSelector;
        delete node.tolerations;
        const where = path ? `values.${path}` : 'values';
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

  test('fails the Argo Workflows CRD hook Job left off the system nodes (it blocks the whole release)', () => {
    expect(
      placementProblems({
        where: 'f',
        chart: 'argo-workflows',
        values: { controller: good, server: good, crds: { install: true } },
      }),
    ).toEqual(['f: values.crds.upgradeJob is missing (needs nodeSelector and tolerations)']);
  });

  test('a switched-off Deployment needs no placement; switched on, it does', () => {
    const base = { devicePlugin: { nodeSelector: { 'karpenter.sh/nodepool': 'neuron' } } };
    expect(
      placementProblems({
        where: 'f',
        chart: 'neuron-helm-chart',
        values: { ...base, scheduler: { enabled: false } },
      }),
    ).toEqual([]);
    expect(
      placementProblems({
        where: 'f',
        chart: 'neuron-helm-chart',
        values: { ...base, scheduler: { enabled: true } },
      }),
    ).toEqual([
      'f: values.scheduler.nodeSelector does not select genai-eks/node-role=system',
      'f: values.scheduler.tolerations does not tolerate CriticalAddonsOnly (operator Exists)',
      'f: values.scheduler.customScheduler is missing (needs nodeSelector and tolerations)',
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
      placementProblems({
        where: 'f',
        chart: 'argo-workflows',
        values: { controller: good, server: good, crds: { upgradeJob: good } },
      }),
    ).toEqual([]);
    expect(placementProblems({ where: 'f', chart: 'dcgm-exporter', values: {} })).toEqual([]);
  });
});
