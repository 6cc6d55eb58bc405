// HTTP plumbing to /api/v1/scheduler on node:http directly. Why not axios: the SUBSCRIBE answer
// is an endless chunked body read incrementally, headers must be exactly what the master
// compares (axios adds its own Accept and may append a charset), redirects must not be followed
// automatically (the master's Location is protocol-relative and the replay is ours to decide),
// and each call needs a keep-alive pool separate from the long-lived stream connection.
import http from 'node:http';
import https from 'node:https';
import type { Clock } from '../lib/clock';
import { MesosConnectionError, MesosRedirectError, MesosStoppedError, MesosTimeoutError } from './errors';

export const SCHEDULER_PATH = '/api/v1/scheduler';

export function schedulerEndpoint(base: string): URL {
  const url = new URL(base);
  url.pathname = SCHEDULER_PATH;
  url.search = '';
  url.hash = '';
  return url;
}

/** Origin (`scheme://host:port`) of a URL. */
export function baseOf(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

/**
 * Where a 307 points. The master sends a protocol-relative `//host:port/api/v1/scheduler`: take
 * host:port from it and keep our scheme. An absolute URL is accepted as well.
 */
export function resolveRedirect(location: string | string[] | undefined, current: URL): URL {
  const text = Array.isArray(location) ? location[0] : location;
  if (!text) throw new MesosRedirectError('307 from the Mesos master without a Location header');
  let target: URL;
  try {
    target = new URL(text, current);
  } catch (err) {
    throw new MesosRedirectError(`307 with an unusable Location "${text}"`, { cause: err });
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new MesosRedirectError(`307 with an unusable Location "${text}"`);
  }
  if (!text.startsWith('//') && !/^https?:/i.test(text)) {
    // A path-only Location names no other master; keep the host we asked.
    target = new URL(target.pathname, current);
  }
  target.protocol = current.protocol;
  if (target.pathname === '/' || target.pathname === '') target.pathname = SCHEDULER_PATH;
  return target;
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface PostOptions {
  headers: Record<string, string>;
  body: Buffer;
  agent: http.Agent | undefined;
  timeoutMs: number;
  clock: Clock;
  /** Registers an abort hook so stop() can cancel in-flight calls; returns the unregister function. */
  track?: (abort: (err: Error) => void) => () => void;
}

function transportFor(url: URL): typeof http | typeof https {
  return url.protocol === 'https:' ? https : http;
}

/** One POST, whole body read. Never follows redirects, never retries. */
export function postOnce(url: URL, opts: PostOptions): Promise<HttpResult> {
  return new Promise<HttpResult>((resolve, reject) => {
    let done = false;
    const finish = (err: Error | undefined, result?: HttpResult): void => {
      if (done) return;
      done = true;
      timer.cancel();
      untrack();
      if (err) reject(err);
      else resolve(result as HttpResult);
    };
    const req = transportFor(url).request(url, { method: 'POST', headers: opts.headers, agent: opts.agent });
    const timer = opts.clock.setTimer(() => {
      const err = new MesosTimeoutError(`no answer from ${baseOf(url)} within ${opts.timeoutMs} ms`);
      req.destroy(err);
      finish(err);
    }, opts.timeoutMs);
    const untrack = opts.track?.((err) => {
      req.destroy(err);
      finish(err);
    }) ?? ((): void => undefined);
    req.on('error', (err) => {
      finish(err instanceof MesosTimeoutError || err instanceof MesosStoppedError
        ? err
        : new MesosConnectionError(`request to ${baseOf(url)} failed: ${err.message}`, { cause: err }));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => finish(new MesosConnectionError(`response from ${baseOf(url)} failed: ${err.message}`, { cause: err })));
      res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.end(opts.body);
  });
}

/** Starts the SUBSCRIBE request; the caller reads the response incrementally. */
export function openStream(url: URL, headers: Record<string, string>, body: Buffer, agent: http.Agent | undefined): http.ClientRequest {
  const req = transportFor(url).request(url, { method: 'POST', headers, agent });
  req.end(body);
  return req;
}

/** Reads a (short) error body, bounded so a misbehaving peer cannot make us buffer forever. */
export function readSmallBody(res: http.IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      if (size < limit) chunks.push(c);
      size += c.length;
    });
    const end = (): void => resolve(Buffer.concat(chunks).toString('utf8').slice(0, limit));
    res.on('end', end);
    res.on('error', end);
    res.on('close', end);
  });
}

export type CallAttempt =
  | { response: HttpResult }
  | { failure: 'stale-socket' | 'not-sent' | 'unknown'; error: Error };

const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * One POST of a call, whole answer read, with the failure classified for the retry policy
 * (call-policy.ts): a reused keep-alive socket that broke before any answer is `stale-socket`
 * (Node's documented `reusedSocket` race), a connection never established is `not-sent`, anything
 * else (reset after sending, hang up, timeout) is `unknown`. `fresh` sends on a new connection
 * outside the pool. Rejects only when the client stops.
 */
export function postCall(url: URL, opts: PostOptions & { fresh: boolean }): Promise<CallAttempt> {
  return new Promise<CallAttempt>((resolve, reject) => {
    let done = false;
    let connected = false;
    let answered = false;
    const finish = (value: CallAttempt | undefined, stop?: Error): void => {
      if (done) return;
      done = true;
      timer.cancel();
      untrack();
      if (stop) reject(stop);
      else resolve(value as CallAttempt);
    };
    const req = transportFor(url).request(url, { method: 'POST', headers: opts.headers, agent: opts.fresh ? false : opts.agent });
    req.on('socket', (socket) => {
      if (req.reusedSocket || !(socket as { connecting?: boolean }).connecting) connected = true;
      else socket.once('connect', () => { connected = true; });
    });
    const timer = opts.clock.setTimer(() => {
      const err = new MesosTimeoutError(`no answer from ${baseOf(url)} within ${opts.timeoutMs} ms`);
      req.destroy(err);
      finish(connected ? { failure: 'unknown', error: err } : { failure: 'not-sent', error: err });
    }, opts.timeoutMs);
    const untrack = opts.track?.((err) => {
      req.destroy(err);
      finish(undefined, err);
    }) ?? ((): void => undefined);
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof MesosTimeoutError || err instanceof MesosStoppedError) return; // already settled
      const error = new MesosConnectionError(`request to ${baseOf(url)} failed: ${err.message}`, { cause: err });
      if (!answered && req.reusedSocket) finish({ failure: 'stale-socket', error });
      else if (!connected || NEVER_CONNECTED.has(err.code ?? '')) finish({ failure: 'not-sent', error });
      else finish({ failure: 'unknown', error });
    });
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      const broken = (why: string): void => {
        // A 200/202 whose (empty) body was cut is still the master's yes.
        const status = res.statusCode ?? 0;
        if (status === 200 || status === 202) finish({ response: { status, headers: res.headers, body: Buffer.concat(chunks) } });
        else finish({ failure: 'unknown', error: new MesosConnectionError(`response from ${baseOf(url)} ${why}`) });
      };
      res.on('error', (err) => broken(`failed: ${err.message}`));
      res.on('aborted', () => broken('aborted'));
      res.on('end', () => finish({ response: { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) } }));
      res.on('close', () => { if (!res.complete) broken('closed before its end'); });
    });
    req.end(opts.body);
  });
}
