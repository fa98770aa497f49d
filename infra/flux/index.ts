/**
 * The Flux bootstrap (in the bootstrap stage), through the Flux Operator
 * (controlplaneio-fluxcd/flux-operator; docs/decisions.md, "Flux through the Flux Operator"):
 *
 * 1. the operator (chart `versions.fluxOperator`, Helm provider) on the system nodes;
 * 2. the ConfigMap `flux-system/cluster-vars` with the contract variables the environment sets,
 *    and the Git credentials Secret for a private repository;
 * 3. a FluxInstance (chart `versions.fluxInstance`) that has the operator install Flux
 *    `versions.flux` exactly, from the manifests embedded in the operator's image, with the
 *    controllers on the system nodes, image automation left out, strict post-build substitution
 *    on, and `sync`: the GitRepository of this repository and the root Kustomization on
 *    `dist/k8s/<env>/flux-system`. The chart's post-install hook Job waits until the operator
 *    reports the instance Ready: controllers healthy, the repository fetched, the root
 *    Kustomization applied.
 *
 * Values keys, read at controlplaneio-fluxcd/charts@cf746d9 (chart 0.49.0, the newest in the
 * snapshot available here; confirm at the pinned version with `helm show values
 * oci://ghcr.io/controlplaneio-fluxcd/charts/<chart> --version <version>`):
 * charts/flux-operator/values.yaml `nodeSelector`, `tolerations` (templates/deployment.yaml),
 * `web.enabled`; charts/flux-instance/values.yaml `instance.distribution.*`, `.components`,
 * `.cluster.*`, `.sync.*`, `.kustomize.patches`, `healthcheck.enabled`, `.timeout`,
 * `.nodeSelector`, `.tolerations` (templates/instance.yaml, templates/healthcheck.yaml). FluxInstance
 * fields: controlplaneio-fluxcd/flux-operator@v0.58.1:docs/api/v1/fluxinstance.md and
 * config/crd/bases/fluxcd.controlplane.io_fluxinstances.yaml.
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
import { type HelmChart, versions } from '../../clusters/versions.js';
import { Fn, type ITerraformDependable, ref, TerraformStack, TerraformVariable, Token } from '../cdktf.js';

/**
 * The Flux components the FluxInstance installs: the operator's default set
 * (docs/api/v1/fluxinstance.md, "Components configuration"), written out so that image automation
 * stays off on purpose (versions change by pull request).
 */
export const FLUX_COMPONENTS = [
  'source-controller',
  'kustomize-controller',
  'helm-controller',
  'notification-controller',
] as const;

/**
 * kustomize-controller fails a post-build substitution whose variable has no default and is not in
 * cluster-vars, instead of substituting an empty string. The gate is on by default since
 * kustomize-controller v1.9 (fluxcd/kustomize-controller@v1.9.4:internal/features/features.go,
 * StrictPostBuildSubstitutions "opt-out from v1.9"); the bootstrap sets it anyway, so the guarantee
 * does not rest on a default.
 */
export const STRICT_SUBSTITUTION = '--feature-gates=StrictPostBuildSubstitutions=true';

/** The Kubernetes Secret in flux-system that the GitRepository references for a private repository. */
export const GIT_CREDENTIALS_SECRET = 'flux-git-credentials';

/**
 * Keys of the credentials JSON, per kind, as source-controller reads them from the Secret
 * (fluxcd/source-controller@v1.9.4:docs/spec/v1/gitrepositories.md, "SSH authentication" and
 * "GitHub": `.spec.provider: github`).
 */
export const GIT_CREDENTIAL_KEYS: { readonly [K in Exclude<GitCredentials, 'none'>]: readonly string[] } = {
  'ssh-key': ['identity', 'known_hosts'],
  'github-app': ['githubAppID', 'githubAppInstallationID', 'githubAppPrivateKey'],
};

/**
 * How long the FluxInstance chart may take, seconds (the Helm provider's `timeout`, default 300:
 * hashicorp/terraform-provider-helm@v3.1.1:docs/resources/release.md). Install: the hook Job waits
 * up to INSTANCE_READY_TIMEOUT for the instance. Destroy: the uninstall waits (`wait`) while the
 * operator's finalizer removes Flux, up to 5 minutes for the controllers and 5 for the CRDs
 * (flux-operator@v0.58.1:internal/controller/fluxinstance_uninstaller.go).
 */
const INSTANCE_RELEASE_TIMEOUT = 900;

/** How long the hook Job waits for the FluxInstance to become Ready (`healthcheck.timeout`). */
const INSTANCE_READY_TIMEOUT = '10m';

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

/** One kustomize patch of the FluxInstance (`spec.kustomize.patches[]`). */
interface FluxPatch {
  /** A strategic merge patch or a JSON 6902 patch, as text. */
  readonly patch: string;
  readonly target: { readonly kind: string; readonly name?: string };
}

