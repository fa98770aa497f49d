/**
 * Flux Helm objects: a HelmRepository per chart repository (controllers layer, flux-system
 * namespace, shared and idempotent) and HelmReleases with typed values. Charts are never
 * rendered at synth time: Flux's helm-controller installs them in the cluster.
 */
import type { Construct } from 'constructs';
import type { HelmChart } from '../../clusters/versions.js';
import { FLUX_NAMESPACE } from '../flux/index.js';
import { HELM_API, type HelmReleaseSpec, SOURCE_API } from '../flux/types.js';
import type { Cluster } from './cluster.js';
import { resource } from './resource.js';

/** Ensures a HelmRepository named `name` for `url` exists; returns its name. */
export function helmRepository(cluster: Cluster, name: string, url: string): string {
  const scope = cluster.layers.controllers;
  const id = `helmrepository-${name}`;
  const existing = scope.node.tryFindChild(id);
  if (existing) return name;
  resource(scope, id, {
    apiVersion: SOURCE_API,
    kind: 'HelmRepository',
    metadata: { name, namespace: FLUX_NAMESPACE },
    body: { spec: { url, interval: '12h', timeout: '2m' } },
  });
  return name;
}

export interface HelmReleaseProps<Values extends object> {
  readonly name: string;
  readonly namespace: string;
  /** Name of the HelmRepository (see helmRepository). */
  readonly repository: string;
  readonly chart: HelmChart;
  readonly values: Values;
  /** How long Helm waits for the release's objects. @default '15m' */
  readonly timeout?: string;
}

/** A HelmRelease that installs CRDs, retries, and reverts drift. */
export function helmRelease<Values extends object>(scope: Construct, props: HelmReleaseProps<Values>): void {
  const spec: HelmReleaseSpec<Values> = {
    interval: '30m',
    timeout: props.timeout ?? '15m',
    releaseName: props.name,
    chart: {
      spec: {
        chart: props.chart.chart,
        version: props.chart.version,
        interval: '12h',
        sourceRef: { kind: 'HelmRepository', name: props.repository, namespace: FLUX_NAMESPACE },
      },
    },
    install: { crds: 'CreateReplace', remediation: { retries: 3 } },
    upgrade: {
      crds: 'CreateReplace',
      cleanupOnFail: true,
      remediation: { retries: 3, remediateLastFailure: true },
    },
    driftDetection: { mode: 'enabled' },
    values: props.values,
  };
  resource(scope, `helmrelease-${props.namespace}-${props.name}`, {
    apiVersion: HELM_API,
    kind: 'HelmRelease',
    metadata: { name: props.name, namespace: props.namespace },
    body: { spec },
  });
}
