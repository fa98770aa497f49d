/**
 * One environment on a simulated cluster: a fresh control plane (from the bootstrap snapshot),
 * kube-controller-manager, kube-scheduler, kwok, Karpenter's kwok provider and the KubeRay
 * operator on loopback; the EKS system node group as kwok nodes; the EKS add-ons' pods; the
 * layers built by Flux's library and server-side applied in dependency order; the pods of
 * software that cannot run here built from our rendered values. Then three phases, each waited
 * on until every pod is Ready or nothing changes any more:
 *
 * 1. bring-up: everything at its rendered size;
 * 2. maximum: every RayCluster worker group at maxReplicas (what Ray's autoscaler writes), every
 *    Deployment a KEDA ScaledObject scales at its maxReplicaCount, and one pod of each of our Jobs
 *    held running beside them (pods.ts heldJobPods);
 * 3. upgrade: a RayService change that makes KubeRay create a second RayCluster.
 *
 * After each phase: pods not Ready (with the scheduler's and Karpenter's reasons), pods off
 * their placement, NodePool limits against the launched nodes' real capacity, and the nodes'
 * hourly cost (its peak over the run is printed beside the report's ceiling).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { KubeManifest } from '../../apps/index.js';
import { FLUX, POOLS } from '../../clusters/contract.js';
import type { Environment } from '../../clusters/lib/resolve.js';
import { applyObjects, type ObjectOutcome } from '../cluster/apply.js';
import { type ControlPlane, freePort, startControlPlane } from '../cluster/control-plane.js';
import type { KubeClient } from '../cluster/kube.js';
import { testClusterVars } from '../cluster/manifests.js';
import type { SimBinaries } from './binaries.js';
import {
  jobOutcomes,
  karpenterReasons,
  nodesCost,
  type Obj,
  type PoolUsage,
  pendingReason,
  placementProblems,
  podId,
  podReady,
  poolUsage,
} from './checks.js';
import {
  buildKustomization,
  dependencyOrder,
  fromThisRepository,
  isKustomization,
  type Kustomization,
  rootKustomization,
  scratchRepository,
} from './flux.js';
import {
  kwokInstanceTypes,
  type SimInstanceType,
  simInstanceType,
  typesOfFamilies,
} from './instance-types.js';
import {
  ADDON_NAMESPACES,
  addonWorkloads,
  type ModelledWorkload,
  mergeValues,
  releaseChart,
  releaseWorkloads,
  type Values,
  workloadManifest,
} from './modelled.js';
import { isAwsKarpenterKind, kwokNodeClass, kwokNodePool } from './nodepools.js';
import { heldJobPods, spawnerPods, workflowPods } from './pods.js';
import { systemNodes } from './system-nodes.js';

export const ACCELERATORS = [POOLS.nvidia.resource, POOLS.neuron.resource];

const rec = (v: unknown): Values => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Values) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface PhaseResult {
  readonly phase: string;
  readonly seconds: number;
  readonly pods: number;
  readonly ready: number;
  /** Pods not Ready at the end, with their reasons. */
  readonly notReady: readonly { id: string; reason: string }[];
  readonly placement: { checked: number; problems: readonly string[] };
  /** Jobs (ours and the charts' hooks): complete ones with where their pods ran, incomplete ones. */
  readonly jobs: { readonly complete: readonly string[]; readonly incomplete: readonly string[] };
  readonly pools: readonly PoolUsage[];
  readonly nodes: number;
  readonly usdPerHour: number;
  readonly notes: readonly string[];
}

export interface SimReport {
  readonly env: string;
  readonly outcomes: readonly ObjectOutcome[];
  readonly modelled: number;
  readonly built: number;
  readonly phases: readonly PhaseResult[];
  readonly peakUsdPerHour: number;
  readonly unpriced: readonly string[];
  readonly problems: readonly string[];
  readonly seconds: number;
}

export interface SimOptions {
  readonly bins: SimBinaries;
  /** etcd snapshot with the CRDs installed (apply.ts bootstrapSnapshot). */
  readonly snapshot: string;
  readonly crdNames: readonly string[];
  /** ../shared/reference/helm-chart-values, when present. */
  readonly chartValuesDir: string | undefined;
  /** infra/addons ADDON_CONFIGURATION. */
  readonly addonConfiguration: Readonly<Record<string, object | undefined>>;
  readonly keep?: boolean;
  readonly log: (s: string) => void;
  /** Longest wait per phase, seconds. */
  readonly phaseTimeout?: number;
}

