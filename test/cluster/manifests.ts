/**
 * What the API-server tier applies: the objects of dist/k8s/<env> after Flux-style
 * substitution of the contract variables with test values, in the order a fresh cluster
 * receives them (namespaces, then CRDs, then the Flux layers in order).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeManifest } from '../../apps/index.js';
import {
  type ClusterVars,
  CONTRACT_VARIABLE_NAMES,
  type ContractVariable,
  contractVariablesOf,
  LAYERS,
} from '../../clusters/contract.js';
import { clusterName } from '../../clusters/lib/environment.js';
import type { Environment } from '../../clusters/lib/resolve.js';

export class ManifestError extends Error {
  override name = 'ManifestError';
}

/**
 * Test values for the contract variables, shaped like what infra/ writes into cluster-vars
 * (same formats: ids, ARNs parts, DNS names) so that patterns in schemas see realistic input.
 * They name no real resource: the account is the AWS documentation example account. Given the
 * environment's authentication, only the variables its cluster-vars holds (`contractVariablesOf`):
 * the optional ones it does not set are left out, as infra/ leaves them out.
 */
export function testClusterVars(
  env: Pick<Environment, 'name' | 'region'> & Partial<Pick<Environment, 'authentication'>>,
): ClusterVars {
  const all = allTestClusterVars(env);
  if (!env.authentication) return all;
  const held = new Set<ContractVariable>(contractVariablesOf({ authentication: env.authentication }));
  return Object.fromEntries(
    Object.entries(all).filter(([k]) => held.has(k as ContractVariable)),
  ) as ClusterVars;
}

function allTestClusterVars(env: Pick<Environment, 'name' | 'region'>): Required<ClusterVars> {
  const cluster = clusterName(env);
  return {
    CLUSTER_NAME: cluster,
    AWS_REGION: env.region,
    VPC_ID: 'vpc-0a1b2c3d4e5f60718',
    KARPENTER_NODE_ROLE: `${cluster}-karpenter-node`,
    KARPENTER_INTERRUPTION_QUEUE: `${cluster}-karpenter`,
    FSX_FILE_SYSTEM_ID: 'fs-0a1b2c3d4e5f60718',
    FSX_DNS_NAME: `fs-0a1b2c3d4e5f60718.fsx.${env.region}.amazonaws.com`,
    FSX_MOUNT_NAME: 'abcdefgh',
    MODEL_BUCKET: `${cluster}-models-111122223333`,
    HF_TOKEN_SECRET_NAME: `${cluster}/huggingface-token`,
    OPEN_WEBUI_SECRET_NAME: `${cluster}/open-webui`,
    JUPYTERHUB_SECRET_NAME: `${cluster}/jupyterhub`,
    JUPYTERHUB_HOST: `jupyter.${env.name}.example.com`,
    JUPYTERHUB_CERTIFICATE_ARN: `arn:aws:acm:${env.region}:111122223333:certificate/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9`,
    COGNITO_CLIENT_ID: '1a2b3c4d5e6f7g8h9i0j1k2l3m',
    COGNITO_DOMAIN: `https://${cluster}-111122223333.auth.${env.region}.amazoncognito.com`,
  };
}

const KNOWN = new Set<string>(CONTRACT_VARIABLE_NAMES);

/**
 * Flux post-build substitution: `${NAME}` becomes the value, `$${NAME}` stays as the literal
 * `${NAME}`. Every `${…}` must name a contract variable (anything else is an error naming `where`
 * and the variable), and, as with Flux's strict substitution (the StrictPostBuildSubstitutions
 * feature gate infra/flux turns on), one that `vars` (cluster-vars) does not hold is an error.
 */
