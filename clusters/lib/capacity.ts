/**
 * Demand against pool limits, at render time: does each accelerated Karpenter pool's NodePool
 * `limits` hold every pod the environment declares for it at its maximum, including the extra
 * copies an update brings up? A pod that does not fit stays Pending forever (a rolling update
 * with `maxUnavailable: 0` never finishes), so the loader stops with the figures instead.
 *
 * What Karpenter counts. A NodePool's limits are compared with the capacity of the nodes it has
 * launched (their vCPUs, memory and devices), not with pod requests: the scheduler starts from
 * `spec.limits` and subtracts each node's capacity
 * (kubernetes-sigs/karpenter@v1.14.1:pkg/controllers/provisioning/scheduling/scheduler.go,
 * remainingResources). Before it has seen a node of a type, Karpenter's capacity for it is the
 * instance's memory less `VM_MEMORY_OVERHEAD_PERCENT`, 7.5% by default
 * (aws/karpenter-provider-aws@v1.14.1:pkg/operator/options/options.go,
 * pkg/providers/instancetype/types.go). So demand here is nodes: each workload's pods are pinned
 * to one instance type (clusters/lib/fit.ts), pods of one type pack onto its nodes by devices, and
 * the pool needs at least ceil(devices / devices per instance) nodes of each type. That is a
 * lower bound (Karpenter may pack worse), so a pool this check rejects cannot work.
 *
 * Demand per pool, each at its maximum:
 * - vLLM: `maxReplicas` x devices per replica, plus one replica during a rolling update
 *   (apps/workloads/vllm: `maxSurge: 1`, `maxUnavailable: 0`; VLLM_SURGE), plus, on Neuron,
 *   the compile Job's pod that runs beside that update (NEURON_COMPILE_PODS).
 * - dogbooth: `maxWorkers` GPU workers, plus the workers of the new RayCluster a RayService
 *   upgrade starts beside the old one: KubeRay upgrades with a new cluster when
 *   `spec.upgradeStrategy` is unset (ray-project/kuberay@v1.7.0:
 *   ray-operator/controllers/ray/rayservice_controller.go, isZeroDowntimeUpgradeEnabled) and
 *   creates it from `rayClusterConfig`, whose worker group starts at `replicas` = minWorkers.
 * - the pipeline: `parallelism` GPU steps at once, one GPU each.
 * - JupyterHub: `gpuProfile.maxUsers` GPU notebook servers at once, one GPU each.
 */

import type { InstanceType } from '../catalog/instances.js';
import type { AcceleratedPool } from '../contract.js';
import type { Environment, VllmDeployment } from './resolve.js';
import { maxReplicas } from './scaling.js';

/** Extra vLLM replicas during a rolling update (apps/workloads/vllm sets `maxSurge: 1`). */
export const VLLM_SURGE = 1;

/** Share of an instance's memory Karpenter counts as node capacity before it has seen one (1 - 7.5%). */
export const KARPENTER_MEMORY_SHARE = 1 - 0.075;

/** What one workload asks of a pool: `pods` pods, each `devices` devices of `instance`. */
export interface Demand {
  /** The field to change to lower it, e.g. `workloads.vllm[0].replicas`. */
  readonly field: string;
  /** Why that many, e.g. `vLLM llama3: 2 replicas + 1 during a rolling update`. */
  readonly what: string;
  readonly pool: AcceleratedPool;
  readonly instance: InstanceType;
  readonly pods: number;
  /** Devices one pod requests. */
  readonly devices: number;
}

/** Nodes of one instance type a pool needs at least. */
export interface Nodes {
  readonly instance: InstanceType;
  readonly count: number;
}

/** A pool's demand, the least capacity it needs, and its limits. */
export interface PoolCapacity {
  readonly pool: AcceleratedPool;
  readonly demand: readonly Demand[];
  readonly nodes: readonly Nodes[];
  /** Capacity of those nodes, as Karpenter counts it against the limits. */
  readonly needs: { readonly devices: number; readonly cpu: number; readonly memoryGiB: number };
  readonly limits: {
    readonly devices: number | undefined;
    readonly cpu: number;
    readonly memoryGiB: number;
  };
}

/**
 * Pods of a Neuron deployment's compile Job (apps/workloads/vllm, `compileJob`: one pod with a
 * replica's placement and devices). A configuration change starts it together with the rolling
 * update whose new replicas wait for its artifacts; if the surge replica took the last node, the
 * compile could never run and the replica would wait until its progress deadline. The simulated
 * tier found dev's Neuron pool exactly full with two replicas and the compile Job.
 */
export const NEURON_COMPILE_PODS = 1;

/** What one vLLM deployment (`workloads.vllm[index]`) asks of its pool. */
export function vllmDemand(d: VllmDeployment, index: number): Demand {
  const replicas = maxReplicas(d);
  const surge = replicas > 0 ? VLLM_SURGE : 0;
  const compile = d.pool === 'neuron' ? NEURON_COMPILE_PODS : 0;
  return {
    field: d.scaling ? `workloads.vllm[${index}].scaling.maxReplicas` : `workloads.vllm[${index}].replicas`,
    what:
      `vLLM ${d.name}: ${plural(replicas, 'replica')}${surge ? ` + ${surge} during a rolling update` : ''}` +
      `${compile ? ` + ${compile} compile Job` : ''}`,
    pool: d.pool,
    instance: d.placement.instance,
    pods: replicas + surge + compile,
    devices: d.placement.devices,
  };
}

