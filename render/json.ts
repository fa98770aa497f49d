/**
 * JSON of a JSON-like value with every object's keys sorted (render/keys.ts) and two-space
 * indentation: byte-for-byte `JSON.stringify(sortKeys(value), null, 2)`, which the render used
 * before, written without building the sorted copy first (test/json.test.ts compares the two).
 * As in that copy, every object that is not an array is written as its own enumerable keys
 * (no toJSON), undefined members and `__proto__` keys are left out, and undefined or
 * non-finite numbers in arrays are null.
 */
import { sortedKeys } from './keys.js';

export function jsonDocument(value: unknown): string {
  return json(value, '') ?? 'undefined';
}

function json(value: unknown, indent: string): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'object':
      break;
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    default:
      return undefined; // undefined, functions and symbols are left out (null in arrays)
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((v) => json(v, inner) ?? 'null');
    return `[\n${inner}${items.join(`,\n${inner}`)}\n${indent}]`;
  }
  const members: string[] = [];
  for (const key of sortedKeys(value)) {
    if (key === '__proto__') continue; // the sorted copy could not hold it either
    const v = json((value as Record<string, unknown>)[key], inner);
    if (v !== undefined) members.push(`${JSON.stringify(key)}: ${v}`);
  }
  return members.length === 0 ? '{}' : `{\n${inner}${members.join(`,\n${inner}`)}\n${indent}}`;
}
