/**
 * The Kubernetes side of one environment: the platform first, then the workloads on top of it,
 * then what the cluster's registries collected (NetworkPolicies, Flux layers).
 *
 * apps/lib/       the cluster and its registries, Flux, pod conventions (imports nothing else of apps/)
 * apps/platform/  what every environment stands on (imports lib/, never a workload)
 * apps/workloads/ the GenAI workloads, one folder each (import lib/ and platform/)
 * apps/imports/   generated types of the Kubernetes API and the pinned CRDs (npm run imports)
 */
import { LAYERS, type Layer } from '../clusters/contract.js';
import type { Environment } from '../clusters/lib/resolve.js';
import { Cluster } from './lib/cluster.js';
import { platform } from './platform/index.js';
import { dogbooth } from './workloads/dogbooth/index.js';
import { jupyterhub } from './workloads/jupyterhub/index.js';
import { modelData } from './workloads/model-data/index.js';
import { openWebUI } from './workloads/open-webui/index.js';
import { vllm } from './workloads/vllm/index.js';

export interface KubeManifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [k: string]: unknown };
  readonly [k: string]: unknown;
}

export interface RenderedObject {
  readonly layer: Layer;
  readonly manifest: KubeManifest;
}

/** Builds an environment's cluster: every capability added, registries rendered. */
export function buildCluster(env: Environment, all: readonly Environment[]): Cluster {
  const cluster = new Cluster(env, all);
  const services = platform(cluster);
  // The model data's writable directories, before the workloads that write them.
  modelData(cluster, services);
  // Servers first: front-ends and notebooks find them in cluster.endpoints.
  vllm(cluster, services);
  openWebUI(cluster, services);
  // Registers its notebook before JupyterHub renders the examples.
  dogbooth(cluster, services);
  jupyterhub(cluster, services);
  cluster.finish();
  return cluster;
}

/** The rendered objects of one environment, by Flux layer. */
export function renderCluster(env: Environment, all: readonly Environment[]): RenderedObject[] {
  const cluster = buildCluster(env, all);
  const out: RenderedObject[] = [];
  for (const layer of LAYERS) {
    for (const manifest of cluster.layers[layer].toJson() as KubeManifest[]) out.push({ layer, manifest });
  }
  return out;
}
