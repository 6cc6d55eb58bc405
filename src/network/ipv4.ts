// IPv4 addresses as unsigned 32-bit numbers: parsing, formatting and subnet maths.
// Parsing is strict (four decimal octets, no leading zeros) because these strings end up in
// labels, CNI results and OpenVNet calls, where a lenient reading would differ from theirs.

export interface Subnet {
  /** network address (host bits cleared) */
  network: number;
  prefix: number;
}

const OCTET = /^(0|[1-9][0-9]{0,2})$/;

export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!OCTET.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIPv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

export function isIPv4(text: string): boolean {
  return parseIPv4(text) !== undefined;
}

export function prefixToNetmask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** The prefix length of a contiguous dotted netmask, else undefined. */
export function netmaskToPrefix(mask: number): number | undefined {
  for (let prefix = 0; prefix <= 32; prefix++) if (prefixToNetmask(prefix) === mask) return prefix;
  return undefined;
}

function parsePrefix(text: string): number | undefined {
  if (!/^(0|[1-9][0-9]?)$/.test(text)) return undefined;
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
export function parseCidr(text: string): { address: number; prefix: number } | undefined {
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
