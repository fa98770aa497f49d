/**
 * Autoscaling of the vLLM deployments (issue 18, "Autoscaling on demand"): the fields an
 * environment file writes under `workloads.vllm[].scaling`, their schema and defaults, their
 * checks, and the one function that says how many replicas a deployment may run at most
 * (`maxReplicas`): the capacity check and the cost ceiling both count that many.
 *
 * The scaler is KEDA with Prometheus triggers on each deployment's own vLLM metrics
 * (docs/decisions.md, "Autoscaling"): queue depth per replica and the 90th percentile time to
 * first token. A deployment without `scaling` keeps a fixed `replicas` count.
 */
import type { ParsedEnvironment, ParsedVllm, VllmProps } from './environment.js';
import { INVALID, type Issue, int, num, obj, optional, type Schema, str, withDefault } from './schema.js';

/**
 * A daily window in which a deployment that may scale to zero keeps one replica running (a KEDA
 * cron trigger). Outside it the deployment scales to zero once idle, and nothing in the cluster
 * wakes it: a deployment at zero replicas exports no metrics, so no queue can be observed until
 * the next window opens (docs/workloads.md, "Scaling").
 */
export interface ActiveHoursProps {
  /** IANA time zone the schedule is read in, e.g. `Europe/Berlin`. @default 'UTC' */
  readonly timezone?: string;
  /** Five-field cron expression at which the window opens, e.g. `0 8 * * 1-5`. */
  readonly start: string;
  /** Five-field cron expression at which the window closes, e.g. `0 19 * * 1-5`. */
  readonly end: string;
}

export interface VllmScalingProps {
  /**
   * Fewest replicas. `0` lets the deployment scale to zero when idle: development environments
   * only, and only with `activeHours` (a deployment at zero has no metrics to wake it). @default 1
   */
  readonly minReplicas?: number;
  /**
   * Most replicas. The capacity check (pool limits) and the report's cost ceiling count this many.
   */
  readonly maxReplicas: number;
  /**
   * Waiting requests (`vllm:num_requests_waiting`, summed over the replicas) one replica may have
   * before another is added: the autoscaler runs ceil(waiting / this) replicas. @default 4
   */
  readonly waitingRequestsPerReplica?: number;
  /**
   * Target 90th percentile time to first token over the last 2 minutes, in seconds. Above it the
   * autoscaler adds replicas in proportion to the excess. @default 2
   */
  readonly timeToFirstTokenSeconds?: number;
  /**
   * How long demand must stay below the targets before a replica is removed (the scale-down
   * stabilization window), and how long an idle deployment waits before scaling to zero. Replicas
   * take minutes to start, so a short dip should not cost one. @default 600
   */
  readonly scaleDownAfterSeconds?: number;
  /** Daily window with one replica kept running; required when `minReplicas` is 0. @default none */
  readonly activeHours?: ActiveHoursProps;
}

export interface ParsedActiveHours extends Required<ActiveHoursProps> {}

export interface ParsedVllmScaling extends Required<Omit<VllmScalingProps, 'activeHours'>> {
  readonly activeHours: ParsedActiveHours | undefined;
}

/** Bounds of a cron field: minute, hour, day of month, month, day of week. */
const CRON_FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 6 },
] as const;

/**
 * Why a five-field cron expression is not one KEDA's cron scaler accepts, or undefined. KEDA
 * 2.20.2 parses `start` and `end` with robfig/cron's parser for minute, hour, day of month,
 * month and day of week (kedacore/keda@v2.20.2:pkg/scalers/cron_scaler.go); this accepts the
 * numeric subset: `*`, numbers, ranges `a-b`, lists `a,b` and steps `/n`.
 */
export function cronProblem(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) {
    return `${JSON.stringify(expr)} is not a five-field cron expression (minute hour day-of-month month day-of-week)`;
  }
  for (const [i, field] of fields.entries()) {
    const { name, min, max } = CRON_FIELDS[i]!;
    for (const part of field.split(',')) {
      const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
      const outside = (v: string | undefined) => v !== undefined && (Number(v) < min || Number(v) > max);
      const bad =
        !m ||
        outside(m[2]) ||
        outside(m[3]) ||
        (m[4] !== undefined && Number(m[4]) === 0) ||
        (m[2] !== undefined && m[3] !== undefined && Number(m[2]) > Number(m[3]));
      if (bad) {
        return `${JSON.stringify(expr)}: ${name} field ${JSON.stringify(field)} is not *, a number from ${min} to ${max}, a range, a list or a step`;
      }
    }
  }
  return undefined;
}

/** Canonical IANA zones, read once: a few ms, where building the first DateTimeFormat loads ICU's zone data (about 30 ms). */
let canonicalZones: ReadonlySet<string> | undefined;

