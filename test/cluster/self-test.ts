/**
 * `npm run test:cluster -- --self-test`: proves that the API-server tier rejects what a real
 * cluster rejects, including what the offline schema validator cannot see. Each fixture is
 * rendered with cdk8s from the typed imports, like the objects under apps/.
 *
 * - A Karpenter NodePool whose `spec.template.spec.nodeClassRef.group` changes on a second
 *   apply: the pinned CRD's transition rule `self.group == oldSelf.group` rejects it. Transition
 *   rules need the stored object, so the offline validator skips every rule using `oldSelf`;
 *   when it is available the self-test also runs it on the changed object and requires it to
 *   pass, which demonstrates the gap.
 * - An HTTPRoute rule that rewrites a path prefix (URLRewrite ReplacePrefixMatch) but has two
 *   PathPrefix matches: the Gateway API CRD requires exactly one. The offline validator cannot
 *   evaluate that rule (it reports it as unsupported), and the self-test requires it to pass.
 * - An HTTPRoute whose PathPrefix value does not start with `/` (a create-time CEL rule that the
 *   offline validator evaluates too): the server enforces the pinned CRD's rules, and the
 *   validator must flag it. The validator runs once over the three objects it is compared on,
 *   beside the control plane's start (a run loads every pinned schema first).
 * - A Deployment selecting nodes by the deprecated `beta.kubernetes.io/arch` label: accepted with
 *   exactly one Warning header from the server, which the client must hand on as its text (and
 *   none for the `kubernetes.io/arch` twin).
 * - A Deployment with a field its schema does not declare (`spec.replicaz`): the server rejects
 *   it, so the client must send objects as rendered, not through typed models that drop it.
 * - A ConfigMap in a namespace nobody creates: rejected by the server (NotFound); a schema check
 *   has no notion of it.
 * Each rejection is paired with a valid twin that must be accepted, so a server that rejected
 * everything would fail the self-test.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApiObject, type ApiObjectProps, App, Chart } from 'cdk8s';
import { stringify } from 'yaml';
import {
  HttpRoute,
  HttpRouteSpecRulesFiltersType,
  HttpRouteSpecRulesFiltersUrlRewritePathType,
  HttpRouteSpecRulesMatchesPathType,
} from '../../apps/imports/httproute-gateway.networking.k8s.io.js';
import { KubeConfigMap, KubeDeployment } from '../../apps/imports/k8s.js';
import {
  NodePool,
  NodePoolSpecTemplateSpecRequirementsOperator,
} from '../../apps/imports/nodepool-karpenter.sh.js';
import type { KubeManifest } from '../../apps/index.js';
import { versions } from '../../clusters/versions.js';
import { installCrds } from './apply.js';
import type { Binaries } from './binaries.js';
import { startControlPlane } from './control-plane.js';
import type { ApplyResult } from './kube.js';

const execFileAsync = promisify(execFile);

function render(add: (chart: Chart) => void): KubeManifest {
  const app = new App({ outdir: '/nonexistent-cdk8s-outdir' });
  const chart = new Chart(app, 'self-test', { disableResourceNameHashes: true });
  add(chart);
  const [only] = chart.toJson() as KubeManifest[];
  if (!only) throw new Error('self-test fixture rendered nothing');
  return only;
}

export function nodePool(nodeClassGroup: string): KubeManifest {
  return render(
    (chart) =>
      new NodePool(chart, 'pool', {
        metadata: { name: 'self-test' },
        spec: {
          template: {
            spec: {
              nodeClassRef: { group: nodeClassGroup, kind: 'EC2NodeClass', name: 'self-test' },
              requirements: [
                {
                  key: 'karpenter.sh/capacity-type',
                  operator: NodePoolSpecTemplateSpecRequirementsOperator.IN,
                  values: ['on-demand'],
                },
              ],
            },
          },
        },
      }),
  );
}

/** An HTTPRoute to one backend; with `rewriteTo`, a URLRewrite replacing the matched prefix. */
export function httpRoute(name: string, pathPrefixes: readonly string[], rewriteTo?: string): KubeManifest {
  return render(
    (chart) =>
      new HttpRoute(chart, 'route', {
        metadata: { name, namespace: 'default' },
        spec: {
          parentRefs: [{ name: 'self-test' }],
          rules: [
            {
              matches: pathPrefixes.map((value) => ({
                path: { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value },
              })),
              ...(rewriteTo === undefined
                ? {}
                : {
                    filters: [
                      {
                        type: HttpRouteSpecRulesFiltersType.URL_REWRITE,
                        urlRewrite: {
                          path: {
                            type: HttpRouteSpecRulesFiltersUrlRewritePathType.REPLACE_PREFIX_MATCH,
                            replacePrefixMatch: rewriteTo,
                          },
                        },
                      },
                    ],
                  }),
              backendRefs: [{ name: 'self-test', port: 8000 }],
            },
          ],
        },
      }),
  );
}

