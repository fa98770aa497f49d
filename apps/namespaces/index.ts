/**
 * Namespaces with Pod Security Admission labels. Workload namespaces enforce `restricted`;
 * a namespace is `privileged` only where a device plugin or node agent needs host access.
 */
import type { Cluster } from '../lib/cluster.js';
import { resource } from '../lib/resource.js';

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

export interface NamespaceSpec {
  /** Namespace name. */
  readonly name: string;
  /** Pod Security Admission level enforced (audit and warn follow `restricted`). */
  readonly podSecurity: PodSecurityLevel;
}

/** The namespaces of the platform; capabilities add theirs here. */
export const NAMESPACES: readonly NamespaceSpec[] = [{ name: 'karpenter', podSecurity: 'restricted' }];

export function namespaces(cluster: Cluster): void {
  for (const ns of NAMESPACES) {
    resource(cluster.layers.controllers, `namespace-${ns.name}`, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: ns.name,
        labels: {
          'app.kubernetes.io/managed-by': 'flux',
          'pod-security.kubernetes.io/enforce': ns.podSecurity,
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
      },
      body: {},
    });
  }
}
