// A scriptable stand-in for a Mesos 1.11 master's /api/v1/scheduler on 127.0.0.1:0, for wire
// contract tests of the scheduler client. It enforces the header rules recorded from a real master
// (405, 415 for any Content-Type but the two exact strings, 400 for a missing one, 400 for stream
// id misuse) and records every request; tests script SUBSCRIBE and call answers.
import type { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeCall, type Encoding } from '../../src/mesos/codec';
import type { SchedulerClient, SchedulerClientEvents } from '../../src/mesos/client';
import type { Call } from '../../src/mesos/types';

export interface SeenRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  rawHeaderNames: string[];
  body: Buffer;
  call: Call | undefined;
  encoding: Encoding | undefined;
  status?: number;
}

export type Handler = (req: SeenRequest, res: http.ServerResponse) => void;

const TYPES: Record<string, Encoding> = { 'application/json': 'json', 'application/x-protobuf': 'protobuf' };

export class FakeMaster {
  readonly requests: SeenRequest[] = [];
  readonly streams = new Set<http.ServerResponse>();
  /** SUBSCRIBE (after the header rules passed). Default: 503. */
  onSubscribe: Handler = (_req, res) => reply(res, 503, 'No leader elected');
  /** Any other call. Default: 202. */
  onCall: Handler = (_req, res) => reply(res, 202, '');
  /** Stream ids handed out; calls must carry the latest one. */
  currentStreamId: string | undefined;
  private server: http.Server | undefined;

  async listen(): Promise<string> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const port = (this.server.address() as AddressInfo).port;
    return `http://127.0.0.1:${port}`;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo).port;
  }

  calls(type?: string): SeenRequest[] {
    return this.requests.filter((r) => r.call !== undefined && (type === undefined || r.call.type === type));
  }

  /** Ends every open subscription stream (the master "drops" the framework's connection). */
  dropStreams(): void {
    for (const s of this.streams) s.end();
    this.streams.clear();
  }

  async close(): Promise<void> {
    for (const s of this.streams) s.destroy();
    this.streams.clear();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Answers 200 with a RecordIO stream: `chunks` are written in order; the stream stays open. */
  startStream(res: http.ServerResponse, streamId: string, encoding: Encoding, chunks: Buffer[] = []): void {
    this.currentStreamId = streamId;
    res.writeHead(200, {
      'Content-Type': encoding === 'json' ? 'application/json' : 'application/x-protobuf',
      'Mesos-Stream-Id': streamId,
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();
    this.streams.add(res);
    res.on('close', () => this.streams.delete(res));
    for (const c of chunks) res.write(c);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const names: string[] = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) names.push(req.rawHeaders[i] as string);
      const seen: SeenRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        rawHeaderNames: names,
        body,
        call: undefined,
        encoding: undefined,
      };
      this.requests.push(seen);
      const origWriteHead = res.writeHead.bind(res);
      res.writeHead = ((status: number, ...rest: unknown[]) => {
        seen.status = status;
        return (origWriteHead as (s: number, ...r: unknown[]) => http.ServerResponse)(status, ...rest);
      }) as typeof res.writeHead;

      if (req.method !== 'POST') return reply(res, 405, "405 Method Not Allowed. Expecting one of { 'POST' }");
      const ct = req.headers['content-type'];
      if (ct === undefined) return reply(res, 400, "Expecting 'Content-Type' to be present");
      const encoding = TYPES[ct];
      if (!encoding) return reply(res, 415, 'Expecting \'Content-Type\' of application/json or application/x-protobuf');
      seen.encoding = encoding;
      try {
        seen.call = decodeCall(body, encoding);
      } catch (err) {
        return reply(res, 400, `Failed to parse body: ${(err as Error).message}`);
      }
      const streamHeader = req.headers['mesos-stream-id'];
      if (seen.call.type === 'SUBSCRIBE') {
        if (streamHeader !== undefined) return reply(res, 400, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
        return this.onSubscribe(seen, res);
      }
      if (streamHeader === undefined) return reply(res, 400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
      if (this.currentStreamId !== undefined && streamHeader !== this.currentStreamId) {
        return reply(res, 400, `The stream ID '${String(streamHeader)}' included in this request didn't match`);
      }
      this.onCall(seen, res);
    });
  }
}

export function reply(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, body ? { 'Content-Type': 'text/plain; charset=utf-8', ...headers } : headers);
  res.end(body);
}

/** Splits bytes into chunks of cycling sizes, so records straddle chunk boundaries. */
export function chunked(bytes: Buffer, sizes: number[] = [1, 7, 64, 333, 5, 1024]): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  let k = 0;
  while (i < bytes.length) {
    const n = sizes[k++ % sizes.length] as number;
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

/** Resolves with the arguments of the next `name` event matching `predicate` (rejects after `ms`). */
export function nextEvent<K extends keyof SchedulerClientEvents>(
  client: SchedulerClient,
  name: K,
  predicate: (...args: SchedulerClientEvents[K]) => boolean = () => true,
  ms = 5000,
): Promise<SchedulerClientEvents[K]> {
  const emitter = client as unknown as EventEmitter;
  return new Promise((resolve, reject) => {
    const listener = (...args: unknown[]): void => {
      const typed = args as SchedulerClientEvents[K];
      if (!predicate(...typed)) return;
      clearTimeout(timer);
      emitter.off(name, listener);
      resolve(typed);
    };
    const timer = setTimeout(() => {
      emitter.off(name, listener);
      reject(new Error(`timed out after ${ms} ms waiting for '${String(name)}'`));
    }, ms);
    emitter.on(name, listener);
  });
}

/** Polls `check` until it returns true (for state reached through sockets). */
export async function until(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
