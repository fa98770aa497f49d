/**
 * Measures a vLLM replica's real cold start from what the cluster recorded: the pod (its
 * conditions and container states), its events (the kubelet's and the scheduler's), its node,
 * and the server's log. Pure functions over those objects, so the parsing is tested on recorded
 * fixtures (test/cold-start-measure.test.ts); scripts/cold-start.ts fetches them
 * (`npm run cold-start -- --context <kubectl context>`).
 *
 * Formats read (each from its source):
 * - Pulled events: `Successfully pulled image "<image>" in <pull> (<total> including waiting).
 *   Image size: <bytes> bytes.` (kubernetes/kubernetes pkg/kubelet/images/image_manager.go; the
 *   size clause is absent in older kubelets), or `Container image "<image>" already present on
 *   machine`; durations are Go durations (`1m2.5s`, `850ms`).
 * - vLLM log lines (vllm-project/vllm; `kubectl logs --timestamps` prefixes each with an
 *   RFC 3339 time): `Loading weights took N seconds` (model loaders), `Model loading took N GiB
 *   [memory] and N seconds` (vllm/v1/worker/gpu_model_runner.py), `torch.compile takes N s in
 *   total` (vllm/compilation/monitor.py), `Directly load the compiled graph(s) for … from the
 *   cache, took N s` or `Compiling a graph for … takes N s` (vllm/compilation/backends.py),
 *   `Graph capturing finished in N secs` (gpu_model_runner.py), `init engine (profile, create kv
 *   cache, warmup model) took N seconds` (vllm/v1/engine/core.py), and uvicorn's `Application
 *   startup complete.`
 */

type Json = Record<string, unknown>;

const rec = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const time = (v: unknown): number | undefined => {
  if (typeof v !== 'string' && !(v instanceof Date)) return undefined;
  const t = new Date(v as string).getTime();
  return Number.isNaN(t) ? undefined : t;
};

/** A Go duration (`1m2.345s`, `850ms`, `1h0m0s`) in seconds; undefined when it is not one. */
export function goDurationSeconds(text: string): number | undefined {
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 };
  const parts = [...text.matchAll(/([0-9]+(?:\.[0-9]+)?)(h|ms|m|s|us|µs|ns)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  return parts.reduce((a, p) => a + Number(p[1]) * unit[p[2]!]!, 0);
}

/** What a Pulled event says. */
export interface Pull {
  readonly image: string;
  /** Seconds the pull took; 0 when the image was already on the node. */
  readonly seconds: number;
  /** Seconds including the wait for earlier pulls (the kubelet pulls serially by default). */
  readonly withWaitingSeconds: number;
  /** Image size in bytes, when the kubelet reports it. */
  readonly bytes: number | undefined;
  readonly cached: boolean;
}

/** Parses the message of a Pulled event; undefined when it is not one. */
export function parsePulled(message: string): Pull | undefined {
  const present = /^Container image "([^"]+)" already present on machine/.exec(message);
  if (present)
    return { image: present[1]!, seconds: 0, withWaitingSeconds: 0, bytes: undefined, cached: true };
  const pulled =
    /^Successfully pulled image "([^"]+)" in (\S+) \((\S+) including waiting\)(?:\. Image size: ([0-9]+) bytes\.)?/.exec(
      message,
    );
  if (!pulled) return undefined;
  const seconds = goDurationSeconds(pulled[2]!);
  const withWaiting = goDurationSeconds(pulled[3]!);
  if (seconds === undefined || withWaiting === undefined) return undefined;
  return {
    image: pulled[1]!,
    seconds,
    withWaitingSeconds: withWaiting,
    bytes: pulled[4] !== undefined ? Number(pulled[4]) : undefined,
    cached: false,
  };
}

