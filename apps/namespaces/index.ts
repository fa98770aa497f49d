/**
 * Namespaces with Pod Security Admission labels. Workload namespaces enforce `restricted`;
 * a namespace is `privileged` only where a device plugin or node agent needs host access.
 * Namespaces live in the controllers layer, so they exist before configs and apps apply.
 */
import { versions } from '../../clusters/versions.js';
import type { Cluster } from '../lib/cluster.js';
import { resource } from '../lib/resource.js';

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/** Namespaces that already exist in every EKS cluster; never rendered. */
const BUILT_IN = new Set(['kube-system', 'default', 'flux-system']);

/**
 * Declares that `name` exists with Pod Security level `podSecurity`. Idempotent: capabilities
 * sharing a namespace may each call it; conflicting levels are an error.
 */
export function namespace(cluster: Cluster, name: string, podSecurity: PodSecurityLevel): string {
  if (BUILT_IN.has(name)) return name;
  const id = `namespace-${name}`;
  const existing = cluster.layers.controllers.node.tryFindChild(id);
  if (existing) {
    const level = (
      existing as unknown as { metadata: { getLabel(k: string): string | undefined } }
    ).metadata.getLabel('pod-security.kubernetes.io/enforce');
    if (level !== podSecurity) {
      throw new Error(`namespace ${name}: declared both ${level} and ${podSecurity} Pod Security levels`);
    }
    return name;
  }
  resource(cluster.layers.controllers, id, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: {
        'pod-security.kubernetes.io/enforce': podSecurity,
        'pod-security.kubernetes.io/enforce-version': `v${versions.kubernetes}`,
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
      },
    },
    body: {},
  });
  return name;
}
