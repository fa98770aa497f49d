/**
 * The pure parts of the simulated cluster tier (npm run test:simulation): the EKS reservation
 * formula, the generated instance types, the NodePool translation, the modelled chart and
 * add-on workloads, the pods built for the spawner and the workflow controller, the checks, the
 * Flux dependency order and the tools modules' pins. No Go, no ../shared, no cluster.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { KubeManifest } from '../apps/index.js';
import { INSTANCE_TYPES } from '../clusters/catalog/instances.js';
import { POOLS, SYSTEM_NODES } from '../clusters/contract.js';
import { versions } from '../clusters/versions.js';
import { PRICES } from '../review/prices.js';
import { SIM_TOOLS, SIM_TOOLS_DIR, simGoModProblems } from './simulation/binaries.js';
import {
  jobOutcomes,
  karpenterReasons,
  nodesCost,
  type Obj,
  pendingReason,
  placementProblems,
  poolUsage,
} from './simulation/checks.js';
import {
  cpuReservedMillicores,
  ENI_FACTS,
  eksNode,
  maxPods,
  memoryCapacityMebibytes,
  memoryReservedMebibytes,
} from './simulation/eks.js';
import { dependencyOrder, type Kustomization, rootKustomization } from './simulation/flux.js';
import {
  ephemeralAllocatableMebibytes,
  KWOK_OVERHEAD,
  kwokInstanceTypes,
  simInstanceType,
  typesOfFamilies,
} from './simulation/instance-types.js';
import {
  addonWorkloads,
  CHARTS_WITHOUT_PODS,
  MODELLED_CHARTS,
  mergeValues,
  releaseChart,
  releaseWorkloads,
  workloadManifest,
} from './simulation/modelled.js';
import {
  INSTANCE_TYPE_LABEL,
  KWOK_FAMILY_LABEL,
  kwokNodeClass,
  kwokNodePool,
  NO_TYPE,
} from './simulation/nodepools.js';
import { byteSpecification, heldJobPods, spawnerPods, workflowPods } from './simulation/pods.js';
import { systemNodes } from './simulation/system-nodes.js';
import { repository } from './support/repository.js';

const ACCELERATORS = [POOLS.nvidia.resource, POOLS.neuron.resource];
const manifests = async (env: string) =>
  [...((await repository()).objects.get(env)?.kubernetes.values() ?? [])].map(
    (o) => o.manifest as unknown as KubeManifest,
  );

describe('EKS node reservations (test/simulation/eks.ts)', () => {
  test('kube-reserved matches nodeadm’s own expected kubelet config', () => {
    // awslabs/amazon-eks-ami@v20260724:nodeadm/test/e2e/cases/custom-max-pods-expression/
    // expected-kubelet-config.json: a 2-vCPU mock instance with maxPods 44 gets kubeReserved
    // cpu 70m and memory 739Mi.
    expect(cpuReservedMillicores(2)).toBe(70);
    expect(memoryReservedMebibytes(44)).toBe(739);
  });

  test('max pods match the AMI’s published eni-max-pods.txt', () => {
    // awslabs/amazon-eks-ami@v20240424:nodeadm/internal/kubelet/eni-max-pods.txt
    const published: Record<string, number> = {
      'm5.xlarge': 58,
      'g5.xlarge': 58,
      'g5.2xlarge': 58,
      'g5.48xlarge': 345,
      'inf2.8xlarge': 234,
      'c6i.metal': 737,
      'trn1.32xlarge': 247,
    };
    for (const [t, n] of Object.entries(published)) expect(maxPods(t), t).toBe(n);
  });

  test('every priced instance type has ENI facts', () => {
    expect([...PRICES.keys()].filter((t) => !ENI_FACTS[t])).toEqual([]);
  });

  test('allocatable is capacity less kube-reserved and the memory eviction threshold', () => {
    const { capacity, allocatable } = eksNode('g5.xlarge', { vcpus: 4, memoryGiB: 16 });
    expect(capacity.cpuMillicores - allocatable.cpuMillicores).toBe(cpuReservedMillicores(4));
    expect(capacity.memoryMebibytes - allocatable.memoryMebibytes).toBe(memoryReservedMebibytes(58) + 100);
    // Karpenter's default VM overhead: 16 GiB -> 16384 - ceil(1228.8) MiB.
    expect(memoryCapacityMebibytes(16)).toBe(16384 - 1229);
    expect(() => eksNode('x9.huge', { vcpus: 1, memoryGiB: 1 })).toThrow(/no ENI facts/);
  });
});

describe('generated instance types (test/simulation/instance-types.ts)', () => {
  test('accelerated types carry the catalogue’s vCPUs, memory and devices; CPU types the price table’s', () => {
    for (const [name, it] of INSTANCE_TYPES) {
      const t = simInstanceType(name);
      expect([t.vcpus, t.memoryGiB, t.devices?.count], name).toEqual([it.vcpus, it.memoryGiB, it.devices]);
      expect(t.devices?.resource, name).toBe(POOLS[it.device.kind].resource);
    }
    const m6i = simInstanceType('m6i.2xlarge');
    expect([m6i.vcpus, m6i.memoryGiB, m6i.devices]).toEqual([
      PRICES.get('m6i.2xlarge')!.vcpu,
      PRICES.get('m6i.2xlarge')!.memoryGiB,
      undefined,
    ]);
  });

  test('the kwok file states EKS allocatable plus the provider’s fixed overhead, per zone and capacity type', async () => {
    for (const env of (await repository()).envs) {
      const families = Object.values(env.pools).flatMap((p) => p.instanceFamilies);
      const types = typesOfFamilies(families);
      expect(types.length, env.name).toBeGreaterThan(0);
      const file = kwokInstanceTypes(types, env.availabilityZones, () => 300);
      for (const [i, k] of file.entries()) {
        const t = types[i]!;
        expect(k.resources.cpu).toBe(`${t.allocatable.cpuMillicores + KWOK_OVERHEAD.cpuMillicores}m`);
        expect(k.resources.memory).toBe(`${t.allocatable.memoryMebibytes + KWOK_OVERHEAD.memoryMebibytes}Mi`);
        expect(k.offerings).toHaveLength(env.availabilityZones.length * 2);
        for (const o of k.offerings) expect(o.Price).toBe(t.usdPerHour);
        if (t.devices) expect(k.resources[t.devices.resource]).toBe(String(t.devices.count));
        // sigs.k8s.io/karpenter@v1.14.1:kwok/cloudprovider/helpers.go parseFamilyFromType splits the
        // name on the first `.` or `-`: the family label it derives must be our family.
        expect(t.name.split(/[.-]/)[0], t.name).toBe(t.family);
      }
    }
    expect(ephemeralAllocatableMebibytes(100)).toBe(102400 - 1024 - 10240);
    expect(() => kwokInstanceTypes([], [], () => 1)).toThrow(/no zones/);
  });
});

describe('NodePool translation (test/simulation/nodepools.ts)', () => {
  test('every rendered NodePool keeps its limits, taints and labels; only the AWS parts change', async () => {
    const repo = await repository();
    for (const env of repo.envs) {
      const objects = await manifests(env.name);
      const types = typesOfFamilies(Object.values(env.pools).flatMap((p) => p.instanceFamilies));
      const pools = objects.filter((o) => o.kind === 'NodePool');
      expect(pools.length, env.name).toBeGreaterThan(0);
      for (const np of pools) {
        type Pool = {
          spec: {
            limits: unknown;
            disruption: unknown;
            template: {
              metadata: unknown;
              spec: {
                taints: unknown;
                nodeClassRef: { name: string };
                requirements: { key: string; values?: string[] }[];
              };
            };
          };
        };
        const k = kwokNodePool(np, types) as unknown as Pool;
        const orig = np as unknown as Pool;
        expect(k.spec.limits).toEqual(orig.spec.limits);
        expect(k.spec.disruption).toEqual(orig.spec.disruption);
        expect(k.spec.template.metadata).toEqual(orig.spec.template.metadata);
        expect(k.spec.template.spec.taints).toEqual(orig.spec.template.spec.taints);
        expect(k.spec.template.spec.nodeClassRef).toEqual({
          group: 'karpenter.kwok.sh',
          kind: 'KWOKNodeClass',
          name: orig.spec.template.spec.nodeClassRef.name,
        });
        const keys = k.spec.template.spec.requirements.map((r: { key: string }) => r.key);
        expect(keys.filter((x: string) => x.startsWith('karpenter.k8s.aws/'))).toEqual([]);
        const fam = k.spec.template.spec.requirements.find(
          (r: { key: string }) => r.key === KWOK_FAMILY_LABEL,
        );
        expect(fam?.values).toEqual(env.pools[np.metadata.name as 'cpu'].instanceFamilies);
        expect(np).toEqual(orig); // not changed in place
      }
      for (const nc of objects.filter((o) => o.kind === 'EC2NodeClass')) {
        expect(kwokNodeClass(nc)).toEqual({
          apiVersion: 'karpenter.kwok.sh/v1alpha1',
          kind: 'KWOKNodeClass',
          metadata: { name: nc.metadata.name },
        });
      }
    }
  });

  const pool = (requirements: object[]) =>
    ({
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: 'p' },
      spec: {
        template: {
          spec: {
            nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'p' },
            requirements,
          },
        },
      },
    }) as unknown as KubeManifest;
  const reqs = (m: KubeManifest) =>
    (m as unknown as { spec: { template: { spec: { requirements: unknown[] } } } }).spec.template.spec
      .requirements;

  test('other AWS labels become the list of generated types that satisfy them', () => {
    const types = typesOfFamilies(['g5', 'g6']);
    expect(
      reqs(
        kwokNodePool(
          pool([{ key: 'karpenter.k8s.aws/instance-size', operator: 'In', values: ['48xlarge'] }]),
          types,
        ),
      ),
    ).toEqual([{ key: INSTANCE_TYPE_LABEL, operator: 'In', values: ['g5.48xlarge', 'g6.48xlarge'] }]);
    expect(
      reqs(
        kwokNodePool(
          pool([{ key: 'karpenter.k8s.aws/instance-gpu-count', operator: 'Gt', values: ['4'] }]),
          types,
        ),
      ),
    ).toEqual([{ key: INSTANCE_TYPE_LABEL, operator: 'In', values: ['g5.48xlarge', 'g6.48xlarge'] }]);
    expect(
      reqs(
        kwokNodePool(pool([{ key: 'karpenter.k8s.aws/instance-cpu', operator: 'Lt', values: ['5'] }]), types),
      ),
    ).toEqual([{ key: INSTANCE_TYPE_LABEL, operator: 'In', values: ['g5.xlarge', 'g6.xlarge'] }]);
    expect(
      reqs(
        kwokNodePool(
          pool([{ key: 'karpenter.k8s.aws/instance-accelerator-count', operator: 'Exists' }]),
          types,
        ),
      ),
    ).toEqual([{ key: INSTANCE_TYPE_LABEL, operator: 'In', values: [NO_TYPE] }]);
    const kept = { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] };
    expect(reqs(kwokNodePool(pool([kept]), types))).toEqual([kept]);
  });

  test('what it cannot translate is an error naming the NodePool', () => {
    const types = typesOfFamilies(['g5']);
    expect(() =>
      kwokNodePool(
        pool([{ key: 'karpenter.k8s.aws/instance-hypervisor', operator: 'In', values: ['nitro'] }]),
        types,
      ),
    ).toThrow(/NodePool p: karpenter.k8s.aws\/instance-hypervisor: no translation/);
    expect(() =>
      kwokNodePool(
        pool([{ key: 'karpenter.k8s.aws/instance-size', operator: 'Exists', minValues: 2 }]),
        types,
      ),
    ).toThrow(/minValues/);
  });
});

describe('modelled chart and add-on workloads (test/simulation/modelled.ts)', () => {
  test('Helm’s merge: maps merge, lists and scalars replace, null removes', () => {
    expect(mergeValues({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: null, e: 2 })).toEqual({
      a: { b: 1, c: [3] },
      e: 2,
    });
  });

  test('every HelmRelease of every environment has a model; requests and placement come from its values', async () => {
    const repo = await repository();
    for (const env of repo.envs) {
      const objects = await manifests(env.name);
      const releases = objects.filter((o) => o.kind === 'HelmRelease');
      expect(releases.length).toBeGreaterThan(0);
      for (const hr of releases) {
        const { chart, version, namespace } = releaseChart(hr, objects);
        expect(MODELLED_CHARTS, `${env.name} ${chart}`).toContain(chart);
        const values = (hr.spec as { values?: Record<string, unknown> }).values ?? {};
        const ws = releaseWorkloads({ name: hr.metadata.name, namespace, chart, version, values }, undefined);
        if (!CHARTS_WITHOUT_PODS.includes(chart)) expect(ws.length, chart).toBeGreaterThan(0);
        for (const w of ws) {
          expect(w.namespace).toBe(namespace);
          expect(w.source).toContain(`${chart} ${version}`);
          const m = workloadManifest(w) as unknown as {
            spec: { template: { spec: { containers: { resources: unknown }[] } } };
          };
          expect(m.spec.template.spec.containers.length).toBeGreaterThan(0);
        }
      }
    }
    expect(() =>
      releaseWorkloads(
        { name: 'x', namespace: 'x', chart: 'unknown-chart', version: '1', values: {} },
        undefined,
      ),
    ).toThrow(/no model of its pods/);
  });

  test('the device plugin and GPU feature discovery both take the release’s `resources` (the chart’s templates do)', () => {
    const ws = releaseWorkloads(
      {
        name: 'ndp',
        namespace: 'n',
        chart: 'nvidia-device-plugin',
        version: '0.20.0',
        values: { gfd: { enabled: true }, resources: { requests: { cpu: '50m' } }, nodeSelector: { a: 'b' } },
      },
      undefined,
    );
    expect(
      ws.map((w) => [w.kind, w.name, w.pod.containers[0]!.resources?.requests, w.pod.nodeSelector]),
    ).toEqual([
      ['DaemonSet', 'ndp', { cpu: '50m' }, { a: 'b' }],
      ['DaemonSet', 'ndp-gpu-feature-discovery', { cpu: '50m' }, { a: 'b' }],
    ]);
  });

  test('a chart default is overridden by the release (karpenter: replicas from defaults, resources from the release)', () => {
    const [w] = releaseWorkloads(
      {
        name: 'karpenter',
        namespace: 'karpenter',
        chart: 'karpenter',
        version: '1',
        values: { controller: { resources: { requests: { cpu: '1' } } } },
      },
      { values: { replicas: 2, controller: { resources: {} } }, source: 'fixture' },
    );
    expect([w!.replicas, w!.pod.containers[0]!.resources?.requests]).toEqual([2, { cpu: '1' }]);
  });

  test('keda: every part on the release’s placement (a part’s own replaces it, as the templates’ `default` does), linux only, its own requests', () => {
    const values = {
      nodeSelector: { role: 'system' },
      tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }],
      webhooks: { nodeSelector: { role: 'webhooks' } },
    };
    const ws = releaseWorkloads(
      { name: 'keda', namespace: 'keda', chart: 'keda', version: '2.20.2', values },
      undefined,
    );
    expect(
      ws.map((w) => [
        w.name,
        w.pod.nodeSelector,
        w.pod.tolerations,
        w.pod.containers[0]!.resources?.requests,
      ]),
    ).toEqual([
      [
        'keda-operator',
        { 'kubernetes.io/os': 'linux', role: 'system' },
        values.tolerations,
        { cpu: '100m', memory: '100Mi' },
      ],
      [
        'keda-operator-metrics-apiserver',
        { 'kubernetes.io/os': 'linux', role: 'system' },
        values.tolerations,
        { cpu: '100m', memory: '100Mi' },
      ],
      [
        'keda-admission-webhooks',
        { 'kubernetes.io/os': 'linux', role: 'webhooks' },
        values.tolerations,
        { cpu: '100m', memory: '100Mi' },
      ],
    ]);
    expect(ws[0]!.source).toContain('kedacore/charts@v2.20.2');
  });

  test('kube-prometheus-stack: operator, its hook Jobs, Prometheus and Alertmanager StatefulSets (claim from storageSpec), Grafana, kube-state-metrics', () => {
    const cpu = { 'karpenter.sh/nodepool': 'cpu' };
    const req = (cpu: string) => ({ requests: { cpu } });
    const values = {
      fullnameOverride: 'mon',
      nodeExporter: { enabled: false },
      prometheusOperator: {
        nodeSelector: cpu,
        resources: req('1m'),
        admissionWebhooks: { patch: { resources: req('2m') } },
      },
      prometheus: {
        prometheusSpec: {
          nodeSelector: cpu,
          resources: req('3m'),
          storageSpec: {
            volumeClaimTemplate: {
              spec: { storageClassName: 'gp3', resources: { requests: { storage: '1Gi' } } },
            },
          },
        },
      },
      alertmanager: { alertmanagerSpec: { resources: req('4m') } },
      grafana: { resources: req('5m') },
      'kube-state-metrics': { resources: req('6m') },
    };
    const ws = releaseWorkloads(
      { name: 'kps', namespace: 'monitoring', chart: 'kube-prometheus-stack', version: '88.3.0', values },
      undefined,
    );
    expect(
      ws.map((w) => [
        w.kind,
        w.name,
        w.replicas,
        w.pod.containers.map((c) => [c.name, c.resources?.requests]),
      ]),
    ).toEqual([
      ['Deployment', 'mon-operator', 1, [['kube-prometheus-stack', { cpu: '1m' }]]],
      ['Job', 'mon-admission-create', undefined, [['create', { cpu: '2m' }]]],
      ['Job', 'mon-admission-patch', undefined, [['patch', { cpu: '2m' }]]],
      [
        'StatefulSet',
        'prometheus-mon-prometheus',
        1,
        [
          ['prometheus', { cpu: '3m' }],
          ['config-reloader', {}],
        ],
      ],
      [
        'StatefulSet',
        'alertmanager-mon-alertmanager',
        1,
        [
          ['alertmanager', { cpu: '4m' }],
          ['config-reloader', {}],
        ],
      ],
      [
        'Deployment',
        'kps-grafana',
        1,
        [
          ['grafana', { cpu: '5m' }],
          ['grafana-sc-dashboard', {}],
          ['grafana-sc-datasources', {}],
        ],
      ],
      ['Deployment', 'kps-kube-state-metrics', 1, [['kube-state-metrics', { cpu: '6m' }]]],
    ]);
    const prom = workloadManifest(ws[3]!) as unknown as { spec: Record<string, unknown> };
    expect(prom.spec.serviceName).toBe('prometheus-operated');
    expect(prom.spec.volumeClaimTemplates).toEqual([
      {
        metadata: { name: 'prometheus-mon-prometheus-db' },
        spec: { storageClassName: 'gp3', resources: { requests: { storage: '1Gi' } } },
      },
    ]);
    expect(ws[4]!.claims).toEqual([]);
    const job = workloadManifest(ws[1]!) as unknown as {
      apiVersion: string;
      spec: { selector?: unknown; template: { spec: { restartPolicy: string; nodeSelector: unknown } } };
    };
    expect([job.apiVersion, job.spec.selector, job.spec.template.spec.restartPolicy]).toEqual([
      'batch/v1',
      undefined,
      'Never',
    ]);
    // The chart's default turns node-exporter on; a DaemonSet on every node cannot pass unmodelled.
    expect(() =>
      releaseWorkloads(
        { name: 'kps', namespace: 'm', chart: 'kube-prometheus-stack', version: '88.3.0', values: {} },
        undefined,
      ),
    ).toThrow(/nodeExporter/);
  });

  test('add-ons take our configuration; DaemonSets of the CSI drivers and CNI tolerate every taint', () => {
    const ws = addonWorkloads({ coredns: { tolerations: [{ key: 'x', operator: 'Exists' }] } });
    expect(ws.find((w) => w.name === 'coredns')!.pod.tolerations).toEqual([{ key: 'x', operator: 'Exists' }]);
    for (const name of ['aws-node', 'kube-proxy', 'ebs-csi-node', 'fsx-csi-node', 's3-csi-node']) {
      const w = ws.find((x) => x.name === name)!;
      expect([w.kind, w.pod.tolerations, w.pod.priorityClassName]).toEqual([
        'DaemonSet',
        [{ operator: 'Exists' }],
        'system-node-critical',
      ]);
    }
  });
});

describe('pods built for the spawner and the workflow controller (test/simulation/pods.ts)', () => {
  test('held Job pods: `parallelism` copies of the template, without an owner or the Job controller’s labels', () => {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'compile', namespace: 'ns' },
      spec: {
        parallelism: 2,
        template: {
          metadata: {
            labels: { app: 'x', 'batch.kubernetes.io/job-name': 'compile', 'job-name': 'compile' },
          },
          spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] },
        },
      },
    } as unknown as KubeManifest;
    const pods = heldJobPods([job]);
    expect(pods.map((p) => [p.kind, p.metadata.name, p.metadata.labels, p.metadata.ownerReferences])).toEqual(
      [
        ['Pod', 'compile-held-0', { app: 'x', 'simulation.genai-eks.io/held-job': 'compile' }, undefined],
        ['Pod', 'compile-held-1', { app: 'x', 'simulation.genai-eks.io/held-job': 'compile' }, undefined],
      ],
    );
    expect(pods[0]!.spec).toEqual(job.spec && (job.spec as { template: { spec: unknown } }).template.spec);
  });

  test('KubeSpawner byte specifications are powers of 1024', () => {
    // jupyterhub/kubespawner kubespawner/traitlets.py ByteSpecification: K, M, G, T = 1024^n.
    expect(byteSpecification('4G')).toBe(4 * 1024 ** 3);
    expect(byteSpecification('512M')).toBe(512 * 1024 ** 2);
    expect(byteSpecification(1000)).toBe(1000);
    expect(() => byteSpecification('4Gi')).toThrow(/byte specification/);
  });

  test('one notebook pod per JupyterHub profile, as the profile overrides it', async () => {
    const repo = await repository();
    for (const env of repo.envs) {
      const hr = (await manifests(env.name)).find(
        (o) => o.kind === 'HelmRelease' && o.metadata.name === 'jupyterhub',
      );
      if (!hr) continue;
      const spec = hr.spec as {
        targetNamespace: string;
        values: {
          singleuser: { profileList: { slug: string; kubespawner_override: Record<string, unknown> }[] };
        };
      };
      const pods = spawnerPods(spec.values, spec.targetNamespace);
      expect(pods.map((p) => p.profile)).toEqual(spec.values.singleuser.profileList.map((p) => p.slug));
      for (const [i, p] of pods.entries()) {
        const o = spec.values.singleuser.profileList[i]!.kubespawner_override;
        const c = (p.pod.spec as { containers: { resources: { requests: Record<string, string> } }[] })
          .containers[0]!;
        expect(c.resources.requests.cpu).toBe(String(o.cpu_guarantee));
        expect(c.resources.requests.memory).toBe(String(byteSpecification(o.mem_guarantee)));
        for (const [k, v] of Object.entries((o.extra_resource_guarantees ?? {}) as Record<string, string>)) {
          expect(c.resources.requests[k]).toBe(String(v));
        }
        if (o.node_selector)
          expect((p.pod.spec as { nodeSelector: unknown }).nodeSelector).toEqual(o.node_selector);
        if (o.tolerations)
          expect((p.pod.spec as { tolerations: unknown }).tolerations).toEqual(o.tolerations);
        expect(p.claim?.kind).toBe('PersistentVolumeClaim');
      }
    }
  });

  test('workflow pods: `parallelism` pods of the GPU steps, each with init and wait executor containers', async () => {
    const repo = await repository();
    for (const env of repo.envs) {
      for (const wt of (await manifests(env.name)).filter((o) => o.kind === 'WorkflowTemplate')) {
        const executor = { requests: { cpu: '100m', memory: '128Mi' } };
        const pods = workflowPods(wt, executor, ACCELERATORS);
        const parallelism = (wt.spec as { parallelism?: number }).parallelism;
        if (pods.length === 0) continue;
        expect(pods).toHaveLength(parallelism ?? pods.length);
        for (const p of pods) {
          const s = p.spec as {
            initContainers: { name: string; resources: unknown }[];
            containers: { name: string; resources: { requests: Record<string, unknown> } }[];
          };
          expect(s.initContainers.map((c) => [c.name, c.resources])).toEqual([['init', executor]]);
          expect(s.containers.map((c) => c.name)).toEqual(['wait', 'main']);
          expect(s.containers[0]!.resources).toEqual(executor);
          expect(ACCELERATORS.some((a) => s.containers[1]!.resources.requests[a] !== undefined)).toBe(true);
        }
      }
    }
  });
});

describe('checks (test/simulation/checks.ts)', () => {
  const node = (name: string, pool: string | undefined, type: string): Obj => ({
    metadata: {
      name,
      labels: { ...(pool ? { 'karpenter.sh/nodepool': pool } : {}), [INSTANCE_TYPE_LABEL]: type },
    },
  });
  const placement = JSON.stringify({ pool: 'nvidia', instanceType: 'g5.xlarge', devices: 1 });
  const owners = new Map<string, Obj>([
    [
      'ReplicaSet/ns/rs',
      {
        kind: 'ReplicaSet',
        metadata: { name: 'rs', namespace: 'ns', ownerReferences: [{ kind: 'Deployment', name: 'd' }] },
      },
    ],
    [
      'Deployment/ns/d',
      {
        kind: 'Deployment',
        metadata: { name: 'd', namespace: 'ns', annotations: { 'genai-eks.io/placement': placement } },
      },
    ],
  ]);
  const gpuPod = (name: string, nodeName: string): Obj => ({
    metadata: { name, namespace: 'ns', ownerReferences: [{ kind: 'ReplicaSet', name: 'rs' }] },
    spec: { nodeName, containers: [{ resources: { requests: { 'nvidia.com/gpu': '1' } } }] },
  });

  test('a pod on another instance type than its owner’s placement is reported', () => {
    const nodes = new Map([
      ['a', node('a', 'nvidia', 'g5.xlarge')],
      ['b', node('b', 'nvidia', 'g6.xlarge')],
    ]);
    const r = placementProblems([gpuPod('ok', 'a'), gpuPod('off', 'b')], nodes, owners, ACCELERATORS);
    expect(r.checked).toBe(2);
    expect(r.problems).toEqual([
      'ns/off runs on b (pool nvidia, g6.xlarge); Deployment ns/d places it on pool nvidia, g5.xlarge',
    ]);
  });

  test('NodePool limits are checked against the real capacity of the launched types', () => {
    const np: Obj = {
      metadata: { name: 'nvidia' },
      spec: { limits: { cpu: '8', memory: '64Gi', 'nvidia.com/gpu': '1' } },
    };
    const types = new Map(['g5.xlarge', 'g5.2xlarge'].map((t) => [t, simInstanceType(t)]));
    const [u] = poolUsage([np], [node('a', 'nvidia', 'g5.xlarge'), node('b', 'nvidia', 'g5.2xlarge')], types);
    expect([u!.cpu, u!.memoryGiB, u!.devices.get('nvidia.com/gpu')]).toEqual([12, 48, 2]);
    expect(u!.problems).toEqual(['12 vCPUs exceed the limit of 8', '2 nvidia.com/gpu exceed the limit of 1']);
  });

  test('Jobs: complete ones with where their pods ran, incomplete ones with their pods', () => {
    const job = (name: string, complete: boolean): Obj => ({
      metadata: { name, namespace: 'ns', uid: `u-${name}` },
      status: { conditions: complete ? [{ type: 'Complete', status: 'True' }] : [] },
    });
    const pod = (name: string, owner: string, nodeName?: string): Obj => ({
      metadata: { name, namespace: 'ns', ownerReferences: [{ kind: 'Job', name: owner, uid: `u-${owner}` }] },
      spec: nodeName ? { nodeName } : {},
      status: { phase: nodeName ? 'Succeeded' : 'Pending' },
    });
    const r = jobOutcomes(
      [job('a', true), job('b', false)],
      [pod('a-1', 'a', 'n1'), pod('b-1', 'b')],
      new Map([['n1', node('n1', 'cpu', 'm7i.large')]]),
    );
    expect(r).toEqual({
      complete: ['Job ns/a: ran on n1 (pool cpu, m7i.large)'],
      incomplete: ['Job ns/b: not complete; its pods: pod b-1 Pending not scheduled'],
    });
  });

  test('cost sums the nodes’ prices and names unpriced ones', () => {
    const r = nodesCost(
      [node('a', 'nvidia', 'g5.xlarge'), node('s', undefined, 'x9.huge')],
      (t) => PRICES.get(t)?.usdPerHour,
    );
    expect(r).toEqual({ usdPerHour: PRICES.get('g5.xlarge')!.usdPerHour, unpriced: ['s (x9.huge)'] });
  });

  test('a Pending pod’s reason holds the scheduler’s condition and the warnings about it', () => {
    const pod: Obj = {
      metadata: { name: 'p', namespace: 'ns' },
      status: {
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/2 nodes are available',
          },
        ],
      },
    };
    const ev = (reason: string, message: string, component: string) =>
      ({
        type: 'Warning',
        reason,
        message,
        source: { component },
        involvedObject: { kind: 'Pod', name: 'p', namespace: 'ns' },
        metadata: { name: 'e' },
      }) as unknown as Obj;
    expect(
      pendingReason(pod, [
        ev('FailedScheduling', 'incompatible with nodepool "x"', 'karpenter'),
        ev('FailedScheduling', 'incompatible with nodepool "x"', 'karpenter'),
      ]),
    ).toBe(
      'scheduler: Unschedulable: 0/2 nodes are available\n      karpenter: FailedScheduling: incompatible with nodepool "x"',
    );
  });
});

test('Karpenter’s latest reason per pod comes from its JSON log', () => {
  const line = (name: string, error: string) =>
    JSON.stringify({
      level: 'ERROR',
      message: 'could not schedule pod',
      Pod: { name, namespace: 'ns' },
      error,
    });
  const log = [
    line('p', 'first'),
    'not json',
    line('p', 'second'),
    line('q', 'other'),
    '{"message":"x"}',
  ].join('\n');
  expect([...karpenterReasons(log)]).toEqual([
    ['ns/p', 'second'],
    ['ns/q', 'other'],
  ]);
  const pod: Obj = { metadata: { name: 'p', namespace: 'ns' }, status: { phase: 'Pending' } };
  expect(pendingReason(pod, [], karpenterReasons(log))).toBe(
    'karpenter (its latest word, from its log): second',
  );
});

describe('system nodes, Flux order, tools modules', () => {
  test('the system node group: its size, label, taint and EKS allocatable, spread over the zones', async () => {
    const env = (await repository()).envs[0]!;
    const type = simInstanceType(env.systemNodeGroup.instanceType);
    const nodes = systemNodes(env, type) as unknown as {
      metadata: { labels: Record<string, string> };
      spec: { taints: unknown[] };
      status: { allocatable: Record<string, string> };
    }[];
    expect(nodes).toHaveLength(env.systemNodeGroup.size);
    for (const [i, n] of nodes.entries()) {
      expect(n.metadata.labels[SYSTEM_NODES.label.key]).toBe(SYSTEM_NODES.label.value);
      expect(n.metadata.labels['topology.kubernetes.io/zone']).toBe(
        env.availabilityZones[i % env.availabilityZones.length],
      );
      expect(n.spec.taints).toEqual([SYSTEM_NODES.taint]);
      expect(n.status.allocatable.cpu).toBe(`${type.allocatable.cpuMillicores}m`);
    }
  });

  test('Kustomizations in dependency order; a cycle or a missing dependency is named', () => {
    const k = (name: string, deps: string[] = []): Kustomization =>
      ({
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name },
        spec: { dependsOn: deps.map((d) => ({ name: d })) },
      }) as Kustomization;
    expect(
      dependencyOrder([k('apps', ['configs']), k('configs', ['controllers']), k('controllers')]).map(
        (x) => x.metadata.name,
      ),
    ).toEqual(['controllers', 'configs', 'apps']);
    expect(() => dependencyOrder([k('a', ['b']), k('b', ['a'])])).toThrow(/cycle: a -> b -> a/);
    expect(() => dependencyOrder([k('a', ['zzz'])])).toThrow(/depends on zzz/);
    expect(rootKustomization('e').spec.path).toBe('./dist/k8s/e/flux-system');
  });

  test('each tools module requires exactly the versions table’s pin', () => {
    for (const tool of SIM_TOOLS) {
      const goMod = readFileSync(join(SIM_TOOLS_DIR, tool.dir, 'go.mod'), 'utf8');
      expect(simGoModProblems(tool, goMod), tool.dir).toEqual([]);
      expect(simGoModProblems(tool, goMod.replace(tool.version!, 'v0.0.1')), tool.dir).toHaveLength(1);
    }
    expect(versions.karpenterKwok).toBe(`v${versions.karpenter.version}`);
  });
});
