/**
 * Environment files: the schema, its defaults, and every check the loader runs, on fixture
 * environments (test/support/fixtures.ts). Each bad input names the file, the environment, the
 * field and the reason in one format: `clusters/<file>.ts (<env>): <field>: <reason>`.
 * test/cli.test.ts runs the same inputs through the synth command and checks dist/ is untouched.
 */
import { describe, expect, test } from 'vitest';
import { poolCapacities, VLLM_SURGE } from '../clusters/lib/capacity.js';
import { EnvironmentError, resolveEnvironments, versionProblems } from '../clusters/lib/resolve.js';
import { BAD_INPUTS, problems } from './support/bad-inputs.js';
import { fixture, type Props, resolve } from './support/fixtures.js';
import { repository } from './support/repository.js';

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are read field by field, checked by the assertions.
type Any = any;

describe('a valid environment', () => {
  test('resolves with every default filled in', () => {
    const props = fixture('alpha');
    const [env] = resolve(props);
    expect(env!.file).toBe('clusters/alpha.ts');
    expect(env!.pools.cpu).toMatchObject({
      capacityReservationIds: [],
      consolidationPolicy: 'WhenEmptyOrUnderutilized',
      consolidateAfter: '5m',
    });
    expect(env!.pools.nvidia).toMatchObject({ consolidationPolicy: 'WhenEmpty', consolidateAfter: '30m' });
    expect(env!.pools.cpu.acceleratorLimit).toBeUndefined();
    const [gpu, inf] = env!.workloads.vllm;
    expect(gpu).toMatchObject({ exposure: 'internal', gpuMemoryUtilization: 0.9 });
    expect(inf).not.toHaveProperty('gpuMemoryUtilization');
    expect(env!.workloads.openWebUI).toMatchObject({ storageGiB: 20, exposure: 'internal' });
    expect(env!.workloads.jupyterhub).toMatchObject({
      idleCullMinutes: 60,
      homeGiB: 100,
      exposure: 'internal',
    });
    expect(env!.workloads.dogbooth).toMatchObject({ minWorkers: 1, maxWorkers: 2, dashboardRoute: false });
    expect(env!.workloads.pipeline).toMatchObject({ maxTrainSteps: 800, parallelism: 2 });
  });

  test('an explicit value wins over the default', () => {
    const props = fixture('alpha');
    props.pools.cpu.consolidateAfter = '1h';
    props.workloads!.jupyterhub!.idleCullMinutes = 30;
    const [env] = resolve(props);
    expect(env!.pools.cpu.consolidateAfter).toBe('1h');
    expect(env!.workloads.jupyterhub!.idleCullMinutes).toBe(30);
  });

  test('an environment without workloads resolves to none', () => {
    const props: Props = fixture('bare');
    delete props.workloads;
    const [env] = resolve(props);
    expect(env!.workloads).toEqual({
      vllm: [],
      openWebUI: undefined,
      jupyterhub: undefined,
      dogbooth: undefined,
      pipeline: undefined,
    });
  });

  test('every workload is placed: instance, devices and the share of the instance one replica requests', () => {
    const [env] = resolve(fixture('alpha'));
    for (const v of env!.workloads.vllm) {
      expect(v.placement.instance.name).toBe(v.instanceType);
      expect(v.placement.requiredGB).toBeLessThanOrEqual(v.placement.availableGB);
      expect(v.placement.cpu).toBeLessThan(v.placement.instance.vcpus);
      expect(v.placement.memoryGiB).toBeLessThan(v.placement.instance.memoryGiB);
    }
    expect(env!.workloads.dogbooth!.placement.devices).toBe(1);
    expect(env!.workloads.pipeline!.gpu.instance.name).toBe('g5.2xlarge');
  });

  test('environments come back sorted by name', () => {
    expect(resolve(fixture('zeta', 1), fixture('alpha', 2)).map((e) => e.name)).toEqual(['alpha', 'zeta']);
  });
});

/**
 * The one message format: `clusters/<file>.ts (<env>): <field>: <reason>`; for the versions
 * table, which belongs to no environment, `clusters/versions.ts: <entry>: <reason>`; for a file
 * that does not compile, where an editor shows it: `clusters/<file>.ts:<line>:<column>: <reason>`.
 */
const FORMATS = [
  /^clusters\/[^ :]+\.ts \([^)]+\): [^:]+: \S/,
  /^clusters\/versions\.ts: \S+: \S/,
  /^clusters\/[^ :]+\.ts:\d+:\d+: \S/,
];

