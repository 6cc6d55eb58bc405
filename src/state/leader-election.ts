// Leader election among `serve` instances.
//
// ZooKeeper recipe (our own): every candidate creates an ephemeral sequential node
// <root>/leader/c-<guid>-<seq> holding its `host:port`; the lowest sequence leads; each other
// candidate watches only its predecessor (no herd when a follower leaves) and the current
// leader's node (to know where to forward). The guid finds our node again when the answer to
// its create was lost. Only our own node is ever created or deleted.
//
// Leadership is given up when the session expires, when the connection has been gone for
// `disconnectGraceMs` (by then the ensemble may have expired the session and elected someone
// else), on abdicate() (re-entering at the back after `rejoinDelayMs`) and on close().
//
// Events: 'elected'; 'defeated' (reason: DefeatReason); 'leader-changed' (leader: string | null).
// `SingleLeader` is the no-HA variant (file: and memory: stores): always the leader.

import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import * as zookeeper from 'node-zookeeper-client';
import { StoreInvalidError } from './store';
import { ZkRequestError, ZkSession } from './zk-session';
import { ensureZkPath, zkAcl, zkPaths } from './zk-store';
import { parseZkUrl } from './zk-url';

export type DefeatReason = 'abdicated' | 'session-expired' | 'disconnected' | 'closed';

export interface LeaderElection extends EventEmitter {
  readonly isLeader: boolean;
  /** host:port of the current leader as far as we know, or null. */
  currentLeader(): string | null;
  start(): Promise<void>;
  /** Gives up leadership (if held) and re-enters the election after a delay. */
  abdicate(): Promise<void>;
  /**
   * The ZooKeeper node that exists exactly while this candidate may lead (its ephemeral
   * candidate node): the state store fences writes with it. Absent for elections without one.
   */
  fencingNode?(): string | null;
  close(): Promise<void>;
}

export interface ZkLeaderElectionOptions {
  /** Our `host:port`. */
  id: string;
  /** Default 1000 ms. */
  rejoinDelayMs?: number;
  /** Default: half the negotiated session timeout. */
  disconnectGraceMs?: number;
}

const CANDIDATE_PREFIX = 'c-';

function sequenceOf(name: string): number {
  const m = /(\d{10})$/.exec(name);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}

export class ZkLeaderElection extends EventEmitter implements LeaderElection {
  private readonly guid = randomBytes(8).toString('hex');
  /** A create is in flight: a node with our guid may be the one it is making, not a stale one. */
  private creating = false;
  private ourNode: string | null = null;
  private elected = false;
  private leader: string | null = null;
  private closed = false;
  private started = false;
  private abdicating: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private checkAgain = false;
  private readonly acl: zookeeper.ACL[];
  private readonly rejoinDelayMs: number;

  /**
   * `session` may be shared with a ZkStore; `ownsSession` closes it with the election.
   * `path` is the election node, e.g. `<root>/leader`.
   */
  constructor(
    readonly session: ZkSession,
    private readonly path: string,
    private readonly options: ZkLeaderElectionOptions,
    acl: zookeeper.ACL[],
    private readonly ownsSession = false,
  ) {
    super();
    if (!/^[^\s/]+:\d{1,5}$/.test(options.id)) throw new StoreInvalidError(`candidate id must be host:port, got ${JSON.stringify(options.id)}`);
    this.acl = acl;
    this.rejoinDelayMs = options.rejoinDelayMs ?? 1000;
  }

  /** Opens its own session on `zk://…/root` and starts: candidates live under `<root>/leader`. */
  static async open(
    url: string,
    options: ZkLeaderElectionOptions & { sessionTimeoutMs?: number; operationTimeoutMs?: number; connectTimeoutMs?: number },
  ): Promise<ZkLeaderElection> {
    const parsed = parseZkUrl(url);
    const session = new ZkSession({
      connectString: parsed.connectString,
      auth: parsed.auth,
      sessionTimeoutMs: options.sessionTimeoutMs,
      operationTimeoutMs: options.operationTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
    });
    await session.open();
    const election = new ZkLeaderElection(session, zkPaths(parsed.path).leader, options, zkAcl(parsed), true);
    try {
      await election.start();
    } catch (err) {
      await election.close();
      throw err;
    }
    return election;
  }

  get isLeader(): boolean {
    return this.elected;
  }

