/**
 * Object-level diff of two rendered trees: per environment, which Kubernetes objects and
 * Terraform blocks were added, removed or changed, and for each change a compact list of
 * field paths (`spec.template.spec.containers[vllm].image: a -> b`). Lists whose items all
 * carry a unique `name` are matched by name, others by position.
 */
import { diffWordsWithSpace, structuredPatch } from 'diff';
import microdiff from 'microdiff';
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

/** The names of a list's items, when every item is an object with a unique string `name`. */
function itemNames(items: readonly unknown[]): string[] | undefined {
  if (items.length === 0) return undefined;
  const names: string[] = [];
  for (const i of items) {
    if (!isRecord(i) || typeof i.name !== 'string') return undefined;
    names.push(i.name);
  }
  return new Set(names).size === names.length ? names : undefined;
}

/**
 * The key under which a named list keeps its order for the diff: no item name contains a NUL
 * (Kubernetes names are DNS labels; Terraform's are identifiers).
 */
const ORDER = '\u0000order';

/**
 * What microdiff compares: a copy of the value in which every list whose items all carry a
 * unique `name` is an object keyed by those names (so items match by name, not position), its
 * order kept under ORDER. `named` marks those objects; `source` maps every copied object back
 * to the value it came from, for display.
 */
interface Normalized {
  readonly named: WeakSet<object>;
  readonly source: WeakMap<object, unknown>;
}

