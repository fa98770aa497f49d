/**
 * Production hardening (environment `hardening`): each switch's default follows the tier, an
 * environment may set it either way, and each switch does what it says in the cluster stage.
 */
import { describe, expect, test } from 'vitest';
import { HARDENING_DEFAULTS } from '../clusters/lib/environment.js';
import { VPC_CNI_SERVICE_ACCOUNT } from '../infra/addons/index.js';
import { CLUSTER_ADMIN_POLICY, CNI_POLICY } from '../infra/eks/index.js';
import {
  address,
  arr,
  deref,
  obj,
  resource,
  resources,
  type Synth,
  statements,
  str,
  synth,
  tf,
} from './infra-helpers.js';
import { fixture, type Props, resolve } from './support/fixtures.js';

/** A production environment with the tier's defaults and two administrator roles. */
const production = fixture('hardened', 0);
production.tier = 'production';
production.authentication = { kind: 'cognito' };
production.hardening = { administratorRoles: ['platform-admin', 'ci/deployer'] };
/** A development environment with the tier's defaults. */
const development = fixture('plain', 1);
/** A development environment that turns every switch the other way. */
const flipped = fixture('flipped', 2);
flipped.hardening = {
  deletionProtection: true,
  zonalShift: true,
  encryptControlPlaneLogs: true,
  s3GatewayEndpoint: false,
  vpcCniPodIdentity: false,
};

const all = resolve(production as Props, development, flipped);
const cache = new Map<string, Synth>();
const cluster = (name: string): Synth => {
  if (!cache.has(name)) cache.set(name, synth(all.find((e) => e.name === name)!, all).cluster);
  return cache.get(name)!;
};
const envOf = (name: string) => all.find((e) => e.name === name)!;

describe('defaults by tier, overridable', () => {
  test('the loader decides every switch: the tier’s default where the file is silent, the file’s value otherwise', () => {
    expect(envOf('hardened').hardening).toEqual({
      ...HARDENING_DEFAULTS.production,
      administratorRoles: ['platform-admin', 'ci/deployer'],
    });
    expect(envOf('plain').hardening).toEqual({ ...HARDENING_DEFAULTS.development, administratorRoles: [] });
    expect(envOf('flipped').hardening).toMatchObject(flipped.hardening!);
    // Production defaults are the hardened ones.
    expect(Object.values(HARDENING_DEFAULTS.production).every((v) => v === true)).toBe(true);
  });
});

