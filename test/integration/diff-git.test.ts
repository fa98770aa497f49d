/**
 * Integration tier (npm run test:integration, run by .ci/run after npm test): slower tests that
 * run the project's commands end to end in child processes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { environmentFiles } from '../../render/load.js';
import { fixture, type Props } from '../support/fixtures.js';
import { ROOT } from '../support/workspace.js';

const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

/**
 * End to end: a temporary git repository holding this project's code with fixture environments
 * in place of the repository's (test/support/fixtures.ts), a commit, then a change of one image
 * tag and one new environment in the working tree. `npm run diff` must show exactly those changes.
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

    // Fixture environments replace the repository's.
    const clusters = join(repo, 'clusters');
    for (const file of environmentFiles(clusters)) rmSync(file);
    const writeEnv = (props: Props) =>
      writeFileSync(
        join(clusters, `${props.name}.ts`),
        `export default ${JSON.stringify(props, null, 2)};\n`,
      );
    const [first, second] = [fixture('first', 1), fixture('second', 2)];
    writeEnv(first);

    // A demo workload whose image tag the "pull request" changes.
    const demo = (tag: string) =>
      `import { KubeDeployment } from './imports/k8s.js';\nimport type { Cluster } from './lib/cluster.js';\n` +
      `export function demo(c: Cluster): void {\n  new KubeDeployment(c.layers.apps, 'demo', {\n` +
      `    metadata: { name: 'demo', namespace: 'demo' },\n` +
      `    spec: { selector: { matchLabels: { app: 'demo' } }, template: { metadata: { labels: { app: 'demo' } },\n` +
      `      spec: { containers: [{ name: 'app', image: 'registry.invalid/demo:${tag}' }] } } } });\n}\n`;
    writeFileSync(join(repo, 'apps/demo.ts'), demo('1.0.0'));
    const index = readFileSync(join(repo, 'apps/index.ts'), 'utf8');
    const anchor = '  cluster.finish();';
    expect(index, 'apps/index.ts no longer finishes the cluster in buildCluster').toContain(anchor);
    writeFileSync(
      join(repo, 'apps/index.ts'),
      `import { demo } from './demo.js';\n${index.replace(anchor, `  demo(cluster);\n${anchor}`)}`,
    );
    const run = (cmd: string, args: string[]) =>
      execFileSync(cmd, args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    run('git', ['init', '-q', '-b', 'main']);
    run('git', ['add', '-A']);
    run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'base']);
    // The change: a new image tag and a new environment.
    writeFileSync(join(repo, 'apps/demo.ts'), demo('1.0.1'));
    writeEnv(second);

    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/diff.ts', '--base', 'main'], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, CHECKPOINT_DISABLE: '1' },
    });
    rmSync(repo, { recursive: true, force: true });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('diff: rendering main with its own synth');
    const sections = r.stdout.split('\n== ').slice(1);
    const titles = sections.map((s) => s.split(':')[0]);
    expect(titles).toEqual([first.name, `${second.name} (environment added)`]);
    expect(sections[0]!.split('\n').filter((l) => l.startsWith('  ') && l.trim())).toEqual([
      '  ~ Kubernetes Deployment demo/demo',
      '      spec.template.spec.containers[app].image: registry.invalid/demo:1.0.0 -> registry.invalid/demo:1.0.1',
    ]);
    const added = sections[1]!.split('\n').filter((l) => l.startsWith('  '));
    expect(added.length).toBeGreaterThan(0);
    expect(added.every((l) => l.startsWith('  + '))).toBe(true);
    expect(added).toContain('  + Kubernetes Deployment demo/demo');
    // Each root module of the new environment (dist/terraform/<env>/<stage>/) brings its provider.
    const stages = readdirSync(
      join(ROOT, 'dist/terraform', readdirSync(join(ROOT, 'dist/terraform'))[0]!),
    ).sort();
    expect(stages.length).toBeGreaterThan(0);
    for (const stage of stages) expect(added).toContain(`  + Terraform ${stage}/provider.aws`);
  });
});
