/**
 * The two root modules of an environment (infra/stages.ts) and what passes between them, on
 * fixture environments: the bootstrap stage reads only what the cluster stage outputs, from the
 * cluster stage's state; each stage talks to one API; the bootstrap reaches the API server the
 * way the environment says; no credential value is in either stage; cluster-vars holds exactly
 * what the environment sets, and Flux's strict substitution finds every variable a manifest uses.
 */
import { describe, expect, test } from 'vitest';
import {
  CLUSTER_VARS_CONFIGMAP,
  CONTRACT_VARIABLE_NAMES,
  type ContractVariable,
  contractVariablesOf,
  FLUX,
} from '../clusters/contract.js';
import type { Environment } from '../clusters/lib/resolve.js';
import { ADDON_PHASES, type AddonName } from '../infra/addons/index.js';
import { BOOTSTRAP_PUBLIC_ACCESS_VARIABLE } from '../infra/eks/index.js';
import { GIT_CREDENTIALS_SECRET } from '../infra/flux/index.js';
import { stateKey } from '../infra/stages.js';
import {
  address,
  arr,
  obj,
  resource,
  resources,
  type Stages,
  statements,
  str,
  synth,
  tf,
} from './infra-helpers.js';
import { fixture, resolve } from './support/fixtures.js';
import { renderFixture } from './support/render.js';
import { repository } from './support/repository.js';

/** Development, shared password, bootstrap from inside the VPC (the defaults). */
const inside = fixture('inside', 0);
/** Production with Cognito, bootstrap through the public endpoint, a GitHub App for Flux. */
const outside = fixture('outside', 1);
outside.tier = 'production';
outside.authentication = { kind: 'cognito' };
outside.endpoint = { publicAccess: true, publicAccessCidrs: ['198.51.100.0/24'] };
outside.bootstrap = {
  access: 'public-endpoint',
  runnerCidrs: ['203.0.113.0/24'],
  gitCredentials: 'github-app',
};
/** Development with GitHub sign-in, a deploy key, and a runner network routed to the VPC. */
const vpn = fixture('vpn', 2);
vpn.authentication = { kind: 'github', organization: 'example-org' };
vpn.bootstrap = { runnerCidrs: ['192.168.50.0/24'], gitCredentials: 'ssh-key' };

const all = resolve(inside, outside, vpn);
const stacks = new Map<string, Stages>();
const get = (name: string): { env: Environment } & Stages => {
  const env = all.find((e) => e.name === name)!;
  if (!stacks.has(name)) stacks.set(name, synth(env, all));
  return { env, ...stacks.get(name)! };
};
const NAMES = all.map((e) => e.name);

/** `${data.terraform_remote_state.<id>.outputs.<output>[.<key>]}` reads in a stage's JSON. */
const REMOTE =
  /\$\{data\.terraform_remote_state\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_]+)(?:\.([A-Za-z0-9_]+))?\}/g;