/**
 * A Deployment selecting nodes by `label` (the beta OS and arch labels draw deprecation warnings).
 * `misspelt` adds `spec.replicaz`: the typed props cannot express it (and the generated class's
 * serialisation drops unknown fields), so the misspelt copy is the typed manifest with the field
 * added, as a plain ApiObject.
 */
export function deployment(name: string, label: string, value: string, misspelt = false): KubeManifest {
  const labels = { 'app.kubernetes.io/name': name };
  const manifest = KubeDeployment.manifest({
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          nodeSelector: { [label]: value },
          containers: [{ name: 'app', image: 'registry.invalid/self-test:1.0.0' }],
        },
      },
    },
  }) as ApiObjectProps & { spec: object };
  return render(
    (chart) =>
      new ApiObject(chart, 'deployment', {
        ...manifest,
        ...(misspelt ? { spec: { ...manifest.spec, replicaz: 2 } } : {}),
      }),
  );
}

export function configMap(namespace: string): KubeManifest {
  return render(
    (chart) =>
      new KubeConfigMap(chart, 'cm', { metadata: { name: 'self-test', namespace }, data: { key: 'value' } }),
  );
}

/** The offline validator's verdict on one object of a run. */
export interface OfflineVerdict {
  /** Its errors (none when the validator passes it). */
  readonly errors: readonly string[];
  /** The run's summary line (`validate: N objects in N files …`). */
  readonly line: string;
}

/**
 * Runs the offline validator once over `objects` (by name, each written to `<name>.yaml`), and
 * returns each one's errors from its JSON report: a run loads every pinned schema first (about
 * 9 s here), so one run for all is cheaper than one each. Undefined when there is no validator.
 * The names must differ in kind, namespace or name: the validator reports an object seen twice.
 */
