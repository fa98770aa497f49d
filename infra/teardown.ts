/**
 * Taking an environment down in an order that leaves nothing behind. Load balancers (made by the
 * AWS Load Balancer Controller for Services and Gateways), instances (made by Karpenter) and EBS
 * volumes (made by the EBS CSI driver for claims) are not in Terraform state: `terraform destroy`
 * alone leaves them running, and then fails on the VPC their network interfaces and security
 * groups still use. So, in order:
 *
 *  1. preflight: the cluster exists, deletion protection is off, the model bucket is empty
 *     (emptying it is a decision, never a side effect);
 *  2. suspend Flux, so that nothing deleted below is recreated;
 *  3. delete load-balanced Services, Gateways and Ingresses (the controller deletes the load
 *     balancers, target groups and security groups it made);
 *  4. delete the workloads (the rendered apps layer), then the claims of every namespace that
 *     holds some (the driver deletes their volumes, recorded first);
 *  5. delete the NodePools and EC2NodeClasses (Karpenter drains and terminates its instances and
 *     deletes the instance profiles it made);
 *  6. wait until AWS reports none of those resources left;
 *  7. destroy the bootstrap stage, then 8. the cluster stage.
 *
 * Nothing here runs a command itself: a `Runner` does (scripts/teardown.ts), so a test drives the
 * steps with a recording runner.
 */

/** Runs commands for the steps. */
export interface Runner {
  /** Runs a command and returns its standard output; throws on a non-zero exit. */
  capture(command: string, args: readonly string[]): string;
  /** Runs a command with its output shown to the user (terraform); throws on a non-zero exit. */
  interactive(command: string, args: readonly string[]): void;
  /** Waits before polling again. */
  sleep(seconds: number): void;
  /** Tells the user what happens. */
  log(message: string): void;
}

export interface TeardownTarget {
  /** Environment and EKS cluster name, region. */
  readonly environment: string;
  readonly cluster: string;
  readonly region: string;
  /** The model bucket's name without the account (`<cluster>-models-`), completed at preflight. */
  readonly modelBucketPrefix: string;
  /** Working directory holding `cluster/` and `bootstrap/` (docs/infra.md). */
  readonly workdir: string;
  /** The rendered apps layer of the environment (`dist/k8s/<env>/apps`), deleted in step 4. */
  readonly appsLayer: string;
  /** Seconds to wait for AWS to report the controllers' resources gone. @default 1800 */
  readonly awsTimeoutSeconds?: number;
}

export interface TeardownStep {
  readonly id: TeardownStepId;
  readonly what: string;
  run(r: Runner, state: TeardownState): void;
}

export const TEARDOWN_STEPS = [
  'preflight',
  'suspend-flux',
  'delete-load-balancers',
  'delete-workloads-and-volumes',
  'delete-node-pools',
  'wait-for-aws',
  'destroy-bootstrap',
  'destroy-cluster',
] as const;
export type TeardownStepId = (typeof TEARDOWN_STEPS)[number];

/** What earlier steps learnt for later ones. */
export interface TeardownState {
  /** EBS volume ids behind the claims deleted in step 4. */
  volumeIds: string[];
}

/** Namespaces whose objects are the cluster's own or run the controllers the teardown relies on. */
export const KEPT_NAMESPACES = [
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'default',
  'flux-system',
  'karpenter',
];

/** Flux kinds that reconcile on their own, suspended in step 2. */
export const FLUX_KINDS = [
  'kustomizations.kustomize.toolkit.fluxcd.io',
  'helmreleases.helm.toolkit.fluxcd.io',
  'gitrepositories.source.toolkit.fluxcd.io',
  'ocirepositories.source.toolkit.fluxcd.io',
  'helmrepositories.source.toolkit.fluxcd.io',
];

const EACH = '{range .items[*]}{.metadata.namespace}{"/"}{.metadata.name}{"\\n"}{end}';

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

