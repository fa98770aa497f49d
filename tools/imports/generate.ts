/**
 * Generates apps/imports/ with cdk8s-cli's own `cdk8s import` code path (its importDispatch, the
 * function behind the CLI command), for the imports that cdk8s.yaml lists. Only the bytes of each
 * upstream file come from us: read from a local copy of the pinned files (a reference folder such
 * as ../shared/reference) or fetched from the URL, and checked against the sha256 recorded in
 * sources.ts before cdk8s-cli sees them. cdk8s-cli downloads through one function
 * (lib/util.js `download`); it is replaced for the duration of the import.
 *
 * cdk8s-cli's TypeScript module is not committed as it is: it is compiled into `<module>.js`
 * (esbuild's transform, one file at a time) and `<module>.d.ts` (TypeScript's declaration emit,
 * one `tsc` run over all modules), because type-checking and loading megabytes of generated
 * TypeScript on every test run costs seconds (docs/decisions.md, "Typed imports"). The transform
 * elides imported names that are used as types only, as `tsc` does without
 * `verbatimModuleSyntax` (esbuild's default for TypeScript: github.com/evanw/esbuild/releases/tag/v0.14.0),
 * so cdk8s-cli's `import { ApiObject, ApiObjectMetadata, GroupVersionKind } from 'cdk8s'` becomes
 * `import { ApiObject } from "cdk8s"` and loads as an ES module. Both files start with the
 * provenance header (sources.ts `formatHeader`), which names the versions of all three tools.
 */

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { version as esbuildVersion, transform } from 'esbuild';
import { parse } from 'yaml';
import {
  formatHeader,
  type Generators,
  HEADER_MARKER,
  IMPORTS,
  type ImportSource,
  type ImportSpec,
  parseSpec,
} from './sources.js';

export interface Cdk8sConfig {
  /** Where `cdk8s import` writes (cdk8s.yaml `importDirectory`). */
  readonly importDirectory: string;
  /** cdk8s.yaml `imports:` entries. */
  readonly imports: readonly string[];
}

/** Reads cdk8s.yaml's import settings from the repository root. */
export function readCdk8sConfig(root: string): Cdk8sConfig {
  const file = join(root, 'cdk8s.yaml');
  const doc = parse(readFileSync(file, 'utf8')) as { importDirectory?: unknown; imports?: unknown };
  if (typeof doc.importDirectory !== 'string') throw new Error(`${file}: importDirectory: expected a folder`);
  if (!Array.isArray(doc.imports) || doc.imports.some((i) => typeof i !== 'string')) {
    throw new Error(`${file}: imports: expected a list of import specs`);
  }
  return { importDirectory: doc.importDirectory, imports: doc.imports as string[] };
}

/** Where the upstream bytes come from. */
export type Source =
  /** A folder laid out like ../shared/reference: crds/<file name of the URL>, kubernetes/v<version>-definitions.json. */
  | { readonly kind: 'reference'; readonly dir: string }
  /** The URLs themselves (a fork, CI with network access); `fetch` defaults to the global one. */
  | { readonly kind: 'fetch'; readonly fetch?: typeof fetch };

/** One file of the import directory. */
export interface GeneratedFile {
  /** File name inside the import directory. */
  readonly file: string;
  readonly text: string;
}

export interface GeneratedModule {
  /** The module's name, `<name>-<api group>` or `k8s`: the file name cdk8s-cli chose, without `.ts`. */
  readonly module: string;
  /** `<module>.js`, the compiled ES module. */
  readonly js: GeneratedFile;
  /** `<module>.d.ts`, its declarations. */
  readonly dts: GeneratedFile;
  readonly spec: ImportSpec;
  /** Path or URL the upstream bytes were read from. */
  readonly from: string;
}

