/**
 * NetworkPolicies of the workload namespaces, checked by evaluating the rendered policies the
 * way Kubernetes defines them (the field documentation of NetworkPolicySpec, NetworkPolicyPeer
 * and the ingress/egress rules in the 1.35 API, apps/imports/k8s.d.ts): a pod is isolated in a
 * direction once any policy selecting it names that direction; a flow passes when the source's
 * egress and the destination's ingress both allow it; a rule without peers or ports matches all.
 * Pods are modelled with their rendered labels and an address in the VPC, as the VPC CNI gives
 * them.
 *
 * The flows are checked on fixture environments (test/support/fixtures.ts); the deny-by-default
 * baseline on every environment of the repository (the shared render, test/support/repository.ts).
 */
import { describe, expect, test } from 'vitest';
import { KubeDeployment } from '../apps/imports/k8s.js';
import type { KubeManifest } from '../apps/index.js';
import { Cluster } from '../apps/lib/cluster.js';
import type { Isolation } from '../apps/lib/namespaces.js';
import { POD_IDENTITY_AGENT } from '../apps/lib/network.js';
import { KUBERAY_NAMESPACE } from '../apps/platform/kuberay/index.js';
import { ARGO } from '../apps/platform/workflows/index.js';
import { DOGBOOTH_NAMESPACE } from '../apps/workloads/dogbooth/rayservice.js';
import { JUPYTERHUB_NAMESPACE, JUPYTERHUB_SINGLEUSER_LABELS } from '../apps/workloads/jupyterhub/index.js';
import { WEBUI_NAMESPACE } from '../apps/workloads/open-webui/index.js';
import { INFERENCE_NAMESPACE, VLLM_PORT, vllmServiceName } from '../apps/workloads/vllm/index.js';
import { LAYERS } from '../clusters/contract.js';
import { parseCidr } from '../clusters/lib/net.js';
import type { Environment } from '../clusters/lib/resolve.js';
import {
  type ClusterRender,
  isDefaultDeny,
  type Manifest,
  workloadNamespacesDenyByDefault,
} from './policy/rules.js';
import { fixture, type Props, resolve } from './support/fixtures.js';
import { renderFixture } from './support/render.js';
import { repository } from './support/repository.js';

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

/** What the evaluator needs of one environment. */
interface View {
  readonly env: Environment;
  readonly objects: readonly KubeManifest[];
}

/** A fixture environment, resolved and rendered through the real constructs. */
function view(props: Props): View {
  const [env] = resolve(props);
  return { env: env!, objects: renderFixture(props).map((o) => o.manifest) };
}

const toInt = (ip: string): number => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);

function cidr(text: string) {
  const c = parseCidr(text);
  if (typeof c === 'string') throw new Error(c);
  return c;
}

function inCidr(ip: string, text: string): boolean {
  const c = cidr(text);
  const n = toInt(ip);
  return n >= c.base && n < c.base + 2 ** (32 - c.prefix);
}

/** The `n`-th address of the VPC (pods and load balancers live there). */
function vpcAddress(v: View, n: number): string {
  const value = cidr(v.env.vpcCidr).base + n;
  return [24, 16, 8, 0].map((s) => Math.floor(value / 2 ** s) % 256).join('.');
}

function selects(selector: unknown, labels: Labels): boolean {
  if (!isObj(selector)) return false;
  if (list(selector.matchExpressions).length > 0) throw new Error('matchExpressions not modelled');
  const want = isObj(selector.matchLabels) ? selector.matchLabels : {};
  return Object.entries(want).every(([k, val]) => labels[k] === val);
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
    // Every namespace carries its name as this label (set by the API server).
    if (!selects(rulePeer.namespaceSelector, { 'kubernetes.io/metadata.name': peer.namespace })) return false;
  } else if (peer.namespace !== policyNamespace) return false;
  return rulePeer.podSelector === undefined || selects(rulePeer.podSelector, peer.labels ?? {});
}