/** What the server's log says about its start. */
export interface ServerLog {
  /** Seconds the weights took to load (`Loading weights took`, else `Model loading took`). */
  readonly weightsSeconds?: number;
  /** Seconds of torch.compile in total. */
  readonly compileSeconds?: number;
  /** Whether the compiled graphs came from the cache (true), were compiled (false), or neither was logged. */
  readonly compileCached?: boolean;
  readonly cudaGraphSeconds?: number;
  /** vLLM's whole engine initialisation after the weights (`init engine … took`). */
  readonly engineSeconds?: number;
  /** When uvicorn reported the application started (from the log line's timestamp). */
  readonly apiReadyAt?: number;
  /** When the first log line was written. */
  readonly firstLineAt?: number;
}

const NUMBER = '([0-9]+(?:\\.[0-9]+)?)';

type MutableLog = { -readonly [K in keyof ServerLog]: ServerLog[K] };

/** Each recognised line: its pattern and what it records (`at` is the line's timestamp). */
const LINES: readonly {
  readonly pattern: RegExp;
  readonly record: (out: MutableLog, m: RegExpExecArray, at: number | undefined) => void;
}[] = [
  {
    pattern: new RegExp(`Loading weights took ${NUMBER} seconds`),
    record: (out, m) => {
      out.weightsSeconds = Number(m[1]);
    },
  },
  {
    pattern: new RegExp(`Model loading took ${NUMBER} GiB(?: memory)? and ${NUMBER} ?s`),
    record: (out, m) => {
      out.weightsSeconds ??= Number(m[2]);
    },
  },
  {
    pattern: new RegExp(`torch\\.compile takes ${NUMBER} s in total`),
    record: (out, m) => {
      out.compileSeconds = Number(m[1]);
    },
  },
  {
    pattern: /Directly load the compiled graph\(s\) for .* from the cache, took/,
    record: (out) => {
      out.compileCached ??= true;
    },
  },
  {
    pattern: /Compiling a graph for .* takes/,
    record: (out) => {
      out.compileCached = false;
    },
  },
  {
    pattern: new RegExp(`Graph capturing finished in ${NUMBER} secs?`),
    record: (out, m) => {
      out.cudaGraphSeconds = Number(m[1]);
    },
  },
  {
    pattern: new RegExp(`init engine \\(profile, create kv cache, warmup model\\) took ${NUMBER} ?s`),
    record: (out, m) => {
      out.engineSeconds = Number(m[1]);
    },
  },
  {
    pattern: /Application startup complete\./,
    record: (out, _m, at) => {
      if (at !== undefined) out.apiReadyAt ??= at;
    },
  },
];

/** Parses a server log written with `--timestamps` (an RFC 3339 time, a space, the line). */
export function parseServerLog(text: string): ServerLog {
  const out: MutableLog = {};
  for (const raw of text.split('\n')) {
    const stamp = /^(\d{4}-\d{2}-\d{2}T\S+Z) (.*)$/.exec(raw);
    const at = stamp ? time(stamp[1]) : undefined;
    const line = stamp ? stamp[2]! : raw;
    if (at !== undefined && out.firstLineAt === undefined) out.firstLineAt = at;
    for (const { pattern, record } of LINES) {
      const m = pattern.exec(line);
      if (m) {
        record(out, m, at);
        break;
      }
    }
  }
  return out;
}

/** A measured phase: seconds, or undefined when the records do not say. */
export interface MeasuredPhase {
  readonly name: string;
  readonly seconds: number | undefined;
  readonly note: string;
}

/** The measured start of one pod. */
export interface Measurement {
  readonly pod: string;
  readonly node: string | undefined;
  /** Whether the node was launched for this pod (created after it). */
  readonly newNode: boolean | undefined;
  readonly phases: readonly MeasuredPhase[];
  /** Pod created → Ready, seconds; undefined while it is not Ready. */
  readonly totalSeconds: number | undefined;
}

const conditionAt = (pod: Json, type: string): number | undefined => {
  const c = arr(rec(pod.status).conditions)
    .map(rec)
    .find((x) => x.type === type && x.status === 'True');
  return c ? time(c.lastTransitionTime) : undefined;
};

const seconds = (from: number | undefined, to: number | undefined) =>
  from !== undefined && to !== undefined ? Math.max(0, (to - from) / 1000) : undefined;

