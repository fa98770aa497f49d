/**
 * The two root modules of an environment and what passes between them.
 *
 * - `cluster` (`dist/terraform/<env>/cluster/`): network, EKS, nodes, the add-ons that run on the
 *   system nodes, identities, model data, secrets. It talks to AWS APIs only, so it applies from
 *   anywhere, whatever the endpoint access.
 * - `bootstrap` (`dist/terraform/<env>/bootstrap/`): Flux, `cluster-vars`, the add-ons that need
 *   Flux-provided capacity. It talks to the Kubernetes API, from where `bootstrap.access` says.
 *
 * The bootstrap stage reads the cluster stage's outputs from its state (`terraform_remote_state`
 * on the same S3 backend, docs/decisions.md): the output names below are the one list both
 * stages use, so an output the bootstrap reads and the cluster does not write is a compile error.
 */
import type { ClusterVars } from '../clusters/contract.js';
import type { Environment } from '../clusters/lib/resolve.js';

export const STAGES = ['cluster', 'bootstrap'] as const;
export type Stage = (typeof STAGES)[number];

/** Key of a stage's state object in the (input) backend bucket. */
export function stateKey(env: Pick<Environment, 'name'>, stage: Stage): string {
  return `genai-eks/${env.name}/${stage}/terraform.tfstate`;
}

/** Construct id (and cdktf stack name) of an environment's stage: `<env>-<stage>`. */
export function stackName(env: Pick<Environment, 'name'>, stage: Stage): string {
  return `${env.name}-${stage}`;
}

/**
 * The contract variables the cluster stage provides; the bootstrap stage adds its own inputs
 * (JupyterHub's DNS name and certificate, which are the operator's).
 */
export type BootstrapContractVariable = 'JUPYTERHUB_HOST' | 'JUPYTERHUB_CERTIFICATE_ARN';
export type ClusterStageVars = Omit<ClusterVars, BootstrapContractVariable>;

/** What the cluster stage outputs for the bootstrap stage, by output name. */
export interface ClusterOutputs {
  /** EKS cluster name. */
  readonly cluster_name: string;
  /** API server endpoint (https://…): private inside the VPC, public where enabled. */
  readonly cluster_endpoint: string;
  /** The cluster's CA certificate, base64. */
  readonly cluster_certificate_authority: string;
  /** The contract variables the cluster stage provides (a map: `cluster_vars.<NAME>`). */
  readonly cluster_vars: ClusterStageVars;
  /** ARN of the Secrets Manager secret holding Flux's Git credentials; only where there are credentials. */
  readonly flux_git_secret_arn?: string;
}

export type ClusterOutput = keyof ClusterOutputs;
