/**
 * Builds both programs per environment, in memory: the cdk8s objects (apps/) and the cdktf
 * stack (infra/), serialised into files. Nothing is written here (see write.ts), so a failure
 * in any environment leaves every output untouched.
 */

import { type RenderedObject, renderCluster } from '../apps/index.js';
import type { Environment, VersionsTables } from '../clusters/lib/resolve.js';
import { App } from '../infra/cdktf.js';
import { environmentStacks } from '../infra/index.js';
import { STAGES } from '../infra/stages.js';
import { RenderError } from './error.js';
import { loadEnvironments } from './load.js';
import { kubernetesFiles, kubernetesPath, terraformJson } from './serialise.js';

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
  /** The versions tables checked at load time: clusters/versions.ts when absent (tests pass others). */
  readonly tables?: VersionsTables;
}

export interface EnvironmentRender {
  readonly env: Environment;
  /** Relative path under the output directory -> file content. */
  readonly files: ReadonlyMap<string, string>;
  /**
   * The Kubernetes objects as data, by the path of their file (`k8s/<env>/…`): what the review
   * tools read, without parsing the YAML back (the generated docs, review/docs.ts). Absent
   * when the Kubernetes part was not rendered.
   */
  readonly manifests?: ReadonlyMap<string, RenderedObject>;
  readonly kubernetesObjects: number;
  readonly terraformResources: number;
  readonly millis: number;
}

/** Loads and resolves the environments in `clustersDir`, then renders them in memory. */
export async function render(opts: RenderOptions): Promise<EnvironmentRender[]> {
  return renderEnvironments(await loadEnvironments(opts.clustersDir, process.cwd(), opts.tables), opts);
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
  return withoutTokenStacks(() => build(all, opts));
}

/**
 * Runs `fn` without the stack traces cdktf records for its error messages.
 *
 * cdktf records the creation stack of every token it makes (`Lazy`, `Intrinsic`, references:
 * cdktf@0.21.0 lib/tokens/private/stack-trace.js calls `Error.captureStackTrace` on a plain
 * object with `Error.stackTraceLimit` raised to Number.MAX_SAFE_INTEGER and formats it), only
 * to quote it if that token later fails to resolve. That was about a fifth of the render's CPU
 * time in a profile (docs/performance.md). While `fn` runs, `Error.captureStackTrace` skips
 * targets that are not errors, so those records are empty; real errors keep their stacks.
 * Source maps are off too: formatting any remaining stack through them is slow (tsx turns them
 * on). Both are restored afterwards.
 */
export function withoutTokenStacks<T>(fn: () => T): T {
  const capture = Error.captureStackTrace;
  const sourceMaps = process.sourceMapsEnabled;
  Error.captureStackTrace = (target: object, below?: Parameters<typeof capture>[1]) => {
    if (target instanceof Error) capture(target, below);
  };
  process.setSourceMapsEnabled(false);
  try {
    return fn();
  } finally {
    Error.captureStackTrace = capture;
    process.setSourceMapsEnabled(sourceMaps);
  }
}

function build(all: readonly Environment[], opts: BuildOptions): EnvironmentRender[] {
  const selected = select(all, opts.only);
  const parts = opts.parts ?? PARTS;
  const terraform = parts.includes('terraform');
  // The cdktf CLI needs one App holding every stack (app.synth() writes its manifest). Otherwise
  // each environment gets an App of its own, which the garbage collector can free once its
  // stack is serialised.
  const cliApp = terraform && opts.cdktfOutdir ? newApp(opts.cdktfOutdir) : undefined;
  const results: EnvironmentRender[] = [];
  for (const env of selected) {
    const started = performance.now();
    const files = new Map<string, string>();
    const manifests = new Map<string, RenderedObject>();
    let kubernetesObjects = 0;
    let terraformResources = 0;
    try {
      if (parts.includes('k8s')) {
        const objects = renderCluster(env, all);
        kubernetesObjects = objects.length;
        for (const [path, content] of kubernetesFiles(env.name, objects)) files.set(path, content);
        for (const o of objects) manifests.set(kubernetesPath(env.name, o), o);
      }
      if (terraform) {
        // Two root modules per environment, side by side (infra/stages.ts).
        const stacks = environmentStacks(cliApp ?? newApp(), env, all);
        for (const stage of STAGES) {
          const tf = stacks[stage].toTerraform() as { resource?: Record<string, Record<string, unknown>> };
          terraformResources += Object.values(tf.resource ?? {}).reduce(
            (n, r) => n + Object.keys(r).length,
            0,
          );
          files.set(`terraform/${env.name}/${stage}/cdk.tf.json`, terraformJson(tf));
        }
      }
    } catch (e) {
      // The loader checked every input: what fails here is a fault of the code, named with its environment.
      const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
      throw new RenderError(`${env.file} (${env.name}): render failed: ${message}`);
    }
    results.push({
      env,
      files,
      manifests,
      kubernetesObjects,
      terraformResources,
      millis: performance.now() - started,
    });
  }
  cliApp?.synth();
  return results;
}

function newApp(outdir = '/nonexistent-cdktf-outdir'): App {
  return new App({ outdir, stackTraces: false });
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
