/**
 * The platform capabilities on fixture environments: Karpenter pools (capacity reservations,
 * accelerator limits, consolidation defaults) and the shared Gateway's exposure; and, over every
 * environment of the repository (the shared render), that every version rendered comes from the
 * versions table. Bad pool input is in test/support/bad-inputs.ts.
 */
import { describe, expect, test } from 'vitest';
import type { KubeManifest } from '../apps/index.js';
import { GATEWAY } from '../apps/platform/traffic/index.js';
import { POOL_NAMES, POOLS } from '../clusters/contract.js';
import { versions } from '../clusters/versions.js';
import { fixture, type Props } from './support/fixtures.js';
import { find, renderFixture } from './support/render.js';
import { repository } from './support/repository.js';

type Obj = Record<string, unknown>;

interface NodePool {
  spec: {
    limits: Obj;
    disruption: { consolidationPolicy: string; consolidateAfter: string };
    template: { spec: { requirements: { key: string; values: string[] }[]; taints?: unknown } };
  };
}

const render = (props: Props) => renderFixture(props);
const nodePool = (objects: ReturnType<typeof render>, name: keyof typeof POOLS) =>
  find(objects, 'NodePool', POOLS[name].name) as unknown as NodePool;
const nodeClass = (objects: ReturnType<typeof render>, name: keyof typeof POOLS) =>
  find(objects, 'EC2NodeClass', name) as unknown as { spec: Obj };

describe('Karpenter pools', () => {
  test('capacity reservations add the reserved capacity type and selector terms to that pool only', () => {
    const props = fixture();
    props.pools.nvidia.capacityReservationIds = ['cr-0123456789abcdef0'];
    const objects = render(props);
    const capacity = nodePool(objects, 'nvidia').spec.template.spec.requirements.find(
      (q) => q.key === 'karpenter.sh/capacity-type',
    );
    expect(capacity?.values).toEqual([...props.pools.nvidia.capacityTypes, 'reserved']);
    expect(nodeClass(objects, 'nvidia').spec.capacityReservationSelectorTerms).toEqual([
      { id: 'cr-0123456789abcdef0' },
    ]);
    expect(nodeClass(objects, 'neuron').spec.capacityReservationSelectorTerms).toBeUndefined();
    const neuronCapacity = nodePool(objects, 'neuron').spec.template.spec.requirements.find(
      (q) => q.key === 'karpenter.sh/capacity-type',
    );
    expect(neuronCapacity?.values).toEqual(props.pools.neuron.capacityTypes);
  });

  test('accelerator limits follow the environment; the CPU pool has none and no taint', () => {
    const props = fixture();
    props.pools.neuron.acceleratorLimit = 6;
    props.pools.nvidia.acceleratorLimit = 12;
    const objects = render(props);
    expect(nodePool(objects, 'neuron').spec.limits).toEqual({
      cpu: props.pools.neuron.cpuLimit,
      memory: `${props.pools.neuron.memoryLimitGiB}Gi`,
      [POOLS.neuron.resource]: 6,
    });
    expect(nodePool(objects, 'nvidia').spec.limits[POOLS.nvidia.resource]).toBe(12);
    const cpu = nodePool(objects, 'cpu');
    expect(Object.keys(cpu.spec.limits).sort()).toEqual(['cpu', 'memory']);
    expect(cpu.spec.template.spec.taints).toBeUndefined();
  });

  test('without an accelerator limit the pool is bounded by CPU and memory only', () => {
    const props = fixture();
    delete props.pools.nvidia.acceleratorLimit;
    expect(Object.keys(nodePool(render(props), 'nvidia').spec.limits).sort()).toEqual(['cpu', 'memory']);
  });

  test('consolidation defaults: accelerator pools only when empty, after 30m; the CPU pool also when underutilized, after 5m', () => {
    const props = fixture();
    for (const name of POOL_NAMES) {
      delete props.pools[name].consolidationPolicy;
      delete props.pools[name].consolidateAfter;
    }
    const objects = render(props);
    const disruption = Object.fromEntries(
      POOL_NAMES.map((name) => [name, nodePool(objects, name).spec.disruption]),
    );
    expect(disruption.nvidia).toMatchObject({ consolidationPolicy: 'WhenEmpty', consolidateAfter: '30m' });
    expect(disruption.neuron).toMatchObject({ consolidationPolicy: 'WhenEmpty', consolidateAfter: '30m' });
    expect(disruption.cpu).toMatchObject({
      consolidationPolicy: 'WhenEmptyOrUnderutilized',
      consolidateAfter: '5m',
    });
  });

  test('an explicit consolidation setting wins over the default', () => {
    const props = fixture();
    props.pools.nvidia.consolidationPolicy = 'WhenEmptyOrUnderutilized';
    props.pools.nvidia.consolidateAfter = '2h';
    expect(nodePool(render(props), 'nvidia').spec.disruption).toMatchObject({
      consolidationPolicy: 'WhenEmptyOrUnderutilized',
      consolidateAfter: '2h',
    });
  });
});

