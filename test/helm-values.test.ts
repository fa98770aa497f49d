/**
 * The chart values check (review/helm-values.ts) on small fixtures: a reference folder laid out
 * like ../shared/reference and rendered trees of a few HelmReleases, written here. npm test never
 * reads ../shared; .ci/run runs the check on dist/ with the real reference files.
 */
import { describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import {
  type Allowlist,
  checkValueKeys,
  checkValueSchemas,
  formatPath,
  keyPaths,
  matchesPath,
  type RenderedRelease,
  renderedReleases,
  schemaFile,
} from '../review/helm-values.js';
import { HELM_VALUES_ALLOWLIST } from '../review/helm-values-allowlist.js';
import { parseTree } from '../review/objects.js';
import { tempDir, writeTree } from './support/files.js';
import { repository } from './support/repository.js';

const EMPTY: Allowlist = { keys: [], unreferenced: [], subchartAliases: {} };

/** A reference folder with chart `demo` 1.0.0 (and a subchart under an alias) and `other` 2.0.0. */
function reference(): string {
  return writeTree(tempDir('genai-eks-reference-'), {
    'helm-chart-values/demo-1.0.0/values.yaml': stringify({
      replicas: 1,
      image: { repository: 'x', tag: '' },
      nodeSelector: {},
      sub: { enabled: false, extra: 1 },
    }),
    'helm-chart-values/demo-1.0.0/charts/subchart/values.yaml': stringify({ master: { nodeSelector: {} } }),
    'helm-chart-values/other-2.0.0/values.yaml': stringify({ a: { b: 1 } }),
    'helm-values-schemas/other-2.0.0.values.schema.yaml': stringify({
      type: 'object',
      additionalProperties: false,
      required: ['a'],
      properties: { a: { type: 'object', properties: { b: { type: 'integer' } } } },
    }),
  });
}

const release = (
  chart: string,
  version: string,
  values: object,
  file = 'k8s/e/controllers/hr.yaml',
): RenderedRelease => ({
  file,
  release: `flux-system/${chart}`,
  chart,
  version,
  values: values as RenderedRelease['values'],
});

describe('key paths', () => {
  test('one path per leaf; lists and empty maps are leaves; keys with dots are bracketed in messages', () => {
    expect(keyPaths({ a: { b: 1, c: [{ d: 1 }], e: {} }, 'x.y/z': 'v' })).toEqual([
      ['a', 'b'],
      ['a', 'c'],
      ['a', 'e'],
      ['x.y/z'],
    ]);
    expect(formatPath(['values', 'nodeSelector', 'karpenter.sh/nodepool'])).toBe(
      'values.nodeSelector["karpenter.sh/nodepool"]',
    );
  });

  test('allowlist patterns: * is one key, ** any number', () => {
    expect(matchesPath(['**', 'nodeSelector', '*'], ['nfd', 'master', 'nodeSelector', 'k'])).toBe(true);
    expect(matchesPath(['**', 'nodeSelector', '*'], ['nodeSelector', 'k'])).toBe(true);
    expect(matchesPath(['**', 'nodeSelector', '*'], ['nodeSelector', 'k', 'deeper'])).toBe(false);
    expect(matchesPath(['hub', 'config', '**'], ['hub', 'config', 'A', 'b'])).toBe(true);
    expect(matchesPath(['hub', 'config', '**'], ['hub', 'other'])).toBe(false);
  });
});

describe('the values key check', () => {
  test('passes keys among the defaults, including a subchart under its alias merged with the parent block', () => {
    const ref = reference();
    const allow: Allowlist = {
      ...EMPTY,
      keys: [{ chart: '*', path: ['**', 'nodeSelector', '*'], reason: 'labels' }],
      subchartAliases: { demo: { sub: 'subchart' } },
    };
    const r = checkValueKeys(
      [
        release('demo', '1.0.0', {
          replicas: 2,
          image: { tag: 'v1' },
          nodeSelector: { 'karpenter.sh/nodepool': 'cpu' },
          sub: { enabled: true, master: { nodeSelector: { role: 'system' } } },
        }),
      ],
      ref,
      allow,
    );
    expect(r).toEqual({ problems: [], checked: ['demo 1.0.0'], unchecked: [] });
  });

  test('fails a planted key the chart does not have, naming file, release, chart, path and what to do', () => {
    const r = checkValueKeys(
      [
        release('demo', '1.0.0', {
          image: { tga: 'v1' },
          useDefaultArtifactRepo: true,
          sub: { master: { x: 1 } },
        }),
      ],
      reference(),
      { ...EMPTY, subchartAliases: { demo: { sub: 'subchart' } } },
    );
    expect(r.problems).toHaveLength(3);
    expect(r.problems[0]).toMatch(
      /^k8s\/e\/controllers\/hr\.yaml: HelmRelease flux-system\/demo \(chart demo 1\.0\.0\): values\.image\.tga: not among the chart's default values \(.*helm-chart-values\/demo-1\.0\.0\/values\.yaml\), so Helm ignores it\. Fix the key, or list it in review\/helm-values-allowlist\.ts/,
    );
    expect(r.problems[1]).toMatch(/values\.useDefaultArtifactRepo: not among/);
    expect(r.problems[2]).toMatch(/values\.sub\.master\.x: not among/);
  });

  test('reports the first missing key of a deeper path, and allowlisted keys pass', () => {
    const values = { image: { extra: { a: 1 } }, nodeSelector: { k: 'v' } };
    const problems = checkValueKeys([release('demo', '1.0.0', values)], reference(), EMPTY).problems;
    expect(problems[0]).toMatch(/values\.image\.extra\.a: values\.image\.extra is not among/);
    expect(problems[1]).toMatch(/values\.nodeSelector\.k: not among/);
    const allowed = checkValueKeys([release('demo', '1.0.0', values)], reference(), {
      ...EMPTY,
      keys: [
        { chart: 'demo', path: ['image', 'extra', '**'], reason: 'read without a default' },
        { chart: '*', path: ['**', 'nodeSelector', '*'], reason: 'labels' },
      ],
    });
    expect(allowed.problems).toEqual([]);
  });

  test('fails a rendered chart version without reference values, naming it; an unreferenced entry reports it instead', () => {
    const ref = reference();
    const missing = checkValueKeys([release('demo', '9.9.9', { replicas: 1 })], ref, EMPTY);
    expect(missing.problems).toHaveLength(1);
    expect(missing.problems[0]).toMatch(
      /^k8s\/e\/controllers\/hr\.yaml: HelmRelease flux-system\/demo: chart demo 9\.9\.9 has no reference values \(.*demo-9\.9\.9\/values\.yaml\)/,
    );
    expect(missing.checked).toEqual([]);
    const exempt = checkValueKeys([release('demo', '9.9.9', { replicas: 1 })], ref, {
      ...EMPTY,
      unreferenced: [{ chart: 'demo', version: '9.9.9', reason: 'not published here' }],
    });
    expect(exempt).toEqual({ problems: [], checked: [], unchecked: ['demo 9.9.9: not published here'] });
  });

  test('fails allowlist entries that no longer match, and unreferenced entries with a reference or no release', () => {
    const r = checkValueKeys([release('demo', '1.0.0', { replicas: 1 })], reference(), {
      ...EMPTY,
      keys: [{ chart: 'demo', path: ['gone'], reason: 'once' }],
      unreferenced: [
        { chart: 'demo', version: '1.0.0', reason: 'stale' },
        { chart: 'removed', version: '1.0.0', reason: 'stale' },
      ],
    });
    expect(r.problems).toEqual([
      expect.stringMatching(
        /demo 1\.0\.0 is listed as unreferenced but .*demo-1\.0\.0 exists: remove the entry$/,
      ),
      'review/helm-values-allowlist.ts: demo gone matches no rendered key that is missing from the defaults: remove it',
      'review/helm-values-allowlist.ts: unreferenced removed 1.0.0 is not rendered: remove it',
    ]);
  });
});

describe('the values schema check', () => {
  test('ignores required keys, fails wrong types and unknown keys, skips charts without a schema', () => {
    const ref = reference();
    expect(schemaFile(ref, 'other', '2.0.0')).toMatch(
      /helm-values-schemas\/other-2\.0\.0\.values\.schema\.yaml$/,
    );
    expect(schemaFile(ref, 'demo', '1.0.0')).toBeUndefined();
    const good = checkValueSchemas([release('other', '2.0.0', {}), release('demo', '1.0.0', { x: 1 })], ref);
    expect(good.problems).toEqual([]);
    expect(good.checked).toEqual([expect.stringMatching(/^other 2\.0\.0 \(/)]);
    const bad = checkValueSchemas([release('other', '2.0.0', { a: { b: 'two' }, extra: 1 })], ref);
    expect(bad.problems).toEqual([
      'k8s/e/controllers/hr.yaml: HelmRelease flux-system/other (chart other 2.0.0): values: must NOT have additional properties ({"additionalProperty":"extra"}) (the chart\'s values schema)',
      "k8s/e/controllers/hr.yaml: HelmRelease flux-system/other (chart other 2.0.0): values.a.b: must be integer (the chart's values schema)",
    ]);
  });
});

describe('rendered releases', () => {
  test('resolve the chart of a HelmRepository chart and of an OCI chartRef (URL and tag)', () => {
    const hr = (name: string, spec: object) =>
      stringify({
        apiVersion: 'helm.toolkit.fluxcd.io/v2',
        kind: 'HelmRelease',
        metadata: { name, namespace: 'flux-system' },
        spec: { ...spec, values: { a: 1 } },
      });
    const tree = parseTree(
      new Map([
        [
          'k8s/e/controllers/helmrelease-a.yaml',
          hr('a', { chart: { spec: { chart: 'demo', version: '1.0.0' } } }),
        ],
        [
          'k8s/e/controllers/helmrelease-b.yaml',
          hr('b', { chartRef: { kind: 'OCIRepository', name: 'b', namespace: 'flux-system' } }),
        ],
        [
          'k8s/e/controllers/ocirepository-b.yaml',
          stringify({
            apiVersion: 'source.toolkit.fluxcd.io/v1',
            kind: 'OCIRepository',
            metadata: { name: 'b', namespace: 'flux-system' },
            spec: { url: 'oci://public.ecr.aws/x/neuron-helm-chart', ref: { tag: '1.10.0' } },
          }),
        ],
      ]),
    );
    expect(renderedReleases(tree).map((r) => [r.file, r.release, r.chart, r.version, r.values])).toEqual([
      ['k8s/e/controllers/helmrelease-a.yaml', 'flux-system/a', 'demo', '1.0.0', { a: 1 }],
      ['k8s/e/controllers/helmrelease-b.yaml', 'flux-system/b', 'neuron-helm-chart', '1.10.0', { a: 1 }],
    ]);
  });
});

describe("the repository's allowlist", () => {
  test('every entry gives a reason; every unreferenced chart version is rendered somewhere', async () => {
    for (const k of HELM_VALUES_ALLOWLIST.keys) expect(k.reason.length, k.path.join('.')).toBeGreaterThan(20);
    for (const u of HELM_VALUES_ALLOWLIST.unreferenced) expect(u.reason.length, u.chart).toBeGreaterThan(20);
    // Against an empty reference folder every rendered chart version lacks values: the ones the
    // allowlist names are reported as unchecked, every other is a problem, none is stale.
    const releases = renderedReleases((await repository()).objects);
    const r = checkValueKeys(releases, tempDir(), HELM_VALUES_ALLOWLIST);
    const rendered = new Set(releases.map((x) => `${x.chart} ${x.version}`));
    const exempt = new Set(HELM_VALUES_ALLOWLIST.unreferenced.map((u) => `${u.chart} ${u.version}`));
    expect(r.problems.filter((p) => p.startsWith('review/'))).toEqual(
      HELM_VALUES_ALLOWLIST.keys.map((k) =>
        expect.stringContaining(`${k.chart} ${k.path.join('.')} matches no`),
      ),
    );
    expect(new Set(r.unchecked.map((u) => u.split(':')[0]))).toEqual(exempt);
    for (const c of rendered)
      if (!exempt.has(c)) expect(r.problems.some((p) => p.includes(`chart ${c} has no`))).toBe(true);
  });
});
