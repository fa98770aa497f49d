/**
 * Policy rules over rendered manifests. Each rule is a function from a cluster's manifests
 * (one environment) to a list of violations, so a test can feed it a deliberately bad object.
 * Rules are written for any kind that carries a pod template (Deployment, StatefulSet,
 * DaemonSet, Job, CronJob, Pod, KubeRay head/worker groups, Argo templates, …): anything
 * with a `containers` list is a pod spec, and Argo's single-container templates are too.
 */

import {
  CONTRACT_VARIABLE_NAMES,
  FLUX,
  type Layer,
  layerPath,
  NODEPOOL_LABEL,
  POOL_NAMES,
  POOLS,
} from '../../clusters/contract.js';
import type { Environment } from '../../clusters/lib/resolve.js';

export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly [key: string]: unknown;
}

/** What a rule sees: one environment's objects, with the Flux layer each was rendered into. */
export interface ClusterRender {
  readonly env: Pick<Environment, 'name' | 'exposure'>;
  readonly objects: readonly {
    readonly layer: string;
    readonly manifest: Manifest;
    /** Where the object was read from, for a caller's messages (the rules do not use it). */
    readonly file?: string;
  }[];
}

export type Rule = (render: ClusterRender) => string[];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const id = (m: Manifest) =>
  `${m.kind} ${m.metadata.namespace ? `${m.metadata.namespace}/` : ''}${m.metadata.name}`;

/** Namespaces every EKS cluster has; never rendered. */
export const BUILT_IN_NAMESPACES = new Set([
  'kube-system',
  'default',
  'flux-system',
  'kube-public',
  'kube-node-lease',
]);

// --- pod specs ---

export interface PodSpecView {
  /** Where it was found, for messages: `Deployment apps/x spec.template.spec`. */
  readonly where: string;
  readonly containers: Obj[];
  readonly tolerations: Obj[];
  readonly nodeSelector: Record<string, unknown>;
  readonly affinity: Obj | undefined;
  readonly daemon: boolean;
}

/** Every pod spec inside a manifest (HelmRelease values are chart input, not pod specs). */
export function podSpecs(m: Manifest): PodSpecView[] {
  if (m.kind === 'HelmRelease') return [];
  const out: PodSpecView[] = [];
  const daemon = m.kind === 'DaemonSet';
  const visit = (node: unknown, path: string, argoDefaults: Obj | undefined): void => {
    if (Array.isArray(node)) {
      node.forEach((n, i) => {
        visit(n, `${path}[${i}]`, argoDefaults);
      });
      return;
    }
    if (!isObj(node)) return;
    if (Array.isArray(node.containers)) {
      out.push({
        where: `${id(m)} ${path}`,
        containers: [...arr(node.containers), ...arr(node.initContainers)],
        tolerations: arr(node.tolerations),
        nodeSelector: isObj(node.nodeSelector) ? node.nodeSelector : {},
        affinity: isObj(node.affinity) ? node.affinity : undefined,
        daemon,
      });
      return;
    }
    // Argo Workflows: a template runs one `container` or `script`, scheduling fields on the
    // template or, as defaults, on the workflow spec.
    if (isObj(node.container) || isObj(node.script)) {
      const main = (isObj(node.container) ? node.container : node.script) as Obj;
      const d = argoDefaults ?? {};
      out.push({
        where: `${id(m)} ${path}`,
        containers: [main, ...arr(node.initContainers), ...arr(node.sidecars)],
        tolerations: arr(node.tolerations ?? d.tolerations),
        nodeSelector: {
          ...(isObj(d.nodeSelector) ? d.nodeSelector : {}),
          ...(isObj(node.nodeSelector) ? node.nodeSelector : {}),
        },
        affinity: isObj(node.affinity) ? node.affinity : isObj(d.affinity) ? d.affinity : undefined,
        daemon: false,
      });
    }
    const defaults = Array.isArray(node.templates) ? node : argoDefaults;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'metadata' || k === 'status') continue;
      visit(v, path ? `${path}.${k}` : k, defaults);
    }
  };
  visit(m, '', undefined);
  return out;
}

