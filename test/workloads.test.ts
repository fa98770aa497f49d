/**
 * The GenAI workloads: the catalogues the fit check reads, the placements the loader computes,
 * and what each workload renders, on fixture environments (test/support/fixtures.ts). Bad
 * workload input is in test/support/bad-inputs.ts.
 */
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import type { KubeManifest } from '../apps/index.js';
import { MONITORING_NAMESPACE } from '../apps/platform/observability/index.js';
import { ARGO } from '../apps/platform/workflows/index.js';
import { DOGBOOTH_NAMESPACE } from '../apps/workloads/dogbooth/rayservice.js';
import { JUPYTERHUB_NAMESPACE } from '../apps/workloads/jupyterhub/index.js';
import { WEBUI_NAMESPACE } from '../apps/workloads/open-webui/index.js';
import { PLACEMENT_ANNOTATION } from '../apps/workloads/placement.js';
import { INFERENCE_NAMESPACE, vllmServiceName } from '../apps/workloads/vllm/index.js';
import { INSTANCE_TYPES } from '../clusters/catalog/instances.js';
import { kvCacheGB, type LanguageModel, MODEL_CATALOGUE, weightsGB } from '../clusters/catalog/models.js';
import { contractRef, NODEPOOL_LABEL, POOLS, stagedModelPath } from '../clusters/contract.js';
import { EnvironmentError } from '../clusters/lib/resolve.js';
import { fixture, type Props, resolve } from './support/fixtures.js';
import { find, renderFixture } from './support/render.js';
import { repository } from './support/repository.js';

type Obj = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are read field by field, checked by the assertions.
type Any = any;

const llm = (id: string) => {
  const m = MODEL_CATALOGUE.get(id);
  if (m?.kind !== 'llm') throw new Error(`${id} is not a catalogued language model`);
  return m;
};
const MiB = 2 ** 20;
const GB = 1e9;

/** The problems the loader reports for fixtures (empty when they resolve). */
function problems(...props: Props[]): string[] {
  try {
    resolve(...props);
  } catch (e) {
    if (e instanceof EnvironmentError) return [...e.problems];
    throw e;
  }
  return [];
}

describe('catalogues', () => {
  test('KV cache of the catalogued models matches what llama.cpp allocates (16-bit cache, 2048 tokens)', () => {
    // The KV buffer llama.cpp logs for a 2048-token context without KV quantization (16-bit, as
    // vLLM's bf16 cache), `KV self size = 256.00 MiB, K (f16): 128.00 MiB, V (f16): 128.00 MiB`:
    // - Mistral-7B-Instruct-v0.2: the llama.cpp output in aurelio-labs/semantic-router's local
    //   execution example (docs/05-local-execution.ipynb, `n_ctx=2048`,
    //   mistral-7b-instruct-v0.2.Q4_0.gguf: the weights are quantized, the cache is not);
    // - Meta-Llama-3-8B-Instruct 256 MiB and Meta-Llama-3-70B-Instruct 640 MiB:
    //   https://huggingface.co/dranger003/c4ai-command-r-v01-iMat.GGUF/discussions/6, a
    //   comparison of KV buffers across models at 2048 tokens.
    expect(kvCacheGB(llm('mistral-7b-instruct'), 2048)).toBeCloseTo((256 * MiB) / GB, 12);
    expect(kvCacheGB(llm('llama-3-8b-instruct'), 2048)).toBeCloseTo((256 * MiB) / GB, 12);
    expect(kvCacheGB(llm('llama-3-70b-instruct'), 2048)).toBeCloseTo((640 * MiB) / GB, 12);
  });

  test('weights of Llama 3 8B match the published bf16 checkpoint', () => {
    // The four safetensors shards of Meta-Llama-3-8B-Instruct: 4.98 + 5 + 4.92 + 1.17 GB
    // (https://huggingface.co/NousResearch/Meta-Llama-3-8B-Instruct/tree/main, a copy of the
    // gated meta-llama repository).
    expect(weightsGB(llm('llama-3-8b-instruct'))).toBeCloseTo(4.98 + 5 + 4.92 + 1.17, 1);
  });

  test('the KV cache of every catalogued language model grows linearly with tokens, layers and KV heads', () => {
    const models = [...MODEL_CATALOGUE.values()].filter((m): m is LanguageModel => m.kind === 'llm');
    expect(models.length).toBeGreaterThan(0);
    for (const m of models) {
      const one = kvCacheGB(m, 1000);
      expect(one, m.id).toBeGreaterThan(0);
      expect(kvCacheGB(m, 3000), m.id).toBeCloseTo(3 * one, 12);
      expect(kvCacheGB({ ...m, layers: 2 * m.layers }, 1000), m.id).toBeCloseTo(2 * one, 12);
      expect(kvCacheGB({ ...m, kvHeads: 2 * m.kvHeads }, 1000), m.id).toBeCloseTo(2 * one, 12);
    }
  });

  test('every instance family the environments offer to accelerated pools is catalogued', async () => {
    const families = new Set([...INSTANCE_TYPES.values()].map((t) => t.family));
    for (const env of (await repository()).envs) {
      for (const pool of ['nvidia', 'neuron'] as const) {
        for (const f of env.pools[pool].instanceFamilies)
          expect(families, `${env.name} ${pool} ${f}`).toContain(f);
      }
    }
  });
});

