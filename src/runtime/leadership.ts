// The leadership controller: what a serve instance does as leadership comes and goes. The election
// (src/state/leader-election.ts: ZooKeeper, or always-leader for file: and memory:) decides who may
// lead; this module turns its 'elected' and 'defeated' into terms, one step at a time:
//
//   follower ─elected─▶ elected ─(the previous term has stopped)─▶ loading ─▶ leading
//      ▲                                                              │          │
//      └──────────────── deposed ◀── defeated (session lost, abdicated, takeover failed)
//
//   loading  fence the store's writes with the election's node (optional store capability: a
//            deposed leader's late write then fails instead of landing after its successor's),
//            re-read the whole store, load the repository; refuse to go on (fatal) when launched
//            instances exist without a stored framework id (a new one would orphan them);
//   leading  a new Mesos driver subscribing with the stored framework id, the scheduler, Marathon's
//            own health checks and the deployment runner; with a grace (ZooKeeper HA), no Mesos
//            subscription for that long gives leadership up so that another instance can try;
//   deposed  writes suspended first (a successor's must not be overwritten), then health checks
//            and the scheduler stop.
// A takeover that fails (store unreachable, no fence node) stops what it started and abdicates.
// Time comes from the injected Clock: tests and the simulation drive it without waiting.
import type { Clock, Timer } from '../lib/clock';
import type { Logger } from '../lib/log';
import { isLaunched } from '../core/scheduler/instance';
import type { StateStore } from '../state/store';
import type { Repository } from './repository';
import type { MesosDriver, Scheduler } from './scheduler';

/** The election as leadership needs it (LeaderElection and SingleLeader are ones). */
export interface Election {
  readonly isLeader: boolean;
  /** host:port of the current leader as far as known, or null. */
  currentLeader(): string | null;
  /** Gives leadership up (if held) and becomes a candidate again later. */
  abdicate(): Promise<void>;
  /** The node that exists exactly while this candidate may lead; absent for elections without one. */
  fencingNode?(): string | null;
  on(event: 'elected', listener: () => void): unknown;
  on(event: 'defeated', listener: (reason: string) => void): unknown;
}

export type LeadershipPhase =
  /** Not elected (or not a candidate yet). */
  | 'follower'
  /** Elected; the takeover waits for the previous term to stop. */
  | 'elected'
  /** Fencing, re-reading and loading the state. */
  | 'loading'
  /** State loaded, scheduler started: the API serves as leader. */
  | 'leading'
  /** Defeated: writes suspended, the scheduler stopping. */
  | 'deposed'
  /** A condition the process must exit on was reported (onFatal). */
  | 'failed';

/** A condition the scheduler cannot go on from (Marathon's crash strategy). */
export class ServeFatalError extends Error {
  constructor(readonly code: 'MVN_ERR_FRAMEWORK_REMOVED' | 'MVN_ERR_FRAMEWORK_ID_MISSING', message: string) {
    super(message);
    this.name = 'ServeFatalError';
  }
}

export interface LeadershipDeps {
  /** The optional fence/refresh capability is used when the store has it (ZooKeeper). */
  store: Pick<StateStore, 'fenceWith' | 'refresh'>;
  repo: Pick<Repository, 'load' | 'suspendWrites' | 'frameworkId' | 'instances' | 'apps' | 'deployments'>;
  scheduler: Pick<Scheduler, 'start' | 'stop' | 'ready'>;
  runner: { resume(): void };
  /** Runs only while leading (Marathon's own HTTP/HTTPS/TCP health checks). */
  health?: { start(): void; stop(): void };
  /** A Mesos driver for one term, subscribing with `frameworkId` (undefined: registers a new framework). */
  newDriver(frameworkId: string | undefined): MesosDriver;
  clock: Clock;
  log: Logger;
  /**
   * Gives leadership up after this long without a Mesos subscription (lost, or never made), so
   * that another instance can try. Undefined or negative: never (nobody to hand over to).
   */
  mesosDisconnectGraceMs?: number;
  /** Conditions the process exits on (framework removed, framework id missing). */
  onFatal(err: ServeFatalError): void;
}