export function substitute(text: string, vars: ClusterVars, where: string): string {
  return text.replace(/\$(\$?)\{([^}]*)\}/g, (match, escaped: string, name: string) => {
    if (escaped) return match.slice(1);
    if (!KNOWN.has(name)) {
      throw new ManifestError(
        `${where}: \${${name}} is not a contract variable (known: ${CONTRACT_VARIABLE_NAMES.join(', ')}); escape a literal as $\${…}`,
      );
    }
    const value = vars[name as keyof ClusterVars];
    if (value === undefined) {
      throw new ManifestError(
        `${where}: \${${name}} is not in this environment's cluster-vars (Flux's strict substitution fails on it)`,
      );
    }
    return value;
  });
}

export interface EnvObject {
  /** File path relative to the environment directory, e.g. `controllers/namespace-karpenter.yaml`. */
  readonly file: string;
  readonly manifest: KubeManifest;
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(d.name)) out.push(p);
  }
  return out.sort();
}

/** Flux skips substitution for objects labelled or annotated `kustomize.toolkit.fluxcd.io/substitute: disabled`. */
function substitutionDisabled(doc: unknown): boolean {
  const md = (doc as { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } })
    ?.metadata;
  const key = 'kustomize.toolkit.fluxcd.io/substitute';
  return md?.labels?.[key] === 'disabled' || md?.annotations?.[key] === 'disabled';
}

/** Reads every object under `envDir`, substituting contract variables. Throws on bad YAML or variables. */
export function loadEnvironmentObjects(envDir: string, vars: ClusterVars, envName: string): EnvObject[] {
  const objects: EnvObject[] = [];
  for (const path of yamlFiles(envDir)) {
    const file = relative(envDir, path);
    const where = `${envName}: ${file}`;
    const raw = readFileSync(path, 'utf8');
    for (const doc of parseAllDocuments(raw)) {
      if (doc.errors.length) throw new ManifestError(`${where}: ${doc.errors[0]!.message}`);
      const plain = doc.toJS() as unknown;
      if (plain === null || plain === undefined) continue;
      const text = substitutionDisabled(plain) ? doc.toString() : substitute(doc.toString(), vars, where);
      const parsed = parseAllDocuments(text)[0]?.toJS() as KubeManifest | undefined;
      if (!parsed || typeof parsed.apiVersion !== 'string' || typeof parsed.kind !== 'string') {
        throw new ManifestError(`${where}: not a Kubernetes object (apiVersion and kind are required)`);
      }
      if (typeof parsed.metadata?.name !== 'string' || !parsed.metadata.name) {
        throw new ManifestError(`${where}: metadata.name is required`);
      }
      objects.push({ file, manifest: parsed });
    }
  }
  return objects;
}

/**
 * The PrometheusRules kube-prometheus-stack renders from a HelmRelease's
 * `additionalPrometheusRulesMap` value, as its template writes them
 * (prometheus-community/helm-charts@kube-prometheus-stack-88.3.0:
 * charts/kube-prometheus-stack/templates/prometheus/additionalPrometheusRules.yaml: name
 * `<fullname>-<key>` cut to 63 characters and trailing `-`, the release namespace, the entry's
 * `additionalLabels`, `spec.groups`), so that the API server checks them against the pinned CRD.
 * The chart's own labels are left out: they do not change what the CRD accepts.
 */
export function chartRenderedRules(objects: readonly EnvObject[]): EnvObject[] {
  const out: EnvObject[] = [];
  for (const { file, manifest } of objects) {
    if (manifest.kind !== 'HelmRelease') continue;
    const spec = manifest.spec as
      | { targetNamespace?: string; releaseName?: string; values?: Record<string, unknown> }
      | undefined;
    const rules = spec?.values?.additionalPrometheusRulesMap as
      | Record<string, { additionalLabels?: Record<string, string>; groups?: unknown[] }>
      | undefined;
    if (!rules) continue;
    const fullname = String(spec?.values?.fullnameOverride ?? spec?.releaseName ?? manifest.metadata.name);
    const namespace = spec?.targetNamespace ?? manifest.metadata.namespace;
    for (const [key, rule] of Object.entries(rules)) {
      const name = `${fullname}-${key}`.slice(0, 63).replace(/-+$/, '');
      out.push({
        file: `${file}#additionalPrometheusRulesMap.${key}`,
        manifest: {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'PrometheusRule',
          metadata: { name, namespace, labels: { ...(rule.additionalLabels ?? {}) } },
          spec: { groups: rule.groups ?? [] },
        } as KubeManifest,
      });
    }
  }
  return out;
}

