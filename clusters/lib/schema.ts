/**
 * A very small runtime schema: one description gives both the TypeScript type of an
 * environment definition (through `Infer`) and the checks applied when it is loaded, so a
 * field cannot be typed one way and validated another.
 *
 * Every check reports `<field path>: <reason>`; the loader prefixes the file name.
 */

export interface Issue {
  readonly path: string;
  readonly reason: string;
}

export interface Schema<T> {
  /** Human-readable description of what is expected, used in messages. */
  readonly expected: string;
  /** True when the field may be absent. */
  readonly optional: boolean;
  check(value: unknown, path: string, issues: Issue[]): value is T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

type Check<T> = (value: T) => string | undefined;

function make<T>(expected: string, test: (value: unknown) => value is T, refine: Check<T>[] = []): Schema<T> {
  return {
    expected,
    optional: false,
    check(value, path, issues): value is T {
      if (!test(value)) {
        issues.push({ path, reason: `expected ${expected}, got ${describe(value)}` });
        return false;
      }
      for (const r of refine) {
        const problem = r(value);
        if (problem) {
          issues.push({ path, reason: problem });
          return false;
        }
      }
      return true;
    },
  };
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

export function str(...refine: Check<string>[]): Schema<string> {
  return make('a string', (v): v is string => typeof v === 'string', refine);
}

export function int(opts: { min?: number; max?: number } = {}): Schema<number> {
  const { min, max } = opts;
  return make('an integer', (v): v is number => typeof v === 'number' && Number.isInteger(v), [
    (v) => (min !== undefined && v < min ? `must be at least ${min}, got ${v}` : undefined),
    (v) => (max !== undefined && v > max ? `must be at most ${max}, got ${v}` : undefined),
  ]);
}

export function num(opts: { min?: number; max?: number } = {}): Schema<number> {
  const { min, max } = opts;
  return make('a number', (v): v is number => typeof v === 'number' && Number.isFinite(v), [
    (v) => (min !== undefined && v < min ? `must be at least ${min}, got ${v}` : undefined),
    (v) => (max !== undefined && v > max ? `must be at most ${max}, got ${v}` : undefined),
  ]);
}

export function bool(): Schema<boolean> {
  return make('true or false', (v): v is boolean => typeof v === 'boolean');
}

export function oneOf<const T extends readonly string[]>(values: T): Schema<T[number]> {
  return make(
    `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`,
    (v): v is T[number] => typeof v === 'string' && (values as readonly string[]).includes(v),
  );
}

export function list<T>(
  item: Schema<T>,
  opts: { min?: number; max?: number; unique?: boolean } = {},
): Schema<readonly T[]> {
  return {
    expected: `a list of ${item.expected}`,
    optional: false,
    check(value, path, issues): value is readonly T[] {
      if (!Array.isArray(value)) {
        issues.push({ path, reason: `expected a list, got ${describe(value)}` });
        return false;
      }
      const before = issues.length;
      value.forEach((v, i) => {
        item.check(v, `${path}[${i}]`, issues);
      });
      if (issues.length > before) return false;
      if (opts.min !== undefined && value.length < opts.min) {
        issues.push({ path, reason: `needs at least ${opts.min} entries, got ${value.length}` });
        return false;
      }
      if (opts.max !== undefined && value.length > opts.max) {
        issues.push({ path, reason: `allows at most ${opts.max} entries, got ${value.length}` });
        return false;
      }
      if (opts.unique) {
        const seen = new Set<string>();
        for (const v of value) {
          const key = JSON.stringify(v);
          if (seen.has(key)) {
            issues.push({ path, reason: `entries must be unique, ${key} appears twice` });
            return false;
          }
          seen.add(key);
        }
      }
      return true;
    },
  };
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K]['optional'] extends true ? K : never }[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
export type ObjectOf<S extends Shape> = {
  readonly [K in RequiredKeys<S>]: Infer<S[K]>;
} & {
  readonly [K in OptionalKeys<S>]?: Infer<S[K]>;
};

export function obj<S extends Shape>(shape: S): Schema<ObjectOf<S>> {
  return {
    expected: 'an object',
    optional: false,
    check(value, path, issues): value is ObjectOf<S> {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        issues.push({ path, reason: `expected an object, got ${describe(value)}` });
        return false;
      }
      const record = value as Record<string, unknown>;
      const before = issues.length;
      for (const key of Object.keys(record)) {
        if (!(key in shape)) {
          issues.push({
            path: join(path, key),
            reason: `unknown field (known: ${Object.keys(shape).join(', ')})`,
          });
        }
      }
      for (const [key, schema] of Object.entries(shape)) {
        const v = record[key];
        if (v === undefined) {
          if (!schema.optional) issues.push({ path: join(path, key), reason: `required field is missing` });
          continue;
        }
        schema.check(v, join(path, key), issues);
      }
      return issues.length === before;
    },
  };
}

/** A field that may be absent. */
export function optional<T>(schema: Schema<T>): Schema<T> & { readonly optional: true } {
  return { ...schema, check: schema.check.bind(schema), optional: true };
}

/** A tagged union: the `kind` field chooses which object schema applies. */
export function variant<V extends Record<string, Schema<object>>>(
  tag: string,
  variants: V,
): Schema<{ [K in keyof V]: Infer<V[K]> }[keyof V]> {
  const names = Object.keys(variants);
  return {
    expected: `an object with ${tag} one of ${names.join(', ')}`,
    optional: false,
    check(value, path, issues): value is { [K in keyof V]: Infer<V[K]> }[keyof V] {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        issues.push({ path, reason: `expected an object, got ${describe(value)}` });
        return false;
      }
      const t = (value as Record<string, unknown>)[tag];
      const schema = typeof t === 'string' ? variants[t] : undefined;
      if (!schema) {
        issues.push({
          path: join(path, tag),
          reason: `expected one of ${names.join(', ')}, got ${describe(t)}`,
        });
        return false;
      }
      return schema.check(value, path, issues);
    },
  };
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
