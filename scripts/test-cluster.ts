/**
 * npm run test:cluster — the API-server tier (docs/testing.md).
 *
 * For every environment in dist/k8s: a fresh etcd + kube-apiserver on loopback, the CRDs of
 * the CRD directory installed and Established, the namespaces created, then every object
 * server-side applied after contract-variable substitution. Prints every rejection with the
 * server's message and ends with `apiserver: N passed, M failed` (objects); exit 1 on any
 * failure.
 *
 *   --crds DIR        CRD directory (or TEST_CLUSTER_CRDS); required
 *   --env NAME        only this environment (repeatable)
 *   --dist DIR        rendered manifests (default dist/k8s)
 *   --self-test       prove the tier rejects invalid objects instead (needs the CRD directory)
 *   --validator PATH  offline validator for the self-test comparison
 *                     (default: <crds>/../../tools/validate-manifests/run when present)
 *   --keep            keep the temporary directories (logs, certificates)
 *   --build-only      find or build the binaries, then exit
 *   --update-go-mod   rewrite test/cluster/tools/go.mod and go.sum from clusters/versions.ts
 *   --print-kubernetes-version  print the pinned kube-apiserver version (for setup-envtest)
 *
 * Binaries: KUBEBUILDER_ASSETS when set, else built with Go and cached (test/cluster/binaries.ts).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { versions } from '../clusters/versions.js';
import { loadEnvironments } from '../render/load.js';
import { bootstrapSnapshot, type EnvironmentReport, testEnvironment } from '../test/cluster/apply.js';
import { ensureBinaries, updateGoMod } from '../test/cluster/binaries.js';
import { runCommand } from '../test/cluster/command.js';
import {
  chartRenderedRules,
  crdsServing,
  type EnvObject,
  loadEnvironmentObjects,
  readCrds,
  testClusterVars,
} from '../test/cluster/manifests.js';
import { selfTest } from '../test/cluster/self-test.js';

const log = (s: string) => console.log(s);
/** Temporary directories of this run, removed on exit (also on SIGINT/SIGTERM). */
const cleanups: (() => void)[] = [];

function printReport(r: EnvironmentReport): { passed: number; failed: number } {
  const applied = r.outcomes.filter((o) => o.outcome === 'applied');
  const rejected = r.outcomes.filter((o) => o.outcome === 'rejected');
  const unknown = r.outcomes.filter((o) => o.outcome === 'unknown-kind');
  const dry = applied.filter((o) => o.dryRun).length;
  log(
    `${r.env}: ${r.crds} CRDs established (${r.timing.crds.toFixed(1)}s); ${r.outcomes.length} objects: ${applied.length} applied` +
      `${dry ? ` (${dry} with dryRun=All)` : ''}, ${rejected.length} rejected, ${unknown.length} of kinds the server does not serve` +
      ` (${r.timing.objects.toFixed(1)}s; ${r.seconds.toFixed(1)}s in all)`,
  );
  for (const o of rejected) log(`  REJECTED ${r.env}/${o.file} (${o.id}): ${o.message}`);
  for (const o of unknown) log(`  NOT SERVED ${r.env}/${o.file} (${o.id}): ${o.message}`);
  for (const o of applied) for (const w of o.warnings) log(`  warning ${r.env}/${o.file} (${o.id}): ${w}`);
  return { passed: applied.length, failed: rejected.length + unknown.length };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      crds: { type: 'string' },
      env: { type: 'string', multiple: true },
      dist: { type: 'string', default: 'dist/k8s' },
      'self-test': { type: 'boolean', default: false },
      validator: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'build-only': { type: 'boolean', default: false },
      'update-go-mod': { type: 'boolean', default: false },
      'print-kubernetes-version': { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values['print-kubernetes-version']) {
    log(versions.kubeApiserver);
    return 0;
  }
  if (values['update-go-mod']) {
    updateGoMod(log);
    return 0;
  }
  const started = Date.now();
  const bins = await ensureBinaries(log);
  log(`test:cluster: etcd and kube-apiserver from ${bins.source}`);
  if (values['build-only']) return 0;

  const crdDir = values.crds ?? process.env.TEST_CLUSTER_CRDS;
  if (!crdDir) {
    throw new Error(
      'no CRD directory: pass --crds DIR or set TEST_CLUSTER_CRDS (CI uses ../shared/reference/crds)',
    );
  }
  if (!existsSync(crdDir)) throw new Error(`--crds ${crdDir}: no such directory`);
  const crds = readCrds(crdDir);
  const keep = values.keep;

  if (values['self-test']) {
    const defaultValidator = resolve(crdDir, '../../tools/validate-manifests/run');
    const validator = values.validator ?? (existsSync(defaultValidator) ? defaultValidator : undefined);
    log(`self-test: ${crds.length} CRDs available; offline validator ${validator ?? 'not found'}`);
    const r = await selfTest(bins, crds, { validator, keep, log });
    log(`test:cluster self-test: ${r.passed} passed, ${r.failed} failed`);
    return r.failed === 0 && r.passed > 0 ? 0 : 1;
  }

  const dist = values.dist;
  const loaded = await loadEnvironments('clusters');
  const byName = new Map(loaded.map((e) => [e.name, e]));
  const envNames = readdirSync(dist, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  for (const wanted of values.env ?? []) {
    if (!envNames.includes(wanted))
      throw new Error(`--env ${wanted}: no ${join(dist, wanted)} (have: ${envNames.join(', ')})`);
  }
  const selected = values.env?.length ? envNames.filter((n) => values.env?.includes(n)) : envNames;
  if (selected.length === 0) throw new Error(`${dist}: no environment directories`);

  let passed = 0;
  let failed = 0;
  // Read and substitute every environment first: a bad file fails before any server starts.
  const plans: { name: string; objects: EnvObject[] }[] = [];
  for (const name of selected) {
    const env = byName.get(name);
    if (!env) {
      log(`${name}: ${join(dist, name)} has no environment file clusters/${name}.ts`);
      failed++;
      continue;
    }
    try {
      const objects = loadEnvironmentObjects(join(dist, name), testClusterVars(env), name);
      // Objects a chart makes from our values, where their schema is worth the API server's check.
      plans.push({ name, objects: [...objects, ...chartRenderedRules(objects)] });
    } catch (e) {
      log(`FAILED ${e instanceof Error ? e.message : String(e)}`);
      failed++;
    }
  }
  if (plans.length) {
    // The CRDs that serve a kind of these objects (crdsServing): one serving none checks nothing.
    const needed = crdsServing(
      crds,
      plans.flatMap((p) => p.objects.map((o) => o.manifest)),
    );
    const snapshot = await bootstrapSnapshot(bins, needed, { keep, log });
    // Side by side (each its own control plane from the snapshot); reports printed in order.
    const reports = await Promise.all(
      plans.map(({ name, objects }) => testEnvironment(bins, name, objects, needed, { keep, log, snapshot })),
    );
    for (const report of reports) {
      const counts = printReport(report);
      passed += counts.passed;
      failed += counts.failed;
    }
  }
  log(`test:cluster: ${selected.length} environment(s) in ${Math.round((Date.now() - started) / 1000)}s`);
  log(`apiserver: ${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

runCommand('test:cluster', 'etcd, kube-apiserver and any go build', main, cleanups);
