/**
 * The typed cdk8s imports under apps/imports/: which upstream file each one comes from, which
 * versions-table entry it must follow, and the sha256 of that file. `cdk8s.yaml` lists the same
 * imports (`<name>:=<url>` for CRDs, `k8s@<version>`) so that a fork regenerates them from the
 * upstream URLs; `npm run imports` (tools/imports/generate.ts) checks every file against
 * the sha256 recorded here before generating. test/imports.test.ts uses `checkImports` to fail
 * when a generated file, cdk8s.yaml, this table and clusters/versions.ts disagree.
 *
 * This module is pure data and text: it loads neither cdk8s-cli nor ../shared.
 */
import {
  FLUX_RELEASES,
  type FluxController,
  type FluxRelease,
  SAME_CRD_SPEC,
} from '../../clusters/catalog/flux.js';
import type { versions as Versions } from '../../clusters/versions.js';

export type VersionsTable = typeof Versions;

export interface ImportSource {
  /**
   * The import's name: the module name prefix of its cdk8s.yaml entry (`<name>:=<url>`), so the
   * module is `apps/imports/<name>-<api group>.js` (and `.d.ts`); `k8s` for the Kubernetes API
   * import (`k8s.js`).
   */
  readonly name: string;
  /** The clusters/versions.ts entry this import follows (for messages). */
  readonly entry: string;
  /** The upstream version this import must come from, derived from the versions table. */
  readonly pinned: (v: VersionsTable) => string;
  /** sha256 of the upstream file (hex). Recorded after checking the file at the pinned tag. */
  readonly sha256: string;
}

/**
 * Argo Workflows release that an argo-workflows chart release deploys (the chart's appVersion).
 * The imports need the controller's CRDs, so a chart bump must say which release it carries.
 * Source for the 2.0 line: github.com/argoproj/argo-helm/releases/tag/argo-workflows-2.0.1
 * ("Update dependency argoproj/argo-workflows to v4.1.1"); argoproj/argo-workflows tagged v4.1.2
 * on 2026-08-21, between charts 2.0.1 (2026-08-17) and 2.0.3 (2026-08-28). Chart 2.0.2's own
 * Chart.yaml could not be read from here (docs/decisions.md, "Typed imports"): confirm with
 * `helm show chart argo-workflows --repo https://argoproj.github.io/argo-helm --version 2.0.2`.
 */
export const ARGO_WORKFLOWS_APP_VERSION: Readonly<Record<string, string>> = {
  '2.0.2': 'v4.1.2',
};

/**
 * Prometheus Operator release whose CRDs a prometheus-operator-crds chart release installs (the
 * chart's appVersion). Source: prometheus-community/helm-charts@prometheus-operator-crds-31.0.0:
 * charts/prometheus-operator-crds/Chart.yaml (appVersion v0.93.0; its templates name
 * prometheus-operator v0.93.0 example/prometheus-operator-crd as their source).
 */
export const PROMETHEUS_OPERATOR_CRDS_APP_VERSION: Readonly<Record<string, string>> = {
  '31.0.0': 'v0.93.0',
};

/** `v` + a chart version, for charts released under the same number as the software's git tag. */
const tag = (version: string): string => `v${version}`;

const prometheusOperator = (v: VersionsTable): string => {
  const app = PROMETHEUS_OPERATOR_CRDS_APP_VERSION[v.prometheusOperatorCrds.version];
  if (!app) {
    throw new Error(
      `versions.prometheusOperatorCrds.version ${v.prometheusOperatorCrds.version}: no Prometheus Operator release recorded ` +
        'for this chart in PROMETHEUS_OPERATOR_CRDS_APP_VERSION (tools/imports/sources.ts); add the chart appVersion',
    );
  }
  return app;
};

const argoWorkflows = (v: VersionsTable): string => {
  const app = ARGO_WORKFLOWS_APP_VERSION[v.argoWorkflowsChart.version];
  if (!app) {
    throw new Error(
      `versions.argoWorkflowsChart.version ${v.argoWorkflowsChart.version}: no Argo Workflows release recorded ` +
        'for this chart in ARGO_WORKFLOWS_APP_VERSION (tools/imports/sources.ts); add the chart appVersion',
    );
  }
  return app;
};

