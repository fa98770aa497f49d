/**
 * The Flux bootstrap: Flux's controllers (Helm provider, pinned chart) on the system nodes, the
 * ConfigMap `flux-system/cluster-vars` with every contract variable, and a GitRepository of
 * this repository with the root Kustomization on `dist/k8s/<env>/flux-system`.
 */

import { HelmProvider } from '@cdktf/provider-helm/lib/provider/index.js';
import { Release } from '@cdktf/provider-helm/lib/release/index.js';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1/index.js';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider/index.js';
import { Construct } from 'constructs';
import {
  CLUSTER_VARS_CONFIGMAP,
  type ClusterVars,
  FLUX,
  layerPath,
  SYSTEM_NODES,
} from '../../clusters/contract.js';
import { versions } from '../../clusters/versions.js';
import { Fn, type ITerraformDependable, TerraformVariable } from '../cdktf.js';

/** Flux controllers the project uses (image automation is not used: versions change by pull request). */
export const FLUX_CONTROLLERS = [
  'sourceController',
  'kustomizeController',
  'helmController',
  'notificationController',
];

export interface FluxBootstrapProps {
  /** Environment name: the root Kustomization applies `dist/k8s/<env>/flux-system`. */
  readonly environment: string;
  /** Cluster API endpoint, CA (base64) and name: attributes of the cluster resource. */
  readonly clusterEndpoint: string;
  readonly clusterCaBase64: string;
  readonly clusterName: string;
  readonly region: string;
  /** The contract variables, each from a resource attribute or data source. */
  readonly clusterVars: ClusterVars;
  /** What must exist before Flux can run (system nodes, CoreDNS...). */
  readonly dependsOn: readonly ITerraformDependable[];
}

export class FluxBootstrap extends Construct {
  readonly clusterVars: ConfigMapV1;
  readonly flux: Release;
  readonly sync: Release;

  constructor(scope: Construct, id: string, props: FluxBootstrapProps) {
    super(scope, id);
    const gitUrl = new TerraformVariable(scope, 'flux_git_url', {
      type: 'string',
      description: 'HTTPS URL of this Git repository, as Flux fetches it',
    });
    const gitBranch = new TerraformVariable(scope, 'flux_git_branch', {
      type: 'string',
      description: 'Branch of the repository that Flux follows for this environment',
    });
    // Short-lived tokens from the AWS CLI at plan/apply time: no credential is stored in state.
    const exec = {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      command: 'aws',
      args: ['eks', 'get-token', '--cluster-name', props.clusterName, '--region', props.region],
    };
    const host = props.clusterEndpoint;
    const clusterCaCertificate = Fn.base64decode(props.clusterCaBase64);
    const kubernetes = new KubernetesProvider(scope, 'kubernetes', {
      host,
      clusterCaCertificate,
      exec: [exec],
    });
    const helm = new HelmProvider(scope, 'helm', { kubernetes: { host, clusterCaCertificate, exec } });

    // The same placement as the controllers-layer charts (docs/platform.md, "Bootstrap order").
    const onSystemNodes = {
      nodeSelector: { [SYSTEM_NODES.label.key]: SYSTEM_NODES.label.value },
      tolerations: [{ key: SYSTEM_NODES.taint.key, operator: 'Exists', effect: SYSTEM_NODES.taint.effect }],
    };
    this.flux = new Release(this, 'flux', {
      provider: helm,
      name: 'flux2',
      namespace: FLUX.namespace,
      createNamespace: true,
      repository: versions.flux.repository,
      chart: versions.flux.chart,
      version: versions.flux.version,
      atomic: true,
      wait: true,
      values: [
        JSON.stringify({
          ...Object.fromEntries(FLUX_CONTROLLERS.map((c) => [c, onSystemNodes])),
          imageAutomationController: { create: false },
          imageReflectionController: { create: false },
        }),
      ],
      dependsOn: [...props.dependsOn],
    });
    this.clusterVars = new ConfigMapV1(this, 'cluster-vars', {
      provider: kubernetes,
      metadata: {
        name: CLUSTER_VARS_CONFIGMAP,
        namespace: FLUX.namespace,
        labels: { 'app.kubernetes.io/managed-by': 'terraform', 'app.kubernetes.io/part-of': 'genai-eks' },
      },
      data: { ...props.clusterVars },
      dependsOn: [this.flux],
    });
    this.sync = new Release(this, 'sync', {
      provider: helm,
      name: FLUX.gitRepository,
      namespace: FLUX.namespace,
      repository: versions.fluxSync.repository,
      chart: versions.fluxSync.chart,
      version: versions.fluxSync.version,
      values: [
        JSON.stringify({
          gitRepository: {
            spec: { url: gitUrl.stringValue, ref: { branch: gitBranch.stringValue }, interval: '1m' },
          },
          kustomization: {
            spec: { path: layerPath(props.environment, 'flux-system'), prune: true, interval: '10m' },
          },
        }),
      ],
      dependsOn: [this.clusterVars],
    });
  }
}
