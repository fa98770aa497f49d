/**
 * Inputs that AWS would reject only at `terraform apply`: the render refuses them with the
 * environment, the field and the reason, and leaves dist/ exactly as it was.
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { PARTS, render } from '../render/build.js';
import { writeRender } from '../render/write.js';
import { CLUSTERS, clustersFixture, synthCli, tempDir, treeHash } from './helpers.js';

async function renderedDist(): Promise<string> {
  const out = join(tempDir(), 'dist');
  writeRender(out, await render({ clustersDir: CLUSTERS }), { parts: PARTS, full: true });
  return out;
}

type Edit = (e: Record<string, Record<string, unknown>>) => void;
const systemType =
  (env: string, type: string): Edit =>
  (e) => {
    e[env]!.systemNodeGroup = { ...(e[env]!.systemNodeGroup as object), instanceType: type };
  };

const bad: [string, Edit, RegExp][] = [
  [
    'system node group type that is not an instance type',
    systemType('dev', 'xlarge'),
    /dev\.ts: systemNodeGroup\.instanceType: "xlarge" is not an EC2 instance type like m5\.xlarge/,
  ],
  [
    'accelerated system node group',
    systemType('prod', 'g5.xlarge'),
    /prod\.ts: systemNodeGroup\.instanceType: g5\.xlarge is an accelerated instance type/,
  ],
  [
    'Graviton system node group with the x86_64 AMI',
    systemType('prod-dr', 'm7g.xlarge'),
    /prod-dr\.ts: systemNodeGroup\.instanceType: m7g\.xlarge is an Arm \(Graviton\) instance type but the system node group AMI is AL2023_x86_64_STANDARD/,
  ],
  [
    'Cognito environment whose name Cognito refuses in a domain',
    (e) => {
      e.prod!.name = 'amazon-prod';
      const dr = e['prod-dr']!.modelData as Record<string, unknown>;
      e['prod-dr']!.modelData = {
        ...dr,
        disasterRecovery: { role: 'replica', sourceEnvironment: 'amazon-prod' },
      };
      e.prod!.modelData = {
        ...(e.prod!.modelData as object),
        disasterRecovery: { role: 'source', replicaEnvironment: 'prod-dr' },
      };
    },
    /prod\.ts: name: "amazon-prod" contains "amazon", which Cognito refuses in the sign-in domain/,
  ],
  [
    'FSx capacity that PERSISTENT_2 does not offer',
    (e) => {
      e.dev!.modelData = { ...(e.dev!.modelData as object), fsxStorageGiB: 3000 };
    },
    /dev\.ts: modelData\.fsxStorageGiB: FSx for Lustre PERSISTENT_2 takes 1200, 2400 or a multiple of 2400 GiB, got 3000/,
  ],
  [
    'DR source whose replica environment does not exist',
    (e) => {
      delete e['prod-dr'];
    },
    /prod\.ts: modelData\.disasterRecovery\.replicaEnvironment: environment "prod-dr" does not exist/,
  ],
];

describe('infra bad input', () => {
  test.each(bad)(
    '%s: exits non-zero, names env, field and reason, dist/ untouched',
    async (_name, edit, message) => {
      const out = await renderedDist();
      const before = treeHash(out);
      const r = await synthCli(['--clusters', await clustersFixture(edit), '--out', out]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/dist\/ unchanged/);
      expect(treeHash(out)).toBe(before);
    },
  );

  test('general-purpose x86_64 types are accepted (m5.xlarge, m7i-flex.2xlarge, c6in.large)', async () => {
    for (const type of ['m5.xlarge', 'm7i-flex.2xlarge', 'c6in.large']) {
      const dir = await clustersFixture(systemType('dev', type));
      await expect(render({ clustersDir: dir, only: ['dev'], parts: ['terraform'] })).resolves.toHaveLength(
        1,
      );
    }
  });
});
