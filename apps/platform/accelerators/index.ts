/**
 * Device plugins and accelerator metrics, each confined to the nodes that carry the hardware:
 * NVIDIA device plugin with GPU feature discovery and node feature discovery, DCGM exporter,
 * the Neuron chart (device plugin, scheduler extension, neuron-monitor) and the EFA plugin.
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

/**
 * Scheduler name that the Neuron chart's custom scheduler registers (the chart's default,
 * set explicitly). Neuron pods that want topology-aware core allocation set
 * `schedulerName` to this; pods that take whole nodes can keep the default scheduler.
 */
export const NEURON_SCHEDULER = 'my-scheduler';

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
  readonly scheduler: Placement & {
    readonly enabled: boolean;
    readonly customScheduler: Placement & { readonly enabled: boolean; readonly fullnameOverride: string };
  };
  readonly monitor: {
    readonly enabled: boolean;
    readonly exporter: { readonly nodeSelector: Selector; readonly tolerations: readonly Toleration[] };
  };
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

export function accelerators(cluster: Cluster): void {
  const gpu = POOLS.nvidia;
  const neuron = POOLS.neuron;
  cluster.namespaces.declare(NVIDIA_NAMESPACE, { podSecurity: 'privileged' });

  helmRelease<NvidiaDevicePluginValues>(cluster, {
    name: 'nvidia-device-plugin',
    namespace: NVIDIA_NAMESPACE,
    chart: versions.nvidiaDevicePlugin,
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
    dependsOn: ['nvidia-device-plugin'],
    values: {
      nodeSelector: onPool(gpu.name),
      tolerations: [tolerate(gpu.taint.key)],
      resources: daemonResources('dcgmExporter'),
      // No Prometheus Operator in this platform: expose the Service, no ServiceMonitor.
      serviceMonitor: { enabled: false },
    },
  });

  helmRelease<NeuronValues>(cluster, {
    name: 'neuron',
    namespace: 'kube-system',
    chart: versions.neuron,
    values: {
      devicePlugin: { nodeSelector: onPool(neuron.name) },
      // The scheduler extension and the custom kube-scheduler are Deployments: on the system
      // nodes, via `scheduler.` and `scheduler.customScheduler.` `nodeSelector`/`tolerations`
      // (charts/neuron-helm-chart/values.yaml and templates/scheduler/*.yaml of
      // aws-neuron/neuron-helm-charts). The device plugin and monitor DaemonSets stay on neuron nodes.
      scheduler: {
        enabled: true,
        ...systemPlacement(),
        customScheduler: { enabled: true, fullnameOverride: NEURON_SCHEDULER, ...systemPlacement() },
      },
      monitor: {
        enabled: true,
        exporter: { nodeSelector: onPool(neuron.name), tolerations: [tolerate(neuron.taint.key)] },
      },
      // Node problem detector and recovery need their own AWS permissions; not enabled.
      npd: { enabled: false },
    },
  });

  helmRelease<EfaDevicePluginValues>(cluster, {
    name: 'aws-efa-k8s-device-plugin',
    namespace: 'kube-system',
    chart: versions.efaDevicePlugin,
    values: {
      // The chart's own node affinity restricts it to EFA-capable instance types; these let it
      // onto the tainted accelerator pools.
      tolerations: [tolerate(gpu.taint.key), tolerate(neuron.taint.key)],
      resources: daemonResources('efaDevicePlugin'),
    },
  });
}
