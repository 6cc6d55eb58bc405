// The imperative shell around Mesos: turns SUBSCRIBED/OFFERS/UPDATE events into instance
// changes, launches the Scheduled instances on offers (match-offer + task-builder), kills, keeps
// timers (reconciliation, launch timeouts, unreachable handling, backoff wake-ups) and publishes
// Marathon events. Deployment logic lives in DeploymentRunner, which this class notifies.
import { servicePortsOf } from '../core/apps/service-ports';
import { hasReportedHealth } from '../core/scheduler/health';
import type { AppDefinition, HeldAddress, NetworkInterface } from '../core/apps/types';
import type { AppVersion } from '../core/deploy/app-version';
import { freeSlots } from '../core/deploy/kill-selection';
import type { SchedulerClientEvents, SubscribedInfo } from '../mesos/client';
import type { Attribute, Filters, KillPolicy, Offer, OfferID, ReconcileTask, TaskInfo, TaskStatus } from '../mesos/types';
import { assignAddresses, poolOf } from '../core/apps/address-pool';
import { addressRejectReason } from '../core/scheduler/queue-reasons';
import { toNetworkInfos } from '../core/network/network-info';
import type { EventBus } from './event-bus';
import { conditionOf, isLaunched, isTerminalCondition, type Instance, type InstanceCondition } from '../core/scheduler/instance';
import type { LaunchQueue } from '../core/scheduler/launch-queue';
import { OfferMatcher, type MatchContext, type Placement, type PlacementRequest, type RejectReason } from '../core/scheduler/match-offer';
import type { Repository } from './repository';
import Denque from 'denque';
import { defer, every, monotonic, unrefClock, type Clock, type Timer } from '../lib/clock';
import type { Logger } from '../lib/log';
import { UnknownTaskKiller } from '../core/scheduler/unknown-task-killer';
import { applyUpdate } from '../core/scheduler/instance-update';
import * as ops from '../core/scheduler/instance-ops';
import { reconcile } from '../core/scheduler/reconcile';
import { buildTaskInfo, usesHostNetwork } from '../core/scheduler/task-builder';
import { instanceIdFor, parseTaskId, taskIdFor } from '../core/scheduler/task-ids';
import { DEFAULT_OFFER_LEDGER, OfferLedger, type OfferHoldStats } from '../core/scheduler/offer-ledger';
import { WaitingLists, type WaitingCursor } from '../core/scheduler/waiting-lists';

/**
 * Sends the ACKNOWLEDGE of an update, holding only what the call needs: in a storm thousands wait
 * for a socket, and each used to keep its whole TaskStatus (container status, network infos) alive.
 */
function acknowledger(driver: MesosDriver, log: Logger, status: TaskStatus, settled: () => void): () => void {
  const taskId = status.task_id.value;
  const minimal: TaskStatus = { task_id: { value: taskId }, state: status.state };
  if (status.agent_id !== undefined) minimal.agent_id = { value: status.agent_id.value };
  if (status.uuid !== undefined) minimal.uuid = status.uuid;
  return () => {
    driver.acknowledge(minimal).then(settled, (err: unknown) => { settled(); log.warn({ err, taskId }, 'acknowledge failed'); });
  };
}

/** True for a call error that leaves open whether the master acted (src/mesos/call-policy.ts). */
function outcomeUnknown(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'MVN_ERR_MESOS_OUTCOME_UNKNOWN';
}

/** The part of the Mesos client (src/mesos/client.ts SchedulerClient) the scheduler uses. */
export interface MesosDriver {
  on<K extends keyof SchedulerClientEvents>(event: K, listener: (...args: SchedulerClientEvents[K]) => void): unknown;
  start(): void;
  stop(): Promise<void>;
  launch(offerIds: string[], taskInfos: TaskInfo[], filters?: Filters): Promise<void>;
  decline(offerIds: string[], filters?: Filters): Promise<void>;
  revive(roles?: string[]): Promise<void>;
  suppress(roles?: string[]): Promise<void>;
  kill(taskId: string, agentId?: string, killPolicy?: KillPolicy): Promise<void>;
  acknowledge(status: TaskStatus): Promise<boolean>;
  reconcile(tasks: ReconcileTask[]): Promise<void>;
}

/** The driver until start() is given one: there is no Mesos session yet, so every call is refused. */
const NO_DRIVER: MesosDriver = {
  on: () => undefined,
  start: () => { throw new Error('no Mesos driver: give one to Scheduler.start()'); },
  stop: async () => undefined,
  launch: async () => { throw new Error('no Mesos session'); },
  decline: async () => { throw new Error('no Mesos session'); },
  revive: async () => { throw new Error('no Mesos session'); },
  suppress: async () => { throw new Error('no Mesos session'); },
  kill: async () => { throw new Error('no Mesos session'); },
  acknowledge: async () => { throw new Error('no Mesos session'); },
  reconcile: async () => { throw new Error('no Mesos session'); },
};

export interface SchedulerOptions {
  role: string;
  /** Name of the agent-link network appended to vnet tasks; null = off. */
  agentLink: string | null;
  reconciliationInitialDelayMs: number;
  reconciliationIntervalMs: number;
  /** First status (STAGING) must arrive within this (Marathon task_launch_confirm_timeout). */
  launchConfirmTimeoutMs: number;
  /** RUNNING must be reached within this (Marathon task_launch_timeout). */
  launchTimeoutMs: number;
  /** Period of the housekeeping timer (timeouts, unreachable, backoff wake-ups). */
  housekeepingIntervalMs: number;
  /** refuse_seconds when declining while work waits / when nothing waits. */
  declineWaitingSeconds: number;
  declineIdleSeconds: number;
  /** Resend a KILL when no terminal status came back within this. */
  killRetryMs: number;
  mesosBridgeName: string;
  /** An offer still held this long (no answer taken by the master) is declined again (offer-ledger.ts). */
  offerReanswerMs: number;
  /**
   * Launching pauses while this many tasks are launched and not running yet or have an update whose
   * ACKNOWLEDGE has not completed (offers wait, at most offerReanswerMs), and goes on below half of
   * it: the ACKs' wait stays well below the agents' 10 s retry, and the calls queued stay bounded (issue 20).
   */
  maxLaunchPipeline: number;
  /**
   * Most tasks placed per offer slice, besides the slice's time budget (OFFER_SLICE_MS, which needs
   * a clock that measures time; simulations have none). An offer with room for more is filled over
   * several slices, its one ACCEPT sent once it is full.
   */
  offerSliceTasks: number;
}

export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = {
  role: '*',
  agentLink: 'vnet-agent-link',
  reconciliationInitialDelayMs: 15_000,
  reconciliationIntervalMs: 600_000,
  launchConfirmTimeoutMs: 300_000,
  launchTimeoutMs: 300_000,
  housekeepingIntervalMs: 1_000,
  declineWaitingSeconds: 5,
  declineIdleSeconds: 120,
  killRetryMs: 30_000,
  mesosBridgeName: 'mesos-bridge',
  offerReanswerMs: DEFAULT_OFFER_LEDGER.reanswerAfterMs,
  maxLaunchPipeline: 1000,
  offerSliceTasks: 32,
};

export interface SchedulerDeps {
  repo: Repository;
  bus: EventBus;
  /** The Mesos session; serve gives one to each start() instead (a new one per leadership term). */
  driver?: MesosDriver;
  queue: LaunchQueue;
  log: Logger;
  now: () => number;
  newUuid: () => string;
  /** Known OpenVNet networks (uuid → subnet), for default prefix lengths; undefined without OpenVNet. */
  networks?: () => Map<string, { subnet: string }> | undefined;
  /** Timers and deferral; the real event loop (timers unref'd) when absent (the simulation passes virtual time). */
  clock?: Clock;
}

