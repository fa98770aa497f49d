/**
 * Argo Workflows (HelmRelease, controllers layer), for environments that run a pipeline. Step
 * pods run as the `argo-workflow` service account, whose Pod Identity role reads and writes the
 * model bucket (clusters/contract.ts IDENTITIES.argoWorkflows); artifacts go there.
 */
import { contractRef, IDENTITIES } from '../../../clusters/contract.js';
import { versions } from '../../../clusters/versions.js';
import type { Cluster } from '../../lib/cluster.js';
import { helmRelease } from '../../lib/flux.js';
import { restrictedContainer, systemPlacement } from '../../lib/pod.js';

export const ARGO = IDENTITIES.argoWorkflows;

export function argoWorkflows(cluster: Cluster): void {
  const ns = cluster.namespaces.declare(ARGO.namespace, {
    podSecurity: 'restricted',
    isolation: 'namespace',
  });
  const podSecurityContext = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
  const small = { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } };
  helmRelease(cluster, {
    name: 'argo-workflows',
    namespace: ns,
    chart: versions.argoWorkflowsChart,
    values: {
      images: { pullPolicy: 'IfNotPresent' },
      crds: { install: true, keep: true },
      workflow: {
        serviceAccount: { create: true, name: ARGO.serviceAccount },
        rbac: { create: true },
      },
      controller: {
        workflowNamespaces: [ns],
        podSecurityContext,
        resources: { requests: { cpu: '200m', memory: '512Mi' }, limits: { memory: '1Gi' } },
        // Controllers layer: on the system nodes (no NodePool exists yet), via
        // `controller.`/`server.` `nodeSelector`/`tolerations` (values table of
        // charts/argo-workflows/README.md in argoproj/argo-helm; the chart's default
        // `kubernetes.io/os` selector merges in). Workflow step pods keep their own placement.
        ...systemPlacement(),
      },
      server: {
        podSecurityContext,
        resources: small,
        ...systemPlacement(),
      },
      // The init and wait containers Argo adds to every step pod.
      executor: {
        securityContext: restrictedContainer(),
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
      },
      mainContainer: { securityContext: restrictedContainer() },
      // Artifacts in the model bucket, with the workflow service account's Pod Identity role.
      useDefaultArtifactRepo: true,
      useStaticCredentials: false,
      artifactRepository: {
        archiveLogs: true,
        s3: {
          bucket: contractRef('MODEL_BUCKET'),
          endpoint: `s3.${contractRef('AWS_REGION')}.amazonaws.com`,
          region: contractRef('AWS_REGION'),
          useSDKCreds: true,
          keyFormat: 'pipelines/{{workflow.name}}/{{pod.name}}',
        },
      },
    },
  });
  // Controller, server and step pods: the Kubernetes API (controller, server, the executor),
  // artifacts in S3, the Hugging Face Hub, PyPI and GitHub (training script), all on 443; the
  // step pods' bucket credentials come from the Pod Identity agent.
  cluster.network.httpsEgress(ns, 'argo');
  cluster.network.podIdentityAgent(ns, 'argo');
}
