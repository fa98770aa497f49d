/**
 * Who may import whom (docs/code.md), as the lint rule in biome.json enforces it: a forbidden
 * import planted in a temporary copy fails `biome lint`, an allowed one passes.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { workspace } from './support/workspace.js';

const ws = workspace(['biome.json']);
afterAll(() => ws.remove());

const FORBIDDEN: readonly [file: string, specifier: string][] = [
  ['apps/platform/planted.ts', '../../infra/index.js'],
  ['apps/workloads/x/planted.ts', '../../../infra/cdktf.js'],
  ['apps/lib/planted.ts', '../platform/index.js'],
  ['apps/platform/x/planted.ts', '../../workloads/vllm/index.js'],
  ['infra/x/planted.ts', '../../apps/lib/pod.js'],
  ['clusters/lib/planted.ts', '../../apps/index.js'],
  ['clusters/planted.ts', '../render/load.js'],
  ['render/planted.ts', '../scripts/synth.js'],
  ['render/planted.ts', '../tools/imports/generate.js'],
  ['tools/imports/planted.ts', '../../apps/index.js'],
];

const ALLOWED: readonly [file: string, specifier: string][] = [
  ['apps/workloads/x/planted.ts', '../../platform/index.js'],
  ['apps/platform/x/planted.ts', '../../lib/cluster.js'],
  ['infra/x/planted.ts', '../../clusters/contract.js'],
  ['render/planted.ts', '../apps/index.js'],
];

/** Plants every case (one file each), lints them in one biome run; file -> its diagnostics. */
function lintAll(cases: readonly (readonly [string, string])[]): Map<string, string> {
  const files = cases.map(([file, specifier], i) => {
    const planted = file.replace('planted.ts', `planted-${i}.ts`);
    mkdirSync(join(ws.dir, dirname(planted)), { recursive: true });
    ws.write(planted, `import { x } from '${specifier}';\n\nexport const y = x;\n`);
    return planted;
  });
  const r = spawnSync(
    process.execPath,
    [
      'node_modules/@biomejs/biome/bin/biome',
      'lint',
      '--vcs-enabled=false',
      '--max-diagnostics=none',
      ...files,
    ],
    { cwd: ws.dir, encoding: 'utf8' },
  );
  const output = `${r.stdout}${r.stderr}`;
  // Each diagnostic starts with `<file>:<line>:<col> <rule>`.
  const byFile = new Map(files.map((f) => [f, '']));
  for (const block of output.split(/\n(?=\S+\.ts:\d+:\d+ )/)) {
    const file = files.find((f) => block.startsWith(`${f}:`));
    if (file) byFile.set(file, `${byFile.get(file)}${block}\n`);
  }
  return new Map(cases.map(([file, specifier], i) => [`${file} ${specifier}`, byFile.get(files[i]!)!]));
}

describe('the import rule', () => {
  const results = lintAll([...FORBIDDEN, ...ALLOWED]);

  test.each(FORBIDDEN)('fails %s importing %s', (file, specifier) => {
    const diagnostics = results.get(`${file} ${specifier}`)!;
    expect(diagnostics).toMatch(/lint\/style\/noRestrictedImports/);
    expect(diagnostics).toMatch(/docs\/code\.md/);
  });

  test.each(ALLOWED)('lets %s import %s', (file, specifier) => {
    expect(results.get(`${file} ${specifier}`)).not.toMatch(/noRestrictedImports/);
  });
});
