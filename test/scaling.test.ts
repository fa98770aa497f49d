/**
 * Autoscaling on demand (apps/workloads/vllm/scaling.ts, clusters/lib/scaling.ts,
 * apps/platform/autoscaling): rendered from fixture environments. The bad values are in
 * test/support/bad-inputs.ts; the queries' behaviour is tested by promtool (test/rules/run.ts).
 */
import { describe, expect, test } from 'vitest';
import { budgets } from '../apps/platform/autoscaling/index.js';
import { VLLM_PORT, vllmServiceName } from '../apps/workloads/vllm/index.js';
import { DO_NOT_DISRUPT, loadProtection, scalingQueries } from '../apps/workloads/vllm/scaling.js';
import { coldStart } from '../clusters/lib/cold-start.js';
import { cronProblem, maxReplicas, minReplicas } from '../clusters/lib/scaling.js';
import { PRICES } from '../review/prices.js';
import { servingCeiling } from '../review/report.js';
import { fixture, type Props, resolve } from './support/fixtures.js';
import { find, renderFixture } from './support/render.js';

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are read field by field, checked by the assertions.
type Any = any;

/** The fixture with its first vLLM deployment autoscaling as `scaling` says. */
function scaled(scaling: Record<string, unknown>, edit?: (p: Props) => void): Props {
  const props = fixture('scaled');
  const v = props.workloads!.vllm[0]! as Any;
  delete v.replicas;
  v.scaling = scaling;
  // Room for the autoscaler's maximum (the capacity check counts it, clusters/lib/capacity.ts).
  Object.assign(props.pools.nvidia, { acceleratorLimit: 16, cpuLimit: 512, memoryLimitGiB: 2048 });
  edit?.(props);
  return props;
}

