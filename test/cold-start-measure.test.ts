/**
 * `npm run cold-start`'s parsing (review/cold-start-measure.ts) on recorded fixtures written from
 * the documented formats (test/fixtures/cold-start/README.md). The command itself needs a cluster
 * and was not run against one.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  goDurationSeconds,
  type Measurement,
  measure,
  measurementMarkdown,
  parsePulled,
  parseServerLog,
} from '../review/cold-start-measure.js';
import { ROOT } from './support/workspace.js';

const DIR = join(ROOT, 'test/fixtures/cold-start');
const json = (path: string) => JSON.parse(readFileSync(join(DIR, path), 'utf8'));
const text = (path: string) => readFileSync(join(DIR, path), 'utf8');
const phase = (m: Measurement, name: string) => m.phases.find((p) => p.name === name);

describe('kubelet and vLLM formats', () => {
  test('Go durations', () => {
    expect(goDurationSeconds('2m15.432s')).toBeCloseTo(135.432, 6);
    expect(goDurationSeconds('850ms')).toBeCloseTo(0.85, 6);
    expect(goDurationSeconds('1h0m0s')).toBe(3600);
    expect(goDurationSeconds('2 minutes')).toBeUndefined();
  });

  test('Pulled events: pulled with and without the image size, or already present', () => {
    expect(
      parsePulled(
        'Successfully pulled image "vllm/vllm-openai:v0.12.0" in 2m15.432s (2m15.432s including waiting). Image size: 9876543210 bytes.',
      ),
    ).toEqual({
      image: 'vllm/vllm-openai:v0.12.0',
      seconds: expect.closeTo(135.432, 6),
      withWaitingSeconds: expect.closeTo(135.432, 6),
      bytes: 9876543210,
      cached: false,
    });
    expect(
      parsePulled('Successfully pulled image "busybox:1.37.0" in 850ms (1.2s including waiting)'),
    ).toMatchObject({
      seconds: expect.closeTo(0.85, 6),
      withWaitingSeconds: expect.closeTo(1.2, 6),
      bytes: undefined,
    });
    expect(parsePulled('Container image "busybox:1.37.0" already present on machine')).toMatchObject({
      seconds: 0,
      cached: true,
    });
    expect(parsePulled('Pulling image "busybox:1.37.0"')).toBeUndefined();
  });

  test('server log: weights, compile (cached or not), CUDA graphs, engine, API ready', () => {
    const cold = parseServerLog(text('new-node/vllm.log'));
    expect(cold).toMatchObject({
      weightsSeconds: 51.37,
      compileSeconds: 33.12,
      compileCached: false,
      cudaGraphSeconds: 18,
      engineSeconds: 135.64,
      apiReadyAt: Date.parse('2026-03-02T10:13:44.420Z'),
      firstLineAt: Date.parse('2026-03-02T10:09:45.104Z'),
    });
    const warm = parseServerLog(text('warm/vllm.log'));
    // Without "Loading weights took", the model runner's figure; the newer "GiB memory and Ns" form.
    expect(warm).toMatchObject({ weightsSeconds: 20.3, compileSeconds: 7.91, compileCached: true });
    expect(warm.cudaGraphSeconds).toBeUndefined();
    expect(warm.apiReadyAt).toBeUndefined();
  });
});

describe('a measured start', () => {
  test('first replica on a node launched for it: every phase from the records', () => {
    const m = measure(
      json('new-node/pod.json'),
      json('new-node/events.json'),
      json('new-node/node.json'),
      text('new-node/vllm.log'),
    );
    expect(m.newNode).toBe(true);
    expect(m.node).toBe('ip-10-10-41-17.us-west-2.compute.internal');
    expect(m.totalSeconds).toBe(842);
    expect(phase(m, 'scheduled')!.seconds).toBe(130);
    expect(phase(m, 'node launch')!.seconds).toBe(105);
    const pulls = m.phases.filter((p) => p.name.startsWith('image pull'));
    expect(pulls.map((p) => p.seconds)).toEqual([expect.closeTo(135.432, 6), 0]);
    expect(pulls[0]!.note).toContain('9.88 GB');
    expect(phase(m, 'init wait-for-staged-model')!.seconds).toBe(310);
    expect(phase(m, 'weight load')!.seconds).toBe(51.37);
    expect(phase(m, 'torch.compile')).toMatchObject({ seconds: 33.12, note: 'compiled' });
    expect(phase(m, 'CUDA graph capture')!.seconds).toBe(18);
    expect(phase(m, 'engine init')!.seconds).toBe(135.64);
    expect(phase(m, 'server start → Ready')!.seconds).toBe(260);
    expect(measurementMarkdown(m)).toContain('| init wait-for-staged-model | 310.0 s |');
  });

  test('a replica on an existing node, not Ready yet: no node launch, no total, cached compile', () => {
    const m = measure(
      json('warm/pod.json'),
      json('warm/events.json'),
      json('new-node/node.json'),
      text('warm/vllm.log'),
    );
    expect(m.newNode).toBe(false);
    expect(phase(m, 'node launch')).toBeUndefined();
    expect(phase(m, 'scheduled')).toMatchObject({ seconds: 1, note: 'on an existing node' });
    expect(m.totalSeconds).toBeUndefined();
    expect(phase(m, 'torch.compile')!.note).toBe('from the compile cache');
    expect(phase(m, 'server start → Ready')!.seconds).toBeUndefined();
    expect(measurementMarkdown(m)).toContain('created → Ready: not recorded');
  });
});
