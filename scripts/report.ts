/**
 * npm run report [-- --write] [--dist DIR] [--clusters DIR]
 *
 * Prints the capacity and cost report (Markdown) of every environment, computed from the
 * rendered objects in <dist>/k8s and the definitions in <clusters>. `--write` also writes it
 * to docs/environments.md (a test keeps that file current).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadEnvironments } from '../render/load.js';
import { parseTree, readTreeFiles } from '../review/objects.js';
import { reportMarkdown } from '../review/report.js';

export const ENVIRONMENTS_DOC = 'docs/environments.md';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      write: { type: 'boolean', default: false },
      dist: { type: 'string', default: 'dist' },
      clusters: { type: 'string', default: 'clusters' },
    },
    strict: true,
  });
  const envs = await loadEnvironments(values.clusters);
  const { markdown, reports } = reportMarkdown(envs, parseTree(readTreeFiles(values.dist)));
  process.stdout.write(markdown);
  if (values.write) {
    writeFileSync(ENVIRONMENTS_DOC, markdown);
    process.stderr.write(`report: wrote ${ENVIRONMENTS_DOC}\n`);
  }
  const problems = reports.flatMap((r) => r.problems.map((p) => `${r.env.name}: ${p}`));
  for (const p of problems) process.stderr.write(`report: ${p}\n`);
  return problems.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`report failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
