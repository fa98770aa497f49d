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
}

function family(
  name: string,
  device: Device,
  sizes: readonly (readonly [size: string, vcpus: number, memoryGiB: number, devices: number])[],
): InstanceType[] {
  return sizes.map(([size, vcpus, memoryGiB, devices]) => ({
    name: `${name}.${size}`,
    family: name,
    vcpus,
    memoryGiB,
    device,
    devices,
  }));
}

const ALL: readonly InstanceType[] = [
  ...family('g5', DEVICES.a10g, [
    ['xlarge', 4, 16, 1],
    ['2xlarge', 8, 32, 1],
    ['4xlarge', 16, 64, 1],
    ['8xlarge', 32, 128, 1],
    ['12xlarge', 48, 192, 4],
    ['16xlarge', 64, 256, 1],
    ['24xlarge', 96, 384, 4],
    ['48xlarge', 192, 768, 8],
  ]),
  ...family('g6', DEVICES.l4, [
    ['xlarge', 4, 16, 1],
    ['2xlarge', 8, 32, 1],
    ['4xlarge', 16, 64, 1],
    ['8xlarge', 32, 128, 1],
    ['12xlarge', 48, 192, 4],
    ['16xlarge', 64, 256, 1],
    ['24xlarge', 96, 384, 4],
    ['48xlarge', 192, 768, 8],
  ]),
  ...family('g6e', DEVICES.l40s, [
    ['xlarge', 4, 32, 1],
    ['2xlarge', 8, 64, 1],
    ['4xlarge', 16, 128, 1],
    ['8xlarge', 32, 256, 1],
    ['12xlarge', 48, 384, 4],
    ['16xlarge', 64, 512, 1],
    ['24xlarge', 96, 768, 4],
    ['48xlarge', 192, 1536, 8],
  ]),
  ...family('inf2', DEVICES.inferentia2, [
    ['xlarge', 4, 16, 1],
    ['8xlarge', 32, 128, 1],
    ['24xlarge', 96, 384, 6],
    ['48xlarge', 192, 768, 12],
  ]),
  ...family('trn1', DEVICES.trainium, [
    ['2xlarge', 8, 32, 1],
    ['32xlarge', 128, 512, 16],
  ]),
];

/** Every catalogued instance type by name. */
export const INSTANCE_TYPES: ReadonlyMap<string, InstanceType> = new Map(ALL.map((t) => [t.name, t]));

/** Total tensor-parallel units (GPUs or NeuronCores) of one instance. */
export function coresOf(t: InstanceType): number {
  return t.devices * t.device.coresPerDevice;
}
