/**
 * The KubeRay operator (HelmRelease, controllers layer), for environments that run a RayService.
 */
import { versions } from '../../../clusters/versions.js';
import type { Cluster } from '../../lib/cluster.js';
import { helmRelease } from '../../lib/flux.js';
import { systemPlacement } from '../../lib/pod.js';

export const KUBERAY_NAMESPACE = 'kuberay';

export function kuberayOperator(cluster: Cluster, after: readonly string[]): void {
  const ns = cluster.namespaces.declare(KUBERAY_NAMESPACE, {
    podSecurity: 'restricted',
    isolation: 'namespace',
  });
  helmRelease(cluster, {
    name: 'kuberay-operator',
    namespace: ns,
    chart: versions.kuberayOperatorChart,
    dependsOn: after,
    values: {
      image: { ...versions.kuberayOperatorImage, pullPolicy: 'IfNotPresent' },
      // The operator is in the controllers layer, which must be Ready before the configs layer
      // creates the NodePools: system nodes, via top-level `nodeSelector`/`tolerations`
      // (helm-chart/kuberay-operator/values.yaml of ray-project/kuberay).
      ...systemPlacement(),
      resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    },
  });
  // The Kubernetes API.
  cluster.network.httpsEgress(ns, 'operator');
}
