/**
 * A small runtime schema for environment files. Each schema checks an input value and returns
 * the resolved value: the same data with every default filled in. The TypeScript shapes are
 * written as documented interfaces (clusters/lib/environment.ts) and each object schema is
 * typed against its interfaces, so a field that is declared but not checked, checked but not
 * declared, optional in one and required in the other, or of another type, is a compile error.
 *
 * Every problem is reported as `{ path, reason }`; the loader adds the file and the environment.
 */

export interface Issue {
  readonly path: string;
  readonly reason: string;
}

/** Returned by `parse` when the value is invalid (its issues are pushed). */
export const INVALID: unique symbol = Symbol('invalid');
export type Parsed<T> = T | typeof INVALID;

/** How an object field may be absent: not at all, as `undefined`, or replaced by a default. */
export type Presence = 'required' | 'optional' | 'default';

/**
 * Checks values of type `In` (what an environment file writes) and resolves them to `Out`
 * (what the constructs receive). `P` says whether the field may be absent.
 */
export interface Schema<In, Out = In, P extends Presence = 'required'> {
  /** Human-readable description of what is expected, used in messages. */
  readonly expected: string;
  readonly presence: P;
  /** The value an absent field resolves to (presence `default`). */
  readonly fallback?: Out;
  parse(value: unknown, path: string, issues: Issue[]): Parsed<Out>;
  /** Type-level only: the input type (never set). */
  readonly __in?: In;
}

type Refine<T> = (value: T) => string | undefined;

