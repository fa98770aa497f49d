import { versions } from '../../clusters/versions.js';
import { WorkloadError } from '../catalog/fit.js';
import { vllmBaseUrl } from '../inference/index.js';
import type { Cluster } from '../lib/cluster.js';
import { loadBalancer, loadBalancerService } from '../lib/exposure.js';
import { STORAGE_CLASS_GP3 } from '../lib/platform.js';
import { cpuPlacement, type PodSpec, restrictedContainer, restrictedPod } from '../lib/pod.js';
import { resource } from '../lib/resource.js';
import { namespace } from '../namespaces/index.js';
import { syncedSecret } from '../secrets/sync.js';

export const WEBUI_NAMESPACE = 'webui';
const NAME = 'open-webui';
const PORT = 8080;
/** Pod labels and port of Open WebUI, for its NetworkPolicies. */
export const WEBUI_POD = { labels: { 'app.kubernetes.io/name': NAME }, port: PORT } as const;
const UID = 1000;
const DATA = '/app/backend/data';
/** Default size of the data volume, GiB. */
export const DEFAULT_WEBUI_STORAGE_GIB = 20;

export function openWebUI(cluster: Cluster): void {
  const cfg = cluster.env.workloads?.openWebUI;
  if (!cfg) return;
  const vllmNames = (cluster.env.workloads?.vllm ?? []).map((v) => v.name);
  cfg.backends.forEach((b, i) => {
    if (!vllmNames.includes(b)) {
      throw new WorkloadError(
        `open-webui: workloads.openWebUI.backends[${i}]: ${JSON.stringify(b)} names no vLLM deployment (workloads.vllm names: ${vllmNames.join(', ') || 'none'})`,
      );
    }
  });
  const ns = namespace(cluster, WEBUI_NAMESPACE, 'restricted');
  const labels = { 'app.kubernetes.io/name': NAME };
  syncedSecret(cluster, {
    namespace: ns,
    name: NAME,
    remoteKey: 'OPEN_WEBUI_SECRET_NAME',
    keys: [
      ['WEBUI_SECRET_KEY', 'secretKey'],
      ['WEBUI_ADMIN_EMAIL', 'adminEmail'],
      ['WEBUI_ADMIN_PASSWORD', 'adminPassword'],
    ],
  });
  const storage = `${cfg.storageGiB ?? DEFAULT_WEBUI_STORAGE_GIB}Gi`;
  resource(cluster.layers.apps, `pvc-${ns}-${NAME}`, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: `${NAME}-data`, namespace: ns, labels },
    body: {
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: STORAGE_CLASS_GP3,
        resources: { requests: { storage } },
      },
    },
  });
  const fromSecret = (name: string) => ({ name, valueFrom: { secretKeyRef: { name: NAME, key: name } } });
  const pod: PodSpec = {
    automountServiceAccountToken: false,
    securityContext: restrictedPod(UID),
    ...cpuPlacement(),
    terminationGracePeriodSeconds: 30,
    containers: [
      {
        name: NAME,
        image: versions.openWebUIImage,
        imagePullPolicy: 'IfNotPresent',
        ports: [{ name: 'http', containerPort: PORT, protocol: 'TCP' }],
        env: [
          { name: 'DATA_DIR', value: DATA },
          { name: 'HOME', value: DATA },
          // Static files are copied at start: keep them on the writable volume (non-root user).
          { name: 'STATIC_DIR', value: `${DATA}/static` },
          // GitOps owns the configuration: environment variables win over settings saved in the UI.
          { name: 'ENABLE_PERSISTENT_CONFIG', value: 'False' },
          { name: 'WEBUI_AUTH', value: 'True' },
          { name: 'ENABLE_SIGNUP', value: 'False' },
          { name: 'DEFAULT_USER_ROLE', value: 'pending' },
          { name: 'ENABLE_OLLAMA_API', value: 'False' },
          { name: 'ENABLE_OPENAI_API', value: 'True' },
          { name: 'OPENAI_API_BASE_URLS', value: cfg.backends.map(vllmBaseUrl).join(';') },
          // vLLM runs without --api-key inside the cluster: one empty key per connection.
          { name: 'OPENAI_API_KEYS', value: cfg.backends.map(() => '').join(';') },
          // No downloads from the internet at start (embedding models, update checks).
          { name: 'OFFLINE_MODE', value: 'True' },
          { name: 'ANONYMIZED_TELEMETRY', value: 'False' },
          { name: 'DO_NOT_TRACK', value: 'True' },
          { name: 'SCARF_NO_ANALYTICS', value: 'True' },
          fromSecret('WEBUI_SECRET_KEY'),
          fromSecret('WEBUI_ADMIN_EMAIL'),
          fromSecret('WEBUI_ADMIN_PASSWORD'),
        ],
        resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '4Gi' } },
        volumeMounts: [
          { name: 'data', mountPath: DATA },
          { name: 'tmp', mountPath: '/tmp' },
        ],
        startupProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 10, failureThreshold: 60 },
        readinessProbe: {
          httpGet: { path: '/health', port: 'http' },
          periodSeconds: 10,
          failureThreshold: 3,
        },
        livenessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 20, failureThreshold: 3 },
        securityContext: restrictedContainer(),
      },
    ],
    volumes: [
      { name: 'data', persistentVolumeClaim: { claimName: `${NAME}-data` } },
      { name: 'tmp', emptyDir: { sizeLimit: '2Gi' } },
    ],
  };
  resource(cluster.layers.apps, `deployment-${NAME}`, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: NAME, namespace: ns, labels },
    body: {
      spec: {
        // SQLite on a ReadWriteOnce volume: one writer, replaced rather than rolled.
        replicas: 1,
        selector: { matchLabels: labels },
        strategy: { type: 'Recreate' },
        template: { metadata: { labels }, spec: pod },
      },
    },
  });
  const lb = loadBalancer(
    cluster.env,
    cfg.exposure ?? 'internal',
    'open-webui',
    'workloads.openWebUI.exposure',
  );
  loadBalancerService(cluster.layers.apps, { name: NAME, namespace: ns, labels, lb });
}
