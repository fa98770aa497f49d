import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { INSTANCE_TYPES } from '../apps/catalog/accelerators.js';
import { checkPodFits, placeVllm, WorkloadError } from '../apps/catalog/fit.js';
import { kvBytesPerToken, type LanguageModel, MODEL_CATALOGUE, weightsGB } from '../apps/catalog/models.js';
import { acceleratedPlacement } from '../apps/lib/pod.js';
import { contractRef } from '../clusters/contract.js';
import { loadEnvironments } from '../clusters/lib/load.js';
import { PARTS, render } from '../render/build.js';
import { writeRender } from '../render/write.js';
import { CLUSTERS, clustersFixture, loadProblems, synthCli, tempDir, treeHash } from './helpers.js';

type Envs = Record<string, Record<string, unknown>>;
type VllmEntries = Record<string, unknown>[];
const vllmOf = (e: Envs, env: string) => (e[env]!.workloads as { vllm: VllmEntries }).vllm;

async function renderedDist(): Promise<string> {
  const out = join(tempDir(), 'dist');
  writeRender(out, await render({ clustersDir: CLUSTERS }), { parts: PARTS, full: true });
  return out;
}

describe('catalogues', () => {
  test('KV cache per token follows 2 x layers x KV heads x head dim x dtype bytes', () => {
    const llama = MODEL_CATALOGUE.get('llama-3-8b-instruct') as LanguageModel;
    expect(kvBytesPerToken(llama)).toBe(2 * 32 * 8 * 128 * 2);
    expect(weightsGB(llama)).toBeCloseTo(16.06, 2);
  });

  test('every instance family the environments offer to accelerated pools is catalogued', async () => {
    const families = new Set([...INSTANCE_TYPES.values()].map((t) => t.family));
    for (const { env } of await loadEnvironments(CLUSTERS)) {
      for (const pool of ['nvidia', 'neuron'] as const) {
        for (const f of env.pools[pool].instanceFamilies)
          expect(families, `${env.name} ${pool} ${f}`).toContain(f);
      }
    }
  });

  test('the repository deployments fit, with the figures the annotation reports', async () => {
    const [dev] = await loadEnvironments(CLUSTERS);
    const p = placeVllm(dev!.env, 0, dev!.env.workloads!.vllm[0]!);
    expect(p.instance.name).toBe('g5.xlarge');
    expect(p.devices).toBe(1);
    expect(p.availableGB).toBeCloseTo(21.6, 5);
    expect(p.requiredGB).toBeLessThan(p.availableGB);
    const neuron = placeVllm(dev!.env, 1, dev!.env.workloads!.vllm[1]!);
    // tensor parallel 2 = the 2 NeuronCores of one Inferentia2 device
    expect(neuron.devices).toBe(1);
    expect(neuron.availableGB).toBe(32);
  });

  test('Llama-3-70B fits once spread over the 8 GPUs of one g5.48xlarge', async () => {
    const [dev] = await loadEnvironments(CLUSTERS);
    const entry = {
      name: 'llama70',
      model: 'llama-3-70b-instruct',
      pool: 'nvidia' as const,
      instanceType: 'g5.48xlarge',
      tensorParallelSize: 8,
      maxModelLen: 8192,
      replicas: 1,
    };
    const p = placeVllm(dev!.env, 0, entry);
    expect(p.devices).toBe(8);
    expect(p.availableGB).toBeCloseTo(8 * 24 * 0.9, 5);
    expect(p.requiredGB).toBeCloseTo(143.9, 1);
    expect(() => placeVllm(dev!.env, 0, { ...entry, tensorParallelSize: 4 })).toThrow(
      /g5\.48xlarge offers 4 x 24 GB x 0\.90 = 86\.4 GB with tensor parallel size 4/,
    );
    expect(() => placeVllm(dev!.env, 0, { ...entry, maxModelLen: 16384 })).toThrow(
      /workloads\.vllm\[0\]\.maxModelLen: 16384 tokens exceeds llama-3-70b-instruct's context length of 8192/,
    );
  });

  test('a pod that misses the toleration, the selector or the capacity is refused', () => {
    const g5 = INSTANCE_TYPES.get('g5.xlarge')!;
    const container = { resources: { requests: { cpu: '3', memory: '12Gi', 'nvidia.com/gpu': 1 } } };
    const good = { ...acceleratedPlacement('nvidia', 'g5.xlarge'), containers: [container] };
    expect(() => checkPodFits('x', good, 'nvidia', g5)).not.toThrow();
    expect(() => checkPodFits('x', { ...good, tolerations: [] }, 'nvidia', g5)).toThrow(
      /does not tolerate the nvidia.com\/gpu taint/,
    );
    expect(() => checkPodFits('x', { ...good, nodeSelector: {} }, 'nvidia', g5)).toThrow(
      /does not select the nvidia NodePool/,
    );
    const big = { resources: { requests: { cpu: '3', memory: '12Gi', 'nvidia.com/gpu': 2 } } };
    expect(() => checkPodFits('x', { ...good, containers: [big] }, 'nvidia', g5)).toThrow(
      /requests 2 nvidia.com\/gpu, g5.xlarge has 1/,
    );
    expect(() => checkPodFits('x', good, 'neuron', INSTANCE_TYPES.get('inf2.xlarge')!)).toThrow(
      WorkloadError,
    );
  });
});