/** Everything the environment's workloads ask of its accelerated pools. */
export function demands(env: Environment): Demand[] {
  const w = env.workloads;
  const out: Demand[] = w.vllm.map(vllmDemand);
  if (w.dogbooth) {
    const d = w.dogbooth;
    out.push({
      field: 'workloads.dogbooth.maxWorkers',
      what: `maxWorkers ${d.maxWorkers} + minWorkers ${d.minWorkers} in the new RayCluster of an upgrade`,
      pool: 'nvidia',
      instance: d.placement.instance,
      pods: d.maxWorkers + d.minWorkers,
      devices: d.placement.devices,
    });
  }
  if (w.pipeline) {
    out.push({
      field: 'workloads.pipeline.parallelism',
      what: `parallelism ${w.pipeline.parallelism}: GPU steps at once`,
      pool: 'nvidia',
      instance: w.pipeline.gpu.instance,
      pods: w.pipeline.parallelism,
      devices: 1,
    });
  }
  if (w.jupyterhub) {
    const users = w.jupyterhub.gpuProfile.maxUsers;
    out.push({
      field: 'workloads.jupyterhub.gpuProfile.maxUsers',
      what: `maxUsers ${users}: GPU notebook servers at once`,
      pool: 'nvidia',
      instance: w.jupyterhub.gpu.instance,
      pods: users,
      devices: 1,
    });
  }
  return out.filter((d) => d.pods > 0);
}

/** Each accelerated pool's demand, the nodes it needs at least, and its limits. */
export function poolCapacities(env: Environment): PoolCapacity[] {
  const all = demands(env);
  return (['nvidia', 'neuron'] as const).map((pool) => {
    const demand = all.filter((d) => d.pool === pool);
    const devicesByType = new Map<string, { instance: InstanceType; devices: number }>();
    for (const d of demand) {
      const entry = devicesByType.get(d.instance.name) ?? { instance: d.instance, devices: 0 };
      entry.devices += d.pods * d.devices;
      devicesByType.set(d.instance.name, entry);
    }
    const nodes = [...devicesByType.values()]
      .map(({ instance, devices }) => ({ instance, count: Math.ceil(devices / instance.devices) }))
      .sort((a, b) => a.instance.name.localeCompare(b.instance.name));
    const sum = (f: (n: Nodes) => number) => nodes.reduce((a, n) => a + n.count * f(n), 0);
    const limits = env.pools[pool];
    return {
      pool,
      demand,
      nodes,
      needs: {
        devices: sum((n) => n.instance.devices),
        cpu: sum((n) => n.instance.vcpus),
        memoryGiB: sum((n) => n.instance.memoryGiB * KARPENTER_MEMORY_SHARE),
      },
      limits: { devices: limits.acceleratorLimit, cpu: limits.cpuLimit, memoryGiB: limits.memoryLimitGiB },
    };
  });
}

const DEVICE_UNIT: Readonly<Record<AcceleratedPool, string>> = { nvidia: 'GPU', neuron: 'Neuron device' };

/** Checks every accelerated pool's limits against its demand; each problem names the limit field. */
export function checkCapacity(env: Environment, push: (path: string, reason: string) => void): void {
  for (const c of poolCapacities(env)) {
    if (c.demand.length === 0) continue;
    const unit = DEVICE_UNIT[c.pool];
    const nodes = c.nodes.map((n) => `${n.count} x ${n.instance.name}`).join(' + ');
    const items = c.demand
      .map((d) => `${d.field}: ${d.pods} x ${plural(d.devices, unit)} on ${d.instance.name} (${d.what})`)
      .join('; ');
    const fail = (field: string, limit: string, needs: string, note = '') =>
      push(
        `pools.${c.pool}.${field}`,
        `${limit} cannot hold the ${c.pool} pool's demand, which needs at least ${needs} (${nodes}${note}): ${items}`,
      );
    if (c.limits.devices !== undefined && c.needs.devices > c.limits.devices) {
      fail('acceleratorLimit', plural(c.limits.devices, unit), plural(c.needs.devices, unit));
    }
    if (c.needs.cpu > c.limits.cpu) {
      fail('cpuLimit', `${c.limits.cpu} vCPUs`, `${c.needs.cpu} vCPUs`);
    }
    if (c.needs.memoryGiB > c.limits.memoryGiB) {
      fail(
        'memoryLimitGiB',
        `${c.limits.memoryGiB} GiB`,
        `${round(c.needs.memoryGiB)} GiB`,
        "; instance memory less Karpenter's 7.5% VM overhead",
      );
    }
  }
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

const round = (n: number) => Math.round(n * 10) / 10;
