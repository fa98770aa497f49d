/**
 * The Hugging Face token as a Kubernetes Secret, produced by External Secrets from AWS Secrets
 * Manager in each namespace that needs it (the value never enters the repository).
 */
import { contractRef } from '../../clusters/contract.js';
import type { Cluster } from '../lib/cluster.js';
import { CLUSTER_SECRET_STORE } from '../lib/platform.js';
import { resource } from '../lib/resource.js';
import { EXTERNAL_SECRETS_API } from './index.js';

/** Secret name and key that pods read the token from. */
export const HF_TOKEN_SECRET = { name: 'hf-token', key: 'token' } as const;

/** Ensures the `hf-token` Secret is synced into `namespace`; returns its name and key. */
export function huggingFaceToken(cluster: Cluster, namespace: string): typeof HF_TOKEN_SECRET {
  const scope = cluster.layers.configs;
  const id = `externalsecret-${namespace}-${HF_TOKEN_SECRET.name}`;
  if (scope.node.tryFindChild(id)) return HF_TOKEN_SECRET;
  resource(scope, id, {
    apiVersion: EXTERNAL_SECRETS_API,
    kind: 'ExternalSecret',
    metadata: { name: HF_TOKEN_SECRET.name, namespace },
    body: {
      spec: {
        refreshInterval: '1h',
        secretStoreRef: { kind: 'ClusterSecretStore', name: CLUSTER_SECRET_STORE },
        target: { name: HF_TOKEN_SECRET.name, creationPolicy: 'Owner', deletionPolicy: 'Retain' },
        data: [{ secretKey: HF_TOKEN_SECRET.key, remoteRef: { key: contractRef('HF_TOKEN_SECRET_NAME') } }],
      },
    },
  });
  return HF_TOKEN_SECRET;
}
