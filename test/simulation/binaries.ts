/**
 * The binaries of the simulated cluster tier beyond the API-server tier's: Karpenter's kwok
 * provider, kwok, the KubeRay operator and our Flux build program, each built with Go from its
 * own tools module under test/simulation/tools/<name> (one module per component, so that each is
 * built with the dependency versions its own release declares; one `go build` per module), and
 * cached like the API-server tier's under `${XDG_CACHE_HOME:-~/.cache}/genai-eks/apiserver/`
 * (same Go module and build caches; `bin/sim-<name>-<version>-<hash>/`). kube-scheduler and
 * kube-controller-manager come from test/cluster/binaries.ts (same Kubernetes release as the
 * API server).
 *
 * `GENAI_EKS_SIMULATION_ASSETS` (like KUBEBUILDER_ASSETS) names a folder holding every binary
 * of SIM_TOOLS plus kube-scheduler and kube-controller-manager, and a `crds/` folder
 * with Karpenter's kwok CRDs; nothing is built then.
 */

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { versions } from '../../clusters/versions.js';
import {
  type Binaries,
  BinariesError,
  buildIntoCache,
  cacheRoot,
  ensureBinaries,
  goBuild,
  goEnv,
  parseGoMod,
  run,
} from '../cluster/binaries.js';

export const SIM_TOOLS_DIR = resolve(import.meta.dirname, 'tools');

export interface SimTool {
  /** Folder under test/simulation/tools. */
  readonly dir: string;
  /** The pinned module (undefined: our own program, in the folder itself). */
  readonly module: string | undefined;
  readonly version: string | undefined;
  /** Package to build. */
  readonly pkg: string;
  /** Name of the binary `go build -o dir/` writes, and the name it is kept under. */
  readonly built: string;
  readonly binary: string;
}

export const SIM_TOOLS: readonly SimTool[] = [
  {
    dir: 'karpenter',
    module: 'sigs.k8s.io/karpenter',
    version: versions.karpenterKwok,
    pkg: 'sigs.k8s.io/karpenter/kwok',
    built: 'kwok',
    binary: 'karpenter-kwok',
  },
  {
    dir: 'kwok',
    module: 'sigs.k8s.io/kwok',
    version: versions.kwok,
    pkg: 'sigs.k8s.io/kwok/cmd/kwok',
    built: 'kwok',
    binary: 'kwok',
  },
  {
    dir: 'kuberay',
    module: 'github.com/ray-project/kuberay/ray-operator',
    version: versions.kuberayOperatorModule,
    pkg: 'github.com/ray-project/kuberay/ray-operator',
    built: 'ray-operator',
    binary: 'kuberay-operator',
  },
  {
    dir: 'flux',
    module: 'github.com/fluxcd/pkg/kustomize',
    version: versions.fluxKustomize,
    pkg: '.',
    built: 'flux',
    binary: 'flux-build',
  },
];

export interface SimBinaries extends Binaries {
  readonly kubeControllerManager: string;
  readonly kubeScheduler: string;
  readonly karpenter: string;
  readonly kwok: string;
  readonly kuberay: string;
  readonly fluxBuild: string;
  /** Karpenter's kwok CRDs (NodePool, NodeClaim, NodeOverlay, KWOKNodeClass, ...) of the pinned module. */
  readonly karpenterCrds: string;
  readonly sources: readonly string[];
}

/** Problems of a tools module's go.mod against the versions table; empty when it matches. */
export function simGoModProblems(tool: SimTool, goMod: string): string[] {
  if (!tool.module) return [];
  const got = parseGoMod(goMod).requires.get(tool.module);
  return got === tool.version
    ? []
    : [
        `test/simulation/tools/${tool.dir}/go.mod: require ${tool.module} ${got ?? 'missing'}, versions table says ${tool.version}`,
      ];
}

/** Rewrites each tools module's go.mod require from the versions table, then `go mod tidy`. */
export function updateSimGoMods(log: (s: string) => void): void {
  for (const tool of SIM_TOOLS) {
    const dir = join(SIM_TOOLS_DIR, tool.dir);
    const path = join(dir, 'go.mod');
    const text = readFileSync(path, 'utf8');
    const re = new RegExp(
      `(\\n\\s*(?:require\\s+)?${tool.module!.replace(/[./]/g, (c) => `\\${c}`)}\\s+)v\\S+`,
    );
    if (!re.test(text)) throw new BinariesError(`${path}: no require of ${tool.module}`);
    writeFileSync(path, text.replace(re, `$1${tool.version}`));
    const r = spawnSync('go', ['mod', 'tidy'], {
      cwd: dir,
      env: { ...goEnv(), GOFLAGS: '-mod=mod -modcacherw' },
      stdio: 'inherit',
    });
    if (r.status !== 0) throw new BinariesError(`go mod tidy failed in ${dir}`);
    log(`test:simulation: ${tool.dir}: ${tool.module} ${tool.version}`);
  }
}

