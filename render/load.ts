/**
 * Finds and imports the environment files of a clusters folder and resolves them
 * (clusters/lib/resolve.ts): the render's first step, and the only one that reads clusters/.
 * Files are imported through `importModule`, which the bundled render (launch.mjs) provides.
 */
import { readdirSync } from 'node:fs';
import { basename, relative, resolve } from 'node:path';
import {
  type Environment,
  EnvironmentError,
  type RawEnvironment,
  resolveEnvironments,
  type VersionsTables,
  versionProblems,
} from '../clusters/lib/resolve.js';
import { importModule, ModuleError } from './modules.js';

/** Files directly in clusters/ that are shared tables, not environments. */
export const NOT_ENVIRONMENTS: ReadonlySet<string> = new Set(['versions.ts', 'contract.ts']);

/** Environment files (absolute paths, sorted): every `*.ts` directly in `dir` but the shared tables. */
export function environmentFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter(
      (d) =>
        d.isFile() && d.name.endsWith('.ts') && !d.name.endsWith('.d.ts') && !NOT_ENVIRONMENTS.has(d.name),
    )
    .map((d) => resolve(dir, d.name))
    .sort();
}

/**
 * Imports, checks and resolves every environment in `dir`. Throws EnvironmentError listing every
 * problem: a file that does not compile as `<file>:<line>:<column>: <reason>`, everything else as
 * `<file> (<env>): <field>: <reason>` (files named relative to `cwd`). `tables` is the versions
 * table unless a test passes another.
 */
export async function loadEnvironments(
  dir: string,
  cwd = process.cwd(),
  tables?: VersionsTables,
): Promise<Environment[]> {
  const files = environmentFiles(dir);
  const name = (f: string) => relative(cwd, f) || basename(f);
  const imported = await Promise.all(
    files.map(async (f) => {
      try {
        return { file: name(f), value: (await importModule(f)).default };
      } catch (e) {
        if (!(e instanceof ModuleError)) throw e;
        return e.problems.map((p) =>
          p.line === undefined
            ? `${name(p.file)} (?): default export: ${p.reason}`
            : `${name(p.file)}:${p.line}:${p.column}: ${p.reason}`,
        );
      }
    }),
  );
  const unreadable = imported.filter((i) => Array.isArray(i)).flat();
  if (unreadable.length > 0) {
    throw new EnvironmentError([...versionProblems(tables), ...unreadable]);
  }
  return resolveEnvironments(imported as RawEnvironment[], tables);
}
