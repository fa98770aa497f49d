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

// --- workloads: Helm sources and releases (source.toolkit.fluxcd.io/v1, helm.toolkit.fluxcd.io/v2) ---

export const SOURCE_API = 'source.toolkit.fluxcd.io/v1';
export const HELM_API = 'helm.toolkit.fluxcd.io/v2';

export interface HelmRepositorySpec {
  readonly url: string;
  readonly interval: string;
  readonly timeout?: string;
  /** `oci` for OCI registries; absent for HTTP(S) chart repositories. */
  readonly type?: 'default' | 'oci';
}

export interface HelmReleaseSpec<Values extends object> {
  readonly interval: string;
  readonly timeout?: string;
  readonly releaseName?: string;
  readonly targetNamespace?: string;
  readonly chart: {
    readonly spec: {
      readonly chart: string;
      readonly version: string;
      readonly interval?: string;
      readonly sourceRef: {
        readonly kind: 'HelmRepository';
        readonly name: string;
        readonly namespace?: string;
      };
    };
  };
  readonly install?: {
    readonly crds?: 'Skip' | 'Create' | 'CreateReplace';
    readonly remediation?: { readonly retries?: number };
  };
  readonly upgrade?: {
    readonly crds?: 'Skip' | 'Create' | 'CreateReplace';
    readonly cleanupOnFail?: boolean;
    readonly remediation?: { readonly retries?: number; readonly remediateLastFailure?: boolean };
  };
  readonly driftDetection?: { readonly mode: 'enabled' | 'warn' | 'disabled' };
  readonly values: Values;
}
