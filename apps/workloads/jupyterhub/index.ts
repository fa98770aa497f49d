/**
 * JupyterHub through the Zero to JupyterHub chart (a Flux HelmRelease with typed values):
 * a CPU default profile and an A10G-class GPU profile on the nvidia pool, the Hugging Face token
 * in every server's environment, 100Gi gp3 homes, idle culling, an internal NLB, and sign-in
 * from the environment's `authentication` (shared password only in development). The dogbooth
 * notebook is mounted from a ConfigMap.
 */
import { ConfigMap } from 'cdk8s-plus-28';
import { contractRef } from '../../../clusters/contract.js';
import { versions } from '../../../clusters/versions.js';
import type { Cluster } from '../../lib/cluster.js';
import { loadBalancer } from '../../lib/exposure.js';
import { helmRelease } from '../../lib/flux.js';
import { distinctServers } from '../../lib/network.js';
import { acceleratedPlacement, cpuPlacement } from '../../lib/pod.js';
import type { Platform } from '../../platform/index.js';
import type { JupyterHubValues, SpawnerProfile, Volume } from './values.js';

export const JUPYTERHUB_NAMESPACE = 'jupyterhub';
/** Label the Zero to JupyterHub chart puts on every single-user server pod. */
export const JUPYTERHUB_SINGLEUSER_LABELS = { component: 'singleuser-server' } as const;
const SECRET = 'jupyterhub-auth';
/** Where the example notebooks other workloads offer (cluster.notebooks) appear in each server. */
const EXAMPLES = '/home/jovyan/examples';
/** Where the model bucket (datasets, staged models) appears in each server, read-only. */
const MODEL_BUCKET = '/home/jovyan/model-bucket';