describe('placements the loader computes', () => {
  test('the fixture deployments fit: one A10G at vLLM’s 0.9 utilization; tensor parallel 2 on one Inferentia2 device', () => {
    const [env] = resolve(fixture());
    const [gpu, inf] = env!.workloads.vllm;
    expect(gpu!.placement).toMatchObject({ pool: 'nvidia', devices: 1, utilization: 0.9 });
    expect(gpu!.placement.instance.name).toBe('g5.xlarge');
    // g5.xlarge: 1 x A10G 24 GB (https://aws.amazon.com/ec2/instance-types/g5/) x 0.9.
    expect(gpu!.placement.availableGB).toBeCloseTo(21.6, 9);
    expect(gpu!.placement.requiredGB).toBeLessThan(gpu!.placement.availableGB);
    // An Inferentia2 device has 2 NeuronCores and 32 GB (https://aws.amazon.com/ec2/instance-types/inf2/);
    // the runtime keeps 96 MB of micro-code per NeuronCore (Neuron device memory documentation).
    expect(inf!.placement).toMatchObject({ pool: 'neuron', devices: 1 });
    expect(inf!.placement.availableGB).toBeCloseTo(32 - (2 * 96 * MiB) / GB, 9);
    expect(inf!.placement.requiredGB).toBeLessThan(inf!.placement.availableGB);
  });

  test('Llama-3-70B fits once spread over the 8 GPUs of one g5.48xlarge, not over 4', () => {
    const props = fixture();
    // Room for two g5.48xlarge (the replica and its rolling-update copy) besides the fixture's
    // other GPU workloads: the loader checks the pool's limits (clusters/lib/capacity.ts).
    Object.assign(props.pools.nvidia, { cpuLimit: 1024, memoryLimitGiB: 4096, acceleratorLimit: 32 });
    props.workloads!.vllm = [
      {
        name: 'llama70',
        model: 'llama-3-70b-instruct',
        pool: 'nvidia',
        instanceType: 'g5.48xlarge',
        tensorParallelSize: 8,
        maxModelLen: 8192,
        replicas: 1,
      },
    ];
    props.workloads!.openWebUI = { backends: ['llama70'] };
    const [env] = resolve(props);
    const p = env!.workloads.vllm[0]!.placement;
    expect(p.devices).toBe(8);
    expect(p.availableGB).toBeCloseTo(8 * 24 * 0.9, 9);
    expect(p.requiredGB).toBeLessThan(p.availableGB);
    // Weights alone (2 bytes x 70.6B parameters) exceed four A10Gs.
    expect(p.requiredGB).toBeGreaterThan(4 * 24 * 0.9);
    Object.assign(props.workloads!.vllm[0]!, { tensorParallelSize: 4 });
    expect(problems(props)).toEqual([
      expect.stringMatching(
        /^clusters\/fixture\.ts \(fixture\): workloads\.vllm\[0\]\.instanceType: model needs [\d.]+ GB .*g5\.48xlarge offers 4 x 24 GB x 0\.90 = 86\.4 GB with tensor parallel size 4/,
      ),
    ]);
  });

  test('JupyterHub, dogbooth and the pipeline get one GPU of the instance they name', () => {
    const [env] = resolve(fixture());
    const w = env!.workloads;
    for (const [what, share] of [
      ['jupyterhub', w.jupyterhub!.gpu],
      ['pipeline', w.pipeline!.gpu],
    ] as const) {
      expect(share.instance.name, what).toBe('g5.2xlarge');
      expect(share.cpu, what).toBeGreaterThan(0);
      expect(share.cpu, what).toBeLessThan(share.instance.vcpus);
      expect(share.memoryGiB, what).toBeLessThan(share.instance.memoryGiB);
    }
    expect(w.dogbooth!.placement).toMatchObject({ pool: 'nvidia', devices: 1 });
    expect(w.dogbooth!.placement.instance.name).toBe('g5.2xlarge');
  });
});

