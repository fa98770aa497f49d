/**
 * Karpenter: the controller (HelmRelease, Pod Identity) and one NodePool + EC2NodeClass per
 * pool of the environment (`cpu`, `nvidia`, `neuron`). Accelerator pools are tainted so that
 * only pods that tolerate the taint (the ones requesting accelerators) land there. Pool
 * families and capacity types are checked when the environment loads (clusters/lib/resolve.ts).
 */
import { contractRef, IDENTITIES, POOL_NAMES, POOLS, type PoolName } from '../../../clusters/contract.js';
import type { ParsedPool } from '../../../clusters/lib/environment.js';
import { versions } from '../../../clusters/versions.js';
import {
  Ec2NodeClass,
  Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType,
  Ec2NodeClassSpecInstanceStorePolicy,
  Ec2NodeClassSpecMetadataOptionsHttpEndpoint,
  Ec2NodeClassSpecMetadataOptionsHttpProtocolIPv6,
  Ec2NodeClassSpecMetadataOptionsHttpTokens,
} from '../../imports/ec2nodeclass-karpenter.k8s.aws.js';
import type { Toleration } from '../../imports/k8s.js';
import {
  NodePool,
  NodePoolSpecDisruptionConsolidationPolicy,
  NodePoolSpecLimits,
  NodePoolSpecTemplateSpecRequirementsOperator,
  NodePoolSpecTemplateSpecTaintsEffect,
} from '../../imports/nodepool-karpenter.sh.js';
import type { Cluster } from '../../lib/cluster.js';
import { helmRelease } from '../../lib/flux.js';
import { systemPlacement } from '../../lib/pod.js';
import type { Resources } from '../../lib/values.js';
import { budgets } from '../autoscaling/index.js';

/** Values of the Karpenter chart that this project sets. */
export interface KarpenterValues {
  readonly serviceAccount: { readonly create: boolean; readonly name: string };
  readonly settings: {
    readonly clusterName: string;
    readonly interruptionQueue: string;
    readonly featureGates: { readonly reservedCapacity: boolean };
  };
  readonly controller: { readonly resources: Resources };
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Toleration[];
}

/** Root volume: container images of inference servers are several GB each. */
const ROOT_VOLUME_GIB: { readonly [P in PoolName]: number } = { cpu: 100, nvidia: 300, neuron: 300 };

const TAINT_EFFECT = {
  NoSchedule: NodePoolSpecTemplateSpecTaintsEffect.NO_SCHEDULE,
  NoExecute: NodePoolSpecTemplateSpecTaintsEffect.NO_EXECUTE,
  PreferNoSchedule: NodePoolSpecTemplateSpecTaintsEffect.PREFER_NO_SCHEDULE,
} as const;

const CONSOLIDATION = {
  WhenEmpty: NodePoolSpecDisruptionConsolidationPolicy.WHEN_EMPTY,
  WhenEmptyOrUnderutilized: NodePoolSpecDisruptionConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED,
} as const;

/** `after`: HelmReleases to install first (the Load Balancer Controller: see platform()). */
export function karpenter(cluster: Cluster, after: readonly string[]): void {
  const id = IDENTITIES.karpenter;
  cluster.namespaces.declare(id.namespace, { podSecurity: 'restricted' });
  helmRelease<KarpenterValues>(cluster, {
    name: 'karpenter',
    namespace: id.namespace,
    chart: versions.karpenter,
    dependsOn: after,
    values: {
      serviceAccount: { create: true, name: id.serviceAccount },
      settings: {
        clusterName: contractRef('CLUSTER_NAME'),
        interruptionQueue: contractRef('KARPENTER_INTERRUPTION_QUEUE'),
        // Capacity reservations (ODCRs, Capacity Blocks for ML) as capacity type `reserved`.
        featureGates: { reservedCapacity: true },
      },
      controller: {
        resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } },
      },
      // On the system nodes: Karpenter makes every other node. Top-level `nodeSelector` and
      // `tolerations` place the controller Deployment (charts/karpenter/values.yaml of
      // aws/karpenter-provider-aws). The chart tolerates CriticalAddonsOnly by default; set here
      // so that it does not rest on that default. Its default `kubernetes.io/os` selector merges in.
      ...systemPlacement(),
    },
  });
  for (const name of POOL_NAMES) nodePool(cluster, name, cluster.env.pools[name]);
}