/** What the deployment runner needs to hear and to be asked. */
export interface InstanceObserver {
  /** True when a running deployment step manages this app's instance count. */
  manages(appId: string): boolean;
  onInstanceChanged(appId: string): void;
}

export interface TaskFailure {
  appId: string;
  host: string;
  message: string;
  state: string;
  taskId: string;
  timestamp: string;
  version: string;
  slaveId: string;
}

function hasVnet(app: AppDefinition): boolean {
  return (app.container?.networkInterfaces?.length ?? 0) > 0;
}

function staticInterfaces(app: AppDefinition): NetworkInterface[] {
  return (app.container?.networkInterfaces ?? []).filter((i) => i.bootproto === 'static');
}

/** Most instances the app's static pools allow at once (Infinity without static interfaces). */
export function staticCapacity(app: AppDefinition): number {
  let cap = Number.POSITIVE_INFINITY;
  for (const iface of staticInterfaces(app)) {
    const pool = poolOf(iface);
    if (pool !== undefined) cap = Math.min(cap, pool.size);
  }
  return cap;
}

/** State of one offer-matching slice. */
interface OfferRound {
  nowMs: number;
  nowIso: string;
  waiting: Map<string, WaitingCursor>;
  unused: string[];
  placements: Map<string, Placement[]>;
  addressesInUse: Map<string, string>;
  /** Where this slice's budget is counted from (monotonic ms), and the tasks placed in it. */
  sliceStart: number;
  placed: number;
}

/**
 * An offer filled over more than one slice: what is left of it (the matcher) and the tasks
 * placed on it so far, committed and waiting for its one ACCEPT.
 */
interface OfferFill {
  offer: Offer;
  matcher: OfferMatcher;
  tasks: TaskInfo[];
  launched: Instance[];
}

export class Scheduler {
  /** Subscribed, framework id stored and reconciliation sent: launching allowed. */
  ready = false;
  private pendingOffers: Offer[] = [];
  /** The offer a slice stopped filling (its budget spent), resumed first by the next slice. */
  private filling: OfferFill | undefined;
  private draining = false;
  private suppressed = false;
  private reviveQueued = false;
  private frameworkIdMismatch = false;
  /** Bumped on every SUBSCRIBED and disconnect: a launch decided on an older stream's offer is not sent. */
  private generation = 0;
  private offerCalls: Promise<void> = Promise.resolve();
  private readonly agentAttributes = new Map<string, Attribute[]>();
  private readonly timers: Timer[] = [];
  private started = false;
  readonly lastTaskFailure = new Map<string, TaskFailure>();
  private readonly unknownKills = new UnknownTaskKiller();
  private observer: InstanceObserver | undefined;
  readonly options: SchedulerOptions;
  /** Offers seen / launches done, for metrics. */
  readonly counters = { offers: 0, launched: 0, declined: 0, updates: 0, resentUpdates: 0, reconciliations: 0, redeclined: 0, launchesUnknown: 0 };
  /**
   * Updates handled whose ACKNOWLEDGE has not completed yet: task id → update uuid and state. An agent resends
   * an update it has no acknowledgement for after 10 s (20 s, 40 s …); a resend of one of these only
   * shares the pending ACK (the client sends one call per update) and changes nothing else: handling
   * it again rewrote the instance and re-published its events, and in a 30k launch storm resends
   * outnumbered the first updates (issue 20).
   */
  private readonly acking = new Map<string, string>();
  /** Launching paused: the launch pipeline is full (options.maxLaunchPipeline). */
  private launchesHeld = false;

  /** Tasks launched and not running yet, plus updates whose ACKNOWLEDGE has not completed. */
  private launchPipeline(): number {
    return this.deps.repo.stagedCount() + this.acking.size;
  }
  /** Every offer until the master took our answer (or took the offer back). */
  readonly offerLedger: OfferLedger;

  /** The OpenVNet network facts launches use (uuid → subnet); undefined when none are known. */
  knownNetworks(): Map<string, { subnet: string }> | undefined {
    return this.deps.networks?.();
  }

  private readonly deps: SchedulerDeps & { driver: MesosDriver };

  constructor(deps: SchedulerDeps, options: Partial<SchedulerOptions> = {}) {
    this.deps = { ...deps, driver: deps.driver ?? NO_DRIVER };
    this.options = { ...DEFAULT_SCHEDULER_OPTIONS, ...options };
    this.clock = deps.clock ?? { ...unrefClock, now: deps.now };
    this.offerLedger = new OfferLedger({ reanswerAfterMs: this.options.offerReanswerMs });
  }

  /** Offers held (received, not yet accepted, declined or rescinded) and the oldest one's age. */
  offerStats(): OfferHoldStats {
    return this.offerLedger.stats(this.deps.now());
  }

  private readonly clock: Clock;

  setObserver(o: InstanceObserver): void {
    this.observer = o;
  }

  /** Starts (again, after stop) with the given driver or the one from deps. */
  start(driver?: MesosDriver): void {
    if (this.started) return;
    this.started = true;
    if (driver !== undefined) this.deps.driver = driver;
    const d = this.deps.driver;
    d.on('subscribed', (info) => { void this.onSubscribed(info); });
    d.on('offers', (offers) => { this.onOffers(offers); });
    d.on('update', (status) => { this.onUpdateEvent(status); });
    d.on('rescind', (id: OfferID) => { this.offerLedger.rescinded(id.value); this.deps.log.debug({ offerId: id.value }, 'offer rescinded'); });
    d.on('disconnected', (info) => {
      if (this.ready) this.deps.bus.publish('scheduler_disconnected_event', {});
      this.ready = false;
      this.generation++;
      this.offerLedger.clear(); // the master takes every offer of a lost subscription back
      this.acking.clear(); // a resend on the next subscription is handled (its old ACK fails)
      this.deps.log.warn({ reason: info.reason, err: info.error?.message }, 'disconnected from Mesos');
    });
    d.on('error-event', (message) => { this.deps.log.error({ message }, 'Mesos ERROR event'); });
    d.on('removed', (message) => { this.deps.log.error({ message }, 'framework removed by Mesos'); this.ready = false; });
    const t = this.clock;
    this.timers.push(every(t, this.options.housekeepingIntervalMs, () => this.housekeeping()));
    const reconcileLater = t.setTimer(() => {
      if (this.ready) this.reconcile();
      this.timers.push(every(t, this.options.reconciliationIntervalMs, () => { if (this.ready) this.reconcile(); }));
    }, this.options.reconciliationInitialDelayMs);
    this.timers.push(reconcileLater);
    d.start();
  }

  async stop(): Promise<void> {
    for (const t of this.timers.splice(0)) t.cancel();
    this.ready = false;
    this.generation++;
    this.finishFilling(); // reverted: the subscription it was placed on is gone
    this.pendingOffers = [];
    this.updateBacklog.clear();
    this.updateTurn = undefined;
    this.offerLedger.clear();
    this.acking.clear();
    this.launchesHeld = false;
    if (!this.started) return;
    this.started = false;
    await this.deps.driver.stop();
  }

  get frameworkId(): string | undefined {
    return this.deps.repo.frameworkId;
  }

  // ---- Mesos events ---------------------------------------------------------------------------

