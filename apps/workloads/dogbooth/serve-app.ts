/**
 * The dogbooth Ray Serve application (Python), shipped in a ConfigMap and imported through
 * PYTHONPATH on the head and workers, in two modules:
 * - `dogbooth_logic`: what needs no GPU, Ray or web framework (which model to serve, request
 *   checks), unit-tested with Python's unittest in .ci/run (test/python/test_dogbooth_logic.py);
 * - `dogbooth_serve`: the Serve deployments. An HTTP ingress (FastAPI) takes
 *   `GET /imagine?prompt=…` and calls a one-GPU Stable Diffusion deployment.
 *
 * The model is the release named in the pointer DOGBOOTH_POINTER (written by the fine-tuning
 * pipeline into the model bucket's linked prefix, imported by FSx), resolved under
 * DOGBOOTH_MODELS_ROOT, or, before any complete release, DOGBOOTH_MODEL_ID from the Hugging Face
 * Hub (cached on the FSx volume). Replicas re-read the pointer every minute and reload when it
 * names another complete release, so publishing rolls the service without a change to the
 * RayService. Heavy imports (torch, diffusers) happen inside the replica, so the head, which
 * imports the module to build the application, needs none of them.
 */

export const SERVE_MODULE = 'dogbooth_serve';
export const LOGIC_MODULE = 'dogbooth_logic';

export const LOGIC_SOURCE = `"""dogbooth: which model to serve and which requests to accept (no GPU, Ray or FastAPI needed)."""
import os

MIN_SIZE = 256
MAX_SIZE = 1024


def release_ready(directory):
    """A release folder is complete once its diffusers index is there (the pipeline writes it with the weights)."""
    return os.path.isfile(os.path.join(directory, "model_index.json"))


def model_source(pointer, models_root, fallback):
    """The published release (a folder under models_root) when the pointer names a complete one, else fallback."""
    try:
        with open(pointer, encoding="utf-8") as f:
            release = f.read().strip()
    except FileNotFoundError:
        return fallback
    if not release or release.startswith("/") or ".." in release.split("/"):
        return fallback
    directory = os.path.join(models_root, release)
    return directory if release_ready(directory) else fallback


def request_problem(prompt, img_size):
    """Why a request cannot be served, or None."""
    if not prompt.strip():
        return "prompt must not be empty"
    if img_size % 8 != 0 or not MIN_SIZE <= img_size <= MAX_SIZE:
        return f"img_size must be a multiple of 8 between {MIN_SIZE} and {MAX_SIZE}"
    return None
`;

export const SERVE_APP_SOURCE = `"""dogbooth: text-to-image with a DreamBooth fine-tuned Stable Diffusion on Ray Serve."""
import io
import os
import time

from fastapi import FastAPI
from fastapi.responses import Response
from ray import serve
from ray.serve.handle import DeploymentHandle

from dogbooth_logic import model_source, request_problem

api = FastAPI()
CHECK_EVERY_SECONDS = 60


@serve.deployment
@serve.ingress(api)
class Ingress:
    def __init__(self, model: DeploymentHandle) -> None:
        self.model = model

    @api.get("/imagine", response_class=Response)
    async def imagine(self, prompt: str, img_size: int = 768) -> Response:
        problem = request_problem(prompt, img_size)
        if problem:
            return Response(content=problem, status_code=400)
        png = await self.model.generate.remote(prompt, img_size)
        return Response(content=png, media_type="image/png")


@serve.deployment(ray_actor_options={"num_gpus": 1})
class StableDiffusion:
    def __init__(self) -> None:
        self.source = ""
        self.checked = 0.0
        self.pipe = None
        self.refresh()

    def refresh(self) -> None:
        self.checked = time.monotonic()
        source = model_source(
            os.environ["DOGBOOTH_POINTER"], os.environ["DOGBOOTH_MODELS_ROOT"], os.environ["DOGBOOTH_MODEL_ID"]
        )
        if source == self.source:
            return
        import torch
        from diffusers import StableDiffusionPipeline

        pipe = StableDiffusionPipeline.from_pretrained(source, torch_dtype=torch.float16).to("cuda")
        self.pipe, self.source = pipe, source
        print(f"dogbooth: serving {source}", flush=True)

    def generate(self, prompt: str, img_size: int) -> bytes:
        if time.monotonic() - self.checked > CHECK_EVERY_SECONDS:
            self.refresh()
        image = self.pipe(prompt, height=img_size, width=img_size).images[0]
        out = io.BytesIO()
        image.save(out, format="PNG")
        return out.getvalue()


entrypoint = Ingress.bind(StableDiffusion.bind())
`;
