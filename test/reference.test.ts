/**
 * The reference folder a fork's CI fetches (tools/reference): every file checked against its
 * sha256 before anything is written, every rendered chart version covered, every rendered kind
 * served by the CRDs it fetches. No network: downloads go through a stand-in `fetch`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { renderedReleases } from '../review/helm-values.js';
import { HELM_VALUES_ALLOWLIST } from '../review/helm-values-allowlist.js';
import { readCdk8sConfig } from '../tools/imports/generate.js';
import { parseSpec } from '../tools/imports/sources.js';
import { fetchReference } from '../tools/reference/fetch.js';
import { CHART_VALUES, type ReferenceFile, referenceFiles } from '../tools/reference/sources.js';
import { tempDir } from './support/files.js';
import { repository } from './support/repository.js';
import { ROOT } from './support/workspace.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** A stand-in for fetch that serves `files` by URL (404 for anything else). */
const serve = (files: Readonly<Record<string, string>>): typeof fetch =>
  (async (url: string | URL | Request) => {
    const body = files[String(url)];
    return body === undefined
      ? new Response('not found', { status: 404, statusText: 'Not Found' })
      : new Response(body);
  }) as typeof fetch;

const specs = () => readCdk8sConfig(ROOT).imports.map((s, i) => parseSpec(s, `cdk8s.yaml imports[${i}]`));

describe('fetching the reference folder', () => {
  const files: ReferenceFile[] = [
    { path: 'crds/a.yaml', url: 'https://example.invalid/a.yaml', sha256: sha('a: 1\n') },
    {
      path: 'helm-chart-values/c-1.0.0/values.yaml',
      url: 'https://example.invalid/v.yaml',
      sha256: sha('x: 1\n'),
    },
  ];

  test('writes every file once each matches its sha256', async () => {
    const out = tempDir();
    await fetchReference(
      files,
      out,
      serve({ 'https://example.invalid/a.yaml': 'a: 1\n', 'https://example.invalid/v.yaml': 'x: 1\n' }),
    );
    expect(readFileSync(join(out, 'crds/a.yaml'), 'utf8')).toBe('a: 1\n');
    expect(readFileSync(join(out, 'helm-chart-values/c-1.0.0/values.yaml'), 'utf8')).toBe('x: 1\n');
  });

  test('fails on a file whose bytes changed, naming it, and writes nothing', async () => {
    const out = tempDir();
    await expect(
      fetchReference(
        files,
        out,
        serve({ 'https://example.invalid/a.yaml': 'a: 1\n', 'https://example.invalid/v.yaml': 'x: 2\n' }),
      ),
    ).rejects.toThrow(
      `helm-chart-values/c-1.0.0/values.yaml: https://example.invalid/v.yaml has sha256 ${sha('x: 2\n')}, expected ${sha('x: 1\n')}`,
    );
    expect(readdirSync(out)).toEqual([]);
  });

  test('fails on a URL that does not answer', async () => {
    await expect(fetchReference(files, tempDir(), serve({}))).rejects.toThrow(
      'crds/a.yaml: GET https://example.invalid/a.yaml: 404 Not Found',
    );
  });
});

describe('what the reference folder holds', () => {
  test("the typed imports' files (cdk8s.yaml URLs, IMPORTS sha256) laid out like ../shared/reference", () => {
    const all = referenceFiles(specs());
    const byPath = new Map(all.map((f) => [f.path, f]));
    expect(byPath.size).toBe(all.length);
    for (const s of specs()) {
      const path =
        s.name === 'k8s' ? `kubernetes/v${s.version}-definitions.json` : `crds/${s.path.split('/').at(-1)}`;
      expect(byPath.get(path)?.url, path).toBe(s.url);
    }
    for (const f of all) expect(f.sha256, f.path).toMatch(/^[0-9a-f]{64}$/);
  });

  test('chart values for every rendered chart version, except the unreferenced ones; none stale', async () => {
    const rendered = new Set(
      renderedReleases((await repository()).objects).map((r) => `${r.chart}-${r.version}`),
    );
    const listed = new Set(CHART_VALUES.map((c) => `${c.chart}-${c.version}`));
    const unreferenced = new Set(HELM_VALUES_ALLOWLIST.unreferenced.map((u) => `${u.chart}-${u.version}`));
    expect([...rendered].filter((c) => !listed.has(c) && !unreferenced.has(c))).toEqual([]);
    expect([...listed].filter((c) => !rendered.has(c))).toEqual([]);
  });

  test('every kind rendered in any environment is built in or served by a CRD the folder holds', async () => {
    const served = new Set<string>();
    const dir = join(ROOT, readCdk8sConfig(ROOT).importDirectory);
    const modules = readdirSync(dir).filter((f) => f.endsWith('.js'));
    for (const s of specs()) {
      const module = s.name === 'k8s' ? 'k8s.js' : modules.find((m) => m.startsWith(`${s.name}-`));
      expect(module && existsSync(join(dir, module)), s.spec).toBeTruthy();
      for (const exported of Object.values(await import(join(dir, module!)))) {
        const gvk = (exported as { GVK?: { apiVersion: string; kind: string } }).GVK;
        if (gvk) served.add(`${gvk.apiVersion} ${gvk.kind}`);
      }
    }
    const { objects } = await repository();
    const missing = new Set<string>();
    for (const { kubernetes } of objects.values()) {
      for (const o of kubernetes.values()) {
        if (!served.has(`${o.apiVersion} ${o.kind}`)) missing.add(`${o.apiVersion} ${o.kind}`);
      }
    }
    expect([...missing]).toEqual([]);
  });
});
