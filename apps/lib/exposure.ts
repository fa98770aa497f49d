/**
 * Load-balanced Services through the AWS Load Balancer Controller: an internal NLB by default;
 * internet-facing only when the environment names source CIDRs (`exposure.openTo`), which the
 * loader checks for every `open` workload.
 *
 * Typed with the Kubernetes 1.35 API rather than cdk8s-plus-28: its Service has no
 * `loadBalancerClass` and takes only numeric target ports.
 */
import type { Construct } from 'constructs';
import type { Exposure } from '../../clusters/lib/environment.js';
import type { Environment } from '../../clusters/lib/resolve.js';
import { KubeService } from '../imports/k8s.js';
import { port } from './pod.js';

export interface LoadBalancerSettings {
  /** `service.beta.kubernetes.io/aws-load-balancer-*` annotations. */
  readonly annotations: Readonly<Record<string, string>>;
  /** Source ranges of an internet-facing NLB. @default internal: none */
  readonly loadBalancerSourceRanges?: readonly string[];
}

/** Annotations and source ranges of an NLB for a workload exposed `exposure`. */
export function loadBalancer(env: Pick<Environment, 'exposure'>, exposure: Exposure): LoadBalancerSettings {
  const annotations = {
    'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
    'service.beta.kubernetes.io/aws-load-balancer-scheme':
      exposure === 'open' ? 'internet-facing' : 'internal',
  };
  return exposure === 'open'
    ? { annotations, loadBalancerSourceRanges: env.exposure.openTo }
    : { annotations };
}

/** A LoadBalancer Service on port 80 to the pods' port named `http`, through an NLB. */
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
  new KubeService(scope, `service-${name}`, {
    metadata: { name, namespace, labels: { ...labels }, annotations: { ...lb.annotations } },
    spec: {
      type: 'LoadBalancer',
      loadBalancerClass: 'service.k8s.aws/nlb',
      ...(lb.loadBalancerSourceRanges ? { loadBalancerSourceRanges: [...lb.loadBalancerSourceRanges] } : {}),
      selector: { ...labels },
      ports: [{ name: 'http', port: 80, targetPort: port('http'), protocol: 'TCP' }],
    },
  });
}