const ACCELERATOR_POOLS = POOL_NAMES.map((name) => POOLS[name]).filter(
  (p): p is (typeof POOLS)['nvidia' | 'neuron'] => 'resource' in p,
);

/** Extended resources that need each accelerator pool (Neuron cores and devices, MIG slices). */
const RESOURCE_PREFIXES: Readonly<Record<string, readonly string[]>> = {
  [POOLS.nvidia.name]: ['nvidia.com/gpu', 'nvidia.com/mig-'],
  [POOLS.neuron.name]: ['aws.amazon.com/neuron'],
};

/** The accelerator pools a pod spec needs, from the requests or limits of any container. */
export function acceleratorsRequested(spec: PodSpecView): string[] {
  const found = new Set<string>();
  for (const c of spec.containers) {
    const r = isObj(c.resources) ? c.resources : {};
    for (const part of [r.requests, r.limits]) {
      if (!isObj(part)) continue;
      for (const key of Object.keys(part)) {
        for (const [pool, prefixes] of Object.entries(RESOURCE_PREFIXES)) {
          if (prefixes.some((p) => key.startsWith(p))) found.add(pool);
        }
      }
    }
  }
  return [...found];
}

function tolerates(spec: PodSpecView, key: string): boolean {
  return spec.tolerations.some(
    (t) =>
      (t.key === key || (t.key === undefined && t.operator === 'Exists')) &&
      (t.effect === undefined || t.effect === 'NoSchedule'),
  );
}

/** Pools a pod spec is pinned to (nodeSelector or a required node affinity on the pool label). */
function selectedPools(spec: PodSpecView): string[] | undefined {
  const bySelector = spec.nodeSelector[NODEPOOL_LABEL];
  if (typeof bySelector === 'string') return [bySelector];
  const node = isObj(spec.affinity?.nodeAffinity) ? spec.affinity.nodeAffinity : undefined;
  const required = isObj(node?.requiredDuringSchedulingIgnoredDuringExecution)
    ? node.requiredDuringSchedulingIgnoredDuringExecution
    : undefined;
  const terms = arr(required?.nodeSelectorTerms);
  if (terms.length === 0) return undefined;
  const pools = new Set<string>();
  for (const term of terms) {
    const exp = arr(term.matchExpressions).find((e) => e.key === NODEPOOL_LABEL && e.operator === 'In');
    if (!exp) return undefined; // one term without the pool label lets the pod anywhere
    for (const v of Array.isArray(exp.values) ? exp.values : []) pools.add(String(v));
  }
  return [...pools];
}

// --- rules ---

/** GPU and Neuron NodePools carry their taint; no untainted pool offers accelerator instances. */
export const acceleratorPoolsTainted: Rule = ({ objects }) => {
  const problems: string[] = [];
  for (const { manifest: m } of objects) {
    if (m.kind !== 'NodePool') continue;
    const tmpl =
      isObj(m.spec) && isObj(m.spec.template) && isObj(m.spec.template.spec) ? m.spec.template.spec : {};
    const taints = arr(tmpl.taints);
    const families = arr(tmpl.requirements)
      .filter((r) => r.key === 'karpenter.k8s.aws/instance-family')
      .flatMap((r) => (Array.isArray(r.values) ? r.values.map(String) : []));
    const offersAccelerators = families.some((f) => /^(g[0-9]|gr[0-9]|p[0-9]|inf|trn)/.test(f));
    for (const pool of ACCELERATOR_POOLS) {
      const isPool = m.metadata.name === pool.name;
      const hasTaint = taints.some((t) => t.key === pool.taint.key && t.effect === pool.taint.effect);
      if (isPool && !hasTaint)
        problems.push(`${id(m)}: missing taint ${pool.taint.key}:${pool.taint.effect}`);
    }
    const anyTaint = taints.some((t) => ACCELERATOR_POOLS.some((p) => p.taint.key === t.key));
    if (offersAccelerators && !anyTaint) {
      problems.push(
        `${id(m)}: offers accelerator instance families (${families.join(', ')}) without a taint`,
      );
    }
  }
  return problems;
};

