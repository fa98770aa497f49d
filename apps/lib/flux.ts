/**
 * Flux in the rendered tree: the layer Kustomizations (the root Kustomization that infra/'s
 * bootstrap creates applies dist/k8s/<env>/flux-system, which holds one Kustomization per layer)
 * and third-party charts as HelmReleases with their Helm sources.
 *
 * Each layer depends on the one before, waits for its objects to be ready, prunes what was
 * removed, and substitutes the contract variables from the cluster-vars ConfigMap.
 */
import type { Chart } from 'cdk8s';
import { CLUSTER_VARS_CONFIGMAP, FLUX, LAYERS, type Layer, layerPath } from '../../clusters/contract.js';
import { appsTimeoutMinutes, goDuration } from '../../clusters/lib/cold-start.js';
import type { Environment } from '../../clusters/lib/resolve.js';
import type { HelmChart } from '../../clusters/versions.js';
import {
  HelmRelease,
  HelmReleaseSpecChartRefKind,
  HelmReleaseSpecChartSpecSourceRefKind,
  HelmReleaseSpecDriftDetectionMode,
  HelmReleaseSpecInstallCrds,
  HelmReleaseSpecUpgradeCrds,
  HelmReleaseSpecUpgradeRemediationStrategy,
} from '../imports/helmrelease-helm.toolkit.fluxcd.io.js';
import { HelmRepository } from '../imports/helmrepository-source.toolkit.fluxcd.io.js';
import {
  Kustomization,
  KustomizationSpecPostBuildSubstituteFromKind,
  KustomizationSpecSourceRefKind,
} from '../imports/kustomization-kustomize.toolkit.fluxcd.io.js';
import {
  OciRepository,
  OciRepositorySpecLayerSelectorOperation,
} from '../imports/ocirepository-source.toolkit.fluxcd.io.js';

type WorkloadLayer = Exclude<Layer, 'flux-system'>;

/**
 * Reconcile interval and health-check timeout per layer. The `apps` layer's timeout is derived
 * from the modelled first start of the environment's vLLM deployments (staging, Neuron compile,
 * node launch, image pull, load), never shorter, at least 20 minutes
 * (clusters/lib/cold-start.ts `appsTimeoutMinutes`).
 */
function timing(env: Environment): { readonly [L in WorkloadLayer]: { interval: string; timeout: string } } {
  return {
    controllers: { interval: '1h', timeout: '15m' },
    configs: { interval: '1h', timeout: '10m' },
    apps: { interval: '10m', timeout: goDuration(appsTimeoutMinutes(env)) },
  };
}

export class FluxLayers {
  private readonly extra = new Map<WorkloadLayer, Set<string>>();

  constructor(
    private readonly layers: { readonly [L in Layer]: Chart },
    private readonly env: Environment,
  ) {}

  /**
   * Makes `layer`'s Kustomization depend on the Flux Kustomization `name` (which the caller adds
   * to the flux-system layer), e.g. third-party CRDs that the layer's controllers need.
   */
  dependOn(layer: WorkloadLayer, name: string): void {
    const names = this.extra.get(layer) ?? new Set<string>();
    names.add(name);
    this.extra.set(layer, names);
  }

  /**
   * Adds the layer Kustomizations: a layer that holds no object gets none (Flux fails on a path
   * that does not exist), and the next layer depends on the last one that does.
   */
  finish(): void {
    const scope = this.layers['flux-system'];
    const TIMING = timing(this.env);
    let previous: Layer | undefined;
    for (const layer of LAYERS) {
      if (layer === 'flux-system' || this.layers[layer].node.children.length === 0) continue;
      const dependsOn = [...(previous ? [previous] : []), ...[...(this.extra.get(layer) ?? [])].sort()];
      new Kustomization(scope, `kustomization-${layer}`, {
        metadata: { name: layer, namespace: FLUX.namespace },
        spec: {
          interval: TIMING[layer].interval,
          retryInterval: '2m',
          timeout: TIMING[layer].timeout,
          path: layerPath(this.env.name, layer),
          prune: true,
          wait: true,
          sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: FLUX.gitRepository },
          ...(dependsOn.length > 0 ? { dependsOn: dependsOn.map((name) => ({ name })) } : {}),
          postBuild: {
            substituteFrom: [
              { kind: KustomizationSpecPostBuildSubstituteFromKind.CONFIG_MAP, name: CLUSTER_VARS_CONFIGMAP },
            ],
          },
        },
      });
      previous = layer;
    }
  }
}

