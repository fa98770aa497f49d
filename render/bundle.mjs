/**
 * The bundled render: one esbuild bundle of the repository's TypeScript commands and every
 * package they import, run by plain `node` (render/launch.mjs). Plain JavaScript, type-checked
 * through JSDoc, because it is what makes the TypeScript runnable.
 *
 * Staleness. A bundle is used only while every file it was built from is unchanged: each by its
 * size, modification and change times and inode (writing or reinstalling a file gives it a new
 * change time; one changed within seconds of the build is recorded by the SHA-256 of its
 * content, as a later change in the same clock tick could keep its stat). tsconfig.json, package.json, the commands, esbuild's and
 * Node's versions, the checkout's path and this file's own bytes are part of the key. Anything
 * else rebuilds the bundle first, so a changed source file never runs an old bundle. The one
 * change no recorded input shows is a new file that shadows a resolved one (an `x.js` added
 * beside the `x.ts` that `./x.js` resolved to); the repository has no such pairs.
 *
 * Speed. The bundle is CommonJS, evaluated through vm.Script with V8's code cache of it,
 * written after its first run so that it holds every function that run compiled
 * (https://nodejs.org/docs/latest-v20.x/api/vm.html#scriptcreatecacheddata). Its dynamic
 * import() goes to Node's default loader (vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER, since
 * Node 20.12.0, which keeps the code cache usable:
 * https://nodejs.org/docs/latest-v20.x/api/vm.html#vmconstantsuse_main_context_default_loader).
 * Inputs come from esbuild's metafile, `import.meta` per file from its `define`
 * (https://esbuild.github.io/api/#metafile, https://esbuild.github.io/api/#define).
 *
 * Two bundles. render/launch.mjs builds one for its commands and one for the Terraform part,
 * which a thread of its own runs: a project can leave modules out (`leaveOut`: importing one
 * rejects with the reason) and defer packages the render never calls (`deferred`: a stand-in
 * requires the real package from node_modules on its first use). docs/decisions.md, "Render
 * speed", says why.
 *
 * Environment files. They are found at run time in a clusters folder, so they are not in the
 * bundle: render/modules.ts imports them through the importer installImporter sets, which
 * compiles each one with esbuild (cached by path and content) and links its imports of
 * repository modules (clusters/lib/environment.ts, say) to the bundle's own instances.
 */
// @ts-check
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';

/** The importer render/modules.ts looks for (its IMPORTER). */
const IMPORTER = Symbol.for('genai-eks.render.import');
/** Repository modules of the bundles evaluated in this process, by absolute path. */
const MODULES = Symbol.for('genai-eks.render.modules');
/** Bundles kept, most recently used first (two per checkout path, render/launch.mjs; `npm run diff` renders a base elsewhere). */
const KEEP_BUNDLES = 8;
/** Compiled environment files kept (a few kilobytes each). */
const KEEP_MODULES = 2000;

/**
 * @typedef {object} Project
 * @property {string} root the checkout (holds package.json, tsconfig.json, node_modules)
 * @property {string} cache the cache directory
 * @property {Readonly<Record<string, string>>} commands name -> module (relative to root) exporting
 *   `main`, or `module#name` for another export
 * @property {Readonly<Record<string, string>>} [leaveOut] repository modules (relative to root) this
 *   bundle leaves out, each with what runs it instead: importing one rejects with that message
 * @property {Readonly<Record<string, string>>} [deferred] packages a bundled package requires at start-up
 *   but the render never calls, each with why: left out of the bundle and required from
 *   node_modules at their first use instead, so they cost nothing unless used
 */
/** @typedef {Record<string | symbol, unknown>} Namespace */
/** @typedef {{ key: string, bundle: string, inputs: Record<string, string> }} Manifest */

/** @type {Record<symbol, unknown>} */
const globals = /** @type {never} */ (globalThis);
globals[MODULES] ??= new Map();
/** @type {Map<string, Namespace>} */
const registry = /** @type {never} */ (globals[MODULES]);
const SELF = readFileSync(fileURLToPath(import.meta.url));

