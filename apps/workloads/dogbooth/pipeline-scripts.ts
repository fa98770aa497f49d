/**
 * The Python of the dogbooth fine-tuning pipeline: one module, `dogbooth_pipeline`, shipped in a
 * ConfigMap and mounted into every step (PYTHONPATH), and one line per step that runs it. Steps
 * take their parameters from environment variables that Argo fills (`{{…}}` in the template's
 * `env`), so the module is plain Python: checked by py_compile and pyflakes, and its logic that
 * needs no GPU unit-tested (test/python/test_dogbooth_pipeline.py), in .ci/run.
 *
 * Every path a step reads or writes is under WORK, an emptyDir: the steps run as the image's
 * non-root user, which cannot create directories at `/` (jupyter/docker-stacks keeps `/`
 * root-owned). No `${` anywhere, so Flux substitution leaves the sources alone.
 */

/** Module name (file `<name>.py` in the ConfigMap). */
export const PIPELINE_MODULE = 'dogbooth_pipeline';

/** The scratch directory of every step (an emptyDir); artifacts go in and out below it. */
export const WORK = '/work';

/** Where a step finds an input artifact and leaves an output artifact. */
export const workPath = (kind: 'in' | 'out', name: string) => `${WORK}/${kind}/${name}`;

export const PIPELINE_MODULE_SOURCE = `"""dogbooth fine-tuning pipeline steps (Argo Workflows); one function per step, see main()."""
import json
import os
import shutil
import subprocess
import sys

WORK = "${WORK}"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


def path(kind, name):
    """The path of an input ("in") or output ("out") artifact."""
    return os.path.join(WORK, kind, name)


def split_images(names):
    """Sorted training images and the held-out image (the last one); at least three images."""
    images = sorted(n for n in names if n.lower().endswith(IMAGE_SUFFIXES))
    if len(images) < 3:
        raise ValueError(f"the dataset has {len(images)} images; DreamBooth needs at least 3")
    return images[:-1], images[-1:]


def sweep_grid(rates_json, steps):
    """The fan-out of the sweep: one candidate per learning rate, numbered from 0."""
    rates = json.loads(rates_json)
    if not isinstance(rates, list) or not rates:
        raise ValueError("learning-rates must be a non-empty JSON list")
    return [{"index": str(i), "lr": str(lr), "steps": str(int(steps))} for i, lr in enumerate(rates)]


def select_best(results_json):
    """The index of the candidate with the highest held-out score."""
    results = json.loads(results_json)
    if not results:
        raise ValueError("no candidate produced a score")
    best = max(results, key=lambda r: float(r["score"]))
    return best["index"]


def release_pointer(release):
    """The content of the pointer the dogbooth Serve app follows: the release, relative to the model data."""
    if release.startswith("/") or ".." in release.split("/"):
        raise ValueError(f"release {release!r} must be a relative path inside the model data")
    return release + "\\n"


def install(packages):
    """Installs the pinned packages into the image's Python environment (owned by its user)."""
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *packages], check=True)


def prepare_data():
    from huggingface_hub import snapshot_download

    raw = os.path.join(WORK, "raw")
    src = snapshot_download(os.environ["DATASET"], repo_type="dataset", local_dir=raw,
                            ignore_patterns=[".gitattributes", "*.md"])
    train, held_out = split_images(os.listdir(src))
    for name, files in (("train", train), ("heldout", held_out)):
        os.makedirs(os.path.join(path("out", "data"), name), exist_ok=True)
        for f in files:
            shutil.copy(os.path.join(src, f), os.path.join(path("out", "data"), name, f))
    print(f"{len(train)} training images, {len(held_out)} held-out")


def configure():
    grid = sweep_grid(os.environ["LEARNING_RATES"], os.environ["MAX_TRAIN_STEPS"])
    with open(path("out", "sweep.json"), "w", encoding="utf-8") as f:
        json.dump(grid, f)
    print(json.dumps(grid, indent=1))


def fine_tune():
    import urllib.request

    script = os.path.join(WORK, "train_dreambooth.py")
    urllib.request.urlretrieve(os.environ["TRAIN_SCRIPT_URL"], script)
    from accelerate.utils import write_basic_config

    write_basic_config(mixed_precision="fp16")
    full = os.path.join(WORK, "full")
    subprocess.run([
        sys.executable, "-m", "accelerate.commands.launch", script,
        "--pretrained_model_name_or_path", os.environ["BASE_MODEL"],
        "--revision", os.environ["BASE_MODEL_REVISION"],
        "--instance_data_dir", os.path.join(path("in", "data"), "train"),
        "--instance_prompt", os.environ["INSTANCE_PROMPT"],
        "--with_prior_preservation", "--prior_loss_weight", "1.0",
        "--class_data_dir", os.path.join(WORK, "class"), "--class_prompt", os.environ["CLASS_PROMPT"],
        "--num_class_images", "200",
        "--output_dir", full, "--resolution", "768",
        "--train_batch_size", "1", "--gradient_accumulation_steps", "1",
        "--gradient_checkpointing", "--use_8bit_adam", "--mixed_precision", "fp16",
        "--learning_rate", os.environ["LEARNING_RATE"], "--lr_scheduler", "constant", "--lr_warmup_steps", "0",
        "--max_train_steps", os.environ["STEPS"],
    ], check=True)
    import torch
    from diffusers import StableDiffusionPipeline

    StableDiffusionPipeline.from_pretrained(full, torch_dtype=torch.float16).save_pretrained(path("out", "model"))


def validate():
    import numpy
    import torch
    from diffusers import StableDiffusionPipeline

    index = os.environ["CANDIDATE"]
    pipe = StableDiffusionPipeline.from_pretrained(path("in", "model"), torch_dtype=torch.float16).to("cuda")
    images = pipe([os.environ["INSTANCE_PROMPT"]] * 2, num_inference_steps=30).images
    for i, image in enumerate(images):
        pixels = numpy.asarray(image, dtype=numpy.float32)
        if not numpy.isfinite(pixels).all() or pixels.std() < 5:
            raise SystemExit(f"candidate {index}: sample {i} is blank or invalid")
    print(f"candidate {index} generates images")


def evaluate():
    import torch
    from PIL import Image
    from diffusers import StableDiffusionPipeline
    from transformers import CLIPModel, CLIPProcessor

    index = os.environ["CANDIDATE"]
    pipe = StableDiffusionPipeline.from_pretrained(path("in", "model"), torch_dtype=torch.float16).to("cuda")
    samples = pipe([os.environ["INSTANCE_PROMPT"]] * 4, num_inference_steps=30,
                   generator=torch.Generator("cuda").manual_seed(0)).images
    held_dir = os.path.join(path("in", "data"), "heldout")
    held = [Image.open(os.path.join(held_dir, f)).convert("RGB") for f in sorted(os.listdir(held_dir))]
    clip = CLIPModel.from_pretrained(os.environ["CLIP_MODEL"]).to("cuda")
    proc = CLIPProcessor.from_pretrained(os.environ["CLIP_MODEL"])
    with torch.no_grad():
        feats = clip.get_image_features(**proc(images=samples + held, return_tensors="pt").to("cuda"))
    feats = feats / feats.norm(dim=-1, keepdim=True)
    score = (feats[: len(samples)] @ feats[len(samples):].T).mean().item()
    with open(path("out", "score"), "w", encoding="utf-8") as f:
        f.write(f"{score:.6f}")
    with open(path("out", "index"), "w", encoding="utf-8") as f:
        f.write(index)
    print(f"candidate {index}: held-out CLIP similarity {score:.4f}")


def select():
    best = select_best(os.environ["RESULTS"])
    with open(path("out", "best"), "w", encoding="utf-8") as f:
        f.write(best)
    print("best candidate:", best)


def publish():
    shutil.copytree(path("in", "model"), path("out", "release"))
    with open(path("out", "current"), "w", encoding="utf-8") as f:
        f.write(release_pointer(os.environ["RELEASE"]))
    print("published", os.environ["RELEASE"])


STEPS = {
    "prepare-data": prepare_data,
    "configure": configure,
    "fine-tune": fine_tune,
    "validate": validate,
    "evaluate": evaluate,
    "select": select,
    "deploy": publish,
}


def main(step):
    """Runs one step: installs the packages the step names (PACKAGES, JSON list), then the step."""
    packages = json.loads(os.environ.get("PACKAGES", "[]"))
    if packages:
        install(packages)
    os.makedirs(os.path.join(WORK, "out"), exist_ok=True)
    STEPS[step]()
`;

/** The source of one step's script template: the module's step function. */
export function stepSource(step: string): string {
  return `import ${PIPELINE_MODULE}\n\n${PIPELINE_MODULE}.main(${JSON.stringify(step)})\n`;
}
