import { defineEnvironment } from './lib/environment.js';

/** Disaster recovery for prod in a second region: receives prod's model data, runs the same workloads. */
export default defineEnvironment({
  name: 'prod-dr',
  tier: 'production',
  region: 'us-east-2',
  availabilityZones: ['us-east-2a', 'us-east-2b', 'us-east-2c'],
  vpcCidr: '10.30.0.0/16',
  natGateways: 'one-per-az',
  endpoint: { publicAccess: false, publicAccessCidrs: [] },
  systemNodeGroup: { instanceType: 'm5.xlarge', size: 2 },
  pools: {
    cpu: {
      instanceFamilies: ['c6i', 'c7i', 'm6i', 'm7i', 'r6i', 'r7i'],
      capacityTypes: ['on-demand'],
      cpuLimit: 256,
      memoryLimitGiB: 1024,
    },
    nvidia: {
      instanceFamilies: ['g5', 'g6', 'g6e'],
      capacityTypes: ['on-demand'],
      cpuLimit: 384,
      memoryLimitGiB: 1536,
      acceleratorLimit: 32,
    },
    neuron: {
      instanceFamilies: ['inf2'],
      capacityTypes: ['on-demand'],
      cpuLimit: 192,
      memoryLimitGiB: 768,
      acceleratorLimit: 16,
    },
  },
  modelData: {
    fsxStorageGiB: 2400,
    fsxThroughputPerTiB: 250,
    disasterRecovery: { role: 'replica', sourceEnvironment: 'prod' },
  },
  exposure: { openTo: [] },
  authentication: { kind: 'cognito' },
  // Production hardening takes the tier's defaults (deletion protection, zonal shift, encrypted
  // control-plane logs, ...); besides the creator, this role administers the cluster. Create it
  // (or name yours) before the cluster stage applies: docs/infra.md, "Before you start".
  hardening: { administratorRoles: ['genai-eks-admin'] },
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
        scaling: { minReplicas: 1, maxReplicas: 2 },
      },
      {
        name: 'mistral',
        model: 'mistral-7b-instruct-neuron',
        pool: 'neuron',
        instanceType: 'inf2.8xlarge',
        tensorParallelSize: 2,
        maxModelLen: 4096,
        scaling: { minReplicas: 1, maxReplicas: 2 },
      },
    ],
    openWebUI: { backends: ['llama3', 'mistral'], storageGiB: 20 },
    jupyterhub: { gpuProfile: { instanceType: 'g5.2xlarge' }, idleCullMinutes: 60, homeGiB: 100 },
    dogbooth: {
      modelId: 'askulkarni2/dogbooth',
      workerInstanceType: 'g5.2xlarge',
      minWorkers: 1,
      maxWorkers: 2,
    },
    pipeline: {
      gpuInstanceType: 'g5.2xlarge',
      learningRates: ['1e-6', '2e-6', '5e-6'],
      maxTrainSteps: 800,
      parallelism: 2,
    },
  },
});