describe('rendered workloads', () => {
  test('vLLM Deployments carry the placement annotation on their metadata', async () => {
    const results = await render({ clustersDir: CLUSTERS });
    for (const r of results) {
      const text = r.files.get(`k8s/${r.env.name}/apps/deployment-inference-vllm-llama3.yaml`);
      expect(text, r.env.name).toMatch(
        /^ {4}genai-eks\.io\/placement: '\{"model":"llama-3-8b-instruct","pool":"nvidia"/m,
      );
    }
  });
});

describe('Open WebUI', () => {
  test('lists every backend as an in-cluster vLLM connection, sign-up off, auth on', async () => {
    const [r] = await render({ clustersDir: CLUSTERS, only: ['dev'] });
    const text = r!.files.get('k8s/dev/apps/deployment-webui-open-webui.yaml')!;
    expect(text).toContain(
      'value: http://vllm-llama3.inference.svc.cluster.local/v1;http://vllm-mistral.inference.svc.cluster.local/v1',
    );
    expect(text).toMatch(/- name: ENABLE_SIGNUP\n\s+value: "False"/);
    expect(text).toMatch(/- name: WEBUI_AUTH\n\s+value: "True"/);
    expect(r!.files.has('k8s/dev/configs/externalsecret-webui-open-webui.yaml')).toBe(true);
  });
});

