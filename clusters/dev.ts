import { defineEnvironment } from './lib/environment.js';

/** Development: cost first. One NAT gateway, spot wherever a restart is acceptable, small limits. */
export default defineEnvironment({
  name: 'dev',
  tier: 'development',
  region: 'us-west-2',
  availabilityZones: ['us-west-2a', 'us-west-2b', 'us-west-2c'],
  vpcCidr: '10.10.0.0/16',
  natGateways: 'single',
  endpoint: { publicAccess: false, publicAccessCidrs: [] },
  systemNodeGroup: { instanceType: 'm5.xlarge', size: 2 },
  pools: {
    cpu: {
      instanceFamilies: ['c6i', 'c7i', 'm6i', 'm7i', 'r6i', 'r7i'],
      capacityTypes: ['spot', 'on-demand'],
      cpuLimit: 256,
      memoryLimitGiB: 1024,
    },
    nvidia: {
      instanceFamilies: ['g5', 'g6', 'g6e'],
      capacityTypes: ['spot', 'on-demand'],
      cpuLimit: 192,
      memoryLimitGiB: 768,
      // 9 GPUs at peak (clusters/lib/capacity.ts): llama3 at maxReplicas 2 + 1 rolling-update surge,
      // a dogbooth upgrade's 3 workers, 2 pipeline steps, 1 GPU notebook; one spare.
      acceleratorLimit: 10,
      // dev: cost first, so busy GPU nodes are consolidated too (serving may restart).
      consolidationPolicy: 'WhenEmptyOrUnderutilized',
    },
    neuron: {
      instanceFamilies: ['inf2'],
      capacityTypes: ['spot', 'on-demand'],
      // 4 x inf2.8xlarge at peak (clusters/lib/capacity.ts): mistral at maxReplicas 2 + 1
      // rolling-update surge + the compile Job a configuration change runs beside it.
      cpuLimit: 128,
      memoryLimitGiB: 512,
      acceleratorLimit: 4,
    },
  },
  modelData: { fsxStorageGiB: 1200, fsxThroughputPerTiB: 125 },
  exposure: { openTo: [] },
  authentication: { kind: 'dummy' },
  // --- workloads ---
  workloads: {
    vllm: [
      {
        name: 'llama3',
        model: 'llama-3-8b-instruct',
        pool: 'nvidia',
        instanceType: 'g5.xlarge',
        tensorParallelSize: 1,
        maxModelLen: 8192,
        gpuMemoryUtilization: 0.9,
        // dev: scale to zero outside working hours when idle (clusters/lib/scaling.ts).
        scaling: {
          minReplicas: 0,
          maxReplicas: 2,
          activeHours: { timezone: 'America/Los_Angeles', start: '0 8 * * 1-5', end: '0 19 * * 1-5' },
        },
        // Streamed from the model bucket: a g5.xlarge's 2.5 Gbit/s beats this file system's
        // 146 MB/s (docs/environments.md, "Cold start").
        start: { weights: 's3' },
      },
      {
        name: 'mistral',
        model: 'mistral-7b-instruct-neuron',
        pool: 'neuron',
        instanceType: 'inf2.8xlarge',
        tensorParallelSize: 2,
        maxModelLen: 4096,
        scaling: {
          minReplicas: 0,
          maxReplicas: 2,
          activeHours: { timezone: 'America/Los_Angeles', start: '0 8 * * 1-5', end: '0 19 * * 1-5' },
        },
      },
    ],
    openWebUI: { backends: ['llama3', 'mistral'], storageGiB: 20 },
    jupyterhub: { gpuProfile: { instanceType: 'g5.2xlarge' }, idleCullMinutes: 60, homeGiB: 100 },
    dogbooth: {
      modelId: 'askulkarni2/dogbooth',
      workerInstanceType: 'g5.2xlarge',
      minWorkers: 1,
      maxWorkers: 2,
      // Development only: the Ray dashboard has no sign-in.
      dashboardRoute: true,
    },
    pipeline: {
      gpuInstanceType: 'g5.2xlarge',
      learningRates: ['1e-6', '2e-6', '5e-6'],
      maxTrainSteps: 800,
      parallelism: 2,
    },
  },
});