export function teardownSteps(t: TeardownTarget): TeardownStep[] {
  const kubeconfig = `${t.workdir}/kubeconfig`;
  const kubectl = (r: Runner, args: readonly string[]) =>
    r.capture('kubectl', ['--kubeconfig', kubeconfig, ...args]);
  const aws = (r: Runner, args: readonly string[]) =>
    r.capture('aws', [...args, '--region', t.region, '--output', 'json']);
  /** Objects of a kind as `namespace/name`; none where the kind is not installed. */
  const list = (r: Runner, kind: string): string[] => {
    try {
      return lines(kubectl(r, ['get', kind, '-A', '-o', `jsonpath=${EACH}`]));
    } catch {
      r.log(`  (${kind}: not installed)`);
      return [];
    }
  };
  const steps: { readonly [K in TeardownStepId]: Omit<TeardownStep, 'id'> } = {
    preflight: {
      what: 'check the cluster, its deletion protection and the model bucket; write a kubeconfig for the steps',
      run(r) {
        const cluster = JSON.parse(aws(r, ['eks', 'describe-cluster', '--name', t.cluster])) as {
          cluster: { deletionProtection?: boolean };
        };
        if (cluster.cluster.deletionProtection) {
          throw new Error(
            `${t.cluster} has deletion protection on: set hardening.deletionProtection to false in clusters/${t.environment}.ts, npm run synth, apply the cluster stage, then run the teardown again`,
          );
        }
        const account = (JSON.parse(aws(r, ['sts', 'get-caller-identity'])) as { Account: string }).Account;
        const bucket = `${t.modelBucketPrefix}${account}`;
        const objects = JSON.parse(
          aws(r, ['s3api', 'list-object-versions', '--bucket', bucket, '--max-items', '1']),
        ) as { Versions?: unknown[]; DeleteMarkers?: unknown[] };
        if ((objects.Versions?.length ?? 0) + (objects.DeleteMarkers?.length ?? 0) > 0) {
          throw new Error(
            `the model bucket ${bucket} holds objects: empty it on purpose first (every version and delete marker; docs/infra.md, "Teardown"), then run the teardown again`,
          );
        }
        r.capture('aws', [
          'eks',
          'update-kubeconfig',
          '--name',
          t.cluster,
          '--region',
          t.region,
          '--kubeconfig',
          kubeconfig,
        ]);
      },
    },
    'suspend-flux': {
      what: 'suspend every Flux object, so that nothing deleted below comes back',
      run(r) {
        for (const kind of FLUX_KINDS) {
          for (const item of list(r, kind)) {
            const [ns, name] = item.split('/');
            kubectl(r, [
              '-n',
              ns!,
              'patch',
              kind,
              name!,
              '--type',
              'merge',
              '-p',
              '{"spec":{"suspend":true}}',
            ]);
          }
        }
      },
    },
    'delete-load-balancers': {
      what: 'delete load-balanced Services, Gateways and Ingresses (the Load Balancer Controller deletes their AWS resources)',
      run(r) {
        const services = JSON.parse(kubectl(r, ['get', 'services', '-A', '-o', 'json'])) as {
          items: { metadata: { namespace: string; name: string }; spec: { type?: string } }[];
        };
        for (const s of services.items.filter((i) => i.spec.type === 'LoadBalancer')) {
          kubectl(r, [
            '-n',
            s.metadata.namespace,
            'delete',
            'service',
            s.metadata.name,
            '--wait=true',
            '--timeout=15m',
          ]);
        }
        for (const kind of ['gateways.gateway.networking.k8s.io', 'ingresses.networking.k8s.io']) {
          for (const item of list(r, kind)) {
            const [ns, name] = item.split('/');
            kubectl(r, ['-n', ns!, 'delete', kind, name!, '--wait=true', '--timeout=15m']);
          }
        }
      },
    },
    'delete-workloads-and-volumes': {
      what: 'delete the workloads, then every claim (the EBS CSI driver deletes their volumes)',
      run(r, state) {
        const pvs = JSON.parse(kubectl(r, ['get', 'persistentvolumes', '-o', 'json'])) as {
          items: { spec: { csi?: { driver?: string; volumeHandle?: string } } }[];
        };
        state.volumeIds = pvs.items
          .filter((pv) => pv.spec.csi?.driver === 'ebs.csi.aws.com' && pv.spec.csi.volumeHandle)
          .map((pv) => pv.spec.csi!.volumeHandle!);
        try {
          kubectl(r, [
            'delete',
            '-f',
            t.appsLayer,
            '--recursive',
            '--ignore-not-found',
            '--wait=true',
            '--timeout=20m',
          ]);
        } catch (e) {
          // A kind whose CRD is gone cannot be deleted, nor can it hold anything: the claims below still go.
          r.log(
            `  (some apps-layer objects could not be deleted: ${e instanceof Error ? e.message : String(e)})`,
          );
        }
        const claims = list(r, 'persistentvolumeclaims');
        const namespaces = [...new Set(claims.map((c) => c.split('/')[0]!))].filter(
          (ns) => !KEPT_NAMESPACES.includes(ns),
        );
        for (const ns of namespaces) {
          // Pods nothing owns any more (a notebook server) hold their claims until they go.
          kubectl(r, ['-n', ns, 'delete', 'pods', '--all', '--wait=true', '--timeout=10m']);
          kubectl(r, ['-n', ns, 'delete', 'persistentvolumeclaims', '--all', '--wait=true', '--timeout=10m']);
        }
      },
    },
    'delete-node-pools': {
      what: 'delete the NodePools and EC2NodeClasses (Karpenter terminates its instances, deletes its instance profiles)',
      run(r) {
        for (const kind of ['nodepools.karpenter.sh', 'ec2nodeclasses.karpenter.k8s.aws']) {
          try {
            kubectl(r, ['delete', kind, '--all', '--wait=true', '--timeout=20m']);
          } catch {
            r.log(`  (${kind}: not installed)`);
          }
        }
      },
    },
    'wait-for-aws': {
      what: 'wait until AWS reports no Karpenter instance, controller-made load balancer or claimed volume left',
      run(r, state) {
        const deadline = t.awsTimeoutSeconds ?? 1800;
        for (let waited = 0; ; waited += 20) {
          const left = remaining(r, t, state, aws);
          if (left.length === 0) return;
          if (waited >= deadline) {
            throw new Error(`after ${deadline} s these still exist: ${left.join(', ')}`);
          }
          r.log(
            `  waiting for ${left.length}: ${left.slice(0, 5).join(', ')}${left.length > 5 ? ', …' : ''}`,
          );
          r.sleep(20);
        }
      },
    },
    'destroy-bootstrap': {
      what: 'terraform destroy the bootstrap stage (Flux, cluster-vars, the after-Flux add-ons)',
      run(r) {
        r.interactive('terraform', [`-chdir=${t.workdir}/bootstrap`, 'destroy']);
      },
    },
    'destroy-cluster': {
      what: 'terraform destroy the cluster stage (EKS, nodes, network, data, identities)',
      run(r) {
        r.interactive('terraform', [`-chdir=${t.workdir}/cluster`, 'destroy']);
      },
    },
  };
  return TEARDOWN_STEPS.map((id) => ({ id, ...steps[id] }));
}

