/**
 * npm run drift [-- --out DIR] [--clusters DIR]
 *
 * Renders every environment in memory and compares the files with the committed dist/ (no
 * temporary folder: render/compare.ts reads dist/ and compares bytes). Lists every file that
 * differs and the command that fixes it; exit 1 on any difference.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { render } from '../render/build.js';
import { compareRender } from '../render/compare.js';

/** The CLI: returns the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  try {
    const { values } = parseArgs({
      args: [...args],
      options: {
        out: { type: 'string', default: 'dist' },
        clusters: { type: 'string', default: 'clusters' },
      },
      strict: true,
    });
    const results = await render({ clustersDir: values.clusters });
    const files = new Map(results.flatMap((r) => [...r.files]));
    const { added, removed, changed } = compareRender(values.out, files);
    const total = added.length + removed.length + changed.length;
    if (total === 0) {
      console.log(`drift: ${values.out}/ matches a fresh render (${results.length} environments)`);
      return 0;
    }
    console.error(
      `drift: ${values.out}/ is out of date (${total} file(s)); run \`npm run synth\` and commit ${values.out}/ with your change`,
    );
    for (const f of added) console.error(`  missing in ${values.out}/:   ${values.out}/${f}`);
    for (const f of removed) console.error(`  stale in ${values.out}/:     ${values.out}/${f}`);
    for (const f of changed) console.error(`  differs:            ${values.out}/${f}`);
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
