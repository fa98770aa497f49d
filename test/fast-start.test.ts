/**
 * Fast model start (issue 18, part 1): staging once at the pinned revision, replicas that never
 * download, weights from FSx or streamed from S3, compile caches, and the settings derived from
 * the modelled cold start. Constructs on fixture environments; "holds in every environment" checks
 * on the shared render of the repository. Bad start settings are in test/support/bad-inputs.ts.
 */
import { describe, expect, test } from 'vitest';
import { SCRATCH } from '../apps/workloads/images.js';
import {
  compileCacheKey,
  INFERENCE_NAMESPACE,
  neuronCompileKey,
  VLLM_READER,
  vllmServiceName,
} from '../apps/workloads/vllm/index.js';
import { STAGING, STAGING_CONFIGMAP, stagedModel } from '../apps/workloads/vllm/staging.js';
import { MODEL_CATALOGUE, type PinnedSource } from '../clusters/catalog/models.js';
import {
  compileCachePath,
  contractRef,
  MODEL_DATA,
  MODEL_STAGED_MARKER,
  neuronArtifactsPath,
  stagedModelPath,
} from '../clusters/contract.js';
import {
  APPS_TIMEOUT_FLOOR_MINUTES,
  appsTimeoutMinutes,
  coldStart,
  FIGURES,
  goDuration,
} from '../clusters/lib/cold-start.js';
import type { Environment } from '../clusters/lib/resolve.js';
import { durationSeconds } from '../review/cold-start.js';
import { fixture, type Props, resolve } from './support/fixtures.js';
import { envValue, type RenderedContainer } from './support/pods.js';
import { find, type Rendered, renderFixture } from './support/render.js';
import { repository } from './support/repository.js';

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are read field by field.
type Any = any;

const rendered = (props: Props) => {
  // These tests vary replicas and instance types; room in the GPU pool keeps the pool demand
  // check (clusters/lib/capacity.ts, tested in fit.test.ts) out of their way.
  Object.assign(props.pools.nvidia, { acceleratorLimit: 64, cpuLimit: 1024, memoryLimitGiB: 8192 });
  const [env] = resolve(props);
  return { env: env!, objects: renderFixture(props) };
};
const deployment = (objects: readonly Rendered[], name: string): Any =>
  find(objects, 'Deployment', vllmServiceName(name), INFERENCE_NAMESPACE);
const server = (objects: readonly Rendered[], name: string): RenderedContainer =>
  deployment(objects, name).spec.template.spec.containers[0];
const gpu = (p: Props) => p.workloads!.vllm.find((v) => v.pool === 'nvidia')!;
const sourceOf = (env: Environment, name: string) =>
  (env.workloads.vllm.find((v) => v.name === name)!.placement.model as { source: PinnedSource }).source;

