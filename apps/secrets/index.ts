/**
 * Secrets: External Secrets Operator (HelmRelease, Pod Identity) and the ClusterSecretStore
 * that reads AWS Secrets Manager in the cluster's region. Secrets reach namespaces as
 * ExternalSecrets (see huggingface.ts); no secret value is ever rendered.
 */
import { contractRef } from '../../clusters/contract.js';
import { IDENTITIES } from '../../clusters/identities.js';
import { versions } from '../../clusters/versions.js';
import { helmRelease, type Resources } from '../flux/helm.js';
import type { Cluster } from '../lib/cluster.js';
import { CLUSTER_SECRET_STORE } from '../lib/platform.js';
import { systemPlacement, type Toleration } from '../lib/pod.js';
import { resource } from '../lib/resource.js';
import { namespace } from '../namespaces/index.js';

export const EXTERNAL_SECRETS_API = 'external-secrets.io/v1';

/** Placement of one of the chart's Deployments. */
interface Placement {
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Toleration[];
}

/** Values of the External Secrets chart that this project sets. */
export interface ExternalSecretsValues extends Placement {
  readonly installCRDs: boolean;
  readonly serviceAccount: { readonly create: boolean; readonly name: string };
  readonly resources: Resources;
  readonly webhook: Placement & { readonly resources: Resources };
  readonly certController: Placement & { readonly resources: Resources };
}

export function secrets(cluster: Cluster): void {
  const id = IDENTITIES.externalSecrets;
  namespace(cluster, id.namespace, 'restricted');
  const resources: Resources = { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } };
  helmRelease<ExternalSecretsValues>(cluster, {
    name: 'external-secrets',
    namespace: id.namespace,
    chart: versions.externalSecrets,
    values: {
      installCRDs: true,
      serviceAccount: { create: true, name: id.serviceAccount },
      resources,
      // Controller, webhook and cert controller Deployments on the system nodes: top-level,
      // `webhook.` and `certController.` `nodeSelector`/`tolerations`
      // (deploy/charts/external-secrets/values.yaml of external-secrets/external-secrets).
      ...systemPlacement(),
      webhook: { resources, ...systemPlacement() },
      certController: { resources, ...systemPlacement() },
    },
  });
  // No auth block: the controller's own credentials (EKS Pod Identity) are used.
  resource(cluster.layers.configs, `clustersecretstore-${CLUSTER_SECRET_STORE}`, {
    apiVersion: EXTERNAL_SECRETS_API,
    kind: 'ClusterSecretStore',
    metadata: { name: CLUSTER_SECRET_STORE },
    body: {
      spec: {
        provider: { aws: { service: 'SecretsManager', region: contractRef('AWS_REGION') } },
      },
    },
  });
}
