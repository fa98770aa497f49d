/**
 * The render's Terraform thread (render/terraform.ts says why there is one), both sides of it.
 *
 * In the main thread, startTerraformThread starts the worker before the bundle is known, so it
 * boots while render/launch.mjs checks the cache; `load` then gives it the bundle, and `request`
 * sends it a request render/build.ts makes. In the worker, this module evaluates that bundle and
 * answers each request with the parts, or with the error they threw. A request is rejected if
 * the thread fails or exits before it answers. Plain JavaScript, like launch.mjs.
 */
// @ts-check
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { loadBundle } from './bundle.mjs';

/** What render/build.ts reads to send its requests here (its TERRAFORM_THREAD). */
export const TERRAFORM_THREAD = Symbol.for('genai-eks.render.terraform-thread');

/** Tells this module, loaded in a worker, that it is the worker side. */
const ROLE = 'genai-eks.render.terraform-thread';

/**
 * @typedef {object} TerraformThread
 * @property {(bundle: string) => void} load gives the thread its bundle
 * @property {(request: unknown) => Promise<unknown>} request the thread's reply to a request
 * @property {() => Promise<void>} stop ends the thread
 */

/**
 * Starts the thread for a bundle of `project` whose command `terraform` renders a request.
 * @param {import('./bundle.mjs').Project} project
 * @returns {TerraformThread}
 */
export function startTerraformThread(project) {
  const worker = new Worker(new URL(import.meta.url), { workerData: { role: ROLE, project } });
  /** @type {Map<number, { resolve: (reply: unknown) => void, reject: (e: unknown) => void }>} */
  const waiting = new Map();
  /** @type {unknown} */
  let failure;
  let next = 0;
  /** @param {unknown} e */
  const fail = (e) => {
    failure ??= e;
    for (const w of waiting.values()) w.reject(failure);
    waiting.clear();
  };
  worker.on('message', (/** @type {{ id: number, reply: unknown }} */ { id, reply }) => {
    waiting.get(id)?.resolve(reply);
    waiting.delete(id);
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the render's Terraform thread exited with code ${code}`)));
  return {
    load: (bundle) => worker.postMessage({ bundle }),
    request: (request) =>
      new Promise((resolve, reject) => {
        if (failure !== undefined) return reject(failure);
        const id = next++;
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, request });
      }),
    stop: async () => {
      await worker.terminate();
    },
  };
}

/**
 * The worker side: the first message names the bundle, the others are requests.
 * @param {import('node:worker_threads').MessagePort} port
 * @param {import('./bundle.mjs').Project} project
 */
function serve(port, project) {
  /** @type {((request: unknown) => unknown) | undefined} */
  let render;
  /** @type {() => void} */
  let saveCodeCache = () => undefined;
  port.on('message', (/** @type {{ bundle: string } | { id: number, request: unknown }} */ message) => {
    if ('bundle' in message) {
      const loaded = loadBundle(project, message.bundle);
      render = /** @type {(request: unknown) => unknown} */ (loaded.commands.terraform);
      saveCodeCache = loaded.saveCodeCache;
      return;
    }
    const { id, request } = message;
    let reply;
    try {
      if (!render) throw new Error('the Terraform thread was given no bundle with a terraform command');
      reply = { parts: render(request) };
    } catch (e) {
      const renderError = e instanceof Error && e.name === 'RenderError';
      const text = e instanceof Error ? (renderError ? e.message : (e.stack ?? e.message)) : String(e);
      reply = { error: { message: text, renderError } };
    }
    // Before the answer: the main thread exits as soon as its command is done.
    saveCodeCache();
    port.postMessage({ id, reply });
  });
}

if (!isMainThread && parentPort && workerData?.role === ROLE) serve(parentPort, workerData.project);
