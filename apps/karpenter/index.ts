/**
 * Karpenter: the controller (HelmRelease, Pod Identity) and one NodePool + EC2NodeClass per
 * pool in the environment (`cpu`, `nvidia`, `neuron`). Accelerator pools are tainted so that
 * only pods that tolerate the taint (the ones requesting accelerators) land there.
 */
import { contractRef } from '../../clusters/contract.js';
import { IDENTITIES } from '../../clusters/identities.js';
import type { Environment } from '../../clusters/lib/environment.js';
import { versions } from '../../clusters/versions.js';
import { helmRelease, type Resources } from '../flux/helm.js';
import type { Cluster } from '../lib/cluster.js';
import { POOLS, type PoolName } from '../lib/platform.js';
import { systemPlacement, type Toleration } from '../lib/pod.js';
import { resource } from '../lib/resource.js';
import { namespace } from '../namespaces/index.js';
import {
  EC2NODECLASS_API,
  type EC2NodeClassSpec,
  NODEPOOL_API,
  type NodePoolSpec,
  type NodeSelectorRequirement,
} from './types.js';

type Pool = Environment['pools'][PoolName];

/** Instance families each pool accepts (x86_64 only: the pools require amd64). */
export const POOL_FAMILIES: { readonly [P in PoolName]: (family: string) => string | undefined } = {
  cpu: (f) =>
    /^[cmr][0-9]+[a-z-]*$/.test(f) && !/^[cmr][0-9]+[a-z-]*g/.test(f)
      ? undefined
      : `${JSON.stringify(f)} is not an x86 general purpose (c, m or r) instance family`,
  nvidia: (f) =>
    NVIDIA_FAMILIES.includes(f)
      ? undefined
      : `${JSON.stringify(f)} is not an x86 NVIDIA GPU instance family (known: ${NVIDIA_FAMILIES.join(', ')})`,
  neuron: (f) =>
    NEURON_FAMILIES.includes(f)
      ? undefined
      : `${JSON.stringify(f)} is not a Neuron instance family (known: ${NEURON_FAMILIES.join(', ')})`,
};
const NVIDIA_FAMILIES = ['g4dn', 'g5', 'g6', 'g6e', 'gr6', 'p4d', 'p4de', 'p5', 'p5e', 'p5en'];
const NEURON_FAMILIES = ['inf2', 'trn1', 'trn1n', 'trn2'];

/** Node labels set on every node of an accelerator pool, for device plugins and workloads. */
export const POOL_LABELS: { readonly [P in PoolName]: Readonly<Record<string, string>> } = {
  cpu: {},
  // The NVIDIA device plugin schedules on this label before node feature discovery has run.
  nvidia: { 'nvidia.com/gpu.present': 'true' },
  neuron: { 'aws.amazon.com/neuron.present': 'true' },
};

/** Root volume: container images of inference servers are several GB each. */
const ROOT_VOLUME_GIB: { readonly [P in PoolName]: number } = { cpu: 100, nvidia: 300, neuron: 300 };

/** Checks what the schema cannot: families per pool, spot for production serving. */
export function checkPools(env: Environment): void {
  const problems: string[] = [];
  for (const name of Object.keys(POOLS) as PoolName[]) {
    const pool = env.pools[name];
    pool.instanceFamilies.forEach((f, i) => {
      const problem = POOL_FAMILIES[name](f);
      if (problem) problems.push(`pools.${name}.instanceFamilies[${i}]: ${problem}`);
    });
    if (env.tier === 'production' && name !== 'cpu' && pool.capacityTypes.includes('spot')) {
      problems.push(
        `pools.${name}.capacityTypes: production environments serve models on on-demand or reserved capacity; "spot" would interrupt requests`,
      );
    }
  }
  // Every line names the environment (the render prefixes only the first).
  if (problems.length > 0) throw new Error(problems.map((p) => `${env.name}: ${p}`).join('\n'));
}

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

export function karpenter(cluster: Cluster): void {
  const { env } = cluster;
  checkPools(env);
  const id = IDENTITIES.karpenter;
  namespace(cluster, id.namespace, 'restricted');
  helmRelease<KarpenterValues>(cluster, {
    name: 'karpenter',
    namespace: id.namespace,
    chart: versions.karpenter,
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
      // `tolerations` place the controller Deployment (charts/karpenter/values.yaml and README.md
      // of aws/karpenter-provider-aws, read at chart 0.35.10 and 0.32.3: no 1.14.1 copy was at
      // hand). The chart tolerates CriticalAddonsOnly by default; set here so that it does not rest
      // on that default. Its default `kubernetes.io/os` selector merges in.
      ...systemPlacement(),
    },
  });
  for (const name of Object.keys(POOLS) as PoolName[]) nodePool(cluster, name, env.pools[name]);
}

