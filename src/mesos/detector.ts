// Finds the leading Mesos master. A static address is its own leader; `zk://h:p[,h:p]/path`
// follows Mesos' ZooKeeper layout: every master holds an ephemeral sequential child
// `json.info_<seq>` whose data is its MasterInfo as JSON, and the lowest sequence leads.
import { EventEmitter } from 'node:events';
import zookeeper from 'node-zookeeper-client';
import { Backoff, type BackoffPolicy } from './backoff';
import { type Clock, type Timer, systemClock } from '../lib/clock';
import { formatIPv4, toNetworkOrderUint32 } from '../lib/ipv4';
import { type Logger, silentLogger } from '../lib/log';
import { MesosMasterUrlError, ZkDetectionError, ZkTimeoutError } from './errors';

export type DetectorEvents = { leader: [url: string]; 'no-leader': [] };

/** Emits 'leader' with a base URL (`http://host:port`) whenever the leader changes, 'no-leader' when there is none. */
export interface MasterDetector extends EventEmitter<DetectorEvents> {
  start(): void;
  stop(): Promise<void>;
  readonly leader: string | undefined;
}

export type MasterSpec =
  | { kind: 'static'; url: string }
  | { kind: 'zk'; connect: string; path: string };

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):([0-9]{1,5})$/;

function checkHostPort(hostPort: string, original: string): void {
  const m = HOST_PORT.exec(hostPort);
  if (!m || Number(m[3]) < 1 || Number(m[3]) > 65535) {
    throw new MesosMasterUrlError(`invalid Mesos master "${original}": expected host:port, got "${hostPort}"`);
  }
}

/** Parses the `--master` forms: `http(s)://host:port`, `host:port`, `zk://host:port[,host:port]/path`. */
export function parseMasterSpec(master: string): MasterSpec {
  const text = (master ?? '').trim();
  if (text.startsWith('zk://')) {
    const rest = text.slice('zk://'.length);
    const slash = rest.indexOf('/');
    if (slash <= 0) throw new MesosMasterUrlError(`invalid Mesos master "${master}": zk:// needs hosts and a path`);
    const hosts = rest.slice(0, slash);
    const path = rest.slice(slash).replace(/\/+$/, '');
    if (path.length === 0 || !/^(\/[A-Za-z0-9_.-]+)+$/.test(path)) {
      throw new MesosMasterUrlError(`invalid Mesos master "${master}": bad ZooKeeper path "${rest.slice(slash)}"`);
    }
    for (const h of hosts.split(',')) checkHostPort(h, master);
    return { kind: 'zk', connect: hosts, path };
  }
  const m = /^(https?):\/\/([^/]+)\/?$/.exec(text);
  if (m) {
    checkHostPort(m[2] as string, master);
    return { kind: 'static', url: `${m[1]}://${m[2]}` };
  }
  if (text.includes('/')) throw new MesosMasterUrlError(`invalid Mesos master "${master}"`);
  checkHostPort(text, master);
  return { kind: 'static', url: `http://${text}` };
}

const INFO_PREFIX = 'json.info_';

/** The `json.info_<seq>` child with the lowest sequence number, or undefined. */
export function pickLeaderNode(children: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestSeq = Infinity;
  for (const child of children) {
    if (!child.startsWith(INFO_PREFIX)) continue;
    const digits = child.slice(INFO_PREFIX.length);
    if (!/^[0-9]+$/.test(digits)) continue;
    const seq = Number(digits);
    if (seq < bestSeq) {
      bestSeq = seq;
      best = child;
    }
  }
  return best;
}

function ipFromUint32(ip: number): string {
  // MasterInfo.ip is in network byte order read as a little-endian integer: 127.0.0.1 → 16777343.
  return formatIPv4(toNetworkOrderUint32(ip >>> 0));
}

