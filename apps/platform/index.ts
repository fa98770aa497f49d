/**
 * The platform: what every environment's workloads stand on. `platform()` adds it to a cluster
 * and returns the services workloads use; the platform never imports a workload.
 */
import type { Cluster } from '../lib/cluster.js';
import { accelerators } from './accelerators/index.js';
import { type Autoscaling, autoscaling } from './autoscaling/index.js';
import { karpenter } from './karpenter/index.js';
import { KUBERAY_NAMESPACE, kuberayOperator } from './kuberay/index.js';
import { type Observability, observability } from './observability/index.js';
import { SecretSync } from './secrets/index.js';
import { ModelStorage, STORAGE_CLASS_GP3 } from './storage/index.js';
import { GATEWAY, traffic } from './traffic/index.js';
import { ARGO, argoWorkflows } from './workflows/index.js';

/** What the platform offers workloads. */
export interface Platform {
  /** Model volumes (FSx for Lustre, the model bucket), claimed per namespace. */
  readonly storage: ModelStorage;
  /** Secrets synced from AWS Secrets Manager. */
  readonly secrets: SecretSync;
  /** The default StorageClass (encrypted gp3). */
  readonly storageClass: string;
  /** The shared Gateway HTTPRoutes attach to. */
  readonly gateway: typeof GATEWAY;
  /** The KubeRay operator, where a RayService runs. */
  readonly kuberay: { readonly namespace: string } | undefined;
  /** Argo Workflows, where a pipeline runs: its namespace and step service account. */
  readonly workflows: typeof ARGO | undefined;
  /** The monitoring stack: where Prometheus answers, and how workloads get scraped. */
  readonly observability: Observability;
  /** KEDA, when some vLLM deployment autoscales. */
  readonly autoscaling: Autoscaling | undefined;
}

export function platform(cluster: Cluster): Platform {
  const { workloads } = cluster.env;
  // The Load Balancer Controller first: its Service webhook fails closed, so every other release
  // that creates a Service waits until it is Ready (docs/platform.md, "Bootstrap order").
  const after = traffic(cluster);
  karpenter(cluster, after);
  accelerators(cluster, after);
  const storage = new ModelStorage(cluster);
  const secrets = new SecretSync(cluster, after);
  if (workloads.dogbooth) kuberayOperator(cluster, after);
  if (workloads.pipeline) argoWorkflows(cluster, after);
  const monitoring = observability(cluster, after);
  const scaler = workloads.vllm.some((v) => v.scaling) ? autoscaling(cluster, after) : undefined;
  return {
    storage,
    secrets,
    storageClass: STORAGE_CLASS_GP3,
    gateway: GATEWAY,
    kuberay: workloads.dogbooth ? { namespace: KUBERAY_NAMESPACE } : undefined,
    workflows: workloads.pipeline ? ARGO : undefined,
    observability: monitoring,
    autoscaling: scaler,
  };
}
