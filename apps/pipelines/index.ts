/**
 * Argo Workflows (HelmRelease, controllers layer) and the `dogbooth-fine-tune` WorkflowTemplate
 * (apps layer): data preparation, model configuration, a hyperparameter sweep of parallel
 * GPU fine-tunings each validated and evaluated on held-out data, selection of the best
 * candidate, and deployment (the release and the `dogbooth/current` pointer published to the
 * model bucket, which the dogbooth RayService follows through FSx). Artifacts go to the model
 * bucket with the `argo-workflow` service account's Pod Identity role.
 */
import { contractRef } from '../../clusters/contract.js';
import { IDENTITIES } from '../../clusters/identities.js';
import { versions } from '../../clusters/versions.js';
import { checkPodFits, podShare, poolInstance, WorkloadError } from '../catalog/fit.js';
import { MODEL_CATALOGUE } from '../catalog/models.js';
import { helmRelease } from '../flux/helm.js';
import type { Cluster } from '../lib/cluster.js';
import {
  acceleratedPlacement,
  type Container,
  cpuPlacement,
  type EnvVar,
  restrictedContainer,
  restrictedPod,
  systemPlacement,
} from '../lib/pod.js';
import { resource } from '../lib/resource.js';
import { namespace } from '../namespaces/index.js';
import { huggingFaceToken } from '../secrets/huggingface.js';
import { modelVolumeClaim } from '../storage/models.js';
import {
  CONFIGURE,
  EVALUATE,
  fineTune,
  PREPARE_DATA,
  PUBLISH,
  SELECT,
  VALIDATE,
  withPackages,
} from './scripts.js';
import type { WorkflowTemplateSpec } from './types.js';

const ARGO = IDENTITIES.argoWorkflows;
export const PIPELINE_NAME = 'dogbooth-fine-tune';
/** Non-root user of the notebook image the steps run in (jovyan). */
const UID = 1000;
const BASE_MODEL = 'stable-diffusion-2-1';

export function argoWorkflows(cluster: Cluster): void {
  if (!cluster.env.workloads?.pipeline) return;
  const ns = namespace(cluster, ARGO.namespace, 'restricted');
  const chart = versions.argoWorkflowsChart;
  const podSecurityContext = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
  const small = { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } };
  helmRelease(cluster, {
    name: 'argo-workflows',
    namespace: ns,
    chart,
    values: {
      images: { pullPolicy: 'IfNotPresent' },
      crds: { install: true, keep: true },
      workflow: {
        serviceAccount: { create: true, name: ARGO.serviceAccount },
        rbac: { create: true },
      },
      controller: {
        workflowNamespaces: [ns],
        podSecurityContext,
        resources: { requests: { cpu: '200m', memory: '512Mi' }, limits: { memory: '1Gi' } },
        // Controllers layer: on the system nodes (no NodePool exists yet), via
        // `controller.`/`server.` `nodeSelector`/`tolerations` (values table of
        // charts/argo-workflows/README.md in argoproj/argo-helm; the chart's default
        // `kubernetes.io/os` selector merges in). Workflow step pods keep their own placement.
        ...systemPlacement(),
      },
      server: {
        podSecurityContext,
        resources: small,
        ...systemPlacement(),
      },
      // The init and wait containers Argo adds to every step pod.
      executor: {
        securityContext: restrictedContainer(),
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
      },
      mainContainer: { securityContext: restrictedContainer() },
      // Artifacts in the model bucket, with the workflow service account's Pod Identity role.
      useDefaultArtifactRepo: true,
      useStaticCredentials: false,
      artifactRepository: {
        archiveLogs: true,
        s3: {
          bucket: contractRef('MODEL_BUCKET'),
          endpoint: `s3.${contractRef('AWS_REGION')}.amazonaws.com`,
          region: contractRef('AWS_REGION'),
          useSDKCreds: true,
          keyFormat: 'pipelines/{{workflow.name}}/{{pod.name}}',
        },
      },
    },
  });
}

