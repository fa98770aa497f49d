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
  // --- infra --- (infra/: EKS add-ons, the system node group, the Flux bootstrap)
  /**
   * EKS add-on versions for Kubernetes 1.35 (`aws eks describe-addon-versions
   * --kubernetes-version 1.35 --addon-name <name>` lists what a region offers).
   */
  eksAddons: {
    'vpc-cni': 'v1.23.0-eksbuild.1',
    coredns: 'v1.13.2-eksbuild.3',
    'kube-proxy': 'v1.35.3-eksbuild.18',
    'eks-pod-identity-agent': 'v1.3.7-eksbuild.2',
    'aws-ebs-csi-driver': 'v1.56.0-eksbuild.1',
    'aws-fsx-csi-driver': 'v1.9.0-eksbuild.1',
    'aws-mountpoint-s3-csi-driver': 'v2.7.0-eksbuild.1',
    'eks-node-monitoring-agent': 'v1.4.0-eksbuild.1',
    'amazon-cloudwatch-observability': 'v6.3.0-eksbuild.1',
  },
  /**
   * The system managed node group's AMI: type and EKS optimized AL2023 release
   * (`<kubernetes patch>-<YYYYMMDD>`).
   */
  systemNodeGroupAmi: { type: 'AL2023_x86_64_STANDARD', releaseVersion: '1.35.8-20260930' },
  /** Flux controllers (fluxcd-community chart), installed by infra/flux with the Helm provider. */
  flux: { repository: 'https://fluxcd-community.github.io/helm-charts', chart: 'flux2', version: '2.19.0' },
  /** The bootstrap GitRepository and root Kustomization (fluxcd-community chart). */
  fluxSync: {
    repository: 'https://fluxcd-community.github.io/helm-charts',
    chart: 'flux2-sync',
    version: '1.13.1',
  },
} as const;