function key(tool: SimTool, goVersion: string): string {
  const h = createHash('sha256');
  const dir = join(SIM_TOOLS_DIR, tool.dir);
  for (const f of readdirSync(dir).sort())
    if (/\.(go|mod|sum)$/.test(f)) h.update(f).update(readFileSync(join(dir, f)));
  h.update(goVersion);
  // What buildTool puts beside the binary; bump when that changes.
  h.update('layout 2: crds from kwok/charts/crds and kwok/apis/crds');
  return `sim-${tool.dir}-${tool.version}-${h.digest('hex').slice(0, 12)}`;
}

/** The module's folder in the Go module cache (downloads it if needed). */
function moduleDir(tool: SimTool): string {
  const out = run('go', ['list', '-m', '-json', tool.module!], join(SIM_TOOLS_DIR, tool.dir));
  const dir = (JSON.parse(out) as { Dir?: string }).Dir;
  if (!dir) {
    run('go', ['mod', 'download', tool.module!], join(SIM_TOOLS_DIR, tool.dir));
    return moduleDir(tool);
  }
  return dir;
}

async function buildTool(tool: SimTool, goVersion: string, log: (s: string) => void): Promise<string> {
  const dir = join(cacheRoot(), 'bin', key(tool, goVersion));
  const bin = join(dir, tool.binary);
  if (existsSync(bin)) return dir;
  const problems = simGoModProblems(tool, readFileSync(join(SIM_TOOLS_DIR, tool.dir, 'go.mod'), 'utf8'));
  if (problems.length) {
    throw new BinariesError(`${problems.join('\n')} (run \`npm run test:simulation -- --update-go-mod\`)`);
  }
  const seconds = await buildIntoCache(dir, async (tmp) => {
    log(
      `test:simulation: building ${tool.pkg === '.' ? `our ${tool.binary}` : tool.pkg} (${tool.module} ${tool.version})`,
    );
    await goBuild(['-trimpath', '-ldflags=-s -w', '-o', `${tmp}/`, tool.pkg], join(SIM_TOOLS_DIR, tool.dir));
    renameSync(join(tmp, tool.built), join(tmp, tool.binary));
    if (tool.dir === 'karpenter') {
      // The CRDs the kwok provider's chart installs, from the same module version.
      // kwok/charts/crds links the KWOKNodeClass CRD from kwok/apis/crds (a symbolic link,
      // which module zips leave out), so both folders.
      const mod = moduleDir(tool);
      cpSync(join(mod, 'kwok/charts/crds'), join(tmp, 'crds'), { recursive: true });
      cpSync(join(mod, 'kwok/apis/crds'), join(tmp, 'crds'), { recursive: true });
    }
  });
  log(`test:simulation: built ${tool.binary} in ${seconds}s`);
  return dir;
}

function fromAssets(dir: string, base: Binaries): SimBinaries {
  const need = ['kube-controller-manager', 'kube-scheduler', ...SIM_TOOLS.map((t) => t.binary), 'crds'];
  for (const n of need) {
    if (!existsSync(join(dir, n)))
      throw new BinariesError(`GENAI_EKS_SIMULATION_ASSETS=${dir}: ${n} does not exist`);
  }
  return {
    ...base,
    kubeControllerManager: join(dir, 'kube-controller-manager'),
    kubeScheduler: join(dir, 'kube-scheduler'),
    karpenter: join(dir, 'karpenter-kwok'),
    kwok: join(dir, 'kwok'),
    kuberay: join(dir, 'kuberay-operator'),
    fluxBuild: join(dir, 'flux-build'),
    karpenterCrds: join(dir, 'crds'),
    sources: [base.source, `GENAI_EKS_SIMULATION_ASSETS (${dir})`],
  };
}

/** Finds or builds every binary of the simulated tier. */
export async function ensureSimBinaries(log: (s: string) => void): Promise<SimBinaries> {
  const base = await ensureBinaries(log);
  const assets = process.env.GENAI_EKS_SIMULATION_ASSETS;
  if (assets) return fromAssets(assets, base);
  if (!base.kubeControllerManager || !base.kubeScheduler) {
    throw new BinariesError(
      'KUBEBUILDER_ASSETS has no kube-controller-manager or kube-scheduler: set GENAI_EKS_SIMULATION_ASSETS too, or unset KUBEBUILDER_ASSETS to build them',
    );
  }
  const goVersion = run('go', ['env', 'GOVERSION'], SIM_TOOLS_DIR).trim();
  const dirs: Record<string, string> = {};
  for (const tool of SIM_TOOLS) dirs[tool.dir] = await buildTool(tool, goVersion, log);
  return {
    ...base,
    kubeControllerManager: base.kubeControllerManager,
    kubeScheduler: base.kubeScheduler,
    karpenter: join(dirs.karpenter!, 'karpenter-kwok'),
    kwok: join(dirs.kwok!, 'kwok'),
    kuberay: join(dirs.kuberay!, 'kuberay-operator'),
    fluxBuild: join(dirs.flux!, 'flux-build'),
    karpenterCrds: join(dirs.karpenter!, 'crds'),
    sources: [base.source, ...SIM_TOOLS.map((t) => `${t.binary}: cache ${dirs[t.dir]}`)],
  };
}