describe('staging: once per model revision, under the linked prefix, before any replica starts', () => {
  const props = fixture();
  // A second deployment of the first one's model: one staging Job serves both.
  props.workloads!.vllm.push({ ...gpu(props), name: 'gpu-again' });
  const { env, objects } = rendered(props);
  const jobs = objects
    .filter((o) => o.manifest.kind === 'Job' && o.manifest.metadata.namespace === STAGING.namespace)
    .map((o) => o.manifest as Any);

  test('one Job per distinct model revision, copying it from the Hub at the pinned revision into the bucket', () => {
    const sources = new Map(
      env.workloads.vllm.map((d) => {
        const s = sourceOf(env, d.name);
        return [`${s.repo}@${s.revision}`, s];
      }),
    );
    expect(jobs).toHaveLength(sources.size);
    for (const s of sources.values()) {
      const job = jobs.find((j) => j.metadata.name === stagedModel(s).job);
      expect(job, s.repo).toBeDefined();
      const spec = job.spec.template.spec;
      const c = spec.containers[0] as RenderedContainer;
      expect(envValue(c, 'REPO')).toBe(s.repo);
      expect(envValue(c, 'REVISION')).toBe(s.revision);
      expect(envValue(c, 'BUCKET')).toBe(contractRef('MODEL_BUCKET'));
      expect(envValue(c, 'PREFIX')).toBe(stagedModelPath(s).s3Key);
      expect(envValue(c, 'PREFIX')!.startsWith(MODEL_DATA.linked.s3Prefix)).toBe(true);
      expect(envValue(c, 'MARKER')).toBe(MODEL_STAGED_MARKER);
      expect((c.env!.find((e) => e.name === 'HF_TOKEN') as Any).valueFrom).toEqual({
        secretKeyRef: { name: 'hf-token', key: 'token' },
      });
      expect(spec.serviceAccountName).toBe(STAGING.serviceAccount);
      expect(spec.volumes.find((v: Any) => v.name === 'program').configMap.name).toBe(STAGING_CONFIGMAP);
    }
    const ns = find(objects, 'Namespace', STAGING.namespace) as Any;
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(() => find(objects, 'ExternalSecret', 'hf-token', STAGING.namespace)).not.toThrow();
    expect(() => find(objects, 'ServiceAccount', STAGING.serviceAccount, STAGING.namespace)).not.toThrow();
    const program = find(objects, 'ConfigMap', STAGING_CONFIGMAP, STAGING.namespace) as Any;
    expect(Object.keys(program.data)).toEqual(['stage_model.py']);
  });

  test('every replica (and Neuron compile Job) waits for its staged revision and never downloads', () => {
    for (const d of env.workloads.vllm) {
      const pod = deployment(objects, d.name).spec.template.spec;
      const s = sourceOf(env, d.name);
      const wait = (pod.initContainers as RenderedContainer[])[0]!;
      expect(wait.name, d.name).toBe('wait-for-staged-model');
      expect(envValue(wait, 'STAGED_MODEL_DIR')).toBe(stagedModelPath(s).containerPath);
      expect(envValue(wait, 'EXPECTED')).toBe(`${s.repo} ${s.revision}`);
      const c = pod.containers[0] as RenderedContainer;
      expect(envValue(c, 'HF_HUB_OFFLINE'), d.name).toBe('1');
      expect(
        c.env!.some((e) => e.name === 'HF_TOKEN'),
        d.name,
      ).toBe(false);
    }
    // No Hugging Face token is synced where the servers run.
    expect(() => find(objects, 'ExternalSecret', 'hf-token', INFERENCE_NAMESPACE)).toThrow();
  });

  test('every served catalogue model is pinned to a full commit id', () => {
    for (const m of MODEL_CATALOGUE.values()) {
      if (m.kind === 'llm') expect(m.source.revision, m.id).toMatch(/^[0-9a-f]{40}$/);
    }
  });
});

describe('weights: the fastest documented way for their storage', () => {
  test('FSx: whole-file reads where the replica memory holds them, memory-mapped where it does not', () => {
    const small = fixture();
    const big = fixture();
    Object.assign(gpu(big), { instanceType: 'g5.8xlarge' });
    const lazy = server(rendered(small).objects, gpu(small).name).args!;
    const eager = server(rendered(big).objects, gpu(big).name).args!;
    expect(lazy).not.toContain('--safetensors-load-strategy');
    expect(
      eager.slice(
        eager.indexOf('--safetensors-load-strategy'),
        eager.indexOf('--safetensors-load-strategy') + 2,
      ),
    ).toEqual(['--safetensors-load-strategy', 'eager']);
    // Read from the staged revision's linked directory.
    expect(eager[0]).toBe(stagedModelPath(sourceOf(resolve(big)[0]!, gpu(big).name)).containerPath);
  });

  test('S3: streamed by the Run:ai Model Streamer from the staged prefix, as the read-only identity, within the pod memory', () => {
    const props = fixture();
    Object.assign(gpu(props), { start: { weights: 's3' } });
    const { env, objects } = rendered(props);
    const d = deployment(objects, gpu(props).name);
    const c = d.spec.template.spec.containers[0] as RenderedContainer & Any;
    const s = sourceOf(env, gpu(props).name);
    expect(c.args[0]).toBe(`s3://${contractRef('MODEL_BUCKET')}/${stagedModelPath(s).s3Key}`);
    expect(c.args.slice(c.args.indexOf('--load-format'), c.args.indexOf('--load-format') + 2)).toEqual([
      '--load-format',
      'runai_streamer',
    ]);
    expect(d.spec.template.spec.serviceAccountName).toBe(VLLM_READER.serviceAccount);
    expect(VLLM_READER.namespace).toBe(INFERENCE_NAMESPACE);
    expect(() =>
      find(objects, 'ServiceAccount', VLLM_READER.serviceAccount, INFERENCE_NAMESPACE),
    ).not.toThrow();
    const limitMiB = Number(String(c.resources.limits.memory).replace(/Mi$/, ''));
    const buffer = Number(envValue(c, 'RUNAI_STREAMER_MEMORY_LIMIT'));
    expect(buffer).toBeGreaterThan(0);
    expect(buffer).toBeLessThan(limitMiB * 2 ** 20);
    // FSx readers get no service account of their own.
    const fsx = deployment(objects, props.workloads!.vllm.find((v) => v.pool === 'neuron')!.name);
    expect(fsx.spec.template.spec.serviceAccountName).toBeUndefined();
  });
});