describe('vLLM', () => {
  const props = fixture();
  const objects = renderFixture(props);
  const deployment = (name: string): Any =>
    find(objects, 'Deployment', vllmServiceName(name), INFERENCE_NAMESPACE);
  type EnvEntry = { name: string; value?: string; valueFrom?: unknown };
  const envOf = (c: Any) => new Map<string, EnvEntry>(c.env.map((e: EnvEntry) => [e.name, e]));

  test('every deployment carries its placement on its metadata', () => {
    const [env] = resolve(props);
    for (const d of env!.workloads.vllm) {
      const placement = JSON.parse(deployment(d.name).metadata.annotations[PLACEMENT_ANNOTATION]);
      expect(placement, d.name).toMatchObject({
        model: d.model,
        pool: d.pool,
        instanceType: d.instanceType,
        devices: d.placement.devices,
      });
    }
  });

  test('NVIDIA: staged weights from FSx, GPU requests = limits, shm in memory, probes', () => {
    const d = deployment('gpu');
    const pod = d.spec.template.spec;
    const [c] = pod.containers;
    expect(c.image).toMatch(/^vllm\/vllm-openai:v\d+\.\d+\.\d+$/);
    expect(c.args.slice(0, 3)).toEqual([
      stagedModelPath(llm('llama-3-8b-instruct').source).containerPath,
      '--served-model-name',
      'llama-3-8b-instruct',
    ]);
    expect(c.args).toContain('--gpu-memory-utilization');
    expect(c.resources.requests[POOLS.nvidia.resource]).toBe(c.resources.limits[POOLS.nvidia.resource]);
    const env = envOf(c);
    expect(env.get('HF_HUB_OFFLINE')!.value).toBe('1');
    expect(env.has('HF_TOKEN')).toBe(false);
    expect(pod.volumes.find((v: { name: string }) => v.name === 'dshm').emptyDir.medium).toBe('Memory');
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe'])
      expect(c[probe].httpGet.path).toBe('/health');
    expect(d.spec.template.metadata.annotations['prometheus.io/scrape']).toBe('true');
  });

  test('Neuron: staged weights and compile cache on FSx, no Hugging Face download, neuron pool placement', () => {
    const pod = deployment('inf').spec.template.spec;
    const [c] = pod.containers;
    expect(c.image).toMatch(/^public\.ecr\.aws\/neuron\/pytorch-inference-vllm-neuronx:/);
    expect(c.args[0]).toBe(stagedModelPath(llm('mistral-7b-instruct-neuron').source).containerPath);
    expect(c.resources.requests[POOLS.neuron.resource]).toBe(1);
    const env = envOf(c);
    expect(env.has('HF_TOKEN')).toBe(false);
    expect(env.get('HF_HUB_OFFLINE')!.value).toBe('1');
    expect(env.get('NEURON_COMPILED_ARTIFACTS')!.value).toMatch(/^\/cache\/neuron-compiled\//);
    expect(pod.nodeSelector).toEqual({
      [NODEPOOL_LABEL]: POOLS.neuron.name,
      'node.kubernetes.io/instance-type': 'inf2.8xlarge',
    });
    expect(pod.tolerations).toEqual([{ ...POOLS.neuron.taint, operator: 'Equal' }]);
  });
});

describe('Open WebUI', () => {
  const backendUrls = (objects: ReturnType<typeof renderFixture>) => {
    const d = find(objects, 'Deployment', 'open-webui', WEBUI_NAMESPACE) as Any;
    const env = d.spec.template.spec.containers[0].env as { name: string; value?: string }[];
    return { env: new Map(env.map((e) => [e.name, e.value])), d };
  };
  const url = (name: string) => `http://${vllmServiceName(name)}.${INFERENCE_NAMESPACE}.svc.cluster.local/v1`;

  test('lists every backend as an in-cluster vLLM connection, sign-up off, auth on, its secret synced', () => {
    const props = fixture();
    const objects = renderFixture(props);
    const { env } = backendUrls(objects);
    expect(env.get('OPENAI_API_BASE_URLS')).toBe(props.workloads!.openWebUI!.backends.map(url).join(';'));
    expect(env.get('ENABLE_SIGNUP')).toBe('False');
    expect(env.get('WEBUI_AUTH')).toBe('True');
    expect(() => find(objects, 'ExternalSecret', 'open-webui', WEBUI_NAMESPACE)).not.toThrow();
  });

  test('offers only the backends the environment names', () => {
    const props = fixture();
    props.workloads!.openWebUI!.backends = ['inf'];
    expect(backendUrls(renderFixture(props)).env.get('OPENAI_API_BASE_URLS')).toBe(url('inf'));
  });
});

describe('JupyterHub', () => {
  const release = (props: Props): Any => find(renderFixture(props), 'HelmRelease', 'jupyterhub');
  const withAuth = (authentication: Props['authentication']) => {
    const props = fixture();
    props.authentication = authentication;
    return release(props).spec.values;
  };
  const sslCert = 'service.beta.kubernetes.io/aws-load-balancer-ssl-cert';

  test('shared password: the dummy authenticator reads it from the synced Secret; plain HTTP', () => {
    const values = withAuth({ kind: 'dummy' });
    expect(values.hub.config.JupyterHub.authenticator_class).toBe('dummy');
    expect(values.hub.extraEnv.DUMMY_PASSWORD.valueFrom.secretKeyRef.name).toBe('jupyterhub-auth');
    expect(JSON.stringify(values)).not.toMatch(/"password":"/);
    expect(values.proxy.service.annotations).not.toHaveProperty(sslCert);
    expect(values.proxy.https).toBeUndefined();
  });

  test('GitHub: members of the named organisation, client credentials from the Secret, HTTPS', () => {
    const values = withAuth({ kind: 'github', organization: 'example-org' });
    expect(values.hub.config.JupyterHub.authenticator_class).toBe('github');
    expect(values.hub.config.GitHubOAuthenticator.allowed_organizations).toEqual(['example-org']);
    expect(Object.keys(values.hub.extraEnv).sort()).toEqual(['OAUTH_CLIENT_ID', 'OAUTH_CLIENT_SECRET']);
    expect(values.proxy.service.annotations[sslCert]).toBe(contractRef('JUPYTERHUB_CERTIFICATE_ARN'));
  });

  test('Cognito: the environment’s user pool through generic OAuth with PKCE, no secret, HTTPS', () => {
    const props = fixture();
    props.authentication = { kind: 'cognito' };
    const objects = renderFixture(props);
    const values = (find(objects, 'HelmRelease', 'jupyterhub') as Any).spec.values;
    const oauth = values.hub.config.GenericOAuthenticator;
    expect(values.hub.config.JupyterHub.authenticator_class).toBe('generic-oauth');
    expect(oauth).toMatchObject({
      client_id: contractRef('COGNITO_CLIENT_ID'),
      token_url: `${contractRef('COGNITO_DOMAIN')}/oauth2/token`,
      enable_pkce: true,
    });
    expect(values.proxy.service.annotations[sslCert]).toBe(contractRef('JUPYTERHUB_CERTIFICATE_ARN'));
    expect(values.proxy.https).toMatchObject({ enabled: true, type: 'offload' });
    // A public client: nothing to sync.
    expect(() => find(objects, 'ExternalSecret', 'jupyterhub-auth', JUPYTERHUB_NAMESPACE)).toThrow();
  });

  test('every pod of the release gets what restricted Pod Security demands; GPU profile on the named instance', () => {
    const props = fixture();
    const objects = renderFixture(props);
    const ns = find(objects, 'Namespace', JUPYTERHUB_NAMESPACE) as Any;
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const values = (find(objects, 'HelmRelease', 'jupyterhub') as Any).spec.values;
    const seccomp = { type: 'RuntimeDefault' };
    expect(values.hub.podSecurityContext.seccompProfile).toEqual(seccomp);
    expect(values.hub.containerSecurityContext.seccompProfile).toEqual(seccomp);
    expect(values.proxy.chp.containerSecurityContext.seccompProfile).toEqual(seccomp);
    expect(values.hub.config.KubeSpawner.pod_security_context.seccompProfile).toEqual(seccomp);
    expect(values.hub.config.KubeSpawner.container_security_context).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: seccomp,
    });
    expect(values.singleuser.cloudMetadata.blockWithIptables).toBe(false);
    expect(values.proxy.service.annotations['service.beta.kubernetes.io/aws-load-balancer-scheme']).toBe(
      'internal',
    );
    const [env] = resolve(props);
    expect(values.singleuser.storage.capacity).toBe(`${env!.workloads.jupyterhub!.homeGiB}Gi`);
    const gpu = values.singleuser.profileList.find((p: { slug: string }) => p.slug === 'gpu');
    expect(gpu.kubespawner_override.extra_resource_limits).toEqual({ [POOLS.nvidia.resource]: '1' });
    expect(gpu.kubespawner_override.node_selector['node.kubernetes.io/instance-type']).toBe(
      props.workloads!.jupyterhub!.gpuProfile.instanceType,
    );
  });

  test('the dogbooth notebook is valid nbformat 4 and walks the four steps', () => {
    const cm = find(renderFixture(fixture()), 'ConfigMap', 'dogbooth-notebook', JUPYTERHUB_NAMESPACE) as Any;
    const nb = JSON.parse(cm.data['dogbooth.ipynb']) as {
      nbformat: number;
      cells: { cell_type: string; source: string[] }[];
    };
    expect(nb.nbformat).toBe(4);
    for (const c of nb.cells) expect(['markdown', 'code']).toContain(c.cell_type);
    const text = nb.cells.map((c) => c.source.join('')).join('\n');
    expect(text).toContain('torch.cuda.is_available()');
    expect(text).toMatch(/%pip install --quiet diffusers==\d+\.\d+\.\d+/);
    expect(text).toMatch(/train_dreambooth\.py/);
    expect(text).toContain('"--use_8bit_adam"');
    expect(text).toContain('StableDiffusionPipeline.from_pretrained("dogbooth"');
    expect(text).not.toContain('${');
  });
});

