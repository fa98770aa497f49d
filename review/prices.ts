/**
 * On-demand Linux prices (USD per hour, shared tenancy) of the instance types the NodePools can
 * launch, pinned and dated. Used by `npm run report` for the maximum hourly cost.
 *
 * Source: AWS Price List API as captured in aws/karpenter-provider-aws,
 * pkg/providers/pricing/zz_generated.pricing_aws.go ("generated at 2026-01-19T13:23:24Z for
 * us-east-1"), the table Karpenter itself starts from before it queries the Pricing API.
 * Only us-east-1 figures could be confirmed. No us-west-2 or us-east-2 figure is in this table:
 * the report prices those regions at the us-east-1 list prices and says so next to each figure.
 *
 * vCPUs, memory (GiB) and accelerator devices (NVIDIA GPUs, or Neuron devices for inf2/trn1)
 * are the instance types' published specifications.
 *
 * Spot capacity is never more expensive than on-demand, so these prices are an upper bound
 * for pools that also allow spot.
 */

export interface InstancePrice {
  readonly vcpu: number;
  readonly memoryGiB: number;
  /** NVIDIA GPUs or Neuron devices; 0 for CPU-only types. */
  readonly devices: number;
  readonly usdPerHour: number;
}

export const PRICE_TABLE = {
  capturedAt: '2026-01-19',
  source:
    'AWS Price List API (on-demand, Linux, shared tenancy) via aws/karpenter-provider-aws pkg/providers/pricing/zz_generated.pricing_aws.go, generated 2026-01-19T13:23:24Z',
  /** Regions whose figures were confirmed. */
  regions: ['us-east-1'] as readonly string[],
} as const;

type Row = readonly [type: string, vcpu: number, memoryGiB: number, devices: number, usdPerHour: number];

/** Standard sizes: vCPUs per size name; memory = vCPUs x GiB per vCPU of the family. */
const SIZE_VCPU: Readonly<Record<string, number>> = {
  large: 2,
  xlarge: 4,
  '2xlarge': 8,
  '4xlarge': 16,
  '8xlarge': 32,
  '12xlarge': 48,
  '16xlarge': 64,
  '24xlarge': 96,
  '32xlarge': 128,
  '48xlarge': 192,
  metal: 128,
  'metal-24xl': 96,
  'metal-48xl': 192,
};

/** CPU families: GiB per vCPU, then size -> us-east-1 price. */
const CPU_FAMILIES: Readonly<Record<string, readonly [number, Readonly<Record<string, number>>]>> = {
  c6i: [
    2,
    {
      large: 0.085,
      xlarge: 0.17,
      '2xlarge': 0.34,
      '4xlarge': 0.68,
      '8xlarge': 1.36,
      '12xlarge': 2.04,
      '16xlarge': 2.72,
      '24xlarge': 4.08,
      '32xlarge': 5.44,
      metal: 5.44,
    },
  ],
  c7i: [
    2,
    {
      large: 0.08925,
      xlarge: 0.1785,
      '2xlarge': 0.357,
      '4xlarge': 0.714,
      '8xlarge': 1.428,
      '12xlarge': 2.142,
      '16xlarge': 2.856,
      '24xlarge': 4.284,
      '48xlarge': 8.568,
      'metal-24xl': 4.7124,
      'metal-48xl': 8.568,
    },
  ],
  m5: [4, { xlarge: 0.192 }],
  m6i: [
    4,
    {
      large: 0.096,
      xlarge: 0.192,
      '2xlarge': 0.384,
      '4xlarge': 0.768,
      '8xlarge': 1.536,
      '12xlarge': 2.304,
      '16xlarge': 3.072,
      '24xlarge': 4.608,
      '32xlarge': 6.144,
      metal: 6.144,
    },
  ],
  m7i: [
    4,
    {
      large: 0.1008,
      xlarge: 0.2016,
      '2xlarge': 0.4032,
      '4xlarge': 0.8064,
      '8xlarge': 1.6128,
      '12xlarge': 2.4192,
      '16xlarge': 3.2256,
      '24xlarge': 4.8384,
      '48xlarge': 9.6768,
      'metal-24xl': 5.32224,
      'metal-48xl': 9.6768,
    },
  ],
  r6i: [
    8,
    {
      large: 0.126,
      xlarge: 0.252,
      '2xlarge': 0.504,
      '4xlarge': 1.008,
      '8xlarge': 2.016,
      '12xlarge': 3.024,
      '16xlarge': 4.032,
      '24xlarge': 6.048,
      '32xlarge': 8.064,
      metal: 8.064,
    },
  ],
  r7i: [
    8,
    {
      large: 0.1323,
      xlarge: 0.2646,
      '2xlarge': 0.5292,
      '4xlarge': 1.0584,
      '8xlarge': 2.1168,
      '12xlarge': 3.1752,
      '16xlarge': 4.2336,
      '24xlarge': 6.3504,
      '48xlarge': 12.7008,
      'metal-24xl': 6.98544,
      'metal-48xl': 12.7008,
    },
  ],
};