/** Base URL of a master from the JSON MasterInfo stored in its ZooKeeper node. */
export function masterUrlFromInfo(data: Buffer | string, scheme: 'http' | 'https' = 'http'): string {
  let info: unknown;
  try {
    info = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch (err) {
    throw new ZkDetectionError('leader node does not hold JSON MasterInfo', { cause: err });
  }
  if (info === null || typeof info !== 'object') throw new ZkDetectionError('leader node does not hold a MasterInfo object');
  const o = info as Record<string, unknown>;
  const address = (o.address !== null && typeof o.address === 'object' ? o.address : {}) as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const port = [address.port, o.port].find((p): p is number => typeof p === 'number' && p > 0 && p < 65536);
  const host = str(address.ip) ?? str(address.hostname) ?? str(o.hostname)
    ?? (typeof o.ip === 'number' && o.ip > 0 ? ipFromUint32(o.ip) : undefined);
  if (!host || port === undefined) throw new ZkDetectionError('leader MasterInfo has no address/port');
  const shownHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${scheme}://${shownHost}:${port}`;
}

/** A fixed master: leader from start() until stop(). */
export class StaticMasterDetector extends EventEmitter<DetectorEvents> implements MasterDetector {
  private started = false;
  constructor(private readonly url: string) {
    super();
  }

  get leader(): string | undefined {
    return this.started ? this.url : undefined;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.emit('leader', this.url);
  }

  async stop(): Promise<void> {
    this.started = false;
  }
}

/** The part of node-zookeeper-client the detector uses (a seam for tests). */
export type ZkClient = Pick<zookeeper.Client, 'connect' | 'close' | 'getChildren' | 'getData' | 'exists' | 'on' | 'removeAllListeners'>;

export interface ZkDetectorOptions {
  connect: string;
  path: string;
  scheme?: 'http' | 'https';
  sessionTimeoutMs?: number;
  /** Every ZooKeeper operation fails after this long (the library never times out on its own). */
  operationTimeoutMs?: number;
  retry?: BackoffPolicy;
  logger?: Logger;
  clock?: Clock;
  createClient?: (connect: string, options: Partial<zookeeper.Option>) => ZkClient;
}

export class ZkMasterDetector extends EventEmitter<DetectorEvents> implements MasterDetector {
  private client: ZkClient | undefined;
  private session = 0; // ignores callbacks and watches of closed sessions
  private current: string | undefined;
  private running = false;
  private detecting = false;
  private again = false;
  private retryTimer: Timer | undefined;
  private readonly retry: Backoff;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly opTimeout: number;

  constructor(private readonly opts: ZkDetectorOptions) {
    super();
    this.retry = new Backoff(opts.retry ?? { initialMs: 200, maxMs: 5000 });
    this.log = opts.logger ?? silentLogger;
    this.clock = opts.clock ?? systemClock;
    this.opTimeout = opts.operationTimeoutMs ?? 5000;
  }

  get leader(): string | undefined {
    return this.current;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.openSession();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.session++;
    if (this.retryTimer !== undefined) this.retryTimer.cancel();
    this.retryTimer = undefined;
    this.closeClient();
  }

  private openSession(): void {
    this.closeClient();
    const session = ++this.session;
    const make = this.opts.createClient ?? ((c, o) => zookeeper.createClient(c, o));
    const client = make(this.opts.connect, { sessionTimeout: this.opts.sessionTimeoutMs ?? 10_000, spinDelay: 200, retries: 0 });
    this.client = client;
    client.on('connected', () => {
      if (session !== this.session) return;
      this.log.debug({ connect: this.opts.connect }, 'zookeeper connected');
      this.detect();
    });
    client.on('expired', () => {
      if (session !== this.session) return;
      // Ephemeral nodes we read may be gone and our watches are lost: start a fresh session.
      this.log.warn({ connect: this.opts.connect }, 'zookeeper session expired; reconnecting');
      this.setLeader(undefined);
      this.openSession();
    });
    client.connect();
  }

  private closeClient(): void {
    const c = this.client;
    this.client = undefined;
    if (!c) return;
    c.removeAllListeners();
    try {
      c.close();
    } catch {
      // closing a client that never connected can throw inside the library; nothing to release
    }
  }

  private setLeader(url: string | undefined): void {
    if (url === this.current) return;
    this.current = url;
    if (url === undefined) this.emit('no-leader');
    else this.emit('leader', url);
  }

  /** Runs one detection at a time; a watch firing meanwhile queues one more run. */
  private detect(): void {
    if (!this.running) return;
    if (this.detecting) {
      this.again = true;
      return;
    }
    this.detecting = true;
    const session = this.session;
    this.detectOnce(session).then(
      () => {
        this.retry.reset();
      },
      (err: unknown) => {
        if (session !== this.session || !this.running) return;
        const delay = this.retry.next();
        this.log.warn({ err, delayMs: delay }, 'mesos master detection failed; retrying');
        if (this.retryTimer !== undefined) this.retryTimer.cancel();
        this.retryTimer = this.clock.setTimer(() => {
          this.retryTimer = undefined;
          this.detect();
        }, delay);
      },
    ).finally(() => {
      this.detecting = false;
      if (this.again && session === this.session) {
        this.again = false;
        this.detect();
      }
    });
  }

  private async detectOnce(session: number): Promise<void> {
    const client = this.client;
    if (!client) return;
    const watch = (): void => {
      if (session === this.session) this.detect();
    };
    const children = await this.op<string[] | undefined>('getChildren', (done) => {
      client.getChildren(this.opts.path, watch, (err, list) => {
        if (err && 'code' in err && err.code === zookeeper.Exception.NO_NODE) done(undefined, undefined);
        else done(err ?? undefined, list);
      });
    });
    if (session !== this.session) return;
    if (children === undefined) {
      // No masters ever registered here: wait for the path to appear.
      await this.op<void>('exists', (done) => {
        client.exists(this.opts.path, watch, (err) => done(err ?? undefined, undefined));
      });
      this.setLeader(undefined);
      return;
    }
    const node = pickLeaderNode(children);
    if (!node) {
      this.setLeader(undefined);
      return;
    }
    const data = await this.op<Buffer | undefined>('getData', (done) => {
      client.getData(`${this.opts.path}/${node}`, (err, buf) => {
        if (err && 'code' in err && err.code === zookeeper.Exception.NO_NODE) done(undefined, undefined);
        else done(err ?? undefined, buf);
      });
    });
    if (session !== this.session) return;
    if (data === undefined) {
      // The leader vanished between the two reads; the children watch reruns detection.
      return;
    }
    this.setLeader(masterUrlFromInfo(data, this.opts.scheme ?? 'http'));
  }

  /** Wraps one callback-style ZooKeeper call with a timeout. */
  private op<T>(name: string, run: (done: (err: Error | zookeeper.Exception | undefined, value: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const timer = this.clock.setTimer(() => {
        if (settled) return;
        settled = true;
        reject(new ZkTimeoutError(`zookeeper ${name} ${this.opts.path} timed out after ${this.opTimeout} ms`));
      }, this.opTimeout);
      run((err, value) => {
        if (settled) return;
        settled = true;
        timer.cancel();
        if (err) reject(new ZkDetectionError(`zookeeper ${name} ${this.opts.path} failed: ${String(err)}`, { cause: err }));
        else resolve(value);
      });
    });
  }
}

export interface DetectorOptions {
  logger?: Logger;
  clock?: Clock;
  zkSessionTimeoutMs?: number;
  zkOperationTimeoutMs?: number;
}

export function createMasterDetector(master: string, options: DetectorOptions = {}): MasterDetector {
  const spec = parseMasterSpec(master);
  if (spec.kind === 'static') return new StaticMasterDetector(spec.url);
  return new ZkMasterDetector({
    connect: spec.connect,
    path: spec.path,
    logger: options.logger,
    clock: options.clock,
    sessionTimeoutMs: options.zkSessionTimeoutMs,
    operationTimeoutMs: options.zkOperationTimeoutMs,
  });
}
