/**
 * The accelerator catalogue: the EC2 instance types the nvidia and neuron NodePools may launch,
 * with what a pod on one of them can use. Facts from the EC2 instance type pages:
 * - G5 (NVIDIA A10G, 24 GB per GPU): https://aws.amazon.com/ec2/instance-types/g5/
 * - G6 (NVIDIA L4, 24 GB per GPU): https://aws.amazon.com/ec2/instance-types/g6/
 * - G6e (NVIDIA L40S, 48 GB per GPU): https://aws.amazon.com/ec2/instance-types/g6e/
 * - Inf2 (AWS Inferentia2, 32 GB HBM and 2 NeuronCores-v2 per device):
 *   https://aws.amazon.com/ec2/instance-types/inf2/
 * - Trn1 (AWS Trainium, 32 GB HBM and 2 NeuronCores-v2 per device):
 *   https://aws.amazon.com/ec2/instance-types/trn1/
 * Device memory is the nominal figure AWS publishes (decimal GB), as the fit check uses it.
 *
 * Network interfaces (for the pods a node takes, which size the kubelet's memory reservation):
 * awslabs/amazon-eks-ami@v20260724:nodeadm/internal/kubelet/instance-info.jsonl (`defaultMaxENIs`,
 * `ipv4AddressesPerInterface`), the file nodeadm and Karpenter's AL2023 nodes read. v20260724 is
 * the newest release of that repository readable here; clusters/versions.ts pins v20260818.
 */

export type AcceleratorKind = 'nvidia' | 'neuron';

export interface Device {
  /** Marketing name of the device. */
  readonly model: string;
  readonly kind: AcceleratorKind;
  /** Memory per device, GB. */
  readonly memoryGB: number;
  /** Compute units a tensor-parallel rank runs on: 1 per GPU, 2 NeuronCores per Neuron device. */
  readonly coresPerDevice: number;
}

export const DEVICES = {
  a10g: { model: 'NVIDIA A10G', kind: 'nvidia', memoryGB: 24, coresPerDevice: 1 },
  l4: { model: 'NVIDIA L4', kind: 'nvidia', memoryGB: 24, coresPerDevice: 1 },
  l40s: { model: 'NVIDIA L40S', kind: 'nvidia', memoryGB: 48, coresPerDevice: 1 },
  inferentia2: { model: 'AWS Inferentia2', kind: 'neuron', memoryGB: 32, coresPerDevice: 2 },
  trainium: { model: 'AWS Trainium', kind: 'neuron', memoryGB: 32, coresPerDevice: 2 },
} as const satisfies Record<string, Device>;

export interface InstanceType {
  readonly name: string;
  /** Family, e.g. `g5`: what a NodePool's instanceFamilies lists. */
  readonly family: string;
  readonly vcpus: number;
  readonly memoryGiB: number;
  readonly device: Device;
  /** Accelerator devices per instance (GPUs, or Neuron devices). */
  readonly devices: number;
  /** Network interfaces on the default network card (`defaultMaxENIs`). */
  readonly enis: number;
  /** IPv4 addresses per interface (`ipv4AddressesPerInterface`). */
  readonly ipv4PerEni: number;
}

function family(
  name: string,
  device: Device,
  sizes: readonly (readonly [
    size: string,
    vcpus: number,
    memoryGiB: number,
    devices: number,
    enis: number,
    ipv4PerEni: number,
  ])[],
): InstanceType[] {
  return sizes.map(([size, vcpus, memoryGiB, devices, enis, ipv4PerEni]) => ({
    name: `${name}.${size}`,
    family: name,
    vcpus,
    memoryGiB,
    device,
    devices,
    enis,
    ipv4PerEni,
  }));
}

const ALL: readonly InstanceType[] = [
  ...family('g5', DEVICES.a10g, [
    ['xlarge', 4, 16, 1, 4, 15],
    ['2xlarge', 8, 32, 1, 4, 15],
    ['4xlarge', 16, 64, 1, 8, 30],
    ['8xlarge', 32, 128, 1, 8, 30],
    ['12xlarge', 48, 192, 4, 15, 50],
    ['16xlarge', 64, 256, 1, 8, 30],
    ['24xlarge', 96, 384, 4, 15, 50],
    ['48xlarge', 192, 768, 8, 7, 50],
  ]),
  ...family('g6', DEVICES.l4, [
    ['xlarge', 4, 16, 1, 4, 15],
    ['2xlarge', 8, 32, 1, 4, 15],
    ['4xlarge', 16, 64, 1, 8, 30],
    ['8xlarge', 32, 128, 1, 8, 30],
    ['12xlarge', 48, 192, 4, 8, 30],
    ['16xlarge', 64, 256, 1, 15, 50],
    ['24xlarge', 96, 384, 4, 15, 50],
    ['48xlarge', 192, 768, 8, 15, 50],
  ]),
  ...family('g6e', DEVICES.l40s, [
    ['xlarge', 4, 32, 1, 4, 15],
    ['2xlarge', 8, 64, 1, 4, 15],
    ['4xlarge', 16, 128, 1, 8, 30],
    ['8xlarge', 32, 256, 1, 8, 30],
    ['12xlarge', 48, 384, 4, 10, 30],
    ['16xlarge', 64, 512, 1, 15, 50],
    ['24xlarge', 96, 768, 4, 10, 50],
    ['48xlarge', 192, 1536, 8, 10, 50],
  ]),
  ...family('inf2', DEVICES.inferentia2, [
    ['xlarge', 4, 16, 1, 4, 15],
    ['8xlarge', 32, 128, 1, 8, 30],
    ['24xlarge', 96, 384, 6, 15, 50],
    ['48xlarge', 192, 768, 12, 15, 50],
  ]),
  ...family('trn1', DEVICES.trainium, [
    ['2xlarge', 8, 32, 1, 4, 15],
    ['32xlarge', 128, 512, 16, 5, 50],
  ]),
];

/** Every catalogued instance type by name. */
export const INSTANCE_TYPES: ReadonlyMap<string, InstanceType> = new Map(ALL.map((t) => [t.name, t]));

/**
 * Pods a node of this type takes with the VPC CNI's defaults: ENIs x (IPv4 addresses per ENI - 1)
 * + 2 (awslabs/amazon-eks-ami@v20260724:nodeadm/internal/kubelet/eni_max_pods.go,
 * `calculateStandardMaxPods`; Karpenter's `ENILimitedPods` in
 * aws/karpenter-provider-aws@v1.14.1:pkg/providers/instancetype/types.go agrees).
 */
export function maxPods(t: InstanceType): number {
  return t.enis * (t.ipv4PerEni - 1) + 2;
}

/** Total tensor-parallel units (GPUs or NeuronCores) of one instance. */
export function coresOf(t: InstanceType): number {
  return t.devices * t.device.coresPerDevice;
}
