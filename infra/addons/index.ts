/**
 * EKS add-ons at pinned versions, in three phases, because EKS reports an add-on active only
 * once its pods run and the system nodes are tainted `CriticalAddonsOnly`:
 * - `before-nodes`: what nodes need to become Ready (VPC CNI with network policy enforcement,
 *   kube-proxy, the Pod Identity agent: DaemonSets);
 * - `before-flux`: add-ons whose controllers tolerate `CriticalAddonsOnly` (CoreDNS and EBS CSI
 *   through the configuration below, FSx CSI by its default) or that are DaemonSets only (node
 *   monitoring agent), so they run on system nodes;
 * - `after-flux`: add-ons whose controllers may need general-purpose capacity, which Karpenter
 *   (installed by Flux) provides.
 */
import { EksAddon } from '@cdktf/provider-aws/lib/eks-addon/index.js';
import { Construct } from 'constructs';
import { POOLS, SYSTEM_NODES } from '../../clusters/contract.js';
import { versions } from '../../clusters/versions.js';
import type { ITerraformDependable } from '../cdktf.js';

export type AddonName = keyof typeof versions.eksAddons;

export type AddonPhase = 'before-nodes' | 'before-flux' | 'after-flux';

/** When each add-on is installed (a record: an add-on without a phase is a compile error). */
export const ADDON_PHASES: { readonly [A in AddonName]: AddonPhase } = {
  'vpc-cni': 'before-nodes',
  'kube-proxy': 'before-nodes',
  'eks-pod-identity-agent': 'before-nodes',
  coredns: 'before-flux',
  'aws-ebs-csi-driver': 'before-flux',
  'aws-fsx-csi-driver': 'before-flux',
  'eks-node-monitoring-agent': 'before-flux',
  'aws-mountpoint-s3-csi-driver': 'after-flux',
  'amazon-cloudwatch-observability': 'after-flux',
};

/** The add-ons of one phase, in the versions table's order. */
export function addonsIn(phase: AddonPhase): AddonName[] {
  return (Object.keys(ADDON_PHASES) as AddonName[]).filter((a) => ADDON_PHASES[a] === phase);
}

/** Add-on configuration (the add-on's own JSON schema: `aws eks describe-addon-configuration`). */
export const ADDON_CONFIGURATION: { readonly [A in AddonName]?: object } = {
  // Network policy enforcement by the VPC CNI's node agent (workload namespaces default-deny).
  'vpc-cni': { enableNetworkPolicy: 'true' },
  // Explicit, so that running on the tainted system nodes does not rest on defaults.
  coredns: {
    tolerations: [
      { key: SYSTEM_NODES.taint.key, operator: 'Exists' },
      { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
    ],
  },
  'aws-ebs-csi-driver': {
    controller: {
      tolerations: [
        { key: SYSTEM_NODES.taint.key, operator: 'Exists' },
        { operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
    },
  },
  // The DCGM server of the node monitoring agent must reach GPU nodes, which are tainted.
  'eks-node-monitoring-agent': {
    dcgmAgent: {
      tolerations: [{ key: POOLS.nvidia.taint.key, operator: 'Exists', effect: POOLS.nvidia.taint.effect }],
    },
  },
};

export interface AddonsProps {
  /** EKS cluster name (an attribute of the cluster resource). */
  readonly clusterName: string;
  /** Which add-ons this construct installs. */
  readonly addons: readonly AddonName[];
  /** Resources that must exist first (node group, Pod Identity associations...). @default none */
  readonly dependsOn?: readonly ITerraformDependable[];
}

export class Addons extends Construct {
  readonly addons: readonly EksAddon[];

  constructor(scope: Construct, id: string, props: AddonsProps) {
    super(scope, id);
    this.addons = props.addons.map((name) => {
      const configuration = ADDON_CONFIGURATION[name];
      return new EksAddon(this, name, {
        clusterName: props.clusterName,
        addonName: name,
        addonVersion: versions.eksAddons[name],
        ...(configuration ? { configurationValues: JSON.stringify(configuration) } : {}),
        resolveConflictsOnCreate: 'OVERWRITE',
        resolveConflictsOnUpdate: 'OVERWRITE',
        ...(props.dependsOn ? { dependsOn: [...props.dependsOn] } : {}),
      });
    });
  }
}
