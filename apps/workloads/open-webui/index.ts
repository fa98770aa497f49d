/**
 * Open WebUI: a chat front-end over the vLLM deployments the environment names as backends, with
 * its SQLite data on a gp3 volume, sign-in on and sign-up off, and no internet access.
 *
 * The image bakes its embedding (RAG), speech (whisper) and tokenizer models into
 * /app/backend/data/cache at build time (apps/workloads/images.ts). The data volume is mounted
 * elsewhere (DATA_DIR) so it does not hide them: with egress closed, document upload and speech
 * need those baked models.
 *
 * The Deployment is typed with the Kubernetes 1.35 API (its probes use the named port `http`,
 * which cdk8s-plus-28 cannot express); the data volume's claim is a cdk8s-plus
 * PersistentVolumeClaim.
 */
import { Size } from 'cdk8s';
import { PersistentVolumeAccessMode, PersistentVolumeClaim, PersistentVolumeMode } from 'cdk8s-plus-28';
import { versions } from '../../../clusters/versions.js';
import { KubeDeployment } from '../../imports/k8s.js';
import type { Cluster } from '../../lib/cluster.js';
import { loadBalancer, loadBalancerService } from '../../lib/exposure.js';
import { distinctServers } from '../../lib/network.js';
import { cpuPlacement, port, qty, quantities, restrictedContainer, restrictedPod } from '../../lib/pod.js';
import type { Platform } from '../../platform/index.js';

export const WEBUI_NAMESPACE = 'webui';
const NAME = 'open-webui';
const PORT = 8080;
const UID = 1000;
/** Where the data volume is mounted: outside /app/backend/data, whose cache the image fills. */
export const WEBUI_DATA = '/var/lib/open-webui';

export function openWebUI(cluster: Cluster, platform: Platform): void {
  const cfg = cluster.env.workloads.openWebUI;
  if (!cfg) return;
  const ns = cluster.namespaces.declare(WEBUI_NAMESPACE, {
    podSecurity: 'restricted',
    isolation: 'namespace',
  });
  const labels = { 'app.kubernetes.io/name': NAME };
  const backends = cfg.backends.map((b) => {
    const endpoint = cluster.endpoints.find((e) => e.name === b);
    // The loader checked every backend against workloads.vllm.
    if (!endpoint) throw new Error(`open-webui: backend ${b} has no endpoint`);
    return endpoint;
  });
  platform.secrets.sync({
    namespace: ns,
    name: NAME,
    remoteKey: 'OPEN_WEBUI_SECRET_NAME',
    keys: [
      ['WEBUI_SECRET_KEY', 'secretKey'],
      ['WEBUI_ADMIN_EMAIL', 'adminEmail'],
      ['WEBUI_ADMIN_PASSWORD', 'adminPassword'],
    ],
  });
  new PersistentVolumeClaim(cluster.layers.apps, `pvc-${ns}-${NAME}`, {
    metadata: { name: `${NAME}-data`, namespace: ns, labels },
    accessModes: [PersistentVolumeAccessMode.READ_WRITE_ONCE],
    storageClassName: platform.storageClass,
    volumeMode: PersistentVolumeMode.FILE_SYSTEM,
    storage: Size.gibibytes(cfg.storageGiB),
  });
  const fromSecret = (name: string) => ({ name, valueFrom: { secretKeyRef: { name: NAME, key: name } } });
  const health = (periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path: '/health', port: port('http') },
    periodSeconds,
    failureThreshold,
  });
  new KubeDeployment(cluster.layers.apps, `deployment-${NAME}`, {
    metadata: { name: NAME, namespace: ns, labels },
    spec: {
      // SQLite on a ReadWriteOnce volume: one writer, replaced rather than rolled.
      replicas: 1,
      selector: { matchLabels: labels },
      strategy: { type: 'Recreate' },
      template: {
        metadata: { labels },
        spec: {
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
                { name: 'DATA_DIR', value: WEBUI_DATA },
                // The image's HOME (/root) is not the non-root user's; USER for getpass.
                { name: 'HOME', value: WEBUI_DATA },
                { name: 'USER', value: 'open-webui' },
                // Static files are copied at start: keep them on the writable volume (non-root user).
                { name: 'STATIC_DIR', value: `${WEBUI_DATA}/static` },
                // GitOps owns the configuration: environment variables win over settings saved in the UI.
                { name: 'ENABLE_PERSISTENT_CONFIG', value: 'False' },
                { name: 'WEBUI_AUTH', value: 'True' },
                { name: 'ENABLE_SIGNUP', value: 'False' },
                { name: 'DEFAULT_USER_ROLE', value: 'pending' },
                { name: 'ENABLE_OLLAMA_API', value: 'False' },
                { name: 'ENABLE_OPENAI_API', value: 'True' },
                { name: 'OPENAI_API_BASE_URLS', value: backends.map((b) => b.baseUrl).join(';') },
                // vLLM runs without --api-key inside the cluster: one empty key per connection.
                { name: 'OPENAI_API_KEYS', value: backends.map(() => '').join(';') },
                // No downloads from the internet (update checks, models): the embedding, speech and
                // tokenizer models are the ones baked into the image.
                { name: 'OFFLINE_MODE', value: 'True' },
                { name: 'ANONYMIZED_TELEMETRY', value: 'False' },
                { name: 'DO_NOT_TRACK', value: 'True' },
                { name: 'SCARF_NO_ANALYTICS', value: 'True' },
                fromSecret('WEBUI_SECRET_KEY'),
                fromSecret('WEBUI_ADMIN_EMAIL'),
                fromSecret('WEBUI_ADMIN_PASSWORD'),
              ],
              resources: {
                requests: quantities({ cpu: '500m', memory: '1Gi' }),
                limits: quantities({ memory: '4Gi' }),
              },
              volumeMounts: [
                { name: 'data', mountPath: WEBUI_DATA },
                { name: 'tmp', mountPath: '/tmp' },
              ],
              startupProbe: health(10, 60),
              readinessProbe: health(10, 3),
              livenessProbe: health(20, 3),
              securityContext: restrictedContainer(),
            },
          ],
          volumes: [
            { name: 'data', persistentVolumeClaim: { claimName: `${NAME}-data` } },
            { name: 'tmp', emptyDir: { sizeLimit: qty('2Gi') } },
          ],
        },
      },
    },
  });
  loadBalancerService(cluster.layers.apps, {
    name: NAME,
    namespace: ns,
    labels,
    lb: loadBalancer(cluster.env, cfg.exposure),
  });
  cluster.network.fromLoadBalancers(ns, NAME, labels, [{ port: PORT }]);
  // The chat backends; OFFLINE_MODE: no internet egress.
  for (const b of distinctServers(backends)) {
    cluster.network.flow(
      { namespace: ns, podLabels: labels, name: NAME },
      { namespace: b.namespace, podLabels: b.podLabels, name: 'vllm' },
      [{ port: b.port }],
    );
  }
}