  private async onSubscribed(info: SubscribedInfo): Promise<void> {
    const { repo, bus, log } = this.deps;
    const generation = ++this.generation;
    this.ready = false;
    this.offerLedger.clear();
    const stored = repo.frameworkId;
    if (stored !== undefined && stored !== info.frameworkId && repo.instances.size > 0) {
      // Never adopt a new framework id while instances exist: they would be orphaned.
      this.frameworkIdMismatch = true;
      log.error({ stored, offered: info.frameworkId }, 'Mesos registered a new framework id while instances exist; not launching');
      return;
    }
    this.frameworkIdMismatch = false;
    try {
      if (stored !== info.frameworkId) await repo.setFrameworkId(info.frameworkId);
    } catch (err) {
      log.error({ err }, 'could not store the framework id; not launching');
      return;
    }
    bus.publish(info.resubscribed ? 'scheduler_reregistered_event' : 'scheduler_registered_event',
      info.resubscribed ? { master: info.master } : { frameworkId: info.frameworkId, master: info.master });
    log.info({ frameworkId: info.frameworkId, master: info.master }, 'subscribed');
    // Explicit, then implicit reconciliation, both sent before anything is launched. After a new
    // SUBSCRIBED no ACCEPT of an earlier stream can land any more, so launched-but-unconfirmed
    // (Provisioned) tasks are asked about too: a task the master does not know comes back as
    // gone and its instance is replaced; one it knows keeps its instance (no second launch).
    await this.reconcileThenLaunch(generation, 0);
  }

  /**
   * The step between SUBSCRIBED and launching: reconciliation. A failed RECONCILE call (reset,
   * timeout) does not end the subscription, so it is retried with a growing pause for as long as
   * this subscription lasts; without that the scheduler would wait forever.
   */
  private async reconcileThenLaunch(generation: number, attempt: number): Promise<void> {
    try {
      await this.sendReconcile(true);
    } catch (err) {
      if (!this.started || generation !== this.generation) return;
      const pauseMs = Math.min(30_000, 1000 * 2 ** attempt);
      this.deps.log.warn({ err, pauseMs }, 'reconciliation after SUBSCRIBED failed; retrying');
      this.timers.push(this.clock.setTimer(() => {
        if (this.started && generation === this.generation) void this.reconcileThenLaunch(generation, attempt + 1);
      }, pauseMs));
      return;
    }
    if (generation !== this.generation || !this.started) return;
    this.afterReconcile();
    this.ready = true;
    this.resendUnsentKills();
    this.suppressed = false;
    if (this.hasWaitingWork()) this.requestRevive();
  }

  /** Explicit reconciliation with the last known state of every task, then implicit. */
  reconcile(): void {
    if (this.frameworkIdMismatch) return;
    this.sendReconcile(false).catch((err: unknown) => this.deps.log.warn({ err }, 'reconcile failed'));
    this.afterReconcile();
  }

  /** Sends explicit (the known tasks) then implicit (empty list) RECONCILE, in this order. */
  private async sendReconcile(includeProvisioned: boolean): Promise<void> {
    const tasks = [...this.deps.repo.instances.values()]
      // A periodic round skips Provisioned tasks: their ACCEPT may still be on its way.
      .filter((i) => i.taskId !== null && isLaunched(i) && (includeProvisioned || i.condition !== 'Provisioned'))
      .map((i) => (i.agentId !== null ? { task_id: { value: i.taskId as string }, agent_id: { value: i.agentId } } : { task_id: { value: i.taskId as string } }));
    this.counters.reconciliations++;
    const d = this.deps.driver;
    if (tasks.length > 0) await d.reconcile(tasks);
    await d.reconcile([]);
  }

  private afterReconcile(): void {
    this.killOrphansOfRemovedApps();
    // Marathon's ScaleRunSpecs: re-assert every app's instance count outside deployments.
    for (const appId of this.deps.repo.apps.keys()) {
      if (!(this.observer?.manages(appId) ?? false)) this.ensureInstances(appId);
    }
  }

  private killOrphansOfRemovedApps(): void {
    for (const i of [...this.deps.repo.instances.values()]) {
      if (!this.deps.repo.apps.has(i.appId)) this.killInstance(i, { decommission: true });
    }
  }

  private onOffers(offers: Offer[]): void {
    this.counters.offers += offers.length;
    const nowMs = this.deps.now();
    for (const o of offers) this.offerLedger.received(o.id.value, nowMs);
    for (const o of offers) if (o.attributes !== undefined) this.agentAttributes.set(o.agent_id.value, o.attributes);
    this.pendingOffers.push(...offers);
    if (!this.draining) this.drainOffers();
  }

  /**
   * Works through pending offers in slices of at most OFFER_SLICE_MS (or options.offerSliceTasks tasks
   * placed), yielding to the event loop in between so that API requests are answered during a
   * launch storm. Each slice is one matching round over the launch queue as it is at that moment.
   * An offer that holds more than a slice's worth of tasks is filled over several slices (its one
   * ACCEPT goes out when it is full): one offer of a large agent was 60 tasks, 5-18 ms of work.
   */
  private drainOffers(): void {
    this.draining = true;
    if (!this.ready) {
      this.finishFilling();
      const ids = this.pendingOffers.splice(0).map((o) => o.id.value);
      this.draining = false;
      this.declineOffers(ids, this.options.declineWaitingSeconds);
      return;
    }
    // A half-filled offer is finished before the pipeline cap holds anything (its tasks are committed).
    if (this.filling === undefined && this.pipelineFull()) {
      // The offers wait for the pipeline to drain (resumed by an ACK; redeclineOverdueOffers bounds the wait).
      this.launchesHeld = true;
      this.draining = false;
      return;
    }
    this.launchesHeld = false;
    if (this.filling !== undefined && !this.offerLedger.has(this.filling.offer.id.value)) {
      // Rescinded while half filled: its instances go back to the queue now, for this round's offers.
      const { offer, launched } = this.filling;
      this.filling = undefined;
      this.deps.log.warn({ offerId: offer.id.value, tasks: launched.length }, 'offer rescinded while it was being filled; its instances go back to the queue');
      for (const inst of launched) this.revertLaunch(inst, inst.taskId);
    }
    const nowMs = this.deps.now();
    const round: OfferRound = {
      nowMs, nowIso: new Date(nowMs).toISOString(), waiting: this.launchableByApp(nowMs), unused: [],
      placements: new Map(), addressesInUse: new Map(), sliceStart: monotonic(this.clock), placed: 0,
    };
    round.addressesInUse = this.addressesInUse(round.waiting);
    // At least one offer (or the rest of a half-filled one) per slice: under load the round
    // set-up alone can exceed the budget, and a slice that processed nothing would defer forever.
    let offer = this.filling?.offer ?? this.pendingOffers.shift();
    while (offer !== undefined) {
      const outcome = this.processOffer(offer, round);
      if (outcome === 'unused') round.unused.push(offer.id.value);
      if (outcome === 'paused' || this.sliceSpent(round) || this.pipelineFull()) break;
      offer = this.pendingOffers.shift();
    }
    const moreWork = this.hasWaitingWork();
    if (round.unused.length > 0) this.declineOffers(round.unused, moreWork ? this.options.declineWaitingSeconds : this.options.declineIdleSeconds);
    if (this.filling !== undefined || this.pendingOffers.length > 0) {
      if (this.filling === undefined && this.pipelineFull()) { this.launchesHeld = true; this.draining = false; return; }
      defer(this.clock, () => this.drainOffers());
      return;
    }
    this.draining = false;
    if (!moreWork && !this.suppressed) {
      this.suppressed = true;
      const d = this.deps.driver;
      this.inOrder(() => d.suppress([this.options.role])).catch((err: unknown) => {
        this.suppressed = false;
        this.deps.log.warn({ err }, 'suppress failed');
      });
    }
  }

