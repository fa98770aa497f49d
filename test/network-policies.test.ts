/**
 * NetworkPolicies of the workload namespaces, checked by evaluating the rendered policies the
 * way the Kubernetes NetworkPolicy semantics define (a pod is isolated in a direction once any
 * policy selecting it names that direction; a flow passes when the source's egress and the
 * destination's ingress both allow it). Pods are modelled with their rendered labels and an
 * address in the VPC, as the VPC CNI gives them.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { createCluster, LAYERS } from '../apps/lib/cluster.js';
import { resource } from '../apps/lib/resource.js';
import { namespace } from '../apps/namespaces/index.js';
import { defaultDeny } from '../apps/namespaces/network.js';
import { loadEnvironments } from '../clusters/lib/load.js';
import { parseCidr } from '../clusters/lib/net.js';
import { render } from '../render/build.js';
import { CLUSTERS } from './helpers.js';
import {
  type ClusterRender,
  isDefaultDeny,
  type Manifest,
  workloadNamespacesDenyByDefault,
} from './policy/rules.js';

type Labels = Readonly<Record<string, string>>;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** A pod (namespace, labels, address) or an address outside the cluster. */
interface Peer {
  readonly ip: string;
  readonly namespace?: string;
  readonly labels?: Labels;
}

interface Env {
  readonly name: string;
  readonly vpcCidr: string;
  /** Whether the environment routes the Ray dashboard through the Gateway. */
  readonly dashboardRoute: boolean;
  readonly render: ClusterRender;
}

let envs: Env[] = [];

beforeAll(async () => {
  const results = await render({ clustersDir: CLUSTERS, parts: ['k8s'] });
  envs = results.map((r) => ({
    name: r.env.name,
    vpcCidr: r.env.vpcCidr,
    dashboardRoute: r.env.workloads?.dogbooth?.dashboardRoute === true,
    render: {
      env: r.env,
      objects: [...r.files].map(([file, text]) => ({
        layer: file.split('/')[2]!,
        file,
        manifest: parse(text) as Manifest,
      })),
    },
  }));
});

const toInt = (ip: string): number => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);

function inCidr(ip: string, cidr: string): boolean {
  const c = parseCidr(cidr);
  if (typeof c === 'string') throw new Error(c);
  const n = toInt(ip);
  return n >= c.base && n < c.base + 2 ** (32 - c.prefix);
}

