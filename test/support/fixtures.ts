/**
 * Fixture environments for tests: complete, valid environments built here (never copied from
 * clusters/, which a user edits), each with every workload, so tests that need "an environment
 * with X" do not depend on what the repository's environments contain.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KubeManifest, renderCluster } from '../../apps/index.js';
import type { EnvironmentProps } from '../../clusters/lib/environment.js';
import { type Environment, resolveEnvironments } from '../../clusters/lib/resolve.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };
/** An environment's props, writable (tests edit fixtures in place). */
export type Props = Mutable<EnvironmentProps>;

/**
 * A complete development environment named `name`; `index` picks a distinct VPC CIDR
 * (10.<200 + index>.0.0/16), so fixtures of one test never overlap.
 */
export function fixture(name = 'fixture', index = 0): Props {
  return {
    name,
    tier: 'development',
    region: 'us-west-2',
    availabilityZones: ['us-west-2a', 'us-west-2b'],
    vpcCidr: `10.${200 + index}.0.0/16`,
    natGateways: 'single',
    endpoint: { publicAccess: false, publicAccessCidrs: [] },
    systemNodeGroup: { instanceType: 'm5.xlarge', size: 2 },
    pools: {
      cpu: { instanceFamilies: ['m6i'], capacityTypes: ['on-demand'], cpuLimit: 64, memoryLimitGiB: 256 },
      nvidia: {
        instanceFamilies: ['g5'],
        capacityTypes: ['on-demand'],
        cpuLimit: 96,
        memoryLimitGiB: 384,
        acceleratorLimit: 8,
      },
      neuron: {
        instanceFamilies: ['inf2'],
        capacityTypes: ['on-demand'],
        cpuLimit: 64,
        memoryLimitGiB: 256,
        acceleratorLimit: 2,
      },
    },
    modelData: { fsxStorageGiB: 1200, fsxThroughputPerTiB: 125 },
    exposure: { openTo: [] },
    authentication: { kind: 'dummy' },
    workloads: {
      vllm: [
        {
          name: 'gpu',
          model: 'llama-3-8b-instruct',
          pool: 'nvidia',
          instanceType: 'g5.xlarge',
          tensorParallelSize: 1,
          maxModelLen: 4096,
          replicas: 1,
        },
        {
          name: 'inf',
          model: 'mistral-7b-instruct-neuron',
          pool: 'neuron',
          instanceType: 'inf2.8xlarge',
          tensorParallelSize: 2,
          maxModelLen: 4096,
          replicas: 1,
        },
      ],
      openWebUI: { backends: ['gpu', 'inf'] },
      jupyterhub: { gpuProfile: { instanceType: 'g5.2xlarge' } },
      dogbooth: { modelId: 'example-org/dogbooth', workerInstanceType: 'g5.2xlarge' },
      pipeline: { gpuInstanceType: 'g5.2xlarge', learningRates: ['1e-6', '2e-6'] },
    },
  } as Props;
}

/** Resolves fixtures as the loader would (file `clusters/<name>.ts`); throws EnvironmentError. */
export function resolve(...props: EnvironmentProps[]): Environment[] {
  return resolveEnvironments(props.map((value) => ({ file: `clusters/${value.name}.ts`, value })));
}

/** A rendered object with its Flux layer. */
export interface Rendered {
  readonly layer: string;
  readonly manifest: KubeManifest;
}

/** The Kubernetes objects of one fixture environment (others, if given, are rendered with it). */
export function renderFixture(props: EnvironmentProps, ...others: EnvironmentProps[]): Rendered[] {
  const all = resolve(props, ...others);
  const env = all.find((e) => e.name === props.name)!;
  // Through JSON, as the writer does: cdk8s objects become plain data.
  return renderCluster(env, all).map((o) => ({ layer: o.layer, manifest: JSON.parse(JSON.stringify(o.manifest)) }));
}

/** Finds one object by kind and name (and namespace). */
export function find(objects: readonly Rendered[], kind: string, name: string, namespace?: string): KubeManifest {
  const found = objects.filter(
    (o) =>
      o.manifest.kind === kind &&
      o.manifest.metadata.name === name &&
      (namespace === undefined || o.manifest.metadata.namespace === namespace),
  );
  if (found.length !== 1) throw new Error(`expected one ${kind} ${namespace ?? '*'}/${name}, found ${found.length}`);
  return found[0]!.manifest;
}

/** A clusters folder in a temporary directory holding `props` as environment files (plain data). */
export function clustersDir(...props: unknown[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'genai-eks-clusters-'));
  for (const p of props) {
    const name = (p as { name?: unknown }).name;
    writeFileSync(join(dir, `${typeof name === 'string' ? name : 'unnamed'}.ts`), `export default ${JSON.stringify(p, null, 2)};\n`);
  }
  return dir;
}
