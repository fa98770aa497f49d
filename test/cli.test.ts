/**
 * The synth command (scripts/synth.ts `main`, run in this process): on every bad input of
 * test/support/bad-inputs.ts (values, the versions table, files that do not compile) it exits 1,
 * prints the loader's problems in the one format and leaves the output folder byte for byte as
 * it was; `--env` renders only the named environments, by name; a full render replaces each part
 * whole, so a removed environment disappears, and writes the generated documents, which the drift
 * check compares; under cdk8s-cli the summary goes where it shows. One test runs the real program
 * (`node render/launch.mjs synth`, which compiles environment files with esbuild itself) for what
 * only a process shows.
 *
 * Output folders are temporary and hold a small tree of their own; environments are fixtures.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { LAYERS } from '../clusters/contract.js';
import { main as driftMain } from '../scripts/drift.js';
import { apply, BAD_INPUTS, problems, world, worldDir } from './support/bad-inputs.js';
import { tempDir, treeHash, writeTree } from './support/files.js';
import { clustersDir, fixture } from './support/fixtures.js';
import { synthCli, synthProcess } from './support/synth.js';

/** An output folder that already holds a tree: an environment of its own and a file no render owns. */
function existingOutput(): string {
  return writeTree(join(tempDir('genai-eks-cli-'), 'dist'), {
    'k8s/earlier/apps/configmap-earlier-x.yaml': 'apiVersion: v1\nkind: ConfigMap\n',
    'terraform/earlier/cdk.tf.json': '{}\n',
    'README.md': 'not rendered\n',
  });
}

/** Hash of the files under `dir` outside the folders of environment `env`. */
function hashWithout(dir: string, env: string): string {
  return treeHash(dir, (f) => !f.startsWith(`k8s/${env}/`) && !f.startsWith(`terraform/${env}/`));
}

const SYNTH_FAILED = 'synth failed, dist/ unchanged:';

describe('synth on bad input: exit 1, the problems in the one format, the output untouched', () => {
  test.each(BAD_INPUTS.map((b) => [b.what, b] as const))('%s', async (_what, bad) => {
    const c = apply(bad);
    const clusters = worldDir(c.world, c.sources);
    const out = existingOutput();
    const docs = join(dirname(out), 'docs');
    writeTree(docs, { 'environments.md': 'as it was\n' });
    const before = [treeHash(out), treeHash(docs)];
    const r = await synthCli(['--clusters', clusters, '--out', out, '--docs', docs], c.tables);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const [head, ...lines] = r.stderr.trimEnd().split('\n');
    expect(head).toBe(SYNTH_FAILED);
    // The loader names files relative to the working directory; as the repository's clusters/
    // they read `clusters/<file>.ts (<env>): <field>: <reason>`, exactly the loader's problems.
    // The versions table is the repository's clusters/versions.ts wherever the environments are.
    const prefix = `${relative(process.cwd(), clusters)}/`;
    for (const line of lines) {
      expect(line.startsWith(prefix) || line.startsWith('clusters/versions.ts: '), line).toBe(true);
    }
    const asRepository = lines.map((l) => l.replaceAll(prefix, 'clusters/'));
    expect(asRepository).toContainEqual(expect.stringMatching(bad.message));
    expect(asRepository).toEqual(await problems(bad));
    expect([treeHash(out), treeHash(docs)]).toEqual(before);
  });
});

