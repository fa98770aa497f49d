import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Environment } from '../clusters/lib/environment.js';
import { EnvironmentError, loadEnvironments } from '../clusters/lib/load.js';
import { listFiles } from '../render/compare.js';
import { main as synthMain } from '../scripts/synth.js';

export const ROOT = resolve(import.meta.dirname, '..');
export const CLUSTERS = join(ROOT, 'clusters');

export function tempDir(prefix = 'genai-eks-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Hash of every file's path and bytes under dir. */
export function treeHash(dir: string): string {
  const h = createHash('sha256');
  for (const f of listFiles(dir)) {
    h.update(f);
    h.update('\0');
    h.update(readFileSync(join(dir, f)));
    h.update('\0');
  }
  return h.digest('hex');
}

/**
 * A clusters directory in a temp folder: the repository's environment files copied as plain
 * data (JSON), with `overrides` applied and `extra` files added.
 */
export async function clustersFixture(
  edit: (envs: Record<string, Record<string, unknown>>) => void = () => {},
): Promise<string> {
  const dir = tempDir('genai-eks-clusters-');
  const envs: Record<string, Record<string, unknown>> = {};
  for (const name of ['dev', 'prod', 'prod-dr']) {
    const mod = (await import(join(CLUSTERS, `${name}.ts`))) as { default: unknown };
    envs[name] = structuredClone(mod.default) as Record<string, unknown>;
  }
  edit(envs);
  for (const [file, env] of Object.entries(envs)) {
    writeFileSync(join(dir, `${file}.ts`), `export default ${JSON.stringify(env, null, 2)};\n`);
  }
  return dir;
}

/** A generated environment name (`t` and 8 hex digits, then `suffix`): no repository's or user's. */
export function generatedEnvName(suffix = ''): string {
  return `t${randomBytes(4).toString('hex')}${suffix}`;
}

/**
 * An environment for tests of the review tools: the first environment of clusters/ (whichever
 * the repository has) under a generated name, with `overrides` for the fields a test relies on.
 */
export async function fixtureEnvironment(overrides: Partial<Environment> = {}): Promise<Environment> {
  const [first] = await loadEnvironments(CLUSTERS);
  if (!first) throw new Error(`${CLUSTERS}: no environment to make a fixture from`);
  return { ...first.env, name: generatedEnvName(), ...overrides };
}

export function copyDir(from: string): string {
  const dir = tempDir('genai-eks-dist-');
  cpSync(from, dir, { recursive: true });
  return dir;
}

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the synth CLI in this process (the same `synthMain` that `npm run synth` runs, with its
 * output captured): a child process per case would cost a second of module loading each.
 * `synthProcess` runs it as a real program, for what only a process shows (the exit code).
 */
export async function synthCli(args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await synthMain(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  const text = (lines: string[]) => (lines.length > 0 ? `${lines.join('\n')}\n` : '');
  return { status, stdout: text(out), stderr: text(err) };
}

/** Runs the synth CLI in a child process: the program `npm run synth` runs (render/launch.mjs). */
export function synthProcess(args: string[]): CliResult {
  const r = spawnSync(process.execPath, [join(ROOT, 'render/launch.mjs'), 'synth', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CHECKPOINT_DISABLE: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The load-time problems of a clusters fixture edited by `edit` (empty when it loads). */
export async function loadProblems(
  edit: (envs: Record<string, Record<string, unknown>>) => void,
): Promise<string[]> {
  const dir = await clustersFixture(edit);
  try {
    await loadEnvironments(dir, dir);
  } catch (e) {
    if (e instanceof EnvironmentError) return [...e.problems];
    throw e;
  }
  return [];
}