describe('dogbooth RayService', () => {
  const render = (edit: (p: Props) => void = () => {}) => {
    const props = fixture();
    edit(props);
    const objects = renderFixture(props);
    return {
      props,
      rs: find(objects, 'RayService', 'dogbooth', DOGBOOTH_NAMESPACE) as Any,
      route: find(objects, 'HTTPRoute', 'dogbooth', DOGBOOTH_NAMESPACE) as Any,
    };
  };
  const paths = (route: Any) =>
    route.spec.rules.map((x: { matches: { path: { value: string } }[] }) => x.matches[0]!.path.value);

  test('GPU workers on the nvidia pool within bounds, head on the CPU pool, Serve routed through the Gateway', () => {
    const { props, rs, route } = render((p) => {
      Object.assign(p.workloads!.dogbooth!, { minWorkers: 1, maxWorkers: 4 });
      // Two more GPU workers need two more GPUs in the pool (clusters/lib/capacity.ts).
      p.pools.nvidia.acceleratorLimit = 10;
    });
    const placement = JSON.parse(rs.metadata.annotations[PLACEMENT_ANNOTATION]);
    expect(placement).toMatchObject({
      model: props.workloads!.dogbooth!.modelId,
      pool: 'nvidia',
      instanceType: props.workloads!.dogbooth!.workerInstanceType,
      devices: 1,
    });
    const cluster = rs.spec.rayClusterConfig;
    expect(cluster.headGroupSpec.template.spec.nodeSelector).toEqual({ [NODEPOOL_LABEL]: POOLS.cpu.name });
    expect(cluster.headGroupSpec.template.spec.tolerations).toBeUndefined();
    const [gpu] = cluster.workerGroupSpecs;
    expect([gpu.minReplicas, gpu.maxReplicas]).toEqual([1, 4]);
    expect(gpu.template.spec.tolerations).toEqual([{ ...POOLS.nvidia.taint, operator: 'Equal' }]);
    const serve = parse(rs.spec.serveConfigV2);
    const model = serve.applications[0].deployments.find((d: Obj) => d.name === 'StableDiffusion');
    expect(model.autoscaling_config).toMatchObject({ min_replicas: 1, max_replicas: 4 });
    expect(paths(route)).toEqual(['/dogbooth/serve']);
    expect(route.spec.parentRefs).toEqual([{ name: 'genai', namespace: 'gateway', sectionName: 'http' }]);
  });

  test('the dashboard (no sign-in, accepts jobs) is routed only where the environment opts in', () => {
    const { route } = render((p) => {
      p.workloads!.dogbooth!.dashboardRoute = true;
    });
    expect(paths(route)).toEqual(['/dogbooth/serve', '/dogbooth']);
  });
});

