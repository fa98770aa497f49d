/**
 * Operating the AWS side: the ordered teardown (infra/teardown.ts) driven by a recording runner,
 * the add-on version check (infra/addons/check.ts) on DescribeAddonVersions-shaped answers, and
 * the after-Flux add-ons' create timeout against the Flux layers they wait for.
 */
import { describe, expect, test } from 'vitest';
import { versions } from '../clusters/versions.js';
import { type AddonOffer, checkAddon, compareVersions, formatChecks } from '../infra/addons/check.js';
import { AFTER_FLUX_CREATE_TIMEOUT, addonsIn } from '../infra/addons/index.js';
import {
  type Runner,
  runTeardown,
  TEARDOWN_STEPS,
  type TeardownTarget,
  teardownSteps,
} from '../infra/teardown.js';
import { repository } from './support/repository.js';

interface Call {
  readonly command: string;
  readonly args: readonly string[];
}

/** A runner that records commands and answers like a cluster that empties as it is torn down. */
function recorder(opts: { deletionProtection?: boolean; bucketObjects?: number; awsPolls?: number } = {}) {
  const calls: Call[] = [];
  const logs: string[] = [];
  let polls = 0;
  const answer = (command: string, args: readonly string[]): string => {
    const a = args.join(' ');
    if (command === 'aws') {
      if (a.startsWith('eks describe-cluster'))
        return JSON.stringify({ cluster: { deletionProtection: !!opts.deletionProtection } });
      if (a.startsWith('sts get-caller-identity')) return JSON.stringify({ Account: '111122223333' });
      if (a.startsWith('s3api list-object-versions'))
        return JSON.stringify({ Versions: Array.from({ length: opts.bucketObjects ?? 0 }, () => ({})) });
      if (a.startsWith('ec2 describe-instances')) {
        polls++;
        const left = polls <= (opts.awsPolls ?? 0);
        return JSON.stringify({ Reservations: left ? [{ Instances: [{ InstanceId: 'i-0abc' }] }] : [] });
      }
      if (a.startsWith('resourcegroupstaggingapi')) return JSON.stringify({ ResourceTagMappingList: [] });
      if (a.startsWith('ec2 describe-volumes')) return JSON.stringify({ Volumes: [] });
      return '';
    }
    if (command === 'kubectl') {
      if (a.includes('get services')) {
        return JSON.stringify({
          items: [
            { metadata: { namespace: 'webui', name: 'open-webui' }, spec: { type: 'LoadBalancer' } },
            { metadata: { namespace: 'webui', name: 'internal' }, spec: { type: 'ClusterIP' } },
          ],
        });
      }
      if (a.includes('get persistentvolumes'))
        return JSON.stringify({
          items: [{ spec: { csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-0abc' } } }],
        });
      if (a.includes('get kustomizations')) return 'flux-system/apps\nflux-system/controllers\n';
      if (a.includes('get persistentvolumeclaims')) return 'jupyterhub/claim-a\nkube-system/keep\n';
      return '';
    }
    return '';
  };
  const runner: Runner = {
    capture: (command, args) => {
      calls.push({ command, args });
      return answer(command, args);
    },
    interactive: (command, args) => {
      calls.push({ command, args });
    },
    sleep: () => {},
    log: (m) => logs.push(m),
  };
  return { runner, calls, logs, polls: () => polls };
}

const target: TeardownTarget = {
  environment: 'sample',
  cluster: 'genai-sample',
  region: 'us-west-2',
  modelBucketPrefix: 'genai-sample-models-',
  workdir: '/work/sample',
  appsLayer: '/repo/dist/k8s/sample/apps',
};

describe('teardown', () => {
  const first = (calls: readonly Call[], match: (c: Call) => boolean) => calls.findIndex(match);
  const has = (c: Call, ...words: string[]) => words.every((w) => c.args.join(' ').includes(w));

  test('in order: suspend Flux, delete load balancers, workloads and claims, NodePools; wait for AWS; destroy bootstrap, then cluster', () => {
    const { runner, calls } = recorder({ awsPolls: 2 });
    runTeardown(teardownSteps(target), runner);
    const suspend = first(calls, (c) => has(c, 'patch', '"suspend":true'));
    const lb = first(calls, (c) => has(c, 'delete', 'service', 'open-webui'));
    const apps = first(calls, (c) => has(c, 'delete', '-f', target.appsLayer));
    const claims = first(calls, (c) => has(c, '-n jupyterhub', 'delete', 'persistentvolumeclaims'));
    const pools = first(calls, (c) => has(c, 'delete', 'nodepools.karpenter.sh'));
    const classes = first(calls, (c) => has(c, 'delete', 'ec2nodeclasses.karpenter.k8s.aws'));
    const waited = calls.map((c, i) => (has(c, 'ec2', 'describe-instances') ? i : -1)).filter((i) => i >= 0);
    const bootstrap = first(
      calls,
      (c) => c.command === 'terraform' && has(c, `-chdir=${target.workdir}/bootstrap`, 'destroy'),
    );
    const cluster = first(
      calls,
      (c) => c.command === 'terraform' && has(c, `-chdir=${target.workdir}/cluster`, 'destroy'),
    );
    for (const [what, i] of Object.entries({
      suspend,
      lb,
      apps,
      claims,
      pools,
      classes,
      bootstrap,
      cluster,
    })) {
      expect(i, what).toBeGreaterThanOrEqual(0);
    }
    expect(suspend).toBeLessThan(lb);
    expect(lb).toBeLessThan(apps);
    expect(apps).toBeLessThan(claims);
    expect(claims).toBeLessThan(pools);
    expect(pools).toBeLessThan(classes);
    // Polled until AWS reported nothing left (three polls: two with an instance, one without).
    expect(waited).toHaveLength(3);
    expect(Math.min(...waited)).toBeGreaterThan(classes);
    expect(Math.max(...waited)).toBeLessThan(bootstrap);
    expect(bootstrap).toBeLessThan(cluster);
    // Only the load-balanced Service; the claims of kept namespaces stay.
    expect(calls.some((c) => has(c, 'delete', 'service', 'internal'))).toBe(false);
    expect(calls.some((c) => has(c, '-n kube-system', 'delete'))).toBe(false);
  });

  test('the wait asks AWS for what the controllers made for this cluster: Karpenter instances, load balancer resources, the claimed volumes', () => {
    const { runner, calls } = recorder();
    runTeardown(teardownSteps(target), runner);
    const aws = calls.filter((c) => c.command === 'aws').map((c) => c.args.join(' '));
    expect(aws).toContainEqual(
      expect.stringContaining(`Name=tag:kubernetes.io/cluster/${target.cluster},Values=owned`),
    );
    expect(aws).toContainEqual(expect.stringContaining('Name=tag-key,Values=karpenter.sh/nodepool'));
    expect(aws).toContainEqual(expect.stringContaining(`Key=elbv2.k8s.aws/cluster,Values=${target.cluster}`));
    expect(aws).toContainEqual(expect.stringContaining('Name=volume-id,Values=vol-0abc'));
    for (const a of aws) expect(a).toContain(`--region ${target.region}`);
  });

  test('stops before changing anything when deletion protection is on or the model bucket holds objects', () => {
    for (const opts of [{ deletionProtection: true }, { bucketObjects: 1 }]) {
      const { runner, calls } = recorder(opts);
      expect(() => runTeardown(teardownSteps(target), runner)).toThrow(
        opts.deletionProtection ? /deletion protection/ : /holds objects/,
      );
      expect(calls.some((c) => c.command === 'kubectl' || c.command === 'terraform')).toBe(false);
    }
  });

  test('gives up with what is left when AWS still reports resources after the timeout', () => {
    const { runner } = recorder({ awsPolls: 1000 });
    expect(() => runTeardown(teardownSteps({ ...target, awsTimeoutSeconds: 60 }), runner)).toThrow(
      /after 60 s these still exist: i-0abc/,
    );
  });

  test('the steps are the documented ones, in order', () => {
    expect(teardownSteps(target).map((s) => s.id)).toEqual([...TEARDOWN_STEPS]);
  });
});

describe('add-on version check', () => {
  const offer = (addonName: string, rows: [string, string, boolean][]): AddonOffer => ({
    addons: [
      {
        addonName,
        addonVersions: rows.map(([addonVersion, clusterVersion, defaultVersion]) => ({
          addonVersion,
          compatibilities: [{ clusterVersion, defaultVersion }],
        })),
      },
    ],
  });

  test('a pin EKS offers for the Kubernetes version passes; the default and newest are reported', () => {
    const c = checkAddon(
      'coredns',
      'v1.14.3-eksbuild.3',
      '1.35',
      offer('coredns', [
        ['v1.14.3-eksbuild.3', '1.35', false],
        ['v1.14.10-eksbuild.1', '1.35', true],
        ['v1.14.9-eksbuild.12', '1.35', false],
      ]),
    );
    expect(c).toEqual({
      addon: 'coredns',
      pinned: 'v1.14.3-eksbuild.3',
      offered: true,
      defaultVersion: 'v1.14.10-eksbuild.1',
      newest: 'v1.14.10-eksbuild.1',
    });
  });

  test('a pin offered only for another Kubernetes version fails the check', () => {
    const c = checkAddon(
      'kube-proxy',
      'v1.34.6-eksbuild.2',
      '1.35',
      offer('kube-proxy', [['v1.34.6-eksbuild.2', '1.34', true]]),
    );
    expect(c.offered).toBe(false);
    const { text, ok } = formatChecks('1.35', 'us-west-2', [c]);
    expect(ok).toBe(false);
    expect(text).toContain('NOT OFFERED');
  });

  test('versions compare numerically, eksbuild included', () => {
    expect(compareVersions('v1.9.0-eksbuild.1', 'v1.10.0-eksbuild.1')).toBeLessThan(0);
    expect(compareVersions('v1.3.10-eksbuild.3', 'v1.3.7-eksbuild.2')).toBeGreaterThan(0);
    expect(compareVersions('v2.7.0-eksbuild.2', 'v2.7.0-eksbuild.11')).toBeLessThan(0);
  });

  test('every pinned add-on is checked (the table is what the check reads)', () => {
    expect(Object.keys(versions.eksAddons).length).toBeGreaterThan(0);
    for (const v of Object.values(versions.eksAddons)) expect(v).toMatch(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/);
  });
});

/** `1h`, `15m`, `90s` -> minutes. */
function minutes(duration: string): number {
  let total = 0;
  for (const m of duration.matchAll(/(\d+)(h|m|s)/g))
    total += Number(m[1]) * { h: 60, m: 1, s: 1 / 60 }[m[2] as 'h' | 'm' | 's'];
  return total;
}

describe('the add-ons that need Flux-provided capacity', () => {
  test('wait longer than the Flux Kustomizations up to the NodePools take, plus a node launch, in every environment', async () => {
    expect(addonsIn('after-flux').length).toBeGreaterThan(0);
    const { envs, objects } = await repository();
    for (const env of envs) {
      const kustomizations = new Map(
        [...objects.get(env.name)!.kubernetes.values()]
          .filter((o) => o.kind === 'Kustomization' && o.layer === 'flux-system')
          .map((o) => {
            const spec = o.manifest.spec as { timeout: string; dependsOn?: { name: string }[] };
            return [
              o.name,
              { timeout: minutes(spec.timeout), after: (spec.dependsOn ?? []).map((d) => d.name) },
            ];
          }),
      );
      // The longest chain of Kustomizations that ends with the layer holding Karpenter's NodePools.
      const chain = (name: string): number => {
        const k = kustomizations.get(name);
        expect(k, `${env.name}: Kustomization ${name}`).toBeDefined();
        return k!.timeout + Math.max(0, ...k!.after.map(chain));
      };
      // A node launch takes minutes: counted as 10.
      const needed = chain('configs') + 10;
      expect(minutes(AFTER_FLUX_CREATE_TIMEOUT), env.name).toBeGreaterThanOrEqual(needed);
      const addons = [...objects.get(env.name)!.terraform.values()].filter(
        (b) => b.type === 'aws_eks_addon' && b.stage === 'bootstrap',
      );
      expect(addons.map((a) => (a.body as { addon_name: string }).addon_name).sort(), env.name).toEqual(
        addonsIn('after-flux').sort(),
      );
      for (const a of addons) {
        expect((a.body as { timeouts?: { create?: string } }).timeouts?.create, env.name).toBe(
          AFTER_FLUX_CREATE_TIMEOUT,
        );
      }
    }
  });
});
