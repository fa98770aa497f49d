/**
 * What an EKS node can give to pods: the EKS optimized AMI's kubelet reservations, computed as
 * nodeadm computes them, and Karpenter's estimate of the memory a VM reports.
 *
 * Sources (read at the tag, not copied):
 * - awslabs/amazon-eks-ami@v20260724:nodeadm/internal/kubelet/config.go — `withDefaultReservedResources`:
 *   kubeReserved cpu = getCPUMillicoresToReserve (6% of the first core, 1% of the second, 0.5% of
 *   the third and fourth, 0.25% of every core above four), memory = getMemoryMebibytesToReserve
 *   (11 MiB x maxPods + 255 MiB); `evictionHard` memory.available = 100Mi; no systemReserved.
 *   (v20260724 is the newest tag of that repository readable here; versions.amiAlias pins
 *   v20260818.)
 * - awslabs/amazon-eks-ami@v20260724:nodeadm/internal/kubelet/eni_max_pods.go — maxPods =
 *   ENIs of the default network card x (IPv4 addresses per ENI - 1) + 2, with the ENI facts of
 *   nodeadm/internal/kubelet/instance-info.jsonl (ENI_FACTS below, for the types we price).
 * - aws/karpenter-provider-aws@v1.14.1:pkg/operator/options/options.go — `--vm-memory-overhead-percent`
 *   default 0.075: before it has seen a node of a type, Karpenter takes its memory capacity as the
 *   nominal memory less 7.5 %. The simulation uses that as the node's memory capacity.
 */

// The kubelet's reservations and Karpenter's VM overhead are the render's own (clusters/lib/fit.ts,
// same sources), under the names this tier uses for them.
import {
  kubeReservedCpuMillicores as cpuReservedMillicores,
  EVICTION_HARD_MEMORY_MIB,
  kubeReservedMemoryMiB as memoryReservedMebibytes,
  VM_MEMORY_OVERHEAD,
} from '../../clusters/lib/fit.js';

export { cpuReservedMillicores, EVICTION_HARD_MEMORY_MIB, memoryReservedMebibytes, VM_MEMORY_OVERHEAD };