function leaf<T>(expected: string, test: (value: unknown) => value is T, refine: readonly Refine<T>[] = []) {
  const schema: Schema<T> = {
    expected,
    presence: 'required',
    parse(value, path, issues) {
      if (!test(value)) {
        issues.push({ path, reason: `expected ${expected}, got ${describe(value)}` });
        return INVALID;
      }
      for (const r of refine) {
        const problem = r(value);
        if (problem) {
          issues.push({ path, reason: problem });
          return INVALID;
        }
      }
      return value;
    },
  };
  return schema;
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

export function str<T extends string = string>(...refine: Refine<string>[]): Schema<T> {
  return leaf('a string', (v): v is T => typeof v === 'string', refine);
}

/**
 * The range a number field accepts. Both ends are required: every number an environment writes
 * is bounded by what AWS or Kubernetes accepts, or by a project limit (clusters/lib/environment.ts
 * names the source of each). `why` says where the upper bound comes from; messages show it.
 */
export interface Range {
  readonly min: number;
  readonly max: number;
  readonly why?: string;
}

function bounds({ min, max, why }: Range): Refine<number>[] {
  return [
    (v) => (v < min ? `must be at least ${min}, got ${v}` : undefined),
    (v) => (v > max ? `must be at most ${max}${why ? ` (${why})` : ''}, got ${v}` : undefined),
  ];
}

/** An integer in `range` (at most 2^53-1, the largest integer a JavaScript number holds exactly). */
export function int(range: Range, ...refine: Refine<number>[]): Schema<number> {
  if (!(range.max <= Number.MAX_SAFE_INTEGER)) {
    throw new Error(`int(): max ${range.max} is above Number.MAX_SAFE_INTEGER`);
  }
  return leaf('an integer', (v): v is number => typeof v === 'number' && Number.isInteger(v), [
    ...bounds(range),
    ...refine,
  ]);
}

/** A finite number in `range`. */
export function num(range: Range): Schema<number> {
  return leaf('a number', (v): v is number => typeof v === 'number' && Number.isFinite(v), bounds(range));
}

export function bool(): Schema<boolean> {
  return leaf('true or false', (v): v is boolean => typeof v === 'boolean');
}

export function oneOf<const T extends readonly string[]>(values: T): Schema<T[number]> {
  return leaf(
    `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`,
    (v): v is T[number] => typeof v === 'string' && (values as readonly string[]).includes(v),
  );
}

export interface ListOptions<T> {
  readonly min?: number;
  readonly max?: number;
  /** Where `max` comes from, shown in the message. */
  readonly why?: string;
  /** Entries must differ (whole values compared). */
  readonly unique?: boolean;
  /** Entries must differ in this field (e.g. `name`). */
  readonly uniqueBy?: { readonly field: string; readonly key: (item: T) => string };
}

export function list<In, Out>(
  item: Schema<In, Out>,
  opts: ListOptions<Out> = {},
): Schema<readonly In[], readonly Out[]> {
  return {
    expected: `a list of ${item.expected}`,
    presence: 'required',
    parse(value, path, issues) {
      if (!Array.isArray(value)) {
        issues.push({ path, reason: `expected a list, got ${describe(value)}` });
        return INVALID;
      }
      const out: Out[] = [];
      let ok = true;
      value.forEach((v, i) => {
        const parsed = item.parse(v, `${path}[${i}]`, issues);
        if (parsed === INVALID) ok = false;
        else out.push(parsed);
      });
      if (!ok) return INVALID;
      if (opts.min !== undefined && out.length < opts.min) {
        issues.push({ path, reason: `needs at least ${opts.min} entries, got ${out.length}` });
        return INVALID;
      }
      if (opts.max !== undefined && out.length > opts.max) {
        const why = opts.why ? ` (${opts.why})` : '';
        issues.push({ path, reason: `allows at most ${opts.max} entries${why}, got ${out.length}` });
        return INVALID;
      }
      const by = opts.uniqueBy;
      const key = by?.key ?? (opts.unique ? (v: Out) => JSON.stringify(v) : undefined);
      if (key) {
        const seen = new Map<string, number>();
        for (const [i, v] of out.entries()) {
          const k = key(v);
          const first = seen.get(k);
          if (first !== undefined) {
            issues.push(
              by
                ? {
                    path: join(`${path}[${i}]`, by.field),
                    reason: `${JSON.stringify(k)} is already used by ${path}[${first}]`,
                  }
                : { path, reason: `entries must be unique, ${k} appears twice` },
            );
            return INVALID;
          }
          seen.set(k, i);
        }
      }
      return out;
    },
  };
}

/** A field that may be absent; it resolves to `undefined` (the feature is off). */
export function optional<In, Out>(schema: Schema<In, Out>): Schema<In, Out | undefined, 'optional'> {
  return { ...schema, parse: schema.parse.bind(schema), presence: 'optional' };
}

/** A field that may be absent; it resolves to `fallback`. */
export function withDefault<In, Out>(schema: Schema<In, Out>, fallback: Out): Schema<In, Out, 'default'> {
  return { ...schema, parse: schema.parse.bind(schema), presence: 'default', fallback };
}

/** The field schema an object field of input type `I` and resolved type `O` needs. */
export type FieldSchema<I, O> = undefined extends I
  ? undefined extends O
    ? Schema<Exclude<I, undefined>, O, 'optional'>
    : Schema<Exclude<I, undefined>, O, 'default'>
  : Schema<I, O, 'required'>;

/** One field schema per key of the input interface `I`, resolving to the same key of `O`. */
export type Shape<I, O> = { readonly [K in keyof I & keyof O]-?: FieldSchema<I[K], O[K]> };

/**
 * An object of input interface `I` resolving to `O`. Unknown fields are errors (a misspelt
 * optional field would otherwise be ignored silently).
 */
export function obj<I extends object, O extends object = I>(
  shape: Shape<I, O> & Record<Exclude<keyof I, keyof O>, never> & Record<Exclude<keyof O, keyof I>, never>,
): Schema<I, O> {
  const fields = Object.entries(shape) as [string, Schema<unknown, unknown, Presence>][];
  return {
    expected: 'an object',
    presence: 'required',
    parse(value, path, issues) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        issues.push({ path, reason: `expected an object, got ${describe(value)}` });
        return INVALID;
      }
      const record = value as Record<string, unknown>;
      const before = issues.length;
      for (const key of Object.keys(record)) {
        if (!Object.hasOwn(shape, key)) {
          issues.push({
            path: join(path, key),
            reason: `unknown field (known: ${fields.map(([k]) => k).join(', ')})`,
          });
        }
      }
      const out: Record<string, unknown> = {};
      for (const [key, schema] of fields) {
        const v = record[key];
        if (v === undefined) {
          if (schema.presence === 'required') {
            issues.push({ path: join(path, key), reason: 'required field is missing' });
          } else if (schema.presence === 'default') {
            out[key] = schema.fallback;
          }
          continue;
        }
        const parsed = schema.parse(v, join(path, key), issues);
        if (parsed !== INVALID) out[key] = parsed;
      }
      return issues.length === before ? (out as O) : INVALID;
    },
  };
}

/**
 * A tagged union: the string field `tag` chooses which object schema applies. Each variant's
 * schema checks the tag field too (as `oneOf([name])`).
 */
export function variant<U extends object, O extends object>(
  tag: string,
  variants: Readonly<Record<string, Schema<U, O>>>,
): Schema<U, O> {
  const names = Object.keys(variants);
  return {
    expected: `an object with ${tag} one of ${names.join(', ')}`,
    presence: 'required',
    parse(value, path, issues) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        issues.push({ path, reason: `expected an object, got ${describe(value)}` });
        return INVALID;
      }
      const t = (value as Record<string, unknown>)[tag];
      const schema = typeof t === 'string' && Object.hasOwn(variants, t) ? variants[t] : undefined;
      if (!schema) {
        issues.push({
          path: join(path, tag),
          reason: `expected one of ${names.map((n) => JSON.stringify(n)).join(', ')}, got ${describe(t)}`,
        });
        return INVALID;
      }
      return schema.parse(value, path, issues);
    },
  };
}

export function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
