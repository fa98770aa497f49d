import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { toYaml } from '../render/serialise.js';
import {
  diffTrees,
  diffValues,
  fieldLine,
  fieldView,
  formatMarkdown,
  formatText,
  WORD_CONTEXT,
} from '../review/diff.js';
import { readTreeFiles } from '../review/objects.js';

const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

const deployment = (image: string, replicas = 1) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'vllm-demo', namespace: 'inference' },
  spec: {
    replicas,
    template: {
      spec: {
        containers: [
          { name: 'sidecar', image: 'registry.invalid/sidecar:1.0.0' },
          { name: 'vllm', image, args: ['--port', '8000'] },
        ],
      },
    },
  },
});

describe('diffValues', () => {
  test('matches list items by name and reports the field path', () => {
    const a = deployment('registry.invalid/vllm:v0.1.0');
    const b = deployment('registry.invalid/vllm:v0.2.0');
    const lines = diffValues(a, b).map(fieldLine);
    expect(lines).toEqual([
      'spec.template.spec.containers[vllm].image: registry.invalid/vllm:v0.1.0 -> registry.invalid/vllm:v0.2.0',
    ]);
  });

  test('a reordered named list is a change of order, not of every item', () => {
    const a = deployment('x');
    const b = structuredClone(a);
    b.spec.template.spec.containers.reverse();
    expect(diffValues(a, b)).toEqual([
      { path: 'spec.template.spec.containers[*]', before: ['sidecar', 'vllm'], after: ['vllm', 'sidecar'] },
    ]);
  });

  test('unnamed lists compare by position; added and removed fields are marked', () => {
    const lines = diffValues({ a: [1, 2], b: 'x' }, { a: [1, 3, 4], c: { d: true } }).map(fieldLine);
    expect(lines).toEqual(['a[1]: 2 -> 3', 'a[2]: + 4', 'b: - x', 'c: + {"d":true}']);
  });

  test('a list that loses its unique names is compared by position; a list that becomes a map is one change', () => {
    const named = [{ name: 'a', v: 1 }, { name: 'b' }];
    expect(diffValues({ l: named }, { l: [{ name: 'a', v: 1 }, { name: 'a' }] }).map(fieldLine)).toEqual([
      'l[1].name: b -> a',
    ]);
    expect(diffValues({ l: named }, { l: { a: 1 } }).map(fieldLine)).toEqual([
      'l: [{"name":"a","v":1},{"name":"b"}] -> {"a":1}',
    ]);
    expect(diffValues({ x: { l: { a: 1 } } }, { x: { l: named } }).map(fieldLine)).toEqual([
      'x.l: {"a":1} -> [{"name":"a","v":1},{"name":"b"}]',
    ]);
  });

  test('identical values, and items named `__proto__`, are plain data', () => {
    const v = { spec: { list: [{ name: '__proto__', v: 1 }] } };
    expect(diffValues(v, structuredClone(v))).toEqual([]);
    expect(diffValues(v, { spec: { list: [{ name: '__proto__', v: 2 }] } }).map(fieldLine)).toEqual([
      'spec.list[__proto__].v: 1 -> 2',
    ]);
  });
});