/**
 * The patches the FluxInstance applies to the Flux manifests, after the operator's own
 * (flux-operator@v0.58.1:internal/builder/templates.go appends `spec.kustomize.patches` last):
 *
 * - every Deployment on the system nodes, the only capacity before Flux installs Karpenter (the
 *   same placement as the controllers-layer charts, docs/platform.md "Bootstrap order"): a
 *   strategic merge, so the operator's `kubernetes.io/os: linux` selector stays (its
 *   nodeSelectorTmpl), as in docs/guides/instance/instance-customization.md, "Node affinity and
 *   tolerations";
 * - kustomize-controller with STRICT_SUBSTITUTION. The operator already appends
 *   `--feature-gates=ObjectLevelWorkloadIdentity=false` to every controller (internal/builder
 *   workload_identity.go, profiles.go); repeated `--feature-gates` flags add up: the controllers
 *   bind it as a component-base MapStringBool (fluxcd/pkg/runtime@v0.110.1:features/features.go
 *   BindFlags, the version kustomize-controller v1.9.4's go.mod requires), whose Set adds each
 *   occurrence's pairs to one map (k8s.io/component-base@v0.36.2:cli/flag/map_string_bool.go).
 */
function fluxPatches(): FluxPatch[] {
  return [
    {
      target: { kind: 'Deployment' },
      patch: JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'all' },
        spec: { template: { spec: onSystemNodes() } },
      }),
    },
    {
      target: { kind: 'Deployment', name: 'kustomize-controller' },
      patch: JSON.stringify([
        { op: 'add', path: '/spec/template/spec/containers/0/args/-', value: STRICT_SUBSTITUTION },
      ]),
    },
  ];
}

/** A pod's node selector and toleration for the system nodes (clusters/contract.ts SYSTEM_NODES). */
function onSystemNodes() {
  return {
    nodeSelector: { [SYSTEM_NODES.label.key]: SYSTEM_NODES.label.value },
    tolerations: [{ key: SYSTEM_NODES.taint.key, operator: 'Exists', effect: SYSTEM_NODES.taint.effect }],
  };
}

/**
 * Helm's `repository` and `chart` for a chart of the versions table: an OCI chart there is its full
 * reference (`oci://<registry>/<path>/<chart>`), the Helm provider takes the path and the name
 * (hashicorp/terraform-provider-helm@v3.1.1:docs/resources/release.md, "Chart Repository
 * configured from OCI Registry").
 */
function helmSource(chart: HelmChart): { repository: string; chart: string } {
  const suffix = `/${chart.chart}`;
  if (!chart.repository.startsWith('oci://') || !chart.repository.endsWith(suffix)) {
    throw new Error(`${chart.chart}: expected an OCI reference ending in ${suffix}, got ${chart.repository}`);
  }
  return { repository: chart.repository.slice(0, -suffix.length), chart: chart.chart };
}

export class FluxBootstrap extends Construct {
  /** The Flux Operator. */
  readonly operator: Release;
  readonly clusterVars: ConfigMapV1;
  readonly gitCredentials: SecretV1 | undefined;
  /** The FluxInstance: Flux itself, and the sync of this repository. */
  readonly instance: Release;

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

    this.operator = new Release(this, 'operator', {
      provider: helm,
      name: 'flux-operator',
      namespace: FLUX.namespace,
      createNamespace: true,
      ...helmSource(versions.fluxOperator),
      version: versions.fluxOperator.version,
      atomic: true,
      wait: true,
      values: [
        JSON.stringify({
          ...onSystemNodes(),
          // The operator's web UI: not used here, and its server would need sign-in configured.
          web: { enabled: false },
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
      dependsOn: [this.operator],
    });
    this.gitCredentials = this.credentials(props, kubernetes);
    this.instance = new Release(this, 'instance', {
      provider: helm,
      // The chart names the FluxInstance `flux`, the one name the operator accepts
      // (docs/api/v1/fluxinstance.md), in the operator's namespace.
      name: 'flux',
      namespace: FLUX.namespace,
      ...helmSource(versions.fluxInstance),
      version: versions.fluxInstance.version,
      atomic: true,
      wait: true,
      timeout: INSTANCE_RELEASE_TIMEOUT,
      values: [
        JSON.stringify({
          instance: {
            distribution: {
              // An exact version, not a range: the operator installs this release and no other.
              version: versions.flux.replace(/^v/, ''),
              registry: 'ghcr.io/fluxcd',
              // No artifact: the manifests embedded in the pinned operator image, not the latest
              // ones pulled from an OCI artifact (the chart's default).
              artifact: '',
            },
            components: [...FLUX_COMPONENTS],
            cluster: { type: 'aws', networkPolicy: true },
            sync: {
              kind: 'GitRepository',
              name: FLUX.gitRepository,
              url: gitUrl.stringValue,
              ref: `refs/heads/${gitBranch.stringValue}`,
              path: layerPath(props.environment, 'flux-system'),
              interval: '1m',
              ...(this.gitCredentials ? { pullSecret: GIT_CREDENTIALS_SECRET } : {}),
              ...(props.gitCredentials === 'github-app' ? { provider: 'github' } : {}),
            },
            kustomize: { patches: fluxPatches() },
          },
          // The post-install/post-upgrade hook Job (`flux-operator wait instance`) that makes the
          // release wait for the instance, on the system nodes like everything else here.
          healthcheck: { enabled: true, timeout: INSTANCE_READY_TIMEOUT, ...onSystemNodes() },
        }),
      ],
      // cluster-vars and the credentials exist before the sync starts.
      dependsOn: [this.operator, this.clusterVars, ...(this.gitCredentials ? [this.gitCredentials] : [])],
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
      dependsOn: [this.operator],
    });
  }
}