function nodePool(cluster: Cluster, name: PoolName, pool: Pool): void {
  const scope = cluster.layers.configs;
  const accelerator = name !== 'cpu';
  const reservations = pool.capacityReservationIds ?? [];
  const discovery = { 'karpenter.sh/discovery': contractRef('CLUSTER_NAME') };
  const nodeClass: EC2NodeClassSpec = {
    role: contractRef('KARPENTER_NODE_ROLE'),
    amiSelectorTerms: [{ alias: versions.amiAlias }],
    subnetSelectorTerms: [{ tags: discovery }],
    securityGroupSelectorTerms: [{ tags: discovery }],
    ...(reservations.length > 0
      ? { capacityReservationSelectorTerms: reservations.map((id) => ({ id })) }
      : {}),
    metadataOptions: {
      httpEndpoint: 'enabled',
      httpProtocolIPv6: 'disabled',
      // 1 hop: pods cannot reach the node's instance credentials (they use Pod Identity).
      httpPutResponseHopLimit: 1,
      httpTokens: 'required',
    },
    blockDeviceMappings: [
      {
        deviceName: '/dev/xvda',
        rootVolume: true,
        ebs: {
          volumeSize: `${ROOT_VOLUME_GIB[name]}Gi`,
          volumeType: 'gp3',
          ...(accelerator ? { iops: 10000, throughput: 500 } : {}),
          encrypted: true,
          deleteOnTermination: true,
        },
      },
    ],
    // Local NVMe (g5, g6, g6e, trn1) striped for image layers and model caches.
    ...(accelerator ? { instanceStorePolicy: 'RAID0' as const } : {}),
    tags: { 'genai-eks/pool': name },
  };
  resource(scope, `ec2nodeclass-${name}`, {
    apiVersion: EC2NODECLASS_API,
    kind: 'EC2NodeClass',
    metadata: { name },
    body: { spec: nodeClass },
  });

  const capacityTypes = [...pool.capacityTypes, ...(reservations.length > 0 ? ['reserved'] : [])];
  const requirements: NodeSelectorRequirement[] = [
    { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: [...pool.instanceFamilies] },
    { key: 'karpenter.sh/capacity-type', operator: 'In', values: capacityTypes },
    { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
    { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
  ];
  const definition = POOLS[name];
  const taint = 'taint' in definition ? definition.taint : undefined;
  const consolidationPolicy =
    pool.consolidationPolicy ?? (accelerator ? 'WhenEmpty' : 'WhenEmptyOrUnderutilized');
  const limits: Record<string, string | number> = {
    cpu: pool.cpuLimit,
    memory: `${pool.memoryLimitGiB}Gi`,
  };
  if (accelerator && 'resource' in definition && pool.acceleratorLimit !== undefined) {
    limits[definition.resource] = pool.acceleratorLimit;
  }
  const spec: NodePoolSpec = {
    template: {
      ...(Object.keys(POOL_LABELS[name]).length > 0 ? { metadata: { labels: POOL_LABELS[name] } } : {}),
      spec: {
        nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name },
        requirements,
        ...(taint ? { taints: [taint] } : {}),
        expireAfter: '720h',
        // A draining accelerator node waits this long for serving pods to finish (PDBs and
        // terminationGracePeriodSeconds are honoured until then).
        terminationGracePeriod: accelerator ? '2h' : '1h',
      },
    },
    disruption: {
      consolidationPolicy,
      consolidateAfter: pool.consolidateAfter ?? (accelerator ? '30m' : '5m'),
      // Accelerator pools: one node at a time, so replicas on other nodes keep serving.
      budgets: accelerator ? [{ nodes: '1' }] : [{ nodes: '10%' }],
    },
    limits,
  };
  resource(scope, `nodepool-${name}`, {
    apiVersion: NODEPOOL_API,
    kind: 'NodePool',
    metadata: { name: POOLS[name].name },
    body: { spec },
  });
}
