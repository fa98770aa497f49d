/**
 * The Python steps of the dogbooth fine-tuning pipeline. Argo substitutes `{{…}}` before a step
 * runs; none of the scripts contains `${` or `$`, so Flux substitution leaves them alone.
 */

/**
 * Installs the pinned packages into the image's Python environment (owned by the non-root
 * notebook user), then runs the step.
 */
export function withPackages(packages: readonly string[], body: string): string {
  return [
    'import subprocess, sys',
    `subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", ${packages.map((p) => JSON.stringify(p)).join(', ')}], check=True)`,
    body,
  ].join('\n');
}

/** Data preparation: the example subject photos, split into training and held-out images. */
export const PREPARE_DATA = `
import os, shutil
from huggingface_hub import snapshot_download

src = snapshot_download("{{workflow.parameters.dataset}}", repo_type="dataset", local_dir="/tmp/raw",
                        ignore_patterns=[".gitattributes", "*.md"])
images = sorted(f for f in os.listdir(src) if f.lower().endswith((".jpg", ".jpeg", ".png")))
if len(images) < 3:
    raise SystemExit(f"dataset has {len(images)} images; DreamBooth needs at least 3")
held_out = images[-1:]
for name, files in (("train", images[:-1]), ("heldout", held_out)):
    os.makedirs(f"/out/{name}", exist_ok=True)
    for f in files:
        shutil.copy(os.path.join(src, f), f"/out/{name}/{f}")
print(f"{len(images) - 1} training images, {len(held_out)} held-out")
`;

/** Model configuration: the sweep grid, as the JSON list the fan-out iterates over. */
export const CONFIGURE = `
import json
rates = json.loads('{{workflow.parameters.learning-rates}}')
grid = [{"index": str(i), "lr": str(lr), "steps": "{{workflow.parameters.max-train-steps}}"} for i, lr in enumerate(rates)]
with open("/tmp/sweep.json", "w") as f:
    json.dump(grid, f)
print(json.dumps(grid, indent=1))
`;

/** Fine-tuning on one GPU with the A10G-sized DreamBooth settings (see the dogbooth notebook). */
export function fineTune(trainScriptUrl: string): string {
  return `
import subprocess, sys, urllib.request
urllib.request.urlretrieve("${trainScriptUrl}", "/tmp/train_dreambooth.py")
from accelerate.utils import write_basic_config
write_basic_config(mixed_precision="fp16")
subprocess.run([
    sys.executable, "-m", "accelerate.commands.launch", "/tmp/train_dreambooth.py",
    "--pretrained_model_name_or_path", "{{workflow.parameters.base-model}}",
    "--instance_data_dir", "/data/train", "--instance_prompt", "{{workflow.parameters.instance-prompt}}",
    "--with_prior_preservation", "--prior_loss_weight", "1.0",
    "--class_data_dir", "/tmp/class", "--class_prompt", "{{workflow.parameters.class-prompt}}", "--num_class_images", "200",
    "--output_dir", "/tmp/full", "--resolution", "768",
    "--train_batch_size", "1", "--gradient_accumulation_steps", "1",
    "--gradient_checkpointing", "--use_8bit_adam", "--mixed_precision", "fp16",
    "--learning_rate", "{{inputs.parameters.lr}}", "--lr_scheduler", "constant", "--lr_warmup_steps", "0",
    "--max_train_steps", "{{inputs.parameters.steps}}",
], check=True)
import torch
from diffusers import StableDiffusionPipeline
StableDiffusionPipeline.from_pretrained("/tmp/full", torch_dtype=torch.float16).save_pretrained("/out/model")
`;
}

/** Validation: the candidate loads, generates, and does not produce blank images. */
export const VALIDATE = `
import numpy, torch
from diffusers import StableDiffusionPipeline
pipe = StableDiffusionPipeline.from_pretrained("/model", torch_dtype=torch.float16).to("cuda")
images = pipe(["{{workflow.parameters.instance-prompt}}"] * 2, num_inference_steps=30).images
for i, image in enumerate(images):
    pixels = numpy.asarray(image, dtype=numpy.float32)
    if not numpy.isfinite(pixels).all() or pixels.std() < 5:
        raise SystemExit(f"candidate {{inputs.parameters.index}}: sample {i} is blank or invalid")
print("candidate {{inputs.parameters.index}} generates images")
`;

/** Evaluation on held-out data: CLIP image similarity of generated samples to the held-out photos. */
export const EVALUATE = `
import os, torch
from PIL import Image
from diffusers import StableDiffusionPipeline
from transformers import CLIPModel, CLIPProcessor
pipe = StableDiffusionPipeline.from_pretrained("/model", torch_dtype=torch.float16).to("cuda")
samples = pipe(["{{workflow.parameters.instance-prompt}}"] * 4, num_inference_steps=30,
               generator=torch.Generator("cuda").manual_seed(0)).images
held = [Image.open(os.path.join("/data/heldout", f)).convert("RGB") for f in sorted(os.listdir("/data/heldout"))]
clip = CLIPModel.from_pretrained("openai/clip-vit-large-patch14").to("cuda")
proc = CLIPProcessor.from_pretrained("openai/clip-vit-large-patch14")
with torch.no_grad():
    feats = clip.get_image_features(**proc(images=samples + held, return_tensors="pt").to("cuda"))
feats = feats / feats.norm(dim=-1, keepdim=True)
score = (feats[: len(samples)] @ feats[len(samples):].T).mean().item()
with open("/tmp/score", "w") as f:
    f.write(f"{score:.6f}")
print(f"candidate {{inputs.parameters.index}}: held-out CLIP similarity {score:.4f}")
`;

/** Selection: the best candidate by held-out score. */
export const SELECT = `
import json
results = json.loads('{{inputs.parameters.results}}')
best = max(results, key=lambda r: float(r["score"]))
print("scores:", {r["index"]: r["score"] for r in results}, "best:", best["index"])
with open("/tmp/best", "w") as f:
    f.write(best["index"])
`;

/** Deployment: the release folder and the pointer the dogbooth RayService follows. */
export const PUBLISH = `
import shutil
shutil.copytree("/model", "/out/release")
with open("/out/current", "w") as f:
    f.write("dogbooth/releases/{{workflow.name}}")
print("published dogbooth/releases/{{workflow.name}}")
`;
