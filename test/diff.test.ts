import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { toYaml } from '../render/serialise.js';
import { diffTrees, diffValues, fieldLine, formatMarkdown, formatText } from '../scripts/lib/diff.js';
import { ROOT, tempDir } from './helpers.js';

const deployment = (image: string, replicas = 1) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'vllm-demo', namespace: 'inference' },
  spec: {
    replicas,
    template: {
      spec: {
        containers: [
          { name: 'sidecar', image: 'registry.invalid/sidecar:1.0.0' },
          { name: 'vllm', image, args: ['--port', '8000'] },
        ],
      },
    },
  },
});

describe('diffValues', () => {
  test('matches list items by name and reports the field path', () => {
    const a = deployment('registry.invalid/vllm:v0.1.0');
    const b = deployment('registry.invalid/vllm:v0.2.0');
    const lines = diffValues(a, b).map(fieldLine);
    expect(lines).toEqual([
      'spec.template.spec.containers[vllm].image: registry.invalid/vllm:v0.1.0 -> registry.invalid/vllm:v0.2.0',
    ]);
  });

  test('a reordered named list is a change of order, not of every item', () => {
    const a = deployment('x');
    const b = structuredClone(a);
    b.spec.template.spec.containers.reverse();
    expect(diffValues(a, b).map((f) => f.path)).toEqual(['spec.template.spec.containers[*]']);
  });

  test('unnamed lists compare by position; added and removed fields are marked', () => {
    const lines = diffValues({ a: [1, 2], b: 'x' }, { a: [1, 3, 4], c: { d: true } }).map(fieldLine);
    expect(lines).toEqual(['a[1]: 2 -> 3', 'a[2]: + 4', 'b: - x', 'c: + {"d":true}']);
  });
});

describe('diffTrees', () => {
  const k8s = (env: string, obj: { kind: string; metadata: { name: string; namespace?: string } }) =>
    [`k8s/${env}/apps/${obj.kind.toLowerCase()}-${obj.metadata.name}.yaml`, toYaml(obj)] as [string, string];
  const tf = (env: string, resource: Record<string, Record<string, unknown>>) =>
    [`terraform/${env}/cdk.tf.json`, JSON.stringify({ resource })] as [string, string];

  test('reports added, removed and changed objects per environment; identical ones not at all', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'inference' } };
    const base = new Map([
      k8s('a', deployment('img:1')),
      k8s('a', cm),
      tf('a', { aws_s3_bucket: { models: { bucket: 'x' } } }),
      k8s('same', cm),
    ]);
    const head = new Map([
      k8s('a', deployment('img:1', 2)),
      tf('a', { aws_s3_bucket: { models: { bucket: 'y' } }, aws_sqs_queue: { q: {} } }),
      k8s('same', cm),
      k8s('new', cm),
    ]);
    const d = diffTrees(base, head);
    expect(d.compared).toBe(3);
    expect(d.environments.map((e) => [e.env, e.status])).toEqual([
      ['a', 'changed'],
      ['new', 'added'],
    ]);
    const a = d.environments[0]!;
    expect(a.kubernetes.removed).toEqual(['ConfigMap inference/c']);
    expect(a.kubernetes.changed).toEqual([
      { id: 'Deployment inference/vllm-demo', fields: [{ path: 'spec.replicas', before: 1, after: 2 }] },
    ]);
    expect(a.terraform.added).toEqual(['aws_sqs_queue.q']);
    expect(a.terraform.changed[0]!.id).toBe('aws_s3_bucket.models');
    const text = formatText(d, 'base');
    expect(text).toContain('  - Kubernetes ConfigMap inference/c');
    expect(text).toContain('      spec.replicas: 1 -> 2');
    expect(text).not.toContain('same');
    const md = formatMarkdown(d, 'base');
    expect(md).toContain('| a | changed | 0 / 1 / 1 | 1 / 0 / 1 |');
    expect(md).toContain('  - `bucket: x -> y`');
  });

  test('Markdown longer than a pull request comment allows is cut at a line and says so', () => {
    const base = new Map<string, string>();
    const head = new Map<string, string>();
    for (let i = 0; i < 400; i++)
      head.set(...k8s('big', { ...deployment('img:1'), metadata: { name: `d${i}` } }));
    const md = formatMarkdown(diffTrees(base, head), 'main', 2000);
    expect(md.length).toBeLessThan(2200);
    expect(md).toMatch(
      /\n<\/details>\n\n… truncated at 2000 characters: run `npm run diff -- --base main` for the full list\.\n$/,
    );
    expect(formatMarkdown(diffTrees(base, head), 'main')).not.toContain('truncated');
  });

  test('no differences says so', () => {
    const files = new Map([k8s('a', deployment('img:1'))]);
    expect(formatText(diffTrees(files, files), 'HEAD')).toBe(
      'No differences against HEAD (1 environment(s) compared).\n',
    );
  });
});

