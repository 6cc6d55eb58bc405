// HTTP basic-auth credentials: Marathon's `--http_credentials user:password` (we accept a
// comma-separated list), a file with one `user:password` per line, and the check of an
// `Authorization: Basic …` header. Passwords are kept only as HMACs under a per-process random
// key and compared with timingSafeEqual against every entry, so neither timing nor a heap dump
// of this object gives a password away.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { CredentialsConfigError } from './errors';

export interface Credential { username: string; password: string }

/** No control characters (they would break header parsing or log lines), nothing empty. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function checkEntry(where: string, entry: string): Credential {
  const colon = entry.indexOf(':');
  if (colon < 0) throw new CredentialsConfigError(`${where}: expected user:password`);
  const username = entry.slice(0, colon);
  const password = entry.slice(colon + 1);
  if (username === '' || CONTROL.test(username)) throw new CredentialsConfigError(`${where}: empty user name or control characters in it`);
  if (password === '') throw new CredentialsConfigError(`${where}: empty password for user ${username}`);
  if (CONTROL.test(password)) throw new CredentialsConfigError(`${where}: control characters in the password of user ${username}`);
  return { username, password };
}

function noDuplicates(list: Credential[], where: string): Credential[] {
  const seen = new Set<string>();
  for (const c of list) {
    if (seen.has(c.username)) throw new CredentialsConfigError(`${where}: user ${c.username} is listed twice`);
    seen.add(c.username);
  }
  return list;
}

/**
 * `alice:pw1,bob:pw2` → two credentials. A user name cannot contain `:` (the password may); a
 * password containing `,` cannot be written here: use the file form.
 */
export function parseCredentialList(text: string, source = '--http_credentials'): Credential[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const parts = trimmed.split(',');
  return noDuplicates(parts.map((p, i) => checkEntry(`${source} entry ${i + 1}`, p.trim())), source);
}

/**
 * One `user:password` per line; blank lines and lines starting with `#` are skipped; the
 * password is the rest of the line (commas and colons allowed), only the line break is dropped.
 */
export function parseCredentialFile(text: string, source = '--http_credentials_file'): Credential[] {
  const out: Credential[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    out.push(checkEntry(`${source} line ${i + 1}`, line.trimStart()));
  });
  return noDuplicates(out, source);
}

/** `Basic dXNlcjpwdw==` → `{username, password}`; anything else → undefined. */
export function parseBasicAuthorization(header: string | undefined): Credential | undefined {
  if (header === undefined) return undefined;
  const m = /^Basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i.exec(header);
  if (m === null) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function basicAuthorization(c: Credential): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`;
}

/** The set of accepted users, as HMACs only. */
export class CredentialStore {
  private readonly key: Buffer;
  private readonly digests: Buffer[];
  readonly usernames: readonly string[];

  constructor(list: readonly Credential[], key: Buffer = randomBytes(32)) {
    noDuplicates([...list], 'credentials');
    this.key = key;
    this.digests = list.map((c) => this.digest(c.username, c.password));
    this.usernames = list.map((c) => c.username);
  }

  get size(): number { return this.digests.length; }

  private digest(username: string, password: string): Buffer {
    // user names have no ':', so `user:password` is unambiguous
    return createHmac('sha256', this.key).update(`${username}:${password}`, 'utf8').digest();
  }

  /** Constant time in the password and in which entry matches: every entry is compared. */
  verify(username: string, password: string): boolean {
    const given = this.digest(username, password);
    let ok = 0;
    for (const d of this.digests) ok |= timingSafeEqual(d, given) ? 1 : 0;
    return ok === 1;
  }

  /** The user an `Authorization` header proves, or undefined. */
  authenticate(header: string | undefined): string | undefined {
    const c = parseBasicAuthorization(header);
    if (c === undefined) return undefined;
    return this.verify(c.username, c.password) ? c.username : undefined;
  }
}
