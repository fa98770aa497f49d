/**
 * Applies one environment to a fresh control plane: CRDs from the reference directory
 * (waiting until Established), the namespaces a bootstrapped cluster already has, then every
 * object of dist/k8s/<env> with server-side apply. Reports every object's outcome.
 */
import type { KubeManifest } from '../../../apps/index.js';
import type { Binaries } from './binaries.js';
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
  readonly outcomes: readonly ObjectOutcome[];
  readonly seconds: number;
}

export function objectId(m: KubeManifest): string {
  return `${m.kind} ${m.metadata.namespace ? `${m.metadata.namespace}/` : ''}${m.metadata.name}`;
}

/** Installs CRDs (persisted) and waits until all are Established. Throws on any rejection. */
export async function installCrds(client: KubeClient, crds: readonly KubeManifest[]): Promise<void> {
  const problems: string[] = [];
  for (const crd of crds) {
    const r = await client.apply(crd);
    if (r.outcome !== 'applied') problems.push(`${crd.metadata.name}: ${r.message}`);
  }
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

/**
 * One environment in its own control plane: started, loaded with the CRDs and the
 * pre-existing namespaces, applied, stopped (also when anything throws).
 */
export async function testEnvironment(
  bins: Binaries,
  env: string,
  objects: readonly EnvObject[],
  crds: readonly KubeManifest[],
  opts: { keep?: boolean; log: (s: string) => void },
): Promise<EnvironmentReport> {
  const started = Date.now();
  const plane = await startControlPlane(bins, opts);
  try {
    opts.log(
      `${env}: kube-apiserver ready at ${plane.client.server} after ${Math.round((Date.now() - started) / 1000)}s`,
    );
    await installCrds(plane.client, crds);
    await ensureNamespaces(plane.client, PREEXISTING_NAMESPACES);
    const outcomes = await applyObjects(plane.client, objects);
    return { env, crds: crds.length, outcomes, seconds: (Date.now() - started) / 1000 };
  } finally {
    plane.client?.close();
    await plane.stop();
  }
}
