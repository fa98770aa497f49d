/**
 * npm run drift: renders every environment into a temporary folder and compares it with the
 * committed dist/. Lists every file that differs; exit 1 on any difference.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareTrees, PARTS, render, writeRender } from './lib/render.js';

async function main(): Promise<number> {
  const tmp = mkdtempSync(join(tmpdir(), 'genai-eks-drift-'));
  try {
    const results = await render({ clustersDir: 'clusters' });
    const out = join(tmp, 'dist');
    writeRender(out, results, { parts: PARTS, full: true });
    const { added, removed, changed } = compareTrees('dist', out);
    const total = added.length + removed.length + changed.length;
    if (total === 0) {
      console.log(`drift: dist/ matches a fresh render (${results.length} environments)`);
      return 0;
    }
    console.error(
      `drift: dist/ is out of date (${total} file(s)); run \`npm run synth\` and commit dist/ with your change`,
    );
    for (const f of added) console.error(`  missing in dist/:   dist/${f}`);
    for (const f of removed) console.error(`  stale in dist/:     dist/${f}`);
    for (const f of changed) console.error(`  differs:            dist/${f}`);
    return 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error('drift: render failed:', e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
