/**
 * Third-party charts as Flux HelmReleases: one Helm source per chart (HelmRepository for an
 * https repository, OCIRepository for an oci:// chart) and one HelmRelease, both in flux-system
 * and in the controllers layer. Versions come from clusters/versions.ts only.
 */
import type { HelmChart } from '../../clusters/versions.js';
import type { Cluster } from '../lib/cluster.js';
import { resource } from '../lib/resource.js';
import { FLUX_NAMESPACE } from './index.js';
import {
  HELM_API,
  type HelmReleaseSpec,
  type HelmRepositorySpec,
  type OCIRepositorySpec,
  SOURCE_API,
} from './types.js';

/** Media type of the Helm chart layer of an OCI chart artifact. */
const HELM_CHART_LAYER = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';

/** Container resources as charts take them. */
export interface Resources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits?: { readonly cpu?: string; readonly memory?: string };
}

/** A toleration as charts take them. */
export interface Toleration {
  readonly key: string;
  readonly operator: 'Exists' | 'Equal';
  readonly value?: string;
  readonly effect?: 'NoSchedule' | 'NoExecute' | 'PreferNoSchedule';
}

export interface HelmReleaseProps<Values extends object> {
  /** HelmRelease name and Helm release name (kept short: charts derive object names from it). */
  readonly name: string;
  /** Namespace the chart's objects are installed into (must exist: see apps/namespaces). */
  readonly namespace: string;
  /** The chart, exactly as pinned in clusters/versions.ts. */
  readonly chart: HelmChart;
  /** Values for the chart, typed per chart by the caller (the fields this project sets). @default none */
  readonly values?: Values;
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

/** Retries before Flux gives up on an install or upgrade (each failed upgrade is rolled back). */
export const HELM_RETRIES = 3;

/** Name of the Helm source for a chart: the release name (one source per release). */
function sourceName(props: { readonly name: string }): string {
  return props.name;
}

/** Adds the chart's source and HelmRelease to the controllers layer; returns the release name. */
export function helmRelease<Values extends object>(
  cluster: Cluster,
  props: HelmReleaseProps<Values>,
): string {
  const scope = cluster.layers.controllers;
  const { chart } = props;
  const source = sourceName(props);
  const oci = chart.repository.startsWith('oci://');
  if (!oci && !chart.repository.startsWith('https://')) {
    throw new Error(
      `HelmRelease ${props.name}: chart repository must be https:// or oci://, got ${chart.repository}`,
    );
  }
  if (oci) {
    const spec: OCIRepositorySpec = {
      url: chart.repository,
      interval: '1h',
      ref: { tag: chart.version },
      layerSelector: { mediaType: HELM_CHART_LAYER, operation: 'copy' },
    };
    resource(scope, `ocirepository-${source}`, {
      apiVersion: SOURCE_API,
      kind: 'OCIRepository',
      metadata: { name: source, namespace: FLUX_NAMESPACE },
      body: { spec },
    });
  } else {
    const spec: HelmRepositorySpec = { url: chart.repository, interval: '1h', timeout: '2m' };
    resource(scope, `helmrepository-${source}`, {
      apiVersion: SOURCE_API,
      kind: 'HelmRepository',
      metadata: { name: source, namespace: FLUX_NAMESPACE },
      body: { spec },
    });
  }
  const spec: HelmReleaseSpec = {
    interval: '1h',
    // Revert changes made to the release's objects outside Git.
    driftDetection: { mode: 'enabled' },
    timeout: props.timeout ?? '10m',
    releaseName: props.name,
    targetNamespace: props.namespace,
    storageNamespace: props.namespace,
    ...(oci
      ? { chartRef: { kind: 'OCIRepository', name: source, namespace: FLUX_NAMESPACE } }
      : {
          chart: {
            spec: {
              chart: chart.chart,
              version: chart.version,
              sourceRef: { kind: 'HelmRepository', name: source, namespace: FLUX_NAMESPACE },
              interval: '1h',
            },
          },
        }),
    ...(props.dependsOn && props.dependsOn.length > 0
      ? { dependsOn: props.dependsOn.map((name) => ({ name, namespace: FLUX_NAMESPACE })) }
      : {}),
    install: { crds: 'CreateReplace', createNamespace: false, remediation: { retries: HELM_RETRIES } },
    upgrade: {
      crds: 'CreateReplace',
      cleanupOnFail: true,
      remediation: { retries: HELM_RETRIES, remediateLastFailure: true, strategy: 'rollback' },
    },
    ...(props.values ? { values: props.values } : {}),
  };
  resource(cluster.layers[props.layer ?? 'controllers'], `helmrelease-${props.name}`, {
    apiVersion: HELM_API,
    kind: 'HelmRelease',
    metadata: { name: props.name, namespace: FLUX_NAMESPACE },
    body: { spec },
  });
  return props.name;
}