/** The chart's default values from ../shared (with the nvidia-device-plugin's nfd subchart under its alias). */
function chartDefaults(
  dir: string | undefined,
  chart: string,
  version: string,
): { values: Values; source: string } | undefined {
  if (!dir) return undefined;
  const base = join(dir, `${chart}-${version}`);
  let values: Values;
  try {
    values = rec(parse(readFileSync(join(base, 'values.yaml'), 'utf8')));
  } catch {
    return undefined;
  }
  // Subcharts: charts/<name>/values.yaml under the alias the parent's Chart.yaml gives it
  // (nvidia-device-plugin 0.20.0: node-feature-discovery as `nfd`).
  const aliases: Record<string, string> = { 'node-feature-discovery': 'nfd' };
  for (const [sub, alias] of Object.entries(aliases)) {
    try {
      const subValues = parse(readFileSync(join(base, 'charts', sub, 'values.yaml'), 'utf8'));
      values[alias] = mergeValues(subValues, values[alias]);
    } catch {
      // no such subchart
    }
  }
  return { values, source: `../shared/reference/helm-chart-values/${chart}-${version}/values.yaml` };
}

export async function list(client: KubeClient, path: string): Promise<Obj[]> {
  const r = await client.raw('GET', path);
  if (r.status !== 200)
    throw new Error(`GET ${path}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  return arr(rec(r.body).items) as Obj[];
}

/** The EBS CSI provisioner's part for WaitForFirstConsumer claims (no provisioner runs here). */
async function provisionClaims(client: KubeClient, nodes: ReadonlyMap<string, Obj>): Promise<void> {
  const classes = await list(client, '/apis/storage.k8s.io/v1/storageclasses');
  const ebs = new Set(
    classes.filter((c) => rec(c).provisioner === 'ebs.csi.aws.com').map((c) => c.metadata.name),
  );
  for (const pvc of await list(client, '/api/v1/persistentvolumeclaims')) {
    const spec = rec(pvc.spec);
    const node = pvc.metadata.annotations?.['volume.kubernetes.io/selected-node'];
    if (!node || spec.volumeName || !ebs.has(String(spec.storageClassName))) continue;
    const zone = nodes.get(node)?.metadata.labels?.['topology.kubernetes.io/zone'];
    const pv = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: {
        name: `pvc-${pvc.metadata.uid}`,
        annotations: { 'pv.kubernetes.io/provisioned-by': 'ebs.csi.aws.com' },
      },
      spec: {
        capacity: { storage: rec(rec(spec.resources).requests).storage },
        accessModes: spec.accessModes,
        persistentVolumeReclaimPolicy: 'Delete',
        storageClassName: spec.storageClassName,
        volumeMode: spec.volumeMode ?? 'Filesystem',
        claimRef: { namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid },
        csi: {
          driver: 'ebs.csi.aws.com',
          volumeHandle: `vol-sim-${String(pvc.metadata.uid).slice(0, 8)}`,
          fsType: 'ext4',
        },
        ...(zone
          ? {
              nodeAffinity: {
                required: {
                  nodeSelectorTerms: [
                    {
                      matchExpressions: [
                        { key: 'topology.kubernetes.io/zone', operator: 'In', values: [zone] },
                      ],
                    },
                  ],
                },
              },
            }
          : {}),
      },
    };
    await client.apply(pv as unknown as KubeManifest);
  }
}

interface World {
  jobs: Obj[];
  pods: Obj[];
  nodes: Obj[];
  owners: Map<string, Obj>;
  nodeClaims: Obj[];
  nodePools: Obj[];
}

async function observe(client: KubeClient): Promise<World> {
  const [pods, nodes, rs, deploys, rcs, rss, jobs, ncs, nps] = await Promise.all([
    list(client, '/api/v1/pods'),
    list(client, '/api/v1/nodes'),
    list(client, '/apis/apps/v1/replicasets'),
    list(client, '/apis/apps/v1/deployments'),
    list(client, '/apis/ray.io/v1/rayclusters'),
    list(client, '/apis/ray.io/v1/rayservices'),
    list(client, '/apis/batch/v1/jobs'),
    list(client, '/apis/karpenter.sh/v1/nodeclaims'),
    list(client, '/apis/karpenter.sh/v1/nodepools'),
  ]);
  const owners = new Map<string, Obj>();
  const add = (kind: string, xs: Obj[]) => {
    for (const x of xs) owners.set(`${kind}/${x.metadata.namespace}/${x.metadata.name}`, { ...x, kind });
  };
  add('ReplicaSet', rs);
  add('Deployment', deploys);
  add('RayCluster', rcs);
  add('RayService', rss);
  add('Job', jobs);
  return {
    jobs,
    pods: pods.filter((p) => !p.metadata.deletionTimestamp),
    nodes,
    owners,
    nodeClaims: ncs,
    nodePools: nps,
  };
}

/** Polls `check` every second until it holds or `seconds` pass; returns whether it held. */
async function until(check: () => Promise<boolean>, seconds: number): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(1_000);
  }
  return false;
}

/** Pods of a RayCluster (KubeRay labels them ray.io/cluster=<name>). */
async function rayPods(client: KubeClient, ns: string | undefined, name: string): Promise<number> {
  const pods = await list(
    client,
    `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(`ray.io/cluster=${name}`)}`,
  );
  return pods.length;
}

/** Live pods that count: not finished (Succeeded/Failed pods of Jobs are done). */
const live = (p: Obj) => !['Succeeded', 'Failed'].includes(String(rec(p.status).phase));

/**
 * Waits until every live pod is Ready, or until nothing has changed for `quietSeconds` while no
 * NodeClaim is still launching, or the deadline. Keeps provisioning volumes meanwhile, and
 * tracks the highest hourly cost of the nodes.
 */
export async function settle(
  client: KubeClient,
  timeoutSec: number,
  price: (t: string) => number | undefined,
  onCost: (usd: number) => void,
): Promise<World> {
  const deadline = Date.now() + timeoutSec * 1000;
  const quietMs = 30_000;
  let last = '';
  let changedAt = Date.now();
  for (;;) {
    const w = await observe(client);
    onCost(nodesCost(w.nodes, price).usdPerHour);
    await provisionClaims(client, new Map(w.nodes.map((n) => [n.metadata.name, n])));
    const waiting = w.pods.filter((p) => live(p) && !podReady(p));
    const launching = w.nodeClaims.filter(
      (nc) =>
        !arr(rec(nc.status).conditions).some(
          (c) => rec(c).type === 'Initialized' && rec(c).status === 'True',
        ),
    );
    const sig = JSON.stringify([waiting.map(podId).sort(), w.nodes.length, launching.length, w.pods.length]);
    if (sig !== last) {
      last = sig;
      changedAt = Date.now();
    }
    // Karpenter batches pending pods (up to 10 s) and nodes register after it creates them; give
    // the first round time before calling a quiet cluster settled.
    if (waiting.length === 0 && launching.length === 0 && w.pods.length > 0 && Date.now() - changedAt > 3_000)
      return w;
    if (waiting.length > 0 && launching.length === 0 && Date.now() - changedAt > quietMs) return w;
    if (Date.now() > deadline) return w;
    await sleep(2_000);
  }
}

export async function phaseResult(
  plane: ControlPlane,
  phase: string,
  started: number,
  w: World,
  types: ReadonlyMap<string, SimInstanceType>,
  price: (t: string) => number | undefined,
  notes: string[],
): Promise<PhaseResult> {
  const client = plane.client;
  const events = await list(client, '/api/v1/events');
  const karpenter = karpenterReasons(readFileSync(join(plane.dir, 'karpenter.log'), 'utf8'));
  const livePods = w.pods.filter(live);
  const notReady: { id: string; reason: string }[] = livePods
    .filter((p) => !podReady(p))
    .map((p) => ({ id: podId(p), reason: pendingReason(p, events, karpenter) }))
    .sort((a, b) => a.id.localeCompare(b.id));
  // Pods that were never created (a ServiceAccount or quota refusing them) show only on their
  // controller: every Deployment, StatefulSet and ReplicaSet must have created its replicas.
  for (const path of [
    '/apis/apps/v1/deployments',
    '/apis/apps/v1/statefulsets',
    '/apis/apps/v1/replicasets',
  ]) {
    for (const o of await list(client, path)) {
      const want = Number(rec(o.spec).replicas ?? 1);
      const have = Number(rec(o.status).replicas ?? 0);
      if (have >= want) continue;
      const kind = path.split('/').pop()!;
      const why = events
        .map((e) => e as unknown as Values)
        .filter(
          (e) =>
            rec(e.involvedObject).name === o.metadata.name &&
            rec(e.involvedObject).namespace === o.metadata.namespace &&
            e.type === 'Warning',
        )
        .map((e) => `${e.reason}: ${e.message}`);
      notReady.push({
        id: `${kind} ${o.metadata.namespace}/${o.metadata.name}`,
        reason: `${have} of ${want} replicas created${why.length ? `\n      ${[...new Set(why)].join('\n      ')}` : ''}`,
      });
    }
  }
  const nodes = new Map(w.nodes.map((n) => [n.metadata.name, n]));
  return {
    phase,
    seconds: (Date.now() - started) / 1000,
    pods: livePods.length,
    ready: livePods.length - notReady.length,
    notReady,
    // Pods of Jobs that ran and completed are checked too: they were placed like any other.
    placement: placementProblems(
      w.pods.filter((p) => rec(p.status).phase !== 'Failed'),
      nodes,
      w.owners,
      ACCELERATORS,
    ),
    jobs: jobOutcomes(w.jobs, w.pods, nodes),
    pools: poolUsage(w.nodePools, w.nodes, types),
    nodes: w.nodes.length,
    usdPerHour: nodesCost(w.nodes, price).usdPerHour,
    notes,
  };
}

/** Starts the components beside the control plane; returns when they run. */
export async function startComponents(
  plane: ControlPlane,
  bins: SimBinaries,
  instanceTypesFile: string,
): Promise<void> {
  const kc = plane.kubeconfig;
  plane.start('kube-controller-manager', bins.kubeControllerManager, [
    `--kubeconfig=${kc}`,
    `--authentication-kubeconfig=${kc}`,
    `--authorization-kubeconfig=${kc}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    '--secure-port=0',
    `--service-account-private-key-file=${plane.serviceAccountKeyFile}`,
    `--root-ca-file=${plane.caFile}`,
    '--use-service-account-credentials=false',
    // kwok renews the fake nodes' leases, but on a loaded 2-core machine a renewal can come late
    // and the node lifecycle controller would mark a node NotReady (and its pods not Ready) after
    // the default 50s. Node heartbeats are not what this tier tests.
    '--node-monitor-grace-period=1h',
    '--profiling=false',
  ]);
  plane.start('kube-scheduler', bins.kubeScheduler, [
    `--kubeconfig=${kc}`,
    `--authentication-kubeconfig=${kc}`,
    `--authorization-kubeconfig=${kc}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    '--secure-port=0',
    '--profiling=false',
  ]);
  // kwok manages the nodes labelled as Karpenter's kwok provider labels its nodes
  // (kwok/apis/v1alpha1/labels.go: kwok.x-k8s.io/node=fake) and the system nodes made so;
  // its default node and pod stages (kustomize/stage/{node,pod}/fast) make them Ready.
  plane.start('kwok', bins.kwok, [
    `--kubeconfig=${kc}`,
    '--manage-all-nodes=false',
    '--manage-nodes-with-label-selector=kwok.x-k8s.io/node=fake',
    '--cidr=10.244.0.1/16',
    '--node-ip=10.0.0.1',
  ]);
  const [metrics, health, rayMetrics, rayProbe] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  plane.start(
    'karpenter',
    bins.karpenter,
    [
      `--metrics-port=${metrics}`,
      `--health-probe-port=${health}`,
      '--disable-leader-election=true',
      '--log-level=info',
    ],
    {
      ...process.env,
      KUBECONFIG: kc,
      INSTANCE_TYPES_FILE_PATH: instanceTypesFile,
      SYSTEM_NAMESPACE: 'karpenter',
    },
  );
  plane.start(
    'kuberay-operator',
    bins.kuberay,
    [
      `--kubeconfig=${kc}`,
      `--metrics-addr=127.0.0.1:${rayMetrics}`,
      `--health-probe-bind-address=127.0.0.1:${rayProbe}`,
      '--enable-leader-election=false',
      '--log-stdout-encoder=console',
    ],
    { ...process.env, KUBECONFIG: kc },
  );
  await sleep(2_000);
}

/** The root volume of each generated type: that of the EC2NodeClass of the pool offering its family. */
function rootVolumes(
  objects: readonly KubeManifest[],
  types: readonly SimInstanceType[],
): (t: SimInstanceType) => number {
  const byClass = new Map<string, number>();
  for (const o of objects.filter((x) => isAwsKarpenterKind(x) === 'EC2NodeClass')) {
    const root = arr(rec(o.spec).blockDeviceMappings)
      .map(rec)
      .find((b) => b.rootVolume === true);
    const size = String(rec(root?.ebs).volumeSize ?? '');
    const m = /^(\d+)Gi$/.exec(size);
    if (m) byClass.set(o.metadata.name, Number(m[1]));
  }
  const byFamily = new Map<string, number>();
  for (const np of objects.filter((x) => isAwsKarpenterKind(x) === 'NodePool')) {
    const spec = rec(rec(rec(np.spec).template).spec);
    const size = byClass.get(String(rec(spec.nodeClassRef).name));
    const fam = arr(spec.requirements)
      .map(rec)
      .find((r) => r.key === 'karpenter.k8s.aws/instance-family' && r.operator === 'In');
    for (const f of arr(fam?.values)) {
      if (size !== undefined) byFamily.set(String(f), Math.min(size, byFamily.get(String(f)) ?? size));
    }
  }
  for (const t of types) {
    if (!byFamily.has(t.family))
      throw new Error(`${t.name}: no EC2NodeClass root volume for family ${t.family}`);
  }
  return (t) => byFamily.get(t.family)!;
}

export async function simulateEnvironment(
  env: Environment,
  distEnvDir: string,
  opts: SimOptions,
): Promise<SimReport> {
  const started = Date.now();
  const log = (s: string) => opts.log(`${env.name}: ${s}`);
  const problems: string[] = [];
  const work = mkdtempSync(join(tmpdir(), `genai-eks-simulation-${env.name}-`));
  const plane = await startControlPlane(opts.bins, {
    keep: opts.keep,
    log: opts.log,
    etcdSeed: opts.snapshot,
  });
  const phases: PhaseResult[] = [];
  const outcomes: ObjectOutcome[] = [];
  let modelled = 0;
  let built = 0;
  let peak = 0;
  const unpriced = new Set<string>();
  try {
    const client = plane.client;
    await client.waitEstablished(opts.crdNames);
    log(`control plane ready (${((Date.now() - started) / 1000).toFixed(1)}s)`);

    // Instance types: every priced type of every family a pool offers.
    const families = new Set(Object.values(env.pools).flatMap((p) => p.instanceFamilies));
    const types = typesOfFamilies(families);
    const typeMap = new Map(types.map((t) => [t.name, t]));
    const systemType = simInstanceType(env.systemNodeGroup.instanceType);
    typeMap.set(systemType.name, systemType);
    const price = (t: string) => typeMap.get(t)?.usdPerHour;
    const onCost = (usd: number) => {
      peak = Math.max(peak, usd);
    };

    // cluster-vars (infra/ writes it), the add-ons' namespaces, the system nodes.
    const vars = testClusterVars(env);
    const pre: KubeManifest[] = [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cluster-vars', namespace: FLUX.namespace },
        data: vars,
      } as KubeManifest,
      ...ADDON_NAMESPACES.map(
        (name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }) as KubeManifest,
      ),
      ...systemNodes(env, systemType),
    ];
    for (const m of pre) {
      const r = await client.apply(m);
      if (r.outcome !== 'applied') throw new Error(`${m.kind} ${m.metadata.name}: ${r.message}`);
    }

    // Flux: the root Kustomization, then every layer it defines, in dependency order.
    scratchRepository(distEnvDir, env.name, work);
    const rootObjects = await buildKustomization(
      opts.bins.fluxBuild,
      plane.kubeconfig,
      rootKustomization(env.name),
      work,
    );
    const layers = dependencyOrder(rootObjects.filter(isKustomization));
    const allBuilt: KubeManifest[] = [];
    const builtLayers: { k: Kustomization; objects: KubeManifest[] }[] = [];
    for (const k of layers) {
      if (!fromThisRepository(k)) {
        log(
          `Kustomization ${k.metadata.name}: source ${k.spec.sourceRef?.kind} ${k.spec.sourceRef?.name} is not this repository; its CRDs come from the CRD directory`,
        );
        continue;
      }
      const objects = await buildKustomization(opts.bins.fluxBuild, plane.kubeconfig, k, work);
      builtLayers.push({ k, objects });
      allBuilt.push(...objects);
    }
    const nodeTypesFile = join(work, 'instance-types.json');
    writeFileSync(
      nodeTypesFile,
      JSON.stringify(kwokInstanceTypes(types, env.availabilityZones, rootVolumes(allBuilt, types)), null, 1),
    );
    await startComponents(plane, opts.bins, nodeTypesFile);

    // The EKS add-ons run before Flux (infra/addons), then the layers.
    const addon = addonWorkloads(opts.addonConfiguration).map(workloadManifest);
    modelled += addon.length;
    outcomes.push(
      ...(await applyObjects(
        client,
        addon.map((manifest) => ({ file: 'eks-addons', manifest })),
      )),
    );
    outcomes.push(
      ...(await applyObjects(
        client,
        rootObjects.map((manifest) => ({ file: `${FLUX.gitRepository} (root)`, manifest })),
      )),
    );
    let jupyterValues: { values: unknown; namespace: string } | undefined;
    let argoExecutor: unknown;
    for (const { k, objects } of builtLayers) {
      const layer = k.metadata.name;
      let toApply = objects.map((o) => {
        const kind = isAwsKarpenterKind(o);
        if (kind === 'NodePool') return kwokNodePool(o, types);
        if (kind === 'EC2NodeClass') return kwokNodeClass(o);
        return o;
      });
      const modelledHere: ModelledWorkload[] = [];
      for (const hr of objects.filter((o) => o.kind === 'HelmRelease')) {
        const { chart, version, namespace } = releaseChart(hr, allBuilt);
        const defaults = chartDefaults(opts.chartValuesDir, chart, version);
        const values = rec(rec(hr.spec).values);
        modelledHere.push(
          ...releaseWorkloads({ name: hr.metadata.name, namespace, chart, version, values }, defaults),
        );
        if (chart === 'jupyterhub')
          jupyterValues = { values: mergeValues(defaults?.values ?? {}, values), namespace };
        if (chart === 'argo-workflows') argoExecutor = rec(values.executor).resources;
      }
      toApply = [...toApply, ...modelledHere.map(workloadManifest)];
      modelled += modelledHere.length;
      outcomes.push(
        ...(await applyObjects(
          client,
          toApply.map((manifest) => ({ file: layer, manifest })),
        )),
      );
      log(
        `layer ${layer}: ${objects.length} objects built by Flux's kustomize, ${modelledHere.length} chart workloads modelled`,
      );
    }

    // Pods of software that cannot run here.
    const made: KubeManifest[] = [];
    if (jupyterValues) {
      for (const s of spawnerPods(jupyterValues.values, jupyterValues.namespace)) {
        if (s.claim) made.push(s.claim);
        made.push(s.pod);
      }
    }
    for (const wt of allBuilt.filter((o) => o.kind === 'WorkflowTemplate')) {
      made.push(...workflowPods(wt, argoExecutor, ACCELERATORS));
    }
    built = made.filter((m) => m.kind === 'Pod').length;
    // kube-controller-manager creates each namespace's `default` ServiceAccount; pods are refused
    // until it exists.
    for (const ns of new Set(made.map((m) => m.metadata.namespace).filter((n): n is string => !!n))) {
      for (let i = 0; i < 60; i++) {
        if ((await client.raw('GET', `/api/v1/namespaces/${ns}/serviceaccounts/default`)).status === 200)
          break;
        await sleep(500);
      }
    }
    outcomes.push(
      ...(await applyObjects(
        client,
        made.map((manifest) => ({ file: 'built pods', manifest })),
      )),
    );
    const rejected = outcomes.filter((o) => o.outcome !== 'applied');
    for (const o of rejected) problems.push(`${o.outcome.toUpperCase()} ${o.file} (${o.id}): ${o.message}`);

    const timeout = opts.phaseTimeout ?? 240;
    let t = Date.now();
    let w = await settle(client, timeout, price, onCost);
    phases.push(await phaseResult(plane, 'bring-up', t, w, typeMap, price, []));
    log(`bring-up settled in ${phases.at(-1)!.seconds.toFixed(0)}s`);

    // 2. maximum: every RayCluster worker group at maxReplicas, as Ray's autoscaler would set it;
    // KEDA's targets at maxReplicaCount and our Jobs' pods held (below).
    {
      t = Date.now();
      const notes: string[] = [];
      for (const rc of await list(client, '/apis/ray.io/v1/rayclusters')) {
        const groups = arr(rec(rc.spec).workerGroupSpecs).map(rec);
        const patched = groups.map((g) => ({ ...g, replicas: g.maxReplicas ?? g.replicas }));
        const r = await client.raw(
          'PATCH',
          `/apis/ray.io/v1/namespaces/${rc.metadata.namespace}/rayclusters/${rc.metadata.name}`,
          { spec: { workerGroupSpecs: patched } },
          'application/merge-patch+json',
        );
        if (r.status !== 200) problems.push(`maximum: RayCluster ${rc.metadata.name}: HTTP ${r.status}`);
        notes.push(
          `RayCluster ${rc.metadata.namespace}/${rc.metadata.name}: ${groups.map((g) => `${g.groupName} ${g.replicas} -> ${g.maxReplicas ?? g.replicas}`).join(', ')}`,
        );
        // The operator creates the pods; wait for them before settling.
        const want = 1 + patched.reduce((a, g) => a + Number(g.replicas ?? 0), 0);
        if (
          !(await until(
            async () => (await rayPods(client, rc.metadata.namespace, rc.metadata.name)) >= want,
            60,
          ))
        ) {
          notes.push(`RayCluster ${rc.metadata.name}: KubeRay did not create ${want} pods within 60s`);
        }
      }
      // Deployments KEDA scales: at the ScaledObject's maxReplicaCount (rendered from
      // workloads.vllm[].scaling.maxReplicas), as the HPA KEDA makes would set them at peak.
      // (KEDA's pods are modelled; nothing scales here by itself.)
      for (const so of await list(client, '/apis/keda.sh/v1alpha1/scaledobjects')) {
        const spec = rec(so.spec);
        const target = rec(spec.scaleTargetRef);
        const max = spec.maxReplicaCount;
        if ((target.kind ?? 'Deployment') !== 'Deployment' || typeof max !== 'number') {
          problems.push(
            `maximum: ScaledObject ${so.metadata.namespace}/${so.metadata.name}: target ${String(target.kind)} or maxReplicaCount ${String(max)} not handled`,
          );
          continue;
        }
        const path = `/apis/apps/v1/namespaces/${so.metadata.namespace}/deployments/${target.name}`;
        const before = rec((await client.raw('GET', path)).body);
        const r = await client.raw(
          'PATCH',
          path,
          { spec: { replicas: max } },
          'application/merge-patch+json',
        );
        if (r.status !== 200) problems.push(`maximum: Deployment ${target.name}: HTTP ${r.status}`);
        notes.push(
          `Deployment ${so.metadata.namespace}/${target.name}: ${String(rec(before.spec).replicas)} -> ${max} replicas (ScaledObject ${so.metadata.name} maxReplicaCount)`,
        );
      }
      // Our Jobs' pods held running beside them (heldJobPods).
      const held = heldJobPods(allBuilt.filter((o) => o.kind === 'Job'));
      for (const o of await applyObjects(
        client,
        held.map((manifest) => ({ file: 'held Job pods', manifest })),
      )) {
        if (o.outcome !== 'applied') problems.push(`maximum: ${o.id}: ${o.message}`);
      }
      if (held.length)
        notes.push(
          `${held.length} pods of our Jobs held running (${held.map((p) => p.metadata.name).join(', ')})`,
        );
      w = await settle(client, timeout, price, onCost);
      phases.push(await phaseResult(plane, 'maximum', t, w, typeMap, price, notes));
      log(`maximum settled in ${phases.at(-1)!.seconds.toFixed(0)}s`);
    }

    // 3. upgrade: a RayService change that makes KubeRay bring up a second RayCluster.
    {
      t = Date.now();
      const notes: string[] = [];
      const before = new Set((await list(client, '/apis/ray.io/v1/rayclusters')).map((c) => c.metadata.uid));
      const services = await list(client, '/apis/ray.io/v1/rayservices');
      for (const rs of services) notes.push(...(await upgradeRayService(client, rs)));
      if (services.length > 0) {
        // KubeRay names the pending cluster, then creates it and its pods.
        const ok = await until(async () => {
          const fresh = (await list(client, '/apis/ray.io/v1/rayclusters')).filter(
            (c) => !before.has(c.metadata.uid),
          );
          if (fresh.length < services.length) return false;
          for (const c of fresh)
            if ((await rayPods(client, c.metadata.namespace, c.metadata.name)) === 0) return false;
          return true;
        }, 90);
        if (!ok) problems.push('upgrade: KubeRay created no second RayCluster with pods within 90s');
      }
      w = await settle(client, timeout, price, onCost);
      const clusters = await list(client, '/apis/ray.io/v1/rayclusters');
      notes.push(
        `RayClusters now: ${clusters.map((c) => `${c.metadata.namespace}/${c.metadata.name}`).join(', ') || 'none'}`,
      );
      phases.push(await phaseResult(plane, 'upgrade', t, w, typeMap, price, notes));
      log(`upgrade settled in ${phases.at(-1)!.seconds.toFixed(0)}s`);
    }
    for (const n of w.nodes)
      if (price(n.metadata.labels?.['node.kubernetes.io/instance-type'] ?? '') === undefined)
        unpriced.add(n.metadata.name);
  } catch (e) {
    problems.push(`simulation failed: ${e instanceof Error ? e.message : String(e)}`);
    for (const name of [
      'karpenter',
      'kuberay-operator',
      'kwok',
      'kube-scheduler',
      'kube-controller-manager',
    ]) {
      const t = plane.logTail(name, 5);
      if (t) problems.push(`  ${name} log:\n${t.replace(/^/gm, '    ')}`);
    }
  } finally {
    await plane.stop();
    if (!opts.keep) rmSync(work, { recursive: true, force: true });
    else opts.log(`${env.name}: kept ${work}`);
  }
  return {
    env: env.name,
    outcomes,
    modelled,
    built,
    phases,
    peakUsdPerHour: peak,
    unpriced: [...unpriced],
    problems,
    seconds: (Date.now() - started) / 1000,
  };
}

