/**
 * npm run bench [-- --runs N] [--cli-runs N] [--sizes 1,10,50] [--skip-cli] [--skip-tsc] [--skip-test]
 *
 * Times, on this checkout, several runs each (min and median):
 *   1. `npm run synth` of every environment (cdk8s and cdktf, one process);
 *   2. the CLI default path of the cdk8s and cdktf project templates: `cdk8s synth` and
 *      `cdktf synth`, each running a ts-node app (TypeScript 5 + ts-node, type-checking on, as
 *      the templates do) that builds the same charts and stacks from this repository's code;
 *   3. `tsc --noEmit` with TypeScript 7 (this repository's) and with TypeScript 5;
 *   4. the render of 1, 10 and 50 generated environments (copies of dev with distinct names and
 *      VPC CIDRs in a temporary clusters folder), and the time per environment;
 *   5. `npm test`, once.
 * Besides wall time it reports the CPU time of the timed processes (Linux), which a loaded
 * machine disturbs far less.
 * TypeScript 5 and ts-node are installed once (npm, exact versions from clusters/versions.ts)
 * into ${XDG_CACHE_HOME:-~/.cache}/genai-eks/bench-ts5-<versions>/.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { cpus, homedir, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { toolVersions } from '../clusters/versions.js';
import { type EnvironmentObjects, parseTree, readTreeFiles } from '../review/objects.js';

const ROOT = resolve(import.meta.dirname, '..');
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

let lastCpu: number | undefined;

/** Runs a command, fails loudly on a non-zero exit, returns wall time in ms (CPU time in lastCpu). */
function timed(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): number {
  const cpu0 = childrenCpuMs();
  const started = performance.now();
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CHECKPOINT_DISABLE: '1', ...env },
    maxBuffer: 1 << 28,
  });
  const ms = performance.now() - started;
  const cpu1 = childrenCpuMs();
  lastCpu = cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  }
  return ms;
}

function repeat(name: string, runs: number, fn: () => number): Timing {
  const out: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    lastCpu = undefined;
    out.push(fn());
    if (lastCpu !== undefined) cpu.push(lastCpu);
    log(
      `${name}: run ${i + 1}/${runs} ${secs(out[i]!)}${lastCpu !== undefined ? ` (CPU ${secs(lastCpu)})` : ''}`,
    );
  }
  return { name, runs: out, cpu: cpu.length === out.length ? cpu : [] };
}

function cacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'genai-eks');
}

