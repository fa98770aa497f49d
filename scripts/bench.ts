/**
 * npm run bench [-- --runs N] [--sizes 1,10,50] [--skip-test]
 *
 * Times, on this checkout and in one run (min and median of several runs; runs of the things
 * compared are interleaved, so both see the same machine load):
 *   1. a bare `node -e 0`, the floor of any Node program;
 *   2. the program `npm run synth` runs (`node render/launch.mjs synth`) for the repository's
 *      environments, into a fresh temporary folder each run, with the generated docs beside it
 *      (as `npm run synth` writes them), and its ratio to the bare start;
 *   3. the same without the generated docs (`--out` alone), to show what they cost, and through
 *      `npm run synth`, to show npm's own start-up cost separately;
 *   4. the first run after a source change (an empty bundle cache: esbuild builds the bundle);
 *   5. the drift check's program (`node render/launch.mjs drift`), which `npm test` runs first;
 *   6. the render of 1, 10 and 50 generated environments (copies of the first repository
 *      environment without disaster recovery, with their own names and VPC CIDRs), and the
 *      cost of each extra environment;
 *   7. `npm test`, once.
 * Besides wall time it reports the CPU time of the timed processes (Linux), which a loaded
 * machine disturbs far less, and the load average at the start and the end.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { EnvironmentProps } from '../clusters/lib/environment.js';
import { environmentFiles } from '../render/load.js';

const ROOT = resolve(import.meta.dirname, '..');
const LAUNCH = join(ROOT, 'render/launch.mjs');
const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

interface Timing {
  readonly name: string;
  /** Wall time of each run, ms. */
  readonly runs: number[];
  /** CPU time (user + system) of each run's processes, ms; empty where /proc is unavailable. */
  readonly cpu: number[];
}

/** CPU time of this process's reaped children so far (Linux /proc; clock ticks of 10 ms). */
function childrenCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

const min = (xs: readonly number[]) => Math.min(...xs);
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Runs a command, fails loudly on a non-zero exit; returns wall and CPU time in ms. */
function timed(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const cpu0 = childrenCpuMs();
  const started = performance.now();
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CHECKPOINT_DISABLE: '1', ...env },
    maxBuffer: 1 << 28,
  });
  const wall = performance.now() - started;
  const cpu1 = childrenCpuMs();
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  }
  return { wall, cpu: cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined };
}

/** Timings of several commands, their runs interleaved (a, b, c, a, b, c, …). */
function interleaved(runs: number, commands: readonly [string, () => ReturnType<typeof timed>][]): Timing[] {
  const out = commands.map(([name]) => ({ name, runs: [] as number[], cpu: [] as number[] }));
  for (let i = 0; i < runs; i++) {
    commands.forEach(([name, run], k) => {
      const { wall, cpu } = run();
      out[k]!.runs.push(wall);
      if (cpu !== undefined) out[k]!.cpu.push(cpu);
      log(`${name}: run ${i + 1}/${runs} ${secs(wall)}${cpu !== undefined ? ` (CPU ${secs(cpu)})` : ''}`);
    });
  }
  return out.map((t) => (t.cpu.length === t.runs.length ? t : { ...t, cpu: [] }));
}

/** A clusters folder with `n` copies of one repository environment, each with its own name and CIDR. */
async function generatedClusters(n: number): Promise<string> {
  // The files' own values (what a user writes), not the resolved environments.
  const values = await Promise.all(
    environmentFiles(join(ROOT, 'clusters')).map(
      async (f) => (await import(pathToFileURL(f).href)).default as EnvironmentProps,
    ),
  );
  const template = values.find((v) => v.modelData.disasterRecovery === undefined);
  if (!template) throw new Error('no environment without disaster recovery to copy');
  const dir = mkdtempSync(join(tmpdir(), `genai-eks-bench-${n}-`));
  for (let i = 0; i < n; i++) {
    const name = `bench-${String(i).padStart(3, '0')}`;
    const env = { ...structuredClone(template), name, vpcCidr: `10.${100 + i}.0.0/16` };
    writeFileSync(join(dir, `${name}.ts`), `export default ${JSON.stringify(env, null, 2)};\n`);
  }
  return dir;
}

