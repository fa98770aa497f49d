import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CONTRACT_VARIABLE_NAMES } from '../clusters/contract.js';
import { PARTS, render } from '../render/build.js';
import { compareTrees, listFiles } from '../render/compare.js';
import { writeRender } from '../render/write.js';
import { CLUSTERS, clustersFixture, copyDir, synthCli, synthProcess, tempDir, treeHash } from './helpers.js';

/** A rendered dist/ of the repository environments in a temp folder. */
async function renderedDist(): Promise<string> {
  const out = join(tempDir(), 'dist');
  writeRender(out, await render({ clustersDir: CLUSTERS }), { parts: PARTS, full: true });
  return out;
}

describe('render', () => {
  test('is deterministic: two renders are byte-identical', async () => {
    const a = await renderedDist();
    const b = await renderedDist();
    expect(compareTrees(a, b)).toEqual({ added: [], removed: [], changed: [] });
    expect(listFiles(a).length).toBeGreaterThan(0);
  });

  test('writes one object per file, grouped by environment and Flux layer', async () => {
    const out = await renderedDist();
    for (const f of listFiles(join(out, 'k8s'))) {
      expect(f).toMatch(/^(dev|prod|prod-dr)\/(flux-system|controllers|configs|apps)\/[a-z0-9.-]+\.yaml$/);
      expect(readFileSync(join(out, 'k8s', f), 'utf8')).not.toMatch(/^---/m);
    }
    for (const env of ['dev', 'prod', 'prod-dr']) {
      expect(existsSync(join(out, 'terraform', env, 'cdk.tf.json'))).toBe(true);
    }
  });

  test('every $-brace variable in the rendered manifests is a contract variable', async () => {
    const out = await renderedDist();
    const known = new Set<string>(CONTRACT_VARIABLE_NAMES);
    for (const f of listFiles(join(out, 'k8s'))) {
      const text = readFileSync(join(out, 'k8s', f), 'utf8');
      for (const m of text.matchAll(/(?<!\$)\$\{([^}]*)\}/g)) {
        expect(known.has(m[1]!), `${f}: \${${m[1]}} is not a contract variable`).toBe(true);
      }
    }
  });

  test('a construct that is no longer rendered loses its file', () => {
    const out = join(tempDir(), 'dist');
    const env = { name: 'x' } as never;
    const one = (files: [string, string][]) => [
      { env, files: new Map(files), kubernetesObjects: files.length, terraformResources: 0, millis: 0 },
    ];
    writeRender(
      out,
      one([
        ['k8s/x/apps/a.yaml', 'a\n'],
        ['k8s/x/apps/b.yaml', 'b\n'],
      ]),
      { parts: ['k8s'], full: true },
    );
    expect(listFiles(out)).toEqual(['k8s/x/apps/a.yaml', 'k8s/x/apps/b.yaml']);
    writeRender(out, one([['k8s/x/apps/a.yaml', 'a\n']]), { parts: ['k8s'], full: true });
    expect(listFiles(out)).toEqual(['k8s/x/apps/a.yaml']);
  });
});

describe('synth CLI', () => {
  test('as a program: bad input exits 1 with the message on stderr and dist/ untouched', async () => {
    const out = await renderedDist();
    const before = treeHash(out);
    const clusters = await clustersFixture((e) => (e.dev!.region = 'mars-north-1'));
    const r = synthProcess(['--clusters', clusters, '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/dev\.ts: region: unknown AWS region "mars-north-1"/);
    expect(treeHash(out)).toBe(before);
  });

  test('an unknown option is reported, not thrown', async () => {
    const r = await synthCli(['--bogus']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^synth failed, dist\/ unchanged:\n.*--bogus/);
  });

  test('--env renders one environment and leaves the others as they were', async () => {
    const out = await renderedDist();
    const marker = join(out, 'k8s/prod/apps/marker.yaml');
    mkdirSync(join(out, 'k8s/prod/apps'), { recursive: true });
    writeFileSync(marker, 'kept\n');
    rmSync(join(out, 'k8s/dev'), { recursive: true });
    const r = await synthCli(['--env', 'dev', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^dev +\d+ Kubernetes objects +\d+ Terraform resources +\d+ ms$/m);
    expect(r.stdout).not.toMatch(/^prod /m);
    expect(existsSync(join(out, 'k8s/dev/flux-system'))).toBe(true);
    expect(readFileSync(marker, 'utf8')).toBe('kept\n');
  });

  test('a removed environment disappears on a full render', async () => {
    const out = copyDir(await renderedDist());
    const clusters = await clustersFixture((e) => {
      delete e.dev;
    });
    const r = await synthCli(['--clusters', clusters, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(out, 'k8s/dev'))).toBe(false);
    expect(existsSync(join(out, 'terraform/dev'))).toBe(false);
    expect(existsSync(join(out, 'k8s/prod'))).toBe(true);
  });

  const bad: [string, (e: Record<string, Record<string, unknown>>) => void, RegExp][] = [
    [
      'unknown region',
      (e) => (e.dev!.region = 'mars-north-1'),
      /dev\.ts: region: unknown AWS region "mars-north-1"/,
    ],
    [
      'invalid CIDR',
      (e) => (e.prod!.vpcCidr = '10.20.0.0/33'),
      /prod\.ts: vpcCidr: "10\.20\.0\.0\/33" has a prefix length above 32/,
    ],
    ['bad name', (e) => (e.dev!.name = '-dev'), /dev\.ts: name: "-dev" is not a valid Kubernetes name/],
    [
      'duplicate name',
      (e) => (e.extra = { ...structuredClone(e.prod!), vpcCidr: '10.99.0.0/16' }),
      /name: "prod" is already used by/,
    ],
    [
      'missing field',
      (e) => delete e['prod-dr']!.systemNodeGroup,
      /prod-dr\.ts: systemNodeGroup: required field is missing/,
    ],
    ['unknown --env', () => {}, /--env: unknown environment staging/],
  ];
  test.each(bad)(
    'bad input (%s) exits non-zero, names env, field and reason, and leaves dist/ untouched',
    async (name, edit, message) => {
      const out = await renderedDist();
      const before = treeHash(out);
      const clusters = await clustersFixture(edit);
      const args = [
        '--clusters',
        clusters,
        '--out',
        out,
        ...(name === 'unknown --env' ? ['--env', 'staging'] : []),
      ];
      const r = await synthCli(args);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/dist\/ unchanged/);
      expect(treeHash(out)).toBe(before);
    },
  );
});
