/**
 * Model staging: every catalogue model a vLLM deployment serves is copied once from the Hugging
 * Face Hub into the model bucket, at the catalogue's pinned revision, under the prefix the FSx
 * data repository association links (clusters/contract.ts `stagedModelPath`). One Job per model
 * revision, in the `model-staging` namespace, run in the apps layer next to the servers; the
 * servers wait for its manifest in an init container (scripts.ts WAIT_FOR_STAGED_MODEL), so a
 * deployment never serves, or downloads, anything that was not staged.
 *
 * The Job runs as uid 1000 under Pod Security `restricted`, as the `model-staging` service
 * account, whose Pod Identity role may write the bucket's `models/` prefix only
 * (clusters/contract.ts IDENTITIES.modelStaging, infra/identity `stageModels`). It reads the Hub
 * token from the ExternalSecret-synced `hf-token` Secret. Its egress: HTTPS (the Hub, S3) and the
 * Pod Identity agent.
 *
 * Image: the vLLM image the NVIDIA servers run, which carries both libraries the program uses:
 * huggingface_hub (vLLM downloads models with it) and boto3 (a dependency of
 * `runai-model-streamer[s3]`, which the image's vllm-openai-base stage installs:
 * vllm-project/vllm docker/Dockerfile at the stored commit dead20ba of the v0.11 line, the same
 * commit apps/workloads/images.ts reads the image's layout from; boto3 in
 * run-ai/runai-model-streamer@0.15.0:py/runai_model_streamer_s3/setup.py install_requires). It
 * runs on the CPU pool: nothing of it needs an accelerator.
 */
import { createHash } from 'node:crypto';
import { ConfigMap } from 'cdk8s-plus-28';
import type { LanguageModel, PinnedSource } from '../../../clusters/catalog/models.js';
import {
  contractRef,
  IDENTITIES,
  MODEL_STAGED_MARKER,
  type ModelDataPath,
  stagedModelPath,
} from '../../../clusters/contract.js';
import { stagingDeadlineSeconds } from '../../../clusters/lib/cold-start.js';
import type { VllmDeployment } from '../../../clusters/lib/resolve.js';
import { versions } from '../../../clusters/versions.js';
import { KubeJob, KubeServiceAccount } from '../../imports/k8s.js';
import type { Cluster } from '../../lib/cluster.js';
import { cpuPlacement, qty, quantities, restrictedContainer, restrictedPod } from '../../lib/pod.js';
import type { Platform } from '../../platform/index.js';
import { nonRootEnvironment } from '../images.js';
import { STAGE_MODEL_MODULE, STAGE_MODEL_SOURCE } from './staging-script.js';

export const STAGING = IDENTITIES.modelStaging;
/** ConfigMap holding the staging program. */
export const STAGING_CONFIGMAP = 'model-staging';
/** Where the program is mounted in the Job. */
const PROGRAM_DIR = '/opt/model-staging';
/** The download scratch directory (one file at a time; the largest shards are ~5 GB). */
const SCRATCH = { path: '/scratch', size: '20Gi' } as const;
const UID = 1000;
const LABELS = { 'app.kubernetes.io/name': 'model-staging' } as const;

/** A model revision to stage, and where it lands. */
export interface StagedModel {
  readonly source: PinnedSource;
  readonly path: ModelDataPath;
  /** The first line of its manifest: `<repo> <revision>`. */
  readonly manifestHead: string;
  /** The staging Job's name. */
  readonly job: string;
}

/** What a model revision is staged as (and by which Job). */
export function stagedModel(source: PinnedSource): StagedModel {
  const hash = createHash('sha256')
    .update(JSON.stringify([source.repo, source.revision, versions.vllmImage, STAGE_MODEL_SOURCE]))
    .digest('hex')
    .slice(0, 8);
  const name = source.repo
    .split('/')
    .pop()!
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return {
    source,
    path: stagedModelPath(source),
    manifestHead: `${source.repo} ${source.revision}`,
    job: `stage-${name}-${hash}`,
  };
}

