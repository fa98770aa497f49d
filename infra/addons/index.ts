/**
 * EKS add-ons at pinned versions. The ones nodes need to become Ready (VPC CNI with network
 * policy enforcement, kube-proxy, the Pod Identity agent) are created before the system node
 * group; the rest after it, because EKS reports an add-on active only once its pods run.
 */
import { EksAddon } from '@cdktf/provider-aws/lib/eks-addon/index.js';
import { Construct } from 'constructs';
import { POOLS } from '../../apps/lib/platform.js';
import { versions } from '../../clusters/versions.js';
import type { ITerraformDependable } from '../cdktf.js';

export type AddonName = keyof typeof versions.eksAddons;

/** Add-ons that must run before nodes can become Ready. */
export const BEFORE_NODES: readonly AddonName[] = ['vpc-cni', 'kube-proxy', 'eks-pod-identity-agent'];

/** Add-on configuration (the add-on's own JSON schema: `aws eks describe-addon-configuration`). */
export const ADDON_CONFIGURATION: { readonly [A in AddonName]?: object } = {
  // Network policy enforcement by the VPC CNI's node agent (workload namespaces default-deny).
  'vpc-cni': { enableNetworkPolicy: 'true' },
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