/**
 * End to end: a temporary git repository holding this project's code, a commit, then a change
 * of one image tag and one new environment in the working tree. `npm run diff` must show exactly
 * those changes.
 */
describe('npm run diff on a git repository', () => {
  test('shows one image change per environment and one added environment, nothing else', () => {
    const repo = tempDir('genai-eks-diff-repo-');
    // Everything the render may need: the repository's top level less generated and installed files.
    const skip = new Set([
      '.git',
      'node_modules',
      'dist',
      'docs',
      'test',
      'cdktf.out',
      '.github',
      'coverage',
    ]);
    for (const p of readdirSync(ROOT).filter((e) => !skip.has(e))) {
      cpSync(join(ROOT, p), join(repo, p), { recursive: true });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(repo, 'node_modules'), 'dir');
    writeFileSync(join(repo, '.gitignore'), 'node_modules\n');
    // A demo workload whose image tag the "pull request" changes.
    const demo = (tag: string) =>
      `import { resource } from './lib/resource.js';\nimport type { Cluster } from './lib/cluster.js';\n` +
      `export function demo(c: Cluster): void {\n  resource(c.layers.apps, 'demo', { apiVersion: 'apps/v1', kind: 'Deployment',\n` +
      `    metadata: { name: 'demo', namespace: 'demo' },\n` +
      `    body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'registry.invalid/demo:${tag}' }] } } } } });\n}\n`;
    writeFileSync(join(repo, 'apps/demo.ts'), demo('1.0.0'));
    const index = readFileSync(join(repo, 'apps/index.ts'), 'utf8');
    const anchor = 'const CAPABILITIES: readonly ((cluster: Cluster) => void)[] = [';
    expect(index, 'apps/index.ts no longer has the CAPABILITIES list this test extends').toContain(anchor);
    writeFileSync(
      join(repo, 'apps/index.ts'),
      `import { demo } from './demo.js';\n${index.replace(anchor, `${anchor}\n  demo,`)}`,
    );
    const run = (cmd: string, args: string[]) =>
      execFileSync(cmd, args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    run('git', ['init', '-q', '-b', 'main']);
    run('git', ['add', '-A']);
    run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'base']);
    // The change: a new image tag and a new environment (a copy of dev with its own name and CIDR).
    writeFileSync(join(repo, 'apps/demo.ts'), demo('1.0.1'));
    const dev = readFileSync(join(repo, 'clusters/dev.ts'), 'utf8');
    const staging = dev.replace("name: 'dev'", "name: 'staging'").replace("'10.10.0.0/16'", "'10.40.0.0/16'");
    expect(staging).not.toBe(dev);
    writeFileSync(join(repo, 'clusters/staging.ts'), staging);

    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/diff.ts', '--base', 'main'], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, CHECKPOINT_DISABLE: '1' },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('diff: rendering main with its own synth');
    const sections = r.stdout.split('\n== ').slice(1);
    const titles = sections.map((s) => s.split(':')[0]);
    expect(titles).toEqual(['dev', 'prod', 'prod-dr', 'staging (environment added)']);
    for (const s of sections.slice(0, 3)) {
      expect(s.split('\n').filter((l) => l.startsWith('  ') && l.trim())).toEqual([
        '  ~ Kubernetes Deployment demo/demo',
        '      spec.template.spec.containers[app].image: registry.invalid/demo:1.0.0 -> registry.invalid/demo:1.0.1',
      ]);
    }
    const added = sections[3]!.split('\n').filter((l) => l.startsWith('  '));
    expect(added.length).toBeGreaterThan(0);
    expect(added.every((l) => l.startsWith('  + '))).toBe(true);
    expect(added).toContain('  + Kubernetes Deployment demo/demo');
    expect(added).toContain('  + Terraform provider.aws');
  });
});
