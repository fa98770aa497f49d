/**
 * A fork's two everyday tasks, done as the documentation says, in a temporary copy of the
 * repository: add an environment in another region (README.md, "Adding an environment") and a
 * model served there (docs/workloads.md, "Adding a model"), then `npm run synth` and `npm test`
 * in the copy. Both must pass: no test may know which environments or how many models exist.
 *
 * Each step below quotes the step it follows. Values the steps leave to the user (the new name,
 * region and CIDR) are chosen here so that they collide with nothing the repository has.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { AWS_REGIONS } from '../../clusters/lib/environment.js';
import { overlaps, parseCidr } from '../../clusters/lib/net.js';
import type { Environment } from '../../clusters/lib/resolve.js';
import { environmentFiles, loadEnvironments } from '../../render/load.js';
import { ROOT, type Workspace, workspace } from '../support/workspace.js';

/** The repository as a fork has it: everything but git's and npm's own folders and build output. */
const SKIP = new Set(['.git', 'node_modules', 'cdktf.out', 'coverage', '.tmp']);

let ws: Workspace | undefined;
afterAll(() => ws?.remove());

/**
 * Qwen2.5-7B-Instruct, from its model card and config.json
 * (https://huggingface.co/Qwen/Qwen2.5-7B-Instruct: 7.61B parameters; architectures
 * Qwen2ForCausalLM, num_hidden_layers 28, num_attention_heads 28, num_key_value_heads 4,
 * hidden_size 3584 -> head dim 128, intermediate_size 18944, vocab_size 152064,
 * max_position_embeddings 32768, torch_dtype bfloat16). Revision a09a3545…: the snapshot directory
 * (`models--Qwen--Qwen2.5-7B-Instruct/snapshots/<commit>`) in the Hugging Face cache paths of
 * more than five unrelated public repositories, as for the catalogue's own pins.
 */
const NEW_MODEL = `  {
    // https://huggingface.co/Qwen/Qwen2.5-7B-Instruct (config.json: 28 layers, 28 attention
    // heads, 4 KV heads, hidden 3584 -> head dim 128, intermediate 18944, vocab 152064,
    // max_position_embeddings 32768, bf16)
    kind: 'llm',
    id: 'qwen2.5-7b-instruct',
    source: {
      kind: 'huggingface',
      repo: 'Qwen/Qwen2.5-7B-Instruct',
      revision: 'a09a35458c702b33eeacc393d103063234e8bc28',
    },
    paramsBillion: 7.61,
    dtypeBytes: 2,
    dtype: 'bfloat16',
    contextLength: 32768,
    architecture: 'Qwen2ForCausalLM',
    layers: 28,
    attentionHeads: 28,
    kvHeads: 4,
    headDim: 128,
    hiddenSize: 3584,
    intermediateSize: 18944,
    vocabSize: 152064,
    runsOn: ['nvidia'],
  },
`;

