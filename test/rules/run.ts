/**
 * The rule tests of one rendered environment, with promtool (`npm run test:rules`):
 *
 * 1. `rules.yaml`: every rule group rendered in dist/k8s/<env> (ruleGroups below), as Prometheus loads it;
 *    `promtool check rules` parses it;
 * 2. the hand-written unit tests test/rules/*.test.yaml run against it (`promtool test rules`);
 * 3. `queries.yaml`: every other PromQL the render carries, as recording rules, so promtool parses
 *    it too: the dashboards' panel queries (Grafana variables replaced by a match-all) and the
 *    autoscaler's Prometheus triggers;
 * 4. `scaler.test.yaml`, generated: each ScaledObject's queue and latency queries evaluated on
 *    series of its own deployment and of others, which must not count.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { listFiles } from '../../render/compare.js';

export const TESTS_DIR = import.meta.dirname;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The hand-written promtool test files. */
export function testFiles(): string[] {
  return readdirSync(TESTS_DIR)
    .filter((f) => f.endsWith('.test.yaml'))
    .sort();
}

/** Every object rendered for one environment (dist/k8s/<env>, all layers). */
export function readObjects(envDir: string): Obj[] {
  return listFiles(envDir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => parse(readFileSync(join(envDir, f), 'utf8')) as Obj);
}

/**
 * The rule groups of every PrometheusRule the environment gets: those a HelmRelease hands to
 * kube-prometheus-stack in `additionalPrometheusRulesMap` (the chart renders one PrometheusRule
 * per key: templates/prometheus/additionalPrometheusRules.yaml at kube-prometheus-stack-88.3.0),
 * and any PrometheusRule object, in file order.
 */
export function ruleGroups(objects: readonly Obj[]): Obj[] {
  return objects.flatMap((o) => {
    if (o.kind === 'PrometheusRule') return arr(isObj(o.spec) ? o.spec.groups : undefined).filter(isObj);
    const values =
      o.kind === 'HelmRelease' && isObj(o.spec) && isObj(o.spec.values) ? o.spec.values : undefined;
    const rules =
      values && isObj(values.additionalPrometheusRulesMap) ? values.additionalPrometheusRulesMap : {};
    return Object.values(rules).flatMap((r) => arr(isObj(r) ? r.groups : undefined).filter(isObj));
  });
}

/** PromQL of the dashboards (ConfigMaps of Grafana JSON) and of the ScaledObjects' Prometheus triggers. */
export function otherQueries(objects: readonly Obj[]): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  const name = (o: Obj) => (isObj(o.metadata) ? String(o.metadata.name) : '?');
  for (const o of objects) {
    if (o.kind === 'ConfigMap' && isObj(o.data)) {
      for (const [file, text] of Object.entries(o.data)) {
        if (!file.endsWith('.json')) continue;
        const dashboard = JSON.parse(String(text)) as {
          panels?: { title?: string; targets?: { expr?: string }[] }[];
        };
        for (const p of dashboard.panels ?? []) {
          for (const t of p.targets ?? []) {
            // Grafana variables: `$deployment` matches any value here.
            if (t.expr)
              out.push({ where: `${name(o)} ${p.title}`, expr: t.expr.replaceAll('$deployment', '.*') });
          }
        }
      }
    }
    if (o.kind === 'ScaledObject' && isObj(o.spec)) {
      for (const t of arr(o.spec.triggers).filter(isObj)) {
        if (t.type === 'prometheus' && isObj(t.metadata)) {
          out.push({ where: `ScaledObject ${name(o)} ${t.name}`, expr: String(t.metadata.query) });
        }
      }
    }
  }
  return out;
}

const SERIES_EXTRA = 'model_name="m",engine="0"';

/**
 * A promtool test of each ScaledObject's triggers: the queue query sums its deployment's replicas
 * (3 + 5) and ignores another deployment and another namespace; the latency query gives the 90th
 * percentile of its own deployment (all requests between 1 and 2.5 s: 2.35 s), not of another
 * deployment whose requests all took under 1 s.
 */
