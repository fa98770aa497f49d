import { defineEnvironment } from './lib/environment.js';

/** Production: on-demand for serving, NAT per AZ, internal load balancers, real sign-in. */
export default defineEnvironment({
  name: 'prod',
  tier: 'production',
  region: 'us-west-2',
  availabilityZones: ['us-west-2a', 'us-west-2b', 'us-west-2c'],
  vpcCidr: '10.20.0.0/16',
  natGateways: 'one-per-az',
  endpoint: { publicAccess: false, publicAccessCidrs: [] },
  systemNodeGroup: { instanceType: 'm5.xlarge', size: 2 },
  pools: {
    cpu: {
      instanceFamilies: ['c6i', 'c7i', 'm6i', 'm7i', 'r6i', 'r7i'],
      capacityTypes: ['on-demand'],
      cpuLimit: 512,
      memoryLimitGiB: 2048,
    },
    nvidia: {
      instanceFamilies: ['g5', 'g6', 'g6e'],
      capacityTypes: ['on-demand'],
      cpuLimit: 768,
      memoryLimitGiB: 3072,
      acceleratorLimit: 64,
    },
    neuron: {
      instanceFamilies: ['inf2', 'trn1'],
      capacityTypes: ['on-demand'],
      cpuLimit: 384,
      memoryLimitGiB: 1536,
      acceleratorLimit: 32,
    },
  },
  modelData: {
    fsxStorageGiB: 2400,
    fsxThroughputPerTiB: 250,
    disasterRecovery: { role: 'source', replicaEnvironment: 'prod-dr' },
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
        scaling: { minReplicas: 2, maxReplicas: 4 },
      },
      {
        name: 'mistral',
        model: 'mistral-7b-instruct-neuron',
        pool: 'neuron',
        instanceType: 'inf2.8xlarge',
        tensorParallelSize: 2,
        maxModelLen: 4096,
        scaling: { minReplicas: 2, maxReplicas: 4 },
      },
    ],
    openWebUI: { backends: ['llama3', 'mistral'], storageGiB: 50 },
    jupyterhub: { gpuProfile: { instanceType: 'g5.2xlarge' }, idleCullMinutes: 60, homeGiB: 100 },
    dogbooth: {
      modelId: 'askulkarni2/dogbooth',
      workerInstanceType: 'g5.2xlarge',
      minWorkers: 1,
      maxWorkers: 4,
    },
    pipeline: {
      gpuInstanceType: 'g5.2xlarge',
      learningRates: ['1e-6', '2e-6', '5e-6'],
      maxTrainSteps: 800,
      parallelism: 3,
    },
  },
});
