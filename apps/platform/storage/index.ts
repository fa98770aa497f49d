/**
 * Cluster storage:
 * - the default StorageClass: encrypted gp3 through the EBS CSI driver (an EKS add-on that infra/
 *   installs);
 * - the model volume: FSx for Lustre, one static PersistentVolume and claim per namespace that
 *   asks for it, all pointing at the file system whose id, DNS name and mount name come from the
 *   contract variables;
 * - the model bucket, read-only, through the Mountpoint for Amazon S3 CSI driver (an EKS add-on
 *   whose service account reads the bucket through Pod Identity), also static and per namespace.
 *
 * Typed with the Kubernetes 1.35 API where cdk8s-plus-28 has no construct (StorageClass, CSI
 * PersistentVolumes); the claims are cdk8s-plus PersistentVolumeClaims.
 */
import { Size } from 'cdk8s';
import {
  PersistentVolume,
  PersistentVolumeAccessMode,
  PersistentVolumeClaim,
  PersistentVolumeMode,
} from 'cdk8s-plus-28';
import { contractRef } from '../../../clusters/contract.js';
import { KubePersistentVolume, KubeStorageClass, Quantity } from '../../imports/k8s.js';
import type { Cluster } from '../../lib/cluster.js';

/** Default StorageClass: encrypted gp3 through the EBS CSI driver. */
export const STORAGE_CLASS_GP3 = 'gp3';

/** Name of the PVC that `ModelStorage.fsx` creates in a namespace. */
const MODEL_CLAIM = 'models';

/** Name of the PVC that `ModelStorage.bucket` creates in a namespace. */
const MODEL_BUCKET_CLAIM = 'model-bucket';

/** Capacity of the bucket volume: required by Kubernetes, ignored by the driver (S3 has no size). */
const NOMINAL_BUCKET_GIB = 1024;

const LABELS = { 'app.kubernetes.io/part-of': 'model-storage' } as const;

/** The model volumes, one claim per namespace and kind, created on first request. */
export class ModelStorage {
  private readonly fsxClaims = new Set<string>();
  private readonly bucketClaims = new Set<string>();

  constructor(private readonly cluster: Cluster) {
    new KubeStorageClass(cluster.layers.configs, `storageclass-${STORAGE_CLASS_GP3}`, {
      metadata: {
        name: STORAGE_CLASS_GP3,
        annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
      },
      provisioner: 'ebs.csi.aws.com',
      parameters: { type: 'gp3', encrypted: 'true', 'csi.storage.k8s.io/fstype': 'ext4' },
      reclaimPolicy: 'Delete',
      // The volume is created in the zone where the pod is scheduled.
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
    });
  }

  /** The FSx for Lustre model volume's claim in `namespace` (ReadWriteMany); returns its name. */
  fsx(namespace: string): string {
    if (this.fsxClaims.has(namespace)) return MODEL_CLAIM;
    this.fsxClaims.add(namespace);
    const gib = this.cluster.env.modelData.fsxStorageGiB;
    this.staticVolume(namespace, {
      pvName: `models-fsx-${namespace}`,
      claim: MODEL_CLAIM,
      gib,
      access: PersistentVolumeAccessMode.READ_WRITE_MANY,
      // Lustre client options for many readers of large files: no atime updates, and flock so
      // that tools which lock (e.g. the Hugging Face cache) work.
      mountOptions: ['flock', 'noatime'],
      csi: {
        driver: 'fsx.csi.aws.com',
        volumeHandle: contractRef('FSX_FILE_SYSTEM_ID'),
        volumeAttributes: {
          dnsname: contractRef('FSX_DNS_NAME'),
          mountname: contractRef('FSX_MOUNT_NAME'),
        },
      },
    });
    return MODEL_CLAIM;
  }

  /** The model bucket's read-only claim in `namespace` (Mountpoint for S3); returns its name. */
  bucket(namespace: string): string {
    if (this.bucketClaims.has(namespace)) return MODEL_BUCKET_CLAIM;
    this.bucketClaims.add(namespace);
    this.staticVolume(namespace, {
      pvName: `model-bucket-${namespace}`,
      claim: MODEL_BUCKET_CLAIM,
      gib: NOMINAL_BUCKET_GIB,
      access: PersistentVolumeAccessMode.READ_ONLY_MANY,
      // Mountpoint options: never write, let the pod's non-root user read, bucket's region.
      mountOptions: ['read-only', 'allow-other', `region ${contractRef('AWS_REGION')}`],
      csi: {
        driver: 's3.csi.aws.com',
        // Unique per PV: the driver identifies mounts by volume handle.
        volumeHandle: `model-bucket-${namespace}`,
        volumeAttributes: { bucketName: contractRef('MODEL_BUCKET') },
      },
    });
    return MODEL_BUCKET_CLAIM;
  }

  private staticVolume(
    namespace: string,
    v: {
      readonly pvName: string;
      readonly claim: string;
      readonly gib: number;
      readonly access: PersistentVolumeAccessMode;
      readonly mountOptions: string[];
      readonly csi: { driver: string; volumeHandle: string; volumeAttributes: Record<string, string> };
    },
  ): void {
    const scope = this.cluster.layers.configs;
    new KubePersistentVolume(scope, `pv-${v.pvName}`, {
      metadata: { name: v.pvName, labels: { ...LABELS } },
      spec: {
        capacity: { storage: Quantity.fromString(`${v.gib}Gi`) },
        volumeMode: 'Filesystem',
        accessModes: [v.access],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: '',
        mountOptions: v.mountOptions,
        claimRef: { namespace, name: v.claim },
        csi: v.csi,
      },
    });
    new PersistentVolumeClaim(scope, `pvc-${namespace}-${v.claim}`, {
      metadata: { name: v.claim, namespace, labels: { ...LABELS } },
      accessModes: [v.access],
      storageClassName: '',
      volumeMode: PersistentVolumeMode.FILE_SYSTEM,
      storage: Size.gibibytes(v.gib),
      volume: PersistentVolume.fromPersistentVolumeName(scope, `pv-ref-${v.pvName}`, v.pvName),
    });
  }
}
