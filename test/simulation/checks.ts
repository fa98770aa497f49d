/**
 * What the simulated tier asserts about a cluster it brought up, as pure functions over the
 * objects it read back (pods, nodes, NodePools, events), so that they are unit-tested without a
 * cluster: placements honoured, NodePool limits respected (against the instance types' real
 * capacity, see instance-types.ts), the hourly cost of the nodes, and why a pod is Pending.
 */
import { INSTANCE_TYPE_LABEL, NODEPOOL_LABEL } from '../../clusters/contract.js';
import { quantity } from '../../review/report.js';
import type { SimInstanceType } from './instance-types.js';

export const PLACEMENT_ANNOTATION = 'genai-eks.io/placement';

type Values = Record<string, unknown>;
const rec = (v: unknown): Values => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Values) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export interface Obj {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly ownerReferences?: readonly { kind: string; name: string; uid?: string }[];
    readonly deletionTimestamp?: string;
  };
  readonly spec?: unknown;
  readonly status?: unknown;
}

export const podId = (p: Obj) => `${p.metadata.namespace}/${p.metadata.name}`;

/** Running with every container ready (kwok's pod-ready stage). */
export function podReady(p: Obj): boolean {
  const s = rec(p.status);
  return (
    s.phase === 'Running' &&
    arr(s.conditions).some((c) => rec(c).type === 'Ready' && rec(c).status === 'True')
  );
}

export interface Placement {
  readonly pool: string;
  readonly instanceType: string;
  readonly devices: number;
}

/** The placement annotation of an object, or undefined. Throws on a malformed one. */
export function placementOf(o: Obj): Placement | undefined {
  const raw = o.metadata.annotations?.[PLACEMENT_ANNOTATION];
  if (raw === undefined) return undefined;
  const p = rec(JSON.parse(raw));
  if (typeof p.pool !== 'string' || typeof p.instanceType !== 'string') {
    throw new Error(
      `${o.kind} ${o.metadata.namespace}/${o.metadata.name}: ${PLACEMENT_ANNOTATION} lacks pool or instanceType`,
    );
  }
  return { pool: p.pool, instanceType: p.instanceType, devices: Number(p.devices ?? 0) };
}

/** Accelerator resources a pod requests (sum over containers; limits stand in for missing requests). */
export function podDevices(p: Obj, resources: readonly string[]): number {
  let n = 0;
  for (const c of arr(rec(p.spec).containers)) {
    const r = rec(rec(c).resources);
    for (const name of resources) n += quantity(rec(r.requests)[name] ?? rec(r.limits)[name]) ?? 0;
  }
  return n;
}

/**
 * The placement that governs a pod: its owner chain's (Pod -> ReplicaSet -> Deployment, or
 * Pod -> RayCluster -> RayService) first annotated object. A placement names where the
 * accelerator pods go, so it applies to pods that request an accelerator.
 */
export function governingPlacement(
  pod: Obj,
  owners: ReadonlyMap<string, Obj>,
  accelerators: readonly string[],
): { placement: Placement; by: string } | undefined {
  if (podDevices(pod, accelerators) === 0) return undefined;
  let cur: Obj | undefined = pod;
  for (let depth = 0; cur && depth < 5; depth++) {
    const p = placementOf(cur);
    if (p && cur !== pod)
      return { placement: p, by: `${cur.kind} ${cur.metadata.namespace}/${cur.metadata.name}` };
    if (p) return { placement: p, by: 'the pod' };
    const ref: { kind: string; name: string } | undefined = cur.metadata.ownerReferences?.[0];
    cur = ref ? owners.get(`${ref.kind}/${cur.metadata.namespace}/${ref.name}`) : undefined;
  }
  return undefined;
}