/** The `n`-th address of the VPC (pods and load balancers live there). */
function vpcAddress(env: Env, n: number): string {
  const c = parseCidr(env.vpcCidr);
  if (typeof c === 'string') throw new Error(c);
  const v = c.base + n;
  return [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join('.');
}

function selects(selector: unknown, labels: Labels): boolean {
  if (!isObj(selector)) return false;
  if (list(selector.matchExpressions).length > 0) throw new Error('matchExpressions not modelled');
  const want = isObj(selector.matchLabels) ? selector.matchLabels : {};
  return Object.entries(want).every(([k, v]) => labels[k] === v);
}

function peerMatches(rulePeer: Obj, peer: Peer, policyNamespace: string): boolean {
  if (isObj(rulePeer.ipBlock)) {
    const b = rulePeer.ipBlock;
    return (
      inCidr(peer.ip, String(b.cidr)) &&
      !(Array.isArray(b.except) ? b.except : []).some((e) => inCidr(peer.ip, String(e)))
    );
  }
  if (peer.namespace === undefined) return false;
  if (isObj(rulePeer.namespaceSelector)) {
    const nsLabels = { 'kubernetes.io/metadata.name': peer.namespace };
    if (!selects(rulePeer.namespaceSelector, nsLabels)) return false;
  } else if (peer.namespace !== policyNamespace) return false;
  return rulePeer.podSelector === undefined || selects(rulePeer.podSelector, peer.labels ?? {});
}

function portMatches(rule: Obj, port: number, protocol: string): boolean {
  const ports = list(rule.ports);
  return ports.length === 0 || ports.some((p) => p.port === port && (p.protocol ?? 'TCP') === protocol);
}

/** Whether `pod` may send (`Egress`) to or receive (`Ingress`) from `other` on `port`. */
function side(
  env: Env,
  pod: Peer,
  other: Peer,
  port: number,
  protocol: string,
  dir: 'Ingress' | 'Egress',
): boolean {
  if (pod.namespace === undefined) return true;
  const policies = env.render.objects
    .map((o) => o.manifest)
    .filter((m) => m.kind === 'NetworkPolicy' && m.metadata.namespace === pod.namespace)
    .map((m) => (isObj(m.spec) ? m.spec : {}))
    .filter((s) => selects(s.podSelector, pod.labels ?? {}) && (s.policyTypes as string[]).includes(dir));
  if (policies.length === 0) return true;
  const key = dir === 'Ingress' ? 'from' : 'to';
  return policies.some((s) =>
    list(dir === 'Ingress' ? s.ingress : s.egress).some(
      (rule) =>
        portMatches(rule, port, protocol) &&
        (rule[key] === undefined || list(rule[key]).some((p) => peerMatches(p, other, pod.namespace!))),
    ),
  );
}

function allowed(env: Env, from: Peer, to: Peer, port: number, protocol = 'TCP'): boolean {
  return side(env, from, to, port, protocol, 'Egress') && side(env, to, from, port, protocol, 'Ingress');
}

/** Labels of the pod template of a rendered object (first match). */
function templateLabels(
  env: Env,
  kind: string,
  namespace: string,
  name: string,
  path: (m: Obj) => unknown,
): Labels {
  const m = env.render.objects.find(
    (o) =>
      o.manifest.kind === kind &&
      o.manifest.metadata.namespace === namespace &&
      o.manifest.metadata.name === name,
  )?.manifest;
  if (!m) throw new Error(`${env.name}: no ${kind} ${namespace}/${name}`);
  const labels = path(m as unknown as Obj);
  if (!isObj(labels)) throw new Error(`${env.name}: ${kind} ${namespace}/${name} has no template labels`);
  return labels as Labels;
}

const deploymentLabels = (m: Obj) => {
  const spec = m.spec as Obj;
  return ((spec.template as Obj).metadata as Obj).labels;
};

const has = (env: Env, kind: string, namespace: string) =>
  env.render.objects.some((o) => o.manifest.kind === kind && o.manifest.metadata.namespace === namespace);
const hasNamespace = (env: Env, name: string) =>
  env.render.objects.some((o) => o.manifest.kind === 'Namespace' && o.manifest.metadata.name === name);

const INTERNET = '52.94.0.10';
const OUTSIDE = '203.0.113.7';
const API_CLUSTER_IP = '172.20.0.1';
const WORKLOAD_NAMESPACES = ['inference', 'webui', 'jupyterhub', 'dogbooth', 'kuberay', 'argo'];
const KUBE_DNS: Peer = { ip: '10.255.0.10', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };

function pods(env: Env) {
  let n = 100;
  const ip = () => vpcAddress(env, n++);
  const vllmDeployment = env.render.objects.find(
    (o) => o.manifest.kind === 'Deployment' && o.manifest.metadata.namespace === 'inference',
  )?.manifest;
  const vllm: Peer | undefined = vllmDeployment
    ? {
        ip: ip(),
        namespace: 'inference',
        labels: templateLabels(
          env,
          'Deployment',
          'inference',
          vllmDeployment.metadata.name,
          deploymentLabels,
        ),
      }
    : undefined;
  const webui: Peer | undefined = has(env, 'Deployment', 'webui')
    ? {
        ip: ip(),
        namespace: 'webui',
        labels: templateLabels(env, 'Deployment', 'webui', 'open-webui', deploymentLabels),
      }
    : undefined;
  const ray = has(env, 'RayService', 'dogbooth')
    ? (() => {
        const cluster = (m: Obj) => ((m.spec as Obj).rayClusterConfig as Obj) ?? {};
        const head = templateLabels(env, 'RayService', 'dogbooth', 'dogbooth', (m) => {
          const t = (cluster(m).headGroupSpec as Obj).template as Obj;
          return (t.metadata as Obj).labels;
        });
        const worker = templateLabels(env, 'RayService', 'dogbooth', 'dogbooth', (m) => {
          const t = (list(cluster(m).workerGroupSpecs)[0]!.template as Obj) ?? {};
          return (t.metadata as Obj).labels;
        });
        // KubeRay adds ray.io/node-type (head or worker) to the pods it creates.
        return {
          head: { ip: ip(), namespace: 'dogbooth', labels: { ...head, 'ray.io/node-type': 'head' } } as Peer,
          worker: {
            ip: ip(),
            namespace: 'dogbooth',
            labels: { ...worker, 'ray.io/node-type': 'worker' },
          } as Peer,
        };
      })()
    : undefined;
  return {
    lb: { ip: vpcAddress(env, 20) } as Peer,
    vllm,
    webui,
    ray,
    // Labels the Zero to JupyterHub chart gives its pods.
    singleuser: {
      ip: ip(),
      namespace: 'jupyterhub',
      labels: { component: 'singleuser-server', app: 'jupyterhub' },
    } as Peer,
    hub: { ip: ip(), namespace: 'jupyterhub', labels: { component: 'hub', app: 'jupyterhub' } } as Peer,
    operator: {
      ip: ip(),
      namespace: 'kuberay',
      labels: { 'app.kubernetes.io/name': 'kuberay-operator' },
    } as Peer,
    argoStep: {
      ip: ip(),
      namespace: 'argo',
      labels: { 'workflows.argoproj.io/workflow': 'dogbooth-fine-tune-x' },
    } as Peer,
    argoController: {
      ip: ip(),
      namespace: 'argo',
      labels: { 'app.kubernetes.io/component': 'workflow-controller' },
    } as Peer,
  };
}

describe('workload namespaces deny by default', () => {
  test('every environment runs the workloads these tests exercise', () => {
    expect(envs.map((e) => e.name).sort()).toEqual(['dev', 'prod', 'prod-dr']);
    for (const env of envs)
      for (const ns of WORKLOAD_NAMESPACES) expect(hasNamespace(env, ns), `${env.name} ${ns}`).toBe(true);
  });

  test('each workload namespace has a default deny in both directions and DNS to kube-dns', () => {
    for (const env of envs) {
      for (const ns of WORKLOAD_NAMESPACES) {
        const policies = env.render.objects.filter(
          (o) => o.manifest.kind === 'NetworkPolicy' && o.manifest.metadata.namespace === ns,
        );
        expect(
          policies.some((o) => isDefaultDeny(o.manifest)),
          `${env.name} ${ns}`,
        ).toBe(true);
        const pod: Peer = { ip: vpcAddress(env, 99), namespace: ns, labels: { any: 'pod' } };
        expect(allowed(env, pod, KUBE_DNS, 53, 'UDP'), `${env.name} ${ns} DNS/UDP`).toBe(true);
        expect(allowed(env, pod, KUBE_DNS, 53), `${env.name} ${ns} DNS/TCP`).toBe(true);
        expect(allowed(env, pod, { ip: INTERNET }, 80), `${env.name} ${ns} no plain HTTP out`).toBe(false);
        expect(allowed(env, { ip: OUTSIDE }, pod, 8000), `${env.name} ${ns} nothing in from outside`).toBe(
          false,
        );
      }
    }
  });

  test('the policy rule holds for every environment', () => {
    for (const env of envs) expect(workloadNamespacesDenyByDefault(env.render), env.name).toEqual([]);
  });
});

describe('the flows each workload needs, and no more', () => {
  test('vLLM: load balancer, Open WebUI and notebooks on 8000; Hugging Face over HTTPS', () => {
    for (const env of envs) {
      const p = pods(env);
      const vllm = p.vllm!;
      expect(allowed(env, p.lb, vllm, 8000), env.name).toBe(true);
      expect(allowed(env, p.lb, vllm, 22), env.name).toBe(false);
      expect(allowed(env, { ip: OUTSIDE }, vllm, 8000), env.name).toBe(false);
      expect(allowed(env, p.webui!, vllm, 8000), env.name).toBe(true);
      expect(allowed(env, p.webui!, vllm, 8001), env.name).toBe(false);
      expect(allowed(env, p.singleuser, vllm, 8000), env.name).toBe(true);
      expect(allowed(env, p.hub, vllm, 8000), env.name).toBe(false);
      expect(allowed(env, p.ray!.worker, vllm, 8000), env.name).toBe(false);
      expect(allowed(env, p.argoStep, vllm, 8000), env.name).toBe(false);
      expect(allowed(env, vllm, p.webui!, 8080), env.name).toBe(false);
    }
  });

  test('vLLM: HTTPS out only for deployments that download from Hugging Face', () => {
    for (const env of envs) {
      const deployments = env.render.objects
        .map((o) => o.manifest)
        .filter((m) => m.kind === 'Deployment' && m.metadata.namespace === 'inference');
      const offline = deployments.map((m) => JSON.stringify(m).includes('"HF_HUB_OFFLINE"'));
      // Both kinds exist, so both branches are exercised.
      expect(offline.sort(), env.name).toEqual([false, true]);
      deployments.forEach((m, i) => {
        const pod: Peer = {
          ip: vpcAddress(env, 200 + i),
          namespace: 'inference',
          labels: templateLabels(env, 'Deployment', 'inference', m.metadata.name, deploymentLabels),
        };
        const isOffline = JSON.stringify(m).includes('"HF_HUB_OFFLINE"');
        expect(allowed(env, pod, { ip: INTERNET }, 443), `${env.name} ${m.metadata.name}`).toBe(!isOffline);
      });
    }
  });

  test('Open WebUI: load balancer on 8080, no internet (offline mode)', () => {
    for (const env of envs) {
      const p = pods(env);
      expect(allowed(env, p.lb, p.webui!, 8080), env.name).toBe(true);
      expect(allowed(env, p.webui!, { ip: INTERNET }, 443), env.name).toBe(false);
    }
  });

  test('JupyterHub: no same-namespace allow (the chart isolates servers); the chart keeps its policies', () => {
    for (const env of envs) {
      const p = pods(env);
      const other: Peer = { ...p.singleuser, ip: vpcAddress(env, 98) };
      // Only our policies are evaluated here: servers stay isolated from each other.
      expect(allowed(env, p.singleuser, other, 8888), env.name).toBe(false);
      const release = env.render.objects.find(
        (o) => o.manifest.kind === 'HelmRelease' && o.manifest.metadata.name === 'jupyterhub',
      )!.manifest as unknown as { spec: { values: Record<string, Record<string, unknown>> } };
      const values = release.spec.values;
      const netpols = [
        values.hub?.networkPolicy,
        (values.proxy?.chp as Obj | undefined)?.networkPolicy,
        values.singleuser?.networkPolicy,
      ];
      // networkPolicy.enabled defaults to true in the chart: nothing may turn it off.
      for (const np of netpols) expect(isObj(np) ? np.enabled : undefined, env.name).not.toBe(false);
    }
  });

  test('dogbooth: Ray pods talk freely inside the namespace; ALB to Serve (and the dashboard only where routed); operator to the head', () => {
    for (const env of envs) {
      const p = pods(env);
      const { head, worker } = p.ray!;
      for (const port of [6379, 8265, 10001, 8000, 52365, 10002]) {
        expect(allowed(env, worker, head, port), `${env.name} ${port}`).toBe(true);
        expect(allowed(env, head, worker, port), `${env.name} ${port}`).toBe(true);
      }
      expect(allowed(env, p.lb, head, 8265), env.name).toBe(env.dashboardRoute);
      expect(allowed(env, p.lb, worker, 8265), env.name).toBe(false);
      expect(allowed(env, p.lb, worker, 8000), env.name).toBe(true);
      expect(allowed(env, p.lb, head, 6379), env.name).toBe(false);
      expect(allowed(env, p.operator, head, 8265), env.name).toBe(true);
      expect(allowed(env, p.operator, worker, 8265), env.name).toBe(false);
      expect(allowed(env, p.operator, head, 6379), env.name).toBe(false);
      expect(allowed(env, worker, { ip: INTERNET }, 443), env.name).toBe(true);
      expect(allowed(env, head, { ip: API_CLUSTER_IP }, 443), env.name).toBe(true);
    }
  });

  test('KubeRay operator and Argo: the Kubernetes API (Service address or control plane ENIs) over HTTPS', () => {
    for (const env of envs) {
      const p = pods(env);
      for (const pod of [p.operator, p.argoController, p.argoStep]) {
        expect(allowed(env, pod, { ip: API_CLUSTER_IP }, 443), env.name).toBe(true);
        expect(allowed(env, pod, { ip: vpcAddress(env, 5) }, 443), env.name).toBe(true);
      }
    }
  });

  test('Argo steps: S3 and model hubs over HTTPS, bucket credentials from the Pod Identity agent', () => {
    for (const env of envs) {
      const p = pods(env);
      expect(allowed(env, p.argoStep, { ip: INTERNET }, 443), env.name).toBe(true);
      expect(allowed(env, p.argoStep, { ip: '169.254.170.23' }, 80), env.name).toBe(true);
      expect(allowed(env, p.argoStep, { ip: '169.254.169.254' }, 80), env.name).toBe(false);
      expect(allowed(env, p.lb, p.argoController, 2746), env.name).toBe(false);
    }
  });
});

describe('the rule rejects workload namespaces without a default deny', () => {
  const withEdit = (
    env: Env,
    edit: (objects: ClusterRender['objects']) => ClusterRender['objects'],
  ): ClusterRender => ({
    env: env.render.env,
    objects: edit(env.render.objects),
  });

  test('a removed default deny is reported', () => {
    const dev = envs.find((e) => e.name === 'dev')!;
    const c = withEdit(dev, (objs) =>
      objs.filter((o) => !(o.manifest.metadata.namespace === 'inference' && isDefaultDeny(o.manifest))),
    );
    expect(workloadNamespacesDenyByDefault(c)).toEqual([
      'namespace inference enforces restricted Pod Security and runs pods but has no default-deny NetworkPolicy (empty podSelector, policyTypes Ingress and Egress, no rules)',
    ]);
  });

  test('a new restricted namespace with a workload and no policies is reported', () => {
    const dev = envs.find((e) => e.name === 'dev')!;
    const ns: Manifest = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'newapp', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
    };
    const deployment: Manifest = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'newapp', namespace: 'newapp' },
      spec: { template: { spec: { containers: [{ name: 'app', image: 'example.com/app:1.0.0' }] } } },
    };
    const release: Manifest = {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'chart', namespace: 'flux-system' },
      spec: { targetNamespace: 'charted' },
    };
    const charted: Manifest = { ...ns, metadata: { ...ns.metadata, name: 'charted' } };
    const c = withEdit(dev, (objs) => [
      ...objs,
      ...[ns, deployment, release, charted].map((manifest) => ({
        layer: 'apps',
        file: manifest.metadata.name,
        manifest,
      })),
    ]);
    const problems = workloadNamespacesDenyByDefault(c);
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/namespace newapp enforces restricted/);
    expect(problems.join('\n')).toMatch(/namespace charted enforces restricted/);
  });

  test('a deny of one direction only, or one with rules, is not a default deny', () => {
    const base: Manifest = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny', namespace: 'x' },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    };
    expect(isDefaultDeny(base)).toBe(true);
    expect(isDefaultDeny({ ...base, spec: { podSelector: {}, policyTypes: ['Ingress'] } })).toBe(false);
    expect(
      isDefaultDeny({
        ...base,
        spec: { podSelector: { matchLabels: { a: 'b' } }, policyTypes: ['Ingress', 'Egress'] },
      }),
    ).toBe(false);
    expect(
      isDefaultDeny({ ...base, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], egress: [{}] } }),
    ).toBe(false);
    const dev = envs.find((e) => e.name === 'dev')!;
    const c = withEdit(dev, (objs) =>
      objs.map((o) =>
        o.manifest.metadata.namespace === 'argo' && isDefaultDeny(o.manifest)
          ? { ...o, manifest: { ...o.manifest, spec: { podSelector: {}, policyTypes: ['Ingress'] } } }
          : o,
      ),
    );
    expect(workloadNamespacesDenyByDefault(c)).toEqual([expect.stringMatching(/^namespace argo /)]);
  });

  test('a workload declared through namespace(cluster, name, "restricted") without policies fails the rule', async () => {
    const loaded = await loadEnvironments(CLUSTERS);
    const all = loaded.map((l) => l.env);
    const cluster = createCluster(all[0]!, all);
    namespace(cluster, 'newapp', 'restricted');
    resource(cluster.layers.apps, 'deployment-newapp', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'newapp', namespace: 'newapp' },
      body: {
        spec: {
          selector: { matchLabels: { app: 'newapp' } },
          template: {
            metadata: { labels: { app: 'newapp' } },
            spec: { containers: [{ name: 'app', image: 'example.com/app:1.0.0' }] },
          },
        },
      },
    });
    const objects = () =>
      LAYERS.flatMap((layer) =>
        (cluster.layers[layer].toJson() as Manifest[]).map((manifest) => ({
          layer,
          file: manifest.metadata.name,
          manifest,
        })),
      );
    const c = () => ({ env: all[0]!, objects: objects() });
    expect(workloadNamespacesDenyByDefault(c())).toEqual([
      expect.stringMatching(/^namespace newapp enforces restricted Pod Security and runs pods/),
    ]);
    defaultDeny(cluster, 'newapp');
    expect(workloadNamespacesDenyByDefault(c())).toEqual([]);
  });
});