/** Accelerated types: vCPUs, GiB, devices, us-east-1 price. */
const ACCELERATED: readonly Row[] = [
  ['g5.xlarge', 4, 16, 1, 1.006],
  ['g5.2xlarge', 8, 32, 1, 1.212],
  ['g5.4xlarge', 16, 64, 1, 1.624],
  ['g5.8xlarge', 32, 128, 1, 2.448],
  ['g5.12xlarge', 48, 192, 4, 5.672],
  ['g5.16xlarge', 64, 256, 1, 4.096],
  ['g5.24xlarge', 96, 384, 4, 8.144],
  ['g5.48xlarge', 192, 768, 8, 16.288],
  ['g6.xlarge', 4, 16, 1, 0.8048],
  ['g6.2xlarge', 8, 32, 1, 0.9776],
  ['g6.4xlarge', 16, 64, 1, 1.3232],
  ['g6.8xlarge', 32, 128, 1, 2.0144],
  ['g6.12xlarge', 48, 192, 4, 4.6016],
  ['g6.16xlarge', 64, 256, 1, 3.3968],
  ['g6.24xlarge', 96, 384, 4, 6.6752],
  ['g6.48xlarge', 192, 768, 8, 13.3504],
  ['g6e.xlarge', 4, 32, 1, 1.861],
  ['g6e.2xlarge', 8, 64, 1, 2.24208],
  ['g6e.4xlarge', 16, 128, 1, 3.00424],
  ['g6e.8xlarge', 32, 256, 1, 4.52856],
  ['g6e.12xlarge', 48, 384, 4, 10.49264],
  ['g6e.16xlarge', 64, 512, 1, 7.57719],
  ['g6e.24xlarge', 96, 768, 4, 15.06559],
  ['g6e.48xlarge', 192, 1536, 8, 30.13118],
  ['inf2.xlarge', 4, 16, 1, 0.7582],
  ['inf2.8xlarge', 32, 128, 1, 1.96786],
  ['inf2.24xlarge', 96, 384, 6, 6.49063],
  ['inf2.48xlarge', 192, 768, 12, 12.98127],
  ['trn1.2xlarge', 8, 32, 1, 1.34375],
  ['trn1.32xlarge', 128, 512, 16, 21.5],
];

function build(): ReadonlyMap<string, InstancePrice> {
  const out = new Map<string, InstancePrice>();
  for (const [family, [gibPerVcpu, sizes]] of Object.entries(CPU_FAMILIES)) {
    for (const [size, usdPerHour] of Object.entries(sizes)) {
      const vcpu = SIZE_VCPU[size];
      if (vcpu === undefined) throw new Error(`prices: unknown size ${size}`);
      out.set(`${family}.${size}`, { vcpu, memoryGiB: vcpu * gibPerVcpu, devices: 0, usdPerHour });
    }
  }
  for (const [type, vcpu, memoryGiB, devices, usdPerHour] of ACCELERATED) {
    out.set(type, { vcpu, memoryGiB, devices, usdPerHour });
  }
  return out;
}

/** Instance type -> price and shape, us-east-1 list prices. */
export const PRICES: ReadonlyMap<string, InstancePrice> = build();

/** Region whose figures stand in for `region` (itself when confirmed), and whether it is a stand-in. */
export function priceRegion(region: string): { region: string; standIn: boolean } {
  if (PRICE_TABLE.regions.includes(region)) return { region, standIn: false };
  return { region: 'us-east-1', standIn: true };
}