describe('compile caches: persisted and shared per configuration', () => {
  const cacheOf = (props: Props) => {
    const { env, objects } = rendered(props);
    return { env, objects, c: server(objects, gpu(props).name) };
  };

  test('shared: on the FSx cache area, keyed by vLLM image, model, tensor parallel size and GPU model', () => {
    const base = fixture();
    const { env, objects, c } = cacheOf(base);
    const key = compileCacheKey(env.workloads.vllm.find((v) => v.name === gpu(base).name)!);
    const dir = compileCachePath(key).containerPath;
    for (const v of ['VLLM_CACHE_ROOT', 'TORCHINDUCTOR_CACHE_DIR', 'TRITON_CACHE_DIR'])
      expect(envValue(c, v)!.startsWith(`${dir}/`), v).toBe(true);
    expect(dir.startsWith(`${MODEL_DATA.cache.mountPath}/`)).toBe(true);
    const other = fixture();
    Object.assign(gpu(other), { instanceType: 'g6.xlarge' });
    other.pools.nvidia.instanceFamilies = ['g5', 'g6'];
    expect(envValue(cacheOf(other).c, 'VLLM_CACHE_ROOT')).not.toBe(envValue(c, 'VLLM_CACHE_ROOT'));
    const more = fixture();
    Object.assign(gpu(more), { replicas: 3 });
    expect(envValue(cacheOf(more).c, 'VLLM_CACHE_ROOT')).toBe(envValue(c, 'VLLM_CACHE_ROOT'));
    // The directory the servers (uid 1000) write is created for them.
    const dirs = objects
      .filter(
        (o) =>
          o.manifest.kind === 'Job' && String(o.manifest.metadata.name).startsWith('model-data-directories'),
      )
      .flatMap((o) => (o.manifest as Any).spec.template.spec.containers[0].command as string[]);
    expect(dirs).toContain(`${MODEL_DATA.cache.mountPath}/vllm-compile`);
  });

  test('pod: the caches stay on the pod emptyDir', () => {
    const props = fixture();
    Object.assign(gpu(props), { start: { compileCache: 'pod' } });
    expect(envValue(cacheOf(props).c, 'VLLM_CACHE_ROOT')!.startsWith(`${SCRATCH.home}/`)).toBe(true);
  });

  test('Neuron: the compiled artifacts are keyed by the model revision too', () => {
    const [env] = resolve(fixture());
    const e = env!.workloads.vllm.find((v) => v.pool === 'neuron')!;
    expect(neuronArtifactsPath(neuronCompileKey(e)).relative).toContain(sourceOf(env!, e.name).revision);
  });
});