export async function offlineVerdicts(
  validator: string | undefined,
  objects: Readonly<Record<string, KubeManifest>>,
): Promise<ReadonlyMap<string, OfflineVerdict> | undefined> {
  if (!validator) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'genai-eks-selftest-'));
  try {
    const inputs = join(dir, 'objects');
    mkdirSync(inputs);
    for (const [name, m] of Object.entries(objects))
      writeFileSync(join(inputs, `${name}.yaml`), stringify(m));
    const report = join(dir, 'report.json');
    // Exit 1 means "some object is invalid", which is an answer here; the report says which.
    const r = await execFileAsync(validator, ['--k8s', versions.kubernetes, '--json', report, 'objects'], {
      cwd: dir,
      maxBuffer: 1 << 24,
    }).catch((e: { code?: unknown; stdout?: string; stderr?: string }) => ({
      stdout: e.stdout ?? '',
      stderr: `${e.stderr ?? ''}${typeof e.code === 'number' ? '' : String(e)}`,
    }));
    const out = `${r.stdout}${r.stderr}`;
    const line = out
      .trim()
      .split('\n')
      .find((l) => /^validate: /.test(l));
    if (!line || !existsSync(report))
      throw new Error(`offline validator printed no summary: ${out.slice(-500)}`);
    const { errors } = JSON.parse(readFileSync(report, 'utf8')) as {
      errors: { file: string; error: string }[];
    };
    return new Map(
      Object.keys(objects).map((name) => [
        name,
        {
          errors: errors.filter((e) => e.file === join('objects', `${name}.yaml`)).map((e) => e.error),
          line,
        },
      ]),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface SelfTestResult {
  readonly passed: number;
  readonly failed: number;
}

export async function selfTest(
  bins: Binaries,
  crds: readonly KubeManifest[],
  opts: { validator?: string; keep?: boolean; log: (s: string) => void },
): Promise<SelfTestResult> {
  const { log } = opts;
  let passed = 0;
  let failed = 0;
  const check = (name: string, ok: boolean, detail: string) => {
    if (ok) passed++;
    else failed++;
    log(`  ${ok ? 'ok  ' : 'FAIL'} ${name}: ${detail}`);
  };
  const describe = (r: ApplyResult) =>
    r.outcome === 'applied'
      ? 'accepted'
      : `${r.outcome}${'status' in r ? ` (HTTP ${r.status})` : ''}: ${r.message}`;
  const expectRejected = (name: string, r: ApplyResult, message: string) =>
    check(name, r.outcome === 'rejected' && r.message.includes(message), describe(r));
  const expectApplied = (name: string, r: ApplyResult) => check(name, r.outcome === 'applied', describe(r));

  // The objects the offline validator is compared on, all known up front: one run of it for all
  // three, beside the control plane's start.
  const changed = nodePool('karpenter.example.com');
  const twoPrefixes = httpRoute('self-test-rewrite-two', ['/llama3', '/models/llama3'], '/');
  const badRoute = httpRoute('self-test-invalid', ['v1']);
  const verdicts = offlineVerdicts(opts.validator, { changed, twoPrefixes, badRoute });
  verdicts.catch(() => undefined);
  const plane = await startControlPlane(bins, opts);
  try {
    log(`self-test: kube-apiserver ready at ${plane.client.server}`);
    const client = plane.client;
    const needed = new Set(['nodepools.karpenter.sh', 'httproutes.gateway.networking.k8s.io']);
    const selected = crds.filter((c) => needed.has(c.metadata.name));
    if (selected.length !== needed.size) {
      throw new Error(`self-test needs the CRDs ${[...needed].join(', ')} in the CRD directory`);
    }
    await installCrds(client, selected);

    // 1. Karpenter NodePool: transition rule (oldSelf), invisible to an offline check.
    const original = nodePool('karpenter.k8s.aws');
    expectApplied('NodePool created', await client.apply(original));
    expectRejected(
      'NodePool nodeClassRef.group changed',
      await client.apply(changed),
      'nodeClassRef.group is immutable',
    );
    const offline = await verdicts;
    const verdict = (name: string) => {
      const v = offline?.get(name);
      if (!v) throw new Error(`the offline validator gave no verdict on ${name}`);
      return `${v.errors.length === 0 ? 'no errors' : v.errors.join('; ')} (${v.line})`;
    };
    const passes = (name: string) => offline?.get(name)?.errors.length === 0;
    if (offline) {
      check(
        'offline validator on the changed NodePool',
        passes('changed'),
        `${passes('changed') ? 'passes it (cannot see the transition rule)' : 'flags it'}: ${verdict('changed')}`,
      );
    } else log('  note offline validator not found: comparison skipped');

    // 2. HTTPRoute: a prefix rewrite needs exactly one PathPrefix match. The offline validator's
    //    CEL library cannot evaluate this rule (has() inside exists_one), so it passes it.
    expectApplied(
      'HTTPRoute rewriting one prefix',
      await client.apply(httpRoute('self-test-rewrite', ['/llama3'], '/')),
    );
    expectRejected(
      'HTTPRoute rewriting with two prefix matches',
      await client.apply(twoPrefixes),
      'When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
    );
    if (offline) {
      check(
        'offline validator on that HTTPRoute',
        passes('twoPrefixes'),
        `${passes('twoPrefixes') ? 'passes it (cannot evaluate the rule)' : 'flags it'}: ${verdict('twoPrefixes')}`,
      );
    }

    // 3. HTTPRoute: a simple create-time CEL rule, which the offline validator evaluates too.
    expectApplied('HTTPRoute with path /v1', await client.apply(httpRoute('self-test-valid', ['/v1'])));
    expectRejected(
      'HTTPRoute with path v1 (no leading /)',
      await client.apply(badRoute),
      'value must be an absolute path and start with',
    );
    // The validator evaluates this rule: it must flag this object, and only this one, which also
    // proves each verdict above belongs to its object.
    if (offline) {
      check(
        'offline validator on the HTTPRoute with path v1',
        !passes('badRoute'),
        `${passes('badRoute') ? 'passes it' : 'flags it as well'}: ${verdict('badRoute')}`,
      );
    }

    // 4. The server's Warning headers reach the report, one text per warning: the beta OS and
    //    arch node labels draw one deprecation warning each from the pinned kube-apiserver.
    const warned = await client.apply(deployment('self-test-warnings', 'beta.kubernetes.io/arch', 'amd64'));
    const warnings = warned.outcome === 'applied' ? warned.warnings : [];
    check(
      'Deployment selecting the deprecated beta.kubernetes.io/arch label',
      warnings.length === 1 &&
        warnings[0]!.startsWith('spec.template.spec.nodeSelector[beta.kubernetes.io/arch]: '),
      `${describe(warned)}; warnings ${JSON.stringify(warnings)}`,
    );
    const quiet = await client.apply(deployment('self-test-no-warnings', 'kubernetes.io/arch', 'amd64'));
    check(
      'Deployment selecting kubernetes.io/arch',
      quiet.outcome === 'applied' && quiet.warnings.length === 0,
      `${describe(quiet)}; warnings ${JSON.stringify(quiet.outcome === 'applied' ? quiet.warnings : [])}`,
    );

    // 5. A field a built-in kind does not declare reaches the server, which rejects it (as it
    //    rejects Flux's apply). A client that re-serialises objects through typed models (the
    //    library's KubernetesObjectApi.patch) drops it and would let the object pass.
    expectRejected(
      'Deployment with a misspelt field (spec.replicaz)',
      await client.apply(deployment('self-test-misspelt', 'kubernetes.io/arch', 'amd64', true)),
      '.spec.replicaz: field not declared in schema',
    );

    // 6. A namespace that nobody creates.
    expectApplied('ConfigMap in an existing namespace', await client.apply(configMap('default')));
    expectRejected(
      'ConfigMap in a namespace never created',
      await client.apply(configMap('never-created')),
      'namespaces "never-created" not found',
    );
  } finally {
    await plane.stop();
  }
  return { passed, failed };
}
