/**
 * The scope every capability under apps/ renders into: one cdk8s App per environment with one
 * Chart per Flux layer, and the typed registries through which capabilities cooperate without
 * importing each other or looking constructs up by id:
 *
 * - `namespaces`: each capability declares the namespaces it uses, with their Pod Security level
 *   and network isolation; the Namespace objects are rendered once, in the controllers layer.
 * - `network`: each workload declares the flows it needs; `finish()` renders the NetworkPolicies
 *   (default deny per isolated namespace, then one policy per flow) into the configs layer.
 * - `flux`: extra Kustomizations a layer must wait for; `finish()` renders the layers.
 * - `endpoints`: in-cluster OpenAI-compatible servers (vLLM) that front-ends and notebooks use.
 * - `notebooks`: example notebooks that workloads offer JupyterHub users.
 */
import { App, Chart } from 'cdk8s';
import { LAYERS, type Layer } from '../../clusters/contract.js';
import type { Environment } from '../../clusters/lib/resolve.js';
import { FluxLayers } from './flux.js';
import { NamespaceRegistry } from './namespaces.js';
import { NetworkRegistry } from './network.js';

/** An OpenAI-compatible server inside the cluster. */
export interface OpenAiEndpoint {
  /** Name users see (the `workloads.vllm[].name`). */
  readonly name: string;
  /** Base URL of its API, e.g. `http://vllm-x.inference.svc.cluster.local/v1`. */
  readonly baseUrl: string;
  /** Namespace, pod labels and port of its pods, for NetworkPolicies. */
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly port: number;
}

/** A notebook offered to JupyterHub users (read-only, under ~/examples). */
export interface Notebook {
  /** ConfigMap that carries it (notebooks of one workload share one). */
  readonly configMap: string;
  readonly file: string;
  /** The notebook as JSON text (nbformat 4). */
  readonly content: string;
}

export class Cluster {
  readonly app: App;
  readonly layers: { readonly [L in Layer]: Chart };
  readonly namespaces: NamespaceRegistry;
  readonly network: NetworkRegistry;
  readonly flux: FluxLayers;
  /** OpenAI-compatible servers, in the order they were added. */
  readonly endpoints: OpenAiEndpoint[] = [];
  /** Example notebooks for JupyterHub, from the workloads that ship one. */
  readonly notebooks: Notebook[] = [];

  constructor(
    /** The environment being rendered: resolved and checked (clusters/lib/resolve.ts). */
    readonly env: Environment,
    /** Every environment being rendered (for cross-environment wiring such as DR). */
    readonly all: readonly Environment[],
  ) {
    this.app = new App({ outdir: '/nonexistent-cdk8s-outdir' });
    this.layers = Object.fromEntries(
      LAYERS.map((layer) => [layer, new Chart(this.app, layer, { disableResourceNameHashes: true })]),
    ) as { [L in Layer]: Chart };
    this.namespaces = new NamespaceRegistry(this.layers.controllers, env);
    this.network = new NetworkRegistry(this.layers.configs, env, this.namespaces);
    this.flux = new FluxLayers(this.layers, env);
  }

  /**
   * Renders what the registries collected: the NetworkPolicies, then the Flux layer
   * Kustomizations (a layer that holds no object gets none). Call once, after every capability.
   */
  finish(): void {
    this.network.finish();
    this.flux.finish();
  }
}