/**
 * Every import, in cdk8s.yaml's order. Upstream files and their sha256 were checked against the
 * repositories at the pinned tags (the commits are in docs/decisions.md, "Typed imports").
 * Chart-to-tag rules: Karpenter publishes chart and controller under one version
 * (aws/karpenter-provider-aws@v1.14.1:website/content/en/docs/getting-started/
 * getting-started-with-karpenter/scripts/step08-apply-helm-chart.sh installs the chart at
 * $KARPENTER_VERSION, and charts/karpenter/crds links to pkg/apis/crds); the Load Balancer
 * Controller chart 3.5.0 has appVersion v3.5.0 (kubernetes-sigs/aws-load-balancer-controller@v3.5.0:
 * helm/aws-load-balancer-controller/Chart.yaml); External Secrets chart 2.9.0 has appVersion
 * v2.9.0 (external-secrets/external-secrets@helm-chart-2.9.0:deploy/charts/external-secrets/Chart.yaml);
 * the kuberay-operator chart is released with KubeRay under the same number
 * (ray-project/kuberay@v1.7.0:helm-chart/kuberay-operator/Chart.yaml). The Kubernetes schema is
 * published per minor as <minor>.0 (cdk8s-team/cdk8s kubernetes-schemas/).
 */
export const IMPORTS: readonly ImportSource[] = [
  {
    name: 'k8s',
    entry: 'kubernetes',
    pinned: (v) => `${v.kubernetes}.0`,
    sha256: '8390593209c0aa7d759c14b4f8609f2f7b1ecb010d1b99cf1ce29643a14870bb',
  },
  // Karpenter (aws/karpenter-provider-aws pkg/apis/crds)
  {
    name: 'nodepool',
    entry: 'karpenter',
    pinned: (v) => tag(v.karpenter.version),
    sha256: '3bb64a20c80776b77aa19a699ebdaf34480a7b2e7ec4ef890b43225b3517f878',
  },
  {
    name: 'nodeclaim',
    entry: 'karpenter',
    pinned: (v) => tag(v.karpenter.version),
    sha256: '96037dc241031fe0f7a09ddf78183d885ce6a1dfe115f7b3fbf8a12c564be694',
  },
  {
    name: 'ec2nodeclass',
    entry: 'karpenter',
    pinned: (v) => tag(v.karpenter.version),
    sha256: '62dec59f01c0972d4503ca3ed25f243ba9c2f561be0d964ce7a14c8df406132f',
  },
  // Flux (fluxcd/<controller> config/crd/bases)
  {
    name: 'kustomization',
    entry: 'fluxControllers.kustomizeController',
    pinned: (v) => v.fluxControllers.kustomizeController,
    sha256: 'da23ca0e6b4c80d3d26a91583137491e147ef4ef1e2208aece0d0af4ef851974',
  },
  {
    name: 'gitrepository',
    entry: 'fluxControllers.sourceController',
    pinned: (v) => v.fluxControllers.sourceController,
    sha256: '39a5a46c81539c992abc53f9be3e5434cd70d50a10d169b1e8a450e0df1c9d09',
  },
  {
    name: 'helmrepository',
    entry: 'fluxControllers.sourceController',
    pinned: (v) => v.fluxControllers.sourceController,
    sha256: '97c7759df00946cbb9a75a56457cff9964b2543d2248df859cef21e26b8e2ae6',
  },
  {
    name: 'ocirepository',
    entry: 'fluxControllers.sourceController',
    pinned: (v) => v.fluxControllers.sourceController,
    sha256: '2655834d468e46a533410d9e2bc3f4e7cbf9b4c922b95652012acb09bfb2545a',
  },
  {
    name: 'helmrelease',
    entry: 'fluxControllers.helmController',
    pinned: (v) => v.fluxControllers.helmController,
    sha256: 'aa8638ac68465ceac1f93a617baf5be833c589c51fd78a7384a4a274c252becc',
  },
  // KubeRay (ray-project/kuberay ray-operator/config/crd/bases)
  {
    name: 'rayservice',
    entry: 'kuberayOperatorChart',
    pinned: (v) => tag(v.kuberayOperatorChart.version),
    sha256: '0a8fc325e6e22b9231c1f282b309555e2ecf94227ca20a03df3d1d9a403907ab',
  },
  // Gateway API, standard channel (kubernetes-sigs/gateway-api config/crd/standard)
  {
    name: 'gatewayclass',
    entry: 'gatewayApi',
    pinned: (v) => v.gatewayApi.tag,
    sha256: '53710048ba26f8620eed59d5e51b157ecf040daf5c6eef31a4b991e0808c4be5',
  },
  {
    name: 'gateway',
    entry: 'gatewayApi',
    pinned: (v) => v.gatewayApi.tag,
    sha256: '25b885f5870b8fff1ae82efa2628b2761cef3745900c2aecf8fb76629a01255a',
  },
  {
    name: 'httproute',
    entry: 'gatewayApi',
    pinned: (v) => v.gatewayApi.tag,
    sha256: 'a424a0d6c953b162e71d1d97bb7e75012d8f1ac264e7274f2763d1b96ab39852',
  },
  // AWS Load Balancer Controller (kubernetes-sigs/aws-load-balancer-controller config/crd/gateway)
  {
    name: 'loadbalancerconfiguration',
    entry: 'awsLoadBalancerController',
    pinned: (v) => tag(v.awsLoadBalancerController.version),
    sha256: '9c2694988752fc9c1acc9840f0db7b62a4d24cfc0288977177039213f72015b1',
  },
  {
    name: 'targetgroupconfiguration',
    entry: 'awsLoadBalancerController',
    pinned: (v) => tag(v.awsLoadBalancerController.version),
    sha256: '562db78fa27798dc7b302c7cb22b44d2dfa370da54503f40a7aa208ef3fc655c',
  },
  {
    name: 'listenerruleconfiguration',
    entry: 'awsLoadBalancerController',
    pinned: (v) => tag(v.awsLoadBalancerController.version),
    sha256: '491262254fd755852ee8badf2c2fbbcdc12233c9aa3112c9bccbfe5cffb83767',
  },
  // External Secrets (external-secrets/external-secrets config/crds/bases)
  {
    name: 'externalsecret',
    entry: 'externalSecrets',
    pinned: (v) => tag(v.externalSecrets.version),
    sha256: '5044be5a610ca90a075f34f03ed20b462695c43387ba9410db7f4250e47b1e2f',
  },
  {
    name: 'clustersecretstore',
    entry: 'externalSecrets',
    pinned: (v) => tag(v.externalSecrets.version),
    sha256: 'f847c69ae317a76527fc37c163ddfe15d9026e14eb47dd325319e914e0433c2a',
  },
  // Argo Workflows, full CRDs (argoproj/argo-workflows manifests/base/crds/full)
  {
    name: 'workflowtemplate',
    entry: 'argoWorkflowsChart',
    pinned: argoWorkflows,
    sha256: 'e932631a04a0f3a226b2ca8c68d43214c071c5d8aa6961b23298b81cbea3d9a5',
  },
  // Prometheus Operator (prometheus-operator/prometheus-operator example/prometheus-operator-crd)
  {
    name: 'servicemonitor',
    entry: 'prometheusOperatorCrds',
    pinned: prometheusOperator,
    sha256: 'a99047972c9dd7679ce2050b9968e8a08773492e671b3e17abd476d42aa78a32',
  },
  {
    name: 'podmonitor',
    entry: 'prometheusOperatorCrds',
    pinned: prometheusOperator,
    sha256: '45a93443daa687d3654f7e9631909ff7edcdf3ec09c5e60251b74aa2722aee5d',
  },
  {
    name: 'prometheusrule',
    entry: 'prometheusOperatorCrds',
    pinned: prometheusOperator,
    sha256: '78be98554b9c8506ab2b4f4feb91c5f3a56e536a0a510f3a8e876a459970d56d',
  },
  // KEDA (kedacore/keda config/crd/bases); the chart is released under KEDA's version
  // (kedacore/charts@v2.20.2:keda/Chart.yaml: version 2.20.2, appVersion 2.20.2)
  {
    name: 'scaledobject',
    entry: 'keda',
    pinned: (v) => tag(v.keda.version),
    sha256: 'af35555862a83933b074af14ad439c4b4ceabaf4daa3e9338e9b23e36d308d80',
  },
];

