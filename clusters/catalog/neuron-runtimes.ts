/**
 * The Neuron vLLM images ("vLLM with NxD Inference" Deep Learning Containers) the project knows,
 * by tag: the instance families each supports and the model types its NxD Inference release can
 * build. The loader refuses a Neuron deployment whose pinned image (clusters/versions.ts
 * `vllmNeuronImage`) is not listed here, does not support the instance family, or cannot build
 * the model's architecture: the server would crash at start.
 *
 * The vLLM Neuron plugin picks the NxD Inference class from the model's `architectures[0]`: the
 * part before "For", lower-cased, looked up in NxD Inference's `MODEL_TYPES`
 * (vllm-project/vllm-neuron@0.2.0:vllm_neuron/worker/neuronx_distributed_model_loader.py
 * `_get_neuron_model_cls`; the plugin's later releases are not readable here).
 */

export interface NeuronRuntime {
  /** The image tag (public.ecr.aws/neuron/pytorch-inference-vllm-neuronx:<tag>). */
  readonly tag: string;
  readonly sdk: string;
  readonly nxdInference: string;
  /** Branch of vllm-project/vllm-neuron the image installs. */
  readonly vllmNeuron: string;
  /** Instance families the image supports. */
  readonly instanceFamilies: readonly string[];
  /** NxD Inference model types (keys of MODEL_TYPES) the image can build. */
  readonly modelTypes: readonly string[];
  readonly sources: readonly string[];
}

const DLC = 'aws-neuron/deep-learning-containers';

export const NEURON_RUNTIMES: readonly NeuronRuntime[] = [
  {
    tag: '0.13.0-neuronx-py312-sdk2.28.0-ubuntu24.04',
    sdk: '2.28.0',
    nxdInference: '0.8.16251',
    vllmNeuron: 'release-0.4.1',
    instanceFamilies: ['trn1', 'trn2', 'trn3', 'inf2'],
    modelTypes: [
      'gpt_oss',
      'llama',
      'llama4',
      'mllama',
      'mixtral',
      'pixtral',
      'dbrx',
      'qwen2',
      'qwen2_vl',
      'qwen3',
      'qwen3_moe',
      'qwen3_vl',
    ],
    sources: [
      `${DLC}@2.28.0:vllm/inference/0.13.0/Dockerfile.neuronx (NEURONX_DISTRIBUTED_INFERENCE_VERSION, GITHUB_REPO_BRANCH) and README.md (supported instance types)`,
      'aws-neuron/neuronx-distributed-inference@cd3abf3 ("Neuron SDK Release 2.28.0"): src/neuronx_distributed_inference/utils/constants.py MODEL_TYPES — no mistral',
    ],
  },
  {
    tag: '0.16.0-neuronx-py312-sdk2.31.1-ubuntu24.04',
    sdk: '2.31.1',
    nxdInference: '0.10.18399',
    vllmNeuron: 'release-0.5.3',
    instanceFamilies: ['trn1', 'trn2', 'trn3', 'inf2'],
    modelTypes: [
      'gpt_oss',
      'llama',
      'llama4',
      'mllama',
      'mistral',
      'mixtral',
      'pixtral',
      'dbrx',
      'qwen2',
      'qwen2_vl',
      'qwen3',
      'qwen3_moe',
      'gemma3',
      'qwen3_vl',
    ],
    sources: [
      `${DLC}@2.31.1:vllm/inference/0.16.0/Dockerfile.neuronx (NEURONX_DISTRIBUTED_INFERENCE_VERSION 0.10.18399, GITHUB_REPO_BRANCH release-0.5.3)`,
      `${DLC}@2.32.0:README.md vllm-inference-neuronx: this tag supports trn1, trn2, trn3, inf2 (the 0.21 and 0.24 images: trn2, trn3 only)`,
      'aws-neuron/neuronx-distributed-inference@ef2731e (the release-2.29-v2 sync, version 0.9.0, the newest source published; 0.10 is not on GitHub): utils/constants.py MODEL_TYPES with mistral (models/mistral/modeling_mistral.py)',
    ],
  },
];

/** The catalogued runtime of an image tag. */
export function neuronRuntime(tag: string): NeuronRuntime | undefined {
  return NEURON_RUNTIMES.find((r) => r.tag === tag);
}

/** The NxD Inference model type the vLLM Neuron plugin derives from a Hugging Face architecture. */
export function neuronModelType(architecture: string): string {
  const model = architecture.split('For')[0]!.toLowerCase();
  return model === 'qwen3moe' ? 'qwen3_moe' : model;
}
