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
