/**
 * One render of the repository's environments per test run: done here, in Vitest's main
 * process, and written to a temporary folder that every test file reads
 * (test/support/repository.ts) instead of rendering again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { PARTS, render } from '../../render/build.js';
import { writeRender } from '../../render/write.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A folder laid out like dist/ holding a fresh render of the repository's environments. */
    repositoryRender: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const root = resolve(import.meta.dirname, '../..');
  const dir = mkdtempSync(join(tmpdir(), 'genai-eks-repository-render-'));
  const out = join(dir, 'dist');
  writeRender(out, await render({ clustersDir: join(root, 'clusters') }), { parts: PARTS, full: true });
  project.provide('repositoryRender', out);
  return () => rmSync(dir, { recursive: true, force: true });
}