// --- cdk8s.yaml import specs ---

/** The URL that cdk8s-cli's `k8s@<version>` import downloads (cdk8s-cli lib/import/k8s.js, downloadSchema). */
export function k8sSchemaUrl(version: string): string {
  return `https://raw.githubusercontent.com/cdk8s-team/cdk8s/master/kubernetes-schemas/v${version}/_definitions.json`;
}

/** One cdk8s.yaml `imports:` entry, resolved to the file it downloads. */
export interface ImportSpec {
  /** The entry exactly as written in cdk8s.yaml. */
  readonly spec: string;
  /** `k8s`, or the module name prefix of a CRD import. */
  readonly name: string;
  /** The file cdk8s-cli downloads for this import. */
  readonly url: string;
  readonly repository: string;
  /** Git ref in the URL: the tag for CRDs, `master` for the Kubernetes schemas. */
  readonly ref: string;
  readonly path: string;
  /** The upstream version this import comes from: the tag, or the Kubernetes version. */
  readonly version: string;
}

const RAW = /^https:\/\/raw\.githubusercontent\.com\/([^/]+\/[^/]+)\/([^/]+)\/(.+)$/;

/** Parses one cdk8s.yaml import entry; `where` names it in errors (file and index). */
export function parseSpec(spec: string, where: string): ImportSpec {
  const k8s = /^k8s@(\d+\.\d+\.\d+)$/.exec(spec);
  if (k8s) {
    const version = k8s[1]!;
    const url = k8sSchemaUrl(version);
    const m = RAW.exec(url)!;
    return { spec, name: 'k8s', url, repository: m[1]!, ref: m[2]!, path: m[3]!, version };
  }
  const crd = /^([a-z0-9][a-z0-9-]*):=(.+)$/.exec(spec);
  if (!crd) {
    throw new Error(
      `${where}: ${JSON.stringify(spec)} is neither k8s@<major>.<minor>.<patch> nor <name>:=<url> ` +
        '(every CRD import needs a module name: imports of one API group would otherwise overwrite each other)',
    );
  }
  const url = crd[2]!;
  const m = RAW.exec(url);
  if (!m) {
    throw new Error(
      `${where}: ${JSON.stringify(url)} is not https://raw.githubusercontent.com/<owner>/<repo>/<tag>/<path>`,
    );
  }
  return { spec, name: crd[1]!, url, repository: m[1]!, ref: m[2]!, path: m[3]!, version: m[2]! };
}

