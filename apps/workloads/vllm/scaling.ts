/**
 * Replicas that follow demand (issue 18, "Autoscaling on demand"), for the vLLM deployments:
 *
 * - every vLLM pod is scraped (a PodMonitor through the platform's observability, which also lets
 *   Prometheus through the inference namespace's NetworkPolicies), its series labelled with the
 *   deployment it belongs to (`vllm_deployment`);
 * - a deployment with `scaling` gets a KEDA ScaledObject whose Prometheus triggers read that
 *   deployment's own queue and time to first token, and, when it may scale to zero, a cron trigger
 *   that keeps one replica during its active hours; its Deployment leaves `spec.replicas` to the
 *   autoscaler (clusters/lib/scaling.ts, `fixedReplicas`);
 * - every serving pod carries Karpenter's `karpenter.sh/do-not-disrupt` annotation for as long as
 *   its first start may take from the moment the kubelet starts it (image pull, the waits for the
 *   staged model and the Neuron artifacts, the server's start): Karpenter does not voluntarily
 *   disrupt (consolidate, drift) the node of a pod that is still loading its model.
 */
import type { VllmDeployment } from '../../../clusters/lib/resolve.js';
import { fixedReplicas } from '../../../clusters/lib/scaling.js';
import { ScaledObject, type ScaledObjectSpecTriggers } from '../../imports/scaledobject-keda.sh.js';
import type { Cluster } from '../../lib/cluster.js';
import { DO_NOT_DISRUPT } from '../../lib/pod.js';
import type { Platform } from '../../platform/index.js';
import { TARGET_LABELS, VLLM } from '../../platform/observability/metrics.js';

export { DO_NOT_DISRUPT } from '../../lib/pod.js';

/** A replica is added at most this often: a new replica needs minutes to load before it helps. */
export const SCALE_UP_PERIOD_SECONDS = 120;
/** How often KEDA queries Prometheus (ScaledObject `pollingInterval`), seconds. */
export const POLLING_SECONDS = 15;

/** `spec.replicas` of a vLLM Deployment: absent when the autoscaler owns the count. */
export function replicasField(e: VllmDeployment): { replicas?: number } {
  const replicas = fixedReplicas(e);
  return replicas === undefined ? {} : { replicas };
}

/**
 * The pod annotation that protects a replica from voluntary disruption while it loads, for
 * `seconds` (rounded up to minutes). Karpenter counts the duration from the pod's
 * `status.startTime` (kubernetes-sigs/karpenter@v1.14.1: pkg/utils/pod/scheduling.go,
 * `IsDoNotDisruptActive`), which the kubelet sets before it pulls images or runs init containers,
 * so the duration must cover those as well as the server's start: the caller passes the modelled
 * first start with its margin (clusters/lib/cold-start.ts, `loadProtectionSeconds`), not the
 * startup probe's budget, which starts only once the server container runs.
 */
export function loadProtection(seconds: number): Record<string, string> {
  return { [DO_NOT_DISRUPT]: `${Math.ceil(seconds / 60)}m` };
}

/** PromQL selector of one deployment's series. */
function selector(ns: string, name: string): string {
  return `namespace="${ns}",${TARGET_LABELS.vllmDeployment}="${name}"`;
}

/** The autoscaler's queries for one deployment (exported for the tests that run them). */
export function scalingQueries(ns: string, name: string): { queue: string; timeToFirstToken: string } {
  const s = selector(ns, name);
  return {
    queue: `sum(${VLLM.waiting}{${s}})`,
    timeToFirstToken: `histogram_quantile(0.9, sum by (le) (rate(${VLLM.timeToFirstToken}_bucket{${s}}[2m])))`,
  };
}

/**
 * Scrapes every vLLM pod of `ns` and adds a ScaledObject for each entry with `scaling`.
 * `deploymentName` gives an entry's Deployment name, `port` the metrics port (name and number).
 */
export function vllmScaling(
  cluster: Cluster,
  platform: Platform,
  ns: string,
  podLabels: Readonly<Record<string, string>>,
  port: { readonly name: string; readonly number: number },
  deploymentName: (entry: string) => string,
): void {
  const entries = cluster.env.workloads.vllm;
  platform.observability.scrapePods({
    name: 'vllm',
    namespace: ns,
    podLabels,
    port: port.name,
    portNumber: port.number,
    labelsFromPod: { [TARGET_LABELS.vllmDeployment]: 'app.kubernetes.io/instance' },
    layer: 'apps',
  });
  for (const e of entries) {
    const s = e.scaling;
    if (!s) continue;
    const name = deploymentName(e.name);
    const q = scalingQueries(ns, e.name);
    const serverAddress = platform.observability.prometheusUrl;
    // KEDA 2.20.2's Prometheus scaler (kedacore/keda@v2.20.2:pkg/scalers/prometheus_scaler.go):
    // serverAddress, query, threshold, activationThreshold; an empty result or NaN (no traffic
    // yet) reads as 0 (ignoreNullValues defaults to true). AverageValue: replicas = ceil(value /
    // threshold); Value: replicas grow with value / threshold.
    const triggers: ScaledObjectSpecTriggers[] = [
      {
        type: 'prometheus',
        name: 'queue',
        metricType: 'AverageValue',
        metadata: {
          serverAddress,
          query: q.queue,
          threshold: String(s.waitingRequestsPerReplica),
          activationThreshold: '0',
        },
      },
      {
        type: 'prometheus',
        name: 'time-to-first-token',
        metricType: 'Value',
        metadata: {
          serverAddress,
          query: q.timeToFirstToken,
          threshold: String(s.timeToFirstTokenSeconds),
          activationThreshold: String(s.timeToFirstTokenSeconds),
        },
      },
    ];
    if (s.activeHours) {
      // KEDA's cron scaler (pkg/scalers/cron_scaler.go at the same tag): start, end, timezone,
      // desiredReplicas.
      triggers.push({
        type: 'cron',
        name: 'active-hours',
        metadata: {
          timezone: s.activeHours.timezone,
          start: s.activeHours.start,
          end: s.activeHours.end,
          desiredReplicas: '1',
        },
      });
    }
    new ScaledObject(cluster.layers.apps, `scaledobject-${name}`, {
      metadata: { name, namespace: ns, labels: { ...podLabels, 'app.kubernetes.io/instance': e.name } },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        minReplicaCount: s.minReplicas,
        maxReplicaCount: s.maxReplicas,
        pollingInterval: POLLING_SECONDS,
        // Idle time before scaling to zero (used only when minReplicaCount is 0).
        cooldownPeriod: s.scaleDownAfterSeconds,
        advanced: {
          horizontalPodAutoscalerConfig: {
            behavior: {
              scaleUp: {
                stabilizationWindowSeconds: 0,
                policies: [{ type: 'Pods', value: 1, periodSeconds: SCALE_UP_PERIOD_SECONDS }],
              },
              scaleDown: {
                stabilizationWindowSeconds: s.scaleDownAfterSeconds,
                policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
              },
            },
          },
        },
        triggers,
      },
    });
  }
}
