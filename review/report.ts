/**
 * The capacity and cost report, computed from the rendered objects (dist/k8s) and the
 * environment definitions: NodePools and the maximum hourly cost their limits allow, model
 * placements, accelerator workloads, and exposures (what is reachable from where).
 */
import { poolCapacities } from '../clusters/lib/capacity.js';
import type { Environment } from '../clusters/lib/resolve.js';
import { maxReplicas, minReplicas } from '../clusters/lib/scaling.js';
import { coldStartMethod, coldStartSection } from './cold-start.js';
import type { EnvironmentObjects, JsonObject, KubeObject } from './objects.js';
import { type InstancePrice, PRICE_TABLE, PRICES, priceRegion } from './prices.js';

export const PLACEMENT_ANNOTATION = 'genai-eks.io/placement';
const ACCELERATOR_RESOURCES = ['nvidia.com/gpu', 'aws.amazon.com/neuron'] as const;

// ---------------------------------------------------------------- helpers

const rec = (v: unknown): JsonObject =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : {};
const arr = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);
const strs = (v: unknown): string[] => arr(v).map(String);

const SUFFIX: Readonly<Record<string, number>> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** Parses a Kubernetes quantity (`192`, `500m`, `768Gi`) into its base unit. */
export function quantity(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const m = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(v.trim());
  if (!m) return undefined;
  return Number(m[1]) * SUFFIX[m[2] ?? '']!;
}

