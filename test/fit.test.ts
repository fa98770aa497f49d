/**
 * Sizing (issue 14, defects 9 and 10): what a pod requests on its node, and what a model server
 * holds in device memory. Figures are checked against published ones with their source, never
 * against the formulas again; fixture environments only (test/support/fixtures.ts).
 */
import { describe, expect, test } from 'vitest';
import { PLACEMENT_ANNOTATION } from '../apps/workloads/placement.js';
import { INFERENCE_NAMESPACE, vllmServiceName } from '../apps/workloads/vllm/index.js';
import { INSTANCE_TYPES, maxPods } from '../clusters/catalog/instances.js';
import { kvCacheGB, type LanguageModel, MODEL_CATALOGUE, weightsGB } from '../clusters/catalog/models.js';
import { PLATFORM_DAEMONS } from '../clusters/catalog/node-daemons.js';
import {
  activationsGB,
  kubeReservedCpuMillicores,
  kubeReservedMemoryMiB,
  NEURON_BATCH,
  nodeBudget,
  podShare,
} from '../clusters/lib/fit.js';
import { EnvironmentError } from '../clusters/lib/resolve.js';
import { fixture, type Props, resolve } from './support/fixtures.js';
import { find, renderFixture } from './support/render.js';

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are read field by field.
type Any = any;
const GB = 1e9;
const GiB = 2 ** 30;

const llm = (id: string): LanguageModel => {
  const m = MODEL_CATALOGUE.get(id);
  if (m?.kind !== 'llm') throw new Error(`${id} is not a catalogued language model`);
  return m;
};
const instance = (name: string) => {
  const t = INSTANCE_TYPES.get(name);
  if (!t) throw new Error(`${name} is not catalogued`);
  return t;
};

function problems(props: Props): string[] {
  try {
    resolve(props);
  } catch (e) {
    if (e instanceof EnvironmentError) return [...e.problems];
    throw e;
  }
  return [];
}

describe('the node a pod lands on', () => {
  test('the kubelet reservation matches Karpenter’s own expectation for a 4-vCPU, 4 x 15 ENI instance', () => {
    // aws/karpenter-provider-aws@v1.14.1:pkg/providers/instancetype/suite_test.go, "should use
    // defaults when no kubelet is specified" for m5.xlarge: kube-reserved 80m CPU, 893Mi memory.
    // g5.xlarge has the same 4 vCPUs and 4 ENIs x 15 IPv4 addresses (nodeadm instance-info.jsonl).
    const g5 = instance('g5.xlarge');
    expect(g5.vcpus).toBe(4);
    expect(kubeReservedCpuMillicores(g5.vcpus)).toBe(80);
    expect(kubeReservedMemoryMiB(maxPods(g5))).toBe(893);
  });

  test('the old request (vCPUs - 1 of g5.xlarge) exceeds what the node can give a pod', () => {
    // The request before: 3 CPUs on a 4-vCPU instance. What is left for pods once the kubelet's
    // reservation and the DaemonSets of the nvidia pool are taken is less.
    const budget = nodeBudget('nvidia', instance('g5.xlarge'));
    const left = budget.allocatable.cpuMillicores - budget.daemons.cpuMillicores;
    expect(left).toBeLessThan(3000);
    const share = podShare('nvidia', instance('g5.xlarge'), 1);
    expect(share.cpuMillicores).toBeLessThanOrEqual(left);
    expect(share.memoryMiB).toBeLessThanOrEqual(budget.allocatable.memoryMiB - budget.daemons.memoryMiB);
  });

  test('the DaemonSets of the platform run with the requests the sizing subtracts (one table for both)', () => {
    const objects = renderFixture(fixture());
    const values = (name: string): Any => (find(objects, 'HelmRelease', name) as Any).spec.values;
    const table = (k: keyof typeof PLATFORM_DAEMONS) => ({
      cpu: `${PLATFORM_DAEMONS[k].cpuMillicores}m`,
      memory: `${PLATFORM_DAEMONS[k].memoryMiB}Mi`,
    });
    expect(values('nvidia-device-plugin').resources.requests).toEqual(table('nvidiaDevicePlugin'));
    expect(values('nvidia-device-plugin').resources.requests).toEqual(table('gpuFeatureDiscovery'));
    expect(values('nvidia-device-plugin').nfd.worker.resources.requests).toEqual(
      table('nodeFeatureDiscoveryWorker'),
    );
    expect(values('dcgm-exporter').resources.requests).toEqual(table('dcgmExporter'));
    expect(values('aws-efa-k8s-device-plugin').resources.requests).toEqual(table('efaDevicePlugin'));
  });

  test('every accelerated pod requests at most its share of what its node gives pods', () => {
    const [env] = resolve(fixture());
    const shares = [
      ...env!.workloads.vllm.map((v) => [v.name, v.placement] as const),
      ['dogbooth', env!.workloads.dogbooth!.placement] as const,
      ['jupyterhub', env!.workloads.jupyterhub!.gpu] as const,
      ['pipeline', env!.workloads.pipeline!.gpu] as const,
    ];
    for (const [what, s] of shares) {
      const devices = 'devices' in s ? s.devices : 1;
      const fraction = devices / s.instance.devices;
      const free = {
        cpu: s.node.allocatable.cpuMillicores - s.node.daemons.cpuMillicores,
        memory: s.node.allocatable.memoryMiB - s.node.daemons.memoryMiB,
      };
      expect(s.cpuMillicores, what).toBeLessThanOrEqual(free.cpu * fraction);
      expect(s.memoryMiB, what).toBeLessThanOrEqual(free.memory * fraction);
      expect(s.node.daemons.cpuMillicores, `${what}: DaemonSets counted`).toBeGreaterThan(0);
    }
  });
});