describe('fine-tuning pipeline', () => {
  test('a parallel sweep of GPU candidates, CPU steps off the GPU pool, artifacts in the model bucket', () => {
    const props = fixture();
    props.workloads!.pipeline!.learningRates = ['1e-6', '2e-6', '5e-6'];
    const objects = renderFixture(props);
    const wt = find(objects, 'WorkflowTemplate', 'dogbooth-fine-tune', ARGO.namespace) as Any;
    expect(wt.spec.serviceAccountName).toBe(ARGO.serviceAccount);
    type T = {
      name: string;
      tolerations?: unknown[];
      script?: { resources: { requests: Record<string, unknown> } };
      dag?: { tasks: { name: string; withParam?: string }[] };
    };
    const templates = new Map<string, T>(wt.spec.templates.map((t: T) => [t.name, t]));
    const sweep = templates.get('pipeline')!.dag!.tasks.find((t) => t.name === 'sweep')!;
    expect(sweep.withParam).toBe('{{tasks.configure.outputs.parameters.sweep}}');
    expect(templates.get('candidate')!.dag!.tasks.map((t) => t.name)).toEqual([
      'fine-tune',
      'validate',
      'evaluate',
    ]);
    for (const name of ['fine-tune', 'validate', 'evaluate']) {
      expect(templates.get(name)!.script!.resources.requests[POOLS.nvidia.resource], name).toBe(1);
      expect(templates.get(name)!.tolerations, name).toHaveLength(1);
    }
    for (const name of ['prepare-data', 'configure', 'select', 'deploy']) {
      expect(templates.get(name)!.script!.resources.requests[POOLS.nvidia.resource], name).toBeUndefined();
      expect(templates.get(name)!.tolerations, name).toBeUndefined();
    }
    const rates = wt.spec.arguments.parameters.find((p: { name: string }) => p.name === 'learning-rates');
    expect(JSON.parse(rates.value)).toEqual(['1e-6', '2e-6', '5e-6']);
    const hr = find(objects, 'HelmRelease', 'argo-workflows') as Any;
    expect(hr.spec.values.artifactRepository.s3).toMatchObject({
      bucket: contractRef('MODEL_BUCKET'),
      useSDKCreds: true,
    });
    expect(hr.spec.values.useStaticCredentials).toBe(false);
  });
});