/** What is left that the controllers made: instance ids, load balancer / target group / security group ARNs, volume ids. */
function remaining(
  r: Runner,
  t: TeardownTarget,
  state: TeardownState,
  aws: (r: Runner, args: readonly string[]) => string,
): string[] {
  // Karpenter tags its instances kubernetes.io/cluster/<cluster>=owned and karpenter.sh/nodepool
  // (the conditions of its reference policy, infra/karpenter).
  const instances = JSON.parse(
    aws(r, [
      'ec2',
      'describe-instances',
      '--filters',
      `Name=tag:kubernetes.io/cluster/${t.cluster},Values=owned`,
      'Name=tag-key,Values=karpenter.sh/nodepool',
      'Name=instance-state-name,Values=pending,running,stopping,stopped,shutting-down',
    ]),
  ) as { Reservations: { Instances: { InstanceId: string }[] }[] };
  const ids = instances.Reservations.flatMap((res) => res.Instances.map((i) => i.InstanceId));
  // The Load Balancer Controller tags what it makes elbv2.k8s.aws/cluster=<cluster> (its policy's
  // conditions, infra/identity loadBalancerController).
  const tagged = JSON.parse(
    aws(r, [
      'resourcegroupstaggingapi',
      'get-resources',
      '--tag-filters',
      `Key=elbv2.k8s.aws/cluster,Values=${t.cluster}`,
      '--resource-type-filters',
      'elasticloadbalancing:loadbalancer',
      'elasticloadbalancing:targetgroup',
      'ec2:security-group',
    ]),
  ) as { ResourceTagMappingList: { ResourceARN: string }[] };
  const arns = tagged.ResourceTagMappingList.map((m) => m.ResourceARN);
  const volumes =
    state.volumeIds.length === 0
      ? []
      : (
          JSON.parse(
            aws(r, [
              'ec2',
              'describe-volumes',
              '--filters',
              `Name=volume-id,Values=${state.volumeIds.join(',')}`,
            ]),
          ) as { Volumes: { VolumeId: string }[] }
        ).Volumes.map((v) => v.VolumeId);
  return [...ids, ...arns, ...volumes];
}

/** Runs the steps in order, announcing each; the first failure stops the teardown. */
export function runTeardown(steps: readonly TeardownStep[], r: Runner): void {
  const state: TeardownState = { volumeIds: [] };
  steps.forEach((step, i) => {
    r.log(`${i + 1}/${steps.length} ${step.id}: ${step.what}`);
    step.run(r, state);
  });
}