function nodePool(cluster: Cluster, name: PoolName, pool: ParsedPool): void {
  const scope = cluster.layers.configs;
  const definition = POOLS[name];
  const accelerator = 'taint' in definition ? definition : undefined;
  const reservations = pool.capacityReservationIds;
  const discovery = { 'karpenter.sh/discovery': contractRef('CLUSTER_NAME') };
  new Ec2NodeClass(scope, `ec2nodeclass-${name}`, {
    metadata: { name },
    spec: {
      role: contractRef('KARPENTER_NODE_ROLE'),
      amiSelectorTerms: [{ alias: versions.amiAlias }],
      subnetSelectorTerms: [{ tags: discovery }],
      securityGroupSelectorTerms: [{ tags: discovery }],
      ...(reservations.length > 0
        ? { capacityReservationSelectorTerms: reservations.map((id) => ({ id })) }
        : {}),
      metadataOptions: {
        httpEndpoint: Ec2NodeClassSpecMetadataOptionsHttpEndpoint.ENABLED,
        httpProtocolIPv6: Ec2NodeClassSpecMetadataOptionsHttpProtocolIPv6.DISABLED,
        // 1 hop: pods cannot reach the node's instance credentials (they use Pod Identity).
        httpPutResponseHopLimit: 1,
        httpTokens: Ec2NodeClassSpecMetadataOptionsHttpTokens.REQUIRED,
      },
      blockDeviceMappings: [
        {
          deviceName: '/dev/xvda',
          rootVolume: true,
          ebs: {
            volumeSize: `${ROOT_VOLUME_GIB[name]}Gi`,
            volumeType: Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType.GP3,
            ...(accelerator ? { iops: 10000, throughput: 500 } : {}),
            encrypted: true,
            deleteOnTermination: true,
          },
        },
      ],
      // Local NVMe (g5, g6, g6e, trn1) striped for image layers and model caches.
      ...(accelerator ? { instanceStorePolicy: Ec2NodeClassSpecInstanceStorePolicy.RAID0 } : {}),
      tags: { 'genai-eks/pool': name },
    },
  });

  const capacityTypes = [...pool.capacityTypes, ...(reservations.length > 0 ? ['reserved'] : [])];
  const requirement = (key: string, values: string[]) => ({
    key,
    operator: NodePoolSpecTemplateSpecRequirementsOperator.IN,
    values,
  });
  const limits: { [key: string]: NodePoolSpecLimits } = {
    cpu: NodePoolSpecLimits.fromNumber(pool.cpuLimit),
    memory: NodePoolSpecLimits.fromString(`${pool.memoryLimitGiB}Gi`),
  };
  if (accelerator && pool.acceleratorLimit !== undefined) {
    limits[accelerator.resource] = NodePoolSpecLimits.fromNumber(pool.acceleratorLimit);
  }
  const labels = { ...definition.labels };
  new NodePool(scope, `nodepool-${name}`, {
    metadata: { name: definition.name },
    spec: {
      template: {
        ...(Object.keys(labels).length > 0 ? { metadata: { labels } } : {}),
        spec: {
          nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name },
          requirements: [
            requirement('karpenter.k8s.aws/instance-family', [...pool.instanceFamilies]),
            requirement('karpenter.sh/capacity-type', capacityTypes),
            requirement('kubernetes.io/arch', ['amd64']),
            requirement('kubernetes.io/os', ['linux']),
          ],
          ...(accelerator
            ? {
                taints: [
                  {
                    key: accelerator.taint.key,
                    value: accelerator.taint.value,
                    effect: TAINT_EFFECT[accelerator.taint.effect],
                  },
                ],
              }
            : {}),
          expireAfter: '720h',
          // A draining accelerator node waits this long for serving pods to finish (PDBs and
          // terminationGracePeriodSeconds are honoured until then).
          terminationGracePeriod: accelerator ? '2h' : '1h',
        },
      },
      disruption: {
        consolidationPolicy: CONSOLIDATION[pool.consolidationPolicy],
        consolidateAfter: pool.consolidateAfter,
        // Per pool, from the environment (pools.<pool>.disruptionBudgets; defaults: one node at
        // a time on accelerator pools, 10% on cpu).
        budgets: budgets(pool.disruptionBudgets),
      },
      limits,
    },
  });
}
