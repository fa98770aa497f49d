/**
 * Policy tests: every rule over every rendered object of every environment of the repository,
 * and for each rule a deliberately bad object that it must reject (so no rule passes by
 * accident). Bad objects are added to a fixture environment with every workload, which passes
 * every rule on its own: each problem a test expects comes from what it planted.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { layerPath, POOLS } from '../clusters/contract.js';
import {
  acceleratorPodsTolerateAndSelect,
  acceleratorPoolsTainted,
  type ClusterRender,
  containersRequestAndPin,
  helmReleaseSourcesExist,
  kustomizationGraph,
  loadBalancersInternalUnlessOpened,
  type Manifest,
  namespacesHavePodSecurity,
  noSecretData,
  onlyAcceleratorPodsOnAcceleratorPools,
  onlyContractVariables,
  pinnedImage,
  podSpecs,
  RULES,
} from './policy/rules.js';
import { fixture, resolve } from './support/fixtures.js';
import { renderFixture } from './support/render.js';
import { repository } from './support/repository.js';

/** The repository's environments as the rules see them (one render per run, test/support/repository.ts). */
async function repositoryEnvironments(): Promise<ClusterRender[]> {
  const { envs, objects } = await repository();
  return envs.map((env) => ({
    env,
    objects: [...(objects.get(env.name)?.kubernetes.values() ?? [])].map((o) => ({
      layer: o.layer,
      manifest: o.manifest as Manifest,
    })),
  }));
}

/** A fixture environment with every workload, closed to the internet (exposure.openTo empty). */
let base: ClusterRender;

beforeAll(() => {
  const props = fixture('policy');
  base = {
    env: resolve(props)[0]!,
    objects: renderFixture(props).map((o) => ({ layer: o.layer, manifest: o.manifest as Manifest })),
  };
});

/** The fixture's render with `extra` objects added (in the apps layer), then `edit` applied. */
function withObjects(extra: Manifest[], edit?: (c: ClusterRender) => ClusterRender): ClusterRender {
  const c = {
    env: base.env,
    objects: [...base.objects, ...extra.map((manifest) => ({ layer: 'apps', manifest }))],
  };
  return edit ? edit(c) : c;
}

/** `${NAME}` without writing a template placeholder in a plain string. */
const ref = (name: string) => ['$', '{', name, '}'].join('');
const good = { requests: { cpu: '1', memory: '1Gi' } };
const container = (over: Record<string, unknown> = {}) => ({
  name: 'main',
  image: 'public.ecr.aws/example/app:1.2.3',
  resources: good,
  ...over,
});
const deployment = (name: string, spec: Record<string, unknown>): Manifest => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default' },
  spec: { template: { spec } },
});
const gpuPod = (over: Record<string, unknown> = {}) => ({
  containers: [
    container({
      resources: {
        requests: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': 1 },
        limits: { 'nvidia.com/gpu': 1 },
      },
    }),
  ],
  tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
  nodeSelector: { 'karpenter.sh/nodepool': 'nvidia' },
  ...over,
});

describe('policy over the rendered environments', () => {
  test('every environment the loader finds is rendered and checked', async () => {
    const { envs, objects } = await repository();
    expect([...objects.keys()].sort()).toEqual(envs.map((e) => e.name).sort());
    for (const c of await repositoryEnvironments()) expect(c.objects.length, c.env.name).toBeGreaterThan(0);
  });

  for (const [name, rule] of Object.entries(RULES)) {
    test(`${name} holds in every environment`, async () => {
      for (const c of await repositoryEnvironments()) expect(rule(c), c.env.name).toEqual([]);
    });
  }

  test('every rule holds in the fixture environment the bad objects are added to', () => {
    expect(base.objects.some((o) => o.layer === 'apps')).toBe(true);
    for (const [name, rule] of Object.entries(RULES)) expect(rule(base), name).toEqual([]);
  });
});

