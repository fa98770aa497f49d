/**
 * The report's "Cold start" section: each vLLM deployment's modelled start, phase by phase
 * (clusters/lib/cold-start.ts), next to what was rendered from it (the startup probe, the progress
 * deadline, the Flux `apps` layer's timeout), which must never be shorter. The figures the model
 * rests on are listed once, each with its source or marked as an assumption.
 */
import {
  type ColdStart,
  coldStart,
  FIGURES,
  type Figure,
  type FigureName,
} from '../clusters/lib/cold-start.js';
import type { Environment } from '../clusters/lib/resolve.js';
import type { JsonObject, KubeObject } from './objects.js';

const rec = (v: unknown): JsonObject =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : {};
const cell = (s: string) => s.replace(/\|/g, '\\|');

/** `95` → `1 min 35 s`, `3600` → `60 min`. */
export function minutes(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m === 0 ? `${s} s` : s === 0 ? `${m} min` : `${m} min ${s} s`;
}

/** A Go duration (`2h38m`, `90s`, `1.5h`) in seconds; undefined when it is not one. */
export function durationSeconds(text: string): number | undefined {
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  const parts = [...text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  return parts.reduce((a, p) => a + Number(p[1]) * unit[p[2]!]!, 0);
}

/** The paragraph and figure table the report's head carries once. */
export function coldStartMethod(): string[] {
  const row = ([name, f]: [string, Figure]) =>
    `| ${name} | ${f.value} ${f.unit} | ${cell(f.what)} | ${f.source ? cell(f.source) : `**assumption**: ${cell(f.assumption ?? '')}`} |`;
  return [
    '**How the cold start is modelled.** Per vLLM deployment (`clusters/lib/cold-start.ts`): the',
    "staging Job copies the model from the Hub into the bucket while the replica's node launches and",
    'its image is pulled; the replica waits for the staging (and, on Neuron, for the compile Job),',
    'then loads the weights, compiles or loads its compiled graphs and starts the engine. The startup',
    "probe allows the container's own worst start, the progress deadline and the Flux `apps` timeout",
    'the whole first start, each with the margin below and never shorter. `npm run cold-start --',
    '--context <kubectl context>` measures the real phases; replace an assumption with what it reports.',
    '',
    '| figure | value | what | source |',
    '| --- | ---: | --- | --- |',
    ...(Object.entries(FIGURES) as [FigureName, Figure][]).map(row),
    '',
  ];
}

/** Seconds the rendered startup probe of a Deployment allows, if it has one. */
function probeSeconds(o: KubeObject | undefined): number | undefined {
  const containers = rec(rec(rec(o?.manifest.spec).template).spec).containers;
  const c = Array.isArray(containers) ? rec(containers[0]) : {};
  const p = rec(c.startupProbe);
  return typeof p.periodSeconds === 'number' && typeof p.failureThreshold === 'number'
    ? p.periodSeconds * p.failureThreshold
    : undefined;
}

function phasesTable(c: ColdStart): string[] {
  const rows = (label: string, phases: ColdStart['first']) =>
    phases.map(
      (p) =>
        `| ${label} | ${cell(p.name)} | ${minutes(p.seconds)} | ${p.cached ? 'yes' : 'no'} | ${cell(p.basis)} |`,
    );
  return [
    '| start | phase | time | cached | how |',
    '| --- | --- | ---: | --- | --- |',
    ...rows('first', c.first),
    ...rows('new replica', c.warm),
    '',
  ];
}

/** The section of one environment, and what is wrong with the rendered settings. */
export function coldStartSection(
  env: Environment,
  objects: readonly KubeObject[],
): { lines: string[]; problems: string[] } {
  const lines: string[] = ['### Cold start', ''];
  const problems: string[] = [];
  if (env.workloads.vllm.length === 0) {
    lines.push('No vLLM deployment.', '');
    return { lines, problems };
  }
  const byId = new Map(objects.map((o) => [o.id, o]));
  const starts = env.workloads.vllm.map((d) => ({ d, c: coldStart(env, d) }));
  lines.push(
    '| deployment | weights | first start | new replica, new node | restart, image on the node | container start, worst | startup probe allows | progress deadline |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const { d, c } of starts) {
    // Checked where rendered (a missing Deployment is another check's business).
    const o = byId.get(`Deployment inference/vllm-${d.name}`);
    const probe = probeSeconds(o);
    const deadline = rec(o?.manifest.spec).progressDeadlineSeconds;
    if (o && (probe === undefined || probe < c.containerSeconds))
      problems.push(
        `vllm-${d.name}: the startup probe allows ${probe ?? 0} s, less than the modelled container start of ${c.containerSeconds} s`,
      );
    if (o && (typeof deadline !== 'number' || deadline < c.firstSeconds))
      problems.push(
        `vllm-${d.name}: progressDeadlineSeconds ${String(deadline)} is less than the modelled first start of ${c.firstSeconds} s`,
      );
    lines.push(
      `| ${d.name} (${d.pool}, ${d.instanceType}) | ${c.weightsPath} | ${minutes(c.firstSeconds)} | ${minutes(c.warmSeconds)} | ${minutes(c.restartSeconds)} | ${minutes(c.containerSeconds)} | ${probe !== undefined ? minutes(probe) : '**none**'} | ${typeof deadline === 'number' ? minutes(deadline) : '**none**'} |`,
    );
  }
  lines.push('');
  const longest = Math.max(...starts.map((s) => s.c.firstSeconds));
  const apps = byId.get('Kustomization flux-system/apps');
  const timeout = durationSeconds(String(rec(apps?.manifest.spec).timeout ?? ''));
  if (apps && (timeout === undefined || timeout < longest))
    problems.push(
      `Kustomization flux-system/apps: timeout ${String(rec(apps?.manifest.spec).timeout)} is less than the longest modelled first start (${longest} s)`,
    );
  lines.push(
    `Flux \`apps\` layer timeout: ${timeout !== undefined ? minutes(timeout) : '**none**'} (longest modelled first start ${minutes(longest)}).`,
    '',
  );
  for (const { d, c } of starts) {
    lines.push(`#### vllm-${d.name}`, '', ...phasesTable(c));
  }
  return { lines, problems };
}
