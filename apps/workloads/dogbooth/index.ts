/**
 * The dogbooth example, end to end: a notebook that fine-tunes Stable Diffusion on pictures of
 * one dog (DreamBooth) in JupyterHub, a pipeline that does the same as an Argo Workflows sweep
 * and publishes the best model, and a Ray Serve application that serves it. Each part follows its
 * own environment field (`workloads.jupyterhub`, `workloads.pipeline`, `workloads.dogbooth`).
 */
import { DOGBOOTH_BASE_MODEL, MODEL_CATALOGUE } from '../../../clusters/catalog/models.js';
import type { Cluster } from '../../lib/cluster.js';
import type { Platform } from '../../platform/index.js';
import { dogboothNotebook } from './notebook.js';
import { fineTunePipeline } from './pipeline.js';
import { DOGBOOTH_NAMESPACE, rayService } from './rayservice.js';

/** ConfigMap (in JupyterHub's namespace) that carries the notebook. */
const NOTEBOOK_CONFIGMAP = 'dogbooth-notebook';

export function dogbooth(cluster: Cluster, platform: Platform): void {
  const { dogbooth: serve, pipeline } = cluster.env.workloads;
  const base = MODEL_CATALOGUE.get(DOGBOOTH_BASE_MODEL);
  if (!base) throw new Error(`the dogbooth base model ${DOGBOOTH_BASE_MODEL} is not catalogued`);
  if (base.source.kind !== 'huggingface' || !base.source.revision) {
    throw new Error(
      `the dogbooth base model ${DOGBOOTH_BASE_MODEL} must be pinned to a Hugging Face revision`,
    );
  }
  cluster.notebooks.push({
    configMap: NOTEBOOK_CONFIGMAP,
    file: 'dogbooth.ipynb',
    // Fine-tunes the pinned base; pushes nowhere unless the user names their own repository.
    content: dogboothNotebook({ baseModel: base.source.repo, baseModelRevision: base.source.revision }),
  });
  if (serve) {
    rayService(cluster, platform, serve);
    // Ray's metrics on every Ray pod: KubeRay labels them app.kubernetes.io/created-by=
    // kuberay-operator (labelPod) and adds the container port `metrics` (8080)
    // (ray-project/kuberay@v1.7.0: ray-operator/controllers/ray/common/pod.go, utils/constant.go).
    platform.observability.scrapePods({
      name: 'ray',
      namespace: DOGBOOTH_NAMESPACE,
      podLabels: { 'app.kubernetes.io/created-by': 'kuberay-operator' },
      port: 'metrics',
      portNumber: 8080,
      layer: 'apps',
    });
  }
  if (pipeline) fineTunePipeline(cluster, platform, pipeline, base);
}