/** Pods that request accelerators tolerate the pool's taint and select the pool. */
export const acceleratorPodsTolerateAndSelect: Rule = ({ objects }) => {
  const problems: string[] = [];
  for (const { manifest } of objects) {
    for (const spec of podSpecs(manifest)) {
      for (const name of acceleratorsRequested(spec)) {
        const pool = ACCELERATOR_POOLS.find((p) => p.name === name)!;
        if (!tolerates(spec, pool.taint.key)) {
          problems.push(`${spec.where}: requests ${pool.resource} but does not tolerate ${pool.taint.key}`);
        }
        const pools = selectedPools(spec);
        if (pools?.length !== 1 || pools[0] !== pool.name) {
          problems.push(
            `${spec.where}: requests ${pool.resource} but does not select ${NODEPOOL_LABEL}=${pool.name}`,
          );
        }
      }
    }
  }
  return problems;
};

/** Pods without accelerator requests cannot land on accelerator pools. */
export const onlyAcceleratorPodsOnAcceleratorPools: Rule = ({ objects }) => {
  const problems: string[] = [];
  for (const { manifest } of objects) {
    for (const spec of podSpecs(manifest)) {
      if (acceleratorsRequested(spec).length > 0 || spec.daemon) continue;
      for (const pool of ACCELERATOR_POOLS) {
        if (tolerates(spec, pool.taint.key)) {
          problems.push(`${spec.where}: tolerates ${pool.taint.key} without requesting ${pool.resource}`);
        }
        if (selectedPools(spec)?.includes(pool.name)) {
          problems.push(`${spec.where}: selects pool ${pool.name} without requesting ${pool.resource}`);
        }
      }
    }
  }
  return problems;
};

/** A tag that names one build: not latest or a branch, or a digest. */
export function pinnedImage(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  if (colon < 0) return false;
  const tag = image.slice(colon + 1);
  return tag.length > 0 && !/^(latest|main|master|stable|edge|nightly|dev)$/i.test(tag);
}

/** Every container (and init container) has cpu and memory requests and a pinned image. */
export const containersRequestAndPin: Rule = ({ objects }) => {
  const problems: string[] = [];
  for (const { manifest } of objects) {
    for (const spec of podSpecs(manifest)) {
      for (const c of spec.containers) {
        const name = typeof c.name === 'string' ? c.name : '(unnamed)';
        const requests = isObj(c.resources) && isObj(c.resources.requests) ? c.resources.requests : {};
        for (const r of ['cpu', 'memory']) {
          if (requests[r] === undefined) problems.push(`${spec.where} container ${name}: no ${r} request`);
        }
        if (typeof c.image !== 'string' || !pinnedImage(c.image)) {
          problems.push(`${spec.where} container ${name}: image ${JSON.stringify(c.image)} is not pinned`);
        }
      }
    }
  }
  return problems;
};

/** No Secret carries data: secret values come from AWS Secrets Manager via External Secrets. */
export const noSecretData: Rule = ({ objects }) =>
  objects
    .filter(({ manifest: m }) => m.kind === 'Secret')
    .filter(({ manifest: m }) => [m.data, m.stringData].some((d) => isObj(d) && Object.keys(d).length > 0))
    .map(({ manifest: m }) => `${id(m)}: Secret with data in the repository`);

const SCHEME = 'service.beta.kubernetes.io/aws-load-balancer-scheme';

function checkOpenRanges(where: string, ranges: unknown, openTo: readonly string[]): string[] {
  const list = Array.isArray(ranges) ? ranges.map(String) : [];
  if (openTo.length === 0)
    return [`${where}: internet-facing, but the environment's exposure.openTo is empty`];
  if (list.length === 0) return [`${where}: internet-facing without source ranges`];
  const extra = list.filter((r) => !openTo.includes(r));
  return extra.length > 0 ? [`${where}: source ranges ${extra.join(', ')} are not in exposure.openTo`] : [];
}

/**
 * Load balancers are internal unless the environment opened them with source ranges: applies
 * to LoadBalancer Services (scheme annotation) and to the LBC's LoadBalancerConfiguration
 * (Gateways); every Gateway names a LoadBalancerConfiguration so its scheme is explicit.
 */