/** [ENIs on the default network card, IPv4 addresses per ENI] per instance type (instance-info.jsonl). */
export const ENI_FACTS: Readonly<Record<string, readonly [number, number]>> = {
  'c6i.12xlarge': [8, 30],
  'c6i.16xlarge': [15, 50],
  'c6i.24xlarge': [15, 50],
  'c6i.2xlarge': [4, 15],
  'c6i.32xlarge': [15, 50],
  'c6i.4xlarge': [8, 30],
  'c6i.8xlarge': [8, 30],
  'c6i.large': [3, 10],
  'c6i.metal': [15, 50],
  'c6i.xlarge': [4, 15],
  'c7i.12xlarge': [8, 30],
  'c7i.16xlarge': [15, 50],
  'c7i.24xlarge': [15, 50],
  'c7i.2xlarge': [4, 15],
  'c7i.48xlarge': [15, 50],
  'c7i.4xlarge': [8, 30],
  'c7i.8xlarge': [8, 30],
  'c7i.large': [3, 10],
  'c7i.metal-24xl': [15, 50],
  'c7i.metal-48xl': [15, 50],
  'c7i.xlarge': [4, 15],
  'g5.12xlarge': [15, 50],
  'g5.16xlarge': [8, 30],
  'g5.24xlarge': [15, 50],
  'g5.2xlarge': [4, 15],
  'g5.48xlarge': [7, 50],
  'g5.4xlarge': [8, 30],
  'g5.8xlarge': [8, 30],
  'g5.xlarge': [4, 15],
  'g6.12xlarge': [8, 30],
  'g6.16xlarge': [15, 50],
  'g6.24xlarge': [15, 50],
  'g6.2xlarge': [4, 15],
  'g6.48xlarge': [15, 50],
  'g6.4xlarge': [8, 30],
  'g6.8xlarge': [8, 30],
  'g6.xlarge': [4, 15],
  'g6e.12xlarge': [10, 30],
  'g6e.16xlarge': [15, 50],
  'g6e.24xlarge': [10, 50],
  'g6e.2xlarge': [4, 15],
  'g6e.48xlarge': [10, 50],
  'g6e.4xlarge': [8, 30],
  'g6e.8xlarge': [8, 30],
  'g6e.xlarge': [4, 15],
  'inf2.24xlarge': [15, 50],
  'inf2.48xlarge': [15, 50],
  'inf2.8xlarge': [8, 30],
  'inf2.xlarge': [4, 15],
  'm5.12xlarge': [8, 30],
  'm5.16xlarge': [15, 50],
  'm5.24xlarge': [15, 50],
  'm5.2xlarge': [4, 15],
  'm5.4xlarge': [8, 30],
  'm5.8xlarge': [8, 30],
  'm5.large': [3, 10],
  'm5.metal': [15, 50],
  'm5.xlarge': [4, 15],
  'm6i.12xlarge': [8, 30],
  'm6i.16xlarge': [15, 50],
  'm6i.24xlarge': [15, 50],
  'm6i.2xlarge': [4, 15],
  'm6i.32xlarge': [15, 50],
  'm6i.4xlarge': [8, 30],
  'm6i.8xlarge': [8, 30],
  'm6i.large': [3, 10],
  'm6i.metal': [15, 50],
  'm6i.xlarge': [4, 15],
  'm7i.12xlarge': [8, 30],
  'm7i.16xlarge': [15, 50],
  'm7i.24xlarge': [15, 50],
  'm7i.2xlarge': [4, 15],
  'm7i.48xlarge': [15, 50],
  'm7i.4xlarge': [8, 30],
  'm7i.8xlarge': [8, 30],
  'm7i.large': [3, 10],
  'm7i.metal-24xl': [15, 50],
  'm7i.metal-48xl': [15, 50],
  'm7i.xlarge': [4, 15],
  'r6i.12xlarge': [8, 30],
  'r6i.16xlarge': [15, 50],
  'r6i.24xlarge': [15, 50],
  'r6i.2xlarge': [4, 15],
  'r6i.32xlarge': [15, 50],
  'r6i.4xlarge': [8, 30],
  'r6i.8xlarge': [8, 30],
  'r6i.large': [3, 10],
  'r6i.metal': [15, 50],
  'r6i.xlarge': [4, 15],
  'r7i.12xlarge': [8, 30],
  'r7i.16xlarge': [15, 50],
  'r7i.24xlarge': [15, 50],
  'r7i.2xlarge': [4, 15],
  'r7i.48xlarge': [15, 50],
  'r7i.4xlarge': [8, 30],
  'r7i.8xlarge': [8, 30],
  'r7i.large': [3, 10],
  'r7i.metal-24xl': [15, 50],
  'r7i.metal-48xl': [15, 50],
  'r7i.xlarge': [4, 15],
  'trn1.2xlarge': [4, 15],
  'trn1.32xlarge': [5, 50],
};

/** The source of ENI_FACTS, for messages. */
export const ENI_SOURCE = 'awslabs/amazon-eks-ami@v20260724:nodeadm/internal/kubelet/instance-info.jsonl';

/** nodeadm's calculateStandardMaxPods, or undefined when the type has no ENI facts. */
export function maxPods(instanceType: string): number | undefined {
  const f = ENI_FACTS[instanceType];
  return f ? f[0] * (f[1] - 1) + 2 : undefined;
}

export interface NodeResources {
  /** Millicores. */
  readonly cpuMillicores: number;
  /** MiB. */
  readonly memoryMebibytes: number;
  readonly pods: number;
}

export interface NodeShape {
  readonly vcpus: number;
  readonly memoryGiB: number;
}

/** Memory a node of `memoryGiB` nominal memory reports, as Karpenter estimates it (MiB). */
export function memoryCapacityMebibytes(memoryGiB: number): number {
  const nominal = memoryGiB * 1024;
  return nominal - Math.ceil(nominal * VM_MEMORY_OVERHEAD);
}

/** Capacity and allocatable of an EKS AL2023 node of this type (VPC CNI without prefix delegation). */
export function eksNode(
  instanceType: string,
  shape: NodeShape,
): { capacity: NodeResources; allocatable: NodeResources } {
  const pods = maxPods(instanceType);
  if (pods === undefined) {
    throw new Error(`${instanceType}: no ENI facts (${ENI_SOURCE}) to compute its max pods`);
  }
  const capacity = {
    cpuMillicores: shape.vcpus * 1000,
    memoryMebibytes: memoryCapacityMebibytes(shape.memoryGiB),
    pods,
  };
  return {
    capacity,
    allocatable: {
      cpuMillicores: capacity.cpuMillicores - cpuReservedMillicores(shape.vcpus),
      memoryMebibytes: capacity.memoryMebibytes - memoryReservedMebibytes(pods) - EVICTION_HARD_MEMORY_MIB,
      pods,
    },
  };
}
