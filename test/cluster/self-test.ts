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
 *   offline validator evaluates too): the server enforces the pinned CRD's rules.
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
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** Runs the offline validator on one object: number of invalid objects, or undefined when unavailable. */
export function offlineInvalid(
  validator: string | undefined,
  m: KubeManifest,
): { invalid: number; line: string } | undefined {
  if (!validator) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'genai-eks-selftest-'));
  try {
    writeFileSync(join(dir, 'object.yaml'), stringify(m));
    const r = spawnSync(validator, ['--k8s', versions.kubernetes, dir], { encoding: 'utf8' });
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    const line =
      out
        .trim()
        .split('\n')
        .find((l) => /^validate: /.test(l)) ??
      out.trim().split('\n').pop() ??
      '';
    const m2 = /(\d+) invalid/.exec(line);
    if (!m2) throw new Error(`offline validator printed no summary (exit ${r.status}): ${out.slice(-500)}`);
    return { invalid: Number(m2[1]), line };
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
    const changed = nodePool('karpenter.example.com');
    expectApplied('NodePool created', await client.apply(original));
    expectRejected(
      'NodePool nodeClassRef.group changed',
      await client.apply(changed),
      'nodeClassRef.group is immutable',
    );
    const offline = offlineInvalid(opts.validator, changed);
    if (offline) {
      check(
        'offline validator on the changed NodePool',
        offline.invalid === 0,
        `${offline.invalid === 0 ? 'passes it (cannot see the transition rule)' : 'flags it'}: ${offline.line}`,
      );
    } else log('  note offline validator not found: comparison skipped');

    // 2. HTTPRoute: a prefix rewrite needs exactly one PathPrefix match. The offline validator's
    //    CEL library cannot evaluate this rule (has() inside exists_one), so it passes it.
    expectApplied(
      'HTTPRoute rewriting one prefix',
      await client.apply(httpRoute('self-test-rewrite', ['/llama3'], '/')),
    );
    const twoPrefixes = httpRoute('self-test-rewrite-two', ['/llama3', '/models/llama3'], '/');
    expectRejected(
      'HTTPRoute rewriting with two prefix matches',
      await client.apply(twoPrefixes),
      'When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
    );
    const offlineRewrite = offlineInvalid(opts.validator, twoPrefixes);
    if (offlineRewrite) {
      check(
        'offline validator on that HTTPRoute',
        offlineRewrite.invalid === 0,
        `${offlineRewrite.invalid === 0 ? 'passes it (cannot evaluate the rule)' : 'flags it'}: ${offlineRewrite.line}`,
      );
    }

    // 3. HTTPRoute: a simple create-time CEL rule, which the offline validator evaluates too.
    expectApplied('HTTPRoute with path /v1', await client.apply(httpRoute('self-test-valid', ['/v1'])));
    const badRoute = httpRoute('self-test-invalid', ['v1']);
    expectRejected(
      'HTTPRoute with path v1 (no leading /)',
      await client.apply(badRoute),
      'value must be an absolute path and start with',
    );
    const offlineRoute = offlineInvalid(opts.validator, badRoute);
    if (offlineRoute) {
      log(
        `  note offline validator on that HTTPRoute ${offlineRoute.invalid ? 'flags it as well' : 'passes it'}: ${offlineRoute.line}`,
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
