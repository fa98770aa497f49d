/**
 * The architecture picture: one Mermaid flowchart per environment, derived from the rendered
 * objects (dist/k8s, dist/terraform). It shows the Flux layers and their order, the objects
 * that matter in each layer (controllers, pools, gateways, workloads), the AWS resources that
 * Terraform creates, and how they connect: contract variables (`${VAR}` in a manifest, resolved
 * from the cluster-vars ConfigMap that Terraform writes), Pod Identity associations, node pools.
 */
import { layerPath } from '../clusters/contract.js';
import type { Environment } from '../clusters/lib/resolve.js';
import type { EnvironmentObjects, JsonObject, KubeObject, TerraformBlock } from './objects.js';

const rec = (v: unknown): JsonObject =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : {};
const arr = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);

/** Kinds drawn as nodes in each layer; other objects are counted. */
const SHOWN_KINDS = new Set([
  'HelmRelease',
  'NodePool',
  'EC2NodeClass',
  'GatewayClass',
  'Gateway',
  'HTTPRoute',
  'ClusterSecretStore',
  'ExternalSecret',
  'StorageClass',
  'PersistentVolume',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'RayService',
  'RayCluster',
  'RayJob',
  'WorkflowTemplate',
  'CronWorkflow',
  'Ingress',
]);

/** AWS resource types drawn, with their display names. */
const AWS_TYPES: Readonly<Record<string, string>> = {
  aws_vpc: 'VPC',
  aws_eks_cluster: 'EKS cluster',
  aws_eks_node_group: 'EKS managed node group',
  aws_fsx_lustre_file_system: 'FSx for Lustre',
  aws_s3_bucket: 'S3 bucket',
  aws_sqs_queue: 'SQS queue',
  aws_secretsmanager_secret: 'Secrets Manager secret',
  aws_cognito_user_pool: 'Cognito user pool',
  aws_iam_role: 'IAM role',
  kubernetes_config_map_v1: 'ConfigMap',
  helm_release: 'Helm release',
};

const LAYER_TITLES: Readonly<Record<string, string>> = {
  controllers: 'controllers layer',
  configs: 'configs layer',
  apps: 'apps layer',
};

