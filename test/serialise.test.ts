/**
 * render/yaml.ts must write exactly what the `yaml` package writes with the options the render
 * used before (the bytes of dist/ depend on it): compared on every manifest of the repository's
 * render, on values chosen for each rule, and on generated values.
 */
import { describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { sortKeys } from '../render/serialise.js';
import { yamlDocument } from '../render/yaml.js';
import { repository } from './support/repository.js';

const OPTIONS = { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false };
/** Values the key order and the member rules are about. */
const MIXED = JSON.parse(
  JSON.stringify({
    z: [1, -0, 1.5, 1e21, 1e-7, 12345678901234],
    a: { t: true, f: false, n: null, e: {}, l: [] },
    '10': 'ten',
    '9': 'nine',
    '01': 'not an index',
    '4294967295': 'not an index either',
    '4294967294': 'the last index',
    list: [[], {}, [[1, 2], { a: 1, b: [3] }], null, { x: { y: { z: 'deep' } } }],
  }).replace('"a":{', '"a":{"__proto__":{"polluted":true},'),
) as Record<string, unknown>;
Object.assign(MIXED, {
  u: undefined,
  nonFinite: [Number.NaN, Number.POSITIVE_INFINITY, -1 / 0, undefined],
  onlyUndefined: { u: undefined },
});
const reference = (value: unknown) => stringify(sortKeys(value), OPTIONS);

/** Pieces that exercise each rule: indicators, quotes, line breaks, core-schema look-alikes… */
const PIECES = [
  'a',
  'Z',
  '0',
  '9',
  ' ',
  '  ',
  '\n',
  '\n\n',
  '\t',
  ':',
  ': ',
  '#',
  ' #',
  '-',
  '- ',
  '?',
  '? ',
  "'",
  '"',
  '%',
  '@',
  '`',
  '!',
  '&',
  '*',
  '|',
  '>',
  '[',
  ']',
  '{',
  '}',
  ',',
  '.',
  'e',
  '+',
  '0x',
  '0o',
  'true',
  'null',
  '~',
  '---',
  '...',
  '.inf',
  '.nan',
  'é',
  '\u0001',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u2028',
  '\ud800',
  '😀',
  '\\',
  `\${X}`,
  'x'.repeat(30),
];

/** Deterministic pseudo-random values (a fixed seed: a failure reproduces). */
function generator(seed: number) {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const text = () => Array.from({ length: Math.floor(next() * 6) }, () => pick(PIECES)).join('');
  const value = (depth: number): unknown => {
    const r = next();
    if (depth > 3 || r < 0.45) {
      const t = next();
      if (t < 0.65) return text();
      if (t < 0.8) return pick([0, 1, -1, 1.5, -0, 1e21, 1e-7, Number.NaN, Number.POSITIVE_INFINITY, -1 / 0]);
      if (t < 0.9) return pick([true, false, null]);
      return undefined;
    }
    const n = Math.floor(next() * 4);
    if (r < 0.7) return Array.from({ length: n }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) o[next() < 0.2 ? String(Math.floor(next() * 20)) : text()] = value(depth + 1);
    return o;
  };
  return { text, value };
}

describe('YAML writer', () => {
  test('every rendered manifest is byte for byte what the yaml package writes', async () => {
    const { files, objects } = await repository();
    // The objects as parsed once for every test (one object per file).
    const manifests = [...objects.values()].flatMap((e) => [...e.kubernetes.values()]);
    expect(manifests.length).toBeGreaterThan(0);
    for (const { path, manifest } of manifests) {
      const text = files.get(path);
      expect(yamlDocument(manifest), path).toBe(text);
      expect(reference(manifest), path).toBe(text);
    }
  });

  const strings = [
    '',
    'plain',
    'true',
    'False',
    'NULL',
    '~',
    '12',
    '-3',
    '0x1F',
    '0o17',
    '1e3',
    '.5',
    '1.',
    '.inf',
    '-.Inf',
    '.NaN',
    'yes',
    'a: b',
    'a #b',
    '#a',
    '- a',
    '-',
    '? x',
    'ends with space ',
    'ends with colon:',
    '---',
    '--- x',
    '...',
    '%TAG',
    "it's",
    'say "hi"',
    `both ' and "`,
    'line\nbreak',
    'trailing break\n',
    'two trailing breaks\n\n',
    '\nleading break',
    ' leading space\nsecond',
    '\n  indented after break',
    'space before break \nx',
    'break then space\n x',
    'tab\tinside',
    '\ttab first\nx',
    'white space at the end\n  ',
    'a\n\n\nb',
    '\n\n',
    'control \u0001 character',
    'a long string with a line break in it\nand more after it to pass forty characters',
    'a long string with a line break and a space after it\n and \n\n more text',
    'a long string that ends with a line break after forty characters\n',
    'del \u007f and c1 \u0085 and nbsp \u00a0 and escape \u001b and bell \u0007 and nul \u0000',
    'lone surrogate \ud800 here',
    `\${CLUSTER_NAME}`,
    'k'.repeat(1100),
    // Double-quoted with a line break on either side of the 40-character JSON length rule.
    ...[28, 29].map((n) => `${'x'.repeat(n)}\ny\u0001`),
    ...[33, 34].map((n) => `${'x'.repeat(n)}\n  `),
  ];
  test.each(strings.map((s) => [JSON.stringify(s).slice(0, 60), s]))(
    'writes the string %s as the yaml package does, as a value, a key, in a list and alone',
    (_name, s) => {
      for (const value of [{ v: s }, { [s]: 1 }, { [s]: { a: [s, { [s]: s }] } }, [s, [s]], s]) {
        expect(yamlDocument(value)).toBe(reference(value));
      }
    },
  );

  test('numbers, booleans, null, empty and nested collections, undefined members and integer keys', () => {
    expect(yamlDocument(MIXED)).toBe(reference(MIXED));
  });

  test('generated values: the same text as the yaml package', () => {
    let compared = 0;
    for (const seed of [1, 2, 3]) {
      const g = generator(seed);
      for (let i = 0; i < 1000; i++) {
        const value = i % 3 === 0 ? g.value(0) : { root: g.value(0), [g.text()]: g.value(1) };
        if (value === undefined) continue; // the yaml package returns undefined for a bare undefined
        expect(yamlDocument(value), JSON.stringify(value)).toBe(reference(value));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(2500);
  });
});