const usd = (n: number) =>
  `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const gib = (bytes: number) => `${+(bytes / 2 ** 30).toFixed(1)} GiB`;
const cell = (s: string) => s.replace(/\|/g, '\\|');

// ---------------------------------------------------------------- node pools and cost

interface Requirement {
  readonly key: string;
  readonly operator: string;
  readonly values: readonly string[];
}

export interface PoolReport {
  readonly name: string;
  readonly families: readonly string[];
  readonly capacityTypes: readonly string[];
  readonly cpuLimit: number | undefined;
  readonly memoryLimitBytes: number | undefined;
  /** Accelerator resource name -> limit. */
  readonly acceleratorLimits: ReadonlyMap<string, number>;
  readonly taints: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly priced: readonly string[];
  readonly unpricedFamilies: readonly string[];
  /** Why no bound is given, when `cost` is undefined. */
  readonly noBound: string | undefined;
  readonly cost: CostBound | undefined;
}

export interface CostBound {
  readonly usdPerHour: number;
  /** Which limit binds and the instance type that sets the price per unit. */
  readonly binding: string;
  readonly candidates: readonly {
    readonly limit: string;
    readonly usdPerHour: number;
    readonly type: string;
  }[];
}

function allows(req: Requirement, value: string | number | undefined): boolean {
  if (value === undefined) return req.operator === 'DoesNotExist' || req.operator === 'NotIn';
  const v = String(value);
  switch (req.operator) {
    case 'In':
      return req.values.includes(v);
    case 'NotIn':
      return !req.values.includes(v);
    case 'Gt':
      return Number(v) > Number(req.values[0]);
    case 'Lt':
      return Number(v) < Number(req.values[0]);
    case 'Exists':
      return true;
    case 'DoesNotExist':
      return false;
    default:
      return true;
  }
}

/** Instance types of the price table that a NodePool's requirements allow. */
function allowedTypes(reqs: readonly Requirement[]): string[] {
  const label = (type: string, p: InstancePrice, key: string): string | number | undefined => {
    const [family, size] = type.split('.') as [string, string];
    switch (key) {
      case 'node.kubernetes.io/instance-type':
        return type;
      case 'karpenter.k8s.aws/instance-family':
        return family;
      case 'karpenter.k8s.aws/instance-size':
        return size;
      case 'karpenter.k8s.aws/instance-category':
        return family.replace(/[0-9].*$/, '');
      case 'karpenter.k8s.aws/instance-cpu':
        return p.vcpu;
      case 'karpenter.k8s.aws/instance-memory':
        return p.memoryGiB * 1024;
      default:
        return undefined;
    }
  };
  const known = new Set([
    'node.kubernetes.io/instance-type',
    'karpenter.k8s.aws/instance-family',
    'karpenter.k8s.aws/instance-size',
    'karpenter.k8s.aws/instance-category',
    'karpenter.k8s.aws/instance-cpu',
    'karpenter.k8s.aws/instance-memory',
  ]);
  const relevant = reqs.filter((r) => known.has(r.key));
  return [...PRICES]
    .filter(([type, p]) => relevant.every((r) => allows(r, label(type, p, r.key))))
    .map(([type]) => type)
    .sort();
}

/**
 * The maximum hourly cost a pool's limits allow: every node's price is at most its vCPUs times
 * the highest price per vCPU among the types the pool may launch, so the pool costs at most
 * cpuLimit x that; likewise for memory and accelerator limits. The smallest bound holds.
 */
export function costBound(
  types: readonly string[],
  cpuLimit: number | undefined,
  memoryLimitGiB: number | undefined,
  acceleratorLimit: number | undefined,
): CostBound | undefined {
  if (types.length === 0) return undefined;
  const rows = types.map((t) => [t, PRICES.get(t)!] as const);
  const worst = (per: (p: InstancePrice) => number | undefined) => {
    let best: { type: string; rate: number } | undefined;
    for (const [t, p] of rows) {
      const r = per(p);
      if (r !== undefined && (!best || r > best.rate)) best = { type: t, rate: r };
    }
    return best;
  };
  const candidates: { limit: string; usdPerHour: number; type: string }[] = [];
  if (cpuLimit !== undefined) {
    const w = worst((p) => p.usdPerHour / p.vcpu)!;
    candidates.push({
      limit: `${cpuLimit} vCPU × $${w.rate.toFixed(5)}/vCPU-h`,
      usdPerHour: cpuLimit * w.rate,
      type: w.type,
    });
  }
  if (memoryLimitGiB !== undefined) {
    const w = worst((p) => p.usdPerHour / p.memoryGiB)!;
    candidates.push({
      limit: `${+memoryLimitGiB.toFixed(1)} GiB × $${w.rate.toFixed(5)}/GiB-h`,
      usdPerHour: memoryLimitGiB * w.rate,
      type: w.type,
    });
  }
  if (acceleratorLimit !== undefined) {
    const w = worst((p) => (p.devices > 0 ? p.usdPerHour / p.devices : undefined));
    if (w) {
      candidates.push({
        limit: `${acceleratorLimit} devices × $${w.rate.toFixed(5)}/device-h`,
        usdPerHour: acceleratorLimit * w.rate,
        type: w.type,
      });
    }
  }
  if (candidates.length === 0) return undefined;
  const min = candidates.reduce((a, b) => (b.usdPerHour < a.usdPerHour ? b : a));
  return { usdPerHour: min.usdPerHour, binding: `${min.limit} (${min.type})`, candidates };
}

function poolReport(o: KubeObject): PoolReport {
  const spec = rec(o.manifest.spec);
  const template = rec(rec(spec.template).spec);
  const reqs: Requirement[] = arr(template.requirements).map((r) => {
    const x = rec(r);
    return { key: String(x.key), operator: String(x.operator), values: strs(x.values) };
  });
  const valuesOf = (key: string) =>
    reqs.filter((r) => r.key === key && r.operator === 'In').flatMap((r) => r.values);
  const limits = rec(spec.limits);
  const cpuLimit = quantity(limits.cpu);
  const memoryLimitBytes = quantity(limits.memory);
  const acceleratorLimits = new Map<string, number>();
  for (const r of ACCELERATOR_RESOURCES) {
    const q = quantity(limits[r]);
    if (q !== undefined) acceleratorLimits.set(r, q);
  }
  const types = allowedTypes(reqs);
  const families = valuesOf('karpenter.k8s.aws/instance-family');
  const pricedFamilies = new Set(types.map((t) => t.split('.')[0]));
  const unpricedFamilies = families.filter((f) => !pricedFamilies.has(f));
  const acc = [...acceleratorLimits.values()];
  // A bound over the priced types only holds when the pool cannot launch anything else.
  const restricted = reqs.some(
    (r) =>
      r.operator === 'In' &&
      (r.key === 'karpenter.k8s.aws/instance-family' || r.key === 'node.kubernetes.io/instance-type'),
  );
  const cost =
    restricted && unpricedFamilies.length === 0
      ? costBound(
          types,
          cpuLimit,
          memoryLimitBytes === undefined ? undefined : memoryLimitBytes / 2 ** 30,
          acc.length > 0 ? acc.reduce((a, b) => a + b, 0) : undefined,
        )
      : undefined;
  const noBound = cost
    ? undefined
    : !restricted
      ? 'the pool does not restrict instance families or types, so it may launch types the price table lacks'
      : unpricedFamilies.length > 0
        ? `no price for ${unpricedFamilies.join(', ')}`
        : types.length === 0
          ? 'no priced instance type passes its requirements'
          : 'no cpu, memory or accelerator limit';
  const taints = arr(template.taints).map((t) => {
    const x = rec(t);
    return `${x.key}${x.value !== undefined ? `=${x.value}` : ''}:${x.effect}`;
  });
  const labels = Object.fromEntries(
    Object.entries(rec(rec(rec(spec.template).metadata).labels)).map(([k, v]) => [k, String(v)]),
  );
  return {
    name: o.name,
    families,
    capacityTypes: valuesOf('karpenter.sh/capacity-type'),
    cpuLimit,
    memoryLimitBytes,
    acceleratorLimits,
    taints,
    labels: { ...labels, 'karpenter.sh/nodepool': o.name },
    priced: types,
    unpricedFamilies,
    cost,
    noBound,
  };
}

// ---------------------------------------------------------------- workloads

interface PodTemplate {
  readonly owner: KubeObject;
  /** `head`, `worker group x`, or empty for single-template kinds. */
  readonly role: string;
  readonly replicas: string;
  readonly spec: JsonObject;
  readonly annotations: JsonObject;
}

/**
 * The replica range a KEDA ScaledObject gives each Deployment it targets (`<namespace>/<name>`):
 * such a Deployment leaves `spec.replicas` to the autoscaler.
 */
function autoscaled(objects: readonly KubeObject[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const o of objects) {
    if (o.kind !== 'ScaledObject') continue;
    const spec = rec(o.manifest.spec);
    const target = rec(spec.scaleTargetRef);
    if (target.kind !== undefined && target.kind !== 'Deployment') continue;
    out.set(
      `${o.namespace}/${target.name}`,
      `${spec.minReplicaCount ?? 0}–${spec.maxReplicaCount ?? 100} (autoscaled)`,
    );
  }
  return out;
}

function podTemplates(o: KubeObject, scaled: ReadonlyMap<string, string> = new Map()): PodTemplate[] {
  const spec = rec(o.manifest.spec);
  const t = (template: unknown, role: string, replicas: string): PodTemplate => ({
    owner: o,
    role,
    replicas,
    spec: rec(rec(template).spec),
    annotations: rec(rec(rec(template).metadata).annotations),
  });
  switch (o.kind) {
    case 'Deployment':
      return [t(spec.template, '', scaled.get(`${o.namespace}/${o.name}`) ?? String(spec.replicas ?? 1))];
    case 'StatefulSet':
    case 'ReplicaSet':
      return [t(spec.template, '', String(spec.replicas ?? 1))];
    case 'DaemonSet':
      return [t(spec.template, '', 'per node')];
    case 'Job':
      return [t(spec.template, '', String(spec.parallelism ?? 1))];
    case 'CronJob':
      return [t(rec(rec(spec.jobTemplate).spec).template, '', 'scheduled')];
    case 'Pod':
      return [
        { owner: o, role: '', replicas: '1', spec, annotations: rec(rec(o.manifest.metadata).annotations) },
      ];
    case 'RayService':
    case 'RayCluster': {
      const cluster = o.kind === 'RayService' ? rec(spec.rayClusterConfig) : spec;
      const out = [t(rec(cluster.headGroupSpec).template, 'head', '1')];
      for (const g of arr(cluster.workerGroupSpecs)) {
        const w = rec(g);
        const range =
          w.minReplicas !== undefined || w.maxReplicas !== undefined
            ? `${w.minReplicas ?? 0}–${w.maxReplicas ?? '?'}`
            : String(w.replicas ?? 1);
        out.push(t(w.template, `worker group ${w.groupName ?? '?'}`, range));
      }
      return out;
    }
    default:
      return [];
  }
}

interface Requests {
  readonly cpu: number;
  readonly memory: number;
  readonly accelerators: ReadonlyMap<string, number>;
}

function requestsOf(spec: JsonObject): Requests {
  let cpu = 0;
  let memory = 0;
  const accelerators = new Map<string, number>();
  for (const c of arr(spec.containers)) {
    const res = rec(rec(c).resources);
    const req = { ...rec(res.limits), ...rec(res.requests) };
    cpu += quantity(req.cpu) ?? 0;
    memory += quantity(req.memory) ?? 0;
    for (const r of ACCELERATOR_RESOURCES) {
      const q = quantity(req[r]) ?? quantity(rec(res.limits)[r]);
      if (q) accelerators.set(r, (accelerators.get(r) ?? 0) + q);
    }
  }
  return { cpu, memory, accelerators };
}

/** NodePools a pod template may land on: its node selector matches and it tolerates every taint. */
function poolsFor(spec: JsonObject, pools: readonly PoolReport[]): string[] {
  const selector = rec(spec.nodeSelector);
  const tolerations = arr(spec.tolerations).map(rec);
  const affinityPools = arr(
    rec(rec(rec(spec.affinity).nodeAffinity).requiredDuringSchedulingIgnoredDuringExecution)
      .nodeSelectorTerms,
  )
    .flatMap((t) => arr(rec(t).matchExpressions).map(rec))
    .filter((e) => e.key === 'karpenter.sh/nodepool' && e.operator === 'In')
    .flatMap((e) => strs(e.values));
  return pools
    .filter((p) => {
      for (const [k, v] of Object.entries(selector)) {
        if (p.labels[k] !== undefined ? p.labels[k] !== String(v) : k === 'karpenter.sh/nodepool')
          return false;
      }
      if (affinityPools.length > 0 && !affinityPools.includes(p.name)) return false;
      return p.taints.every((taint) => {
        const [kv, effect] = taint.split(':') as [string, string];
        const [key, value] = kv.split('=') as [string, string | undefined];
        return tolerations.some(
          (t) =>
            (t.key === undefined || t.key === key) &&
            (t.effect === undefined || t.effect === effect) &&
            (t.operator === 'Exists' || t.value === value),
        );
      });
    })
    .map((p) => p.name);
}

export interface Placement {
  readonly workload: string;
  readonly model: string;
  readonly pool: string;
  readonly instanceType: string;
  readonly devices: number;
  readonly requiredGB: number;
  readonly availableGB: number;
}

function placementOf(o: KubeObject): Placement | string | undefined {
  const raw = rec(rec(o.manifest.metadata).annotations)[PLACEMENT_ANNOTATION];
  if (raw === undefined) return undefined;
  try {
    const p = rec(JSON.parse(String(raw)));
    const num = (k: string) => (typeof p[k] === 'number' ? (p[k] as number) : Number.NaN);
    const out: Placement = {
      workload: o.id,
      model: String(p.model ?? '?'),
      pool: String(p.pool ?? '?'),
      instanceType: String(p.instanceType ?? '?'),
      devices: num('devices'),
      requiredGB: num('requiredGB'),
      availableGB: num('availableGB'),
    };
    if ([out.devices, out.requiredGB, out.availableGB].some(Number.isNaN)) {
      return `${o.id}: ${PLACEMENT_ANNOTATION} lacks a numeric devices, requiredGB or availableGB`;
    }
    return out;
  } catch {
    return `${o.id}: ${PLACEMENT_ANNOTATION} is not JSON`;
  }
}

// ---------------------------------------------------------------- exposures

function exposures(objects: readonly KubeObject[]): string[] {
  const rows: string[] = [];
  const byId = new Map(objects.map((o) => [o.id, o]));
  for (const o of objects) {
    const spec = rec(o.manifest.spec);
    const annotations = rec(rec(o.manifest.metadata).annotations);
    if (o.kind === 'Service' && spec.type === 'LoadBalancer') {
      const scheme = String(
        annotations['service.beta.kubernetes.io/aws-load-balancer-scheme'] ?? 'internal (default)',
      );
      const ranges = strs(spec.loadBalancerSourceRanges);
      const ports = arr(spec.ports)
        .map((p) => `${rec(p).port}/${rec(p).protocol ?? 'TCP'}`)
        .join(', ');
      rows.push(
        `| Service (load balancer) | ${o.namespace}/${o.name} | ${scheme} | ${ranges.join(', ') || (scheme.startsWith('internet') ? '**anywhere**' : 'inside the VPC')} | ${ports} |`,
      );
    }
    if (o.kind === 'HelmRelease') {
      // Charts take Service settings in their values (`<component>.service.type: LoadBalancer`).
      for (const { path, service } of loadBalancersInValues(spec.values, 'values')) {
        const a = rec(service.annotations);
        const scheme = String(
          a['service.beta.kubernetes.io/aws-load-balancer-scheme'] ?? 'internal (default)',
        );
        const ranges = strs(service.loadBalancerSourceRanges);
        rows.push(
          `| HelmRelease service (load balancer) | ${o.namespace}/${o.name} \`${path}\` | ${scheme} | ${ranges.join(', ') || (scheme.startsWith('internet') ? '**anywhere**' : 'inside the VPC')} | chart default |`,
        );
      }
    }
    if (o.kind === 'Ingress') {
      const scheme = String(annotations['alb.ingress.kubernetes.io/scheme'] ?? 'internal (default)');
      const ranges = String(annotations['alb.ingress.kubernetes.io/inbound-cidrs'] ?? '');
      const hosts = arr(spec.rules)
        .map((r) => String(rec(r).host ?? '*'))
        .join(', ');
      rows.push(
        `| Ingress | ${o.namespace}/${o.name} | ${scheme} | ${ranges || (scheme.startsWith('internet') ? '**anywhere**' : 'inside the VPC')} | ${hosts} |`,
      );
    }
    if (o.kind === 'Gateway') {
      const ref = rec(rec(spec.infrastructure).parametersRef);
      const config = ref.kind ? byId.get(`${ref.kind} ${o.namespace}/${ref.name}`) : undefined;
      const cs = rec(config?.manifest.spec);
      const scheme = String(cs.scheme ?? 'internal (default)');
      const ranges = strs(cs.sourceRanges);
      const listeners = arr(spec.listeners)
        .map((l) => `${rec(l).name} ${rec(l).protocol}/${rec(l).port}`)
        .join(', ');
      rows.push(
        `| Gateway (${spec.gatewayClassName}) | ${o.namespace}/${o.name} | ${scheme} | ${ranges.join(', ') || (scheme.startsWith('internet') ? '**anywhere**' : 'inside the VPC')} | ${listeners} |`,
      );
    }
  }
  return rows;
}

