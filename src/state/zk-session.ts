// One ZooKeeper session that survives expiry, with a deadline on every request.
//
// node-zookeeper-client has no request timeout: with quorum lost a request waits forever, and
// after session expiry the client is dead. ZkSession therefore
//   - sends a request only while connected (waiting for a connection until the deadline), so a
//     request that never left is known not to have been applied (StoreUnavailableError),
//   - races every request against the deadline (StoreTimeoutError: outcome unknown),
//   - replaces an expired client by a new one and reports 'connected' with `newSession: true`,
//     so owners re-read state, re-set watches and re-create their own ephemeral nodes,
//   - closes for good even while disconnected (the library would keep reconnecting).
//
//   - drops a connection that has gone silent for 2/3 of the session timeout (the library has no
//     read timeout, so a half-open connection, or one whose session was closed elsewhere, would
//     look healthy forever — a leader would never learn it lost its session),
//
// Events: 'connected' (newSession: boolean), 'disconnected', 'expired', 'auth-failed'.

import { EventEmitter } from 'node:events';
import * as zookeeper from 'node-zookeeper-client';
import { StoreInvalidError, StoreTimeoutError, StoreUnavailableError } from './store';

export interface ZkSessionOptions {
  /** `host:port,host:port` without chroot. */
  connectString: string;
  auth?: { user: string; password: string };
  /** Requested session timeout (the server bounds it). Default 10 000 ms. */
  sessionTimeoutMs?: number;
  /** Deadline of one request, waiting for a connection included. Default 10 000 ms. */
  operationTimeoutMs?: number;
  /** How long open() waits for the first connection. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Upper bound of the random pause between rounds over all servers. Default 200 ms. */
  spinDelayMs?: number;
  /**
   * Once the connection has been gone this long, requests wait at most one more second for it
   * (StoreUnavailableError) instead of their whole deadline, so a quorum outage answers 503
   * quickly while a leader failover (well under a second) stays invisible.
   * Default min(operationTimeoutMs, 4000).
   */
  failFastAfterMs?: number;
}

/** How long a request still waits for a connection once the session is in fail-fast mode. */
const FAIL_FAST_WAIT_MS = 1000;

export type RequestKind = 'read' | 'write';

/** A ZooKeeper error answer (NODE_EXISTS, BAD_VERSION, …) or a lost connection. */
export class ZkRequestError extends Error {
  readonly zkCode: number;
  constructor(readonly operation: string, cause: { code: number; name: string; message?: string }) {
    super(`${operation}: ${cause.name ?? cause.message} (${cause.code})`);
    this.name = 'ZkRequestError';
    this.zkCode = cause.code;
  }
  /** The request may or may not have been applied. */
  get connectionLost(): boolean {
    return this.zkCode === zookeeper.Exception.CONNECTION_LOSS || this.zkCode === zookeeper.Exception.SESSION_EXPIRED;
  }
  is(code: number): boolean {
    return this.zkCode === code;
  }
}

