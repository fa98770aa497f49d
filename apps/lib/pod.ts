/**
 * Small hand-written types for the core pod fields the workloads use, and helpers that apply
 * the project's pod conventions (restricted Pod Security, accelerator placement).
 */
import { SYSTEM_NODE_LABEL, SYSTEM_NODE_TAINT_KEY } from '../../clusters/lib/system-nodes.js';
import { NODEPOOL_LABEL, POOLS, type PoolName } from './platform.js';

export type Quantity = string | number;

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly secretKeyRef?: { readonly name: string; readonly key: string; readonly optional?: boolean };
    readonly fieldRef?: { readonly fieldPath: string };
  };
}

export interface Probe {
  readonly httpGet?: { readonly path: string; readonly port: string | number };
  readonly tcpSocket?: { readonly port: string | number };
  readonly initialDelaySeconds?: number;
  readonly periodSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly failureThreshold?: number;
}

export interface ContainerSecurityContext {
  readonly allowPrivilegeEscalation: false;
  readonly capabilities: { readonly drop: readonly ['ALL'] };
  readonly runAsNonRoot: true;
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly readOnlyRootFilesystem?: boolean;
  readonly seccompProfile: { readonly type: 'RuntimeDefault' };
}

export interface Container {
  readonly name: string;
  readonly image: string;
  readonly imagePullPolicy?: 'IfNotPresent' | 'Always';
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly EnvVar[];
  readonly ports?: readonly {
    readonly name: string;
    readonly containerPort: number;
    readonly protocol?: 'TCP';
  }[];
  readonly resources: {
    readonly requests: Readonly<Record<string, Quantity>>;
    readonly limits?: Readonly<Record<string, Quantity>>;
  };
  readonly volumeMounts?: readonly {
    readonly name: string;
    readonly mountPath: string;
    readonly readOnly?: boolean;
    readonly subPath?: string;
  }[];
  readonly startupProbe?: Probe;
  readonly readinessProbe?: Probe;
  readonly livenessProbe?: Probe;
  readonly lifecycle?: { readonly preStop?: { readonly sleep?: { readonly seconds: number } } };
  readonly securityContext: ContainerSecurityContext;
}

export interface Volume {
  readonly name: string;
  readonly emptyDir?: { readonly medium?: 'Memory'; readonly sizeLimit?: string };
  readonly persistentVolumeClaim?: { readonly claimName: string; readonly readOnly?: boolean };
  readonly configMap?: { readonly name: string; readonly defaultMode?: number };
}

export interface Toleration {
  readonly key: string;
  readonly operator: 'Equal' | 'Exists';
  readonly value?: string;
  readonly effect: 'NoSchedule' | 'NoExecute' | 'PreferNoSchedule';
}

export interface PodSpec {
  readonly serviceAccountName?: string;
  readonly automountServiceAccountToken?: boolean;
  readonly securityContext: {
    readonly runAsNonRoot: true;
    readonly runAsUser?: number;
    readonly runAsGroup?: number;
    readonly fsGroup?: number;
    readonly seccompProfile: { readonly type: 'RuntimeDefault' };
  };
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly Toleration[];
  readonly terminationGracePeriodSeconds?: number;
  readonly initContainers?: readonly Container[];
  readonly containers: readonly Container[];
  readonly volumes?: readonly Volume[];
}

/** Container security context that the `restricted` Pod Security level accepts. */
export function restrictedContainer(uid?: number): ContainerSecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    runAsNonRoot: true,
    ...(uid !== undefined ? { runAsUser: uid, runAsGroup: uid } : {}),
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Pod security context for a non-root user `uid` whose volumes are group-owned by it. */
export function restrictedPod(uid: number): PodSpec['securityContext'] {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** nodeSelector and tolerations that place a pod on an accelerated pool (and an instance type). */
export function acceleratedPlacement(
  pool: Exclude<PoolName, 'cpu'>,
  instanceType?: string,
): { nodeSelector: Record<string, string>; tolerations: Toleration[] } {
  const p = POOLS[pool];
  return {
    nodeSelector: {
      [NODEPOOL_LABEL]: p.name,
      ...(instanceType ? { 'node.kubernetes.io/instance-type': instanceType } : {}),
    },
    tolerations: [{ key: p.taint.key, operator: 'Equal', value: p.taint.value, effect: p.taint.effect }],
  };
}

/** nodeSelector of the CPU pool (no accelerator taints tolerated). */
export function cpuPlacement(): { nodeSelector: Record<string, string> } {
  return { nodeSelector: { [NODEPOOL_LABEL]: POOLS.cpu.name } };
}

/**
 * nodeSelector and tolerations of the system managed node group, the only capacity before the
 * configs layer creates Karpenter's NodePools. Every controllers-layer chart's Deployments use
 * this: the controllers layer must become Ready on those nodes alone (docs/platform.md,
 * "Bootstrap order"). Workloads in the apps layer never do.
 */
export function systemPlacement(): { nodeSelector: Record<string, string>; tolerations: Toleration[] } {
  return {
    nodeSelector: { [SYSTEM_NODE_LABEL.key]: SYSTEM_NODE_LABEL.value },
    tolerations: [{ key: SYSTEM_NODE_TAINT_KEY, operator: 'Exists', effect: 'NoSchedule' }],
  };
}