export const loadBalancersInternalUnlessOpened: Rule = ({ env, objects }) => {
  const problems: string[] = [];
  const { openTo } = env.exposure;
  for (const { manifest: m } of objects) {
    const spec = isObj(m.spec) ? m.spec : {};
    if (m.kind === 'Service' && spec.type === 'LoadBalancer') {
      const scheme = m.metadata.annotations?.[SCHEME];
      if (scheme === 'internet-facing')
        problems.push(...checkOpenRanges(id(m), spec.loadBalancerSourceRanges, openTo));
      else if (scheme !== 'internal')
        problems.push(`${id(m)}: LoadBalancer Service without ${SCHEME}: internal`);
    }
    if (m.kind === 'LoadBalancerConfiguration') {
      if (spec.scheme === 'internet-facing')
        problems.push(...checkOpenRanges(id(m), spec.sourceRanges, openTo));
      else if (spec.scheme !== 'internal')
        problems.push(`${id(m)}: scheme must be set (internal unless opened)`);
    }
    if (m.kind === 'Gateway') {
      const ref =
        isObj(spec.infrastructure) && isObj(spec.infrastructure.parametersRef)
          ? spec.infrastructure.parametersRef
          : undefined;
      const target = objects.find(
        (o) =>
          o.manifest.kind === 'LoadBalancerConfiguration' &&
          o.manifest.metadata.name === ref?.name &&
          o.manifest.metadata.namespace === m.metadata.namespace,
      );
      if (ref?.kind !== 'LoadBalancerConfiguration' || !target) {
        problems.push(
          `${id(m)}: does not reference a rendered LoadBalancerConfiguration (scheme would be implicit)`,
        );
      }
    }
  }
  return problems;
};

/** Every rendered Namespace has Pod Security labels; every namespace used is rendered or built in. */
export const namespacesHavePodSecurity: Rule = ({ objects }) => {
  const problems: string[] = [];
  const rendered = new Set<string>();
  for (const { manifest: m } of objects) {
    if (m.kind !== 'Namespace') continue;
    rendered.add(m.metadata.name);
    const labels = m.metadata.labels ?? {};
    for (const mode of ['enforce', 'audit', 'warn']) {
      const level = labels[`pod-security.kubernetes.io/${mode}`];
      if (!level || !['privileged', 'baseline', 'restricted'].includes(level)) {
        problems.push(`${id(m)}: missing or invalid pod-security.kubernetes.io/${mode} label`);
      }
    }
  }
  const used = new Set<string>();
  for (const { manifest: m } of objects) {
    if (m.metadata.namespace) used.add(m.metadata.namespace);
    const target =
      isObj(m.spec) && typeof m.spec.targetNamespace === 'string' ? m.spec.targetNamespace : undefined;
    if (m.kind === 'HelmRelease' && target) used.add(target);
  }
  for (const ns of [...used].sort()) {
    if (!rendered.has(ns) && !BUILT_IN_NAMESPACES.has(ns))
      problems.push(`namespace ${ns} is used but not rendered`);
  }
  return problems;
};

/** Every `${VAR}` Flux will substitute is a contract variable (`$${…}` is an escaped literal). */
export const onlyContractVariables: Rule = ({ objects }) => {
  const known = new Set<string>(CONTRACT_VARIABLE_NAMES);
  const problems: string[] = [];
  const visit = (v: unknown, where: string): void => {
    if (typeof v === 'string') {
      for (const match of v.matchAll(/(?<!\$)\$\{([^}]*)\}/g)) {
        if (!known.has(match[1]!)) problems.push(`${where}: \${${match[1]}} is not a contract variable`);
      }
    } else if (Array.isArray(v)) {
      for (const x of v) visit(x, where);
    } else if (isObj(v)) for (const [k, x] of Object.entries(v)) visit(x, `${where}.${k}`);
  };
  for (const { manifest: m } of objects) visit(m, id(m));
  return problems;
};

