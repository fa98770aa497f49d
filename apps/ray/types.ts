/** Hand-written types for the KubeRay (ray.io/v1) and Gateway API (v1) fields this project uses. */
import type { PodSpec } from '../lib/pod.js';

export const RAY_API = 'ray.io/v1';
export const GATEWAY_API = 'gateway.networking.k8s.io/v1';

export interface PodTemplate {
  readonly metadata?: { readonly labels?: Readonly<Record<string, string>> };
  readonly spec: PodSpec;
}

export interface RayServiceSpec {
  /** Ray Serve config (YAML text): applications, deployments, runtime_env. */
  readonly serveConfigV2: string;
  readonly rayClusterConfig: {
    readonly rayVersion: string;
    readonly enableInTreeAutoscaling?: boolean;
    readonly autoscalerOptions?: {
      readonly upscalingMode?: 'Default' | 'Aggressive' | 'Conservative';
      readonly idleTimeoutSeconds?: number;
      readonly resources?: {
        readonly requests: Readonly<Record<string, string>>;
        readonly limits?: Readonly<Record<string, string>>;
      };
      readonly securityContext?: PodSpec['containers'][number]['securityContext'];
    };
    readonly headGroupSpec: {
      readonly rayStartParams: Readonly<Record<string, string>>;
      readonly template: PodTemplate;
    };
    readonly workerGroupSpecs: readonly {
      readonly groupName: string;
      readonly replicas: number;
      readonly minReplicas: number;
      readonly maxReplicas: number;
      readonly rayStartParams: Readonly<Record<string, string>>;
      readonly template: PodTemplate;
    }[];
  };
}

export interface HTTPRouteSpec {
  readonly parentRefs: readonly {
    readonly name: string;
    readonly namespace: string;
    readonly sectionName: string;
  }[];
  readonly rules: readonly {
    readonly matches: readonly {
      readonly path: { readonly type: 'PathPrefix' | 'Exact'; readonly value: string };
    }[];
    readonly filters?: readonly {
      readonly type: 'URLRewrite';
      readonly urlRewrite: {
        readonly path: { readonly type: 'ReplacePrefixMatch'; readonly replacePrefixMatch: string };
      };
    }[];
    readonly backendRefs: readonly { readonly name: string; readonly port: number }[];
  }[];
}
