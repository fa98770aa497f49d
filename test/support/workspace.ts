/**
 * A temporary copy of parts of the repository (with node_modules linked), for tests that run the
 * project's own tools (tsc, its language server, biome) on a planted change without touching the
 * working tree.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface Workspace {
  readonly dir: string;
  /** Reads a file of the copy. */
  read(path: string): string;
  /** Writes a file of the copy. */
  write(path: string, text: string): void;
  /** Replaces `from` by `to` in a file of the copy; fails when `from` is not there. */
  plant(path: string, from: string, to: string): void;
  remove(): void;
}

/** Copies `paths` (files or folders, relative to the repository) into a temporary folder. */
export function workspace(paths: readonly string[]): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'genai-eks-workspace-'));
  for (const p of paths) cpSync(join(ROOT, p), join(dir, p), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const ws: Workspace = {
    dir,
    read: (path) => readFileSync(join(dir, path), 'utf8'),
    write: (path, text) => writeFileSync(join(dir, path), text),
    plant(path, from, to) {
      const text = ws.read(path);
      if (!text.includes(from))
        throw new Error(`${path} does not contain ${JSON.stringify(from)}: nothing to plant`);
      ws.write(path, text.replace(from, to));
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  return ws;
}
