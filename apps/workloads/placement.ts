/**
 * The `genai-eks.io/placement` annotation: on every object that runs a model server, the
 * figures of its fit check (clusters/lib/fit.ts), read back by the report (npm run report).
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
  });
}
