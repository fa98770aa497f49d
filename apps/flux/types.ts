/** Hand-written types for the Flux fields this project uses (kustomize.toolkit.fluxcd.io/v1). */

export interface NamespacedObjectKindReference {
  readonly kind: 'GitRepository' | 'OCIRepository' | 'Bucket';
  readonly name: string;
  readonly namespace?: string;
}

export interface KustomizationSpec {
  readonly interval: string;
  readonly retryInterval?: string;
  readonly timeout?: string;
  readonly path: string;
  readonly prune: boolean;
  readonly wait?: boolean;
  /** Objects to wait for (used instead of `wait` when only some objects matter). */
  readonly healthChecks?: readonly HealthCheck[];
  readonly sourceRef: NamespacedObjectKindReference;
  readonly dependsOn?: readonly { readonly name: string; readonly namespace?: string }[];
  readonly postBuild?: {
    readonly substituteFrom?: readonly {
      readonly kind: 'ConfigMap' | 'Secret';
      readonly name: string;
      readonly optional?: boolean;
    }[];
  };
}

export const KUSTOMIZE_API = 'kustomize.toolkit.fluxcd.io/v1';

/** A Kustomization health check: an object Flux must see Ready before the layer is Ready. */
export interface HealthCheck {
  readonly apiVersion?: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

// --- sources (source.toolkit.fluxcd.io/v1) ---

export const SOURCE_API = 'source.toolkit.fluxcd.io/v1';

/** A classic Helm repository (index.yaml over HTTPS). */
export interface HelmRepositorySpec {
  readonly url: string;
  readonly interval: string;
  readonly timeout?: string;
}

/** An OCI artifact; for a Helm chart, `layerSelector` picks the chart tarball layer. */
export interface OCIRepositorySpec {
  readonly url: string;
  readonly interval: string;
  readonly ref: { readonly tag?: string; readonly semver?: string; readonly digest?: string };
  readonly layerSelector?: {
    readonly mediaType: string;
    readonly operation: 'extract' | 'copy';
  };
}

/** A Git repository at a tag, optionally fetching only part of it (`ignore`, .gitignore syntax). */
export interface GitRepositorySpec {
  readonly url: string;
  readonly interval: string;
  readonly ref: { readonly tag: string };
  readonly ignore?: string;
}

// --- HelmRelease (helm.toolkit.fluxcd.io/v2) ---

export const HELM_API = 'helm.toolkit.fluxcd.io/v2';

export type CrdPolicy = 'Skip' | 'Create' | 'CreateReplace';

export interface HelmReleaseSpec {
  readonly interval: string;
  readonly timeout?: string;
  readonly releaseName: string;
  readonly targetNamespace: string;
  readonly storageNamespace: string;
  /** A chart from a HelmRepository, resolved by name and exact version. */
  readonly chart?: {
    readonly spec: {
      readonly chart: string;
      readonly version: string;
      readonly sourceRef: {
        readonly kind: 'HelmRepository';
        readonly name: string;
        readonly namespace?: string;
      };
      readonly interval?: string;
    };
  };
  /** A chart that is itself an OCI artifact (the OCIRepository pins the version). */
  readonly chartRef?: { readonly kind: 'OCIRepository'; readonly name: string; readonly namespace?: string };
  readonly dependsOn?: readonly { readonly name: string; readonly namespace?: string }[];
  readonly install: {
    readonly crds: CrdPolicy;
    readonly createNamespace?: boolean;
    readonly remediation: { readonly retries: number };
  };
  readonly upgrade: {
    readonly crds: CrdPolicy;
    readonly cleanupOnFail?: boolean;
    readonly remediation: {
      readonly retries: number;
      readonly remediateLastFailure?: boolean;
      readonly strategy?: 'rollback' | 'uninstall';
    };
  };
  readonly driftDetection?: { readonly mode: 'enabled' | 'warn' | 'disabled' };
  readonly values?: object;
}