describe('long and multi-line values', () => {
  const backends = (names: string[]) =>
    names.map((n) => `http://vllm-${n}.inference.svc.cluster.local:8000/v1`).join(';');

  test('a long single-line value changed in the middle shows the changed words, whole', () => {
    const before = backends(['llama3', 'mistral', 'qwen', 'phi', 'gemma']);
    const after = backends(['llama3', 'mistral', 'qwen-coder', 'phi', 'gemma']);
    expect(before.length).toBeGreaterThan(200);
    const [change] = diffValues(
      { env: [{ name: 'BACKENDS', value: before }] },
      { env: [{ name: 'BACKENDS', value: after }] },
    );
    const line = fieldLine(change!);
    expect(line).toMatch(/^env\[BACKENDS\]\.value: ~ …/);
    expect(line).toContain('{+-coder+}');
    // The unchanged stretches around the change are cut to WORD_CONTEXT characters each side;
    // the rest is not shown.
    expect(line).not.toContain('llama3');
    expect(line).not.toContain('gemma');
    expect(line.length).toBeLessThan(2 * WORD_CONTEXT + 80);
  });

  test('every change inside a long line is shown, however far apart', () => {
    const before = `${'a '.repeat(100)}first ${'b '.repeat(100)}second ${'c '.repeat(100)}`;
    const after = before.replace('first', 'FIRST').replace('second', 'SECOND');
    const line = fieldLine({ path: 'x', before, after });
    expect(line).toContain('[-first-]{+FIRST+}');
    expect(line).toContain('[-second-]{+SECOND+}');
  });

  test('a multi-line script with one changed line shows that line with context, nothing else', () => {
    const script = (changed: string) =>
      `${Array.from({ length: 30 }, (_, i) => (i === 15 ? changed : `echo step ${i}`)).join('\n')}\n`;
    const [change] = diffValues(
      { data: { 'run.sh': script('exit 0') } },
      { data: { 'run.sh': script('exit 1') } },
    );
    const view = fieldView(change!);
    expect(view.line).toBe('data["run.sh"]: ~ text: 1 line(s) removed, 1 added');
    expect(view.block).toEqual([
      '@@ -13,7 +13,7 @@',
      ' echo step 12',
      ' echo step 13',
      ' echo step 14',
      '-exit 0',
      '+exit 1',
      ' echo step 16',
      ' echo step 17',
      ' echo step 18',
    ]);
  });

  test('short values read as before: `path: before -> after`', () => {
    expect(fieldLine({ path: 'p', before: 'a b', after: 'a c' })).toBe('p: "a b" -> "a c"');
    expect(fieldLine({ path: 'p', before: 1, after: 2 })).toBe('p: 1 -> 2');
  });
});