/**
 * The phases of one pod's start from the pod, its events, its node and its server container's
 * log: scheduling (with the node launch when Karpenter launched one for it), image pulls, each
 * init container (the waits for the staging and the Neuron compile), then the server's own phases
 * from its log, and the total from creation to Ready.
 */
export function measure(
  pod: Json,
  events: readonly Json[],
  node: Json | undefined,
  log: string,
  server = 'vllm',
): Measurement {
  const meta = rec(pod.metadata);
  const created = time(meta.creationTimestamp);
  const scheduled = conditionAt(pod, 'PodScheduled');
  const ready = conditionAt(pod, 'Ready');
  const nodeCreated = time(rec(node?.metadata).creationTimestamp);
  const nodeReady = node
    ? time(
        arr(rec(node.status).conditions)
          .map(rec)
          .find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime,
      )
    : undefined;
  const newNode = created !== undefined && nodeCreated !== undefined ? nodeCreated >= created : undefined;
  const phases: MeasuredPhase[] = [];
  phases.push({
    name: 'scheduled',
    seconds: seconds(created, scheduled),
    note: newNode ? 'includes the node launch' : newNode === false ? 'on an existing node' : '',
  });
  if (newNode) {
    phases.push({
      name: 'node launch',
      seconds: seconds(nodeCreated, nodeReady),
      note: 'node object created → node Ready',
    });
  }
  const pulls = events
    .filter((e) => e.reason === 'Pulled')
    .map((e) => parsePulled(String(e.message ?? '')))
    .filter((p): p is Pull => p !== undefined);
  for (const p of pulls) {
    phases.push({
      name: `image pull ${p.image}`,
      seconds: p.seconds,
      note: p.cached
        ? 'already on the node'
        : `${p.bytes !== undefined ? `${(p.bytes / 1e9).toFixed(2)} GB, ` : ''}${p.withWaitingSeconds.toFixed(1)} s with waiting`,
    });
  }
  const status = rec(pod.status);
  for (const c of arr(status.initContainerStatuses).map(rec)) {
    const t = rec(rec(c.state).terminated);
    phases.push({
      name: `init ${String(c.name)}`,
      seconds: seconds(time(t.startedAt), time(t.finishedAt)),
      note: t.finishedAt ? '' : 'not finished',
    });
  }
  const main = arr(status.containerStatuses)
    .map(rec)
    .find((c) => c.name === server);
  const started = time(rec(rec(main?.state).running).startedAt);
  const l = parseServerLog(log);
  phases.push({ name: 'weight load', seconds: l.weightsSeconds, note: 'from the server log' });
  phases.push({
    name: 'torch.compile',
    seconds: l.compileSeconds,
    note: l.compileCached === undefined ? '' : l.compileCached ? 'from the compile cache' : 'compiled',
  });
  phases.push({ name: 'CUDA graph capture', seconds: l.cudaGraphSeconds, note: '' });
  phases.push({ name: 'engine init', seconds: l.engineSeconds, note: 'profile, KV cache, warm-up' });
  phases.push({
    name: 'server start → Ready',
    seconds: seconds(started, ready),
    note: 'the startup probe covers this',
  });
  return {
    pod: String(meta.name ?? '?'),
    node: typeof rec(pod.spec).nodeName === 'string' ? String(rec(pod.spec).nodeName) : undefined,
    newNode,
    phases,
    totalSeconds: seconds(created, ready),
  };
}

/** A measurement as Markdown. */
export function measurementMarkdown(m: Measurement): string {
  const fmt = (s: number | undefined) => (s === undefined ? 'not recorded' : `${s.toFixed(1)} s`);
  return [
    `### ${m.pod}`,
    '',
    `Node ${m.node ?? '?'}${m.newNode === undefined ? '' : m.newNode ? ' (launched for it)' : ' (existing)'}; created → Ready: ${fmt(m.totalSeconds)}.`,
    '',
    '| phase | time | note |',
    '| --- | ---: | --- |',
    ...m.phases.map((p) => `| ${p.name} | ${fmt(p.seconds)} | ${p.note} |`),
    '',
  ].join('\n');
}
