/**
 * EKS add-ons at pinned versions, in three phases, because EKS reports an add-on active only
 * once its pods run and the system nodes are tainted `CriticalAddonsOnly`:
 * - `before-nodes`: what nodes need to become Ready (VPC CNI with network policy enforcement,
 *   kube-proxy, the Pod Identity agent: DaemonSets);
 * - `before-flux`: add-ons whose controllers tolerate `CriticalAddonsOnly` (CoreDNS and EBS CSI
 *   through the configuration below, FSx CSI by its default) or that are DaemonSets only (node
 *   monitoring agent), so they run on system nodes;
 * - `after-flux`: add-ons whose controllers may need general-purpose capacity, which Karpenter
 *   (installed by Flux) provides. They belong to the bootstrap stage, after the Flux sync, with a
 *   create timeout that outlasts the Flux layers they wait for (`AFTER_FLUX_CREATE_TIMEOUT`).
 *
 * The first two phases belong to the cluster stage, the last to the bootstrap stage.
 */
import { EksAddon } from '@cdktf/provider-aws/lib/eks-addon/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { Construct } from 'constructs';
import { POOLS, SYSTEM_NODES } from '../../clusters/contract.js';
import { versions } from '../../clusters/versions.js';
import type { ITerraformDependable } from '../cdktf.js';
import { CNI_POLICY } from '../eks/index.js';
import { serviceTrust } from '../lib/iam.js';

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

/**
 * How long Terraform waits for an `after-flux` add-on to become ACTIVE. The provider keeps waiting
 * while EKS reports CREATING or DEGRADED (hashicorp/terraform-provider-aws,
 * internal/service/eks/addon.go `waitAddonCreated`: Pending CREATING, DEGRADED; Target ACTIVE;
 * default create timeout 20m), so the add-on's pods may stay Pending until Karpenter has capacity.
 * That takes the chain of Flux Kustomizations up to the configs layer, which holds the NodePools
 * (with today's render: gateway-api-crds 5m, controllers 15m, configs 10m; apps/lib/flux.ts), plus
 * a node launch. test/infra-ops.test.ts checks this timeout against the rendered chain + 10m.
 */
export const AFTER_FLUX_CREATE_TIMEOUT = '60m';

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
  // The DCGM server of the node monitoring agent must reach GPU nodes, which are tainted
  // (`dcgmAgent.tolerations`: aws/eks-node-monitoring-agent@v1.6.4:charts/configuration.schema.json).
  'eks-node-monitoring-agent': {
    dcgmAgent: {
      tolerations: [{ key: POOLS.nvidia.taint.key, operator: 'Exists', effect: POOLS.nvidia.taint.effect }],
    },
  },
};

/** An add-on's own Pod Identity association (EKS creates it with the add-on). */
export interface AddonIdentity {
  readonly serviceAccount: string;
  readonly roleArn: string;
}

export interface AddonsProps {
  /** EKS cluster name (an attribute of the cluster resource). */
  readonly clusterName: string;
  /** Which add-ons this construct installs. */
  readonly addons: readonly AddonName[];
  /** Resources that must exist first (node group, Pod Identity associations...). @default none */
  readonly dependsOn?: readonly ITerraformDependable[];
  /** Pod Identity associations the add-on API creates with the add-on. @default none */
  readonly identities?: { readonly [A in AddonName]?: AddonIdentity };
  /** Terraform's create timeout. @default the provider's (20m) */
  readonly createTimeout?: string;
}

export class Addons extends Construct {
  readonly addons: readonly EksAddon[];

  constructor(scope: Construct, id: string, props: AddonsProps) {
    super(scope, id);
    this.addons = props.addons.map((name) => {
      const configuration = ADDON_CONFIGURATION[name];
      const identity = props.identities?.[name];
      return new EksAddon(this, name, {
        clusterName: props.clusterName,
        addonName: name,
        addonVersion: versions.eksAddons[name],
        ...(configuration ? { configurationValues: JSON.stringify(configuration) } : {}),
        ...(identity ? { podIdentityAssociation: [{ ...identity }] } : {}),
        resolveConflictsOnCreate: 'OVERWRITE',
        resolveConflictsOnUpdate: 'OVERWRITE',
        ...(props.createTimeout ? { timeouts: { create: props.createTimeout } } : {}),
        ...(props.dependsOn ? { dependsOn: [...props.dependsOn] } : {}),
      });
    });
  }
}

/**
 * The VPC CNI's own role: trusted by EKS Pod Identity, with the AWS-managed AmazonEKS_CNI_Policy,
 * associated with its service account `kube-system/aws-node` through the add-on
 * (https://docs.aws.amazon.com/eks/latest/userguide/add-ons-iam.html, update-addon-role.html;
 * the service account: https://docs.aws.amazon.com/eks/latest/userguide/cni-iam-role.html).
 */
export class VpcCniIdentity extends Construct {
  readonly role: IamRole;
  readonly identity: AddonIdentity;
  readonly attachment: IamRolePolicyAttachment;

  constructor(
    scope: Construct,
    id: string,
    props: { readonly roleName: string; readonly partition: string },
  ) {
    super(scope, id);
    this.role = new IamRole(this, 'role', {
      name: props.roleName,
      description: 'kube-system/aws-node: the VPC CNI assigns VPC addresses to pods',
      assumeRolePolicy: serviceTrust(this, 'trust', 'pods.eks.amazonaws.com', true).json,
    });
    this.attachment = new IamRolePolicyAttachment(this, 'policy', {
      role: this.role.name,
      policyArn: `arn:${props.partition}:iam::aws:policy/${CNI_POLICY}`,
    });
    this.identity = { serviceAccount: VPC_CNI_SERVICE_ACCOUNT, roleArn: this.role.arn };
  }
}

/** The VPC CNI's service account (the aws-node DaemonSet). */
export const VPC_CNI_SERVICE_ACCOUNT = 'aws-node';
