// The Mesos v1 scheduler HTTP client: one SUBSCRIBE stream kept alive (resubscribing with the
// framework id after any loss), and one method per call sent on a separate keep-alive pool with
// the stream id. No scheduling decisions live here: the caller reacts to the events.
import { EventEmitter } from 'node:events';
import type http from 'node:http';
import { Backoff, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';
import { type AttemptResult, CallHealth, type CallHealthLimits, DEFAULT_CALL_BACKOFF, DEFAULT_CALL_HEALTH, runCall } from './call-policy';
import * as calls from './calls';
import type { IdLike } from './calls';
import { type Clock, type Timer, systemClock } from '../lib/clock';
import { type Logger, silentLogger } from '../lib/log';
import { CONTENT_TYPE, type Encoding, decodeEvent, encodeCall } from './codec';
import { type MasterDetector, createMasterDetector } from './detector';
import {
  MesosConnectionError, MesosDecodeError, MesosError, MesosErrorEvent, MesosHeartbeatTimeoutError, MesosHttpError, MesosNotSubscribedError,
  MesosRedirectError, MesosStoppedError, MesosStreamError, MesosTimeoutError,
} from './errors';
import { HeartbeatWatchdog, heartbeatTimeoutMs } from './heartbeat-watchdog';
import { CallPools, postCall } from './call-transport';
import { baseOf, openStream, readSmallBody, resolveRedirect, schedulerEndpoint } from './master-http';
import { RecordIODecoder, RecordIOError } from './recordio';
import { CallGate } from './call-gate';
import type {
  AgentID, Call, Event, ExecutorID, Filters, FrameworkInfo, KillPolicy, MasterInfo, Offer, OfferID,
  Operation, ReconcileTask, ResourceRequest, TaskInfo, TaskStatus,
} from './types';

export interface SubscribedInfo {
  frameworkId: string;
  heartbeatIntervalSeconds: number;
  masterInfo: MasterInfo | undefined;
  /** True when the SUBSCRIBE carried a framework id (failover / reconnect), false on first registration. */
  resubscribed: boolean;
  /** Base URL of the master that accepted the subscription. */
  master: string;
  streamId: string;
}

export type DisconnectReason =
  | 'subscribe-failed' // the SUBSCRIBE request itself failed (refused, 4xx/5xx, timeout, redirect loop)
  | 'stream-ended' // the master closed the stream
  | 'stream-error' // the connection broke
  | 'malformed-record' // RecordIO framing or Event decoding failed
  | 'heartbeat-timeout' // no record for heartbeatMissLimit × heartbeat interval
  | 'error-event' // the master sent ERROR
  | 'calls-failing' // calls kept failing (connection errors, timeouts, 503) past the call health limits
  | 'leader-changed' // the detector named another leader
  | 'stopped'; // stop() or teardown()

export interface DisconnectInfo {
  reason: DisconnectReason;
  error?: Error;
  master?: string;
}

export interface ExecutorMessage { agent_id: AgentID; executor_id: ExecutorID; data: string }
export interface FailureInfo { agent_id?: AgentID; executor_id?: ExecutorID; status?: number }

export type SchedulerClientEvents = {
  subscribed: [info: SubscribedInfo];
  offers: [offers: Offer[]];
  rescind: [offerId: OfferID];
  update: [status: TaskStatus];
  failure: [failure: FailureInfo];
  message: [message: ExecutorMessage];
  heartbeat: [];
  /** ERROR event from the master (the subscription is dropped; resubscribe follows unless removed). */
  'error-event': [message: string];
  /** The master removed the framework ("Framework has been removed"): the client stopped for good. */
  removed: [message: string];
  disconnected: [info: DisconnectInfo];
  /** Every decoded Event, HEARTBEAT included, before its typed event. */
  event: [event: Event];
};

export interface SchedulerClientOptions {
  /** `http://host:port`, `host:port` or `zk://host:port[,host:port]/mesos`. */
  master: string;
  encoding: Encoding;
  frameworkInfo: FrameworkInfo;
  /** A framework id stored earlier: the first SUBSCRIBE is then already a resubscribe. */
  frameworkId?: string;
  /** Intervals without any record before the stream is considered dead (default 5). */
  heartbeatMissLimit?: number;
  /** Backoff between resubscribe attempts and between 503 retries of calls (default 500 ms → 15 s). */
  backoff?: BackoffPolicy;
  /** Timeout for a call's answer and for the SUBSCRIBE response headers (default 75 s). */
  requestTimeoutMs?: number;
  /** Attempts of a non-repeatable call (ACCEPT) that surely did not reach the master (503, refused), and 307s in a row (default 9, as mesos-go). */
  maxCallAttempts?: number;
  /** Backoff between retries of a call (default 250 ms → 10 s). */
  callBackoff?: BackoffPolicy;
  /** Consecutive failed call attempts after which the master is given up on and the client resubscribes. */
  callHealth?: CallHealthLimits;
  /** Roles to subscribe suppressed (Call.Subscribe.suppressed_roles). */
  suppressedRoles?: string[];
  logger?: Logger;
  clock?: Clock;
  /** Replaces the detector built from `master` (tests, or a shared detector). */
  detector?: MasterDetector;
  zkSessionTimeoutMs?: number;
  zkOperationTimeoutMs?: number;
}

interface Subscription {
  url: URL;
  /** The detector's leader when this attempt started (differs from url after a redirect). */
  leader: string;
  request: http.ClientRequest;
  response: http.IncomingMessage | undefined;
  decoder: RecordIODecoder;
  headerTimer: Timer | undefined;
  streamId: string | undefined;
  subscribed: boolean;
  resubscribe: boolean;
  /** heartbeatMissLimit × the interval SUBSCRIBED announced. */
  heartbeatLimitMs?: number;
}

const DEFAULT_HEARTBEAT_SECONDS = 15;
const MAX_SUBSCRIBE_REDIRECTS = 8;
const FRAMEWORK_REMOVED = /framework has been removed/i;

/**
 * Keep-alive sockets, and calls on the wire at once, for every call (ACKNOWLEDGE included). Each
 * answered ACK lets the master send the task's next update, so the ACKs' share of these sockets sets
 * the pace of status work in a storm. A pool of 64 sockets for ACKs alone (besides these 16) kept
 * serve's event loop saturated and the API 2-3x slower than with one shared pool (10k-task bench:
 * GET /v2/apps p50 54-64 ms vs 14-18 ms, POSTs done after 10-11 s vs 5-6 s); 8 or 16 ACK sockets of
 * their own were between, 8 lagging past the agents' 10 s retry on a loaded machine (issue 20/21).
 */
const CALL_SOCKETS = 16;

export class SchedulerClient extends EventEmitter<SchedulerClientEvents> {
  private readonly encoding: Encoding;
  private readonly contentType: string;
  private readonly frameworkInfo: FrameworkInfo;
  private readonly missLimit: number;
  private readonly backoffPolicy: BackoffPolicy;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly callBackoff: BackoffPolicy;
  private readonly callHealth: CallHealth;
  private readonly suppressedRoles: string[] | undefined;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly detector: MasterDetector;
  private readonly subscribeBackoff: Backoff;
  private readonly watchdog: HeartbeatWatchdog;
  private readonly callPools = new CallPools(CALL_SOCKETS);
  /** Calls wait here for a socket, in order (call-gate.ts), not inside the agents. */
  private readonly callGate = new CallGate(CALL_SOCKETS);
  /** ACKNOWLEDGE calls queued or in flight, by task id and update uuid. */
  private readonly acksInFlight = new Map<string, Promise<void>>();
  private readonly inflight = new Set<(err: Error) => void>();

  private fwId: string | undefined;
  private leaderBase: string | undefined;
  private redirectBase: string | undefined;
  private redirects = 0;
  private sub: Subscription | undefined;
  private reconnectTimer: Timer | undefined;
  private started = false;
  private stopped = false;

  constructor(options: SchedulerClientOptions) {
    super();
    this.encoding = options.encoding;
    if (this.encoding !== 'json' && this.encoding !== 'protobuf') {
      throw new TypeError(`encoding must be 'json' or 'protobuf', got ${String(options.encoding)}`);
    }
    this.contentType = CONTENT_TYPE[this.encoding];
    this.frameworkInfo = options.frameworkInfo;
    // Validates user/name now rather than at the first subscribe attempt.
    calls.subscribeCall(this.frameworkInfo);
    this.fwId = options.frameworkId || options.frameworkInfo.id?.value || undefined;
    this.missLimit = options.heartbeatMissLimit ?? 5;
    this.backoffPolicy = options.backoff ?? DEFAULT_BACKOFF;
    this.timeoutMs = options.requestTimeoutMs ?? 75_000;
    this.maxAttempts = Math.max(1, options.maxCallAttempts ?? 9);
    this.callBackoff = options.callBackoff ?? DEFAULT_CALL_BACKOFF;
    this.callHealth = new CallHealth(options.callHealth ?? DEFAULT_CALL_HEALTH);
    this.suppressedRoles = options.suppressedRoles;
    this.log = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.detector = options.detector ?? createMasterDetector(options.master, {
      logger: this.log,
      clock: this.clock,
      zkSessionTimeoutMs: options.zkSessionTimeoutMs,
      zkOperationTimeoutMs: options.zkOperationTimeoutMs,
    });
    this.subscribeBackoff = new Backoff(this.backoffPolicy);
    this.watchdog = new HeartbeatWatchdog(this.clock, (silentMs) => {
      const sub = this.sub;
      if (!sub) return;
      this.fail(sub, 'heartbeat-timeout', new MesosHeartbeatTimeoutError(
        `no record from ${baseOf(sub.url)} for ${silentMs} ms (limit ${this.missLimit} heartbeats)`));
    });
  }

  /** The framework id, once the master assigned it (or as given in the options). */
  get frameworkId(): string | undefined {
    return this.fwId;
  }

  /** True between SUBSCRIBED and the loss of that stream. */
  get subscribed(): boolean {
    return this.sub?.subscribed === true;
  }

  get streamId(): string | undefined {
    return this.sub?.subscribed ? this.sub.streamId : undefined;
  }

  /** Base URL of the master currently subscribed to (or being tried). */
  get master(): string | undefined {
    return this.sub ? baseOf(this.sub.url) : this.redirectBase ?? this.leaderBase;
  }

  start(): void {
    if (this.stopped) throw new MesosStoppedError('SchedulerClient was stopped; create a new one');
    if (this.started) return;
    this.started = true;
    this.detector.on('leader', this.onLeader);
    this.detector.on('no-leader', this.onNoLeader);
    this.detector.start();
  }

  /** Closes the stream, cancels retries and in-flight calls, stops detection. Does not tear the framework down. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.clearReconnect();
    const sub = this.sub;
    if (sub) {
      this.closeSubscription(sub);
      this.safeEmit('disconnected', { reason: 'stopped', master: baseOf(sub.url) });
    }
    for (const abort of [...this.inflight]) abort(new MesosStoppedError('SchedulerClient stopped'));
    this.detector.off('leader', this.onLeader);
    this.detector.off('no-leader', this.onNoLeader);
    await this.detector.stop();
    await this.callPools.destroy();
  }

  // ---- calls ---------------------------------------------------------------------------------

  accept(offerIds: IdLike[], operations: Operation[], filters?: Filters): Promise<void> {
    return this.sendBuilt((id) => calls.acceptCall(id, offerIds, operations, filters));
  }

  /** ACCEPT with one LAUNCH operation. */
  launch(offerIds: IdLike[], taskInfos: TaskInfo[], filters?: Filters): Promise<void> {
    return this.sendBuilt((id) => calls.acceptCall(id, offerIds, [calls.launchOperation(taskInfos)], filters));
  }

  decline(offerIds: IdLike[], filters?: Filters): Promise<void> {
    return this.sendBuilt((id) => calls.declineCall(id, offerIds, filters));
  }

  revive(roles?: string[]): Promise<void> {
    return this.sendBuilt((id) => calls.reviveCall(id, roles));
  }

  suppress(roles?: string[]): Promise<void> {
    return this.sendBuilt((id) => calls.suppressCall(id, roles));
  }

  kill(taskId: IdLike, agentId?: IdLike, killPolicy?: KillPolicy): Promise<void> {
    return this.sendBuilt((id) => calls.killCall(id, taskId, agentId, killPolicy));
  }

  shutdown(executorId: IdLike, agentId: IdLike): Promise<void> {
    return this.sendBuilt((id) => calls.shutdownCall(id, executorId, agentId));
  }

  /**
   * ACKNOWLEDGE a status update. Resolves false without sending anything when the update has no
   * uuid (master-generated updates must never be acknowledged), true once the master took the ack.
   */
  async acknowledge(status: TaskStatus): Promise<boolean> {
    if (typeof status?.uuid !== 'string' || status.uuid.length === 0) return false;
    // An agent resends an update not acknowledged within its retry interval; when our ACK of that
    // update is still queued or in flight, the resend shares it instead of adding a second call
    // (under a launch storm duplicate ACKs fed the very backlog that caused the resends).
    const key = `${status.task_id?.value ?? ''}\u0000${status.uuid}`;
    let pending = this.acksInFlight.get(key);
    if (pending === undefined) {
      pending = this.sendBuilt((id) => calls.acknowledgeCall(id, status) as Call, true)
        .finally(() => { this.acksInFlight.delete(key); });
      this.acksInFlight.set(key, pending);
    }
    await pending;
    return true;
  }

  /** RECONCILE the listed tasks; an empty list is implicit reconciliation (all tasks). */
  reconcile(tasks: ReconcileTask[]): Promise<void> {
    return this.sendBuilt((id) => calls.reconcileCall(id, tasks));
  }

  /** TEARDOWN: the master kills every task and removes the framework. The client then stops. */
  async teardown(): Promise<void> {
    await this.sendBuilt((id) => calls.teardownCall(id));
    await this.stop();
  }

  message(agentId: IdLike, executorId: IdLike, data: Uint8Array): Promise<void> {
    return this.sendBuilt((id) => calls.messageCall(id, agentId, executorId, data));
  }

  request(requests: ResourceRequest[]): Promise<void> {
    return this.sendBuilt((id) => calls.requestCall(id, requests));
  }

  /** UPDATE_FRAMEWORK (answered 200). `principal`, `user` and `checkpoint` cannot change. */
  updateFramework(frameworkInfo: FrameworkInfo, suppressedRoles?: string[]): Promise<void> {
    return this.sendBuilt((id) => calls.updateFrameworkCall(id, frameworkInfo, suppressedRoles));
  }

  /** Sends any prepared non-SUBSCRIBE call (framework_id is filled in when absent). */
  send(call: Call): Promise<void> {
    return this.sendBuilt((id) => (call.framework_id ? call : { framework_id: { value: id }, ...call }));
  }

  /** Registers a call's abort with stop() (inflight); returns its unregister function. */
  private readonly trackAbort = (abort: (err: Error) => void): (() => void) => {
    this.inflight.add(abort);
    return () => this.inflight.delete(abort);
  };

  /**
   * Sends a call under its retry policy. A `background` call (ACKNOWLEDGE) waits for its place in
   * the gate before anything of it is built: in a launch storm hundreds of them wait (p50 ~500 in
   * the 10k bench), and each one's encoded body, headers and retry closures lived long enough to
   * be copied by the young-generation GC, whose pauses were the largest part of the API's p99.
   */
  private async sendBuilt(build: (frameworkId: string) => Call, background = false): Promise<void> {
    if (this.stopped) throw new MesosStoppedError('SchedulerClient stopped');
    const sub = this.sub;
    if (!sub || !sub.subscribed || !sub.streamId || !this.fwId) {
      // Build first so argument errors win over state errors (they are the caller's bug).
      throw new MesosNotSubscribedError(build(this.fwId ?? 'unsubscribed').type);
    }
    const { streamId } = sub;
    const frameworkId = this.fwId;
    let held = background ? await this.callGate.acquire(this.trackAbort, true) : undefined;
    try {
      await this.runBuilt(sub, streamId, () => build(frameworkId), background, () => {
        const first = held;
        held = undefined;
        return first;
      });
    } finally {
      held?.();
    }
  }

  /** The call's attempts on `sub`; `takeHeld` hands over a place in the gate already held for the first. */
  private async runBuilt(sub: Subscription, streamId: string, build: () => Call, background: boolean, takeHeld: () => (() => void) | undefined): Promise<void> {
    // Only the encoded body and the type are kept while the call waits (an ACCEPT's TaskInfos are not).
    const { body, type } = this.encoded(build());
    if (type === 'SUBSCRIBE') throw new MesosNotSubscribedError('SUBSCRIBE through send()');
    const headers = {
      'Content-Type': this.contentType,
      'Content-Length': String(body.length),
      'Mesos-Stream-Id': streamId,
    };
    let url = sub.url;
    await runCall({
      type,
      maxAttempts: this.maxAttempts,
      backoff: this.callBackoff,
      current: () => !this.stopped && this.sub === sub && sub.subscribed,
      sleep: (ms) => this.sleep(ms),
      attempt: async (fresh): Promise<AttemptResult> => {
        if (this.stopped) throw new MesosStoppedError('SchedulerClient stopped');
        const release = takeHeld() ?? await this.callGate.acquire(this.trackAbort, background);
        let outcome: Awaited<ReturnType<typeof postCall>>;
        try {
          outcome = await postCall(url, {
          headers,
          body,
          fresh,
          pools: this.callPools,
          // A call unanswered for longer than the heartbeat allows is a silent master, as a silent stream is.
          timeoutMs: Math.min(this.timeoutMs, sub.heartbeatLimitMs ?? this.timeoutMs),
          clock: this.clock,
          track: this.trackAbort,
          });
        } finally {
          release();
        }
        if ('failure' in outcome) return { kind: outcome.failure, error: outcome.error };
        const res = outcome.response;
        if (res.status === 202 || res.status === 200) {
          this.callHealth.success();
          return { kind: 'ok' };
        }
        if (res.status === 307) {
          url = resolveRedirect(res.headers.location, url);
          this.log.info({ call: type, to: baseOf(url) }, 'mesos call redirected to the leading master');
          return { kind: 'redirect', error: new MesosRedirectError(`${type}: redirected to ${baseOf(url)}`) };
        }
        const error = new MesosHttpError(res.status, res.body.toString('utf8'), type);
        return { kind: res.status === 503 ? 'unavailable' : 'rejected', error };
      },
      onFailure: (result, decision) => {
        const retry = decision.action === 'retry';
        const log = { call: type, failure: result.kind, err: result.error.message, ...(retry ? { delayMs: decision.delayMs, fresh: decision.fresh } : {}) };
        if (result.kind === 'redirect') return;
        if (result.kind === 'stale-socket') this.log.debug(log, 'stale keep-alive socket; call resent on a fresh connection');
        else this.log.warn(log, retry ? 'mesos call failed; retrying' : 'mesos call failed');
        if (this.callHealth.failure(result.kind, this.clock.now()) && this.sub === sub) {
          const failures = this.callHealth.consecutiveFailures;
          this.callHealth.reset();
          this.fail(sub, 'calls-failing', new MesosConnectionError(`${failures} calls to ${baseOf(sub.url)} failed in a row (last: ${result.error.message})`, { cause: result.error }));
        }
      },
    });
  }

  private encoded(call: Call): { body: Buffer; type: Call['type'] } {
    return { body: encodeCall(call, this.encoding), type: call.type };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const abort = (err: Error): void => {
        timer.cancel();
        this.inflight.delete(abort);
        reject(err);
      };
      const timer = this.clock.setTimer(() => {
        this.inflight.delete(abort);
        resolve();
      }, ms);
      this.inflight.add(abort);
    });
  }

  // ---- subscription --------------------------------------------------------------------------

  private readonly onLeader = (url: string): void => {
    if (this.stopped) return;
    if (url === this.leaderBase) return;
    this.log.info({ leader: url }, 'mesos leading master detected');
    this.leaderBase = url;
    this.redirectBase = undefined;
    this.redirects = 0;
    const sub = this.sub;
    if (sub && sub.leader !== url) {
      this.closeSubscription(sub);
      this.safeEmit('disconnected', { reason: 'leader-changed', master: baseOf(sub.url) });
    }
    if (!this.sub) {
      this.clearReconnect();
      this.connect();
    }
  };

  private readonly onNoLeader = (): void => {
    this.log.warn({}, 'no leading mesos master');
    // A live stream stays: it ends by itself if that master really went away.
    this.leaderBase = undefined;
  };

  private clearReconnect(): void {
    if (this.reconnectTimer !== undefined) this.reconnectTimer.cancel();
    this.reconnectTimer = undefined;
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer !== undefined) return;
    const delay = this.subscribeBackoff.next();
    this.log.info({ delayMs: delay, frameworkId: this.fwId }, 'resubscribing to mesos master');
    this.reconnectTimer = this.clock.setTimer(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
  }

  private connect(): void {
    if (this.stopped || this.sub) return;
    const leader = this.leaderBase;
    if (!leader) return; // the next 'leader' event connects
    const base = this.redirectBase ?? leader;
    const url = schedulerEndpoint(base);
    const call = calls.subscribeCall(this.frameworkInfo, this.fwId, this.suppressedRoles);
    const body = encodeCall(call, this.encoding);
    // Exactly the header set a real client sends (recorded against Mesos 1.11); node adds
    // Host, Connection and the Content-Length of the single-chunk body.
    const headers = { 'Content-Type': this.contentType, Accept: this.contentType };
    // A connection of its own: the stream must never share (or block) the call pool.
    const request = openStream(url, headers, body, undefined);
    const sub: Subscription = {
      url,
      leader,
      request,
      response: undefined,
      decoder: new RecordIODecoder(),
      headerTimer: undefined,
      streamId: undefined,
      subscribed: false,
      resubscribe: this.fwId !== undefined,
    };
    this.sub = sub;
    this.log.info({ master: base, frameworkId: this.fwId, encoding: this.encoding }, 'subscribing to mesos master');
    sub.headerTimer = this.clock.setTimer(() => {
      sub.headerTimer = undefined;
      this.fail(sub, 'subscribe-failed', new MesosTimeoutError(`no SUBSCRIBE answer from ${base} within ${this.timeoutMs} ms`));
    }, this.timeoutMs);
    request.on('error', (err) => {
      const error = err instanceof MesosError ? err : new MesosConnectionError(`SUBSCRIBE to ${base} failed: ${err.message}`, { cause: err });
      this.fail(sub, sub.response ? 'stream-error' : 'subscribe-failed', error);
    });
    request.on('response', (res) => this.onSubscribeResponse(sub, res));
  }

  private onSubscribeResponse(sub: Subscription, res: http.IncomingMessage): void {
    if (sub !== this.sub) {
      res.destroy();
      return;
    }
    sub.response = res;
    if (sub.headerTimer !== undefined) sub.headerTimer.cancel();
    sub.headerTimer = undefined;
    const status = res.statusCode ?? 0;

    if (status === 307) {
      res.resume();
      let target: URL;
      try {
        target = resolveRedirect(res.headers.location, sub.url);
      } catch (err) {
        this.fail(sub, 'subscribe-failed', err as Error);
        return;
      }
      this.closeSubscription(sub);
      this.redirectBase = baseOf(target);
      this.redirects++;
      this.log.info({ from: baseOf(sub.url), to: this.redirectBase }, 'SUBSCRIBE redirected to the leading master');
      if (this.redirects > MAX_SUBSCRIBE_REDIRECTS) {
        // A redirect loop between masters that disagree: start over from the detector's leader, later.
        this.redirectBase = undefined;
        this.redirects = 0;
        this.safeEmit('disconnected', { reason: 'subscribe-failed', error: new MesosRedirectError('SUBSCRIBE redirect loop'), master: baseOf(sub.url) });
        this.scheduleReconnect();
        return;
      }
      this.connect();
      return;
    }

    if (status !== 200) {
      void readSmallBody(res).then((text) => {
        const err = new MesosHttpError(status, text, 'SUBSCRIBE');
        if (status !== 503) this.log.error({ err, status, body: text }, 'mesos master rejected SUBSCRIBE');
        // After a rejection by a master we were redirected to, ask the detector's leader again.
        this.redirectBase = undefined;
        this.fail(sub, 'subscribe-failed', err);
      });
      return;
    }

    const streamId = res.headers['mesos-stream-id'];
    const contentType = String(res.headers['content-type'] ?? '').split(';')[0]?.trim();
    if (typeof streamId !== 'string' || streamId.length === 0) {
      this.fail(sub, 'subscribe-failed', new MesosStreamError('SUBSCRIBE answered 200 without a Mesos-Stream-Id header'));
      return;
    }
    if (contentType !== this.contentType) {
      this.fail(sub, 'subscribe-failed', new MesosStreamError(`SUBSCRIBE stream has Content-Type "${contentType}", expected ${this.contentType}`));
      return;
    }
    sub.streamId = streamId;
    this.redirects = 0;
    this.watchdog.arm(heartbeatTimeoutMs(DEFAULT_HEARTBEAT_SECONDS, this.missLimit));
    res.on('data', (chunk: Buffer) => this.onChunk(sub, chunk));
    res.on('end', () => this.fail(sub, 'stream-ended', new MesosStreamError(`subscription stream from ${baseOf(sub.url)} ended`)));
    res.on('error', (err) => this.fail(sub, 'stream-error', err));
    res.on('close', () => this.fail(sub, 'stream-error', new MesosStreamError(`subscription connection to ${baseOf(sub.url)} closed`)));
  }

  private onChunk(sub: Subscription, chunk: Buffer): void {
    if (sub !== this.sub) return;
    let records: Buffer[];
    let framingError: RecordIOError | undefined;
    try {
      records = sub.decoder.push(chunk);
    } catch (err) {
      if (!(err instanceof RecordIOError)) throw err;
      framingError = err;
      records = err.records; // deliver what came before the corruption
    }
    for (const record of records) {
      if (sub !== this.sub) return; // a listener stopped the client or an ERROR ended the stream
      this.watchdog.feed();
      let event: Event;
      try {
        event = decodeEvent(record, this.encoding);
        if (event === null || typeof event !== 'object' || typeof event.type !== 'string') {
          throw new Error('record is not an Event object with a type');
        }
      } catch (err) {
        const error = new MesosDecodeError(`undecodable ${this.encoding} event record (${record.length} bytes): ${(err as Error).message}`, { cause: err });
        this.log.error({ err: error, master: baseOf(sub.url) }, 'malformed event on the subscription stream; resubscribing');
        this.fail(sub, 'malformed-record', error);
        return;
      }
      this.dispatch(sub, event);
    }
    if (framingError && sub === this.sub) {
      this.log.error({ err: framingError, master: baseOf(sub.url) }, 'malformed RecordIO framing on the subscription stream; resubscribing');
      this.fail(sub, 'malformed-record', framingError);
    }
  }

  private dispatch(sub: Subscription, event: Event): void {
    this.safeEmit('event', event);
    switch (event.type) {
      case 'SUBSCRIBED': {
        const frameworkId = event.subscribed?.framework_id?.value;
        if (!frameworkId) {
          this.fail(sub, 'malformed-record', new MesosDecodeError('SUBSCRIBED event without framework_id'));
          return;
        }
        const interval = event.subscribed?.heartbeat_interval_seconds ?? DEFAULT_HEARTBEAT_SECONDS;
        this.fwId = frameworkId;
        sub.subscribed = true;
        this.subscribeBackoff.reset();
        this.callHealth.reset();
        sub.heartbeatLimitMs = heartbeatTimeoutMs(interval, this.missLimit);
        this.watchdog.arm(sub.heartbeatLimitMs);
        this.log.info({ frameworkId, master: baseOf(sub.url), heartbeatIntervalSeconds: interval }, 'subscribed to mesos master');
        this.safeEmit('subscribed', {
          frameworkId,
          heartbeatIntervalSeconds: interval,
          masterInfo: event.subscribed?.master_info,
          resubscribed: sub.resubscribe,
          master: baseOf(sub.url),
          streamId: sub.streamId as string,
        });
        return;
      }
      case 'HEARTBEAT':
        this.safeEmit('heartbeat');
        return;
      case 'OFFERS':
        this.safeEmit('offers', event.offers?.offers ?? []);
        return;
      case 'RESCIND':
        if (event.rescind?.offer_id) this.safeEmit('rescind', event.rescind.offer_id);
        return;
      case 'UPDATE':
        if (event.update?.status) this.safeEmit('update', event.update.status);
        return;
      case 'MESSAGE':
        if (event.message) this.safeEmit('message', event.message);
        return;
      case 'FAILURE':
        this.safeEmit('failure', event.failure ?? {});
        return;
      case 'ERROR': {
        const message = event.error?.message ?? '';
        this.log.warn({ message, master: baseOf(sub.url) }, 'mesos master sent ERROR');
        this.safeEmit('error-event', message);
        if (FRAMEWORK_REMOVED.test(message)) {
          this.closeSubscription(sub);
          this.safeEmit('disconnected', { reason: 'error-event', error: new MesosErrorEvent(message), master: baseOf(sub.url) });
          this.safeEmit('removed', message);
          void this.stop();
          return;
        }
        this.fail(sub, 'error-event', new MesosErrorEvent(message));
        return;
      }
      default:
        return; // INVERSE_OFFERS, RESCIND_INVERSE_OFFER, UPDATE_OPERATION_STATUS, unknown: 'event' only
    }
  }

  /** Ends `sub` (if still current), reports why, and schedules a resubscribe. */
  private fail(sub: Subscription, reason: DisconnectReason, error: Error): void {
    if (sub !== this.sub || this.stopped) return;
    this.closeSubscription(sub);
    this.log.warn({ reason, err: error, master: baseOf(sub.url) }, 'mesos subscription lost');
    this.safeEmit('disconnected', { reason, error, master: baseOf(sub.url) });
    this.scheduleReconnect();
  }

  private closeSubscription(sub: Subscription): void {
    if (this.sub === sub) this.sub = undefined;
    this.watchdog.disarm();
    if (sub.headerTimer !== undefined) sub.headerTimer.cancel();
    sub.headerTimer = undefined;
    sub.subscribed = false;
    sub.response?.destroy();
    sub.request.destroy();
  }

  private safeEmit<K extends keyof SchedulerClientEvents>(name: K, ...args: SchedulerClientEvents[K]): void {
    try {
      (this.emit as (n: K, ...a: SchedulerClientEvents[K]) => boolean)(name, ...args);
    } catch (err) {
      this.log.error({ err, event: name }, 'SchedulerClient listener threw');
    }
  }
}
