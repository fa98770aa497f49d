import { describe, expect, test } from 'vitest';
import { loadEnvironments, validateEnvironments } from '../clusters/lib/load.js';
import { CLUSTERS, loadProblems } from './helpers.js';

const problems = loadProblems;

describe('environment definitions', () => {
  test('the repository environments load', async () => {
    const loaded = await loadEnvironments(CLUSTERS);
    expect(loaded.map((l) => l.env.name)).toEqual(['dev', 'prod', 'prod-dr']);
    expect(loaded.map((l) => l.file)).toEqual(['clusters/dev.ts', 'clusters/prod.ts', 'clusters/prod-dr.ts']);
  });

  test('unknown region', async () => {
    expect(await problems((e) => (e.dev!.region = 'us-west-9'))).toEqual([
      expect.stringMatching(/^dev\.ts: region: unknown AWS region "us-west-9"/),
    ]);
  });

  test('invalid CIDR', async () => {
    expect(await problems((e) => (e.dev!.vpcCidr = '10.10.0.1/16'))).toEqual([
      'dev.ts: vpcCidr: "10.10.0.1/16" has host bits set (the network is 10.10.0.0/16)',
    ]);
    expect(await problems((e) => (e.dev!.vpcCidr = '10.300.0.0/16'))).toEqual([
      'dev.ts: vpcCidr: "10.300.0.0/16" has an octet above 255',
    ]);
  });

  test('a name Kubernetes would reject', async () => {
    expect(await problems((e) => (e.dev!.name = 'Dev_1'))).toEqual([
      expect.stringMatching(/^dev\.ts: name: "Dev_1" is not a valid Kubernetes name/),
    ]);
  });

  test('duplicate environment name', async () => {
    const found = await problems((e) => {
      e['dev-copy'] = { ...structuredClone(e.dev!), vpcCidr: '10.99.0.0/16' };
    });
    expect(found).toEqual(['dev.ts: name: "dev" is already used by dev-copy.ts']);
  });

  test('missing required field', async () => {
    expect(await problems((e) => delete e.prod!.natGateways)).toEqual([
      'prod.ts: natGateways: required field is missing',
    ]);
    expect(
      await problems(
        (e) => delete (e.prod!.pools as Record<string, Record<string, unknown>>).nvidia!.capacityTypes,
      ),
    ).toEqual(['prod.ts: pools.nvidia.capacityTypes: required field is missing']);
  });

  test('unknown field is reported rather than ignored', async () => {
    expect(await problems((e) => (e.dev!.regoin = 'us-west-2'))).toEqual([
      expect.stringMatching(/^dev\.ts: regoin: unknown field/),
    ]);
  });

  test('availability zones: outside the region, fewer than two', async () => {
    expect(await problems((e) => (e.dev!.availabilityZones = ['us-east-1a', 'us-west-2b']))).toEqual([
      'dev.ts: availabilityZones[0]: "us-east-1a" is not an availability zone of us-west-2',
    ]);
    expect(await problems((e) => (e.dev!.availabilityZones = ['us-west-2a']))).toEqual([
      'dev.ts: availabilityZones: needs at least 2 entries, got 1',
    ]);
  });

  test('overlapping VPC CIDRs between environments', async () => {
    expect(await problems((e) => (e.prod!.vpcCidr = '10.10.128.0/17'))).toEqual([
      expect.stringMatching(/^prod\.ts: vpcCidr: 10\.10\.128\.0\/17 overlaps dev\.ts's 10\.10\.0\.0\/16/),
    ]);
  });

  test('DR pairing must exist, point back, and cross regions', async () => {
    expect(
      await problems((e) => {
        delete e['prod-dr'];
      }),
    ).toEqual([
      'prod.ts: modelData.disasterRecovery.replicaEnvironment: environment "prod-dr" does not exist',
    ]);
    expect(await problems((e) => (e['prod-dr']!.region = 'us-west-2'))).toContainEqual(
      expect.stringMatching(/prod-dr\.ts: availabilityZones\[0\]/),
    );
  });

  test('FSx capacity and throughput must be valid for PERSISTENT_2', async () => {
    expect(
      await problems((e) => ((e.dev!.modelData as Record<string, unknown>).fsxStorageGiB = 1300)),
    ).toEqual([
      'dev.ts: modelData.fsxStorageGiB: FSx for Lustre PERSISTENT_2 takes 1200, 2400 or a multiple of 2400 GiB, got 1300',
    ]);
  });

  test('production environments cannot use the shared-password authenticator', async () => {
    expect(await problems((e) => (e.prod!.authentication = { kind: 'dummy' }))).toEqual([
      'prod.ts: authentication.kind: the shared-password (dummy) authenticator is for development environments only',
    ]);
  });

  test('public endpoint needs named CIDRs, never 0.0.0.0/0', async () => {
    expect(await problems((e) => (e.dev!.endpoint = { publicAccess: true, publicAccessCidrs: [] }))).toEqual([
      'dev.ts: endpoint.publicAccessCidrs: must name at least one CIDR when publicAccess is true',
    ]);
    expect(await problems((e) => (e.dev!.exposure = { openTo: ['0.0.0.0/0'] }))).toEqual([
      'dev.ts: exposure.openTo[0]: 0.0.0.0/0 opens to the whole internet; name the networks that need access',
    ]);
  });

  test('a file without a default export', () => {
    expect(() => validateEnvironments([{ file: 'clusters/x.ts', value: undefined }])).toThrow(
      'clusters/x.ts: default export: required',
    );
  });
});
