/**
 * The one allowlist of the chart values key check (review/helm-values.ts, `.ci/run`): the key
 * paths of rendered HelmRelease values that are not among their chart's default values but are
 * right, each with the reason; the chart versions rendered without a reference values file; and
 * the subcharts installed under an alias. An entry that no longer matches anything fails the
 * check, so the list stays true. Patterns: `*` is one key, `**` any number of keys.
 */
import type { Allowlist } from './helm-values.js';

/**
 * A Kubernetes object or map that the chart passes into a pod spec as it is: its content is
 * Kubernetes' (the schema and API-server tiers check it), not the chart's keys.
 */
const PASS_THROUGH =
  'passed into the pod spec as it is (toYaml): its content is Kubernetes fields or labels, not chart keys';

export const HELM_VALUES_ALLOWLIST: Allowlist = {
  keys: [
    {
      chart: '*',
      path: ['**', 'nodeSelector', '*'],
      reason: `nodeSelector is a map of node labels ${PASS_THROUGH}; every chart here declares it (often empty)`,
    },
    {
      chart: '*',
      path: ['**', 'resources', '**'],
      reason: `resources is a ResourceRequirements ${PASS_THROUGH}; the charts declare it empty or with some of requests/limits`,
    },
    {
      chart: '*',
      path: ['**', 'annotations', '*'],
      reason: 'annotations is a map of annotation keys to values, declared empty by the chart',
    },
    {
      chart: 'aws-load-balancer-controller',
      path: ['controllerConfig', 'featureGates', '*'],
      reason:
        'a map the chart turns into --feature-gates=<key>=<value> (templates/deployment.yaml, aws/eks-charts@5239609); ' +
        "the gate names are the controller's (kubernetes-sigs/aws-load-balancer-controller pkg/config/feature_gates.go " +
        'ALBGatewayAPI, NLBGatewayAPI), which refuses an unknown gate at start',
    },
    {
      chart: 'nvidia-device-plugin',
      path: ['nfd', 'enabled'],
      reason:
        'the condition of the node-feature-discovery dependency (NVIDIA/k8s-device-plugin@v0.20.0:' +
        'deployments/helm/nvidia-device-plugin/Chart.yaml: condition nfd.enabled,gfd.enabled), read by Helm, not a template',
    },
    {
      chart: 'jupyterhub',
      path: ['hub', 'config', '**'],
      reason:
        'traitlets configuration of JupyterHub and its authenticator and spawner classes, passed to jupyterhub_config.py ' +
        "(values.schema.yaml of chart 4.4.0: hub.config); the class and trait names are JupyterHub's, not the chart's",
    },
    {
      chart: 'jupyterhub',
      path: ['hub', 'extraConfig', '*'],
      reason:
        'named Python snippets appended to jupyterhub_config.py (values.schema.yaml: hub.extraConfig, additionalProperties)',
    },
    {
      chart: 'jupyterhub',
      path: ['**', 'extraEnv', '**'],
      reason:
        'environment variables by name, each a value or an EnvVar source (values.schema.yaml: hub.extraEnv and ' +
        'singleuser.extraEnv, additionalProperties)',
    },
    {
      chart: 'jupyterhub',
      path: ['hub', 'containerSecurityContext', '**'],
      reason: `a SecurityContext ${PASS_THROUGH} (values.schema.yaml: hub.containerSecurityContext)`,
    },
  ],
  unreferenced: [
    {
      chart: 'argo-workflows',
      version: '2.0.2',
      reason:
        'no packaged copy of chart 2.0.2 could be obtained here (../shared/reference/README.md); keys read by hand in ' +
        'argoproj/argo-helm@argo-workflows-1.0.18:charts/argo-workflows (values.yaml, templates), see apps/platform/workflows',
    },
    {
      chart: 'neuron-helm-chart',
      version: '1.10.0',
      reason:
        'an OCI chart with no git tag of 1.10.0 readable here (../shared/reference/README.md); keys from helm show values ' +
        'of 1.10.0 as published, see apps/platform/accelerators',
    },
    {
      chart: 'kube-prometheus-stack',
      version: '88.3.0',
      reason:
        'not among ../shared/reference/helm-chart-values; keys read in prometheus-community/helm-charts@' +
        'kube-prometheus-stack-88.3.0 (and its grafana 12.10.4 and kube-state-metrics 8.2.0 subcharts), see ' +
        'apps/platform/observability/values.ts',
    },
    {
      chart: 'prometheus-operator-crds',
      version: '31.0.0',
      reason:
        'not among ../shared/reference/helm-chart-values; the release sets no values (it installs CRDs only), ' +
        'chart read at prometheus-community/helm-charts@prometheus-operator-crds-31.0.0, see apps/platform/observability',
    },
    {
      chart: 'keda',
      version: '2.20.2',
      reason:
        'not among ../shared/reference/helm-chart-values; keys read in kedacore/charts@v2.20.2:keda/values.yaml, ' +
        'see apps/platform/autoscaling',
    },
  ],
  subchartAliases: {
    // NVIDIA/k8s-device-plugin@v0.20.0:deployments/helm/nvidia-device-plugin/Chart.yaml
    'nvidia-device-plugin': { nfd: 'node-feature-discovery' },
  },
};
