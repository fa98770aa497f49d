/**
 * The atomic write (render/write.ts): an I/O error at any step of writeRender leaves the output
 * byte-identical and surfaces; the old tree is never deleted before the new one is in place.
 *
 * Errors are injected through writeRender's `fs` parameter (a WriteFs): a wrapper around
 * node:fs that fails its n-th mutating call. A first, failure-free run records every call, so
 * the test fails each of them in turn, whatever steps the write takes. (vi.mock of node:fs
 * would reach every module of the shared test worker; the parameter reaches only this write.)
 */
import * as nodeFs from 'node:fs';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { EnvironmentRender } from '../render/build.js';
import { listFiles } from '../render/compare.js';
import { type WriteFs, type WriteOptions, writeRender } from '../render/write.js';
import { tempDir, treeHash, writeTree } from './support/files.js';

interface Call {
  readonly op: string;
  readonly path: string;
}

class InjectedError extends Error {
  readonly code = 'EIO';
}

/** node:fs with every mutating call recorded; `failAt` (1-based) makes those calls throw. */
function faultyFs(failAt: ReadonlySet<number> = new Set()): { fs: WriteFs; calls: Call[] } {
  const calls: Call[] = [];
  const mutating =
    <A extends unknown[], R>(op: string, f: (path: string, ...rest: A) => R) =>
    (path: string, ...rest: A): R => {
      calls.push({ op, path });
      if (failAt.has(calls.length))
        throw new InjectedError(`injected EIO: ${op} ${path} (call ${calls.length})`);
      return f(path, ...rest);
    };
  const fs: WriteFs = {
    existsSync: (p) => nodeFs.existsSync(p),
    mkdirSync: mutating('mkdir', (p, o: { recursive: true }) => nodeFs.mkdirSync(p, o)),
    writeFileSync: mutating('writeFile', (p, d: string) => nodeFs.writeFileSync(p, d)),
    renameSync: mutating('rename', (p, to: string) => nodeFs.renameSync(p, to)),
    rmdirSync: mutating('rmdir', (p) => nodeFs.rmdirSync(p)),
    rmSync: mutating('rm', (p, o: { recursive: true; force: true }) => nodeFs.rmSync(p, o)),
  };
  return { fs, calls };
}

function result(name: string, files: Record<string, string>): EnvironmentRender {
  return {
    env: { name } as EnvironmentRender['env'],
    files: new Map(Object.entries(files)),
    kubernetesObjects: 0,
    terraformResources: 0,
    millis: 0,
  };
}

/** What the output folder holds before each write: two environments and a file the render does not own. */
const EXISTING: Readonly<Record<string, string>> = {
  'k8s/a/apps/old.yaml': 'old a\n',
  'k8s/b/apps/b.yaml': 'b\n',
  'terraform/a/cdk.tf.json': '{"old": true}\n',
  'terraform/b/cdk.tf.json': '{"b": true}\n',
  'README.md': 'not rendered\n',
};

/** A fresh output folder holding EXISTING. */
function existingOutput(): string {
  const out = join(tempDir('genai-eks-write-'), 'dist');
  return writeTree(out, EXISTING);
}

const RESULTS = [
  result('a', { 'k8s/a/apps/new.yaml': 'new a\n', 'terraform/a/cdk.tf.json': '{"new": true}\n' }),
  result('c', { 'k8s/c/flux-system/c.yaml': 'c\n', 'terraform/c/cdk.tf.json': '{"c": true}\n' }),
];

/** Folders the write leaves beside the output (its temporary folders). */
const leftovers = (out: string) => readdirSync(dirname(out)).filter((e) => e.startsWith('.render-'));

const MODES: [string, WriteOptions, readonly EnvironmentRender[]][] = [
  ['a full render (each part replaced whole)', { parts: ['k8s', 'terraform'], full: true }, RESULTS],
  [
    'one environment (its folders replaced)',
    { parts: ['k8s', 'terraform'], full: false },
    RESULTS.slice(0, 1),
  ],
  ['one part of a new environment', { parts: ['k8s'], full: false }, RESULTS.slice(1)],
];