/** @param {...(string | Uint8Array)} parts */
function sha256(...parts) {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

/** @param {string} file */
function readText(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** @param {string} file @param {string | Uint8Array} data */
function writeAtomically(file, data) {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** @param {Project} project */
const requireFrom = (project) => createRequire(join(project.root, 'package.json'));
/** @param {Project} project @returns {typeof import('esbuild')} */
const esbuild = (project) => requireFrom(project)('esbuild');
/** @param {Project} project */
const tsconfig = (project) => readText(join(project.root, 'tsconfig.json')) ?? '{}';

/** @type {WeakMap<Project, string>} */
const baseKeys = new WeakMap();

/**
 * What every cached file of a project depends on besides its own inputs.
 * @param {Project} project
 */
function baseKey(project) {
  let key = baseKeys.get(project);
  if (key === undefined) {
    key = computeBaseKey(project);
    baseKeys.set(project, key);
  }
  return key;
}

/** @param {Project} project */
function computeBaseKey(project) {
  const req = requireFrom(project);
  return sha256(
    SELF,
    readText(join(project.root, 'package.json')) ?? '',
    tsconfig(project),
    JSON.stringify(project.commands),
    JSON.stringify(project.leaveOut ?? {}),
    JSON.stringify(project.deferred ?? {}),
    JSON.parse(readFileSync(req.resolve('esbuild/package.json'), 'utf8')).version,
    process.version,
    project.root,
  );
}

/** @param {Project} project */
const manifestFile = (project) =>
  join(project.cache, `manifest-${sha256(project.root, JSON.stringify(project.commands)).slice(0, 16)}.json`);

/**
 * `import.meta` of a source file as it is unbundled (its own path, not the bundle's).
 * @param {string} file
 */
function importMeta(file) {
  return {
    'import.meta.url': JSON.stringify(pathToFileURL(file).href),
    'import.meta.dirname': JSON.stringify(dirname(file)),
    'import.meta.filename': JSON.stringify(file),
  };
}

/** @param {string} file */
const isPackageFile = (file) => file.includes(`${sep}node_modules${sep}`);

/** Files changed this recently before a build are recorded by content (stat could miss a change). */
const RACY_NS = 5_000_000_000n;

/**
 * How an input is recorded: by stat (size, modification and change time, inode), unless it
 * changed within seconds of the build (a later change in the same clock tick could leave the
 * stat as it was), then by content. Any write changes the stat, so a stat that differs rebuilds
 * the bundle; a file touched without a change (a checkout back and forth) rebuilds it too, which
 * costs a build, never a stale render. Hashing every repository file on each run (8 MB, the
 * generated imports most of it) cost 70–80 ms; stat costs a fifth of that for all ~750 inputs.
 * @param {string} file @param {bigint} builtAtNs
 */
function record(file, builtAtNs) {
  const s = statSync(file, { bigint: true });
  if (s.ctimeNs < builtAtNs - RACY_NS && s.mtimeNs < builtAtNs - RACY_NS) return statSignature(s);
  return `sha256:${sha256(readFileSync(file))}`;
}

/** @param {import('node:fs').BigIntStats} s */
const statSignature = (s) => `stat:${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.ino}`;

/**
 * Whether an input is as recorded.
 * @param {string} file @param {string} recorded
 */
function unchanged(file, recorded) {
  return recorded.startsWith('sha256:')
    ? recorded === `sha256:${sha256(readFileSync(file))}`
    : recorded === statSignature(statSync(file, { bigint: true }));
}

/**
 * The cached bundle's path when it and every input of it are unchanged, else undefined.
 * @param {Project} project
 */
export function currentBundle(project) {
  const file = manifestFile(project);
  const text = readText(file);
  if (text === undefined) return undefined;
  const { key, bundle, inputs } = /** @type {Manifest} */ (JSON.parse(text));
  if (key !== baseKey(project) || !existsSync(join(project.cache, bundle))) return undefined;
  for (const [input, recorded] of Object.entries(inputs)) {
    try {
      if (!unchanged(input, recorded)) return undefined;
    } catch {
      return undefined; // deleted or unreadable
    }
  }
  const now = new Date();
  utimesSync(file, now, now); // most recently used, for pruning
  return join(project.cache, bundle);
}

/**
 * Builds the bundle of the project's commands, records its inputs, returns its path.
 * @param {Project} project
 */
export async function buildBundle(project) {
  const builtAtNs = BigInt(Date.now()) * 1_000_000n;
  const { build, transform } = esbuild(project);
  const tsconfigRaw = tsconfig(project);
  /** @type {import('esbuild').Plugin} */
  const repositoryModules = {
    name: 'repository-modules',
    setup(b) {
      b.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => {
        if (isPackageFile(args.path)) return undefined;
        let contents = readFileSync(args.path, 'utf8');
        /** @type {import('esbuild').Loader} */
        let loader = 'ts';
        if (contents.includes('import.meta')) {
          const define = importMeta(args.path);
          contents = (await transform(contents, { loader, sourcefile: args.path, tsconfigRaw, define })).code;
          loader = 'js';
        }
        // Each repository module registers its namespace, for environment files to link to.
        const path = JSON.stringify(args.path);
        contents += `\nimport * as __genaiEksSelf from ${path};\nglobalThis[Symbol.for('genai-eks.render.modules')].set(${path}, __genaiEksSelf);\n`;
        return { contents, loader, resolveDir: dirname(args.path) };
      });
    },
  };
  /** @type {import('esbuild').Plugin} */
  const leftOut = {
    name: 'left-out-modules',
    setup(b) {
      const files = new Map(
        Object.entries(project.leaveOut ?? {}).map(([file, instead]) => [join(project.root, file), instead]),
      );
      if (files.size === 0) return;
      const names = [...files.keys()].map((f) =>
        basename(f)
          .replace(/\.ts$/, '')
          .replace(/[^\w-]/g, '\\$&'),
      );
      b.onResolve({ filter: new RegExp(`(^|/)(${names.join('|')})(\\.[jt]s)?$`) }, (args) => {
        const file = resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
        const instead = files.get(file);
        return instead === undefined ? undefined : { path: file, namespace: 'left-out', pluginData: instead };
      });
      b.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`${args.path} is not in this bundle: ${args.pluginData}`)});`,
        loader: 'js',
      }));
    },
  };
  /** @type {import('esbuild').Plugin} */
  const deferred = {
    name: 'deferred-packages',
    setup(b) {
      const names = Object.keys(project.deferred ?? {});
      if (names.length === 0) return;
      const filter = new RegExp(`^(${names.map((n) => n.replace(/[^\w@/-]/g, '\\$&')).join('|')})$`);
      b.onResolve({ filter }, async (args) => {
        if (args.pluginData === 'deferred') return undefined;
        const real = await b.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          pluginData: 'deferred',
        });
        if (real.errors.length > 0) return { errors: real.errors };
        return { path: real.path, namespace: 'deferred' };
      });
      // A stand-in that requires the package (by its resolved path, at run time) on first use:
      // called, constructed or read. `require` is the bundle's (loadBundle), Node's own.
      b.onLoad({ filter: /.*/, namespace: 'deferred' }, (args) => ({
        contents: [
          `const file = ${JSON.stringify(args.path)};`,
          'let real;',
          'const load = () => (real ??= require(file));',
          'module.exports = new Proxy(function deferred() {}, {',
          '  apply: (_, self, args) => Reflect.apply(load(), self, args),',
          '  construct: (_, args) => Reflect.construct(load(), args),',
          '  get: (_, key) => load()[key],',
          '  has: (_, key) => key in load(),',
          '});',
        ].join('\n'),
        loader: 'js',
      }));
    },
  };
  const entry = Object.entries(project.commands)
    .map(([name, spec]) => {
      const [file = '', exported = 'main'] = spec.split('#');
      return `export { ${exported} as ${name} } from ${JSON.stringify(join(project.root, file))};`;
    })
    .join('\n');
  const result = await build({
    stdin: { contents: entry, resolveDir: project.root, sourcefile: 'render-bundle-entry.js', loader: 'js' },
    absWorkingDir: project.root,
    bundle: true,
    platform: 'node',
    // CommonJS, to run through vm.Script with V8's code cache (loadBundle).
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    write: false,
    metafile: true,
    logLevel: 'silent',
    legalComments: 'none',
    // Less text to read and scan: about a tenth less CPU per run (docs/performance.md). Names are
    // kept (no identifier minification): libraries may read a class's name.
    minifyWhitespace: true,
    minifySyntax: true,
    plugins: [leftOut, deferred, repositoryModules],
    banner: { js: "globalThis[Symbol.for('genai-eks.render.modules')] ??= new Map();" },
  });
  /** @type {Record<string, string>} */
  const inputs = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    // The entry and the stand-ins of left-out modules and deferred packages are made here, from no file.
    if (input === 'render-bundle-entry.js' || /^(left-out|deferred):/.test(input)) continue;
    const file = resolve(project.root, input);
    inputs[file] = record(file, builtAtNs);
  }
  for (const f of ['tsconfig.json', 'package.json']) {
    const file = join(project.root, f);
    if (existsSync(file)) inputs[file] = record(file, builtAtNs);
  }
  const text = result.outputFiles[0]?.contents ?? new Uint8Array();
  const bundle = `bundle-${sha256(text).slice(0, 24)}.cjs`;
  writeAtomically(join(project.cache, bundle), text);
  /** @type {Manifest} */
  const manifest = { key: baseKey(project), bundle, inputs };
  writeAtomically(manifestFile(project), JSON.stringify(manifest));
  prune(project.cache);
  return join(project.cache, bundle);
}

/**
 * Keeps the most recently used bundles (by their manifests) and removes the rest.
 * @param {string} cache
 */
function prune(cache) {
  const manifests = readdirSync(cache)
    .filter((f) => f.startsWith('manifest-'))
    .map((f) => ({ f, t: statSync(join(cache, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { f } of manifests.slice(KEEP_BUNDLES)) rmSync(join(cache, f), { force: true });
  const used = new Set(
    manifests.slice(0, KEEP_BUNDLES).map(({ f }) => JSON.parse(readText(join(cache, f)) ?? '{}').bundle),
  );
  for (const f of readdirSync(cache)) {
    // bundle-<hash>.cjs and its code cache bundle-<hash>.cjs.v8cache
    if (f.startsWith('bundle-') && !used.has(f.replace(/\.v8cache$/, '')))
      rmSync(join(cache, f), { force: true });
  }
}

/**
 * Evaluates a bundle with V8's code cache of it when there is one. `saveCodeCache`, called
 * after a run, writes the code cache when there was none (or V8 rejected it).
 * @param {Project} project @param {string} file
 * @returns {{ commands: Record<string, ((...args: never[]) => unknown) | undefined>, saveCodeCache: () => void }}
 */
export function loadBundle(project, file) {
  const codeCache = `${file}.v8cache`;
  let cachedData;
  try {
    cachedData = readFileSync(codeCache);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`,
    { filename: file, cachedData, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER },
  );
  const write = cachedData === undefined || script.cachedDataRejected === true;
  const module = { exports: {} };
  script
    .runInThisContext()
    .call(module.exports, module.exports, requireFrom(project), module, file, dirname(file));
  return {
    commands: module.exports,
    saveCodeCache: () => {
      if (write) writeAtomically(codeCache, script.createCachedData());
    },
  };
}

