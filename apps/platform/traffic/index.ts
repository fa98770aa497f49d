/**
 * Traffic: the AWS Load Balancer Controller (NLBs for LoadBalancer Services, ALBs and NLBs for
 * the Gateway API), the Gateway API CRDs, and one shared Gateway through which the web
 * endpoints are routed by path (HTTPRoutes). Load balancers are internal unless the
 * environment opens them to named CIDRs (`exposure.openTo`).
 */
import { contractRef, FLUX, IDENTITIES } from '../../../clusters/contract.js';
import { versions } from '../../../clusters/versions.js';
import {
  Gateway,
  GatewaySpecListenersAllowedRoutesNamespacesFrom,
} from '../../imports/gateway-gateway.networking.k8s.io.js';
import { GatewayClass } from '../../imports/gatewayclass-gateway.networking.k8s.io.js';
import { GitRepository } from '../../imports/gitrepository-source.toolkit.fluxcd.io.js';
import type { Toleration } from '../../imports/k8s.js';
import {
  Kustomization,
  KustomizationSpecSourceRefKind,
} from '../../imports/kustomization-kustomize.toolkit.fluxcd.io.js';
import {
  LoadBalancerConfiguration,
  LoadBalancerConfigurationSpecScheme,
} from '../../imports/loadbalancerconfiguration-gateway.k8s.aws.js';
import {
  TargetGroupConfiguration,
  TargetGroupConfigurationSpecDefaultConfigurationTargetType,
} from '../../imports/targetgroupconfiguration-gateway.k8s.aws.js';
import type { Cluster } from '../../lib/cluster.js';
import { helmRelease } from '../../lib/flux.js';
import { systemPlacement } from '../../lib/pod.js';
import type { Resources } from '../../lib/values.js';

/** GatewayClass served by the LBC's ALB gateway controller (HTTPRoute needs layer 7). */
const GATEWAY_CLASS = { name: 'aws-alb', controllerName: 'gateway.k8s.aws/alb' } as const;

/** Shared Gateway for path-based routing of the web endpoints. */
export const GATEWAY = { name: 'genai', namespace: 'gateway', listener: 'http' } as const;

/** Flux objects that install the Gateway API CRDs before the controllers layer. */
const GATEWAY_API_CRDS = 'gateway-api-crds';

/** Values of the AWS Load Balancer Controller chart that this project sets. */
export interface LoadBalancerControllerValues {
  readonly clusterName: string;
  readonly region: string;
  readonly vpcId: string;
  readonly serviceAccount: { readonly create: boolean; readonly name: string };
  readonly replicaCount: number;
  readonly resources: Resources;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Toleration[];
  readonly controllerConfig: {
    readonly featureGates: { readonly ALBGatewayAPI: boolean; readonly NLBGatewayAPI: boolean };
  };
}

/**
 * Adds the Gateway API CRDs, the Load Balancer Controller and the shared Gateway; returns the
 * HelmReleases every other controllers-layer release must install after.
 *
 * The controller's chart registers a mutating webhook (`mservice.elbv2.k8s.aws`) on the CREATE
 * of every Service in every namespace, failure policy `Fail` (`enableServiceMutatorWebhook: true`,
 * `serviceMutatorWebhookConfig.failurePolicy: Fail`: values.yaml and templates/webhook.yaml of
 * stable/aws-load-balancer-controller, aws/eks-charts@5239609 = chart 3.5.0). From the moment
 * Helm creates that webhook until the controller's pods are Ready, the API server rejects every
 * new Service, so a chart that creates one at the same time fails its install. Waiting for this
 * release (Flux `dependsOn`, which waits for the release to be Ready, i.e. Helm's wait on the
 * Deployment) closes that window. Failing open instead (`Ignore`) would let a LoadBalancer
 * Service created in the window go to the legacy in-tree controller.
 */