/** Every HelmRelease's chart source exists among the rendered objects. */
export const helmReleaseSourcesExist: Rule = ({ objects }) => {
  const problems: string[] = [];
  const has = (kind: string, name: string, ns: string | undefined) =>
    objects.some(
      (o) =>
        o.manifest.kind === kind && o.manifest.metadata.name === name && o.manifest.metadata.namespace === ns,
    );
  for (const { manifest: m } of objects) {
    if (m.kind !== 'HelmRelease') continue;
    const spec = isObj(m.spec) ? m.spec : {};
    const chartSpec = isObj(spec.chart) && isObj(spec.chart.spec) ? spec.chart.spec : undefined;
    const ref = isObj(chartSpec?.sourceRef)
      ? chartSpec.sourceRef
      : isObj(spec.chartRef)
        ? spec.chartRef
        : undefined;
    if (!ref) {
      problems.push(`${id(m)}: no chart source`);
      continue;
    }
    const ns = typeof ref.namespace === 'string' ? ref.namespace : m.metadata.namespace;
    if (!has(String(ref.kind), String(ref.name), ns)) {
      problems.push(`${id(m)}: source ${String(ref.kind)} ${ns}/${String(ref.name)} is not rendered`);
    }
    const source = objects.find(
      (o) =>
        o.manifest.kind === ref.kind &&
        o.manifest.metadata.name === ref.name &&
        o.manifest.metadata.namespace === ns,
    )?.manifest;
    if (source?.kind === 'OCIRepository') {
      const r = isObj(source.spec) && isObj(source.spec.ref) ? source.spec.ref : {};
      const tag = r.tag;
      if (r.semver !== undefined || typeof tag !== 'string' || !/^v?[0-9]+\.[0-9]+\.[0-9]+$/.test(tag)) {
        problems.push(`${id(m)}: OCIRepository ${ns}/${String(ref.name)} is not pinned to an exact tag`);
      }
    }
    if (
      chartSpec &&
      (typeof chartSpec.version !== 'string' || !/^v?[0-9]+\.[0-9]+\.[0-9]+$/.test(chartSpec.version))
    ) {
      problems.push(`${id(m)}: chart version ${JSON.stringify(chartSpec.version)} is not exact`);
    }
  }
  return problems;
};

/**
 * Flux Kustomizations: every dependency exists, the graph is acyclic, every source exists, and
 * every path into this repository (the bootstrap GitRepository) is a rendered folder.
 */
