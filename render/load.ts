/**
 * Finds and imports the environment files of a clusters folder and resolves them
 * (clusters/lib/resolve.ts): the render's first step, and the only one that reads clusters/.
 * Files are imported through `importModule`, which the bundled render (launch.mjs) provides.
 */
import { readdirSync } from 'node:fs';
import { basename, relative, resolve } from 'node:path';
import { type Environment, resolveEnvironments } from '../clusters/lib/resolve.js';
import { importModule } from './modules.js';

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

/** Imports, checks and resolves every environment in `dir`. Throws EnvironmentError listing every problem. */
export async function loadEnvironments(dir: string, cwd = process.cwd()): Promise<Environment[]> {
  const files = environmentFiles(dir);
  const raw = await Promise.all(
    files.map(async (f) => {
      const mod = await importModule(f);
      return { file: relative(cwd, f) || basename(f), value: mod.default };
    }),
  );
  return resolveEnvironments(raw);
}
