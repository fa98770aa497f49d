/**
 * Generates apps/imports/ with cdk8s-cli's own `cdk8s import` code path (its importDispatch, the
 * function behind the CLI command), for the imports that cdk8s.yaml lists. Only the bytes of each
 * upstream file come from us: read from a local copy of the pinned files (a reference folder such
 * as ../shared/reference) or fetched from the URL, and checked against the sha256 recorded in
 * sources.ts before cdk8s-cli sees them. cdk8s-cli downloads through one function
 * (lib/util.js `download`); it is replaced for the duration of the import.
 *
 * Two adjustments are made to cdk8s-cli's output, both checked so that a cdk8s-cli change fails
 * loudly instead of silently: a provenance header is prepended (sources.ts `formatHeader`), and the
 * `cdk8s` import line marks its type-only names `type` (this repository compiles with
 * `verbatimModuleSyntax` and runs as ES modules, where importing the interfaces
 * `ApiObjectMetadata`/`GroupVersionKind` as values fails at load time: "The requested module
 * 'cdk8s' does not provide an export named 'ApiObjectMetadata'").
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { parse } from 'yaml';
import {
  formatHeader,
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

export interface GeneratedModule {
  /** File name inside the import directory. */
  readonly file: string;
  readonly text: string;
  readonly spec: ImportSpec;
  /** Path or URL the upstream bytes were read from. */
  readonly from: string;
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

/**
 * cdk8s-cli's modules by file: the package exports only ./plugins, so they are required by path
 * from the installed package (pinned exactly in package.json).
 */
function loadCdk8sCli(): Cdk8sCli {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('cdk8s-cli/package.json'));
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  return {
    version: pkg.version,
    util: require(join(dir, 'lib/util.js')) as Cdk8sCli['util'],
    importDispatch: (require(join(dir, 'lib/import/dispatch.js')) as Pick<Cdk8sCli, 'importDispatch'>)
      .importDispatch,
  };
}

const FIRST_LINE = '// generated by cdk8s';
const CDK8S_IMPORT = {
  crd: "import { ApiObject, ApiObjectMetadata, GroupVersionKind } from 'cdk8s';",
  k8s: "import { ApiObject, GroupVersionKind } from 'cdk8s';",
};
const CDK8S_IMPORT_TYPED = {
  crd: "import { ApiObject, type ApiObjectMetadata, type GroupVersionKind } from 'cdk8s';",
  k8s: "import { ApiObject, type GroupVersionKind } from 'cdk8s';",
};

/** cdk8s-cli's output with the provenance header and type-only cdk8s imports. */
function adjust(text: string, spec: ImportSpec, sum: string, cliVersion: string): string {
  const lines = text.split('\n');
  const kind = spec.name === 'k8s' ? 'k8s' : 'crd';
  if (lines[0] !== FIRST_LINE || lines[1] !== CDK8S_IMPORT[kind]) {
    throw new Error(
      `${spec.spec}: cdk8s-cli ${cliVersion} output starts ${JSON.stringify(lines.slice(0, 2))}, expected ` +
        `${JSON.stringify([FIRST_LINE, CDK8S_IMPORT[kind]])}: review the adjustments in tools/imports/generate.ts`,
    );
  }
  lines[1] = CDK8S_IMPORT_TYPED[kind];
  return formatHeader(spec, sum, cliVersion) + lines.join('\n');
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
  const originalDownload = cli.util.download;
  const tmp = mkdtempSync(join(tmpdir(), 'genai-eks-imports-'));
  const modules: GeneratedModule[] = [];
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
      const outdir = join(tmp, spec.name);
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
      const text = adjust(readFileSync(join(outdir, file), 'utf8'), spec, actual, cli.version);
      modules.push({ file, text, spec, from });
      progress(
        `${file} <- ${source.kind === 'fetch' ? from : relative(root, from)} (${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB)`,
      );
    }
  } finally {
    cli.util.download = originalDownload;
    rmSync(tmp, { recursive: true, force: true });
  }
  const files = new Set<string>();
  for (const m of modules) {
    if (files.has(m.file)) throw new Error(`${m.spec.spec}: ${m.file} is generated by two imports`);
    files.add(m.file);
  }
  return modules;
}

/** Files in `dir` that an earlier run generated (they start with the header marker). */
function generatedFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .filter((f) => readFileSync(join(dir, f), 'utf8').startsWith(HEADER_MARKER))
    .sort();
}

export interface ImportsDiff {
  readonly missing: readonly string[];
  readonly stale: readonly string[];
  readonly changed: readonly string[];
}

/** How `dir` differs from the generated modules. */
export function compareImports(dir: string, modules: readonly GeneratedModule[]): ImportsDiff {
  const existing = new Set(generatedFiles(dir));
  const wanted = new Set(modules.map((m) => m.file));
  return {
    missing: modules.filter((m) => !existing.has(m.file)).map((m) => m.file),
    stale: [...existing].filter((f) => !wanted.has(f)),
    changed: modules
      .filter((m) => existing.has(m.file) && readFileSync(join(dir, m.file), 'utf8') !== m.text)
      .map((m) => m.file),
  };
}

/**
 * Writes the modules into `dir` (each through a temporary file and a rename) and removes
 * modules of earlier runs that are no longer generated. Files without the header stay.
 */
export function writeImports(dir: string, modules: readonly GeneratedModule[]): ImportsDiff {
  mkdirSync(dir, { recursive: true });
  const diff = compareImports(dir, modules);
  for (const m of modules) {
    if (!diff.missing.includes(m.file) && !diff.changed.includes(m.file)) continue;
    const tmp = join(dir, `.${m.file}.tmp`);
    writeFileSync(tmp, m.text);
    renameSync(tmp, join(dir, m.file));
  }
  for (const f of diff.stale) rmSync(join(dir, f));
  return diff;
}
