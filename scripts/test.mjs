/**
 * npm test: the drift check first, then the type-check and the lint beside the unit and policy
 * tests.
 *
 * The drift check runs alone and first: when `dist/` or the generated docs are stale it names
 * the files and the command that fixes them, before any test fails for the same reason. Then
 * `tsc` and `biome` run while Vitest does. Vitest runs one test worker on a two-core machine
 * (`availableParallelism() - 1`), and its main thread is idle much of the time, so the two
 * checks use the core it leaves: docs/performance.md, "npm test". Vitest's output streams as it
 * comes; the other two are printed when Vitest is done, each under its command. The exit code
 * is 1 when any of the three failed. Plain JavaScript, so it needs nothing compiled.
 */
// @ts-check
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** @param {string} name */
const bin = (name) => join(root, 'node_modules', '.bin', name);

const drift = spawnSync(process.execPath, [join(root, 'render/launch.mjs'), 'drift'], {
  cwd: root,
  stdio: 'inherit',
});
if (drift.status !== 0) process.exit(1);

/**
 * Runs a command with its output kept for later.
 * @param {string} label what to print above its output
 * @param {string} command
 * @param {string[]} args
 * @returns {Promise<{ label: string, code: number | null, output: string }>}
 */
function buffered(label, command, args) {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: root });
    /** @type {Buffer[]} */
    const chunks = [];
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    child.on('error', (e) => done({ label, code: null, output: String(e) }));
    child.on('close', (code) => done({ label, code, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

const checks = [
  buffered('tsc --noEmit -p tsconfig.json', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']),
  buffered('biome check .', bin('biome'), ['check', '.']),
];
// Not spawnSync: this process must keep reading the two checks' output while Vitest runs, or a
// check that prints more than a pipe holds would wait for Vitest to end.
const vitest = await new Promise((done) => {
  const child = spawn(bin('vitest'), ['run'], { cwd: root, stdio: 'inherit' });
  child.on('error', () => done(null));
  child.on('close', done);
});
let failed = vitest !== 0;
for (const { label, code, output } of await Promise.all(checks)) {
  console.log(`\n> ${label}${code === 0 ? '' : `: failed (exit ${code})`}`);
  if (output.trim()) console.log(output.trimEnd());
  failed ||= code !== 0;
}
process.exit(failed ? 1 : 0);
