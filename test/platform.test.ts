/**
 * The platform capabilities: what each environment renders, and bad pool input stopping the
 * render with a message naming the environment, the field and the reason.
 */
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { type EnvironmentRender, render } from '../render/build.js';
import { clustersFixture, synthCli, tempDir, treeHash } from './helpers.js';

type Obj = Record<string, unknown>;

async function renderWith(
  edit: (e: Record<string, Record<string, unknown>>) => void,
): Promise<EnvironmentRender[]> {
  return render({ clustersDir: await clustersFixture(edit), parts: ['k8s'] });
}

function object(r: EnvironmentRender[], env: string, file: string): Obj {
  const text = r.find((x) => x.env.name === env)!.files.get(`k8s/${env}/${file}`);
  if (!text) throw new Error(`not rendered: ${file}`);
  return parse(text) as Obj;
}

const pools = (e: Record<string, Record<string, unknown>>, env: string) =>
  e[env]!.pools as Record<string, Record<string, unknown>>;

describe('platform render', () => {
  test('capacity reservations add the reserved capacity type and selector terms', async () => {
    const r = await renderWith((e) => {
      pools(e, 'prod').nvidia!.capacityReservationIds = ['cr-0123456789abcdef0'];
    });
    const pool = object(r, 'prod', 'configs/nodepool-nvidia.yaml') as {
      spec: { template: { spec: { requirements: { key: string; values: string[] }[] } } };
    };
    const capacity = pool.spec.template.spec.requirements.find((q) => q.key === 'karpenter.sh/capacity-type');
    expect(capacity?.values).toEqual(['on-demand', 'reserved']);
    const nodeClass = object(r, 'prod', 'configs/ec2nodeclass-nvidia.yaml') as { spec: Obj };
    expect(nodeClass.spec.capacityReservationSelectorTerms).toEqual([{ id: 'cr-0123456789abcdef0' }]);
    const other = object(r, 'prod', 'configs/ec2nodeclass-neuron.yaml') as { spec: Obj };
    expect(other.spec.capacityReservationSelectorTerms).toBeUndefined();
  });

  test('an environment opened to CIDRs gets an internet-facing gateway limited to them', async () => {
    const r = await renderWith((e) => {
      e.dev!.exposure = { openTo: ['203.0.113.0/24'] };
    });
    const open = object(r, 'dev', 'configs/loadbalancerconfiguration-gateway-genai-load-balancer.yaml');
    expect(open.spec).toEqual({
      scheme: 'internet-facing',
      sourceRanges: ['203.0.113.0/24'],
      defaultTargetGroupConfiguration: { name: 'genai-ip-targets' },
    });
    const closed = object(r, 'prod', 'configs/loadbalancerconfiguration-gateway-genai-load-balancer.yaml');
    expect(closed.spec).toEqual({
      scheme: 'internal',
      defaultTargetGroupConfiguration: { name: 'genai-ip-targets' },
    });
  });

  test('accelerator limits and consolidation defaults follow the environment', async () => {
    const r = await renderWith(() => {});
    const prod = object(r, 'prod', 'configs/nodepool-neuron.yaml') as {
      spec: { limits: Obj; disruption: Obj };
    };
    expect(prod.spec.limits['aws.amazon.com/neuron']).toBe(32);
    expect(prod.spec.disruption.consolidationPolicy).toBe('WhenEmpty');
    const dev = object(r, 'dev', 'configs/nodepool-nvidia.yaml') as { spec: { disruption: Obj } };
    expect(dev.spec.disruption.consolidationPolicy).toBe('WhenEmptyOrUnderutilized');
    const cpu = object(r, 'dev', 'configs/nodepool-cpu.yaml') as { spec: Obj & { template: { spec: Obj } } };
    expect(cpu.spec.template.spec.taints).toBeUndefined();
  });
});

