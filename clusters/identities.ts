/**
 * In-cluster service accounts that call AWS, and what each may do. apps/ creates the service
 * accounts with these names; infra/ creates one IAM role per entry and an EKS Pod Identity
 * association for (namespace, serviceAccount). Both sides import this list, so a rename on
 * one side cannot silently break the other.
 */

export interface WorkloadIdentity {
  /** Namespace of the service account. */
  readonly namespace: string;
  /** Service account name. */
  readonly serviceAccount: string;
  /** What the role allows, in words (the policy lives in infra/identity). */
  readonly purpose: string;
  /**
   * Who creates the service account: an EKS add-on that infra/ installs (apps/ must not create it).
   * @default apps/ creates it
   */
  readonly createdBy?: 'eks-addon';
}

export const IDENTITIES = {
  karpenter: {
    namespace: 'karpenter',
    serviceAccount: 'karpenter',
    purpose: 'launch and terminate EC2 capacity for NodePools, read the interruption queue',
  },
  awsLoadBalancerController: {
    namespace: 'kube-system',
    serviceAccount: 'aws-load-balancer-controller',
    purpose: 'manage NLBs and target groups for Services and Gateways',
  },
  externalSecrets: {
    namespace: 'external-secrets',
    serviceAccount: 'external-secrets',
    purpose: 'read the environment secrets in AWS Secrets Manager',
  },
  mountpointS3: {
    namespace: 'kube-system',
    serviceAccount: 's3-csi-driver-sa',
    purpose: 'read the model bucket for the Mountpoint for Amazon S3 CSI driver',
    createdBy: 'eks-addon',
  },
  argoWorkflows: {
    namespace: 'argo',
    serviceAccount: 'argo-workflow',
    purpose: 'read and write pipeline artifacts and publish models in the model bucket',
  },
  // --- infra --- (service accounts of EKS add-ons that infra/ installs)
  ebsCsi: {
    namespace: 'kube-system',
    serviceAccount: 'ebs-csi-controller-sa',
    purpose: 'create, attach and delete EBS volumes and snapshots tagged for this cluster',
    createdBy: 'eks-addon',
  },
  cloudwatchAgent: {
    namespace: 'amazon-cloudwatch',
    serviceAccount: 'cloudwatch-agent',
    purpose: 'publish Container Insights metrics and logs of this cluster to CloudWatch',
    createdBy: 'eks-addon',
  },
} as const satisfies Record<string, WorkloadIdentity>;

export type IdentityName = keyof typeof IDENTITIES;
