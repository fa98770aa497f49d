/**
 * The dogbooth Ray Serve application (Python), shipped in a ConfigMap and imported through
 * PYTHONPATH on the head and workers. An HTTP ingress (FastAPI) takes `GET /imagine?prompt=…`
 * and calls a one-GPU Stable Diffusion deployment. The model is the release named in the
 * pointer file `/models/dogbooth/current` (written by the fine-tuning pipeline into the model
 * bucket, visible through FSx), or, before any release, DOGBOOTH_MODEL_ID from the Hugging Face
 * Hub (cached on the FSx volume). Replicas re-read the pointer every minute and reload when it
 * changes, so publishing a release rolls the service without a change to the RayService.
 */

export const SERVE_MODULE = 'dogbooth_serve';

export const SERVE_APP_SOURCE = `"""dogbooth: text-to-image with a DreamBooth fine-tuned Stable Diffusion on Ray Serve."""
import io
import os
import time

from fastapi import FastAPI
from fastapi.responses import Response
from ray import serve
from ray.serve.handle import DeploymentHandle

api = FastAPI()


@serve.deployment
@serve.ingress(api)
class Ingress:
    def __init__(self, model: DeploymentHandle) -> None:
        self.model = model

    @api.get("/imagine", response_class=Response)
    async def imagine(self, prompt: str, img_size: int = 768) -> Response:
        if not prompt.strip():
            return Response(content="prompt must not be empty", status_code=400)
        if img_size % 8 != 0 or not 256 <= img_size <= 1024:
            return Response(content="img_size must be a multiple of 8 between 256 and 1024", status_code=400)
        png = await self.model.generate.remote(prompt, img_size)
        return Response(content=png, media_type="image/png")


POINTER = "/models/dogbooth/current"
CHECK_EVERY_SECONDS = 60


def model_source() -> str:
    """The published release (a folder under /models) if there is one, else the Hub model id."""
    try:
        with open(POINTER, encoding="utf-8") as f:
            release = f.read().strip()
    except FileNotFoundError:
        release = ""
    return os.path.join("/models", release) if release else os.environ["DOGBOOTH_MODEL_ID"]


@serve.deployment(ray_actor_options={"num_gpus": 1})
class StableDiffusion:
    def __init__(self) -> None:
        self.source = ""
        self.checked = 0.0
        self.pipe = None
        self.refresh()

    def refresh(self) -> None:
        self.checked = time.monotonic()
        source = model_source()
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