/** Whether `zone` is an IANA time zone this Node.js knows (the same database KEDA's Go runtime reads). */
function timezoneProblem(zone: string): string | undefined {
  canonicalZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (zone === 'UTC' || canonicalZones.has(zone)) return undefined;
  // Aliases (US/Pacific, Etc/UTC) are not in the canonical list; ICU resolves them.
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return undefined;
  } catch {
    return `${JSON.stringify(zone)} is not an IANA time zone such as UTC or Europe/Berlin`;
  }
}

const activeHours = obj<ActiveHoursProps, ParsedActiveHours>({
  timezone: withDefault(str(timezoneProblem), 'UTC'),
  start: str(cronProblem),
  end: str(cronProblem),
});

const scalingFields = obj<VllmScalingProps, ParsedVllmScaling>({
  minReplicas: withDefault(int({ min: 0, max: 32 }), 1),
  maxReplicas: int({ min: 1, max: 32 }),
  waitingRequestsPerReplica: withDefault(int({ min: 1, max: 256 }), 4),
  timeToFirstTokenSeconds: withDefault(num({ min: 0.05, max: 600 }), 2),
  scaleDownAfterSeconds: withDefault(int({ min: 60, max: 86400 }), 600),
  activeHours: optional(activeHours),
});

/** `workloads.vllm[].scaling`, with the checks between its own fields. */
export const scalingSchema: Schema<VllmScalingProps, ParsedVllmScaling> = {
  ...scalingFields,
  parse(value, path, issues) {
    const parsed = scalingFields.parse(value, path, issues);
    if (parsed === INVALID) return parsed;
    const at = (field: string) => (path ? `${path}.${field}` : field);
    const before = issues.length;
    if (parsed.minReplicas > parsed.maxReplicas) {
      issues.push({
        path: at('minReplicas'),
        reason: `${parsed.minReplicas} is more than maxReplicas (${parsed.maxReplicas})`,
      });
    }
    if (parsed.minReplicas === 0 && !parsed.activeHours) {
      issues.push({
        path: at('activeHours'),
        reason:
          'required when minReplicas is 0: a deployment at zero replicas exports no metrics, so only a schedule can bring it back',
      });
    }
    if (parsed.minReplicas > 0 && parsed.activeHours) {
      issues.push({
        path: at('activeHours'),
        reason: `only applies when minReplicas is 0 (it is ${parsed.minReplicas}: a replica always runs)`,
      });
    }
    if (parsed.activeHours && parsed.activeHours.start.trim() === parsed.activeHours.end.trim()) {
      issues.push({
        path: at('activeHours.end'),
        reason: 'must differ from start (KEDA rejects a window that opens and closes at the same time)',
      });
    }
    return issues.length === before ? parsed : INVALID;
  },
};

/**
 * The checks the scaling fields take part in beyond their own object, for every vLLM entry of a
 * parsed environment: `raw` is what the file wrote (to tell an absent `replicas` from its default).
 */
export function checkVllmScaling(raw: unknown, env: ParsedEnvironment, issues: Issue[]): void {
  const rawVllm = (raw as { workloads?: { vllm?: unknown } } | undefined)?.workloads?.vllm;
  env.workloads.vllm.forEach((d, i) => {
    const s = d.scaling;
    if (!s) return;
    const at = `workloads.vllm[${i}]`;
    const written = Array.isArray(rawVllm) ? (rawVllm[i] as Partial<VllmProps> | undefined) : undefined;
    if (written?.replicas !== undefined) {
      issues.push({
        path: `${at}.replicas`,
        reason:
          'replicas and scaling exclude each other: with scaling the autoscaler sets the count between scaling.minReplicas and scaling.maxReplicas',
      });
    }
    if (s.minReplicas === 0 && env.tier !== 'development') {
      issues.push({
        path: `${at}.scaling.minReplicas`,
        reason:
          '0 is for development environments: a production deployment at zero replicas fails every request until its schedule wakes it',
      });
    }
  });
}

/** The most replicas a vLLM deployment may run: `scaling.maxReplicas`, else its fixed `replicas`. */
export function maxReplicas(d: Pick<ParsedVllm, 'replicas' | 'scaling'>): number {
  return d.scaling ? d.scaling.maxReplicas : d.replicas;
}

/** The fewest replicas a vLLM deployment runs: `scaling.minReplicas`, else its fixed `replicas`. */
export function minReplicas(d: Pick<ParsedVllm, 'replicas' | 'scaling'>): number {
  return d.scaling ? d.scaling.minReplicas : d.replicas;
}

/**
 * The Deployment's `spec.replicas`: the fixed count, or undefined when the autoscaler owns it.
 * An autoscaled Deployment must not set the field, or every Flux reconcile would reset the count
 * the autoscaler chose (kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/,
 * "Migrating Deployments and StatefulSets to horizontal autoscaling").
 */
export function fixedReplicas(d: Pick<ParsedVllm, 'replicas' | 'scaling'>): number | undefined {
  return d.scaling ? undefined : d.replicas;
}
