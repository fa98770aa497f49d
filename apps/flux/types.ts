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