describe('what an environment asks for is what renders', () => {
  test('an environment without workloads renders nothing in the apps layer but the monitoring stack', () => {
    const props = fixture();
    delete props.workloads;
    // The monitoring stack is platform, installed in apps (apps/platform/observability).
    const monitoring = (o: { manifest: KubeManifest }) =>
      (o.manifest as Any).spec?.targetNamespace === MONITORING_NAMESPACE;
    expect(renderFixture(props).filter((o) => o.layer === 'apps' && !monitoring(o))).toEqual([]);
  });

  test('open exposure renders internet-facing NLBs limited to the named CIDRs, only where asked', () => {
    const props = fixture();
    props.exposure.openTo = ['203.0.113.0/24'];
    const w = props.workloads!;
    Object.assign(w.openWebUI!, { exposure: 'open' });
    Object.assign(w.jupyterhub!, { exposure: 'open' });
    Object.assign(w.vllm[0]!, { exposure: 'open' });
    const objects = renderFixture(props);
    const scheme = 'service.beta.kubernetes.io/aws-load-balancer-scheme';
    const open: KubeManifest[] = [
      find(objects, 'Service', vllmServiceName(w.vllm[0]!.name), INFERENCE_NAMESPACE),
      find(objects, 'Service', 'open-webui', WEBUI_NAMESPACE),
    ];
    for (const svc of open as Any[]) {
      expect(svc.metadata.annotations[scheme], svc.metadata.name).toBe('internet-facing');
      expect(svc.spec.loadBalancerSourceRanges, svc.metadata.name).toEqual(['203.0.113.0/24']);
    }
    const hub = find(objects, 'HelmRelease', 'jupyterhub') as Any;
    expect(hub.spec.values.proxy.service.loadBalancerSourceRanges).toEqual(['203.0.113.0/24']);
    const internal = find(objects, 'Service', vllmServiceName(w.vllm[1]!.name), INFERENCE_NAMESPACE) as Any;
    expect(internal.metadata.annotations[scheme]).toBe('internal');
    expect(internal.spec.loadBalancerSourceRanges).toBeUndefined();
  });
});
