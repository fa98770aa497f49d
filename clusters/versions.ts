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

  // --- api server tier ---
  /**
   * Go module k8s.io/kubernetes whose kube-apiserver the API-server test tier builds
   * (`npm run test:cluster`); its minor must equal `kubernetes`. The k8s.io/* staging modules
   * are replaced with v0.<minor>.<patch> of the same release (test/cluster/tools/go.mod).
   */
  kubeApiserver: '1.35.4',
  /** Go module go.etcd.io/etcd/server/v3 whose etcd the API-server test tier builds (3.6 line). */
  etcd: '3.6.16',
} as const;
