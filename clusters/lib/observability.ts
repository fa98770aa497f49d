/**
 * The environment's monitoring stack (issue 18, "Observability as code"): the fields an
 * environment file writes under `observability` and their schema. The stack itself is
 * apps/platform/observability (an in-cluster Prometheus; docs/decisions.md, "Observability").
 */
import { int, obj, str, withDefault } from './schema.js';

export interface ObservabilityProps {
  /**
   * How long Prometheus keeps samples: a Prometheus duration such as `15d`, `72h` or `2w`
   * (prometheus.prometheusSpec.retention of kube-prometheus-stack). @default '15d'
   */
  readonly retention?: string;
  /**
   * Size of Prometheus's gp3 volume, GiB. Prometheus also stops keeping samples at 90% of it
   * (retentionSize), so a busy cluster loses old samples before the volume fills. @default 50
   */
  readonly storageGiB?: number;
}

export type ParsedObservability = Required<ObservabilityProps>;

/** Prometheus durations as `--storage.tsdb.retention.time` takes them (one unit; no `ms` for retention). */
const retention = () =>
  str((v) =>
    /^[1-9][0-9]*(h|d|w|y)$/.test(v)
      ? undefined
      : `${JSON.stringify(v)} is not a retention such as 15d, 72h, 2w or 1y`,
  );

export const observabilitySchema = obj<ObservabilityProps, ParsedObservability>({
  retention: withDefault(retention(), '15d'),
  storageGiB: withDefault(int({ min: 10, max: 16384 }), 50),
});

export const DEFAULT_OBSERVABILITY: ParsedObservability = { retention: '15d', storageGiB: 50 };
