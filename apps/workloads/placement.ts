/**
 * The `genai-eks.io/placement` annotation: on every object that runs a model server, the
 * figures of its fit check (clusters/lib/fit.ts), read back by the report (npm run report):
 * the device memory terms and what they add up to, and the CPU and memory one replica requests
 * with the node budget they were cut from.
 */
import type { Placement } from '../../clusters/lib/fit.js';

export const PLACEMENT_ANNOTATION = 'genai-eks.io/placement';

const round1 = (n: number) => Math.round(n * 10) / 10;

/** The compact JSON the annotation carries; `modelId` overrides the catalogue id (a fine-tuned model). */
export function placementAnnotation(p: Placement, modelId = p.model.id): string {
  return JSON.stringify({
    model: modelId,
    pool: p.pool,
    instanceType: p.instance.name,
    devices: p.devices,
    requiredGB: round1(p.requiredGB),
    availableGB: round1(p.availableGB),
    terms: Object.fromEntries(p.terms.map((t) => [t.term, round1(t.gb)])),
    requests: { cpu: `${p.cpuMillicores}m`, memory: `${p.memoryMiB}Mi` },
    node: {
      allocatable: {
        cpu: `${p.node.allocatable.cpuMillicores}m`,
        memory: `${p.node.allocatable.memoryMiB}Mi`,
      },
      daemonSets: { cpu: `${p.node.daemons.cpuMillicores}m`, memory: `${p.node.daemons.memoryMiB}Mi` },
    },
  });
}

/** Resource requests (and memory limits) of a placed pod, as Kubernetes quantities. */
export function shareQuantities(share: { cpuMillicores: number; memoryMiB: number }): {
  cpu: string;
  memory: string;
} {
  return { cpu: `${share.cpuMillicores}m`, memory: `${share.memoryMiB}Mi` };
}