export function scalerTests(objects: readonly Obj[]): Obj | undefined {
  const tests: Obj[] = [];
  for (const o of objects) {
    if (o.kind !== 'ScaledObject' || !isObj(o.metadata) || !isObj(o.spec)) continue;
    const ns = String(o.metadata.namespace);
    const labels = isObj(o.metadata.labels) ? o.metadata.labels : {};
    const deployment = String(labels['app.kubernetes.io/instance']);
    const triggers = arr(o.spec.triggers).filter(isObj);
    const query = (n: string) => {
      const t = triggers.find((x) => x.name === n);
      return t && isObj(t.metadata) ? String(t.metadata.query) : undefined;
    };
    const queue = query('queue');
    const ttft = query('time-to-first-token');
    if (!queue || !ttft)
      throw new Error(
        `ScaledObject ${ns}/${String(o.metadata.name)}: no queue or time-to-first-token trigger`,
      );
    const own = (pod: string, extra = '') =>
      `{namespace="${ns}",vllm_deployment="${deployment}",pod="${pod}",${SERIES_EXTRA}${extra}}`;
    const other = (pod: string, extra = '') =>
      `{namespace="${ns}",vllm_deployment="${deployment}-other",pod="${pod}",${SERIES_EXTRA}${extra}}`;
    const elsewhere = `{namespace="${ns}-other",vllm_deployment="${deployment}",pod="x",${SERIES_EXTRA}}`;
    const bucket = (target: string, le: string) =>
      `vllm:time_to_first_token_seconds_bucket${target.replace('}', `,le="${le}"}`)}`;
    tests.push({
      interval: '1m',
      input_series: [
        { series: `vllm:num_requests_waiting${own('a')}`, values: '3x10' },
        { series: `vllm:num_requests_waiting${own('b')}`, values: '5x10' },
        { series: `vllm:num_requests_waiting${other('c')}`, values: '100x10' },
        { series: `vllm:num_requests_waiting${elsewhere}`, values: '100x10' },
        { series: bucket(own('a'), '1.0'), values: '0x10' },
        { series: bucket(own('a'), '2.5'), values: '0+30x10' },
        { series: bucket(own('a'), '+Inf'), values: '0+30x10' },
        { series: bucket(other('c'), '1.0'), values: '0+30x10' },
        { series: bucket(other('c'), '2.5'), values: '0+30x10' },
        { series: bucket(other('c'), '+Inf'), values: '0+30x10' },
      ],
      promql_expr_test: [
        { expr: queue, eval_time: '5m', exp_samples: [{ labels: '{}', value: 8 }] },
        { expr: ttft, eval_time: '5m', exp_samples: [{ labels: '{}', value: 2.35 }] },
      ],
    });
  }
  return tests.length > 0 ? { evaluation_interval: '1m', tests } : undefined;
}

export interface EnvironmentResult {
  readonly env: string;
  readonly ok: boolean;
  readonly output: string;
  readonly groups: number;
  readonly queries: number;
  readonly files: readonly string[];
}

function run(promtool: string, args: string[], cwd: string): { ok: boolean; output: string } {
  const r = spawnSync(promtool, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw r.error;
  return { ok: r.status === 0, output: `$ promtool ${args.join(' ')}\n${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** Writes the rule, query and test files of `envDir` into `work` and runs promtool on them. */
export function testEnvironment(
  promtool: string,
  env: string,
  envDir: string,
  work: string,
): EnvironmentResult {
  mkdirSync(work, { recursive: true });
  const objects = readObjects(envDir);
  const groups = ruleGroups(objects);
  if (groups.length === 0) {
    return {
      env,
      ok: false,
      output: `${envDir}: no rule group rendered (PrometheusRule or kube-prometheus-stack additionalPrometheusRulesMap)`,
      groups: 0,
      queries: 0,
      files: [],
    };
  }
  writeFileSync(join(work, 'rules.yaml'), stringify({ groups }));
  const queries = otherQueries(objects);
  writeFileSync(
    join(work, 'queries.yaml'),
    stringify({
      groups: [
        {
          name: 'rendered-queries',
          rules: queries.map((q, i) => ({ record: `genai_check:query_${i}`, expr: q.expr })),
        },
      ],
    }),
  );
  const files = testFiles();
  for (const f of files) copyFileSync(join(TESTS_DIR, f), join(work, f));
  const scaler = scalerTests(objects);
  if (scaler) {
    writeFileSync(join(work, 'scaler.test.yaml'), stringify({ rule_files: [], ...scaler }));
    files.push('scaler.test.yaml');
  }
  const steps = [
    run(promtool, ['check', 'rules', 'rules.yaml', 'queries.yaml'], work),
    run(promtool, ['test', 'rules', ...files], work),
  ];
  return {
    env,
    ok: steps.every((s) => s.ok),
    output: steps.map((s) => s.output).join('\n'),
    groups: groups.length,
    queries: queries.length,
    files,
  };
}
