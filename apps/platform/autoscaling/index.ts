/**
 * Autoscaling on demand: KEDA (controllers layer, on the system nodes) scales the vLLM
 * Deployments on Prometheus queries over their own metrics (apps/workloads/vllm/scaling.ts).
 * KEDA rather than an HPA with a metrics adapter: it can scale a Deployment to zero and back
 * (the HPA's minimum is 1 unless the alpha HPAScaleToZero gate is on, which EKS does not offer),
 * it queries Prometheus directly with per-trigger thresholds, and a ScaledObject keeps each
 * deployment's queries beside it; see docs/decisions.md, "Autoscaling".
 *
 * Also here: the NodePool disruption budgets of each pool (`budgets`), typed from the
 * environment's `pools.<pool>.disruptionBudgets`.
 */
import type { ParsedDisruptionBudget } from '../../../clusters/lib/disruption.js';
import { versions } from '../../../clusters/versions.js';
import type { Toleration } from '../../imports/k8s.js';
import {
  type NodePoolSpecDisruptionBudgets,
  NodePoolSpecDisruptionBudgetsReasons,
} from '../../imports/nodepool-karpenter.sh.js';
import type { Cluster } from '../../lib/cluster.js';
import { helmRelease } from '../../lib/flux.js';
import { systemPlacement } from '../../lib/pod.js';

/** Namespace of KEDA's operator, metrics API server and admission webhooks. */
export const KEDA_NAMESPACE = 'keda';

/**
 * Values of the KEDA chart 2.20.2 that this project sets (kedacore/charts@v2.20.2:keda/values.yaml).
 * The top-level `nodeSelector` and `tolerations` place all three Deployments: each template reads
 * `.Values.<component>.nodeSelector | default .Values.nodeSelector` (templates/manager/deployment.yaml,
 * templates/metrics-server/deployment.yaml, templates/webhooks/deployment.yaml).
 */
export interface KedaValues {
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Toleration[];
  /** The ScaledObject CRD and its siblings, installed from the chart's templates/crds. */
  readonly crds: { readonly install: boolean };
}

/** What the autoscaler offers workloads. */
export interface Autoscaling {
  readonly namespace: string;
}

export function autoscaling(cluster: Cluster, after: readonly string[]): Autoscaling {
  const ns = cluster.namespaces.declare(KEDA_NAMESPACE, { podSecurity: 'restricted' });
  helmRelease<KedaValues>(cluster, {
    name: 'keda',
    namespace: ns,
    chart: versions.keda,
    // Its metrics API server has a Service: after the Load Balancer Controller's webhook is ready.
    dependsOn: after,
    values: {
      // Controllers layer: on the system nodes, the only capacity before the NodePools exist.
      ...systemPlacement(),
      crds: { install: true },
    },
  });
  return { namespace: ns };
}

const REASON = {
  Underutilized: NodePoolSpecDisruptionBudgetsReasons.UNDERUTILIZED,
  Empty: NodePoolSpecDisruptionBudgetsReasons.EMPTY,
  Drifted: NodePoolSpecDisruptionBudgetsReasons.DRIFTED,
} as const;

/** A pool's `spec.disruption.budgets` from its resolved `disruptionBudgets`. */
export function budgets(list: readonly ParsedDisruptionBudget[]): NodePoolSpecDisruptionBudgets[] {
  return list.map((b) => ({
    nodes: b.nodes,
    ...(b.reasons ? { reasons: b.reasons.map((r) => REASON[r]) } : {}),
    ...(b.schedule !== undefined ? { schedule: b.schedule } : {}),
    ...(b.duration !== undefined ? { duration: b.duration } : {}),
  }));
}
