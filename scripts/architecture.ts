/**
 * npm run architecture [-- --dist DIR] [--clusters DIR]
 *
 * Prints a Mermaid diagram per environment (Markdown), generated from the rendered files in
 * <dist>. `npm run synth` writes the same document to docs/architecture.md (review/docs.ts) and
 * the drift check keeps it current.
 */
import { parseArgs } from 'node:util';
import { loadEnvironments } from '../render/load.js';
import { architectureMarkdown } from '../review/architecture.js';
import { parseTree, readTreeFiles } from '../review/objects.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dist: { type: 'string', default: 'dist' },
      clusters: { type: 'string', default: 'clusters' },
    },
    strict: true,
  });
  const envs = await loadEnvironments(values.clusters);
  const { markdown } = architectureMarkdown(envs, parseTree(readTreeFiles(values.dist)));
  process.stdout.write(markdown);
}

main().catch((e: unknown) => {
  console.error(`architecture failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
