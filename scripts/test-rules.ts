/**
 * npm run test:rules — promtool rule tests of every rendered environment (docs/platform.md,
 * "Observability"; test/rules/run.ts says what runs).
 *
 *   --dist DIR        rendered manifests (default dist/k8s)
 *   --env NAME        only this environment (repeatable)
 *   --build-only      find or build promtool, then exit
 *   --update-go-mod   rewrite test/rules/tools/go.mod and go.sum from clusters/versions.ts
 *
 * promtool: PROMTOOL when set, else built with Go and cached (test/rules/promtool.ts).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensurePromtool, updateGoMod } from '../test/rules/promtool.js';
import { testEnvironment } from '../test/rules/run.js';

const log = (s: string) => console.log(s);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      dist: { type: 'string', default: 'dist/k8s' },
      env: { type: 'string', multiple: true },
      'build-only': { type: 'boolean', default: false },
      'update-go-mod': { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values['update-go-mod']) {
    updateGoMod(log);
    return 0;
  }
  const started = performance.now();
  const promtool = await ensurePromtool(log);
  log(`test:rules: promtool from ${promtool.source}`);
  if (values['build-only']) return 0;
  const dist = resolve(values.dist);
  if (!existsSync(dist)) throw new Error(`${dist} does not exist (run npm run synth)`);
  const envs = readdirSync(dist, { withFileTypes: true })
    .filter((d) => d.isDirectory() && (!values.env || values.env.includes(d.name)))
    .map((d) => d.name)
    .sort();
  if (envs.length === 0) throw new Error(`no environment under ${dist}`);
  const work = mkdtempSync(join(tmpdir(), 'genai-eks-rules-'));
  let failed = 0;
  try {
    for (const env of envs) {
      const r = testEnvironment(promtool.path, env, join(dist, env), join(work, env));
      log(
        `${env}: ${r.groups} rule groups, ${r.queries} other queries parsed, ${r.files.length} test files: ${r.ok ? 'passed' : 'FAILED'}`,
      );
      if (!r.ok) {
        failed++;
        log(r.output);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  log(
    `test:rules: ${envs.length - failed} of ${envs.length} environments passed (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`test:rules failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
