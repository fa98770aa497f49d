/**
 * Checks the `spec.values` of rendered HelmReleases against the charts themselves, in two ways:
 *
 * - **Keys**: every key path of the values must be a key of the chart's default values
 *   (`<reference>/helm-chart-values/<chart>-<version>/values.yaml`, a subchart's under
 *   `charts/<subchart>/values.yaml` for the values under its name or alias), or be listed in the
 *   allowlist with its reason (review/helm-values-allowlist.ts). Helm ignores a key no template
 *   reads, so a misspelled or removed key changes nothing and no schema or API server notices.
 *   A rendered chart version without a reference file is a problem, unless the allowlist names it
 *   as unreferenced with the reason; either way it is reported by name.
 * - **Schemas**: where a chart ships a values schema (`helm-values-schemas/<chart>-<version>.
 *   values.schema.{yaml,json}`, or `values.schema.json` beside the chart's values.yaml), the values
 *   are validated against it with `required` ignored (a HelmRelease carries overrides only; Helm
 *   checks required keys after merging the defaults): types, enums and unknown keys.
 *
 * The reference folder is laid out like ../shared/reference; .ci/run passes it (a fork's CI
 * fetches the same files by URL and sha256: tools/reference). npm test exercises this module on
 * small fixtures only (test/helm-values.test.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import type { EnvironmentObjects, JsonObject } from './objects.js';

/** One rendered HelmRelease with its chart resolved. */
export interface RenderedRelease {
  /** Rendered file, e.g. `k8s/dev/controllers/helmrelease-flux-system-karpenter.yaml`. */
  readonly file: string;
  /** `namespace/name` of the HelmRelease. */
  readonly release: string;
  readonly chart: string;
  readonly version: string;
  readonly values: JsonObject;
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Every HelmRelease of the rendered environments with its chart and version: `spec.chart.spec`
 * for a HelmRepository chart, the OCIRepository's URL (last path segment) and tag for `chartRef`.
 */
export function renderedReleases(objects: ReadonlyMap<string, EnvironmentObjects>): RenderedRelease[] {
  const out: RenderedRelease[] = [];
  for (const { env, kubernetes } of objects.values()) {
    for (const o of kubernetes.values()) {
      if (o.kind !== 'HelmRelease') continue;
      const spec = (o.manifest.spec ?? {}) as {
        chart?: { spec?: { chart?: string; version?: string } };
        chartRef?: { kind?: string; name?: string; namespace?: string };
        values?: unknown;
      };
      let chart = spec.chart?.spec?.chart;
      let version = spec.chart?.spec?.version;
      if (!chart && spec.chartRef) {
        const ref = spec.chartRef;
        const source = kubernetes.get(`${ref.kind} ${ref.namespace ?? o.namespace}/${ref.name}`);
        const sourceSpec = (source?.manifest.spec ?? {}) as { url?: string; ref?: { tag?: string } };
        if (!source || !sourceSpec.url || !sourceSpec.ref?.tag) {
          throw new Error(
            `${o.path}: chartRef ${ref.kind} ${ref.name} is not rendered in ${env} with a url and tag`,
          );
        }
        chart = sourceSpec.url.split('/').at(-1);
        version = sourceSpec.ref.tag;
      }
      if (!chart || !version) throw new Error(`${o.path}: HelmRelease without a chart and version`);
      out.push({
        file: o.path,
        release: `${o.namespace}/${o.name}`,
        chart,
        version,
        values: isObject(spec.values) ? spec.values : {},
      });
    }
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

// --- key paths ---

/**
 * The key paths of a values object: one per leaf (a scalar, a list or an empty map). Lists are
 * leaves: their items are data (tolerations, volumes), not chart keys.
 */
export function keyPaths(values: JsonObject, prefix: readonly string[] = []): string[][] {
  const out: string[][] = [];
  for (const [key, value] of Object.entries(values)) {
    const path = [...prefix, key];
    if (isObject(value) && Object.keys(value).length > 0) out.push(...keyPaths(value, path));
    else out.push(path);
  }
  return out;
}

/** A key path for messages: `a.b` with keys that contain `.` or `/` in brackets (`nodeSelector["karpenter.sh/nodepool"]`). */
export function formatPath(path: readonly string[]): string {
  return path
    .map((k, i) => (/^[A-Za-z0-9_-]+$/.test(k) ? `${i === 0 ? '' : '.'}${k}` : `[${JSON.stringify(k)}]`))
    .join('');
}

/**
 * Where `path` leaves the defaults: the index of the first key that is not there (under a map
 * that does not hold it, or under a value that is not a map), or -1 when every key is a default.
 */
export function unknownAt(defaults: unknown, path: readonly string[]): number {
  let node: unknown = defaults;
  for (let i = 0; i < path.length; i++) {
    if (!isObject(node) || !(path[i]! in node)) return i;
    node = node[path[i]!];
  }
  return -1;
}

// --- the allowlist ---

/** A key path that is not among a chart's defaults but is right, and why. */
export interface AllowedKey {
  /** Chart name, or `*` for every chart. */
  readonly chart: string;
  /** Key segments; `*` matches one key, `**` any number of keys (none included). */
  readonly path: readonly string[];
  readonly reason: string;
}

/** A chart version rendered without a reference values file, and why. */
export interface UnreferencedChart {
  readonly chart: string;
  readonly version: string;
  readonly reason: string;
}

export interface Allowlist {
  readonly keys: readonly AllowedKey[];
  readonly unreferenced: readonly UnreferencedChart[];
  /**
   * Per chart, its dependencies installed under an alias: alias -> chart name (the folder under
   * `charts/` in the reference). A dependency without an alias is found by its own name.
   */
  readonly subchartAliases: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Does `pattern` (with `*` and `**`) match `path`? */
export function matchesPath(pattern: readonly string[], path: readonly string[]): boolean {
  if (pattern.length === 0) return path.length === 0;
  const [head, ...rest] = pattern;
  if (head === '**') {
    for (let skip = 0; skip <= path.length; skip++) if (matchesPath(rest, path.slice(skip))) return true;
    return false;
  }
  if (path.length === 0) return false;
  return (head === '*' || head === path[0]) && matchesPath(rest, path.slice(1));
}

// --- reference values ---

/** A chart's default values with its subcharts' merged in under their names (or aliases). */
export function chartDefaults(dir: string, aliases: Readonly<Record<string, string>> = {}): JsonObject {
  const parent = (parse(readFileSync(join(dir, 'values.yaml'), 'utf8')) ?? {}) as JsonObject;
  const merged: Record<string, unknown> = { ...parent };
  const charts = join(dir, 'charts');
  const subcharts = existsSync(charts) ? readdirSync(charts) : [];
  const byName = new Map<string, string>(subcharts.map((s) => [s, s]));
  for (const [alias, name] of Object.entries(aliases)) byName.set(alias, name);
  for (const [key, name] of byName) {
    const file = join(charts, name, 'values.yaml');
    if (!existsSync(file)) continue;
    const sub = (parse(readFileSync(file, 'utf8')) ?? {}) as JsonObject;
    merged[key] = deepMerge(sub, isObject(parent[key]) ? parent[key] : {});
  }
  return merged;
}

function deepMerge(base: JsonObject, over: JsonObject): JsonObject {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isObject(v) && isObject(out[k]) ? deepMerge(out[k] as JsonObject, v) : v;
  }
  return out;
}

// --- the key check ---

export interface KeyCheck {
  /** One message per problem: file, release, chart, key path and what to do. */
  readonly problems: string[];
  /** `chart version` of every chart version checked against its defaults. */
  readonly checked: string[];
  /** `chart version: reason` of every rendered chart version not checked (no reference file). */
  readonly unchecked: string[];
}

/**
 * Checks every key path of every release's values against its chart's defaults under
 * `<referenceDir>/helm-chart-values`. Allowlist entries that match no rendered key, and
 * unreferenced entries for a chart version that now has a reference or is no longer rendered,
 * are problems too: the list stays true.
 */
export function checkValueKeys(
  releases: readonly RenderedRelease[],
  referenceDir: string,
  allowlist: Allowlist,
): KeyCheck {
  const problems: string[] = [];
  const checked = new Set<string>();
  const unchecked = new Map<string, string>();
  const usedKeys = new Set<AllowedKey>();
  const usedUnreferenced = new Set<UnreferencedChart>();
  const defaultsCache = new Map<string, JsonObject | undefined>();
  const valuesDir = join(referenceDir, 'helm-chart-values');
  for (const r of releases) {
    const id = `${r.chart}-${r.version}`;
    const dir = join(valuesDir, id);
    if (!defaultsCache.has(id)) {
      defaultsCache.set(
        id,
        existsSync(join(dir, 'values.yaml'))
          ? chartDefaults(dir, allowlist.subchartAliases[r.chart] ?? {})
          : undefined,
      );
    }
    const defaults = defaultsCache.get(id);
    const exempt = allowlist.unreferenced.find((u) => u.chart === r.chart && u.version === r.version);
    if (!defaults) {
      if (exempt) {
        usedUnreferenced.add(exempt);
        unchecked.set(`${r.chart} ${r.version}`, exempt.reason);
      } else {
        problems.push(
          `${r.file}: HelmRelease ${r.release}: chart ${r.chart} ${r.version} has no reference values ` +
            `(${join(dir, 'values.yaml')}): its keys cannot be checked. Add the chart's default values ` +
            'there (and its sha256 to tools/reference/sources.ts), or list the chart version in ' +
            'review/helm-values-allowlist.ts (unreferenced) with the reason',
        );
      }
      continue;
    }
    if (exempt) {
      problems.push(
        `review/helm-values-allowlist.ts: ${r.chart} ${r.version} is listed as unreferenced but ${dir} exists: remove the entry`,
      );
      usedUnreferenced.add(exempt);
    }
    checked.add(`${r.chart} ${r.version}`);
    for (const path of keyPaths(r.values)) {
      const at = unknownAt(defaults, path);
      if (at < 0) continue;
      const allowed = allowlist.keys.find(
        (k) => (k.chart === '*' || k.chart === r.chart) && matchesPath(k.path, path),
      );
      if (allowed) {
        usedKeys.add(allowed);
        continue;
      }
      const missing = formatPath(['values', ...path.slice(0, at + 1)]);
      problems.push(
        `${r.file}: HelmRelease ${r.release} (chart ${r.chart} ${r.version}): ${formatPath(['values', ...path])}: ` +
          `${at === path.length - 1 ? 'not' : `${missing} is not`} among the chart's default values ` +
          `(${join(dir, 'values.yaml')}), so Helm ignores it. Fix the key, or list it in ` +
          'review/helm-values-allowlist.ts with the reason (a free-form map, a key the templates read without a default)',
      );
    }
  }
  for (const k of allowlist.keys) {
    if (!usedKeys.has(k)) {
      problems.push(
        `review/helm-values-allowlist.ts: ${k.chart} ${k.path.join('.')} matches no rendered key that is missing from the defaults: remove it`,
      );
    }
  }
  for (const u of allowlist.unreferenced) {
    if (!usedUnreferenced.has(u)) {
      problems.push(
        `review/helm-values-allowlist.ts: unreferenced ${u.chart} ${u.version} is not rendered: remove it`,
      );
    }
  }
  return {
    problems,
    checked: [...checked].sort(),
    unchecked: [...unchecked].map(([c, reason]) => `${c}: ${reason}`).sort(),
  };
}

// --- the schema check ---

/** Removes every `required` list so that only the overrides' shape is checked. */
export function withoutRequired(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutRequired);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'required' && Array.isArray(v)) continue;
    out[k] = withoutRequired(v);
  }
  return out;
}

