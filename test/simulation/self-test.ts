/**
 * The simulated tier's self-test: planted faults that must end with a pod Pending and the
 * scheduler's or Karpenter's reason, each beside a valid twin that must become Ready (so a
 * simulation that schedules nothing fails). The planted NodePools are written in our AWS form
 * and go through the same translation as the environments' (nodepools.ts).
 *
 * 1. missing toleration: a GPU pod on the tainted GPU pool without the taint's toleration;
 * 2. limit too small for one node: a pool whose cpu limit is below its smallest type's vCPUs;
 * 3. DaemonSet too big for the node: a DaemonSet requesting more CPU than a system node has;
 * 4. selector on an instance type the pool excludes: an inf2 type on the GPU pool.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeManifest } from '../../apps/index.js';
import { POOLS, SYSTEM_NODES } from '../../clusters/contract.js';
import { versions } from '../../clusters/versions.js';
import { applyObjects } from '../cluster/apply.js';
import { startControlPlane } from '../cluster/control-plane.js';
import type { SimBinaries } from './binaries.js';
import { karpenterReasons, type Obj, pendingReason, podId, podReady } from './checks.js';
import { kwokInstanceTypes, simInstanceType, typesOfFamilies } from './instance-types.js';
import { kwokNodeClass, kwokNodePool } from './nodepools.js';
import { list, settle, startComponents } from './run.js';
import { systemNodes } from './system-nodes.js';

/** The self-test's own cluster (not one of the repository's environments). */
const FIXTURE = {
  name: 'self-test',
  region: 'us-west-2',
  availabilityZones: ['us-west-2a', 'us-west-2b'],
  systemNodeGroup: { instanceType: 'm5.xlarge', size: 2 },
} as const;

const NS = 'default';
const GPU = POOLS.nvidia;

function nodeClass(name: string): KubeManifest {
  return {
    apiVersion: 'karpenter.k8s.aws/v1',
    kind: 'EC2NodeClass',
    metadata: { name },
    spec: { amiSelectorTerms: [{ alias: versions.amiAlias }], role: 'test' },
  } as KubeManifest;
}

function nodePool(
  name: string,
  families: string[],
  limits: Record<string, string | number>,
  taint?: object,
): KubeManifest {
  return {
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name },
    spec: {
      limits,
      // The self-test is about provisioning: no consolidation may move its pods meanwhile.
      disruption: { consolidationPolicy: 'WhenEmpty', consolidateAfter: 'Never' },
      template: {
        metadata: { labels: { 'simulation.genai-eks.io/pool': name } },
        spec: {
          nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name },
          requirements: [
            { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: families },
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
          ],
          ...(taint ? { taints: [taint] } : {}),
        },
      },
    },
  } as KubeManifest;
}

function pod(
  name: string,
  spec: Record<string, unknown>,
  requests: Record<string, string | number>,
): KubeManifest {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: {
      containers: [
        { name: 'main', image: 'registry.k8s.io/pause:3.10', resources: { requests, limits: requests } },
      ],
      ...spec,
    },
  } as KubeManifest;
}

function daemonSet(name: string, cpu: string): KubeManifest {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: NS },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          nodeSelector: { [SYSTEM_NODES.label.key]: SYSTEM_NODES.label.value },
          tolerations: [{ operator: 'Exists' }],
          containers: [
            { name: 'main', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu } } },
          ],
        },
      },
    },
  } as KubeManifest;
}

interface Case {
  readonly name: string;
  /** Pods (by name prefix) that must stay Pending, and what their reason must say. */
  readonly faulty: string;
  readonly reason: RegExp;
  /** The twin that must become Ready. */
  readonly valid: string;
}

