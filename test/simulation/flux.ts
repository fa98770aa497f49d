/**
 * The layers, built the way Flux builds them: our flux-build program (tools/flux, Flux's own
 * github.com/fluxcd/pkg/kustomize) run on a scratch copy of the environment's folder for each
 * Kustomization, in the order Flux reconciles them (`dependsOn`), with post-build substitution
 * reading `cluster-vars` from the simulated cluster.
 *
 * The root Kustomization is the one infra/flux installs with the flux2-sync chart (path
 * `layerPath(env, 'flux-system')`, no post-build substitution): rebuilt here from the contract,
 * as infra/flux builds it. Kustomizations whose source is not this repository (the Gateway API
 * CRDs from their GitRepository) are not built: their CRDs come from the CRD directory.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { KubeManifest } from '../../apps/index.js';
import { FLUX, layerPath } from '../../clusters/contract.js';

const run = promisify(execFile);

export interface Kustomization extends KubeManifest {
  readonly spec: {
    readonly path?: string;
    readonly dependsOn?: readonly { name: string; namespace?: string }[];
    readonly sourceRef?: { kind: string; name: string };
    readonly postBuild?: unknown;
  };
}

export function isKustomization(m: KubeManifest): m is Kustomization {
  return m.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/') && m.kind === 'Kustomization';
}

/** The root Kustomization infra/flux installs (flux2-sync chart values in infra/flux/index.ts). */
export function rootKustomization(env: string): Kustomization {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: FLUX.gitRepository, namespace: FLUX.namespace },
    spec: {
      path: layerPath(env, 'flux-system'),
      prune: true,
      interval: '10m',
      sourceRef: { kind: 'GitRepository', name: FLUX.gitRepository },
    } as Kustomization['spec'],
  };
}

/**
 * Kustomizations in the order Flux can reconcile them: each after those it depends on.
 * Throws on a cycle or an unknown dependency, naming them.
 */
export function dependencyOrder(ks: readonly Kustomization[]): Kustomization[] {
  const byName = new Map(ks.map((k) => [k.metadata.name, k]));
  const out: Kustomization[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (k: Kustomization, path: string[]) => {
    const name = k.metadata.name;
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting')
      throw new Error(`Kustomization dependency cycle: ${[...path, name].join(' -> ')}`);
    state.set(name, 'visiting');
    for (const d of k.spec.dependsOn ?? []) {
      const dep = byName.get(d.name);
      if (!dep) throw new Error(`Kustomization ${name} depends on ${d.name}, which no layer defines`);
      visit(dep, [...path, name]);
    }
    state.set(name, 'done');
    out.push(k);
  };
  for (const k of [...ks].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) visit(k, []);
  return out;
}

/** Whether Flux builds this Kustomization from this repository (its GitRepository). */
export function fromThisRepository(k: Kustomization): boolean {
  return k.spec.sourceRef?.kind === 'GitRepository' && k.spec.sourceRef.name === FLUX.gitRepository;
}

/**
 * A scratch copy of the environment's rendered folder at the path the Kustomizations name
 * (`<work>/dist/k8s/<env>`), which the generator may write kustomization.yaml files into.
 */
export function scratchRepository(distEnvDir: string, env: string, work: string): string {
  const target = join(work, 'dist', 'k8s', env);
  mkdirSync(join(work, 'dist', 'k8s'), { recursive: true });
  cpSync(distEnvDir, target, { recursive: true });
  return work;
}

/** Runs flux-build for one Kustomization; returns its objects or throws with its message. */
export async function buildKustomization(
  fluxBuild: string,
  kubeconfig: string,
  k: Kustomization,
  work: string,
): Promise<KubeManifest[]> {
  const file = join(work, `kustomization-${k.metadata.name}.json`);
  writeFileSync(file, JSON.stringify(k));
  // Asynchronous: the environments run side by side in one process, and a synchronous spawn
  // would stop every other environment's polling and applying while this one builds.
  const stdout = await run(fluxBuild, ['-kubeconfig', kubeconfig, '-kustomization', file, '-workdir', work], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  }).then(
    (r) => r.stdout,
    (e: Error & { stderr?: string }) => {
      throw new Error(`flux-build ${k.metadata.name}: ${e.stderr?.trim() || e.message}`);
    },
  );
  const objects: KubeManifest[] = [];
  for (const doc of parseAllDocuments(stdout)) {
    if (doc.errors.length)
      throw new Error(`flux-build ${k.metadata.name}: output: ${doc.errors[0]!.message}`);
    const m = doc.toJS() as KubeManifest | null;
    if (m) objects.push(m);
  }
  return objects;
}
