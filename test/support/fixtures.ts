/**
 * Fixture environments for tests: complete, valid environments built here (never copied from
 * clusters/, which a user edits), each with every workload, so tests that need "an environment
 * with X" do not depend on what the repository's environments contain.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnvironmentProps } from '../../clusters/lib/environment.js';
import { type Environment, resolveEnvironments } from '../../clusters/lib/resolve.js';

type Mutable<T> = T extends readonly (infer U)[]
  ? Mutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Mutable<T[K]> }
    : T;
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
        // One replica, its rolling-update surge and the compile Job (clusters/lib/capacity.ts).
        cpuLimit: 96,
        memoryLimitGiB: 384,
        acceleratorLimit: 3,
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

/** A clusters folder in a temporary directory holding `props` as environment files (plain data). */
export function clustersDir(...props: unknown[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'genai-eks-clusters-'));
  for (const p of props) {
    const name = (p as { name?: unknown }).name;
    writeFileSync(
      join(dir, `${typeof name === 'string' ? name : 'unnamed'}.ts`),
      `export default ${JSON.stringify(p, null, 2)};\n`,
    );
  }
  return dir;
}
