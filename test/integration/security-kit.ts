// Shared pieces of the security tests: self-signed certificates made with the openssl CLI
// (argument arrays, private temp dir), a real HTTPS/HTTP client that trusts a given CA, and a
// log sink to check for leaked secrets.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import pino, { type Logger } from 'pino';

const run = promisify(execFile);

export interface CertFiles { dir: string; cert: string; key: string; certPem: Buffer }

/** A fresh run id and private directory for one suite. */
export function privateDir(prefix: string): { runId: string; dir: string } {
  const runId = randomBytes(3).toString('hex');
  return { runId, dir: fs.mkdtempSync(path.join(os.tmpdir(), `mvn-${prefix}-${runId}-`)) };
}

/** A self-signed P-256 certificate for `names` (DNS names and IPs), key mode 0600. */
export async function makeCert(dir: string, name: string, names: string[] = ['localhost', '127.0.0.1']): Promise<CertFiles> {
  if (!/^[a-z0-9-]{1,32}$/.test(name)) throw new Error(`bad cert name ${name}`);
  const san = names.map((n) => (/^\d+\.\d+\.\d+\.\d+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${san}`,
  ], { timeout: 20_000 });
  fs.chmodSync(key, 0o600);
  return { dir, cert, key, certPem: fs.readFileSync(cert) };
}

export interface Reply { status: number; headers: http.IncomingHttpHeaders; text: string; json<T = unknown>(): T }

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** CA to trust for https:// URLs. */
  ca?: Buffer;
  servername?: string;
  timeoutMs?: number;
}

/** One request with node's own client (not fetch): real TLS with a private CA, raw headers. */
export function request(url: string, o: RequestOptions = {}): Promise<Reply> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(u, {
      method: o.method ?? 'GET',
      headers: { Accept: 'application/json', ...(o.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...o.headers },
      agent: false,
      ...(o.ca !== undefined ? { ca: o.ca } : {}),
      ...(o.servername !== undefined ? { servername: o.servername } : {}),
      timeout: o.timeoutMs ?? 10_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(o.body);
  });
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** A pino logger whose lines are kept in `lines`. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, cb) { lines.push(chunk.toString()); cb(); } });
  return { logger: pino({ level: 'info' }, sink), lines };
}

/** A response body must not show a stack trace or a source location. */
export function assertNoStack(text: string): void {
  if (/\n\s+at .+\(.*:\d+:\d+\)|\.(ts|js):\d+:\d+/.test(text)) throw new Error(`stack trace in a response body: ${text.slice(0, 300)}`);
}