// --- environment files ---------------------------------------------------------------------------

/** @type {Map<string, { exports: Namespace }>} TypeScript files evaluated here, by real path. */
const evaluated = new Map();
/** @type {Map<string, Namespace>} Bundle modules as CommonJS exports, by path. */
const linked = new Map();

/**
 * A bundle module's namespace as the CommonJS exports of an ES module.
 * @param {string} file @param {Namespace} namespace
 */
function linkedModule(file, namespace) {
  let exports = linked.get(file);
  if (!exports) {
    /** @type {Namespace} */
    const created = Object.create(null);
    for (const name of Object.keys(namespace)) {
      Object.defineProperty(created, name, { enumerable: true, get: () => namespace[name] });
    }
    Object.defineProperty(created, '__esModule', { value: true });
    linked.set(file, created);
    exports = created;
  }
  return exports;
}

/**
 * The TypeScript file an import of `spec` from `dir` means (`./x.js` is `./x.ts`), if any.
 * @param {string} dir @param {string} spec
 */
function typescriptFile(dir, spec) {
  const base = spec.startsWith('file:') ? fileURLToPath(spec) : resolve(dir, spec);
  const candidates = base.endsWith('.js')
    ? [`${base.slice(0, -3)}.ts`]
    : base.endsWith('.mjs')
      ? [`${base.slice(0, -4)}.mts`]
      : [base, `${base}.ts`, join(base, 'index.ts')];
  const found = candidates.find((c) => /\.[cm]?ts$/.test(c) && existsSync(c));
  return found && realpathSync(found);
}