describe('the shared Gateway', () => {
  const loadBalancer = (props: Props) => {
    const found = render(props).filter(
      (o) =>
        o.manifest.kind === 'LoadBalancerConfiguration' &&
        o.manifest.metadata.namespace === GATEWAY.namespace,
    );
    expect(found).toHaveLength(1);
    return found[0]!.manifest as KubeManifest & { spec: Obj };
  };

  test('an environment opened to CIDRs gets an internet-facing load balancer limited to them', () => {
    const props = fixture();
    props.exposure.openTo = ['203.0.113.0/24', '198.51.100.0/24'];
    expect(loadBalancer(props).spec).toMatchObject({
      scheme: 'internet-facing',
      sourceRanges: ['203.0.113.0/24', '198.51.100.0/24'],
    });
  });

  test('a closed environment gets an internal load balancer without source ranges', () => {
    const { spec } = loadBalancer(fixture());
    expect(spec.scheme).toBe('internal');
    expect(spec).not.toHaveProperty('sourceRanges');
  });
});

describe('versions', () => {
  test('every chart, tag and AMI alias rendered in every environment comes from clusters/versions.ts', async () => {
    const table = new Set<string>();
    const collect = (v: unknown): void => {
      if (typeof v === 'string') table.add(v);
      else if (v && typeof v === 'object') for (const x of Object.values(v)) collect(x);
    };
    collect(versions);
    expect(versions.amiAlias).toMatch(/^al2023@v[0-9]{8}$/);
    const repo = await repository();
    for (const env of repo.envs) {
      const seen: string[] = [];
      for (const { manifest } of repo.objects.get(env.name)!.kubernetes.values()) {
        const spec = (manifest.spec ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
        if (manifest.kind === 'HelmRelease' && spec.chart) seen.push(String(spec.chart.spec?.version));
        if (manifest.kind === 'OCIRepository' || manifest.kind === 'GitRepository')
          seen.push(String(spec.ref?.tag));
        if (manifest.kind === 'EC2NodeClass') {
          for (const t of (spec.amiSelectorTerms ?? []) as unknown as { alias: string }[]) seen.push(t.alias);
        }
      }
      expect(seen, env.name).toContain(versions.amiAlias);
      for (const v of seen)
        expect(table.has(v), `${env.name}: ${v} is not in clusters/versions.ts`).toBe(true);
    }
  });
});

/**
 * The Load Balancer Controller's Service webhook fails closed: every other controllers-layer
 * release waits for it (Flux dependsOn, directly or through another release), and it waits for
 * none of them (docs/platform.md, "Bootstrap order").
 */
function webhookOrderProblems(where: string, releases: readonly KubeManifest[]): string[] {
  const lbcChart = versions.awsLoadBalancerController.chart;
  const deps = new Map<string, string[]>();
  let lbc: string | undefined;
  for (const r of releases) {
    const spec = r.spec as { chart?: { spec: { chart: string } }; dependsOn?: { name: string }[] };
    deps.set(
      r.metadata.name,
      (spec.dependsOn ?? []).map((d) => d.name),
    );
    if (spec.chart?.spec.chart === lbcChart) lbc = r.metadata.name;
  }
  if (!lbc) return [`${where}: no HelmRelease of chart ${lbcChart} in the controllers layer`];
  const closure = (name: string, seen = new Set<string>()): Set<string> => {
    for (const d of deps.get(name) ?? []) {
      if (!seen.has(d)) {
        seen.add(d);
        closure(d, seen);
      }
    }
    return seen;
  };
  const problems: string[] = [];
  for (const name of deps.keys()) {
    if (name === lbc) {
      if (closure(name).size > 0)
        problems.push(`${where}: ${lbc} waits for ${[...closure(name)].join(', ')}`);
    } else if (!closure(name).has(lbc)) {
      problems.push(
        `${where}: HelmRelease ${name} does not wait for ${lbc} (its Service webhook fails closed)`,
      );
    }
  }
  return problems;
}

describe('the Load Balancer Controller webhook race', () => {
  const controllerReleases = (objects: Iterable<{ layer: string; manifest: object }>) =>
    [...objects]
      .filter((o) => o.layer === 'controllers' && (o.manifest as KubeManifest).kind === 'HelmRelease')
      .map((o) => o.manifest as KubeManifest);

  test('every other controllers-layer release installs after it, in every environment and a fixture with every workload', async () => {
    const repo = await repository();
    const problems = repo.envs.flatMap((e) =>
      webhookOrderProblems(e.name, controllerReleases(repo.objects.get(e.name)!.kubernetes.values())),
    );
    const releases = controllerReleases(render(fixture('webhooks')));
    expect(releases.length).toBeGreaterThan(2);
    expect([...problems, ...webhookOrderProblems('fixture', releases)]).toEqual([]);
  });

  test('fails a release that no longer waits, and the controller waiting for another release', () => {
    const releases = controllerReleases(render(fixture('webhooks'))).map((r) => structuredClone(r));
    const lbc = releases.find((r) => r.metadata.name === 'aws-load-balancer-controller')!;
    const other = releases.find((r) => r.metadata.name === 'external-secrets')!;
    delete (other.spec as Obj).dependsOn;
    (lbc.spec as Obj).dependsOn = [{ name: 'karpenter', namespace: 'flux-system' }];
    expect(webhookOrderProblems('f', releases)).toEqual([
      'f: aws-load-balancer-controller waits for karpenter, aws-load-balancer-controller',
      'f: HelmRelease external-secrets does not wait for aws-load-balancer-controller (its Service webhook fails closed)',
    ]);
  });
});

describe('Mountpoint for S3', () => {
  /** Every `claimName` in an object, with the namespace its pods run in. */
  const claimsUsed = (objects: ReturnType<typeof render>): Set<string> => {
    const used = new Set<string>();
    for (const { manifest } of objects) {
      const spec = (manifest.spec ?? {}) as Obj;
      const ns =
        manifest.kind === 'HelmRelease' ? String(spec.targetNamespace) : String(manifest.metadata.namespace);
      const walk = (v: unknown): void => {
        if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === 'object') {
          for (const [k, x] of Object.entries(v)) {
            if (k === 'claimName' && typeof x === 'string') used.add(`${ns}/${x}`);
            else walk(x);
          }
        }
      };
      walk(spec);
    }
    return used;
  };

  test('the model bucket renders as a read-only Mountpoint volume, claimed and mounted by a workload', () => {
    const objects = render(fixture('mountpoint'));
    const volumes = objects
      .map((o) => o.manifest as KubeManifest & { spec: Obj })
      .filter(
        (m) => m.kind === 'PersistentVolume' && (m.spec.csi as Obj | undefined)?.driver === 's3.csi.aws.com',
      );
    expect(volumes.length).toBeGreaterThan(0);
    const used = claimsUsed(objects);
    for (const pv of volumes) {
      expect(pv.spec.accessModes, pv.metadata.name).toEqual(['ReadOnlyMany']);
      expect(pv.spec.mountOptions, pv.metadata.name).toContain('read-only');
      const ref = pv.spec.claimRef as { namespace: string; name: string };
      const claim = find(objects, 'PersistentVolumeClaim', ref.name, ref.namespace) as KubeManifest & {
        spec: Obj;
      };
      expect(claim.spec.volumeName).toBe(pv.metadata.name);
      expect(
        used.has(`${ref.namespace}/${ref.name}`),
        `${ref.namespace}/${ref.name} is claimed but no pod uses it`,
      ).toBe(true);
    }
  });
});
