/**
 * The AWS side, asserted on the synthesized Terraform JSON of fixture environments
 * (test/support/fixtures.ts): a development environment, and a production source whose model
 * bucket replicates to a production replica in another region. Encryption, public access,
 * secrets, wiring between components, pinned versions. Each environment has two stacks
 * (infra/stages.ts): `s` is the cluster stage, `b` the bootstrap stage; what passes between them
 * is test/infra-stages.test.ts's.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { FLUX_RELEASES } from '../clusters/catalog/flux.js';
import { FLUX, IDENTITIES, layerPath, SYSTEM_NODES } from '../clusters/contract.js';
import { clusterName } from '../clusters/lib/environment.js';
import type { Environment } from '../clusters/lib/resolve.js';
import { versions } from '../clusters/versions.js';
import { ADDON_PHASES, type AddonName } from '../infra/addons/index.js';
import { Testing } from '../infra/cdktf.js';
import { FLUX_COMPONENTS, STRICT_SUBSTITUTION } from '../infra/flux/index.js';
import { INTERRUPTION_EVENTS } from '../infra/karpenter/index.js';
import { planSubnets } from '../infra/network/index.js';
import { STAGES, stackName } from '../infra/stages.js';
import { renderEnvironments } from '../render/build.js';
import { sortKeys } from '../render/serialise.js';
import {
  address,
  arr,
  deref,
  type Obj,
  obj,
  type PolicyStatement,
  resource,
  resources,
  type Stages,
  type Synth,
  statements,
  str,
  synth,
  tf,
} from './infra-helpers.js';
import { fixture, type Props, resolve } from './support/fixtures.js';

/** A development environment (one NAT gateway, shared-password sign-in, no replication). */
const development = fixture('fixture', 0);
/** A production environment over three zones whose model bucket replicates to `replica`. */
const source = fixture('source', 1);
source.tier = 'production';
source.authentication = { kind: 'cognito' };
source.natGateways = 'one-per-az';
source.availabilityZones = ['us-west-2a', 'us-west-2b', 'us-west-2c'];
source.modelData.disasterRecovery = { role: 'source', replicaEnvironment: 'replica' };
/** The replica, in another region. */
const replica = fixture('replica', 2);
replica.tier = 'production';
replica.authentication = { kind: 'cognito' };
replica.region = 'us-east-2';
replica.availabilityZones = ['us-east-2a', 'us-east-2b'];
replica.modelData.disasterRecovery = { role: 'replica', sourceEnvironment: 'source' };

const all = resolve(development, source, replica);
const NAMES = all.map((e) => e.name);
const synths = new Map<string, Stages>();
/** The environment and its synthesized stacks (once per run): `s` the cluster stage, `b` the bootstrap stage. */
const get = (name: string): { env: Environment; s: Synth; b: Synth } => {
  const env = all.find((e) => e.name === name)!;
  if (!synths.has(name)) synths.set(name, synth(env, all));
  const stages = synths.get(name)!;
  return { env, s: stages.cluster, b: stages.bootstrap };
};

