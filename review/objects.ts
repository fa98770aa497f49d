/**
 * Reads a rendered tree (the files `render()` returns, or a dist/ folder on disk) back into
 * objects: per environment, Kubernetes objects keyed by kind/namespace/name and Terraform
 * blocks keyed by `type.name`. The review tools (diff, report, architecture) work on these.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { EnvironmentRender } from '../render/build.js';
import { listFiles } from '../render/compare.js';
import { sortKeys } from '../render/serialise.js';

export type JsonObject = { readonly [k: string]: unknown };

export interface KubeObject {
  /** `Kind namespace/name` or `Kind name` (cluster-scoped). */
  readonly id: string;
  readonly kind: string;
  readonly apiVersion: string;
  readonly namespace: string | undefined;
  readonly name: string;
  /** Flux layer folder the object was written to (flux-system, controllers, configs, apps). */
  readonly layer: string;
  /** Path relative to the tree root, e.g. `k8s/dev/apps/deployment-vllm-x.yaml`. */
  readonly path: string;
  readonly manifest: JsonObject;
}

export interface TerraformBlock {
  /**
   * `aws_s3_bucket.models`, `data.aws_iam_policy_document.x`, `output.x`, `provider.aws`, …,
   * prefixed with the stage where the environment has several root modules
   * (`terraform/<env>/<stage>/…`): `cluster/aws_s3_bucket.models`.
   */
  readonly id: string;
  /** Root module the block belongs to (`cluster`, `bootstrap`); undefined for `terraform/<env>/<file>`. */
  readonly stage?: string;
  /** The block's address inside its root module, as Terraform expressions name it (`aws_s3_bucket.models`). */
  readonly address: string;
  /** `resource`, `data`, `output`, or the top-level key (provider, terraform, locals, …). */
  readonly section: string;
  /** Resource type for resources and data sources, e.g. `aws_s3_bucket`. */
  readonly type: string | undefined;
  readonly body: unknown;
}

export interface EnvironmentObjects {
  readonly env: string;
  readonly kubernetes: ReadonlyMap<string, KubeObject>;
  readonly terraform: ReadonlyMap<string, TerraformBlock>;
}

/** Files of a rendered tree: relative path (`k8s/<env>/…`, `terraform/<env>/[<stage>/]…`) -> content. */
export type Files = ReadonlyMap<string, string>;

/** Reads every file under a dist-like directory into memory. */
export function readTreeFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const f of listFiles(dir)) files.set(f, readFileSync(join(dir, f), 'utf8'));
  return files;
}

/** Environment name -> its objects, sorted by environment name. */
export function parseTree(files: Files): Map<string, EnvironmentObjects> {
  const k8s = new Map<string, Map<string, KubeObject>>();
  const tf = new Map<string, Map<string, TerraformBlock>>();
  const envOf = <T>(m: Map<string, Map<string, T>>, env: string) => {
    let e = m.get(env);
    if (!e) {
      e = new Map();
      m.set(env, e);
    }
    return e;
  };
  for (const [path, content] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const parts = path.split('/');
    const [part, env] = parts;
    if (!env || parts.length < 3) continue;
    if (part === 'k8s' && /\.ya?ml$/.test(path)) {
      const objects = envOf(k8s, env);
      for (const o of parseKubernetesFile(path, parts.length > 3 ? parts[2]! : '', content)) {
        if (objects.has(o.id)) throw new Error(`${path}: ${o.id} is defined twice in ${env}`);
        objects.set(o.id, o);
      }
      envOf(tf, env);
    } else if (part === 'terraform' && path.endsWith('.json')) {
      const blocks = envOf(tf, env);
      const stage = parts.length > 3 ? parts[2] : undefined;
      for (const b of parseTerraform(path, content, stage)) blocks.set(b.id, b);
      envOf(k8s, env);
    }
  }
  const names = [...new Set([...k8s.keys(), ...tf.keys()])].sort();
  return new Map(
    names.map((env) => [
      env,
      { env, kubernetes: k8s.get(env) ?? new Map(), terraform: tf.get(env) ?? new Map() },
    ]),
  );
}

/**
 * The same objects as `parseTree` of a render's files, from a render still in memory: the
 * Kubernetes objects from their data (keys sorted, as the YAML holds them, so nothing needs
 * parsing back), Terraform from its JSON. Falls back to parsing where a render carries no objects.
 */
