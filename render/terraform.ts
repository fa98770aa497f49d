/**
 * The Terraform part of a render: the cdktf stacks of each selected environment's two root
 * modules (infra/stages.ts), serialised into files.
 *
 * Under render/launch.mjs this module is the whole of a bundle of its own, run in a second
 * thread (render/terraform-thread.mjs) while the main thread builds the Kubernetes objects: the
 * two parts share nothing but the environments, and each thread loads and warms up only the
 * code of its own part (docs/performance.md, "Two threads"). Elsewhere (tests, tsx) build.ts
 * imports it and runs it in-process. Either way the request and the answer are plain data.
 */
import type { Environment } from '../clusters/lib/resolve.js';
import { App } from '../infra/cdktf.js';
import { environmentStacks } from '../infra/index.js';
import { STAGES } from '../infra/stages.js';
import { RenderError } from './error.js';
import { terraformJson } from './serialise.js';
import { withoutTokenStacks } from './tokens.js';

export interface TerraformRequest {
  /** Every environment (cross-environment wiring such as disaster recovery sees them all). */
  readonly all: readonly Environment[];
  /** The names of the environments to render, in order. */
  readonly selected: readonly string[];
  /** cdktf output directory for the cdktf CLI (its manifest and stacks); none when absent. */
  readonly cdktfOutdir?: string;
}

export interface TerraformPart {
  readonly env: string;
  /** Path relative to the output directory, and content. */
  readonly files: ReadonlyArray<readonly [string, string]>;
  readonly resources: number;
  readonly millis: number;
}

/**
 * Renders the request's environments, in its order. Throws a RenderError naming the
 * environment that failed.
 */
export function renderTerraform(req: TerraformRequest): TerraformPart[] {
  return withoutTokenStacks(() => build(req));
}

function build({ all, selected, cdktfOutdir }: TerraformRequest): TerraformPart[] {
  // The cdktf CLI needs one App holding every stack (app.synth() writes its manifest). Otherwise
  // each environment gets an App of its own, which the garbage collector can free once its
  // stack is serialised.
  const cliApp = cdktfOutdir ? newApp(cdktfOutdir) : undefined;
  const parts: TerraformPart[] = [];
  for (const name of selected) {
    const env = all.find((e) => e.name === name);
    if (!env) throw new RenderError(`no environment named ${name}`);
    const started = performance.now();
    const files: [string, string][] = [];
    let resources = 0;
    try {
      // Two root modules per environment, side by side (infra/stages.ts).
      const stacks = environmentStacks(cliApp ?? newApp(), env, all);
      for (const stage of STAGES) {
        const tf = stacks[stage].toTerraform() as { resource?: Record<string, Record<string, unknown>> };
        for (const r of Object.values(tf.resource ?? {})) resources += Object.keys(r).length;
        files.push([`terraform/${env.name}/${stage}/cdk.tf.json`, terraformJson(tf)]);
      }
    } catch (e) {
      // The loader checked every input: what fails here is a fault of the code, named with its environment.
      const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
      throw new RenderError(`${env.file} (${env.name}): render failed: ${message}`);
    }
    parts.push({ env: env.name, files, resources, millis: performance.now() - started });
  }
  cliApp?.synth();
  return parts;
}

function newApp(outdir = '/nonexistent-cdktf-outdir'): App {
  return new App({ outdir, stackTraces: false });
}
