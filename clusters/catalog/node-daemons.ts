/**
 * The DaemonSets that run on every node of an accelerated pool, with the CPU and memory each pod
 * requests: the overhead a node carries before any workload lands on it. Pod sizing
 * (clusters/lib/fit.ts `podShare`) subtracts their sum from the node's allocatable; a request
 * that ignored them would leave the pod Pending on the instance it was sized for.
 *
 * Two kinds:
 * - `PLATFORM_DAEMONS`: DaemonSets of charts that apps/platform installs. apps/platform renders
 *   their `resources` values from this table (`daemonResources`), so the sizing and the render
 *   read the same figures.
 * - `ADDON_DAEMONS`: DaemonSets of the EKS add-ons that infra/ installs, with the requests of
 *   their charts' defaults at the add-on versions of clusters/versions.ts (no configuration of
 *   ours changes them; infra/addons ADDON_CONFIGURATION sets tolerations only).
 *
 * `UNMODELLED` names the DaemonSets known to land on accelerated nodes whose requests could not be
 * read here; they count as zero, so a change there can still leave a pod Pending.
 */
import type { AcceleratedPool } from '../contract.js';

/** What one pod of a DaemonSet requests (all its containers together). */
export interface DaemonRequests {
  readonly cpuMillicores: number;
  readonly memoryMiB: number;
}

export interface NodeDaemon extends DaemonRequests {
  readonly namespace: string;
  readonly name: string;
  /** On which nodes it runs: every node, one accelerated pool's nodes, or the instance types listed. */
  readonly on:
    | { readonly kind: 'every-node' }
    | { readonly kind: 'pool'; readonly pool: AcceleratedPool }
    | { readonly kind: 'instance-types'; readonly types: readonly string[] };
  /** Where the figures and the placement were read (repository@tag:path or chart@version). */
  readonly source: string;
}

/** A container's resources as Kubernetes quantities (requests, and a memory limit). */
export interface DaemonResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly memory: string };
}

interface PlatformDaemon extends NodeDaemon {
  /** The memory limit the platform renders with the requests. */
  readonly memoryLimitMiB: number;
}

/**
 * EFA-capable instance types of our accelerated catalogue, where the EFA device plugin's node
 * affinity lets it run: aws/eks-charts aws-efa-k8s-device-plugin v0.5.7 values.yaml
 * `supportedInstanceLabels.values` (read in the packaged chart of that version), restricted to
 * the families of clusters/catalog/instances.ts. inf2 is not on that list.
 */
export const EFA_INSTANCE_TYPES = [
  'g5.8xlarge',
  'g5.12xlarge',
  'g5.16xlarge',
  'g5.24xlarge',
  'g5.48xlarge',
  'g6.8xlarge',
  'g6.12xlarge',
  'g6.16xlarge',
  'g6.24xlarge',
  'g6.48xlarge',
  'g6e.8xlarge',
  'g6e.12xlarge',
  'g6e.16xlarge',
  'g6e.24xlarge',
  'g6e.48xlarge',
  'trn1.32xlarge',
] as const;

const NVIDIA_CHART =
  'NVIDIA/k8s-device-plugin@v0.20.0:deployments/helm/nvidia-device-plugin/templates/daemonset-{device-plugin,gfd}.yml (both render .Values.resources)';

