/**
 * A YAML writer for JSON-like values (plain objects, arrays, strings, numbers, booleans, null)
 * whose output is byte-for-byte what the `yaml` package (2.9.1, pinned in package.json) writes
 * for the same value with `stringify(value, { lineWidth: 0, minContentWidth: 0,
 * aliasDuplicateObjects: false })`, keys sorted. The render used that call before; this writer
 * builds the text directly instead of a document tree, about seven times faster (see
 * docs/performance.md), and test/yaml.test.ts compares the two on every rendered object and on
 * generated values.
 *
 * The rules below are the output rules of yaml@2.9.1 for those options, read in its sources
 * (github.com/eemeli/yaml, tag v2.9.1: src/stringify/stringifyString.ts, stringify.ts,
 * stringifyPair.ts, stringifyCollection.ts, stringifyNumber.ts, src/schema/core/*.ts,
 * src/schema/common/null.ts). With `lineWidth: 0` nothing is folded, so multi-line strings are
 * always literal blocks (`|`) and quoted strings stay on one line unless they hold line breaks.
 */

import { sortedKeys } from './keys.js';

const STEP = '  ';

/** YAML text of `value` with every object's keys sorted and undefined members left out. */
export function yamlDocument(value: unknown): string {
  return `${node(value, '')}\n`;
}

/** A value at a collection indent `indent` (the indent its own lines continue at). */
function node(value: unknown, indent: string): string {
  if (Array.isArray(value)) return sequence(value, indent);
  if (value !== null && typeof value === 'object') return mapping(value, indent);
  return scalar(value, indent);
}

function mapping(value: object, indent: string): string {
  const lines: string[] = [];
  for (const key of sortedKeys(value)) {
    const v = (value as Record<string, unknown>)[key];
    // Undefined members and `__proto__` keys are left out, as the sorted copy left them out.
    if (v !== undefined && key !== '__proto__') lines.push(pair(key, v, indent));
  }
  return lines.length === 0 ? '{}' : lines.join(`\n${indent}`);
}

function sequence(value: readonly unknown[], indent: string): string {
  if (value.length === 0) return '[]';
  const inner = indent + STEP;
  return value.map((item) => `- ${node(item, inner)}`).join(`\n${indent}`);
}

function pair(key: string, value: unknown, indent: string): string {
  const inner = indent + STEP;
  const k = string(key, inner, true);
  // A key longer than 1024 characters cannot be an implicit key: `? key` then `: value`.
  const explicit = k.length > 1024;
  const head = explicit ? `? ${k}\n${indent}:` : `${k}:`;
  if (value !== null && typeof value === 'object') {
    const body = node(value, inner);
    // A block collection starts on its own line; an empty one stays inline (`{}`, `[]`).
    const empty = body === '{}' || body === '[]';
    return `${head}${explicit || empty ? ' ' : `\n${inner}`}${body}`;
  }
  return `${head} ${scalar(value, inner)}`;
}

/** A scalar value (never a key) at `indent`. */
function scalar(value: unknown, indent: string): string {
  switch (typeof value) {
    case 'string':
      return string(value, indent, false);
    case 'number':
      if (!Number.isFinite(value)) return Number.isNaN(value) ? '.nan' : value < 0 ? '-.inf' : '.inf';
      return Object.is(value, -0) ? '-0' : JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return String(value);
    case 'undefined':
      return 'null';
    default:
      if (value === null) return 'null';
      throw new TypeError(`cannot write a ${typeof value} as YAML`);
  }
}

/** C0 and C1 control characters, DEL and unpaired surrogates: only double quotes can hold them. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const NEEDS_ESCAPES = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;
/** Not allowed in a plain scalar: an indicator first, `: ` or ` #` inside, a space or `:` last… */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
/** A line that a YAML 1.1 reader would take for a directive or a document marker. */
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;
/** Plain scalars that the YAML 1.2 core schema reads as null, a boolean or a number. */
const CORE_NOT_STRING = [
  /^(?:~|[Nn]ull|NULL)?$/,
  /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
  /^0o[0-7]+$/,
  /^[-+]?[0-9]+$/,
  /^0x[0-9a-fA-F]+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
];
/** Plain when nothing in it needs a second look (the common case, checked first). */
const SIMPLY_PLAIN = /^[A-Za-z_/][\w./-]*$/;

/** A string scalar: plain where it reads back as the same string, else block or quoted. */
function string(value: string, indent: string, implicitKey: boolean): string {
  if (SIMPLY_PLAIN.test(value) && !CORE_NOT_STRING[0]!.test(value) && !CORE_NOT_STRING[1]!.test(value)) {
    return value;
  }
  if (NEEDS_ESCAPES.test(value)) return doubleQuoted(value, indent, implicitKey);
  const multiLine = value.includes('\n');
  if (implicitKey && multiLine) return quoted(value, indent, implicitKey);
  if (NOT_PLAIN.test(value)) {
    return implicitKey || !multiLine ? quoted(value, indent, implicitKey) : block(value, indent, false);
  }
  if (multiLine) return block(value, indent, false);
  if (DOCUMENT_MARKER.test(value)) {
    // A marker at the document's top level (no indent) goes into an indented block.
    if (indent === '') return block(value, indent, true);
    if (implicitKey && indent === STEP) return quoted(value, indent, implicitKey);
  }
  if (CORE_NOT_STRING.some((re) => re.test(value))) return quoted(value, indent, implicitKey);
  return value;
}

