/**
 * Running the synth command in tests: in this process (`synthCli`, the same `main` that
 * `npm run synth` runs, its output captured), or, for what only a real process shows (the exit
 * code, stdout and stderr of the program users run), through the launcher (`synthProcess`).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { VersionsTables } from '../../clusters/lib/resolve.js';
import { main } from '../../scripts/synth.js';
import { ROOT } from './workspace.js';

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const text = (lines: readonly string[]) => (lines.length > 0 ? `${lines.join('\n')}\n` : '');

/** Runs scripts/synth.ts `main` in this process; a child process per case would cost a second of loading. */
export async function synthCli(args: readonly string[], tables?: VersionsTables): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) }, tables);
  return { status, stdout: text(out), stderr: text(err) };
}

/** Runs `node render/launch.mjs synth …` (what `npm run synth` runs) as a program, in `cwd`. */
export function synthProcess(args: readonly string[], cwd = ROOT): CliResult {
  const r = spawnSync(process.execPath, [join(ROOT, 'render/launch.mjs'), 'synth', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CHECKPOINT_DISABLE: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
