import { mesosFixturesDir } from '../helpers/fixtures';
// Test harness for the local master: real HTTP on 127.0.0.1, decoding with the shared codec and
// RecordIO decoder (no scheduler client), so these tests do not depend on src/mesos/client.ts.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { decodeEvent, encodeCall, CONTENT_TYPE, type Encoding } from '../../src/mesos/codec';
import { RecordIODecoder } from '../../src/mesos/recordio';
import type { Call, Event, FrameworkInfo, TaskStatus } from '../../src/mesos/types';
import { LocalMaster, type LocalMasterOptions } from '../../src/sim/mesos/master';
import { SimulatedAgent, type SimulatedAgentOptions } from '../../src/sim/mesos/simulated-agent';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface StartedMaster {
  master: LocalMaster;
  port: number;
}

export async function startMaster(opts: LocalMasterOptions = {}, agents = 1, agentOpts: Partial<SimulatedAgentOptions> = {}): Promise<StartedMaster> {
  const master = new LocalMaster({ allocationIntervalMs: 100, statusUpdateRetryMs: 10_000, ...opts });
  for (let i = 0; i < agents; i++) {
    master.addAgent(new SimulatedAgent({ resources: { cpus: 2, mem: 4096, disk: 10240 }, taskDelayMs: 5, hostname: `agent${i}`, ...agentOpts }));
  }
  const { port } = await master.listen(0, '127.0.0.1');
  return { master, port };
}

export function rawPost(port: number, headers: Record<string, string>, body: Buffer | string, method = 'POST', path = '/api/v1/scheduler'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: { ...headers, 'Content-Length': String(data.length) }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
}

export function call(port: number, c: Call, streamId: string | undefined, encoding: Encoding = 'json'): Promise<Reply> {
  const headers: Record<string, string> = { 'Content-Type': CONTENT_TYPE[encoding] };
  if (streamId !== undefined) headers['Mesos-Stream-Id'] = streamId;
  return rawPost(port, headers, encodeCall(c, encoding));
}

/** An open subscription: every decoded event in arrival order, with waiting helpers. */
export class EventStream {
  readonly events: Event[] = [];
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  ended = false;
  private waiters: Array<() => void> = [];
  private req?: http.ClientRequest;
  private readonly decoder = new RecordIODecoder();
  /** every event and request reply, in the order this client saw them */
  readonly log: string[] = [];

  constructor(private readonly encoding: Encoding) {}

  get streamId(): string {
    return String(this.headers['mesos-stream-id'] ?? '');
  }

  get frameworkId(): string {
    const sub = this.events.find((e) => e.type === 'SUBSCRIBED');
    if (!sub?.subscribed) throw new Error('not subscribed');
    return sub.subscribed.framework_id.value;
  }