  currentLeader(): string | null {
    return this.leader;
  }

  fencingNode(): string | null {
    return this.ourNode === null ? null : `${this.path}/${this.ourNode}`;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await ensureZkPath(this.session, this.path, this.acl);
    this.session.on('disconnected', this.onDisconnected);
    this.session.on('connected', this.onConnected);
    this.session.on('expired', this.onExpired);
    await this.enter();
  }

  async abdicate(): Promise<void> {
    if (this.closed || this.abdicating) return;
    this.abdicating = setTimeout(() => {
      this.abdicating = undefined;
      this.enter().catch(() => this.retrySoon());
    }, this.rejoinDelayMs);
    this.abdicating.unref?.();
    this.setElected(false, 'abdicated');
    await this.removeOurNode();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of [this.abdicating, this.graceTimer, this.retryTimer]) if (t) clearTimeout(t);
    this.session.off('disconnected', this.onDisconnected);
    this.session.off('connected', this.onConnected);
    this.session.off('expired', this.onExpired);
    this.setElected(false, 'closed');
    if (this.session.isConnected) await this.removeOurNode().catch(() => undefined);
    if (this.ownsSession) await this.session.close();
  }

  // ------------------------------------------------------------------------------------------

  private readonly onDisconnected = (): void => {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    const grace = this.options.disconnectGraceMs ?? Math.floor(this.session.negotiatedTimeoutMs() / 2);
    this.graceTimer = setTimeout(() => {
      this.graceTimer = undefined;
      if (this.session.isConnected || this.closed) return;
      this.setElected(false, 'disconnected');
      this.setLeader(null);
    }, grace);
  };

  private readonly onConnected = (newSession: boolean): void => {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    if (this.closed) return;
    if (newSession) {
      // Our ephemeral node died with the old session.
      this.ourNode = null;
      this.setElected(false, 'session-expired');
      if (!this.abdicating) this.enter().catch(() => this.retrySoon());
      return;
    }
    this.check();
  };

  private readonly onExpired = (): void => {
    this.ourNode = null;
    this.setElected(false, 'session-expired');
    this.setLeader(null);
  };

  private readonly onWatch = (): void => {
    if (!this.closed) this.check();
  };

  private setElected(value: boolean, reason?: DefeatReason): void {
    if (this.elected === value) return;
    this.elected = value;
    if (value) this.emit('elected');
    else this.emit('defeated', reason ?? 'closed');
  }

  private setLeader(leader: string | null): void {
    if (this.leader === leader) return;
    this.leader = leader;
    this.emit('leader-changed', leader);
  }

  private retrySoon(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.session.isConnected) return; // 'connected' will bring us back
      if (this.ourNode === null && !this.abdicating) this.enter().catch(() => this.retrySoon());
      else this.check();
    }, 250);
    this.retryTimer.unref?.();
  }

  private async listCandidates(): Promise<string[]> {
    const children = await this.session.request<string[]>('read', `getChildren ${this.path}`, (client, resolve, reject) =>
      client.getChildren(this.path, (err, names) => (err ? reject(err) : resolve(names))),
    );
    return children.filter((c) => c.startsWith(CANDIDATE_PREFIX)).sort((a, b) => sequenceOf(a) - sequenceOf(b));
  }

  private async enter(): Promise<void> {
    await this.createNode();
    await this.runCheck();
  }

  private async createNode(): Promise<void> {
    if (this.closed || this.ourNode !== null) return;
    const prefix = `${this.path}/${CANDIDATE_PREFIX}${this.guid}-`;
    this.creating = true;
    try {
      const created = await this.session.request<string>('write', `create ${prefix}`, (client, resolve, reject) =>
        client.create(prefix, Buffer.from(this.options.id, 'utf8'), this.acl, zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL, (err, p) =>
          err ? reject(err) : resolve(p),
        ),
      );
      this.ourNode = created.slice(this.path.length + 1);
    } catch (err) {
      // The answer was lost: the node may exist anyway; the guid finds it.
      if (!(err instanceof ZkRequestError && err.connectionLost)) throw err;
      const mine = (await this.listCandidates()).find((c) => c.includes(this.guid));
      if (!mine) throw err;
      this.ourNode = mine;
    } finally {
      this.creating = false;
    }
  }

  private async removeOurNode(): Promise<void> {
    const node = this.ourNode;
    this.ourNode = null;
    if (!node) return;
    await this.removeNode(node);
  }

  /** Removes one of our candidate nodes; a failure is left to the next check (see checkOnce). */
  private async removeNode(node: string): Promise<void> {
    await this.removeNodeOrThrow(node).catch(() => undefined);
  }

  private async removeNodeOrThrow(node: string): Promise<void> {
    await this.session.request<void>('write', `remove ${node}`, (client, resolve, reject) =>
      client.remove(`${this.path}/${node}`, -1, (err) => (err && (err as { code?: number }).code !== zookeeper.Exception.NO_NODE ? reject(err) : resolve())),
    );
  }

  /** Serialised: a check requested while one runs runs once more afterwards. */
  private check(): void {
    if (this.checking) {
      this.checkAgain = true;
      return;
    }
    this.runCheck().catch(() => this.retrySoon());
  }

  private async runCheck(): Promise<void> {
    if (this.checking) {
      this.checkAgain = true;
      return this.checking;
    }
    this.checking = (async () => {
      do {
        this.checkAgain = false;
        await this.checkOnce();
      } while (this.checkAgain && !this.closed);
    })().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async checkOnce(): Promise<void> {
    if (this.closed) return;
    const candidates = await this.listCandidates();
    // A node of ours that is not our current one: an abdication (or a failed takeover) whose
    // remove failed while ZooKeeper had no quorum. Our session survived the outage, so nobody
    // else removes it; left there, it would stay first in line and nobody would ever lead.
    const stale = this.creating ? [] : candidates.filter((c) => c.includes(this.guid) && c !== this.ourNode);
    if (stale.length > 0) {
      for (const c of stale) await this.removeNodeOrThrow(c); // a failure: retried after a pause
      this.checkAgain = true;
      return;
    }
    if (this.ourNode !== null && !candidates.includes(this.ourNode)) {
      // Deleted behind our back (e.g. by an operator): re-enter.
      this.ourNode = null;
      this.setElected(false, 'session-expired');
    }
    if (this.ourNode === null && !this.abdicating) {
      await this.createNode();
      this.checkAgain = true;
      return;
    }
    const leaderNode = candidates[0];
    if (leaderNode === undefined) {
      this.setLeader(null);
      return;
    }
    const leaderId = await this.session.request<string | null>('read', `getData ${leaderNode}`, (client, resolve, reject) =>
      client.getData(`${this.path}/${leaderNode}`, this.onWatch, (err, data) => {
        if (err) {
          if ((err as { code?: number }).code === zookeeper.Exception.NO_NODE) resolve(null);
          else reject(err);
        } else resolve((data ?? Buffer.alloc(0)).toString('utf8'));
      }),
    );
    if (leaderId === null) {
      this.checkAgain = true; // the leader left between the two reads
      return;
    }
    this.setLeader(leaderId);
    if (this.ourNode === null) return; // abdicated: just observing
    const index = candidates.indexOf(this.ourNode);
    if (index === 0) {
      this.setElected(true);
      return;
    }
    this.setElected(false, 'session-expired');
    const predecessor = candidates[index - 1];
    const exists = await this.session.request<boolean>('read', `exists ${predecessor}`, (client, resolve, reject) =>
      client.exists(`${this.path}/${predecessor}`, this.onWatch, (err, stat) => (err ? reject(err) : resolve(Boolean(stat)))),
    );
    if (!exists) this.checkAgain = true;
  }
}

/** The no-HA election for single-instance modes: always the leader. */
export class SingleLeader extends EventEmitter implements LeaderElection {
  private elected = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly id: string,
    private readonly rejoinDelayMs = 0,
  ) {
    super();
  }

  get isLeader(): boolean {
    return this.elected;
  }

  currentLeader(): string | null {
    return this.elected ? this.id : null;
  }

  async start(): Promise<void> {
    if (this.closed || this.elected) return;
    this.elected = true;
    this.emit('leader-changed', this.id);
    this.emit('elected');
  }

  async abdicate(): Promise<void> {
    if (this.closed || !this.elected) return;
    this.elected = false;
    this.emit('defeated', 'abdicated' satisfies DefeatReason);
    this.emit('leader-changed', null);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.start();
    }, this.rejoinDelayMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.elected) {
      this.elected = false;
      this.emit('defeated', 'closed' satisfies DefeatReason);
    }
  }
}
