/**
 * Secrets: External Secrets Operator (HelmRelease, Pod Identity) and the ClusterSecretStore that
 * reads AWS Secrets Manager in the cluster's region. Secrets reach namespaces as ExternalSecrets
 * (`SecretSync`); no secret value is ever rendered, so none enters the repository, dist/ or
 * Terraform state.
 */
import { type ContractVariable, contractRef, IDENTITIES } from '../../../clusters/contract.js';
import { versions } from '../../../clusters/versions.js';
import {
  ClusterSecretStore,
  ClusterSecretStoreSpecProviderAwsService,
} from '../../imports/clustersecretstore-external-secrets.io.js';
import {
  ExternalSecret,
  ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetCreationPolicy,
  ExternalSecretSpecTargetDeletionPolicy,
} from '../../imports/externalsecret-external-secrets.io.js';
import type { Cluster } from '../../lib/cluster.js';
import { helmRelease } from '../../lib/flux.js';
import { type Placement, systemPlacement } from '../../lib/pod.js';
import type { Resources } from '../../lib/values.js';

/** ClusterSecretStore backed by AWS Secrets Manager. */
const CLUSTER_SECRET_STORE = 'aws-secrets-manager';

/** Values of the External Secrets chart that this project sets. */
export interface ExternalSecretsValues extends Placement {
  readonly installCRDs: boolean;
  readonly serviceAccount: { readonly create: boolean; readonly name: string };
  readonly resources: Resources;
  readonly webhook: Placement & { readonly resources: Resources };
  readonly certController: Placement & { readonly resources: Resources };
}

export interface SyncedSecretProps {
  /** Namespace of the Secret. */
  readonly namespace: string;
  /** Name of the ExternalSecret and of the Secret it creates. */
  readonly name: string;
  /** Contract variable holding the Secrets Manager secret's name. */
  readonly remoteKey: ContractVariable;
  /** Keys of the Secret: `[secretKey]` takes the whole value, `[secretKey, property]` one JSON field. */
  readonly keys: readonly (readonly [string] | readonly [string, string])[];
}

/** Secret name and key that pods read the Hugging Face token from. */
const HF_TOKEN_SECRET = { name: 'hf-token', key: 'token' } as const;

/** Kubernetes Secrets synced from AWS Secrets Manager, once per namespace and name. */
export class SecretSync {
  private readonly synced = new Map<string, SyncedSecretProps>();

  /** `after`: HelmReleases to install first (the Load Balancer Controller: see platform()). */
  constructor(
    private readonly cluster: Cluster,
    after: readonly string[],
  ) {
    const id = IDENTITIES.externalSecrets;
    cluster.namespaces.declare(id.namespace, { podSecurity: 'restricted' });
    const resources: Resources = { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } };
    helmRelease<ExternalSecretsValues>(cluster, {
      name: 'external-secrets',
      namespace: id.namespace,
      chart: versions.externalSecrets,
      dependsOn: after,
      values: {
        installCRDs: true,
        serviceAccount: { create: true, name: id.serviceAccount },
        resources,
        // Controller, webhook and cert controller Deployments on the system nodes: top-level,
        // `webhook.` and `certController.` `nodeSelector`/`tolerations`
        // (deploy/charts/external-secrets/values.yaml of external-secrets/external-secrets).
        ...systemPlacement(),
        webhook: { resources, ...systemPlacement() },
        certController: { resources, ...systemPlacement() },
      },
    });
    // No auth block: the controller's own credentials (EKS Pod Identity) are used.
    new ClusterSecretStore(cluster.layers.configs, `clustersecretstore-${CLUSTER_SECRET_STORE}`, {
      metadata: { name: CLUSTER_SECRET_STORE },
      spec: {
        provider: {
          aws: {
            service: ClusterSecretStoreSpecProviderAwsService.SECRETS_MANAGER,
            region: contractRef('AWS_REGION'),
          },
        },
      },
    });
  }

  /** Adds the ExternalSecret to the configs layer (once per namespace and name); returns the Secret name. */
  sync(props: SyncedSecretProps): string {
    const key = `${props.namespace}/${props.name}`;
    const existing = this.synced.get(key);
    if (existing) {
      if (JSON.stringify(existing) !== JSON.stringify(props)) {
        throw new Error(`Secret ${key}: synced twice from different sources`);
      }
      return props.name;
    }
    this.synced.set(key, props);
    new ExternalSecret(this.cluster.layers.configs, `externalsecret-${props.namespace}-${props.name}`, {
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        refreshInterval: '1h',
        secretStoreRef: {
          kind: ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE,
          name: CLUSTER_SECRET_STORE,
        },
        target: {
          name: props.name,
          creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
          deletionPolicy: ExternalSecretSpecTargetDeletionPolicy.RETAIN,
        },
        data: props.keys.map(([secretKey, property]) => ({
          secretKey,
          remoteRef: { key: contractRef(props.remoteKey), ...(property ? { property } : {}) },
        })),
      },
    });
    return props.name;
  }

  /** The `hf-token` Secret in `namespace`; returns its name and key. */
  huggingFaceToken(namespace: string): typeof HF_TOKEN_SECRET {
    this.sync({
      namespace,
      name: HF_TOKEN_SECRET.name,
      remoteKey: 'HF_TOKEN_SECRET_NAME',
      keys: [[HF_TOKEN_SECRET.key]],
    });
    return HF_TOKEN_SECRET;
  }
}
