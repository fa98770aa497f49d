/**
 * The Flux bootstrap (in the bootstrap stage): Flux's controllers (Helm provider, pinned chart)
 * on the system nodes, the ConfigMap `flux-system/cluster-vars` with the contract variables the
 * environment sets, the Git credentials Flux needs for a private repository, and a GitRepository
 * of this repository with the root Kustomization on `dist/k8s/<env>/flux-system`.
 *
 * Charts: fluxcd-community/helm-charts at the tags of clusters/versions.ts (`flux`, `fluxSync`):
 * charts/flux2/values.yaml (`<controller>.nodeSelector`, `.tolerations`, `cli.*` for the
 * pre-install hook Job `flux check --pre` of templates/pre-install-job.yaml,
 * `kustomizeController.container.additionalArgs`, `image*Controller.create`) and
 * charts/flux2-sync/values.yaml (`gitRepository.spec.url`, `.ref`, `.interval`, `.secretRef`,
 * `.provider`; `kustomization.spec.path`, `.prune`, `.interval`).
 */

import { HelmProvider } from '@cdktf/provider-helm/lib/provider/index.js';
import { Release } from '@cdktf/provider-helm/lib/release/index.js';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1/index.js';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider/index.js';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1/index.js';
import { Construct } from 'constructs';
import {
  CLUSTER_VARS_CONFIGMAP,
  type ClusterVars,
  FLUX,
  layerPath,
  SYSTEM_NODES,
} from '../../clusters/contract.js';
import type { GitCredentials } from '../../clusters/lib/environment.js';
import { versions } from '../../clusters/versions.js';
import { Fn, type ITerraformDependable, ref, TerraformStack, TerraformVariable, Token } from '../cdktf.js';

/** Flux controllers the project uses (image automation is not used: versions change by pull request). */
export const FLUX_CONTROLLERS = [
  'sourceController',
  'kustomizeController',
  'helmController',
  'notificationController',
];

/**
 * kustomize-controller fails a post-build substitution whose variable has no default and is not in
 * cluster-vars, instead of substituting an empty string (fluxcd/kustomize-controller@v1.8.3:
 * internal/features/features.go StrictPostBuildSubstitutions; docs/spec/v1/kustomizations.md
 * recommends it).
 */
export const STRICT_SUBSTITUTION = '--feature-gates=StrictPostBuildSubstitutions=true';

/** The Kubernetes Secret in flux-system that the GitRepository references for a private repository. */
export const GIT_CREDENTIALS_SECRET = 'flux-git-credentials';

/**
 * Keys of the credentials JSON, per kind, as source-controller reads them from the Secret
 * (fluxcd/source-controller@v1.8.2:docs/spec/v1/gitrepositories.md, "SSH authentication" and
 * "GitHub": `.spec.provider: github`).
 */
export const GIT_CREDENTIAL_KEYS: { readonly [K in Exclude<GitCredentials, 'none'>]: readonly string[] } = {
  'ssh-key': ['identity', 'known_hosts'],
  'github-app': ['githubAppID', 'githubAppInstallationID', 'githubAppPrivateKey'],
};

/** Address of the ephemeral resource that reads the credentials (never stored in plan or state). */
const EPHEMERAL_CREDENTIALS = 'ephemeral.aws_secretsmanager_secret_version.flux_git';

export interface FluxBootstrapProps {
  /** Environment name: the root Kustomization applies `dist/k8s/<env>/flux-system`. */
  readonly environment: string;
  /** Cluster API endpoint, CA (base64) and name: the cluster stage's outputs. */
  readonly clusterEndpoint: string;
  readonly clusterCaBase64: string;
  readonly clusterName: string;
  readonly region: string;
  /** The contract variables the environment sets, each a reference. */
  readonly clusterVars: ClusterVars;
  /** How Flux authenticates to the repository. */
  readonly gitCredentials: GitCredentials;
  /** The Secrets Manager secret (ARN) holding the credentials JSON; required unless `none`. */
  readonly gitCredentialsSecret?: string;
  /** What must exist before Flux installs. @default none */
  readonly dependsOn?: readonly ITerraformDependable[];
}

export class FluxBootstrap extends Construct {
  readonly clusterVars: ConfigMapV1;
  readonly flux: Release;
  readonly sync: Release;
  readonly gitCredentials: SecretV1 | undefined;

