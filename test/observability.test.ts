/**
 * Observability as code (apps/platform/observability): what every environment renders (the one
 * render per run), and what a fixture renders. The rules' behaviour is tested by promtool
 * (`npm run test:rules`, test/rules/); here, that every rule has such a test, that the scrape
 * configurations point at what the platform installs, and that the versions agree.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import {
  KUBE_PROMETHEUS_STACK_OPERATOR,
  MONITORING_NAMESPACE,
  PROMETHEUS_URL,
  SCRAPED_RELEASES,
} from '../apps/platform/observability/index.js';
import { versions } from '../clusters/versions.js';
import type { KubeObject } from '../review/objects.js';
import { PROMETHEUS_OPERATOR_CRDS_APP_VERSION } from '../tools/imports/sources.js';
import { goModProblems, goModuleVersion, TOOLS_DIR } from './rules/promtool.js';
import { otherQueries, ruleGroups, scalerTests, TESTS_DIR, testFiles } from './rules/run.js';
import { fixture } from './support/fixtures.js';
import { find, renderFixture } from './support/render.js';
import { repository } from './support/repository.js';

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are read field by field, checked by the assertions.
type Any = any;

/** Per environment of the repository, its rendered objects. */
let envs: Map<string, KubeObject[]>;

beforeAll(async () => {
  const { envs: list, objects } = await repository();
  envs = new Map(list.map((e) => [e.name, [...(objects.get(e.name)?.kubernetes.values() ?? [])]]));
});

const manifests = (objects: readonly KubeObject[]) => objects.map((o) => o.manifest as Any);

/** What the hand-written promtool tests exercise: alert names and recorded series queried. */
function tested(): { alerts: Set<string>; exprs: string[] } {
  const alerts = new Set<string>();
  const exprs: string[] = [];
  for (const f of testFiles()) {
    const doc = parse(readFileSync(join(TESTS_DIR, f), 'utf8')) as Any;
    expect(doc.rule_files, f).toEqual(['rules.yaml']);
    for (const t of doc.tests ?? []) {
      for (const a of t.alert_rule_test ?? []) alerts.add(a.alertname);
      for (const e of t.promql_expr_test ?? []) exprs.push(e.expr);
    }
  }
  return { alerts, exprs };
}

describe('rules', () => {
  test('every alert and recording rule of every environment has a promtool unit test', () => {
    const { alerts, exprs } = tested();
    let rules = 0;
    for (const [env, objects] of envs) {
      const groups = ruleGroups(manifests(objects));
      expect(groups.length, env).toBeGreaterThan(0);
      for (const g of groups as Any[]) {
        for (const r of g.rules) {
          rules++;
          if (r.alert)
            expect(alerts.has(r.alert), `${env}: alert ${r.alert} has no alert_rule_test`).toBe(true);
          else {
            expect(
              exprs.some((e) => e.includes(r.record)),
              `${env}: recording rule ${r.record} has no promql_expr_test`,
            ).toBe(true);
          }
        }
      }
    }
    expect(rules).toBeGreaterThan(0);
  });

  test('every alert the tests name is rendered (a renamed rule leaves no orphaned test)', () => {
    const { alerts } = tested();
    const rendered = new Set(
      [...envs.values()].flatMap((o) =>
        (ruleGroups(manifests(o)) as Any[]).flatMap((g) => g.rules.map((r: Any) => r.alert)),
      ),
    );
    for (const a of alerts)
      expect(rendered.has(a), `test/rules tests ${a}, which no environment renders`).toBe(true);
  });

  test('every environment gives the autoscaler tests and the query check something to read', () => {
    for (const [env, objects] of envs) {
      const queries = otherQueries(manifests(objects));
      expect(
        queries.some((q) => q.where.startsWith('dashboard-')),
        env,
      ).toBe(true);
      const scaled = manifests(objects).filter((m) => m.kind === 'ScaledObject').length;
      const generated = scalerTests(manifests(objects)) as Any;
      expect(generated?.tests.length ?? 0, env).toBe(scaled);
    }
  });
});

describe('scraping', () => {
  test('each exporter a monitor selects is installed by the release the monitor names, where it looks', () => {
    for (const [env, objects] of envs) {
      const releases = manifests(objects).filter((m) => m.kind === 'HelmRelease');
      for (const [what, { release, namespace }] of Object.entries(SCRAPED_RELEASES)) {
        const found = releases.find((r) => r.metadata.name === release);
        expect(found, `${env}: ${what}: HelmRelease ${release}`).toBeDefined();
        expect(found.spec.targetNamespace, `${env}: ${what}`).toBe(namespace);
      }
    }
  });

  test('every isolated namespace Prometheus scrapes lets the monitoring namespace in on the scraped port', () => {
    for (const [env, objects] of envs) {
      const all = manifests(objects);
      for (const pm of all.filter(
        (m) => m.kind === 'PodMonitor' && m.metadata.namespace !== MONITORING_NAMESPACE,
      )) {
        const ns = pm.metadata.namespace;
        const denies = all.some(
          (m) =>
            m.kind === 'NetworkPolicy' && m.metadata.namespace === ns && m.metadata.name === 'default-deny',
        );
        if (!denies) continue;
        const allow = all.find(
          (m) =>
            m.kind === 'NetworkPolicy' &&
            m.metadata.namespace === ns &&
            m.spec.ingress?.some((r: Any) =>
              r.from?.some(
                (f: Any) =>
                  f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === MONITORING_NAMESPACE,
              ),
            ),
        );
        expect(allow, `${env}: PodMonitor ${ns}/${pm.metadata.name}`).toBeDefined();
        expect(allow.spec.podSelector.matchLabels, `${env}: ${ns}`).toEqual(pm.spec.selector.matchLabels);
      }
    }
  });

  test('the autoscaler queries the Prometheus the stack runs', () => {
    for (const [env, objects] of envs) {
      const all = manifests(objects);
      const stack = all.find((m) => m.kind === 'HelmRelease' && m.metadata.name === 'kube-prometheus-stack');
      expect(stack.spec.targetNamespace, env).toBe(MONITORING_NAMESPACE);
      expect(PROMETHEUS_URL).toBe(
        `http://${stack.spec.values.fullnameOverride}-prometheus.${MONITORING_NAMESPACE}.svc.cluster.local:9090`,
      );
      for (const so of all.filter((m) => m.kind === 'ScaledObject')) {
        for (const t of so.spec.triggers.filter((x: Any) => x.type === 'prometheus')) {
          expect(t.metadata.serverAddress, `${env}: ${so.metadata.name}`).toBe(PROMETHEUS_URL);
        }
      }
    }
  });
});

