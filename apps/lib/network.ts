/**
 * NetworkPolicies from declared flows. A namespace declared with isolation (apps/lib/namespaces.ts)
 * denies everything by default except DNS (and, for `namespace` isolation, traffic between its
 * own pods); each capability then declares what its pods need, and `finish()` renders one policy
 * per declaration into the configs layer, before the workloads start. Enforced by the VPC CNI's
 * network policy agent (an EKS add-on setting that infra/ enables).
 *
 * Notes that decide what is (not) expressible here:
 * - Load balancers: NLBs and the Gateway's ALB use IP targets; with IP targets the NLB does not
 *   preserve client addresses by default, so packets reach pods from the load balancer's own
 *   address in the VPC. `fromLoadBalancers` admits the VPC CIDR. Pods get VPC addresses too (VPC
 *   CNI), so this also admits other pods on those ports: the port list is the limit.
 * - Kubernetes API: the `kubernetes` Service address (outside the VPC CIDR) is translated to the
 *   control plane's ENIs in the VPC; which of the two the node agent sees depends on where the
 *   translation happens, so API clients get HTTPS to 0.0.0.0/0 (`httpsEgress`) rather than a rule
 *   that may match neither.
 * - FSx for Lustre: the Lustre client runs in the node's kernel (the CSI driver mounts the volume
 *   on the host); its traffic is node traffic, which pod NetworkPolicies do not see.
 * - Kubelet probes and `kubectl port-forward` come from the node (or inside the pod), which the
 *   VPC CNI agent always allows.
 */
import type { Chart } from 'cdk8s';
import {
  type INetworkPolicyPeer,
  Namespaces,
  NetworkPolicy,
  NetworkPolicyIpBlock,
  NetworkPolicyPort,
  type NetworkPolicyRule,
  NetworkPolicyTrafficDefault,
  Pods,
} from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { Environment } from '../../clusters/lib/resolve.js';
import type { NamespaceRegistry } from './namespaces.js';

export type Labels = Readonly<Record<string, string>>;

export interface PortSpec {
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

/** One end of a flow between namespaces. */
export interface FlowEnd {
  readonly namespace: string;
  /** Pods of that end. @default every pod of the namespace */
  readonly podLabels?: Labels;
  /**
   * Names the policies: the destination's ingress policy is `allow-<from.name>`, the source's
   * egress policy `allow-to-<to.name>`.
   */
  readonly name: string;
}

/** The EKS Pod Identity agent: a host-network daemon on every node, reached on this link-local address. */
export const POD_IDENTITY_AGENT = { cidr: '169.254.170.23/32', port: 80 } as const;

/** Peers of one policy rule. */
type PeerSpec =
  | { readonly kind: 'pods'; readonly namespace?: string; readonly labels?: Labels }
  | { readonly kind: 'namespace'; readonly namespace: string }
  | { readonly kind: 'cidr'; readonly cidr: string };

interface PolicySpec {
  readonly namespace: string;
  readonly name: string;
  /** Pods the policy applies to. @default every pod of the namespace */
  readonly podLabels?: Labels;
  readonly ingress?: { readonly peer: PeerSpec; readonly ports: readonly PortSpec[] };
  readonly egress?: { readonly peer: PeerSpec; readonly ports: readonly PortSpec[] };
  /** A default-deny policy: both directions, no rule. */
  readonly denyAll?: boolean;
}

export class NetworkRegistry {
  private readonly policies = new Map<string, PolicySpec>();

  constructor(
    private readonly scope: Chart,
    private readonly env: Environment,
    private readonly namespaces: NamespaceRegistry,
  ) {}

  /** Lets the load balancers (IP targets, addresses in the VPC) reach pods `podLabels` on `ports`. */
  fromLoadBalancers(namespace: string, name: string, podLabels: Labels, ports: readonly PortSpec[]): void {
    this.add({
      namespace,
      name: `allow-lb-${name}`,
      podLabels,
      ingress: { peer: { kind: 'cidr', cidr: this.env.vpcCidr }, ports },
    });
  }

  /** Lets pods `podLabels` reach HTTPS endpoints anywhere (model hubs, AWS APIs, the Kubernetes API). */
  httpsEgress(namespace: string, name: string, podLabels?: Labels): void {
    this.add({
      namespace,
      name: `allow-https-${name}`,
      ...(podLabels ? { podLabels } : {}),
      egress: { peer: { kind: 'cidr', cidr: '0.0.0.0/0' }, ports: [{ port: 443 }] },
    });
  }

  /**
   * Lets pods `podLabels` reach the EKS Pod Identity agent (credentials for their service
   * account's IAM role). Without it the AWS SDKs in those pods get no credentials.
   */
  podIdentityAgent(namespace: string, name: string, podLabels?: Labels): void {
    this.add({
      namespace,
      name: `allow-pod-identity-${name}`,
      ...(podLabels ? { podLabels } : {}),
      egress: {
        peer: { kind: 'cidr', cidr: POD_IDENTITY_AGENT.cidr },
        ports: [{ port: POD_IDENTITY_AGENT.port }],
      },
    });
  }