// --- generated file header ---

/** First line of every file `npm run imports` writes; the generator only replaces such files. */
export const HEADER_MARKER = '// Generated by `npm run imports`';

/** The tools whose versions decide the bytes of a generated module (recorded in its header). */
export interface Generators {
  readonly cdk8sCli: string;
  /** Compiles cdk8s-cli's TypeScript into the `.js`. */
  readonly esbuild: string;
  /** Emits the `.d.ts`. */
  readonly typescript: string;
}

export interface Header {
  readonly spec: string;
  readonly version: string;
  readonly sha256: string;
  readonly generators: Generators;
}

/** The provenance header of a generated module's `.js` and `.d.ts`. */
export function formatHeader(s: ImportSpec, sha256: string, g: Generators): string {
  return [
    `${HEADER_MARKER} with cdk8s-cli ${g.cdk8sCli} (\`cdk8s import\`). Do not edit: see docs/decisions.md, "Typed imports".`,
    `// Compiled: esbuild ${g.esbuild} (.js), typescript ${g.typescript} (.d.ts)`,
    `// Import: ${s.spec}`,
    `// Upstream: ${s.repository}@${s.ref}:${s.path}`,
    `// Version: ${s.version}`,
    `// sha256: ${sha256}`,
    '',
  ].join('\n');
}

/** The header lines of a generated file: its leading `//` lines. */
function headerLines(text: string): string {
  const lines = text.split('\n');
  const end = lines.findIndex((l) => !l.startsWith('//'));
  return lines.slice(0, end < 0 ? lines.length : end).join('\n');
}

