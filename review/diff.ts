/**
 * Object-level diff of two rendered trees: per environment, which Kubernetes objects and
 * Terraform blocks were added, removed or changed, and for each change a compact list of
 * field paths (`spec.template.spec.containers[vllm].image: a -> b`). Lists whose items all
 * carry a unique `name` are matched by name, others by position.
 */
import type { EnvironmentObjects, Files } from './objects.js';
import { parseTree } from './objects.js';

export interface FieldChange {
  readonly path: string;
  /** undefined: the field did not exist on that side. */
  readonly before: unknown;
  readonly after: unknown;
}

export interface ChangedItem {
  readonly id: string;
  readonly fields: readonly FieldChange[];
}

export interface SideDiff {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly ChangedItem[];
}

export interface EnvironmentDiff {
  readonly env: string;
  /** `added`/`removed`: the whole environment exists on one side only. */
  readonly status: 'added' | 'removed' | 'changed';
  readonly kubernetes: SideDiff;
  readonly terraform: SideDiff;
}

export interface TreeDiff {
  /** Environments with at least one difference, sorted by name. */
  readonly environments: readonly EnvironmentDiff[];
  /** Environments compared (union of both sides). */
  readonly compared: number;
}

const EMPTY: EnvironmentObjects = { env: '', kubernetes: new Map(), terraform: new Map() };

/** Diffs two rendered trees (relative path -> content, as render() or readTreeFiles() give). */
export function diffTrees(base: Files, head: Files): TreeDiff {
  const a = parseTree(base);
  const b = parseTree(head);
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  const environments: EnvironmentDiff[] = [];
  for (const env of names) {
    const before = a.get(env);
    const after = b.get(env);
    const kubernetes = diffMaps(
      (before ?? EMPTY).kubernetes,
      (after ?? EMPTY).kubernetes,
      (o) => o.manifest,
      kubeOrder,
    );
    const terraform = diffMaps(
      (before ?? EMPTY).terraform,
      (after ?? EMPTY).terraform,
      (t) => t.body,
      (x, y) => x.localeCompare(y),
    );
    const status = !before ? 'added' : !after ? 'removed' : 'changed';
    if (status === 'changed' && isEmpty(kubernetes) && isEmpty(terraform)) continue;
    environments.push({ env, status, kubernetes, terraform });
  }
  return { environments, compared: names.length };
}

function isEmpty(d: SideDiff): boolean {
  return d.added.length === 0 && d.removed.length === 0 && d.changed.length === 0;
}

/** Kubernetes ids sort by kind, then namespace/name. */
function kubeOrder(x: string, y: string): number {
  return x.localeCompare(y);
}

