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
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { versions } from '../clusters/versions.js';
import { compareImports, generateImports, writeImports } from '../tools/imports/generate.js';
import {
  checkImports,
  IMPORTS,
  type ImportSource,
  type ImportsState,
  parseHeader,
  parseSpec,
  type VersionsTable,
} from '../tools/imports/sources.js';

const ROOT = resolve(import.meta.dirname, '..');

/** The first bytes of a file: the generated modules are megabytes, the header is a few lines. */
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

/** The repository as it is: cdk8s.yaml, the generated modules, the table and the versions table. */
function repository(): ImportsState {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  return {
    specs: config.imports,
    files: readdirSync(importDir)
      .filter((f) => f.endsWith('.ts'))
      .map((file) => ({ file, text: head(join(importDir, file)) })),
    versions,
    table: IMPORTS,
    cdk8sCli: pkg.devDependencies['cdk8s-cli']!,
  };
}

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

  test('each generated module marks the type-only names of its cdk8s import (ES modules need it)', () => {
    for (const { file, text } of repository().files) {
      const lines = text.split('\n');
      const cdk8s = lines.find((l) => l.endsWith("from 'cdk8s';"));
      expect(cdk8s, file).toMatch(/^import \{ ApiObject(, type [A-Za-z]+)+ \} from 'cdk8s';$/);
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
    expect(source).toHaveLength(names('fluxControllers.sourceController').length);

    const kubernetes = checkImports({
      ...repository(),
      versions: versionsWith((v) => {
        (v as unknown as Record<string, string>).kubernetes = '9.99';
      }),
    });
    expect(kubernetes).toEqual([expect.stringMatching(/^apps\/imports\/k8s\.ts: .*pins 9\.99\.0/)]);
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

  test('a module whose header names another version, sha256 or cdk8s-cli fails', () => {
    const state = repository();
    const [first, ...rest] = state.files;
    const header = parseHeader(first!.text, first!.file);
    const edited = first!.text
      .replace(`// Version: ${header.version}`, '// Version: v0.0.0-other')
      .replace(`// sha256: ${header.sha256}`, `// sha256: ${'0'.repeat(64)}`);
    const problems = checkImports({ ...state, files: [{ file: first!.file, text: edited }, ...rest] });
    expect(problems.some((p) => p.includes('header Version v0.0.0-other'))).toBe(true);
    expect(problems.some((p) => p.includes('but clusters/versions.ts'))).toBe(true);
    expect(
      problems.some((p) =>
        p.includes(
          `IMPORTS records ${IMPORTS.find((t) => t.name === parseSpec(header.spec, 'test').name)!.sha256}`,
        ),
      ),
    ).toBe(true);
    expect(checkImports({ ...state, cdk8sCli: '0.0.0' })).toHaveLength(state.files.length);
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
    expect(checkImports({ ...state, files: state.files.slice(1) })).toEqual([
      expect.stringMatching(/no generated module in apps\/imports/),
    ]);
    expect(checkImports({ ...state, specs: [...state.specs, state.specs[0]!] })).toEqual([
      expect.stringMatching(/listed twice/),
    ]);
    expect(checkImports({ ...state, specs: ['https://example.com/crd.yaml'] }).join('\n')).toMatch(
      /neither k8s@<major>\.<minor>\.<patch> nor <name>:=<url>/,
    );
  });

  test('a generated module renders its kinds with their group and version', async () => {
    const { Testing } = await import('cdk8s');
    const smallest = repository()
      .files.filter((f) => f.file !== 'k8s.ts')
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
    const group = smallest.file.replace(/^[a-z0-9]+-/, '').replace(/\.ts$/, '');
    for (const Kind of kinds) {
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

  test('generates the module cdk8s import writes, with the header, checked by sha256, reproducibly', async () => {
    const root = fixture();
    const [m, ...rest] = await generateImports(root, { kind: 'fetch', fetch: serve(crd) }, () => {}, table);
    expect(rest).toEqual([]);
    expect(m!.file).toBe('widget-example.com.ts');
    const lines = m!.text.split('\n');
    expect(lines.slice(1, 5)).toEqual([
      `// Import: widget:=${url}`,
      '// Upstream: example/widgets@v1.2.3:config/crd/example.com_widgets.yaml',
      '// Version: v1.2.3',
      `// sha256: ${sha}`,
    ]);
    expect(lines.slice(5, 8)).toEqual([
      '// generated by cdk8s',
      "import { ApiObject, type ApiObjectMetadata, type GroupVersionKind } from 'cdk8s';",
      "import { Construct } from 'constructs';",
    ]);
    expect(m!.text).toContain('export class Widget extends ApiObject');
    expect(m!.text).toContain("apiVersion: 'example.com/v1',");
    const again = await generateImports(root, { kind: 'fetch', fetch: serve(crd) }, () => {}, table);
    expect(again.map((g) => g.text)).toEqual([m!.text]);

    const state = {
      specs: [`widget:=${url}`],
      files: [m!],
      versions,
      table,
      cdk8sCli: parseHeader(m!.text, m!.file).cdk8sCli,
    };
    expect(checkImports(state)).toEqual([]);
    expect(checkImports({ ...state, table: [{ ...table[0]!, pinned: () => 'v1.2.4' }] })).toEqual([
      expect.stringMatching(
        /widget-example\.com\.ts: generated from example\/widgets v1\.2\.3, but .* pins v1\.2\.4/,
      ),
    ]);
  });

  test('writes only what changed, removes stale generated modules and keeps other files', async () => {
    const root = fixture();
    const modules = await generateImports(root, { kind: 'fetch', fetch: serve(crd) }, () => {}, table);
    const out = join(root, 'out');
    expect(writeImports(out, modules)).toEqual({
      missing: ['widget-example.com.ts'],
      stale: [],
      changed: [],
    });
    expect(compareImports(out, modules)).toEqual({ missing: [], stale: [], changed: [] });
    writeFileSync(join(out, 'widget-example.com.ts'), `${modules[0]!.text}// edited\n`);
    writeFileSync(join(out, 'old-example.com.ts'), modules[0]!.text);
    writeFileSync(join(out, 'hand-written.ts'), 'export const x = 1;\n');
    expect(compareImports(out, modules)).toEqual({
      missing: [],
      stale: ['old-example.com.ts'],
      changed: ['widget-example.com.ts'],
    });
    writeImports(out, modules);
    expect(readdirSync(out).sort()).toEqual(['hand-written.ts', 'widget-example.com.ts']);
    expect(readFileSync(join(out, 'widget-example.com.ts'), 'utf8')).toBe(modules[0]!.text);
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
