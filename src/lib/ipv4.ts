// The one IPv4 module of src/ and driver/: text is read and checked by ipaddr.js; the maths is
// on unsigned 32-bit numbers (cheap in the loops of IPAM and link allocation).
// Strict parsing (four decimal octets, no leading zeros, no blanks) is the default because these
// strings end up in labels, CNI results, command lines and OpenVNet calls, where a lenient reading
// would differ from theirs. `parseLenientIPv4` is OpenVNet's own, looser reading.
import * as ipaddr from 'ipaddr.js';

/** A subnet as numbers: the network address (host bits cleared) and its prefix length. */
export interface Subnet {
  network: number;
  prefix: number;
}

/** An address and prefix as text, host bits kept (`10.1.2.3/8`): the driver's configuration form. */
export interface Cidr {
  /** dotted, canonical */
  ip: string;
  prefix: number;
}

const PREFIX = /^(0|[1-9][0-9]?)$/;

function toNumber(bytes: number[]): number {
  return ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
}

/** Netmask of every prefix length 0..32. */
const MASKS: readonly number[] = Array.from({ length: 33 }, (_, prefix) => toNumber(ipaddr.IPv4.subnetMaskFromPrefixLength(prefix).toByteArray()));

/** A canonical dotted quad → unsigned 32-bit number; undefined for anything else (non-strings too). */
export function parseIPv4(text: unknown): number | undefined {
  if (typeof text !== 'string' || !ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
  return toNumber(ipaddr.IPv4.parse(text).toByteArray());
}

export function isIPv4(text: unknown): boolean {
  return parseIPv4(text) !== undefined;
}

/**
 * OpenVNet's reading: surrounding blanks and octets with leading zeros (`010`, read as decimal)
 * pass; still four octets of at most 255.
 */
export function parseLenientIPv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  if (m === null) return undefined;
  return parseIPv4(m.slice(1).map((octet) => String(Number(octet))).join('.'));
}

export function formatIPv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/**
 * The address as Mesos' MasterInfo.ip carries it: network byte order read as a little-endian
 * uint32 (a byte swap, so it also turns MasterInfo.ip back into the address).
 */
export function toNetworkOrderUint32(value: number): number {
  return (((value >>> 24) & 255) | (((value >>> 16) & 255) << 8) | (((value >>> 8) & 255) << 16) | ((value & 255) << 24)) >>> 0;
}

export function prefixToNetmask(prefix: number): number {
  return MASKS[prefix];
}

/** The prefix length of a contiguous netmask, else undefined. */
export function netmaskToPrefix(mask: number): number | undefined {
  const prefix = MASKS.indexOf(mask >>> 0);
  return prefix < 0 ? undefined : prefix;
}

function parsePrefix(text: string): number | undefined {
  if (!PREFIX.test(text)) return undefined;
  const prefix = Number(text);
  return prefix <= 32 ? prefix : undefined;
}

/** A netmask given as `255.255.255.0`, `24` or `/24` → prefix length. */
export function parseNetmask(text: string): number | undefined {
  if (text.includes('.')) {
    const mask = parseIPv4(text);
    return mask === undefined ? undefined : netmaskToPrefix(mask);
  }
  return parsePrefix(text.startsWith('/') ? text.slice(1) : text);
}

/** `a.b.c.d/len` → address and prefix (host bits kept). */
export function parseCidr(text: unknown): { address: number; prefix: number } | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIPv4(text.slice(0, slash));
  const prefix = parsePrefix(text.slice(slash + 1));
  if (address === undefined || prefix === undefined) return undefined;
  return { address, prefix };
}

/** `a.b.c.d` or `a.b.c.d/len` → address and optional prefix. */
export function parseAddressWithPrefix(text: string): { address: number; prefix?: number } | undefined {
  if (!text.includes('/')) {
    const address = parseIPv4(text);
    return address === undefined ? undefined : { address };
  }
  return parseCidr(text);
}

export function networkOf(address: number, prefix: number): number {
  return (address & prefixToNetmask(prefix)) >>> 0;
}

export function broadcastOf(address: number, prefix: number): number {
  return (networkOf(address, prefix) | (~prefixToNetmask(prefix) >>> 0)) >>> 0;
}

/** A subnet from `a.b.c.d/len`; host bits are cleared (OpenVNet stores the network address). */
export function parseSubnet(text: string): Subnet | undefined {
  const cidr = parseCidr(text);
  if (cidr === undefined) return undefined;
  return { network: networkOf(cidr.address, cidr.prefix), prefix: cidr.prefix };
}

export function formatSubnet(subnet: Subnet): string {
  return `${formatIPv4(subnet.network)}/${subnet.prefix}`;
}

/** True when the CIDR's address has no host bits set (`10.0.0.0/8`, not `10.0.0.1/8`). */
export function isCanonicalCidr(text: string): boolean {
  const cidr = parseCidr(text);
  return cidr !== undefined && networkOf(cidr.address, cidr.prefix) === cidr.address;
}

export function subnetContains(subnet: Subnet, address: number): boolean {
  return networkOf(address, subnet.prefix) === subnet.network;
}

/**
 * The network and broadcast addresses cannot be given to a host, except in /31 and /32 where
 * every address is usable (RFC 3021).
 */
export function isHostAddress(subnet: Subnet, address: number): boolean {
  if (!subnetContains(subnet, address)) return false;
  if (subnet.prefix >= 31) return true;
  return address !== subnet.network && address !== broadcastOf(subnet.network, subnet.prefix);
}

// The text form (`Cidr`), for configurations that keep addresses as strings.

/** `a.b.c.d/len` (len 0..32, canonical address) → its text form, or null. */
export function parseCidrText(text: unknown): Cidr | null {
  const cidr = parseCidr(text);
  return cidr === undefined ? null : { ip: formatIPv4(cidr.address), prefix: cidr.prefix };
}

export function formatCidr(c: Cidr): string {
  return `${c.ip}/${c.prefix}`;
}

/** The numeric subnet of a text CIDR (host bits cleared). */
export function subnetOf(c: Cidr): Subnet {
  return { network: networkOf(parseIPv4(c.ip) ?? 0, c.prefix), prefix: c.prefix };
}

/** The network address of `ip/prefix`, as text. */
export function cidrNetwork(c: Cidr): Cidr {
  return { ip: formatIPv4(subnetOf(c).network), prefix: c.prefix };
}

/** Whether the dotted address `ip` lies in `c` (false for a malformed address). */
export function cidrContains(c: Cidr, ip: string): boolean {
  const address = parseIPv4(ip);
  return address !== undefined && parseIPv4(c.ip) !== undefined && subnetContains(subnetOf(c), address);
}

/**
 * Whether the host bits of `ip` under `c`'s prefix are all zeros or all ones: the network or
 * broadcast address when `ip` lies in `c` (meaningless, so false, for /31 and /32).
 */
export function isNetworkOrBroadcast(c: Cidr, ip: string): boolean {
  const address = parseIPv4(ip);
  if (c.prefix >= 31 || address === undefined) return false;
  return address === networkOf(address, c.prefix) || address === broadcastOf(address, c.prefix);
}

/** Every host address of a CIDR, lowest first, excluding network and broadcast below /31. */
export function* cidrHosts(c: Cidr): Generator<string> {
  const base = subnetOf(c).network;
  const size = 2 ** (32 - c.prefix);
  const first = c.prefix >= 31 ? 0 : 1;
  const last = c.prefix >= 31 ? size - 1 : size - 2;
  for (let i = first; i <= last; i++) yield formatIPv4(base + i);
}
