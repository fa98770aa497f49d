/**
 * tsx scripts/fetch-reference.ts --out DIR
 *
 * Builds a reference folder laid out like ../shared/reference from the upstream URLs of
 * tools/reference/sources.ts, each file checked against its sha256 (a fork's CI, which has no
 * ../shared: .ci/run calls this on GitHub Actions).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readCdk8sConfig } from '../tools/imports/generate.js';
import { parseSpec } from '../tools/imports/sources.js';
import { fetchReference } from '../tools/reference/fetch.js';
import { referenceFiles } from '../tools/reference/sources.js';

const ROOT = resolve(import.meta.dirname, '..');

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { out: { type: 'string' } }, strict: true });
  if (!values.out) {
    console.error('usage: fetch-reference --out DIR');
    return 2;
  }
  const specs = readCdk8sConfig(ROOT).imports.map((s, i) => parseSpec(s, `cdk8s.yaml imports[${i}]`));
  const files = referenceFiles(specs);
  await fetchReference(files, resolve(values.out));
  console.log(`reference: ${files.length} files into ${resolve(values.out)}, each matching its sha256`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`fetch-reference failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
