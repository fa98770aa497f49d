/**
 * One render of the repository's environments per test run: done here, in Vitest's main
 * process, and written to a temporary folder that every test file reads
 * (test/support/repository.ts) instead of rendering again.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A folder laid out like dist/ holding a fresh render of the repository's environments. */
    repositoryRender: string;
  }
}

export default function setup(project: TestProject): () => void {
  const root = resolve(import.meta.dirname, '../..');
  const dir = mkdtempSync(join(tmpdir(), 'genai-eks-repository-render-'));
  const out = join(dir, 'dist');
  // The render command itself (render/launch.mjs, its cached bundle): faster than importing the
  // render into Vitest's main process, and exactly what `npm run synth` writes.
  const r = spawnSync(process.execPath, [join(root, 'render/launch.mjs'), 'synth', '--quiet', '--out', out], {
    cwd: root,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`the repository's render failed (exit ${r.status}):\n${r.stderr}`);
  project.provide('repositoryRender', out);
  return () => rmSync(dir, { recursive: true, force: true });
}