/** References (`type.name`) inside a Terraform value. */
function referencesIn(value: unknown): string[] {
  return [...JSON.stringify(value).matchAll(/\$\{(?:data\.)?([a-z0-9_]+\.[A-Za-z0-9_-]+)\./g)].map(
    (m) => m[1]!,
  );
}

describe.each(NAMES)('%s', (name) => {
  test('the bootstrap stage reads only outputs the cluster stage declares, from the cluster stage’s state', () => {
    const { env, cluster, bootstrap } = get(name);
    const reads = [...bootstrap.text.matchAll(REMOTE)];
    expect(reads.length).toBeGreaterThan(0);
    const remote = obj(obj(bootstrap.json.data).terraform_remote_state);
    const clusterBackend = obj(obj(obj(cluster.json.terraform).backend).s3);
    const outputs = obj(cluster.json.output);
    for (const [, id, output, key] of reads) {
      // The same backend, the cluster stage's key: what `terraform init` gave the cluster stage.
      const state = obj(remote[id!], `remote state ${id}`);
      expect(state.backend).toBe('s3');
      expect(obj(state.config)).toEqual({
        bucket: tf('var.state_bucket'),
        key: clusterBackend.key,
        region: tf('var.state_bucket_region'),
      });
      expect(clusterBackend.key).toBe(stateKey(env, 'cluster'));
      expect(outputs, `output ${output}`).toHaveProperty([output!]);
      const value = obj(outputs[output!]).value;
      const read = key ? obj(value)[key] : value;
      expect(read, `${output}.${key ?? ''}`).toBeDefined();
      // Every output is wired to a resource or data source of the cluster stage, never a literal.
      expect(referencesIn(read).length, `${output}.${key ?? ''}`).toBeGreaterThan(0);
    }
  });

  test('cluster-vars holds exactly the variables the environment sets, each from the cluster stage or an operator input', () => {
    const { env, bootstrap } = get(name);
    const configMap = resource(bootstrap, 'kubernetes_config_map_v1', 'flux/cluster-vars');
    expect(configMap.metadata).toMatchObject({ name: CLUSTER_VARS_CONFIGMAP, namespace: FLUX.namespace });
    const data = obj(configMap.data);
    expect(Object.keys(data).sort()).toEqual(contractVariablesOf(env).sort());
    for (const [key, value] of Object.entries(data)) {
      expect(str(value), key).not.toBe('');
      const m = [...str(value).matchAll(REMOTE)];
      if (m.length === 0) {
        // DNS and ACM are the operator's: Terraform inputs of the bootstrap stage.
        expect(value, key).toBe(`\${var.${key.toLowerCase()}}`);
      } else {
        expect(
          m.map((x) => [x[2], x[3]]),
          key,
        ).toEqual([['cluster_vars', key]]);
      }
    }
  });

  test('each stage talks to one API: the cluster stage to AWS only, the bootstrap stage to Kubernetes and the add-ons API', () => {
    const { cluster, bootstrap } = get(name);
    expect(Object.keys(obj(cluster.json.provider))).toEqual(['aws']);
    for (const type of Object.keys(obj(cluster.json.resource))) expect(type).toMatch(/^aws_/);
    const providers = obj(bootstrap.json.provider);
    expect(Object.keys(providers).sort()).toEqual(['aws', 'helm', 'kubernetes']);
    // Providers configured from the cluster stage's outputs (read at plan time), never from
    // resources of the same module.
    for (const p of ['kubernetes', 'helm']) {
      const config = JSON.stringify(providers[p]);
      expect(config).toMatch(/data\.terraform_remote_state\.[^.]+\.outputs\.cluster_endpoint/);
      expect(config).not.toMatch(/\$\{(aws_|kubernetes_|helm_)/);
    }
    for (const a of Object.values(resources(bootstrap, 'aws_eks_addon'))) {
      expect(ADDON_PHASES[str(a.addon_name) as AddonName]).toBe('after-flux');
    }
    const awsTypes = Object.keys(obj(bootstrap.json.resource)).filter((t) => t.startsWith('aws_'));
    expect(awsTypes).toEqual(['aws_eks_addon']);
  });

  test('no credential value in any stage: Git credentials go from Secrets Manager to a write-only Secret', () => {
    const { env, cluster, bootstrap } = get(name);
    for (const stage of [cluster, bootstrap]) {
      expect(stage.text).not.toMatch(
        /"(secret_string|secret_binary|secret_string_wo|password|private_key)"\s*:/,
      );
      expect(resources(stage, 'aws_secretsmanager_secret_version')).toEqual({});
    }
    const instance = resource(bootstrap, 'helm_release', 'flux/instance');
    const sync = JSON.parse(str(arr(instance.values)[0])).instance.sync;
    // The FluxInstance names the Secret (`pullSecret`); none of its sync fields holds a credential
    // (flux-operator@v0.58.1:config/crd/bases/fluxcd.controlplane.io_fluxinstances.yaml, spec.sync).
    const syncFields = ['kind', 'name', 'url', 'ref', 'path', 'interval', 'pullSecret', 'provider'];
    expect(Object.keys(sync).filter((k) => !syncFields.includes(k))).toEqual([]);
    const secrets = resources(bootstrap, 'kubernetes_secret_v1');
    const kind = env.bootstrap.gitCredentials;
    const url = obj(obj(bootstrap.json.variable).flux_git_url);
    const validation = obj(arr(url.validation)[0]);
    expect(validation.condition).toBe(
      `\${startswith(var.flux_git_url, "${kind === 'ssh-key' ? 'ssh://' : 'https://'}")}`,
    );
    if (kind === 'none') {
      expect(secrets).toEqual({});
      expect(bootstrap.json).not.toHaveProperty('ephemeral');
      expect(sync).not.toHaveProperty('pullSecret');
      expect(sync).not.toHaveProperty('provider');
      const names = Object.values(resources(cluster, 'aws_secretsmanager_secret')).map((x) => x.name);
      expect(names).not.toContain(`genai-${name}/flux-git`);
      return;
    }
    // The secret container is the cluster stage's; its value is set out of band.
    const container = resource(cluster, 'aws_secretsmanager_secret', 'secrets/flux-git');
    expect(container.name).toBe(`genai-${name}/flux-git`);
    // Read during the run only (an ephemeral resource), from the cluster stage's output.
    const ephemeral = obj(obj(obj(bootstrap.json.ephemeral).aws_secretsmanager_secret_version).flux_git);
    expect(ephemeral.secret_id).toMatch(
      /^\$\{data\.terraform_remote_state\.[^.]+\.outputs\.flux_git_secret_arn\}$/,
    );
    // Into the write-only attribute: nothing in the plan or the state.
    const secret = resource(bootstrap, 'kubernetes_secret_v1', 'flux/git-credentials');
    expect(secret).not.toHaveProperty('data');
    expect(secret).not.toHaveProperty('binary_data');
    expect(secret.data_wo).toBe(
      tf('jsondecode(ephemeral.aws_secretsmanager_secret_version.flux_git.secret_string)'),
    );
    expect(secret.data_wo_revision).toBe(tf('var.flux_git_credentials_revision'));
    expect(secret.metadata).toMatchObject({ name: GIT_CREDENTIALS_SECRET, namespace: FLUX.namespace });
    expect(sync.pullSecret).toBe(GIT_CREDENTIALS_SECRET);
    expect(sync.provider).toBe(kind === 'github-app' ? 'github' : undefined);
    // Written before the instance, whose sync needs it.
    expect(arr(instance.depends_on)).toContain(
      address(bootstrap, 'kubernetes_secret_v1', 'flux/git-credentials'),
    );
    // Write-only attributes need the kubernetes provider 2.38.0 or newer (what the binding pins).
    const kubernetes = obj(obj(obj(bootstrap.json.terraform).required_providers).kubernetes);
    const [major, minor] = str(kubernetes.version).split('.').map(Number);
    expect(major! > 2 || (major === 2 && minor! >= 38), str(kubernetes.version)).toBe(true);
    // External Secrets reads the workloads' secrets, never Flux's credentials.
    const readable = statements(
      cluster,
      resource(cluster, 'aws_iam_role_policy', 'identity/externalSecrets/policy').policy,
    );
    const credentials = `\${${address(cluster, 'aws_secretsmanager_secret', 'secrets/flux-git')}.arn}`;
    expect(readable.flatMap((st) => st.resources ?? [])).not.toContain(credentials);
    expect(readable.flatMap((st) => st.resources ?? []).length).toBeGreaterThan(0);
  });
});

describe('how the bootstrap stage reaches the API server', () => {
  test('private-endpoint: HTTPS from the VPC and the runner networks to the cluster security group; no public opening', () => {
    const { env, cluster } = get('vpn');
    const rules = Object.values(resources(cluster, 'aws_vpc_security_group_ingress_rule'));
    expect(rules.map((r) => r.cidr_ipv4).sort()).toEqual([env.vpcCidr, ...env.bootstrap.runnerCidrs].sort());
    for (const r of rules) {
      expect(r).toMatchObject({ ip_protocol: 'tcp', from_port: 443, to_port: 443 });
      expect(r.security_group_id).toMatch(
        /^\$\{aws_eks_cluster\.[^.]+\.vpc_config\[0\]\.cluster_security_group_id\}$/,
      );
    }
    expect(obj(cluster.json).variable ?? {}).not.toHaveProperty(BOOTSTRAP_PUBLIC_ACCESS_VARIABLE);
    expect(resource(cluster, 'aws_eks_cluster', 'eks/cluster').vpc_config).toMatchObject({
      endpoint_private_access: true,
      endpoint_public_access: false,
    });
  });

  test('public-endpoint: the runner CIDRs are admitted only while bootstrap_public_access is true, which defaults to false', () => {
    const { env, cluster } = get('outside');
    const open = obj(obj(cluster.json.variable)[BOOTSTRAP_PUBLIC_ACCESS_VARIABLE]);
    expect(open).toMatchObject({ type: 'bool', default: false });
    const vpc = obj(resource(cluster, 'aws_eks_cluster', 'eks/cluster').vpc_config);
    expect(vpc.endpoint_public_access).toBe(true);
    const cidrs = str(vpc.public_access_cidrs);
    const m = /^\$\{var\.bootstrap_public_access \? (\[.*\]) : (\[.*\])\}$/.exec(cidrs);
    expect(m, cidrs).not.toBeNull();
    const [whileOpen, otherwise] = [JSON.parse(m![1]!), JSON.parse(m![2]!)];
    expect(otherwise).toEqual(env.endpoint.publicAccessCidrs);
    expect(whileOpen.sort()).toEqual(
      [...env.endpoint.publicAccessCidrs, ...env.bootstrap.runnerCidrs].sort(),
    );
    expect(resources(cluster, 'aws_vpc_security_group_ingress_rule')).toEqual({});
  });

  test('public-endpoint on an environment without a public endpoint: the endpoint itself follows the input', () => {
    const props = fixture('closed', 3);
    props.bootstrap = { access: 'public-endpoint', runnerCidrs: ['203.0.113.7/32'] };
    const [env] = resolve(props);
    const vpc = obj(resource(synth(env!, [env!]).cluster, 'aws_eks_cluster', 'eks/cluster').vpc_config);
    expect(vpc).toMatchObject({
      endpoint_public_access: `\${var.${BOOTSTRAP_PUBLIC_ACCESS_VARIABLE}}`,
      public_access_cidrs: ['203.0.113.7/32'],
    });
  });
});

/** `${NAME}` references without a default (`${NAME:=x}` has one) in a manifest; `$${…}` is escaped. */
function strictVariables(value: unknown, into = new Set<string>()): Set<string> {
  for (const m of JSON.stringify(value).matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) into.add(m[1]!);
  return into;
}

describe("Flux's strict substitution", () => {
  test('every variable a manifest of the repository uses is in its environment’s cluster-vars', async () => {
    const { envs, objects } = await repository();
    for (const env of envs) {
      const o = objects.get(env.name)!;
      const configMap = [...o.terraform.values()].find(
        (b) =>
          b.type === 'kubernetes_config_map_v1' && obj(obj(b.body).metadata).name === CLUSTER_VARS_CONFIGMAP,
      );
      const held = new Set(Object.keys(obj(obj(configMap?.body).data)));
      const used = new Set<string>();
      for (const k of o.kubernetes.values()) strictVariables(k.manifest, used);
      expect(
        [...used].filter((v) => !held.has(v)),
        env.name,
      ).toEqual([]);
    }
  });

  test('fixture environments of each sign-in use only the variables they set (an unset one is left out, not empty)', () => {
    const byName = { inside, outside, vpn };
    expect(new Set(all.map((e) => e.authentication.kind))).toEqual(new Set(['dummy', 'github', 'cognito']));
    for (const env of all) {
      const set = new Set<ContractVariable>(contractVariablesOf(env));
      const used = new Set<string>();
      const props = byName[env.name as keyof typeof byName];
      for (const o of renderFixture(props, ...Object.values(byName).filter((p) => p !== props))) {
        strictVariables(o.manifest, used);
      }
      expect(
        [...used].filter((v) => !set.has(v as ContractVariable)),
        env.name,
      ).toEqual([]);
      const cm = obj(resource(get(env.name).bootstrap, 'kubernetes_config_map_v1', 'flux/cluster-vars').data);
      expect(Object.keys(cm).sort(), env.name).toEqual([...set].sort());
      // What is left out is left out, not written empty.
      for (const v of CONTRACT_VARIABLE_NAMES.filter((n) => !set.has(n))) {
        expect(cm, `${env.name} ${v}`).not.toHaveProperty(v);
      }
    }
  });
});
