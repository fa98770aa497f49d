/**
 * The API-server tier's Kubernetes client: `@kubernetes/client-node` 1.4.0 (its request
 * pipeline, discovery of kinds to resources and URL building in KubernetesObjectApi,
 * ApiextensionsV1Api for the CRDs' conditions, Health for /readyz), with two choices of ours:
 *
 * - Authentication is a SecurityAuthentication that sets the bearer token and one keep-alive
 *   https.Agent with the test CA. KubeConfig's own makes a new agent, so a new TLS connection,
 *   per request: 2.2 times slower per applied object (docs/decisions.md).
 * - Server-side apply sends each object exactly as rendered and keeps the response's `Warning`
 *   headers. `KubernetesObjectApi.patch` passes built-in kinds through the library's models
 *   (`ObjectSerializer.serialize(spec, 'V1Deployment')`), which drops every field the model
 *   does not know: a misspelt field never reaches the server, which would reject it, so the
 *   tier would pass what Flux's apply fails. It also returns the body without the headers. The
 *   subclass below uses the class's protected building blocks (specUriPath, requestPromise,
 *   processResponse) instead.
 */
import https from 'node:https';
import {
  ApiException,
  ApiextensionsV1Api,
  createConfiguration,
  Health,
  HttpMethod,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  type RequestContext,
  type ResponseContext,
  ServerConfiguration,
  type V1APIResource,
} from '@kubernetes/client-node';
import { statusMessage, warningTexts } from './responses.js';

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

/** Longest wait for one request. */
export const REQUEST_TIMEOUT_MS = 60_000;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** KubernetesObjectApi with an apply that keeps the body as rendered and the Warning headers. */
class ObjectApi extends KubernetesObjectApi {
  private readonly warnings = new WeakMap<object, string[]>();

  /** The resource serving a kind, or undefined (also when its group version is not served). */
  async served(apiVersion: string, kind: string): Promise<V1APIResource | undefined> {
    try {
      return await this.resource(apiVersion, kind);
    } catch (e) {
      if (e instanceof ApiException && e.code === 404) return undefined;
      throw e;
    }
  }

  forgetDiscovery(): void {
    this.apiVersionResourceCache = {};
  }

  /** Server-side apply (force, our field manager) of `obj` unchanged; returns the Warning texts. */
  async serverSideApply(obj: ManifestLike, dryRun: boolean): Promise<string[]> {
    // specUriPath fills in a missing namespace (`default`, as kubectl and Flux do) on its argument.
    const target = { ...obj, metadata: { ...obj.metadata } } as KubernetesObject;
    const ctx = this.configuration.baseServer.makeRequestContext(
      await this.specUriPath(target, 'patch'),
      HttpMethod.PATCH,
    );
    ctx.setHeaderParam('Accept', 'application/json');
    ctx.setHeaderParam('Content-Type', PatchStrategy.ServerSideApply);
    ctx.setQueryParam('fieldManager', FIELD_MANAGER);
    ctx.setQueryParam('force', 'true');
    if (dryRun) ctx.setQueryParam('dryRun', 'All');
    ctx.setBody(JSON.stringify(obj));
    const result: object = await this.requestPromise(ctx);
    return this.warnings.get(result) ?? [];
  }

  protected override async processResponse<T extends KubernetesObject>(
    response: ResponseContext,
    type?: string,
  ): Promise<T> {
    const result = await super.processResponse<T>(response, type);
    const header = response.headers.warning;
    if (header && typeof result === 'object' && result !== null)
      this.warnings.set(result, warningTexts(header));
    return result;
  }
}

export class KubeClient {
  private readonly agent: https.Agent;
  private readonly objects: ObjectApi;
  private readonly crds: ApiextensionsV1Api;
  private readonly health: Health;
  private readonly missing = new Set<string>();

