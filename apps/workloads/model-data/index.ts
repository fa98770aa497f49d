/**
 * The model data's writable directories: the FSx cache area (clusters/contract.ts MODEL_DATA)
 * and the directories under it that serving pods, the Neuron compile Jobs and the dogbooth
 * package Job write as uid 1000. The FSx file system's directories are created root-owned
 * (the CSI driver does not change ownership of a ReadWriteMany volume), so a one-time Job
 * creates them and hands them to that uid, in the configs layer: the apps layer, whose pods
 * write there, waits for it.
 *
 * The Job runs as root in its own namespace, enforcing Pod Security `baseline` (which allows
 * root and the CHOWN capability, nothing else of it is used), with no network at all; every
 * workload namespace stays `restricted`.
 */
import { createHash } from 'node:crypto';
import { MODEL_DATA, modelDataMount, modelDataPath } from '../../../clusters/contract.js';
import { versions } from '../../../clusters/versions.js';
import { KubeJob } from '../../imports/k8s.js';
import type { Cluster } from '../../lib/cluster.js';
import { cpuPlacement, quantities } from '../../lib/pod.js';
import type { Platform } from '../../platform/index.js';

export const MODEL_DATA_NAMESPACE = 'model-data';
/** The uid (and gid) the workloads that write model data run as. */
export const MODEL_DATA_OWNER = 1000;
/** Directories of the cache area the workloads write (relative to it). */
export const CACHE_DIRECTORIES = [
  'huggingface',
  'neuron-compiled',
  'neuron-compile-cache',
  'python',
  'vllm-compile',
] as const;

/** Creates each directory given, owned by OWNER (uid:gid), group-writable with setgid. */
export const PREPARE_DIRECTORIES = `set -eu
for dir in "$@"; do
  mkdir -p "$dir"
  chown "$OWNER" "$dir"
  chmod 2775 "$dir"
  echo "ready: $dir"
done
`;

/** Whether any workload of the environment writes model data. */
function writesModelData(cluster: Cluster): boolean {
  const w = cluster.env.workloads;
  return w.vllm.length > 0 || w.dogbooth !== undefined || w.pipeline !== undefined;
}

export function modelData(cluster: Cluster, platform: Platform): void {
  if (!writesModelData(cluster)) return;
  const ns = cluster.namespaces.declare(MODEL_DATA_NAMESPACE, { podSecurity: 'baseline', isolation: 'pod' });
  const claim = platform.storage.fsx(ns);
  const directories = [
    MODEL_DATA.cache.mountPath,
    ...CACHE_DIRECTORIES.map((d) => modelDataPath('cache', d).containerPath),
  ];
  const hash = createHash('sha256')
    .update(JSON.stringify([versions.busyboxImage, PREPARE_DIRECTORIES, directories, MODEL_DATA_OWNER]))
    .digest('hex')
    .slice(0, 8);
  const name = `model-data-directories-${hash}`;
  const labels = { 'app.kubernetes.io/name': 'model-data-directories' };
  new KubeJob(cluster.layers.configs, `job-${name}`, {
    metadata: { name, namespace: ns, labels },
    spec: {
      backoffLimit: 6,
      activeDeadlineSeconds: 1800,
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          restartPolicy: 'OnFailure',
          securityContext: { runAsUser: 0, runAsGroup: 0, seccompProfile: { type: 'RuntimeDefault' } },
          ...cpuPlacement(),
          containers: [
            {
              name: 'directories',
              image: versions.busyboxImage,
              imagePullPolicy: 'IfNotPresent',
              command: ['/bin/sh', '-c', PREPARE_DIRECTORIES, 'prepare', ...directories],
              env: [{ name: 'OWNER', value: `${MODEL_DATA_OWNER}:${MODEL_DATA_OWNER}` }],
              resources: {
                requests: quantities({ cpu: '10m', memory: '16Mi' }),
                limits: quantities({ memory: '64Mi' }),
              },
              volumeMounts: [modelDataMount('cache', 'models')],
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'], add: ['CHOWN'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
            },
          ],
          volumes: [{ name: 'models', persistentVolumeClaim: { claimName: claim } }],
        },
      },
    },
  });
}
