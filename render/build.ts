/**
 * Builds both programs per environment, in memory: the cdk8s objects (apps/) and the cdktf
 * stacks (infra/, through terraform.ts), serialised into files. Nothing is written here (see
 * write.ts), so a failure in any environment leaves every output untouched.
 *
 * The Terraform part runs beside the Kubernetes part: in the thread render/launch.mjs starts
 * when there is one (terraform.ts says why), in this process otherwise.
 */

import { type RenderedObject, renderCluster } from '../apps/index.js';
import type { Environment, VersionsTables } from '../clusters/lib/resolve.js';
import { RenderError } from './error.js';
import { loadEnvironments } from './load.js';
import { kubernetesFiles, kubernetesPath } from './serialise.js';
import type { TerraformPart, TerraformRequest } from './terraform.js';
import { withoutTokenStacks } from './tokens.js';

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
 * wiring such as disaster recovery sees them all), `opts.only` the ones to render. Rejects with a
 * RenderError naming the environment before anything could be written.
 */
export async function renderEnvironments(
  all: readonly Environment[],
  opts: BuildOptions = {},
): Promise<EnvironmentRender[]> {
  const selected = select(all, opts.only);
  const parts = opts.parts ?? PARTS;
  // Asked first, so that a thread builds it while this one builds the Kubernetes objects.
  const terraform = parts.includes('terraform')
    ? terraformParts({
        all,
        selected: selected.map((e) => e.name),
        ...(opts.cdktfOutdir ? { cdktfOutdir: opts.cdktfOutdir } : {}),
      })
    : Promise.resolve([]);
  // Settled whatever happens below, so that a failure here never leaves it unhandled.
  terraform.catch(() => undefined);
  const kubernetes = parts.includes('k8s')
    ? withoutTokenStacks(() => selected.map((env) => kubernetesPart(env, all)))
    : [];
  const byEnv = new Map((await terraform).map((t) => [t.env, t]));
  return selected.map((env, i) => {
    const k = kubernetes[i];
    const t = byEnv.get(env.name);
    return {
      env,
      files: new Map([...(k?.files ?? []), ...(t?.files ?? [])]),
      ...(k ? { manifests: k.manifests } : {}),
      kubernetesObjects: k?.objects ?? 0,
      terraformResources: t?.resources ?? 0,
      millis: (k?.millis ?? 0) + (t?.millis ?? 0),
    };
  });
}

interface KubernetesPart {
  readonly files: ReadonlyMap<string, string>;
  readonly manifests: ReadonlyMap<string, RenderedObject>;
  readonly objects: number;
  readonly millis: number;
}

function kubernetesPart(env: Environment, all: readonly Environment[]): KubernetesPart {
  const started = performance.now();
  try {
    const objects = renderCluster(env, all);
    const manifests = new Map<string, RenderedObject>();
    for (const o of objects) manifests.set(kubernetesPath(env.name, o), o);
    return {
      files: kubernetesFiles(env.name, objects),
      manifests,
      objects: objects.length,
      millis: performance.now() - started,
    };
  } catch (e) {
    // The loader checked every input: what fails here is a fault of the code, named with its environment.
    const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
    throw new RenderError(`${env.file} (${env.name}): render failed: ${message}`);
  }
}

/** What render/launch.mjs installs: sends a request to its Terraform thread (terraform-thread.mjs). */
const TERRAFORM_THREAD = Symbol.for('genai-eks.render.terraform-thread');

/** The thread's answer: the parts, or the error it threw. */
type ThreadReply =
  | { readonly parts: TerraformPart[] }
  | { readonly error: { readonly message: string; readonly renderError: boolean } };

/**
 * The Terraform part, from the thread when render/launch.mjs started one, else in this process.
 * (In the launcher's bundle, terraform.ts is left out: the thread has it.)
 */
async function terraformParts(req: TerraformRequest): Promise<TerraformPart[]> {
  const thread = (globalThis as Record<symbol, unknown>)[TERRAFORM_THREAD] as
    | ((req: TerraformRequest) => Promise<ThreadReply>)
    | undefined;
  if (!thread) return (await import('./terraform.js')).renderTerraform(req);
  const reply = await thread(req);
  if ('parts' in reply) return reply.parts;
  throw reply.error.renderError ? new RenderError(reply.error.message) : new Error(reply.error.message);
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