/** A quoted Mermaid label; `<br/>` breaks lines, any other markup character is escaped. */
function label(text: string): string {
  const esc = (s: string) => s.replace(/"/g, '#quot;').replace(/[<>]/g, (c) => (c === '<' ? '#lt;' : '#gt;'));
  return `"${text.split('<br/>').map(esc).join('<br/>')}"`;
}

/** Terraform's `${type.name.attr}` references inside a value. */
function terraformRefs(value: unknown): string[] {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? '');
  return [...text.matchAll(/\$\{(?:data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.[a-z_]+/g)].map(
    (m) => `${m[1]}.${m[2]}`,
  );
}

/** Construct path of a cdktf block (`dev-cluster/model-data/fsx` -> `model-data/fsx`), else its name. */
function tfName(env: string, b: TerraformBlock): string {
  const path = rec(rec(rec(b.body)['//']).metadata).path;
  if (typeof path === 'string') {
    const stack = b.stage ? `${env}-${b.stage}/` : `${env}/`;
    return path.startsWith(stack) ? path.slice(stack.length) : path;
  }
  return b.address.split('.').slice(1).join('.');
}

/** A reference in `b`'s root module, qualified as block ids are (`cluster/aws_vpc.x`). */
function qualify(b: TerraformBlock, ref: string): string {
  return b.stage ? `${b.stage}/${ref}` : ref;
}

const REMOTE_OUTPUT =
  /\$\{data\.terraform_remote_state\.[A-Za-z0-9_-]+\.outputs\.([A-Za-z0-9_]+)(?:\.([A-Za-z0-9_]+))?\}/g;

/**
 * The resources a block's value refers to, qualified; a read of another root module's output
 * (`terraform_remote_state`) is followed to what that output's value refers to.
 */
function blockRefs(b: TerraformBlock, value: unknown, all: readonly TerraformBlock[]): string[] {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? '');
  const refs = terraformRefs(text.replace(REMOTE_OUTPUT, '')).map((r) => qualify(b, r));
  for (const m of text.matchAll(REMOTE_OUTPUT)) {
    const output = all.find(
      (o) => o.section === 'output' && o.address === `output.${m[1]}` && o.stage !== b.stage,
    );
    if (!output) continue;
    const v = rec(output.body).value;
    refs.push(...terraformRefs(m[2] ? rec(v)[m[2]] : v).map((r) => qualify(output, r)));
  }
  return refs;
}

interface PodInfo {
  readonly serviceAccount: string | undefined;
  readonly pools: readonly string[];
}

function podSpecs(o: KubeObject): JsonObject[] {
  const spec = rec(o.manifest.spec);
  switch (o.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
      return [rec(rec(spec.template).spec)];
    case 'RayService':
    case 'RayCluster': {
      const c = o.kind === 'RayService' ? rec(spec.rayClusterConfig) : spec;
      return [
        rec(rec(rec(c.headGroupSpec).template).spec),
        ...arr(c.workerGroupSpecs).map((w) => rec(rec(rec(w).template).spec)),
      ];
    }
    default:
      return [];
  }
}

function podInfo(o: KubeObject): PodInfo[] {
  return podSpecs(o).map((s) => {
    const selector = rec(s.nodeSelector);
    const pools = new Set<string>();
    if (typeof selector['karpenter.sh/nodepool'] === 'string') pools.add(selector['karpenter.sh/nodepool']);
    for (const term of arr(
      rec(rec(rec(s.affinity).nodeAffinity).requiredDuringSchedulingIgnoredDuringExecution).nodeSelectorTerms,
    )) {
      for (const e of arr(rec(term).matchExpressions).map(rec)) {
        if (e.key === 'karpenter.sh/nodepool' && e.operator === 'In')
          for (const v of arr(e.values)) pools.add(String(v));
      }
    }
    return {
      serviceAccount: typeof s.serviceAccountName === 'string' ? s.serviceAccountName : undefined,
      pools: [...pools].sort(),
    };
  });
}

/** The Mermaid flowchart of one environment. */
export function architectureDiagram(env: Environment, objects: EnvironmentObjects | undefined): string {
  const kube = [...(objects?.kubernetes.values() ?? [])].sort((a, b) => a.path.localeCompare(b.path));
  const allTf = [...(objects?.terraform.values() ?? [])];
  const tf = allTf.filter((b) => b.section === 'resource');
  const ids = new Map<string, string>();
  const id = (key: string) => {
    let v = ids.get(key);
    if (!v) {
      v = `n${ids.size + 1}`;
      ids.set(key, v);
    }
    return v;
  };
  const lines: string[] = ['flowchart LR'];
  const edges = new Set<string>();
  const edge = (from: string, to: string, text?: string, dashed = false) => {
    if (from === to) return;
    const arrow = dashed ? '-.->' : '-->';
    edges.add(`  ${from} ${arrow}${text ? `|${label(text)}|` : ''} ${to}`);
  };

  // AWS side.
  const shownTf = tf.filter((b) => b.type && AWS_TYPES[b.type] && b.type !== 'aws_iam_role');
  const clusterVars = tf.find(
    (b) => b.type === 'kubernetes_config_map_v1' && rec(rec(b.body).metadata).name === 'cluster-vars',
  );
  const podIdentities = tf.filter((b) => b.type === 'aws_eks_pod_identity_association');
  const roleIds = new Set(podIdentities.flatMap((p) => blockRefs(p, rec(p.body).role_arn, allTf)));
  const addons = tf
    .filter((b) => b.type === 'aws_eks_addon')
    .map((b) => String(rec(b.body).addon_name ?? tfName(env.name, b)))
    .sort();
  lines.push(`  subgraph aws[${label(`AWS ${env.region} (Terraform: dist/terraform/${env.name})`)}]`);
  if (shownTf.length === 0 && roleIds.size === 0) {
    lines.push(`    ${id('aws:none')}[${label('no AWS resources rendered')}]`);
  }
  for (const b of shownTf.sort((x, y) => x.id.localeCompare(y.id))) {
    const name = b === clusterVars ? 'flux-system/cluster-vars' : tfName(env.name, b);
    lines.push(`    ${id(`tf:${b.id}`)}[${label(`${AWS_TYPES[b.type!]}<br/>${name}`)}]`);
  }
  if (addons.length > 0)
    lines.push(`    ${id('tf:addons')}[${label(`EKS add-ons<br/>${addons.join(', ')}`)}]`);
  for (const p of podIdentities.sort((x, y) => x.id.localeCompare(y.id))) {
    const body = rec(p.body);
    for (const role of blockRefs(p, body.role_arn, allTf)) {
      lines.push(
        `    ${id(`tf:${role}`)}[${label(`IAM role (Pod Identity)<br/>${body.namespace}/${body.service_account}`)}]`,
      );
    }
  }
  lines.push('  end');
  const cluster = shownTf.find((b) => b.type === 'aws_eks_cluster');
  if (cluster && addons.length > 0) edge(id('tf:addons'), id(`tf:${cluster.id}`), 'runs in');
  for (const b of shownTf) {
    if (b.type === 'aws_eks_node_group' && cluster) edge(id(`tf:${b.id}`), id(`tf:${cluster.id}`), 'joins');
    if (b.type === 'aws_eks_cluster') {
      for (const ref of blockRefs(b, rec(b.body).vpc_config, allTf)) {
        const vpc = shownTf.find((x) => x.type === 'aws_vpc');
        if (vpc && ref.replace(/^[a-z]+\//, '').startsWith('aws_subnet'))
          edge(id(`tf:${b.id}`), id(`tf:${vpc.id}`), 'in');
      }
    }
  }

  // Contract variables: name -> the AWS resource that provides it.
  const varSource = new Map<string, string>();
  for (const [name, value] of Object.entries(rec(rec(clusterVars?.body).data))) {
    const ref = clusterVars
      ? blockRefs(clusterVars, value, allTf).find((r) => ids.has(`tf:${r}`))
      : undefined;
    if (ref) varSource.set(name, id(`tf:${ref}`));
  }

  // Kubernetes side, one subgraph per Flux layer.
  const kustomizations = kube.filter((o) => o.kind === 'Kustomization' && o.layer === 'flux-system');
  lines.push(`  subgraph flux[${label(`Flux: dist/k8s/${env.name}/flux-system`)}]`);
  if (kustomizations.length === 0) lines.push(`    ${id('flux:none')}[${label('no layer Kustomization')}]`);
  for (const k of kustomizations) lines.push(`    ${id(`k8s:${k.id}`)}[${label(`Kustomization ${k.name}`)}]`);
  lines.push('  end');
  const fluxReleases = shownTf.filter((b) => b.type === 'helm_release' && /flux/.test(tfName(env.name, b)));
  // The release that syncs this repository: its values name the flux-system layer's path.
  const syncPath = layerPath(env.name, 'flux-system');
  const bootstrap = fluxReleases.find((b) => JSON.stringify(b.body).includes(syncPath)) ?? fluxReleases[0];
  for (const k of kustomizations) {
    const deps = arr(rec(k.manifest.spec).dependsOn).map((d) => String(rec(d).name));
    for (const d of deps) {
      const dep = kustomizations.find((x) => x.name === d);
      if (dep) edge(id(`k8s:${dep.id}`), id(`k8s:${k.id}`), 'then');
    }
    if (deps.length === 0 && bootstrap) edge(id(`tf:${bootstrap.id}`), id(`k8s:${k.id}`), 'bootstraps');
  }

  const layers = [...new Set(kube.map((o) => o.layer))].filter((l) => l !== 'flux-system');
  const shown = new Map<string, KubeObject>();
  for (const layer of ['controllers', 'configs', 'apps', ...layers.filter((l) => !LAYER_TITLES[l])]) {
    const inLayer = kube.filter((o) => o.layer === layer);
    if (inLayer.length === 0) continue;
    const nodes = inLayer.filter(
      (o) =>
        SHOWN_KINDS.has(o.kind) || (o.kind === 'Service' && rec(o.manifest.spec).type === 'LoadBalancer'),
    );
    const others = inLayer.length - nodes.length;
    const sub = `layer_${layer.replace(/[^a-z0-9]/g, '_')}`;
    lines.push(
      `  subgraph ${sub}[${label(`${LAYER_TITLES[layer] ?? `${layer} layer`}: dist/k8s/${env.name}/${layer}`)}]`,
    );
    for (const o of nodes) {
      shown.set(o.id, o);
      const kind = o.kind === 'Service' ? 'Service (LoadBalancer)' : o.kind;
      lines.push(
        `    ${id(`k8s:${o.id}`)}[${label(`${kind}<br/>${o.namespace ? `${o.namespace}/` : ''}${o.name}`)}]`,
      );
    }
    if (others > 0) {
      const kinds = [...new Set(inLayer.filter((o) => !nodes.includes(o)).map((o) => o.kind))].sort();
      lines.push(`    ${id(`others:${layer}`)}[${label(`+${others} more: ${kinds.join(', ')}`)}]`);
    }
    lines.push('  end');
    const k = kustomizations.find((x) => rec(x.manifest.spec).path === `./dist/k8s/${env.name}/${layer}`);
    if (k) edge(id(`k8s:${k.id}`), sub, 'applies');
  }

  // Edges between objects and to AWS.
  const shownList = [...shown.values()];
  for (const o of shownList) {
    const me = id(`k8s:${o.id}`);
    const text = JSON.stringify(o.manifest);
    for (const m of new Set([...text.matchAll(/(?<!\$)\$\{([A-Z0-9_]+)\}/g)].map((x) => x[1]!))) {
      const src = varSource.get(m);
      if (src) edge(me, src, m, true);
    }
    for (const info of podInfo(o)) {
      for (const pool of info.pools) {
        const p = shownList.find((x) => x.kind === 'NodePool' && x.name === pool);
        if (p) edge(me, id(`k8s:${p.id}`), 'runs on');
      }
      if (info.serviceAccount) {
        const assoc = podIdentities.find(
          (a) => rec(a.body).namespace === o.namespace && rec(a.body).service_account === info.serviceAccount,
        );
        for (const role of assoc ? blockRefs(assoc, rec(assoc.body).role_arn, allTf) : [])
          edge(me, id(`tf:${role}`), 'Pod Identity', true);
      }
    }
    const spec = rec(o.manifest.spec);
    if (o.kind === 'HelmRelease') {
      // A release uses an association when it installs into its namespace and the service account
      // is the release's name or is named in its values.
      const ns = String(spec.targetNamespace ?? o.namespace ?? '');
      const release = String(spec.releaseName ?? o.name);
      const values = JSON.stringify(spec.values ?? {});
      const uses = (sa: string) => sa === release || values.includes(JSON.stringify(sa));
      for (const a of podIdentities.filter(
        (x) => rec(x.body).namespace === ns && uses(String(rec(x.body).service_account)),
      )) {
        for (const role of blockRefs(a, rec(a.body).role_arn, allTf))
          edge(me, id(`tf:${role}`), 'Pod Identity', true);
      }
    }
    if (o.kind === 'HTTPRoute') {
      for (const p of arr(spec.parentRefs).map(rec)) {
        const gw = shown.get(`Gateway ${p.namespace ?? o.namespace}/${p.name}`);
        if (gw) edge(me, id(`k8s:${gw.id}`), 'attached to');
      }
    }
    if (o.kind === 'NodePool') {
      const ref = rec(rec(rec(spec.template).spec).nodeClassRef);
      const nc = shown.get(`EC2NodeClass ${ref.name}`);
      if (nc) edge(me, id(`k8s:${nc.id}`), 'nodes from');
    }
    if (o.kind === 'ExternalSecret') {
      const ref = rec(spec.secretStoreRef);
      const store = shown.get(`${ref.kind ?? 'SecretStore'} ${ref.name}`);
      if (store) edge(me, id(`k8s:${store.id}`), 'reads via');
    }
    if (o.kind === 'Gateway') {
      const gc = shown.get(`GatewayClass ${spec.gatewayClassName}`);
      if (gc) edge(me, id(`k8s:${gc.id}`), 'class');
    }
  }
  return [...lines, ...[...edges].sort()].join('\n');
}

export function architectureMarkdown(
  envs: readonly Environment[],
  trees: ReadonlyMap<string, EnvironmentObjects>,
): { markdown: string; diagrams: Map<string, string> } {
  const diagrams = new Map(envs.map((e) => [e.name, architectureDiagram(e, trees.get(e.name))]));
  const out = [
    '# Architecture',
    '',
    '<!-- Generated by `npm run synth` with dist/ from clusters/; do not edit by hand (the drift check in `npm test` compares it). -->',
    '',
    'One diagram per environment, derived from the rendered files: the Flux layers and the order',
    'they reconcile in, the objects that matter in each layer (other objects are counted), the AWS',
    'resources Terraform creates, and the links between them. A dashed arrow labelled with a',
    `variable name is a contract variable: the manifest says \`${'$'}{NAME}\`, Flux substitutes it from the`,
    'ConfigMap `flux-system/cluster-vars`, which Terraform fills from that AWS resource. A dashed',
    '"Pod Identity" arrow is an EKS Pod Identity association of the workload\'s service account.',
    '',
  ];
  for (const e of envs) {
    out.push(
      `## ${e.name}`,
      '',
      `${e.tier} environment in ${e.region}.`,
      '',
      '```mermaid',
      diagrams.get(e.name)!,
      '```',
      '',
    );
  }
  return { markdown: `${out.join('\n').trimEnd()}\n`, diagrams };
}
