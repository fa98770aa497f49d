/**
 * NetworkPolicies of the workload namespaces: a default deny in both directions (with DNS, and
 * traffic inside the namespace where its pods trust each other), then the flows each workload
 * needs. Runs after the workloads (apps/index.ts) and covers only the namespaces they declared,
 * so an environment without a workload gets no policies for it.
 *
 * Notes that decide what is (not) here:
 * - Load balancers: NLBs and the Gateway's ALB use IP targets; with IP targets the NLB does not
 *   preserve client addresses by default, so packets reach pods from the load balancer's own
 *   address in the VPC. `allowFromLoadBalancers` admits the VPC CIDR. Pods get VPC addresses
 *   too (VPC CNI), so this also admits other pods on those ports: the port list is the limit.
 * - Kubernetes API: the `kubernetes` Service address (outside the VPC CIDR) is translated to
 *   the control plane's ENIs in the VPC; which of the two the node agent sees depends on where
 *   the translation happens, so API clients get HTTPS to 0.0.0.0/0 (which they need anyway for
 *   S3, the Hugging Face Hub or PyPI) rather than a rule that may match neither.
 * - FSx for Lustre: the Lustre client runs in the node's kernel (the CSI driver mounts the
 *   volume on the host); its traffic to the file system (TCP 988, 1018-1023) is node traffic,
 *   which pod NetworkPolicies do not see. No rule for it.
 * - Kubelet probes and `kubectl port-forward` come from the node (or inside the pod), which the
 *   VPC CNI agent always allows; the Argo server UI is reached only that way.
 * - No Prometheus runs in the cluster, so no scrape rules.
 */

import { IDENTITIES } from '../../clusters/identities.js';
import { MODEL_CATALOGUE } from '../catalog/models.js';
import { INFERENCE_NAMESPACE, VLLM_POD_LABELS, VLLM_PORT } from '../inference/index.js';
import { JUPYTERHUB_NAMESPACE } from '../jupyterhub/index.js';
import type { Cluster } from '../lib/cluster.js';
import { DOGBOOTH_NAMESPACE, DOGBOOTH_POD, KUBERAY_NAMESPACE } from '../ray/index.js';
import { WEBUI_NAMESPACE, WEBUI_POD } from '../webui/index.js';
import {
  allowFromLoadBalancers,
  allowFromNamespace,
  allowHttpsEgress,
  allowPodIdentityAgent,
  allowToNamespace,
  defaultDeny,
} from './network.js';

/** Label the Zero to JupyterHub chart puts on every single-user server pod. */
export const JUPYTERHUB_SINGLEUSER_LABELS = { component: 'singleuser-server' } as const;
/** Label KubeRay puts on the head pod of a Ray cluster. */
export const RAY_HEAD_LABELS = { 'ray.io/node-type': 'head' } as const;
const ALL_PODS = {} as const;
/** The label that tells the vLLM deployments apart (the `workloads.vllm[].name`). */
const INSTANCE_LABEL = 'app.kubernetes.io/instance';

/** Whether a capability declared `name` (apps/namespaces/index.ts renders it in controllers). */
function declared(cluster: Cluster, name: string): boolean {
  return cluster.layers.controllers.node.tryFindChild(`namespace-${name}`) !== undefined;
}

