/**
 * IAM building blocks shared by the components: policy documents rendered as
 * `aws_iam_policy_document` data sources (structured JSON that reviewers can diff, no API call)
 * and the role + inline policy + Pod Identity association of one in-cluster service account.
 */
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document/index.js';
import { EksPodIdentityAssociation } from '@cdktf/provider-aws/lib/eks-pod-identity-association/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { Construct } from 'constructs';
import type { WorkloadIdentity } from '../../clusters/contract.js';

export interface Condition {
  /** Condition operator, e.g. `StringEquals`. */
  readonly test: string;
  /** Condition key, e.g. `aws:ResourceTag/kubernetes.io/cluster/genai-dev`. */
  readonly variable: string;
  readonly values: readonly string[];
}

export interface Statement {
  /** Statement id: says what the statement is for. */
  readonly sid: string;
  /** @default 'Allow' */
  readonly effect?: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  /** @default none */
  readonly conditions?: readonly Condition[];
  /** Principals, for resource and trust policies. @default none */
  readonly principals?: readonly { readonly type: string; readonly identifiers: readonly string[] }[];
}

/** A policy document data source; use `.json`. */
export function policyDocument(
  scope: Construct,
  id: string,
  statements: readonly Statement[],
): DataAwsIamPolicyDocument {
  return new DataAwsIamPolicyDocument(scope, id, {
    statement: statements.map((s) => ({
      sid: s.sid,
      effect: s.effect ?? 'Allow',
      actions: [...s.actions],
      ...(s.resources.length > 0 ? { resources: [...s.resources] } : {}),
      ...(s.conditions
        ? {
            condition: s.conditions.map((c) => ({
              test: c.test,
              variable: c.variable,
              values: [...c.values],
            })),
          }
        : {}),
      ...(s.principals
        ? { principals: s.principals.map((p) => ({ type: p.type, identifiers: [...p.identifiers] })) }
        : {}),
    })),
  });
}

/** Trust policy for a role that an AWS service assumes. */
export function serviceTrust(scope: Construct, id: string, service: string, tagSession = false) {
  return policyDocument(scope, id, [
    {
      sid: 'AssumedBy',
      actions: tagSession ? ['sts:AssumeRole', 'sts:TagSession'] : ['sts:AssumeRole'],
      resources: [],
      principals: [{ type: 'Service', identifiers: [service] }],
    },
  ]);
}

export interface PodIdentityProps {
  /** EKS cluster name (an attribute of the cluster resource, so the association waits for it). */
  readonly clusterName: string;
  /** The service account and why it needs AWS. */
  readonly identity: WorkloadIdentity;
  /** IAM role name (at most 64 characters). */
  readonly roleName: string;
  /** What the role may do: statements scoped to this environment's resources. */
  readonly statements: readonly Statement[];
}

/**
 * One IAM role for one service account: trusted by EKS Pod Identity only, one inline
 * least-privilege policy, and the Pod Identity association (namespace, service account).
 */
export class PodIdentity extends Construct {
  readonly role: IamRole;
  readonly association: EksPodIdentityAssociation;

  constructor(scope: Construct, id: string, props: PodIdentityProps) {
    super(scope, id);
    if (props.roleName.length > 64) {
      throw new Error(`IAM role name ${props.roleName} is longer than 64 characters`);
    }
    this.role = new IamRole(this, 'role', {
      name: props.roleName,
      description: `${props.identity.namespace}/${props.identity.serviceAccount}: ${props.identity.purpose}`,
      assumeRolePolicy: serviceTrust(this, 'trust', 'pods.eks.amazonaws.com', true).json,
    });
    new IamRolePolicy(this, 'policy', {
      name: 'least-privilege',
      role: this.role.name,
      policy: policyDocument(this, 'permissions', props.statements).json,
    });
    this.association = new EksPodIdentityAssociation(this, 'association', {
      clusterName: props.clusterName,
      namespace: props.identity.namespace,
      serviceAccount: props.identity.serviceAccount,
      roleArn: this.role.arn,
    });
  }
}