export function jupyterhub(cluster: Cluster, platform: Platform): void {
  const cfg = cluster.env.workloads.jupyterhub;
  if (!cfg) return;
  const { env } = cluster;
  const auth = env.authentication;
  // Pod Security `restricted`: the chart's defaults lack the seccomp profile and dropped
  // capabilities, so the values below add them to the hub, the proxy and the user servers; the
  // chart's privileged metadata-blocking init container, user scheduler and image pullers are off.
  // Network: the chart's own policies (hub, proxy, singleuser; networkPolicy.enabled by default)
  // allow load balancer -> proxy, proxy <-> hub, hub and proxy -> servers, servers -> hub, hub ->
  // the Kubernetes API and OAuth providers, servers -> the internet (not private addresses). No
  // same-namespace allow: it would let one user's server reach another's.
  const ns = cluster.namespaces.declare(JUPYTERHUB_NAMESPACE, {
    podSecurity: 'restricted',
    isolation: 'pod',
  });
  const token = platform.secrets.huggingFaceToken(ns);
  const { instance: gpu, ...share } = cfg.gpu;
  const gpuPlacement = acceleratedPlacement('nvidia', gpu.name);
  const profiles: SpawnerProfile[] = [
    {
      display_name: 'CPU',
      slug: 'cpu',
      description: '2 CPUs, 8 GB memory, on the CPU pool',
      default: true,
      kubespawner_override: { cpu_guarantee: 1, cpu_limit: 2, mem_guarantee: '4G', mem_limit: '8G' },
    },
    {
      display_name: `GPU (${gpu.device.model})`,
      slug: 'gpu',
      description: `1 x ${gpu.device.model} ${gpu.device.memoryGB} GB on ${gpu.name}, ${share.cpu} CPUs, ${share.memoryGiB.toFixed(1)} GiB memory`,
      // The pod's share of the node (clusters/lib/fit.ts podShare): cores, and MiB as KubeSpawner's
      // byte specification reads `M` (1024 x 1024, jupyterhub/traitlets.py ByteSpecification).
      kubespawner_override: {
        cpu_guarantee: share.cpu,
        cpu_limit: share.cpu,
        mem_guarantee: `${share.memoryMiB}M`,
        mem_limit: `${share.memoryMiB}M`,
        node_selector: gpuPlacement.nodeSelector,
        tolerations: gpuPlacement.tolerations,
        extra_resource_guarantees: { 'nvidia.com/gpu': '1' },
        extra_resource_limits: { 'nvidia.com/gpu': '1' },
      },
    },
  ];

  const secretKeys: (readonly [string, string])[] =
    auth.kind === 'dummy'
      ? [['password', 'password']]
      : auth.kind === 'github'
        ? [
            ['client-id', 'clientId'],
            ['client-secret', 'clientSecret'],
          ]
        : // Cognito: infra/ creates a public app client (PKCE, no secret), so nothing to sync.
          [];
  if (secretKeys.length > 0) {
    platform.secrets.sync({
      namespace: ns,
      name: SECRET,
      remoteKey: 'JUPYTERHUB_SECRET_NAME',
      keys: secretKeys,
    });
  }
  const fromSecret = (key: string) => ({ valueFrom: { secretKeyRef: { name: SECRET, key } } });

  const callback = `https://${contractRef('JUPYTERHUB_HOST')}/hub/oauth_callback`;
  const oauth = auth.kind !== 'dummy';
  let authConfig: JupyterHubValues['hub']['config'];
  let extraEnv: NonNullable<JupyterHubValues['hub']['extraEnv']>;
  let extraConfig: JupyterHubValues['hub']['extraConfig'];
  if (auth.kind === 'dummy') {
    authConfig = { JupyterHub: { authenticator_class: 'dummy' }, Authenticator: { allow_all: true } };
    extraEnv = { DUMMY_PASSWORD: fromSecret('password') };
    // The shared password is read from the Secret at start, never written in the values.
    extraConfig = {
      sharedPassword: 'import os\nc.DummyAuthenticator.password = os.environ["DUMMY_PASSWORD"]\n',
    };
  } else if (auth.kind === 'github') {
    authConfig = {
      JupyterHub: { authenticator_class: 'github' },
      GitHubOAuthenticator: {
        oauth_callback_url: callback,
        allowed_organizations: [auth.organization],
        scope: ['read:org'],
      },
    };
    // OAuthenticator reads the client id and secret from these variables.
    extraEnv = { OAUTH_CLIENT_ID: fromSecret('client-id'), OAUTH_CLIENT_SECRET: fromSecret('client-secret') };
  } else {
    const domain = contractRef('COGNITO_DOMAIN');
    authConfig = {
      JupyterHub: { authenticator_class: 'generic-oauth' },
      GenericOAuthenticator: {
        client_id: contractRef('COGNITO_CLIENT_ID'),
        oauth_callback_url: callback,
        // COGNITO_DOMAIN is the hosted sign-in base URL, scheme included.
        authorize_url: `${domain}/oauth2/authorize`,
        token_url: `${domain}/oauth2/token`,
        userdata_url: `${domain}/oauth2/userInfo`,
        // A public client: proof key (PKCE) instead of a client secret, client id in the body.
        enable_pkce: true,
        basic_auth: false,
        scope: ['openid', 'email', 'profile'],
        username_claim: 'email',
        login_service: 'Amazon Cognito',
        // Membership of the environment's user pool is the allow-list.
        allow_all: true,
      },
    };
    extraEnv = {};
  }

  const seccomp = { type: 'RuntimeDefault' };
  const restricted = {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: seccomp,
  };
  // User servers run as jovyan (uid 1000, group 100) of the Jupyter images; home volumes are
  // group-owned by 100. Set in full so that the result does not depend on how KubeSpawner
  // merges these with its uid/fs_gid settings.
  const config: JupyterHubValues['hub']['config'] = {
    ...authConfig,
    KubeSpawner: {
      pod_security_context: {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 100,
        fsGroup: 100,
        seccompProfile: seccomp,
      },
      container_security_context: { ...restricted, runAsUser: 1000, runAsGroup: 100 },
    },
  };
  const lb = loadBalancer(env, cfg.exposure);
  const examples = exampleNotebooks(cluster, ns);
  // The model bucket through Mountpoint for S3 (platform.storage.bucket: a read-only PV/PVC).
  const bucket = platform.storage.bucket(ns);
  const values: JupyterHubValues = {
    hub: {
      config,
      extraEnv,
      ...(extraConfig ? { extraConfig } : {}),
      ...cpuPlacement(),
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } },
      podSecurityContext: { runAsNonRoot: true, seccompProfile: seccomp },
      containerSecurityContext: restricted,
    },
    proxy: {
      service: {
        type: 'LoadBalancer',
        annotations: {
          // The chart's Service has no loadBalancerClass field: this annotation hands it to the
          // AWS Load Balancer Controller (NLB) instead of the legacy in-tree controller.
          'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
          ...lb.annotations,
          ...(oauth
            ? {
                'service.beta.kubernetes.io/aws-load-balancer-ssl-cert': contractRef(
                  'JUPYTERHUB_CERTIFICATE_ARN',
                ),
                'service.beta.kubernetes.io/aws-load-balancer-ssl-ports': 'https',
              }
            : {}),
        },
        ...(lb.loadBalancerSourceRanges ? { loadBalancerSourceRanges: lb.loadBalancerSourceRanges } : {}),
      },
      ...(oauth
        ? { https: { enabled: true, type: 'offload' as const, hosts: [contractRef('JUPYTERHUB_HOST')] } }
        : {}),
      chp: {
        containerSecurityContext: restricted,
        ...cpuPlacement(),
        resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '512Mi' } },
      },
    },
    singleuser: {
      image: { ...versions.notebookImage, pullPolicy: 'IfNotPresent' },
      // A GPU server may wait for Karpenter to launch a node and pull a large image.
      startTimeout: 1200,
      cpu: { guarantee: 1, limit: 2 },
      memory: { guarantee: '4G', limit: '8G' },
      ...cpuPlacement(),
      // The iptables init container needs NET_ADMIN (privileged); the chart's network policy
      // already blocks the instance metadata service for user servers.
      cloudMetadata: { blockWithIptables: false },
      extraEnv: { HF_TOKEN: { valueFrom: { secretKeyRef: { name: token.name, key: token.key } } } },
      storage: {
        type: 'dynamic',
        capacity: `${cfg.homeGiB}Gi`,
        dynamic: { storageClass: platform.storageClass },
        extraVolumes: [
          ...examples.extraVolumes,
          { name: 'model-bucket', persistentVolumeClaim: { claimName: bucket, readOnly: true } },
        ],
        extraVolumeMounts: [
          ...examples.extraVolumeMounts,
          { name: 'model-bucket', mountPath: MODEL_BUCKET, readOnly: true },
        ],
      },
      profileList: profiles,
    },
    // Karpenter packs and consolidates nodes: no user scheduler, placeholders or image pullers
    // (the pullers would run on, and pull multi-GB images to, every GPU node).
    scheduling: {
      userScheduler: { enabled: false },
      podPriority: { enabled: false },
      userPlaceholder: { enabled: false },
    },
    prePuller: { hook: { enabled: false }, continuous: { enabled: false } },
    cull: { enabled: true, timeout: cfg.idleCullMinutes * 60, every: 300 },
  };

  // In the apps layer, not controllers: the hub needs the Secret that External Secrets creates
  // in the configs layer, and the controllers layer waits for its releases to be ready.
  helmRelease<JupyterHubValues>(cluster, {
    layer: 'apps',
    name: 'jupyterhub',
    namespace: ns,
    chart: versions.jupyterhubChart,
    values,
    timeout: '20m',
  });
  // Notebooks may call the in-cluster model servers.
  for (const e of distinctServers(cluster.endpoints)) {
    cluster.network.flow(
      { namespace: ns, podLabels: JUPYTERHUB_SINGLEUSER_LABELS, name: 'jupyterhub-notebooks' },
      { namespace: e.namespace, podLabels: e.podLabels, name: 'vllm' },
      [{ port: e.port }],
    );
  }
}