/** Objects in Helm values shaped like a Service of type LoadBalancer, with their paths. */
function loadBalancersInValues(value: unknown, path: string): { path: string; service: JsonObject }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => loadBalancersInValues(v, `${path}[${i}]`));
  if (!value || typeof value !== 'object') return [];
  const v = value as JsonObject;
  const here = v.type === 'LoadBalancer' ? [{ path, service: v }] : [];
  return [...here, ...Object.entries(v).flatMap(([k, x]) => loadBalancersInValues(x, `${path}.${k}`))];
}

function routes(objects: readonly KubeObject[]): string[] {
  return objects
    .filter((o) => o.kind === 'HTTPRoute')
    .map((o) => {
      const spec = rec(o.manifest.spec);
      const parents = arr(spec.parentRefs)
        .map((p) => `${rec(p).namespace ?? o.namespace}/${rec(p).name}`)
        .join(', ');
      const rules = arr(spec.rules).map((r) => {
        const paths = arr(rec(r).matches)
          .map((m) => String(rec(rec(m).path).value ?? '/'))
          .join(' ');
        const backends = arr(rec(r).backendRefs)
          .map((b) => `${rec(b).namespace ?? o.namespace}/${rec(b).name}:${rec(b).port ?? ''}`)
          .join(', ');
        return `${paths || '/'} → ${backends}`;
      });
      const hosts = strs(spec.hostnames).join(', ') || 'any host';
      return `| ${o.namespace}/${o.name} | ${parents} | ${cell(hosts)} | ${cell(rules.join('; '))} |`;
    });
}

