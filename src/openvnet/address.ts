// IPv4, MAC and dpid parsing as the OpenVNet webapi does it (IPv4 and MAC are integers in its DB).
// The maths is src/network's (ipv4.ts, mac.ts); this file keeps only what OpenVNet reads more
// leniently than we do (blanks, leading zeros, bare hex MACs) and its integer MAC encoding.
import { parseIPv4 } from '../network/ipv4';
import { parseMac as parseMacBytes } from '../network/mac';

/**
 * Parses a dotted IPv4 address into an unsigned 32-bit integer; null when malformed. Unlike
 * src/network, surrounding blanks and octets with leading zeros (`010`, read as decimal) pass.
 */
export function parseIpv4(text: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  if (m === null) return null;
  return parseIPv4(m.slice(1).map((octet) => String(Number(octet))).join('.')) ?? null;
}

/**
 * Parses a MAC address (`aa:bb:cc:dd:ee:ff`, `-` separators, or 12 bare hex digits) into an
 * integer; null when malformed.
 */
export function parseMac(text: string): number | null {
  const t = text.trim();
  const bytes = /^[0-9a-f]{12}$/i.test(t) ? t.match(/../g)!.map((b) => parseInt(b, 16)) : parseMacBytes(t);
  return bytes === undefined ? null : bytes.reduce((n, b) => n * 256 + b, 0);
}

export function formatMac(value: number): string {
  const hex = value.toString(16).padStart(12, '0');
  return hex.match(/../g)!.join(':');
}

/** dpid as OpenVNet accepts it: optional `0x`, at most 16 hex digits; normalised to `0x%016x`. */
export function normaliseDpid(text: string): string | null {
  const m = /^(0x)?([0-9a-f]{0,16})$/i.exec(text.trim());
  if (m === null) return null;
  const digits = m[2].replace(/^0+/, '').toLowerCase();
  return '0x' + digits.padStart(16, '0');
}