describe('versions', () => {
  test('kube-prometheus-stack runs the operator whose CRDs the CRDs chart installs and the imports type', () => {
    const stack = KUBE_PROMETHEUS_STACK_OPERATOR[versions.kubePrometheusStack.version];
    const crds = PROMETHEUS_OPERATOR_CRDS_APP_VERSION[versions.prometheusOperatorCrds.version];
    expect(stack, 'KUBE_PROMETHEUS_STACK_OPERATOR has no entry for the pinned chart').toBeDefined();
    expect(stack).toBe(crds);
  });

  test('promtool is built from the Prometheus release the cluster runs (test/rules/tools/go.mod)', () => {
    expect(goModuleVersion('v3.13.2')).toBe('v0.313.2');
    expect(goModuleVersion('v3.4.1')).toBe('v0.304.1');
    expect(goModProblems(readFileSync(join(TOOLS_DIR, 'go.mod'), 'utf8'))).toEqual([]);
    expect(goModProblems(readFileSync(join(TOOLS_DIR, 'go.mod'), 'utf8'), 'v3.14.0')).toEqual([
      'require github.com/prometheus/prometheus: v0.313.2, versions table says v0.314.0',
    ]);
  });
});

describe('a fixture environment', () => {
  const rendered = () => renderFixture(fixture('observed'));

  test('renders the CRDs in controllers, the stack and its rules in apps, monitors and dashboards in configs', () => {
    const objects = rendered();
    const layerOf = (kind: string, name: string) =>
      objects.find((o) => o.manifest.kind === kind && o.manifest.metadata.name === name)?.layer;
    expect(layerOf('HelmRelease', 'prometheus-operator-crds')).toBe('controllers');
    expect(layerOf('HelmRelease', 'kube-prometheus-stack')).toBe('apps');
    for (const o of objects.filter((x) => ['ServiceMonitor', 'PodMonitor'].includes(x.manifest.kind))) {
      if (o.manifest.metadata.namespace === 'monitoring')
        expect(o.layer, `${o.manifest.kind} ${o.manifest.metadata.name}`).toBe('configs');
    }
    // The rules are values of the stack's release, which renders them as PrometheusRules: no
    // PrometheusRule object of our own (docs/decisions.md, "Observability").
    expect(objects.filter((o) => o.manifest.kind === 'PrometheusRule')).toEqual([]);
    const stack = objects.find(
      (o) => o.manifest.kind === 'HelmRelease' && o.manifest.metadata.name === 'kube-prometheus-stack',
    )!.manifest as Any;
    const rules = stack.spec.values.additionalPrometheusRulesMap as Record<string, Any>;
    expect(Object.keys(rules).length).toBeGreaterThan(0);
    for (const [key, rule] of Object.entries(rules)) {
      // The chart names each PrometheusRule `<fullname>-<key>`, cut to 63 characters.
      expect(`${stack.spec.values.fullnameOverride}-${key}`.length, key).toBeLessThanOrEqual(63);
      expect(key).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(rule.groups.length, key).toBeGreaterThan(0);
      for (const g of rule.groups)
        for (const r of g.rules) expect(typeof r.expr, `${key}: ${g.name}`).toBe('string');
    }
    const dashboards = objects.filter(
      (o) =>
        o.manifest.kind === 'ConfigMap' && (o.manifest.metadata as Any).labels?.grafana_dashboard === '1',
    );
    expect(dashboards.length).toBeGreaterThan(0);
    const uids = dashboards.map((d) => {
      const [file, text] = Object.entries((d.manifest as Any).data)[0] as [string, string];
      const json = JSON.parse(text);
      expect(file).toBe(`${json.uid}.json`);
      expect(json.panels.length, json.uid).toBeGreaterThan(0);
      return json.uid;
    });
    expect(new Set(uids).size).toBe(uids.length);
  });

  test('Prometheus keeps what the environment asks for, on a gp3 volume of its size', () => {
    const props = fixture('observed');
    props.observability = { retention: '30d', storageGiB: 200 };
    const stack = find(renderFixture(props), 'HelmRelease', 'kube-prometheus-stack') as Any;
    const spec = stack.spec.values.prometheus.prometheusSpec;
    expect(spec.retention).toBe('30d');
    expect(spec.retentionSize).toBe('180GB');
    expect(spec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage).toBe('200Gi');
    expect(spec.image.tag).toBe(versions.prometheus.tag);
  });
});