  /**
   * Lets `from` reach `to` on `ports`: an ingress policy in `to.namespace` and an egress policy in
   * `from.namespace`, each where that namespace is isolated.
   */
  flow(from: FlowEnd, to: FlowEnd, ports: readonly PortSpec[]): void {
    const peer = (end: FlowEnd): PeerSpec =>
      end.podLabels
        ? { kind: 'pods', namespace: end.namespace, labels: end.podLabels }
        : { kind: 'namespace', namespace: end.namespace };
    if (this.isolation(to.namespace) !== 'none') {
      this.add({
        namespace: to.namespace,
        name: `allow-${from.name}`,
        ...(to.podLabels ? { podLabels: to.podLabels } : {}),
        ingress: { peer: peer(from), ports },
      });
    }
    if (this.isolation(from.namespace) !== 'none') {
      this.add({
        namespace: from.namespace,
        name: `allow-to-${to.name}`,
        ...(from.podLabels ? { podLabels: from.podLabels } : {}),
        egress: { peer: peer(to), ports },
      });
    }
  }

  /** Renders the default deny of every isolated namespace and every declared policy. */
  finish(): void {
    for (const [namespace, isolation] of this.namespaces.isolated()) {
      this.add({ namespace, name: 'default-deny', denyAll: true });
      this.add({
        namespace,
        name: 'allow-dns',
        egress: {
          peer: { kind: 'pods', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
          ports: [{ port: 53, protocol: 'UDP' }, { port: 53 }],
        },
      });
      if (isolation === 'namespace') {
        this.add({
          namespace,
          name: 'allow-same-namespace',
          ingress: { peer: { kind: 'pods' }, ports: [] },
          egress: { peer: { kind: 'pods' }, ports: [] },
        });
      }
    }
    for (const spec of this.policies.values()) this.render(spec);
  }

  private isolation(namespace: string) {
    return this.namespaces.isolated().find(([n]) => n === namespace)?.[1] ?? 'none';
  }

  private add(spec: PolicySpec): void {
    const key = `${spec.namespace}/${spec.name}`;
    const existing = this.policies.get(key);
    if (existing && JSON.stringify(existing) !== JSON.stringify(spec)) {
      throw new Error(`NetworkPolicy ${key}: declared twice with different rules`);
    }
    this.policies.set(key, spec);
  }

  private render(spec: PolicySpec): void {
    const scope = new Construct(this.scope, `networkpolicy-${spec.namespace}-${spec.name}`);
    const peer = (p: PeerSpec, id: string): INetworkPolicyPeer => {
      const namespaces = (n: string) => Namespaces.select(scope, `${id}-namespaces`, { names: [n] });
      switch (p.kind) {
        case 'cidr':
          return p.cidr === '0.0.0.0/0'
            ? NetworkPolicyIpBlock.anyIpv4(scope, id)
            : NetworkPolicyIpBlock.ipv4(scope, id, p.cidr);
        case 'namespace':
          return namespaces(p.namespace);
        case 'pods':
          return p.labels
            ? Pods.select(scope, id, {
                labels: { ...p.labels },
                ...(p.namespace ? { namespaces: namespaces(p.namespace) } : {}),
              })
            : Pods.all(scope, id, p.namespace ? { namespaces: namespaces(p.namespace) } : {});
      }
    };
    const rules = (r: PolicySpec['ingress'], id: string): NetworkPolicyRule[] =>
      r
        ? [
            {
              peer: peer(r.peer, id),
              ports: r.ports.map((p) =>
                p.protocol === 'UDP' ? NetworkPolicyPort.udp(p.port) : NetworkPolicyPort.tcp(p.port),
              ),
            },
          ]
        : [];
    const selector = spec.podLabels
      ? Pods.select(scope, 'selector', { labels: { ...spec.podLabels } })
      : Pods.all(scope, 'selector');
    new NetworkPolicy(scope, 'policy', {
      metadata: { name: spec.name, namespace: spec.namespace },
      selector,
      ...(spec.denyAll
        ? {
            ingress: { default: NetworkPolicyTrafficDefault.DENY },
            egress: { default: NetworkPolicyTrafficDefault.DENY },
          }
        : {
            ...(spec.ingress ? { ingress: { rules: rules(spec.ingress, 'from') } } : {}),
            ...(spec.egress ? { egress: { rules: rules(spec.egress, 'to') } } : {}),
          }),
    });
  }
}

/** One entry per (namespace, port) of some servers: the distinct flows to allow to them. */
export function distinctServers<T extends { readonly namespace: string; readonly port: number }>(
  servers: readonly T[],
): T[] {
  return [...new Map(servers.map((e) => [`${e.namespace}:${e.port}`, e])).values()];
}