/** Reads the header of a generated module; `file` names it in errors. */
export function parseHeader(text: string, file: string): Header {
  const header = headerLines(text);
  const line = (key: string): string => {
    const m = new RegExp(`^// ${key}: (\\S+)`, 'm').exec(header);
    if (!m) throw new Error(`${file}: no "// ${key}:" line in the header (regenerate with npm run imports)`);
    return m[1]!;
  };
  const cli = /^\/\/ Generated by `npm run imports` with cdk8s-cli (\S+) /.exec(header);
  if (!cli) throw new Error(`${file}: does not start with the npm run imports header`);
  const compiled = /^\/\/ Compiled: esbuild (\S+) \(\.js\), typescript (\S+) \(\.d\.ts\)$/m.exec(header);
  if (!compiled) {
    throw new Error(`${file}: no "// Compiled:" line in the header (regenerate with npm run imports)`);
  }
  return {
    spec: line('Import'),
    version: line('Version'),
    sha256: line('sha256'),
    generators: { cdk8sCli: cli[1]!, esbuild: compiled[1]!, typescript: compiled[2]! },
  };
}

// --- consistency check (test/imports.test.ts) ---

export interface ImportsState {
  /** cdk8s.yaml `imports:` entries, in order. */
  readonly specs: readonly string[];
  /**
   * The generated files in apps/imports/ (`.js`, `.d.ts`, and any `.ts`): file name and the start
   * of its text (the header).
   */
  readonly files: readonly { readonly file: string; readonly text: string }[];
  readonly versions: VersionsTable;
  readonly table: readonly ImportSource[];
  /** The generators' versions in package.json devDependencies (cdk8s-cli, esbuild, typescript). */
  readonly generators: Generators;
}

/** The generators as package.json names them (for messages). */
const GENERATOR_PACKAGES: Readonly<Record<keyof Generators, string>> = {
  cdk8sCli: 'cdk8s-cli',
  esbuild: 'esbuild',
  typescript: 'typescript',
};

/**
 * Every disagreement between cdk8s.yaml, the generated modules, the table and the versions
 * table, one message each (empty when all agree).
 */
