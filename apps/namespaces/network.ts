/**
 * NetworkPolicies for workload namespaces: deny everything by default, then allow what each
 * workload needs. Enforced by the VPC CNI's network policy agent (an EKS add-on setting that
 * infra/ enables). Policies live in the configs layer, before the workloads start.
 */
import type { Cluster } from '../lib/cluster.js';
import { resource } from '../lib/resource.js';

type Labels = Readonly<Record<string, string>>;

export interface PortSpec {
  readonly port: number;
  readonly protocol?: 'TCP' | 'UDP';
}

function policy(cluster: Cluster, namespace: string, name: string, spec: Record<string, unknown>): string {
  const id = `networkpolicy-${namespace}-${name}`;
  if (cluster.layers.configs.node.tryFindChild(id)) return name;
  resource(cluster.layers.configs, id, {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace },
    body: { spec },
  });
  return name;
}

const ports = (list: readonly PortSpec[]) =>
  list.map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' }));

/** The EKS Pod Identity agent: a host-network daemon on every node, reached on this link-local address. */
export const POD_IDENTITY_AGENT = { cidr: '169.254.170.23/32', port: 80 } as const;

export interface DefaultDenyOptions {
  /**
   * Also allow all traffic between pods of the namespace. Off where pods of one namespace must
   * stay isolated from each other (JupyterHub: one user's server must not reach another's).
   * @default true
   */
  readonly sameNamespace?: boolean;
}

/**
 * Denies all ingress and egress in `namespace` except DNS to the cluster resolver and (unless
 * `sameNamespace` is false) traffic between pods of the same namespace. Idempotent.
 */
export function defaultDeny(cluster: Cluster, namespace: string, options: DefaultDenyOptions = {}): void {
  policy(cluster, namespace, 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  policy(cluster, namespace, 'allow-dns', {
    podSelector: {},
    policyTypes: ['Egress'],
    egress: [
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
        ports: ports([{ port: 53, protocol: 'UDP' }, { port: 53 }]),
      },
    ],
  });
  if (options.sameNamespace === false) return;
  policy(cluster, namespace, 'allow-same-namespace', {
    podSelector: {},
    policyTypes: ['Ingress', 'Egress'],
    ingress: [{ from: [{ podSelector: {} }] }],
    egress: [{ to: [{ podSelector: {} }] }],
  });
}

/**
 * Lets the load balancers (ALB/NLB with IP targets, whose addresses are in the VPC) reach
 * the pods selected by `podLabels` on `ports`.
 */
export function allowFromLoadBalancers(
  cluster: Cluster,
  namespace: string,
  name: string,
  podLabels: Labels,
  on: readonly PortSpec[],
): string {
  return policy(cluster, namespace, `allow-lb-${name}`, {
    podSelector: { matchLabels: { ...podLabels } },
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ ipBlock: { cidr: cluster.env.vpcCidr } }], ports: ports(on) }],
  });
}

/** Lets pods selected by `podLabels` reach HTTPS endpoints anywhere (model hubs, AWS APIs). */
export function allowHttpsEgress(
  cluster: Cluster,
  namespace: string,
  name: string,
  podLabels: Labels,
): string {
  return policy(cluster, namespace, `allow-https-${name}`, {
    podSelector: { matchLabels: { ...podLabels } },
    policyTypes: ['Egress'],
    egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: ports([{ port: 443 }]) }],
  });
}

/** Lets pods labelled `fromLabels` in namespace `from` reach pods `podLabels` in `namespace`. */
export function allowFromNamespace(
  cluster: Cluster,
  namespace: string,
  name: string,
  podLabels: Labels,
  from: { readonly namespace: string; readonly podLabels?: Labels },
  on: readonly PortSpec[],
): string {
  return policy(cluster, namespace, `allow-${name}`, {
    podSelector: { matchLabels: { ...podLabels } },
    policyTypes: ['Ingress'],
    ingress: [
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': from.namespace } },
            ...(from.podLabels ? { podSelector: { matchLabels: { ...from.podLabels } } } : {}),
          },
        ],
        ports: ports(on),
      },
    ],
  });
}

/** Lets pods `podLabels` in `namespace` reach pods `to.podLabels` (all if omitted) in namespace `to.namespace` on `on`. */
export function allowToNamespace(
  cluster: Cluster,
  namespace: string,
  name: string,
  podLabels: Labels,
  to: { readonly namespace: string; readonly podLabels?: Labels },
  on: readonly PortSpec[],
): string {
  return policy(cluster, namespace, `allow-to-${name}`, {
    podSelector: { matchLabels: { ...podLabels } },
    policyTypes: ['Egress'],
    egress: [
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': to.namespace } },
            ...(to.podLabels ? { podSelector: { matchLabels: { ...to.podLabels } } } : {}),
          },
        ],
        ports: ports(on),
      },
    ],
  });
}

/**
 * Lets pods `podLabels` reach the EKS Pod Identity agent (credentials for their service
 * account's IAM role). Without it the AWS SDKs in those pods get no credentials.
 */
export function allowPodIdentityAgent(
  cluster: Cluster,
  namespace: string,
  name: string,
  podLabels: Labels,
): string {
  return policy(cluster, namespace, `allow-pod-identity-${name}`, {
    podSelector: { matchLabels: { ...podLabels } },
    policyTypes: ['Egress'],
    egress: [
      {
        to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT.cidr } }],
        ports: ports([{ port: POD_IDENTITY_AGENT.port }]),
      },
    ],
  });
}
