/**
 * The Flux layering of one environment: the root Kustomization (made by infra/'s bootstrap)
 * applies dist/k8s/<env>/flux-system, which holds one Kustomization per layer. Each layer
 * depends on the one before, waits for its objects to be ready, prunes what was removed,
 * and substitutes the contract variables from the cluster-vars ConfigMap.
 */
import { CLUSTER_VARS_CONFIGMAP } from '../../clusters/contract.js';
import { type Cluster, LAYERS, type Layer } from '../lib/cluster.js';
import { resource } from '../lib/resource.js';
import { KUSTOMIZE_API, type KustomizationSpec } from './types.js';

/** Name of the GitRepository that the bootstrap creates in flux-system. */
export const FLUX_GIT_REPOSITORY = 'flux-system';
export const FLUX_NAMESPACE = 'flux-system';

/** Path inside the repository of a layer of an environment. */
export function layerPath(env: string, layer: Layer): string {
  return `./dist/k8s/${env}/${layer}`;
}

/** Extra Kustomizations (in flux-system) that a layer must wait for, per cluster. */
const EXTRA_DEPENDENCIES = new WeakMap<Cluster, Map<Layer, Set<string>>>();

/**
 * Makes `layer`'s Kustomization depend on the Flux Kustomization `name` (which the caller adds
 * to the flux-system layer), e.g. third-party CRDs that the layer's controllers need.
 */
export function layerDependsOn(cluster: Cluster, layer: Exclude<Layer, 'flux-system'>, name: string): void {
  const byLayer = EXTRA_DEPENDENCIES.get(cluster) ?? new Map<Layer, Set<string>>();
  EXTRA_DEPENDENCIES.set(cluster, byLayer);
  const names = byLayer.get(layer) ?? new Set<string>();
  byLayer.set(layer, names);
  names.add(name);
}

const TIMING: { readonly [L in Exclude<Layer, 'flux-system'>]: { interval: string; timeout: string } } = {
  controllers: { interval: '1h', timeout: '15m' },
  configs: { interval: '1h', timeout: '10m' },
  apps: { interval: '10m', timeout: '20m' },
};

/**
 * Adds the layer Kustomizations. Call it after every other capability: a layer that holds no
 * object gets no Kustomization (Flux fails on a path that does not exist), and the next
 * layer depends on the last one that does.
 */
export function fluxLayers(cluster: Cluster): void {
  const scope = cluster.layers['flux-system'];
  let previous: Layer | undefined;
  for (const layer of LAYERS) {
    if (layer === 'flux-system' || cluster.layers[layer].node.children.length === 0) continue;
    const dependsOn = [
      ...(previous ? [previous] : []),
      ...[...(EXTRA_DEPENDENCIES.get(cluster)?.get(layer) ?? [])].sort(),
    ];
    const spec: KustomizationSpec = {
      interval: TIMING[layer].interval,
      retryInterval: '2m',
      timeout: TIMING[layer].timeout,
      path: layerPath(cluster.env.name, layer),
      prune: true,
      wait: true,
      sourceRef: { kind: 'GitRepository', name: FLUX_GIT_REPOSITORY },
      ...(dependsOn.length > 0 ? { dependsOn: dependsOn.map((name) => ({ name })) } : {}),
      postBuild: { substituteFrom: [{ kind: 'ConfigMap', name: CLUSTER_VARS_CONFIGMAP }] },
    };
    resource(scope, `kustomization-${layer}`, {
      apiVersion: KUSTOMIZE_API,
      kind: 'Kustomization',
      metadata: { name: layer, namespace: FLUX_NAMESPACE },
      body: { spec },
    });
    previous = layer;
  }
}