export function traffic(cluster: Cluster): readonly string[] {
  gatewayApiCrds(cluster);
  const id = IDENTITIES.awsLoadBalancerController;
  const release = helmRelease<LoadBalancerControllerValues>(cluster, {
    name: 'aws-load-balancer-controller',
    namespace: id.namespace,
    chart: versions.awsLoadBalancerController,
    values: {
      clusterName: contractRef('CLUSTER_NAME'),
      region: contractRef('AWS_REGION'),
      vpcId: contractRef('VPC_ID'),
      serviceAccount: { create: true, name: id.serviceAccount },
      replicaCount: 2,
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
      // The controller Deployment on the system nodes: top-level `nodeSelector`/`tolerations`
      // (stable/aws-load-balancer-controller/values.yaml of aws/eks-charts).
      ...systemPlacement(),
      // Gateway API controllers on explicitly (otherwise they depend on CRD auto-detection).
      controllerConfig: { featureGates: { ALBGatewayAPI: true, NLBGatewayAPI: true } },
    },
  });
  gateway(cluster);
  return [release];
}

/**
 * The Gateway API standard channel, applied by Flux from the upstream repository at the pinned
 * tag. A separate Kustomization in flux-system: the controllers layer depends on it, so the CRDs
 * exist before the LBC starts its Gateway controllers. Not pruned: deleting a CRD deletes every
 * Gateway and route.
 */
function gatewayApiCrds(cluster: Cluster): void {
  const scope = cluster.layers['flux-system'];
  new GitRepository(scope, 'gitrepository-gateway-api', {
    metadata: { name: 'gateway-api', namespace: FLUX.namespace },
    spec: {
      url: versions.gatewayApi.repository,
      interval: '24h',
      ref: { tag: versions.gatewayApi.tag },
      ignore: '/*\n!/config/crd/standard/\n',
    },
  });
  new Kustomization(scope, `kustomization-${GATEWAY_API_CRDS}`, {
    metadata: { name: GATEWAY_API_CRDS, namespace: FLUX.namespace },
    spec: {
      interval: '1h',
      retryInterval: '2m',
      timeout: '5m',
      path: './config/crd/standard',
      prune: false,
      wait: true,
      sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: 'gateway-api' },
    },
  });
  cluster.flux.dependOn('controllers', GATEWAY_API_CRDS);
}

function gateway(cluster: Cluster): void {
  const scope = cluster.layers.configs;
  const { openTo } = cluster.env.exposure;
  cluster.namespaces.declare(GATEWAY.namespace, { podSecurity: 'restricted' });
  new GatewayClass(scope, 'gatewayclass-aws-alb', {
    metadata: { name: GATEWAY_CLASS.name },
    spec: { controllerName: GATEWAY_CLASS.controllerName },
  });
  // IP targets: the ALB sends to pod IPs directly (VPC CNI), so backends can be ClusterIP
  // Services; without this the controller defaults to instance targets (NodePort Services).
  const targets = `${GATEWAY.name}-ip-targets`;
  new TargetGroupConfiguration(scope, 'targetgroupconfiguration-gateway-default', {
    metadata: { name: targets, namespace: GATEWAY.namespace },
    spec: {
      defaultConfiguration: { targetType: TargetGroupConfigurationSpecDefaultConfigurationTargetType.IP },
    },
  });
  const lbConfig = `${GATEWAY.name}-load-balancer`;
  new LoadBalancerConfiguration(scope, 'loadbalancerconfiguration-gateway', {
    metadata: { name: lbConfig, namespace: GATEWAY.namespace },
    spec: {
      ...(openTo.length > 0
        ? { scheme: LoadBalancerConfigurationSpecScheme.INTERNET_HYPHEN_FACING, sourceRanges: [...openTo] }
        : { scheme: LoadBalancerConfigurationSpecScheme.INTERNAL }),
      defaultTargetGroupConfiguration: { name: targets },
    },
  });
  new Gateway(scope, 'gateway-genai', {
    metadata: { name: GATEWAY.name, namespace: GATEWAY.namespace },
    spec: {
      gatewayClassName: GATEWAY_CLASS.name,
      infrastructure: {
        parametersRef: { group: 'gateway.k8s.aws', kind: 'LoadBalancerConfiguration', name: lbConfig },
      },
      listeners: [
        {
          name: GATEWAY.listener,
          protocol: 'HTTP',
          port: 80,
          // HTTPRoutes from every namespace may attach (one platform team owns the cluster);
          // path prefixes are assigned per workload in the apps layer.
          allowedRoutes: {
            namespaces: { from: GatewaySpecListenersAllowedRoutesNamespacesFrom.ALL },
            kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
          },
        },
      ],
    },
  });
}