/** Problems of pods that run on a node other than their placement's pool and instance type. */
export function placementProblems(
  pods: readonly Obj[],
  nodes: ReadonlyMap<string, Obj>,
  owners: ReadonlyMap<string, Obj>,
  accelerators: readonly string[],
): { checked: number; problems: string[] } {
  const problems: string[] = [];
  let checked = 0;
  for (const pod of pods) {
    const g = governingPlacement(pod, owners, accelerators);
    if (!g) continue;
    const nodeName = rec(pod.spec).nodeName as string | undefined;
    if (!nodeName) continue; // Pending pods are reported on their own.
    checked++;
    const labels = nodes.get(nodeName)?.metadata.labels ?? {};
    const pool = labels[NODEPOOL_LABEL];
    const type = labels[INSTANCE_TYPE_LABEL];
    if (pool !== g.placement.pool || type !== g.placement.instanceType) {
      problems.push(
        `${podId(pod)} runs on ${nodeName} (pool ${pool ?? 'none'}, ${type ?? 'no instance type'}); ${g.by} places it on pool ${g.placement.pool}, ${g.placement.instanceType}`,
      );
    }
  }
  return { checked, problems };
}

export interface PoolUsage {
  readonly pool: string;
  readonly nodes: number;
  readonly cpu: number;
  readonly memoryGiB: number;
  readonly devices: ReadonlyMap<string, number>;
  readonly limits: { cpu?: number; memoryGiB?: number; devices: ReadonlyMap<string, number> };
  readonly problems: readonly string[];
}

/**
 * Per NodePool: the real vCPUs, memory and devices of its nodes (by their instance type label,
 * from the generated types) against the NodePool's limits.
 */
export function poolUsage(
  nodePools: readonly Obj[],
  nodes: readonly Obj[],
  types: ReadonlyMap<string, SimInstanceType>,
): PoolUsage[] {
  return nodePools.map((np) => {
    const name = np.metadata.name;
    const mine = nodes.filter(
      (n) => n.metadata.labels?.[NODEPOOL_LABEL] === name && !n.metadata.deletionTimestamp,
    );
    let cpu = 0;
    let memoryGiB = 0;
    const devices = new Map<string, number>();
    const problems: string[] = [];
    for (const n of mine) {
      const t = types.get(n.metadata.labels?.[INSTANCE_TYPE_LABEL] ?? '');
      if (!t) {
        problems.push(
          `node ${n.metadata.name}: instance type ${n.metadata.labels?.[INSTANCE_TYPE_LABEL]} is not a generated type`,
        );
        continue;
      }
      cpu += t.vcpus;
      memoryGiB += t.memoryGiB;
      if (t.devices)
        devices.set(t.devices.resource, (devices.get(t.devices.resource) ?? 0) + t.devices.count);
    }
    const limits = rec(rec(np.spec).limits);
    const cpuLimit = quantity(limits.cpu);
    const memLimit = quantity(limits.memory);
    const devLimits = new Map<string, number>();
    for (const [k, v] of Object.entries(limits)) {
      if (k !== 'cpu' && k !== 'memory') devLimits.set(k, quantity(v) ?? Number.NaN);
    }
    if (cpuLimit !== undefined && cpu > cpuLimit)
      problems.push(`${cpu} vCPUs exceed the limit of ${cpuLimit}`);
    const memLimitGiB = memLimit === undefined ? undefined : memLimit / 2 ** 30;
    if (memLimitGiB !== undefined && memoryGiB > memLimitGiB)
      problems.push(`${memoryGiB} GiB exceed the limit of ${memLimitGiB} GiB`);
    for (const [r, l] of devLimits) {
      const used = devices.get(r) ?? 0;
      if (used > l) problems.push(`${used} ${r} exceed the limit of ${l}`);
    }
    return {
      pool: name,
      nodes: mine.length,
      cpu,
      memoryGiB,
      devices,
      limits: { cpu: cpuLimit, memoryGiB: memLimitGiB, devices: devLimits },
      problems,
    };
  });
}

/** On-demand cost per hour of a set of nodes, by their instance type label. */
export function nodesCost(
  nodes: readonly Obj[],
  price: (instanceType: string) => number | undefined,
): {
  usdPerHour: number;
  unpriced: string[];
} {
  let usdPerHour = 0;
  const unpriced: string[] = [];
  for (const n of nodes) {
    const t = n.metadata.labels?.[INSTANCE_TYPE_LABEL] ?? '';
    const p = price(t);
    if (p === undefined) unpriced.push(`${n.metadata.name} (${t || 'no instance type'})`);
    else usdPerHour += p;
  }
  return { usdPerHour, unpriced };
}