describe('the cold start model', () => {
  test('every figure has a source or is marked as an assumption, never both', () => {
    for (const [name, f] of Object.entries(FIGURES)) {
      const tags = ['source' in f, 'assumption' in f].filter(Boolean);
      expect(tags, name).toHaveLength(1);
    }
  });

  test('weights from FSx follow the file system, from S3 the instance bandwidth', () => {
    const start = (edit: (p: Props) => void) => {
      const p = fixture();
      edit(p);
      const [env] = resolve(p);
      const d = env!.workloads.vllm.find((v) => v.pool === 'nvidia')!;
      return coldStart(env!, d).warm.find((x) => x.name.startsWith('weight load'))!.seconds;
    };
    const fsx = start(() => {});
    expect(start((p) => Object.assign(p.modelData, { fsxThroughputPerTiB: 1000 }))).toBeLessThan(fsx);
    const streamed = (p: Props) => Object.assign(gpu(p), { start: { weights: 's3' } });
    const s3 = start(streamed);
    expect(
      start((p) => {
        streamed(p);
        Object.assign(p.modelData, { fsxThroughputPerTiB: 1000 });
      }),
    ).toBe(s3);
  });

  test('the first start is the longest; a shared compile cache makes a new replica faster than one per pod', () => {
    const [env] = resolve(fixture());
    for (const d of env!.workloads.vllm) {
      const c = coldStart(env!, d);
      expect(c.firstSeconds, d.name).toBeGreaterThan(c.warmSeconds);
      expect(c.containerSeconds, d.name).toBeGreaterThanOrEqual(c.restartSeconds);
    }
    const perPod = fixture();
    Object.assign(gpu(perPod), { start: { compileCache: 'pod' } });
    const [p] = resolve(perPod);
    const d = (e: Environment) => e.workloads.vllm.find((v) => v.pool === 'nvidia')!;
    expect(coldStart(env!, d(env!)).warmSeconds).toBeLessThan(coldStart(p!, d(p!)).warmSeconds);
  });

  test('Go durations as Flux writes them', () => {
    expect(goDuration(20)).toBe('20m');
    expect(goDuration(120)).toBe('2h');
    expect(goDuration(158)).toBe('2h38m');
    expect(durationSeconds('2h38m')).toBe(158 * 60);
    expect(durationSeconds('soon')).toBeUndefined();
  });
});

describe('derived from the modelled cold start, never shorter (every environment)', async () => {
  const repo = await repository();
  for (const env of repo.envs) {
    test(env.name, () => {
      const objects = repo.objects.get(env.name)!.kubernetes;
      const get = (id: string) => objects.get(id)?.manifest as Any;
      let longest = 0;
      for (const d of env.workloads.vllm) {
        const c = coldStart(env, d);
        longest = Math.max(longest, c.firstSeconds);
        const dep = get(`Deployment ${INFERENCE_NAMESPACE}/${vllmServiceName(d.name)}`);
        const probe = dep.spec.template.spec.containers[0].startupProbe;
        expect(probe.periodSeconds * probe.failureThreshold, d.name).toBeGreaterThanOrEqual(
          c.containerSeconds,
        );
        expect(dep.spec.progressDeadlineSeconds, d.name).toBeGreaterThanOrEqual(c.firstSeconds);
      }
      const apps = get('Kustomization flux-system/apps');
      const timeout = durationSeconds(apps.spec.timeout)!;
      expect(timeout).toBeGreaterThanOrEqual(longest);
      expect(timeout).toBeGreaterThanOrEqual(APPS_TIMEOUT_FLOOR_MINUTES * 60);
      expect(timeout).toBe(appsTimeoutMinutes(env) * 60);
    });
  }
});

describe('the identities the staging and the streaming replicas use: the linked prefix only (every environment)', async () => {
  const repo = await repository();
  const policy = (env: string, identity: string): Any[] => {
    const block = [...repo.objects.get(env)!.terraform.values()].find(
      (b) =>
        b.type === 'aws_iam_policy_document' &&
        String((b.body as Any)['//']?.metadata?.path).endsWith(`/identity/${identity}/permissions`),
    );
    expect(block, `${env}: ${identity}`).toBeDefined();
    return (block!.body as Any).statement;
  };
  const objects = `/${MODEL_DATA.linked.s3Prefix}*`;
  for (const env of repo.envs) {
    test(env.name, () => {
      for (const [identity, writes] of [
        ['modelStaging', true],
        ['modelReader', false],
      ] as const) {
        const statements = policy(env.name, identity);
        const actions = statements.flatMap((s) => s.actions as string[]);
        expect(actions, identity).not.toContain('s3:DeleteObject');
        expect(actions.includes('s3:PutObject'), identity).toBe(writes);
        for (const s of statements.filter((x) => (x.actions as string[]).some((a) => a.startsWith('s3:')))) {
          if ((s.actions as string[]).includes('s3:ListBucket')) {
            expect(s.condition, identity).toEqual([
              { test: 'StringLike', variable: 's3:prefix', values: [`${MODEL_DATA.linked.s3Prefix}*`] },
            ]);
          } else {
            for (const r of s.resources as string[])
              expect(r.endsWith(objects), `${identity}: ${r}`).toBe(true);
          }
        }
      }
    });
  }
});
