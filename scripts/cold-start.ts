/**
 * npm run cold-start -- --context <kubectl context> [--namespace inference] [--deployment NAME]
 *
 * Measures the real cold start of the vLLM replicas on a cluster: for every pod of the vLLM
 * Deployments (or of one, `--deployment llama3`), pod created → Ready and each phase, from the
 * pod's conditions and container states, its events (scheduling, image pulls with their size),
 * its node and the server's log (weight load, torch.compile, CUDA graphs, engine). Compare with
 * the modelled figures in docs/environments.md ("Cold start") and replace the assumptions in
 * clusters/lib/cold-start.ts that differ. Reads only; uses the kubeconfig's credentials for the
 * context. The parsing is review/cold-start-measure.ts.
 */

import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { measure, measurementMarkdown } from '../review/cold-start-measure.js';

type Json = Record<string, unknown>;
/** The client's model objects as plain JSON (dates as RFC 3339 strings), as the parser reads them. */
const plain = (o: unknown): Json => JSON.parse(JSON.stringify(o)) as Json;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      context: { type: 'string' },
      namespace: { type: 'string', default: 'inference' },
      deployment: { type: 'string' },
    },
    strict: true,
  });
  if (!values.context) {
    console.error('cold-start: --context <kubectl context> is required (kubectl config get-contexts)');
    return 2;
  }
  const kc = new KubeConfig();
  kc.loadFromDefault();
  kc.setCurrentContext(values.context);
  const core = kc.makeApiClient(CoreV1Api);
  const namespace = values.namespace;
  const selector = [
    'app.kubernetes.io/name=vllm',
    ...(values.deployment ? [`app.kubernetes.io/instance=${values.deployment}`] : []),
  ].join(',');
  const pods = (await core.listNamespacedPod({ namespace, labelSelector: selector })).items.map(plain);
  if (pods.length === 0) {
    console.error(`cold-start: no pod matches ${selector} in ${namespace} (context ${values.context})`);
    return 1;
  }
  const out: string[] = [`# vLLM cold start, context ${values.context}`, ''];
  for (const pod of pods) {
    const meta = pod.metadata as Json;
    const name = String(meta.name);
    const events = (
      await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` })
    ).items.map(plain);
    const nodeName = (pod.spec as Json | undefined)?.nodeName;
    const node = typeof nodeName === 'string' ? plain(await core.readNode({ name: nodeName })) : undefined;
    let log = '';
    try {
      log = await core.readNamespacedPodLog({ name, namespace, container: 'vllm', timestamps: true });
    } catch (e) {
      console.error(`cold-start: ${name}: no server log (${e instanceof Error ? e.message : String(e)})`);
    }
    out.push(measurementMarkdown(measure(pod, events, node, log)));
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`cold-start failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
