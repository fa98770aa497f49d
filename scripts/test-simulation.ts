/**
 * npm run test:simulation — the simulated cluster tier (docs/testing.md).
 *
 * For every environment in dist/k8s: a fresh control plane with kube-controller-manager,
 * kube-scheduler, kwok, Karpenter's kwok provider and the KubeRay operator; the layers built by
 * Flux's library and applied; every pod scheduled on the nodes Karpenter launches. Prints each
 * environment's phases, every pod that is not Ready with the scheduler's and Karpenter's
 * reasons, placements, NodePool limits, the peak hourly cost beside the report's ceiling, and
 * ends with `simulation: N passed, M failed`; exit 1 on any failure.
 *
 *   --crds DIR          CRD directory (or TEST_CLUSTER_CRDS); required
 *   --chart-values DIR  charts' default values (default <crds>/../helm-chart-values)
 *   --env NAME          only this environment (repeatable)
 *   --dist DIR          rendered manifests (default dist/k8s)
 *   --parallel N        environments at once (default 3)
 *   --timeout S         longest wait per phase (default 240)
 *   --self-test         planted faults instead of the environments
 *   --with-self-test    the planted faults too, beside the environments (one snapshot, one last line)
 *   --keep              keep the temporary directories (logs of every process)
 *   --build-only        find or build the binaries, then exit
 *   --update-go-mod     rewrite test/simulation/tools/<name>/go.mod from clusters/versions.ts
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadEnvironments } from '../render/load.js';
import { parseTree, readTreeFiles } from '../review/objects.js';
import { environmentReport } from '../review/report.js';
import { bootstrapSnapshot } from '../test/cluster/apply.js';
import { runCommand } from '../test/cluster/command.js';
import { crdsServing, readCrds } from '../test/cluster/manifests.js';
import { ensureSimBinaries, updateSimGoMods } from '../test/simulation/binaries.js';
import { NOT_MODELLED } from '../test/simulation/modelled.js';
import { type SimReport, simulateEnvironment } from '../test/simulation/run.js';
import { simulationSelfTest } from '../test/simulation/self-test.js';

const log = (s: string) => console.log(s);
const cleanups: (() => void)[] = [];
const usd = (n: number) => `$${n.toFixed(2)}`;

/** Prints one environment; returns its checks passed and failed. */
function printReport(r: SimReport, ceiling: number | undefined): { passed: number; failed: number } {
  let passed = 0;
  let failed = 0;
  const applied = r.outcomes.filter((o) => o.outcome === 'applied').length;
  passed += applied;
  failed += r.outcomes.length - applied;
  log(
    `${r.env}: ${r.outcomes.length} objects applied through Flux's build (${r.modelled} modelled chart and add-on workloads, ${r.built} pods built for the spawner and workflow controller); ${r.seconds.toFixed(0)}s in all`,
  );
  for (const ph of r.phases) {
    log(
      `  ${ph.phase}: ${ph.ready}/${ph.pods} pods Ready, ${ph.nodes} nodes, ${usd(ph.usdPerHour)}/h (${ph.seconds.toFixed(0)}s)`,
    );
    for (const n of ph.notes) log(`    ${n}`);
    passed += ph.ready;
    failed += ph.notReady.length;
    for (const p of ph.notReady) log(`    PENDING ${p.id}\n      ${p.reason}`);
    log(
      `    placements: ${ph.placement.checked} accelerator pods checked, ${ph.placement.problems.length} off their placement`,
    );
    passed += ph.placement.checked - ph.placement.problems.length;
    failed += ph.placement.problems.length;
    for (const p of ph.placement.problems) log(`    PLACEMENT ${p}`);
    if (ph.jobs.complete.length + ph.jobs.incomplete.length)
      log(`    jobs: ${ph.jobs.complete.length} complete, ${ph.jobs.incomplete.length} not`);
    for (const j of ph.jobs.complete) log(`      ${j}`);
    passed += ph.jobs.complete.length;
    failed += ph.jobs.incomplete.length;
    for (const j of ph.jobs.incomplete) log(`    JOB ${j}`);
    for (const pool of ph.pools) {
      const lim = pool.limits;
      const devices = [...pool.devices].map(([k, v]) => `${v}/${lim.devices.get(k) ?? '∞'} ${k}`).join(', ');
      log(
        `    pool ${pool.pool}: ${pool.nodes} nodes, ${pool.cpu}/${lim.cpu ?? '∞'} vCPU, ${pool.memoryGiB}/${lim.memoryGiB ?? '∞'} GiB${devices ? `, ${devices}` : ''}`,
      );
      if (pool.problems.length) failed += pool.problems.length;
      else passed++;
      for (const p of pool.problems) log(`    LIMIT pool ${pool.pool}: ${p}`);
    }
  }
  log(
    `  peak cost ${usd(r.peakUsdPerHour)}/h of launched and system nodes (on-demand list prices) vs the report's ceiling ${ceiling === undefined ? 'unknown (a pool has no bound)' : `${usd(ceiling)}/h`}`,
  );
  if (ceiling !== undefined && r.peakUsdPerHour > ceiling + 1e-9) {
    failed++;
    log(`  COST the peak exceeds the ceiling`);
  }
  for (const u of r.unpriced) log(`  unpriced node ${u}`);
  failed += r.problems.length;
  for (const p of r.problems) log(`  PROBLEM ${p}`);
  return { passed, failed };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      crds: { type: 'string' },
      'chart-values': { type: 'string' },
      env: { type: 'string', multiple: true },
      dist: { type: 'string', default: 'dist/k8s' },
      parallel: { type: 'string', default: '3' },
      timeout: { type: 'string', default: '240' },
      'self-test': { type: 'boolean', default: false },
      'with-self-test': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      'build-only': { type: 'boolean', default: false },
      'update-go-mod': { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values['update-go-mod']) {
    updateSimGoMods(log);
    return 0;
  }
  const started = Date.now();
  const bins = await ensureSimBinaries(log);
  for (const s of bins.sources) log(`test:simulation: ${s}`);
  if (values['build-only']) return 0;

  const crdDir = values.crds ?? process.env.TEST_CLUSTER_CRDS;
  if (!crdDir)
    throw new Error(
      'no CRD directory: pass --crds DIR or set TEST_CLUSTER_CRDS (CI uses ../shared/reference/crds)',
    );
  if (!existsSync(crdDir)) throw new Error(`--crds ${crdDir}: no such directory`);
  // Karpenter's own CRDs come from the pinned kwok provider (the controller that runs); the
  // AWS provider's EC2NodeClass is translated away (test/simulation/nodepools.ts).
  const kwokCrds = readCrds(bins.karpenterCrds);
  const kwokGroups = new Set(kwokCrds.map((c) => (c.spec as { group: string }).group));
  // Only the CRDs that serve a kind some environment's objects have, plus every CRD of the
  // controllers that run here: Karpenter's, and KubeRay's (the v1.5.0 operator sets up its
  // RayCluster, RayService and RayJob controllers unconditionally:
  // ray-project/kuberay@v1.5.0 ray-operator/main.go). See crdsServing.
  // The rendered tree, parsed once: its objects' kinds here, each environment's report below.
  const trees = parseTree(readTreeFiles(resolve(values.dist, '..')));
  const types = [...trees.values()].flatMap((t) => [...t.kubernetes.values()]);
  const crds = crdsServing(
    [
      ...readCrds(crdDir).filter((c) => {
        const group = (c.spec as { group: string }).group;
        return !kwokGroups.has(group) && group !== 'karpenter.k8s.aws';
      }),
      ...kwokCrds,
    ],
    types,
    new Set([...kwokGroups, 'ray.io']),
  );
  const crdNames = crds.map((c) => c.metadata.name);
  const chartValuesDir = values['chart-values'] ?? resolve(crdDir, '../helm-chart-values');
  const timeout = Number(values.timeout);

  const snapshot = await bootstrapSnapshot(bins, crds, { keep: values.keep, log });

  if (values['self-test']) {
    log(
      'simulation self-test: planted faults must end Pending with the reason; each has a twin that must be Ready',
    );
    const r = await simulationSelfTest(bins, snapshot, crdNames, { keep: values.keep, log, timeout });
    log(`simulation self-test: ${r.passed} passed, ${r.failed} failed`);
    return r.failed === 0 && r.passed > 0 ? 0 : 1;
  }

  const dist = values.dist;
  const envs = await loadEnvironments('clusters');
  const names = readdirSync(dist, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  for (const wanted of values.env ?? []) {
    if (!names.includes(wanted))
      throw new Error(`--env ${wanted}: no ${join(dist, wanted)} (have: ${names.join(', ')})`);
  }
  const selected = envs.filter(
    (e) => names.includes(e.name) && (!values.env?.length || values.env.includes(e.name)),
  );
  if (selected.length === 0) throw new Error(`${dist}: no environment to simulate`);
  const { ADDON_CONFIGURATION } = await import('../infra/addons/index.js');
  log(
    `test:simulation: not modelled (their pods are missing from the capacity):\n  - ${NOT_MODELLED.join('\n  - ')}`,
  );

  const queue = [...selected];
  const reports: SimReport[] = [];
  const parallel = Math.max(1, Number(values.parallel));
  // The self-test's lines are printed after the environments', not interleaved with them.
  const selfTestLines: string[] = [];
  const selfTest = values['with-self-test']
    ? simulationSelfTest(bins, snapshot, crdNames, {
        keep: values.keep,
        log: (s) => selfTestLines.push(s),
        timeout,
      })
    : undefined;
  await Promise.all(
    Array.from({ length: Math.min(parallel, queue.length) }, async () => {
      for (let env = queue.shift(); env; env = queue.shift()) {
        reports.push(
          await simulateEnvironment(env, join(dist, env.name), {
            bins,
            snapshot,
            crdNames,
            chartValuesDir: existsSync(chartValuesDir) ? chartValuesDir : undefined,
            addonConfiguration: ADDON_CONFIGURATION as Record<string, object | undefined>,
            keep: values.keep,
            log,
            phaseTimeout: timeout,
          }),
        );
      }
    }),
  );
  let passed = 0;
  let failed = 0;
  for (const r of reports.sort((a, b) => a.env.localeCompare(b.env))) {
    const env = selected.find((e) => e.name === r.env)!;
    const ceiling = environmentReport(env, trees.get(env.name)).maxUsdPerHour;
    const c = printReport(r, ceiling);
    passed += c.passed;
    failed += c.failed;
  }
  if (selfTest) {
    const st = await selfTest;
    log('self-test: planted faults must end Pending with the reason; each has a twin that must be Ready');
    for (const line of selfTestLines) log(line);
    log(`self-test: ${st.passed} passed, ${st.failed} failed`);
    passed += st.passed;
    failed += st.failed;
  }
  log(`test:simulation: ${reports.length} environment(s) in ${Math.round((Date.now() - started) / 1000)}s`);
  log(`simulation: ${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

runCommand('test:simulation', 'every process and any go build', main, cleanups);
