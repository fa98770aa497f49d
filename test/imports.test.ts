import { createHash } from 'node:crypto';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { FLUX_RELEASES, SAME_CRD_SPEC } from '../clusters/catalog/flux.js';
import { versions } from '../clusters/versions.js';
import {
  compareImports,
  type GeneratedModule,
  generateImports,
  writeImports,
} from '../tools/imports/generate.js';
import {
  checkImports,
  fluxReleaseProblems,
  IMPORTS,
  type ImportSource,
  type ImportsState,
  parseHeader,
  parseSpec,
  type VersionsTable,
} from '../tools/imports/sources.js';

const ROOT = resolve(import.meta.dirname, '..');

/** The first bytes of a file: the generated files are megabytes, the header is a few lines. */
function head(file: string, bytes = 4096): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    return buf.subarray(0, readSync(fd, buf, 0, bytes, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

const config = parse(readFileSync(join(ROOT, 'cdk8s.yaml'), 'utf8')) as {
  importDirectory: string;
  imports: string[];
};
const importDir = join(ROOT, config.importDirectory);

/** The repository as it is: cdk8s.yaml, the generated files, the table and the versions table. */
function repository(): ImportsState {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  return {
    specs: config.imports,
    files: readdirSync(importDir)
      .filter((f) => f.endsWith('.js') || f.endsWith('.ts'))
      .map((file) => ({ file, text: head(join(importDir, file)) })),
    versions,
    table: IMPORTS,
    generators: {
      cdk8sCli: pkg.devDependencies['cdk8s-cli']!,
      esbuild: pkg.devDependencies.esbuild!,
      typescript: pkg.devDependencies.typescript!,
    },
  };
}

/** The compiled modules (`<module>.js`) of a state. */
const modulesOf = (state: ImportsState) => state.files.filter((f) => f.file.endsWith('.js'));

/** A copy of the versions table with `edit` applied. */
function versionsWith(edit: (v: Record<string, Record<string, string>>) => void): VersionsTable {
  const copy = structuredClone(versions) as unknown as Record<string, Record<string, string>>;
  edit(copy);
  return copy as unknown as VersionsTable;
}

const names = (entry: string) => IMPORTS.filter((t) => t.entry === entry).map((t) => t.name);

describe('typed imports (apps/imports) against cdk8s.yaml and clusters/versions.ts', () => {
  test('every generated module, cdk8s.yaml entry, IMPORTS row and versions pin agree', () => {
    expect(checkImports(repository())).toEqual([]);
  });

  test('every IMPORTS entry names an existing versions-table field', () => {
    for (const t of IMPORTS) {
      const value = t.entry
        .split('.')
        .reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], versions);
      expect(value, `${t.name}: versions.${t.entry}`).toBeDefined();
    }
  });

  test('each compiled module imports from cdk8s only names cdk8s exports at run time', async () => {
    const cdk8s = Object.keys(await import('cdk8s'));
    for (const { file, text } of modulesOf(repository())) {
      const imports = [...text.matchAll(/^import \{ ([^}]+) \} from "([^"]+)";$/gm)];
      expect(
        imports.map((m) => m[2]),
        file,
      ).toEqual(['cdk8s']);
      for (const name of imports[0]![1]!.split(', ')) expect(cdk8s, `${file}: ${name}`).toContain(name);
    }
  });

  test('a version bump in clusters/versions.ts fails every module generated from the old version', () => {
    const karpenter = checkImports({
      ...repository(),
      versions: versionsWith((v) => {
        v.karpenter!.version = '9.9.9';
      }),
    });
    expect(karpenter).toHaveLength(names('karpenter').length);
    for (const p of karpenter) expect(p).toMatch(/clusters\/versions\.ts \(karpenter\) pins v9\.9\.9/);

    const source = checkImports({
      ...repository(),
      versions: versionsWith((v) => {
        v.fluxControllers!.sourceController = 'v9.9.9';
      }),
    });
    const modules = source.filter((p) => p.startsWith('apps/imports/'));
    expect(modules).toHaveLength(names('fluxControllers.sourceController').length);
    // ... and the installed Flux release no longer ships the imported source-controller.
    expect(source.filter((p) => !modules.includes(p))).toEqual([
      expect.stringMatching(/installs sourceController \S+, but the imports come from v9\.9\.9/),
    ]);

    const kubernetes = checkImports({
      ...repository(),
      versions: versionsWith((v) => {
        (v as unknown as Record<string, string>).kubernetes = '9.99';
      }),
    });
    expect(kubernetes).toEqual([expect.stringMatching(/^apps\/imports\/k8s\.js: .*pins 9\.99\.0/)]);
  });

  test('a chart bump without a recorded app version is an error naming the table to update', () => {
    const problems = checkImports({
      ...repository(),
      versions: versionsWith((v) => {
        v.argoWorkflowsChart!.version = '99.0.0';
      }),
    });
    expect(problems).toHaveLength(names('argoWorkflowsChart').length);
    expect(problems[0]).toMatch(/argoWorkflowsChart\.version 99\.0\.0: .*ARGO_WORKFLOWS_APP_VERSION/);
  });

  test('the Flux release the bootstrap installs must ship the controllers the imports come from, or ones with the same CRDs', () => {
    expect(fluxReleaseProblems(versions)).toEqual([]);
    // A release nobody recorded: one problem, naming the table to extend.
    const unknown = checkImports({
      ...repository(),
      versions: versionsWith((v) => {
        (v as unknown as Record<string, string>).flux = 'v9.9.9';
      }),
    });
    expect(unknown).toEqual([
      expect.stringMatching(/Flux v9\.9\.9.*FLUX_RELEASES \(clusters\/catalog\/flux\.ts\)/),
    ]);
    // A recorded release that ships another kustomize-controller: a problem, unless its CRDs are
    // recorded as the same as the imported version's.
    const release = FLUX_RELEASES[versions.flux]!;
    const other = {
      [versions.flux]: { ...release, controllers: { ...release.controllers, kustomizeController: 'v9.9.9' } },
    };
    expect(fluxReleaseProblems(versions, other)).toEqual([
      expect.stringMatching(/installs kustomizeController v9\.9\.9, but the imports come from v\d/),
    ]);
    const same = {
      ...SAME_CRD_SPEC,
      kustomizeController: { 'v9.9.9': versions.fluxControllers.kustomizeController },
    };
    expect(fluxReleaseProblems(versions, other, same)).toEqual([]);
    // Without the recorded source-controller pair, the installed release would not match the imports.
    const { sourceController: _, ...noSource } = SAME_CRD_SPEC;
    expect(fluxReleaseProblems(versions, FLUX_RELEASES, noSource).length).toBe(
      release.controllers.sourceController === versions.fluxControllers.sourceController ? 0 : 1,
    );
  });

  test('a module whose header names another version, sha256 or generator fails', () => {
    const state = repository();
    const first = modulesOf(state)[0]!;
    const rest = state.files.filter((f) => f !== first);
    const header = parseHeader(first.text, first.file);
    const edited = first.text
      .replace(`// Version: ${header.version}`, '// Version: v0.0.0-other')
      .replace(`// sha256: ${header.sha256}`, `// sha256: ${'0'.repeat(64)}`);
    const problems = checkImports({ ...state, files: [{ file: first.file, text: edited }, ...rest] });
    expect(problems.some((p) => p.includes('header Version v0.0.0-other'))).toBe(true);
    expect(problems).toContain(
      `apps/imports/${first.file.replace(/\.js$/, '.d.ts')}: its header is not that of ${first.file}: run npm run imports`,
    );
    expect(problems.some((p) => p.includes('but clusters/versions.ts'))).toBe(true);
    expect(
      problems.some((p) =>
        p.includes(
          `IMPORTS records ${IMPORTS.find((t) => t.name === parseSpec(header.spec, 'test').name)!.sha256}`,
        ),
      ),
    ).toBe(true);
    const modules = modulesOf(state).length;
    for (const key of ['cdk8sCli', 'esbuild', 'typescript'] as const) {
      const problems = checkImports({ ...state, generators: { ...state.generators, [key]: '0.0.0' } });
      expect(problems, key).toHaveLength(modules);
      expect(problems[0], key).toMatch(
        /: generated with \S+ \S+, package\.json has 0\.0\.0: run npm run imports$/,
      );
    }
  });

  test('cdk8s.yaml, IMPORTS and apps/imports must list the same imports', () => {
    const state = repository();
    const extra = 'extra:=https://raw.githubusercontent.com/example/repo/v1.0.0/crd.yaml';
    expect(checkImports({ ...state, specs: [...state.specs, extra] })).toEqual([
      expect.stringMatching(/imports\[\d+\] extra:=.*not in IMPORTS/),
      expect.stringMatching(/extra:=.*no generated module/),
    ]);
    expect(checkImports({ ...state, table: state.table.slice(1) })).toEqual([
      expect.stringMatching(/not in IMPORTS/),
    ]);
    const module = modulesOf(state)[0]!.file.replace(/\.js$/, '');
    const others = state.files.filter((f) => !f.file.startsWith(`${module}.`));
    expect(others).toHaveLength(state.files.length - 2);
    expect(checkImports({ ...state, files: others })).toEqual([
      expect.stringMatching(/no generated module in apps\/imports/),
    ]);
    const js = state.files.find((f) => f.file === `${module}.js`)!;
    const dts = state.files.find((f) => f.file === `${module}.d.ts`)!;
    expect(checkImports({ ...state, files: [...others, js] })).toEqual([
      `apps/imports/${module}.js: no ${module}.d.ts beside it: run npm run imports`,
    ]);
    expect(checkImports({ ...state, files: [...others, dts] })).toEqual([
      `apps/imports/${module}.d.ts: declarations without ${module}.js: run npm run imports`,
      expect.stringMatching(/no generated module in apps\/imports/),
    ]);
    expect(checkImports({ ...state, files: [...state.files, { ...js, file: `${module}.ts` }] })).toEqual([
      `apps/imports/${module}.ts: TypeScript source; apps/imports holds compiled modules (<module>.js and <module>.d.ts): run npm run imports`,
    ]);
    expect(checkImports({ ...state, specs: [...state.specs, state.specs[0]!] })).toEqual([
      expect.stringMatching(/listed twice/),
    ]);
    expect(checkImports({ ...state, specs: ['https://example.com/crd.yaml'] }).join('\n')).toMatch(
      /neither k8s@<major>\.<minor>\.<patch> nor <name>:=<url>/,
    );
  });

  test('a compiled module renders its kinds with their group and version, as its declarations say', async () => {
    const { Testing } = await import('cdk8s');
    const smallest = modulesOf(repository())
      .filter((f) => f.file !== 'k8s.js')
      .map((f) => ({ ...f, size: readFileSync(join(importDir, f.file)).length }))
      .sort((a, b) => a.size - b.size)[0]!;
    const mod = (await import(join(importDir, smallest.file))) as Record<string, unknown>;
    type Kind = (new (
      scope: unknown,
      id: string,
      props: object,
    ) => unknown) & {
      GVK: { apiVersion: string; kind: string };
    };
    const kinds = Object.values(mod).filter((v): v is Kind => typeof v === 'function' && 'GVK' in v);
    expect(kinds.length, smallest.file).toBeGreaterThan(0);
    const group = smallest.file.replace(/^[a-z0-9]+-/, '').replace(/\.js$/, '');
    const declarations = readFileSync(join(importDir, smallest.file.replace(/\.js$/, '.d.ts')), 'utf8');
    for (const Kind of kinds) {
      expect(declarations).toContain(`export declare class ${Kind.name} extends ApiObject {`);
      expect(Kind.GVK.apiVersion.startsWith(`${group}/`), Kind.GVK.apiVersion).toBe(true);
      const chart = Testing.chart();
      new Kind(chart, 'object', { metadata: { name: 'object' } });
      expect(Testing.synth(chart)).toEqual([{ ...Kind.GVK, metadata: { name: 'object' } }]);
    }
  });
});