export const kustomizationGraph: Rule = ({ env, objects }) => {
  const problems: string[] = [];
  const ks = objects.map((o) => o.manifest).filter((m) => m.kind === 'Kustomization');
  const names = new Map(ks.map((k) => [`${k.metadata.namespace}/${k.metadata.name}`, k]));
  const edges = new Map<string, string[]>();
  const folders = new Set(objects.map((o) => layerPath(env.name, o.layer as Layer)));
  for (const k of ks) {
    const key = `${k.metadata.namespace}/${k.metadata.name}`;
    const spec = isObj(k.spec) ? k.spec : {};
    const deps = arr(spec.dependsOn).map(
      (d) => `${typeof d.namespace === 'string' ? d.namespace : k.metadata.namespace}/${String(d.name)}`,
    );
    edges.set(key, deps);
    for (const d of deps) if (!names.has(d)) problems.push(`${id(k)}: depends on missing Kustomization ${d}`);
    const src = isObj(spec.sourceRef) ? spec.sourceRef : {};
    const srcNs = typeof src.namespace === 'string' ? src.namespace : k.metadata.namespace;
    const isRoot =
      src.kind === 'GitRepository' && src.name === FLUX.gitRepository && srcNs === FLUX.namespace;
    const srcRendered = objects.some(
      (o) =>
        o.manifest.kind === src.kind &&
        o.manifest.metadata.name === src.name &&
        o.manifest.metadata.namespace === srcNs,
    );
    if (!isRoot && !srcRendered)
      problems.push(`${id(k)}: source ${String(src.kind)} ${srcNs}/${String(src.name)} is not rendered`);
    if (isRoot && !folders.has(String(spec.path)))
      problems.push(`${id(k)}: path ${String(spec.path)} has no rendered objects`);
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (n: string, trail: string[]): void => {
    if (state.get(n) === 'done') return;
    if (state.get(n) === 'visiting') {
      problems.push(`Kustomization dependency cycle: ${[...trail, n].join(' -> ')}`);
      return;
    }
    state.set(n, 'visiting');
    for (const d of edges.get(n) ?? []) if (names.has(d)) visit(d, [...trail, n]);
    state.set(n, 'done');
  };
  for (const n of [...edges.keys()].sort()) visit(n, []);
  return problems;
};

// --- netpol ---

/**
 * Restricted namespaces that run pods but have no default-deny NetworkPolicy yet: platform
 * controllers whose flows (admission webhooks called by the API server, AWS APIs, metrics) are
 * not mapped yet. Anything else that runs pods in a `restricted` namespace must deny by default.
 */
export const PLATFORM_NAMESPACES_WITHOUT_DEFAULT_DENY: ReadonlySet<string> = new Set([
  'karpenter',
  'external-secrets',
  // Prometheus scrapes every namespace and Grafana and KEDA query it; the API server calls the
  // operator's admission webhook and KEDA's metrics API (apps/platform/observability, autoscaling).
  'monitoring',
  'keda',
]);

const emptySelector = (v: unknown): boolean =>
  isObj(v) &&
  Object.keys(v).every(
    (k) =>
      (k === 'matchLabels' || k === 'matchExpressions') &&
      (isObj(v[k]) ? Object.keys(v[k]).length === 0 : arr(v[k]).length === 0),
  );

/** A NetworkPolicy selecting every pod, isolating both directions, allowing nothing. */
export function isDefaultDeny(m: Manifest): boolean {
  if (m.kind !== 'NetworkPolicy') return false;
  const spec = isObj(m.spec) ? m.spec : {};
  const types = Array.isArray(spec.policyTypes) ? spec.policyTypes : [];
  return (
    emptySelector(spec.podSelector) &&
    types.includes('Ingress') &&
    types.includes('Egress') &&
    arr(spec.ingress).length === 0 &&
    arr(spec.egress).length === 0
  );
}

/**
 * Every namespace that enforces `restricted` Pod Security (the workload level) and runs pods
 * (a pod template in it, or a HelmRelease installing into it) has a default-deny NetworkPolicy,
 * unless it is a listed platform namespace.
 */
export const workloadNamespacesDenyByDefault: Rule = ({ objects }) => {
  const restricted = objects
    .map((o) => o.manifest)
    .filter(
      (m) =>
        m.kind === 'Namespace' && m.metadata.labels?.['pod-security.kubernetes.io/enforce'] === 'restricted',
    )
    .map((m) => m.metadata.name);
  const runsPods = new Set<string>();
  for (const { manifest: m } of objects) {
    if (m.kind === 'HelmRelease') {
      const spec = isObj(m.spec) ? m.spec : {};
      const target = typeof spec.targetNamespace === 'string' ? spec.targetNamespace : m.metadata.namespace;
      if (target) runsPods.add(target);
    } else if (m.metadata.namespace && podSpecs(m).length > 0) runsPods.add(m.metadata.namespace);
  }
  return restricted
    .filter((ns) => runsPods.has(ns) && !PLATFORM_NAMESPACES_WITHOUT_DEFAULT_DENY.has(ns))
    .filter((ns) => !objects.some((o) => o.manifest.metadata.namespace === ns && isDefaultDeny(o.manifest)))
    .map(
      (ns) =>
        `namespace ${ns} enforces restricted Pod Security and runs pods but has no default-deny NetworkPolicy (empty podSelector, policyTypes Ingress and Egress, no rules)`,
    );
};

export const RULES: Readonly<Record<string, Rule>> = {
  acceleratorPoolsTainted,
  acceleratorPodsTolerateAndSelect,
  onlyAcceleratorPodsOnAcceleratorPools,
  containersRequestAndPin,
  noSecretData,
  loadBalancersInternalUnlessOpened,
  namespacesHavePodSecurity,
  onlyContractVariables,
  helmReleaseSourcesExist,
  kustomizationGraph,
  workloadNamespacesDenyByDefault,
};
