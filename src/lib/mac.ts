// MAC addresses as text and bytes: strict parsing (six hex pairs, one kind of separator) and
// the canonical form.

const MAC_PATTERN = /^[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(\1[0-9A-Fa-f]{2}){4}$/;

/** `aa:bb:cc:dd:ee:ff` or `aa-bb-cc-dd-ee-ff` (any case) → six bytes. */
export function parseMac(text: string): number[] | undefined {
  if (!MAC_PATTERN.test(text)) return undefined;
  return text.split(/[:-]/).map((part) => parseInt(part, 16));
}

export function formatMac(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Lower-case, colon-separated form, or undefined when not a MAC. */
export function canonicalMac(text: string): string | undefined {
  const bytes = parseMac(text);
  return bytes === undefined ? undefined : formatMac(bytes);
}

export function isMulticastMac(bytes: readonly number[]): boolean {
  return (bytes[0] & 1) === 1;
}

export function isZeroMac(bytes: readonly number[]): boolean {
  return bytes.every((b) => b === 0);
}
