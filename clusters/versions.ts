/**
 * Every version the project deploys, pinned exactly, in one table. Renovate keeps it current
 * (see renovate.json); nothing else in the repository names a version.
 */

export interface HelmChart {
  /** Helm repository URL (https://…) or OCI repository URL (oci://…, chart included). */
  readonly repository: string;
  readonly chart: string;
  readonly version: string;
}

export const versions = {
  /** EKS Kubernetes minor version. */
  kubernetes: '1.35',
} as const;

// --- workloads ---
// Images and charts of the GenAI workloads (apps/inference, apps/webui, apps/jupyterhub,
// apps/ray, apps/pipelines). Sources are noted per entry; each tag is a published release.
export const workloadVersions = {
  /** vLLM OpenAI-compatible server for NVIDIA GPUs (hub.docker.com/r/vllm/vllm-openai, release v0.12.0). */
  vllmImage: 'vllm/vllm-openai:v0.12.0',
  /**
   * AWS Neuron DLC "vLLM with NxD Inference" (github.com/aws-neuron/deep-learning-containers,
   * vllm-inference-neuronx): vLLM 0.13.0 plugin on Neuron SDK 2.28.0, which still supports Inf2.
   */
  vllmNeuronImage:
    'public.ecr.aws/neuron/pytorch-inference-vllm-neuronx:0.13.0-neuronx-py312-sdk2.28.0-ubuntu24.04',
  /** Open WebUI (github.com/open-webui/open-webui releases, v0.11.3). */
  openWebUIImage: 'ghcr.io/open-webui/open-webui:v0.11.3',
  /** Zero to JupyterHub chart (hub.jupyter.org/helm-chart; values schema of 4.4.0 checked in CI). */
  jupyterhubChart: {
    repository: 'https://hub.jupyter.org/helm-chart/',
    chart: 'jupyterhub',
    version: '4.4.0',
  } satisfies HelmChart,
  /** Single-user image: Jupyter Docker Stacks PyTorch with CUDA 12 (quay.io/jupyter/pytorch-notebook). */
  notebookImage: { name: 'quay.io/jupyter/pytorch-notebook', tag: 'cuda12-2025-08-18' },
  /**
   * Python packages the dogbooth notebook installs (PyPI), and the diffusers release whose
   * examples/dreambooth/train_dreambooth.py it runs.
   */
  dogboothPip: {
    diffusers: '0.35.1',
    transformers: '4.55.4',
    accelerate: '1.10.0',
    bitsandbytes: '0.47.0',
    ftfy: '6.3.1',
  },
  /** KubeRay operator chart (ray-project.github.io/kuberay-helm; CRDs ray.io/v1 of KubeRay 1.7.0). */
  kuberayOperatorChart: {
    repository: 'https://ray-project.github.io/kuberay-helm/',
    chart: 'kuberay-operator',
    version: '1.7.0',
  } satisfies HelmChart,
  /** Operator image tag, set explicitly so that it always matches the chart release. */
  kuberayOperatorImage: { repository: 'quay.io/kuberay/operator', tag: 'v1.7.0' },
  /** Ray with CUDA for the dogbooth RayService (hub.docker.com/r/rayproject/ray). */
  rayImage: 'rayproject/ray:2.44.0-py311-gpu',
  /** Ray version of rayImage (RayCluster spec.rayVersion). */
  rayVersion: '2.44.0',
  /** Python packages of the dogbooth Ray Serve application (installed by Ray's runtime_env, PyPI). */
  dogboothServePip: {
    torch: '2.6.0',
    diffusers: '0.35.1',
    transformers: '4.55.4',
    accelerate: '1.10.0',
  },
  /** Argo Workflows chart (argoproj.github.io/argo-helm, release argo-workflows-2.0.2): the 2.0 line deploys Argo Workflows 4.1. */
  argoWorkflowsChart: {
    repository: 'https://argoproj.github.io/argo-helm',
    chart: 'argo-workflows',
    version: '2.0.2',
  } satisfies HelmChart,
} as const;
