/**
 * Every version the project deploys, pinned exactly, in one table. Renovate keeps it current
 * (see renovate.json); nothing else in the repository names a version, except the import URLs in
 * cdk8s.yaml and the headers of the modules generated from them (test/imports.test.ts keeps
 * those equal to this table).
 *
 * Shape that Renovate's custom managers match (keep every entry in it): the line directly above
 * the entry is a comment `// renovate: datasource=<ds> depName=<name>` (optionally followed by
 * ` registryUrl=<url>` and/or ` versioning=<scheme>`), and the entry itself is ONE line:
 *   - a plain string:           `kubernetes: '1.35',`
 *   - an object with `version`: `karpenter: { repository: 'oci://…', chart: 'karpenter', version: '1.2.3' },`
 *   - an object with `tag`:     `vllm: { image: 'docker.io/vllm/vllm-openai', tag: 'v1.2.3' },`
 *   - an AMI alias string:      `amiAlias: 'al2023@v20250101',` (datasource=github-releases
 *                               depName=awslabs/amazon-eks-ami: only the `vYYYYMMDD` part is updated)
 *   - an image reference:       `vllmImage: 'vllm/vllm-openai:v1.2.3',` (datasource=docker; the tag is updated)
 *   - nested package pins:      each line of e.g. `dogboothPip` with its own `datasource=pypi` comment
 * Datasources: `helm` (https chart repositories, with registryUrl), `docker` (images and OCI
 * charts, depName = the full image or chart reference without tag), `github-releases`, `npm`,
 * `go`, `pypi`. Entries without the comment are updated by hand: `kubernetes` (an EKS upgrade is
 * a project decision), `eksAddons` and `systemNodeGroupAmi` (check them with `aws eks
 * describe-addon-versions` / the EKS AMI release notes for the Kubernetes version), and
 * `rayVersion`, which must equal `rayImage`'s Ray release (a test checks it).
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

  // --- platform --- (apps/karpenter, apps/accelerators, apps/storage, apps/traffic, apps/secrets)
  /** Karpenter controller chart (its CRDs ship in the chart's crds/ folder). */
  // renovate: datasource=docker depName=public.ecr.aws/karpenter/karpenter
  karpenter: {
    repository: 'oci://public.ecr.aws/karpenter/karpenter',
    chart: 'karpenter',
    version: '1.14.1',
  },
  /**
   * EKS optimized AL2023 AMI release for every Karpenter EC2NodeClass. Karpenter's al2023 alias
   * picks the standard, NVIDIA or Neuron variant of this release from the instance type.
   */
  // renovate: datasource=github-releases depName=awslabs/amazon-eks-ami
  amiAlias: 'al2023@v20260818',
  /** NVIDIA device plugin with GPU feature discovery and node feature discovery. */
  // renovate: datasource=helm depName=nvidia-device-plugin registryUrl=https://nvidia.github.io/k8s-device-plugin
  nvidiaDevicePlugin: {
    repository: 'https://nvidia.github.io/k8s-device-plugin',
    chart: 'nvidia-device-plugin',
    version: '0.20.0',
  },
  /**
   * NVIDIA DCGM exporter (GPU metrics). 4.8.2: helm-charts/index.yaml on the gh-pages branch of
   * NVIDIA/dcgm-exporter (created 2026-05-05); chart source NVIDIA/dcgm-exporter@4.5.3-4.8.2:deployment/.
   */
  // renovate: datasource=helm depName=dcgm-exporter registryUrl=https://nvidia.github.io/dcgm-exporter/helm-charts
  dcgmExporter: {
    repository: 'https://nvidia.github.io/dcgm-exporter/helm-charts',
    chart: 'dcgm-exporter',
    version: '4.8.2',
  },
  /** Neuron device plugin (the chart's scheduler extension is off: apps/platform/accelerators). */
  // renovate: datasource=docker depName=public.ecr.aws/neuron/neuron-helm-chart
  neuron: {
    repository: 'oci://public.ecr.aws/neuron/neuron-helm-chart',
    chart: 'neuron-helm-chart',
    version: '1.10.0',
  },
  /**
   * EFA device plugin (eks-charts). v0.5.30 (plugin v0.5.20): index.yaml on the gh-pages branch
   * of aws/eks-charts; chart source aws/eks-charts@bfe91c4:stable/aws-efa-k8s-device-plugin/.
   */
  // renovate: datasource=helm depName=aws-efa-k8s-device-plugin registryUrl=https://aws.github.io/eks-charts
  efaDevicePlugin: {
    repository: 'https://aws.github.io/eks-charts',
    chart: 'aws-efa-k8s-device-plugin',
    version: 'v0.5.30',
  },
  /** AWS Load Balancer Controller (NLB Services, Gateway API). */
  // renovate: datasource=helm depName=aws-load-balancer-controller registryUrl=https://aws.github.io/eks-charts
  awsLoadBalancerController: {
    repository: 'https://aws.github.io/eks-charts',
    chart: 'aws-load-balancer-controller',
    version: '3.5.0',
  },
  /** Gateway API standard-channel CRDs, applied from the upstream repository at this tag. */
  // renovate: datasource=github-releases depName=kubernetes-sigs/gateway-api
  gatewayApi: { repository: 'https://github.com/kubernetes-sigs/gateway-api', tag: 'v1.6.1' },
  /** External Secrets Operator. */
  // renovate: datasource=helm depName=external-secrets registryUrl=https://charts.external-secrets.io
  externalSecrets: {
    repository: 'https://charts.external-secrets.io',
    chart: 'external-secrets',
    version: '2.9.0',
  },

  // --- observability and autoscaling --- (apps/platform/observability, apps/platform/autoscaling)
  /**
   * Prometheus Operator CRDs only (prometheus-community/helm-charts charts/prometheus-operator-crds;
   * chart 31.0.0 has appVersion v0.93.0: its Chart.yaml at tag prometheus-operator-crds-31.0.0).
   * Installed in the controllers layer so that ServiceMonitors and PodMonitors apply in configs
   * (the PrometheusRules come from kube-prometheus-stack's `additionalPrometheusRulesMap`); the
   * stack below runs with its own CRDs turned off.
   */
  // renovate: datasource=helm depName=prometheus-operator-crds registryUrl=https://prometheus-community.github.io/helm-charts
  prometheusOperatorCrds: {
    repository: 'https://prometheus-community.github.io/helm-charts',
    chart: 'prometheus-operator-crds',
    version: '31.0.0',
  } satisfies HelmChart,
  /**
   * kube-prometheus-stack: Prometheus Operator v0.93.0 (chart 88.3.0's appVersion, its Chart.yaml at
   * tag kube-prometheus-stack-88.3.0), Prometheus, Alertmanager, Grafana, kube-state-metrics.
   */
  // renovate: datasource=helm depName=kube-prometheus-stack registryUrl=https://prometheus-community.github.io/helm-charts
  kubePrometheusStack: {
    repository: 'https://prometheus-community.github.io/helm-charts',
    chart: 'kube-prometheus-stack',
    version: '88.3.0',
  } satisfies HelmChart,
  /**
   * Prometheus server image (set explicitly in kube-prometheus-stack's values; chart 88.3.0 defaults
   * to v3.13.2-distroless). promtool, which unit-tests the alert rules, is built from the Go module
   * github.com/prometheus/prometheus of the same release: v3.<minor>.<patch> is published as the Go
   * module version v0.3<minor>.<patch> (tags v3.13.2 and v0.313.2 are both commit bb5dff00 of
   * prometheus/prometheus); test/rules/tools/go.mod pins it (npm run test:rules -- --update-go-mod).
   */
  // renovate: datasource=docker depName=quay.io/prometheus/prometheus
  prometheus: { image: 'quay.io/prometheus/prometheus', tag: 'v3.13.2' },
  /** KEDA: event-driven autoscaling of the vLLM Deployments (kedacore/charts, chart 2.20.2 = KEDA 2.20.2). */
  // renovate: datasource=helm depName=keda registryUrl=https://kedacore.github.io/charts
  keda: {
    repository: 'https://kedacore.github.io/charts',
    chart: 'keda',
    version: '2.20.2',
  } satisfies HelmChart,

  // --- infra --- (infra/: EKS add-ons, the system node group, the Flux bootstrap)
  /**
   * EKS add-on versions for Kubernetes 1.35. `npm run addons:check` lists each pin against
   * `aws eks describe-addon-versions --kubernetes-version 1.35` in your region before an apply
   * (docs/infra.md, "Versions to check"); the evidence for each pin is on its line.
   */
  eksAddons: {
    // EKS user guide, "Amazon VPC CNI versions", row 1.35:
    // https://docs.amazonaws.cn/eks/latest/userguide/managing-vpc-cni.md
    'vpc-cni': 'v1.21.1-eksbuild.7',
    // EKS user guide, "CoreDNS versions", row 1.35:
    // https://docs.aws.amazon.com/ja_jp/eks/latest/userguide/managing-coredns.md
    coredns: 'v1.14.3-eksbuild.3',
    // EKS user guide, "kube-proxy versions", row 1.35:
    // https://docs.aws.amazon.com/ja_jp/eks/latest/userguide/managing-kube-proxy.md
    'kube-proxy': 'v1.35.3-eksbuild.13',
    // EKS offering for 1.35 not in a doc available here (the add-on's versions are not the
    // aws/eks-pod-identity-agent repository's tags): run addons:check.
    'eks-pod-identity-agent': 'v1.3.7-eksbuild.2',
    // kubernetes-sigs/aws-ebs-csi-driver@v1.57.0:CHANGELOG.md ("# v1.56.0"); EKS offering for 1.35: run addons:check.
    'aws-ebs-csi-driver': 'v1.56.0-eksbuild.1',
    // kubernetes-sigs/aws-fsx-csi-driver@v1.9.0:CHANGELOG-0.x.md ("# v1.9.0"); EKS offering for 1.35: run addons:check.
    'aws-fsx-csi-driver': 'v1.9.0-eksbuild.1',
    // awslabs/mountpoint-s3-csi-driver@v2.7.0 (tag, charts/aws-mountpoint-s3-csi-driver image v2.7.0);
    // EKS offering for 1.35: run addons:check.
    'aws-mountpoint-s3-csi-driver': 'v2.7.0-eksbuild.1',
    // aws/eks-node-monitoring-agent@v1.6.4:CHANGELOG.md ("[v1.6.4] - 2026-04-10"; was v1.4.0);
    // EKS offering for 1.35: run addons:check.
    'eks-node-monitoring-agent': 'v1.6.4-eksbuild.1',
    // EKS offering for 1.35 not in a doc available here: run addons:check.
    'amazon-cloudwatch-observability': 'v6.3.0-eksbuild.1',
  },
  /**
   * The system managed node group's AMI: type and EKS optimized AL2023 release
   * (`<kubernetes patch>-<YYYYMMDD>`).
   */
  systemNodeGroupAmi: { type: 'AL2023_x86_64_STANDARD', releaseVersion: '1.35.8-20260930' },
  /**
   * The Flux release the bootstrap installs: a FluxInstance with `distribution.version` set to this
   * exact release (without the `v`), built by the Flux Operator from the manifests its image embeds
   * (infra/flux). clusters/catalog/flux.ts records what the release ships; test/imports.test.ts
   * fails a release whose controllers' CRDs are not the ones the imports come from
   * (`fluxControllers`), and test/infra.test.ts one that `fluxOperator` does not embed.
   * fluxcd/flux2@v2.9.4 (2026-08-07), the newest 2.9 patch: source-controller v1.9.4,
   * kustomize-controller v1.9.4, helm-controller v1.6.3 (manifests/bases/<controller>/kustomization.yaml).
   */
  // renovate: datasource=github-releases depName=fluxcd/flux2
  flux: 'v2.9.4',
  /**
   * Flux Operator chart: the operator that installs and reconciles the FluxInstance. Charts are
   * published at ghcr.io/controlplaneio-fluxcd/charts/<chart>, tagged with the operator release
   * without its `v` (controlplaneio-fluxcd/flux-operator@v0.58.1:cmd/cli/distro_mirror.go);
   * operator v0.58.1 (2026-08-19) embeds Flux v2.9.4 (config/data/flux-images/VERSION).
   */
  // renovate: datasource=docker depName=ghcr.io/controlplaneio-fluxcd/charts/flux-operator
  fluxOperator: {
    repository: 'oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator',
    chart: 'flux-operator',
    version: '0.58.1',
  },
  /** The FluxInstance chart of the same operator release (same registry and tag scheme). */
  // renovate: datasource=docker depName=ghcr.io/controlplaneio-fluxcd/charts/flux-instance
  fluxInstance: {
    repository: 'oci://ghcr.io/controlplaneio-fluxcd/charts/flux-instance',
    chart: 'flux-instance',
    version: '0.58.1',
  },
  /**
   * Flux controllers whose CRDs the typed imports come from (apps/imports, cdk8s.yaml): each
   * controller's config/crd/bases at its release tag (github.com/fluxcd/<controller>/releases).
   * `flux` (v2.9.4) ships helm-controller v1.6.3 and kustomize-controller v1.9.4, and
   * source-controller v1.9.4, whose CRDs have the same spec as v1.9.1's (clusters/catalog/flux.ts
   * SAME_CRD_SPEC: an annotation and one HelmChart description differ). The reference CRDs the
   * imports are checked against hold source-controller v1.9.1; moving this pin to v1.9.4 changes
   * the files' sha256 and headers, not the generated types.
   */
  fluxControllers: {
    // renovate: datasource=github-releases depName=fluxcd/helm-controller
    helmController: 'v1.6.3',
    // renovate: datasource=github-releases depName=fluxcd/kustomize-controller
    kustomizeController: 'v1.9.4',
    // renovate: datasource=github-releases depName=fluxcd/source-controller
    sourceController: 'v1.9.1',
  },

  // --- workloads ---
  // Images and charts of the GenAI workloads (apps/inference, apps/webui, apps/jupyterhub,
  // apps/ray, apps/pipelines). Sources are noted per entry; each tag is a published release.
  /** vLLM OpenAI-compatible server for NVIDIA GPUs (hub.docker.com/r/vllm/vllm-openai, release v0.12.0). */
  // renovate: datasource=docker depName=vllm/vllm-openai
  vllmImage: 'vllm/vllm-openai:v0.12.0',
  /**
   * AWS Neuron DLC "vLLM with NxD Inference": vLLM 0.16.0 with the vllm-neuron plugin
   * release-0.5.3 on Neuron SDK 2.31.1 (NxD Inference 0.10.18399). The newest vLLM image whose
   * supported instance types include inf2 (aws-neuron/deep-learning-containers@2.32.0:README.md,
   * vllm-inference-neuronx table; vllm/inference/0.16.0/Dockerfile.neuronx at 2.31.1), and the
   * NxD Inference line Neuron keeps supporting on Inf2 in maintenance mode ("remain in
   * maintenance mode at Neuron SDK 2.31",
   * https://awsdocs-neuron.readthedocs-hosted.com/en/latest/about-neuron/announcements/neuron2.x/announce-eos-nxdi-nxd-core-inference.html).
   * Mistral is in NxD Inference's model table from the 2.29 line on
   * (aws-neuron/neuronx-distributed-inference@ef2731e utils/constants.py), not in 2.28's
   * (@cd3abf3): the 2.28 image could not serve it. The vLLM 0.21+ images are Trn2/Trn3 only.
   */
  // renovate: datasource=docker depName=public.ecr.aws/neuron/pytorch-inference-vllm-neuronx versioning=loose
  vllmNeuronImage:
    'public.ecr.aws/neuron/pytorch-inference-vllm-neuronx:0.16.0-neuronx-py312-sdk2.31.1-ubuntu24.04',
  /**
   * BusyBox for the model data's one-time directory setup (apps/workloads/model-data): the Docker
   * official image (docker-library/official-images library/busybox lists 1.37.0), through its
   * Amazon ECR Public mirror.
   */
  // renovate: datasource=docker depName=public.ecr.aws/docker/library/busybox
  busyboxImage: 'public.ecr.aws/docker/library/busybox:1.37.0',
  /** Open WebUI (github.com/open-webui/open-webui releases, v0.11.3). */
  // renovate: datasource=docker depName=ghcr.io/open-webui/open-webui
  openWebUIImage: 'ghcr.io/open-webui/open-webui:v0.11.3',
  /** Zero to JupyterHub chart (hub.jupyter.org/helm-chart; values schema of 4.4.0 checked in CI). */
  // renovate: datasource=helm depName=jupyterhub registryUrl=https://hub.jupyter.org/helm-chart/
  jupyterhubChart: {
    repository: 'https://hub.jupyter.org/helm-chart/',
    chart: 'jupyterhub',
    version: '4.4.0',
  } satisfies HelmChart,
  /** Single-user image: Jupyter Docker Stacks PyTorch with CUDA 12 (quay.io/jupyter/pytorch-notebook). */
  // renovate: datasource=docker depName=quay.io/jupyter/pytorch-notebook versioning=regex:^cuda12-(?<major>\d{4})-(?<minor>\d{2})-(?<patch>\d{2})$
  notebookImage: { name: 'quay.io/jupyter/pytorch-notebook', tag: 'cuda12-2025-08-18' },
  /**
   * Python packages the dogbooth notebook installs (PyPI), and the diffusers release whose
   * examples/dreambooth/train_dreambooth.py it runs.
   */
  dogboothPip: {
    // renovate: datasource=pypi depName=diffusers
    diffusers: '0.35.1',
    // renovate: datasource=pypi depName=transformers
    transformers: '4.55.4',
    // renovate: datasource=pypi depName=accelerate
    accelerate: '1.10.0',
    // renovate: datasource=pypi depName=bitsandbytes
    bitsandbytes: '0.47.0',
    // renovate: datasource=pypi depName=ftfy
    ftfy: '6.3.1',
  },
  /** KubeRay operator chart (ray-project.github.io/kuberay-helm; CRDs ray.io/v1 of KubeRay 1.7.0). */
  // renovate: datasource=helm depName=kuberay-operator registryUrl=https://ray-project.github.io/kuberay-helm/
  kuberayOperatorChart: {
    repository: 'https://ray-project.github.io/kuberay-helm/',
    chart: 'kuberay-operator',
    version: '1.7.0',
  } satisfies HelmChart,
  /** Operator image tag, set explicitly so that it always matches the chart release. */
  // renovate: datasource=docker depName=quay.io/kuberay/operator
  kuberayOperatorImage: { repository: 'quay.io/kuberay/operator', tag: 'v1.7.0' },
  /** Ray with CUDA for the dogbooth RayService (hub.docker.com/r/rayproject/ray). */
  // renovate: datasource=docker depName=rayproject/ray versioning=loose
  rayImage: 'rayproject/ray:2.44.0-py311-gpu',
  /** Ray version of rayImage (RayCluster spec.rayVersion). */
  rayVersion: '2.44.0',
  /** Python packages of the dogbooth Ray Serve application (installed by Ray's runtime_env, PyPI). */
  dogboothServePip: {
    // renovate: datasource=pypi depName=torch
    torch: '2.6.0',
    // renovate: datasource=pypi depName=diffusers
    diffusers: '0.35.1',
    // renovate: datasource=pypi depName=transformers
    transformers: '4.55.4',
    // renovate: datasource=pypi depName=accelerate
    accelerate: '1.10.0',
  },
  /** Argo Workflows chart (argoproj.github.io/argo-helm, release argo-workflows-2.0.2): the 2.0 line deploys Argo Workflows 4.1. */
  // renovate: datasource=helm depName=argo-workflows registryUrl=https://argoproj.github.io/argo-helm
  argoWorkflowsChart: {
    repository: 'https://argoproj.github.io/argo-helm',
    chart: 'argo-workflows',
    version: '2.0.2',
  } satisfies HelmChart,

  // --- api server tier ---
  /**
   * Go module k8s.io/kubernetes whose kube-apiserver the API-server test tier builds
   * (`npm run test:cluster`); its minor must equal `kubernetes`. The k8s.io/* staging modules
   * are replaced with v0.<minor>.<patch> of the same release (test/cluster/tools/go.mod).
   */
  // renovate: datasource=go depName=k8s.io/kubernetes
  kubeApiserver: '1.35.4',
  /** Go module go.etcd.io/etcd/server/v3 whose etcd the API-server test tier builds (3.6 line). */
  // renovate: datasource=go depName=go.etcd.io/etcd/server/v3
  etcd: '3.6.16',

  // --- simulated cluster tier --- (test/simulation; kube-scheduler and kube-controller-manager
  // come from `kubeApiserver`'s k8s.io/kubernetes module)
  /**
   * Go module sigs.k8s.io/karpenter whose kwok provider (sigs.k8s.io/karpenter/kwok) the
   * simulated tier builds: the Karpenter of `karpenter`. aws/karpenter-provider-aws v1.14.1's
   * go.mod requires v1.14.1-0.20260819221709-6e7eab7a0f48, the commit tagged v1.14.1.
   */
  // renovate: datasource=go depName=sigs.k8s.io/karpenter
  karpenterKwok: 'v1.14.1',
  /**
   * Go module sigs.k8s.io/kwok (the kwok binary plays the kubelet of fake nodes). Karpenter
   * v1.14.1 tests with the v0.6 line (hack/install-kwok.sh: KWOK_RELEASE=v0.6.0); v0.6.0's
   * checksum could not be verified here, v0.6.1 is its patch release.
   */
  // renovate: datasource=go depName=sigs.k8s.io/kwok
  kwok: 'v0.6.1',
  /**
   * Go module of the KubeRay operator the simulated tier runs. The chart pins 1.7.0
   * (`kuberayOperatorChart`), which the Go module proxy does not serve for this module; v1.5.0 is
   * the nearest version it serves (docs/testing.md).
   */
  // renovate: datasource=go depName=github.com/ray-project/kuberay/ray-operator
  kuberayOperatorModule: 'v1.5.0',
  /**
   * Go module github.com/fluxcd/pkg/kustomize (Flux's build and post-build substitution) at the
   * version that kustomize-controller `fluxControllers.kustomizeController` requires (v1.9.4's
   * go.mod: v1.35.4).
   */
  // renovate: datasource=go depName=github.com/fluxcd/pkg/kustomize
  fluxKustomize: 'v1.35.4',
} as const;

// --- tooling (benchmark and workflow lint; never deployed) ---
/** Tools that scripts install on demand, outside package.json. */
export const toolVersions = {
  /** TypeScript 5 for the benchmark's ts-node comparison (ts-node cannot run on TypeScript 7). */
  // renovate: datasource=npm depName=typescript versioning=npm
  typescript5: '5.9.3',
  // renovate: datasource=npm depName=ts-node
  tsNode: '10.9.2',
  // renovate: datasource=go depName=github.com/rhysd/actionlint
  actionlint: 'v1.7.12',
} as const;