export function checkImports(s: ImportsState): string[] {
  const problems: string[] = [];
  const byName = new Map(s.table.map((t) => [t.name, t]));
  const specs = new Map<string, ImportSpec>();
  s.specs.forEach((raw, i) => {
    try {
      const spec = parseSpec(raw, `cdk8s.yaml imports[${i}]`);
      if (specs.has(spec.name))
        problems.push(`cdk8s.yaml imports[${i}] ${raw}: the name ${spec.name} is listed twice`);
      specs.set(spec.name, spec);
      if (!byName.has(spec.name)) {
        problems.push(
          `cdk8s.yaml imports[${i}] ${raw}: not in IMPORTS (tools/imports/sources.ts): add its versions entry and sha256`,
        );
      }
    } catch (e) {
      problems.push((e as Error).message);
    }
  });
  for (const t of s.table) {
    if (!specs.has(t.name)) problems.push(`IMPORTS ${t.name}: not listed in cdk8s.yaml imports`);
  }
  const generated = new Set<string>();
  // Each module is a pair, <module>.js and <module>.d.ts, with the same header.
  const modules = new Map<string, { js?: string; dts?: string }>();
  for (const { file, text } of s.files) {
    const m = /^(.+?)(\.d\.ts|\.js|\.ts)$/.exec(file);
    if (!m) continue;
    if (m[2] === '.ts') {
      problems.push(
        `apps/imports/${file}: TypeScript source; apps/imports holds compiled modules ` +
          '(<module>.js and <module>.d.ts): run npm run imports',
      );
      continue;
    }
    const pair = modules.get(m[1]!) ?? {};
    if (m[2] === '.js') pair.js = text;
    else pair.dts = text;
    modules.set(m[1]!, pair);
  }
  for (const [module, { js: text, dts }] of modules) {
    if (text === undefined) {
      problems.push(`apps/imports/${module}.d.ts: declarations without ${module}.js: run npm run imports`);
      continue;
    }
    const file = `${module}.js`;
    if (dts === undefined) {
      problems.push(`apps/imports/${file}: no ${module}.d.ts beside it: run npm run imports`);
    } else if (headerLines(dts) !== headerLines(text)) {
      problems.push(`apps/imports/${module}.d.ts: its header is not that of ${file}: run npm run imports`);
    }
    let h: Header;
    try {
      h = parseHeader(text, `apps/imports/${file}`);
    } catch (e) {
      problems.push((e as Error).message);
      continue;
    }
    const where = `apps/imports/${file}`;
    let spec: ImportSpec;
    try {
      spec = parseSpec(h.spec, `${where} header`);
    } catch (e) {
      problems.push((e as Error).message);
      continue;
    }
    generated.add(spec.name);
    const listed = specs.get(spec.name);
    if (listed && listed.spec !== h.spec) {
      problems.push(
        `${where}: generated from ${h.spec}, but cdk8s.yaml now lists ${listed.spec}: run npm run imports`,
      );
    }
    if (h.version !== spec.version) {
      problems.push(`${where}: header Version ${h.version} is not the version of its import ${h.spec}`);
    }
    const t = byName.get(spec.name);
    if (!t) continue;
    let pinned: string;
    try {
      pinned = t.pinned(s.versions);
    } catch (e) {
      problems.push(`${where}: ${(e as Error).message}`);
      continue;
    }
    if (h.version !== pinned) {
      problems.push(
        `${where}: generated from ${spec.repository} ${h.version}, but clusters/versions.ts (${t.entry}) pins ${pinned}: ` +
          'update its cdk8s.yaml URL and sha256 (tools/imports/sources.ts), then run npm run imports',
      );
    }
    if (h.sha256 !== t.sha256) {
      problems.push(
        `${where}: generated from sha256 ${h.sha256}, IMPORTS records ${t.sha256}: run npm run imports`,
      );
    }
    for (const key of Object.keys(GENERATOR_PACKAGES) as (keyof Generators)[]) {
      if (h.generators[key] !== s.generators[key]) {
        problems.push(
          `${where}: generated with ${GENERATOR_PACKAGES[key]} ${h.generators[key]}, package.json has ` +
            `${s.generators[key]}: run npm run imports`,
        );
      }
    }
  }
  for (const name of specs.keys()) {
    if (!generated.has(name))
      problems.push(`cdk8s.yaml import ${specs.get(name)!.spec}: no generated module in apps/imports`);
  }
  problems.push(...fluxReleaseProblems(s.versions));
  return problems;
}

/**
 * The Flux release the bootstrap installs (`versions.flux`) against the controllers the Flux
 * imports come from (`versions.fluxControllers`): each controller the release ships must be the
 * pinned one, or one recorded with the same CRDs (clusters/catalog/flux.ts). One message per
 * disagreement, empty when the cluster runs the CRDs the render types.
 */
export function fluxReleaseProblems(
  v: VersionsTable,
  releases: Readonly<Record<string, FluxRelease>> = FLUX_RELEASES,
  same: typeof SAME_CRD_SPEC = SAME_CRD_SPEC,
): string[] {
  const release = releases[v.flux];
  if (!release) {
    return [
      `clusters/versions.ts (flux) pins Flux ${v.flux}, which FLUX_RELEASES (clusters/catalog/flux.ts) does not ` +
        'record: add the controllers it ships (fluxcd/flux2@<tag>:manifests/bases/*/kustomization.yaml) and the ' +
        'first Flux Operator release that embeds it',
    ];
  }
  const problems: string[] = [];
  for (const controller of Object.keys(v.fluxControllers) as FluxController[]) {
    const imported = v.fluxControllers[controller];
    const installed = release.controllers[controller];
    if (installed === imported || same[controller]?.[installed] === imported) continue;
    problems.push(
      `clusters/versions.ts: Flux ${v.flux} (flux) installs ${controller} ${installed}, but the imports come from ` +
        `${imported} (fluxControllers.${controller}): regenerate them from ${installed}'s CRDs, or record the pair in ` +
        `SAME_CRD_SPEC (clusters/catalog/flux.ts) after diffing config/crd/bases`,
    );
  }
  return problems;
}