describe('bad pool input', () => {
  const cases: [string, (e: Record<string, Record<string, unknown>>) => void, string][] = [
    [
      'a CPU family in the GPU pool',
      (e) => {
        pools(e, 'dev').nvidia!.instanceFamilies = ['g5', 'c6i'];
      },
      'dev: pools.nvidia.instanceFamilies[1]: "c6i" is not an x86 NVIDIA GPU instance family',
    ],
    [
      'an Arm family in the CPU pool',
      (e) => {
        pools(e, 'prod').cpu!.instanceFamilies = ['m7g'];
      },
      'prod: pools.cpu.instanceFamilies[0]: "m7g" is not an x86 general purpose (c, m or r) instance family',
    ],
    [
      'a GPU family in the Neuron pool',
      (e) => {
        pools(e, 'prod-dr').neuron!.instanceFamilies = ['inf2', 'p5'];
      },
      'prod-dr: pools.neuron.instanceFamilies[1]: "p5" is not a Neuron instance family',
    ],
    [
      'spot for production serving',
      (e) => {
        pools(e, 'prod').nvidia!.capacityTypes = ['spot', 'on-demand'];
      },
      'prod: pools.nvidia.capacityTypes: production environments serve models on on-demand or reserved capacity',
    ],
  ];
  test.each(cases)('%s stops the render', async (_name, edit, message) => {
    await expect(renderWith(edit)).rejects.toThrow(message);
  });

  test('several problems are all reported, each naming the environment', async () => {
    const error = await renderWith((e) => {
      pools(e, 'prod').nvidia!.instanceFamilies = ['c6i'];
      pools(e, 'prod').neuron!.capacityTypes = ['spot'];
    }).catch((e: unknown) => e as Error);
    expect((error as Error).message.split('\n')).toEqual([
      'prod: pools.nvidia.instanceFamilies[0]: "c6i" is not an x86 NVIDIA GPU instance family (known: g4dn, g5, g6, g6e, gr6, p4d, p4de, p5, p5e, p5en)',
      'prod: pools.neuron.capacityTypes: production environments serve models on on-demand or reserved capacity; "spot" would interrupt requests',
    ]);
  });

  test('bad consolidateAfter is a schema error', async () => {
    await expect(
      renderWith((e) => {
        pools(e, 'dev').cpu!.consolidateAfter = 'soon';
      }),
    ).rejects.toThrow('dev.ts: pools.cpu.consolidateAfter: "soon" is not a duration like 30m or 1h');
  });

  test('the synth CLI leaves dist/ untouched on a bad pool', async () => {
    const out = `${tempDir()}/dist`;
    expect((await synthCli(['--out', out])).status).toBe(0);
    const before = treeHash(out);
    const clusters = await clustersFixture((e) => {
      pools(e, 'prod').neuron!.capacityTypes = ['spot'];
    });
    const r = await synthCli(['--clusters', clusters, '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/prod: pools\.neuron\.capacityTypes: production environments/);
    expect(treeHash(out)).toBe(before);
  });
});

describe('workload namespace network policies', () => {
  test('default deny, DNS, same namespace, load balancer ingress and HTTPS egress', async () => {
    const { createCluster } = await import('../apps/lib/cluster.js');
    const { defaultDeny, allowFromLoadBalancers, allowHttpsEgress, allowFromNamespace } = await import(
      '../apps/namespaces/network.js'
    );
    const { loadEnvironments } = await import('../clusters/lib/load.js');
    const { CLUSTERS } = await import('./helpers.js');
    const envs = (await loadEnvironments(CLUSTERS)).map((l) => l.env);
    const cluster = createCluster(envs[0]!, envs);
    defaultDeny(cluster, 'inference');
    defaultDeny(cluster, 'inference'); // idempotent
    allowFromLoadBalancers(cluster, 'inference', 'vllm', { 'app.kubernetes.io/name': 'vllm' }, [
      { port: 8000 },
    ]);
    allowHttpsEgress(cluster, 'inference', 'vllm', { 'app.kubernetes.io/name': 'vllm' });
    allowFromNamespace(
      cluster,
      'inference',
      'webui',
      { 'app.kubernetes.io/name': 'vllm' },
      { namespace: 'webui' },
      [{ port: 8000 }],
    );
    const objs = cluster.layers.configs.toJson() as { metadata: { name: string }; spec: Obj }[];
    expect(objs.map((o) => o.metadata.name)).toEqual([
      'default-deny',
      'allow-dns',
      'allow-same-namespace',
      'allow-lb-vllm',
      'allow-https-vllm',
      'allow-webui',
    ]);
    expect(objs[0]!.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(objs[3]!.spec.ingress).toEqual([
      { from: [{ ipBlock: { cidr: envs[0]!.vpcCidr } }], ports: [{ port: 8000, protocol: 'TCP' }] },
    ]);
  });
});

describe('versions', () => {
  test('every chart, tag and AMI alias rendered comes from clusters/versions.ts', async () => {
    const { versions } = await import('../clusters/versions.js');
    const table = new Set<string>();
    const collect = (v: unknown): void => {
      if (typeof v === 'string') table.add(v);
      else if (v && typeof v === 'object') for (const x of Object.values(v)) collect(x);
    };
    collect(versions);
    expect(versions.amiAlias).toMatch(/^al2023@v[0-9]{8}$/);
    const r = await renderWith(() => {});
    const seen: string[] = [];
    for (const env of r) {
      for (const text of env.files.values()) {
        const o = parse(text) as { kind: string; spec?: Obj };
        const spec = (o.spec ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
        if (o.kind === 'HelmRelease' && spec.chart) seen.push(String(spec.chart.spec?.version));
        if (o.kind === 'OCIRepository' || o.kind === 'GitRepository') seen.push(String(spec.ref?.tag));
        if (o.kind === 'EC2NodeClass') {
          for (const t of (o.spec?.amiSelectorTerms ?? []) as { alias: string }[]) seen.push(t.alias);
        }
      }
    }
    expect(seen.length).toBeGreaterThan(20);
    for (const v of seen) expect(table.has(v), `${v} is not in clusters/versions.ts`).toBe(true);
  });
});
