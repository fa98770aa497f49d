/**
 * The `dogbooth-fine-tune` WorkflowTemplate (apps layer, Argo Workflows): data preparation, model
 * configuration, a hyperparameter sweep of parallel GPU fine-tunings each validated and evaluated
 * on held-out data, selection of the best candidate, and deployment (the release and the
 * `dogbooth/current` pointer published to the model bucket, which the dogbooth RayService follows
 * through FSx). Artifacts go to the model bucket with the step service account's Pod Identity role.
 *
 * Typed by the Argo Workflows CRD (apps/imports/argoproj.io.ts); resource quantities are the
 * Kubernetes API's (structurally the same).
 */
import type { Model } from '../../../clusters/catalog/models.js';
import type { Pipeline } from '../../../clusters/lib/resolve.js';
import { versions } from '../../../clusters/versions.js';
import type { EnvVar, ResourceRequirements, VolumeMount } from '../../imports/k8s.js';
import {
  WorkflowTemplate,
  type WorkflowTemplateSpec,
  WorkflowTemplateSpecPodGcStrategy,
  type WorkflowTemplateSpecTemplates,
  WorkflowTemplateSpecTemplatesRetryStrategyLimit,
  WorkflowTemplateSpecTemplatesRetryStrategyRetryPolicy,
  type WorkflowTemplateSpecTemplatesScript,
} from '../../imports/workflowtemplate-argoproj.io.js';
import type { Cluster } from '../../lib/cluster.js';
import {
  acceleratedPlacement,
  cpuPlacement,
  qty,
  quantities,
  restrictedContainer,
  restrictedPod,
} from '../../lib/pod.js';
import type { Platform } from '../../platform/index.js';
import {
  CONFIGURE,
  EVALUATE,
  fineTune,
  PREPARE_DATA,
  PUBLISH,
  SELECT,
  VALIDATE,
  withPackages,
} from './pipeline-scripts.js';

export const PIPELINE_NAME = 'dogbooth-fine-tune';
/** Non-root user of the notebook image the steps run in (jovyan). */
const UID = 1000;

export function fineTunePipeline(cluster: Cluster, platform: Platform, cfg: Pipeline, base: Model): void {
  const workflows = platform.workflows;
  // The platform installs Argo Workflows wherever the environment has a pipeline.
  if (!workflows) throw new Error(`${PIPELINE_NAME}: Argo Workflows is not installed`);
  const ns = workflows.namespace;
  const token = platform.secrets.huggingFaceToken(ns);
  const claim = platform.storage.fsx(ns);
  const pip = versions.dogboothPip;
  const packages = Object.entries(pip).map(([n, v]) => `${n}==${v}`);
  const trainScript = `https://raw.githubusercontent.com/huggingface/diffusers/v${pip.diffusers}/examples/dreambooth/train_dreambooth.py`;
  const image = `${versions.notebookImage.name}:${versions.notebookImage.tag}`;
  const env: EnvVar[] = [
    { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: token.name, key: token.key } } },
    // Base models and CLIP are cached on FSx: sweep branches do not download them again.
    { name: 'HF_HOME', value: '/models/hf-cache' },
  ];
  const { instance: gpu, ...share } = cfg.gpu;
  const gpuPlacement = acceleratedPlacement('nvidia', gpu.name);
  const gpuResources: ResourceRequirements = {
    // Scratch space: class images, the full-precision checkpoint and the fp16 export.
    requests: quantities({
      cpu: String(share.cpu),
      memory: `${share.memoryGiB}Gi`,
      'ephemeral-storage': '40Gi',
      'nvidia.com/gpu': 1,
    }),
    limits: quantities({ memory: `${share.memoryGiB}Gi`, 'ephemeral-storage': '60Gi', 'nvidia.com/gpu': 1 }),
  };
  const cpuResources: ResourceRequirements = {
    requests: quantities({ cpu: '1', memory: '2Gi' }),
    limits: quantities({ memory: '4Gi' }),
  };

  const script = (
    source: string,
    resources: ResourceRequirements,
    mounts: VolumeMount[] = [],
  ): WorkflowTemplateSpecTemplatesScript => ({
    image,
    imagePullPolicy: 'IfNotPresent',
    command: ['python3'],
    source,
    env,
    resources,
    volumeMounts: [{ name: 'models', mountPath: '/models' }, ...mounts],
    securityContext: restrictedContainer(),
  });
  const onGpu = {
    ...gpuPlacement,
    retryStrategy: {
      limit: WorkflowTemplateSpecTemplatesRetryStrategyLimit.fromString('2'),
      retryPolicy: WorkflowTemplateSpecTemplatesRetryStrategyRetryPolicy.ON_ERROR,
    },
  };
  const onCpu = cpuPlacement();
  const dshm: VolumeMount[] = [{ name: 'dshm', mountPath: '/dev/shm' }];
  const candidateKey = (index: string) => `dogbooth/candidates/{{workflow.name}}/${index}`;

  const templates: WorkflowTemplateSpecTemplates[] = [
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
  ];
  const specHead: WorkflowTemplateSpec = {
    activeDeadlineSeconds: 24 * 3600,
    podGc: { strategy: WorkflowTemplateSpecPodGcStrategy.ON_POD_SUCCESS },
    ttlStrategy: { secondsAfterCompletion: 7 * 24 * 3600 },
    securityContext: restrictedPod(UID),
    volumes: [
      { name: 'models', persistentVolumeClaim: { claimName: claim } },
      { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: qty('8Gi') } },
    ],
    arguments: {
      parameters: [
        { name: 'base-model', value: base.source.repo },
        { name: 'dataset', value: 'diffusers/dog-example' },
        { name: 'instance-prompt', value: 'a photo of sks dog' },
        { name: 'class-prompt', value: 'a photo of dog' },
        { name: 'learning-rates', value: JSON.stringify(cfg.learningRates) },
        { name: 'max-train-steps', value: String(cfg.maxTrainSteps) },
      ],
    },
  };
  new WorkflowTemplate(cluster.layers.apps, `workflowtemplate-${PIPELINE_NAME}`, {
    metadata: { name: PIPELINE_NAME, namespace: ns, labels: { 'app.kubernetes.io/name': PIPELINE_NAME } },
    spec: {
      entrypoint: 'pipeline',
      serviceAccountName: workflows.serviceAccount,
      parallelism: cfg.parallelism,
      ...specHead,
      templates,
    },
  });
}
