// Pure IPv4 maths for the driver: strict parsing (nothing but canonical dotted quads reaches a
// command line), prefixes, subnet membership.

export interface Cidr {
  /** Dotted, canonical. */
  ip: string;
  prefix: number;
}

const QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** The address as an unsigned 32-bit number, or null unless `s` is a canonical dotted quad. */
export function parseIpv4(s: unknown): number | null {
  if (typeof s !== 'string' || !QUAD.test(s)) return null;
  return s.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff - (2 ** (32 - prefix) - 1)) >>> 0;
}

/** `a.b.c.d/len` (len 0..32) or null. */
export function parseCidr(s: unknown): Cidr | null {
  if (typeof s !== 'string') return null;
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(s);
  if (m === null) return null;
  const prefix = Number(m[2]);
  if (parseIpv4(m[1]) === null || prefix > 32 || String(prefix) !== m[2]) return null;
  return { ip: m[1], prefix };
}

export function formatCidr(c: Cidr): string {
  return `${c.ip}/${c.prefix}`;
}

/** The network address of `ip/prefix`. */
export function networkOf(c: Cidr): Cidr {
  const ip = parseIpv4(c.ip) as number;
  return { ip: formatIpv4((ip & maskOf(c.prefix)) >>> 0), prefix: c.prefix };
}

export function inSubnet(ip: string, subnet: Cidr): boolean {
  const n = parseIpv4(ip);
  const s = parseIpv4(subnet.ip);
  if (n === null || s === null) return false;
  const mask = maskOf(subnet.prefix);
  return ((n & mask) >>> 0) === ((s & mask) >>> 0);
}

/** The subnet's own network or broadcast address (meaningless for /31 and /32). */
export function isReservedInSubnet(ip: string, subnet: Cidr): boolean {
  if (subnet.prefix >= 31) return false;
  const n = parseIpv4(ip) as number;
  const mask = maskOf(subnet.prefix);
  const host = (n & ~mask) >>> 0;
  return host === 0 || host === (~mask >>> 0);
}

/** Every host address of a CIDR, lowest first, excluding network and broadcast below /31. */
export function* hostsOf(c: Cidr): Generator<string> {
  const base = parseIpv4(networkOf(c).ip) as number;
  const size = 2 ** (32 - c.prefix);
  const first = c.prefix >= 31 ? 0 : 1;
  const last = c.prefix >= 31 ? size - 1 : size - 2;
  for (let i = first; i <= last; i++) yield formatIpv4(base + i);
}
