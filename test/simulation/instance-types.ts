/**
 * The instance types Karpenter's kwok provider offers in the simulation, generated from the
 * project's own facts: the accelerated catalogue (clusters/catalog/instances.ts: vCPUs, memory,
 * devices), the price table (review/prices.ts: vCPUs and memory of the CPU families, and every
 * price), the EKS reservations (eks.ts) and the environment's zones.
 *
 * The kwok provider reads a JSON list (`--instance-types-file-path` / INSTANCE_TYPES_FILE_PATH,
 * sigs.k8s.io/karpenter@v1.14.1:kwok/options/options.go) of `InstanceTypeOptions`
 * (kwok/cloudprovider/helpers.go: name, offerings with Price, Available and Requirements on
 * capacity type and zone, architecture, operatingSystems, resources). It derives the labels
 * `karpenter.kwok.sh/instance-family` and `-size` from an AWS-style name, and it gives every type
 * a fixed kube-reserved of 100m CPU and 10Mi memory (`newInstanceType`), which no file setting
 * changes. Its node's allocatable is `resources` less that overhead; so that it equals the EKS
 * allocatable, `resources` is written as EKS allocatable + that overhead. Karpenter therefore
 * sees a smaller capacity than the instance has: NodePool limits are checked by this tier
 * itself, against the real vCPUs and memory (docs/testing.md).
 */
import { type AcceleratorKind, INSTANCE_TYPES } from '../../clusters/catalog/instances.js';
import { POOLS } from '../../clusters/contract.js';
import { PRICES } from '../../review/prices.js';
import { eksNode, type NodeResources } from './eks.js';

/** The kwok provider's fixed kube-reserved (sigs.k8s.io/karpenter@v1.14.1:kwok/cloudprovider/helpers.go). */
export const KWOK_OVERHEAD = { cpuMillicores: 100, memoryMebibytes: 10 } as const;

const DEVICE_RESOURCE: Readonly<Record<AcceleratorKind, string>> = {
  nvidia: POOLS.nvidia.resource,
  neuron: POOLS.neuron.resource,
};

export interface SimInstanceType {
  readonly name: string;
  readonly family: string;
  readonly vcpus: number;
  readonly memoryGiB: number;
  /** Accelerator resource and count, when the type has devices. */
  readonly devices: { readonly resource: string; readonly count: number } | undefined;
  /** On-demand list price (review/prices.ts). */
  readonly usdPerHour: number;
  readonly capacity: NodeResources;
  readonly allocatable: NodeResources;
}

/** One instance type from the catalogue and the price table; throws naming what is missing. */
export function simInstanceType(name: string): SimInstanceType {
  const price = PRICES.get(name);
  if (!price) throw new Error(`${name}: not in the price table (review/prices.ts)`);
  const accelerated = INSTANCE_TYPES.get(name);
  const vcpus = accelerated?.vcpus ?? price.vcpu;
  const memoryGiB = accelerated?.memoryGiB ?? price.memoryGiB;
  const { capacity, allocatable } = eksNode(name, { vcpus, memoryGiB });
  return {
    name,
    family: name.split('.')[0]!,
    vcpus,
    memoryGiB,
    devices: accelerated
      ? { resource: DEVICE_RESOURCE[accelerated.device.kind], count: accelerated.devices }
      : undefined,
    usdPerHour: price.usdPerHour,
    capacity,
    allocatable,
  };
}

/**
 * Ephemeral storage a pod may request on a node whose root volume has `rootVolumeGiB`: nodeadm's
 * kubeReserved ephemeral-storage of 1Gi and evictionHard nodefs.available 10%
 * (awslabs/amazon-eks-ami@v20260724:nodeadm/internal/kubelet/config.go). The root volume stands
 * in for the node's file system: with `instanceStorePolicy: RAID0` Karpenter counts a type's
 * instance store instead where it has one, a size our catalogue does not hold (docs/testing.md).
 */
export function ephemeralAllocatableMebibytes(rootVolumeGiB: number): number {
  const capacity = rootVolumeGiB * 1024;
  return capacity - 1024 - Math.ceil(capacity * 0.1);
}

/** Every priced type of the given families, sorted by name. */
export function typesOfFamilies(families: Iterable<string>): SimInstanceType[] {
  const wanted = new Set(families);
  return [...PRICES.keys()]
    .filter((t) => wanted.has(t.split('.')[0]!))
    .sort()
    .map(simInstanceType);
}

export interface KwokOffering {
  readonly Price: number;
  readonly Available: boolean;
  readonly Requirements: readonly { key: string; operator: 'In'; values: string[] }[];
}

export interface KwokInstanceType {
  readonly name: string;
  readonly offerings: readonly KwokOffering[];
  readonly architecture: 'amd64';
  readonly operatingSystems: readonly ['linux'];
  readonly resources: Readonly<Record<string, string>>;
}

/**
 * The kwok provider's file for these types: one offering per zone and capacity type, priced at
 * the on-demand list price (the price table has no spot prices; spot is never dearer, so the
 * cost the tier prints is an upper bound, like the report's ceiling).
 */
export function kwokInstanceTypes(
  types: readonly SimInstanceType[],
  zones: readonly string[],
  rootVolumeGiB: (t: SimInstanceType) => number,
  capacityTypes: readonly string[] = ['on-demand', 'spot'],
): KwokInstanceType[] {
  if (zones.length === 0) throw new Error('kwokInstanceTypes: no zones');
  return types.map((t) => ({
    name: t.name,
    offerings: zones.flatMap((zone) =>
      capacityTypes.map((ct) => ({
        Price: t.usdPerHour,
        Available: true,
        Requirements: [
          { key: 'karpenter.sh/capacity-type', operator: 'In' as const, values: [ct] },
          { key: 'topology.kubernetes.io/zone', operator: 'In' as const, values: [zone] },
        ],
      })),
    ),
    architecture: 'amd64',
    operatingSystems: ['linux'],
    resources: {
      cpu: `${t.allocatable.cpuMillicores + KWOK_OVERHEAD.cpuMillicores}m`,
      memory: `${t.allocatable.memoryMebibytes + KWOK_OVERHEAD.memoryMebibytes}Mi`,
      pods: String(t.allocatable.pods),
      'ephemeral-storage': `${ephemeralAllocatableMebibytes(rootVolumeGiB(t))}Mi`,
      ...(t.devices ? { [t.devices.resource]: String(t.devices.count) } : {}),
    },
  }));
}
