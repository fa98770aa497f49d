/**
 * Hand-written types for the Zero to JupyterHub chart values this project sets (the chart version pinned in clusters/versions.ts,
 * https://z2jh.jupyter.org/en/stable/resources/reference.html). CI checks the rendered values
 * against the chart's own values schema (scripts/check-helm-values.ts).
 */
import type {
  ConfigMapVolumeSource,
  EnvVar,
  PersistentVolumeClaimVolumeSource,
  ProjectedVolumeSource,
  Toleration,
} from '../../imports/k8s.js';

/** A volume of the single-user pods: one ConfigMap, several projected into one folder, or a claim. */
export type Volume =
  | { readonly name: string; readonly configMap: ConfigMapVolumeSource }
  | { readonly name: string; readonly projected: ProjectedVolumeSource }
  | { readonly name: string; readonly persistentVolumeClaim: PersistentVolumeClaimVolumeSource };

/** A KubeSpawner profile (singleuser.profileList[]). Keys are KubeSpawner trait names. */
export interface SpawnerProfile {
  readonly display_name: string;
  readonly slug: string;
  readonly description: string;
  readonly default?: boolean;
  readonly kubespawner_override: {
    readonly cpu_guarantee?: number;
    readonly cpu_limit?: number;
    readonly mem_guarantee?: string;
    readonly mem_limit?: string;
    readonly node_selector?: Readonly<Record<string, string>>;
    readonly tolerations?: readonly Toleration[];
    readonly extra_resource_guarantees?: Readonly<Record<string, string>>;
    readonly extra_resource_limits?: Readonly<Record<string, string>>;
  };
}

type EnvMap = Readonly<Record<string, string | Omit<EnvVar, 'name'>>>;

export interface JupyterHubValues {
  readonly hub: {
    readonly config: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
    readonly extraEnv?: EnvMap;
    readonly extraConfig?: Readonly<Record<string, string>>;
    readonly nodeSelector: Readonly<Record<string, string>>;
    readonly resources: {
      readonly requests: Readonly<Record<string, string>>;
      readonly limits?: Readonly<Record<string, string>>;
    };
    /** Merged by Helm with the chart's defaults (fsGroup). */
    readonly podSecurityContext: Readonly<Record<string, unknown>>;
    /** Merged by Helm with the chart's defaults (runAsUser, allowPrivilegeEscalation). */
    readonly containerSecurityContext: Readonly<Record<string, unknown>>;
  };
  readonly proxy: {
    readonly service: {
      readonly type: 'LoadBalancer' | 'ClusterIP';
      readonly annotations: Readonly<Record<string, string>>;
      readonly loadBalancerSourceRanges?: readonly string[];
    };
    readonly https?: {
      readonly enabled: boolean;
      readonly type: 'offload';
      readonly hosts?: readonly string[];
    };
    readonly chp: {
      readonly containerSecurityContext: Readonly<Record<string, unknown>>;
      readonly nodeSelector: Readonly<Record<string, string>>;
      readonly resources: {
        readonly requests: Readonly<Record<string, string>>;
        readonly limits?: Readonly<Record<string, string>>;
      };
    };
  };
  readonly singleuser: {
    readonly image: { readonly name: string; readonly tag: string; readonly pullPolicy: 'IfNotPresent' };
    readonly startTimeout: number;
    readonly cpu: { readonly guarantee: number; readonly limit: number };
    readonly memory: { readonly guarantee: string; readonly limit: string };
    readonly nodeSelector: Readonly<Record<string, string>>;
    readonly cloudMetadata: { readonly blockWithIptables: boolean };
    readonly extraEnv: EnvMap;
    readonly storage: {
      readonly type: 'dynamic';
      readonly capacity: string;
      readonly dynamic: { readonly storageClass: string };
      readonly extraVolumes: readonly Volume[];
      readonly extraVolumeMounts: readonly {
        readonly name: string;
        readonly mountPath: string;
        readonly readOnly?: boolean;
      }[];
    };
    readonly profileList: readonly SpawnerProfile[];
  };
  readonly scheduling: {
    readonly userScheduler: { readonly enabled: boolean };
    readonly podPriority: { readonly enabled: boolean };
    readonly userPlaceholder: { readonly enabled: boolean };
  };
  readonly prePuller: {
    readonly hook: { readonly enabled: boolean };
    readonly continuous: { readonly enabled: boolean };
  };
  readonly cull: { readonly enabled: boolean; readonly timeout: number; readonly every: number };
}