describe.each(['hardened', 'plain', 'flipped'])('%s', (name) => {
  test('deletion protection and zonal shift on the cluster as decided', () => {
    const h = envOf(name).hardening;
    expect(resource(cluster(name), 'aws_eks_cluster', 'eks/cluster')).toMatchObject({
      deletion_protection: h.deletionProtection,
      zonal_shift_config: { enabled: h.zonalShift },
    });
  });

  test('the control-plane log group is encrypted with a key only CloudWatch Logs uses, for that log group only', () => {
    const s = cluster(name);
    const group = resource(s, 'aws_cloudwatch_log_group', 'eks/control-plane-logs');
    if (!envOf(name).hardening.encryptControlPlaneLogs) {
      expect(group).not.toHaveProperty('kms_key_id');
      return;
    }
    const key = deref(s, group.kms_key_id);
    expect(key.type).toBe('aws_kms_key');
    expect(key.block.enable_key_rotation).toBe(true);
    const logs = statements(s, key.block.policy).find((st) =>
      JSON.stringify(st.principals ?? []).includes('logs.'),
    )!;
    expect(logs.principals).toEqual([
      { type: 'Service', identifiers: [`logs.${tf('data.aws_region.region.region')}.amazonaws.com`] },
    ]);
    expect(logs.condition).toEqual([
      {
        test: 'ArnEquals',
        variable: 'kms:EncryptionContext:aws:logs:arn',
        values: [
          `arn:${tf('data.aws_partition.partition.partition')}:logs:${tf('data.aws_region.region.region')}:${tf('data.aws_caller_identity.account.account_id')}:log-group:${group.name}`,
        ],
      },
    ]);
  });

  test('an S3 gateway endpoint on every private route table (model weights do not cross the NAT gateway)', () => {
    const s = cluster(name);
    const endpoints = Object.values(resources(s, 'aws_vpc_endpoint'));
    if (!envOf(name).hardening.s3GatewayEndpoint) {
      expect(endpoints).toEqual([]);
      return;
    }
    expect(endpoints).toHaveLength(1);
    expect(endpoints[0]).toMatchObject({
      vpc_endpoint_type: 'Gateway',
      service_name: `com.amazonaws.${envOf(name).region}.s3`,
    });
    // The route tables of the private subnets, each one.
    const privateTables = Object.values(resources(s, 'aws_route_table_association'))
      .filter((a) => str(obj(deref(s, a.subnet_id).block.tags).Name).includes('-private-'))
      .map((a) => a.route_table_id);
    expect(arr(endpoints[0]!.route_table_ids).sort()).toEqual(privateTables.sort());
    expect(privateTables).toHaveLength(envOf(name).availabilityZones.length);
  });

  test('the VPC CNI on its own Pod Identity role, or on the node roles', () => {
    const s = cluster(name);
    const cni = resource(s, 'aws_eks_addon', 'addons-before-nodes/vpc-cni');
    const attachments = Object.values(resources(s, 'aws_iam_role_policy_attachment'));
    const withCni = attachments.filter((a) => str(a.policy_arn).endsWith(`/${CNI_POLICY}`));
    const nodeRoles = [
      address(s, 'aws_iam_role', 'system-nodes/role'),
      address(s, 'aws_iam_role', 'karpenter/node-role'),
    ].map((a) => tf(`${a}.name`));
    if (!envOf(name).hardening.vpcCniPodIdentity) {
      expect(cni).not.toHaveProperty('pod_identity_association');
      expect(withCni.map((a) => a.role).sort()).toEqual(nodeRoles.sort());
      return;
    }
    const [association] = arr(cni.pod_identity_association).map((a) => obj(a));
    expect(association!.service_account).toBe(VPC_CNI_SERVICE_ACCOUNT);
    const role = deref(s, association!.role_arn);
    expect(statements(s, role.block.assume_role_policy)[0]!.principals).toEqual([
      { type: 'Service', identifiers: ['pods.eks.amazonaws.com'] },
    ]);
    // The CNI policy on that role only: the node roles no longer carry it.
    expect(withCni.map((a) => a.role)).toEqual([tf(`${role.type}.${role.id}.name`)]);
  });

  test('an administrator access entry for each named role, besides the cluster creator', () => {
    const s = cluster(name);
    const env = envOf(name);
    const entries = Object.values(resources(s, 'aws_eks_access_entry')).filter((e) => e.type === 'STANDARD');
    const account = tf('data.aws_caller_identity.account.account_id');
    const partition = tf('data.aws_partition.partition.partition');
    expect(entries.map((e) => e.principal_arn).sort()).toEqual(
      env.hardening.administratorRoles.map((r) => `arn:${partition}:iam::${account}:role/${r}`).sort(),
    );
    const policies = Object.values(resources(s, 'aws_eks_access_policy_association'));
    expect(policies).toHaveLength(entries.length);
    for (const p of policies) {
      expect(p).toMatchObject({
        policy_arn: `arn:${partition}:eks::aws:cluster-access-policy/${CLUSTER_ADMIN_POLICY}`,
        access_scope: { type: 'cluster' },
      });
      expect(deref(s, p.principal_arn).type).toBe('aws_eks_access_entry');
    }
    expect(resource(s, 'aws_eks_cluster', 'eks/cluster').access_config).toMatchObject({
      bootstrap_cluster_creator_admin_permissions: true,
    });
  });
});
