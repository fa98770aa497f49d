/**
 * The parts of the API-server tier (npm run test:cluster) that need neither Go nor a server:
 * the tools module's pins, substitution, apply order. The tier itself runs in .ci/run.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { KubeManifest } from '../apps/index.js';
import { CONTRACT_VARIABLE_NAMES } from '../clusters/contract.js';
import { versions } from '../clusters/versions.js';
import { snapshotKey } from './cluster/apply.js';
import {
  buildIntoCache,
  goModHead,
  goModProblems,
  parseGoMod,
  stagingVersion,
  TOOLS_DIR,
} from './cluster/binaries.js';
import {
  applyOrder,
  chartRenderedRules,
  crdsServing,
  dryRunFor,
  loadEnvironmentObjects,
  substitute,
  testClusterVars,
} from './cluster/manifests.js';
import { statusMessage, warningTexts } from './cluster/responses.js';
import { tempDir } from './support/files.js';

const goMod = readFileSync(join(TOOLS_DIR, 'go.mod'), 'utf8');
/** A fixture environment: not one of the repository's. */
const FIXTURE_ENV = 'tier-fixture';
const vars = testClusterVars({ name: FIXTURE_ENV, region: 'us-west-2' });
/** `${NAME}` written without a template-literal look-alike. */
const ref = (name: string) => `\${${name}}`;

describe('tools module (test/cluster/tools/go.mod)', () => {
  test('pins exactly the versions table: kube-apiserver, etcd and every staging module', () => {
    expect(goModProblems(goMod)).toEqual([]);
    const { requires, replaces } = parseGoMod(goMod);
    expect(requires.get('k8s.io/kubernetes')).toBe(`v${versions.kubeApiserver}`);
    expect(requires.get('go.etcd.io/etcd/server/v3')).toBe(`v${versions.etcd}`);
    expect(replaces.get('k8s.io/apiserver')).toBe(
      `k8s.io/apiserver ${stagingVersion(versions.kubeApiserver)}`,
    );
    expect(replaces.size).toBeGreaterThan(20);
  });

  test('the API server is of the project Kubernetes minor', () => {
    expect(versions.kubeApiserver.startsWith(`${versions.kubernetes}.`)).toBe(true);
  });

  test('a version bump without regenerating go.mod is reported', () => {
    expect(goModProblems(goMod, { kubeApiserver: '1.35.9', etcd: versions.etcd })).toEqual(
      expect.arrayContaining([
        `require k8s.io/kubernetes: v${versions.kubeApiserver}, versions table says v1.35.9`,
        `replace k8s.io/api => k8s.io/api ${stagingVersion(versions.kubeApiserver)}: want k8s.io/api v0.35.9`,
      ]),
    );
    expect(goModProblems(goMod, { kubeApiserver: versions.kubeApiserver, etcd: '3.6.1' })).toEqual([
      `require go.etcd.io/etcd/server/v3: v${versions.etcd}, versions table says v3.6.1`,
    ]);
  });

  test('a staging module without a replace is reported', () => {
    const broken = goMod.replace(/^\s*k8s\.io\/mount-utils => .*$/m, '');
    expect(goModProblems(broken)).toEqual([
      'require k8s.io/mount-utils v0.0.0 has no replace (a k8s.io staging module needs one)',
    ]);
  });

  test('the generated head lists the pins and one replace per staging module', () => {
    const head = goModHead(['k8s.io/b', 'k8s.io/a'], '1.35.4', '3.6.16');
    const { requires, replaces } = parseGoMod(head);
    expect([...requires]).toEqual([
      ['go.etcd.io/etcd/server/v3', 'v3.6.16'],
      ['k8s.io/kubernetes', 'v1.35.4'],
    ]);
    expect([...replaces]).toEqual([
      ['k8s.io/a', 'k8s.io/a v0.35.4'],
      ['k8s.io/b', 'k8s.io/b v0.35.4'],
    ]);
    expect(() => stagingVersion('1.35')).toThrow(/not 1.<minor>.<patch>/);
  });
});

