import { describe, expect, test } from 'vitest';
import type { Environment } from '../clusters/lib/resolve.js';
import { toYaml } from '../render/serialise.js';
import { parseTree } from '../review/objects.js';
import { PRICES } from '../review/prices.js';
import { costBound, environmentReport, quantity } from '../review/report.js';
import { fixture, resolve } from './support/fixtures.js';
import { repository } from './support/repository.js';

const nodePool = (name: string, families: string[], limits: Record<string, unknown>, taint?: string) => ({
  apiVersion: 'karpenter.sh/v1',
  kind: 'NodePool',
  metadata: { name },
  spec: {
    limits,
    template: {
      spec: {
        requirements: [
          { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: families },
          { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot', 'on-demand'] },
        ],
        ...(taint ? { taints: [{ key: taint, value: 'true', effect: 'NoSchedule' }] } : {}),
      },
    },
  },
});

/** The environment the report tests render for: two m5.xlarge system nodes ($0.192 each). */
function environment(): Environment {
  const props = fixture();
  props.systemNodeGroup = { instanceType: 'm5.xlarge', size: 2 };
  return resolve(props)[0]!;
}

function tree(env: Environment, objects: { kind: string; metadata: { name: string; namespace?: string } }[]) {
  const files = new Map(
    objects.map((o, i) => [
      `k8s/${env.name}/configs/${i}-${o.kind.toLowerCase()}-${o.metadata.name}.yaml`,
      toYaml(o),
    ]),
  );
  return parseTree(files).get(env.name);
}

describe('price table', () => {
  test('covers every instance family the environments allow', async () => {
    const families = new Set([...PRICES.keys()].map((t) => t.split('.')[0]));
    for (const env of (await repository()).envs) {
      for (const [pool, p] of Object.entries(env.pools)) {
        for (const f of p.instanceFamilies)
          expect(families.has(f), `${env.name}.pools.${pool}: ${f}`).toBe(true);
      }
      expect(PRICES.has(env.systemNodeGroup.instanceType)).toBe(true);
    }
  });
});

describe('cost bound', () => {
  test('quantities', () => {
    expect(quantity('768Gi')).toBe(768 * 2 ** 30);
    expect(quantity(192)).toBe(192);
    expect(quantity('500m')).toBe(0.5);
    expect(quantity('x')).toBeUndefined();
  });

  test('is the smallest of the cpu, memory and device bounds at the worst price per unit', () => {
    // g5 and inf2 by hand: g5.xlarge ($1.006 for 4 vCPU and 16 GiB) is the dearest per vCPU and
    // per GiB; per device g5.16xlarge ($4.096 for one GPU) beats inf2.8xlarge ($1.96786, one device).
    const types = [...PRICES.keys()].filter((t) => t.startsWith('g5.') || t.startsWith('inf2.'));
    const b = costBound(types, 8, 1000, 3)!;
    expect(b.candidates.map((c) => c.type)).toEqual(['g5.xlarge', 'g5.xlarge', 'g5.16xlarge']);
    expect(b.usdPerHour).toBeCloseTo(8 * (1.006 / 4), 10); // 2.012 < 1000 × 1.006/16 < 3 × 4.096
    expect(b.binding).toContain('8 vCPU');
  });

  test('a NodePool: one figure checked by hand', () => {
    const env = environment();
    const objects = tree(env, [
      nodePool(
        'nvidia',
        ['g5', 'g6', 'g6e'],
        { cpu: 192, memory: '768Gi', 'nvidia.com/gpu': 8 },
        'nvidia.com/gpu',
      ),
    ]);
    const r = environmentReport(env, objects);
    // Memory binds: g5.xlarge $1.006 / 16 GiB = $0.062875 per GiB-hour × 768 GiB = $48.288
    // (cpu: g6e.xlarge $1.861 / 4 × 192 = $89.33; GPUs: g6e.16xlarge $7.57719 × 8 = $60.62).
    expect(r.pools[0]!.cost!.usdPerHour).toBeCloseTo(48.288, 6);
    expect(r.markdown).toContain(
      '| nvidia | g5, g6, g6e | spot, on-demand | 192 vCPU, 768 GiB, 8 nvidia.com/gpu |',
    );
    expect(r.markdown).toContain('$48.29');
    // Total: the pool plus 2 × m5.xlarge at $0.192.
    expect(r.maxUsdPerHour).toBeCloseTo(48.288 + 2 * 0.192, 6);
  });

  test('no bound without limits, with an unpriced family, or without a family restriction', () => {
    const env = environment();
    const unrestricted = nodePool('any', ['m6i'], { cpu: 16 });
    unrestricted.spec.template.spec.requirements = [];
    const r = environmentReport(
      env,
      tree(env, [nodePool('cpu', ['m6i'], {}), nodePool('odd', ['m6i', 'x9z'], { cpu: 16 }), unrestricted]),
    );
    expect(r.pools.map((p) => [p.name, p.cost, p.noBound])).toEqual([
      ['cpu', undefined, 'no cpu, memory or accelerator limit'],
      ['odd', undefined, 'no price for x9z'],
      [
        'any',
        undefined,
        'the pool does not restrict instance families or types, so it may launch types the price table lacks',
      ],
    ]);
    expect(r.maxUsdPerHour).toBeUndefined();
    expect(r.markdown).toContain('**Total EC2 compute at most unknown (a pool has no bound)**');
  });
});

describe('placements, workloads and exposures', () => {
  test('reads the placement annotation, pools a pod may land on, and load balancers', () => {
    const env = environment();
    const placement = {
      model: 'org/model-8b',
      pool: 'nvidia',
      instanceType: 'g6e.xlarge',
      devices: 1,
      requiredGB: 30,
      availableGB: 48,
    };
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'vllm-x',
        namespace: 'inference',
        annotations: { 'genai-eks.io/placement': JSON.stringify(placement) },
      },
      spec: {
        replicas: 2,
        template: {
          spec: {
            nodeSelector: { 'karpenter.sh/nodepool': 'nvidia' },
            tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
            containers: [
              {
                name: 'vllm',
                resources: { requests: { cpu: '3', memory: '24Gi' }, limits: { 'nvidia.com/gpu': 1 } },
              },
            ],
          },
        },
      },
    };
    const untolerated = {
      ...deployment,
      metadata: { name: 'stuck', namespace: 'inference' },
      spec: { ...deployment.spec, template: { spec: { ...deployment.spec.template.spec, tolerations: [] } } },
    };
    const service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'ui',
        namespace: 'web',
        annotations: { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing' },
      },
      spec: {
        type: 'LoadBalancer',
        loadBalancerSourceRanges: ['192.0.2.0/24'],
        ports: [{ port: 443, protocol: 'TCP' }],
      },
    };
    const r = environmentReport(
      env,
      tree(env, [
        nodePool('nvidia', ['g6e'], { cpu: 16 }, 'nvidia.com/gpu'),
        nodePool('cpu', ['m6i'], { cpu: 16 }),
        deployment,
        untolerated,
        service,
      ]),
    );
    expect(r.markdown).toContain(
      '| org/model-8b | Deployment inference/vllm-x | nvidia | g6e.xlarge | 1 | 30 GB | 48 GB | 18.0 GB (38%) |',
    );
    expect(r.markdown).toContain(
      '| Deployment inference/vllm-x | 2 | 3 vCPU, 24 GiB, 1 nvidia.com/gpu | nvidia |',
    );
    expect(r.markdown).toContain(
      '| Deployment inference/stuck | 2 | 3 vCPU, 24 GiB, 1 nvidia.com/gpu | **none** |',
    );
    expect(r.problems).toEqual(['Deployment inference/stuck: no rendered pool admits it']);
    expect(r.markdown).toContain(
      '| Service (load balancer) | web/ui | internet-facing | 192.0.2.0/24 | 443/TCP |',
    );
  });

  test('finds load balancers that charts create from HelmRelease values', () => {
    const env = environment();
    const hub = {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'jupyterhub', namespace: 'jupyterhub' },
      spec: {
        values: {
          proxy: {
            service: {
              type: 'LoadBalancer',
              annotations: { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal' },
            },
          },
        },
      },
    };
    expect(environmentReport(env, tree(env, [hub])).markdown).toContain(
      '| HelmRelease service (load balancer) | jupyterhub/jupyterhub `values.proxy.service` | internal | inside the VPC | chart default |',
    );
  });

  test('says none where there is nothing', () => {
    const env = environment();
    const r = environmentReport(env, undefined);
    expect(r.markdown).toContain('none rendered (no Karpenter NodePool in dist/k8s).');
    expect(r.markdown).toContain('Load balancers: none.');
    expect(r.markdown).toContain('HTTP routes: none.');
  });
});

describe('pool headroom', () => {
  test('each accelerated pool: its demand, the nodes it needs and what its limits leave', () => {
    // The fixture's nvidia pool: vLLM 1 replica + 1 rolling-update copy on g5.xlarge; dogbooth
    // 2 + 1 workers, 2 pipeline steps and 1 GPU notebook on g5.2xlarge: 8 GPUs, limit 8;
    // 2 x 4 + 6 x 8 = 56 of 96 vCPUs; (2 x 16 + 6 x 32) x 0.925 = 207.2 of 384 GiB.
    const r = environmentReport(environment(), undefined);
    expect(r.markdown).toContain('### Pool headroom');
    expect(r.markdown).toMatch(
      /^\| nvidia \| .* \| 6 × g5\.2xlarge, 2 × g5\.xlarge \| 8 \/ 8 \(0\) \| 56 \/ 96 \(40\) \| 207\.2 \/ 384 \(176\.8\) \|$/m,
    );
  });
});