export function workloadNetworkPolicies(cluster: Cluster): void {
  const vllm = declared(cluster, INFERENCE_NAMESPACE);
  const webui = declared(cluster, WEBUI_NAMESPACE);
  const hub = declared(cluster, JUPYTERHUB_NAMESPACE);
  const vllmPort = [{ port: VLLM_PORT }];

  if (vllm) {
    const ns = INFERENCE_NAMESPACE;
    defaultDeny(cluster, ns);
    // NLB targets (and its health checks).
    allowFromLoadBalancers(cluster, ns, 'vllm', VLLM_POD_LABELS, vllmPort);
    // Model downloads from the Hugging Face Hub (into the FSx cache), only for deployments whose
    // weights come from there; the others read FSx and run with HF_HUB_OFFLINE.
    for (const e of cluster.env.workloads?.vllm ?? []) {
      if (MODEL_CATALOGUE.get(e.model)?.source.kind !== 'huggingface') continue;
      allowHttpsEgress(cluster, ns, `vllm-${e.name}`, { ...VLLM_POD_LABELS, [INSTANCE_LABEL]: e.name });
    }
    if (webui) {
      allowFromNamespace(
        cluster,
        ns,
        'open-webui',
        VLLM_POD_LABELS,
        { namespace: WEBUI_NAMESPACE, podLabels: WEBUI_POD.labels },
        vllmPort,
      );
    }
    if (hub) {
      allowFromNamespace(
        cluster,
        ns,
        'jupyterhub-notebooks',
        VLLM_POD_LABELS,
        { namespace: JUPYTERHUB_NAMESPACE, podLabels: JUPYTERHUB_SINGLEUSER_LABELS },
        vllmPort,
      );
    }
  }

  if (webui) {
    const ns = WEBUI_NAMESPACE;
    defaultDeny(cluster, ns);
    allowFromLoadBalancers(cluster, ns, 'open-webui', WEBUI_POD.labels, [{ port: WEBUI_POD.port }]);
    // The chat backends. OFFLINE_MODE: no internet egress.
    if (vllm) {
      allowToNamespace(
        cluster,
        ns,
        'vllm',
        WEBUI_POD.labels,
        { namespace: INFERENCE_NAMESPACE, podLabels: VLLM_POD_LABELS },
        vllmPort,
      );
    }
  }

  if (hub) {
    const ns = JUPYTERHUB_NAMESPACE;
    // The chart's own policies (hub, proxy, singleuser; networkPolicy.enabled by default) allow
    // load balancer -> proxy, proxy <-> hub, hub and proxy -> servers, servers -> hub, hub -> the
    // Kubernetes API and OAuth providers, servers -> the internet (not private addresses).
    // No same-namespace allow: it would let one user's server reach another's.
    defaultDeny(cluster, ns, { sameNamespace: false });
    if (vllm) {
      allowToNamespace(
        cluster,
        ns,
        'vllm',
        JUPYTERHUB_SINGLEUSER_LABELS,
        { namespace: INFERENCE_NAMESPACE, podLabels: VLLM_POD_LABELS },
        vllmPort,
      );
    }
  }

  const ray = declared(cluster, DOGBOOTH_NAMESPACE);
  if (ray) {
    const ns = DOGBOOTH_NAMESPACE;
    // Head <-> workers (GCS 6379, dashboard 8265, client 10001, Serve 8000, Ray's worker ports)
    // stay inside the namespace.
    defaultDeny(cluster, ns);
    // The Gateway's ALB: Serve runs a proxy on every Ray node; the dashboard (head) only where routed.
    allowFromLoadBalancers(cluster, ns, 'ray-serve', DOGBOOTH_POD.labels, [{ port: DOGBOOTH_POD.servePort }]);
    if (cluster.env.workloads?.dogbooth?.dashboardRoute) {
      allowFromLoadBalancers(cluster, ns, 'ray-dashboard', { ...DOGBOOTH_POD.labels, ...RAY_HEAD_LABELS }, [
        { port: DOGBOOTH_POD.dashboardPort },
      ]);
    }
    // Hugging Face Hub, PyPI (runtime_env pip), the Kubernetes API (in-tree autoscaler).
    allowHttpsEgress(cluster, ns, 'ray', DOGBOOTH_POD.labels);
    if (declared(cluster, KUBERAY_NAMESPACE)) {
      // The operator reads Serve status through the head's dashboard.
      allowFromNamespace(
        cluster,
        ns,
        'kuberay-operator',
        { ...DOGBOOTH_POD.labels, ...RAY_HEAD_LABELS },
        { namespace: KUBERAY_NAMESPACE },
        [{ port: DOGBOOTH_POD.dashboardPort }],
      );
    }
  }

  if (declared(cluster, KUBERAY_NAMESPACE)) {
    const ns = KUBERAY_NAMESPACE;
    defaultDeny(cluster, ns);
    // The Kubernetes API.
    allowHttpsEgress(cluster, ns, 'operator', ALL_PODS);
    if (ray) {
      allowToNamespace(
        cluster,
        ns,
        'ray-dashboard',
        ALL_PODS,
        { namespace: DOGBOOTH_NAMESPACE, podLabels: { ...DOGBOOTH_POD.labels, ...RAY_HEAD_LABELS } },
        [{ port: DOGBOOTH_POD.dashboardPort }],
      );
    }
  }

  const argo = IDENTITIES.argoWorkflows.namespace;
  if (declared(cluster, argo)) {
    // Controller, server and step pods: the Kubernetes API (controller, server, the executor),
    // artifacts in S3, the Hugging Face Hub, PyPI and GitHub (training script), all on 443;
    // the step pods' bucket credentials come from the Pod Identity agent.
    defaultDeny(cluster, argo);
    allowHttpsEgress(cluster, argo, 'argo', ALL_PODS);
    allowPodIdentityAgent(cluster, argo, 'argo', ALL_PODS);
  }
}