  private pipelineFull(): boolean {
    return this.launchPipeline() >= this.options.maxLaunchPipeline && this.hasWaitingWork();
  }

  /** This slice's budget is spent (time, when the clock measures it, or tasks placed). */
  private sliceSpent(round: OfferRound): boolean {
    return round.placed >= this.options.offerSliceTasks || monotonic(this.clock) - round.sliceStart > Scheduler.OFFER_SLICE_MS;
  }

  /**
   * Places what fits of the launch queue on one offer and, once nothing more fits, launches it:
   * 'launched', or 'unused' when nothing fit. 'paused' when the slice's budget ran out first: the
   * offer is kept in `filling` and the next slice goes on with it.
   */
  private processOffer(offer: Offer, round: OfferRound): 'launched' | 'unused' | 'paused' {
    const { repo, queue } = this.deps;
    const placedFor = (appId: string): Placement[] => {
      let p = round.placements.get(appId);
      if (p === undefined) { p = this.placementsOf(appId); round.placements.set(appId, p); }
      return p;
    };
    let fill = this.filling;
    this.filling = undefined;
    if (fill === undefined || fill.offer !== offer) {
      const ctx: MatchContext = { placed: [], addressesInUse: round.addressesInUse };
      for (const id of round.waiting.keys()) {
        if ((repo.apps.get(id)?.app.constraints.length ?? 0) > 0) ctx.placed.push(...placedFor(id));
      }
      fill = { offer, matcher: new OfferMatcher(offer, ctx), tasks: [], launched: [] };
    }
    const { matcher, tasks, launched } = fill;
    for (const [appId, list] of round.waiting) {
      const v = repo.apps.get(appId);
      if (v === undefined) { round.waiting.delete(appId); continue; }
      while (list.length > 0) {
        const inst = list.first();
        if (inst.condition !== 'Scheduled' || repo.instances.get(inst.instanceId) !== inst) { list.shift(); continue; }
        // A never-launched instance moves down to the lowest free slot (sticky addresses stay
        // dense); the slot is taken by the launch (apply), not before: a placement that fails leaves it.
        const lower = inst.incarnation > 0 ? undefined : repo.lowestFreeSlotBelow(inst.appId, inst.slot);
        const slot = lower ?? inst.slot;
        const prepared = this.prepare(v, inst, slot);
        if (!prepared.ok) {
          queue.recordRejected(appId, prepared.reason, round.nowIso, offer);
          list.shift();
          continue;
        }
        const r = matcher.place(prepared.request);
        if (!r.ok) {
          queue.recordRejected(appId, r.reason, round.nowIso, offer);
          // Resource/constraint misses apply to every instance of this app on this offer.
          if (r.reason !== 'static-ip-held') break;
          list.shift();
          continue;
        }
        list.shift();
        queue.recordUsed(appId, round.nowIso);
        tasks.push(this.commitLaunch(v, inst, slot, offer, r.task.resources, r.task.ports, prepared.assigned, round.nowMs));
        launched.push(inst);
        round.placed++;
        if (v.app.constraints.length > 0) placedFor(appId).push({ appId, hostname: offer.hostname, attributes: offer.attributes ?? [] });
        if (this.sliceSpent(round)) {
          this.filling = fill;
          return 'paused';
        }
      }
      if (list.length === 0) round.waiting.delete(appId);
    }
    if (tasks.length === 0) return 'unused';
    this.offerLedger.answering(offer.id.value, 'accept', round.nowMs);
    this.launchWhenStored(offer.id.value, tasks, launched);
    return 'launched';
  }

  /**
   * Sends what a half-filled offer holds (the subscription ended, or the scheduler stops): the
   * launch path reverts the instances when the subscription it was placed on is gone.
   */
  private finishFilling(): void {
    const fill = this.filling;
    this.filling = undefined;
    if (fill === undefined || fill.tasks.length === 0) return;
    this.offerLedger.answering(fill.offer.id.value, 'accept', this.deps.now());
    this.launchWhenStored(fill.offer.id.value, fill.tasks, fill.launched);
  }

  /**
   * Sends the ACCEPT only once every launched instance (with its task id) is stored: a successor
   * taking over after a crash then knows every task that may exist, reconciles it and never
   * launches a second task for the instance. A failed write puts the instances back in the queue
   * and declines the offer.
   */
  private launchWhenStored(offerId: string, tasks: TaskInfo[], launched: Instance[]): void {
    const { repo, log } = this.deps;
    const driver = this.deps.driver;
    const generation = this.generation;
    const taskIds = new Map(launched.map((i) => [i.instanceId, i.taskId]));
    const revert = (why: string, err?: unknown): void => {
      log.warn({ err, offerId, tasks: tasks.length }, `${why}; instances go back to the queue`);
      for (const inst of launched) this.revertLaunch(inst, taskIds.get(inst.instanceId) ?? null);
    };
    Promise.all(launched.map((i) => repo.whenDurable(i.instanceId))).then(
      () => {
        if (!this.started || driver !== this.deps.driver || generation !== this.generation) {
          revert('subscription changed before the launch was sent');
          return;
        }
        // The write may have waited long (store unavailable): only instances still waiting for
        // exactly this task are launched; one killed or expunged meanwhile must not start.
        const still = new Set(launched.filter((i) => repo.instances.get(i.instanceId) === i && i.condition === 'Provisioned' && !i.killRequested).map((i) => i.taskId));
        if (still.size < tasks.length) {
          tasks = tasks.filter((t) => still.has(t.task_id.value));
          launched = launched.filter((i) => still.has(i.taskId));
          if (tasks.length === 0) { this.declineOffers([offerId], this.options.declineWaitingSeconds); return; }
        }
        if (!this.offerLedger.isAccepting(offerId)) {
          // Rescinded, or held so long that it was declined again while the instances were stored.
          revert('offer gone before the launch was sent');
          return;
        }
        driver.launch([offerId], tasks).then(
          () => { this.offerLedger.settled(offerId); this.counters.launched += tasks.length; },
          (err: unknown) => {
            if (outcomeUnknown(err)) {
              // The tasks may run: never put back in the queue. After a new subscription (or a
              // failover) the SUBSCRIBED reconciliation asks about every Provisioned task (sim seed 503333).
              if (generation === this.generation) this.launchOutcomeUnknown(offerId, tasks, err);
              else log.warn({ err, offerId, tasks: tasks.length }, 'launch outcome unknown after the subscription changed; reconciled by the next one');
              return;
            }
            if (generation !== this.generation) { revert('launch failed', err); return; }
            revert('launch failed', err);
            // The master did not take the ACCEPT: the offer is still outstanding there.
            this.declineOffers([offerId], this.options.declineWaitingSeconds);
          },
        );
      },
      (err: unknown) => {
        revert('could not store the launch', err);
        if (this.started && driver === this.deps.driver && generation === this.generation) this.declineOffers([offerId], this.options.declineWaitingSeconds);
      },
    );
  }

