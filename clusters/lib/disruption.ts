/**
 * Karpenter NodePool disruption budgets per pool (`pools.<pool>.disruptionBudgets`): how many of a
 * pool's nodes Karpenter may disrupt at once, and for which reasons, when it drifts, empties or
 * consolidates nodes (aws/karpenter-provider-aws@v1.14.1:website/content/en/docs/concepts/
 * disruption.md, "NodePool Disruption Budgets"). Serving pods are protected while they load by
 * their own `karpenter.sh/do-not-disrupt` annotation (apps/workloads/vllm/scaling.ts).
 */
import { INVALID, type Issue, list, obj, oneOf, optional, type Schema, str } from './schema.js';

export type DisruptionReason = 'Underutilized' | 'Empty' | 'Drifted';

export interface DisruptionBudgetProps {
  /** Most nodes disrupted at once: a count (`'1'`) or a share of the pool's nodes (`'10%'`). */
  readonly nodes: string;
  /** Reasons the budget applies to; all of them when omitted. @default all reasons */
  readonly reasons?: readonly DisruptionReason[];
  /** Cron expression (UTC) at which the budget becomes active; always active when omitted. @default always */
  readonly schedule?: string;
  /** How long the budget stays active after each `schedule` hit, e.g. `8h` or `1h30m`. Required with `schedule`. @default none */
  readonly duration?: string;
}

export interface ParsedDisruptionBudget {
  readonly nodes: string;
  readonly reasons: readonly DisruptionReason[] | undefined;
  readonly schedule: string | undefined;
  readonly duration: string | undefined;
}

// Patterns of the NodePool CRD's budget fields (aws/karpenter-provider-aws@v1.14.1:
// pkg/apis/crds/karpenter.sh_nodepools.yaml, spec.disruption.budgets[]).
const NODES = /^((100|[0-9]{1,2})%|[0-9]+)$/;
const DURATION = /^((([0-9]+(h|m))|([0-9]+h[0-9]+m))(0s)?)$/;
const SCHEDULE = /^(@(annually|yearly|monthly|weekly|daily|midnight|hourly))|((.+)\s(.+)\s(.+)\s(.+)\s(.+))$/;

const budgetFields = obj<DisruptionBudgetProps, ParsedDisruptionBudget>({
  nodes: str((v) =>
    NODES.test(v) ? undefined : `${JSON.stringify(v)} is not a node count ('1') or a percentage ('10%')`,
  ),
  reasons: optional(list(oneOf(['Underutilized', 'Empty', 'Drifted'] as const), { min: 1, unique: true })),
  schedule: optional(
    str((v) =>
      SCHEDULE.test(v) ? undefined : `${JSON.stringify(v)} is not a cron expression or @daily-style macro`,
    ),
  ),
  duration: optional(
    str((v) =>
      DURATION.test(v)
        ? undefined
        : `${JSON.stringify(v)} is not a duration in hours and minutes such as 8h or 1h30m`,
    ),
  ),
});

/** One budget; `schedule` and `duration` come together (the CRD's CEL rule says the same). */
export const budgetSchema: Schema<DisruptionBudgetProps, ParsedDisruptionBudget> = {
  ...budgetFields,
  parse(value, path, issues: Issue[]) {
    const parsed = budgetFields.parse(value, path, issues);
    if (parsed === INVALID) return parsed;
    if ((parsed.schedule === undefined) !== (parsed.duration === undefined)) {
      issues.push({
        path: `${path}.${parsed.schedule === undefined ? 'schedule' : 'duration'}`,
        reason:
          'schedule and duration are set together (the budget is active for duration after each schedule hit)',
      });
      return INVALID;
    }
    return parsed;
  },
};

export const budgetsSchema = list(budgetSchema, { min: 1, max: 50 });

/**
 * Default budgets: one node at a time on the accelerator pools, so replicas on other nodes keep
 * serving while one node is replaced; 10% (Karpenter's own default) on the cpu pool.
 */
export function defaultBudgets(accelerated: boolean): readonly ParsedDisruptionBudget[] {
  return [{ nodes: accelerated ? '1' : '10%', reasons: undefined, schedule: undefined, duration: undefined }];
}