function portMatches(rule: Obj, port: number, protocol: string): boolean {
  const ports = list(rule.ports);
  return ports.length === 0 || ports.some((p) => p.port === port && (p.protocol ?? 'TCP') === protocol);
}

/** The directions a policy isolates: policyTypes, or by default Ingress, plus Egress when it has egress rules. */
function policyTypes(spec: Obj): string[] {
  if (Array.isArray(spec.policyTypes)) return spec.policyTypes.map(String);
  return ['Ingress', ...(spec.egress === undefined ? [] : ['Egress'])];
}

/** Whether `pod` may send (`Egress`) to or receive (`Ingress`) from `other` on `port`. */
function side(
  v: View,
  pod: Peer,
  other: Peer,
  port: number,
  protocol: string,
  dir: 'Ingress' | 'Egress',
): boolean {
  if (pod.namespace === undefined) return true;
  const policies = v.objects
    .filter((m) => m.kind === 'NetworkPolicy' && m.metadata.namespace === pod.namespace)
    .map((m) => (isObj(m.spec) ? m.spec : {}))
    .filter((s) => selects(s.podSelector ?? {}, pod.labels ?? {}) && policyTypes(s).includes(dir));
  if (policies.length === 0) return true;
  const key = dir === 'Ingress' ? 'from' : 'to';
  return policies.some((s) =>
    list(dir === 'Ingress' ? s.ingress : s.egress).some(
      (rule) =>
        portMatches(rule, port, protocol) &&
        (list(rule[key]).length === 0 || list(rule[key]).some((p) => peerMatches(p, other, pod.namespace!))),
    ),
  );
}

function allowed(v: View, from: Peer, to: Peer, port: number, protocol = 'TCP'): boolean {
  return side(v, from, to, port, protocol, 'Egress') && side(v, to, from, port, protocol, 'Ingress');
}

function object(v: View, kind: string, namespace: string, name?: string): KubeManifest {
  const found = v.objects.filter(
    (m) =>
      m.kind === kind &&
      m.metadata.namespace === namespace &&
      (name === undefined || m.metadata.name === name),
  );
  if (found.length === 0) throw new Error(`${v.env.name}: no ${kind} ${namespace}/${name ?? '*'}`);
  return found[0]!;
}

/** Labels of the pod template at `path` of an object. */
function templateLabels(m: KubeManifest, path: (spec: Obj) => unknown): Labels {
  const template = path(m.spec as Obj);
  const labels = isObj(template) && isObj(template.metadata) ? template.metadata.labels : undefined;
  if (!isObj(labels)) throw new Error(`${m.kind} ${m.metadata.name} has no template labels`);
  return labels as Labels;
}

const podTemplate = (spec: Obj) => spec.template;

