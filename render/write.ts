/**
 * The atomic write: a render replaces folders of the output directory whole, or not at all.
 *
 * 1. Every file is written into a temporary folder next to the output directory (same file
 *    system, so renames are atomic). A failure here leaves the output untouched.
 * 2. Each replaced folder is moved aside into a second temporary folder, and the fresh one moved
 *    in, recording every step. A failure at any step undoes the recorded steps in reverse, so the
 *    output is as it was; the old trees are only deleted once every fresh folder is in place.
 * 3. Both temporary folders are removed.
 *
 * When the folders already hold exactly the rendered bytes, nothing is written at all.
 *
 * If undoing a step fails too (the disk was pulled), the folder holding the old trees is kept
 * and the error names it: nothing is deleted that may be the only copy.
 */
import * as nodeFs from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { EnvironmentRender, Part } from './build.js';
import { sameOnDisk } from './compare.js';
import { RenderError } from './error.js';

/** The file-system calls the write makes; tests pass one that fails a chosen call. */
export interface WriteFs {
  existsSync(path: string): boolean;
  /** Returns the first directory created, undefined when it existed (node:fs semantics). */
  mkdirSync(path: string, options: { recursive: true }): string | undefined;
  writeFileSync(path: string, data: string): void;
  renameSync(from: string, to: string): void;
  /** Removes an empty directory (and fails on one that is not empty). */
  rmdirSync(path: string): void;
  rmSync(path: string, options: { recursive: true; force: true }): void;
}

export interface WriteOptions {
  /** The parts written (`k8s`, `terraform`). */
  readonly parts: readonly Part[];
  /**
   * Replace each part's folder whole (an environment that is no longer rendered disappears);
   * otherwise only the folders of the rendered environments (`<part>/<env>`).
   */
  readonly full: boolean;
  /** File-system calls; node:fs when absent. */
  readonly fs?: WriteFs;
}

/** The folders under the output directory that a render of these environments and parts owns. */
export function ownedDirs(results: readonly EnvironmentRender[], parts: readonly Part[]): string[] {
  return results.flatMap((r) => parts.map((p) => `${p}/${r.env.name}`));
}

/** One recorded step of the swap, undone in reverse order on failure. */
type Step =
  | { readonly kind: 'mkdir'; readonly dir: string }
  | { readonly kind: 'rename'; readonly from: string; readonly to: string };

/** Writes a render into `outDir` atomically (see the module comment). */
export function writeRender(outDir: string, results: readonly EnvironmentRender[], opts: WriteOptions): void {
  const fs = opts.fs ?? nodeFs;
  const out = resolve(outDir);
  const swaps = opts.full ? [...opts.parts] : ownedDirs(results, opts.parts);
  // Nothing to do when the folders already hold exactly these bytes: no write, no new mtimes.
  if (sameOnDisk(out, new Map(results.flatMap((r) => [...r.files])), swaps)) return;
  const stamp = `${process.pid}-${Date.now()}`;
  const tmp = join(dirname(out), `.render-tmp-${stamp}`);
  const old = join(dirname(out), `.render-old-${stamp}`);

  // 1. The fresh tree, complete, beside the output.
  try {
    fs.mkdirSync(tmp, { recursive: true });
    const made = new Set([tmp]);
    for (const r of results) {
      for (const [path, content] of r.files) {
        const file = join(tmp, path);
        const dir = dirname(file);
        if (!made.has(dir)) {
          fs.mkdirSync(dir, { recursive: true });
          for (let d = dir; !made.has(d) && d !== dirname(d); d = dirname(d)) made.add(d);
        }
        fs.writeFileSync(file, content);
      }
    }
  } catch (e) {
    removeQuietly(fs, tmp);
    throw e;
  }

  // 2. The swap, step by step.
  const steps: Step[] = [];
  const mkdir = (dir: string) => {
    const created = fs.mkdirSync(dir, { recursive: true });
    if (created === undefined) return;
    // Every folder from the first one created down to `dir` is new; undone deepest first.
    const chain: string[] = [];
    for (let d = resolve(dir); d !== resolve(created) && d !== dirname(d); d = dirname(d)) chain.unshift(d);
    chain.unshift(resolve(created));
    for (const d of chain) steps.push({ kind: 'mkdir', dir: d });
  };
  const rename = (from: string, to: string) => {
    fs.renameSync(from, to);
    steps.push({ kind: 'rename', from, to });
  };
  try {
    mkdir(out);
    for (const rel of swaps) {
      const target = join(out, rel);
      const fresh = join(tmp, rel);
      if (fs.existsSync(target)) {
        mkdir(dirname(join(old, rel)));
        rename(target, join(old, rel));
      }
      if (fs.existsSync(fresh)) {
        mkdir(dirname(target));
        rename(fresh, target);
      }
    }
  } catch (e) {
    const undone = undo(fs, steps);
    removeQuietly(fs, tmp);
    if (undone !== undefined) {
      throw new RenderError(
        `writing ${out} failed (${message(e)}) and undoing it failed too (${message(undone)}); ` +
          `the previous contents are kept in ${old}: move them back by hand`,
        { cause: e },
      );
    }
    removeQuietly(fs, old);
    throw e;
  }

  // 3. Every fresh folder is in place: only now may the old trees go.
  const left = [tmp, old].filter((dir) => !removeQuietly(fs, dir));
  if (left.length > 0) {
    throw new RenderError(
      `${relative(process.cwd(), out) || out} was written, but ${left.join(' and ')} could not be removed`,
    );
  }
}

/** Undoes recorded steps in reverse; returns the error that stopped it, if any. */
function undo(fs: WriteFs, steps: readonly Step[]): unknown {
  for (const step of [...steps].reverse()) {
    try {
      if (step.kind === 'rename') fs.renameSync(step.to, step.from);
      else fs.rmdirSync(step.dir);
    } catch (e) {
      return e;
    }
  }
  return undefined;
}

/** Removes a folder; returns whether it is gone. */
function removeQuietly(fs: WriteFs, dir: string): boolean {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
    return true;
  } catch {
    return !fs.existsSync(dir);
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
