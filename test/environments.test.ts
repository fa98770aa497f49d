/**
 * Environment files: the schema, its defaults, and every check the loader runs, on fixture
 * environments (test/support/fixtures.ts). Each bad input names the file, the environment, the
 * field and the reason in one format: `clusters/<file>.ts (<env>): <field>: <reason>`.
 * test/cli.test.ts runs the same inputs through the synth command and checks dist/ is untouched.
 */
import { describe, expect, test } from 'vitest';
import { EnvironmentError, resolveEnvironments, versionProblems } from '../clusters/lib/resolve.js';
import { BAD_INPUTS, problems } from './support/bad-inputs.js';
import { fixture, type Props, resolve } from './support/fixtures.js';

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
