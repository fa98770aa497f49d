/**
 * How the render imports an environment file (a TypeScript module found at run time in a
 * clusters folder). Under tsx or Vitest, Node's own `import()` does it (their loaders compile
 * TypeScript). The bundled render that `npm run synth` runs (render/launch.mjs) has no
 * TypeScript loader: it installs an importer under IMPORTER before the render starts, which
 * compiles the file and links its imports of repository modules to the bundle's own instances.
 */
import { pathToFileURL } from 'node:url';

/** The global the bundled render's launcher sets (render/launch.mjs uses the same key). */
export const IMPORTER = Symbol.for('genai-eks.render.import');

type Importer = (file: string) => Promise<Record<string, unknown>>;

/** Imports a module by absolute file path, with the launcher's importer when there is one. */
export function importModule(file: string): Promise<Record<string, unknown>> {
  const importer = (globalThis as { [IMPORTER]?: Importer })[IMPORTER];
  return importer ? importer(file) : import(pathToFileURL(file).href);
}
