/**
 * Cluster storage: the default StorageClass (encrypted gp3 through the EBS CSI driver, an EKS
 * add-on that infra/ installs). The FSx for Lustre and Mountpoint for S3 volumes are static and
 * per namespace: workloads ask for them with `modelVolumeClaim` (models.ts) and
 * `modelBucketClaim` (s3.ts).
 */
import type { Cluster } from '../lib/cluster.js';
import { STORAGE_CLASS_GP3 } from '../lib/platform.js';
import { resource } from '../lib/resource.js';

export function storage(cluster: Cluster): void {
  resource(cluster.layers.configs, `storageclass-${STORAGE_CLASS_GP3}`, {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: {
      name: STORAGE_CLASS_GP3,
      annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
    },
    body: {
      provisioner: 'ebs.csi.aws.com',
      parameters: { type: 'gp3', encrypted: 'true', 'csi.storage.k8s.io/fstype': 'ext4' },
      reclaimPolicy: 'Delete',
      // The volume is created in the zone where the pod is scheduled.
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
    },
  });
}