describe('contract variable substitution (as Flux post-build)', () => {
  test('every contract variable has a test value', () => {
    for (const name of CONTRACT_VARIABLE_NAMES) expect(vars[name], name).toMatch(/\S/);
    expect(substitute(`${ref('CLUSTER_NAME')} ${ref('AWS_REGION')}`, vars, 'x')).toBe(
      `genai-${FIXTURE_ENV} us-west-2`,
    );
  });

  test('a doubled dollar is the escape for a literal variable reference', () => {
    expect(substitute(`echo $${ref('HOME')} $${ref('CLUSTER_NAME')}`, vars, 'x')).toBe(
      `echo ${ref('HOME')} ${ref('CLUSTER_NAME')}`,
    );
  });

  test('an unknown variable fails naming the place and the variable', () => {
    expect(() => substitute(`a: ${ref('NOT_A_CONTRACT_VAR')}`, vars, `${FIXTURE_ENV}: apps/x.yaml`)).toThrow(
      new RegExp(`^${FIXTURE_ENV}: apps/x\\.yaml: \\$\\{NOT_A_CONTRACT_VAR\\} is not a contract variable`),
    );
  });

  test('objects are read per file; substitution can be disabled like in Flux', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'configs'));
    writeFileSync(
      join(dir, 'configs', 'a.yaml'),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: x\ndata:\n  c: ${ref('CLUSTER_NAME')}\n`,
    );
    writeFileSync(
      join(dir, 'configs', 'b.yaml'),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  namespace: x\n  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\ndata:\n  c: ${ref('ANYTHING')}\n`,
    );
    const objs = loadEnvironmentObjects(dir, vars, FIXTURE_ENV);
    expect(objs.map((o) => [o.file, (o.manifest.data as Record<string, string>).c])).toEqual([
      ['configs/a.yaml', `genai-${FIXTURE_ENV}`],
      ['configs/b.yaml', ref('ANYTHING')],
    ]);
    writeFileSync(
      join(dir, 'configs', 'c.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: x\n',
    );
    expect(() => loadEnvironmentObjects(dir, vars, FIXTURE_ENV)).toThrow(
      `${FIXTURE_ENV}: configs/c.yaml: metadata.name is required`,
    );
  });
});

