/**
 * The model catalogue: the facts the fit check needs. Figures come from each model's
 * `config.json` and model card on Hugging Face (linked per entry):
 * KV cache bytes per token = 2 (K and V) x layers x KV heads x head dim x dtype bytes.
 */

import type { AcceleratorKind } from './instances.js';

/** Where a serving pod reads the weights from. */
export type ModelSource =
  /** Downloaded from the Hugging Face Hub into the FSx cache on first start. */
  | { readonly kind: 'huggingface'; readonly repo: string }
  /** Pre-staged on the FSx volume (synced from the model bucket); path relative to the volume root. */
  | { readonly kind: 'fsx'; readonly path: string; readonly repo: string };

export interface LanguageModel {
  readonly kind: 'llm';
  /** Catalogue id used by environments. */
  readonly id: string;
  readonly source: ModelSource;
  /** Parameters, in billions. */
  readonly paramsBillion: number;
  /** Bytes per weight of the serving dtype (bf16/fp16: 2). */
  readonly dtypeBytes: number;
  /** dtype passed to the server. */
  readonly dtype: 'bfloat16' | 'float16';
  /** Maximum context length, tokens. */
  readonly contextLength: number;
  readonly layers: number;
  readonly kvHeads: number;
  readonly headDim: number;
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

const MISTRAL_7B_REPO = 'mistralai/Mistral-7B-Instruct-v0.2';

/**
 * https://huggingface.co/mistralai/Mistral-7B-Instruct-v0.2 (config.json: 32 layers, 32 attention
 * heads, 8 KV heads, hidden 4096 -> head dim 128, max_position_embeddings 32768, bf16): the facts
 * both Mistral entries share.
 */
const MISTRAL_7B_INSTRUCT = {
  kind: 'llm',
  paramsBillion: 7.24,
  dtypeBytes: 2,
  dtype: 'bfloat16',
  contextLength: 32768,
  layers: 32,
  kvHeads: 8,
  headDim: 128,
} as const;

const MODELS: readonly Model[] = [
  {
    // https://huggingface.co/meta-llama/Meta-Llama-3-8B-Instruct (config.json: 32 layers,
    // 32 attention heads, 8 KV heads, hidden 4096 -> head dim 128, max_position_embeddings 8192, bf16)
    kind: 'llm',
    id: 'llama-3-8b-instruct',
    source: { kind: 'huggingface', repo: 'meta-llama/Meta-Llama-3-8B-Instruct' },
    paramsBillion: 8.03,
    dtypeBytes: 2,
    dtype: 'bfloat16',
    contextLength: 8192,
    layers: 32,
    kvHeads: 8,
    headDim: 128,
    runsOn: ['nvidia'],
  },
  {
    // https://huggingface.co/meta-llama/Meta-Llama-3-70B-Instruct (config.json: 80 layers,
    // 64 attention heads, 8 KV heads, hidden 8192 -> head dim 128, max_position_embeddings 8192, bf16)
    kind: 'llm',
    id: 'llama-3-70b-instruct',
    source: { kind: 'huggingface', repo: 'meta-llama/Meta-Llama-3-70B-Instruct' },
    paramsBillion: 70.6,
    dtypeBytes: 2,
    dtype: 'bfloat16',
    contextLength: 8192,
    layers: 80,
    kvHeads: 8,
    headDim: 128,
    runsOn: ['nvidia'],
  },
  {
    // On Inferentia2 the weights are read from FSx (synced from the model bucket), never downloaded.
    ...MISTRAL_7B_INSTRUCT,
    id: 'mistral-7b-instruct-neuron',
    source: { kind: 'fsx', path: MISTRAL_7B_REPO, repo: MISTRAL_7B_REPO },
    runsOn: ['neuron'],
  },
  {
    // The same model served by vLLM on NVIDIA GPUs, downloaded from the Hugging Face Hub.
    ...MISTRAL_7B_INSTRUCT,
    id: 'mistral-7b-instruct',
    source: { kind: 'huggingface', repo: MISTRAL_7B_REPO },
    runsOn: ['nvidia'],
  },
  {
    // https://huggingface.co/stabilityai/stable-diffusion-2-1: the base model that the dogbooth
    // DreamBooth fine-tuning starts from (UNet ~0.87B, OpenCLIP ViT-H text encoder ~0.35B,
    // VAE ~0.08B parameters; 768 x 768 native resolution; served in fp16).
    kind: 'diffusion',
    id: 'stable-diffusion-2-1',
    source: { kind: 'huggingface', repo: 'stabilityai/stable-diffusion-2-1' },
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
