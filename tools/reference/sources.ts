/**
 * The reference folder a fork's CI builds from upstream URLs, laid out like ../shared/reference
 * (which CI here has beside the repository): every file with its URL and the sha256 it must
 * have. `.ci/run` on GitHub Actions without ../shared runs `scripts/fetch-reference.ts`, then the
 * same tiers as here: typed imports, chart values, the API-server tier.
 *
 * - `crds/` and `kubernetes/`: the files the typed imports come from: cdk8s.yaml's URLs with the
 *   sha256 of tools/imports/sources.ts (IMPORTS), not a second table. They hold every CRD whose
 *   kinds dist/k8s renders (test/helm-values.test.ts checks that).
 * - `helm-chart-values/<chart>-<version>/` and `helm-values-schemas/`: CHART_VALUES below. Each
 *   sha256 was computed from the file at the ref given, and equals the bytes of the copy in
 *   ../shared/reference/helm-chart-values (taken from the packaged charts), so both sources
 *   give the check the same defaults. When a chart pin moves, its entry must move too
 *   (test/helm-values.test.ts fails otherwise).
 *
 * Pure data: it loads neither the network nor ../shared.
 */
import { basename } from 'node:path';
import { IMPORTS, type ImportSpec } from '../imports/sources.js';

/** One file of the reference folder. */
export interface ReferenceFile {
  /** Path inside the reference folder. */
  readonly path: string;
  readonly url: string;
  /** sha256 of the file (hex). */
  readonly sha256: string;
}

const raw = (repository: string, ref: string, path: string): string =>
  `https://raw.githubusercontent.com/${repository}/${ref}/${path}`;

/** A chart version's default values (and subcharts', values schema) at their upstream refs. */
export interface ChartValuesSource {
  readonly chart: string;
  readonly version: string;
  /** `upstream` is `owner/repo@ref:path`; `into` the path under the chart's folder (default values.yaml). */
  readonly files: readonly { readonly upstream: string; readonly into?: string; readonly sha256: string }[];
}

/**
 * Default values of every rendered chart version that has them (the others are listed as
 * unreferenced in review/helm-values-allowlist.ts, with the reason). Refs: the chart's release
 * tag where the repository tags charts, else the commit that released the chart version
 * (eks-charts has no per-chart tags: the last commit to the chart's Chart.yaml at that version).
 */
