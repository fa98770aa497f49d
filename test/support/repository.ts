/**
 * The repository's environments, rendered once per test run (test/support/global-setup.ts) and
 * read back here, once per worker. Tests iterate over whatever environments exist: a user adds,
 * renames and removes them.
 */
import { join } from 'node:path';
import { inject } from 'vitest';
import type { Environment } from '../../clusters/lib/resolve.js';
import { loadEnvironments } from '../../render/load.js';
import { type EnvironmentObjects, parseTree, readTreeFiles } from '../../review/objects.js';
import { ROOT } from './workspace.js';

export interface Repository {
  /** The folder holding the render (laid out like dist/). */
  readonly dir: string;
  /** The resolved environments, sorted by name. */
  readonly envs: readonly Environment[];
  /** Every rendered file: path relative to `dir` -> content. */
  readonly files: ReadonlyMap<string, string>;
  /** Per environment name, its Kubernetes objects and Terraform blocks. */
  readonly objects: ReadonlyMap<string, EnvironmentObjects>;
}

let cached: Promise<Repository> | undefined;

export function repository(): Promise<Repository> {
  cached ??= (async () => {
    const dir = inject('repositoryRender');
    const files = readTreeFiles(dir);
    return {
      dir,
      envs: await loadEnvironments(join(ROOT, 'clusters'), ROOT),
      files,
      objects: parseTree(files),
    };
  })();
  return cached;
}