  /**
   * An ACCEPT of unknown outcome (connection broken after sending, no answer in time): it is never
   * resent (the tasks may be running). The offer is declined (ignored by the master if the ACCEPT
   * used it, returned to the pool otherwise) and the tasks are reconciled explicitly; the
   * instances stay Provisioned until Mesos answers: a task it does not know comes back as
   * TASK_UNKNOWN/LOST and its instance is replaced then (onUpdate, lostLaunch), not before.
   */
  private launchOutcomeUnknown(offerId: string, tasks: TaskInfo[], err: unknown): void {
    const { log, driver } = this.deps;
    this.counters.launchesUnknown += tasks.length;
    log.warn({ err, offerId, tasks: tasks.map((t) => t.task_id.value) }, 'launch outcome unknown; reconciling its tasks');
    this.declineOffers([offerId], this.options.declineWaitingSeconds);
    const reconcile = tasks.map((t) => ({ task_id: { value: t.task_id.value }, agent_id: { value: t.agent_id.value } }));
    // Retried by the client until the master takes it or the subscription ends (SUBSCRIBED then reconciles every Provisioned task).
    driver.reconcile(reconcile).catch((e: unknown) => log.warn({ err: e, offerId }, 'reconciliation of an unknown launch failed; the next subscription reconciles it'));
  }

  private declineOffers(ids: string[], refuseSeconds: number): void {
    if (ids.length === 0) return;
    this.counters.declined += ids.length;
    const d = this.deps.driver;
    const nowMs = this.deps.now();
    for (const id of ids) this.offerLedger.answering(id, 'decline', nowMs);
    this.inOrder(() => d.decline(ids, { refuse_seconds: refuseSeconds })).then(
      () => { for (const id of ids) this.offerLedger.settled(id); },
      (err: unknown) => {
        // Retried by the client until the subscription ended; held again, the ledger declines once more if still needed.
        for (const id of ids) this.offerLedger.failed(id);
        this.deps.log.warn({ err }, 'decline failed');
      },
    );
  }

  /** Scheduled instances whose app is not backed off, grouped per app in app order, each app's from its lowest slot. */
  private launchableByApp(nowMs: number): Map<string, WaitingCursor> {
    // Lists kept between rounds (waiting-lists.ts): the cost of a round does not grow with the
    // number of instances stored or waiting (issue 20).
    const { repo } = this.deps;
    const out = new Map<string, WaitingCursor>();
    const withScheduled = new Set(repo.appsWithScheduled());
    this.waitingLists.keepOnly(withScheduled);
    for (const appId of withScheduled) {
      const v = repo.apps.get(appId);
      if (v === undefined) continue;
      if (this.deps.queue.timeLeftMs(v, nowMs) > 0) continue;
      const cursor = this.waitingLists.cursor(appId, repo.scheduledStampOf(appId), () => repo.scheduledOf(appId),
        (i) => i.condition === 'Scheduled' && repo.instances.get(i.instanceId) === i);
      if (cursor.length > 0) out.set(appId, cursor);
    }
    return out;
  }

  private readonly waitingLists = new WaitingLists();

  private addressesInUse(waiting: Map<string, WaitingCursor>): Map<string, string> {
    const out = new Map<string, string>();
    const anyStatic = [...waiting.keys()].some((id) => {
      const app = this.deps.repo.apps.get(id)?.app;
      return app !== undefined && staticInterfaces(app).length > 0;
    });
    if (!anyStatic) return out;
    for (const i of this.deps.repo.instances.values()) {
      if (!isLaunched(i)) continue;
      for (const n of i.launchedNetworkInfos) {
        for (const a of n.ip_addresses ?? []) if (a.ip_address !== undefined) out.set(`${n.name ?? ''}/${a.ip_address}`, i.instanceId);
      }
    }
    return out;
  }

  private placementsOf(appId: string): Placement[] {
    return this.deps.repo.instancesOf(appId)
      .filter((i) => isLaunched(i) && i.host !== null && !isTerminalCondition(i.condition))
      .map((i) => ({ appId, hostname: i.host as string, attributes: i.agentId !== null ? this.agentAttributes.get(i.agentId) ?? [] : [] }));
  }

  /** The placement request of one instance, with its slot's static addresses. */
  private prepare(v: AppVersion, inst: Instance, slot: number): { ok: true; request: PlacementRequest; assigned: Map<string, string> } | { ok: false; reason: RejectReason } {
    const app = v.app;
    let assigned = new Map<string, string>();
    if (staticInterfaces(app).length > 0) {
      try {
        assigned = assignAddresses(app, [slot], this.deps.repo.heldAddresses()).get(slot) ?? new Map();
      } catch (err) {
        const reason = addressRejectReason(err);
        if (reason !== undefined) return { ok: false, reason };
        throw err;
      }
    }
    const staticAddresses: string[] = [];
    for (const iface of staticInterfaces(app)) {
      const a = assigned.get(iface.interfaceName);
      if (a !== undefined) staticAddresses.push(`${iface.networkName}/${a}`);
    }
    const ports = usesHostNetwork(app)
      ? app.portDefinitions.map((p) => (app.requirePorts ? p.port : 0))
      : (app.container?.portMappings ?? []).filter((p) => p.hostPort !== undefined).map((p) => p.hostPort ?? 0);
    return {
      ok: true,
      assigned,
      request: {
        key: inst.instanceId,
        appId: app.id,
        needs: { cpus: app.cpus, mem: app.mem, disk: app.disk, gpus: app.gpus, ports, acceptedRoles: app.acceptedResourceRoles },
        constraints: app.constraints,
        staticAddresses,
      },
    };
  }

  private commitLaunch(
    v: AppVersion, inst: Instance, slot: number, offer: Offer, resources: TaskInfo['resources'], ports: number[],
    assigned: Map<string, string>, nowMs: number,
  ): TaskInfo {
    const app = v.app;
    const taskId = taskIdFor(inst.instanceId, inst.incarnation + 1);
    const vnet = hasVnet(app);
    const vnetNetworkInfos = vnet
      ? toNetworkInfos(app, slot, assigned, {
        networks: this.deps.networks?.(),
        ...(this.options.agentLink !== null ? { agentLink: this.options.agentLink } : {}),
      })
      : undefined;
    const task = buildTaskInfo({
      app, appVersion: v.version, taskId, agentId: offer.agent_id.value, hostname: offer.hostname,
      resources: resources ?? [], hostPorts: ports, vnetNetworkInfos, mesosBridgeName: this.options.mesosBridgeName,
    });
    const stored = this.deps.repo.apply(ops.launched(inst, {
      slot, taskId, agentId: offer.agent_id.value, host: offer.hostname, nowMs, ports, servicePorts: servicePortsOf(app),
      runSpecVersion: v.version, configVersion: v.versionInfo.lastConfigChangeAt, launchedNetworkInfos: vnetNetworkInfos ?? [],
    })) ?? inst;
    this.claimSlotAddresses(app, slot, assigned);
    this.publishInstanceChanged(stored);
    return task;
  }

  /** Make sure the slot's static addresses are claimed (they usually are, since the API claims). */
  private claimSlotAddresses(app: AppDefinition, slot: number, assigned: Map<string, string>): void {
    const { repo } = this.deps;
    const missing: HeldAddress[] = [];
    for (const iface of staticInterfaces(app)) {
      const address = assigned.get(iface.interfaceName);
      if (address === undefined) continue;
      if (!repo.claims.has(`${iface.networkName} ${address}`)) missing.push({ network: iface.networkName, address, holder: { appId: app.id, slot } });
    }
    if (missing.length === 0) return;
    repo.commit({ claim: missing }).catch((err: unknown) => this.deps.log.warn({ err, appId: app.id, slot }, 'could not claim static address at launch'));
  }

