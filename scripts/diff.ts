/**
 * npm run diff [-- --base REF] [--markdown] [--clusters DIR]
 *
 * Renders the working tree (in memory) and the base ref (its own code and its own render, in a
 * temporary folder), then prints per environment the Kubernetes objects and Terraform blocks
 * added, removed and changed, with field-level changes. Default base: origin/main when it
 * exists, else HEAD. Progress goes to stderr, the result to stdout.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { render } from '../render/build.js';
import { diffTrees, formatMarkdown, formatText } from '../review/diff.js';
import { readTreeFiles } from '../review/objects.js';

const log = (s: string) => process.stderr.write(`diff: ${s}\n`);

function git(args: string[], cwd: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function refExists(ref: string, cwd: string): boolean {
  return spawnSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd }).status === 0;
}

/** Checks out `sha` into `dir` (a plain tree: no git metadata, no worktree to clean up). */
function exportTree(root: string, sha: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const tar = execFileSync('git', ['archive', '--format=tar', sha], { cwd: root, maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
}

/** Gives the base checkout its dependencies: this checkout's when the lock files agree. */
function installBase(root: string, dir: string): void {
  const lock = (d: string) =>
    existsSync(join(d, 'package-lock.json')) ? readFileSync(join(d, 'package-lock.json')) : undefined;
  const mine = lock(root);
  const theirs = lock(dir);
  if (mine && theirs?.equals(mine) && existsSync(join(root, 'node_modules'))) {
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    log('base has the same package-lock.json: reusing node_modules');
    return;
  }
  log('base has a different package-lock.json: npm ci in the base checkout');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) throw new Error(`npm ci in the base checkout failed (exit ${r.status})`);
}

/** Runs the base's own `npm run synth` into `out` and reads the result. */
function renderBase(root: string, ref: string, tmp: string): Map<string, string> {
  const sha = git(['rev-parse', '--verify', `${ref}^{commit}`], root);
  const dir = join(tmp, 'base');
  log(`exporting ${ref} (${sha.slice(0, 12)})`);
  exportTree(root, sha, dir);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  if (!pkg.scripts?.synth) throw new Error(`${ref}: package.json has no "synth" script to render the base`);
  installBase(root, dir);
  const out = join(tmp, 'base-dist');
  log(`rendering ${ref} with its own synth`);
  const r = spawnSync('npm', ['run', 'synth', '--silent', '--', '--out', out], {
    cwd: dir,
    stdio: ['ignore', 2, 2],
    env: { ...process.env, CHECKPOINT_DISABLE: '1' },
  });
  if (r.status !== 0) throw new Error(`rendering ${ref} failed (exit ${r.status}); see above`);
  return readTreeFiles(out);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      base: { type: 'string' },
      markdown: { type: 'boolean', default: false },
      clusters: { type: 'string', default: 'clusters' },
    },
    strict: true,
  });
  const root = git(['rev-parse', '--show-toplevel'], process.cwd());
  const base = values.base ?? (refExists('origin/main', root) ? 'origin/main' : 'HEAD');
  if (!refExists(base, root))
    throw new Error(`--base: ${JSON.stringify(base)} is not a commit in this repository`);
  const tmp = mkdtempSync(join(tmpdir(), 'genai-eks-diff-'));
  try {
    const before = renderBase(root, base, tmp);
    log('rendering the working tree');
    const head = new Map<string, string>();
    for (const r of await render({ clustersDir: resolve(root, values.clusters) })) {
      for (const [path, content] of r.files) head.set(path, content);
    }
    const diff = diffTrees(before, head);
    process.stdout.write(values.markdown ? formatMarkdown(diff, base) : formatText(diff, base));
    log(`${diff.environments.length} environment(s) differ`);
    return 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`diff failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
