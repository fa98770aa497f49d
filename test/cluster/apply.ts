/**
 * Applies one environment to a fresh control plane: CRDs from the reference directory
 * (waiting until Established), the namespaces a bootstrapped cluster already has, then every
 * object of dist/k8s/<env> with server-side apply. Reports every object's outcome.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeManifest } from '../../apps/index.js';
import { type Binaries, buildIntoCache, cacheRoot } from './binaries.js';
import { startControlPlane } from './control-plane.js';
import type { KubeClient } from './kube.js';
import { applyOrder, dryRunFor, type EnvObject, isCrd } from './manifests.js';

/** Namespaces that exist in a real cluster before Flux applies dist/: Flux's own (bootstrap). */
export const PREEXISTING_NAMESPACES = ['flux-system'];

export interface ObjectOutcome {
  readonly file: string;
  /** `Kind namespace/name`. */
  readonly id: string;
  readonly outcome: 'applied' | 'rejected' | 'unknown-kind';
  readonly dryRun: boolean;
  readonly message?: string;
  readonly warnings: readonly string[];
}

export interface EnvironmentReport {
  readonly env: string;
  readonly crds: number;
  /** Seconds until the control plane was ready, the CRDs Established, and all objects applied. */
  readonly timing: { readonly start: number; readonly crds: number; readonly objects: number };
  readonly outcomes: readonly ObjectOutcome[];
  readonly seconds: number;
}

export function objectId(m: KubeManifest): string {
  return `${m.kind} ${m.metadata.namespace ? `${m.metadata.namespace}/` : ''}${m.metadata.name}`;
}

