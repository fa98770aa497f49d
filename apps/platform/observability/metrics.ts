/**
 * Every metric name the alert rules, dashboards and autoscaler queries use, with where it was
 * read, and the target labels the scrape configurations here add. One place, so a renamed metric
 * is changed once (and its unit tests in test/rules/ fail until they follow).
 */

/**
 * vLLM (V1 engine) server metrics on `:8000/metrics`. Names: vllm-project/vllm
 * vllm/v1/metrics/loggers.py, `PrometheusStatLogger` (read at stored commit 005a810b of
 * vllm-project/vllm; the v0.12.0 tag itself is not readable here: its checkout is larger than
 * this machine may fetch), listed for v0.12.0 in docs.vllm.ai/en/v0.12.0/design/metrics/
 * ("v1 Metrics"). Counters are declared without `_total`, which prometheus_client appends on
 * exposition. Every series carries `model_name` (the served model name) and `engine`.
 */
export const VLLM = {
  /** Gauge: requests in the running batch. */
  running: 'vllm:num_requests_running',
  /** Gauge: requests waiting to be scheduled: the queue. */
  waiting: 'vllm:num_requests_waiting',
  /** Gauge: fraction of KV-cache blocks in use, 0 to 1. */
  kvCacheUsage: 'vllm:kv_cache_usage_perc',
  /** Histogram: time to first token, seconds (`_bucket`, `_sum`, `_count`). */
  timeToFirstToken: 'vllm:time_to_first_token_seconds',
  /** Counter: prompt (prefill) tokens processed. */
  promptTokens: 'vllm:prompt_tokens_total',
  /** Counter: generated tokens. */
  generationTokens: 'vllm:generation_tokens_total',
} as const;

/**
 * DCGM exporter default counters (NVIDIA/dcgm-exporter etc/default-counters.csv at 4.2.3-4.1.1,
 * the release of the pinned chart 4.1.1, and unchanged at 4.5.3-4.8.2, chart 4.8.2; the chart's
 * default `arguments` read that file: deployment/values.yaml at the same tags). Labels `gpu`
 * (index), `UUID`, `device`, `modelName`, `Hostname` (internal/pkg/rendermetrics/render_metrics.go
 * at 4.2.3-4.1.1).
 */
export const DCGM = {
  /** Gauge: GPU utilization, percent. */
  gpuUtilization: 'DCGM_FI_DEV_GPU_UTIL',
  /** Gauge: framebuffer memory used, MiB. */
  memoryUsed: 'DCGM_FI_DEV_FB_USED',
  /** Gauge: framebuffer memory free, MiB. */
  memoryFree: 'DCGM_FI_DEV_FB_FREE',
} as const;

/**
 * neuron-monitor's Prometheus exporter (neuron-monitor | neuron-monitor-prometheus.py, in the
 * aws-neuronx-tools package, whose source is not public). Names and labels as the Neuron SDK's
 * own Grafana dashboard queries them: aws-neuron/aws-neuron-sdk@v2.28.0:
 * src/examples/neuron-monitor/neuron-monitor-grafana.json (SDK 2.28 is the vLLM Neuron image's).
 */
export const NEURON = {
  /** Gauge: NeuronCore utilization, 0 to 1; label `neuroncore`. */
  coreUtilization: 'neuroncore_utilization_ratio',
  /** Gauge: memory the Neuron runtime uses, bytes; label `memory_location` (host, neuron_device). */
  runtimeMemory: 'neuron_runtime_memory_used_bytes',
  /**
   * Counter: model executions by outcome; label `status_type` (`completed`, and the error
   * outcomes of neuron-monitor's execution_summary: tools/neuron-sys-tools/neuron-monitor-user-guide.rst
   * at the same tag).
   */
  executionStatus: 'execution_status_total',
} as const;

/**
 * Karpenter v1.14.1 controller metrics on `:8080/metrics`. kubernetes-sigs/karpenter at
 * 6e7eab7a0f48 (the version aws/karpenter-provider-aws@v1.14.1:go.mod requires):
 * pkg/cloudprovider/metrics/cloudprovider.go (`errors_total`, labels controller, method, provider,
 * error; the Create method is the node launch) and pkg/controllers/metrics/node/controller.go
 * (`current_lifetime_seconds` per node, labels node_name and the well-known node labels in
 * snake case: nodepool, instance_type, capacity_type, zone); aws/karpenter-provider-aws@v1.14.1:
 * pkg/controllers/metrics/metrics.go (`instance_type_offering_price_estimate`, labels
 * instance_type, capacity_type, zone: US dollars per hour).
 */
export const KARPENTER = {
  cloudProviderErrors: 'karpenter_cloudprovider_errors_total',
  nodeLifetime: 'karpenter_nodes_current_lifetime_seconds',
  offeringPrice: 'karpenter_cloudprovider_instance_type_offering_price_estimate',
} as const;

/**
 * kube-state-metrics v2.19.1 (the appVersion of chart 8.2.0, which kube-prometheus-stack 88.3.0
 * depends on): kubernetes/kube-state-metrics@v2.19.1:docs/metrics/workload/pod-metrics.md and
 * deployment-metrics.md.
 */
export const KUBE_STATE_METRICS = {
  /** Counter: container restarts; labels namespace, pod, container. */
  restarts: 'kube_pod_container_status_restarts_total',
  /** Gauge: desired replicas of a Deployment; labels namespace, deployment. */
  deploymentDesired: 'kube_deployment_spec_replicas',
  /** Gauge: ready replicas of a Deployment. */
  deploymentReady: 'kube_deployment_status_replicas_ready',
} as const;

/**
 * Target labels the scrape configurations here add (relabelings from Prometheus's Kubernetes
 * service discovery meta labels: prometheus/prometheus@v3.13.2:docs/configuration/configuration.md,
 * `__meta_kubernetes_pod_node_name`, `__meta_kubernetes_pod_label_<labelname>`).
 */
export const TARGET_LABELS = {
  /** The node the scraped pod runs on (DCGM exporter, neuron-monitor). */
  node: 'node',
  /** The vLLM deployment (`workloads.vllm[].name`) a server pod belongs to. */
  vllmDeployment: 'vllm_deployment',
} as const;