/**
 * Ray itself does not run here, so KubeRay never sees the Serve applications healthy and never
 * promotes its first RayCluster. Mark it promoted as KubeRay does once Ray reports them RUNNING
 * (status.activeServiceStatus <- status.pendingServiceStatus: ray-project/kuberay@v1.5.0
 * ray-operator/controllers/ray/rayservice_controller.go reconcilePromotionAndServingStatus),
 * then change the Serve config and the cluster's pod templates (a new Serve app revision).
 * A serveConfigV2 change alone is applied in place to the running cluster (same file,
 * shouldPrepareNewCluster compares the cluster spec only); the template change makes the
 * operator prepare a second RayCluster, which it creates for real.
 */
async function upgradeRayService(client: KubeClient, rs: Obj): Promise<string[]> {
  const ns = rs.metadata.namespace;
  const name = rs.metadata.name;
  const path = `/apis/ray.io/v1/namespaces/${ns}/rayservices/${name}`;
  const status = rec(rs.status);
  const first = String(
    rec(status.pendingServiceStatus).rayClusterName ?? rec(status.activeServiceStatus).rayClusterName ?? '',
  );
  if (!first)
    return [`RayService ${ns}/${name}: KubeRay has not named a RayCluster yet; no upgrade simulated`];
  const promote = await client.raw(
    'PATCH',
    `${path}/status`,
    { status: { activeServiceStatus: { rayClusterName: first }, pendingServiceStatus: null } },
    'application/merge-patch+json',
  );
  if (promote.status !== 200)
    return [`RayService ${ns}/${name}: status promotion failed: HTTP ${promote.status}`];
  const spec = rec(rs.spec);
  const config = rec(spec.rayClusterConfig);
  const stamp = { 'simulation.genai-eks.io/revision': 'upgrade' };
  const withStamp = (tpl: unknown) => {
    const t = rec(tpl);
    return {
      ...t,
      metadata: { ...rec(t.metadata), annotations: { ...rec(rec(t.metadata).annotations), ...stamp } },
    };
  };
  const patch = {
    spec: {
      serveConfigV2: `${String(spec.serveConfigV2 ?? '')}\n# simulation: changed Serve config\n`,
      rayClusterConfig: {
        ...config,
        headGroupSpec: {
          ...rec(config.headGroupSpec),
          template: withStamp(rec(config.headGroupSpec).template),
        },
        workerGroupSpecs: arr(config.workerGroupSpecs).map((g) => ({
          ...rec(g),
          template: withStamp(rec(g).template),
        })),
      },
    },
  };
  const r = await client.raw('PATCH', path, patch, 'application/merge-patch+json');
  if (r.status !== 200) return [`RayService ${ns}/${name}: spec change failed: HTTP ${r.status}`];
  return [`RayService ${ns}/${name}: ${first} marked active; serveConfigV2 and pod templates changed`];
}