export const CHART_VALUES: readonly ChartValuesSource[] = [
  {
    chart: 'aws-efa-k8s-device-plugin',
    version: 'v0.5.30',
    files: [
      {
        upstream:
          'aws/eks-charts@bfe91c4b9257c80f754ad4b3d6a9a3c239b2b8ec:stable/aws-efa-k8s-device-plugin/values.yaml',
        sha256: 'a2ca624e12b53dab0317a8437c8a4d095d695daad40bc616299c50083efd2441',
      },
    ],
  },
  {
    chart: 'aws-load-balancer-controller',
    version: '3.5.0',
    files: [
      {
        upstream:
          'aws/eks-charts@5239609242f3430be50fb0b714a24d3ef2b47983:stable/aws-load-balancer-controller/values.yaml',
        sha256: 'c330e0b3aaeed9d6b75e70564563dcdb231ee970db587f23eff5c013461f2dd4',
      },
    ],
  },
  {
    chart: 'dcgm-exporter',
    version: '4.8.2',
    files: [
      {
        upstream: 'NVIDIA/dcgm-exporter@4.5.3-4.8.2:deployment/values.yaml',
        sha256: 'f3d8522a4c720e2f7fcda86bbd4aa852d39b3908a4ffd202b7479aab1dbac4fa',
      },
    ],
  },
  {
    chart: 'external-secrets',
    version: '2.9.0',
    files: [
      {
        upstream:
          'external-secrets/external-secrets@helm-chart-2.9.0:deploy/charts/external-secrets/values.yaml',
        sha256: '13811e7dd028c69c933d299728181f5b094bcab03de0cea26a8a020b2c7d402d',
      },
      {
        upstream:
          'external-secrets/external-secrets@helm-chart-2.9.0:deploy/charts/external-secrets/values.schema.json',
        into: 'values.schema.json',
        sha256: 'a6cdce7b4f5ca9debdbf4164816daedc41d71589cf7d90bb513159603ed81312',
      },
    ],
  },
  {
    chart: 'jupyterhub',
    version: '4.4.0',
    files: [
      {
        upstream: 'jupyterhub/zero-to-jupyterhub-k8s@4.4.0:jupyterhub/values.yaml',
        sha256: 'd61742ce43e33262bb8fa0d68b6b9e7a7b229a3c7ce6d5a08cf97788c0ba796b',
      },
    ],
  },
  {
    chart: 'karpenter',
    version: '1.14.1',
    files: [
      {
        // The git tag's file: the published OCI chart rewrites only image tags (../shared/reference/README.md).
        upstream: 'aws/karpenter-provider-aws@v1.14.1:charts/karpenter/values.yaml',
        sha256: '18813aba28c48fd65d76007e8919d355acc3583d82c6c14ea797c8cd5bf09437',
      },
    ],
  },
  {
    chart: 'kuberay-operator',
    version: '1.7.0',
    files: [
      {
        upstream: 'ray-project/kuberay@v1.7.0:helm-chart/kuberay-operator/values.yaml',
        sha256: '09cd34d266a18f0c22ea6a804c310496e5b61a99861b35334a7877b1b0f35bf4',
      },
    ],
  },
  {
    chart: 'nvidia-device-plugin',
    version: '0.20.0',
    files: [
      {
        upstream: 'NVIDIA/k8s-device-plugin@v0.20.0:deployments/helm/nvidia-device-plugin/values.yaml',
        sha256: 'ad339b160fc56d4ab4648a88e79b1eed277a15142e2e314734ee17bcd672b648',
      },
      {
        // The `nfd` dependency, node-feature-discovery 0.19.0 (the chart's Chart.yaml).
        upstream:
          'kubernetes-sigs/node-feature-discovery@v0.19.0:deployment/helm/node-feature-discovery/values.yaml',
        into: 'charts/node-feature-discovery/values.yaml',
        sha256: '84c6277dd7934c1ba54c0707c307e6b206400ac51179af0674b1de300e8fcb8b',
      },
    ],
  },
];

/** Values schemas that charts ship as YAML (the layout of ../shared/reference/helm-values-schemas). */
export const VALUES_SCHEMAS: readonly ReferenceFile[] = [
  {
    path: 'helm-values-schemas/jupyterhub-4.4.0.values.schema.yaml',
    url: raw('jupyterhub/zero-to-jupyterhub-k8s', '4.4.0', 'jupyterhub/values.schema.yaml'),
    sha256: '1d9d48ee343efda1140edfc3de4d8ec4113ae9173bf9e44b83f19c2ca335a0dc',
  },
];

/** `owner/repo@ref:path` -> its raw.githubusercontent.com URL. */
export function upstreamUrl(upstream: string): string {
  const m = /^([^/@]+\/[^/@]+)@([^:]+):(.+)$/.exec(upstream);
  if (!m) throw new Error(`${upstream}: expected owner/repo@ref:path`);
  return raw(m[1]!, m[2]!, m[3]!);
}

/**
 * Every file of the reference folder: the typed imports' upstream files (cdk8s.yaml `specs`,
 * parsed, with the sha256 of IMPORTS), the chart values and the values schemas.
 */
export function referenceFiles(specs: readonly ImportSpec[]): ReferenceFile[] {
  const sha = new Map(IMPORTS.map((i) => [i.name, i.sha256]));
  const imports = specs.map((s): ReferenceFile => {
    const sha256 = sha.get(s.name);
    if (!sha256)
      throw new Error(`cdk8s.yaml import ${s.spec}: no sha256 in tools/imports/sources.ts IMPORTS`);
    return {
      path: s.name === 'k8s' ? `kubernetes/v${s.version}-definitions.json` : `crds/${basename(s.path)}`,
      url: s.url,
      sha256,
    };
  });
  const charts = CHART_VALUES.flatMap((c) =>
    c.files.map(
      (f): ReferenceFile => ({
        path: `helm-chart-values/${c.chart}-${c.version}/${f.into ?? 'values.yaml'}`,
        url: upstreamUrl(f.upstream),
        sha256: f.sha256,
      }),
    ),
  );
  return [...imports, ...charts, ...VALUES_SCHEMAS];
}