describe('bad input names file, environment, field and reason', () => {
  test.each(BAD_INPUTS.map((b) => [b.what, b] as const))('%s', async (_what, bad) => {
    const found = await problems(bad);
    expect(found.length, found.join('\n')).toBeGreaterThan(0);
    for (const p of found)
      expect(
        FORMATS.some((f) => f.test(p)),
        p,
      ).toBe(true);
    expect(found).toContainEqual(expect.stringMatching(bad.message));
    // No stack traces: one line per problem.
    for (const p of found) expect(p).not.toMatch(/\n|^\s+at /);
  });

  test('every entry of the table is one kind of edit', () => {
    for (const b of BAD_INPUTS) {
      expect([b.edit, b.versions, b.source].filter(Boolean), b.what).toHaveLength(1);
    }
  });

  test('the repository versions table passes its own check', () => {
    expect(versionProblems()).toEqual([]);
  });

  test('every problem of every environment is reported at once', () => {
    const a = fixture('alpha', 1);
    const b = fixture('beta', 2);
    a.region = 'us-west-9' as Props['region'];
    b.pools.nvidia.instanceFamilies = ['c6i'];
    b.natGateways = 'none' as Props['natGateways'];
    const error = (() => {
      try {
        resolve(a, b);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as EnvironmentError).problems).toEqual([
      expect.stringMatching(/^clusters\/alpha\.ts \(alpha\): region: unknown AWS region "us-west-9"/),
      expect.stringMatching(
        /^clusters\/beta\.ts \(beta\): natGateways: expected one of "single", "one-per-az"/,
      ),
    ]);
  });

  test('a file without a default export', () => {
    expect(() => resolveEnvironments([{ file: 'clusters/x.ts', value: undefined }])).toThrow(
      'clusters/x.ts (?): default export: required',
    );
  });
});

describe('demand against pool limits (clusters/lib/capacity.ts)', () => {
  test('the rolling-update surge and the RayService upgrade copy it counts are what the render asks for', async () => {
    const { envs, objects } = await repository();
    for (const env of envs) {
      const k8s = [...objects.get(env.name)!.kubernetes.values()];
      const named = (kind: string, name: string) => k8s.find((o) => o.kind === kind && o.name === name);
      for (const d of env.workloads.vllm) {
        const deployment = k8s.find(
          (o) => o.kind === 'Deployment' && o.name.endsWith(d.name) && o.name.startsWith('vllm'),
        );
        const strategy = (deployment?.manifest.spec as { strategy?: Any })?.strategy;
        expect(strategy, `${env.name} ${d.name}`).toEqual({
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: VLLM_SURGE, maxUnavailable: 0 },
        });
      }
      const dogbooth = env.workloads.dogbooth;
      if (!dogbooth) continue;
      const spec = named('RayService', 'dogbooth')?.manifest.spec as Any;
      // No upgradeStrategy: KubeRay's default, a new RayCluster beside the old one, whose worker
      // group starts at `replicas`.
      expect(spec.upgradeStrategy, env.name).toBeUndefined();
      expect(spec.rayClusterConfig.workerGroupSpecs.map((g: Any) => g.replicas)).toEqual([
        dogbooth.minWorkers,
      ]);
    }
  });

  test('pods pack onto nodes of their instance type by devices; limits count those nodes', () => {
    const props = fixture('alpha');
    Object.assign(props.pools.nvidia, { cpuLimit: 1024, memoryLimitGiB: 4096, acceleratorLimit: 64 });
    // Three replicas of two GPUs each on g5.12xlarge (4 x A10G, 48 vCPUs, 192 GiB), plus one
    // during a rolling update: 8 GPUs, two nodes.
    Object.assign(props.workloads!.vllm[0]!, {
      instanceType: 'g5.12xlarge',
      tensorParallelSize: 2,
      replicas: 3,
    });
    const [env] = resolve(props);
    const nvidia = poolCapacities(env!).find((c) => c.pool === 'nvidia')!;
    // The rest of the fixture on g5.2xlarge (1 GPU, 8 vCPUs, 32 GiB): dogbooth 2 + 1, pipeline 2,
    // one GPU notebook: 6 nodes.
    expect(nvidia.nodes.map((n) => [n.instance.name, n.count])).toEqual([
      ['g5.12xlarge', 2],
      ['g5.2xlarge', 6],
    ]);
    expect(nvidia.needs.devices).toBe(2 * 4 + 6 * 1);
    expect(nvidia.needs.cpu).toBe(2 * 48 + 6 * 8);
    // Karpenter counts 92.5% of an instance's memory before it has seen a node of the type.
    expect(nvidia.needs.memoryGiB).toBeCloseTo((2 * 192 + 6 * 32) * 0.925, 9);
  });

  test('a limit equal to the demand fits; without an accelerator limit only vCPUs and memory bound the pool', () => {
    const props = fixture('alpha');
    const [env] = resolve(props);
    const nvidia = poolCapacities(env!).find((c) => c.pool === 'nvidia')!;
    expect(nvidia.needs.devices).toBe(props.pools.nvidia.acceleratorLimit);
    delete props.pools.nvidia.acceleratorLimit;
    props.workloads!.vllm[0]!.replicas = 10;
    expect(() => resolve(props)).not.toThrow();
  });

  test('a deployment with no replicas asks for no replica, not even a rolling-update copy; on Neuron its compile Job still runs', () => {
    const props = fixture('alpha');
    props.workloads!.vllm[0]!.replicas = 0;
    props.workloads!.vllm[1]!.replicas = 0;
    const [env] = resolve(props);
    const capacities = poolCapacities(env!);
    expect(
      capacities.find((c) => c.pool === 'nvidia')!.demand.filter((d) => d.field.startsWith('workloads.vllm')),
    ).toEqual([]);
    const neuron = capacities.find((c) => c.pool === 'neuron')!.demand;
    expect(neuron.map((d) => [d.field, d.pods, d.what])).toEqual([
      ['workloads.vllm[1].replicas', 1, `vLLM ${props.workloads!.vllm[1]!.name}: 0 replicas + 1 compile Job`],
    ]);
  });
});