/** Kinds that change how the API server itself treats later requests; applied with dryRun=All (see docs/testing.md). */
export const DRY_RUN_KINDS: ReadonlySet<string> = new Set([
  'admissionregistration.k8s.io ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io MutatingWebhookConfiguration',
  'apiregistration.k8s.io APIService',
]);

export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
}

/** Whether the object is applied with dryRun=All rather than persisted. */
export function dryRunFor(m: Pick<KubeManifest, 'apiVersion' | 'kind'>): boolean {
  return DRY_RUN_KINDS.has(`${groupOf(m.apiVersion)} ${m.kind}`);
}

export const isNamespace = (m: KubeManifest) => m.apiVersion === 'v1' && m.kind === 'Namespace';
export const isCrd = (m: KubeManifest) =>
  groupOf(m.apiVersion) === 'apiextensions.k8s.io' && m.kind === 'CustomResourceDefinition';

function layerRank(file: string): number {
  const i = (LAYERS as readonly string[]).indexOf(file.split('/')[0] ?? '');
  return i === -1 ? LAYERS.length : i;
}

/** Namespaces first, then CRDs, then the rest by Flux layer and file name. Stable. */
export function applyOrder(objects: readonly EnvObject[]): EnvObject[] {
  const rank = (o: EnvObject) => (isNamespace(o.manifest) ? 0 : isCrd(o.manifest) ? 1 : 2);
  return [...objects].sort(
    (a, b) => rank(a) - rank(b) || layerRank(a.file) - layerRank(b.file) || a.file.localeCompare(b.file),
  );
}

/** Group and kind of an object's type: `apps/v1` Deployment -> `apps/Deployment`, `v1` Pod -> `/Pod`. */
const typeOf = (apiVersion: string, kind: string) =>
  `${apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : ''}/${kind}`;

/**
 * The CRDs a cluster under test needs: those serving a kind that one of `objects` has, and every
 * CRD of `groups` (the API groups of controllers that run beside the API server and watch all of
 * their kinds). The reference directory holds every CRD the pinned charts install; one that
 * serves none of our objects checks nothing, while each costs the API server its OpenAPI and
 * serving state at start-up (the two Argo Workflows CRDs we never use are 5.7 MB of schema).
 */
export function crdsServing(
  crds: readonly KubeManifest[],
  objects: readonly Pick<KubeManifest, 'apiVersion' | 'kind'>[],
  groups: ReadonlySet<string> = new Set(),
): KubeManifest[] {
  const used = new Set(objects.map((o) => typeOf(o.apiVersion, o.kind)));
  return crds.filter((c) => {
    const spec = c.spec as { group: string; names: { kind: string } };
    return groups.has(spec.group) || used.has(`${spec.group}/${spec.names.kind}`);
  });
}

/** Every CustomResourceDefinition in the YAML files of a directory (multi-document files allowed). */
export function readCrds(dir: string): KubeManifest[] {
  const crds: KubeManifest[] = [];
  for (const path of yamlFiles(dir)) {
    for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) {
      if (doc.errors.length) throw new ManifestError(`${path}: ${doc.errors[0]!.message}`);
      const m = doc.toJS() as KubeManifest | null;
      if (m && isCrd(m)) crds.push(m);
    }
  }
  if (crds.length === 0) throw new ManifestError(`${dir}: no CustomResourceDefinition found`);
  return crds;
}