  private revertLaunch(inst: Instance, taskId: string | null): void {
    const current = this.deps.repo.instances.get(inst.instanceId);
    if (current === undefined || current.taskId !== taskId) return;
    const effect = ops.launchReverted(current);
    if (effect === null) return;
    if (effect.kind === 'expunge') {
      // Killed while its launch was in flight, and the launch never reached Mesos: nothing runs,
      // so it ends here as a never-launched instance does (killInstance), instead of going back to
      // the queue and starting after all.
      this.expunge(effect);
      this.afterChange(current.appId);
      return;
    }
    this.deps.repo.apply(effect);
    this.requestRevive();
  }

  /** Status updates waiting for a slice (only when one event-loop turn's update budget was spent). */
  private readonly updateBacklog = new Denque<TaskStatus>();
  /** This turn's inline updates: how many, and the monotonic() time they took; undefined outside a turn's slice. */
  private updateTurn: { count: number; ms: number } | undefined;

  /** Most milliseconds of status-update work per event-loop turn (checked after UPDATE_SLICE_MIN updates). */
  static UPDATE_SLICE_MS = 2;
  /**
   * Most milliseconds of offer matching per event-loop turn (at least one offer). Small slices
   * (with the repository's write batches) keep the turns an API request waits behind short.
   */
  static OFFER_SLICE_MS = 3;
  /** Updates applied in a turn before the time budget is looked at (a handful never waits). */
  static UPDATE_SLICE_MIN = 32;

  /**
   * Applies an update at once while this turn's update slice lasts, else queues it (in order)
   * for the next slice: one chunk of the subscription stream can carry hundreds of updates, and
   * applying (and acknowledging) them all in one turn kept API requests waiting in a storm.
   */
  private onUpdateEvent(status: TaskStatus): void {
    if (!this.updateBacklog.isEmpty()) { this.updateBacklog.push(status); return; }
    let turn = this.updateTurn;
    if (turn === undefined) {
      turn = { count: 0, ms: 0 };
      this.updateTurn = turn;
      defer(this.clock, () => this.drainUpdates());
    } else if (turn.count >= Scheduler.UPDATE_SLICE_MIN && turn.ms > Scheduler.UPDATE_SLICE_MS) {
      this.updateBacklog.push(status);
      return;
    }
    const t0 = monotonic(this.clock);
    this.onUpdate(status);
    turn.count++;
    turn.ms += monotonic(this.clock) - t0;
  }

  /** One slice of queued updates (at least one); the next one after the event loop had its turn. */
  private drainUpdates(): void {
    const start = monotonic(this.clock);
    for (let status = this.updateBacklog.shift(); status !== undefined; status = this.updateBacklog.shift()) {
      this.onUpdate(status);
      if (monotonic(this.clock) - start > Scheduler.UPDATE_SLICE_MS) break;
    }
    if (!this.updateBacklog.isEmpty()) {
      this.updateTurn = { count: Number.POSITIVE_INFINITY, ms: Number.POSITIVE_INFINITY }; // new arrivals queue behind
      defer(this.clock, () => this.drainUpdates());
      return;
    }
    this.updateTurn = undefined;
  }

  private onUpdate(status: TaskStatus): void {
    this.counters.updates++;
    const { repo, log } = this.deps;
    const taskId = status.task_id.value;
    // The uuid names the update; with the state, a resend is told apart for sure.
    const uuid = status.uuid === undefined ? undefined : `${status.uuid} ${status.state}`;
    const send = acknowledger(this.deps.driver, log, status, () => {
      if (uuid === undefined || this.acking.get(taskId) !== uuid) return;
      this.acking.delete(taskId);
      if (this.launchesHeld && this.launchPipeline() <= this.options.maxLaunchPipeline / 2) {
        this.launchesHeld = false;
        if (!this.draining && this.pendingOffers.length > 0) this.drainOffers();
      }
    });
    if (uuid !== undefined && this.acking.get(taskId) === uuid) {
      this.counters.resentUpdates++;
      send();
      return;
    }
    const ack = (): void => {
      if (uuid !== undefined) this.acking.set(taskId, uuid);
      send();
    };
    const inst = repo.instanceByTaskId(taskId);
    const condition = conditionOf(status.state, status.reason);
    if (inst === undefined) {
      ack();
      this.onUnknownTask(status, condition);
      return;
    }
    const nowMs = this.deps.now();
    const v = repo.apps.get(inst.appId);
    const effect = applyUpdate(inst, status, {
      nowMs, agentLink: this.options.agentLink, currentConfigVersion: v?.versionInfo.lastConfigChangeAt,
      unreachableStrategy: v?.app.unreachableStrategy ?? 'disabled',
    });
    if (effect.kind === 'ignore') {
      log.debug({ taskId, state: status.state, known: inst.condition }, 'late duplicate status ignored');
      ack();
      return;
    }
    if (v !== undefined && effect.backoff === 'progress') this.deps.queue.onProgress(v, nowMs);
    if (v !== undefined && effect.backoff === 'failure') this.deps.queue.onFailure(v, nowMs);

    const next = effect.instance;
    this.deps.bus.publish('status_update_event', {
      slaveId: next.agentId ?? '', taskId, taskStatus: status.state, message: status.message ?? '', appId: next.appId,
      host: next.host ?? '', ipAddresses: next.ipAddresses, ports: next.ports, version: next.runSpecVersion,
    });
    if (effect.previous !== next.condition) this.publishInstanceChanged(next);

    if (effect.kind === 'expunge') {
      if (effect.failure) this.recordFailure(effect.instance, status, new Date(nowMs).toISOString());
      this.expunge({ kind: 'expunge', instance: effect.instance }, false);
    } else {
      repo.apply({ kind: 'put', instance: effect.instance, durable: effect.durable });
      if (effect.becameInactive && !(this.observer?.manages(inst.appId) ?? false)) this.ensureInstances(inst.appId);
      if (effect.resendKill) this.sendKill(inst);
    }
    ack();
    this.afterChange(inst.appId);
  }

  private onUnknownTask(status: TaskStatus, condition: InstanceCondition): void {
    const parsed = parseTaskId(status.task_id.value);
    if (parsed === null) return;
    if (isTerminalCondition(condition)) {
      this.unknownKills.gone(status.task_id.value);
      this.deps.bus.publish('unknown_instance_terminated_event', {
        instanceId: parsed.instanceId, runSpecId: `/${parsed.safePath.replace(/_/g, '/')}`, condition,
      });
      return;
    }
    // A task we do not track (an expunged instance came back, or an older incarnation): kill it,
    // with a pause per task and a rate cap, not once per status update.
    if (!this.unknownKills.shouldKill(status.task_id.value, this.clock.now())) return;
    this.deps.log.info({ taskId: status.task_id.value }, 'killing unknown task');
    this.deps.driver.kill(status.task_id.value, status.agent_id?.value)
      .catch((err: unknown) => this.deps.log.warn({ err }, 'kill of unknown task failed'));
  }

  private recordFailure(inst: Instance, status: TaskStatus, nowIso: string): void {
    this.lastTaskFailure.set(inst.appId, {
      appId: inst.appId, host: inst.host ?? '', message: status.message ?? '', state: status.state,
      taskId: inst.taskId ?? '', timestamp: nowIso, version: inst.runSpecVersion, slaveId: inst.agentId ?? '',
    });
  }

  private publishInstanceChanged(inst: Instance): void {
    this.deps.bus.publish('instance_changed_event', {
      instanceId: inst.instanceId, condition: inst.condition, runSpecId: inst.appId, agentId: inst.agentId ?? '',
      host: inst.host ?? '', runSpecVersion: inst.runSpecVersion,
    });
  }

