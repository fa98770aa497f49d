/**
 * Traffic: the AWS Load Balancer Controller (NLBs for LoadBalancer Services, ALBs and NLBs for
 * the Gateway API), the Gateway API CRDs, and one shared Gateway through which the web
 * endpoints are routed by path (HTTPRoutes). Load balancers are internal unless the
 * environment opens them to named CIDRs (`exposure.openTo`).
 */
import { contractRef } from '../../clusters/contract.js';
import { IDENTITIES } from '../../clusters/identities.js';
import { versions } from '../../clusters/versions.js';
import { helmRelease, type Resources } from '../flux/helm.js';
import { FLUX_NAMESPACE, layerDependsOn } from '../flux/index.js';
import { type GitRepositorySpec, KUSTOMIZE_API, type KustomizationSpec, SOURCE_API } from '../flux/types.js';
import type { Cluster } from '../lib/cluster.js';
import { GATEWAY } from '../lib/platform.js';
import { systemPlacement, type Toleration } from '../lib/pod.js';
import { resource } from '../lib/resource.js';
import { namespace } from '../namespaces/index.js';

/** GatewayClass served by the LBC's ALB gateway controller (HTTPRoute needs layer 7). */
export const GATEWAY_CLASS = { name: 'aws-alb', controllerName: 'gateway.k8s.aws/alb' } as const;

/** Flux objects that install the Gateway API CRDs before the controllers layer. */
export const GATEWAY_API_CRDS = 'gateway-api-crds';

export const GATEWAY_API = 'gateway.networking.k8s.io/v1';
export const LBC_GATEWAY_API = 'gateway.k8s.aws/v1';

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

export function traffic(cluster: Cluster): void {
  gatewayApiCrds(cluster);
  const id = IDENTITIES.awsLoadBalancerController;
  helmRelease<LoadBalancerControllerValues>(cluster, {
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
      // (stable/aws-load-balancer-controller/values.yaml of aws/eks-charts, read at an older
      // release than 3.5.0; the keys are the chart's long-standing ones).
      ...systemPlacement(),
      // Gateway API controllers on explicitly (otherwise they depend on CRD auto-detection).
      controllerConfig: { featureGates: { ALBGatewayAPI: true, NLBGatewayAPI: true } },
    },
  });
  gateway(cluster);
}

/**
 * The Gateway API standard channel, applied by Flux from the upstream repository at the
 * pinned tag. A separate Kustomization in flux-system: the controllers layer depends on it,
 * so the CRDs exist before the LBC starts its Gateway controllers. Not pruned: deleting a CRD
 * deletes every Gateway and route.
 */
function gatewayApiCrds(cluster: Cluster): void {
  const scope = cluster.layers['flux-system'];
  const git: GitRepositorySpec = {
    url: versions.gatewayApi.repository,
    interval: '24h',
    ref: { tag: versions.gatewayApi.tag },
    ignore: '/*\n!/config/crd/standard/\n',
  };
  resource(scope, 'gitrepository-gateway-api', {
    apiVersion: SOURCE_API,
    kind: 'GitRepository',
    metadata: { name: 'gateway-api', namespace: FLUX_NAMESPACE },
    body: { spec: git },
  });
  const spec: KustomizationSpec = {
    interval: '1h',
    retryInterval: '2m',
    timeout: '5m',
    path: './config/crd/standard',
    prune: false,
    wait: true,
    sourceRef: { kind: 'GitRepository', name: 'gateway-api' },
  };
  resource(scope, `kustomization-${GATEWAY_API_CRDS}`, {
    apiVersion: KUSTOMIZE_API,
    kind: 'Kustomization',
    metadata: { name: GATEWAY_API_CRDS, namespace: FLUX_NAMESPACE },
    body: { spec },
  });
  layerDependsOn(cluster, 'controllers', GATEWAY_API_CRDS);
}

function gateway(cluster: Cluster): void {
  const scope = cluster.layers.configs;
  const { openTo } = cluster.env.exposure;
  namespace(cluster, GATEWAY.namespace, 'restricted');
  resource(scope, 'gatewayclass-aws-alb', {
    apiVersion: GATEWAY_API,
    kind: 'GatewayClass',
    metadata: { name: GATEWAY_CLASS.name },
    body: { spec: { controllerName: GATEWAY_CLASS.controllerName } },
  });
  // IP targets: the ALB sends to pod IPs directly (VPC CNI), so backends can be ClusterIP
  // Services; without this the controller defaults to instance targets (NodePort Services).
  const targets = `${GATEWAY.name}-ip-targets`;
  resource(scope, 'targetgroupconfiguration-gateway-default', {
    apiVersion: LBC_GATEWAY_API,
    kind: 'TargetGroupConfiguration',
    metadata: { name: targets, namespace: GATEWAY.namespace },
    body: { spec: { defaultConfiguration: { targetType: 'ip' } } },
  });
  const lbConfig = `${GATEWAY.name}-load-balancer`;
  resource(scope, 'loadbalancerconfiguration-gateway', {
    apiVersion: LBC_GATEWAY_API,
    kind: 'LoadBalancerConfiguration',
    metadata: { name: lbConfig, namespace: GATEWAY.namespace },
    body: {
      spec: {
        ...(openTo.length > 0
          ? { scheme: 'internet-facing', sourceRanges: [...openTo] }
          : { scheme: 'internal' }),
        defaultTargetGroupConfiguration: { name: targets },
      },
    },
  });
  resource(scope, 'gateway-genai', {
    apiVersion: GATEWAY_API,
    kind: 'Gateway',
    metadata: { name: GATEWAY.name, namespace: GATEWAY.namespace },
    body: {
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
              namespaces: { from: 'All' },
              kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
            },
          },
        ],
      },
    },
  });
}

/**
 * Health check of one Service behind the Gateway (the ALB's default is `/` on the traffic
 * port). Call it from the workload that owns the Service; returns the object's name.
 */
export function gatewayHealthCheck(
  cluster: Cluster,
  namespace: string,
  service: string,
  path: string,
): string {
  const name = `${service}-health`;
  resource(cluster.layers.apps, `targetgroupconfiguration-${namespace}-${name}`, {
    apiVersion: LBC_GATEWAY_API,
    kind: 'TargetGroupConfiguration',
    metadata: { name, namespace },
    body: {
      spec: {
        targetReference: { kind: 'Service', name: service },
        defaultConfiguration: {
          targetType: 'ip',
          healthCheckConfig: { healthCheckPath: path, healthCheckProtocol: 'HTTP' },
        },
      },
    },
  });
  return name;
}