describe('npm run imports (tools/imports/generate.ts) on a small hand-written CRD', () => {
  const url = 'https://raw.githubusercontent.com/example/widgets/v1.2.3/config/crd/example.com_widgets.yaml';
  const crd = [
    'apiVersion: apiextensions.k8s.io/v1',
    'kind: CustomResourceDefinition',
    'metadata:',
    '  name: widgets.example.com',
    'spec:',
    '  group: example.com',
    '  names: { kind: Widget, plural: widgets, singular: widget, listKind: WidgetList }',
    '  scope: Namespaced',
    '  versions:',
    '    - name: v1',
    '      served: true',
    '      storage: true',
    '      schema:',
    '        openAPIV3Schema:',
    '          type: object',
    '          properties:',
    '            spec:',
    '              type: object',
    '              required: [size]',
    '              properties:',
    '                size: { type: integer, description: Number of parts. }',
    '',
  ].join('\n');
  const sha = createHash('sha256').update(crd).digest('hex');
  const table: ImportSource[] = [{ name: 'widget', entry: 'test', pinned: () => 'v1.2.3', sha256: sha }];

  const roots: string[] = [];
  afterAll(() => {
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });
  function fixture(imports: string[] = [`widget:=${url}`]): string {
    const root = mkdtempSync(join(tmpdir(), 'genai-eks-imports-test-'));
    roots.push(root);
    writeFileSync(
      join(root, 'cdk8s.yaml'),
      stringify({ language: 'typescript', importDirectory: 'out', imports }),
    );
    return root;
  }
  const serve = (body: string): typeof fetch =>
    (async (u: string | URL | Request) =>
      String(u) === url
        ? new Response(body)
        : new Response('', { status: 404, statusText: 'Not Found' })) as typeof fetch;

  /** One generation of the fixture, shared by the tests that only read it (tsc runs once per generation). */
  let generated: Promise<GeneratedModule[]> | undefined;
  const generateOnce = () =>
    (generated ??= generateImports(fixture(), { kind: 'fetch', fetch: serve(crd) }, () => {}, table));

  test('compiles the module cdk8s import writes into .js and .d.ts, with the header, checked by sha256', async () => {
    const [m, ...rest] = await generateOnce();
    expect(rest).toEqual([]);
    expect(m!.module).toBe('widget-example.com');
    expect([m!.js.file, m!.dts.file]).toEqual(['widget-example.com.js', 'widget-example.com.d.ts']);
    const header = [
      expect.stringMatching(/^\/\/ Generated by `npm run imports` with cdk8s-cli \S+ \(`cdk8s import`\)\./),
      expect.stringMatching(/^\/\/ Compiled: esbuild \S+ \(\.js\), typescript \S+ \(\.d\.ts\)$/),
      `// Import: widget:=${url}`,
      '// Upstream: example/widgets@v1.2.3:config/crd/example.com_widgets.yaml',
      '// Version: v1.2.3',
      `// sha256: ${sha}`,
    ];
    const js = m!.js.text.split('\n');
    expect(js.slice(0, 6)).toEqual(header);
    // Only the value cdk8s exports stays; the types (and constructs' Construct) are elided.
    expect(js[6]).toBe('import { ApiObject } from "cdk8s";');
    expect(m!.js.text).not.toContain('constructs');
    expect(m!.js.text).toContain('class Widget extends ApiObject {');
    expect(m!.js.text).toContain('apiVersion: "example.com/v1",');
    expect(m!.js.text).toMatch(/^export \{\n {2}Widget,\n/m);
    const dts = m!.dts.text.split('\n');
    expect(dts.slice(0, 6)).toEqual(header);
    expect(dts[6]).toBe("import { ApiObject, ApiObjectMetadata, GroupVersionKind } from 'cdk8s';");
    expect(m!.dts.text).toContain('export declare class Widget extends ApiObject {');
    expect(m!.dts.text).toContain('readonly size: number;');
    expect(m!.dts.text).toContain('export declare function toJson_WidgetSpec(obj: WidgetSpec | undefined)');
    expect(m!.dts.text).not.toContain('obj === undefined');

    // Reproducibility of the whole apps/imports is checked by .ci/run (`npm run imports -- --check`).

    const state = {
      specs: [`widget:=${url}`],
      files: [m!.js, m!.dts],
      versions,
      table,
      generators: parseHeader(m!.js.text, m!.js.file).generators,
    };
    expect(checkImports(state)).toEqual([]);
    expect(checkImports({ ...state, table: [{ ...table[0]!, pinned: () => 'v1.2.4' }] })).toEqual([
      expect.stringMatching(
        /widget-example\.com\.js: generated from example\/widgets v1\.2\.3, but .* pins v1\.2\.4/,
      ),
    ]);
  });

  test('writes only what changed, removes stale generated files and keeps other files', async () => {
    const modules = await generateOnce();
    const [m] = modules;
    const out = join(mkdtempSync(join(tmpdir(), 'genai-eks-imports-test-')), 'out');
    roots.push(dirname(out));
    expect(writeImports(out, modules)).toEqual({
      missing: ['widget-example.com.js', 'widget-example.com.d.ts'],
      stale: [],
      changed: [],
    });
    expect(compareImports(out, modules)).toEqual({ missing: [], stale: [], changed: [] });
    writeFileSync(join(out, 'widget-example.com.d.ts'), `${m!.dts.text}// edited\n`);
    writeFileSync(join(out, 'old-example.com.js'), m!.js.text);
    // What the generator wrote before it compiled the modules.
    writeFileSync(join(out, 'widget-example.com.ts'), m!.js.text);
    writeFileSync(join(out, 'hand-written.ts'), 'export const x = 1;\n');
    expect(compareImports(out, modules)).toEqual({
      missing: [],
      stale: ['old-example.com.js', 'widget-example.com.ts'],
      changed: ['widget-example.com.d.ts'],
    });
    writeImports(out, modules);
    expect(readdirSync(out).sort()).toEqual([
      'hand-written.ts',
      'widget-example.com.d.ts',
      'widget-example.com.js',
    ]);
    expect(readFileSync(join(out, 'widget-example.com.d.ts'), 'utf8')).toBe(m!.dts.text);
    expect(readFileSync(join(out, 'widget-example.com.js'), 'utf8')).toBe(m!.js.text);
  });

  test('a file whose sha256 differs from the record, a failed download or an unknown import stops it', async () => {
    const root = fixture();
    await expect(
      generateImports(root, { kind: 'fetch', fetch: serve(`${crd}# changed upstream\n`) }, () => {}, table),
    ).rejects.toThrow(
      /widget:=.*: sha256 of https:\/\/.* is [0-9a-f]{64}, but IMPORTS .* records [0-9a-f]{64} for widget/,
    );
    await expect(generateImports(root, { kind: 'fetch', fetch: serve(crd) }, () => {}, [])).rejects.toThrow(
      /no entry named widget in IMPORTS/,
    );
    const missing = fixture([`widget:=${url.replace('v1.2.3', 'v9.9.9')}`]);
    await expect(
      generateImports(missing, { kind: 'fetch', fetch: serve(crd) }, () => {}, table),
    ).rejects.toThrow(
      /GET https:\/\/raw\.githubusercontent\.com\/example\/widgets\/v9\.9\.9\/.*: 404 Not Found/,
    );
    await expect(generateImports(fixture([url]), { kind: 'fetch' }, () => {}, table)).rejects.toThrow(
      /cdk8s\.yaml imports\[0\]: .* is neither k8s@/,
    );
  });
});