export async function simulationSelfTest(
  bins: SimBinaries,
  snapshot: string,
  crdNames: readonly string[],
  opts: { keep?: boolean; log: (s: string) => void; timeout?: number },
): Promise<{ passed: number; failed: number }> {
  const log = opts.log;
  const work = mkdtempSync(join(tmpdir(), 'genai-eks-simulation-self-test-'));
  const plane = await startControlPlane(bins, { keep: opts.keep, log, etcdSeed: snapshot });
  let passed = 0;
  let failed = 0;
  const check = (ok: boolean, what: string) => {
    if (ok) passed++;
    else failed++;
    log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  };
  try {
    const client = plane.client;
    await client.waitEstablished(crdNames);
    const families = ['g5', 'm6i'];
    const types = typesOfFamilies(families);
    const system = simInstanceType(FIXTURE.systemNodeGroup.instanceType);
    const file = join(work, 'instance-types.json');
    writeFileSync(file, JSON.stringify(kwokInstanceTypes(types, FIXTURE.availabilityZones, () => 100)));
    await startComponents(plane, bins, file);
    const gpuTaint = { ...GPU.taint };
    const tol = [{ key: GPU.taint.key, operator: 'Equal', value: GPU.taint.value, effect: GPU.taint.effect }];
    const gpuSel = { 'simulation.genai-eks.io/pool': 'gpu' };
    const aws = [
      nodeClass('gpu'),
      nodeClass('tiny'),
      nodeClass('roomy'),
      nodePool('gpu', ['g5'], { cpu: 64 }, gpuTaint),
      nodePool('tiny', ['m6i'], { cpu: 1 }),
      nodePool('roomy', ['m6i'], { cpu: 64 }),
    ];
    const objects: KubeManifest[] = [
      ...systemNodes(FIXTURE, system),
      ...aws.map((o) => (o.kind === 'NodePool' ? kwokNodePool(o, types) : kwokNodeClass(o))),
      // 1. missing toleration / its twin
      pod('untolerated-gpu', { nodeSelector: gpuSel }, { 'nvidia.com/gpu': 1, cpu: '1' }),
      pod('tolerated-gpu', { nodeSelector: gpuSel, tolerations: tol }, { 'nvidia.com/gpu': 1, cpu: '1' }),
      // 2. limit below one node / a pool with room
      pod('over-limit', { nodeSelector: { 'simulation.genai-eks.io/pool': 'tiny' } }, { cpu: '500m' }),
      pod('within-limit', { nodeSelector: { 'simulation.genai-eks.io/pool': 'roomy' } }, { cpu: '500m' }),
      // 3. a DaemonSet bigger than a system node / a small one
      daemonSet('too-big', `${system.vcpus + 1}`),
      daemonSet('small', '50m'),
      // 4. an instance type the pool excludes / one it offers
      pod(
        'excluded-type',
        { nodeSelector: { ...gpuSel, 'node.kubernetes.io/instance-type': 'inf2.xlarge' }, tolerations: tol },
        { cpu: '1' },
      ),
      pod(
        'offered-type',
        { nodeSelector: { ...gpuSel, 'node.kubernetes.io/instance-type': 'g5.2xlarge' }, tolerations: tol },
        { cpu: '1' },
      ),
    ];
    const outcomes = await applyObjects(
      client,
      objects.map((manifest) => ({ file: 'self-test', manifest })),
    );
    for (const o of outcomes.filter((x) => x.outcome !== 'applied'))
      check(false, `apply ${o.id}: ${o.message}`);
    const w = await settle(
      client,
      opts.timeout ?? 180,
      () => 0,
      () => {},
    );
    const events = await list(client, '/api/v1/events');
    const karpenter = karpenterReasons(readFileSync(join(plane.dir, 'karpenter.log'), 'utf8'));
    const pods = w.pods.filter((p) => p.metadata.namespace === NS);
    // Each reason must be the planted fault's own: Karpenter's words for the pool it concerns,
    // the scheduler's for the DaemonSet.
    const cases: Case[] = [
      {
        name: 'missing toleration',
        faulty: 'untolerated-gpu',
        reason: /did not tolerate taint \(taint=nvidia\.com\/gpu=true:NoSchedule\)/,
        valid: 'tolerated-gpu',
      },
      {
        name: 'limit too small for one node',
        faulty: 'over-limit',
        reason: /exceed limits for nodepool \(NodePool=tiny\)/,
        valid: 'within-limit',
      },
      {
        name: 'DaemonSet too big for the node',
        faulty: 'too-big-',
        reason: /Insufficient cpu/,
        valid: 'small-',
      },
      {
        name: 'selector on an instance type the pool excludes',
        faulty: 'excluded-type',
        reason:
          /no instance type met all requirements.*node\.kubernetes\.io\/instance-type In \[inf2\.xlarge\]/,
        valid: 'offered-type',
      },
    ];
    const find = (prefix: string) => pods.filter((p) => p.metadata.name.startsWith(prefix));
    for (const c of cases) {
      const bad = find(c.faulty);
      const good = find(c.valid);
      if (bad.length === 0) check(false, `${c.name}: no pod ${c.faulty}* was created`);
      for (const p of bad) {
        const reason = pendingReason(p, events, karpenter);
        const pending = !podReady(p) && !(p.spec as { nodeName?: string }).nodeName;
        check(pending && c.reason.test(reason), `${c.name}: ${podId(p)} Pending, reason matches ${c.reason}`);
        log(`      ${reason}`);
      }
      if (good.length === 0) check(false, `${c.name}: no twin pod ${c.valid}* was created`);
      for (const p of good) {
        check(podReady(p), `${c.name}: twin ${podId(p)} Ready`);
        if (!podReady(p))
          log(
            `      ${pendingReason(p, events, karpenter)}; status ${JSON.stringify(p.status).slice(0, 400)}`,
          );
      }
    }
    const nodes = (await list(client, '/api/v1/nodes')) as Obj[];
    log(
      `  nodes: ${nodes.map((n) => `${n.metadata.name} (${n.metadata.labels?.['node.kubernetes.io/instance-type']})`).join(', ')}`,
    );
  } catch (e) {
    check(false, `self-test failed: ${e instanceof Error ? e.message : String(e)}`);
    for (const name of ['karpenter', 'kwok', 'kube-scheduler'])
      log(`  ${name} log:\n${plane.logTail(name, 8)}`);
  } finally {
    await plane.stop();
    rmSync(work, { recursive: true, force: true });
  }
  return { passed, failed };
}
