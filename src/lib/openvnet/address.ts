// MAC and dpid parsing as the OpenVNet webapi does it (MACs are integers in its DB). IPv4 is
// src/lib/ipv4 (`parseLenientIPv4` is OpenVNet's reading); MAC maths is src/core/network/mac.ts: this
// file keeps only what OpenVNet reads more leniently (blanks, bare hex MACs) and its integer MAC.
import { parseMac as parseMacBytes } from '../mac';

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