function row(t: Timing): string {
  const cpu = t.cpu.length ? secs(median(t.cpu)) : 'n/a';
  return `| ${t.name} | ${t.runs.length} | ${secs(min(t.runs))} | ${secs(median(t.runs))} | ${cpu} |`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '7' },
      sizes: { type: 'string', default: '1,10,50' },
      'skip-test': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const runs = Number(values.runs);
  const sizes = values.sizes.split(',').map(Number);
  if (![runs, ...sizes].every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error('--runs and --sizes take positive integers');
  }
  const tmp = mkdtempSync(join(tmpdir(), 'genai-eks-bench-'));
  const tmps = [tmp];
  let outs = 0;
  // A fresh output folder per run, and the generated docs beside it: what `npm run synth` writes.
  const out = () => {
    const dir = join(tmp, `dist-${outs++}`);
    return ['--out', dir, '--docs', `${dir}-docs`];
  };
  const load0 = loadavg()[0]!;
  const started = performance.now();
  try {
    // The cache as it is after any change: the first run builds the bundle (timed below).
    timed(process.execPath, [LAUNCH, 'synth', ...out(), '--quiet']);

    // 1–3, 5: interleaved.
    const [bare, synth, noDocs, npmSynth, drift] = interleaved(runs, [
      ['node -e 0', () => timed(process.execPath, ['-e', '0'])],
      [
        'synth program, repository environments',
        () => timed(process.execPath, [LAUNCH, 'synth', ...out(), '--quiet']),
      ],
      [
        'synth program, without the generated docs',
        () => timed(process.execPath, [LAUNCH, 'synth', ...out().slice(0, 2), '--quiet']),
      ],
      [
        'npm run synth (the same, through npm)',
        () => timed('npm', ['run', '-s', 'synth', '--', ...out(), '--quiet']),
      ],
      ['drift program (npm run drift)', () => timed(process.execPath, [LAUNCH, 'drift'])],
    ]) as [Timing, Timing, Timing, Timing, Timing];

    // 4. A source change: an empty cache directory makes the launcher build the bundle first.
    const cold = interleaved(Math.min(runs, 3), [
      [
        'synth program, first run after a source change (bundle build)',
        () => {
          const cache = mkdtempSync(join(tmpdir(), 'genai-eks-bench-cache-'));
          try {
            return timed(process.execPath, [LAUNCH, 'synth', ...out(), '--quiet'], {
              GENAI_EKS_RENDER_CACHE: cache,
            });
          } finally {
            rmSync(cache, { recursive: true, force: true });
          }
        },
      ],
    ])[0]!;

    // 6. Scaling: n generated environments; a first run compiles their files (cached by content).
    const scaling: { n: number; t: Timing }[] = [];
    for (const n of sizes) {
      const clusters = await generatedClusters(n);
      tmps.push(clusters);
      const args = [LAUNCH, 'synth', '--clusters', clusters, '--quiet'];
      timed(process.execPath, [...args, ...out()]);
      const [t] = interleaved(Math.min(runs, 5), [
        [`synth program, ${n} generated environment(s)`, () => timed(process.execPath, [...args, ...out()])],
      ]);
      scaling.push({ n, t: t! });
    }

    // 7. npm test, once.
    const test = values['skip-test']
      ? undefined
      : interleaved(1, [['npm test', () => timed('npm', ['test', '--silent'])]])[0];

    const timings = [
      bare,
      synth,
      noDocs,
      npmSynth,
      cold,
      drift,
      ...scaling.map((s) => s.t),
      ...(test ? [test] : []),
    ];
    const ratio = (a: Timing, b: Timing) =>
      `${(median(a.runs) / median(b.runs)).toFixed(1)}x (median), ${(min(a.runs) / min(b.runs)).toFixed(1)}x (min)`;
    const one = scaling.find((s) => s.n === Math.min(...sizes));
    const lines = [
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`,
      `load average (1 min) at start / end: ${load0.toFixed(2)} / ${loadavg()[0]!.toFixed(2)}; bench took ${secs(performance.now() - started)}`,
      '',
      '| what | runs | min (wall) | median (wall) | median CPU (user + sys) |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...timings.map(row),
      '',
      '| environments | median wall | extra environments | wall per extra environment | CPU per extra environment |',
      '| ---: | ---: | ---: | ---: | ---: |',
      ...scaling.map(({ n, t }) => {
        if (!one || n === one.n) return `| ${n} | ${secs(median(t.runs))} | – | – | – |`;
        const extra = n - one.n;
        const wall = (median(t.runs) - median(one.t.runs)) / extra;
        const cpu =
          t.cpu.length && one.t.cpu.length ? (median(t.cpu) - median(one.t.cpu)) / extra : undefined;
        return `| ${n} | ${secs(median(t.runs))} | ${extra} | ${wall.toFixed(0)} ms | ${cpu !== undefined ? `${cpu.toFixed(0)} ms` : 'n/a'} |`;
      }),
      '',
      `synth program / node -e 0: ${ratio(synth, bare)}`,
      `npm's own start-up (npm run synth − synth program, medians): ${secs(median(npmSynth.runs) - median(synth.runs))}`,
      `the generated docs (synth program − without them, medians): ${secs(median(synth.runs) - median(noDocs.runs))} wall, ${synth.cpu.length && noDocs.cpu.length ? secs(median(synth.cpu) - median(noDocs.cpu)) : 'n/a'} CPU`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const d of tmps) rmSync(d, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`bench failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
