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
}

export class Secrets extends Construct {
  /** The Hugging Face token (read by External Secrets, value set out-of-band). */
  readonly huggingFaceToken: SecretsmanagerSecret;

  constructor(scope: Construct, id: string, props: SecretsProps) {
    super(scope, id);
    this.huggingFaceToken = new SecretsmanagerSecret(this, 'huggingface-token', {
      name: `${props.clusterName}/huggingface-token`,
      description: `Hugging Face access token for ${props.clusterName}; value set out-of-band, never by Terraform`,
      recoveryWindowInDays: props.recoveryWindowInDays ?? 7,
    });
  }
}