// ---------------------------------------------------------------- headroom

/**
 * Each accelerated pool's declared demand at its maximum (clusters/lib/capacity.ts: replicas and
 * their rolling-update surge, workers and a RayService upgrade's new cluster, pipeline steps, GPU
 * notebooks), the nodes it needs at least, and what its limits leave.
 */
function headroom(env: Environment): string[] {
  const capacities = poolCapacities(env);
  const lines = ['### Pool headroom', ''];
  lines.push(
    '| pool | demand (pods × devices each) | nodes at least | devices: needs / limit (headroom) | vCPU: needs / limit (headroom) | memory GiB: needs / limit (headroom) |',
    '| --- | --- | --- | ---: | ---: | ---: |',
  );
  const fig = (needs: number, limit: number | undefined) =>
    limit === undefined
      ? `${+needs.toFixed(1)} / no limit`
      : `${+needs.toFixed(1)} / ${limit} (${+(limit - needs).toFixed(1)})`;
  for (const c of capacities) {
    const demand =
      c.demand.map((d) => `${d.field}: ${d.pods} pods × ${d.devices} on ${d.instance.name}`).join('<br/>') ||
      'none';
    const nodes = c.nodes.map((n) => `${n.count} × ${n.instance.name}`).join(', ') || 'none';
    lines.push(
      `| ${c.pool} | ${demand} | ${nodes} | ${fig(c.needs.devices, c.limits.devices)} | ${fig(c.needs.cpu, c.limits.cpu)} | ${fig(c.needs.memoryGiB, c.limits.memoryGiB)} |`,
    );
  }
  lines.push('');
  return lines;
}

