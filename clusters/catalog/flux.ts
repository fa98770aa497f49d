/**
 * The Flux releases the bootstrap may install (`versions.flux`), with what each ships and which
 * Flux Operator release carries it. Facts read at the tags named per entry:
 * - the controllers: fluxcd/flux2@<tag>:manifests/bases/<controller>/kustomization.yaml (the
 *   release URLs of each controller's CRDs and Deployment);
 * - the operator: controlplaneio-fluxcd/flux-operator@v<version>:config/data/flux/<tag>/ (the
 *   manifests its image embeds: the Dockerfile copies config/data/ to /data/, and a FluxInstance
 *   without `distribution.artifact` is built from them, internal/controller/fluxinstance_controller.go
 *   `fetch`).
 *
 * The typed imports (apps/imports) come from the CRD files of `versions.fluxControllers`. A
 * release may ship another controller version than the one an import was generated from, as long
 * as the CRDs are the same: SAME_CRD_SPEC records each such pair with the diff that showed it,
 * and test/imports.test.ts (tools/imports/sources.ts `checkImports`) fails a `versions.flux` whose
 * controllers are neither pinned nor recorded.
 */

/** The controllers whose CRDs the render types and writes objects of. */
export type FluxController = 'sourceController' | 'kustomizeController' | 'helmController';

export interface FluxRelease {
  /** Controller versions the release ships (git tags). */
  readonly controllers: { readonly [C in FluxController | 'notificationController']: string };
  /** The first Flux Operator release (chart and image version, no `v`) that embeds this release. */
  readonly operatorSince: string;
}

export const FLUX_RELEASES: Readonly<Record<string, FluxRelease>> = {
  /**
   * fluxcd/flux2@v2.9.4 (2026-08-07):manifests/bases/*: source-controller v1.9.4,
   * kustomize-controller v1.9.4, helm-controller v1.6.3, notification-controller v1.9.3.
   * controlplaneio-fluxcd/flux-operator@v0.58.0:config/data/flux/v2.9.4/ is the first to hold it
   * (v0.57.0 ends at v2.9.3); config/data/flux-images/v2.9.4/upstream-alpine.yaml pins the
   * images by digest, unchanged in v0.58.1.
   */
  'v2.9.4': {
    controllers: {
      sourceController: 'v1.9.4',
      kustomizeController: 'v1.9.4',
      helmController: 'v1.6.3',
      notificationController: 'v1.9.3',
    },
    operatorSince: '0.58.0',
  },
};

/**
 * Controller releases whose CRDs have the same `spec` as an earlier release's (installed version →
 * the version the imports were generated from), for the CRDs the render types. Each pair was
 * checked with `git diff <imported> <installed> -- config/crd/bases` in the controller's repository.
 */
export const SAME_CRD_SPEC: { readonly [C in FluxController]?: Readonly<Record<string, string>> } = {
  /**
   * fluxcd/source-controller v1.9.1 → v1.9.4 (the v1.9.2..v1.9.4 tags read from the Go module
   * github.com/fluxcd/source-controller at those versions): every CRD of config/crd/bases gains the
   * metadata annotation `kustomize.toolkit.fluxcd.io/substitute: disabled` (v1.9.2, CHANGELOG
   * "Disable variable substitution in CRDs"), and helmcharts' description of `.status.url` names
   * HelmChartStatus instead of BucketStatus (v1.9.3, a doc-comment fix). No schema change:
   * gitrepositories, helmrepositories and ocirepositories, the imported ones, differ only in that
   * annotation.
   */
  sourceController: { 'v1.9.4': 'v1.9.1' },
};