/**
 * Karpenter's latest reason per pod, from its JSON log: the `error` of its last
 * `could not schedule pod` line for that pod (sigs.k8s.io/karpenter provisioner). Karpenter
 * records a FailedScheduling event per pod and reason only now and then; its log has every try.
 */
export function karpenterReasons(log: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of log.split('\n')) {
    if (!line.includes('could not schedule pod')) continue;
    try {
      const e = JSON.parse(line) as { Pod?: { name?: string; namespace?: string }; error?: string };
      if (e.Pod?.name && e.error) out.set(`${e.Pod.namespace}/${e.Pod.name}`, e.error);
    } catch {
      // not a JSON line
    }
  }
  return out;
}

/**
 * Why a pod is not Ready, from the objects: the scheduler's PodScheduled condition message and
 * the pod's Warning events (the scheduler's FailedScheduling, Karpenter's messages), newest last.
 */
export function pendingReason(
  pod: Obj,
  events: readonly Obj[],
  karpenter?: ReadonlyMap<string, string>,
): string {
  const reasons: string[] = [];
  const cond = arr(rec(pod.status).conditions)
    .map(rec)
    .find((c) => c.type === 'PodScheduled' && c.status !== 'True');
  if (cond) reasons.push(`scheduler: ${cond.reason}: ${cond.message}`);
  const fromLog = karpenter?.get(podId(pod));
  if (fromLog) reasons.push(`karpenter (its latest word, from its log): ${fromLog}`);
  // Events are history (Karpenter records a FailedScheduling per pod and reason only now and
  // then): the newest three distinct ones.
  const seen = new Set<string>();
  const history: string[] = [];
  for (const e of events.map((x) => x as unknown as Values)) {
    const io = rec(e.involvedObject ?? e.regarding);
    if (io.kind !== 'Pod' || io.name !== pod.metadata.name || io.namespace !== pod.metadata.namespace)
      continue;
    if (e.type === 'Normal' && !String(e.reason ?? '').includes('Nominat')) continue;
    const src = rec(e.source).component ?? e.reportingComponent ?? e.reportingController ?? 'event';
    const text = `${src}: ${e.reason}: ${e.message ?? e.note}`;
    if (!seen.has(text)) {
      seen.add(text);
      history.push(text);
    }
  }
  reasons.push(...history.slice(-3));
  if (reasons.length === 0) {
    const phase = rec(pod.status).phase ?? 'no phase';
    reasons.push(
      `phase ${phase}${rec(pod.spec).nodeName ? ` on ${rec(pod.spec).nodeName}` : ', not scheduled'}, no event explains it`,
    );
  }
  return reasons.join('\n      ');
}

/**
 * Every Job complete (kwok completes a Job's pods once they run: its pod-complete stage), with
 * the node, pool and instance type its pods ran on; an incomplete Job with its pods' phases.
 */
export function jobOutcomes(
  jobs: readonly Obj[],
  pods: readonly Obj[],
  nodes: ReadonlyMap<string, Obj>,
): { complete: string[]; incomplete: string[] } {
  const complete: string[] = [];
  const incomplete: string[] = [];
  for (const job of jobs) {
    const id = `Job ${job.metadata.namespace}/${job.metadata.name}`;
    const mine = pods.filter(
      (p) =>
        p.metadata.namespace === job.metadata.namespace &&
        p.metadata.ownerReferences?.some((o) => o.kind === 'Job' && o.uid === job.metadata.uid),
    );
    const where = mine
      .map((p) => {
        const node = String(rec(p.spec).nodeName ?? '');
        const labels = nodes.get(node)?.metadata.labels ?? {};
        return node
          ? `${node} (pool ${labels[NODEPOOL_LABEL] ?? 'none: a system node'}, ${labels[INSTANCE_TYPE_LABEL] ?? '?'})`
          : `pod ${p.metadata.name} ${rec(p.status).phase ?? ''} not scheduled`;
      })
      .join(', ');
    const done = arr(rec(job.status).conditions).some(
      (c) => rec(c).type === 'Complete' && rec(c).status === 'True',
    );
    if (done) complete.push(`${id}: ran on ${where || 'a node no longer listed'}`);
    else incomplete.push(`${id}: not complete; its pods: ${where || 'none created'}`);
  }
  return { complete: complete.sort(), incomplete: incomplete.sort() };
}
