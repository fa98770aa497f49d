/**
 * npm run drift [-- --out DIR] [--docs DIR] [--clusters DIR]
 *
 * Renders every environment in memory and compares the files with the committed dist/ (no
 * temporary folder: render/compare.ts reads dist/ and compares bytes), and the documents
 * generated from the render (review/docs.ts) with docs/. Lists every file that differs and the
 * command that fixes it; exit 1 on any difference.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { render } from '../render/build.js';
import { compareRender } from '../render/compare.js';
import { generatedDocs } from '../review/docs.js';

/** The CLI: returns the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  try {
    const { values } = parseArgs({
      args: [...args],
      options: {
        out: { type: 'string', default: 'dist' },
        docs: { type: 'string', default: 'docs' },
        clusters: { type: 'string', default: 'clusters' },
      },
      strict: true,
    });
    const results = await render({ clustersDir: values.clusters });
    const files = new Map(results.flatMap((r) => [...r.files]));
    const { added, removed, changed } = compareRender(values.out, files);
    const docs = generatedDocs(
      results.map((r) => r.env),
      results,
    );
    const staleDocs = [...docs.files]
      .filter(([name, content]) => {
        const file = join(values.docs, name);
        return !existsSync(file) || readFileSync(file, 'utf8') !== content;
      })
      .map(([name]) => join(values.docs, name));
    const total = added.length + removed.length + changed.length + staleDocs.length;
    if (total === 0) {
      console.log(
        `drift: ${values.out}/ and the generated ${values.docs}/ files match a fresh render (${results.length} environments)`,
      );
      return 0;
    }
    console.error(
      `drift: ${total} file(s) out of date; run \`npm run synth\` and commit ${values.out}/ and ${values.docs}/ with your change`,
    );
    for (const f of added) console.error(`  missing in ${values.out}/:   ${values.out}/${f}`);
    for (const f of removed) console.error(`  stale in ${values.out}/:     ${values.out}/${f}`);
    for (const f of changed) console.error(`  differs:            ${values.out}/${f}`);
    for (const f of staleDocs) console.error(`  generated, differs: ${f}`);
    return 1;
  } catch (e) {
    console.error('drift: render failed:', e instanceof Error ? e.message : e);
    return 1;
  }
}

// Run as a program by tsx (render/launch.mjs calls main itself).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
