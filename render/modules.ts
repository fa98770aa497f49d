/**
 * How the render imports an environment file (a TypeScript module found at run time in a
 * clusters folder). Under tsx or Vitest, Node's own `import()` does it (their loaders compile
 * TypeScript). The bundled render that `npm run synth` runs (render/launch.mjs) has no
 * TypeScript loader: it installs an importer under IMPORTER before the render starts, which
 * compiles the file and links its imports of repository modules to the bundle's own instances.
 *
 * A file that cannot be imported fails with a ModuleError that says where, the way an editor
 * shows it (`file:line:column: reason`), whichever way it was imported: the bundled importer's
 * compiler (esbuild) reports the location itself; after any other loader's failure the file is
 * compiled once more with esbuild to find syntax errors, so messages never depend on a test
 * runner's or tsx's error format.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** The global the bundled render's launcher sets (render/launch.mjs uses the same key). */
export const IMPORTER = Symbol.for('genai-eks.render.import');

type Importer = (file: string) => Promise<Record<string, unknown>>;

/** Where a file went wrong: 1-based line and column, as editors count them. */
export interface SourceProblem {
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly reason: string;
}

/** A module that could not be imported: its syntax errors, or why evaluating it failed. */
export class ModuleError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly SourceProblem[],
  ) {
    super(problems.map((p) => `${p.file}${p.line ? `:${p.line}:${p.column}` : ''}: ${p.reason}`).join('\n'));
    this.name = 'ModuleError';
  }
}

/** Imports a module by absolute file path, with the launcher's importer when there is one. */
export async function importModule(file: string): Promise<Record<string, unknown>> {
  const importer = (globalThis as { [IMPORTER]?: Importer })[IMPORTER];
  try {
    return await (importer ? importer(file) : import(pathToFileURL(file).href));
  } catch (e) {
    throw new ModuleError(file, compilerProblems(e) ?? syntaxProblems(file) ?? [evaluationProblem(file, e)]);
  }
}

interface EsbuildMessage {
  readonly text: string;
  readonly location: { readonly file: string; readonly line: number; readonly column: number } | null;
}

/** esbuild's messages on a failed build or transform (https://esbuild.github.io/api/#errors). */
function compilerProblems(e: unknown): SourceProblem[] | undefined {
  const errors = (e as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  return (errors as EsbuildMessage[]).map((m) => ({
    file: m.location?.file ?? '?',
    line: m.location?.line,
    // esbuild counts columns from 0 (https://esbuild.github.io/api/#location).
    column: m.location ? m.location.column + 1 : undefined,
    reason: m.text,
  }));
}

/** The syntax errors esbuild finds in `file`, if any. */
export function syntaxProblems(file: string): SourceProblem[] | undefined {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  try {
    esbuild.transformSync(source, { loader: 'ts', sourcefile: file, logLevel: 'silent' });
    return undefined;
  } catch (e) {
    return compilerProblems(e);
  }
}

/** A file that compiles but fails while it runs: the error's first line, no stack. */
function evaluationProblem(file: string, e: unknown): SourceProblem {
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return {
    file,
    line: undefined,
    column: undefined,
    reason: `cannot be evaluated: ${message.split('\n')[0]}`,
  };
}