  constructor(
    readonly server: string,
    private readonly token: string,
    ca: string,
  ) {
    this.agent = new https.Agent({ ca, keepAlive: true, maxSockets: 4 });
    const config = createConfiguration({
      baseServer: new ServerConfiguration(server, {}),
      authMethods: {
        default: {
          getName: () => 'genai-eks-test-admin-token',
          applySecurityAuthentication: (ctx: RequestContext) => {
            ctx.setHeaderParam('Authorization', `Bearer ${token}`);
            ctx.setAgent(this.agent);
            // No request may hang the tier: the server answers an apply in milliseconds.
            ctx.setSignal(AbortSignal.timeout(REQUEST_TIMEOUT_MS));
          },
        },
      },
    });
    this.objects = new ObjectApi(config);
    this.crds = new ApiextensionsV1Api(config);
    // Health takes a KubeConfig: the same server, CA and token.
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'test', server, caData: Buffer.from(ca).toString('base64'), skipTLSVerify: false }],
      users: [{ name: 'admin', token }],
      contexts: [{ name: 'test', cluster: 'test', user: 'admin' }],
      currentContext: 'test',
    });
    this.health = new Health(kc);
  }

  /** GET /readyz == 200 (false on connection errors: the server may still be starting). */
  async ready(): Promise<boolean> {
    try {
      return await this.health.readyz({ timeout: 5_000 });
    } catch {
      return false;
    }
  }

  /** Forgets discovery (after CRDs were installed). */
  forgetDiscovery(): void {
    this.objects.forgetDiscovery();
    this.missing.clear();
  }

  /** Resource of a kind, or undefined when the server does not serve it. */
  async resourceFor(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const r = await this.objects.served(apiVersion, kind);
    return r && { plural: r.name, namespaced: r.namespaced };
  }

  /** Server-side apply (force, our field manager); `dryRun` asks for dryRun=All. */
  async apply(obj: ManifestLike, opts: { dryRun?: boolean } = {}): Promise<ApplyResult> {
    let info = await this.resourceFor(obj.apiVersion, obj.kind);
    // Discovery of a just-established CRD can lag a moment: look again for up to 5 s, once per kind.
    const key = `${obj.apiVersion} ${obj.kind}`;
    for (let i = 0; !info && !this.missing.has(key) && i < 10; i++) {
      await sleep(500);
      info = await this.resourceFor(obj.apiVersion, obj.kind);
    }
    if (!info) {
      this.missing.add(key);
      return {
        outcome: 'unknown-kind',
        message: `the server does not serve ${obj.kind} in ${obj.apiVersion} (no CRD for it was installed)`,
      };
    }
    try {
      return { outcome: 'applied', warnings: await this.objects.serverSideApply(obj, opts.dryRun ?? false) };
    } catch (e) {
      if (e instanceof ApiException) {
        return { outcome: 'rejected', status: e.code, message: statusMessage(e.body) };
      }
      throw e;
    }
  }

  /** Waits until every named CRD has Established=True; throws naming those that did not. */
  async waitEstablished(names: readonly string[], timeoutMs = 180_000): Promise<void> {
    const pending = new Set(names);
    const deadline = Date.now() + timeoutMs;
    const problems = new Map<string, string>();
    while (pending.size && Date.now() < deadline) {
      for (const name of [...pending]) {
        let conds: { type: string; status: string; message?: string }[];
        try {
          conds = (await this.crds.readCustomResourceDefinition({ name })).status?.conditions ?? [];
        } catch (e) {
          if (!(e instanceof ApiException)) throw e;
          problems.set(name, `HTTP ${e.code}`);
          continue;
        }
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

  /**
   * A plain request on the same connection pool and token (the simulated tier lists pods,
   * reads events, patches status): `{status, body}` with the body parsed as JSON when it is.
   */
  raw(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<{ status: number; body: unknown }> {
    const url = new URL(path, this.server);
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolveRequest, reject) => {
      const req = https.request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            Authorization: `Bearer ${this.token}`,
            Accept: 'application/json',
            ...(data !== undefined
              ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(data) }
              : {}),
          },
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              // not JSON
            }
            resolveRequest({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('error', reject);
      if (data !== undefined) req.write(data);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