describe('synth on bad arguments: exit 1, the reason, the output untouched', () => {
  test.each([
    ['an unknown option', ['--bogus'], /'--bogus'/],
    ['an unknown part', ['--only', 'helm'], /^--only: expected one of k8s, terraform, got "helm"$/],
    [
      'an unknown environment',
      ['--env', 'nowhere'],
      /^--env: unknown environment nowhere \(known: dev, live, standby\)$/,
    ],
  ])('%s', async (_what, args, message) => {
    const out = existingOutput();
    const before = treeHash(out);
    const r = await synthCli(['--clusters', worldDir(world()), '--out', out, ...args]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const [head, ...lines] = r.stderr.trimEnd().split('\n');
    expect(head).toBe(SYNTH_FAILED);
    expect(lines).toContainEqual(expect.stringMatching(message));
    expect(treeHash(out)).toBe(before);
  });
});

describe('what synth writes', () => {
  const alpha = fixture('alpha', 0);
  const beta = fixture('beta', 1);

  test('--env renders the named environment only: its folders replaced, everything else as it was', async () => {
    const out = existingOutput();
    writeTree(out, {
      'k8s/alpha/apps/stale.yaml': 'no longer rendered\n',
      'k8s/beta/apps/marker.yaml': 'kept\n',
    });
    const others = hashWithout(out, 'alpha');
    const r = await synthCli(['--clusters', clustersDir(alpha, beta), '--out', out, '--env', 'alpha']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^alpha +\d+ Kubernetes objects +\d+ Terraform resources +\d+ ms$/m);
    expect(r.stdout).not.toMatch(/^beta /m);
    expect(existsSync(join(out, 'k8s/alpha/apps/stale.yaml'))).toBe(false);
    for (const layer of LAYERS) expect(existsSync(join(out, 'k8s/alpha', layer)), layer).toBe(true);
    expect(existsSync(join(out, 'terraform/alpha/cluster/cdk.tf.json'))).toBe(true);
    expect(existsSync(join(out, 'terraform/alpha/bootstrap/cdk.tf.json'))).toBe(true);
    expect(existsSync(join(out, 'k8s/beta'))).toBe(true);
    expect(hashWithout(out, 'alpha')).toBe(others);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toBe('not rendered\n');
  });

  test("--env and every message take the environment's name, whatever its file is called", async () => {
    const clusters = join(tempDir('genai-eks-cli-'), 'clusters');
    writeTree(clusters, { 'renamed.ts': `export default ${JSON.stringify(alpha)};\n` });
    const out = join(dirname(clusters), 'dist');
    const byName = await synthCli(['--clusters', clusters, '--out', out, '--env', alpha.name, '--quiet']);
    expect(byName.status).toBe(0);
    expect(existsSync(join(out, 'k8s', alpha.name))).toBe(true);
    const byFile = await synthCli(['--clusters', clusters, '--out', out, '--env', 'renamed']);
    expect(byFile.status).toBe(1);
    expect(byFile.stderr).toContain(`--env: unknown environment renamed (known: ${alpha.name})`);
  });

  test('a full render replaces each part whole: a removed environment disappears, the others are unchanged', async () => {
    const out = existingOutput();
    const clusters = clustersDir(alpha, beta);
    expect((await synthCli(['--clusters', clusters, '--out', out, '--quiet'])).status).toBe(0);
    // Rendered before: the environment the output held and no clusters file names is gone already.
    expect(existsSync(join(out, 'k8s/earlier'))).toBe(false);
    expect(existsSync(join(out, 'terraform/earlier'))).toBe(false);
    const withoutAlpha = hashWithout(out, 'alpha');
    rmSync(join(clusters, 'alpha.ts'));
    const r = await synthCli(['--clusters', clusters, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(existsSync(join(out, 'k8s/alpha'))).toBe(false);
    expect(existsSync(join(out, 'terraform/alpha'))).toBe(false);
    expect(hashWithout(out, 'alpha')).toBe(withoutAlpha);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toBe('not rendered\n');
  });
});

describe('the generated documents', () => {
  const alpha = fixture('alpha', 0);
  const beta = fixture('beta', 1);

  test('a full render writes them when it has a docs folder; --env leaves them as they were', async () => {
    const out = existingOutput();
    const docs = join(dirname(out), 'docs');
    const clusters = clustersDir(alpha, beta);
    const first = await synthCli(['--clusters', clusters, '--out', out, '--docs', docs]);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/; .*environments\.md, .*architecture\.md written$/m);
    const report = readFileSync(join(docs, 'environments.md'), 'utf8');
    for (const name of [alpha.name, beta.name]) expect(report).toContain(`## ${name}`);
    expect(report).toContain('### Pool headroom');
    expect(readFileSync(join(docs, 'architecture.md'), 'utf8')).toContain('```mermaid');
    const written = treeHash(docs);
    const again = await synthCli(['--clusters', clusters, '--out', out, '--docs', docs]);
    expect(again.stdout).toMatch(/architecture\.md unchanged$/m);
    expect(treeHash(docs)).toBe(written);
    // They need every environment and both parts: a partial render does not touch them.
    rmSync(join(docs, 'architecture.md'));
    const partial = treeHash(docs);
    for (const args of [
      ['--env', alpha.name],
      ['--only', 'k8s'],
    ]) {
      const r = await synthCli(['--clusters', clusters, '--out', out, '--docs', docs, ...args]);
      expect(r.status).toBe(0);
      expect(treeHash(docs)).toBe(partial);
    }
  });

  test('a render into another folder writes no documents unless --docs names a folder', async () => {
    const out = join(tempDir('genai-eks-cli-'), 'dist');
    const r = await synthCli(['--clusters', clustersDir(alpha), '--out', out]);
    expect(r.status).toBe(0);
    expect(existsSync(join(dirname(out), 'docs'))).toBe(false);
  });

  test('the drift check compares them too, and names what to run', async () => {
    const out = join(tempDir('genai-eks-cli-'), 'dist');
    const docs = join(dirname(out), 'docs');
    const clusters = clustersDir(alpha);
    expect((await synthCli(['--clusters', clusters, '--out', out, '--docs', docs, '--quiet'])).status).toBe(
      0,
    );
    const drift = async () => {
      const lines: string[] = [];
      const log = vi.spyOn(console, 'log').mockImplementation((...a) => void lines.push(a.join(' ')));
      const error = vi.spyOn(console, 'error').mockImplementation((...a) => void lines.push(a.join(' ')));
      try {
        return { status: await driftMain(['--clusters', clusters, '--out', out, '--docs', docs]), lines };
      } finally {
        log.mockRestore();
        error.mockRestore();
      }
    };
    expect((await drift()).status).toBe(0);
    const file = join(docs, 'environments.md');
    writeFileSync(file, `${readFileSync(file, 'utf8')}edited by hand\n`);
    const stale = await drift();
    expect(stale.status).toBe(1);
    expect(stale.lines[0]).toMatch(/run `npm run synth`/);
    expect(stale.lines).toContainEqual(expect.stringMatching(new RegExp(`generated, differs: ${file}$`)));
  });
});

describe('under the cdk8s and cdktf command-line tools', () => {
  test('cdk8s synth (CDK8S_OUTDIR): the summary on stderr, which cdk8s-cli shows, and one file in its output folder', async () => {
    const out = join(tempDir('genai-eks-cli-'), 'dist');
    const cdk8sOut = join(tempDir('genai-eks-cdk8s-'), 'output');
    process.env.CDK8S_OUTDIR = cdk8sOut;
    try {
      const r = await synthCli(['--clusters', clustersDir(fixture('alpha')), '--out', out, '--only', 'k8s']);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^alpha +\d+ Kubernetes objects +\d+ ms$/m);
      expect(r.stderr).not.toMatch(/Terraform/);
      expect(readdirSync(cdk8sOut)).toEqual(['rendered-into.yaml']);
      expect(existsSync(join(out, 'k8s/alpha'))).toBe(true);
    } finally {
      delete process.env.CDK8S_OUTDIR;
    }
  });

  test('--only terraform (cdktf synth) counts Terraform resources only', async () => {
    const out = join(tempDir('genai-eks-cli-'), 'dist');
    const r = await synthCli([
      '--clusters',
      clustersDir(fixture('alpha')),
      '--out',
      out,
      '--only',
      'terraform',
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^alpha +\d+ Terraform resources +\d+ ms$/m);
    expect(r.stdout).not.toMatch(/Kubernetes/);
  });
});

test('general-purpose x86_64 system node types are accepted and become the node group instance type', async () => {
  const types = ['m5.xlarge', 'm7i-flex.2xlarge', 'c6in.large'];
  const envs = types.map((type, i) => {
    const props = fixture(`nodes${i}`, i);
    props.systemNodeGroup.instanceType = type;
    return props;
  });
  const out = join(tempDir('genai-eks-cli-'), 'dist');
  const r = await synthCli([
    '--clusters',
    clustersDir(...envs),
    '--out',
    out,
    '--only',
    'terraform',
    '--quiet',
  ]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  for (const [i, props] of envs.entries()) {
    const tf = JSON.parse(
      readFileSync(join(out, 'terraform', props.name, 'cluster', 'cdk.tf.json'), 'utf8'),
    ) as {
      resource: { aws_eks_node_group: Record<string, { instance_types: string[] }> };
    };
    expect(Object.values(tf.resource.aws_eks_node_group).map((g) => g.instance_types)).toEqual([[types[i]]]);
  }
});

describe('the synth program', () => {
  test('node render/launch.mjs synth on a file that does not compile: exit 1, file:line:column and the reason on stderr, no stack, the output untouched', async () => {
    // The bundled render compiles environment files with esbuild itself (render/bundle.mjs):
    // the other way to import them than the one the in-process cases above take.
    const bad = BAD_INPUTS.find((b) => b.source && b.what.includes('syntax error'))!;
    const c = apply(bad);
    const clusters = worldDir(c.world, c.sources);
    const out = existingOutput();
    const before = treeHash(out);
    // Run beside the clusters folder, so the files are named `clusters/<file>.ts` as in the table.
    const r = synthProcess(['--clusters', 'clusters', '--out', out], dirname(clusters));
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const [head, ...lines] = r.stderr.trimEnd().split('\n');
    expect(head).toBe(SYNTH_FAILED);
    expect(lines).toEqual(await problems(bad));
    expect(lines).toContainEqual(expect.stringMatching(bad.message));
    expect(treeHash(out)).toBe(before);
  });
});