// ---------------------------------------------------------------- serving at maximum scale

export interface ServingRow {
  readonly name: string;
  readonly pool: string;
  readonly instanceType: string;
  /** `max` or `min–max` (autoscaled). */
  readonly replicas: string;
  readonly perNode: number;
  readonly nodes: number;
  readonly usdPerHour: number | undefined;
}

/**
 * The cost ceiling of serving: every vLLM deployment at its maximum replica count
 * (clusters/lib/scaling.ts `maxReplicas`, the figure the capacity check counts too), replicas
 * packed onto their instance type as their device share allows, priced on demand.
 */
export function servingCeiling(env: Environment): { rows: ServingRow[]; usdPerHour: number | undefined } {
  const rows = env.workloads.vllm.map((d): ServingRow => {
    const p = d.placement;
    const most = maxReplicas(d);
    const perNode = Math.max(1, Math.floor(p.instance.devices / p.devices));
    const nodes = Math.ceil(most / perNode);
    const price = PRICES.get(p.instance.name);
    return {
      name: d.name,
      pool: d.pool,
      instanceType: p.instance.name,
      replicas: d.scaling ? `${minReplicas(d)}–${most}` : String(most),
      perNode,
      nodes,
      usdPerHour: price ? price.usdPerHour * nodes : undefined,
    };
  });
  const usdPerHour = rows.every((r) => r.usdPerHour !== undefined)
    ? rows.reduce((a, r) => a + r.usdPerHour!, 0)
    : undefined;
  return { rows, usdPerHour };
}

