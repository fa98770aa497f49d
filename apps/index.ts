/**
 * Renders the Kubernetes side of one environment. Each capability folder under apps/ exports
 * one function taking the Cluster; the list below is the order they are added in.
 */
import type { Environment } from '../clusters/lib/environment.js';
import { accelerators } from './accelerators/index.js';
import { fluxLayers } from './flux/index.js';
import { vllm } from './inference/index.js';
import { jupyterhub } from './jupyterhub/index.js';
import { karpenter } from './karpenter/index.js';
import { type Cluster, createCluster, LAYERS, type Layer } from './lib/cluster.js';
import { workloadNetworkPolicies } from './namespaces/workload-policies.js';
import { argoWorkflows, fineTunePipeline } from './pipelines/index.js';
import { dogbooth, kuberayOperator } from './ray/index.js';
import { secrets } from './secrets/index.js';
import { storage } from './storage/index.js';
import { traffic } from './traffic/index.js';
import { openWebUI } from './webui/index.js';

/** The capabilities, in the order they are added. fluxLayers comes last (it looks at the layers). */
const CAPABILITIES: readonly ((cluster: Cluster) => void)[] = [
  // --- platform ---
  karpenter,
  accelerators,
  storage,
  traffic,
  secrets,
  // --- workloads ---
  vllm,
  openWebUI,
  jupyterhub,
  kuberayOperator,
  dogbooth,
  argoWorkflows,
  fineTunePipeline,
  // --- end workloads ---
  // --- netpol --- (after the workloads: covers the namespaces they declared)
  workloadNetworkPolicies,
  fluxLayers,
];

export interface RenderedObject {
  readonly layer: Layer;
  readonly manifest: KubeManifest;
}

export interface KubeManifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [k: string]: unknown };
  readonly [k: string]: unknown;
}

export function renderCluster(env: Environment, all: readonly Environment[]): RenderedObject[] {
  const cluster = createCluster(env, all);
  for (const add of CAPABILITIES) add(cluster);
  const out: RenderedObject[] = [];
  for (const layer of LAYERS) {
    for (const manifest of cluster.layers[layer].toJson() as KubeManifest[]) {
      out.push({ layer, manifest });
    }
  }
  return out;
}
