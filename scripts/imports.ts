/**
 * npm run imports [-- --reference DIR | --fetch] [--check]
 *
 * Regenerates the typed cdk8s imports in apps/imports/ (per import, the compiled <module>.js and
 * its <module>.d.ts) from the imports that cdk8s.yaml lists (tools/imports/). The upstream files come from DIR (laid out like ../shared/reference:
 * crds/, kubernetes/), by default ../shared/reference when it exists, else from their URLs
 * (--fetch forces that); each is checked against its recorded sha256 first. --check writes
 * nothing and exits 1 when apps/imports/ differs from a fresh generation.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  compareImports,
  generateImports,
  readCdk8sConfig,
  type Source,
  writeImports,
} from '../tools/imports/generate.js';

const ROOT = resolve(import.meta.dirname, '..');

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      reference: { type: 'string' },
      fetch: { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.fetch && values.reference) throw new Error('--fetch and --reference exclude each other');
  const fallback = resolve(ROOT, '..', 'shared', 'reference');
  const source: Source = values.fetch
    ? { kind: 'fetch' }
    : values.reference
      ? { kind: 'reference', dir: resolve(values.reference) }
      : existsSync(fallback)
        ? { kind: 'reference', dir: fallback }
        : { kind: 'fetch' };
  console.log(
    `imports: upstream files from ${source.kind === 'fetch' ? 'their URLs (cdk8s.yaml)' : source.dir}`,
  );
  const started = performance.now();
  const modules = await generateImports(ROOT, source, (line) => console.log(`  ${line}`));
  const dir = join(ROOT, readCdk8sConfig(ROOT).importDirectory);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (values.check) {
    const { missing, stale, changed } = compareImports(dir, modules);
    const total = missing.length + stale.length + changed.length;
    if (total === 0) {
      console.log(
        `imports: ${modules.length} modules (.js and .d.ts) match a fresh generation (${seconds} s)`,
      );
      return 0;
    }
    console.error(`imports: ${total} file(s) differ from a fresh generation; run npm run imports and commit`);
    for (const f of missing) console.error(`  missing: ${f}`);
    for (const f of stale) console.error(`  stale:   ${f}`);
    for (const f of changed) console.error(`  differs: ${f}`);
    return 1;
  }
  const { missing, stale, changed } = writeImports(dir, modules);
  console.log(
    `imports: ${modules.length} modules (.js and .d.ts) in ${dir} (files: ${missing.length} new, ` +
      `${changed.length} changed, ${stale.length} removed; ${seconds} s)`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`imports failed, apps/imports unchanged: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
