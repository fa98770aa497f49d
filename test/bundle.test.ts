/**
 * The bundled render (render/bundle.mjs), on a small project in a temporary folder: a changed
 * source or package file never runs an old bundle, an unchanged one is reused, `import.meta`
 * is each source file's own, and an environment file imported at run time gets the bundle's
 * instances of the repository modules it imports. A module the bundle leaves out rejects with
 * the reason; a deferred package is loaded at its first use, not before. The Terraform thread
 * (render/terraform-thread.mjs) answers with its bundle's parts or its error, and a thread that
 * fails rejects what it was asked.
 */
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { buildBundle, currentBundle, installImporter, loadBundle, type Project } from '../render/bundle.mjs';
import { startTerraformThread } from '../render/terraform-thread.mjs';
import { tempDir } from './support/files.js';
import { ROOT } from './support/workspace.js';

/** A project whose command reports a repository module's value, a package's and an environment file's. */
function project(): Project {
  const root = tempDir('genai-eks-bundle-');
  const write = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write('package.json', '{ "type": "module" }\n');
  write('tsconfig.json', readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
  // esbuild from this checkout; one package of the project's own, to change.
  mkdirSync(join(root, 'node_modules'));
  symlinkSync(join(ROOT, 'node_modules/esbuild'), join(root, 'node_modules/esbuild'), 'dir');
  write('node_modules/word/package.json', '{ "name": "word", "main": "index.js" }\n');
  write('node_modules/word/index.js', "module.exports = { word: 'one' };\n");
  write(
    'lib/values.ts',
    "export const greeting: string = 'hello';\nexport const marker = { of: 'bundle' };\n",
  );
  write(
    'cmd.ts',
    [
      "import { word } from 'word';",
      `import { importModule } from ${JSON.stringify(join(ROOT, 'render/modules.ts'))};`,
      "import { greeting, marker } from './lib/values.js';",
      'export async function main(args: string[]) {',
      '  const env = args[0] ? await importModule(args[0]) : undefined;',
      '  return { greeting, word, url: import.meta.url, env: env?.default, sameMarker: env?.marker === marker };',
      '}',
    ].join('\n'),
  );
  // An environment file outside the bundle importing a bundled module and a local one.
  write('clusters/base.ts', "export const base = { tier: 'development' };\n");
  write(
    'clusters/one.ts',
    "import { marker } from '../lib/values.js';\nimport { base } from './base.js';\nexport { marker };\nexport default { ...base, name: 'one' };\n",
  );
  return { root, cache: join(root, 'node_modules/.cache/render'), commands: { run: 'cmd.ts' } };
}

async function run(p: Project, args: string[] = []) {
  const bundle = currentBundle(p) ?? (await buildBundle(p));
  const command = loadBundle(p, bundle).commands.run as (args: string[]) => Promise<unknown>;
  const result = (await command(args)) as Record<string, unknown>;
  return { bundle, result };
}

describe('bundled render', () => {
  const restore: (() => void)[] = [];
  afterAll(() => {
    for (const r of restore) r();
  });

  test('builds once, reuses the bundle while nothing changed, keeps import.meta per file', async () => {
    const p = project();
    expect(currentBundle(p)).toBeUndefined();
    const first = await run(p);
    expect(first.result).toMatchObject({
      greeting: 'hello',
      word: 'one',
      url: pathToFileURL(join(p.root, 'cmd.ts')).href,
    });
    expect(currentBundle(p)).toBe(first.bundle);
  });

  test('a changed source file rebuilds the bundle before it runs', async () => {
    const p = project();
    const first = await run(p);
    writeFileSync(
      join(p.root, 'lib/values.ts'),
      "export const greeting: string = 'changed';\nexport const marker = {};\n",
    );
    expect(currentBundle(p)).toBeUndefined();
    const second = await run(p);
    expect(second.bundle).not.toBe(first.bundle);
    expect(second.result.greeting).toBe('changed');
  });

  test('a changed package file, even of the same size, rebuilds the bundle', async () => {
    const p = project();
    await run(p);
    writeFileSync(join(p.root, 'node_modules/word/index.js'), "module.exports = { word: 'two' };\n");
    expect(currentBundle(p)).toBeUndefined();
    expect((await run(p)).result.word).toBe('two');
  });

  test('a deleted input rebuilds the bundle (or fails to build), never runs the old one', async () => {
    const p = project();
    await run(p);
    rmSync(join(p.root, 'lib/values.ts'));
    expect(currentBundle(p)).toBeUndefined();
    await expect(buildBundle(p)).rejects.toThrow(/values/);
  });

  test('an environment file imported at run time links to the bundle instances of repository modules', async () => {
    const p = project();
    restore.push(installImporter(p));
    const { result } = await run(p, [join(p.root, 'clusters/one.ts')]);
    expect(result.env).toEqual({ tier: 'development', name: 'one' });
    expect(result.sameMarker).toBe(true);
  });

  test('a left-out module rejects with what runs it instead; a deferred package loads at its first use', async () => {
    const base = project();
    const write = (path: string, text: string) => writeFileSync(join(base.root, path), text);
    mkdirSync(join(base.root, 'node_modules/heavy'));
    write('node_modules/heavy/package.json', '{ "name": "heavy", "main": "index.js" }\n');
    // Counts its evaluations on globalThis: the bundle's stand-in must not evaluate it at start-up.
    write(
      'node_modules/heavy/index.js',
      "globalThis.heavyLoads = (globalThis.heavyLoads ?? 0) + 1;\nmodule.exports = (x) => 'zipped ' + x;\n",
    );
    write('elsewhere.ts', "export const secret = 'in the other thread';\n");
    write(
      'cmd.ts',
      [
        "import heavy from 'heavy';",
        'export async function main() {',
        '  const before = (globalThis as { heavyLoads?: number }).heavyLoads ?? 0;',
        "  const called = heavy('files');",
        '  const after = (globalThis as { heavyLoads?: number }).heavyLoads ?? 0;',
        "  const other = await import('./elsewhere.js').then(() => 'imported', (e: Error) => e.message);",
        '  return { before, called, after, other };',
        '}',
      ].join('\n'),
    );
    const p: Project = {
      ...base,
      leaveOut: { 'elsewhere.ts': 'another thread runs it' },
      deferred: { heavy: 'never called at start-up' },
    };
    const bundle = await buildBundle(p);
    expect(readFileSync(bundle, 'utf8')).not.toContain('in the other thread');
    const { result } = await run(p);
    expect(result).toEqual({
      before: 0,
      called: 'zipped files',
      after: 1,
      other: `${join(p.root, 'elsewhere.ts')} is not in this bundle: another thread runs it`,
    });
  });

  test('the Terraform thread answers with its parts or its error, and rejects when it fails', async () => {
    const base = project();
    writeFileSync(
      join(base.root, 'part.ts'),
      [
        'export function render(req: { fail?: string; kind?: string; n: number }) {',
        "  if (req.kind === 'crash') process.exit(3);",
        '  if (req.fail) {',
        '    const e = new Error(req.fail);',
        "    if (req.kind === 'render') e.name = 'RenderError';",
        '    throw e;',
        '  }',
        "  return [{ env: 'env-' + req.n, files: [['terraform/env-' + req.n + '/cdk.tf.json', '{}']] }];",
        '}',
      ].join('\n'),
    );
    const p: Project = { ...base, commands: { terraform: 'part.ts#render' } };
    const thread = startTerraformThread(p);
    try {
      thread.load(await buildBundle(p));
      expect(await thread.request({ n: 1 })).toEqual({
        parts: [{ env: 'env-1', files: [['terraform/env-1/cdk.tf.json', '{}']] }],
      });
      expect(await thread.request({ n: 2, fail: 'dev.ts (dev): render failed', kind: 'render' })).toEqual({
        error: { message: 'dev.ts (dev): render failed', renderError: true },
      });
      // Any other error comes with its stack, for the fault of code it is.
      const other = (await thread.request({ n: 3, fail: 'a bug' })) as { error: { message: string } };
      expect(other.error.message).toMatch(/^Error: a bug\n\s+at /);
      await expect(thread.request({ n: 4, kind: 'crash' })).rejects.toThrow(/thread exited with code 3/);
      await expect(thread.request({ n: 5 })).rejects.toThrow(/thread exited with code 3/);
    } finally {
      await thread.stop();
    }
  });
});