describe.each(NAMES)('%s', (name) => {
  test('state: each stage on the S3 backend with native locking, its own key, bucket left to -backend-config', () => {
    const { s, b } = get(name);
    for (const stage of [s, b]) {
      const backend = obj(obj(obj(stage.json.terraform).backend).s3);
      expect(backend).toEqual({
        key: `genai-eks/${name}/${stage.stage}/terraform.tfstate`,
        region: get(name).env.region,
        encrypt: true,
        use_lockfile: true,
      });
      expect(backend).not.toHaveProperty('bucket');
    }
  });

  test('network: a public and a private subnet per AZ, load balancer and Karpenter tags, NAT per policy', () => {
    const { env, s } = get(name);
    const subnets = Object.values(resources(s, 'aws_subnet'));
    const priv = subnets.filter((x) => str(obj(x.tags).Name).includes('-private-'));
    const pub = subnets.filter((x) => str(obj(x.tags).Name).includes('-public-'));
    expect(priv.map((x) => x.availability_zone)).toEqual([...env.availabilityZones]);
    expect(pub.map((x) => x.availability_zone)).toEqual([...env.availabilityZones]);
    for (const x of priv) {
      expect(x.tags).toMatchObject({
        'kubernetes.io/role/internal-elb': '1',
        'karpenter.sh/discovery': clusterName(env),
      });
    }
    for (const x of pub) {
      expect(x.tags).toMatchObject({ 'kubernetes.io/role/elb': '1' });
      expect(x.map_public_ip_on_launch).toBe(false);
    }
    const plan = planSubnets(env.vpcCidr, env.availabilityZones.length);
    expect(priv.map((x) => x.cidr_block)).toEqual(plan.private);
    expect(pub.map((x) => x.cidr_block)).toEqual(plan.public);
    const nats = Object.keys(resources(s, 'aws_nat_gateway')).length;
    expect(nats).toBe(env.natGateways === 'one-per-az' ? env.availabilityZones.length : 1);
    expect(
      Testing.toHaveResourceWithProperties(s.text, 'aws_ec2_tag', {
        key: 'karpenter.sh/discovery',
        value: clusterName(env),
      }),
    ).toBe(true);
  });

  test('EKS: API access entries, envelope encryption with a rotated KMS key, all control-plane logs, private endpoint', () => {
    const { env, s } = get(name);
    const cluster = resource(s, 'aws_eks_cluster', 'eks/cluster');
    expect(cluster).toMatchObject({
      name: clusterName(env),
      version: versions.kubernetes,
      access_config: { authentication_mode: 'API', bootstrap_cluster_creator_admin_permissions: true },
      enabled_cluster_log_types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'],
      encryption_config: { resources: ['secrets'] },
      vpc_config: { endpoint_private_access: true, endpoint_public_access: env.endpoint.publicAccess },
    });
    const key = deref(s, obj(obj(cluster.encryption_config).provider).key_arn);
    expect(key.type).toBe('aws_kms_key');
    expect(key.block.enable_key_rotation).toBe(true);
    expect(obj(cluster.vpc_config)).not.toHaveProperty('public_access_cidrs');
  });

  test('system node group: on-demand, pinned AL2023 release, labelled and tainted, auto repair', () => {
    const { env, s } = get(name);
    expect(resource(s, 'aws_eks_node_group', 'system-nodes/nodes')).toMatchObject({
      instance_types: [env.systemNodeGroup.instanceType],
      capacity_type: 'ON_DEMAND',
      ami_type: versions.systemNodeGroupAmi.type,
      release_version: versions.systemNodeGroupAmi.releaseVersion,
      scaling_config: { desired_size: env.systemNodeGroup.size, min_size: env.systemNodeGroup.size },
      labels: { [SYSTEM_NODES.label.key]: SYSTEM_NODES.label.value },
      // The EKS API spells the effect NO_SCHEDULE.
      taint: [{ key: SYSTEM_NODES.taint.key, value: SYSTEM_NODES.taint.value, effect: 'NO_SCHEDULE' }],
      node_repair_config: { enabled: true },
    });
  });

  test('add-ons: every one at its pinned version, in its stage; VPC CNI enforces network policies', () => {
    const { s, b } = get(name);
    const inCluster = Object.values(resources(s, 'aws_eks_addon'));
    const inBootstrap = Object.values(resources(b, 'aws_eks_addon'));
    const addons = [...inCluster, ...inBootstrap];
    expect(Object.fromEntries(addons.map((a) => [a.addon_name, a.addon_version]))).toEqual(
      versions.eksAddons,
    );
    for (const a of inCluster)
      expect(ADDON_PHASES[str(a.addon_name) as AddonName], String(a.addon_name)).not.toBe('after-flux');
    for (const a of inBootstrap)
      expect(ADDON_PHASES[str(a.addon_name) as AddonName], String(a.addon_name)).toBe('after-flux');
    const cni = addons.find((a) => a.addon_name === 'vpc-cni')!;
    expect(JSON.parse(str(cni.configuration_values))).toEqual({ enableNetworkPolicy: 'true' });
    // CoreDNS and the EBS CSI controller run on the tainted system nodes.
    const config = (name: string) =>
      JSON.parse(str(addons.find((a) => a.addon_name === name)!.configuration_values));
    const tolerates = { key: 'CriticalAddonsOnly', operator: 'Exists' };
    expect(config('coredns').tolerations).toContainEqual(tolerates);
    expect(config('aws-ebs-csi-driver').controller.tolerations).toContainEqual(tolerates);
    // Ordering: node group after what nodes need; CoreDNS & co. after the nodes; the add-ons
    // whose controllers may need Karpenter capacity after the Flux bootstrap (another stage).
    const nodeGroup = address(s, 'aws_eks_node_group', 'system-nodes/nodes');
    const fluxInstance = address(b, 'helm_release', 'flux/instance');
    const deps = (a: Obj) => arr(a.depends_on ?? []).map(String);
    for (const a of inCluster) {
      const phase = ADDON_PHASES[str(a.addon_name) as AddonName];
      if (phase === 'before-nodes') {
        expect(arr(resource(s, 'aws_eks_node_group', 'system-nodes/nodes').depends_on)).toContain(
          address(s, 'aws_eks_addon', `addons-before-nodes/${a.addon_name}`),
        );
      } else {
        expect(deps(a), String(a.addon_name)).toContain(nodeGroup);
      }
    }
    for (const a of inBootstrap) expect(deps(a), String(a.addon_name)).toContain(fluxInstance);
  });

  test('Karpenter: node role with an EC2_LINUX access entry, interruption queue fed by one EventBridge rule per event', () => {
    const { env, s } = get(name);
    const entry = resource(s, 'aws_eks_access_entry', 'karpenter/node-access-entry');
    expect(entry.type).toBe('EC2_LINUX');
    expect(deref(s, entry.principal_arn).block.name).toBe(`${clusterName(env)}-karpenter-node`);
    const queue = resource(s, 'aws_sqs_queue', 'karpenter/interruption-queue');
    expect(queue.sqs_managed_sse_enabled).toBe(true);
    const rules = Object.values(resources(s, 'aws_cloudwatch_event_rule')).map((r) =>
      JSON.parse(str(r.event_pattern)),
    );
    expect(rules).toEqual(expect.arrayContaining(Object.values(INTERRUPTION_EVENTS)));
    expect(rules).toHaveLength(Object.keys(INTERRUPTION_EVENTS).length);
    for (const t of Object.values(resources(s, 'aws_cloudwatch_event_target'))) {
      expect(deref(s, t.arn).block).toBe(queue);
    }
  });

  test('model bucket: versioned, SSE-KMS with a rotated key, public access blocked, TLS only', () => {
    const { s } = get(name);
    expect(resource(s, 'aws_s3_bucket_versioning', 'model-data/versioning')).toMatchObject({
      versioning_configuration: { status: 'Enabled' },
    });
    expect(resource(s, 'aws_s3_bucket_lifecycle_configuration', 'model-data/lifecycle')).toMatchObject({
      rule: [{ status: 'Enabled', noncurrent_version_expiration: [{ noncurrent_days: 30 }] }],
    });
    const sse = resource(s, 'aws_s3_bucket_server_side_encryption_configuration', 'model-data/encryption');
    const rule = obj(arr(sse.rule)[0]);
    expect(rule).toMatchObject({ apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms' } });
    const key = deref(s, obj(rule.apply_server_side_encryption_by_default).kms_master_key_id);
    expect(key.block.enable_key_rotation).toBe(true);
    expect(
      Testing.toHaveResourceWithProperties(s.text, 'aws_s3_bucket_public_access_block', {
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      }),
    ).toBe(true);
    const policy = resource(s, 'aws_s3_bucket_policy', 'model-data/bucket-policy');
    expect(statements(s, policy.policy)).toContainEqual(
      expect.objectContaining({
        effect: 'Deny',
        actions: ['s3:*'],
        condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
      }),
    );
  });

  test('FSx for Lustre: PERSISTENT_2 sized from the environment, encrypted, Lustre ports from the cluster only', () => {
    const { env, s } = get(name);
    const fsx = resource(s, 'aws_fsx_lustre_file_system', 'model-data/fsx');
    expect(fsx).toMatchObject({
      deployment_type: 'PERSISTENT_2',
      storage_capacity: env.modelData.fsxStorageGiB,
      per_unit_storage_throughput: env.modelData.fsxThroughputPerTiB,
    });
    expect(deref(s, fsx.kms_key_id).type).toBe('aws_kms_key');
    const subnet = deref(s, arr(fsx.subnet_ids)[0]).block;
    expect(str(obj(subnet.tags).Name)).toContain('-private-');
    const sg = deref(s, arr(fsx.security_group_ids)[0]).block;
    const ingress = arr(sg.ingress).map((r) => obj(r));
    expect(ingress.map((r) => [r.from_port, r.to_port])).toEqual([
      [988, 988],
      [1018, 1023],
    ]);
    for (const r of ingress) {
      expect(r.cidr_blocks).toBeNull();
      expect(arr(r.security_groups).map(String)).toEqual([
        expect.stringMatching(/^\$\{aws_eks_cluster\.[^.]+\.vpc_config\[0\]\.cluster_security_group_id\}$/),
      ]);
    }
  });

  test("FSx links the bucket's models/ prefix with automatic import", () => {
    const { s } = get(name);
    const dra = resource(s, 'aws_fsx_data_repository_association', 'model-data/models-association');
    expect(dra).toMatchObject({
      file_system_path: '/models',
      batch_import_meta_data_on_create: true,
      s3: { auto_import_policy: { events: ['NEW', 'CHANGED', 'DELETED'] } },
    });
    const bucket = resource(s, 'aws_s3_bucket', 'model-data/bucket');
    expect(dra.data_repository_path).toBe(
      `s3://${tf(`${address(s, 'aws_s3_bucket', 'model-data/bucket')}.bucket`)}/models/`,
    );
    // Named from the cluster and the account, so that a DR source can name its replica's bucket.
    expect(str(bucket.bucket)).toContain(clusterName(get(name).env));
    expect(str(bucket.bucket)).toContain(tf('data.aws_caller_identity.account.account_id'));
  });

  test('Hugging Face token: a secret without any value in code or state', () => {
    const { env, s, b } = get(name);
    expect(resource(s, 'aws_secretsmanager_secret', 'secrets/huggingface-token').name).toBe(
      `${clusterName(env)}/huggingface-token`,
    );
    for (const stage of [s, b]) {
      expect(Testing.toHaveResource(stage.text, 'aws_secretsmanager_secret_version')).toBe(false);
      expect(stage.text).not.toMatch(
        /"(secret_string|secret_binary|secret_string_wo|client_secret|password)"/,
      );
      expect(Testing.toHaveDataSource(stage.text, 'aws_eks_cluster_auth')).toBe(false);
    }
    for (const c of Object.values(resources(s, 'aws_cognito_user_pool_client'))) {
      expect(c.generate_secret).toBe(false);
    }
    // The cluster API is reached with short-lived tokens from the AWS CLI, never a stored token.
    expect(JSON.stringify(obj(b.json.provider).kubernetes)).toContain('"command":"aws"');
  });

  test('every pod identity has its own role, trusted by EKS Pod Identity only, with a scoped inline policy', () => {
    const { s } = get(name);
    const associations = Object.values(resources(s, 'aws_eks_pod_identity_association'));
    expect(associations.map((a) => `${a.namespace}/${a.service_account}`).sort()).toEqual(
      Object.values(IDENTITIES)
        .map((i) => `${i.namespace}/${i.serviceAccount}`)
        .sort(),
    );
    const roles = new Set<unknown>();
    const attachments = Object.values(resources(s, 'aws_iam_role_policy_attachment'));
    for (const a of associations) {
      const role = deref(s, a.role_arn).block;
      roles.add(role);
      expect(statements(s, role.assume_role_policy)).toEqual([
        expect.objectContaining({
          actions: ['sts:AssumeRole', 'sts:TagSession'],
          principals: [{ type: 'Service', identifiers: ['pods.eks.amazonaws.com'] }],
        }),
      ]);
      const { type, id } = deref(s, a.role_arn);
      const roleName = tf(`${type}.${id}.name`);
      expect(
        attachments.filter((x) => x.role === roleName),
        'no managed policies',
      ).toEqual([]);
      const inline = Object.values(resources(s, 'aws_iam_role_policy')).filter((p) => p.role === roleName);
      expect(inline).toHaveLength(1);
      for (const st of statements(s, inline[0]!.policy)) expectScoped(st, String(a.service_account));
    }
    expect(roles.size).toBe(associations.length);
  });

  test('Flux: the operator installs versions.flux exactly, on the system nodes, and syncs dist/k8s/<env>/flux-system', () => {
    const { b } = get(name);
    const operator = resource(b, 'helm_release', 'flux/operator');
    const instance = resource(b, 'helm_release', 'flux/instance');
    for (const [release, chart] of [
      [operator, versions.fluxOperator],
      [instance, versions.fluxInstance],
    ] as const) {
      expect(release).toMatchObject({
        chart: chart.chart,
        version: chart.version,
        namespace: FLUX.namespace,
        atomic: true,
        wait: true,
      });
      // The Helm provider's OCI form: the repository path, then the chart name.
      expect(`${str(release.repository)}/${str(release.chart)}`).toBe(chart.repository);
    }
    expect(operator.create_namespace).toBe(true);
    const onSystemNodes = (pod: Obj, what: string) => {
      expect(obj(pod.nodeSelector, what)).toMatchObject({
        [SYSTEM_NODES.label.key]: SYSTEM_NODES.label.value,
      });
      expect(arr(pod.tolerations, what)).toContainEqual({
        key: SYSTEM_NODES.taint.key,
        operator: 'Exists',
        effect: SYSTEM_NODES.taint.effect,
      });
    };
    const operatorValues = JSON.parse(str(arr(operator.values)[0]));
    onSystemNodes(operatorValues, 'the operator');
    expect(operatorValues.web).toEqual({ enabled: false });

    const values = JSON.parse(str(arr(instance.values)[0]));
    // Exactly the pinned release, from the manifests embedded in the pinned operator image.
    expect(values.instance.distribution).toEqual({
      version: versions.flux.replace(/^v/, ''),
      registry: 'ghcr.io/fluxcd',
      artifact: '',
    });
    expect(values.instance.components).toEqual([...FLUX_COMPONENTS]);
    expect(values.instance.components.filter((c: string) => c.startsWith('image-'))).toEqual([]);
    expect(values.instance.sync).toMatchObject({
      kind: 'GitRepository',
      name: FLUX.gitRepository,
      url: tf('var.flux_git_url'),
      ref: `refs/heads/${tf('var.flux_git_branch')}`,
      path: layerPath(name, 'flux-system'),
    });
    // Every pod: the operator (above), each Flux controller (a patch on every Deployment) and the
    // chart's hook Job that waits for the instance.
    const patches = arr(values.instance.kustomize.patches).map((p) => obj(p));
    const everyDeployment = patches.filter((p) => obj(p.target).kind === 'Deployment' && !obj(p.target).name);
    expect(everyDeployment).toHaveLength(1);
    onSystemNodes(JSON.parse(str(everyDeployment[0]!.patch)).spec.template.spec, 'the Flux controllers');
    expect(values.healthcheck.enabled).toBe(true);
    onSystemNodes(values.healthcheck, 'the healthcheck Job');
    // kustomize-controller substitutes strictly.
    const kustomize = patches.filter((p) => obj(p.target).name === 'kustomize-controller');
    expect(kustomize.flatMap((p) => JSON.parse(str(p.patch)))).toContainEqual({
      op: 'add',
      path: '/spec/template/spec/containers/0/args/-',
      value: STRICT_SUBSTITUTION,
    });
    // Helm waits at least as long as the hook Job waits for the instance.
    const minutes = /^(\d+)m$/.exec(str(values.healthcheck.timeout));
    expect(minutes, str(values.healthcheck.timeout)).not.toBeNull();
    expect(instance.timeout).toBeGreaterThan(Number(minutes![1]) * 60);
    // Order: the operator (and the namespace), then cluster-vars, then the instance and its sync.
    const operatorAddress = address(b, 'helm_release', 'flux/operator');
    const clusterVars = resource(b, 'kubernetes_config_map_v1', 'flux/cluster-vars');
    expect(arr(clusterVars.depends_on)).toContain(operatorAddress);
    expect(arr(instance.depends_on)).toEqual(
      expect.arrayContaining([operatorAddress, address(b, 'kubernetes_config_map_v1', 'flux/cluster-vars')]),
    );
  });
});

describe('the Flux release', () => {
  const semver = (v: string) => v.replace(/^v/, '').split('.').map(Number);
  const atLeast = (v: string, min: string) => {
    const [a, b] = [semver(v), semver(min)];
    const i = a.findIndex((x, j) => x !== b[j]);
    return i < 0 || a[i]! > b[i]!;
  };

  test('is one the pinned Flux Operator embeds, and both operator charts are of one release', () => {
    const release = FLUX_RELEASES[versions.flux];
    expect(release, `versions.flux ${versions.flux} in clusters/catalog/flux.ts`).toBeDefined();
    expect(
      atLeast(versions.fluxOperator.version, release!.operatorSince),
      `flux-operator ${versions.fluxOperator.version} embeds Flux ${versions.flux} from ${release!.operatorSince} on`,
    ).toBe(true);
    expect(versions.fluxInstance.version).toBe(versions.fluxOperator.version);
  });

  test('the version comparison orders releases numerically', () => {
    expect(atLeast('0.58.1', '0.58.0')).toBe(true);
    expect(atLeast('0.58.0', '0.58.0')).toBe(true);
    expect(atLeast('0.9.0', '0.58.0')).toBe(false);
    expect(atLeast('1.0.0', '0.58.0')).toBe(true);
  });
});

describe('disaster recovery of the model data', () => {
  test("the source replicates its bucket to the replica's bucket, in the replica's region, with the replica's key", () => {
    const { s } = get('source');
    const { env: target, s: targetStack } = get('replica');
    expect(target.region).not.toBe(get('source').env.region);
    const replication = resource(s, 'aws_s3_bucket_replication_configuration', 'model-data/replication');
    const rule = obj(arr(replication.rule)[0]);
    const partition = tf('data.aws_partition.partition.partition');
    const account = tf('data.aws_caller_identity.account.account_id');
    // The destination names are the ones the replica's own stack creates.
    const targetBucket = str(resource(targetStack, 'aws_s3_bucket', 'model-data/bucket').bucket);
    const targetAlias = str(resource(targetStack, 'aws_kms_alias', 'model-data/key-alias').name);
    expect(targetBucket).toContain(account);
    // The replica's key by its full ARN, looked up by the replica's alias in the replica's region.
    const replicaKey = deref(s, obj(obj(rule.destination).encryption_configuration).replica_kms_key_id);
    expect(replicaKey).toMatchObject({ type: 'aws_kms_alias', attribute: 'target_key_arn' });
    expect(replicaKey.block).toMatchObject({ name: targetAlias, region: target.region });
    expect(rule).toMatchObject({
      status: 'Enabled',
      delete_marker_replication: { status: 'Enabled' },
      source_selection_criteria: { sse_kms_encrypted_objects: { status: 'Enabled' } },
      destination: {
        bucket: `arn:${partition}:s3:::${targetBucket}`,
        encryption_configuration: { replica_kms_key_id: expect.stringMatching(/^\$\{data\.aws_kms_alias\./) },
      },
    });
    // S3 assumes the replication role, which writes replicas into that bucket only.
    const role = deref(s, replication.role);
    expect(statements(s, role.block.assume_role_policy)[0]!.principals).toEqual([
      { type: 'Service', identifiers: ['s3.amazonaws.com'] },
    ]);
    const policy = resource(s, 'aws_iam_role_policy', 'model-data/replication-policy');
    expect(policy.role).toBe(tf(`${role.type}.${role.id}.name`));
    const writes = statements(s, policy.policy).filter((st) =>
      st.actions.some((a) => a.startsWith('s3:Replicate')),
    );
    expect(writes.map((st) => st.resources)).toEqual([[`arn:${partition}:s3:::${targetBucket}/*`]]);
  });

  test('the replica and the development environment replicate nothing; the replica FSx links its own bucket', () => {
    for (const name of ['replica', 'fixture']) {
      expect(Testing.toHaveResource(get(name).s.text, 'aws_s3_bucket_replication_configuration'), name).toBe(
        false,
      );
    }
    const { s } = get('replica');
    const dra = resource(s, 'aws_fsx_data_repository_association', 'model-data/models-association');
    expect(dra.data_repository_path).toBe(
      `s3://${tf(`${address(s, 'aws_s3_bucket', 'model-data/bucket')}.bucket`)}/models/`,
    );
  });
});

describe('authentication', () => {
  test('Cognito user pool, domain and a public PKCE client exist exactly where authentication is cognito', () => {
    expect(new Set(all.map((e) => e.authentication.kind))).toEqual(new Set(['dummy', 'cognito']));
    for (const name of NAMES) {
      const { env, s } = get(name);
      const cognito = env.authentication.kind === 'cognito';
      expect(Testing.toHaveResource(s.text, 'aws_cognito_user_pool'), name).toBe(cognito);
      if (!cognito) continue;
      expect(resource(s, 'aws_cognito_user_pool_client', 'cognito/web-client')).toMatchObject({
        generate_secret: false,
        allowed_oauth_flows: ['code'],
        callback_urls: tf('var.cognito_callback_urls'),
      });
      expect(resource(s, 'aws_cognito_user_pool', 'cognito/user-pool')).toMatchObject({
        admin_create_user_config: { allow_admin_create_user_only: true },
        deletion_protection: 'ACTIVE',
      });
    }
  });
});

describe('variations', () => {
  test('a public endpoint carries exactly the environment CIDRs', () => {
    const props: Props = fixture('open', 3);
    props.endpoint = { publicAccess: true, publicAccessCidrs: ['203.0.113.0/24'] };
    const [open] = resolve(props);
    expect(
      resource(synth(open!, [open!]).cluster, 'aws_eks_cluster', 'eks/cluster').vpc_config,
    ).toMatchObject({
      endpoint_public_access: true,
      public_access_cidrs: ['203.0.113.0/24'],
    });
  });

  test('subnet carving: private subnets fill the VPC, public ones fit in the next block, too small is an error', () => {
    expect(planSubnets('10.10.0.0/16', 3)).toEqual({
      private: ['10.10.0.0/18', '10.10.64.0/18', '10.10.128.0/18'],
      public: ['10.10.192.0/20', '10.10.208.0/20', '10.10.224.0/20'],
    });
    expect(planSubnets('10.30.0.0/20', 6).public).toHaveLength(6);
    expect(() => planSubnets('10.0.0.0/24', 6)).toThrow(
      /vpcCidr: 10\.0\.0\.0\/24 is too small for 6 availability zones: public subnets would be \/30/,
    );
  });
});

/**
 * Least privilege: a statement on every resource (`*`) may only hold actions that have no
 * resource-level permissions (reads, metrics, pricing), and then only with a condition;
 * everything else names resources of this environment (Terraform references or ARNs).
 */
const UNSCOPABLE =
  /^(ec2:Describe|ec2:Get|elasticloadbalancing:Describe|acm:(Describe|List)|iam:(Get|List)ServerCertificates?|iam:ListInstanceProfiles$|arc-zonal-shift:GetManagedResource$|shield:Get|wafv2:Get|pricing:GetProducts|cloudwatch:PutMetricData|xray:)/;
/** Account-wide reads without a condition key to narrow them (Karpenter's reference grants them so). */
const UNCONDITIONED = /^(pricing:GetProducts|iam:ListInstanceProfiles)$/;
function expectScoped(st: PolicyStatement, who: string): void {
  expect(st.effect, `${who} ${st.sid}`).toBe('Allow');
  const resourcesOf = st.resources ?? [];
  expect(resourcesOf.length, `${who} ${st.sid} names resources`).toBeGreaterThan(0);
  if (resourcesOf.includes('*')) {
    for (const action of st.actions) expect(action, `${who} ${st.sid}`).toMatch(UNSCOPABLE);
    if (!st.actions.every((a) => UNCONDITIONED.test(a))) {
      expect(st.condition?.length ?? 0, `${who} ${st.sid} has a condition`).toBeGreaterThan(0);
    }
  } else {
    for (const r of resourcesOf) expect(r, `${who} ${st.sid}`).toMatch(/^(\$\{|arn:)/);
  }
  for (const action of st.actions) expect(action, `${who} ${st.sid}`).not.toMatch(/:\*$|^\*$/);
}

describe('cdktf synth', () => {
  test("cdktf's own synth (what `npx cdktf synth` writes) equals the rendered JSON: the S3 backend is there, no local one is added", async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'genai-eks-cdktf-'));
    const [r] = await renderEnvironments(all, {
      parts: ['terraform'],
      cdktfOutdir: outdir,
      only: ['fixture'],
    });
    for (const stage of STAGES) {
      const ours = JSON.parse(r!.files.get(`terraform/fixture/${stage}/cdk.tf.json`)!);
      const stack = stackName({ name: 'fixture' }, stage);
      const theirs = JSON.parse(readFileSync(join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
      expect(sortKeys(theirs), stage).toEqual(ours);
      expect(Object.keys(obj(obj(ours.terraform).backend)), stage).toEqual(['s3']);
    }
  });
});
