/**
 * The cross-layer contract: values known only after `terraform apply` reach the manifests
 * through the ConfigMap `flux-system/cluster-vars`, which infra/ writes and every Flux
 * Kustomization substitutes (`postBuild.substituteFrom`).
 *
 * This module is the only list of those names. infra/ must provide a value for every key
 * (the `ClusterVars` type makes a missing one a compile error); apps/ may only reference
 * names from here (`contractRef`), and a test checks that every `${…}` in dist/k8s is one.
 */

export const CONTRACT_VARIABLES = {
  CLUSTER_NAME: 'EKS cluster name',
  AWS_REGION: 'AWS region of the cluster',
  VPC_ID: 'VPC id of the cluster (AWS Load Balancer Controller)',
  KARPENTER_NODE_ROLE: 'IAM role name that Karpenter-launched nodes use (EC2NodeClass spec.role)',
  KARPENTER_INTERRUPTION_QUEUE: 'SQS queue name receiving spot interruption and health events',
  FSX_FILE_SYSTEM_ID: 'FSx for Lustre file system id holding the models (fs-…)',
  FSX_DNS_NAME: 'FSx for Lustre DNS name',
  FSX_MOUNT_NAME: 'FSx for Lustre mount name',
  MODEL_BUCKET: 'S3 bucket holding model weights and pipeline artifacts',
  HF_TOKEN_SECRET_NAME: 'Secrets Manager secret name holding the Hugging Face token (value set out-of-band)',
  // --- infra --- (Cognito sign-in; empty strings where `authentication.kind` is not 'cognito')
  COGNITO_CLIENT_ID: 'Cognito app client id: a public client (no secret), authorization code flow with PKCE',
  COGNITO_DOMAIN: 'Cognito hosted sign-in base URL (https://<prefix>.auth.<region>.amazoncognito.com)',
  // --- workloads ---
  OPEN_WEBUI_SECRET_NAME:
    'Secrets Manager secret name holding Open WebUI credentials as JSON {secretKey, adminEmail, adminPassword} (value set out-of-band)',
  JUPYTERHUB_SECRET_NAME:
    'Secrets Manager secret name holding JupyterHub sign-in secrets as JSON: {password} (dummy), {clientId, clientSecret} (GitHub) or {clientSecret} (Cognito); value set out-of-band',
  JUPYTERHUB_HOST:
    'DNS name users reach JupyterHub at (record for its NLB; the OAuth callback is https://<host>/hub/oauth_callback)',
  JUPYTERHUB_CERTIFICATE_ARN:
    'ACM certificate ARN for JUPYTERHUB_HOST, terminated on the JupyterHub NLB (OAuth sign-in needs https)',
} as const satisfies Record<string, string>;

export type ContractVariable = keyof typeof CONTRACT_VARIABLES;

/** What infra/ writes into cluster-vars: every contract variable, nothing else. */
export type ClusterVars = { readonly [K in ContractVariable]: string };

/** Name of the ConfigMap (in `flux-system`) that carries the contract variables. */
export const CLUSTER_VARS_CONFIGMAP = 'cluster-vars';

/** `${NAME}` for Flux post-build substitution. */
export function contractRef(name: ContractVariable): string {
  return `\${${name}}`;
}

export const CONTRACT_VARIABLE_NAMES = Object.keys(CONTRACT_VARIABLES) as ContractVariable[];
