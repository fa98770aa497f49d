/**
 * The model data path contract (issue 14, defect 3): an S3 key of the model bucket, the FSx path
 * the data repository association links it to, the volume and the container path are one
 * mapping. Checked across the layers of every environment of the repository: the association as
 * Terraform renders it (infra/), the PersistentVolumes and pods as Kubernetes renders them
 * (apps/), and what the fine-tuning pipeline publishes against what the Serve app reads.
 */
import { describe, expect, test } from 'vitest';
import { MODEL_DATA, modelDataPath } from '../clusters/contract.js';
import type { EnvironmentObjects } from '../review/objects.js';
import { envValue, mountOf, type PodTemplate, podTemplates, type RenderedContainer } from './support/pods.js';
import { repository } from './support/repository.js';

// biome-ignore lint/suspicious/noExplicitAny: rendered objects are read field by field.
type Any = any;

interface Association {
  /** FSx directory linked to the bucket. */
  readonly fsxPath: string;
  /** Key prefix in the bucket (`models/`). */
  readonly prefix: string;
}

/** The FSx data repository association of an environment, as its Terraform renders it. */
function association(objects: EnvironmentObjects): Association {
  const blocks = [...objects.terraform.values()].filter(
    (b) => b.type === 'aws_fsx_data_repository_association',
  );
  expect(blocks, `${objects.env}: one data repository association`).toHaveLength(1);
  const body = blocks[0]!.body as Any;
  const m = /^s3:\/\/[^/]+\/(.*)$/.exec(body.data_repository_path);
  if (!m)
    throw new Error(
      `${objects.env}: data_repository_path ${body.data_repository_path} is not s3://bucket/prefix`,
    );
  return { fsxPath: body.file_system_path, prefix: m[1]! };
}

const claimIndex = new WeakMap<EnvironmentObjects, Map<string, Any>>();

/** PersistentVolumes by the claim they are bound to (`namespace/name`). */
function volumesByClaim(objects: EnvironmentObjects): Map<string, Any> {
  let index = claimIndex.get(objects);
  if (!index) {
    index = new Map();
    for (const o of objects.kubernetes.values()) {
      const ref = o.kind === 'PersistentVolume' ? (o.manifest as Any).spec.claimRef : undefined;
      if (ref) index.set(`${ref.namespace}/${ref.name}`, o.manifest);
    }
    claimIndex.set(objects, index);
  }
  return index;
}

/** FSx file system path of `path` in container `c`, or undefined when it is not on an FSx volume. */
function fsxPathOf(
  objects: EnvironmentObjects,
  pod: PodTemplate,
  c: RenderedContainer,
  path: string,
): string | undefined {
  const mount = mountOf(c, path);
  if (!mount) return undefined;
  const volume = pod.volumes.find((v) => v.name === mount.name);
  const claim = volume?.persistentVolumeClaim?.claimName;
  if (!claim) return undefined;
  const pv = volumesByClaim(objects).get(`${pod.namespace}/${claim}`);
  expect(pv, `${pod.where}: the PersistentVolume of claim ${claim}`).toBeDefined();
  if (pv.spec.csi?.driver !== 'fsx.csi.aws.com') return undefined;
  // The volume is the file system's root; subPath selects a directory of it.
  const rest = path.slice(mount.mountPath.length);
  return `/${mount.subPath ?? ''}${rest}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
}

const inside = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);

/** S3 key of an FSx path inside the association, else undefined. */
function s3KeyOf(a: Association, fsxPath: string): string | undefined {
  return inside(fsxPath, a.fsxPath) ? `${a.prefix}${fsxPath.slice(a.fsxPath.length + 1)}` : undefined;
}

/** The paths a container reads from the model bucket: the model a vLLM server loads and the dogbooth release pointer. */
function bucketReads(c: RenderedContainer): string[] {
  const reads: string[] = [];
  const model = c.args?.[0];
  if (c.command?.join(' ') === 'vllm serve' && model?.startsWith('/')) reads.push(model);
  const pointer = envValue(c, 'DOGBOOTH_POINTER');
  if (pointer) reads.push(pointer);
  return reads;
}

describe('the path contract', () => {
  test('one place, named by each layer: S3 key, FSx path and container path agree', () => {
    const p = modelDataPath('linked', 'org/model');
    expect(p.s3Key).toBe(`${MODEL_DATA.linked.s3Prefix}org/model`);
    expect(p.fsxPath).toBe(`${MODEL_DATA.linked.fsxPath}/org/model`);
    expect(p.containerPath).toBe(`${MODEL_DATA.linked.mountPath}/org/model`);
    expect(modelDataPath('cache', 'x').s3Key).toBeUndefined();
    for (const bad of ['/abs', 'a/../b', 'a//b', '.']) {
      expect(() => modelDataPath('linked', bad), bad).toThrow(/must be relative/);
    }
  });

  test('every path a container reads from the model bucket is an FSx path the association links to it', async () => {
    const { envs, objects } = await repository();
    let checked = 0;
    for (const env of envs) {
      const o = objects.get(env.name)!;
      const a = association(o);
      for (const k of o.kubernetes.values()) {
        for (const pod of podTemplates(k.manifest)) {
          for (const c of pod.containers) {
            for (const path of bucketReads(c)) {
              const fsx = fsxPathOf(o, pod, c, path);
              expect(
                fsx,
                `${env.name}: ${pod.where} ${c.name} reads ${path}, which is on no FSx volume`,
              ).toBeDefined();
              expect(
                s3KeyOf(a, fsx!),
                `${env.name}: ${pod.where} ${c.name} reads ${path} = FSx ${fsx}, outside the association ${a.fsxPath} <- s3://…/${a.prefix}`,
              ).toBeDefined();
              checked++;
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  test('what the pipeline publishes is what the Serve app reads: the pointer and the release it names', async () => {
    const { envs, objects } = await repository();
    let checked = 0;
    for (const env of envs) {
      if (!env.workloads.pipeline || !env.workloads.dogbooth) continue;
      const o = objects.get(env.name)!;
      const a = association(o);
      const all = [...o.kubernetes.values()];
      const wt = all.find((k) => k.kind === 'WorkflowTemplate')!.manifest as Any;
      const deploy = wt.spec.templates.find((t: Any) => t.name === 'deploy');
      const key = (name: string): string => deploy.outputs.artifacts.find((x: Any) => x.name === name).s3.key;
      // The published keys are under the linked prefix, so FSx imports them.
      for (const name of ['current', 'release']) {
        expect(key(name).startsWith(a.prefix), `${env.name}: ${name} key ${key(name)}`).toBe(true);
      }
      const fsxOfKey = (k: string) => `${a.fsxPath}/${k.slice(a.prefix.length)}`;
      const release = deploy.script.env.find((e: Any) => e.name === 'RELEASE').value;
      // The Ray workers' view of the same files.
      const rs = all.find((k) => k.kind === 'RayService')!;
      const workers = podTemplates(rs.manifest).filter((p) => p.where.includes('workerGroupSpecs'));
      expect(workers.length).toBeGreaterThan(0);
      for (const pod of workers) {
        const c = pod.containers.find((x) => envValue(x, 'DOGBOOTH_POINTER'))!;
        expect(fsxPathOf(o, pod, c, envValue(c, 'DOGBOOTH_POINTER')!), `${env.name}: pointer`).toBe(
          fsxOfKey(key('current')),
        );
        const root = envValue(c, 'DOGBOOTH_MODELS_ROOT')!;
        expect(fsxPathOf(o, pod, c, `${root}/${release}`), `${env.name}: release`).toBe(
          fsxOfKey(key('release')),
        );
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});