// ---------------------------------------------------------------- the report

export interface EnvironmentReport {
  readonly env: Environment;
  readonly pools: readonly PoolReport[];
  readonly markdown: string;
  readonly problems: readonly string[];
  /** Sum of the pools' bounds plus the system node group; undefined when a pool has no bound. */
  readonly maxUsdPerHour: number | undefined;
}

export function environmentReport(
  env: Environment,
  objects: EnvironmentObjects | undefined,
): EnvironmentReport {
  const all = [...(objects?.kubernetes.values() ?? [])];
  const pools = all.filter((o) => o.kind === 'NodePool').map(poolReport);
  const problems: string[] = [];
  const { standIn } = priceRegion(env.region);
  const lines: string[] = [`## ${env.name}`, ''];
  lines.push(
    `${env.tier} environment in ${env.region} (${env.availabilityZones.length} availability zones), ` +
      `${all.length} rendered Kubernetes objects.`,
    '',
  );

  // Node pools.
  lines.push('### Node pools', '');
  if (pools.length === 0) {
    lines.push('none rendered (no Karpenter NodePool in dist/k8s).', '');
  } else {
    lines.push(
      '| pool | instance families | capacity types | limits | taints | max $/h (on-demand) | bound set by |',
    );
    lines.push('| --- | --- | --- | --- | --- | ---: | --- |');
    for (const p of pools) {
      const limits = [
        p.cpuLimit !== undefined ? `${p.cpuLimit} vCPU` : undefined,
        p.memoryLimitBytes !== undefined ? gib(p.memoryLimitBytes) : undefined,
        ...[...p.acceleratorLimits].map(([r, n]) => `${n} ${r}`),
      ].filter(Boolean);
      lines.push(
        `| ${p.name} | ${p.families.join(', ') || 'any'} | ${p.capacityTypes.join(', ') || 'any'} | ${limits.join(', ') || '**none**'} | ${p.taints.map((t) => `\`${t}\``).join(', ') || 'none'} | ${p.cost ? usd(p.cost.usdPerHour) : '**no bound**'} | ${p.cost?.binding ?? p.noBound} |`,
      );
    }
    lines.push('');
  }

  // Demand against limits (clusters/lib/capacity.ts, which the loader enforces).
  lines.push(...headroom(env));

  // Cost.
  const system = PRICES.get(env.systemNodeGroup.instanceType);
  const systemCost = system ? system.usdPerHour * env.systemNodeGroup.size : undefined;
  const poolCosts = pools.map((p) => p.cost?.usdPerHour);
  const maxUsdPerHour =
    systemCost !== undefined && poolCosts.every((c) => c !== undefined)
      ? poolCosts.reduce<number>((a, b) => a + b!, systemCost)
      : undefined;
  lines.push('### Maximum hourly cost', '');
  lines.push(
    `- System node group: ${env.systemNodeGroup.size} × ${env.systemNodeGroup.instanceType} = ${systemCost !== undefined ? usd(systemCost) : `no price for ${env.systemNodeGroup.instanceType}`}`,
  );
  for (const p of pools)
    lines.push(`- Pool ${p.name}: ${p.cost ? usd(p.cost.usdPerHour) : `no bound (${p.noBound})`}`);
  lines.push(
    `- **Total EC2 compute at most ${maxUsdPerHour !== undefined ? `${usd(maxUsdPerHour)} per hour` : 'unknown (a pool has no bound)'}**` +
      ` at ${PRICE_TABLE.regions.join(', ')} on-demand list prices${standIn ? ` (no confirmed ${env.region} prices in the table: us-east-1 prices stand in)` : ''}.`,
    '',
  );

  // Model placements and accelerator workloads.
  const placements: Placement[] = [];
  for (const o of all) {
    const p = placementOf(o);
    if (typeof p === 'string') problems.push(p);
    else if (p) placements.push(p);
  }
  lines.push('### Model deployments', '');
  if (placements.length === 0) {
    lines.push(`none (no object carries the \`${PLACEMENT_ANNOTATION}\` annotation).`, '');
  } else {
    lines.push('| model | workload | pool | instance type | devices | needs | has | fit margin |');
    lines.push('| --- | --- | --- | --- | ---: | ---: | ---: | ---: |');
    for (const p of placements.sort((a, b) => a.workload.localeCompare(b.workload))) {
      const margin = p.availableGB - p.requiredGB;
      const pct = p.availableGB > 0 ? ` (${((margin / p.availableGB) * 100).toFixed(0)}%)` : '';
      lines.push(
        `| ${cell(p.model)} | ${p.workload} | ${p.pool} | ${p.instanceType} | ${p.devices} | ${p.requiredGB} GB | ${p.availableGB} GB | ${margin.toFixed(1)} GB${pct} |`,
      );
      if (!pools.some((x) => x.name === p.pool) && pools.length > 0) {
        problems.push(`${p.workload}: placement names pool ${p.pool}, which is not rendered`);
      }
    }
    lines.push('');
  }
  const scaled = autoscaled(all);
  const accelerated = all.flatMap((o) =>
    podTemplates(o, scaled)
      .map((t) => ({ t, r: requestsOf(t.spec) }))
      .filter(({ r }) => r.accelerators.size > 0),
  );
  lines.push('### Accelerator workloads', '');
  if (accelerated.length === 0) {
    lines.push('none (no pod template requests nvidia.com/gpu or aws.amazon.com/neuron).', '');
  } else {
    lines.push('| workload | replicas | per pod | may land on pools |');
    lines.push('| --- | --- | --- | --- |');
    for (const { t, r } of accelerated) {
      const per = [
        r.cpu ? `${+r.cpu.toFixed(3)} vCPU` : undefined,
        r.memory ? gib(r.memory) : undefined,
        ...[...r.accelerators].map(([k, n]) => `${n} ${k}`),
      ].filter(Boolean);
      const where = poolsFor(t.spec, pools);
      if (pools.length > 0 && where.length === 0)
        problems.push(`${t.owner.id}${t.role ? ` (${t.role})` : ''}: no rendered pool admits it`);
      lines.push(
        `| ${t.owner.id}${t.role ? ` (${t.role})` : ''} | ${t.replicas} | ${per.join(', ')} | ${where.join(', ') || '**none**'} |`,
      );
    }
    lines.push('');
  }

  // Serving at maximum scale.
  const serving = servingCeiling(env);
  lines.push('### Model serving at maximum scale', '');
  if (serving.rows.length === 0) {
    lines.push('no vLLM deployment.', '');
  } else {
    lines.push(
      'Each vLLM deployment at its most replicas (`scaling.maxReplicas`, or its fixed `replicas`), packed onto',
      'its instance type, at on-demand list prices: what serving costs when every autoscaler is at its maximum.',
      '',
      '| deployment | pool | instance type | replicas | replicas per node | nodes at maximum | max $/h |',
      '| --- | --- | --- | ---: | ---: | ---: | ---: |',
    );
    for (const r of serving.rows) {
      lines.push(
        `| ${r.name} | ${r.pool} | ${r.instanceType} | ${r.replicas} | ${r.perNode} | ${r.nodes} | ${r.usdPerHour !== undefined ? usd(r.usdPerHour) : `no price for ${r.instanceType}`} |`,
      );
    }
    lines.push(
      '',
      `- **Serving at maximum scale: ${serving.usdPerHour !== undefined ? `${usd(serving.usdPerHour)} per hour` : 'unknown (an instance type has no price)'}**` +
        ` (inside the pool bounds above${standIn ? `; us-east-1 prices stand in for ${env.region}` : ''}).`,
      '',
    );
  }

  // Cold start (review/cold-start.ts).
  const cold = coldStartSection(env, all);
  lines.push(...cold.lines);
  problems.push(...cold.problems);

  // Exposures.
  lines.push('### Exposures', '');
  const exp = exposures(all);
  lines.push(
    `Environment setting \`exposure.openTo\`: ${env.exposure.openTo.length ? env.exposure.openTo.join(', ') : 'none (internal only)'}. ` +
      `EKS API endpoint: private${env.endpoint.publicAccess ? ` and public from ${env.endpoint.publicAccessCidrs.join(', ')}` : ' only'}.`,
    '',
  );
  if (exp.length === 0) {
    lines.push('Load balancers: none.', '');
  } else {
    lines.push('| entry point | object | scheme | reachable from | listeners / ports |');
    lines.push('| --- | --- | --- | --- | --- |');
    lines.push(...exp, '');
  }
  const r = routes(all);
  if (r.length === 0) {
    lines.push('HTTP routes: none.', '');
  } else {
    lines.push(
      '| HTTP route | gateway | hostnames | paths → backends |',
      '| --- | --- | --- | --- |',
      ...r,
      '',
    );
  }
  if (problems.length > 0) {
    lines.push('### Problems', '', ...problems.map((p) => `- ${p}`), '');
  }
  return { env, pools, markdown: lines.join('\n'), problems, maxUsdPerHour };
}

