/**
 * node render/launch.mjs <command> [args…]      (commands: synth, drift)
 *
 * Runs a render command with plain `node` from the cached bundle of the repository's
 * TypeScript and the packages it imports (render/bundle.mjs: how the cache stays current, and
 * why this is fast; docs/performance.md has the figures). `npm run synth`, `npm run drift`,
 * `npm test`, `cdk8s synth` (cdk8s.yaml) and `cdktf synth` (cdktf.json) all start here.
 *
 * GENAI_EKS_RENDER_CACHE=<dir> puts the cache elsewhere (default
 * node_modules/.cache/genai-eks-render); GENAI_EKS_RENDER_TIMING=1 prints where the time went.
 */
// @ts-check
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBundle, currentBundle, installImporter, loadBundle } from './bundle.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** @type {import('./bundle.mjs').Project} */
const project = {
  root,
  cache: process.env.GENAI_EKS_RENDER_CACHE || join(root, 'node_modules', '.cache', 'genai-eks-render'),
  commands: { synth: 'scripts/synth.ts', drift: 'scripts/drift.ts' },
};

const [command = '', ...args] = process.argv.slice(2);
if (!Object.hasOwn(project.commands, command)) {
  console.error(`usage: node render/launch.mjs <${Object.keys(project.commands).join('|')}> [args…]`);
  process.exit(2);
}
const checking = performance.now();
let bundle = currentBundle(project);
const building = performance.now();
bundle ??= await buildBundle(project);
const loading = performance.now();
installImporter(project);
const { commands, saveCodeCache } = loadBundle(project, bundle);
const main = commands[command];
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
