/**
 * Bad inputs the old suites checked (test/platform.test.ts, test/workloads.test.ts) that the table
 * in test/support/bad-inputs.ts does not hold yet: same world, same shape. To be merged into
 * `BAD_INPUTS` (test/environments.test.ts checks every entry there).
 */
import type { BadInput } from './bad-inputs.js';
import type { Props } from './fixtures.js';

// Bad values are written through `unknown`: they are what a user's file may hold, not what the
// types allow.
const set = (target: object, key: string, value: unknown) => {
  (target as Record<string, unknown>)[key] = value;
};
const vllm = (p: Props, i: number) => p.workloads!.vllm[i]!;

export const BAD_INPUTS_EXTRA: readonly BadInput[] = [
  {
    what: 'a GPU family in the Neuron pool',
    edit: (w) => set(w.standby.pools.neuron, 'instanceFamilies', ['inf2', 'p5']),
    message:
      /^clusters\/standby\.ts \(standby\): pools\.neuron\.instanceFamilies\[1\]: "p5" is not a Neuron instance family/,
  },
  {
    what: 'a vLLM deployment name Kubernetes would reject',
    edit: (w) => set(vllm(w.dev, 0), 'name', 'Llama_3'),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.vllm\[0\]\.name: "Llama_3" is not a valid Kubernetes name/,
  },
  {
    what: 'a GPU memory utilization above 0.99',
    edit: (w) => set(vllm(w.live, 0), 'gpuMemoryUtilization', 1.5),
    message:
      /^clusters\/live\.ts \(live\): workloads\.vllm\[0\]\.gpuMemoryUtilization: must be at most 0\.99, got 1\.5$/,
  },
  {
    what: 'more vLLM replicas than the pool’s CPU limit holds',
    edit: (w) => set(vllm(w.dev, 0), 'replicas', 25),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.vllm\[0\]\.replicas: 25 x g5\.xlarge \(4 vCPUs each\) exceeds the nvidia pool's cpuLimit of 96$/,
  },
  {
    what: 'a learning rate that is not a number',
    edit: (w) => set(w.dev.workloads!.pipeline!, 'learningRates', ['fast']),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.pipeline\.learningRates\[0\]: "fast" is not a learning rate like 2e-6$/,
  },
  {
    what: 'a dogbooth model id that is not a Hugging Face repository',
    edit: (w) => set(w.dev.workloads!.dogbooth!, 'modelId', 'dogbooth'),
    message:
      /^clusters\/dev\.ts \(dev\): workloads\.dogbooth\.modelId: "dogbooth" is not a Hugging Face repository id \(owner\/name\)$/,
  },
];
