// How scheduler calls travel: one POST per attempt, on undici's keep-alive pools (one per master
// origin) instead of node:http's Agent. In a launch storm every task costs two ACKNOWLEDGEs, and
// node:http's request machinery (ClientRequest, OutgoingMessage, the Agent's socket bookkeeping)
// was the largest part of the scheduler's CPU per task; undici's dispatcher writes a call with one
// corked write and reads the answer with less per-request work (measured in DESIGN-NOTES, issue 21).
// The SUBSCRIBE stream stays on node:http (master-http.ts): it is one long request.
//
// An attempt ends with the answer, or classified for the retry policy (call-policy.ts):
// - not-sent: the request never reached a connected socket (refused, unreachable, given up
//   while waiting for a connection): nothing reached the master.
// - stale-socket: the master closed a pooled socket that had carried earlier answers, before any
//   answer to this call (the keep-alive race: it closed the socket while idle as we wrote). Told by
//   undici's "other side closed" error, whose socket had read bytes before ours came.
// - unknown: any other break after the request was handed to its socket (a reset, say, which
//   undici reports without the socket), or no answer in time: the master may or may not have acted.
import { Client, Pool, type Dispatcher } from 'undici';
import type { Clock } from '../lib/clock';
import { MesosConnectionError, MesosTimeoutError } from './errors';
import { baseOf, type HttpResult } from './master-http';

export type CallAttempt =
  | { response: HttpResult }
  | { failure: 'not-sent' | 'stale-socket' | 'unknown'; error: Error };

const EMPTY = Buffer.alloc(0);

const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN']);

/** Keep-alive pools for calls, one per master origin (a 307 may move calls to another master). */
export class CallPools {
  private readonly pools = new Map<string, Pool>();
  private closed = false;

  /** `connections`: sockets per master (the call gate keeps at most that many calls in flight). */
  constructor(private readonly connections: number) {}

  /** The pool for `url`'s origin. */
  for(url: URL): Pool {
    if (this.closed) throw new MesosConnectionError('call pools are closed');
    const origin = baseOf(url);
    let pool = this.pools.get(origin);
    if (pool === undefined) {
      // Our own deadline (postCall's timer, on the injected clock) is the only one: undici's are off.
      pool = new Pool(origin, { connections: this.connections, pipelining: 1, headersTimeout: 0, bodyTimeout: 0 });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  /** Closes every socket; calls still in flight end with an error. */
  async destroy(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }
}

export interface CallOptions {
  headers: Record<string, string>;
  body: Buffer;
  /** A new connection of its own, closed after the answer (`Connection: close`), outside the pools. */
  fresh: boolean;
  pools: CallPools;
  timeoutMs: number;
  clock: Clock;
  /** Registers an abort hook so stop() can cancel in-flight calls; returns the unregister function. */
  track?: (abort: (err: Error) => void) => () => void;
}

/** Response headers as node:http gives them: lower-case names, repeated ones joined (set-cookie aside, none matter here). */
function headerRecord(raw: Buffer[] | string[] | null): HttpResult['headers'] {
  const out: Record<string, string> = {};
  if (raw === null) return out;
  for (let k = 0; k + 1 < raw.length; k += 2) {
    const name = raw[k].toString().toLowerCase();
    const value = raw[k + 1].toString();
    out[name] = name in out ? `${out[name]}, ${value}` : value;
  }
  return out;
}

/**
 * One POST of a call, whole answer read, with a failure classified for the retry policy. Rejects
 * only when the client stops (the `track` abort).
 */
export function postCall(url: URL, opts: CallOptions): Promise<CallAttempt> {
  return new Promise<CallAttempt>((resolve, reject) => {
    let done = false;
    let connected = false;
    let status = 0;
    let rawHeaders: Buffer[] | string[] | null = null;
    let answered = false;
    const chunks: Buffer[] = [];
    let abortRequest: ((err: Error) => void) | undefined;
    let cancelled: Error | undefined;
    const oneShot = opts.fresh ? new Client(baseOf(url), { headersTimeout: 0, bodyTimeout: 0 }) : undefined;
    const finish = (value: CallAttempt | undefined, stop?: Error): void => {
      if (done) return;
      done = true;
      timer.cancel();
      untrack();
      if (oneShot !== undefined) void oneShot.destroy().catch(() => undefined);
      if (stop) reject(stop);
      else resolve(value as CallAttempt);
    };
    /** Ends the request wherever it is: on its socket once it has one, else before it is written. */
    const cancel = (err: Error): void => {
      cancelled = err;
      abortRequest?.(err);
    };
    const timer = opts.clock.setTimer(() => {
      const err = new MesosTimeoutError(`no answer from ${baseOf(url)} within ${opts.timeoutMs} ms`);
      finish(connected ? { failure: 'unknown', error: err } : { failure: 'not-sent', error: err });
      cancel(err);
    }, opts.timeoutMs);
    const untrack = opts.track?.((err) => {
      finish(undefined, err);
      cancel(err);
    }) ?? ((): void => undefined);
    // The headers matter only beside a refusal or a redirect (Location): a 200/202 (every ACK) skips them.
    const answer = (): HttpResult => ({
      status, headers: status === 200 || status === 202 ? {} : headerRecord(rawHeaders), body: chunks.length === 0 ? EMPTY : Buffer.concat(chunks),
    });
    const handler: Dispatcher.DispatchHandlers = {
      onConnect: (abort) => {
        // Called as the request is about to be written on a connected socket.
        abortRequest = abort;
        if (cancelled !== undefined) { abort(cancelled); return; }
        connected = true;
      },
      onHeaders: (statusCode, raw) => {
        answered = true;
        status = statusCode;
        rawHeaders = raw;
        return true;
      },
      onData: (chunk) => {
        chunks.push(chunk);
        return true;
      },
      onComplete: () => finish({ response: answer() }),
      onError: (err: Error & { code?: string; socket?: { bytesRead?: number } }) => {
        if (done) return;
        if (answered) {
          // A 200/202 whose (empty) body was cut is still the master's yes.
          if (status === 200 || status === 202) finish({ response: answer() });
          else finish({ failure: 'unknown', error: new MesosConnectionError(`response from ${baseOf(url)} failed: ${err.message}`, { cause: err }) });
          return;
        }
        const error = new MesosConnectionError(`request to ${baseOf(url)} failed: ${err.message}`, { cause: err });
        if (!connected || NEVER_CONNECTED.has(err.code ?? '')) finish({ failure: 'not-sent', error });
        else if (err.code === 'UND_ERR_SOCKET' && (err.socket?.bytesRead ?? 0) > 0) finish({ failure: 'stale-socket', error });
        else finish({ failure: 'unknown', error });
      },
    };
    let dispatcher: Dispatcher;
    try {
      dispatcher = oneShot ?? opts.pools.for(url);
    } catch (err) {
      finish({ failure: 'not-sent', error: err instanceof Error ? err : new Error(String(err)) });
      return;
    }
    dispatcher.dispatch({
      origin: baseOf(url), path: `${url.pathname}${url.search}`, method: 'POST', headers: opts.headers, body: opts.body,
      // A fresh connection is used once: `Connection: close`, as node:http sends without an agent.
      ...(oneShot !== undefined ? { reset: true } : {}),
    }, handler);
  });
}
