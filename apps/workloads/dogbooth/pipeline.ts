/**
 * The `dogbooth-fine-tune` WorkflowTemplate (apps layer, Argo Workflows): data preparation, model
 * configuration, a hyperparameter sweep of parallel GPU fine-tunings each validated and evaluated
 * on held-out data, selection of the best candidate, and deployment: the release and the
 * pointer published under the model bucket's linked prefix (clusters/contract.ts
 * `modelDataPath('linked', …)`), which FSx imports and the dogbooth RayService reads. Artifacts go
 * to the model bucket with the step service account's Pod Identity role.
 *
 * Steps run the image's own user (jovyan, uid 1000) and keep every file under an emptyDir at
 * /work; their Python is one module in a ConfigMap (pipeline-scripts.ts).
 *
 * Typed by the Argo Workflows CRD (apps/imports/argoproj.io.ts); resource quantities are the
 * Kubernetes API's (structurally the same).
 */
import { ConfigMap } from 'cdk8s-plus-28';
import type { Model } from '../../../clusters/catalog/models.js';
import { modelDataMount, modelDataPath } from '../../../clusters/contract.js';
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
  RUN_TO_COMPLETION,
  restrictedContainer,
  restrictedPod,
} from '../../lib/pod.js';
import type { Platform } from '../../platform/index.js';
import { EXECUTOR_REQUESTS } from '../../platform/workflows/index.js';
import { IMAGES } from '../images.js';
import { shareQuantities } from '../placement.js';
import { PIPELINE_MODULE, PIPELINE_MODULE_SOURCE, stepSource, WORK, workPath } from './pipeline-scripts.js';

export const PIPELINE_NAME = 'dogbooth-fine-tune';
/** ConfigMap carrying the steps' Python module. */
export const PIPELINE_CONFIGMAP = 'dogbooth-pipeline';
/** Where the module is mounted in every step. */
const LIB = '/opt/dogbooth-pipeline';
/** The notebook image's user (jovyan), which the steps run as. */
const UID = IMAGES.notebook.user.uid;
/** The pointer the dogbooth Serve app follows and the folder of releases (model data, linked area). */
export const DOGBOOTH_POINTER = modelDataPath('linked', 'dogbooth/current');
export const dogboothRelease = (workflow: string) => modelDataPath('linked', `dogbooth/releases/${workflow}`);
/** CLIP model the evaluation compares samples with held-out photos by. */
const CLIP_MODEL = 'openai/clip-vit-large-patch14';