/**
 * The example notebooks other workloads registered (cluster.notebooks), one ConfigMap per group,
 * mounted read-only at /home/jovyan/examples of every server.
 */
function exampleNotebooks(
  cluster: Cluster,
  ns: string,
): { extraVolumes: Volume[]; extraVolumeMounts: { name: string; mountPath: string; readOnly: boolean }[] } {
  const groups = new Map<string, Record<string, string>>();
  for (const n of cluster.notebooks)
    groups.set(n.configMap, { ...groups.get(n.configMap), [n.file]: n.content });
  if (groups.size === 0) return { extraVolumes: [], extraVolumeMounts: [] };
  for (const [name, data] of groups) {
    new ConfigMap(cluster.layers.apps, `configmap-${ns}-${name}`, {
      metadata: { name, namespace: ns, labels: { 'app.kubernetes.io/name': 'jupyterhub' } },
      data,
      immutable: false,
    });
  }
  const names = [...groups.keys()];
  const volume: Volume =
    names.length === 1
      ? { name: 'notebooks', configMap: { name: names[0]! } }
      : { name: 'notebooks', projected: { sources: names.map((name) => ({ configMap: { name } })) } };
  return {
    extraVolumes: [volume],
    extraVolumeMounts: [{ name: 'notebooks', mountPath: EXAMPLES, readOnly: true }],
  };
}