const INTERNET = '52.94.0.10';
const OUTSIDE = '203.0.113.7';
const API_CLUSTER_IP = '172.20.0.1';
/** The instance metadata service: no workload needs it (credentials come from the Pod Identity agent). */
const IMDS = '169.254.169.254';
const POD_IDENTITY = POD_IDENTITY_AGENT.cidr.replace(/\/32$/, '');
const KUBE_DNS: Peer = { ip: '10.255.0.10', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
/**
 * A pod address outside the VPC CIDR (VPC CNI custom networking gives pods addresses from a
 * secondary range such as 100.64.0.0/10): only the policies' pod and namespace selectors, not
 * the load balancers' VPC CIDR rule, can admit it.
 */
const SECONDARY_RANGE_ADDRESS = '100.64.0.9';

/** The workload namespaces an environment's workloads declare (isolated, deny by default). */
function workloadNamespaces(env: Environment): string[] {
  const w = env.workloads;
  return [
    ...(w.vllm.length > 0 ? [INFERENCE_NAMESPACE] : []),
    ...(w.openWebUI ? [WEBUI_NAMESPACE] : []),
    ...(w.jupyterhub ? [JUPYTERHUB_NAMESPACE] : []),
    ...(w.dogbooth ? [DOGBOOTH_NAMESPACE, KUBERAY_NAMESPACE] : []),
    ...(w.pipeline ? [ARGO.namespace] : []),
  ];
}

/** Pods of a fixture's workloads, with the labels the render gives them. */
function pods(v: View) {
  let n = 100;
  const ip = () => vpcAddress(v, n++);
  const rayCluster = (spec: Obj) => (isObj(spec.rayClusterConfig) ? spec.rayClusterConfig : {});
  const rayService = object(v, 'RayService', DOGBOOTH_NAMESPACE);
  // KubeRay labels the pods it creates ray.io/node-type head or worker
  // (ray-project/kuberay@v1.7.0: ray-operator/controllers/ray/utils/constant.go RayNodeTypeLabelKey,
  // ray-operator/apis/ray/v1/raycluster_types.go HeadNode, WorkerNode).
  const head = templateLabels(rayService, (s) => (rayCluster(s).headGroupSpec as Obj).template);
  const worker = templateLabels(rayService, (s) => list(rayCluster(s).workerGroupSpecs)[0]!.template);
  return {
    lb: { ip: vpcAddress(v, 20) } as Peer,
    vllm: {
      ip: ip(),
      namespace: INFERENCE_NAMESPACE,
      labels: templateLabels(object(v, 'Deployment', INFERENCE_NAMESPACE), podTemplate),
    } as Peer,
    webui: {
      ip: ip(),
      namespace: WEBUI_NAMESPACE,
      labels: templateLabels(object(v, 'Deployment', WEBUI_NAMESPACE), podTemplate),
    } as Peer,
    head: {
      ip: ip(),
      namespace: DOGBOOTH_NAMESPACE,
      labels: { ...head, 'ray.io/node-type': 'head' },
    } as Peer,
    worker: {
      ip: ip(),
      namespace: DOGBOOTH_NAMESPACE,
      labels: { ...worker, 'ray.io/node-type': 'worker' },
    } as Peer,
    notebook: { ip: ip(), namespace: JUPYTERHUB_NAMESPACE, labels: JUPYTERHUB_SINGLEUSER_LABELS } as Peer,
    /** Any other pod of JupyterHub's namespace (the hub, the proxy). */
    hub: { ip: ip(), namespace: JUPYTERHUB_NAMESPACE, labels: { component: 'hub' } } as Peer,
    operator: { ip: ip(), namespace: KUBERAY_NAMESPACE, labels: { app: 'operator' } } as Peer,
    argoStep: { ip: ip(), namespace: ARGO.namespace, labels: { step: 'fine-tune' } } as Peer,
    argoController: { ip: ip(), namespace: ARGO.namespace, labels: { app: 'controller' } } as Peer,
  };
}

describe('every environment of the repository: workload namespaces deny by default', () => {
  test('a pod of any workload namespace gets DNS, no plain HTTP out, nothing in from outside the VPC', async () => {
    const repo = await repository();
    for (const env of repo.envs) {
      const v: View = {
        env,
        objects: [...repo.objects.get(env.name)!.kubernetes.values()].map((o) => o.manifest as KubeManifest),
      };
      for (const ns of workloadNamespaces(env)) {
        const pod: Peer = { ip: vpcAddress(v, 99), namespace: ns, labels: { any: 'pod' } };
        const at = `${env.name} ${ns}`;
        expect(allowed(v, pod, KUBE_DNS, 53, 'UDP'), `${at} DNS/UDP`).toBe(true);
        expect(allowed(v, pod, KUBE_DNS, 53), `${at} DNS/TCP`).toBe(true);
        expect(allowed(v, pod, { ip: INTERNET }, 80), `${at} plain HTTP out`).toBe(false);
        expect(allowed(v, pod, { ip: IMDS }, 80), `${at} instance metadata`).toBe(false);
        expect(allowed(v, { ip: OUTSIDE }, pod, 8000), `${at} in from outside`).toBe(false);
      }
    }
  });
});

describe('the flows each workload needs, and no more (a fixture with every workload)', () => {
  const v = view(fixture());
  const p = pods(v);

  test('vLLM: load balancer, Open WebUI and notebooks on its port; nothing else reaches it', () => {
    expect(allowed(v, p.lb, p.vllm, VLLM_PORT)).toBe(true);
    expect(allowed(v, p.lb, p.vllm, 22)).toBe(false);
    expect(allowed(v, { ip: OUTSIDE }, p.vllm, VLLM_PORT)).toBe(false);
    expect(allowed(v, p.webui, p.vllm, VLLM_PORT)).toBe(true);
    expect(allowed(v, p.webui, p.vllm, VLLM_PORT + 1)).toBe(false);
    expect(allowed(v, p.notebook, p.vllm, VLLM_PORT)).toBe(true);
    expect(allowed(v, p.hub, p.vllm, VLLM_PORT)).toBe(false);
    expect(allowed(v, p.worker, p.vllm, VLLM_PORT)).toBe(false);
    expect(allowed(v, p.argoStep, p.vllm, VLLM_PORT)).toBe(false);
    expect(allowed(v, p.vllm, p.webui, 8080)).toBe(false);
  });

  test('vLLM: HTTPS and the Pod Identity agent only for the deployments that stream weights from S3', () => {
    const props = fixture();
    // One deployment of each kind, so both branches are exercised.
    Object.assign(props.workloads!.vllm.find((d) => d.pool === 'nvidia')!, { start: { weights: 's3' } });
    const w = view(props);
    const sources = w.env.workloads.vllm.map((d) => d.start.weights);
    expect(new Set(sources)).toEqual(new Set(['s3', 'fsx']));
    w.env.workloads.vllm.forEach((d, i) => {
      const m = object(w, 'Deployment', INFERENCE_NAMESPACE, vllmServiceName(d.name));
      const pod: Peer = {
        ip: vpcAddress(w, 200 + i),
        namespace: INFERENCE_NAMESPACE,
        labels: templateLabels(m, podTemplate),
      };
      expect(allowed(w, pod, { ip: INTERNET }, 443), d.name).toBe(sources[i] === 's3');
      expect(allowed(w, pod, { ip: POD_IDENTITY }, POD_IDENTITY_AGENT.port), d.name).toBe(
        sources[i] === 's3',
      );
    });
  });

  test('Open WebUI: load balancer on its port, no internet (offline mode)', () => {
    expect(allowed(v, p.lb, p.webui, 8080)).toBe(true);
    expect(allowed(v, p.webui, { ip: INTERNET }, 443)).toBe(false);
  });

  test('JupyterHub: no same-namespace allow (the chart isolates servers); the chart keeps its policies', () => {
    const other: Peer = { ...p.notebook, ip: vpcAddress(v, 98) };
    // Only our policies are evaluated here: servers stay isolated from each other.
    expect(allowed(v, p.notebook, other, 8888)).toBe(false);
    const release = v.objects.find((m) => m.kind === 'HelmRelease' && m.metadata.name === 'jupyterhub') as
      | { spec: { values: Record<string, Record<string, unknown>> } }
      | undefined;
    const values = release!.spec.values;
    const netpols = [
      values.hub?.networkPolicy,
      (values.proxy?.chp as Obj | undefined)?.networkPolicy,
      values.singleuser?.networkPolicy,
    ];
    // networkPolicy.enabled defaults to true in the chart: nothing may turn it off.
    for (const np of netpols) expect(isObj(np) ? np.enabled : undefined).not.toBe(false);
  });

  test('dogbooth: Ray pods talk freely inside the namespace; ALB to Serve; operator to the head dashboard', () => {
    for (const port of [6379, 8265, 10001, 8000, 52365, 10002]) {
      expect(allowed(v, p.worker, p.head, port), String(port)).toBe(true);
      expect(allowed(v, p.head, p.worker, port), String(port)).toBe(true);
    }
    expect(v.env.workloads.dogbooth!.dashboardRoute).toBe(false);
    expect(allowed(v, p.lb, p.head, 8265)).toBe(false);
    expect(allowed(v, p.lb, p.worker, 8265)).toBe(false);
    expect(allowed(v, p.lb, p.worker, 8000)).toBe(true);
    expect(allowed(v, p.lb, p.head, 6379)).toBe(false);
    expect(allowed(v, p.operator, p.head, 8265)).toBe(true);
    expect(allowed(v, p.operator, p.worker, 8265)).toBe(false);
    expect(allowed(v, p.operator, p.head, 6379)).toBe(false);
    expect(allowed(v, p.worker, { ip: INTERNET }, 443)).toBe(true);
    expect(allowed(v, p.head, { ip: API_CLUSTER_IP }, 443)).toBe(true);
  });

  test('KubeRay operator and Argo: the Kubernetes API (Service address or control plane ENIs) over HTTPS', () => {
    for (const pod of [p.operator, p.argoController, p.argoStep]) {
      expect(allowed(v, pod, { ip: API_CLUSTER_IP }, 443), pod.namespace).toBe(true);
      expect(allowed(v, pod, { ip: vpcAddress(v, 5) }, 443), pod.namespace).toBe(true);
    }
  });

  test('Argo steps: S3 and model hubs over HTTPS, bucket credentials from the Pod Identity agent', () => {
    expect(allowed(v, p.argoStep, { ip: INTERNET }, 443)).toBe(true);
    expect(allowed(v, p.argoStep, { ip: POD_IDENTITY }, POD_IDENTITY_AGENT.port)).toBe(true);
    expect(allowed(v, p.argoStep, { ip: IMDS }, 80)).toBe(false);
    expect(allowed(v, p.lb, p.argoController, 2746)).toBe(false);
  });
});

describe("a workload's flows come from its declaration", () => {
  const full = view(fixture());
  const fromWebui = (): Peer => ({
    ip: SECONDARY_RANGE_ADDRESS,
    namespace: WEBUI_NAMESPACE,
    labels: templateLabels(object(full, 'Deployment', WEBUI_NAMESPACE), podTemplate),
  });
  const vllm = (v: View): Peer => ({
    ip: vpcAddress(v, 100),
    namespace: INFERENCE_NAMESPACE,
    labels: templateLabels(object(v, 'Deployment', INFERENCE_NAMESPACE), podTemplate),
  });

  test('without Open WebUI, vLLM admits nothing from the webui namespace', () => {
    expect(allowed(full, fromWebui(), vllm(full), VLLM_PORT)).toBe(true);
    const props = fixture();
    delete props.workloads!.openWebUI;
    const without = view(props);
    expect(without.objects.some((m) => m.metadata.namespace === WEBUI_NAMESPACE)).toBe(false);
    expect(allowed(without, fromWebui(), vllm(without), VLLM_PORT)).toBe(false);
    // Notebooks keep their own flow.
    const notebook: Peer = {
      ip: SECONDARY_RANGE_ADDRESS,
      namespace: JUPYTERHUB_NAMESPACE,
      labels: JUPYTERHUB_SINGLEUSER_LABELS,
    };
    expect(allowed(without, notebook, vllm(without), VLLM_PORT)).toBe(true);
  });

  test('the Ray dashboard is reachable from the load balancers only where the environment routes it', () => {
    const props = fixture();
    props.workloads!.dogbooth!.dashboardRoute = true;
    const routed = view(props);
    const p = pods(routed);
    expect(allowed(routed, p.lb, p.head, 8265)).toBe(true);
    expect(allowed(routed, p.lb, p.worker, 8265)).toBe(false);
    expect(allowed(full, pods(full).lb, pods(full).head, 8265)).toBe(false);
  });
});

describe('namespaces declared with isolation deny by default', () => {
  /** A cluster with one extra namespace running one Deployment, rendered. */
  function withNamespace(isolation: Isolation): View {
    const [env] = resolve(fixture());
    const cluster = new Cluster(env!, [env!]);
    cluster.namespaces.declare('newapp', { podSecurity: 'restricted', isolation });
    const labels = { app: 'newapp' };
    new KubeDeployment(cluster.layers.apps, 'deployment-newapp', {
      metadata: { name: 'newapp', namespace: 'newapp' },
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: 'app', image: 'example.com/app:1.0.0' }] },
        },
      },
    });
    cluster.finish();
    const objects = LAYERS.flatMap((layer) => cluster.layers[layer].toJson() as KubeManifest[]);
    return { env: env!, objects: JSON.parse(JSON.stringify(objects)) };
  }

  test.each(['namespace', 'pod'] as const)(
    'isolation %s: DNS only, and same-namespace traffic for namespace',
    (isolation) => {
      const v = withNamespace(isolation);
      const pod: Peer = { ip: vpcAddress(v, 50), namespace: 'newapp', labels: { app: 'newapp' } };
      const sibling: Peer = { ...pod, ip: vpcAddress(v, 51) };
      expect(allowed(v, pod, KUBE_DNS, 53, 'UDP')).toBe(true);
      expect(allowed(v, pod, { ip: INTERNET }, 443)).toBe(false);
      expect(allowed(v, { ip: vpcAddress(v, 20) }, pod, 8080)).toBe(false);
      expect(allowed(v, sibling, pod, 8080)).toBe(isolation === 'namespace');
    },
  );

  test('isolation none: no policy, everything allowed', () => {
    const v = withNamespace('none');
    const pod: Peer = { ip: vpcAddress(v, 50), namespace: 'newapp', labels: { app: 'newapp' } };
    expect(v.objects.some((m) => m.kind === 'NetworkPolicy' && m.metadata.namespace === 'newapp')).toBe(
      false,
    );
    expect(allowed(v, { ip: OUTSIDE }, pod, 8080)).toBe(true);
  });
});

