/**
 * npm run synth [-- --env NAME[,NAME]] [--only k8s|terraform] [--out DIR] [--docs DIR] [--clusters DIR] [--quiet]
 *
 * Renders every environment (or the named ones, by `name`) in one process: cdk8s to
 * <out>/k8s/<env>/, cdktf to <out>/terraform/<env>/. A full render (every environment, both
 * parts) also writes the documents generated from it (review/docs.ts: environments.md,
 * architecture.md) into <docs>: `docs` when <out> is the default `dist`, otherwise only when
 * `--docs` names a folder. A failure leaves <out> and <docs> exactly as they were. The render
 * itself is render/ (build.ts, write.ts); this file parses arguments, prints and sets the exit
 * code.
 *
 * Under `cdk8s synth` (CDK8S_OUTDIR set) the summary goes to stderr, because cdk8s-cli swallows
 * the app's stdout (cdk8s-cli@2.207.60 lib/util.js, shell()), and the folder cdk8s expects
 * (cdk8s.yaml `output`) gets one file saying where the manifests went.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { EnvironmentError, type VersionsTables } from '../clusters/lib/resolve.js';
import { PARTS, type Part, render } from '../render/build.js';
import { RenderError } from '../render/error.js';
import { writeRender } from '../render/write.js';
import { generatedDocs } from '../review/docs.js';

/** Where the CLI writes: the console, or a buffer in tests. */
export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const CONSOLE: Io = { out: (l) => console.log(l), err: (l) => console.error(l) };

/**
 * The CLI: returns the exit code. Failures are reported on `io.err`, never thrown. `tables`
 * replaces clusters/versions.ts in the load-time check (tests).
 */
export async function main(
  args: readonly string[],
  io: Io = CONSOLE,
  tables?: VersionsTables,
): Promise<number> {
  try {
    return await synth(args, io, tables);
  } catch (e: unknown) {
    const parseError = (e as { code?: unknown }).code?.toString().startsWith('ERR_PARSE_ARGS');
    if (e instanceof EnvironmentError || e instanceof RenderError || parseError) {
      io.err(`synth failed, dist/ unchanged:\n${(e as Error).message}`);
    } else {
      io.err(`synth failed, dist/ unchanged: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
    return 1;
  }
}

async function synth(args: readonly string[], io: Io, tables: VersionsTables | undefined): Promise<number> {
  const started = performance.now();
  const { values } = parseArgs({
    args: [...args],
    options: {
      env: { type: 'string', multiple: true },
      only: { type: 'string' },
      out: { type: 'string' },
      docs: { type: 'string' },
      clusters: { type: 'string', default: 'clusters' },
      quiet: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const out = values.out ?? 'dist';
  const only = (values.env ?? []).flatMap((e) => e.split(',')).filter(Boolean);
  if (values.only !== undefined && !PARTS.includes(values.only as Part)) {
    throw new RenderError(`--only: expected one of ${PARTS.join(', ')}, got ${JSON.stringify(values.only)}`);
  }
  const parts: readonly Part[] = values.only ? [values.only as Part] : PARTS;
  const cdktfOutdir = parts.includes('terraform') ? process.env.CDKTF_OUTDIR : undefined;
  const results = await render({
    clustersDir: values.clusters,
    only,
    parts,
    ...(cdktfOutdir ? { cdktfOutdir } : {}),
    ...(tables ? { tables } : {}),
  });
  // The generated documents need every environment and both parts.
  const docsDir = values.docs ?? (values.out === undefined ? 'docs' : undefined);
  const full = only.length === 0 && parts.length === PARTS.length;
  let docs: ReadonlyMap<string, string> | undefined;
  if (docsDir !== undefined && full) {
    const generated = generatedDocs(
      results.map((r) => r.env),
      results,
    );
    if (generated.problems.length > 0) {
      throw new RenderError(
        `the report of this render found problems (review/report.ts):\n${generated.problems.join('\n')}`,
      );
    }
    docs = generated.files;
  }
  writeRender(out, results, { parts, full: only.length === 0 });
  const written = docs && docsDir !== undefined ? writeDocs(docsDir, docs) : [];
  const cdk8sOutdir = process.env.CDK8S_OUTDIR;
  if (cdk8sOutdir) noteForCdk8s(cdk8sOutdir, out);
  if (!values.quiet) {
    // cdk8s-cli swallows the app's stdout: under it, the summary goes to stderr.
    const print = cdk8sOutdir ? io.err : io.out;
    for (const r of results) {
      const counts = [
        parts.includes('k8s') ? `${String(r.kubernetesObjects).padStart(4)} Kubernetes objects` : undefined,
        parts.includes('terraform')
          ? `${String(r.terraformResources).padStart(4)} Terraform resources`
          : undefined,
      ].filter(Boolean);
      print(`${r.env.name.padEnd(12)} ${counts.join('  ')}  ${r.millis.toFixed(0).padStart(5)} ms`);
    }
    const docNote =
      docs && docsDir !== undefined
        ? `; ${[...docs.keys()].map((d) => join(docsDir, d)).join(', ')} ${written.length > 0 ? 'written' : 'unchanged'}`
        : '';
    print(
      `rendered ${results.length} environment(s) into ${out}/ in ${((performance.now() - started) / 1000).toFixed(2)} s${docNote}`,
    );
  }
  return 0;
}

/**
 * Writes the generated documents into `dir`, each through a temporary file renamed over the old
 * one; a document that already holds these bytes is left alone. Returns the files written.
 */
function writeDocs(dir: string, docs: ReadonlyMap<string, string>): string[] {
  const written: string[] = [];
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of docs) {
    const file = join(dir, name);
    if (existsSync(file) && readFileSync(file, 'utf8') === content) continue;
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, content);
    renameSync(tmp, file);
    written.push(file);
  }
  return written;
}

/**
 * `cdk8s synth` expects the app to write into CDK8S_OUTDIR and lists every YAML file there. The
 * render writes dist/ itself (atomically, replacing each environment's folder), so the folder
 * cdk8s.yaml names gets one file pointing there.
 */
function noteForCdk8s(outdir: string, out: string): void {
  mkdirSync(outdir, { recursive: true });
  writeFileSync(
    join(outdir, 'rendered-into.yaml'),
    `# npm run synth and cdk8s synth render into ${out}/k8s/<env>/ (see README.md)\nrenderedInto: ${out}/k8s\n`,
  );
}

// Run as a program by tsx (render/launch.mjs calls main itself).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
