/**
 * Workloads that run (issue 14): the defects of each workload path, each checked on fixture
 * environments (test/support/fixtures.ts) so that the rendering before the fix fails it. Image
 * users and volumes are in test/workloads-images.test.ts, model data paths in
 * test/model-data.test.ts, sizing in test/fit.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { ARGO } from '../apps/platform/workflows/index.js';
import { PUSH_VARIABLE } from '../apps/workloads/dogbooth/notebook.js';
import { PIPELINE_NAME } from '../apps/workloads/dogbooth/pipeline.js';
import {
  DOGBOOTH_NAMESPACE,
  SERVE_HEALTH_PATH,
  SERVE_SERVICE,
  servePackages,
} from '../apps/workloads/dogbooth/rayservice.js';
import { JUPYTERHUB_NAMESPACE } from '../apps/workloads/jupyterhub/index.js';
import { INFERENCE_NAMESPACE, neuronCompileJobName, vllmServiceName } from '../apps/workloads/vllm/index.js';
import { INSTANCE_TYPES } from '../clusters/catalog/instances.js';
import { DOGBOOTH_BASE_MODEL, MODEL_CATALOGUE } from '../clusters/catalog/models.js';
import { NEURON_RUNTIMES } from '../clusters/catalog/neuron-runtimes.js';
import { checkNeuronRuntime, neuronImageTag } from '../clusters/lib/fit.js';
import { versions } from '../clusters/versions.js';
import { fixture, type Props, resolve } from './support/fixtures.js';
import { envValue, mountOf, podTemplates, type RenderedContainer } from './support/pods.js';
import { find, type Rendered, renderFixture } from './support/render.js';

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are read field by field.
type Any = any;

const objectsOf = (edit: (p: Props) => void = () => {}) => {
  const props = fixture();
  edit(props);
  return { props, objects: renderFixture(props) };
};
const kinds = (objects: readonly Rendered[], kind: string) =>
  objects.filter((o) => o.manifest.kind === kind).map((o) => o.manifest as Any);

describe('vLLM on Inferentia2 (defect 2)', () => {
  const { props, objects } = objectsOf();
  const inf = props.workloads!.vllm.find((v) => v.pool === 'neuron')!;
  const deployment = find(objects, 'Deployment', vllmServiceName(inf.name), INFERENCE_NAMESPACE) as Any;
  const server = deployment.spec.template.spec.containers[0] as RenderedContainer;

  test('the pinned Neuron image can build the model on inf2; the one pinned before could not', () => {
    const tag = versions.vllmNeuronImage.slice(versions.vllmNeuronImage.lastIndexOf(':') + 1);
    const before = NEURON_RUNTIMES.find((r) => r.sdk === '2.28.0')!;
    const now = NEURON_RUNTIMES.find((r) => r.tag === tag);
    expect(now, `${tag} is catalogued`).toBeDefined();
    expect(now!.instanceFamilies).toContain('inf2');
    expect(now!.modelTypes).toContain('mistral');
    expect(before.modelTypes).not.toContain('mistral');
  });

  test('prefix caching off (the plugin needs it off or a block size), no legacy framework switch', () => {
    expect(server.args).toContain('--no-enable-prefix-caching');
    expect(server.args).toContain('--max-num-seqs');
    expect(envValue(server, 'VLLM_NEURON_FRAMEWORK')).toBeUndefined();
    expect(server.env!.map((e) => e.name)).not.toContain('VLLM_NEURON_FRAMEWORK');
  });

  test('compiled once by a Job with the servers’ image, arguments and artifacts path; replicas wait for it', () => {
    const [env] = resolve(props);
    const e = env!.workloads.vllm.find((v) => v.name === inf.name)!;
    const job = find(objects, 'Job', neuronCompileJobName(e), INFERENCE_NAMESPACE) as Any;
    const compile = job.spec.template.spec.containers[0] as RenderedContainer;
    expect(compile.image).toBe(server.image);
    // sh -c SCRIPT $0 args…: the tail is the server's arguments.
    expect(compile.command!.slice(4)).toEqual(server.args);
    const artifacts = envValue(server, 'NEURON_COMPILED_ARTIFACTS')!;
    expect(envValue(compile, 'NEURON_COMPILED_ARTIFACTS')).toBe(artifacts);
    expect(job.spec.template.spec.nodeSelector).toEqual(deployment.spec.template.spec.nodeSelector);
    const init = deployment.spec.template.spec.initContainers as RenderedContainer[];
    // First the staged weights (staging.ts), then the compiled artifacts; the Job waits for the weights too.
    expect(init.map((c) => c.name)).toEqual(['wait-for-staged-model', 'wait-for-compiled-artifacts']);
    expect(envValue(init[1]!, 'NEURON_COMPILED_ARTIFACTS')).toBe(artifacts);
    expect((job.spec.template.spec.initContainers as RenderedContainer[]).map((c) => c.name)).toEqual([
      'wait-for-staged-model',
    ]);
    // Not compiled under the startup probe: the server itself has no compile step.
    expect(server.command).toEqual(['vllm', 'serve']);
  });

  test('the artifacts path changes with everything that changes the compilation', () => {
    const artifacts = (edit: (v: Any) => void) => {
      const p = fixture();
      // Room in the neuron pool for every variant below (the loader checks demand against limits).
      Object.assign(p.pools.neuron, { acceleratorLimit: 8, cpuLimit: 256, memoryLimitGiB: 1024 });
      edit(p.workloads!.vllm.find((v) => v.pool === 'neuron')!);
      const o = renderFixture(p);
      const d = find(o, 'Deployment', vllmServiceName(inf.name), INFERENCE_NAMESPACE) as Any;
      return envValue(d.spec.template.spec.containers[0], 'NEURON_COMPILED_ARTIFACTS')!;
    };
    const base = artifacts(() => {});
    expect(base).toContain(inf.model);
    expect(base).toContain(versions.vllmNeuronImage.split(':').pop()!);
    expect(artifacts((v) => Object.assign(v, { maxModelLen: 2048 }))).not.toBe(base);
    expect(
      artifacts((v) => Object.assign(v, { tensorParallelSize: 1, instanceType: 'inf2.xlarge' })),
    ).not.toBe(base);
    expect(artifacts((v) => Object.assign(v, { replicas: 2 }))).toBe(base);
  });
});

describe('fine-tuning pipeline (defect 4)', () => {
  const { objects } = objectsOf();
  const wt = find(objects, 'WorkflowTemplate', PIPELINE_NAME, ARGO.namespace) as Any;
  const templates = new Map<string, Any>(wt.spec.templates.map((t: Any) => [t.name, t]));

  test('every artifact and output path of a step is on a writable volume of the step (steps run as the image’s non-root user)', () => {
    const pods = podTemplates(wt);
    expect(pods.length).toBeGreaterThan(0);
    for (const pod of pods) {
      const name = pod.containers[0]!.name;
      const t = templates.get(name);
      const c = pod.containers[0]!;
      const paths = [
        ...(t.inputs?.artifacts ?? []).map((a: Any) => a.path),
        ...(t.outputs?.artifacts ?? []).map((a: Any) => a.path),
        ...(t.outputs?.parameters ?? []).map((p: Any) => p.valueFrom?.path).filter(Boolean),
      ];
      for (const path of paths) {
        const m = mountOf(c, path);
        const v = m && pod.volumes.find((x) => x.name === m.name);
        expect(v?.emptyDir, `${name}: ${path} is on an emptyDir`).toBeDefined();
        expect(m!.readOnly, `${name}: ${path}`).not.toBe(true);
      }
    }
  });

  test('DAG outputs come from the DAG’s own tasks’ outputs, never from its inputs (Argo substitutes those first)', () => {
    let checked = 0;
    for (const t of templates.values()) {
      if (!t.dag || !t.outputs?.parameters) continue;
      const tasks = new Map<string, Any>(t.dag.tasks.map((x: Any) => [x.name, x]));
      for (const p of t.outputs.parameters) {
        const m = /^\{\{tasks\.([\w-]+)\.outputs\.parameters\.([\w-]+)\}\}$/.exec(p.valueFrom.parameter);
        expect(m, `${t.name}.${p.name}: ${p.valueFrom.parameter}`).not.toBeNull();
        const task = tasks.get(m![1]!);
        expect(task, `${t.name}.${p.name}: task ${m![1]}`).toBeDefined();
        const produced = templates.get(task.template).outputs?.parameters?.map((x: Any) => x.name);
        expect(produced, `${t.name}.${p.name}`).toContain(m![2]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  test('the step code is one module in a ConfigMap that every step mounts and imports', () => {
    const cm = find(objects, 'ConfigMap', 'dogbooth-pipeline', ARGO.namespace) as Any;
    const module = Object.keys(cm.data)[0]!.replace(/\.py$/, '');
    for (const pod of podTemplates(wt)) {
      const c = pod.containers[0]!;
      expect(c.source, pod.where).toContain(`import ${module}`);
      const lib = envValue(c, 'PYTHONPATH')!;
      const m = mountOf(c, lib);
      expect(pod.volumes.find((v) => v.name === m?.name)?.configMap?.name, pod.where).toBe(
        'dogbooth-pipeline',
      );
    }
  });
});

describe('dogbooth base model (defect 5)', () => {
  test('a maintained source at a pinned revision, used by the pipeline and the notebook', () => {
    const base = MODEL_CATALOGUE.get(DOGBOOTH_BASE_MODEL)!;
    expect(base.source.kind).toBe('huggingface');
    const source = base.source as { repo: string; revision?: string };
    // stabilityai/stable-diffusion-2-1 was removed from the Hub (huggingface/diffusers#12874).
    expect(source.repo).not.toMatch(/^stabilityai\//);
    expect(source.revision).toMatch(/^[0-9a-f]{40}$/);
    const { objects } = objectsOf();
    const wt = find(objects, 'WorkflowTemplate', PIPELINE_NAME, ARGO.namespace) as Any;
    const args = new Map(wt.spec.arguments.parameters.map((p: Any) => [p.name, p.value]));
    expect(args.get('base-model')).toBe(source.repo);
    expect(args.get('base-model-revision')).toBe(source.revision);
    const nb = find(objects, 'ConfigMap', 'dogbooth-notebook', JUPYTERHUB_NAMESPACE) as Any;
    const text = JSON.parse(nb.data['dogbooth.ipynb'])
      .cells.map((c: Any) => c.source.join(''))
      .join('\n');
    expect(text).toContain(source.revision);
  });

  test('the notebook pushes nowhere unless the user names a repository of their own', () => {
    const { props, objects } = objectsOf((p) => {
      p.workloads!.dogbooth!.modelId = 'someone-else/dogbooth';
    });
    const nb = find(objects, 'ConfigMap', 'dogbooth-notebook', JUPYTERHUB_NAMESPACE) as Any;
    const text = JSON.parse(nb.data['dogbooth.ipynb'])
      .cells.map((c: Any) => c.source.join(''))
      .join('\n');
    expect(text).not.toContain(props.workloads!.dogbooth!.modelId);
    expect(text).toContain(`os.environ.get("${PUSH_VARIABLE}")`);
    expect(text).toMatch(/push = \["--push_to_hub", "--hub_model_id", PUSH_TO\] if PUSH_TO else \[\]/);
  });
});

describe('dogbooth RayService (defects 6 and 8)', () => {
  const { objects } = objectsOf();
  const rs = find(objects, 'RayService', 'dogbooth', DOGBOOTH_NAMESPACE) as Any;

  test('start-up installs nothing: no runtime_env; the workers import the packages a Job installed once on the shared volume', () => {
    const serve = parse(rs.spec.serveConfigV2);
    for (const app of serve.applications) expect(app.runtime_env, app.name).toBeUndefined();
    const job = kinds(objects, 'Job').find((j) => j.metadata.name.startsWith('dogbooth-packages-'));
    expect(job).toBeDefined();
    const install = job.spec.template.spec.containers[0] as RenderedContainer;
    expect(install.image).toBe(versions.rayImage);
    expect(install.command!.slice(4)).toEqual(servePackages());
    const target = envValue(install, 'TARGET')!;
    const worker = rs.spec.rayClusterConfig.workerGroupSpecs[0].template.spec;
    expect(envValue(worker.containers[0], 'PYTHONPATH')!.split(':')).toContain(target);
    expect(envValue(worker.initContainers[0], 'TARGET')).toBe(target);
  });

  test('the Gateway’s target group checks the Serve proxies’ health endpoint, not /', () => {
    const route = find(objects, 'HTTPRoute', 'dogbooth', DOGBOOTH_NAMESPACE) as Any;
    const backends = route.spec.rules.flatMap((r: Any) => r.backendRefs.map((b: Any) => b.name));
    expect(backends).toContain(SERVE_SERVICE);
    const tgc = kinds(objects, 'TargetGroupConfiguration').find(
      (t) => t.metadata.namespace === DOGBOOTH_NAMESPACE && t.spec.targetReference?.name === SERVE_SERVICE,
    );
    expect(tgc?.spec.defaultConfiguration.healthCheckConfig.healthCheckPath).toBe(SERVE_HEALTH_PATH);
    expect(SERVE_HEALTH_PATH).toBe('/-/healthz');
  });
});

describe('what the loader refuses', () => {
  test('a Neuron image that cannot build the model: the SDK 2.28 image for Mistral', () => {
    const mistral = MODEL_CATALOGUE.get('mistral-7b-instruct-neuron')!;
    if (mistral.kind !== 'llm') throw new Error('not a language model');
    const inf2 = INSTANCE_TYPES.get('inf2.8xlarge')!;
    const field = (f: string) => `workloads.vllm[1].${f}`;
    const before = NEURON_RUNTIMES.find((r) => r.sdk === '2.28.0')!;
    expect(() => checkNeuronRuntime(field, mistral, inf2, before.tag)).toThrow(
      /workloads\.vllm\[1\]\.model: mistral-7b-instruct-neuron is a MistralForCausalLM \(model type mistral\), which NxD Inference 0\.8\.16251/,
    );
    expect(() => checkNeuronRuntime(field, mistral, inf2, neuronImageTag())).not.toThrow();
    expect(() => checkNeuronRuntime(field, mistral, inf2, 'not-catalogued')).toThrow(
      /is not in clusters\/catalog/,
    );
  });
});