/** DaemonSets of the platform's charts, by the key apps/platform uses. */
export const PLATFORM_DAEMONS = {
  nvidiaDevicePlugin: {
    namespace: 'nvidia-device-plugin',
    name: 'nvidia-device-plugin',
    cpuMillicores: 50,
    memoryMiB: 64,
    memoryLimitMiB: 256,
    on: { kind: 'pool', pool: 'nvidia' },
    source: NVIDIA_CHART,
  },
  gpuFeatureDiscovery: {
    namespace: 'nvidia-device-plugin',
    name: 'nvidia-device-plugin-gpu-feature-discovery',
    // The same `resources` value as the device plugin (one value, two DaemonSets).
    cpuMillicores: 50,
    memoryMiB: 64,
    memoryLimitMiB: 256,
    on: { kind: 'pool', pool: 'nvidia' },
    source: NVIDIA_CHART,
  },
  nodeFeatureDiscoveryWorker: {
    namespace: 'nvidia-device-plugin',
    name: 'nvidia-device-plugin-node-feature-discovery-worker',
    // The subchart's defaults, rendered explicitly: node-feature-discovery 0.19.0 (subchart of
    // nvidia-device-plugin 0.20.0) values.yaml `worker.resources`.
    cpuMillicores: 5,
    memoryMiB: 64,
    memoryLimitMiB: 512,
    on: { kind: 'pool', pool: 'nvidia' },
    source:
      'nvidia-device-plugin 0.20.0 chart, charts/node-feature-discovery (0.19.0) values.yaml worker.resources',
  },
  dcgmExporter: {
    namespace: 'nvidia-device-plugin',
    name: 'dcgm-exporter',
    cpuMillicores: 100,
    memoryMiB: 512,
    memoryLimitMiB: 1024,
    on: { kind: 'pool', pool: 'nvidia' },
    source: 'apps/platform/accelerators (dcgm-exporter 4.1.1 chart: top-level `resources`)',
  },
  efaDevicePlugin: {
    namespace: 'kube-system',
    name: 'aws-efa-k8s-device-plugin',
    cpuMillicores: 50,
    memoryMiB: 64,
    memoryLimitMiB: 256,
    on: { kind: 'instance-types', types: EFA_INSTANCE_TYPES },
    source:
      'apps/platform/accelerators (aws-efa-k8s-device-plugin v0.5.7 chart: `resources`; node affinity on supportedInstanceLabels)',
  },
} as const satisfies Record<string, PlatformDaemon>;

export type PlatformDaemonName = keyof typeof PLATFORM_DAEMONS;

const CLOUDWATCH =
  'aws-observability/helm-charts@amazon-cloudwatch-observability-6.3.0:charts/amazon-cloudwatch-observability/values.yaml';

