// HTTPS for the API: PEM certificate and key (--ssl_cert/--ssl_key) checked at start-up, and a
// second listener that feeds the same Fastify instance (app.routing), so HTTP and HTTPS share
// every hook and route, and --disable_http leaves only the HTTPS one.
import * as fs from 'node:fs';
import * as https from 'node:https';
import { createSecureContext } from 'node:tls';
import type { FastifyBaseLogger } from 'fastify';
import { TlsConfigError, SecurityConfigError } from './errors';
import { applyServerTimeouts, DEFAULT_TIMEOUTS, type AnyFastify, type ServerTimeouts } from './plugin';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** Extra CA bundle: trusted when talking to other instances (leader forwarding). */
  caFile?: string;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

export interface FileReader {
  readFileSync(path: string): Buffer;
  statSync(path: string): { mode: number };
}

/** Group- or world-readable secrets are reported (not refused: the operator decides). */
export function looseSecretPermissions(mode: number): boolean {
  return (mode & 0o077) !== 0;
}

function read(what: string, file: string, fsr: FileReader): Buffer {
  try {
    return fsr.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new TlsConfigError(`${what} ${file}: cannot read (${code})`);
  }
}

/** Reads and checks the files; `warnings` lists loose permissions on the key. */
export function loadTlsMaterial(files: TlsFiles, fsr: FileReader = fs): { tls: TlsMaterial; warnings: string[] } {
  const cert = read('--ssl_cert', files.certFile, fsr);
  const key = read('--ssl_key', files.keyFile, fsr);
  if (!cert.toString('latin1').includes('-----BEGIN CERTIFICATE-----')) throw new TlsConfigError(`--ssl_cert ${files.certFile}: not a PEM certificate`);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key.toString('latin1'))) throw new TlsConfigError(`--ssl_key ${files.keyFile}: not a PEM private key`);
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    // OpenSSL's reason only ("key values mismatch", "bad decrypt"): never the file contents.
    const reason = (err as { reason?: string; code?: string }).reason ?? (err as { code?: string }).code ?? 'invalid';
    throw new TlsConfigError(`--ssl_cert ${files.certFile} / --ssl_key ${files.keyFile}: unusable pair (${reason})`);
  }
  const tls: TlsMaterial = { cert, key };
  if (files.caFile !== undefined) {
    const ca = read('--ssl_ca', files.caFile, fsr);
    if (!ca.toString('latin1').includes('-----BEGIN CERTIFICATE-----')) throw new TlsConfigError(`--ssl_ca ${files.caFile}: not a PEM certificate bundle`);
    tls.ca = ca;
  }
  const warnings: string[] = [];
  try {
    if (looseSecretPermissions(fsr.statSync(files.keyFile).mode)) {
      warnings.push(`--ssl_key ${files.keyFile} is readable by group or others; chmod 600 it`);
    }
  } catch { /* read above succeeded; stat failing is not worth failing start-up */ }
  return { tls, warnings };
}

export interface ListenApiOptions {
  /** HTTP port (0 = any); ignored with disableHttp. */
  httpPort: number;
  host: string;
  https?: { tls: TlsMaterial; port: number; host?: string };
  disableHttp?: boolean;
  timeouts?: Partial<ServerTimeouts>;
  /** How often Node checks header/request timeouts (default 30 s; tests shorten it). */
  timeoutCheckIntervalMs?: number;
}

export interface ApiListening {
  httpPort?: number;
  httpsPort?: number;
  /** The port others reach us by: HTTPS when enabled (credentials never cross the network in clear). */
  port: number;
  scheme: 'http' | 'https';
  /** e.g. `https://127.0.0.1:8443` (wildcard listen addresses become loopback). */
  url: string;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Creates the HTTPS listener on `app` (before it is ready). It closes with the app. */
export function attachHttpsListener<L extends FastifyBaseLogger>(app: AnyFastify<L>, tls: TlsMaterial, timeouts: ServerTimeouts, checkIntervalMs?: number): https.Server {
  const server = https.createServer({
    cert: tls.cert,
    key: tls.key,
    minVersion: 'TLSv1.2',
    ...(checkIntervalMs !== undefined ? { connectionsCheckingInterval: checkIntervalMs } : {}),
  }, (req, res) => app.routing(req, res));
  applyServerTimeouts(server, timeouts);
  app.addHook('preClose', async () => { server.closeAllConnections(); });
  app.addHook('onClose', async () => {
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return server;
}

/** Listens on HTTP, HTTPS or both, as the flags say, and tells which ports it got. */
export async function listenApi<L extends FastifyBaseLogger>(app: AnyFastify<L>, opts: ListenApiOptions): Promise<ApiListening> {
  if (opts.disableHttp === true && opts.https === undefined) {
    throw new SecurityConfigError('--disable_http needs HTTPS: give --ssl_cert and --ssl_key');
  }
  const timeouts: ServerTimeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const secure = opts.https === undefined ? undefined : attachHttpsListener(app, opts.https.tls, timeouts, opts.timeoutCheckIntervalMs);
  let httpPort: number | undefined;
  if (opts.disableHttp === true) {
    await app.ready();
  } else {
    await app.listen({ port: opts.httpPort, host: opts.host });
    const a = app.server.address();
    httpPort = typeof a === 'object' && a !== null ? a.port : opts.httpPort;
  }
  let httpsPort: number | undefined;
  if (secure !== undefined && opts.https !== undefined) {
    const host = opts.https.host ?? opts.host;
    try {
      await new Promise<void>((resolve, reject) => {
        secure.once('error', reject);
        secure.listen(opts.https?.port, host, () => { secure.off('error', reject); resolve(); });
      });
    } catch (err) {
      await app.close();
      throw err;
    }
    const a = secure.address();
    httpsPort = typeof a === 'object' && a !== null ? a.port : opts.https.port;
    return { httpPort, httpsPort, port: httpsPort, scheme: 'https', url: `https://${urlHost(host)}:${httpsPort}` };
  }
  const port = httpPort as number;
  return { httpPort, port, scheme: 'http', url: `http://${urlHost(opts.host)}:${port}` };
}
