// LocalMaster: a Mesos 1.11-compatible master with in-process agents, speaking the v1 scheduler
// HTTP API on `POST /api/v1/scheduler` (RecordIO event stream, JSON or protobuf), plus
// `GET /master/state` and `GET /health`. node:http is used directly because the subscription
// is a raw chunked stream that stays open.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONTENT_TYPE, type Encoding } from '../../mesos/codec';
import type { Event } from '../../mesos/types';
import type { Agent } from './agent';
import { badRequest, decodeSchedulerBody, negotiateEncoding, textAnswer } from './call-decoder';
import { randomIds, type Ids } from './ids';
import { unrefClock, type Clock } from '../../lib/clock';
import { silentLogger, type Logger } from '../../lib/log';
import { LocalMasterError } from './errors';
import { eventRecord } from './event-wire';
import { AgentEndpoints } from './agent-http';
import { filesAnswer } from './files-endpoint';
import { HttpAnswer } from './http-answer';
import { MasterCore, type MasterSnapshot, type Subscription } from './master-core';
import { masterStateView } from './state-view';
import { sendJson } from './send-json';

export interface LocalMasterOptions {
  /** default: a random UUID */
  masterId?: string;
  /** MasterInfo.hostname; default the listen address */
  hostname?: string;
  /** Event.Subscribed.heartbeat_interval_seconds; default 15 */
  heartbeatIntervalSeconds?: number;
  /** allocation cycle; default 1000 ms (Mesos --allocation_interval) */
  allocationIntervalMs?: number;
  /** first status update retry; default 10000 ms, doubling up to statusUpdateMaxRetryMs */
  statusUpdateRetryMs?: number;
  /** default 600000 ms */
  statusUpdateMaxRetryMs?: number;
  /** rescind offers not answered within this time; default never (Mesos --offer_timeout) */
  offerTimeoutMs?: number;
  /**
   * Leadership: undefined = this master leads; "host:port" = another master leads (every
   * scheduler call gets 307 to it); null = no leader elected (503).
   */
  leader?: string | null;
  /** agents adopted at construction (more with addAgent) */
  agents?: Agent[];
  clock?: Clock;
  ids?: Ids;
  logger?: Pick<Logger, 'info' | 'warn'>;
  /** request bodies above this are refused with 413; default 16 MiB */
  maxBodyBytes?: number;
  /**
   * Each agent also serves its own endpoints (/state, /files/*) on its address and port, as a
   * real agent does (agent-http.ts). An agent whose port is taken goes without (a warning).
   */
  agentEndpoints?: boolean;
}

export interface ListenAddress {
  host: string;
  port: number;
}

const SCHEDULER_PATH = '/api/v1/scheduler';
/** What `/version` reports (the Mesos release mesos-sim follows). */
export const MESOS_VERSION = '1.11.0';


class HttpSubscription implements Subscription {
  private ended = false;
  private corked = false;

  constructor(
    readonly streamId: string,
    readonly encoding: Encoding,
    private readonly res: http.ServerResponse,
  ) {}

  send(event: Event): void {
    if (this.ended || this.res.writableEnded || this.res.destroyed) return;
    // Events of one turn of the event loop go out in one write: the stream is corked at the
    // first and uncorked once the turn's I/O and timers are done (a launch storm's thousands of
    // updates were a write each here, and a read each in the scheduler).
    if (!this.corked) {
      this.corked = true;
      this.res.cork();
      setImmediate(this.flush);
    }
    this.res.write(eventRecord(event, this.encoding));
  }

  private readonly flush = (): void => {
    this.corked = false;
    if (!this.res.destroyed) this.res.uncork();
  };

  close(): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.res.writableEnded) this.res.end();
  }
}