  constructor(scope: Construct, id: string, props: FluxBootstrapProps) {
    super(scope, id);
    const stack = TerraformStack.of(this);
    const ssh = props.gitCredentials === 'ssh-key';
    const gitUrl = new TerraformVariable(stack, 'flux_git_url', {
      type: 'string',
      description: ssh
        ? 'SSH URL of this Git repository as Flux fetches it (ssh://git@<host>/<owner>/<repo>.git)'
        : 'HTTPS URL of this Git repository, as Flux fetches it',
    });
    // The URL's scheme must suit the credentials: a plan with the wrong one stops before any change.
    const scheme = ssh ? 'ssh://' : 'https://';
    gitUrl.addValidation({
      condition: Fn.startswith(gitUrl.stringValue, scheme),
      errorMessage: `bootstrap.gitCredentials is "${props.gitCredentials}": flux_git_url must be a ${scheme} URL`,
    });
    const gitBranch = new TerraformVariable(stack, 'flux_git_branch', {
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
    const kubernetes = new KubernetesProvider(stack, 'kubernetes', {
      host,
      clusterCaCertificate,
      exec: [exec],
    });
    const helm = new HelmProvider(stack, 'helm', { kubernetes: { host, clusterCaCertificate, exec } });

    // The same placement as the controllers-layer charts (docs/platform.md, "Bootstrap order"):
    // the system nodes are the only capacity before Flux installs Karpenter.
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
          kustomizeController: { ...onSystemNodes, container: { additionalArgs: [STRICT_SUBSTITUTION] } },
          // The pre-install hook Job (`flux check --pre`) runs with the CLI's placement.
          cli: onSystemNodes,
          imageAutomationController: { create: false },
          imageReflectionController: { create: false },
        }),
      ],
      ...(props.dependsOn ? { dependsOn: [...props.dependsOn] } : {}),
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
    this.gitCredentials = this.credentials(props, kubernetes);
    const secretRef = this.gitCredentials ? { secretRef: { name: GIT_CREDENTIALS_SECRET } } : {};
    const provider = props.gitCredentials === 'github-app' ? { provider: 'github' } : {};
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
            spec: {
              url: gitUrl.stringValue,
              ref: { branch: gitBranch.stringValue },
              interval: '1m',
              ...secretRef,
              ...provider,
            },
          },
          kustomization: {
            spec: { path: layerPath(props.environment, 'flux-system'), prune: true, interval: '10m' },
          },
        }),
      ],
      dependsOn: [this.clusterVars, ...(this.gitCredentials ? [this.gitCredentials] : [])],
    });
  }

  /**
   * The Secret the GitRepository references, written from the Secrets Manager secret without the
   * value entering dist/, the plan or the state: an ephemeral resource reads it during the run
   * (https://developer.hashicorp.com/terraform/language/resources/ephemeral; the AWS provider's
   * ephemeral aws_secretsmanager_secret_version, hashicorp/terraform-provider-aws#40009) and the
   * Secret takes it through the write-only `data_wo` (hashicorp/kubernetes 2.38.0
   * kubernetes_secret_v1, as @cdktf/provider-kubernetes 12.1.1 binds it; Terraform 1.11 or newer:
   * https://developer.hashicorp.com/terraform/language/manage-sensitive-data/write-only). cdktf
   * 0.21 has no construct for ephemeral blocks, so it is added to the stack's JSON as an override.
   * A new value is applied by raising `flux_git_credentials_revision`.
   */
  private credentials(props: FluxBootstrapProps, kubernetes: KubernetesProvider): SecretV1 | undefined {
    if (props.gitCredentials === 'none') return undefined;
    if (!props.gitCredentialsSecret) {
      throw new Error(`FluxBootstrap: gitCredentials "${props.gitCredentials}" needs gitCredentialsSecret`);
    }
    const stack = TerraformStack.of(this);
    stack.addOverride(EPHEMERAL_CREDENTIALS, { secret_id: props.gitCredentialsSecret });
    const revision = new TerraformVariable(stack, 'flux_git_credentials_revision', {
      type: 'number',
      default: 1,
      description: `Raise after putting new Git credentials into the secret (${props.gitCredentials}): Terraform then rewrites the write-only Secret`,
    });
    return new SecretV1(this, 'git-credentials', {
      provider: kubernetes,
      metadata: {
        name: GIT_CREDENTIALS_SECRET,
        namespace: FLUX.namespace,
        labels: { 'app.kubernetes.io/managed-by': 'terraform', 'app.kubernetes.io/part-of': 'genai-eks' },
      },
      type: 'Opaque',
      dataWo: Token.asStringMap(
        Fn.jsondecode(Token.asString(ref(`${EPHEMERAL_CREDENTIALS}.secret_string`, stack))),
      ),
      dataWoRevision: revision.numberValue,
      dependsOn: [this.flux],
    });
  }
}
