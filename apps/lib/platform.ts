/**
 * Names that the platform (apps/karpenter, apps/storage, apps/secrets, apps/traffic) provides
 * and the workloads consume. Changing one here changes both sides.
 */

export interface Taint {
  readonly key: string;
  readonly value: string;
  readonly effect: 'NoSchedule' | 'NoExecute' | 'PreferNoSchedule';
}

/** Karpenter NodePools. Workloads select a pool with the `karpenter.sh/nodepool` label. */
export const POOLS = {
  cpu: { name: 'cpu' },
  nvidia: {
    name: 'nvidia',
    taint: { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' },
    resource: 'nvidia.com/gpu',
  },
  neuron: {
    name: 'neuron',
    taint: { key: 'aws.amazon.com/neuron', value: 'true', effect: 'NoSchedule' },
    resource: 'aws.amazon.com/neuron',
  },
} as const satisfies Record<string, { name: string; taint?: Taint; resource?: string }>;

export type PoolName = keyof typeof POOLS;

/** Node label Karpenter sets to the NodePool's name. */
export const NODEPOOL_LABEL = 'karpenter.sh/nodepool';

/** Default StorageClass: encrypted gp3 through the EBS CSI driver. */
export const STORAGE_CLASS_GP3 = 'gp3';

/** ClusterSecretStore backed by AWS Secrets Manager. */
export const CLUSTER_SECRET_STORE = 'aws-secrets-manager';

/** Shared Gateway for path-based routing of the web endpoints. */
export const GATEWAY = { name: 'genai', namespace: 'gateway', listener: 'http' } as const;
