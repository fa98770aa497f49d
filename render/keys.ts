/**
 * The key order of every rendered file: sorted, except that keys which are array indices
 * ("0", "12") come first in numeric order. That is the order JavaScript itself gives the keys of
 * an object built by inserting them sorted (array-index keys always enumerate first, in
 * ascending order: https://tc39.es/ecma262/#sec-ordinaryownpropertykeys), which is what the
 * YAML files held when the `yaml` package wrote a sorted copy (serialise.ts's sortKeys).
 */
export function sortedKeys(value: object): string[] {
  const keys = Object.keys(value);
  // Object.keys lists array-index keys first, in numeric order: if the first is not one, none is.
  const first = keys[0];
  if (first === undefined || !isArrayIndex(first)) return keys.sort();
  let n = 1;
  while (n < keys.length && isArrayIndex(keys[n]!)) n++;
  return [...keys.slice(0, n), ...keys.slice(n).sort()];
}

/** "0", "1", … up to 2^32 - 2 in canonical form: the keys JavaScript orders numerically. */
function isArrayIndex(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 48 && c <= 57 && /^(?:0|[1-9][0-9]*)$/.test(key) && Number(key) < 4294967295;
}
