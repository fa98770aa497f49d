/**
 * Tree comparison for the drift check: the committed dist/ against a fresh render, either
 * another tree on disk (`compareTrees`) or a render still in memory (`compareRender`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Relative paths, sorted, that differ between an expected and an actual tree. */
export interface TreeDifference {
  /** In the actual tree only. */
  readonly added: string[];
  /** In the expected tree only. */
  readonly removed: string[];
  /** In both, with different bytes. */
  readonly changed: string[];
}

/** Lists every file under `dir` as relative paths, sorted. */
export function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...listFiles(join(dir, d.name), rel));
    else out.push(rel);
  }
  return out.sort();
}

/** Files that differ between two trees: added, removed or changed, as relative paths. */
export function compareTrees(expectedDir: string, actualDir: string): TreeDifference {
  const actual = new Map<string, () => Buffer>();
  for (const f of listFiles(actualDir)) actual.set(f, () => readFileSync(join(actualDir, f)));
  return compare(expectedDir, actual);
}

/**
 * Files that differ between the tree `expectedDir` and `files` (relative path -> content), as
 * if `files` had been written to a folder of their own: what `writeRender` with `full` would
 * change in `expectedDir`, when `files` covers every part that it replaces.
 */
export function compareRender(expectedDir: string, files: ReadonlyMap<string, string>): TreeDifference {
  const actual = new Map<string, () => Buffer>();
  for (const [f, content] of files) actual.set(f, () => Buffer.from(content));
  return compare(expectedDir, actual);
}

function compare(expectedDir: string, actual: ReadonlyMap<string, () => Buffer>): TreeDifference {
  const expected = new Set(listFiles(expectedDir));
  const names = [...actual.keys()].sort();
  const added = names.filter((f) => !expected.has(f));
  const removed = [...expected].filter((f) => !actual.has(f));
  const changed = names.filter(
    (f) => expected.has(f) && !readFileSync(join(expectedDir, f)).equals(actual.get(f)!()),
  );
  return { added, removed, changed };
}

/**
 * Whether the folders `dirs` (relative to `dir`) hold exactly the files of `files` that lie
 * under them, byte for byte: then writing `files` over those folders would change nothing.
 */
export function sameOnDisk(
  dir: string,
  files: ReadonlyMap<string, string>,
  dirs: readonly string[],
): boolean {
  const under = (f: string) => dirs.some((d) => f.startsWith(`${d}/`));
  const expected = [...files.keys()].filter(under);
  const onDisk = dirs.flatMap((d) => listFiles(join(dir, d)).map((f) => `${d}/${f}`));
  if (onDisk.length !== expected.length) return false;
  const present = new Set(onDisk);
  return expected.every(
    (f) => present.has(f) && readFileSync(join(dir, f)).equals(Buffer.from(files.get(f)!)),
  );
}