export class LeadershipController {
  private election: Election | undefined;
  private current: LeadershipPhase = 'follower';
  private term = 0;
  /** The term whose takeover finished (state loaded, scheduler started): the API serves only then. */
  private readyTerm = -1;
  private loaded = false;
  /** Takeovers and step-downs, one at a time in order. */
  private steps: Promise<void> = Promise.resolve();
  private grace: Timer | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly deps: LeadershipDeps) {}

  get phase(): LeadershipPhase {
    return this.current;
  }

  get isLeader(): boolean {
    return this.election?.isLeader === true;
  }

  /** host:port of the current leader, undefined when nobody leads (or before start). */
  currentLeader(): string | undefined {
    return this.election?.currentLeader() ?? undefined;
  }

  async abdicate(): Promise<void> {
    await this.election?.abdicate();
  }

  /** True once a term loaded the state: with no leader known, reads may still be answered from it. */
  get hasCachedState(): boolean {
    return this.loaded;
  }

  /** The current term has loaded the state and started the scheduler. */
  get ready(): boolean {
    return this.isLeader && this.readyTerm === this.term;
  }

  /**
   * Becomes a candidate's controller: follows `election` from now on and takes over at once when
   * it already leads. Resolves when that first takeover is done (or failed).
   */
  start(election: Election): Promise<void> {
    if (this.election !== undefined) throw new Error('leadership already started');
    this.election = election;
    election.on('elected', () => this.onElected());
    election.on('defeated', () => this.onDefeated());
    if (election.isLeader) this.onElected();
    return this.steps;
  }

  /** Resolves when no takeover or step-down is queued any more (including ones queued meanwhile). */
  async settled(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.steps;
      await seen;
    } while (seen !== this.steps);
  }

  /**
   * Resolves true once the current term has taken over; false when this instance stops leading
   * or `timeoutMs` passes first.
   */
  takenOver(timeoutMs: number): Promise<boolean> {
    if (!this.isLeader || this.ready) return Promise.resolve(this.ready);
    return new Promise((resolve) => {
      let timer: Timer | undefined;
      const finish = (): void => {
        timer?.cancel();
        this.waiters.delete(check);
        resolve(this.ready);
      };
      const check = (): void => { if (!this.isLeader || this.ready) finish(); };
      this.waiters.add(check);
      timer = this.deps.clock.setTimer(finish, timeoutMs);
    });
  }

  /** serve is closing: waits for the queued steps, then stops this term's work (the election and store close after). */
  async stop(): Promise<void> {
    await this.steps;
    this.clearGrace();
    this.deps.health?.stop();
    await this.deps.scheduler.stop();
  }

  // ---- transitions -----------------------------------------------------------------------------

  private onElected(): void {
    if (this.current !== 'failed') this.current = 'elected';
    this.steps = this.steps.then(() => this.takeOver()).catch((err: unknown) => this.takeoverFailed(err));
  }

  private onDefeated(): void {
    if (this.current !== 'failed') this.current = 'deposed';
    this.notify();
    this.steps = this.steps.then(() => this.stepDown()).catch((err: unknown) => this.deps.log.error({ err }, 'stop after defeat failed'));
  }

  private async takeOver(): Promise<void> {
    const e = this.election;
    if (e === undefined || !e.isLeader) return;
    const { store, repo, scheduler, clock, log } = this.deps;
    const myTerm = ++this.term;
    if (this.current !== 'failed') this.current = 'loading';
    const startedAt = clock.now();
    if (store.fenceWith !== undefined && e.fencingNode !== undefined) {
      // Every write of this term must fail once our leader node is gone (fencing).
      const fence = e.fencingNode();
      if (fence === null) throw new Error('elected without a leader node to fence writes with');
      store.fenceWith(fence);
    }
    // A mirrored store follows its backend by watches; re-read it whole so nothing a predecessor wrote is missed.
    if (store.refresh !== undefined) await store.refresh();
    await repo.load();
    this.loaded = true;
    if (!e.isLeader || myTerm !== this.term) return;
    if (repo.frameworkId === undefined && [...repo.instances.values()].some(isLaunched)) {
      // A new framework id would orphan every launched task (spec §11): refuse to subscribe.
      throw new ServeFatalError('MVN_ERR_FRAMEWORK_ID_MISSING',
        'launched instances exist in the state store but no framework id: refusing to register a new framework');
    }
    const d = this.deps.newDriver(repo.frameworkId);
    d.on('subscribed', () => { if (myTerm === this.term) this.clearGrace(); });
    d.on('disconnected', (i) => { if (myTerm === this.term && i.reason !== 'stopped') this.armGrace(`disconnected: ${i.reason}`); });
    d.on('removed', (message) => {
      if (myTerm !== this.term) return;
      this.clearGrace();
      this.fatal(new ServeFatalError('MVN_ERR_FRAMEWORK_REMOVED', `Mesos removed the framework: ${message}`));
    });
    scheduler.start(d);
    this.deps.health?.start();
    this.deps.runner.resume();
    this.armGrace('not subscribed yet');
    this.readyTerm = myTerm;
    if (this.current !== 'failed') this.current = 'leading';
    this.notify();
    log.info({ frameworkId: repo.frameworkId ?? null, apps: repo.apps.size, instances: repo.instances.size, deployments: repo.deployments.size, loadMs: clock.now() - startedAt },
      'leading: state loaded, subscribing to Mesos');
  }

  private async takeoverFailed(err: unknown): Promise<void> {
    if (err instanceof ServeFatalError) {
      this.fatal(err);
      return;
    }
    this.deps.log.error({ err }, 'could not take over as leader; giving up leadership');
    await this.deps.scheduler.stop().catch(() => undefined);
    const e = this.election;
    if (e?.isLeader === true) await e.abdicate().catch(() => undefined);
  }

  private async stepDown(): Promise<void> {
    this.term++;
    this.notify();
    this.clearGrace();
    // Before anything else: a deposed leader must not overwrite what its successor writes.
    this.deps.repo.suspendWrites();
    this.deps.health?.stop();
    await this.deps.scheduler.stop();
    this.deps.log.warn({}, 'leadership lost: scheduler stopped');
    // Elected again meanwhile: that takeover is queued behind this step.
    if (this.current === 'deposed') this.current = this.isLeader ? 'elected' : 'follower';
  }

  private fatal(err: ServeFatalError): void {
    this.current = 'failed';
    this.deps.onFatal(err);
  }

  // ---- the Mesos grace --------------------------------------------------------------------------

  private armGrace(why: string): void {
    const graceMs = this.deps.mesosDisconnectGraceMs;
    if (graceMs === undefined || graceMs < 0) return;
    this.clearGrace();
    this.grace = this.deps.clock.setTimer(() => {
      this.grace = undefined;
      const e = this.election;
      if (e === undefined || !e.isLeader || this.deps.scheduler.ready) return;
      this.deps.log.warn({ graceMs, why }, 'no Mesos subscription within the grace period: giving up leadership');
      void e.abdicate();
    }, graceMs);
  }

  private clearGrace(): void {
    this.grace?.cancel();
    this.grace = undefined;
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }
}