function headerValue(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  if (Array.isArray(v)) return v.join(', ');
  return v;
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) { tooLarge = true; return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function answer(res: http.ServerResponse, a: HttpAnswer): void {
  const body = Buffer.from(a.body, 'utf8');
  res.writeHead(a.status, { ...a.headers, 'Content-Length': String(body.length) });
  res.end(body);
}

export class LocalMaster {
  readonly id: string;
  private readonly core: MasterCore;
  private readonly agentList: Agent[] = [];
  private readonly agentIds = new Map<Agent, string>();
  private readonly agentServers: AgentEndpoints[] = [];
  private readonly ids: Ids;
  private readonly clock: Clock;
  private readonly logger: Pick<Logger, 'info' | 'warn'>;
  private readonly maxBodyBytes: number;
  private leader: string | null | undefined;
  private server?: http.Server;
  private bound?: ListenAddress;
  private readonly startedAt: number;
  private closing?: Promise<void>;

  constructor(private readonly opts: LocalMasterOptions = {}) {
    this.ids = opts.ids ?? randomIds;
    this.clock = opts.clock ?? unrefClock;
    this.logger = opts.logger ?? silentLogger;
    this.id = opts.masterId ?? this.ids.uuid();
    this.leader = opts.leader;
    this.maxBodyBytes = opts.maxBodyBytes ?? 16 * 1024 * 1024;
    const heartbeat = opts.heartbeatIntervalSeconds ?? 15;
    if (!(heartbeat > 0)) throw new LocalMasterError('MVN_ERR_LOCAL_INVALID_OPTION', 'heartbeatIntervalSeconds must be > 0');
    this.core = new MasterCore({
      masterId: this.id,
      heartbeatIntervalSeconds: heartbeat,
      allocationIntervalMs: opts.allocationIntervalMs ?? 1000,
      statusUpdateRetryMs: opts.statusUpdateRetryMs ?? 10_000,
      statusUpdateMaxRetryMs: opts.statusUpdateMaxRetryMs ?? 600_000,
      offerTimeoutMs: opts.offerTimeoutMs,
      clock: this.clock,
      ids: this.ids,
      logger: this.logger,
    });
    this.startedAt = this.clock.now();
    for (const agent of opts.agents ?? []) this.addAgent(agent);
  }

  /** Binds the HTTP server; resolves with the bound address (port 0 picks a free port). */
  async listen(port = 5050, host = '127.0.0.1'): Promise<ListenAddress> {
    if (this.closing) throw new LocalMasterError('MVN_ERR_LOCAL_CLOSED', 'master is closed');
    const server = http.createServer((req, res) => { void this.handle(req, res); });
    server.on('connection', (socket) => socket.setNoDelay(true));
    // A Mesos master (libprocess) does not close idle keep-alive connections after Node's 5 s
    // default: with it, a scheduler's pooled socket raced the close under load, and an ACCEPT on
    // it came back as outcome unknown (issue 20 bench: 60–240 per 30,000-task storm).
    server.keepAliveTimeout = 120_000;
    server.headersTimeout = 125_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => { server.off('error', reject); resolve(); });
    });
    const addr = server.address() as AddressInfo;
    this.bound = { host, port: addr.port };
    const ip = /^\d+\.\d+\.\d+\.\d+$/.test(host) && host !== '0.0.0.0' ? host : '127.0.0.1';
    this.core.setAddress({ ip, port: addr.port, hostname: this.opts.hostname ?? ip });
    this.core.start();
    if (this.opts.agentEndpoints === true) for (const agent of this.agentList) await this.serveAgent(agent);
    this.logger.info({}, `mesos-compatible master ${this.id} listening on ${this.url}`);
    return { ...this.bound };
  }

  get url(): string {
    if (this.bound === undefined) throw new LocalMasterError('MVN_ERR_LOCAL_NOT_LISTENING', 'master is not listening');
    const host = this.bound.host.includes(':') ? `[${this.bound.host}]` : this.bound.host;
    return `http://${host}:${this.bound.port}`;
  }

  /** Adopts an agent; returns its agent id (`<master id>-S<n>`). */
  addAgent(agent: Agent): string {
    this.agentList.push(agent);
    const id = this.core.addAgent(agent);
    this.agentIds.set(agent, id);
    return id;
  }

  private async serveAgent(agent: Agent): Promise<void> {
    const agentId = this.agentIds.get(agent);
    if (agentId === undefined) return;
    const endpoints = new AgentEndpoints({
      agent, agentId, snapshot: () => this.core.snapshot(), masterHostname: this.opts.hostname ?? this.bound?.host ?? '127.0.0.1',
      mesosVersion: MESOS_VERSION, startTime: this.startedAt,
    });
    try {
      await endpoints.listen();
      this.agentServers.push(endpoints);
    } catch (err) {
      this.logger.warn({}, `agent ${agentId}: no endpoints on ${agent.ip}:${agent.port}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  removeAgent(agentId: string): Promise<void> {
    return this.core.removeAgent(agentId);
  }

  /** Changes leadership at runtime (see LocalMasterOptions.leader). */
  setLeader(leader: string | null | undefined): void {
    this.leader = leader;
  }

  /** Rescinds every outstanding offer now (tests of RESCIND handling). */
  rescindAllOffers(): number {
    return this.core.rescindAllOffers();
  }

  state(): MasterSnapshot {
    return this.core.snapshot();
  }

  /** Ends all streams, kills every task, shuts agents down and closes the server. */
  close(): Promise<void> {
    if (this.closing === undefined) {
      this.closing = (async () => {
        await this.core.close();
        await Promise.all(this.agentServers.splice(0).map((e) => e.close()));
        const server = this.server;
        if (server !== undefined) {
          await new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          });
        }
      })();
    }
    return this.closing;
  }

  private pid(): string {
    const port = this.bound?.port ?? 5050;
    const host = this.bound?.host ?? '127.0.0.1';
    return `master@${host}:${port}`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
      const jsonp = query.get('jsonp');
      if (path === SCHEDULER_PATH) {
        await this.scheduler(req, res);
      } else if (path === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
        answer(res, new HttpAnswer(200));
      } else if ((path === '/master/state' || path === '/master/state.json' || path === '/state') && req.method === 'GET') {
        const view = masterStateView(this.core.snapshot(), {
          pid: this.pid(),
          hostname: this.bound?.host ?? '127.0.0.1',
          leaderPid: this.leader === undefined ? this.pid() : this.leader === null ? undefined : `master@${this.leader}`,
          startTime: this.startedAt,
        });
        sendJson(res, view, jsonp);
      } else if (path === '/version' && req.method === 'GET') {
        sendJson(res, { version: MESOS_VERSION, git_tag: MESOS_VERSION, build_date: '', build_time: 0, build_user: 'mesos-sim' }, jsonp);
      } else if ((path === '/files/browse' || path === '/files/read' || path === '/files/browse.json' || path === '/files/read.json') && req.method === 'GET') {
        const roots = this.agentList.map((a) => a.sandboxRoot?.()).filter((r): r is string => r !== undefined);
        const a = await filesAnswer(path.startsWith('/files/browse') ? 'browse' : 'read', query, roots);
        if (a.status === 200 && jsonp !== null) sendJson(res, JSON.parse(a.body) as unknown, jsonp);
        else answer(res, a);
      } else {
        answer(res, new HttpAnswer(404));
      }
    } catch (err) {
      this.logger.warn({}, `request failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) answer(res, textAnswer(500, 'Internal error'));
      else res.destroy();
    }
  }

  private async scheduler(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (this.leader === null) return answer(res, textAnswer(503, 'No leader elected'));
    if (typeof this.leader === 'string') {
      return answer(res, new HttpAnswer(307, '', { Location: `//${this.leader}${SCHEDULER_PATH}` }));
    }
    if (req.method !== 'POST') {
      return answer(res, new HttpAnswer(405, `405 Method Not Allowed. Expecting one of { 'POST' }, but received '${req.method ?? ''}'.`, {
        'Content-Type': 'text/plain; charset=utf-8', Allow: 'POST',
      }));
    }
    const body = await readBody(req, this.maxBodyBytes);
    if (body === undefined) return answer(res, textAnswer(413, 'Request body too large'));
    const decoded = decodeSchedulerBody(headerValue(req, 'Content-Type'), body);
    if (!decoded.ok) return answer(res, decoded.answer);
    const { call } = decoded;
    const streamId = headerValue(req, 'Mesos-Stream-Id');
    if (call.type === 'SUBSCRIBE') {
      const encoding = negotiateEncoding(headerValue(req, 'Accept'));
      if (encoding === undefined) {
        return answer(res, textAnswer(406, `Expecting 'Accept' to allow '${CONTENT_TYPE.protobuf}' or '${CONTENT_TYPE.json}'`));
      }
      if (streamId !== undefined) return answer(res, badRequest("Subscribe calls should not include the 'Mesos-Stream-Id' header"));
      return this.subscribe(req, res, call, encoding);
    }
    const refused = this.core.checkCaller(call, streamId);
    if (refused !== undefined) return answer(res, refused);
    return answer(res, this.core.dispatch(call));
  }

  private subscribe(req: http.IncomingMessage, res: http.ServerResponse, call: Parameters<MasterCore['subscribe']>[0], encoding: Encoding): void {
    const streamId = this.ids.uuid();
    res.writeHead(200, { 'Content-Type': CONTENT_TYPE[encoding], 'Mesos-Stream-Id': streamId });
    res.flushHeaders();
    const sub = new HttpSubscription(streamId, encoding, res);
    const onGone = (): void => {
      sub.close();
      this.core.onStreamClosed(sub);
    };
    res.once('close', onGone);
    req.socket.once('close', onGone);
    this.core.subscribe(call, sub);
  }
}

export function createLocalMaster(options: LocalMasterOptions = {}): LocalMaster {
  return new LocalMaster(options);
}
