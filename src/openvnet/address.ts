// IPv4, MAC and dpid parsing as the OpenVNet webapi does it (IPv4 and MAC are integers in its DB).

/** Parses a dotted IPv4 address into an unsigned 32-bit integer; null when malformed. */
export function parseIpv4(text: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  if (m === null) return null;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/** First address of the subnet `prefix` around `address`. */
export function networkAddress(address: number, prefix: number): number {
  if (prefix <= 0) return 0;
  const mask = prefix >= 32 ? 0xffffffff : (0xffffffff << (32 - prefix)) >>> 0;
  return (address & mask) >>> 0;
}

export function subnetContains(network: number, prefix: number, address: number): boolean {
  return networkAddress(address, prefix) === networkAddress(network, prefix);
}

/** Last address of the subnet. */
export function broadcastAddress(network: number, prefix: number): number {
  const size = 2 ** (32 - prefix);
  return networkAddress(network, prefix) + size - 1;
}

/**
 * Parses a MAC address (`aa:bb:cc:dd:ee:ff`, `-` separators, or 12 bare hex digits) into an
 * integer; null when malformed.
 */
export function parseMac(text: string): number | null {
  const t = text.trim().toLowerCase();
  let hex: string;
  if (/^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/.test(t)) hex = t.replace(/[:-]/g, '');
  else if (/^[0-9a-f]{12}$/.test(t)) hex = t;
  else return null;
  return parseInt(hex, 16);
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