describe('device memory', () => {
  test('the activation estimate matches the peak vLLM measured for Meta-Llama-3-8B', () => {
    // https://github.com/vllm-project/vllm/pull/10511 (maintainer's sanity check): Meta-Llama-3-8B,
    // 8192 batched tokens, 256 sequences: "PyTorch activation peak memory 1.26GiB", on one GPU
    // and on each of two.
    const estimate = activationsGB(llm('llama-3-8b-instruct'), 8192, 256) * GB;
    expect(Math.abs(estimate / (1.26 * GiB) - 1)).toBeLessThan(0.02);
  });

  test('a deployment that fitted weights + one sequence’s KV cache but not the real terms is refused', () => {
    const props = fixture();
    props.workloads!.vllm = [
      { ...props.workloads!.vllm[0]!, maxModelLen: 8192, gpuMemoryUtilization: 0.8 } as never,
    ];
    props.workloads!.openWebUI = { backends: [props.workloads!.vllm[0]!.name] };
    const model = llm('llama-3-8b-instruct');
    const available = 24 * 0.8;
    // The check before: weights and one 8192-token sequence of KV cache fit in 24 GB x 0.80.
    expect(weightsGB(model) + kvCacheGB(model, 8192)).toBeLessThan(available);
    expect(problems(props)).toEqual([
      expect.stringMatching(
        /workloads\.vllm\[0\]\.instanceType: model needs [\d.]+ GB \(weights [\d.]+ GB \+ KV cache [\d.]+ GB for one 8192-token sequence \+ activations [\d.]+ GB for 2048 batched tokens on 1 GPU\(s\) \+ CUDA context and other non-torch memory [\d.]+ GB on 1 GPU\(s\)\), g5\.xlarge offers 1 x 24 GB x 0\.80 = 19\.2 GB/,
      ),
    ]);
  });

  test('CUDA graphs need room outside gpuMemoryUtilization', () => {
    const props = fixture();
    Object.assign(props.workloads!.vllm[0]!, { gpuMemoryUtilization: 0.97, maxModelLen: 2048 });
    expect(problems(props)).toEqual([
      expect.stringMatching(/workloads\.vllm\[0\]\.gpuMemoryUtilization: vLLM captures CUDA graphs outside/),
    ]);
  });

  test('Neuron holds the KV cache of the whole compiled batch: 32k tokens fitted as one sequence, not as four', () => {
    const props = fixture();
    Object.assign(props.workloads!.vllm[1]!, { maxModelLen: 32768 });
    const model = llm('mistral-7b-instruct-neuron');
    // The check before: one 32768-token sequence next to the weights in one Inferentia2 device's 32 GB.
    expect(weightsGB(model) + kvCacheGB(model, 32768)).toBeLessThan(32);
    expect(NEURON_BATCH).toBeGreaterThan(1);
    expect(problems(props)).toEqual([
      expect.stringMatching(
        /workloads\.vllm\[1\]\.instanceType: model needs [\d.]+ GB \(weights [\d.]+ GB \+ KV cache [\d.]+ GB for the compiled batch of 4 x 32768 tokens \+ activations .*\), inf2\.8xlarge offers 1 x 32 GB - 2 NeuronCores x 0\.101 GB runtime micro-code = 31\.8 GB/,
      ),
    ]);
  });

  test('the placement annotation carries every term, adding up to the requirement, and the requests', () => {
    const props = fixture();
    const objects = renderFixture(props);
    const [env] = resolve(props);
    for (const v of env!.workloads.vllm) {
      const d = find(objects, 'Deployment', vllmServiceName(v.name), INFERENCE_NAMESPACE) as Any;
      const a = JSON.parse(d.metadata.annotations[PLACEMENT_ANNOTATION]);
      const sum = Object.values(a.terms as Record<string, number>).reduce((x, y) => x + y, 0);
      expect(Object.keys(a.terms).length, v.name).toBeGreaterThanOrEqual(3);
      expect(sum, v.name).toBeCloseTo(a.requiredGB, 0);
      const requests = d.spec.template.spec.containers[0].resources.requests;
      expect(a.requests, v.name).toEqual({ cpu: requests.cpu, memory: requests.memory });
    }
  });
});
