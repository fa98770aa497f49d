/**
 * The documents generated from a render: docs/environments.md (the capacity and cost report,
 * review/report.ts) and docs/architecture.md (the Mermaid diagrams, review/architecture.ts).
 * `npm run synth` writes them beside dist/ and the drift check compares them, so they stay
 * current with every change to dist/ without a command of their own.
 */
import type { Environment } from '../clusters/lib/resolve.js';
import type { EnvironmentRender } from '../render/build.js';
import { architectureMarkdown } from './architecture.js';
import { renderTree } from './objects.js';
import { reportMarkdown } from './report.js';

/** The generated documents, by their path under the docs folder. */
export const GENERATED_DOCS = ['environments.md', 'architecture.md'] as const;

export interface GeneratedDocs {
  /** Document name (`environments.md`, …) -> content. */
  readonly files: ReadonlyMap<string, string>;
  /** What the report found inconsistent in the render, per environment: `<env>: <problem>`. */
  readonly problems: readonly string[];
}

/** The generated documents of a full render of `envs` (every environment, both parts). */
export function generatedDocs(
  envs: readonly Environment[],
  results: readonly EnvironmentRender[],
): GeneratedDocs {
  const tree = renderTree(results);
  const report = reportMarkdown(envs, tree);
  const architecture = architectureMarkdown(envs, tree);
  return {
    files: new Map([
      ['environments.md', report.markdown],
      ['architecture.md', architecture.markdown],
    ]),
    problems: report.reports.flatMap((r) => r.problems.map((p) => `${r.env.name}: ${p}`)),
  };
}