describe('an autoscaled vLLM deployment', () => {
  const props = scaled({
    minReplicas: 1,
    maxReplicas: 3,
    waitingRequestsPerReplica: 6,
    timeToFirstTokenSeconds: 1.5,
  });
  const objects = renderFixture(props);
  const v = props.workloads!.vllm[0]!;
  const name = vllmServiceName(v.name);

  test('its Deployment leaves spec.replicas to the autoscaler; a fixed one keeps its count', () => {
    const deployment = find(objects, 'Deployment', name) as Any;
    expect('replicas' in deployment.spec).toBe(false);
    const fixed = find(objects, 'Deployment', vllmServiceName(props.workloads!.vllm[1]!.name)) as Any;
    expect(fixed.spec.replicas).toBe(props.workloads!.vllm[1]!.replicas);
    expect(
      objects.filter((o) => o.manifest.kind === 'ScaledObject').map((o) => o.manifest.metadata.name),
    ).toEqual([name]);
  });

  test('its ScaledObject targets the Deployment between the bounds, on its own queue and latency', () => {
    const so = objects.find((o) => o.manifest.kind === 'ScaledObject')!;
    expect(so.layer).toBe('apps');
    const spec = (so.manifest as Any).spec;
    expect(spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
    expect([spec.minReplicaCount, spec.maxReplicaCount]).toEqual([1, 3]);
    const ns = so.manifest.metadata.namespace!;
    const q = scalingQueries(ns, v.name);
    const byName = Object.fromEntries(spec.triggers.map((t: Any) => [t.name, t]));
    expect(byName.queue).toMatchObject({
      type: 'prometheus',
      metricType: 'AverageValue',
      metadata: { query: q.queue, threshold: '6' },
    });
    expect(byName['time-to-first-token']).toMatchObject({
      type: 'prometheus',
      metricType: 'Value',
      metadata: { query: q.timeToFirstToken, threshold: '1.5' },
    });
    expect(q.queue).toContain(`vllm_deployment="${v.name}"`);
    expect(byName['active-hours']).toBeUndefined();
  });

  test('KEDA is installed on the system nodes only where some deployment autoscales', () => {
    const keda = find(objects, 'HelmRelease', 'keda') as Any;
    expect(keda.spec.values.nodeSelector).toEqual({ 'genai-eks/node-role': 'system' });
    const none = renderFixture(fixture('fixed'));
    expect(none.some((o) => o.manifest.kind === 'HelmRelease' && o.manifest.metadata.name === 'keda')).toBe(
      false,
    );
    expect(none.some((o) => o.manifest.kind === 'ScaledObject')).toBe(false);
  });

  test('Prometheus scrapes every vLLM pod, labelled by deployment, and may reach its port', () => {
    const pm = objects.find((o) => o.manifest.kind === 'PodMonitor' && o.manifest.metadata.name === 'vllm')!
      .manifest as Any;
    expect(pm.spec.podMetricsEndpoints[0].relabelings).toEqual([
      {
        action: 'replace',
        sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance'],
        targetLabel: 'vllm_deployment',
      },
    ]);
    const policy = find(objects, 'NetworkPolicy', 'allow-prometheus-vllm', pm.metadata.namespace) as Any;
    expect(policy.spec.ingress[0].ports).toEqual([{ port: VLLM_PORT, protocol: 'TCP' }]);
  });
});

describe('scale to zero (development)', () => {
  const hours = { timezone: 'Europe/Berlin', start: '0 7 * * 1-5', end: '30 18 * * 1-5' };
  const objects = renderFixture(
    scaled({ minReplicas: 0, maxReplicas: 2, scaleDownAfterSeconds: 900, activeHours: hours }),
  );

  test('keeps one replica in the active hours (cron trigger) and scales to zero after the idle time', () => {
    const spec = (objects.find((o) => o.manifest.kind === 'ScaledObject')!.manifest as Any).spec;
    expect(spec.minReplicaCount).toBe(0);
    expect(spec.cooldownPeriod).toBe(900);
    expect(spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds).toBe(
      900,
    );
    expect(spec.triggers.find((t: Any) => t.type === 'cron')).toEqual({
      type: 'cron',
      name: 'active-hours',
      metadata: { ...hours, desiredReplicas: '1' },
    });
  });
});

describe('maximum replicas: the one figure the capacity check and the cost ceiling count', () => {
  test('is scaling.maxReplicas when autoscaling, else the fixed count', () => {
    const [env] = resolve(scaled({ minReplicas: 2, maxReplicas: 5 }));
    const [autoscaled, fixed] = env!.workloads.vllm;
    expect([minReplicas(autoscaled!), maxReplicas(autoscaled!)]).toEqual([2, 5]);
    expect([minReplicas(fixed!), maxReplicas(fixed!)]).toEqual([fixed!.replicas, fixed!.replicas]);
  });

  test('the report prices serving at the maximum, replicas packed per node (4 one-GPU replicas on a g5.12xlarge)', () => {
    const [env] = resolve(
      scaled({ maxReplicas: 5 }, (p) => {
        Object.assign(p.workloads!.vllm[0]!, { instanceType: 'g5.12xlarge' });
        p.pools.nvidia.cpuLimit = 512;
      }),
    );
    const { rows } = servingCeiling(env!);
    const row = rows.find((r) => r.name === env!.workloads.vllm[0]!.name)!;
    // 5 replicas of 1 GPU each on 4-GPU nodes: 2 nodes.
    expect([row.replicas, row.perNode, row.nodes]).toEqual(['1–5', 4, 2]);
    expect(row.usdPerHour).toBeCloseTo(2 * PRICES.get('g5.12xlarge')!.usdPerHour, 6);
  });
});

describe('protection while loading and disruption budgets', () => {
  test('serving pods may not be disrupted until their first start could have ended, counted from the pod start', () => {
    expect(loadProtection(2400)).toEqual({ [DO_NOT_DISRUPT]: '40m' });
    expect(loadProtection(601)).toEqual({ [DO_NOT_DISRUPT]: '11m' });
    const props = fixture('loading');
    const [env] = resolve(props);
    let checked = 0;
    for (const o of renderFixture(props).filter((x) => x.manifest.kind === 'Deployment')) {
      const d = o.manifest as Any;
      const pod = d.spec.template;
      if (pod.metadata?.labels?.['app.kubernetes.io/name'] !== 'vllm') continue;
      const entry = env!.workloads.vllm.find((v) => d.metadata.name === `vllm-${v.name}`)!;
      const start = coldStart(env!, entry);
      const minutes = Number(/^(\d+)m$/.exec(pod.metadata.annotations[DO_NOT_DISRUPT])![1]);
      // Karpenter counts from status.startTime, before image pulls and init containers: the
      // protection covers the whole first start, so never less than the progress deadline
      // (which holds it) nor than the startup probe's own window.
      expect(minutes * 60, d.metadata.name).toBeGreaterThanOrEqual(d.spec.progressDeadlineSeconds);
      const probe = pod.spec.containers[0].startupProbe;
      expect(minutes * 60).toBeGreaterThanOrEqual(probe.periodSeconds * probe.failureThreshold);
      expect(minutes * 60).toBeGreaterThanOrEqual(start.firstSeconds);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });

  test('batch pods whose work an eviction loses keep their node until they end', () => {
    const objects = renderFixture(fixture('batch'));
    const compile = objects.filter(
      (o) => o.manifest.kind === 'Job' && /compile/.test(o.manifest.metadata.name),
    );
    expect(compile.length).toBeGreaterThan(0);
    for (const j of compile)
      expect((j.manifest as Any).spec.template.metadata.annotations[DO_NOT_DISRUPT]).toBe('true');
    const templates = objects.filter((o) => o.manifest.kind === 'WorkflowTemplate');
    expect(templates.length).toBeGreaterThan(0);
    for (const t of templates) {
      for (const step of (t.manifest as Any).spec.templates) {
        const gpu = step.script?.resources?.limits?.['nvidia.com/gpu'];
        if (gpu) expect(step.metadata?.annotations?.[DO_NOT_DISRUPT], step.name).toBe('true');
      }
    }
  });

  test('every accelerated pod the render makes itself keeps its node while it loads or runs', () => {
    const accelerated = (spec: Any) =>
      [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].some((c: Any) =>
        Object.keys(c.resources?.limits ?? {}).some(
          (r) => r === 'nvidia.com/gpu' || r === 'aws.amazon.com/neuron',
        ),
      );
    const templates: { where: string; metadata: Any; spec: Any }[] = [];
    for (const o of renderFixture(fixture('protected'))) {
      const m = o.manifest as Any;
      const where = `${m.kind} ${m.metadata.name}`;
      if (['Deployment', 'Job', 'StatefulSet'].includes(m.kind))
        templates.push({ where, metadata: m.spec.template.metadata, spec: m.spec.template.spec });
      if (m.kind === 'RayService')
        for (const g of m.spec.rayClusterConfig.workerGroupSpecs ?? [])
          templates.push({
            where: `${where} ${g.groupName}`,
            metadata: g.template.metadata,
            spec: g.template.spec,
          });
      if (m.kind === 'WorkflowTemplate')
        for (const t of m.spec.templates)
          if (t.script ?? t.container)
            templates.push({
              where: `${where} ${t.name}`,
              metadata: t.metadata,
              spec: { containers: [t.script ?? t.container] },
            });
    }
    const guarded = templates.filter((t) => accelerated(t.spec));
    expect(guarded.length).toBeGreaterThan(0);
    for (const t of guarded)
      expect(t.metadata?.annotations?.[DO_NOT_DISRUPT], t.where).toMatch(/^(true|\d+m)$/);
  });

  test('each pool renders the budgets its environment sets, defaults otherwise', () => {
    const props = fixture('budgets');
    props.pools.nvidia.disruptionBudgets = [
      { nodes: '1' },
      { nodes: '0', reasons: ['Underutilized'], schedule: '0 8 * * 1-5', duration: '10h' },
    ];
    const objects = renderFixture(props);
    const pool = (name: string) => (find(objects, 'NodePool', name) as Any).spec.disruption.budgets;
    expect(pool('nvidia')).toEqual([
      { nodes: '1' },
      { nodes: '0', reasons: ['Underutilized'], schedule: '0 8 * * 1-5', duration: '10h' },
    ]);
    expect(pool('neuron')).toEqual([{ nodes: '1' }]);
    expect(pool('cpu')).toEqual([{ nodes: '10%' }]);
    expect(budgets([])).toEqual([]);
  });

  test('cron expressions: what KEDA accepts passes, what it rejects does not', () => {
    for (const ok of ['0 8 * * 1-5', '*/15 * * * *', '0 0 1,15 * *', '30 18 * 1-12/2 0'])
      expect(cronProblem(ok), ok).toBeUndefined();
    for (const bad of [
      '0 8 * *',
      '60 8 * * *',
      '0 8 32 * *',
      '0 8 * 13 *',
      '0 8 * * 7',
      '0 5-3 * * *',
      '*/0 * * * *',
    ])
      expect(cronProblem(bad), bad).toBeDefined();
  });
});