function diffMaps<T>(
  before: ReadonlyMap<string, T>,
  after: ReadonlyMap<string, T>,
  body: (t: T) => unknown,
  order: (x: string, y: string) => number,
): SideDiff {
  const added = [...after.keys()].filter((k) => !before.has(k)).sort(order);
  const removed = [...before.keys()].filter((k) => !after.has(k)).sort(order);
  const changed: ChangedItem[] = [];
  for (const id of [...after.keys()].filter((k) => before.has(k)).sort(order)) {
    const fields = diffValues(body(before.get(id)!), body(after.get(id)!));
    if (fields.length > 0) changed.push({ id, fields });
  }
  return { added, removed, changed };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The key that identifies list items, when every item is an object with a unique string `name`. */
function listKey(items: readonly unknown[]): ((item: unknown) => string) | undefined {
  if (items.length === 0) return undefined;
  const names = items.map((i) => (isRecord(i) && typeof i.name === 'string' ? i.name : undefined));
  if (names.some((n) => n === undefined)) return undefined;
  if (new Set(names).size !== names.length) return undefined;
  return (item) => (item as { name: string }).name;
}

function join(path: string, key: string): string {
  if (path === '') return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Field-level differences between two JSON values, in document order. */
export function diffValues(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (Object.is(before, after)) return [];
  if (isRecord(before) && isRecord(after)) {
    const out: FieldChange[] = [];
    const keys = [...Object.keys(before), ...Object.keys(after).filter((k) => !(k in before))];
    for (const k of keys) out.push(...diffValues(before[k], after[k], join(path, k)));
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const keyA = listKey(before);
    const keyB = listKey(after);
    if (keyA && keyB) {
      const a = new Map(before.map((i) => [keyA(i), i]));
      const b = new Map(after.map((i) => [keyB(i), i]));
      const out: FieldChange[] = [];
      for (const k of [...a.keys(), ...[...b.keys()].filter((k) => !a.has(k))]) {
        out.push(...diffValues(a.get(k), b.get(k), `${path}[${k}]`));
      }
      // Same items, new order: order matters in Kubernetes lists (containers, env), say so.
      if (out.length === 0 && [...a.keys()].join('\0') !== [...b.keys()].join('\0')) {
        out.push({ path: `${path}[*]`, before: [...a.keys()], after: [...b.keys()] });
      }
      return out;
    }
    const out: FieldChange[] = [];
    const n = Math.max(before.length, after.length);
    for (let i = 0; i < n; i++) out.push(...diffValues(before[i], after[i], `${path}[${i}]`));
    return out;
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [{ path: path || '(root)', before, after }];
}

/** One value, compact: scalars as they are, structures as truncated JSON. */
export function show(value: unknown, max = 80): string {
  if (value === undefined) return '(none)';
  const s = typeof value === 'string' ? (/^[\w./:@+-]+$/.test(value) ? value : JSON.stringify(value)) : '';
  const text = s || JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `path: before -> after`, one line per field. */
export function fieldLine(f: FieldChange): string {
  if (f.before === undefined) return `${f.path}: + ${show(f.after)}`;
  if (f.after === undefined) return `${f.path}: - ${show(f.before)}`;
  return `${f.path}: ${show(f.before)} -> ${show(f.after)}`;
}

function counts(d: EnvironmentDiff): string {
  const n = (s: SideDiff) => [s.added.length, s.removed.length, s.changed.length];
  const [ka, kr, kc] = n(d.kubernetes);
  const [ta, tr, tc] = n(d.terraform);
  return `Kubernetes +${ka} -${kr} ~${kc}, Terraform +${ta} -${tr} ~${tc}`;
}

function heading(d: EnvironmentDiff): string {
  const what = d.status === 'changed' ? '' : ` (environment ${d.status})`;
  return `${d.env}${what}: ${counts(d)}`;
}

/** Plain text for a terminal. */
export function formatText(diff: TreeDiff, base: string): string {
  if (diff.environments.length === 0) {
    return `No differences against ${base} (${diff.compared} environment(s) compared).\n`;
  }
  const lines: string[] = [`Rendered differences against ${base}:`];
  for (const d of diff.environments) {
    lines.push('', `== ${heading(d)}`);
    for (const [label, side] of [
      ['Kubernetes', d.kubernetes],
      ['Terraform', d.terraform],
    ] as const) {
      for (const id of side.added) lines.push(`  + ${label} ${id}`);
      for (const id of side.removed) lines.push(`  - ${label} ${id}`);
      for (const c of side.changed) {
        lines.push(`  ~ ${label} ${c.id}`);
        for (const f of c.fields) lines.push(`      ${fieldLine(f)}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

function code(s: string): string {
  return `\`${s.replace(/`/g, "'")}\``;
}

/** Markdown for a pull request comment. */
/** GitHub rejects comments over 65,536 characters; stay below with room for the note. */
export const MARKDOWN_LIMIT = 60_000;

export function formatMarkdown(diff: TreeDiff, base: string, limit = MARKDOWN_LIMIT): string {
  const lines: string[] = ['### Rendered changes', ''];
  if (diff.environments.length === 0) {
    lines.push(`No rendered differences against ${code(base)} (${diff.compared} environment(s) compared).`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`Against ${code(base)}; ${diff.compared} environment(s) compared.`, '');
  lines.push(
    '| environment | status | Kubernetes added / removed / changed | Terraform added / removed / changed |',
  );
  lines.push('| --- | --- | --- | --- |');
  for (const d of diff.environments) {
    const s = (x: SideDiff) => `${x.added.length} / ${x.removed.length} / ${x.changed.length}`;
    lines.push(`| ${d.env} | ${d.status} | ${s(d.kubernetes)} | ${s(d.terraform)} |`);
  }
  for (const d of diff.environments) {
    lines.push('', `#### ${d.env}${d.status === 'changed' ? '' : ` (environment ${d.status})`}`, '');
    const items: string[] = [];
    for (const [label, side] of [
      ['Kubernetes', d.kubernetes],
      ['Terraform', d.terraform],
    ] as const) {
      for (const id of side.added) items.push(`- added ${label} ${code(id)}`);
      for (const id of side.removed) items.push(`- removed ${label} ${code(id)}`);
      for (const c of side.changed) {
        items.push(`- changed ${label} ${code(c.id)}`);
        for (const f of c.fields) items.push(`  - ${code(fieldLine(f))}`);
      }
    }
    // A whole new or removed environment lists many objects: fold them.
    if (d.status !== 'changed') {
      lines.push('<details><summary>objects</summary>', '', ...items, '', '</details>');
    } else {
      lines.push(...items);
    }
  }
  const text = `${lines.join('\n')}\n`;
  if (text.length <= limit) return text;
  // Cut at a line boundary (closing an open <details>) and say where the rest is.
  let cut = text.slice(0, limit);
  cut = cut.slice(0, cut.lastIndexOf('\n') + 1);
  const open = (cut.match(/<details>/g) ?? []).length - (cut.match(/<\/details>/g) ?? []).length;
  return `${cut}${open > 0 ? '\n</details>\n' : ''}\n… truncated at ${limit} characters: run \`npm run diff -- --base ${base}\` for the full list.\n`;
}