  /**
   * Applies an expunge effect; releases the slot's claims when the slot is no longer wanted.
   * `announce`: publish the final condition (the status path has published it already).
   */
  private expunge(effect: ops.ExpungeEffect, announce = true): void {
    const { repo } = this.deps;
    const inst = repo.apply(effect) ?? effect.instance;
    if (announce && effect.instance.condition === 'Killed') this.publishInstanceChanged(inst);
    const v = repo.apps.get(inst.appId);
    const slotStillWanted = v !== undefined && inst.slot < v.app.instances;
    if (!slotStillWanted) {
      const stillUsed = repo.instancesOf(inst.appId).some((i) => i.slot === inst.slot);
      if (!stillUsed) this.releaseSlot(inst.appId, inst.slot);
    }
    // Outside deployments every expunge re-asserts the declared count, a decommissioned instance's
    // too: its deployment may have been superseded or rolled back meanwhile (the reconciler
    // counts only active instances, so an intended scale-down launches nothing).
    if (v !== undefined && !(this.observer?.manages(inst.appId) ?? false)) this.ensureInstances(inst.appId);
  }

  releaseSlot(appId: string, slot: number): void {
    const release = this.deps.repo.heldAddresses().filter((h) => h.holder.appId === appId && h.holder.slot === slot);
    if (release.length === 0) return;
    this.deps.repo.commit({ release }).catch((err: unknown) => this.deps.log.warn({ err, appId, slot }, 'could not release static addresses'));
  }

  private afterChange(appId: string): void {
    this.observer?.onInstanceChanged(appId);
  }

  // ---- operations (deployment runner, API) ------------------------------------------------------

  /**
   * A result of a check `serve` runs itself (Marathon's HTTP/HTTPS/TCP): updates the task's health
   * record (stored with the instance), tells listeners on a change (health_status_changed_event)
   * and re-evaluates deployments.
   */
  noteHealth(checked: Instance, healthy: boolean, cause?: string): void {
    const current = this.deps.repo.instances.get(checked.instanceId);
    if (current === undefined || current.taskId !== checked.taskId) return;
    const changed = current.healthy !== healthy;
    // Stored with the instance on a new verdict and on every failure (they count toward the kill),
    // so a restarted or new leader reports and goes on from them; repeated successes stay in memory.
    const inst = this.deps.repo.apply(ops.healthNoted(current, healthy, new Date(this.deps.now()).toISOString(), cause, changed || !healthy)) ?? current;
    if (!changed) return;
    this.deps.bus.publish('health_status_changed_event', {
      appId: inst.appId, instanceId: inst.instanceId, taskId: inst.taskId ?? '', version: inst.runSpecVersion, alive: healthy,
    });
    this.afterChange(inst.appId);
  }

  /** Instances that count toward the app's target: not being killed, not given up as unreachable. */
  activeInstances(appId: string): Instance[] {
    return this.deps.repo.instancesOf(appId).filter((i) => !i.killRequested && !i.decommissioned && i.condition !== 'UnreachableInactive');
  }

  /** Creates `count` Scheduled instances of the app's current version in the lowest free slots. */
  scheduleInstances(v: AppVersion, count: number): Instance[] {
    if (count <= 0) return [];
    const { repo } = this.deps;
    const used = repo.instancesOf(v.app.id).map((i) => i.slot);
    const nowIso = new Date(this.deps.now()).toISOString();
    const created: Instance[] = [];
    for (const slot of freeSlots(used, count)) {
      const inst = this.deps.repo.apply(ops.created({
        instanceId: instanceIdFor(v.app.id, this.deps.newUuid()), appId: v.app.id, slot, incarnation: 0, taskId: null,
        runSpecVersion: v.version, configVersion: v.versionInfo.lastConfigChangeAt, condition: 'Scheduled', state: null,
        agentId: null, host: null, createdAt: nowIso, launchedAtMs: null, stagedAt: null, startedAt: null, ports: [],
        servicePorts: [], ipAddresses: [], launchedNetworkInfos: [], statusNetworkInfos: [], message: '', unreachableSince: null,
        killRequested: false, killSentAtMs: null, decommissioned: false, healthy: null, role: v.app.role ?? this.options.role,
      })) as Instance;
      created.push(inst);
      this.publishInstanceChanged(inst);
    }
    this.requestRevive();
    return created;
  }

  /**
   * Kills an instance. `decommission` = it is not to be replaced (scale-down, stop, wipe). A
   * never-launched instance is simply removed.
   */
  killInstance(target: Instance, opts: { decommission: boolean }): void {
    const current = this.deps.repo.instances.get(target.instanceId);
    if (current === undefined) return;
    const effect = ops.killed(current, opts.decommission);
    if (effect.kind === 'expunge') {
      this.expunge(effect);
      this.afterChange(current.appId);
      return;
    }
    this.sendKill(this.deps.repo.apply(effect) ?? current);
  }

  /** Forgets an instance without waiting for Mesos (wipe=true): kill is still sent. */
  wipeInstance(target: Instance): void {
    const current = this.deps.repo.instances.get(target.instanceId);
    if (current === undefined) return;
    if (current.taskId !== null && isLaunched(current)) this.sendKill(current);
    this.expunge(ops.wiped(current), false);
    this.afterChange(current.appId);
  }

  private sendKill(inst: Instance): void {
    if (inst.taskId === null) return;
    const taskId = inst.taskId;
    const sentAt = this.deps.now();
    this.deps.repo.apply(ops.killSent(inst, sentAt));
    const v = this.deps.repo.apps.get(inst.appId);
    const grace = v?.app.taskKillGracePeriodSeconds;
    const policy = grace !== undefined ? { grace_period: { nanoseconds: Math.round(grace * 1e9) } } : undefined;
    this.deps.driver.kill(taskId, inst.agentId ?? undefined, policy)
      .catch((err: unknown) => {
        // Not sent (e.g. a new leader's kills before its subscription): no kill is in flight, so
        // it goes out again as soon as we are subscribed, not only after killRetryMs.
        const current = this.deps.repo.instances.get(inst.instanceId);
        if (current !== undefined && current.taskId === taskId && current.killSentAtMs === sentAt) this.deps.repo.apply(ops.killSent(current, null));
        this.deps.log.warn({ err, taskId }, 'kill failed (will retry)');
      });
  }

  /** Kills requested but not in flight (not sent, or requested by an earlier leader): sent now. */
  private resendUnsentKills(): void {
    for (const inst of this.deps.repo.instances.values()) {
      if (inst.killRequested && inst.killSentAtMs === null) this.sendKill(inst);
    }
  }

  /** Outside deployments: launch replacements until the app has its instance count. */
  ensureInstances(appId: string): void {
    const v = this.deps.repo.apps.get(appId);
    if (v === undefined) return;
    const all = this.deps.repo.instancesOf(appId);
    const decision = reconcile({
      target: v.app.instances, step: 'none', configVersion: v.versionInfo.lastConfigChangeAt, strategy: v.app.upgradeStrategy,
      killSelection: v.app.killSelection, capacityLimit: staticCapacity(v.app), instances: all, healthChecked: hasReportedHealth(v.app),
    });
    if (decision.launch > 0) this.scheduleInstances(v, decision.launch);
    // e.g. an unreachable task came back after its replacement started
    const kill = new Set(decision.kill);
    for (const i of all) if (kill.has(i.instanceId)) this.killInstance(i, { decommission: true });
  }

  resetDelay(appId: string): void {
    this.deps.queue.reset(appId);
    if (this.hasWaitingWork()) this.requestRevive();
  }