export function reportMarkdown(
  envs: readonly Environment[],
  trees: ReadonlyMap<string, EnvironmentObjects>,
): { markdown: string; reports: EnvironmentReport[] } {
  const reports = envs.map((e) => environmentReport(e, trees.get(e.name)));
  const head = [
    '# Environments',
    '',
    '<!-- Generated by `npm run synth` with dist/ from clusters/; do not edit by hand (the drift check in `npm test` compares it). -->',
    '',
    'Capacity, cost and exposure of every environment, computed from the rendered objects in',
    '`dist/k8s/<env>` and the environment definitions in `clusters/`.',
    '',
    '**How the maximum hourly cost is computed.** A Karpenter NodePool stops launching nodes once',
    'the resources of its nodes reach its `limits`. Each node costs at most its vCPUs times the',
    'highest on-demand price per vCPU among the instance types the pool may launch, so the pool',
    'costs at most `cpu limit × that price per vCPU`; the same holds for the memory limit (price per',
    'GiB) and an accelerator limit (price per GPU or Neuron device). The report takes the smallest',
    'of these bounds per pool and adds the system node group (`size × price`). Spot capacity never',
    'costs more than on-demand, so on-demand prices give the upper bound for spot pools too.',
    'Karpenter checks limits before it launches a node, so a pool can end up to one node above its',
    'limit; the bound does not count that node, nor EBS, load balancers, NAT, FSx or data transfer.',
    '',
    "**Pool headroom.** Each accelerated pool's declared demand at its maximum (every workload at its",
    'most replicas, workers, pipeline steps or GPU notebooks, plus the extra pods a rolling update or',
    'a RayService upgrade starts), the nodes of each instance type it needs at least, and what the',
    'NodePool limits leave, counted as Karpenter counts them: the capacity of the nodes it launches',
    '(memory less its 7.5% VM overhead estimate). The render stops when a limit is exceeded',
    '(`clusters/lib/capacity.ts`).',
    '',
    `Prices: ${PRICE_TABLE.source}; pinned in \`review/prices.ts\`. Confirmed for ${PRICE_TABLE.regions.join(', ')} only;`,
    'other regions are priced at those figures and marked as such.',
    '',
    ...coldStartMethod(),
    '| environment | region | tier | pools | max EC2 $/h |',
    '| --- | --- | --- | ---: | ---: |',
    ...reports.map(
      (r) =>
        `| ${r.env.name} | ${r.env.region} | ${r.env.tier} | ${r.pools.length} | ${r.maxUsdPerHour !== undefined ? usd(r.maxUsdPerHour) : 'unknown'} |`,
    ),
    '',
  ];
  return { markdown: `${[...head, ...reports.map((r) => r.markdown)].join('\n').trimEnd()}\n`, reports };
}