/** TypeScript 5 + ts-node + this repository's @types/node, installed once per version set. */
function ts5Toolchain(): string {
  const dir = join(cacheDir(), `bench-ts5-${toolVersions.typescript5}-ts-node-${toolVersions.tsNode}`);
  if (existsSync(join(dir, 'node_modules/ts-node/package.json'))) return dir;
  log(`installing typescript@${toolVersions.typescript5} and ts-node@${toolVersions.tsNode} into ${dir}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bench-ts5', private: true }));
  const r = spawnSync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--save-exact',
      `typescript@${toolVersions.typescript5}`,
      `ts-node@${toolVersions.tsNode}`,
    ],
    { cwd: dir, stdio: ['ignore', 2, 2] },
  );
  if (r.status !== 0) throw new Error(`npm install of TypeScript 5 / ts-node failed (exit ${r.status})`);
  return dir;
}

const ENV_FILES = ['dev', 'prod', 'prod-dr'];

/**
 * A cdk8s + cdktf project laid out the way their TypeScript templates are (CommonJS, ts-node
 * apps, cdk8s.yaml and cdktf.json), whose apps build this repository's charts and stacks from a
 * copy of its sources. Dependencies: TypeScript 5 and ts-node from the toolchain, every other
 * package linked from this checkout's node_modules.
 */
function cliProject(toolchain: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'genai-eks-bench-cli-'));
  for (const p of ['apps', 'clusters', 'infra']) cpSync(join(ROOT, p), join(dir, p), { recursive: true });
  const nm = join(dir, 'node_modules');
  mkdirSync(nm);
  const mine = new Set(['typescript', 'ts-node', '.bin', '.package-lock.json']);
  for (const entry of readdirSync(join(toolchain, 'node_modules'))) {
    if (entry !== '.bin' && entry !== '.package-lock.json') {
      symlinkSync(join(toolchain, 'node_modules', entry), join(nm, entry));
      mine.add(entry);
    }
  }
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (!mine.has(entry)) symlinkSync(join(ROOT, 'node_modules', entry), join(nm, entry));
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bench-cli', private: true }, null, 2));
  // The cdk8s/cdktf templates' compiler options, with the module settings that CommonJS ts-node needs.
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023'],
          module: 'node16',
          moduleResolution: 'node16',
          strict: true,
          noUncheckedIndexedAccess: true,
          noImplicitOverride: true,
          skipLibCheck: true,
          types: ['node'],
        },
        include: ['*.ts', 'apps', 'clusters', 'infra'],
        // The sources import './x.js' for './x.ts' (ESM style); CommonJS ts-node needs its resolver for that.
        'ts-node': { experimentalResolver: true },
      },
      null,
      2,
    ),
  );
  const envImports = ENV_FILES.map((e, i) => `import env${i} from './clusters/${e}.js';`).join('\n');
  const envList = ENV_FILES.map((e, i) => `{ file: 'clusters/${e}.ts', value: env${i} }`).join(', ');
  const load = `import { validateEnvironments } from './clusters/lib/load.js';\n${envImports}\nconst all = validateEnvironments([${envList}]).map((l) => l.env);\n`;
  // cdk8s: one App per environment (as renderCluster builds), written as one YAML file per chart.
  writeFileSync(
    join(dir, 'main-k8s.ts'),
    `import { mkdirSync } from 'node:fs';\nimport { Yaml } from 'cdk8s';\nimport { renderCluster } from './apps/index.js';\n${load}` +
      `const out = process.env.CDK8S_OUTDIR ?? 'dist';\n` +
      `for (const env of all) {\n  const byLayer = new Map<string, unknown[]>();\n` +
      `  for (const o of renderCluster(env, all)) byLayer.set(o.layer, [...(byLayer.get(o.layer) ?? []), o.manifest]);\n` +
      `  mkdirSync(\`\${out}/\${env.name}\`, { recursive: true });\n` +
      `  for (const [layer, docs] of byLayer) Yaml.save(\`\${out}/\${env.name}/\${layer}.k8s.yaml\`, docs);\n}\n`,
  );
  // cdktf: one App, one stack per environment, app.synth() as the template does.
  writeFileSync(
    join(dir, 'main-tf.ts'),
    `import { App } from './infra/cdktf.js';\nimport { EnvironmentStack } from './infra/index.js';\n${load}` +
      `const app = new App();\nfor (const env of all) new EnvironmentStack(app, env, all);\napp.synth();\n`,
  );
  writeFileSync(
    join(dir, 'cdk8s.yaml'),
    'language: typescript\napp: npx ts-node main-k8s.ts\noutput: dist\n',
  );
  writeFileSync(
    join(dir, 'cdktf.json'),
    JSON.stringify({
      language: 'typescript',
      app: 'npx ts-node main-tf.ts',
      output: 'cdktf.out',
      projectId: 'bench',
      sendCrashReports: 'false',
      terraformProviders: [],
      terraformModules: [],
      context: {},
    }),
  );
  mkdirSync(join(nm, '.bin'));
  symlinkSync(join(toolchain, 'node_modules/ts-node/dist/bin.js'), join(nm, '.bin/ts-node'));
  return dir;
}

/**
 * The CLI path must have rendered the same thing as `npm run synth`, or the comparison is void:
 * per environment, the same Kubernetes objects (kind/namespace/name) and Terraform blocks.
 */
function checkSameOutput(project: string, dist: string): void {
  const ours = parseTree(readTreeFiles(dist));
  for (const env of ENV_FILES) {
    const k8sDir = join(project, 'dist', env);
    const stack = join(project, 'cdktf.out/stacks', env, 'cdk.tf.json');
    if (!existsSync(k8sDir) || !existsSync(stack)) throw new Error(`CLI path did not render ${env}`);
    const files = new Map<string, string>();
    for (const f of readdirSync(k8sDir))
      files.set(`k8s/${env}/cli/${f}`, readFileSync(join(k8sDir, f), 'utf8'));
    files.set(`terraform/${env}/cdk.tf.json`, readFileSync(stack, 'utf8'));
    const theirs = parseTree(files).get(env);
    const mine = ours.get(env);
    const ids = (m: ReadonlyMap<string, unknown> | undefined) => [...(m?.keys() ?? [])].sort().join('\n');
    const resources = (m: EnvironmentObjects | undefined) =>
      [...(m?.terraform.values() ?? [])]
        .filter((b) => b.section === 'resource')
        .map((b) => b.id)
        .sort()
        .join('\n');
    if (ids(theirs?.kubernetes) !== ids(mine?.kubernetes) || resources(theirs) !== resources(mine)) {
      throw new Error(`CLI path rendered different objects for ${env} than npm run synth`);
    }
  }
}

/** A clusters folder with `n` copies of dev, each with its own name and VPC CIDR. */
async function generatedClusters(n: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `genai-eks-bench-${n}-`));
  const dev = (await import(join(ROOT, 'clusters/dev.ts'))) as { default: Record<string, unknown> };
  for (let i = 0; i < n; i++) {
    const name = `bench-${String(i).padStart(3, '0')}`;
    const env = { ...structuredClone(dev.default), name, vpcCidr: `10.${100 + i}.0.0/16` };
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
      runs: { type: 'string', default: '5' },
      'cli-runs': { type: 'string', default: '3' },
      sizes: { type: 'string', default: '1,10,50' },
      'skip-cli': { type: 'boolean', default: false },
      'skip-tsc': { type: 'boolean', default: false },
      'skip-test': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const runs = Number(values.runs);
  const cliRuns = Number(values['cli-runs']);
  const sizes = values.sizes.split(',').map(Number);
  if (![runs, cliRuns, ...sizes].every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error('--runs, --cli-runs and --sizes take positive integers');
  }
  const tmp = mkdtempSync(join(tmpdir(), 'genai-eks-bench-'));
  const tmps = [tmp];
  const timings: Timing[] = [];
  const load0 = loadavg()[0]!;
  try {
    // 1. npm run synth, all environments, into a temporary folder.
    const synth = repeat('npm run synth (3 environments, k8s + terraform)', runs, () =>
      timed('npm', ['run', 'synth', '--silent', '--', '--out', join(tmp, 'dist'), '--quiet'], ROOT),
    );
    timings.push(synth);

    // 2. The CLI default path.
    let cli: Timing | undefined;
    let toolchain: string | undefined;
    if (!values['skip-cli'] || !values['skip-tsc']) toolchain = ts5Toolchain();
    if (!values['skip-cli'] && toolchain) {
      const project = cliProject(toolchain);
      tmps.push(project);
      const cdk8s = join(ROOT, 'node_modules/cdk8s-cli/bin/cdk8s');
      const cdktf = join(ROOT, 'node_modules/cdktf-cli/bundle/bin/cdktf');
      const k8s = repeat('cdk8s synth (ts-node app)', cliRuns, () =>
        timed(process.execPath, [cdk8s, 'synth'], project),
      );
      const tf = repeat('cdktf synth (ts-node app)', cliRuns, () =>
        timed(process.execPath, [cdktf, 'synth'], project),
      );
      checkSameOutput(project, join(tmp, 'dist'));
      cli = {
        name: 'CLI default path (cdk8s synth + cdktf synth)',
        runs: k8s.runs.map((ms, i) => ms + tf.runs[i]!),
        cpu: k8s.cpu.length && tf.cpu.length ? k8s.cpu.map((ms, i) => ms + tf.cpu[i]!) : [],
      };
      timings.push(k8s, tf, cli);
    }

    // 3. Type-checking.
    let ts7: Timing | undefined;
    let ts5: Timing | undefined;
    if (!values['skip-tsc'] && toolchain) {
      const tsc5 = join(toolchain, 'node_modules/typescript/bin/tsc');
      ts7 = repeat('tsc --noEmit, TypeScript 7', runs, () =>
        timed(join(ROOT, 'node_modules/.bin/tsc'), ['--noEmit', '-p', 'tsconfig.json'], ROOT),
      );
      ts5 = repeat(`tsc --noEmit, TypeScript ${toolVersions.typescript5}`, runs, () =>
        timed(process.execPath, [tsc5, '--noEmit', '-p', 'tsconfig.json'], ROOT),
      );
      timings.push(ts7, ts5);
    }

    // 4. Scaling.
    const scaling: { n: number; t: Timing }[] = [];
    for (const n of sizes) {
      const clusters = await generatedClusters(n);
      tmps.push(clusters);
      const t = repeat(`npm run synth, ${n} generated environment(s)`, Math.min(runs, 3), () =>
        timed(
          'npm',
          [
            'run',
            'synth',
            '--silent',
            '--',
            '--clusters',
            clusters,
            '--out',
            join(tmp, `dist-${n}`),
            '--quiet',
          ],
          ROOT,
        ),
      );
      scaling.push({ n, t });
      timings.push(t);
    }

    // npm test (type-check, lint, unit and policy tests, drift), once.
    if (!values['skip-test'])
      timings.push(repeat('npm test', 1, () => timed('npm', ['test', '--silent'], ROOT)));

    const lines = [
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`,
      `load average (1 min) at start / end: ${load0.toFixed(2)} / ${loadavg()[0]!.toFixed(2)}`,
      '',
      '| what | runs | min (wall) | median (wall) | median CPU (user + sys) |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...timings.map(row),
      '',
      '| environments | median wall | wall per environment | median CPU | CPU per environment |',
      '| ---: | ---: | ---: | ---: | ---: |',
      ...scaling.map(({ n, t }) => {
        const cpu = t.cpu.length ? median(t.cpu) : undefined;
        return `| ${n} | ${secs(median(t.runs))} | ${(median(t.runs) / n).toFixed(0)} ms | ${cpu !== undefined ? secs(cpu) : 'n/a'} | ${cpu !== undefined ? `${(cpu / n).toFixed(0)} ms` : 'n/a'} |`;
      }),
      '',
    ];
    if (cli) {
      lines.push(
        `ratio CLI path / npm run synth: ${(median(cli.runs) / median(synth.runs)).toFixed(1)}x (median), ${(min(cli.runs) / min(synth.runs)).toFixed(1)}x (min)`,
      );
    }
    if (cli && synth.cpu.length && cli.cpu.length) {
      lines.push(
        `ratio CLI path / npm run synth, CPU time: ${(median(cli.cpu) / median(synth.cpu)).toFixed(1)}x (median)`,
      );
    }
    if (ts5 && ts7) {
      lines.push(
        `ratio TypeScript 5 / TypeScript 7 tsc --noEmit: ${(median(ts5.runs) / median(ts7.runs)).toFixed(1)}x (median), ${(min(ts5.runs) / min(ts7.runs)).toFixed(1)}x (min)`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const d of tmps) rmSync(d, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`bench failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