/** Media type of the Helm chart layer of an OCI chart artifact. */
const HELM_CHART_LAYER = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';

/** Retries before Flux gives up on an install or upgrade (each failed upgrade is rolled back). */
export const HELM_RETRIES = 3;

export interface HelmReleaseProps<Values extends object> {
  /** HelmRelease name and Helm release name (kept short: charts derive object names from it). */
  readonly name: string;
  /** Namespace the chart's objects are installed into (must be declared: see apps/lib/namespaces.ts). */
  readonly namespace: string;
  /** The chart, exactly as pinned in clusters/versions.ts. */
  readonly chart: HelmChart;
  /** Values for the chart, typed per chart by the caller (the keys this project sets). */
  readonly values: Values;
  /** HelmReleases (in flux-system) to install first. @default none */
  readonly dependsOn?: readonly string[];
  /** Helm install/upgrade timeout. @default '10m' */
  readonly timeout?: string;
  /**
   * Flux layer of the HelmRelease (its source is always in controllers). A release whose pods
   * need objects from the configs layer (Secrets from External Secrets, NodePools) belongs in apps.
   * @default 'controllers'
   */
  readonly layer?: 'controllers' | 'apps';
}

/** Scope of a helm release: the layers it writes to. */
export interface HelmScope {
  readonly layers: { readonly [L in Layer]: Chart };
}

/**
 * Adds the chart's source (HelmRepository for https, OCIRepository for oci://, both named after
 * the release, in the controllers layer) and its HelmRelease; returns the release name.
 */
export function helmRelease<Values extends object>(
  cluster: HelmScope,
  props: HelmReleaseProps<Values>,
): string {
  const scope = cluster.layers.controllers;
  const { chart, name } = props;
  const oci = chart.repository.startsWith('oci://');
  if (!oci && !chart.repository.startsWith('https://')) {
    throw new Error(
      `HelmRelease ${name}: chart repository must be https:// or oci://, got ${chart.repository}`,
    );
  }
  const metadata = { name, namespace: FLUX.namespace };
  if (oci) {
    new OciRepository(scope, `ocirepository-${name}`, {
      metadata,
      spec: {
        url: chart.repository,
        interval: '1h',
        ref: { tag: chart.version },
        layerSelector: {
          mediaType: HELM_CHART_LAYER,
          operation: OciRepositorySpecLayerSelectorOperation.COPY,
        },
      },
    });
  } else {
    new HelmRepository(scope, `helmrepository-${name}`, {
      metadata,
      spec: { url: chart.repository, interval: '1h', timeout: '2m' },
    });
  }
  const dependsOn = props.dependsOn ?? [];
  new HelmRelease(cluster.layers[props.layer ?? 'controllers'], `helmrelease-${name}`, {
    metadata,
    spec: {
      interval: '1h',
      // Revert changes made to the release's objects outside Git.
      driftDetection: { mode: HelmReleaseSpecDriftDetectionMode.ENABLED },
      timeout: props.timeout ?? '10m',
      releaseName: name,
      targetNamespace: props.namespace,
      storageNamespace: props.namespace,
      ...(oci
        ? { chartRef: { kind: HelmReleaseSpecChartRefKind.OCI_REPOSITORY, name, namespace: FLUX.namespace } }
        : {
            chart: {
              spec: {
                chart: chart.chart,
                version: chart.version,
                sourceRef: {
                  kind: HelmReleaseSpecChartSpecSourceRefKind.HELM_REPOSITORY,
                  name,
                  namespace: FLUX.namespace,
                },
                interval: '1h',
              },
            },
          }),
      ...(dependsOn.length > 0
        ? { dependsOn: dependsOn.map((d) => ({ name: d, namespace: FLUX.namespace })) }
        : {}),
      install: {
        crds: HelmReleaseSpecInstallCrds.CREATE_REPLACE,
        createNamespace: false,
        remediation: { retries: HELM_RETRIES },
      },
      upgrade: {
        crds: HelmReleaseSpecUpgradeCrds.CREATE_REPLACE,
        cleanupOnFail: true,
        remediation: {
          retries: HELM_RETRIES,
          remediateLastFailure: true,
          strategy: HelmReleaseSpecUpgradeRemediationStrategy.ROLLBACK,
        },
      },
      values: props.values,
    },
  });
  return name;
}
