/**
 * Every version the project deploys, pinned exactly, in one table. Renovate keeps it current
 * (see renovate.json); nothing else in the repository names a version.
 *
 * Shape that Renovate's custom managers match (keep every entry in it): the line directly above
 * the entry is a comment `// renovate: datasource=<ds> depName=<name>` (optionally followed by
 * ` registryUrl=<url>` and/or ` versioning=<scheme>`), and the entry itself is ONE line:
 *   - a plain string:           `kubernetes: '1.35',`
 *   - an object with `version`: `karpenter: { repository: 'oci://…', chart: 'karpenter', version: '1.2.3' },`
 *   - an object with `tag`:     `vllm: { image: 'docker.io/vllm/vllm-openai', tag: 'v1.2.3' },`
 *   - an AMI alias string:      `amiAlias: 'al2023@v20250101',` (datasource=github-releases
 *                               depName=awslabs/amazon-eks-ami: only the `vYYYYMMDD` part is updated)
 * Datasources: `helm` (https chart repositories, with registryUrl), `docker` (images and OCI
 * charts, depName = the full image or chart reference without tag), `github-releases`, `npm`, `go`.
 * Entries without the comment are not updated automatically.
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