describe('apply plan', () => {
  const obj = (file: string, apiVersion: string, kind: string) => ({
    file,
    manifest: { apiVersion, kind, metadata: { name: file } },
  });

  test('namespaces, then CRDs, then the Flux layers in order', () => {
    const order = applyOrder([
      obj('apps/d.yaml', 'apps/v1', 'Deployment'),
      obj('configs/c.yaml', 'karpenter.sh/v1', 'NodePool'),
      obj('controllers/crd.yaml', 'apiextensions.k8s.io/v1', 'CustomResourceDefinition'),
      obj('flux-system/k.yaml', 'kustomize.toolkit.fluxcd.io/v1', 'Kustomization'),
      obj('apps/ns.yaml', 'v1', 'Namespace'),
      obj('controllers/h.yaml', 'helm.toolkit.fluxcd.io/v2', 'HelmRelease'),
    ]).map((o) => o.file);
    expect(order).toEqual([
      'apps/ns.yaml',
      'controllers/crd.yaml',
      'flux-system/k.yaml',
      'controllers/h.yaml',
      'configs/c.yaml',
      'apps/d.yaml',
    ]);
  });

  test('only kinds that reconfigure the API server itself are dry-run', () => {
    expect(
      dryRunFor({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration' }),
    ).toBe(true);
    expect(dryRunFor({ apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService' })).toBe(true);
    expect(dryRunFor({ apiVersion: 'karpenter.sh/v1', kind: 'NodePool' })).toBe(false);
    expect(dryRunFor({ apiVersion: 'v1', kind: 'Namespace' })).toBe(false);
  });
});

describe('API client helpers', () => {
  test('Warning headers read as their texts, also when the HTTP library joined several', () => {
    expect(warningTexts('299 - "unknown field \\"spec.foo\\""')).toEqual(['unknown field "spec.foo"']);
    expect(
      warningTexts(
        '299 - "policy/v1beta1 PodDisruptionBudget is deprecated, use v1", 299 - "second, with a comma"',
      ),
    ).toEqual(['policy/v1beta1 PodDisruptionBudget is deprecated, use v1', 'second, with a comma']);
    expect(warningTexts(undefined)).toEqual([]);
    expect(warningTexts('not a warning-value')).toEqual(['not a warning-value']);
  });

  test("a rejection shows the server's Status message, or the raw body", () => {
    expect(
      statusMessage(JSON.stringify({ kind: 'Status', message: 'x is invalid: spec: Invalid value' })),
    ).toBe('x is invalid: spec: Invalid value');
    expect(statusMessage('upstream connect error\n')).toBe('upstream connect error');
    expect(statusMessage({ kind: 'Status', message: 'namespaces "x" not found' })).toBe(
      'namespaces "x" not found',
    );
  });
});

describe('PrometheusRules a chart renders from our values', () => {
  test("are built as the chart's template names and places them, from the HelmRelease's values", () => {
    const release = {
      file: 'apps/helmrelease-x.yaml',
      manifest: {
        apiVersion: 'helm.toolkit.fluxcd.io/v2',
        kind: 'HelmRelease',
        metadata: { name: 'stack', namespace: 'flux-system' },
        spec: {
          targetNamespace: 'watch',
          values: {
            fullnameOverride: 'kps',
            additionalPrometheusRulesMap: {
              short: {
                additionalLabels: { a: 'b' },
                groups: [{ name: 'g', rules: [{ record: 'r', expr: '1' }] }],
              },
              [`x${'y'.repeat(70)}`]: { groups: [] },
            },
          },
        },
      },
    };
    const rules = chartRenderedRules([
      release,
      { file: 'configs/cm.yaml', manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } } },
    ]);
    expect(rules.map((r) => r.manifest.metadata)).toEqual([
      { name: 'kps-short', namespace: 'watch', labels: { a: 'b' } },
      { name: `kps-x${'y'.repeat(58)}`, namespace: 'watch', labels: {} },
    ]);
    expect(rules[0]!.manifest.spec).toEqual({ groups: [{ name: 'g', rules: [{ record: 'r', expr: '1' }] }] });
    expect(rules[0]!.file).toBe('apps/helmrelease-x.yaml#additionalPrometheusRulesMap.short');
  });
});

describe('cache entries of built binaries', () => {
  test('are replaced whole when the build succeeds and left as they were when it fails', async () => {
    const dir = join(tempDir('genai-eks-build-cache-'), 'entry');
    mkdirSync(dir);
    writeFileSync(join(dir, 'old'), 'old');
    await expect(
      buildIntoCache(dir, (tmp) => {
        writeFileSync(join(tmp, 'half'), 'x');
        throw new Error('go build failed');
      }),
    ).rejects.toThrow('go build failed');
    expect(readdirSync(dir)).toEqual(['old']);
    expect(existsSync(`${dir}.tmp-${process.pid}`)).toBe(false);
    await buildIntoCache(dir, async (tmp) => writeFileSync(join(tmp, 'new'), 'new'));
    expect(readdirSync(dir)).toEqual(['new']);
  });
});

describe('bootstrap snapshot cache key', () => {
  const crd = (name: string, schema: string) =>
    ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name },
      spec: { group: 'example.com', schema },
    }) as unknown as KubeManifest;
  const binaries = () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'etcd'), 'etcd');
    writeFileSync(join(dir, 'kube-apiserver'), 'apiserver');
    return { etcd: join(dir, 'etcd'), kubeApiserver: join(dir, 'kube-apiserver'), source: 'test' };
  };

  test('the same CRDs in another order give the same key; a changed CRD or other binaries another', () => {
    const bins = binaries();
    const a = crd('as.example.com', 'v1');
    const b = crd('bs.example.com', 'v1');
    const key = snapshotKey(bins, [a, b]);
    expect(snapshotKey(bins, [b, a])).toBe(key);
    expect(snapshotKey(bins, [a, crd('bs.example.com', 'v2')])).not.toBe(key);
    expect(snapshotKey(bins, [a])).not.toBe(key);
    expect(snapshotKey(binaries(), [a, b])).not.toBe(key);
  });
});

describe('crdsServing: the CRDs a cluster under test needs', () => {
  const crd = (group: string, kind: string) =>
    ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${kind.toLowerCase()}s.${group}` },
      spec: { group, names: { kind } },
    }) as unknown as KubeManifest;
  const crds = [
    crd('example.com', 'Widget'),
    crd('example.com', 'Gadget'),
    crd('other.example.com', 'Widget'),
    crd('operator.example.com', 'Job'),
  ];
  const names = (xs: KubeManifest[]) => xs.map((x) => x.metadata.name).sort();

  test('keeps a CRD when an object has its group and kind, whatever the version', () => {
    expect(
      names(
        crdsServing(crds, [
          { apiVersion: 'example.com/v1beta1', kind: 'Widget' },
          { apiVersion: 'apps/v1', kind: 'Deployment' },
          { apiVersion: 'v1', kind: 'Gadget' },
        ]),
      ),
    ).toEqual(['widgets.example.com']);
  });

  test('keeps every CRD of a group whose controller runs, and none when nothing uses them', () => {
    expect(names(crdsServing(crds, [], new Set(['operator.example.com'])))).toEqual([
      'jobs.operator.example.com',
    ]);
    expect(crdsServing(crds, [])).toEqual([]);
  });
});
