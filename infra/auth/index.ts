/**
 * Amazon Cognito sign-in for environments whose `authentication.kind` is `cognito`: a user
 * pool (admin-created users only), its hosted sign-in domain, and one app client for the web
 * endpoints (JupyterHub, Open WebUI).
 *
 * The app client is a PUBLIC client: no client secret is generated, so none can land in
 * Terraform state (Cognito returns a generated secret as a resource attribute, which Terraform
 * would store). The web apps use the authorization code flow with PKCE instead; see
 * docs/decisions.md.
 */
import { CognitoUserPool } from '@cdktf/provider-aws/lib/cognito-user-pool/index.js';
import { CognitoUserPoolClient } from '@cdktf/provider-aws/lib/cognito-user-pool-client/index.js';
import { CognitoUserPoolDomain } from '@cdktf/provider-aws/lib/cognito-user-pool-domain/index.js';
import { Construct } from 'constructs';
import { TerraformVariable } from '../cdktf.js';

export interface CognitoProps {
  /** EKS cluster name; prefixes names. */
  readonly clusterName: string;
  readonly region: string;
  readonly accountId: string;
}

export class CognitoSignIn extends Construct {
  readonly userPool: CognitoUserPool;
  readonly client: CognitoUserPoolClient;
  readonly domain: CognitoUserPoolDomain;

  constructor(scope: Construct, id: string, props: CognitoProps) {
    super(scope, id);
    const callbackUrls = new TerraformVariable(scope, 'cognito_callback_urls', {
      type: 'list(string)',
      description:
        'HTTPS callback URLs of the web endpoints (JupyterHub, Open WebUI) registered with the Cognito app client',
    });
    const logoutUrls = new TerraformVariable(scope, 'cognito_logout_urls', {
      type: 'list(string)',
      description: 'HTTPS URLs Cognito may redirect to after sign-out',
    });
    this.userPool = new CognitoUserPool(this, 'user-pool', {
      name: `${props.clusterName}-users`,
      deletionProtection: 'ACTIVE',
      usernameAttributes: ['email'],
      autoVerifiedAttributes: ['email'],
      adminCreateUserConfig: { allowAdminCreateUserOnly: true },
      mfaConfiguration: 'OPTIONAL',
      softwareTokenMfaConfiguration: { enabled: true },
      passwordPolicy: {
        minimumLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireNumbers: true,
        requireSymbols: true,
        temporaryPasswordValidityDays: 3,
      },
      accountRecoverySetting: { recoveryMechanism: [{ name: 'verified_email', priority: 1 }] },
    });
    this.domain = new CognitoUserPoolDomain(this, 'domain', {
      domain: `${props.clusterName}-${props.accountId}`,
      userPoolId: this.userPool.id,
    });
    this.client = new CognitoUserPoolClient(this, 'web-client', {
      name: `${props.clusterName}-web`,
      userPoolId: this.userPool.id,
      generateSecret: false,
      allowedOauthFlowsUserPoolClient: true,
      allowedOauthFlows: ['code'],
      allowedOauthScopes: ['openid', 'email', 'profile'],
      supportedIdentityProviders: ['COGNITO'],
      callbackUrls: callbackUrls.listValue,
      logoutUrls: logoutUrls.listValue,
      explicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      preventUserExistenceErrors: 'ENABLED',
      enableTokenRevocation: true,
    });
  }

  /** OIDC issuer URL (the user pool's `endpoint` attribute is `cognito-idp.<region>.amazonaws.com/<id>`). */
  get issuerUrl(): string {
    return `https://${this.userPool.endpoint}`;
  }

  /** Base URL of the hosted sign-in (authorize, token and logout endpoints live under it). */
  hostedDomainUrl(region: string): string {
    return `https://${this.domain.domain}.auth.${region}.amazoncognito.com`;
  }
}
