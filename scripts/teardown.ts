/**
 * npm run teardown -- --env NAME --workdir DIR [--yes] [--clusters DIR] [--dist DIR]
 *
 * Takes an environment down in order (infra/teardown.ts): suspend Flux, delete load-balanced
 * Services and Gateways, workloads and claims, NodePools; wait until AWS reports the
 * controllers' resources gone; destroy the bootstrap stage, then the cluster stage. DIR is the
 * working directory holding `cluster/` and `bootstrap/` (docs/infra.md). Without --yes it prints
 * the steps and changes nothing. Needs aws, kubectl and terraform on PATH.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { clusterName } from '../clusters/lib/environment.js';
import { modelBucketName } from '../infra/model-data/index.js';
import { STAGES } from '../infra/stages.js';
import { type Runner, runTeardown, teardownSteps } from '../infra/teardown.js';
import { loadEnvironments } from '../render/load.js';

const shell: Runner = {
  capture: (command, args) =>
    execFileSync(command, [...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
  interactive: (command, args) => {
    execFileSync(command, [...args], { stdio: 'inherit' });
  },
  sleep: (seconds) => {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
  },
  log: (message) => process.stdout.write(`${message}\n`),
};

export async function main(args: readonly string[], runner: Runner = shell): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      env: { type: 'string' },
      workdir: { type: 'string' },
      yes: { type: 'boolean', default: false },
      clusters: { type: 'string', default: 'clusters' },
      dist: { type: 'string', default: 'dist' },
    },
    strict: true,
  });
  if (!values.env || !values.workdir) {
    process.stderr.write('teardown: --env NAME and --workdir DIR are required\n');
    return 2;
  }
  const env = (await loadEnvironments(values.clusters)).find((e) => e.name === values.env);
  if (!env) {
    process.stderr.write(
      `teardown: --env: no environment ${JSON.stringify(values.env)} in ${values.clusters}/\n`,
    );
    return 2;
  }
  const workdir = resolve(values.workdir);
  const missing = STAGES.map((s) => join(workdir, s, 'cdk.tf.json')).filter((f) => !existsSync(f));
  const appsLayer = resolve(values.dist, 'k8s', env.name, 'apps');
  if (!existsSync(appsLayer)) missing.push(appsLayer);
  if (missing.length > 0) {
    process.stderr.write(`teardown: missing ${missing.join(', ')}\n`);
    return 2;
  }
  const name = clusterName(env);
  const steps = teardownSteps({
    environment: env.name,
    cluster: name,
    region: env.region,
    modelBucketPrefix: modelBucketName(name, ''),
    workdir,
    appsLayer,
  });
  if (!values.yes) {
    runner.log(`teardown of ${env.name} (${name}, ${env.region}), working directory ${workdir}:`);
    for (const [i, s] of steps.entries()) runner.log(`${i + 1}. ${s.id}: ${s.what}`);
    runner.log('nothing changed; run again with --yes to take the environment down');
    return 0;
  }
  try {
    runTeardown(steps, runner);
  } catch (e) {
    process.stderr.write(`teardown stopped: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  runner.log(`${env.name} is down`);
  return 0;
}

if (process.argv[1]?.endsWith('teardown.ts')) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
