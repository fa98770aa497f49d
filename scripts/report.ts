/**
 * npm run report [-- --dist DIR] [--clusters DIR]
 *
 * Prints the capacity and cost report (Markdown) of every environment, computed from the
 * rendered objects in <dist>/k8s and the definitions in <clusters>. `npm run synth` writes the
 * same report to docs/environments.md (review/docs.ts) and the drift check keeps it current.
 */
import { parseArgs } from 'node:util';
import { loadEnvironments } from '../render/load.js';
import { parseTree, readTreeFiles } from '../review/objects.js';
import { reportMarkdown } from '../review/report.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      dist: { type: 'string', default: 'dist' },
      clusters: { type: 'string', default: 'clusters' },
    },
    strict: true,
  });
  const envs = await loadEnvironments(values.clusters);
  const { markdown, reports } = reportMarkdown(envs, parseTree(readTreeFiles(values.dist)));
  process.stdout.write(markdown);
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