export function fineTunePipeline(cluster: Cluster, platform: Platform, cfg: Pipeline, base: Model): void {
  const workflows = platform.workflows;
  // The platform installs Argo Workflows wherever the environment has a pipeline.
  if (!workflows) throw new Error(`${PIPELINE_NAME}: Argo Workflows is not installed`);
  if (base.source.kind !== 'huggingface' || !base.source.revision) {
    throw new Error(
      `${PIPELINE_NAME}: the base model must come from the Hugging Face Hub at a pinned revision`,
    );
  }
  const ns = workflows.namespace;
  const token = platform.secrets.huggingFaceToken(ns);
  const claim = platform.storage.fsx(ns);
  const pip = versions.dogboothPip;
  const packages = JSON.stringify(Object.entries(pip).map(([n, v]) => `${n}==${v}`));
  const trainScript = `https://raw.githubusercontent.com/huggingface/diffusers/v${pip.diffusers}/examples/dreambooth/train_dreambooth.py`;
  const image = IMAGES.notebook.image;
  const labels = { 'app.kubernetes.io/name': PIPELINE_NAME };

  new ConfigMap(cluster.layers.apps, `configmap-${ns}-${PIPELINE_CONFIGMAP}`, {
    metadata: { name: PIPELINE_CONFIGMAP, namespace: ns, labels },
    data: { [`${PIPELINE_MODULE}.py`]: PIPELINE_MODULE_SOURCE },
    immutable: false,
  });

  const common: EnvVar[] = [
    { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: token.name, key: token.key } } },
    // Base models and CLIP are cached on FSx: sweep branches do not download them again.
    { name: 'HF_HOME', value: modelDataPath('cache', 'huggingface').containerPath },
    { name: 'PYTHONPATH', value: LIB },
  ];
  const { instance: gpu, ...nodeShare } = cfg.gpu;
  // The node's share for one GPU less Argo's `wait` container, which runs beside the step
  // (EXECUTOR_REQUESTS): with the whole share the pod would not fit the node it is sized for.
  const share = {
    cpuMillicores: nodeShare.cpuMillicores - EXECUTOR_REQUESTS.cpuMillicores,
    memoryMiB: nodeShare.memoryMiB - EXECUTOR_REQUESTS.memoryMiB,
  };
  const gpuPlacement = acceleratedPlacement('nvidia', gpu.name);
  const gpuResources: ResourceRequirements = {
    // Scratch space: class images, the full-precision checkpoint and the fp16 export.
    requests: quantities({
      ...shareQuantities(share),
      'ephemeral-storage': '40Gi',
      'nvidia.com/gpu': 1,
    }),
    limits: quantities({
      memory: shareQuantities(share).memory,
      'ephemeral-storage': '60Gi',
      'nvidia.com/gpu': 1,
    }),
  };
  const cpuResources: ResourceRequirements = {
    requests: quantities({ cpu: '1', memory: '2Gi' }),
    limits: quantities({ memory: '4Gi' }),
  };
  const baseMounts: VolumeMount[] = [
    { name: 'work', mountPath: WORK },
    { name: 'pipeline', mountPath: LIB, readOnly: true },
    modelDataMount('cache', 'models'),
  ];
  const dshm: VolumeMount[] = [{ name: 'dshm', mountPath: '/dev/shm' }];

  const script = (
    step: string,
    env: Readonly<Record<string, string>>,
    resources: ResourceRequirements,
    mounts: VolumeMount[] = [],
  ): WorkflowTemplateSpecTemplatesScript => ({
    image,
    imagePullPolicy: 'IfNotPresent',
    command: ['python3'],
    source: stepSource(step),
    env: [...common, ...Object.entries(env).map(([name, value]) => ({ name, value }))],
    resources,
    volumeMounts: [...baseMounts, ...mounts],
    securityContext: restrictedContainer(),
  });
  const onGpu = {
    ...gpuPlacement,
    // An evicted training or evaluation step starts over: its GPU node stays until it ends.
    metadata: { annotations: { ...RUN_TO_COMPLETION } },
    retryStrategy: {
      limit: WorkflowTemplateSpecTemplatesRetryStrategyLimit.fromString('2'),
      retryPolicy: WorkflowTemplateSpecTemplatesRetryStrategyRetryPolicy.ON_ERROR,
    },
  };
  const onCpu = cpuPlacement();
  // Candidates are pipeline artifacts, outside the linked prefix: FSx never imports them.
  const candidateKey = (index: string) => `pipelines/${PIPELINE_NAME}/{{workflow.name}}/candidates/${index}`;
  const release = dogboothRelease('{{workflow.name}}');
  const shared = {
    INSTANCE_PROMPT: '{{workflow.parameters.instance-prompt}}',
    PACKAGES: packages,
  };

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
      outputs: { artifacts: [{ name: 'data', path: workPath('out', 'data') }] },
      script: script('prepare-data', { ...shared, DATASET: '{{workflow.parameters.dataset}}' }, cpuResources),
    },
    {
      name: 'configure',
      ...onCpu,
      outputs: { parameters: [{ name: 'sweep', valueFrom: { path: workPath('out', 'sweep.json') } }] },
      script: script(
        'configure',
        {
          LEARNING_RATES: '{{workflow.parameters.learning-rates}}',
          MAX_TRAIN_STEPS: '{{workflow.parameters.max-train-steps}}',
        },
        cpuResources,
      ),
    },
    {
      name: 'candidate',
      inputs: {
        parameters: [{ name: 'index' }, { name: 'lr' }, { name: 'steps' }],
        artifacts: [{ name: 'data' }],
      },
      // A DAG's outputs come from its tasks' outputs. An input reference here would be
      // substituted with its value before the outputs are resolved, leaving a literal Argo
      // cannot resolve (argoproj/argo-workflows@v4.1.2: workflow/common/util.go SubstituteParams
      // replaces {{inputs.parameters.*}} in the whole template, workflow/controller/operator.go
      // getTemplateOutputsFromScope then resolves valueFrom.parameter as a variable name).
      outputs: {
        parameters: [
          { name: 'index', valueFrom: { parameter: '{{tasks.evaluate.outputs.parameters.index}}' } },
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
        artifacts: [{ name: 'data', path: workPath('in', 'data') }],
      },
      outputs: {
        artifacts: [
          {
            name: 'model',
            path: workPath('out', 'model'),
            archive: { none: {} },
            s3: { key: candidateKey('{{inputs.parameters.index}}') },
          },
        ],
      },
      script: script(
        'fine-tune',
        {
          ...shared,
          CANDIDATE: '{{inputs.parameters.index}}',
          LEARNING_RATE: '{{inputs.parameters.lr}}',
          STEPS: '{{inputs.parameters.steps}}',
          BASE_MODEL: '{{workflow.parameters.base-model}}',
          BASE_MODEL_REVISION: '{{workflow.parameters.base-model-revision}}',
          CLASS_PROMPT: '{{workflow.parameters.class-prompt}}',
          TRAIN_SCRIPT_URL: trainScript,
        },
        gpuResources,
        dshm,
      ),
    },
    {
      name: 'validate',
      ...onGpu,
      inputs: {
        parameters: [{ name: 'index' }],
        artifacts: [{ name: 'model', path: workPath('in', 'model') }],
      },
      script: script('validate', { ...shared, CANDIDATE: '{{inputs.parameters.index}}' }, gpuResources, dshm),
    },
    {
      name: 'evaluate',
      ...onGpu,
      inputs: {
        parameters: [{ name: 'index' }],
        artifacts: [
          { name: 'model', path: workPath('in', 'model') },
          { name: 'data', path: workPath('in', 'data') },
        ],
      },
      outputs: {
        parameters: [
          { name: 'score', valueFrom: { path: workPath('out', 'score') } },
          { name: 'index', valueFrom: { path: workPath('out', 'index') } },
        ],
      },
      script: script(
        'evaluate',
        { ...shared, CANDIDATE: '{{inputs.parameters.index}}', CLIP_MODEL },
        gpuResources,
        dshm,
      ),
    },
    {
      name: 'select',
      ...onCpu,
      inputs: { parameters: [{ name: 'results' }] },
      outputs: { parameters: [{ name: 'best', valueFrom: { path: workPath('out', 'best') } }] },
      script: script('select', { RESULTS: '{{inputs.parameters.results}}' }, cpuResources),
    },
    {
      name: 'deploy',
      ...onCpu,
      inputs: {
        parameters: [{ name: 'best' }],
        artifacts: [
          {
            name: 'model',
            path: workPath('in', 'model'),
            s3: { key: candidateKey('{{inputs.parameters.best}}') },
          },
        ],
      },
      // The release first, then the pointer (Argo saves output artifacts in order), both under
      // the linked prefix: FSx imports them and the Serve app switches when the pointer changes.
      outputs: {
        artifacts: [
          {
            name: 'release',
            path: workPath('out', 'release'),
            archive: { none: {} },
            s3: { key: s3Key(release.s3Key) },
          },
          {
            name: 'current',
            path: workPath('out', 'current'),
            archive: { none: {} },
            s3: { key: s3Key(DOGBOOTH_POINTER.s3Key) },
          },
        ],
      },
      script: script('deploy', { RELEASE: release.relative }, cpuResources),
    },
  ];
  const specHead: WorkflowTemplateSpec = {
    activeDeadlineSeconds: 24 * 3600,
    podGc: { strategy: WorkflowTemplateSpecPodGcStrategy.ON_POD_SUCCESS },
    ttlStrategy: { secondsAfterCompletion: 7 * 24 * 3600 },
    securityContext: restrictedPod(UID),
    volumes: [
      { name: 'models', persistentVolumeClaim: { claimName: claim } },
      { name: 'work', emptyDir: { sizeLimit: qty('50Gi') } },
      { name: 'pipeline', configMap: { name: PIPELINE_CONFIGMAP } },
      { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: qty('8Gi') } },
    ],
    arguments: {
      parameters: [
        { name: 'base-model', value: base.source.repo },
        { name: 'base-model-revision', value: base.source.revision },
        { name: 'dataset', value: 'diffusers/dog-example' },
        { name: 'instance-prompt', value: 'a photo of sks dog' },
        { name: 'class-prompt', value: 'a photo of dog' },
        { name: 'learning-rates', value: JSON.stringify(cfg.learningRates) },
        { name: 'max-train-steps', value: String(cfg.maxTrainSteps) },
      ],
    },
  };
  new WorkflowTemplate(cluster.layers.apps, `workflowtemplate-${PIPELINE_NAME}`, {
    metadata: { name: PIPELINE_NAME, namespace: ns, labels },
    spec: {
      entrypoint: 'pipeline',
      serviceAccountName: workflows.serviceAccount,
      parallelism: cfg.parallelism,
      ...specHead,
      templates,
    },
  });
}

function s3Key(key: string | undefined): string {
  if (key === undefined) throw new Error('model data outside the linked area has no S3 key');
  return key;
}