describe('diffTrees', () => {
  const k8s = (env: string, obj: { kind: string; metadata: { name: string; namespace?: string } }) =>
    [`k8s/${env}/apps/${obj.kind.toLowerCase()}-${obj.metadata.name}.yaml`, toYaml(obj)] as [string, string];
  const tf = (env: string, resource: Record<string, Record<string, unknown>>) =>
    [`terraform/${env}/cdk.tf.json`, JSON.stringify({ resource })] as [string, string];
  /** Writes a fixture tree into a temporary folder and reads it back as the CLI does. */
  const onDisk = (files: [string, string][]) => {
    const dir = tempDir('genai-eks-diff-tree-');
    for (const [path, content] of files) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    const read = readTreeFiles(dir);
    rmSync(dir, { recursive: true, force: true });
    return read;
  };

  test('reports added, removed and changed objects per environment; identical ones not at all', () => {
    const [changed, same, added] = ['alpha', 'beta', 'gamma'];
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'inference' } };
    const base = onDisk([
      k8s(changed, deployment('img:1')),
      k8s(changed, cm),
      tf(changed, { aws_s3_bucket: { models: { bucket: 'x' } } }),
      k8s(same, cm),
    ]);
    const head = onDisk([
      k8s(changed, deployment('img:1', 2)),
      tf(changed, { aws_s3_bucket: { models: { bucket: 'y' } }, aws_sqs_queue: { q: {} } }),
      k8s(same, cm),
      k8s(added, cm),
    ]);
    const d = diffTrees(base, head);
    expect(d.compared).toBe(3);
    expect(d.environments.map((e) => [e.env, e.status])).toEqual(
      [
        [changed, 'changed'],
        [added, 'added'],
      ].sort(([x], [y]) => x!.localeCompare(y!)),
    );
    const a = d.environments.find((e) => e.env === changed)!;
    expect(a.kubernetes.removed).toEqual(['ConfigMap inference/c']);
    expect(a.kubernetes.changed).toEqual([
      { id: 'Deployment inference/vllm-demo', fields: [{ path: 'spec.replicas', before: 1, after: 2 }] },
    ]);
    expect(a.terraform.added).toEqual(['aws_sqs_queue.q']);
    expect(a.terraform.changed[0]!.id).toBe('aws_s3_bucket.models');
    const text = formatText(d, 'base');
    expect(text).toContain('  - Kubernetes ConfigMap inference/c');
    expect(text).toContain('      spec.replicas: 1 -> 2');
    expect(text).not.toContain(same);
    expect(text).not.toContain('vllm-demo\n      spec.template');
    const md = formatMarkdown(d, 'base');
    expect(md).toContain(`| ${changed} | changed | 0 / 1 / 1 | 1 / 0 / 1 |`);
    expect(md).toContain('  - `bucket: x -> y`');
    expect(md).not.toContain(same);
  });

  test('a changed script reads as a line diff in the terminal and in the pull request comment', () => {
    const env = 'alpha';
    const cm = (script: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'scripts', namespace: 'jobs' },
      data: { 'run.sh': script },
    });
    const lines = Array.from({ length: 12 }, (_, i) => `echo ${i} \`date\``);
    const changedLines = lines.map((l, i) => (i === 6 ? 'echo ```six```' : l));
    const d = diffTrees(
      new Map([k8s(env, cm(`${lines.join('\n')}\n`))]),
      new Map([k8s(env, cm(`${changedLines.join('\n')}\n`))]),
    );
    expect(formatText(d, 'base')).toContain(
      [
        '      data["run.sh"]: ~ text: 1 line(s) removed, 1 added',
        '        @@ -4,7 +4,7 @@',
        '         echo 3 `date`',
        '         echo 4 `date`',
        '         echo 5 `date`',
        '        -echo 6 `date`',
        '        +echo ```six```',
        '         echo 7 `date`',
      ].join('\n'),
    );
    const md = formatMarkdown(d, 'base');
    // A fence longer than any backtick run in the text, so the block cannot close early.
    expect(md).toContain(
      '  - `data["run.sh"]: ~ text: 1 line(s) removed, 1 added`\n\n    ````diff\n    @@ -4,7 +4,7 @@\n',
    );
    expect(md).toContain('    +echo ```six```\n');
    expect(md).not.toContain('echo 0');
  });

  test('a comment longer than allowed leaves out whole entries, never part of a change, and says how many', () => {
    const env = 'alpha';
    const script = (n: number, tag: string) =>
      `${Array.from({ length: 8 }, (_, i) => `echo ${n} ${i}${i === 4 ? ` ${tag}` : ''}`).join('\n')}\n`;
    const cm = (n: number, tag: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `c${n}`, namespace: 'jobs' },
      data: { 'run.sh': script(n, tag) },
    });
    const n = 60;
    const base = new Map(Array.from({ length: n }, (_, i) => k8s(env, cm(i, 'old'))));
    const head = new Map(Array.from({ length: n }, (_, i) => k8s(env, cm(i, 'new'))));
    const full = formatMarkdown(diffTrees(base, head), 'main');
    expect(full).not.toContain('left out');
    expect((full.match(/^- changed /gm) ?? []).length).toBe(n);
    const md = formatMarkdown(diffTrees(base, head), 'main', 4000);
    expect(md.length).toBeLessThanOrEqual(4000);
    const shown = (md.match(/^- changed /gm) ?? []).length;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(n);
    expect(md).toMatch(
      new RegExp(
        `\\n\\n… ${n - shown} of ${n} object entries left out to stay under 4000 characters: run \`npm run diff -- --base main\` for the full list\\.\\n$`,
      ),
    );
    // Every entry shown is whole: its headline, both changed lines and its closing fence.
    const entries = md.split(/^- changed /m).slice(1);
    for (const e of entries) {
      expect(e).toMatch(/-echo \d+ 4 old\n {4}\+echo \d+ 4 new\n/);
      expect(e).toMatch(/ {4}```\n/);
    }
  });

  test('a new environment too long for a comment closes its folded list', () => {
    const env = 'alpha';
    const head = new Map<string, string>();
    for (let i = 0; i < 400; i++)
      head.set(...k8s(env, { ...deployment('img:1'), metadata: { name: `d${i}` } }));
    const md = formatMarkdown(diffTrees(new Map(), head), 'main', 2000);
    expect(md.length).toBeLessThanOrEqual(2000);
    expect(md).toMatch(/\n\n<\/details>\n\n… \d+ of 400 object entries left out/);
  });

  test('no differences says so', () => {
    const files = new Map([k8s('alpha', deployment('img:1'))]);
    expect(formatText(diffTrees(files, files), 'HEAD')).toBe(
      'No differences against HEAD (1 environment(s) compared).\n',
    );
  });
});