function isZkException(err: unknown): err is { code: number; name: string } {
  return err instanceof zookeeper.Exception || (typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number');
}

// The parts of the library's private connection manager that a hard close needs. They are
// internals of node-zookeeper-client 1.1.3: package.json pins that exact version (and
// test/unit/state-zk-pin checks the pin and the installed copy); read them again before a bump.
interface ConnectionManagerInternals {
  socket?: { destroy(): void };
  connectTimeoutHandler?: NodeJS.Timeout | null;
  connect: () => void;
  findNextServer: (cb: unknown) => void;
  onSocketConnected: () => void;
  setState: (state: number) => void;
  cleanupPendingQueue: (code: number) => void;
  packetQueue?: { shift(): { callback?: (err: unknown) => void } | undefined };
}
const CM_CLOSED = -2; // ConnectionManager.STATES.CLOSED

export class ZkSession extends EventEmitter {
  readonly sessionTimeoutMs: number;
  readonly operationTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly spinDelayMs: number;
  private client: zookeeper.Client | undefined;
  private connected = false;
  private closed = false;
  private lastSessionId: string | undefined;
  private disconnectedAt: number | undefined = Date.now();
  private readonly failFastAfterMs: number;
  private watchdog: NodeJS.Timeout | undefined;
  readonly counts = { reads: 0, writes: 0 };

  constructor(private readonly options: ZkSessionOptions) {
    super();
    // Every request waiting for a connection listens here; their number is not a leak.
    this.setMaxListeners(0);
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
    this.operationTimeoutMs = options.operationTimeoutMs ?? 10_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.spinDelayMs = options.spinDelayMs ?? 200;
    this.failFastAfterMs = options.failFastAfterMs ?? Math.min(this.operationTimeoutMs, 4000);
    if (this.operationTimeoutMs <= 0 || this.sessionTimeoutMs <= 0) throw new StoreInvalidError('ZooKeeper timeouts must be positive');
  }

  get isConnected(): boolean {
    return this.connected && !this.closed;
  }

  /** Hex session id of the current connection ('' before the first one). */
  get sessionId(): string {
    return this.lastSessionId ?? '';
  }

  /** Id and password of the live session (diagnostics, and tests that expire it on purpose). */
  credentials(): { id: Buffer; password: Buffer } | undefined {
    if (!this.client || !this.connected) return undefined;
    return { id: this.client.getSessionId(), password: this.client.getSessionPassword() };
  }

  /** The server port of the live connection (diagnostics: which ensemble member we talk to). */
  serverPort(): number | undefined {
    if (!this.connected) return undefined;
    const cm = (this.client as unknown as { connectionManager?: { socket?: { remotePort?: number } } } | undefined)?.connectionManager;
    return cm?.socket?.remotePort;
  }

  /** Negotiated session timeout (the requested one until connected). */
  negotiatedTimeoutMs(): number {
    return this.client?.getSessionTimeout() ?? this.sessionTimeoutMs;
  }

  /** Connects; rejects with StoreUnavailableError (and closes) when no connection comes in time. */
  async open(): Promise<void> {
    if (this.client) return;
    this.startClient();
    try {
      await this.waitConnected(Date.now() + this.connectTimeoutMs, false);
    } catch (err) {
      await this.close();
      throw new StoreUnavailableError(`cannot connect to ZooKeeper at ${this.options.connectString} within ${this.connectTimeoutMs} ms`);
    }
  }

  private startClient(): void {
    const client = zookeeper.createClient(this.options.connectString, {
      sessionTimeout: this.sessionTimeoutMs,
      spinDelay: this.spinDelayMs,
      retries: 0,
    });
    this.client = client;
    if (this.options.auth) client.addAuthInfo('digest', Buffer.from(`${this.options.auth.user}:${this.options.auth.password}`, 'utf8'));
    client.on('connected', () => {
      if (client !== this.client || this.closed) return;
      this.connected = true;
      this.disconnectedAt = undefined;
      const id = client.getSessionId().toString('hex');
      const newSession = this.lastSessionId !== undefined && id !== this.lastSessionId;
      this.lastSessionId = id;
      this.watchConnection(client);
      this.emit('connected', newSession);
    });
    client.on('disconnected', () => {
      if (client !== this.client || this.closed) return;
      const was = this.connected;
      this.connected = false;
      this.disconnectedAt ??= Date.now();
      if (was) this.emit('disconnected');
    });
    client.on('expired', () => {
      if (client !== this.client || this.closed) return;
      this.connected = false;
      this.disconnectedAt ??= Date.now();
      this.emit('expired');
      // The old client cannot recover; a new one gets a new session.
      hardClose(client);
      this.startClient();
    });
    client.on('authenticationFailed', () => {
      if (client !== this.client || this.closed) return;
      this.connected = false;
      this.emit('auth-failed');
    });
    client.connect();
  }

  /** Read timeout as in the Java client: the server answers pings sent every third of the session timeout. */
  private watchConnection(client: zookeeper.Client): void {
    const cm = (client as unknown as { connectionManager?: { socket?: NodeJS.EventEmitter & { destroy(): void } } }).connectionManager;
    const socket = cm?.socket;
    if (!socket) return;
    let lastReceived = Date.now();
    socket.on('data', () => {
      lastReceived = Date.now();
    });
    if (this.watchdog) clearInterval(this.watchdog);
    const readTimeout = Math.floor((client.getSessionTimeout() * 2) / 3);
    this.watchdog = setInterval(() => {
      if (this.closed || client !== this.client || cm?.socket !== socket) {
        clearInterval(this.watchdog);
        this.watchdog = undefined;
        return;
      }
      if (Date.now() - lastReceived > readTimeout) socket.destroy(); // the library reconnects
    }, Math.max(50, Math.floor(readTimeout / 4)));
    this.watchdog.unref();
  }

  /** Resolves once connected; StoreUnavailableError at the deadline (or earlier, see failFastAfterMs). */
  waitConnected(deadline: number, failFast = true): Promise<void> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('ZooKeeper session closed'));
    if (this.connected) return Promise.resolve();
    if (failFast && this.disconnectedAt !== undefined) {
      // Still give a reconnect that is about to happen (quorum just came back) a moment.
      deadline = Math.min(deadline, Math.max(this.disconnectedAt + this.failFastAfterMs, Date.now() + FAIL_FAST_WAIT_MS));
    }
    return new Promise<void>((resolve, reject) => {
      const onConnected = () => {
        cleanup();
        resolve();
      };
      const onClose = () => {
        cleanup();
        reject(new StoreUnavailableError('ZooKeeper session closed'));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new StoreUnavailableError(`ZooKeeper at ${this.options.connectString} is unavailable (no connection to a serving quorum member)`));
      }, Math.max(0, deadline - Date.now()));
      const cleanup = () => {
        clearTimeout(timer);
        this.off('connected', onConnected);
        this.off('closed', onClose);
      };
      this.on('connected', onConnected);
      this.on('closed', onClose);
    });
  }

  /**
   * Sends one request once connected, bounded by `deadline` (default now + operationTimeoutMs).
   * Rejects with StoreUnavailableError (never sent), StoreTimeoutError (sent, no answer) or
   * ZkRequestError (answered with an error, or connection lost while in flight).
   */
  async request<T>(
    kind: RequestKind,
    operation: string,
    send: (client: zookeeper.Client, resolve: (value: T) => void, reject: (err: unknown) => void) => void,
    deadline = Date.now() + this.operationTimeoutMs,
  ): Promise<T> {
    await this.waitConnected(deadline);
    const client = this.client;
    if (!client) throw new StoreUnavailableError('ZooKeeper session closed');
    this.counts[kind === 'read' ? 'reads' : 'writes']++;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        reject(new StoreTimeoutError(`ZooKeeper ${operation} got no answer in time (outcome unknown)`));
      }, Math.max(1, deadline - Date.now()));
      try {
        send(
          client,
          (value) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve(value);
          },
          (err) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            reject(isZkException(err) ? new ZkRequestError(operation, err) : err);
          },
        );
      } catch (err) {
        settled = true;
        clearTimeout(timer);
        reject(err);
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.connected = false;
    if (this.watchdog) clearInterval(this.watchdog);
    this.emit('closed');
    const client = this.client;
    if (!client) return;
    if (client.getState() === zookeeper.State.SYNC_CONNECTED) {
      // A clean close ends the session at once, so our ephemeral nodes vanish now.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        client.once('disconnected', () => {
          clearTimeout(timer);
          resolve();
        });
        client.close();
      });
    }
    hardClose(client);
  }
}

/** Stops the library's reconnect loop and drops the socket, whatever state it is in. */
function hardClose(client: zookeeper.Client): void {
  const cm = (client as unknown as { connectionManager?: ConnectionManagerInternals }).connectionManager;
  if (!cm) return;
  const noop = () => undefined;
  // A reconnect already scheduled (spin delay) still opens a socket: drop it as soon as it connects.
  cm.connect = noop;
  cm.findNextServer = noop;
  cm.onSocketConnected = () => cm.socket?.destroy();
  if (cm.connectTimeoutHandler) clearTimeout(cm.connectTimeoutHandler);
  try {
    cm.setState(CM_CLOSED);
  } catch {
    // unknown state: ignore
  }
  cm.socket?.destroy();
  const lost = { code: zookeeper.Exception.CONNECTION_LOSS, name: 'CONNECTION_LOSS' };
  try {
    cm.cleanupPendingQueue(lost.code);
  } catch {
    // nothing pending
  }
  for (let packet = cm.packetQueue?.shift(); packet; packet = cm.packetQueue?.shift()) packet.callback?.(lost);
}
