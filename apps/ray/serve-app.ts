/**
 * The dogbooth Ray Serve application (Python), shipped in a ConfigMap and imported through
 * PYTHONPATH on the head and workers. An HTTP ingress (FastAPI) takes `GET /imagine?prompt=…`
 * and calls a one-GPU Stable Diffusion deployment that loads the fine-tuned model named by
 * DOGBOOTH_MODEL_ID from the Hugging Face Hub (cached on the FSx volume).
 */

export const SERVE_MODULE = 'dogbooth_serve';

export const SERVE_APP_SOURCE = `"""dogbooth: text-to-image with a DreamBooth fine-tuned Stable Diffusion on Ray Serve."""
import io
import os

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


@serve.deployment(ray_actor_options={"num_gpus": 1})
class StableDiffusion:
    def __init__(self) -> None:
        import torch
        from diffusers import StableDiffusionPipeline

        self.pipe = StableDiffusionPipeline.from_pretrained(
            os.environ["DOGBOOTH_MODEL_ID"], torch_dtype=torch.float16
        ).to("cuda")

    def generate(self, prompt: str, img_size: int) -> bytes:
        image = self.pipe(prompt, height=img_size, width=img_size).images[0]
        out = io.BytesIO()
        image.save(out, format="PNG")
        return out.getvalue()


entrypoint = Ingress.bind(StableDiffusion.bind())
`;