// workloadNamespacesDenyByDefault's bad objects are in test/network-policies.test.ts.
describe('each rule rejects a bad object', () => {
  test('accelerator pools must be tainted', () => {
    const isPool = (m: Manifest) => m.kind === 'NodePool' && m.metadata.name === POOLS.nvidia.name;
    const bad = withObjects([], (c) => ({
      ...c,
      objects: c.objects.map((o) =>
        isPool(o.manifest) ? { ...o, manifest: structuredClone(o.manifest) } : o,
      ),
    }));
    const pool = bad.objects.find((o) => isPool(o.manifest));
    expect(pool, 'the fixture renders the nvidia NodePool').toBeDefined();
    delete (pool!.manifest as unknown as { spec: { template: { spec: { taints?: unknown } } } }).spec.template
      .spec.taints;
    const problems = acceleratorPoolsTainted(bad);
    expect(problems).toContainEqual('NodePool nvidia: missing taint nvidia.com/gpu:NoSchedule');
    expect(problems).toContainEqual(
      expect.stringMatching(/NodePool nvidia: offers accelerator instance families/),
    );
  });

  test('an untainted extra pool offering GPU instances is rejected', () => {
    const rogue: Manifest = {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: 'rogue' },
      spec: {
        template: {
          spec: {
            requirements: [{ key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['p5'] }],
          },
        },
      },
    };
    expect(acceleratorPoolsTainted(withObjects([rogue]))).toEqual([
      'NodePool rogue: offers accelerator instance families (p5) without a taint',
    ]);
  });

  test('a GPU pod must tolerate and select the nvidia pool', () => {
    expect(acceleratorPodsTolerateAndSelect(withObjects([deployment('ok', gpuPod())]))).toEqual([]);
    expect(
      acceleratorPodsTolerateAndSelect(
        withObjects([deployment('no-toleration', gpuPod({ tolerations: [] }))]),
      ),
    ).toEqual([
      'Deployment default/no-toleration spec.template.spec: requests nvidia.com/gpu but does not tolerate nvidia.com/gpu',
    ]);
    expect(
      acceleratorPodsTolerateAndSelect(
        withObjects([deployment('no-selector', gpuPod({ nodeSelector: {} }))]),
      ),
    ).toEqual([
      'Deployment default/no-selector spec.template.spec: requests nvidia.com/gpu but does not select karpenter.sh/nodepool=nvidia',
    ]);
  });

  test('Neuron requests in a RayService worker group and an Argo template are checked too', () => {
    const neuronContainer = container({
      resources: { requests: { cpu: '4', memory: '16Gi', 'aws.amazon.com/neuroncore': 2 } },
    });
    const ray: Manifest = {
      apiVersion: 'ray.io/v1',
      kind: 'RayService',
      metadata: { name: 'ray', namespace: 'default' },
      spec: {
        rayClusterConfig: {
          headGroupSpec: { template: { spec: { containers: [container()] } } },
          workerGroupSpecs: [{ groupName: 'w', template: { spec: { containers: [neuronContainer] } } }],
        },
      },
    };
    const argo: Manifest = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'WorkflowTemplate',
      metadata: { name: 'wf', namespace: 'default' },
      spec: {
        nodeSelector: { 'karpenter.sh/nodepool': 'neuron' },
        templates: [{ name: 'compile', container: neuronContainer }],
      },
    };
    const problems = acceleratorPodsTolerateAndSelect(withObjects([ray, argo]));
    expect(problems).toEqual([
      expect.stringMatching(
        /^RayService default\/ray spec\.rayClusterConfig\.workerGroupSpecs\[0\]\.template\.spec: requests aws\.amazon\.com\/neuron but does not tolerate/,
      ),
      expect.stringMatching(/^RayService default\/ray .*does not select karpenter\.sh\/nodepool=neuron/),
      expect.stringMatching(
        /^WorkflowTemplate default\/wf spec\.templates\[0\]: requests aws\.amazon\.com\/neuron but does not tolerate/,
      ),
    ]);
    expect(podSpecs(ray)).toHaveLength(2);
  });

  test('a pod without accelerator requests may not tolerate or select an accelerator pool', () => {
    const cpuOnly = gpuPod({ containers: [container()] });
    expect(onlyAcceleratorPodsOnAcceleratorPools(withObjects([deployment('sneaky', cpuOnly)]))).toEqual([
      'Deployment default/sneaky spec.template.spec: tolerates nvidia.com/gpu without requesting nvidia.com/gpu',
      'Deployment default/sneaky spec.template.spec: selects pool nvidia without requesting nvidia.com/gpu',
    ]);
    const tolerateAll = { containers: [container()], tolerations: [{ operator: 'Exists' }] };
    expect(onlyAcceleratorPodsOnAcceleratorPools(withObjects([deployment('all', tolerateAll)]))).toHaveLength(
      2,
    );
  });

  test('containers need requests and pinned images', () => {
    const pod = {
      containers: [
        container({ image: 'vllm/vllm-openai:latest' }),
        container({ name: 'side', resources: {} }),
      ],
      initContainers: [container({ name: 'init', image: 'busybox' })],
    };
    expect(containersRequestAndPin(withObjects([deployment('bad', pod)]))).toEqual([
      'Deployment default/bad spec.template.spec container main: image "vllm/vllm-openai:latest" is not pinned',
      'Deployment default/bad spec.template.spec container side: no cpu request',
      'Deployment default/bad spec.template.spec container side: no memory request',
      'Deployment default/bad spec.template.spec container init: image "busybox" is not pinned',
    ]);
    expect(pinnedImage('localhost:5000/app')).toBe(false);
    expect(pinnedImage('localhost:5000/app:1.0')).toBe(true);
    expect(pinnedImage(`app@sha256:${'a'.repeat(64)}`)).toBe(true);
  });

  test('no Secret with data', () => {
    const secret: Manifest = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'hf-secret', namespace: 'default' },
      stringData: { token: 'not-a-real-token' },
    };
    expect(noSecretData(withObjects([secret]))).toEqual([
      'Secret default/hf-secret: Secret with data in the repository',
    ]);
    expect(noSecretData(withObjects([{ ...secret, stringData: {} }]))).toEqual([]);
  });

  test('load balancers are internal unless the environment opened them with source ranges', () => {
    const svc = (annotations: Record<string, string>, ranges?: string[]): Manifest => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'lb', namespace: 'default', annotations },
      spec: { type: 'LoadBalancer', ...(ranges ? { loadBalancerSourceRanges: ranges } : {}) },
    });
    const scheme = 'service.beta.kubernetes.io/aws-load-balancer-scheme';
    expect(loadBalancersInternalUnlessOpened(withObjects([svc({ [scheme]: 'internal' })]))).toEqual([]);
    expect(loadBalancersInternalUnlessOpened(withObjects([svc({})]))).toEqual([
      `Service default/lb: LoadBalancer Service without ${scheme}: internal`,
    ]);
    expect(
      loadBalancersInternalUnlessOpened(withObjects([svc({ [scheme]: 'internet-facing' }, ['0.0.0.0/0'])])),
    ).toEqual(["Service default/lb: internet-facing, but the environment's exposure.openTo is empty"]);
    const opened = (c: ClusterRender): ClusterRender => ({
      ...c,
      env: { ...c.env, exposure: { openTo: ['203.0.113.0/24'] } },
    });
    expect(
      loadBalancersInternalUnlessOpened(
        withObjects([svc({ [scheme]: 'internet-facing' }, ['0.0.0.0/0'])], opened),
      ),
    ).toEqual(['Service default/lb: source ranges 0.0.0.0/0 are not in exposure.openTo']);
    expect(
      loadBalancersInternalUnlessOpened(
        withObjects([svc({ [scheme]: 'internet-facing' }, ['203.0.113.0/24'])], opened),
      ),
    ).toEqual([]);
    const lbc: Manifest = {
      apiVersion: 'gateway.k8s.aws/v1',
      kind: 'LoadBalancerConfiguration',
      metadata: { name: 'open', namespace: 'gateway' },
      spec: { scheme: 'internet-facing' },
    };
    expect(loadBalancersInternalUnlessOpened(withObjects([lbc]))).toEqual([
      "LoadBalancerConfiguration gateway/open: internet-facing, but the environment's exposure.openTo is empty",
    ]);
    const gw: Manifest = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'bare', namespace: 'gateway' },
      spec: { gatewayClassName: 'aws-alb', listeners: [] },
    };
    expect(loadBalancersInternalUnlessOpened(withObjects([gw]))).toEqual([
      'Gateway gateway/bare: does not reference a rendered LoadBalancerConfiguration (scheme would be implicit)',
    ]);
  });

  test('namespaces carry Pod Security labels and every used namespace exists', () => {
    const ns: Manifest = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bare', labels: {} } };
    const orphan: Manifest = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', namespace: 'nowhere' },
    };
    expect(namespacesHavePodSecurity(withObjects([ns, orphan]))).toEqual([
      'Namespace bare: missing or invalid pod-security.kubernetes.io/enforce label',
      'Namespace bare: missing or invalid pod-security.kubernetes.io/audit label',
      'Namespace bare: missing or invalid pod-security.kubernetes.io/warn label',
      'namespace nowhere is used but not rendered',
    ]);
  });

  test('only contract variables are substituted', () => {
    const cm: Manifest = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'vars', namespace: 'default' },
      data: { a: ref('CLUSTER_NAME'), b: ref('NOT_A_CONTRACT_VARIABLE'), c: `$${ref('ESCAPED')}` },
    };
    expect(onlyContractVariables(withObjects([cm]))).toEqual([
      `ConfigMap default/vars.data.b: ${ref('NOT_A_CONTRACT_VARIABLE')} is not a contract variable`,
    ]);
  });

  test("a HelmRelease's source must exist and its version be exact", () => {
    const hr: Manifest = {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'orphan', namespace: 'flux-system' },
      spec: {
        chart: {
          spec: { chart: 'x', version: '1.x', sourceRef: { kind: 'HelmRepository', name: 'missing' } },
        },
      },
    };
    const oci: Manifest = {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'orphan-oci', namespace: 'flux-system' },
      spec: { chartRef: { kind: 'OCIRepository', name: 'karpenter', namespace: 'elsewhere' } },
    };
    const floating: Manifest = {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'OCIRepository',
      metadata: { name: 'floating', namespace: 'flux-system' },
      spec: { url: 'oci://example.com/charts/x', ref: { semver: '>=1.0.0' } },
    };
    const onFloating: Manifest = {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'on-floating', namespace: 'flux-system' },
      spec: { chartRef: { kind: 'OCIRepository', name: 'floating' } },
    };
    expect(helmReleaseSourcesExist(withObjects([floating, onFloating]))).toEqual([
      'HelmRelease flux-system/on-floating: OCIRepository flux-system/floating is not pinned to an exact tag',
    ]);
    expect(helmReleaseSourcesExist(withObjects([hr, oci]))).toEqual([
      'HelmRelease flux-system/orphan: source HelmRepository flux-system/missing is not rendered',
      'HelmRelease flux-system/orphan: chart version "1.x" is not exact',
      'HelmRelease flux-system/orphan-oci: source OCIRepository elsewhere/karpenter is not rendered',
    ]);
  });

  test('the Kustomization graph is acyclic, complete and points at rendered folders', () => {
    const controllers = layerPath(base.env.name, 'controllers');
    const nowhere = `${layerPath(base.env.name, 'apps')}-nowhere`;
    const k = (name: string, dependsOn: string[], path = controllers): Manifest => ({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name, namespace: 'flux-system' },
      spec: {
        path,
        sourceRef: { kind: 'GitRepository', name: 'flux-system' },
        dependsOn: dependsOn.map((name) => ({ name })),
      },
    });
    expect(kustomizationGraph(withObjects([k('a', ['b']), k('b', ['a'])]))).toEqual([
      'Kustomization dependency cycle: flux-system/a -> flux-system/b -> flux-system/a',
    ]);
    expect(kustomizationGraph(withObjects([k('c', ['ghost'], nowhere)]))).toEqual([
      'Kustomization flux-system/c: depends on missing Kustomization flux-system/ghost',
      `Kustomization flux-system/c: path ${nowhere} has no rendered objects`,
    ]);
  });
});
