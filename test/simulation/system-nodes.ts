/**
 * The EKS system managed node group (infra/eks) as kwok nodes, present before anything else:
 * `systemNodeGroup.size` nodes of `systemNodeGroup.instanceType`, spread over the environment's
 * availability zones as a managed node group spreads over its subnets, labelled and tainted as
 * the contract says (clusters/contract.ts SYSTEM_NODES), with the EKS allocatable of their type.
 * kwok manages them (label kwok.x-k8s.io/node=fake) and makes them Ready.
 */
import type { KubeManifest } from '../../apps/index.js';
import { INSTANCE_TYPE_LABEL, SYSTEM_NODES } from '../../clusters/contract.js';
import type { Environment } from '../../clusters/lib/resolve.js';
import type { SimInstanceType } from './instance-types.js';

export const KWOK_NODE_LABEL = 'kwok.x-k8s.io/node';

type SystemNodeInput = Pick<Environment, 'name' | 'region' | 'availabilityZones' | 'systemNodeGroup'>;

export function systemNodes(env: SystemNodeInput, type: SimInstanceType): KubeManifest[] {
  const { size } = env.systemNodeGroup;
  return Array.from({ length: size }, (_, i) => {
    const zone = env.availabilityZones[i % env.availabilityZones.length]!;
    const name = `system-${i + 1}`;
    const a = type.allocatable;
    const c = type.capacity;
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        labels: {
          'kubernetes.io/arch': 'amd64',
          'kubernetes.io/os': 'linux',
          'kubernetes.io/hostname': name,
          [INSTANCE_TYPE_LABEL]: type.name,
          'topology.kubernetes.io/zone': zone,
          'topology.kubernetes.io/region': env.region,
          'eks.amazonaws.com/capacityType': 'ON_DEMAND',
          'eks.amazonaws.com/nodegroup': 'system',
          [SYSTEM_NODES.label.key]: SYSTEM_NODES.label.value,
          [KWOK_NODE_LABEL]: 'fake',
        },
        annotations: { [KWOK_NODE_LABEL]: 'fake' },
      },
      spec: { taints: [{ ...SYSTEM_NODES.taint }] },
      status: {
        capacity: { cpu: `${c.cpuMillicores}m`, memory: `${c.memoryMebibytes}Mi`, pods: String(c.pods) },
        allocatable: { cpu: `${a.cpuMillicores}m`, memory: `${a.memoryMebibytes}Mi`, pods: String(a.pods) },
      },
    } as KubeManifest;
  });
}