describe('bad workload input stops the render, names env, field and reason, leaves dist/ untouched', () => {
  const bad: [string, (e: Envs) => void, RegExp][] = [
    [
      'Llama-3-70B on one g5.xlarge',
      (e) => Object.assign(vllmOf(e, 'dev')[0]!, { model: 'llama-3-70b-instruct' }),
      /^dev: vllm llama3: workloads\.vllm\[0\]\.instanceType: model needs 143\.9 GB \(weights 141\.2 GB \+ KV cache 2\.7 GB for one 8192-token sequence\), g5\.xlarge offers 1 x 24 GB x 0\.90 = 21\.6 GB/m,
    ],
    [
      'tensor parallel 3 on a 4-GPU instance',
      (e) => Object.assign(vllmOf(e, 'prod')[0]!, { instanceType: 'g5.12xlarge', tensorParallelSize: 3 }),
      /^prod: vllm llama3: workloads\.vllm\[0\]\.tensorParallelSize: tensor parallel size 3 does not divide the 4 GPUs of one g5\.12xlarge/m,
    ],
    [
      'a Neuron model on the nvidia pool',
      (e) =>
        Object.assign(vllmOf(e, 'dev')[1]!, {
          pool: 'nvidia',
          instanceType: 'g5.2xlarge',
          tensorParallelSize: 1,
        }),
      /^dev: vllm mistral: workloads\.vllm\[1\]\.pool: model mistral-7b-instruct-neuron runs on neuron accelerators only, not on the nvidia pool/m,
    ],
    [
      'an instance family the pool does not offer',
      (e) => Object.assign(vllmOf(e, 'prod-dr')[1]!, { instanceType: 'trn1.2xlarge' }),
      /^prod-dr: vllm mistral: workloads\.vllm\[1\]\.instanceType: the neuron NodePool offers instance families inf2, not trn1/m,
    ],
    [
      'an open endpoint without named CIDRs',
      (e) => Object.assign(vllmOf(e, 'dev')[0]!, { exposure: 'open' }),
      /^dev: vllm llama3: workloads\.vllm\[0\]\.exposure: "open" needs exposure\.openTo/m,
    ],
    [
      'an Open WebUI backend that names no vLLM',
      (e) => ((e.prod!.workloads as Record<string, unknown>).openWebUI = { backends: ['llama3', 'llama4'] }),
      /^prod: open-webui: workloads\.openWebUI\.backends\[1\]: "llama4" names no vLLM deployment \(workloads\.vllm names: llama3, mistral\)/m,
    ],
    [
      'a JupyterHub GPU profile on a family the pool does not offer',
      (e) =>
        ((e.dev!.workloads as Record<string, unknown>).jupyterhub = {
          gpuProfile: { instanceType: 'g4dn.xlarge' },
        }),
      /^dev: jupyterhub: workloads\.jupyterhub\.gpuProfile\.instanceType: unknown instance type "g4dn\.xlarge"/m,
    ],
    [
      'dogbooth autoscaling bounds reversed',
      (e) =>
        Object.assign((e.dev!.workloads as Record<string, Record<string, unknown>>).dogbooth!, {
          minWorkers: 3,
        }),
      /^dev: rayservice dogbooth: workloads\.dogbooth\.minWorkers: 3 is more than maxWorkers \(2\)/m,
    ],
    [
      'pipeline GPU steps on a Neuron instance',
      (e) =>
        Object.assign((e.prod!.workloads as Record<string, Record<string, unknown>>).pipeline!, {
          gpuInstanceType: 'inf2.xlarge',
        }),
      /^prod: workflowtemplate dogbooth-fine-tune: workloads\.pipeline\.gpuInstanceType: inf2\.xlarge carries AWS Inferentia2 devices, which the nvidia pool does not manage/m,
    ],
    [
      'a JupyterHub dummy authenticator in prod',
      (e) => (e.prod!.authentication = { kind: 'dummy' }),
      /prod\.ts: authentication\.kind: the shared-password \(dummy\) authenticator is for development environments only/,
    ],
  ];
  test.each(bad)('%s', async (_name, edit, message) => {
    const out = await renderedDist();
    const before = treeHash(out);
    const clusters = await clustersFixture(edit);
    const r = await synthCli(['--clusters', clusters, '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/dist\/ unchanged/);
    expect(treeHash(out)).toBe(before);
  });
});

describe('check-helm-values', () => {
  const schema = [
    'type: object',
    'additionalProperties: false',
    'required: [hub]',
    'properties:',
    '  hub:',
    '    type: object',
    '    additionalProperties: false',
    '    required: [image]',
    '    properties:',
    '      image: { type: string }',
    '      replicas: { type: integer }',
  ].join('\n');
  const release = (values: string) =>
    [
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata: { name: x, namespace: y }',
      'spec:',
      '  chart: { spec: { chart: demo, version: 1.0.0, sourceRef: { kind: HelmRepository, name: r } } }',
      `  values: ${values}`,
    ].join('\n');

  test('accepts overrides without required keys, rejects wrong types and unknown keys', async () => {
    const { checkValues } = await import('../scripts/check-helm-values.js');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const dir = tempDir();
    mkdirSync(join(dir, 'env/apps'), { recursive: true });
    writeFileSync(join(dir, 'env/apps/helmrelease-y-x.yaml'), release('{ hub: { replicas: 2 } }'));
    expect(checkValues(schema, 'demo', dir)).toEqual({
      checked: ['env/apps/helmrelease-y-x.yaml'],
      errors: [],
    });
    writeFileSync(
      join(dir, 'env/apps/helmrelease-y-x.yaml'),
      release('{ hub: { replicas: two, extra: 1 } }'),
    );
    const { errors } = checkValues(schema, 'demo', dir);
    expect(errors).toContainEqual('env/apps/helmrelease-y-x.yaml: values.hub.replicas: must be integer');
    expect(errors).toContainEqual(
      expect.stringMatching(/values\.hub: must NOT have additional properties.*extra/),
    );
    expect(checkValues(schema, 'other', dir).errors).toEqual([`${dir}: no HelmRelease of chart other found`]);
  });
});

describe('JupyterHub', () => {
  test('sign-in follows the environment: shared password in dev, Cognito over https in prod', async () => {
    const results = await render({ clustersDir: CLUSTERS });
    const hr = (env: string) =>
      results
        .find((r) => r.env.name === env)!
        .files.get(`k8s/${env}/apps/helmrelease-flux-system-jupyterhub.yaml`)!;
    expect(hr('dev')).toMatch(/authenticator_class: dummy/);
    expect(hr('dev')).not.toMatch(/ssl-cert/);
    expect(hr('prod')).toMatch(/authenticator_class: generic-oauth/);
    expect(hr('prod')).toMatch(/token_url: \$\{COGNITO_DOMAIN\}\/oauth2\/token/);
    expect(hr('prod')).toMatch(/aws-load-balancer-ssl-cert: \$\{JUPYTERHUB_CERTIFICATE_ARN\}/);
    const ns = results
      .find((r) => r.env.name === 'prod')!
      .files.get('k8s/prod/controllers/namespace-jupyterhub.yaml')!;
    expect(ns).toMatch(/pod-security\.kubernetes\.io\/enforce: restricted/);
    for (const env of ['dev', 'prod']) {
      // every pod of the release gets what the restricted level demands
      expect(hr(env).match(/seccompProfile:\n\s+type: RuntimeDefault/g)!.length, env).toBeGreaterThanOrEqual(
        5,
      );
      expect(hr(env)).toMatch(/blockWithIptables: false/);
      expect(hr(env)).toMatch(/aws-load-balancer-scheme: internal/);
      expect(hr(env)).toMatch(/capacity: 100Gi/);
      expect(hr(env)).toMatch(/nvidia\.com\/gpu: "1"/);
    }
  });

  test('the dogbooth notebook is valid nbformat 4 and walks the four steps', async () => {
    const { parse } = await import('yaml');
    const [r] = await render({ clustersDir: CLUSTERS, only: ['dev'] });
    const cm = parse(r!.files.get('k8s/dev/apps/configmap-jupyterhub-dogbooth-notebook.yaml')!) as {
      data: Record<string, string>;
    };
    const nb = JSON.parse(cm.data['dogbooth.ipynb']!) as { nbformat: number; cells: { source: string[] }[] };
    expect(nb.nbformat).toBe(4);
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
  test('GPU workers on the nvidia pool within bounds, head on the CPU pool, routes through the Gateway', async () => {
    const { parse } = await import('yaml');
    const [r] = await render({ clustersDir: CLUSTERS, only: ['prod'] });
    const rs = parse(r!.files.get('k8s/prod/apps/rayservice-dogbooth-dogbooth.yaml')!);
    const placement = JSON.parse(rs.metadata.annotations['genai-eks.io/placement']);
    expect(placement).toMatchObject({
      model: 'askulkarni2/dogbooth',
      pool: 'nvidia',
      instanceType: 'g5.2xlarge',
      devices: 1,
    });
    const cluster = rs.spec.rayClusterConfig;
    expect(cluster.headGroupSpec.template.spec.nodeSelector).toEqual({ 'karpenter.sh/nodepool': 'cpu' });
    expect(cluster.headGroupSpec.template.spec.tolerations).toBeUndefined();
    const [gpu] = cluster.workerGroupSpecs;
    expect([gpu.minReplicas, gpu.maxReplicas]).toEqual([1, 4]);
    expect(gpu.template.spec.tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' },
    ]);
    const serve = parse(rs.spec.serveConfigV2);
    expect(serve.applications[0].deployments[1].autoscaling_config).toMatchObject({
      min_replicas: 1,
      max_replicas: 4,
    });
    const route = parse(r!.files.get('k8s/prod/apps/httproute-dogbooth-dogbooth.yaml')!);
    expect(
      route.spec.rules.map((x: { matches: { path: { value: string } }[] }) => x.matches[0]!.path.value),
    ).toEqual(['/dogbooth/serve']);
    // The dashboard (no sign-in, accepts jobs) is routed only where an environment opts in: dev.
    const [d] = await render({ clustersDir: CLUSTERS, only: ['dev'] });
    const devRoute = parse(d!.files.get('k8s/dev/apps/httproute-dogbooth-dogbooth.yaml')!);
    expect(
      devRoute.spec.rules.map((x: { matches: { path: { value: string } }[] }) => x.matches[0]!.path.value),
    ).toEqual(['/dogbooth/serve', '/dogbooth']);
    expect(route.spec.parentRefs).toEqual([{ name: 'genai', namespace: 'gateway', sectionName: 'http' }]);
  });
});

describe('fine-tuning pipeline', () => {
  test('a parallel sweep of GPU candidates, CPU steps off the GPU pool, artifacts in the model bucket', async () => {
    const { parse } = await import('yaml');
    const [r] = await render({ clustersDir: CLUSTERS, only: ['prod'] });
    const wt = parse(r!.files.get('k8s/prod/apps/workflowtemplate-argo-dogbooth-fine-tune.yaml')!);
    expect(wt.spec.serviceAccountName).toBe('argo-workflow');
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
      expect(templates.get(name)!.script!.resources.requests['nvidia.com/gpu'], name).toBe(1);
      expect(templates.get(name)!.tolerations, name).toHaveLength(1);
    }
    for (const name of ['prepare-data', 'configure', 'select', 'deploy']) {
      expect(templates.get(name)!.script!.resources.requests['nvidia.com/gpu'], name).toBeUndefined();
      expect(templates.get(name)!.tolerations, name).toBeUndefined();
    }
    expect(
      JSON.parse(
        wt.spec.arguments.parameters.find((p: { name: string }) => p.name === 'learning-rates').value,
      ),
    ).toEqual(['1e-6', '2e-6', '5e-6']);
    const hr = parse(r!.files.get('k8s/prod/controllers/helmrelease-flux-system-argo-workflows.yaml')!);
    expect(hr.spec.values.artifactRepository.s3).toMatchObject({
      bucket: contractRef('MODEL_BUCKET'),
      useSDKCreds: true,
    });
    expect(hr.spec.values.useStaticCredentials).toBe(false);
  });
});

describe('workloads schema', () => {
  const problems = loadProblems;

  test('fields are checked when the environment loads', async () => {
    expect(
      await problems((e) =>
        Object.assign((e.dev!.workloads as Record<string, Record<string, unknown>>).pipeline!, {
          learningRates: ['fast'],
        }),
      ),
    ).toEqual(['dev.ts: workloads.pipeline.learningRates[0]: "fast" is not a learning rate like 2e-6']);
    expect(
      await problems((e) => Object.assign(vllmOf(e, 'prod')[0]!, { gpuMemoryUtilization: 1.5 })),
    ).toEqual(['prod.ts: workloads.vllm[0].gpuMemoryUtilization: must be at most 0.99, got 1.5']);
    expect(await problems((e) => Object.assign(vllmOf(e, 'dev')[0]!, { name: 'Llama_3' }))).toEqual([
      expect.stringMatching(/^dev\.ts: workloads\.vllm\[0\]\.name: "Llama_3" is not a valid Kubernetes name/),
    ]);
    expect(
      await problems((e) =>
        Object.assign((e.dev!.workloads as Record<string, Record<string, unknown>>).dogbooth!, {
          modelId: 'dogbooth',
        }),
      ),
    ).toEqual([
      'dev.ts: workloads.dogbooth.modelId: "dogbooth" is not a Hugging Face repository id (owner/name)',
    ]);
  });

  test('an environment without workloads renders no workload objects', async () => {
    const clusters = await clustersFixture((e) => {
      delete e.dev!.workloads;
    });
    const [r] = await render({ clustersDir: clusters, only: ['dev'] });
    expect([...r!.files.keys()].filter((f) => f.startsWith('k8s/dev/apps/'))).toEqual([]);
  });
});

describe('exposure', () => {
  test('open exposure renders an internet-facing NLB limited to the named CIDRs', async () => {
    const { parse } = await import('yaml');
    const clusters = await clustersFixture((e) => {
      e.dev!.exposure = { openTo: ['203.0.113.0/24'] };
      const w = e.dev!.workloads as Record<string, Record<string, unknown>>;
      Object.assign(w.openWebUI!, { exposure: 'open' });
      Object.assign(w.jupyterhub!, { exposure: 'open' });
      Object.assign(vllmOf(e, 'dev')[0]!, { exposure: 'open' });
    });
    const [r] = await render({ clustersDir: clusters, only: ['dev'] });
    for (const f of ['apps/service-inference-vllm-llama3.yaml', 'apps/service-webui-open-webui.yaml']) {
      const svc = parse(r!.files.get(`k8s/dev/${f}`)!);
      expect(svc.metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-scheme'], f).toBe(
        'internet-facing',
      );
      expect(svc.spec.loadBalancerSourceRanges, f).toEqual(['203.0.113.0/24']);
    }
    const hub = parse(r!.files.get('k8s/dev/apps/helmrelease-flux-system-jupyterhub.yaml')!);
    expect(hub.spec.values.proxy.service.loadBalancerSourceRanges).toEqual(['203.0.113.0/24']);
    const mistral = parse(r!.files.get('k8s/dev/apps/service-inference-vllm-mistral.yaml')!);
    expect(mistral.metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-scheme']).toBe(
      'internal',
    );
    expect(mistral.spec.loadBalancerSourceRanges).toBeUndefined();
  });
});

describe('vLLM Deployments', () => {
  async function deployment(name: string) {
    const { parse } = await import('yaml');
    const [r] = await render({ clustersDir: CLUSTERS, only: ['dev'] });
    return parse(r!.files.get(`k8s/dev/apps/deployment-inference-vllm-${name}.yaml`)!);
  }
  type EnvEntry = { name: string; value?: string; valueFrom?: unknown };

  test('NVIDIA: Hugging Face download into the FSx cache, GPU requests = limits, shm in memory, probes', async () => {
    const d = await deployment('llama3');
    const pod = d.spec.template.spec;
    const [c] = pod.containers;
    expect(c.image).toMatch(/^vllm\/vllm-openai:v\d+\.\d+\.\d+$/);
    expect(c.args.slice(0, 3)).toEqual([
      'meta-llama/Meta-Llama-3-8B-Instruct',
      '--served-model-name',
      'llama-3-8b-instruct',
    ]);
    expect(c.args).toContain('--gpu-memory-utilization');
    expect(c.resources.requests['nvidia.com/gpu']).toBe(c.resources.limits['nvidia.com/gpu']);
    const env = new Map<string, EnvEntry>(c.env.map((e: EnvEntry) => [e.name, e]));
    expect(env.get('HF_HOME')!.value).toBe('/models/hf-cache');
    expect(env.get('HF_TOKEN')!.valueFrom).toEqual({ secretKeyRef: { name: 'hf-token', key: 'token' } });
    expect(pod.volumes.find((v: { name: string }) => v.name === 'dshm').emptyDir.medium).toBe('Memory');
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe'])
      expect(c[probe].httpGet.path).toBe('/health');
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(1800);
    expect(d.spec.template.metadata.annotations['prometheus.io/scrape']).toBe('true');
  });

  test('Neuron: weights and compile cache on FSx, no Hugging Face download, neuron pool placement', async () => {
    const d = await deployment('mistral');
    const pod = d.spec.template.spec;
    const [c] = pod.containers;
    expect(c.image).toMatch(/^public\.ecr\.aws\/neuron\/pytorch-inference-vllm-neuronx:/);
    expect(c.args[0]).toBe('/models/mistralai/Mistral-7B-Instruct-v0.2');
    expect(c.resources.requests['aws.amazon.com/neuron']).toBe(1);
    const env = new Map<string, EnvEntry>(c.env.map((e: EnvEntry) => [e.name, e]));
    expect(env.has('HF_TOKEN')).toBe(false);
    expect(env.get('HF_HUB_OFFLINE')!.value).toBe('1');
    expect(env.get('NEURON_COMPILED_ARTIFACTS')!.value).toBe('/models/neuron-cache/mistral');
    expect(pod.nodeSelector).toEqual({
      'karpenter.sh/nodepool': 'neuron',
      'node.kubernetes.io/instance-type': 'inf2.8xlarge',
    });
    expect(pod.tolerations).toEqual([
      { key: 'aws.amazon.com/neuron', operator: 'Equal', value: 'true', effect: 'NoSchedule' },
    ]);
  });
});
