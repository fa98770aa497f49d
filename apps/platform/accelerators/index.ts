/**
 * Device plugins and accelerator metrics, each confined to the nodes that carry the hardware:
 * NVIDIA device plugin with GPU feature discovery and node feature discovery, DCGM exporter,
 * the Neuron device plugin and the EFA plugin.
 *
 * Neuron metrics: neuron-monitor runs on every Neuron node through the Amazon CloudWatch
 * Observability EKS add-on that infra/ installs (versions.eksAddons): its chart deploys a
 * `NeuronMonitor` DaemonSet by default (`neuronMonitor.enabled: true`, affinity to the Neuron
 * instance types, tolerations `operator: Exists`: aws-observability/helm-charts@
 * amazon-cloudwatch-observability-6.3.0:charts/amazon-cloudwatch-observability/values.yaml and
 * templates/linux/neuron-monitor-daemonset.yaml). The Neuron Helm chart has no neuron-monitor.
 */
import { daemonResources } from '../../../clusters/catalog/node-daemons.js';
import { NODEPOOL_LABEL, POOLS } from '../../../clusters/contract.js';
import { versions } from '../../../clusters/versions.js';
import type { Toleration } from '../../imports/k8s.js';
import type { Cluster } from '../../lib/cluster.js';
import { helmRelease } from '../../lib/flux.js';
import { type Placement, systemPlacement } from '../../lib/pod.js';
import type { Resources } from '../../lib/values.js';

/** Namespace of the NVIDIA components: privileged, the device plugin and GFD use host paths. */
export const NVIDIA_NAMESPACE = 'nvidia-device-plugin';

type Selector = Readonly<Record<string, string>>;

/** Values of the NVIDIA device plugin chart that this project sets. */
export interface NvidiaDevicePluginValues {
  readonly nodeSelector: Selector;
  readonly tolerations: readonly Toleration[];
  readonly resources: Resources;
  readonly gfd: { readonly enabled: boolean };
  readonly nfd: {
    readonly enabled: boolean;
    readonly worker: Placement & { readonly resources: Resources };
    readonly master: Placement;
    readonly gc: Placement;
  };
}

/** Values of the DCGM exporter chart that this project sets. */
export interface DcgmExporterValues {
  readonly nodeSelector: Selector;
  readonly tolerations: readonly Toleration[];
  readonly resources: Resources;
  readonly serviceMonitor: { readonly enabled: boolean };
}

/** Values of the Neuron chart that this project sets. */
export interface NeuronValues {
  readonly devicePlugin: { readonly nodeSelector: Selector };
  readonly scheduler: { readonly enabled: boolean };
  readonly npd: { readonly enabled: boolean };
}

/** Values of the EFA device plugin chart that this project sets. */
export interface EfaDevicePluginValues {
  readonly tolerations: readonly Toleration[];
  readonly resources: Resources;
}

const tolerate = (key: string): Toleration => ({ key, operator: 'Exists', effect: 'NoSchedule' });
const onPool = (pool: string): Selector => ({ [NODEPOOL_LABEL]: pool });
/*
 * DaemonSet requests come from one table (clusters/catalog/node-daemons.ts) that pod sizing reads
 * too: what a node of an accelerated pool carries before any workload lands on it.
 */

/** `after`: HelmReleases to install first (the Load Balancer Controller: see platform()). */
export function accelerators(cluster: Cluster, after: readonly string[]): void {
  const gpu = POOLS.nvidia;
  const neuron = POOLS.neuron;
  cluster.namespaces.declare(NVIDIA_NAMESPACE, { podSecurity: 'privileged' });

  helmRelease<NvidiaDevicePluginValues>(cluster, {
    name: 'nvidia-device-plugin',
    namespace: NVIDIA_NAMESPACE,
    chart: versions.nvidiaDevicePlugin,
    dependsOn: after,
    values: {
      // Device plugin and GPU feature discovery: only on the GPU pool.
      nodeSelector: onPool(gpu.name),
      tolerations: [tolerate(gpu.taint.key)],
      // One value for the device plugin and GPU feature discovery DaemonSets.
      resources: daemonResources('nvidiaDevicePlugin'),
      gfd: { enabled: true },
      nfd: {
        enabled: true,
        worker: {
          nodeSelector: onPool(gpu.name),
          tolerations: [tolerate(gpu.taint.key)],
          resources: daemonResources('nodeFeatureDiscoveryWorker'),
        },
        // The NFD master and garbage collector are Deployments (not per-node): on the system
        // nodes, so that the release gets Ready before any GPU node exists. Keys of the
        // node-feature-discovery subchart (alias `nfd`): `master.` and `gc.` `nodeSelector`/
        // `tolerations` (deployment/helm/node-feature-discovery/values.yaml of
        // kubernetes-sigs/node-feature-discovery).
        master: systemPlacement(),
        gc: systemPlacement(),
      },
    },
  });

  helmRelease<DcgmExporterValues>(cluster, {
    name: 'dcgm-exporter',
    namespace: NVIDIA_NAMESPACE,
    chart: versions.dcgmExporter,
    dependsOn: ['nvidia-device-plugin', ...after],
    values: {
      nodeSelector: onPool(gpu.name),
      tolerations: [tolerate(gpu.taint.key)],
      resources: daemonResources('dcgmExporter'),
      // The chart's own ServiceMonitor would land in the controllers layer, before the Prometheus
      // Operator CRDs exist; apps/platform/observability scrapes this Service from the configs layer.
      serviceMonitor: { enabled: false },
    },
  });

  // Keys of chart 1.10.0: top-level `neuronInstances`, `draDriver`, `devicePlugin`, `scheduler`,
  // `ultraserverOperator`, `npd` (`helm show values oci://public.ecr.aws/neuron/neuron-helm-chart
  // --version 1.10.0`, as published; aws-neuron/neuron-helm-charts holds no tag of it that could be
  // read here; charts/neuron-helm-chart/README.md of chart 1.7.0, commit 2f5072d7, lists the same).
  helmRelease<NeuronValues>(cluster, {
    name: 'neuron',
    namespace: 'kube-system',
    chart: versions.neuron,
    dependsOn: after,
    values: {
      // The device plugin DaemonSet on the neuron pool; the chart's default tolerations include
      // `aws.amazon.com/neuron` (operator Exists) and its affinity the Neuron instance types.
      devicePlugin: { nodeSelector: onPool(neuron.name) },
      // The scheduler extension works only for pods that set `schedulerName` to the chart's second
      // kube-scheduler (`scheduler.customScheduler`, the only mode available on EKS); no workload
      // does, and that scheduler's image defaults to kube-scheduler v1.31 (outside the version
      // skew policy for 1.35). Off (the chart's default, set explicitly); docs/platform.md says
      // what a workload that requests part of a node's Neuron devices needs to turn it on.
      scheduler: { enabled: false },
      // Node problem detector and recovery need their own AWS permissions; not enabled.
      npd: { enabled: false },
    },
  });

  helmRelease<EfaDevicePluginValues>(cluster, {
    name: 'aws-efa-k8s-device-plugin',
    namespace: 'kube-system',
    chart: versions.efaDevicePlugin,
    dependsOn: after,
    values: {
      // The chart's own node affinity restricts it to EFA-capable instance types; these let it
      // onto the tainted accelerator pools.
      tolerations: [tolerate(gpu.taint.key), tolerate(neuron.taint.key)],
      resources: daemonResources('efaDevicePlugin'),
    },
  });
}
