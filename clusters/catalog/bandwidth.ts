/**
 * Baseline network bandwidth of the catalogued accelerated instance types, in Gbit/s: what a
 * replica streaming its weights from S3 can count on for the whole load (instances of 16 vCPUs
 * or fewer burst above it for a limited time; the cold-start model does not count on the burst).
 *
 * From aws/karpenter-provider-aws@v1.14.1:pkg/providers/instancetype/zz_generated.bandwidth.go
 * (`InstanceTypeBandwidthMegabits`, generated from the EC2 API's baseline bandwidth), the
 * Karpenter release clusters/versions.ts pins. EC2's bandwidth rules (baseline and burst for
 * "up to" sizes): https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-network-bandwidth.html
 */
const MEGABITS: Readonly<Record<string, number>> = {
  'g5.xlarge': 2500,
  'g5.2xlarge': 5000,
  'g5.4xlarge': 10000,
  'g5.8xlarge': 25000,
  'g5.12xlarge': 40000,
  'g5.16xlarge': 25000,
  'g5.24xlarge': 50000,
  'g5.48xlarge': 100000,
  'g6.xlarge': 2500,
  'g6.2xlarge': 5000,
  'g6.4xlarge': 10000,
  'g6.8xlarge': 25000,
  'g6.12xlarge': 40000,
  'g6.16xlarge': 25000,
  'g6.24xlarge': 50000,
  'g6.48xlarge': 100000,
  'g6e.xlarge': 2500,
  'g6e.2xlarge': 5000,
  'g6e.4xlarge': 20000,
  'g6e.8xlarge': 25000,
  'g6e.12xlarge': 100000,
  'g6e.16xlarge': 35000,
  'g6e.24xlarge': 200000,
  'g6e.48xlarge': 400000,
  'inf2.xlarge': 2083,
  'inf2.8xlarge': 16667,
  'inf2.24xlarge': 50000,
  'inf2.48xlarge': 100000,
  'trn1.2xlarge': 3125,
  'trn1.32xlarge': 800000,
};

/** Baseline bandwidth of an instance type in Gbit/s, or undefined when it is not catalogued. */
export function baselineGbps(instanceType: string): number | undefined {
  const mbit = MEGABITS[instanceType];
  return mbit === undefined ? undefined : mbit / 1000;
}

/** Instance types with a baseline bandwidth figure. */
export const BANDWIDTH_TYPES: readonly string[] = Object.keys(MEGABITS);
