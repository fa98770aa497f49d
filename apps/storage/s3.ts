/**
 * The model bucket, read-only, through the Mountpoint for Amazon S3 CSI driver (an EKS add-on
 * that infra/ installs; its service account has read access to the bucket through Pod
 * Identity). Like FSx it is a static volume: one PersistentVolume per claiming namespace.
 */
import { contractRef } from '../../clusters/contract.js';
import type { Cluster } from '../lib/cluster.js';
import { resource } from '../lib/resource.js';

/** Name of the PVC that `modelBucketClaim` creates in a namespace. */
export const MODEL_BUCKET_CLAIM = 'model-bucket';

/** Capacity is required by Kubernetes and ignored by the driver (S3 has no size). */
const NOMINAL_CAPACITY = '1Ti';

/** Ensures a read-only PVC named `model-bucket` in `namespace`; returns its name. Idempotent. */
export function modelBucketClaim(cluster: Cluster, namespace: string): string {
  const scope = cluster.layers.configs;
  const pvName = `model-bucket-${namespace}`;
  if (scope.node.tryFindChild(`pv-${pvName}`)) return MODEL_BUCKET_CLAIM;
  const labels = { 'app.kubernetes.io/part-of': 'model-storage' };
  resource(scope, `pv-${pvName}`, {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: pvName, labels },
    body: {
      spec: {
        capacity: { storage: NOMINAL_CAPACITY },
        volumeMode: 'Filesystem',
        accessModes: ['ReadOnlyMany'],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: '',
        // Mountpoint options: never write, let the pod's non-root user read, bucket's region.
        mountOptions: ['read-only', 'allow-other', `region ${contractRef('AWS_REGION')}`],
        claimRef: { namespace, name: MODEL_BUCKET_CLAIM },
        csi: {
          driver: 's3.csi.aws.com',
          // Unique per PV: the driver identifies mounts by volume handle.
          volumeHandle: `model-bucket-${namespace}`,
          volumeAttributes: { bucketName: contractRef('MODEL_BUCKET') },
        },
      },
    },
  });
  resource(scope, `pvc-${namespace}-${MODEL_BUCKET_CLAIM}`, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: MODEL_BUCKET_CLAIM, namespace, labels },
    body: {
      spec: {
        accessModes: ['ReadOnlyMany'],
        storageClassName: '',
        volumeName: pvName,
        resources: { requests: { storage: NOMINAL_CAPACITY } },
      },
    },
  });
  return MODEL_BUCKET_CLAIM;
}
