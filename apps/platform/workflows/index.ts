/**
 * Argo Workflows (HelmRelease, controllers layer), for environments that run a pipeline. Step
 * pods run as the `argo-workflow` service account, whose Pod Identity role reads and writes the
 * model bucket (clusters/contract.ts IDENTITIES.argoWorkflows); artifacts go there.
 *
 * Values keys: read in argoproj/argo-helm@argo-workflows-1.0.18:charts/argo-workflows/values.yaml
 * and templates/ (the newest chart the stored snapshot holds; the pinned 2.0.2's own files could
 * not be read here, docs/platform.md "Chart values"). `useDefaultArtifactRepo` was dropped from
 * the chart in argo-workflows-0.26.0 (argoproj/argo-helm commit 2197c8e0): the artifact
 * repository is rendered whenever `artifactRepository.s3` is set.
 */
import { contractRef, IDENTITIES } from '../../../clusters/contract.js';
import { versions } from '../../../clusters/versions.js';
import type { PodSecurityContext, SecurityContext } from '../../imports/k8s.js';
import type { Cluster } from '../../lib/cluster.js';
import { helmRelease } from '../../lib/flux.js';
import { type Placement, restrictedContainer, systemPlacement } from '../../lib/pod.js';
import type { Resources } from '../../lib/values.js';

export const ARGO = IDENTITIES.argoWorkflows;

/**
 * What each executor container Argo adds to every step pod requests (chart value
 * `executor.resources`): `init` runs before the step's container, `wait` beside it for the whole
 * step (argoproj/argo-workflows@v4.1.2:workflow/controller/workflowpod.go createWorkflowPod). A
 * step sized to its node's share must leave the `wait` container this much
 * (apps/workloads/dogbooth/pipeline.ts).
 */
export const EXECUTOR_REQUESTS = { cpuMillicores: 100, memoryMiB: 128 } as const;

/** Values of the argo-workflows chart that this project sets. */
export interface ArgoWorkflowsValues {
  readonly images: { readonly pullPolicy: string };
  readonly crds: {
    readonly install: boolean;
    readonly keep: boolean;
    /** The pre-install/pre-upgrade hook Job that applies the full CRDs (templates/crds-install-job.yaml). */
    readonly upgradeJob: Placement & { readonly resources: Resources };
  };
  readonly workflow: {
    readonly serviceAccount: { readonly create: boolean; readonly name: string };
    readonly rbac: { readonly create: boolean };
  };
  readonly controller: Placement & {
    readonly workflowNamespaces: readonly string[];
    readonly podSecurityContext: PodSecurityContext;
    readonly resources: Resources;
  };
  readonly server: Placement & {
    readonly podSecurityContext: PodSecurityContext;
    readonly resources: Resources;
  };
  readonly executor: { readonly securityContext: SecurityContext; readonly resources: Resources };
  readonly mainContainer: { readonly securityContext: SecurityContext };
  readonly useStaticCredentials: boolean;
  readonly artifactRepository: {
    readonly archiveLogs: boolean;
    readonly s3: {
      readonly bucket: string;
      readonly endpoint: string;
      readonly region: string;
      readonly useSDKCreds: boolean;
      readonly keyFormat: string;
    };
  };
}

export function argoWorkflows(cluster: Cluster, after: readonly string[]): void {
  const ns = cluster.namespaces.declare(ARGO.namespace, {
    podSecurity: 'restricted',
    isolation: 'namespace',
  });
  const podSecurityContext: PodSecurityContext = {
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
  };
  const small: Resources = { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } };
  helmRelease<ArgoWorkflowsValues>(cluster, {
    name: 'argo-workflows',
    namespace: ns,
    chart: versions.argoWorkflowsChart,
    dependsOn: after,
    values: {
      images: { pullPolicy: 'IfNotPresent' },
      crds: {
        install: true,
        keep: true,
        // The chart applies its full CRDs from a pre-install/pre-upgrade hook Job
        // (`crds.full`, default true). Helm waits for it before anything else of the release, so
        // it must run where the controllers layer runs: the system nodes, via
        // `crds.upgradeJob.nodeSelector`/`tolerations` (templates/crds-install-job.yaml). Its
        // container keeps the chart's restricted securityContext; it downloads the CRDs from
        // raw.githubusercontent.com (443, allowed below) and applies them through the API server.
        upgradeJob: {
          ...systemPlacement(),
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
        },
      },
      workflow: {
        serviceAccount: { create: true, name: ARGO.serviceAccount },
        rbac: { create: true },
      },
      controller: {
        workflowNamespaces: [ns],
        podSecurityContext,
        resources: { requests: { cpu: '200m', memory: '512Mi' }, limits: { memory: '1Gi' } },
        // Controllers layer: on the system nodes (no NodePool exists yet), via
        // `controller.`/`server.` `nodeSelector`/`tolerations` (the chart's default
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
        resources: {
          requests: {
            cpu: `${EXECUTOR_REQUESTS.cpuMillicores}m`,
            memory: `${EXECUTOR_REQUESTS.memoryMiB}Mi`,
          },
          limits: { memory: '512Mi' },
        },
      },
      mainContainer: { securityContext: restrictedContainer() },
      // Artifacts in the model bucket, with the workflow service account's Pod Identity role:
      // no static credentials, the SDK's default chain (templates/controller/
      // workflow-controller-config-map.yaml renders `artifactRepository` when `s3` is set).
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
  // Controller, server, CRD hook Job and step pods: the Kubernetes API (controller, server, the
  // hook Job, the executor), the CRD files on GitHub, artifacts in S3, the Hugging Face Hub, PyPI
  // and GitHub (training script), all on 443; the step pods' bucket credentials come from the
  // Pod Identity agent.
  cluster.network.httpsEgress(ns, 'argo');
  cluster.network.podIdentityAgent(ns, 'argo');
}