/** The staging Jobs of an environment: one per model revision its vLLM deployments serve. */
export function modelStaging(cluster: Cluster, platform: Platform, entries: readonly VllmDeployment[]): void {
  const bySource = new Map<string, { model: StagedModel; deployments: VllmDeployment[] }>();
  for (const e of entries) {
    const m = stagedModel((e.placement.model as { source: PinnedSource }).source);
    const found = bySource.get(m.job);
    if (found) found.deployments.push(e);
    else bySource.set(m.job, { model: m, deployments: [e] });
  }
  if (bySource.size === 0) return;
  const ns = cluster.namespaces.declare(STAGING.namespace, {
    podSecurity: 'restricted',
    isolation: 'namespace',
  });
  const token = platform.secrets.huggingFaceToken(ns);
  // The Hub and S3 over HTTPS (S3 through the gateway endpoint still has public addresses).
  cluster.network.httpsEgress(ns, 'model-staging', LABELS);
  cluster.network.podIdentityAgent(ns, 'model-staging', LABELS);
  new KubeServiceAccount(cluster.layers.apps, `serviceaccount-${ns}-${STAGING.serviceAccount}`, {
    metadata: { name: STAGING.serviceAccount, namespace: ns, labels: { ...LABELS } },
    automountServiceAccountToken: false,
  });
  new ConfigMap(cluster.layers.apps, `configmap-${ns}-${STAGING_CONFIGMAP}`, {
    metadata: { name: STAGING_CONFIGMAP, namespace: ns, labels: { ...LABELS } },
    data: { [`${STAGE_MODEL_MODULE}.py`]: STAGE_MODEL_SOURCE },
    immutable: false,
  });
  const scratch = nonRootEnvironment('vllm');
  for (const { model, deployments } of [...bySource.values()].sort((a, b) =>
    a.model.job.localeCompare(b.model.job),
  )) {
    const s3Key = model.path.s3Key!;
    const deadline = stagingDeadlineSeconds(deployments[0]!.placement.model as LanguageModel);
    new KubeJob(cluster.layers.apps, `job-${model.job}`, {
      metadata: {
        name: model.job,
        namespace: ns,
        labels: { ...LABELS, 'app.kubernetes.io/instance': model.job },
        annotations: { 'genai-eks.io/staged-model': model.manifestHead },
      },
      spec: {
        // Resumes where a failed run stopped (uploaded files of the right size are skipped).
        backoffLimit: 3,
        activeDeadlineSeconds: deadline,
        template: {
          metadata: { labels: { ...LABELS, 'app.kubernetes.io/instance': model.job } },
          spec: {
            serviceAccountName: STAGING.serviceAccount,
            automountServiceAccountToken: false,
            restartPolicy: 'Never',
            securityContext: restrictedPod(UID),
            ...cpuPlacement(),
            containers: [
              {
                name: 'stage',
                image: versions.vllmImage,
                imagePullPolicy: 'IfNotPresent',
                command: ['python3', `${PROGRAM_DIR}/${STAGE_MODEL_MODULE}.py`],
                env: [
                  ...scratch.env,
                  { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: token.name, key: token.key } } },
                  { name: 'REPO', value: model.source.repo },
                  { name: 'REVISION', value: model.source.revision },
                  { name: 'BUCKET', value: contractRef('MODEL_BUCKET') },
                  { name: 'PREFIX', value: s3Key },
                  { name: 'MARKER', value: MODEL_STAGED_MARKER },
                  { name: 'SCRATCH', value: SCRATCH.path },
                  { name: 'AWS_REGION', value: contractRef('AWS_REGION') },
                  // Plain log lines, no progress bars
                  // (https://huggingface.co/docs/huggingface_hub/package_reference/environment_variables).
                  { name: 'HF_HUB_DISABLE_PROGRESS_BARS', value: '1' },
                ],
                resources: {
                  requests: quantities({ cpu: '1', memory: '4Gi', 'ephemeral-storage': SCRATCH.size }),
                  limits: quantities({ memory: '8Gi', 'ephemeral-storage': '32Gi' }),
                },
                volumeMounts: [
                  { name: 'program', mountPath: PROGRAM_DIR, readOnly: true },
                  { name: 'scratch', mountPath: SCRATCH.path },
                  { name: 'dshm', mountPath: '/dev/shm' },
                  ...scratch.volumeMounts,
                ],
                securityContext: restrictedContainer(),
              },
            ],
            volumes: [
              { name: 'program', configMap: { name: STAGING_CONFIGMAP } },
              { name: 'scratch', emptyDir: { sizeLimit: qty(SCRATCH.size) } },
              // The image's Python writes /dev/shm (apps/workloads/images.ts); nothing here needs much.
              { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: qty('64Mi') } },
              ...scratch.volumes,
            ],
          },
        },
      },
    });
  }
}
