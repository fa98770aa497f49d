/**
 * node render/launch.mjs <command> [args…]      (commands: synth, drift)
 *
 * Runs a render command with plain `node` from the cached bundles of the repository's
 * TypeScript and the packages it imports (render/bundle.mjs: how the cache stays current, and
 * why this is fast; docs/performance.md has the figures), the Terraform part on a thread of
 * its own (render/terraform-thread.mjs). `npm run synth`, `npm run drift`,
 * `npm test`, `cdk8s synth` (cdk8s.yaml) and `cdktf synth` (cdktf.json) all start here.
 *
 * GENAI_EKS_RENDER_CACHE=<dir> puts the cache elsewhere (default
 * node_modules/.cache/genai-eks-render); GENAI_EKS_RENDER_TIMING=1 prints where the time went.
 */
// @ts-check
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBundle, currentBundle, installImporter, loadBundle } from './bundle.mjs';
import { startTerraformThread, TERRAFORM_THREAD } from './terraform-thread.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cache = process.env.GENAI_EKS_RENDER_CACHE || join(root, 'node_modules', '.cache', 'genai-eks-render');
/**
 * Two bundles: the commands, which build the Kubernetes part, and the Terraform part
 * (render/terraform.ts), which a thread of its own builds at the same time (render/terraform.ts
 * says why).
 * @type {import('./bundle.mjs').Project}
 */
const project = {
  root,
  cache,
  commands: { synth: 'scripts/synth.ts', drift: 'scripts/drift.ts' },
  leaveOut: {
    'render/terraform.ts': 'the Terraform part runs in its own thread (render/terraform-thread.mjs)',
  },
};
/** @type {import('./bundle.mjs').Project} */
const terraformProject = {
  root,
  cache,
  commands: { terraform: 'render/terraform.ts#renderTerraform' },
  deferred: {
    // cdktf@0.21.0 lib/private/fs.js requires it at start-up, to zip a TerraformAsset's files
    // (archiveSync); infra/ has no assets. It and the packages it loads (glob, readable-stream,
    // …) were about 50 ms of the thread's start (docs/performance.md, "Two threads").
    archiver: 'zips TerraformAsset files; infra/ declares no assets',
  },
};

/** @typedef {(args: string[]) => Promise<number>} Main */

const [command = '', ...args] = process.argv.slice(2);
if (!Object.hasOwn(project.commands, command)) {
  console.error(`usage: node render/launch.mjs <${Object.keys(project.commands).join('|')}> [args…]`);
  process.exit(2);
}
// `--only k8s` (what `npx cdk8s synth` runs) renders no Terraform: no thread, no second bundle.
const kubernetesOnly = args.some((a, i) => a === '--only=k8s' || (a === '--only' && args[i + 1] === 'k8s'));
// First, so that the thread boots while this one checks the cache; render/build.ts sends its
// requests through TERRAFORM_THREAD.
const thread = kubernetesOnly ? undefined : startTerraformThread(terraformProject);
if (thread)
  /** @type {Record<symbol, unknown>} */ (/** @type {never} */ (globalThis))[TERRAFORM_THREAD] =
    thread.request;
const checking = performance.now();
const current = currentBundle(project);
const currentTerraform = thread ? currentBundle(terraformProject) : undefined;
const building = performance.now();
const [bundle, terraformBundle] = await Promise.all([
  current ?? buildBundle(project),
  thread ? (currentTerraform ?? buildBundle(terraformProject)) : undefined,
]);
const loading = performance.now();
// First, so that the thread loads its bundle while this one loads the other.
if (thread && terraformBundle) thread.load(terraformBundle);
installImporter(project);
const { commands, saveCodeCache } = loadBundle(project, bundle);
const main = /** @type {Main | undefined} */ (commands[command]);
if (!main) throw new Error(`${bundle} has no command ${command}`);
const running = performance.now();
const code = await main(args);
const saving = performance.now();
saveCodeCache();
if (process.env.GENAI_EKS_RENDER_TIMING) {
  /** @param {number} from @param {number} to */
  const ms = (from, to) => `${(to - from).toFixed(0)} ms`;
  console.error(
    `launch: node start ${ms(0, checking)}, cache check ${ms(checking, building)}, bundle build ${ms(building, loading)}, ` +
      `bundle load ${ms(loading, running)}, ${command} ${ms(running, saving)}, code cache write ${ms(saving, performance.now())}`,
  );
}
process.exit(code);