describe('the policy rule rejects workload namespaces without a default deny', () => {
  // The rule itself (test/policy/rules.ts) runs over every environment in test/policy.test.ts;
  // here it meets renders that break it.
  const props = fixture();
  const [env] = resolve(props);
  const rendered = renderFixture(props);
  const render = (edit: (objects: Manifest[]) => Manifest[]): ClusterRender => ({
    env: env!,
    objects: edit(rendered.map((o) => o.manifest as Manifest)).map((manifest) => ({
      layer: 'apps',
      file: manifest.metadata.name,
      manifest,
    })),
  });

  test('a removed default deny is reported', () => {
    expect(workloadNamespacesDenyByDefault(render((o) => o))).toEqual([]);
    const c = render((objs) =>
      objs.filter((m) => !(m.metadata.namespace === INFERENCE_NAMESPACE && isDefaultDeny(m))),
    );
    expect(workloadNamespacesDenyByDefault(c)).toEqual([
      `namespace ${INFERENCE_NAMESPACE} enforces restricted Pod Security and runs pods but has no default-deny NetworkPolicy (empty podSelector, policyTypes Ingress and Egress, no rules)`,
    ]);
  });

  test('a new restricted namespace with a workload, or a chart installing into one, and no policies is reported', () => {
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
    const problems = workloadNamespacesDenyByDefault(render((o) => [...o, ns, deployment, release, charted]));
    expect(problems).toEqual([
      expect.stringMatching(/^namespace newapp enforces restricted/),
      expect.stringMatching(/^namespace charted enforces restricted/),
    ]);
  });

  test('a deny of one direction only, or one with rules, is not a default deny', () => {
    const base: Manifest = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny', namespace: 'x' },
      spec: { podSelector: {}, policyTypes: ['Egress', 'Ingress'] },
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
    const c = render((objs) =>
      objs.map((m) =>
        m.metadata.namespace === ARGO.namespace && isDefaultDeny(m)
          ? { ...m, spec: { podSelector: {}, policyTypes: ['Ingress'] } }
          : m,
      ),
    );
    expect(workloadNamespacesDenyByDefault(c)).toEqual([
      expect.stringMatching(new RegExp(`^namespace ${ARGO.namespace} `)),
    ]);
  });
});
