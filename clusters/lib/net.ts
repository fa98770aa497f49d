/** IPv4 CIDR helpers used by environment validation. */

export interface Cidr {
  readonly base: number;
  readonly prefix: number;
}

export function parseCidr(text: string): Cidr | string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!m) return `${JSON.stringify(text)} is not an IPv4 CIDR like 10.0.0.0/16`;
  const octets = m.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return `${JSON.stringify(text)} has an octet above 255`;
  const prefix = Number(m[5]);
  if (prefix > 32) return `${JSON.stringify(text)} has a prefix length above 32`;
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  if (base % size !== 0)
    return `${JSON.stringify(text)} has host bits set (the network is ${format(base - (base % size), prefix)})`;
  return { base, prefix };
}

export function format(base: number, prefix: number): string {
  const o = [24, 16, 8, 0].map((s) => Math.floor(base / 2 ** s) % 256);
  return `${o.join('.')}/${prefix}`;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const aEnd = a.base + 2 ** (32 - a.prefix);
  const bEnd = b.base + 2 ** (32 - b.prefix);
  return a.base < bEnd && b.base < aEnd;
}

/** Splits `cidr` into consecutive subnets of `prefix`, returning the first `count`. */
export function subnets(cidr: string, prefix: number, count: number, offset = 0): string[] {
  const c = parseCidr(cidr);
  if (typeof c === 'string') throw new Error(c);
  if (prefix < c.prefix) throw new Error(`cannot carve /${prefix} subnets out of ${cidr}`);
  const size = 2 ** (32 - prefix);
  const available = 2 ** (prefix - c.prefix);
  if (offset + count > available) throw new Error(`${cidr} holds only ${available} /${prefix} subnets`);
  return Array.from({ length: count }, (_, i) => format(c.base + (offset + i) * size, prefix));
}
