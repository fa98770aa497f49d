/**
 * The dogbooth notebook: DreamBooth fine-tuning of Stable Diffusion on one A10G-class GPU,
 * written as a Jupyter notebook (nbformat 4) and shipped in a ConfigMap. The notebook installs
 * its pinned packages and downloads the training script and example images when a user runs
 * it, never at render time.
 */
import { versions } from '../../../clusters/versions.js';

interface Cell {
  readonly cell_type: 'markdown' | 'code';
  readonly metadata: Record<string, never>;
  readonly source: readonly string[];
  readonly execution_count?: null;
  readonly outputs?: readonly never[];
}

const lines = (text: string) => text.split('\n').map((l, i, all) => (i < all.length - 1 ? `${l}\n` : l));
const md = (text: string): Cell => ({ cell_type: 'markdown', metadata: {}, source: lines(text) });
const code = (text: string): Cell => ({
  cell_type: 'code',
  metadata: {},
  execution_count: null,
  outputs: [],
  source: lines(text),
});

export interface NotebookInput {
  /** Hugging Face repository of the base Stable Diffusion model. */
  readonly baseModel: string;
  /** The commit of `baseModel` to fine-tune from. */
  readonly baseModelRevision: string;
}

/**
 * The environment variable naming the Hugging Face repository the notebook pushes the fine-tuned
 * model to. Unset, nothing is pushed: a user opts in with a repository of their own namespace.
 */
export const PUSH_VARIABLE = 'DOGBOOTH_PUSH_TO';

/** The notebook as JSON text. It contains no `${`, so Flux substitution leaves it alone. */
export function dogboothNotebook(input: NotebookInput): string {
  const pip = versions.dogboothPip;
  const packages = Object.entries(pip)
    .map(([name, version]) => `${name}==${version}`)
    .join(' ');
  const trainScript = `https://raw.githubusercontent.com/huggingface/diffusers/v${pip.diffusers}/examples/dreambooth/train_dreambooth.py`;
  const cells: Cell[] = [
    md(
      [
        '# dogbooth: DreamBooth fine-tuning of Stable Diffusion',
        '',
        'Teach Stable Diffusion a new subject (a dog, from five photos) with DreamBooth, on the',
        "single A10G GPU of the notebook's GPU profile. Steps: check the GPU, install the pinned",
        'libraries, fine-tune with the diffusers DreamBooth script, then generate a sample image.',
        '',
        'This file is mounted read-only: use *File > Save Notebook As…* to keep your changes in your home.',
      ].join('\n'),
    ),
    md(
      '## 1. Check the GPU\nThe GPU profile requests one `nvidia.com/gpu`; expect an NVIDIA A10G with about 24 GB.',
    ),
    code(
      [
        '!nvidia-smi',
        'import torch',
        'assert torch.cuda.is_available(), "no GPU: start the server with the GPU profile"',
        'print(torch.cuda.get_device_name(0), round(torch.cuda.get_device_properties(0).total_memory / 1e9, 1), "GB")',
      ].join('\n'),
    ),
    md('## 2. Install the libraries\nVersions are pinned by the platform (clusters/versions.ts).'),
    code(`%pip install --quiet ${packages}`),
    md('## 3. Get the training script and the example images'),
    code(
      [
        `!curl -fsSL -o train_dreambooth.py ${trainScript}`,
        'from huggingface_hub import snapshot_download',
        '',
        'snapshot_download("diffusers/dog-example", local_dir="dog", repo_type="dataset", ignore_patterns=".gitattributes")',
        'from accelerate.utils import write_basic_config',
        '',
        'write_basic_config(mixed_precision="fp16")',
      ].join('\n'),
    ),
    md(
      [
        '## 4. Fine-tune',
        '',
        'Sized for one 24 GB A10G: batch size 1, gradient checkpointing and 8-bit Adam keep the',
        '768 px Stable Diffusion 2.1 UNet within memory; fp16 mixed precision; prior preservation',
        'with 200 generated class images keeps the model from forgetting what a generic dog looks',
        'like. Expect roughly an hour. The Hugging Face token comes from the `HF_TOKEN` variable.',
        '',
        `Nothing is pushed unless you set \`${PUSH_VARIABLE}\` to a Hugging Face repository of your own`,
        '(`os.environ["DOGBOOTH_PUSH_TO"] = "<your-hf-user>/dogbooth"` in a cell above).',
      ].join('\n'),
    ),
    code(
      [
        'import os',
        '',
        `BASE_MODEL = "${input.baseModel}"`,
        `BASE_MODEL_REVISION = "${input.baseModelRevision}"`,
        `# To publish the result, set ${PUSH_VARIABLE} to a repository of your own, e.g. "<your-hf-user>/dogbooth".`,
        `PUSH_TO = os.environ.get("${PUSH_VARIABLE}")`,
        'push = ["--push_to_hub", "--hub_model_id", PUSH_TO] if PUSH_TO else []',
        'args = [',
        '    "--pretrained_model_name_or_path", BASE_MODEL,',
        '    "--revision", BASE_MODEL_REVISION,',
        '    "--instance_data_dir", "dog",',
        '    "--instance_prompt", "a photo of sks dog",',
        '    "--with_prior_preservation", "--prior_loss_weight", "1.0",',
        '    "--class_data_dir", "class-dog", "--class_prompt", "a photo of dog", "--num_class_images", "200",',
        '    "--output_dir", "dogbooth",',
        '    "--resolution", "768",',
        '    "--train_batch_size", "1", "--gradient_accumulation_steps", "1",',
        '    "--gradient_checkpointing", "--use_8bit_adam", "--mixed_precision", "fp16",',
        '    "--learning_rate", "2e-6", "--lr_scheduler", "constant", "--lr_warmup_steps", "0",',
        '    "--max_train_steps", "800",',
        '] + push',
        'import subprocess, sys',
        '',
        'subprocess.run([sys.executable, "-m", "accelerate.commands.launch", "train_dreambooth.py", *args], check=True)',
      ].join('\n'),
    ),
    md('## 5. Generate a sample'),
    code(
      [
        'import torch',
        'from diffusers import StableDiffusionPipeline',
        '',
        'pipe = StableDiffusionPipeline.from_pretrained("dogbooth", torch_dtype=torch.float16).to("cuda")',
        'image = pipe("a photo of sks dog in a bucket", num_inference_steps=50, guidance_scale=7.5).images[0]',
        'image.save("dogbooth-sample.png")',
        'image',
      ].join('\n'),
    ),
  ];
  const notebook = {
    cells,
    metadata: {
      kernelspec: { display_name: 'Python 3 (ipykernel)', language: 'python', name: 'python3' },
      language_info: { name: 'python' },
    },
    nbformat: 4,
    nbformat_minor: 4,
  };
  return `${JSON.stringify(notebook, null, 1)}\n`;
}