/** DaemonSets of the EKS add-ons (clusters/versions.ts eksAddons), at their charts' defaults. */
export const ADDON_DAEMONS: readonly NodeDaemon[] = [
  {
    namespace: 'kube-system',
    name: 'aws-node',
    // aws-node requests cpu 25m; the network policy agent (aws-eks-nodeagent) requests nothing.
    cpuMillicores: 25,
    memoryMiB: 0,
    on: { kind: 'every-node' },
    source:
      'aws/amazon-vpc-cni-k8s@v1.23.0:charts/aws-vpc-cni/values.yaml (resources.requests.cpu 25m; nodeAgent.resources {})',
  },
  {
    namespace: 'kube-system',
    name: 'kube-proxy',
    cpuMillicores: 100,
    memoryMiB: 0,
    on: { kind: 'every-node' },
    source:
      'the kube-proxy DaemonSet EKS installs requests cpu 100m (no first-party manifest of v1.35.3-eksbuild.18 is readable here)',
  },
  {
    namespace: 'kube-system',
    name: 'ebs-csi-node',
    // ebs-plugin, node-driver-registrar and liveness-probe, the sidecars defaulting to node.resources.
    cpuMillicores: 3 * 10,
    memoryMiB: 3 * 40,
    on: { kind: 'every-node' },
    source:
      'kubernetes-sigs/aws-ebs-csi-driver@v1.56.0:charts/aws-ebs-csi-driver/values.yaml node.resources (10m/40Mi) and templates/_node.tpl (sidecars default to it)',
  },
  {
    namespace: 'kube-system',
    name: 'fsx-csi-node',
    // fsx-plugin 10m/40Mi, node-driver-registrar and liveness-probe 10m/32Mi each.
    cpuMillicores: 3 * 10,
    memoryMiB: 40 + 32 + 32,
    on: { kind: 'every-node' },
    source:
      'kubernetes-sigs/aws-fsx-csi-driver@v1.9.0:charts/aws-fsx-csi-driver/values.yaml node.resources, sidecars.*.resources',
  },
  {
    namespace: 'kube-system',
    name: 's3-csi-node',
    cpuMillicores: 3 * 10,
    memoryMiB: 3 * 40,
    on: { kind: 'every-node' },
    source:
      'awslabs/mountpoint-s3-csi-driver@v2.7.0:charts/aws-mountpoint-s3-csi-driver/values.yaml node.resources (10m/40Mi), templates/node.yaml (sidecars default to it)',
  },
  {
    namespace: 'amazon-cloudwatch',
    name: 'cloudwatch-agent',
    cpuMillicores: 250,
    memoryMiB: 128,
    on: { kind: 'every-node' },
    source: `${CLOUDWATCH} (agent.resources)`,
  },
  {
    namespace: 'amazon-cloudwatch',
    name: 'fluent-bit',
    cpuMillicores: 50,
    memoryMiB: 25,
    on: { kind: 'every-node' },
    source: `${CLOUDWATCH} (containerLogs.fluentBit.resources)`,
  },
  {
    namespace: 'amazon-cloudwatch',
    name: 'node-exporter',
    cpuMillicores: 50,
    memoryMiB: 30,
    on: { kind: 'every-node' },
    source: `${CLOUDWATCH} (nodeExporter.resources)`,
  },
  {
    namespace: 'amazon-cloudwatch',
    name: 'dcgm-exporter',
    cpuMillicores: 250,
    memoryMiB: 128,
    on: { kind: 'pool', pool: 'nvidia' },
    source: `${CLOUDWATCH} (dcgmExporter.resources; its affinity lists the GPU instance types)`,
  },
  {
    namespace: 'amazon-cloudwatch',
    name: 'neuron-monitor',
    cpuMillicores: 256,
    memoryMiB: 128,
    on: { kind: 'pool', pool: 'neuron' },
    source: `${CLOUDWATCH} (neuronMonitor.resources; its affinity lists the Neuron instance types)`,
  },
  {
    namespace: 'kube-system',
    name: 'neuron-device-plugin',
    cpuMillicores: 0,
    memoryMiB: 0,
    on: { kind: 'pool', pool: 'neuron' },
    source:
      'aws-neuron/neuron-helm-charts@8172e5e (chart 1.0.0): templates/device-plugin-daemonset.yaml sets no resources (chart 1.10.0 is not readable here)',
  },
];

/** DaemonSets known to run on accelerated nodes whose requests could not be read (counted as zero). */
export const UNMODELLED = [
  'eks-node-monitoring-agent v1.4.0-eksbuild.1 (every node) and its DCGM server (GPU nodes): no chart or manifest of that version is readable here',
  'the neuron-helm-chart 1.10.0 monitor exporter (neuron nodes): that chart version is not readable here',
] as const;

/** Every modelled DaemonSet. */
export const NODE_DAEMONS: readonly NodeDaemon[] = [...Object.values(PLATFORM_DAEMONS), ...ADDON_DAEMONS];

/** The DaemonSets that run on a node of `instanceType` in `pool`. */
export function daemonsOn(pool: AcceleratedPool, instanceType: string): NodeDaemon[] {
  return NODE_DAEMONS.filter((d) =>
    d.on.kind === 'every-node'
      ? true
      : d.on.kind === 'pool'
        ? d.on.pool === pool
        : (d.on.types as readonly string[]).includes(instanceType),
  );
}

/** The `resources` value apps/platform renders for one of its DaemonSets. */
export function daemonResources(name: PlatformDaemonName): DaemonResources {
  const d = PLATFORM_DAEMONS[name];
  return {
    requests: { cpu: `${d.cpuMillicores}m`, memory: `${d.memoryMiB}Mi` },
    limits: { memory: `${d.memoryLimitMiB}Mi` },
  };
}
