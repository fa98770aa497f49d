/**
 * Checks the values of rendered HelmReleases against a chart's own values schema.
 *
 *   tsx scripts/check-helm-values.ts --schema <values.schema.yaml|json> --chart <chart> [dist/k8s]
 *
 * A HelmRelease carries overrides only (the chart's defaults fill in the rest), so `required` is
 * ignored; types, enums and unknown keys are checked. Every HelmRelease of `--chart` under the
 * directory is checked; finding none is an error (a renamed chart would otherwise pass silently).
 * Used by .ci/run with the reference schemas beside the repository; npm test does not need them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { listFiles } from '../render/compare.js';

interface HelmReleaseFile {
  readonly kind?: string;
  readonly spec?: {
    readonly chart?: { readonly spec?: { readonly chart?: string } };
    readonly values?: unknown;
  };
}

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

export function checkValues(
  schemaText: string,
  chart: string,
  dir: string,
): { checked: string[]; errors: string[] } {
  const schema = withoutRequired(parse(schemaText)) as Record<string, unknown>;
  delete schema.$schema;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(schema);
  const checked: string[] = [];
  const errors: string[] = [];
  for (const f of listFiles(dir).filter((p) => /(^|\/)helmrelease-[^/]*\.yaml$/.test(p))) {
    const doc = parse(readFileSync(join(dir, f), 'utf8')) as HelmReleaseFile;
    if (doc.kind !== 'HelmRelease' || doc.spec?.chart?.spec?.chart !== chart) continue;
    checked.push(f);
    if (!validate(doc.spec.values ?? {})) {
      for (const e of validate.errors ?? []) {
        const extra = e.keyword === 'additionalProperties' ? ` (${JSON.stringify(e.params)})` : '';
        errors.push(`${f}: values${e.instancePath.replaceAll('/', '.')}: ${e.message ?? 'invalid'}${extra}`);
      }
    }
  }
  if (checked.length === 0) errors.push(`${dir}: no HelmRelease of chart ${chart} found`);
  return { checked, errors };
}

/**
 * The schemas in `schemaDir` named `<chart>-<version>.values.schema.(yaml|json)` paired with the
 * chart versions that the rendered HelmReleases under `dir` use (so no version is written twice).
 */
export function schemasFor(schemaDir: string, dir: string): { chart: string; file: string }[] {
  const available = new Set(listFiles(schemaDir));
  const wanted = new Map<string, string>();
  for (const f of listFiles(dir).filter((p) => /(^|\/)helmrelease-[^/]*\.yaml$/.test(p))) {
    const doc = parse(readFileSync(join(dir, f), 'utf8')) as {
      spec?: { chart?: { spec?: { chart?: string; version?: string } } };
    };
    const chart = doc.spec?.chart?.spec;
    if (!chart?.chart || !chart.version) continue;
    for (const ext of ['yaml', 'json']) {
      const file = `${chart.chart}-${chart.version}.values.schema.${ext}`;
      if (available.has(file)) wanted.set(chart.chart, join(schemaDir, file));
    }
  }
  return [...wanted].map(([chart, file]) => ({ chart, file })).sort((a, b) => a.chart.localeCompare(b.chart));
}

function main(): number {
  const { values, positionals } = parseArgs({
    options: { schema: { type: 'string' }, chart: { type: 'string' }, 'schema-dir': { type: 'string' } },
    allowPositionals: true,
  });
  const dir = positionals[0] ?? 'dist/k8s';
  let pairs: { chart: string; file: string }[];
  if (values['schema-dir']) {
    pairs = schemasFor(values['schema-dir'], dir);
    if (pairs.length === 0) {
      console.error(
        `check-helm-values: no schema in ${values['schema-dir']} matches a rendered chart version`,
      );
      return 1;
    }
  } else if (values.schema && values.chart) {
    pairs = [{ chart: values.chart, file: values.schema }];
  } else {
    console.error('usage: check-helm-values (--schema-dir DIR | --schema FILE --chart NAME) [DIST_DIR]');
    return 2;
  }
  let problems = 0;
  for (const { chart, file } of pairs) {
    const { checked, errors } = checkValues(readFileSync(file, 'utf8'), chart, dir);
    for (const e of errors) console.error(e);
    problems += errors.length;
    console.log(
      `check-helm-values: ${checked.length} ${chart} HelmRelease(s) against ${file}, ${errors.length} problem(s)`,
    );
  }
  return problems === 0 ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(main());
