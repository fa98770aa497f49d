/**
 * Secrets Manager secrets of an environment. Only the container is created here: the value is
 * put in out-of-band (`aws secretsmanager put-secret-value`, see docs/infra.md), so it never
 * appears in the repository, in dist/ or in Terraform state.
 */
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret/index.js';
import { Construct } from 'constructs';

export interface SecretsProps {
  /** EKS cluster name; secret names are `<cluster>/<purpose>`. */
  readonly clusterName: string;
  /**
   * Days a deleted secret can still be restored.
   * @default 7
   */
  readonly recoveryWindowInDays?: number;
  /**
   * Create the secret holding Flux's Git credentials (`bootstrap.gitCredentials` is not `none`).
   * @default false
   */
  readonly fluxGitCredentials?: boolean;
}

/** Name of the secret holding Flux's Git credentials. */
export function fluxGitSecretName(clusterName: string): string {
  return `${clusterName}/flux-git`;
}

export class Secrets extends Construct {
  /** The Hugging Face token (read by External Secrets, value set out-of-band). */
  readonly huggingFaceToken: SecretsmanagerSecret;
  /** Open WebUI credentials, JSON {secretKey, adminEmail, adminPassword} (value set out-of-band). */
  readonly openWebUi: SecretsmanagerSecret;
  /** JupyterHub sign-in secrets, JSON {password} or {clientId, clientSecret} (value set out-of-band). */
  readonly jupyterHub: SecretsmanagerSecret;
  /**
   * Flux's Git credentials as the JSON the bootstrap stage writes into the Secret its
   * GitRepository references (value set out-of-band; read by the bootstrap stage only, never by
   * External Secrets). @default none
   */
  readonly fluxGit: SecretsmanagerSecret | undefined;

  constructor(scope: Construct, id: string, props: SecretsProps) {
    super(scope, id);
    this.huggingFaceToken = new SecretsmanagerSecret(this, 'huggingface-token', {
      name: `${props.clusterName}/huggingface-token`,
      description: `Hugging Face access token for ${props.clusterName}; value set out-of-band, never by Terraform`,
      recoveryWindowInDays: props.recoveryWindowInDays ?? 7,
    });
    this.openWebUi = new SecretsmanagerSecret(this, 'open-webui', {
      name: `${props.clusterName}/open-webui`,
      description: `Open WebUI secret key and first admin for ${props.clusterName} (JSON); value set out-of-band`,
      recoveryWindowInDays: props.recoveryWindowInDays ?? 7,
    });
    this.jupyterHub = new SecretsmanagerSecret(this, 'jupyterhub', {
      name: `${props.clusterName}/jupyterhub`,
      description: `JupyterHub sign-in secrets for ${props.clusterName} (JSON); value set out-of-band`,
      recoveryWindowInDays: props.recoveryWindowInDays ?? 7,
    });
    this.fluxGit = props.fluxGitCredentials
      ? new SecretsmanagerSecret(this, 'flux-git', {
          name: fluxGitSecretName(props.clusterName),
          description: `Flux's credentials for the Git repository of ${props.clusterName} (JSON); value set out-of-band, read by the bootstrap stage only`,
          recoveryWindowInDays: props.recoveryWindowInDays ?? 7,
        })
      : undefined;
  }

  /** Every secret External Secrets may read (Flux's Git credentials are not among them). */
  get all(): SecretsmanagerSecret[] {
    return [this.huggingFaceToken, this.openWebUi, this.jupyterHub];
  }
}
