/**
 * Temporary folders and file trees for tests: a folder to write into, a small tree laid out like
 * dist/, and a hash of a whole tree (paths and bytes) to prove a command left it untouched.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { listFiles } from '../../render/compare.js';

/** A new, empty temporary folder. */
export function tempDir(prefix = 'genai-eks-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes `files` (relative path -> content) under `dir`, creating folders; returns `dir`. */
export function writeTree(dir: string, files: Readonly<Record<string, string>>): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/**
 * Hash of every file's path and bytes under `dir` (empty folders do not count), or of the files
 * whose relative path `include` accepts.
 */
export function treeHash(dir: string, include: (path: string) => boolean = () => true): string {
  const h = createHash('sha256');
  for (const f of listFiles(dir).filter(include)) {
    h.update(f);
    h.update('\0');
    h.update(readFileSync(join(dir, f)));
    h.update('\0');
  }
  return h.digest('hex');
}
