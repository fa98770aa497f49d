/**
 * A Kubernetes Secret produced by External Secrets from one AWS Secrets Manager secret through
 * the ClusterSecretStore: the value never enters the repository, dist/ or Terraform state.
 */
import { type ContractVariable, contractRef } from '../../clusters/contract.js';
import type { Cluster } from '../lib/cluster.js';
import { CLUSTER_SECRET_STORE } from '../lib/platform.js';
import { resource } from '../lib/resource.js';
import { EXTERNAL_SECRETS_API } from './index.js';

export interface SyncedSecretProps {
  /** Namespace of the Secret. */
  readonly namespace: string;
  /** Name of the ExternalSecret and of the Secret it creates. */
  readonly name: string;
  /** Contract variable holding the Secrets Manager secret's name. */
  readonly remoteKey: ContractVariable;
  /** Keys of the Secret: `[secretKey]` takes the whole value, `[secretKey, property]` one JSON field. */
  readonly keys: readonly (readonly [string] | readonly [string, string])[];
}

/** Adds the ExternalSecret to the configs layer (idempotent per namespace and name); returns the Secret name. */
export function syncedSecret(cluster: Cluster, props: SyncedSecretProps): string {
  const scope = cluster.layers.configs;
  const id = `externalsecret-${props.namespace}-${props.name}`;
  if (scope.node.tryFindChild(id)) return props.name;
  resource(scope, id, {
    apiVersion: EXTERNAL_SECRETS_API,
    kind: 'ExternalSecret',
    metadata: { name: props.name, namespace: props.namespace },
    body: {
      spec: {
        refreshInterval: '1h',
        secretStoreRef: { kind: 'ClusterSecretStore', name: CLUSTER_SECRET_STORE },
        target: { name: props.name, creationPolicy: 'Owner', deletionPolicy: 'Retain' },
        data: props.keys.map(([secretKey, property]) => ({
          secretKey,
          remoteRef: { key: contractRef(props.remoteKey), ...(property ? { property } : {}) },
        })),
      },
    },
  });
  return props.name;
}
