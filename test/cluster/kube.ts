/**
 * A minimal Kubernetes API client over Node's https: bearer token, the test CA, discovery of
 * kinds to resources, server-side apply, and waiting for CRDs to be Established.
 */
import https from 'node:https';

export interface Response {
  readonly status: number;
  readonly body: string;
  /** `Warning` headers (deprecations, PodSecurity, …). */
  readonly warnings: readonly string[];
}

export interface ResourceInfo {
  readonly plural: string;
  readonly namespaced: boolean;
}

export interface ManifestLike {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
}

export type ApplyResult =
  | { readonly outcome: 'applied'; readonly warnings: readonly string[] }
  | { readonly outcome: 'rejected'; readonly status: number; readonly message: string }
  | { readonly outcome: 'unknown-kind'; readonly message: string };

export const FIELD_MANAGER = 'genai-eks-test-cluster';

interface ApiResourceList {
  resources?: { name: string; kind: string; namespaced: boolean }[];
}

interface StatusBody {
  kind?: string;
  message?: string;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The server's message from a Status body, or the raw body. */
export function statusMessage(body: string): string {
  try {
    const s = JSON.parse(body) as StatusBody;
    if (s.message) return s.message;
  } catch {
    // not JSON
  }
  return body.trim().slice(0, 2000);
}

export class KubeClient {
  private readonly agent: https.Agent;
  private readonly discovery = new Map<string, Map<string, ResourceInfo> | undefined>();
  private readonly missing = new Set<string>();

  constructor(
    readonly server: string,
    private readonly token: string,
    ca: string,
  ) {
    this.agent = new https.Agent({ ca, keepAlive: true, maxSockets: 4 });
  }

  request(method: string, path: string, body?: string, contentType = 'application/json'): Promise<Response> {
    const url = new URL(path, this.server);
    return new Promise((resolveResponse, reject) => {
      const req = https.request(
        url,
        {
          method,
          agent: this.agent,
          timeout: 60_000,
          headers: {
            Authorization: `Bearer ${this.token}`,
            Accept: 'application/json',
            ...(body === undefined
              ? {}
              : { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const w = res.headers.warning;
            const warnings = (Array.isArray(w) ? w : w ? [w] : []).map((x) => x.replace(/^299 - /, ''));
            resolveResponse({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              warnings,
            });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** GET /readyz == 200 (false on connection errors: the server may still be starting). */
  async ready(): Promise<boolean> {
    try {
      return (await this.request('GET', '/readyz')).status === 200;
    } catch {
      return false;
    }
  }

  private static groupVersionPath(apiVersion: string): string {
    return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  }

  /** Forgets discovery (after CRDs were installed). */
  forgetDiscovery(): void {
    this.discovery.clear();
    this.missing.clear();
  }

  /** Resource of a kind, or undefined when the server does not serve it. */
  async resourceFor(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    if (!this.discovery.has(apiVersion)) {
      const r = await this.request('GET', KubeClient.groupVersionPath(apiVersion));
      if (r.status === 404) this.discovery.set(apiVersion, undefined);
      else if (r.status !== 200)
        throw new Error(`discovery of ${apiVersion}: HTTP ${r.status}: ${statusMessage(r.body)}`);
      else {
        const list = JSON.parse(r.body) as ApiResourceList;
        const kinds = new Map<string, ResourceInfo>();
        for (const res of list.resources ?? []) {
          if (!res.name.includes('/')) kinds.set(res.kind, { plural: res.name, namespaced: res.namespaced });
        }
        this.discovery.set(apiVersion, kinds);
      }
    }
    return this.discovery.get(apiVersion)?.get(kind);
  }

  /** Path of one object; `namespace` falls back to `default` for namespaced kinds (as kubectl and Flux do). */
  objectPath(obj: ManifestLike, info: ResourceInfo): string {
    const ns = info.namespaced
      ? `/namespaces/${encodeURIComponent(obj.metadata.namespace ?? 'default')}`
      : '';
    return `${KubeClient.groupVersionPath(obj.apiVersion)}${ns}/${info.plural}/${encodeURIComponent(obj.metadata.name)}`;
  }

  /** Server-side apply (force, our field manager); `dryRun` asks for dryRun=All. */
  async apply(obj: ManifestLike, opts: { dryRun?: boolean } = {}): Promise<ApplyResult> {
    let info = await this.resourceFor(obj.apiVersion, obj.kind);
    // Discovery of a just-established CRD can lag a moment: look again for up to 5 s, once per kind.
    const key = `${obj.apiVersion} ${obj.kind}`;
    for (let i = 0; !info && !this.missing.has(key) && i < 10; i++) {
      await sleep(500);
      this.discovery.delete(obj.apiVersion);
      info = await this.resourceFor(obj.apiVersion, obj.kind);
    }
    if (!info) this.missing.add(key);
    if (!info) {
      return {
        outcome: 'unknown-kind',
        message: `the server does not serve ${obj.kind} in ${obj.apiVersion} (no CRD for it was installed)`,
      };
    }
    const query = new URLSearchParams({ fieldManager: FIELD_MANAGER, force: 'true' });
    if (opts.dryRun) query.set('dryRun', 'All');
    const r = await this.request(
      'PATCH',
      `${this.objectPath(obj, info)}?${query}`,
      JSON.stringify(obj),
      'application/apply-patch+yaml',
    );
    if (r.status === 200 || r.status === 201) return { outcome: 'applied', warnings: r.warnings };
    return { outcome: 'rejected', status: r.status, message: statusMessage(r.body) };
  }

  /** Waits until every named CRD has Established=True; throws naming those that did not. */
  async waitEstablished(names: readonly string[], timeoutMs = 60_000): Promise<void> {
    const pending = new Set(names);
    const deadline = Date.now() + timeoutMs;
    const problems = new Map<string, string>();
    while (pending.size && Date.now() < deadline) {
      for (const name of [...pending]) {
        const r = await this.request(
          'GET',
          `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
        );
        if (r.status !== 200) {
          problems.set(name, `HTTP ${r.status}`);
          continue;
        }
        const crd = JSON.parse(r.body) as {
          status?: { conditions?: { type: string; status: string; message?: string }[] };
        };
        const conds = crd.status?.conditions ?? [];
        if (conds.some((c) => c.type === 'Established' && c.status === 'True')) pending.delete(name);
        else {
          const bad = conds.find((c) => c.status !== 'True');
          problems.set(name, bad ? `${bad.type}: ${bad.message ?? bad.status}` : 'no conditions yet');
        }
      }
      if (pending.size) await sleep(250);
    }
    if (pending.size) {
      throw new Error(
        `CRDs not Established after ${timeoutMs / 1000}s: ${[...pending].map((n) => `${n} (${problems.get(n)})`).join(', ')}`,
      );
    }
    this.forgetDiscovery();
  }

  close(): void {
    this.agent.destroy();
  }
}