export function renderTree(results: readonly EnvironmentRender[]): Map<string, EnvironmentObjects> {
  const files = new Map<string, string>();
  const objects = new Map<string, Map<string, KubeObject>>();
  for (const r of results) {
    const kubernetes = new Map<string, KubeObject>();
    for (const [path, content] of r.files) {
      if (!path.startsWith('k8s/') || !r.manifests) files.set(path, content);
    }
    if (r.manifests) {
      for (const path of [...r.manifests.keys()].sort((a, b) => a.localeCompare(b))) {
        const { layer, manifest } = r.manifests.get(path)!;
        const o = kubeObject(path, layer, sortKeys(manifest) as JsonObject);
        if (kubernetes.has(o.id)) throw new Error(`${path}: ${o.id} is defined twice in ${r.env.name}`);
        kubernetes.set(o.id, o);
      }
      objects.set(r.env.name, kubernetes);
    }
  }
  const tree = parseTree(files);
  for (const [env, kubernetes] of objects) {
    tree.set(env, { env, kubernetes, terraform: tree.get(env)?.terraform ?? new Map() });
  }
  return new Map([...tree].sort(([a], [b]) => a.localeCompare(b)));
}

export function kubeId(kind: string, namespace: string | undefined, name: string): string {
  return namespace ? `${kind} ${namespace}/${name}` : `${kind} ${name}`;
}

function parseKubernetesFile(path: string, layer: string, content: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(content)) {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]!.message}`);
    const manifest = doc.toJS() as unknown;
    if (manifest === null || manifest === undefined) continue;
    if (typeof manifest !== 'object' || Array.isArray(manifest)) {
      throw new Error(`${path}: not a Kubernetes object`);
    }
    out.push(kubeObject(path, layer, manifest as JsonObject));
  }
  return out;
}

function kubeObject(path: string, layer: string, m: JsonObject): KubeObject {
  const metadata = (m.metadata ?? {}) as JsonObject;
  const kind = String(m.kind ?? '');
  const name = String(metadata.name ?? '');
  if (!kind || !name) throw new Error(`${path}: object without kind or metadata.name`);
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : undefined;
  return {
    id: kubeId(kind, namespace, name),
    kind,
    apiVersion: String(m.apiVersion ?? ''),
    namespace,
    name,
    layer,
    path,
    manifest: m,
  };
}

/** Splits a cdktf JSON document into addressable blocks (ids prefixed with `stage/` when given). */
export function parseTerraform(path: string, content: string, stage?: string): TerraformBlock[] {
  let doc: unknown;
  try {
    doc = JSON.parse(content);
  } catch (e) {
    throw new Error(`${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${path}: not a JSON object`);
  const out: TerraformBlock[] = [];
  const push = (b: Omit<TerraformBlock, 'address' | 'stage'>) =>
    out.push({ ...b, id: stage ? `${stage}/${b.id}` : b.id, address: b.id, ...(stage ? { stage } : {}) });
  for (const [section, value] of Object.entries(doc as JsonObject)) {
    if (
      (section === 'resource' || section === 'data' || section === 'ephemeral') &&
      value &&
      typeof value === 'object'
    ) {
      for (const [type, byName] of Object.entries(value as JsonObject)) {
        for (const [name, body] of Object.entries((byName ?? {}) as JsonObject)) {
          const id = section === 'resource' ? `${type}.${name}` : `${section}.${type}.${name}`;
          push({ id, section, type, body });
        }
      }
    } else if ((section === 'output' || section === 'variable' || section === 'module') && value) {
      for (const [name, body] of Object.entries(value as JsonObject)) {
        push({ id: `${section}.${name}`, section, type: undefined, body });
      }
    } else if (section === 'provider' && value && typeof value === 'object') {
      for (const [name, body] of Object.entries(value as JsonObject)) {
        push({ id: `provider.${name}`, section, type: undefined, body });
      }
    } else {
      // `//` holds cdktf's stack metadata; name it so that a diff line reads well.
      const id = section === '//' ? 'cdktf metadata (//)' : section;
      push({ id, section, type: undefined, body: value });
    }
  }
  return out;
}
