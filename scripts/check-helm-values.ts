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
import { listFiles } from './lib/render.js';

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

function main(): number {
  const { values, positionals } = parseArgs({
    options: { schema: { type: 'string' }, chart: { type: 'string' } },
    allowPositionals: true,
  });
  if (!values.schema || !values.chart) {
    console.error('usage: check-helm-values --schema FILE --chart NAME [DIR]');
    return 2;
  }
  const dir = positionals[0] ?? 'dist/k8s';
  const { checked, errors } = checkValues(readFileSync(values.schema, 'utf8'), values.chart, dir);
  for (const e of errors) console.error(e);
  console.log(
    `check-helm-values: ${checked.length} ${values.chart} HelmRelease(s), ${errors.length} problem(s)`,
  );
  return errors.length === 0 ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(main());
