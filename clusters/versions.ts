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

  // --- platform --- (apps/karpenter, apps/accelerators, apps/storage, apps/traffic, apps/secrets)
  /** Karpenter controller chart (its CRDs ship in the chart's crds/ folder). */
  karpenter: {
    repository: 'oci://public.ecr.aws/karpenter/karpenter',
    chart: 'karpenter',
    version: '1.14.1',
  },
  /**
   * EKS optimized AL2023 AMI release for every Karpenter EC2NodeClass. Karpenter's al2023 alias
   * picks the standard, NVIDIA or Neuron variant of this release from the instance type.
   */
  amiAlias: 'al2023@v20260818',
  /** NVIDIA device plugin with GPU feature discovery and node feature discovery. */
  nvidiaDevicePlugin: {
    repository: 'https://nvidia.github.io/k8s-device-plugin',
    chart: 'nvidia-device-plugin',
    version: '0.20.0',
  },
  /** NVIDIA DCGM exporter (GPU metrics). */
  dcgmExporter: {
    repository: 'https://nvidia.github.io/dcgm-exporter/helm-charts',
    chart: 'dcgm-exporter',
    version: '4.1.1',
  },
  /** Neuron device plugin, scheduler extension and neuron-monitor. */
  neuron: {
    repository: 'oci://public.ecr.aws/neuron/neuron-helm-chart',
    chart: 'neuron-helm-chart',
    version: '1.10.0',
  },
  /** EFA device plugin (eks-charts). */
  efaDevicePlugin: {
    repository: 'https://aws.github.io/eks-charts',
    chart: 'aws-efa-k8s-device-plugin',
    version: 'v0.5.7',
  },
  /** AWS Load Balancer Controller (NLB Services, Gateway API). */
  awsLoadBalancerController: {
    repository: 'https://aws.github.io/eks-charts',
    chart: 'aws-load-balancer-controller',
    version: '3.5.0',
  },
  /** Gateway API standard-channel CRDs, applied from the upstream repository at this tag. */
  gatewayApi: { repository: 'https://github.com/kubernetes-sigs/gateway-api', tag: 'v1.6.1' },
  /** External Secrets Operator. */
  externalSecrets: {
    repository: 'https://charts.external-secrets.io',
    chart: 'external-secrets',
    version: '2.9.0',
  },
} as const;
