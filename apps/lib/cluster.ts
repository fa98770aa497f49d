/**
 * The scope every capability under apps/ renders into: one cdk8s App per environment with
 * one Chart per Flux layer. A capability adds objects to the layer where Flux must apply them.
 */
import { App, Chart } from 'cdk8s';
import type { Environment } from '../../clusters/lib/environment.js';

/** Flux layers, in the order they are reconciled; each depends on the one before. */
export const LAYERS = ['flux-system', 'controllers', 'configs', 'apps'] as const;
export type Layer = (typeof LAYERS)[number];

export interface Cluster {
  readonly env: Environment;
  /** Every environment being rendered (for cross-environment wiring such as DR). */
  readonly all: readonly Environment[];
  readonly app: App;
  readonly layers: { readonly [L in Layer]: Chart };
}

export function createCluster(env: Environment, all: readonly Environment[]): Cluster {
  const app = new App({ outdir: '/nonexistent-cdk8s-outdir' });
  const layers = Object.fromEntries(
    LAYERS.map((layer) => [layer, new Chart(app, layer, { disableResourceNameHashes: true })]),
  ) as { [L in Layer]: Chart };
  return { env, all, app, layers };
}