/**
 * The values schema of a chart version in the reference folder, if it has one:
 * `helm-values-schemas/<chart>-<version>.values.schema.(yaml|json)`, else
 * `helm-chart-values/<chart>-<version>/values.schema.json`.
 */
export function schemaFile(referenceDir: string, chart: string, version: string): string | undefined {
  const candidates = [
    join(referenceDir, 'helm-values-schemas', `${chart}-${version}.values.schema.yaml`),
    join(referenceDir, 'helm-values-schemas', `${chart}-${version}.values.schema.json`),
    join(referenceDir, 'helm-chart-values', `${chart}-${version}`, 'values.schema.json'),
  ];
  return candidates.find((f) => existsSync(f));
}

export interface SchemaCheck {
  readonly problems: string[];
  /** `chart version (schema file)` of every chart version validated. */
  readonly checked: string[];
}

/** Validates every release whose chart version has a values schema in the reference folder. */
export function checkValueSchemas(releases: readonly RenderedRelease[], referenceDir: string): SchemaCheck {
  const problems: string[] = [];
  const checked = new Set<string>();
  const validators = new Map<string, ReturnType<Ajv['compile']> | undefined>();
  for (const r of releases) {
    const id = `${r.chart}-${r.version}`;
    if (!validators.has(id)) {
      const file = schemaFile(referenceDir, r.chart, r.version);
      if (file) {
        const schema = withoutRequired(parse(readFileSync(file, 'utf8'))) as Record<string, unknown>;
        delete schema.$schema;
        const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
        validators.set(id, ajv.compile(schema));
        checked.add(`${r.chart} ${r.version} (${file})`);
      } else {
        validators.set(id, undefined);
      }
    }
    const validate = validators.get(id);
    if (!validate || validate(r.values)) continue;
    for (const e of validate.errors ?? []) {
      const extra = e.keyword === 'additionalProperties' ? ` (${JSON.stringify(e.params)})` : '';
      problems.push(
        `${r.file}: HelmRelease ${r.release} (chart ${r.chart} ${r.version}): values${e.instancePath.replaceAll('/', '.')}: ` +
          `${e.message ?? 'invalid'}${extra} (the chart's values schema)`,
      );
    }
  }
  return { problems, checked: [...checked].sort() };
}
