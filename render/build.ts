/**
 * Builds both programs per environment, in memory: the cdk8s objects (apps/) and the cdktf
 * stack (infra/), serialised into files. Nothing is written here (see write.ts), so a failure
 * in any environment leaves every output untouched.
 */
import { renderCluster } from '../apps/index.js';
import type { Environment } from '../clusters/lib/environment.js';
import { loadEnvironments } from '../clusters/lib/load.js';
import { App } from '../infra/cdktf.js';
import { EnvironmentStack } from '../infra/index.js';
import { RenderError } from './error.js';
import { kubernetesFiles, terraformJson } from './serialise.js';

export type Part = 'k8s' | 'terraform';
export const PARTS: readonly Part[] = ['k8s', 'terraform'];

export interface BuildOptions {
  /** Only these environments (all when empty or absent). */
  readonly only?: readonly string[];
  /** Only these parts (both when absent). */
  readonly parts?: readonly Part[];
  /** cdktf output directory for the cdktf CLI (its manifest and stacks); none when absent. */
  readonly cdktfOutdir?: string;
}

export interface RenderOptions extends BuildOptions {
  /** Directory holding the environment files. */
  readonly clustersDir: string;
}

export interface EnvironmentRender {
  readonly env: Environment;
  /** Relative path under the output directory -> file content. */
  readonly files: ReadonlyMap<string, string>;
  readonly kubernetesObjects: number;
  readonly terraformResources: number;
  readonly millis: number;
}

/** Loads and validates the environments in `clustersDir`, then renders them in memory. */
export async function render(opts: RenderOptions): Promise<EnvironmentRender[]> {
  const all = (await loadEnvironments(opts.clustersDir)).map((l) => l.env);
  return renderEnvironments(all, opts);
}

/**
 * Renders loaded, validated environments in memory: `all` is every environment (cross-environment
 * wiring such as disaster recovery sees them all), `opts.only` the ones to render. Throws a
 * RenderError naming the environment before anything could be written.
 */
export function renderEnvironments(
  all: readonly Environment[],
  opts: BuildOptions = {},
): EnvironmentRender[] {
  // cdktf records the creation stack of every token (Lazy, Intrinsic) with an unlimited stack
  // depth; with source maps enabled (tsx enables them) each of those stacks is source-mapped,
  // which cost about a fifth of the render's CPU time in a profile (`node --cpu-prof`, see
  // docs/performance.md). The stacks are never shown, so source maps are off while rendering.
  const sourceMaps = process.sourceMapsEnabled;
  process.setSourceMapsEnabled(false);
  try {
    return build(all, opts);
  } finally {
    process.setSourceMapsEnabled(sourceMaps);
  }
}

function build(all: readonly Environment[], opts: BuildOptions): EnvironmentRender[] {
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
        files.set(`terraform/${env.name}/cdk.tf.json`, terraformJson(tf));
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

function select(all: readonly Environment[], only?: readonly string[]): readonly Environment[] {
  if (!only || only.length === 0) return all;
  const names = new Set(all.map((e) => e.name));
  const unknown = only.filter((n) => !names.has(n));
  if (unknown.length > 0) {
    throw new RenderError(
      `--env: unknown environment ${unknown.join(', ')} (known: ${[...names].join(', ')})`,
    );
  }
  return all.filter((e) => only.includes(e.name));
}