/**
 * Evaluates a TypeScript file as CommonJS (compiled by esbuild, cached by path and content).
 * Its imports of modules in an evaluated bundle get the bundle's instances.
 * @param {Project} project @param {string} file a real path
 * @returns {Namespace}
 */
export function requireTypescript(project, file) {
  const bundled = registry.get(file);
  if (bundled) return linkedModule(file, bundled);
  const done = evaluated.get(file);
  if (done) return done.exports;
  const source = readFileSync(file);
  const compiled = join(
    project.cache,
    'modules',
    `${sha256(baseKey(project), file, source).slice(0, 32)}.cjs`,
  );
  let code = readText(compiled);
  if (code === undefined) {
    code = esbuild(project).transformSync(source, {
      loader: 'ts',
      format: 'cjs',
      platform: 'node',
      sourcefile: file,
      tsconfigRaw: tsconfig(project),
      define: importMeta(file),
    }).code;
    writeAtomically(compiled, code);
    pruneModules(dirname(compiled));
  }
  /** @type {{ exports: Namespace }} */
  const module = { exports: {} };
  evaluated.set(file, module);
  const nodeRequire = createRequire(file);
  /** @param {string} spec */
  const localRequire = (spec) => {
    if (spec.startsWith('.') || isAbsolute(spec) || spec.startsWith('file:')) {
      const ts = typescriptFile(dirname(file), spec);
      if (ts) return requireTypescript(project, ts);
    }
    return nodeRequire(spec);
  };
  const wrapper = vm.runInThisContext(
    `(function (exports, require, module, __filename, __dirname) {${code}\n})`,
    {
      filename: file,
    },
  );
  wrapper.call(module.exports, module.exports, localRequire, module, file, dirname(file));
  return module.exports;
}

/** @param {string} dir */
function pruneModules(dir) {
  const files = readdirSync(dir);
  if (files.length <= KEEP_MODULES) return;
  const byAge = files.map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs })).sort((a, b) => a.t - b.t);
  for (const { f } of byAge.slice(0, files.length - KEEP_MODULES / 2)) rmSync(join(dir, f), { force: true });
}

/**
 * Makes render/modules.ts import TypeScript files through requireTypescript; returns a
 * function that puts back what was there before.
 * @param {Project} project
 */
export function installImporter(project) {
  const before = globals[IMPORTER];
  /** @param {string} file */
  globals[IMPORTER] = async (file) => requireTypescript(project, realpathSync(file));
  return () => {
    globals[IMPORTER] = before;
  };
}
