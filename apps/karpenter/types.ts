/** Hand-written types for the Karpenter fields this project uses (karpenter.sh/v1, karpenter.k8s.aws/v1). */

export const NODEPOOL_API = 'karpenter.sh/v1';
export const EC2NODECLASS_API = 'karpenter.k8s.aws/v1';

export interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  readonly values?: readonly string[];
}

export interface DisruptionBudget {
  /** Nodes (count or percentage) that may be disrupted at once. */
  readonly nodes: string;
  readonly reasons?: readonly ('Underutilized' | 'Empty' | 'Drifted')[];
  readonly schedule?: string;
  readonly duration?: string;
}

export interface NodePoolSpec {
  readonly template: {
    readonly metadata?: { readonly labels?: Readonly<Record<string, string>> };
    readonly spec: {
      readonly nodeClassRef: {
        readonly group: 'karpenter.k8s.aws';
        readonly kind: 'EC2NodeClass';
        readonly name: string;
      };
      readonly requirements: readonly NodeSelectorRequirement[];
      readonly taints?: readonly { readonly key: string; readonly value?: string; readonly effect: string }[];
      readonly expireAfter?: string;
      readonly terminationGracePeriod?: string;
    };
  };
  readonly disruption: {
    readonly consolidationPolicy: 'WhenEmpty' | 'WhenEmptyOrUnderutilized';
    readonly consolidateAfter: string;
    readonly budgets?: readonly DisruptionBudget[];
  };
  readonly limits?: Readonly<Record<string, string | number>>;
  readonly weight?: number;
}

export interface SelectorTerm {
  readonly tags?: Readonly<Record<string, string>>;
  readonly id?: string;
}

export interface EC2NodeClassSpec {
  readonly role: string;
  readonly amiSelectorTerms: readonly { readonly alias: string }[];
  readonly subnetSelectorTerms: readonly SelectorTerm[];
  readonly securityGroupSelectorTerms: readonly SelectorTerm[];
  readonly capacityReservationSelectorTerms?: readonly { readonly id: string }[];
  readonly metadataOptions: {
    readonly httpEndpoint: 'enabled' | 'disabled';
    readonly httpProtocolIPv6: 'enabled' | 'disabled';
    readonly httpPutResponseHopLimit: number;
    readonly httpTokens: 'required' | 'optional';
  };
  readonly blockDeviceMappings: readonly {
    readonly deviceName: string;
    readonly rootVolume?: boolean;
    readonly ebs: {
      readonly volumeSize: string;
      readonly volumeType: 'gp3';
      readonly iops?: number;
      readonly throughput?: number;
      readonly encrypted: boolean;
      readonly deleteOnTermination: boolean;
    };
  }[];
  readonly instanceStorePolicy?: 'RAID0';
  readonly tags?: Readonly<Record<string, string>>;
}