/** The files of the generated modules, in order (`.js`, then `.d.ts`, per module). */
export function generatedFilesOf(modules: readonly GeneratedModule[]): GeneratedFile[] {
  return modules.flatMap((m) => [m.js, m.dts]);
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function readUpstream(spec: ImportSpec, source: Source): Promise<{ bytes: Buffer; from: string }> {
  if (source.kind === 'reference') {
    const from =
      spec.name === 'k8s'
        ? join(source.dir, 'kubernetes', `v${spec.version}-definitions.json`)
        : join(source.dir, 'crds', basename(spec.path));
    if (!existsSync(from))
      throw new Error(`${spec.spec}: ${from} does not exist (reference folder ${source.dir})`);
    return { bytes: readFileSync(from), from };
  }
  const res = await (source.fetch ?? fetch)(spec.url).catch((e: unknown) => {
    const cause = (e as { cause?: unknown }).cause;
    throw new Error(
      `${spec.spec}: GET ${spec.url}: ${(e as Error).message}${cause ? ` (${String(cause)})` : ''}`,
    );
  });
  if (!res.ok) throw new Error(`${spec.spec}: GET ${spec.url}: ${res.status} ${res.statusText}`);
  return { bytes: Buffer.from(await res.arrayBuffer()), from: spec.url };
}

/** The bits of cdk8s-cli's library that the CLI command uses (cdk8s-cli lib/cli/cmds/import.js). */
interface Cdk8sCli {
  readonly version: string;
  readonly util: { download: (url: string) => Promise<string>; parseImports: (spec: string) => unknown };
  readonly importDispatch: (
    specs: readonly unknown[],
    argv: Record<string, unknown>,
    options: { outdir: string; targetLanguage: string; classNamePrefix?: string; save: boolean },
  ) => Promise<void>;
}

const require = createRequire(import.meta.url);

/** The installed package's folder and package.json (the packages are pinned exactly in package.json). */
function installed(name: string): { dir: string; version: string; bin?: Record<string, string> } {
  const file = require.resolve(`${name}/package.json`);
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version: string; bin?: Record<string, string> };
  return { dir: dirname(file), ...pkg };
}

/**
 * cdk8s-cli's modules by file: the package exports only ./plugins, so they are required by path
 * from the installed package.
 */
function loadCdk8sCli(): Cdk8sCli {
  const { dir, version } = installed('cdk8s-cli');
  return {
    version,
    util: require(join(dir, 'lib/util.js')) as Cdk8sCli['util'],
    importDispatch: (require(join(dir, 'lib/import/dispatch.js')) as Pick<Cdk8sCli, 'importDispatch'>)
      .importDispatch,
  };
}

/**
 * The TypeScript compiler's command line (typescript 7 is a native compiler without the JS API of
 * earlier releases), run with Node like `npx tsc` does.
 */
function tscCommand(): { version: string; command: string[] } {
  const ts = installed('typescript');
  const bin = ts.bin?.tsc;
  if (!bin) throw new Error(`typescript ${ts.version} (${ts.dir}): package.json names no tsc binary`);
  return { version: ts.version, command: [process.execPath, join(ts.dir, bin)] };
}

/** The versions of the tools that produce the committed files (recorded in every header). */
export function generatorVersions(): Generators {
  return {
    cdk8sCli: installed('cdk8s-cli').version,
    esbuild: esbuildVersion,
    typescript: tscCommand().version,
  };
}

/**
 * The target of both compilations: tsconfig.json's, which tsx and vitest applied when they ran the
 * `.ts` (the render of every environment is byte-identical either way).
 */
const TARGET = 'es2022';

/** `<module>.ts` as an ES module, through esbuild's transform (no bundling, no minification). */
async function compileJs(file: string, text: string): Promise<string> {
  const result = await transform(text, { loader: 'ts', format: 'esm', target: TARGET, sourcefile: file });
  if (result.warnings.length > 0) {
    throw new Error(
      `${file}: esbuild ${esbuildVersion} warned: ${result.warnings.map((w) => w.text).join('; ')}`,
    );
  }
  return result.code;
}

/**
 * The declarations of every `<module>.ts` in `dir`, by module name, from one `tsc` run. `dir`
 * must see the repository's node_modules (for the types of cdk8s and constructs).
 */