function normalize(v: unknown, n: Normalized): unknown {
  if (Array.isArray(v)) {
    const items = v.map((i) => normalize(i, n));
    const names = itemNames(v);
    if (!names) {
      n.source.set(items, v);
      return items;
    }
    // fromEntries defines own properties: an item named `__proto__` stays an item.
    const byName = Object.fromEntries([
      ...names.map((name, i) => [name, items[i]] as const),
      [ORDER, JSON.stringify(names)],
    ]);
    n.named.add(byName);
    n.source.set(byName, v);
    return byName;
  }
  if (isRecord(v)) {
    const copy = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x, n)]));
    n.source.set(copy, v);
    return copy;
  }
  return v;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function join(path: string, key: string): string {
  if (path === '') return IDENTIFIER.test(key) ? key : `[${JSON.stringify(key)}]`;
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Field-level differences between two normalized values below `path`, in document order. */
function changes(before: unknown, after: unknown, path: string, n: Normalized): FieldChange[] {
  const list = (v: unknown) => Array.isArray(v) || (typeof v === 'object' && v !== null && n.named.has(v));
  const asArray = (v: unknown): unknown[] =>
    Array.isArray(v)
      ? v
      : Object.entries(v as Record<string, unknown>)
          .filter(([k]) => k !== ORDER)
          .map(([, x]) => x);
  const display = (v: unknown) => (typeof v === 'object' && v !== null ? (n.source.get(v) ?? v) : v);
  if (Object.is(before, after)) return [];
  const whole = [{ path: path || '(root)', before: display(before), after: display(after) }];
  if (typeof before !== 'object' || before === null || typeof after !== 'object' || after === null)
    return whole;
  // A list named on one side only (a duplicate or a missing name): compare by position.
  if (list(before) && list(after) && Array.isArray(before) !== Array.isArray(after)) {
    return changes(asArray(before), asArray(after), path, n);
  }
  // A list became a map or the other way round: one change of the whole value.
  if (list(before) !== list(after)) return whole;
  const diffs = microdiff(before as Record<string, unknown>, after as Record<string, unknown>, {
    cyclesFix: false,
  });
  const under = (prefix: readonly (string | number)[], o: { path: readonly (string | number)[] }) =>
    o.path.length > prefix.length && prefix.every((k, i) => o.path[i] === k);
  // A named list on one side and a map on the other (the order key exists on one side only):
  // one change of the whole value, nothing listed under it.
  const replaced = diffs.filter((d) => d.path[d.path.length - 1] === ORDER && d.type !== 'CHANGE');
  const out: FieldChange[] = [];
  for (const d of diffs) {
    if (replaced.some((r) => r !== d && under(r.path.slice(0, -1), d))) continue;
    // Walk both sides along the path, naming each step by the container it is in.
    let p = path;
    let a: unknown = before;
    let b: unknown = after;
    for (const key of d.path.slice(0, -1)) {
      const container = a ?? b;
      p = stepName(p, container, key, n);
      a = (a as Record<string | number, unknown> | undefined)?.[key];
      b = (b as Record<string | number, unknown> | undefined)?.[key];
    }
    const last = d.path[d.path.length - 1]!;
    const container = a ?? b;
    if (last === ORDER) {
      // Same items, new order: order matters in Kubernetes lists (containers, env), say so,
      // unless the list has other changes (added or removed items change the order too).
      if (d.type !== 'CHANGE') {
        out.push({ path: p || '(root)', before: display(a), after: display(b) });
      } else if (!diffs.some((o) => o !== d && under(d.path.slice(0, -1), o))) {
        out.push({ path: `${p}[*]`, before: JSON.parse(d.oldValue), after: JSON.parse(d.value) });
      }
      continue;
    }
    const at = stepName(p, container, last, n);
    if (d.type === 'CHANGE') out.push(...changes(d.oldValue, d.value, at, n));
    else if (d.type === 'CREATE') out.push({ path: at, before: undefined, after: display(d.value) });
    else out.push({ path: at, before: display(d.oldValue), after: undefined });
  }
  return out;
}

function stepName(path: string, container: unknown, key: string | number, n: Normalized): string {
  if (Array.isArray(container)) return `${path}[${key}]`;
  if (typeof container === 'object' && container !== null && n.named.has(container)) return `${path}[${key}]`;
  return join(path, String(key));
}

/**
 * Field-level differences between two JSON values, in document order (microdiff on a copy in
 * which lists whose items all carry a unique `name` are matched by name, others by position).
 */
export function diffValues(before: unknown, after: unknown): FieldChange[] {
  // Most objects of a pull request are unchanged: no copy for those.
  const objects =
    typeof before === 'object' && before !== null && typeof after === 'object' && after !== null;
  if (objects && microdiff(before, after, { cyclesFix: false }).length === 0) return [];
  const n: Normalized = { named: new WeakSet(), source: new WeakMap() };
  return changes(normalize(before, n), normalize(after, n), '', n);
}

/** Values up to this length are shown whole on one line; longer text gets a word or line diff. */
export const SHORT = 80;
/** Unchanged text kept on either side of a change inside a long line. */
export const WORD_CONTEXT = 30;
/** Unchanged lines kept around a changed line of a multi-line text. */
export const LINE_CONTEXT = 3;

/** One value whole: plain scalars as they are, anything else as JSON. Never cut. */
export function show(value: unknown): string {
  if (value === undefined) return '(none)';
  if (typeof value === 'string') return /^[\w./:@+-]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}

/**
 * A changed long line, word by word in `git diff --word-diff=plain` notation
 * (`[-removed-]{+added+}`): every changed word is shown; unchanged stretches longer than twice
 * WORD_CONTEXT keep WORD_CONTEXT characters next to each change and an ellipsis between.
 */
export function wordDiff(before: string, after: string): string {
  const parts = diffWordsWithSpace(before, after);
  return parts
    .map((c, i) => {
      if (c.removed) return `[-${c.value}-]`;
      if (c.added) return `{+${c.value}+}`;
      const v = c.value;
      const first = i === 0;
      const last = i === parts.length - 1;
      const keep = (first ? 0 : WORD_CONTEXT) + (last ? 0 : WORD_CONTEXT);
      if (v.length <= keep + 1) return v;
      const head = first ? '' : v.slice(0, WORD_CONTEXT);
      const tail = last ? '' : v.slice(-WORD_CONTEXT);
      return `${head}…${tail}`;
    })
    .join('');
}

/**
 * A changed multi-line text as unified-diff hunks (`@@ -a,b +c,d @@`, then ` `, `-`, `+`
 * lines) with LINE_CONTEXT unchanged lines around each change. Added or removed text is
 * every line with `+` or `-`.
 */
export function lineDiff(before: string, after: string): string[] {
  const patch = structuredPatch('before', 'after', before, after, undefined, undefined, {
    context: LINE_CONTEXT,
  });
  return patch.hunks.flatMap((h) => [
    `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`,
    ...h.lines.filter((l) => !l.startsWith('\\')),
  ]);
}

/** How one field change reads: a headline and, for multi-line text, the changed lines. */
export interface FieldView {
  /** `path: before -> after`, `path: + value`, `path: - value`, `path: ~ word diff`, or a text headline. */
  readonly line: string;
  /** Unified-diff lines of a multi-line text (empty otherwise). */
  readonly block: readonly string[];
}

const lineCount = (s: string) => s.split('\n').length - (s.endsWith('\n') ? 1 : 0);

export function fieldView(f: FieldChange): FieldView {
  const { before, after, path } = f;
  const text = (v: unknown) => typeof v === 'string' || v === undefined;
  const multiLine = (v: unknown) => typeof v === 'string' && v.includes('\n');
  if (text(before) && text(after) && (multiLine(before) || multiLine(after))) {
    const block = lineDiff(before ?? '', after ?? '');
    const removed = block.filter((l) => l.startsWith('-')).length;
    const added = block.filter((l) => l.startsWith('+')).length;
    const what =
      before === undefined
        ? `+ text of ${lineCount(after as string)} line(s)`
        : after === undefined
          ? `- text of ${lineCount(before as string)} line(s)`
          : `~ text: ${removed} line(s) removed, ${added} added`;
    return { line: `${path}: ${what}`, block };
  }
  if (before === undefined) return { line: `${path}: + ${show(after)}`, block: [] };
  if (after === undefined) return { line: `${path}: - ${show(before)}`, block: [] };
  if (
    typeof before === 'string' &&
    typeof after === 'string' &&
    Math.max(before.length, after.length) > SHORT
  ) {
    return { line: `${path}: ~ ${wordDiff(before, after)}`, block: [] };
  }
  return { line: `${path}: ${show(before)} -> ${show(after)}`, block: [] };
}

/** The headline of a field change (`path: before -> after`). */
export function fieldLine(f: FieldChange): string {
  return fieldView(f).line;
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

/** The lines of one object's entry: a headline, then one line (and maybe a text diff) per field. */
function entries(
  d: EnvironmentDiff,
): { label: string; kind: 'added' | 'removed' | 'changed'; id: string; fields: readonly FieldView[] }[] {
  const out: ReturnType<typeof entries> = [];
  for (const [label, side] of [
    ['Kubernetes', d.kubernetes],
    ['Terraform', d.terraform],
  ] as const) {
    for (const id of side.added) out.push({ label, kind: 'added', id, fields: [] });
    for (const id of side.removed) out.push({ label, kind: 'removed', id, fields: [] });
    for (const c of side.changed)
      out.push({ label, kind: 'changed', id: c.id, fields: c.fields.map(fieldView) });
  }
  return out;
}

/** Plain text for a terminal. */
export function formatText(diff: TreeDiff, base: string): string {
  if (diff.environments.length === 0) {
    return `No differences against ${base} (${diff.compared} environment(s) compared).\n`;
  }
  const lines: string[] = [`Rendered differences against ${base}:`];
  const mark = { added: '+', removed: '-', changed: '~' } as const;
  for (const d of diff.environments) {
    lines.push('', `== ${heading(d)}`);
    for (const e of entries(d)) {
      lines.push(`  ${mark[e.kind]} ${e.label} ${e.id}`);
      for (const f of e.fields) {
        lines.push(`      ${f.line}`);
        for (const l of f.block) lines.push(`        ${l}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

function code(s: string): string {
  return `\`${s.replace(/`/g, "'")}\``;
}

/** A fenced block that no backtick run inside `lines` can close. */
function fenced(lines: readonly string[], lang: string, indent: string): string[] {
  const longest = Math.max(
    0,
    ...lines.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((m) => m.length))),
  );
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${indent}${fence}${lang}`, ...lines.map((l) => `${indent}${l}`), `${indent}${fence}`];
}

/** GitHub rejects comments over 65,536 characters; stay below with room for the note. */
export const MARKDOWN_LIMIT = 60_000;

/**
 * Markdown for a pull request comment. Longer than `limit`: whole objects' entries are left out
 * from the first one that does not fit (never part of one), and a last line says how many.
 */
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
  const note = (left: number, total: number) =>
    `… ${left} of ${total} object entries left out to stay under ${limit} characters: run \`npm run diff -- --base ${base}\` for the full list.`;
  const all = diff.environments.map((d) => ({ d, items: entries(d) }));
  const total = all.reduce((n, x) => n + x.items.length, 0);
  // Room for the note and for closing an open <details>.
  const budget = limit - note(total, total).length - '\n\n</details>\n\n'.length;
  let size = lines.join('\n').length + 1;
  let left = 0;
  const add = (more: string[]): boolean => {
    const cost = more.join('\n').length + 1;
    if (left > 0 || size + cost > budget) return false;
    lines.push(...more);
    size += cost;
    return true;
  };
  for (const { d, items } of all) {
    // A whole new or removed environment lists many objects: fold them.
    const fold = d.status !== 'changed';
    if (!add(['', `#### ${d.env}${fold ? ` (environment ${d.status})` : ''}`, ''])) {
      left += items.length;
      continue;
    }
    if (fold) {
      lines.push('<details><summary>objects</summary>', '');
      size += '<details><summary>objects</summary>\n\n'.length;
    }
    for (const e of items) {
      const item = [`- ${e.kind} ${e.label} ${code(e.id)}`];
      for (const f of e.fields) {
        item.push(`  - ${code(f.line)}`);
        if (f.block.length) item.push('', ...fenced(f.block, 'diff', '    '), '');
      }
      if (!add(item)) left++;
    }
    if (fold) lines.push('', '</details>');
  }
  if (left > 0) lines.push('', note(left, total));
  return `${lines.join('\n')}\n`;
}