export function fineTunePipeline(cluster: Cluster): void {
  const cfg = cluster.env.workloads?.pipeline;
  if (!cfg) return;
  const what = `workflowtemplate ${PIPELINE_NAME}`;
  const field = 'workloads.pipeline.gpuInstanceType';
  const gpu = poolInstance(cluster.env, what, field, 'nvidia', cfg.gpuInstanceType);
  if (gpu.device.memoryGB < 24) {
    throw new WorkloadError(
      `${what}: ${field}: DreamBooth fine-tuning of Stable Diffusion at 768 px needs an A10G-class GPU (24 GB or more), ${gpu.name} has ${gpu.device.memoryGB} GB`,
    );
  }
  const ns = ARGO.namespace;
  const token = huggingFaceToken(cluster, ns);
  const claim = modelVolumeClaim(cluster, ns);
  const base = MODEL_CATALOGUE.get(BASE_MODEL)!;
  const pip = versions.dogboothPip;
  const packages = Object.entries(pip).map(([n, v]) => `${n}==${v}`);
  const trainScript = `https://raw.githubusercontent.com/huggingface/diffusers/v${pip.diffusers}/examples/dreambooth/train_dreambooth.py`;
  const image = `${versions.notebookImage.name}:${versions.notebookImage.tag}`;
  const env: EnvVar[] = [
    { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: token.name, key: token.key } } },
    // Base models and CLIP are cached on FSx: sweep branches do not download them again.
    { name: 'HF_HOME', value: '/models/hf-cache' },
  ];
  const share = podShare(gpu, 1);
  const gpuPlacement = acceleratedPlacement('nvidia', gpu.name);
  const gpuResources = {
    // Scratch space: class images, the full-precision checkpoint and the fp16 export.
    requests: {
      cpu: String(share.cpu),
      memory: `${share.memoryGiB}Gi`,
      'ephemeral-storage': '40Gi',
      'nvidia.com/gpu': 1,
    },
    limits: { memory: `${share.memoryGiB}Gi`, 'ephemeral-storage': '60Gi', 'nvidia.com/gpu': 1 },
  };
  const cpuResources = { requests: { cpu: '1', memory: '2Gi' }, limits: { memory: '4Gi' } };
  checkPodFits(what, { ...gpuPlacement, containers: [{ resources: gpuResources }] }, 'nvidia', gpu);

  const script = (
    source: string,
    resources: Container['resources'],
    mounts: Container['volumeMounts'] = [],
  ) => ({
    image,
    imagePullPolicy: 'IfNotPresent' as const,
    command: ['python3'],
    source,
    env,
    resources,
    volumeMounts: [{ name: 'models', mountPath: '/models' }, ...(mounts ?? [])],
    securityContext: restrictedContainer(),
  });
  const onGpu = { ...gpuPlacement, retryStrategy: { limit: '2', retryPolicy: 'OnError' as const } };
  const onCpu = cpuPlacement();
  const dshm = [{ name: 'dshm', mountPath: '/dev/shm' }];
  const candidateKey = (index: string) => `dogbooth/candidates/{{workflow.name}}/${index}`;

  const spec: WorkflowTemplateSpec = {
    entrypoint: 'pipeline',
    serviceAccountName: ARGO.serviceAccount,
    parallelism: cfg.parallelism ?? 2,
    activeDeadlineSeconds: 24 * 3600,
    podGC: { strategy: 'OnPodSuccess' },
    ttlStrategy: { secondsAfterCompletion: 7 * 24 * 3600 },
    securityContext: restrictedPod(UID),
    volumes: [
      { name: 'models', persistentVolumeClaim: { claimName: claim } },
      { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '8Gi' } },
    ],
    arguments: {
      parameters: [
        { name: 'base-model', value: base.source.repo },
        { name: 'dataset', value: 'diffusers/dog-example' },
        { name: 'instance-prompt', value: 'a photo of sks dog' },
        { name: 'class-prompt', value: 'a photo of dog' },
        { name: 'learning-rates', value: JSON.stringify(cfg.learningRates) },
        { name: 'max-train-steps', value: String(cfg.maxTrainSteps ?? 800) },
      ],
    },
    templates: [
      {
        name: 'pipeline',
        dag: {
          tasks: [
            { name: 'prepare-data', template: 'prepare-data' },
            { name: 'configure', template: 'configure' },
            {
              name: 'sweep',
              template: 'candidate',
              depends: 'prepare-data && configure',
              withParam: '{{tasks.configure.outputs.parameters.sweep}}',
              arguments: {
                parameters: [
                  { name: 'index', value: '{{item.index}}' },
                  { name: 'lr', value: '{{item.lr}}' },
                  { name: 'steps', value: '{{item.steps}}' },
                ],
                artifacts: [{ name: 'data', from: '{{tasks.prepare-data.outputs.artifacts.data}}' }],
              },
            },
            {
              name: 'select',
              template: 'select',
              depends: 'sweep',
              arguments: { parameters: [{ name: 'results', value: '{{tasks.sweep.outputs.parameters}}' }] },
            },
            {
              name: 'deploy',
              template: 'deploy',
              depends: 'select',
              arguments: {
                parameters: [{ name: 'best', value: '{{tasks.select.outputs.parameters.best}}' }],
              },
            },
          ],
        },
      },
      {
        name: 'prepare-data',
        ...onCpu,
        outputs: { artifacts: [{ name: 'data', path: '/out' }] },
        script: script(withPackages(packages, PREPARE_DATA), cpuResources),
      },
      {
        name: 'configure',
        ...onCpu,
        outputs: { parameters: [{ name: 'sweep', valueFrom: { path: '/tmp/sweep.json' } }] },
        script: script(CONFIGURE, cpuResources),
      },
      {
        name: 'candidate',
        inputs: {
          parameters: [{ name: 'index' }, { name: 'lr' }, { name: 'steps' }],
          artifacts: [{ name: 'data' }],
        },
        outputs: {
          parameters: [
            { name: 'index', valueFrom: { parameter: '{{inputs.parameters.index}}' } },
            { name: 'score', valueFrom: { parameter: '{{tasks.evaluate.outputs.parameters.score}}' } },
          ],
        },
        dag: {
          tasks: [
            {
              name: 'fine-tune',
              template: 'fine-tune',
              arguments: {
                parameters: ['index', 'lr', 'steps'].map((n) => ({
                  name: n,
                  value: `{{inputs.parameters.${n}}}`,
                })),
                artifacts: [{ name: 'data', from: '{{inputs.artifacts.data}}' }],
              },
            },
            {
              name: 'validate',
              template: 'validate',
              depends: 'fine-tune',
              arguments: {
                parameters: [{ name: 'index', value: '{{inputs.parameters.index}}' }],
                artifacts: [{ name: 'model', from: '{{tasks.fine-tune.outputs.artifacts.model}}' }],
              },
            },
            {
              name: 'evaluate',
              template: 'evaluate',
              depends: 'validate',
              arguments: {
                parameters: [{ name: 'index', value: '{{inputs.parameters.index}}' }],
                artifacts: [
                  { name: 'model', from: '{{tasks.fine-tune.outputs.artifacts.model}}' },
                  { name: 'data', from: '{{inputs.artifacts.data}}' },
                ],
              },
            },
          ],
        },
      },
      {
        name: 'fine-tune',
        ...onGpu,
        inputs: {
          parameters: [{ name: 'index' }, { name: 'lr' }, { name: 'steps' }],
          artifacts: [{ name: 'data', path: '/data' }],
        },
        outputs: {
          artifacts: [
            {
              name: 'model',
              path: '/out/model',
              archive: { none: {} },
              s3: { key: candidateKey('{{inputs.parameters.index}}') },
            },
          ],
        },
        script: script(withPackages(packages, fineTune(trainScript)), gpuResources, dshm),
      },
      {
        name: 'validate',
        ...onGpu,
        inputs: { parameters: [{ name: 'index' }], artifacts: [{ name: 'model', path: '/model' }] },
        script: script(withPackages(packages, VALIDATE), gpuResources, dshm),
      },
      {
        name: 'evaluate',
        ...onGpu,
        inputs: {
          parameters: [{ name: 'index' }],
          artifacts: [
            { name: 'model', path: '/model' },
            { name: 'data', path: '/data' },
          ],
        },
        outputs: { parameters: [{ name: 'score', valueFrom: { path: '/tmp/score' } }] },
        script: script(withPackages(packages, EVALUATE), gpuResources, dshm),
      },
      {
        name: 'select',
        ...onCpu,
        inputs: { parameters: [{ name: 'results' }] },
        outputs: { parameters: [{ name: 'best', valueFrom: { path: '/tmp/best' } }] },
        script: script(SELECT, cpuResources),
      },
      {
        name: 'deploy',
        ...onCpu,
        inputs: {
          parameters: [{ name: 'best' }],
          artifacts: [
            { name: 'model', path: '/model', s3: { key: candidateKey('{{inputs.parameters.best}}') } },
          ],
        },
        outputs: {
          artifacts: [
            {
              name: 'release',
              path: '/out/release',
              archive: { none: {} },
              s3: { key: 'dogbooth/releases/{{workflow.name}}' },
            },
            { name: 'current', path: '/out/current', archive: { none: {} }, s3: { key: 'dogbooth/current' } },
          ],
        },
        script: script(PUBLISH, cpuResources),
      },
    ],
  };
  resource(cluster.layers.apps, `workflowtemplate-${PIPELINE_NAME}`, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'WorkflowTemplate',
    metadata: { name: PIPELINE_NAME, namespace: ns, labels: { 'app.kubernetes.io/name': PIPELINE_NAME } },
    body: { spec },
  });
}