test('adding an environment in another region and a model, as documented, ends with npm test passing', async () => {
  ws = workspace(readdirSync(ROOT).filter((e) => !SKIP.has(e)));
  const dir = ws.dir;
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, CHECKPOINT_DISABLE: '1', CDK8S_CHECK_UPGRADE: 'false' },
      maxBuffer: 1 << 28,
    });
    return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
  };
  // Biome reads .gitignore through git (biome.json `vcs`), as in any clone.
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'fork');

  const existing: Environment[] = await loadEnvironments(join(dir, 'clusters'), dir);
  const names = new Set(existing.map((e) => e.name));
  const regions = new Set<string>(existing.map((e) => e.region));
  const name = ['edge', 'edge-2', 'edge-3'].find((n) => !names.has(n))!;
  const region = AWS_REGIONS.find((r) => !regions.has(r))!;
  const cidr = Array.from({ length: 200 }, (_, i) => `10.${40 + i}.0.0/16`).find((c) => {
    const p = parseCidr(c);
    return existing.every((e) => {
      const q = parseCidr(e.vpcCidr);
      return typeof p !== 'string' && typeof q !== 'string' && !overlaps(p, q);
    });
  })!;

  // README, "Adding an environment":
  // 1. "Copy an environment file that has no `modelData.disasterRecovery` (here
  //    `clusters/dev.ts`) to `clusters/<name>.ts`."
  const template = existing.find((e) => e.modelData.disasterRecovery === undefined);
  expect(template, 'an environment without disaster recovery to copy').toBeDefined();
  const file = `clusters/${name}.ts`;
  copyFileSync(join(dir, template!.file), join(dir, file));
  // 2. "change `name` …; for another region, change `region` and the `availabilityZones` …;
  //    change `vpcCidr` to a /16–/20 that overlaps no other environment's."
  const edit = (path: string, pattern: RegExp, to: string) => {
    const text = ws!.read(path);
    expect(text, `${path}: ${pattern}`).toMatch(pattern);
    ws!.write(path, text.replace(pattern, to));
  };
  edit(file, /name: '[^']*'/, `name: '${name}'`);
  edit(file, /region: '[^']*'/, `region: '${region}'`);
  edit(file, /availabilityZones: \[[^\]]*\]/, `availabilityZones: ['${region}a', '${region}b']`);
  edit(file, /vpcCidr: '[^']*'/, `vpcCidr: '${cidr}'`);

  // docs/workloads.md, "Adding a model":
  // 1. "Add an entry to the `MODELS` list in `clusters/catalog/models.ts` …"
  edit('clusters/catalog/models.ts', /(const MODELS: readonly Model\[\] = \[\n)/, `$1${NEW_MODEL}`);
  // 2. "Add a `workloads.vllm` entry in the environment file: `name`, `model`, `pool`,
  //    `instanceType`, `tensorParallelSize`, `maxModelLen`, `replicas`."
  edit(
    file,
    /(vllm: \[\n)/,
    `$1      {\n        name: 'qwen',\n        model: 'qwen2.5-7b-instruct',\n        pool: 'nvidia',\n` +
      `        instanceType: 'g5.xlarge',\n        tensorParallelSize: 1,\n        maxModelLen: 8192,\n        replicas: 1,\n      },\n`,
  );
  // 3. "To offer it in Open WebUI, add its `name` to `workloads.openWebUI.backends`."
  edit(file, /backends: \[/, "backends: ['qwen', ");
  // 4. "Make room in the pool: each replica takes its devices, plus one extra replica during a
  //    rolling update … Raise the pool's `acceleratorLimit` … if the new deployment does not fit."
  //    One g5.xlarge replica takes 1 GPU, 4 vCPUs and 16 GiB; with its rolling-update copy, 2 of each.
  const nvidia = template!.pools.nvidia;
  edit(
    file,
    /(nvidia: \{[^}]*?cpuLimit: )\d+(,[^}]*?memoryLimitGiB: )\d+(,[^}]*?acceleratorLimit: )\d+/,
    `$1${nvidia.cpuLimit + 8}$2${nvidia.memoryLimitGiB + 32}$3${(nvidia.acceleratorLimit ?? 0) + 2}`,
  );

  // README step 3 and "Adding a model" step 5: "`npm run synth`".
  const synth = run('npm', ['run', '-s', 'synth']);
  expect(synth.output).toMatch(new RegExp(`^${name} +\\d+ Kubernetes objects`, 'm'));
  expect(synth.status, synth.output).toBe(0);
  expect(existsSync(join(dir, 'dist/k8s', name)), `dist/k8s/${name}`).toBe(true);
  expect(readdirSync(join(dir, 'dist/terraform', name)).length).toBeGreaterThan(0);
  const report = ws.read('docs/environments.md');
  expect(report).toContain(`## ${name}`);
  expect(report).toMatch(
    /\| qwen2\.5-7b-instruct \| Deployment inference\/vllm-qwen \| nvidia \| g5\.xlarge \|/,
  );
  expect(ws.read('docs/architecture.md')).toContain(name);
  // The new file is an environment like the others.
  expect(environmentFiles(join(dir, 'clusters')).map((f) => basename(f))).toContain(`${name}.ts`);

  // README step 4 and "Adding a model" step 6: "`npm test`".
  const tests = run('npm', ['test', '--silent']);
  expect(tests.status, tests.output.slice(-6000)).toBe(0);
});