/** Installs CRDs (persisted) and waits until all are Established. Throws on any rejection. */
export async function installCrds(client: KubeClient, crds: readonly KubeManifest[]): Promise<void> {
  const problems: string[] = [];
  // A few at a time: each CRD makes the server rebuild its OpenAPI, so more in flight buys nothing.
  const queue = [...crds];
  const worker = async () => {
    for (let crd = queue.shift(); crd; crd = queue.shift()) {
      const r = await client.apply(crd);
      if (r.outcome !== 'applied') problems.push(`${crd.metadata.name}: ${r.message}`);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  if (problems.length) throw new Error(`CRDs rejected:\n  ${problems.join('\n  ')}`);
  await client.waitEstablished(crds.map((c) => c.metadata.name));
}

export async function ensureNamespaces(client: KubeClient, names: readonly string[]): Promise<void> {
  for (const name of names) {
    const r = await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    if (r.outcome !== 'applied') throw new Error(`namespace ${name}: ${r.message}`);
  }
}

/** Applies objects in order (see applyOrder); CRDs among them are awaited before what follows. */
export async function applyObjects(
  client: KubeClient,
  objects: readonly EnvObject[],
): Promise<ObjectOutcome[]> {
  const ordered = applyOrder(objects);
  const outcomes: ObjectOutcome[] = [];
  const pendingCrds: string[] = [];
  for (const o of ordered) {
    if (pendingCrds.length && !isCrd(o.manifest)) {
      await client.waitEstablished(pendingCrds.splice(0));
    }
    const dryRun = dryRunFor(o.manifest);
    const r = await client.apply(o.manifest, { dryRun });
    const base = { file: o.file, id: objectId(o.manifest), dryRun };
    if (r.outcome === 'applied') {
      outcomes.push({ ...base, outcome: 'applied', warnings: r.warnings });
      if (isCrd(o.manifest)) pendingCrds.push(o.manifest.metadata.name);
    } else {
      outcomes.push({ ...base, outcome: r.outcome, message: r.message, warnings: [] });
    }
  }
  if (pendingCrds.length) await client.waitEstablished(pendingCrds);
  return outcomes;
}

/** Bootstrap snapshots kept in the cache (the most recently used; each is etcd's data, about 85 MB). */
const KEEP_SNAPSHOTS = 4;

/**
 * The state of a freshly bootstrapped cluster: a control plane with the CRDs installed and
 * Established and the pre-existing namespaces, stopped, its etcd data directory kept. Each
 * environment then starts its own control plane from a copy, instead of installing every CRD
 * again (the slow part: each CRD rebuilds the OpenAPI, about 25 s for the reference CRDs).
 *
 * Made once and cached like the binaries it comes from, under
 * `${XDG_CACHE_HOME:-~/.cache}/genai-eks/apiserver/snapshots/<key>`: the key covers the etcd and
 * kube-apiserver binaries, every CRD's content and the namespaces, so a changed CRD or version
 * makes a new one. Returns the etcd data directory; control planes copy it
 * (StartOptions.etcdSeed) and never write to it.
 */
export async function bootstrapSnapshot(
  bins: Binaries,
  crds: readonly KubeManifest[],
  opts: { keep?: boolean; log: (s: string) => void },
): Promise<string> {
  const root = join(cacheRoot(), 'snapshots');
  const dir = join(root, snapshotKey(bins, crds));
  const etcd = join(dir, 'etcd');
  const what = `${crds.length} CRDs Established, namespaces ${PREEXISTING_NAMESPACES.join(', ')}`;
  if (existsSync(etcd)) {
    const now = new Date();
    utimesSync(dir, now, now); // most recently used, for pruning
    opts.log(`test:cluster: bootstrap snapshot (${what}): cache ${dir}`);
    return etcd;
  }
  const seconds = await buildIntoCache(dir, async (tmp) => {
    const plane = await startControlPlane(bins, opts);
    try {
      await installCrds(plane.client, crds);
      await ensureNamespaces(plane.client, PREEXISTING_NAMESPACES);
    } catch (e) {
      await plane.stop();
      throw e;
    }
    await plane.stop({ saveEtcdTo: join(tmp, 'etcd') });
  });
  pruneSnapshots(root);
  opts.log(`test:cluster: bootstrap snapshot (${what}): made in ${seconds}s, cached in ${dir}`);
  return etcd;
}

/** What a snapshot is made of: the binaries (path, size, modification time), the CRDs, the namespaces. */
export function snapshotKey(bins: Binaries, crds: readonly KubeManifest[]): string {
  const h = createHash('sha256');
  for (const bin of [bins.etcd, bins.kubeApiserver]) {
    const s = statSync(bin);
    h.update(`${bin}\0${s.size}\0${s.mtimeMs}\0`);
  }
  for (const crd of [...crds].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)))
    h.update(JSON.stringify(crd)).update('\0');
  h.update(JSON.stringify(PREEXISTING_NAMESPACES));
  return h.digest('hex').slice(0, 24);
}

function pruneSnapshots(root: string): void {
  const entries = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.includes('.tmp-'))
    .map((d) => ({ dir: join(root, d.name), t: statSync(join(root, d.name)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { dir } of entries.slice(KEEP_SNAPSHOTS)) rmSync(dir, { recursive: true, force: true });
}

/**
 * One environment in its own control plane, started from the bootstrap snapshot (CRDs and
 * pre-existing namespaces already there), applied, stopped (also when anything throws).
 */
export async function testEnvironment(
  bins: Binaries,
  env: string,
  objects: readonly EnvObject[],
  crds: readonly KubeManifest[],
  opts: { keep?: boolean; log: (s: string) => void; snapshot: string },
): Promise<EnvironmentReport> {
  const started = Date.now();
  const since = (t: number) => (Date.now() - t) / 1000;
  const plane = await startControlPlane(bins, { ...opts, etcdSeed: opts.snapshot });
  try {
    const start = since(started);
    opts.log(`${env}: kube-apiserver ready at ${plane.client.server} after ${start.toFixed(1)}s`);
    const t1 = Date.now();
    // From the snapshot: every CRD must be there and Established again before anything is applied.
    await plane.client.waitEstablished(crds.map((c) => c.metadata.name));
    const crdSeconds = since(t1);
    const t2 = Date.now();
    const outcomes = await applyObjects(plane.client, objects);
    return {
      env,
      crds: crds.length,
      outcomes,
      seconds: since(started),
      timing: { start, crds: crdSeconds, objects: since(t2) },
    };
  } finally {
    await plane.stop();
  }
}
