/**
 * The FSx for Lustre model volume, mounted read-mostly by serving pods. FSx is a static volume:
 * one PersistentVolume per claiming namespace, all pointing at the same file system, whose id,
 * DNS name and mount name come from the contract variables.
 */
import { contractRef } from '../../clusters/contract.js';
import type { Cluster } from '../lib/cluster.js';
import { resource } from '../lib/resource.js';

/** Name of the PVC that `modelVolumeClaim` creates in a namespace. */
export const MODEL_CLAIM = 'models';

/**
 * Ensures a PVC named `models` in `namespace` bound to the FSx file system; returns its name.
 * Idempotent per namespace.
 */
export function modelVolumeClaim(cluster: Cluster, namespace: string): string {
  const scope = cluster.layers.configs;
  const pvName = `models-fsx-${namespace}`;
  if (scope.node.tryFindChild(`pv-${pvName}`)) return MODEL_CLAIM;
  const storage = `${cluster.env.modelData.fsxStorageGiB}Gi`;
  resource(scope, `pv-${pvName}`, {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: pvName, labels: { 'app.kubernetes.io/part-of': 'model-storage' } },
    body: {
      spec: {
        capacity: { storage },
        volumeMode: 'Filesystem',
        accessModes: ['ReadWriteMany'],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: '',
        // Lustre client options for many readers of large files: no atime updates, and
        // flock so that tools which lock (e.g. the Hugging Face cache) work.
        mountOptions: ['flock', 'noatime'],
        claimRef: { namespace, name: MODEL_CLAIM },
        csi: {
          driver: 'fsx.csi.aws.com',
          volumeHandle: contractRef('FSX_FILE_SYSTEM_ID'),
          volumeAttributes: {
            dnsname: contractRef('FSX_DNS_NAME'),
            mountname: contractRef('FSX_MOUNT_NAME'),
          },
        },
      },
    },
  });
  resource(scope, `pvc-${namespace}-${MODEL_CLAIM}`, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: MODEL_CLAIM, namespace, labels: { 'app.kubernetes.io/part-of': 'model-storage' } },
    body: {
      spec: {
        accessModes: ['ReadWriteMany'],
        storageClassName: '',
        volumeName: pvName,
        resources: { requests: { storage } },
      },
    },
  });
  return MODEL_CLAIM;
}
