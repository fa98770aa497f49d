/**
 * The render pipeline: load and validate environments, build every environment's Kubernetes
 * objects (cdk8s) and Terraform JSON (cdktf) in memory, then write them out atomically.
 * Nothing touches the output directory until every environment has rendered.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { type RenderedObject, renderCluster } from '../../apps/index.js';
import type { Environment } from '../../clusters/lib/resolve.js';
import { App } from '../../infra/cdktf.js';
import { EnvironmentStack } from '../../infra/index.js';
import { loadEnvironments } from '../../render/load.js';

export type Part = 'k8s' | 'terraform';
export const PARTS: readonly Part[] = ['k8s', 'terraform'];

export interface RenderOptions {
  /** Directory holding the environment files. */
  readonly clustersDir: string;
  /** Only these environments (all when empty or absent). */
  readonly only?: readonly string[];
  /** Only these parts (both when absent). */
  readonly parts?: readonly Part[];
  /** cdktf output directory for the cdktf CLI (its manifest and stacks); none when absent. */
  readonly cdktfOutdir?: string;
}

export interface EnvironmentRender {
  readonly env: Environment;
  /** Relative path under the output directory -> file content. */
  readonly files: ReadonlyMap<string, string>;
  readonly kubernetesObjects: number;
  readonly terraformResources: number;
  readonly millis: number;
}

export class RenderError extends Error {
  override name = 'RenderError';
}

/** Renders in memory. Throws (EnvironmentError or RenderError) before anything is written. */
export async function render(opts: RenderOptions): Promise<EnvironmentRender[]> {
  // cdktf records the creation stack of every token (Lazy, Intrinsic) with an unlimited stack
  // depth; with source maps enabled (tsx enables them) each of those stacks is source-mapped,
  // which cost about a fifth of the render's CPU time in a profile (`node --cpu-prof`, see
  // docs/performance.md). The stacks are never shown, so source maps are off while rendering.
  const sourceMaps = process.sourceMapsEnabled;
  process.setSourceMapsEnabled(false);
  try {
    return await renderAll(opts);
  } finally {
    process.setSourceMapsEnabled(sourceMaps);
  }
}

async function renderAll(opts: RenderOptions): Promise<EnvironmentRender[]> {
  const all = await loadEnvironments(opts.clustersDir);
  const selected = select(all, opts.only);
  const parts = opts.parts ?? PARTS;
  const app = parts.includes('terraform')
    ? new App({ outdir: opts.cdktfOutdir ?? '/nonexistent-cdktf-outdir', stackTraces: false })
    : undefined;
  const results: EnvironmentRender[] = [];
  for (const env of selected) {
    const started = performance.now();
    const files = new Map<string, string>();
    let kubernetesObjects = 0;
    let terraformResources = 0;
    try {
      if (parts.includes('k8s')) {
        const objects = renderCluster(env, all);
        kubernetesObjects = objects.length;
        for (const [path, content] of kubernetesFiles(env.name, objects)) files.set(path, content);
      }
      if (app) {
        const stack = new EnvironmentStack(app, env, all);
        const tf = stack.toTerraform() as { resource?: Record<string, Record<string, unknown>> };
        terraformResources = Object.values(tf.resource ?? {}).reduce((n, r) => n + Object.keys(r).length, 0);
        files.set(`terraform/${env.name}/cdk.tf.json`, `${JSON.stringify(sortKeys(tf), null, 2)}\n`);
      }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new RenderError(message.startsWith(`${env.name}: `) ? message : `${env.name}: ${message}`);
    }
    results.push({ env, files, kubernetesObjects, terraformResources, millis: performance.now() - started });
  }
  if (app && opts.cdktfOutdir) app.synth();
  return results;
}

function select(loaded: readonly Environment[], only?: readonly string[]): readonly Environment[] {
  if (!only || only.length === 0) return loaded;
  const names = new Set(loaded.map((e) => e.name));
  const unknown = only.filter((n) => !names.has(n));
  if (unknown.length > 0) {
    throw new RenderError(
      `--env: unknown environment ${unknown.join(', ')} (known: ${[...names].join(', ')})`,
    );
  }
  return loaded.filter((e) => only.includes(e.name));
}

/** One file per object: dist/k8s/<env>/<layer>/<kind>[-<namespace>]-<name>.yaml */
export function kubernetesFiles(envName: string, objects: readonly RenderedObject[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const { layer, manifest } of objects) {
    const { kind, metadata } = manifest;
    if (!metadata?.name) {
      throw new RenderError(`${layer}: a ${kind} has no metadata.name (names must be explicit)`);
    }
    const parts = [kind.toLowerCase(), metadata.namespace, metadata.name].filter(Boolean);
    const path = `k8s/${envName}/${layer}/${parts.join('-')}.yaml`;
    if (files.has(path)) {
      throw new RenderError(
        `${layer}: two objects would be written to ${path} (${kind} ${metadata.namespace ?? ''}/${metadata.name})`,
      );
    }
    files.set(path, toYaml(manifest));
  }
  return files;
}

/** Deterministic YAML: keys sorted, no line folding. */
export function toYaml(value: unknown): string {
  return stringify(sortKeys(value), { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
}

export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** The directories under `outDir` that a render of these environments and parts owns. */
export function ownedDirs(results: readonly EnvironmentRender[], parts: readonly Part[]): string[] {
  return results.flatMap((r) => parts.map((p) => `${p}/${r.env.name}`));
}

/**
 * Writes a render into `outDir` atomically. With `full`, each part's directory is replaced as a
 * whole (a removed environment disappears); otherwise only the rendered environments' folders.
 * Files are first written to a sibling temporary directory, then swapped in with renames.
 */
export function writeRender(
  outDir: string,
  results: readonly EnvironmentRender[],
  opts: { parts: readonly Part[]; full: boolean },
): void {
  const out = resolve(outDir);
  const stamp = `${process.pid}-${Date.now()}`;
  const tmp = join(dirname(out), `.render-tmp-${stamp}`);
  const old = join(dirname(out), `.render-old-${stamp}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    for (const r of results) {
      for (const [path, content] of r.files) {
        const file = join(tmp, path);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, content);
      }
    }
    mkdirSync(out, { recursive: true });
    const swaps = opts.full ? [...opts.parts] : ownedDirs(results, opts.parts);
    for (const rel of swaps) {
      const target = join(out, rel);
      const fresh = join(tmp, rel);
      mkdirSync(dirname(target), { recursive: true });
      mkdirSync(dirname(join(old, rel)), { recursive: true });
      if (existsSync(target)) renameSync(target, join(old, rel));
      if (existsSync(fresh)) renameSync(fresh, target);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(old, { recursive: true, force: true });
  }
}

/** Lists every file under `dir` as relative paths, sorted. */
export function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...listFiles(join(dir, d.name), rel));
    else out.push(rel);
  }
  return out.sort();
}

/** Files that differ between two trees: added, removed or changed, as relative paths. */
export function compareTrees(
  expectedDir: string,
  actualDir: string,
): { added: string[]; removed: string[]; changed: string[] } {
  const expected = new Set(listFiles(expectedDir));
  const actual = new Set(listFiles(actualDir));
  const added = [...actual].filter((f) => !expected.has(f));
  const removed = [...expected].filter((f) => !actual.has(f));
  const changed = [...actual].filter(
    (f) => expected.has(f) && !readFileSync(join(expectedDir, f)).equals(readFileSync(join(actualDir, f))),
  );
  return { added, removed, changed };
}