  hasWaitingWork(): boolean {
    return this.deps.repo.hasScheduled();
  }

  /**
   * DECLINE, SUPPRESS and REVIVE are sent one after the other: on separate connections a REVIVE
   * could overtake an earlier long DECLINE or a SUPPRESS, and the master would then hold the
   * offers back while work waits.
   */
  private inOrder(call: () => Promise<void>): Promise<void> {
    const next = this.offerCalls.then(call);
    this.offerCalls = next.catch(() => undefined);
    return next;
  }

  /** Coalesces many schedule calls into one REVIVE. */
  requestRevive(): void {
    if (this.reviveQueued) return;
    this.reviveQueued = true;
    defer(this.clock, () => {
      this.reviveQueued = false;
      if (!this.ready) return;
      this.suppressed = false;
      // Offers whose DECLINE failed are still held at the master, and it offers nothing held
      // again: declined now (before the REVIVE, which clears the filter), the new work gets them
      // at the next allocation instead of after the ledger's re-answer pause (sim seed 500698).
      // (Part of the ledger's re-answering: off with it, offerReanswerMs = Infinity.)
      const pending = new Set(this.pendingOffers.map((o) => o.id.value));
      if (this.filling !== undefined) pending.add(this.filling.offer.id.value);
      const stranded = Number.isFinite(this.options.offerReanswerMs) ? this.offerLedger.unanswered().filter((id) => !pending.has(id)) : [];
      if (stranded.length > 0) {
        this.counters.redeclined += stranded.length;
        this.declineOffers(stranded, this.options.declineWaitingSeconds);
      }
      const d = this.deps.driver;
      this.inOrder(() => d.revive([this.options.role])).catch((err: unknown) => {
        // Counted as still suppressed: housekeeping asks again while work waits.
        this.suppressed = true;
        this.deps.log.warn({ err }, 'revive failed');
      });
    });
  }

  // ---- timers -----------------------------------------------------------------------------------

  private housekeeping(): void {
    const nowMs = this.deps.now();
    this.unknownKills.prune(nowMs);
    let delayedWork = false;
    if (this.suppressed) {
      for (const appId of this.deps.repo.appsWithScheduled()) {
        const v = this.deps.repo.apps.get(appId);
        if (v !== undefined && this.deps.queue.timeLeftMs(v, nowMs) === 0) { delayedWork = true; break; }
      }
    }
    // Only instances with a kill sent or unreachable, and launches old enough to have timed out:
    // never a scan of every instance each second (issue 20).
    for (const inst of this.deps.repo.watchedInstances()) {
      if (inst.condition === 'Scheduled') continue;
      if (inst.killRequested) {
        // killSentAtMs is null after a reload (the kill was requested by an earlier leader).
        // Only while subscribed: a kill sent before fails, and becoming ready resends it at once.
        if (this.ready && (inst.killSentAtMs === null || nowMs - inst.killSentAtMs >= this.options.killRetryMs)) this.sendKill(inst);
        continue;
      }
      if (inst.condition === 'Unreachable' || inst.condition === 'UnreachableInactive') this.unreachableTick(inst, nowMs);
    }
    this.launchTimeouts(nowMs);
    // The pipeline also shrinks without an ACK (a launch reverted, an instance killed): go on then.
    if (this.launchesHeld && !this.draining && this.pendingOffers.length > 0 && !this.pipelineFull()) this.drainOffers();
    if (delayedWork && this.ready) this.requestRevive();
    this.redeclineOverdueOffers(nowMs);
  }

  /** Launches past the shorter timeout whose own (by condition) is not reached yet; looked at each round. */
  private launchesNotYetDue = new Set<Instance>();

  /** Kills launches without a first status within launchConfirmTimeoutMs, or not running within launchTimeoutMs. */
  private launchTimeouts(nowMs: number): void {
    const { repo, log } = this.deps;
    const { launchConfirmTimeoutMs, launchTimeoutMs } = this.options;
    const candidates = [...this.launchesNotYetDue, ...repo.launchesSentBy(nowMs - Math.min(launchConfirmTimeoutMs, launchTimeoutMs))];
    this.launchesNotYetDue = new Set();
    for (const inst of candidates) {
      if (repo.instances.get(inst.instanceId) !== inst || inst.killRequested || inst.launchedAtMs === null) continue;
      const confirm = inst.condition === 'Provisioned';
      if (!confirm && inst.condition !== 'Staging' && inst.condition !== 'Starting') continue;
      if (nowMs - inst.launchedAtMs < (confirm ? launchConfirmTimeoutMs : launchTimeoutMs)) {
        this.launchesNotYetDue.add(inst);
        continue;
      }
      // Killed, and replaced by a new instance once the kill (or the master's "unknown") is
      // confirmed: relaunching the same instance while the old task may live could run it twice.
      if (confirm) log.warn({ taskId: inst.taskId }, 'no status within the launch confirm timeout; killing (replaced once gone)');
      else log.warn({ taskId: inst.taskId }, 'not running within the launch timeout; killing');
      this.killInstance(inst, { decommission: false });
    }
  }

  /** The offer invariant: an offer no answer of ours settled within offerReanswerMs is declined again (a housekeeping step; public for simulations). */
  redeclineOverdueOffers(nowMs: number): void {
    // Not only once ready: the ledger holds only this subscription's offers (cleared on SUBSCRIBED
    // and on disconnect), and one declined while reconciliation is retried — for as long as 30 s
    // between attempts — stays held at the master until it is answered again (sim seed 4975).
    if (!this.started) return;
    // A half-filled offer is answered by its own slices (the next one is already queued).
    let overdue = this.offerLedger.overdue(nowMs).filter((id) => id !== this.filling?.offer.id.value);
    if (this.launchesHeld && this.pendingOffers.length > 0) {
      // Held for the ACK backlog: waited long enough; answered now (offer invariant).
      const due = new Set(overdue);
      this.pendingOffers = this.pendingOffers.filter((o) => !due.has(o.id.value));
    } else {
      overdue = overdue.filter((id) => !this.pendingOffers.some((o) => o.id.value === id));
    }
    if (overdue.length === 0) return;
    this.counters.redeclined += overdue.length;
    this.deps.log.warn({ offers: overdue }, 'offers held too long; declining them again');
    this.declineOffers(overdue, this.options.declineWaitingSeconds);
  }

  private unreachableTick(inst: Instance, nowMs: number): void {
    const v = this.deps.repo.apps.get(inst.appId);
    const strategy = v?.app.unreachableStrategy ?? 'disabled';
    if (strategy === 'disabled' || inst.unreachableSince === null) return;
    const elapsed = nowMs - Date.parse(inst.unreachableSince);
    if (inst.condition === 'Unreachable' && elapsed >= strategy.inactiveAfterSeconds * 1000) {
      this.publishInstanceChanged(this.deps.repo.apply(ops.becameInactive(inst)) ?? inst);
      this.afterInactive(inst.appId);
    }
    const current = this.deps.repo.instances.get(inst.instanceId);
    if (current !== undefined && elapsed >= strategy.expungeAfterSeconds * 1000) {
      // Expunged: if the task comes back later it is unknown and gets killed.
      this.expunge(ops.unreachableExpunged(current), false);
      this.afterChange(inst.appId);
    }
  }

  private afterInactive(appId: string): void {
    if (!(this.observer?.manages(appId) ?? false)) this.ensureInstances(appId);
    this.afterChange(appId);
  }
}

export { ipAddressesOf } from '../core/scheduler/instance-update';
