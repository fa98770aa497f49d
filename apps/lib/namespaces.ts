/**
 * Namespaces with Pod Security Admission labels, declared by the capabilities that use them and
 * rendered once, in the controllers layer (so they exist before configs and apps apply).
 * Workload namespaces enforce `restricted`; a namespace is `privileged` only where a device
 * plugin or node agent needs host access.
 */
import type { Chart } from 'cdk8s';
import { Namespace } from 'cdk8s-plus-28';
import type { Environment } from '../../clusters/lib/resolve.js';
import { versions } from '../../clusters/versions.js';

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/**
 * Network isolation of a namespace (apps/lib/network.ts):
 * - `none`: no NetworkPolicies (platform namespaces whose charts bring their own, or none);
 * - `namespace`: deny by default, allow DNS and traffic between the namespace's pods;
 * - `pod`: deny by default, allow DNS; pods of the namespace do not trust each other.
 */
export type Isolation = 'none' | 'namespace' | 'pod';

export interface NamespaceOptions {
  /** Pod Security Admission level enforced. */
  readonly podSecurity: PodSecurityLevel;
  /** Network isolation. @default 'none' */
  readonly isolation?: Isolation;
}

/** Namespaces that already exist in every EKS cluster; never rendered. */
const BUILT_IN: ReadonlySet<string> = new Set(['kube-system', 'default', 'flux-system']);

export class NamespaceRegistry {
  private readonly declared = new Map<string, Required<NamespaceOptions>>();

  constructor(
    private readonly scope: Chart,
    private readonly env: Environment,
  ) {}

  /**
   * Declares that `name` exists with these options; returns the name. Idempotent: capabilities
   * sharing a namespace may each declare it, with the same options.
   */
  declare(name: string, options: NamespaceOptions): string {
    const wanted: Required<NamespaceOptions> = { isolation: 'none', ...options };
    const existing = this.declared.get(name);
    if (existing) {
      if (existing.podSecurity !== wanted.podSecurity || existing.isolation !== wanted.isolation) {
        throw new Error(
          `namespace ${name}: declared as ${describe(existing)} and as ${describe(wanted)} in ${this.env.file}`,
        );
      }
      return name;
    }
    this.declared.set(name, wanted);
    if (BUILT_IN.has(name)) return name;
    new Namespace(this.scope, `namespace-${name}`, {
      metadata: {
        name,
        labels: {
          'pod-security.kubernetes.io/enforce': wanted.podSecurity,
          'pod-security.kubernetes.io/enforce-version': `v${versions.kubernetes}`,
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
      },
    });
    return name;
  }

  /** Whether some capability declared `name`. */
  has(name: string): boolean {
    return this.declared.has(name);
  }

  /** The isolated namespaces and how, in declaration order. */
  isolated(): [string, Exclude<Isolation, 'none'>][] {
    return [...this.declared]
      .filter(([, o]) => o.isolation !== 'none')
      .map(([n, o]) => [n, o.isolation as Exclude<Isolation, 'none'>]);
  }
}

function describe(o: Required<NamespaceOptions>): string {
  return `${o.podSecurity} (isolation ${o.isolation})`;
}