function compileDeclarations(dir: string, modules: readonly string[]): Map<string, string> {
  const tsc = tscCommand();
  const out = join(dir, '.declarations');
  const args = [
    '--ignoreConfig',
    ...modules.map((m) => `${m}.ts`),
    '--declaration',
    '--emitDeclarationOnly',
    '--outDir',
    out,
    '--newLine',
    'lf',
    '--pretty',
    'false',
    '--skipLibCheck',
    '--strict',
    '--module',
    'preserve',
    '--moduleResolution',
    'bundler',
    '--target',
    TARGET,
    '--isolatedModules',
    // The generated code needs only the language and cdk8s/constructs: no DOM library (the
    // default for the target) and no @types (typescript 7.0.2 loads none without --types, as
    // --listFilesOnly shows); loading them would only cost time.
    '--lib',
    'es2023',
  ];
  const run = spawnSync(tsc.command[0]!, [...tsc.command.slice(1), ...args], {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error) throw new Error(`tsc (typescript ${tsc.version}): ${run.error.message}`);
  if (run.status !== 0) {
    const output = `${run.stdout}${run.stderr}`.trim().split('\n');
    throw new Error(
      `tsc (typescript ${tsc.version}) --emitDeclarationOnly over cdk8s-cli's output failed (exit ${run.status}):\n` +
        `${output.slice(0, 40).join('\n')}${output.length > 40 ? `\n... ${output.length - 40} more lines` : ''}`,
    );
  }
  const declarations = new Map<string, string>();
  for (const m of modules) {
    const file = join(out, `${m}.d.ts`);
    if (!existsSync(file)) throw new Error(`tsc (typescript ${tsc.version}) wrote no ${m}.d.ts`);
    declarations.set(m, readFileSync(file, 'utf8'));
  }
  return declarations;
}

/** The folder of node_modules that holds cdk8s (and constructs beside it). */
function nodeModulesOfCdk8s(): string {
  return dirname(installed('cdk8s').dir);
}

/** Runs `fn` with console.log/console.error collected (cdk8s-cli reports progress on both). */
async function quietly<T>(fn: () => Promise<T>): Promise<{ result: T; output: string[] }> {
  const output: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => void output.push(a.join(' '));
  console.error = (...a: unknown[]) => void output.push(a.join(' '));
  try {
    return { result: await fn(), output };
  } finally {
    console.log = log;
    console.error = error;
  }
}

/**
 * Generates every import that cdk8s.yaml lists, in memory. Throws, naming the import, on a
 * missing table entry, a sha256 mismatch or an unexpected cdk8s-cli output; writes nothing.
 */
export async function generateImports(
  root: string,
  source: Source,
  progress: (line: string) => void = () => {},
  imports: readonly ImportSource[] = IMPORTS,
): Promise<GeneratedModule[]> {
  const config = readCdk8sConfig(root);
  const specs = config.imports.map((s, i) => parseSpec(s, `cdk8s.yaml imports[${i}]`));
  const table = new Map(imports.map((t) => [t.name, t]));
  const seen = new Set<string>();
  for (const s of specs) {
    if (!table.has(s.name)) {
      throw new Error(
        `cdk8s.yaml import ${s.spec}: no entry named ${s.name} in IMPORTS (tools/imports/sources.ts)`,
      );
    }
    if (seen.has(s.name)) throw new Error(`cdk8s.yaml import ${s.spec}: the name ${s.name} is listed twice`);
    seen.add(s.name);
  }

  const cli = loadCdk8sCli();
  const generators = generatorVersions();
  const originalDownload = cli.util.download;
  const tmp = mkdtempSync(join(tmpdir(), 'genai-eks-imports-'));
  // cdk8s-cli's modules, one folder for tsc; it resolves `cdk8s` and `constructs` through this link.
  const sources = join(tmp, 'modules');
  mkdirSync(sources);
  symlinkSync(nodeModulesOfCdk8s(), join(sources, 'node_modules'), 'junction');
  const imported: { module: string; text: string; spec: ImportSpec; sha256: string; from: string }[] = [];
  try {
    for (const spec of specs) {
      const { bytes, from } = await readUpstream(spec, source);
      const expected = table.get(spec.name)!.sha256;
      const actual = sha256(bytes);
      if (actual !== expected) {
        throw new Error(
          `${spec.spec}: sha256 of ${from} is ${actual}, but IMPORTS (tools/imports/sources.ts) records ` +
            `${expected} for ${spec.name}. If the upstream version changed on purpose, review the file and record its sha256.`,
        );
      }
      const outdir = join(tmp, 'cdk8s', spec.name);
      cli.util.download = async (url: string) => {
        if (url !== spec.url)
          throw new Error(`${spec.spec}: cdk8s-cli asked for ${url}, expected ${spec.url}`);
        return bytes.toString('utf8');
      };
      const { output } = await quietly(() =>
        // The options `cdk8s import` passes (cdk8s-cli lib/cli/cmds/import.js): TypeScript, default
        // class prefix (`Kube` for k8s, none for CRDs), cdk8s.yaml left as it is.
        cli.importDispatch(
          [cli.util.parseImports(spec.spec)],
          {},
          { outdir, targetLanguage: 'typescript', save: false },
        ),
      ).catch((e: unknown) => {
        throw new Error(`${spec.spec}: cdk8s import failed: ${e instanceof Error ? e.message : String(e)}`);
      });
      const files = readdirSync(outdir).filter((f) => f.endsWith('.ts'));
      if (files.length !== 1) {
        throw new Error(
          `${spec.spec}: cdk8s import wrote ${files.length} modules (${files.join(', ')}), expected one\n${output.join('\n')}`,
        );
      }
      const file = files[0]!;
      const module = file.slice(0, -'.ts'.length);
      const clash = imported.find((m) => m.module === module);
      if (clash)
        throw new Error(`${spec.spec}: ${module} is generated by two imports (also ${clash.spec.spec})`);
      const text = readFileSync(join(outdir, file), 'utf8');
      writeFileSync(join(sources, file), text);
      imported.push({ module, text, spec, sha256: actual, from });
      progress(
        `${file} <- ${source.kind === 'fetch' ? from : relative(root, from)} (${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB)`,
      );
    }
    cli.util.download = originalDownload;

    let started = performance.now();
    const js = await Promise.all(imported.map((m) => compileJs(`${m.module}.ts`, m.text)));
    const jsSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    const declarations = compileDeclarations(
      sources,
      imported.map((m) => m.module),
    );
    const dtsSeconds = (performance.now() - started) / 1000;
    progress(
      `compiled ${imported.length} modules: .js by esbuild ${generators.esbuild} (${jsSeconds.toFixed(1)} s), ` +
        `.d.ts by TypeScript ${generators.typescript} (${dtsSeconds.toFixed(1)} s)`,
    );
    return imported.map((m, i) => {
      const header = formatHeader(m.spec, m.sha256, generators);
      return {
        module: m.module,
        js: { file: `${m.module}.js`, text: header + js[i]! },
        dts: { file: `${m.module}.d.ts`, text: header + declarations.get(m.module)! },
        spec: m.spec,
        from: m.from,
      };
    });
  } finally {
    cli.util.download = originalDownload;
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Files in `dir` that an earlier run generated: modules (`.js`, `.d.ts`, and the `.ts` of the
 * generator before it compiled them) that start with the header marker.
 */
function generatedFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.js') || f.endsWith('.ts'))
    .filter((f) => readFileSync(join(dir, f), 'utf8').startsWith(HEADER_MARKER))
    .sort();
}

export interface ImportsDiff {
  readonly missing: readonly string[];
  readonly stale: readonly string[];
  readonly changed: readonly string[];
}

/** How the files in `dir` differ from what writing the generated modules would leave there. */
export function compareImports(dir: string, modules: readonly GeneratedModule[]): ImportsDiff {
  const files = generatedFilesOf(modules);
  const existing = new Set(generatedFiles(dir));
  const wanted = new Set(files.map((f) => f.file));
  return {
    missing: files.filter((f) => !existing.has(f.file)).map((f) => f.file),
    stale: [...existing].filter((f) => !wanted.has(f)),
    changed: files
      .filter((f) => existing.has(f.file) && readFileSync(join(dir, f.file), 'utf8') !== f.text)
      .map((f) => f.file),
  };
}

/**
 * Writes the modules' files into `dir` (each through a temporary file and a rename) and removes
 * files of earlier runs that are no longer generated. Files without the header stay.
 */
export function writeImports(dir: string, modules: readonly GeneratedModule[]): ImportsDiff {
  mkdirSync(dir, { recursive: true });
  const diff = compareImports(dir, modules);
  for (const f of generatedFilesOf(modules)) {
    if (!diff.missing.includes(f.file) && !diff.changed.includes(f.file)) continue;
    const tmp = join(dir, `.${f.file}.tmp`);
    writeFileSync(tmp, f.text);
    renameSync(tmp, join(dir, f.file));
  }
  for (const f of diff.stale) rmSync(join(dir, f));
  return diff;
}
