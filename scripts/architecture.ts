/**
 * npm run architecture [-- --write] [--dist DIR] [--clusters DIR]
 *
 * Prints docs/architecture.md: a Mermaid diagram per environment generated from the rendered
 * files. `--write` writes the file (a test keeps it current and checks the Mermaid syntax).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadEnvironments } from '../render/load.js';
import { architectureMarkdown } from '../review/architecture.js';
import { parseTree, readTreeFiles } from '../review/objects.js';

const ARCHITECTURE_DOC = 'docs/architecture.md';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      write: { type: 'boolean', default: false },
      dist: { type: 'string', default: 'dist' },
      clusters: { type: 'string', default: 'clusters' },
    },
    strict: true,
  });
  const envs = await loadEnvironments(values.clusters);
  const { markdown } = architectureMarkdown(envs, parseTree(readTreeFiles(values.dist)));
  process.stdout.write(markdown);
  if (values.write) {
    writeFileSync(ARCHITECTURE_DOC, markdown);
    process.stderr.write(`architecture: wrote ${ARCHITECTURE_DOC}\n`);
  }
}

main().catch((e: unknown) => {
  console.error(`architecture failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