/** Single quotes for a string with double quotes and no single ones, else double quotes. */
function quoted(value: string, indent: string, implicitKey: boolean): string {
  return value.includes('"') && !value.includes("'")
    ? singleQuoted(value, indent, implicitKey)
    : doubleQuoted(value, indent, implicitKey);
}

function markerIndent(value: string, indent: string): string {
  return indent || (DOCUMENT_MARKER.test(value) ? STEP : '');
}

function singleQuoted(value: string, indent: string, implicitKey: boolean): string {
  // Single quotes cannot keep white space next to a line break, nor a line break in a key.
  if ((implicitKey && value.includes('\n')) || /[ \t]\n|\n[ \t]/.test(value)) {
    return doubleQuoted(value, indent, implicitKey);
  }
  const lineIndent = markerIndent(value, indent);
  // Inside single quotes a run of n line breaks is written as n + 1 (one is folded away).
  const body = value.replace(/'/g, "''").replace(/\n+/g, (breaks) => `${breaks}\n${lineIndent}`);
  return `'${body}'`;
}

/** YAML's short escapes for characters that JSON writes as \u00XX (or could). */
const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '0000': '\\0',
  '0007': '\\a',
  '000b': '\\v',
  '001b': '\\e',
  '0085': '\\N',
  '00a0': '\\_',
  '2028': '\\L',
  '2029': '\\P',
};

/**
 * Double quotes: JSON's escaping with YAML's shorter escapes. In a value (not a key) whose JSON
 * form is at least 40 characters, a line break that is not the last character is written as a
 * real line break (doubled, since one is folded away) followed by the indent, with a space
 * before or after it escaped so that folding keeps it.
 */
function doubleQuoted(value: string, indent: string, implicitKey: boolean): string {
  const json = JSON.stringify(value);
  const lineIndent = markerIndent(value, indent);
  const breakLines = !implicitKey && json.length >= 40;
  let out = '';
  let from = 0;
  for (let i = 0; i < json.length; i++) {
    if (json[i] === ' ' && json[i + 1] === '\\' && json[i + 2] === 'n') {
      // A space before an escaped line break: `\ ` (escaped space), then the break itself.
      out += `${json.slice(from, i)}\\ `;
      from = i + 1;
      i += 1;
    } else if (json[i] !== '\\') {
      continue;
    }
    const next = json[i + 1];
    if (next === 'u') {
      const code = json.slice(i + 2, i + 6);
      out +=
        json.slice(from, i) +
        (SHORT_ESCAPES[code] ?? (code.startsWith('00') ? `\\x${code.slice(2)}` : json.slice(i, i + 6)));
      i += 5;
      from = i + 1;
    } else if (next === 'n' && breakLines && json[i + 2] !== '"') {
      out += `${json.slice(from, i)}\n\n`;
      while (json[i + 2] === '\\' && json[i + 3] === 'n' && json[i + 4] !== '"') {
        out += '\n';
        i += 2;
      }
      out += lineIndent;
      if (json[i + 2] === ' ') out += '\\';
      i += 1;
      from = i + 1;
    } else {
      i += 1;
    }
  }
  return from === 0 ? json : out + json.slice(from);
}

/** `|` literal block with chomping (`-` strip, none clip, `+` keep) and indentation indicators. */
function block(value: string, indent: string, forceIndent: boolean): string {
  // A block cannot end in white space after its last line break: quote it instead.
  if (/\n[\t ]+$/.test(value)) return quoted(value, indent, false);
  if (!value) return '|\n';
  const lineIndent = indent || (forceIndent || DOCUMENT_MARKER.test(value) ? STEP : '');
  let endStart = value.length;
  while (endStart > 0 && ' \t\n'.includes(value[endStart - 1]!)) endStart--;
  let end = value.slice(endStart);
  const firstEndBreak = end.indexOf('\n');
  const chomp = firstEndBreak === -1 ? '-' : value === end || firstEndBreak !== end.length - 1 ? '+' : '';
  let text = value;
  if (end) {
    text = value.slice(0, endStart);
    if (end.endsWith('\n')) end = end.slice(0, -1);
    // Runs of line breaks inside the trailing white space get the indent after them.
    end = end.replace(/(^|(?<!\n))\n+(?!\n|$)/g, (breaks) => breaks + lineIndent);
  }
  // Leading white space: spaces make the indentation explicit; leading breaks are kept.
  let startsWithSpace = false;
  let lastLeadingBreak = -1;
  let leadEnd = 0;
  for (; leadEnd < text.length; leadEnd++) {
    const ch = text[leadEnd];
    if (ch === ' ') startsWithSpace = true;
    else if (ch === '\n') lastLeadingBreak = leadEnd;
    else break;
  }
  let start = text.slice(0, lastLeadingBreak < leadEnd ? lastLeadingBreak + 1 : leadEnd);
  if (start) {
    text = text.slice(start.length);
    start = start.replace(/\n+/g, (breaks) => breaks + lineIndent);
  }
  const header = (startsWithSpace ? (lineIndent ? '2' : '1') : '') + chomp;
  const body = text.replace(/\n+/g, (breaks) => breaks + lineIndent);
  return `|${header}\n${lineIndent}${start}${body}${end}`;
}
