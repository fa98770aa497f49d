import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from './support/workspace.js';

interface Manager {
  readonly managerFilePatterns: readonly string[];
  readonly matchStrings: readonly string[];
}

interface PackageRule {
  readonly matchFileNames?: readonly string[];
  readonly postUpgradeTasks?: {
    readonly commands: readonly string[];
    readonly fileFilters?: readonly string[];
    readonly executionMode?: string;
  };
}

const config = JSON.parse(readFileSync(join(ROOT, 'renovate.json'), 'utf8')) as {
  customManagers: Manager[];
  packageRules: PackageRule[];
};
const managers = config.customManagers.filter((m) =>
  m.managerFilePatterns.includes('/^clusters/versions\\.ts$/'),
);

/** What Renovate's regex managers extract from a text: every match of every matchString. */
function extract(
  text: string,
): { depName: string; datasource: string; currentValue: string; registryUrl?: string }[] {
  return managers.flatMap((m) =>
    m.matchStrings.flatMap((s) =>
      [...text.matchAll(new RegExp(s, 'g'))].map((x) => ({
        depName: x.groups!.depName!,
        datasource: x.groups!.datasource!,
        currentValue: x.groups!.currentValue!,
        ...(x.groups!.registryUrl ? { registryUrl: x.groups!.registryUrl } : {}),
      })),
    ),
  );
}

describe('renovate.json custom managers', () => {
  test('every `// renovate:` comment in clusters/versions.ts is matched, with the pinned value', () => {
    const text = readFileSync(join(ROOT, 'clusters/versions.ts'), 'utf8');
    const comments = [...text.matchAll(/^\s*\/\/\s*renovate:.*depName=(\S+)/gm)].map((m) => m[1]);
    const found = extract(text);
    expect(found.map((f) => f.depName).sort()).toEqual([...comments].sort());
    for (const f of found) {
      // A custom `versioning=regex:…` declares its own tag shape; the value must match it.
      const custom = new RegExp(`depName=${f.depName} versioning=regex:(\\S+)`).exec(text)?.[1];
      const shape = custom
        ? new RegExp(custom.replace(/\(\?<[a-z]+>/g, '('))
        : /^v?\d+(\.\d+)*([-.+][0-9A-Za-z.-]+)?$/;
      expect(f.currentValue, f.depName).toMatch(shape);
    }
  });

  test('the documented entry shapes all match; a version elsewhere on the line does not confuse them', () => {
    const sample = [
      '  // renovate: datasource=docker depName=docker.io/vllm/vllm-openai',
      "  vllm: { image: 'docker.io/vllm/vllm-openai', tag: 'v0.12.0' },",
      '  // renovate: datasource=helm depName=karpenter registryUrl=https://charts.invalid',
      '  karpenter: {',
      "    repository: 'oci://public.ecr.aws/karpenter/karpenter',",
      "    chart: 'karpenter',",
      "    version: '1.14.1',",
      '  },',
      '  // renovate: datasource=github-releases depName=awslabs/amazon-eks-ami',
      "  amiAlias: 'al2023@v20260818',",
      '  // renovate: datasource=npm depName=ts-node',
      "  tsNode: '10.9.2',",
      '  // renovate: datasource=docker depName=rayproject/ray versioning=loose',
      "  rayImage: 'rayproject/ray:2.44.0-py311-gpu',",
    ].join('\n');
    expect(extract(sample).map((f) => `${f.depName}=${f.currentValue}`)).toEqual([
      'docker.io/vllm/vllm-openai=v0.12.0',
      'karpenter=1.14.1',
      'ts-node=10.9.2',
      'rayproject/ray=2.44.0-py311-gpu',
      'awslabs/amazon-eks-ami=v20260818',
    ]);
  });

  test('every deployed chart, image and AMI in the versions table is kept current (or listed as manual)', async () => {
    const { versions } = await import('../clusters/versions.js');
    const text = readFileSync(join(ROOT, 'clusters/versions.ts'), 'utf8');
    const manual = new Set(['kubernetes', 'eksAddons', 'systemNodeGroupAmi', 'rayVersion']);
    for (const key of Object.keys(versions)) {
      if (manual.has(key)) continue;
      const commented = new RegExp(`//\\s*renovate:[^\\n]*\\n\\s*${key}:`).test(text);
      const nested = new RegExp(`\\n  ${key}: \\{\\n\\s*//\\s*renovate:`).test(text);
      expect(commented || nested, `versions.${key} has no // renovate: comment`).toBe(true);
    }
  });

  test('every Helm chart is looked up in the repository its HelmRelease installs from, at the pinned version', async () => {
    const { versions } = await import('../clusters/versions.js');
    const text = readFileSync(join(ROOT, 'clusters/versions.ts'), 'utf8');
    const charts = Object.values(versions).filter(
      (v): v is { repository: string; chart: string; version: string } =>
        typeof v === 'object' && 'chart' in v && 'repository' in v && v.repository.startsWith('https://'),
    );
    const helm = extract(text).filter((f) => f.datasource === 'helm');
    const slash = (u: string) => u.replace(/\/?$/, '/');
    for (const c of charts) {
      const found = helm.filter(
        (f) => f.depName === c.chart && slash(f.registryUrl ?? '') === slash(c.repository),
      );
      expect(
        found.map((f) => f.currentValue),
        `${c.chart}: no helm lookup in ${c.repository}`,
      ).toContain(c.version);
    }
  });

  test('a bump of the versions table re-renders dist/ in its branch (the drift check fails otherwise)', () => {
    const rules = config.packageRules.filter(
      (r) => r.matchFileNames?.includes('clusters/versions.ts') && r.postUpgradeTasks,
    );
    expect(rules).toHaveLength(1);
    const tasks = rules[0]!.postUpgradeTasks!;
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.synth).toBeDefined();
    expect(tasks.commands.at(-1)).toBe('npm run synth');
    expect(tasks.fileFilters).toEqual(['dist/**']);
  });

  test('rayVersion is the Ray release of rayImage', async () => {
    const { versions } = await import('../clusters/versions.js');
    expect(versions.rayImage.split(':')[1]!.split('-')[0]).toBe(versions.rayVersion);
  });
});
