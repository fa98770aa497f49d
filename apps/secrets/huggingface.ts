/**
 * The Hugging Face token as a Kubernetes Secret, produced by External Secrets from AWS Secrets
 * Manager in each namespace that needs it (the value never enters the repository).
 */
import type { Cluster } from '../lib/cluster.js';
import { syncedSecret } from './sync.js';

/** Secret name and key that pods read the token from. */
export const HF_TOKEN_SECRET = { name: 'hf-token', key: 'token' } as const;

/** Ensures the `hf-token` Secret is synced into `namespace`; returns its name and key. */
export function huggingFaceToken(cluster: Cluster, namespace: string): typeof HF_TOKEN_SECRET {
  syncedSecret(cluster, {
    namespace,
    name: HF_TOKEN_SECRET.name,
    remoteKey: 'HF_TOKEN_SECRET_NAME',
    keys: [[HF_TOKEN_SECRET.key]],
  });
  return HF_TOKEN_SECRET;
}
