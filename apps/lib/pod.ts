/**
 * The project's pod conventions, typed with the Kubernetes 1.35 API (apps/imports/k8s.ts):
 * restricted Pod Security contexts, placement on the system nodes, the CPU pool or an
 * accelerated pool, and resource quantities.
 */
import {
  type AcceleratedPool,
  INSTANCE_TYPE_LABEL,
  NODEPOOL_LABEL,
  POOLS,
  SYSTEM_NODES,
} from '../../clusters/contract.js';
import {
  IntOrString,
  type PodSecurityContext,
  Quantity,
  type SecurityContext,
  type Toleration,
} from '../imports/k8s.js';

/** Where a pod runs: its node selector and tolerations. */
export interface Placement {
  readonly nodeSelector: { [key: string]: string };
  readonly tolerations?: Toleration[];
}

/** Container security context that the `restricted` Pod Security level accepts. */
export function restrictedContainer(uid?: number): SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    runAsNonRoot: true,
    ...(uid !== undefined ? { runAsUser: uid, runAsGroup: uid } : {}),
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Pod security context for a non-root user `uid` whose volumes are group-owned by it. */
export function restrictedPod(uid: number): PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** nodeSelector and tolerations that place a pod on an accelerated pool (and an instance type). */
export function acceleratedPlacement(pool: AcceleratedPool, instanceType?: string): Required<Placement> {
  const p = POOLS[pool];
  return {
    nodeSelector: {
      [NODEPOOL_LABEL]: p.name,
      ...(instanceType ? { [INSTANCE_TYPE_LABEL]: instanceType } : {}),
    },
    tolerations: [{ key: p.taint.key, operator: 'Equal', value: p.taint.value, effect: p.taint.effect }],
  };
}

/** nodeSelector of the CPU pool (no accelerator taints tolerated). */
export function cpuPlacement(): Placement {
  return { nodeSelector: { [NODEPOOL_LABEL]: POOLS.cpu.name } };
}

/**
 * nodeSelector and tolerations of the system managed node group, the only capacity before the
 * configs layer creates Karpenter's NodePools. Every pod a controllers-layer chart creates uses
 * this: the controllers layer must become Ready on those nodes alone (docs/platform.md,
 * "Bootstrap order"). Workloads in the apps layer never do.
 */
export function systemPlacement(): Required<Placement> {
  return {
    nodeSelector: { [SYSTEM_NODES.label.key]: SYSTEM_NODES.label.value },
    tolerations: [{ key: SYSTEM_NODES.taint.key, operator: 'Exists', effect: SYSTEM_NODES.taint.effect }],
  };
}

/** A quantity (`'1Gi'`, `'500m'`, `1`). */
export function qty(v: string | number): Quantity {
  return typeof v === 'number' ? Quantity.fromNumber(v) : Quantity.fromString(v);
}

/** Requests and limits as quantities. */
export function quantities(r: Readonly<Record<string, string | number>>): { [key: string]: Quantity } {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, qty(v)]));
}

/** A port by name or number. */
export function port(p: string | number): IntOrString {
  return typeof p === 'number' ? IntOrString.fromNumber(p) : IntOrString.fromString(p);
}

/**
 * Karpenter's pod annotation that blocks voluntary disruption (consolidation, drift) of the
 * pod's node: `"true"` while the pod runs, or a Go duration counted from the pod's
 * `status.startTime` (aws/karpenter-provider-aws@v1.14.1:
 * website/content/en/docs/concepts/disruption.md, "Pod-Level Controls";
 * kubernetes-sigs/karpenter@v1.14.1: pkg/utils/pod/scheduling.go, `IsDoNotDisruptActive`).
 */
export const DO_NOT_DISRUPT = 'karpenter.sh/do-not-disrupt';

/**
 * The annotation on a batch pod whose work is lost when it is evicted (a Neuron compile, a
 * fine-tuning step): no voluntary disruption until it ends. Karpenter stops honouring it once the
 * pod is in a terminal phase (disruption.md, "Pod-Level Controls"), so the node is free after.
 */
export const RUN_TO_COMPLETION: Readonly<Record<string, string>> = { [DO_NOT_DISRUPT]: 'true' };
