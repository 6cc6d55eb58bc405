// Turns arbitrary ids (app ids contain '/', versions contain ':') into single path segments that
// are valid both as ZooKeeper node names and as file names, and back. Pure.

import { StoreInvalidError } from './store';

/**
 * Percent-encodes every byte outside [A-Za-z0-9_-], plus '.' unless `keepDots` (ZooKeeper names
 * may keep dots, which keeps addresses such as 10.0.0.1 readable; file names never do, so that
 * a document file `x.json` cannot collide with a directory named `x.json`).
 * '.' and '..' are never produced: ZooKeeper rejects them as names.
 */
export function encodeSegment(raw: string, keepDots = true): string {
  if (raw.length === 0) throw new StoreInvalidError('an id must not be empty');
  let out = '';
  for (const byte of Buffer.from(raw, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9_-]/.test(ch) || (keepDots && ch === '.')) out += ch;
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  if (out === '.' || out === '..') out = out.replace(/\./g, '%2E');
  return out;
}

export function decodeSegment(encoded: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === '%') {
      const hex = encoded.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new StoreInvalidError(`bad encoded segment: ${encoded}`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(encoded.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