describe.each(MODES)('writeRender, %s', (_name, opts, results) => {
  /** The write without failures: its calls, and the tree it produces. */
  function reference() {
    const out = existingOutput();
    const { fs, calls } = faultyFs();
    writeRender(out, results, { ...opts, fs });
    expect(leftovers(out)).toEqual([]);
    return { calls, after: treeHash(out), files: listFiles(out) };
  }

  test('without failures: replaces the folders it owns, keeps the rest, leaves no temporary folder', () => {
    const { calls, files } = reference();
    expect(calls.length).toBeGreaterThan(5);
    // Owned: each part whole in a full render, else each part of each rendered environment.
    const owned = opts.full
      ? opts.parts
      : results.flatMap((r) => opts.parts.map((p) => `${p}/${r.env.name}`));
    const isOwned = (f: string) => owned.some((d) => f.startsWith(`${d}/`));
    const rendered = results.flatMap((r) => [...r.files.keys()]).filter(isOwned);
    expect(rendered.length).toBeGreaterThan(0);
    // An owned folder holds exactly the render: a file no longer rendered is gone.
    expect(files.filter(isOwned)).toEqual(rendered.sort());
    // Everything else is as it was.
    const kept = Object.keys(EXISTING).filter((f) => !isOwned(f));
    expect(kept).toContain('README.md');
    expect(files.filter((f) => !isOwned(f))).toEqual(kept.sort());
  });

  test('a render identical to what is on disk writes nothing', () => {
    const out = existingOutput();
    writeRender(out, results, opts);
    const before = listFiles(out).map((f) => [f, statSync(join(out, f)).mtimeMs]);
    const { fs, calls } = faultyFs();
    writeRender(out, results, { ...opts, fs });
    expect(calls).toEqual([]);
    expect(listFiles(out).map((f) => [f, statSync(join(out, f)).mtimeMs])).toEqual(before);
  });

  test('never deletes the old tree before every new folder is in place', () => {
    const { calls } = reference();
    const lastRename = calls.map((c) => c.op).lastIndexOf('rename');
    const oldRemoved = calls.findIndex((c) => c.op === 'rm' && c.path.includes('.render-old-'));
    expect(lastRename).toBeGreaterThan(-1);
    expect(oldRemoved).toBeGreaterThan(lastRename);
  });

  test('an I/O error at any step before the swap completes leaves the output byte-identical and surfaces', () => {
    const { calls } = reference();
    // After the last rename only the temporary folders are removed: the new tree is in place.
    const swapped = calls.map((c) => c.op).lastIndexOf('rename') + 1;
    for (let n = 1; n <= swapped; n++) {
      const out = existingOutput();
      const before = treeHash(out);
      const { fs, calls: seen } = faultyFs(new Set([n]));
      expect(() => writeRender(out, results, { ...opts, fs }), `failing call ${n}`).toThrow(InjectedError);
      expect(seen[n - 1]?.op, `call ${n}`).toBe(calls[n - 1]!.op);
      expect(treeHash(out), `after failing call ${n} (${calls[n - 1]!.op})`).toBe(before);
      expect(leftovers(out), `after failing call ${n}`).toEqual([]);
    }
  });

  test('a failure removing the temporary folders afterwards is reported; the new tree stays', () => {
    const { calls, after } = reference();
    const swapped = calls.map((c) => c.op).lastIndexOf('rename') + 1;
    expect(calls.length).toBeGreaterThan(swapped);
    for (let n = swapped + 1; n <= calls.length; n++) {
      const out = existingOutput();
      const { fs } = faultyFs(new Set([n]));
      let error: unknown;
      try {
        writeRender(out, results, { ...opts, fs });
      } catch (e) {
        error = e;
      }
      expect(treeHash(out)).toBe(after);
      // A folder that is left behind is named; one that never existed is no failure.
      const left = leftovers(out);
      if (left.length > 0) {
        expect((error as Error).message).toMatch(/was written, but .* could not be removed/);
        for (const l of left) expect((error as Error).message).toContain(l);
      } else {
        expect(error).toBeUndefined();
      }
    }
  });
});

describe('writeRender, when undoing fails too', () => {
  test('keeps the folder with the old trees, names it, and deletes nothing of them', () => {
    const opts: WriteOptions = { parts: ['k8s', 'terraform'], full: true };
    const { calls } = (() => {
      const rec = faultyFs();
      writeRender(existingOutput(), RESULTS, { ...opts, fs: rec.fs });
      return rec;
    })();
    // Fail the last rename of the swap, then the first rename that tries to undo it.
    const lastRename = calls.map((c) => c.op).lastIndexOf('rename') + 1;
    const out = existingOutput();
    const before = new Map(listFiles(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]));
    const { fs } = faultyFs(new Set([lastRename, lastRename + 1]));
    let message = '';
    try {
      writeRender(out, RESULTS, { ...opts, fs });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(
      /undoing it failed too .* the previous contents are kept in (\S+\.render-old-\S+):/,
    );
    const kept = /kept in (\S+):/.exec(message)![1]!;
    expect(existsSync(kept)).toBe(true);
    // Every old file is still somewhere: in the output or in the folder the message names.
    for (const [f, content] of before) {
      const where = [join(out, f), join(kept, f)].filter((p) => existsSync(p));
      expect(where.length, f).toBeGreaterThan(0);
      expect(
        where.some((p) => readFileSync(p, 'utf8') === content),
        f,
      ).toBe(true);
    }
  });
});