  open(port: number, c: Call, extraHeaders: Record<string, string> = {}): Promise<this> {
    return new Promise((resolve, reject) => {
      const body = encodeCall(c, this.encoding);
      const req = http.request({
        host: '127.0.0.1', port, method: 'POST', path: '/api/v1/scheduler', agent: false,
        headers: { 'Content-Type': CONTENT_TYPE[this.encoding], Accept: CONTENT_TYPE[this.encoding], 'Content-Length': String(body.length), ...extraHeaders },
      }, (res) => {
        this.status = res.statusCode ?? 0;
        this.headers = res.headers;
        res.on('data', (chunk: Buffer) => {
          for (const rec of this.decoder.push(chunk)) {
            const ev = decodeEvent(rec, this.encoding);
            this.events.push(ev);
            this.log.push(`event:${ev.type}`);
          }
          this.wake();
        });
        res.on('end', () => { this.ended = true; this.wake(); });
        res.on('error', () => { this.ended = true; this.wake(); });
        resolve(this);
      });
      req.on('error', reject);
      req.end(body);
      this.req = req;
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits until `pred` holds over the events so far (or the stream ends / times out). */
  async until<T>(pred: (events: Event[]) => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = pred(this.events);
      if (v !== undefined && v !== false) return v;
      if (this.ended) throw new Error(`stream ended while waiting for ${what}; events: ${this.events.map((e) => e.type).join(',')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; events: ${this.events.map((e) => e.type).join(',')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  /** The n-th (0-based) event of `type` after index `from`. */
  nth(type: Event['type'], n = 0, from = 0): Promise<Event> {
    return this.until((evs) => evs.slice(from).filter((e) => e.type === type)[n], `${type} #${n}`);
  }

  updatesFor(taskId: string): TaskStatus[] {
    return this.events.filter((e) => e.type === 'UPDATE' && e.update?.status.task_id.value === taskId).map((e) => (e.update as { status: TaskStatus }).status);
  }

  update(taskId: string, state: TaskStatus['state'], n = 0): Promise<TaskStatus> {
    return this.until(() => this.updatesFor(taskId).filter((s) => s.state === state)[n], `${taskId} ${state} #${n}`);
  }

  /** Sends a call on a separate connection with this stream's id and framework id. */
  async send(port: number, c: Omit<Call, 'framework_id'>): Promise<Reply> {
    const reply = await call(port, { ...c, framework_id: { value: this.frameworkId } } as Call, this.streamId, this.encoding);
    this.log.push(`reply:${c.type}:${reply.status}`);
    return reply;
  }

  async ack(port: number, status: TaskStatus): Promise<Reply> {
    return this.send(port, {
      type: 'ACKNOWLEDGE',
      acknowledge: { agent_id: status.agent_id ?? { value: '' }, task_id: status.task_id, uuid: status.uuid ?? '' },
    });
  }

  close(): void {
    this.req?.destroy();
  }
}

export function subscribeCall(name: string, extra: Partial<FrameworkInfo> = {}, capabilities: string[] = ['MULTI_ROLE', 'PARTITION_AWARE', 'TASK_KILLING_STATE']): Call {
  const info: FrameworkInfo = {
    user: 'root',
    name,
    capabilities: capabilities.map((type) => ({ type: type as NonNullable<FrameworkInfo['capabilities']>[number]['type'] })),
    ...extra,
  };
  if (capabilities.includes('MULTI_ROLE') && info.roles === undefined) info.roles = ['*'];
  const c: Call = { type: 'SUBSCRIBE', subscribe: { framework_info: info } };
  if (info.id !== undefined) c.framework_id = info.id;
  return c;
}

export async function subscribe(port: number, name: string, opts: { encoding?: Encoding; extra?: Partial<FrameworkInfo>; capabilities?: string[] } = {}): Promise<EventStream> {
  const s = new EventStream(opts.encoding ?? 'json');
  await s.open(port, subscribeCall(name, opts.extra, opts.capabilities));
  await s.nth('SUBSCRIBED');
  return s;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function launchCall(offerId: string, agentId: string, tasks: Array<{ id: string; cpus?: number; mem?: number; command?: string }>, refuseSeconds?: number): Omit<Call, 'framework_id'> {
  const c: Omit<Call, 'framework_id'> = {
    type: 'ACCEPT',
    accept: {
      offer_ids: [{ value: offerId }],
      operations: [{
        type: 'LAUNCH',
        launch: {
          task_infos: tasks.map((t) => ({
            name: t.id,
            task_id: { value: t.id },
            agent_id: { value: agentId },
            resources: [
              { name: 'cpus', type: 'SCALAR' as const, scalar: { value: t.cpus ?? 0.1 } },
              { name: 'mem', type: 'SCALAR' as const, scalar: { value: t.mem ?? 32 } },
            ],
            command: { shell: true, value: t.command ?? 'sleep 60' },
          })),
        },
      }],
    },
  };
  if (refuseSeconds !== undefined && c.accept) c.accept.filters = { refuse_seconds: refuseSeconds };
  return c;
}

/** The Mesos 1.11 recordings (test/fixtures/mesos-1.11). */
export function recordingsDir(): string {
  return mesosFixturesDir();
}

export function readRecording(name: string): unknown[] {
  return fs.readFileSync(path.join(recordingsDir(), `${name}.jsonl`), 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
}

/** Polls `pred` (state of the master, processes…) until it holds. */
export async function waitFor(pred: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export const CURL_SUBSCRIBE = '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"probe"}}}';

export interface CurlProbe {
  events: Event[];
  /** the response body exactly as curl printed it */
  raw: Buffer;
}

/**
 * The acceptance probe: `curl -sN -H 'Content-Type: application/json' [-H 'Accept: …'] -d <SUBSCRIBE>
 * 127.0.0.1:<port>/api/v1/scheduler`, read until it has printed SUBSCRIBED, OFFERS and two
 * HEARTBEATs after the OFFERS. `whileConnected` runs before curl is stopped; the promise settles
 * only once the curl process has exited, so its connection is closed from our side by then.
 */
export function curlSubscribe(port: number, accept: string | undefined, encoding: Encoding, whileConnected?: (events: Event[]) => void): Promise<CurlProbe> {
  const args = ['-sN', '-H', 'Content-Type: application/json'];
  if (accept !== undefined) args.push('-H', `Accept: ${accept}`);
  args.push('-d', CURL_SUBSCRIBE, `127.0.0.1:${port}/api/v1/scheduler`);
  return new Promise((resolve, reject) => {
    const child = spawn('curl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const decoder = new RecordIODecoder();
    const events: Event[] = [];
    const chunks: Buffer[] = [];
    let outcome: { err?: Error } | undefined;
    let exited = false;
    const settle = (): void => {
      if (outcome === undefined || !exited) return;
      if (outcome.err) reject(outcome.err);
      else resolve({ events, raw: Buffer.concat(chunks) });
    };
    const finish = (err?: Error): void => {
      if (outcome !== undefined) return;
      clearTimeout(guard);
      if (err === undefined && whileConnected) {
        try {
          whileConnected(events);
        } catch (e) {
          err = e as Error;
        }
      }
      outcome = err === undefined ? {} : { err };
      if (!exited) child.kill('SIGTERM');
      settle();
    };
    const guard = setTimeout(() => finish(new Error(`curl did not print the expected events; got ${events.map((e) => e.type).join(',')}`)), 15000);
    child.stdout.on('data', (chunk: Buffer) => {
      if (outcome !== undefined) return;
      chunks.push(chunk);
      try {
        for (const rec of decoder.push(chunk)) events.push(decodeEvent(rec, encoding));
      } catch (err) {
        finish(err as Error);
        return;
      }
      const offersAt = events.findIndex((e) => e.type === 'OFFERS');
      if (offersAt >= 0 && events.slice(offersAt).filter((e) => e.type === 'HEARTBEAT').length >= 2) finish();
    });
    child.on('error', (err) => { exited = true; finish(err); settle(); });
    child.on('exit', () => {
      exited = true;
      finish(new Error(`curl exited early; got ${events.map((e) => e.type).join(',')}`));
      settle();
    });
  });
}
