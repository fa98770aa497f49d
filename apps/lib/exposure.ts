/**
 * Load-balanced Services through the AWS Load Balancer Controller: an internal NLB by default;
 * internet-facing only when the environment names source CIDRs (`exposure.openTo`).
 */
import type { Construct } from 'constructs';
import type { Environment } from '../../clusters/lib/environment.js';
import { resource } from './resource.js';

export type Exposure = 'internal' | 'open';

export interface LoadBalancerSettings {
  readonly type: 'LoadBalancer';
  readonly loadBalancerClass: 'service.k8s.aws/nlb';
  readonly loadBalancerSourceRanges?: readonly string[];
  readonly annotations: Readonly<Record<string, string>>;
}

/**
 * Service fields and annotations for an NLB. `open` needs `exposure.openTo` to name CIDRs;
 * `what` and `field` name the workload in the error.
 */
export function loadBalancer(
  env: Environment,
  exposure: Exposure,
  what: string,
  field: string,
): LoadBalancerSettings {
  const annotations: Record<string, string> = {
    'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
    'service.beta.kubernetes.io/aws-load-balancer-scheme':
      exposure === 'open' ? 'internet-facing' : 'internal',
  };
  if (exposure === 'internal')
    return { type: 'LoadBalancer', loadBalancerClass: 'service.k8s.aws/nlb', annotations };
  if (env.exposure.openTo.length === 0) {
    throw new Error(
      `${what}: ${field}: "open" needs exposure.openTo to name the CIDRs allowed in (it is empty, so only internal exposure is possible)`,
    );
  }
  return {
    type: 'LoadBalancer',
    loadBalancerClass: 'service.k8s.aws/nlb',
    loadBalancerSourceRanges: env.exposure.openTo,
    annotations,
  };
}

/** A LoadBalancer Service on port 80 to the pods' port named `http`, with `lb`'s settings. */
export function loadBalancerService(
  scope: Construct,
  props: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly lb: LoadBalancerSettings;
  },
): void {
  const { name, namespace, labels, lb } = props;
  resource(scope, `service-${name}`, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels, annotations: lb.annotations },
    body: {
      spec: {
        type: lb.type,
        loadBalancerClass: lb.loadBalancerClass,
        ...(lb.loadBalancerSourceRanges ? { loadBalancerSourceRanges: lb.loadBalancerSourceRanges } : {}),
        selector: labels,
        ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
      },
    },
  });
}
