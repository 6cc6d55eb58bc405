// The deterministic simulation: the real Scheduler, Repository, DeploymentRunner, AppService and
// LeadershipController of a serve "process" against the in-process Mesos master (MasterCore +
// simulated agents), all on one virtual clock and one seeded random source. A run is a list of
// random steps (operator actions and faults); the invariants are checked after every step and at
// quiescence.
import { AppService } from '../../src/server/api/app-service';
import { restartBounds } from '../../src/core/deploy/restart';
import type { FrameworkInfo, TaskInfo, TaskState } from '../../src/mesos/types';
import { MasterCore } from '../../src/sim/mesos/master-core';
import { silentLogger } from '../../src/lib/log';
import { seededRandom, type Random } from '../../src/sim/mesos/rng';
import { SimulatedAgent } from '../../src/sim/mesos/simulated-agent';
import { DeploymentRunner } from '../../src/runtime/deployment-runner';
import { EventBus } from '../../src/runtime/event-bus';
import { LaunchQueue } from '../../src/core/scheduler/launch-queue';
import { LeadershipController, type Election } from '../../src/runtime/leadership';
import { Repository } from '../../src/runtime/repository';
import { Scheduler, type SchedulerOptions } from '../../src/runtime/scheduler';
import { parseTaskId } from '../../src/core/scheduler/task-ids';
import { OFFER_HOLD_BOUND_MS, offerInvariantViolations } from '../../src/core/scheduler/offer-ledger';
import { MemoryBackend } from '../../src/state/memory-store';
import type { DocTree } from '../../src/state/documents';
import { FaultyStore, NO_STORE_FAULTS, snapshotOf } from './faulty-store';
import { InProcessDriver, type CallFault, type DriverFaults, type EventFate } from './in-process-driver';
import { SimClock, type TimerGroup } from './sim-clock';
import { EventEmitter } from 'node:events';

export interface SimOptions {
  seed: number;
  /** random steps before the faults stop */
  steps: number;
  /** virtual time allowed to converge once faults stop (ms) */
  convergeWithinMs: number;
  /** deliberately broken behaviour, to show the checker catches it */
  bug?: 'no-kill' | 'lost-decline' | 'unversioned';
  /** number of simulated agents (default 3–5 from the seed) */
  agents?: number;
  /** launch failure probability of the agents (default 0.05) */
  launchFailures?: number;
  /** turn fault classes off (for focused runs) */
  faults?: Partial<Record<FaultKind, boolean>>;
}

export type FaultKind = 'store' | 'crash' | 'leader' | 'updates' | 'calls' | 'agents' | 'master' | 'offers' | 'stale';

export interface SimResult {
  ok: boolean;
  seed: number;
  violation?: string;
  trace: string[];
  /** virtual ms from the end of the faults to convergence */
  convergedAfterMs?: number;
  stats: { steps: number; launches: number; timersFired: number };
}

const LIVE: ReadonlySet<TaskState> = new Set<TaskState>(['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_UNREACHABLE']);
const APP_IDS = ['/a0', '/a1', '/a2', '/g/b0', '/g/b1'];
const AGENT_CPUS = 4;
/** SIM_VERBOSE=1: the trace carries every log line of the serve nodes, with its fields. */
const VERBOSE = process.env.SIM_VERBOSE === '1';

export class InvariantViolation extends Error {}

/**
 * Most tasks an app may run while it deploys: instances × (1 + maximumOverCapacity), and one
 * more when minimumHealthCapacity = 1 leaves no room (Marathon starts one extra instance then).
 */
export function capacityBound(instances: number, strategy: { minimumHealthCapacity: number; maximumOverCapacity: number }): number {
  return Math.max(instances, restartBounds(instances, strategy, Number.POSITIVE_INFINITY).maxCapacity);
}

class Seq {
  private n = 0;
  constructor(private readonly prefix: string) {}
  next(): string {
    this.n++;
    const hex = this.n.toString(16).padStart(12, '0');
    return `${this.prefix}-0000-4000-8000-${hex}`;
  }
}

/**
 * The ZooKeeper election as one serve process sees it; the world says when it is elected and when
 * it loses. Each term has a new candidate node (in `nodes`, the world's "ZooKeeper"), which the
 * store fences writes with; abdicating (a failed takeover) only gives leadership up.
 */
class SimElection extends EventEmitter implements Election {
  isLeader = false;
  private node: string | null = null;
  private terms = 0;

  constructor(private readonly name: string, private readonly nodes: Set<string>) {
    super();
  }

  currentLeader(): string | null {
    return this.isLeader ? this.name : null;
  }

  fencingNode(): string | null {
    return this.node;
  }

  elect(): void {
    if (this.isLeader) return;
    this.node = `/leader/${this.name}-${++this.terms}`;
    this.nodes.add(this.node);
    this.isLeader = true;
    this.emit('elected');
  }

  /** The session expired (or the process is gone): the node goes at once, then the news. */
  lose(reason = 'session-expired'): void {
    if (this.node !== null) this.nodes.delete(this.node);
    this.node = null;
    if (!this.isLeader) return;
    this.isLeader = false;
    this.emit('defeated', reason);
  }

  async abdicate(): Promise<void> {
    this.lose('abdicated');
  }
}

/** One serve process: its own store client, repository, scheduler, deployment runner and leadership controller. */
class ServeNode {
  readonly timers: TimerGroup;
  readonly store: FaultyStore;
  readonly repo: Repository;
  readonly scheduler: Scheduler;
  readonly runner: DeploymentRunner;
  readonly service: AppService;
  readonly election: SimElection;
  readonly leadership: LeadershipController;
  driver: InProcessDriver | undefined;
  private crashed = false;

  constructor(readonly name: string, world: World) {
    const w = world;
    this.timers = w.clock.group();
    this.store = new FaultyStore(w.backend, w.random, (l) => w.note(`${name} ${l}`), (node) => w.leaderNodes.has(node));
    const log = {
      debug: (o: object, m?: string) => { if (VERBOSE) w.note(`${name} debug: ${m ?? ''} ${JSON.stringify(o)}`); },
      info: (o: object, m?: string) => { if (VERBOSE || (m !== undefined && /killing|relaunch/.test(m))) w.note(`${name} ${m ?? ''}${VERBOSE ? ` ${JSON.stringify(o)}` : ''}`); },
      warn: (o: object, m?: string) => w.note(`${name} warn: ${m ?? ''}${VERBOSE ? ` ${JSON.stringify(o)}` : ''}`),
      error: (o: object, m?: string) => w.note(`${name} error: ${m ?? ''}`),
    };
    this.repo = new Repository(this.store, { error: (o, m) => w.note(`${name} error: ${m}`) }, this.timers,
      { writerId: name, unversioned: w.opts.bug === 'unversioned' });
    const queue = new LaunchQueue();
    const bus = new EventBus(() => this.timers.now());
    bus.subscribe((e) => {
      if (e.eventType === 'deployment_success' || e.eventType === 'deployment_failed') w.note(`${name} ${e.eventType} ${String(e.id)}`);
      if (e.eventType !== 'instance_changed_event') return;
      const c = String(e.condition);
      if (!['Running', 'Provisioned', 'Staging', 'Starting', 'Scheduled'].includes(c)) w.note(`${name} ${String(e.instanceId).replace(/^.*-0*/, '#')} → ${c}`);
    });
    const options: Partial<SchedulerOptions> = {
      agentLink: null, reconciliationInitialDelayMs: 15_000, reconciliationIntervalMs: 60_000, housekeepingIntervalMs: 1_000,
      launchConfirmTimeoutMs: 60_000, launchTimeoutMs: 120_000, killRetryMs: 10_000, offerSliceTasks: w.offerSliceTasks,
    };
    const newUuid = (): string => w.uuids.next();
    this.scheduler = new Scheduler({ repo: this.repo, bus, queue, log, now: () => this.timers.now(), newUuid, clock: this.timers }, options);
    this.runner = new DeploymentRunner({ repo: this.repo, bus, scheduler: this.scheduler, queue, log, clock: this.timers });
    this.scheduler.setObserver(this.runner);
    this.service = new AppService({ repo: this.repo, runner: this.runner, scheduler: this.scheduler, bus, now: () => this.timers.now(), newUuid, facts: async () => ({}) });
    // serve's own leadership controller; no Mesos grace (as before: the world decides leader changes).
    this.election = new SimElection(name, w.leaderNodes);
    this.leadership = new LeadershipController({
      store: this.store, repo: this.repo, scheduler: this.scheduler, runner: this.runner, log,
      clock: this.timers,
      newDriver: (frameworkId) => {
        const d = new InProcessDriver(() => w.master, w.frameworkInfo, frameworkId, this.timers, w.driverFaults, (t) => w.onLaunch(t, this.name), (id) => w.killRequested.add(id));
        this.driver = d;
        return d;
      },
      onFatal: (err) => w.fatal(`${name} exits: ${err.message}`),
    });
    void this.leadership.start(this.election);
  }

  /** Leads (while not crashed) once its takeover is done. */
  get leading(): boolean {
    return !this.crashed && this.leadership.phase === 'leading';
  }

  /** Elected: serve's takeover (fence, reload everything, subscribe with the stored framework id, resume deployments). */
  async lead(): Promise<void> {
    this.election.elect();
    await this.leadership.settled();
    if (!this.leading && !this.timers.isDead) throw new Error(`takeover failed (${this.leadership.phase})`);
  }

  /** The ZooKeeper session expired (or another instance was elected): serve's step-down. */
  async depose(): Promise<void> {
    this.election.lose();
    await this.leadership.settled();
  }

  /** kill -9. */
  crash(): void {
    this.crashed = true;
    this.store.dead = true;
    this.timers.kill();
    this.driver?.crash();
    // Its session (and candidate node) expire with it.
    this.election.lose();
  }
}

export class World {
  readonly clock = new SimClock();
  readonly random: Random;
  /**
   * Tasks a scheduler places per offer slice in this run (its own random stream, so the steps
   * stay those of the seed): small bounds fill most offers over several slices.
   */
  readonly offerSliceTasks: number;
  private readonly staleRandom: Random;
  readonly backend = new MemoryBackend();
  readonly uuids = new Seq('5e000000');
  private readonly masterIds = new Seq('a0000000');
  master: MasterCore;
  readonly frameworkInfo: FrameworkInfo = {
    user: 'root', name: 'marathon', failover_timeout: 604800, checkpoint: true, roles: ['*'], hostname: 'sim',
    capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }, { type: 'TASK_KILLING_STATE' }, { type: 'REGION_AWARE' }],
  };
  node: ServeNode | undefined;
  /** The election's candidate nodes that exist (the stores fence their writes with them). */
  readonly leaderNodes = new Set<string>();
  private nodeCounter = 0;
  private readonly trace: string[] = [];
  private agentCounter = 0;
  /** Every task id ever sent in a LAUNCH. */
  private readonly launchedTasks = new Set<string>();
  /** Task ids a KILL was sent for (they may still be live). */
  readonly killRequested = new Set<string>();
  /** Per app: highest instance count × (1 + maximumOverCapacity) declared since it last settled. */
  private readonly capBound = new Map<string, number>();
  private frameworkIds = new Set<string>();
  faultsOn = true;
  private readonly enabled: Record<FaultKind, boolean>;
  readonly driverFaults: DriverFaults;
  private stepNo = 0;
  private violation: string | undefined;
  /** Copies of the stored state from the last few steps, oldest first (what a lagging server serves). */
  private readonly snapshots: DocTree[] = [];
  /** Per serve process: the newest revision of each instance and version of each app seen in its memory, and deployments it ended. */
  private memorySeen = { node: '', instances: new Map<string, number>(), apps: new Map<string, string>(), ended: new Set<string>(), deployments: new Set<string>() };

  constructor(readonly opts: SimOptions) {
    this.random = seededRandom(opts.seed * 7919 + 13);
    this.staleRandom = seededRandom(opts.seed * 104_729 + 7);
    this.offerSliceTasks = [1, 2, 3, 32][Math.floor(seededRandom(opts.seed * 65_537 + 3)() * 4)] as number;
    const all: FaultKind[] = ['store', 'crash', 'leader', 'updates', 'calls', 'agents', 'master', 'offers', 'stale'];
    this.enabled = Object.fromEntries(all.map((k) => [k, opts.faults?.[k] ?? true])) as Record<FaultKind, boolean>;
    this.master = this.newMaster();
    const agents = opts.agents ?? 3 + Math.floor(this.random() * 3);
    for (let i = 0; i < agents; i++) this.addAgent();
    this.driverFaults = {
      call: (type) => this.callFault(type),
      event: () => this.eventFate(),
    };
  }

  private newMaster(): MasterCore {
    const ids = { uuid: () => this.masterIds.next(), bytes: (n: number) => Buffer.from(this.masterIds.next().replace(/-/g, '').slice(0, n * 2).padEnd(n * 2, '0'), 'hex') };
    const m = new MasterCore({
      masterId: 'sim-master', heartbeatIntervalSeconds: 15, allocationIntervalMs: 1000, statusUpdateRetryMs: 10_000,
      statusUpdateMaxRetryMs: 60_000, clock: this.clock, ids, logger: silentLogger,
    });
    m.start();
    return m;
  }

  private addAgent(): void {
    const n = this.agentCounter++;
    const ids = { uuid: () => this.masterIds.next(), bytes: (k: number) => Buffer.alloc(k, n) };
    const bug = this.opts.bug;
    const agent = new SimulatedAgent({
      resources: { cpus: AGENT_CPUS, mem: 4096, disk: 10_000 }, hostname: `agent-${n}`, ip: `10.0.0.${n + 1}`, clock: this.clock, ids,
      seed: Math.floor(this.random() * 1e9), taskDelayMs: 10 + Math.floor(this.random() * 300), launchFailureProbability: this.opts.launchFailures ?? 0.05,
    });
    if (bug === 'no-kill') agent.kill = () => undefined;
    this.master.addAgent(agent);
  }

  note(line: string): void {
    this.trace.push(`[${this.stepNo}] t+${((this.clock.now() - Date.parse('2030-01-01T00:00:00.000Z')) / 1000).toFixed(1)}s ${line}`);
    if (this.trace.length > 4000) this.trace.splice(0, 1000);
  }

  /** A condition serve exits on (its leadership controller's onFatal): never expected here. */
  fatal(message: string): void {
    this.note(message);
    this.violation ??= message;
  }

  onLaunch(task: TaskInfo, node: string): void {
    const id = task.task_id.value;
    if (this.launchedTasks.has(id)) this.violation ??= `task ${id} launched twice (by ${node})`;
    this.launchedTasks.add(id);
    this.note(`${node} LAUNCH ${id.replace(/^.*instance-5e000000-0000-4000-8000-0*/, "#")}`);
  }

  private chance(p: number): boolean {
    return this.random() < p;
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)] as T;
  }

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.random() * (hi - lo + 1));
  }

  private callFault(type: string): CallFault {
    if (this.opts.bug === 'lost-decline' && type === 'DECLINE') return { kind: 'swallowed' };
    if (!this.faultsOn || !this.enabled.calls) return { kind: 'ok', delayMs: 0 };
    const r = this.random();
    // A DECLINE or ACCEPT that never reaches the master leaves its offer outstanding (Mesos has no
    // offer timeout by default): recovering those is the offer ledger's job (issue 17), switched on
    // with the 'offers' fault class. Without it, offer calls only lose their answers.
    if ((type === 'DECLINE' || type === 'ACCEPT') && !this.enabled.offers) {
      if (r < 0.03) return { kind: 'reset-after' };
      if (r < 0.04) return { kind: 'timeout', delayMs: 5000, applied: true };
      return { kind: 'ok', delayMs: r < 0.2 ? this.int(1, 200) : 0 };
    }
    if (type === 'ACKNOWLEDGE' && r < 0.03) return { kind: 'reset-before' };
    if (r < 0.02) return { kind: 'reset-before' };
    if (r < 0.04) return { kind: 'reset-after' };
    if (r < 0.05) return { kind: 'timeout', delayMs: 5000, applied: this.chance(0.5) };
    return { kind: 'ok', delayMs: r < 0.2 ? this.int(1, 200) : 0 };
  }

  private eventFate(): EventFate {
    if (!this.faultsOn || !this.enabled.updates) return { drop: false, delayMs: 0 };
    const r = this.random();
    if (r < 0.03) return { drop: true, delayMs: 0 };
    if (r < 0.06) return { drop: false, delayMs: 0, duplicateAfterMs: this.int(1, 8000) };
    return { drop: false, delayMs: r < 0.2 ? this.int(1, 500) : 0 };
  }

  // ---- serve processes ---------------------------------------------------------------------------

  /** Starts a new serve process that becomes leader (state loaded from the store). */
  async startNode(): Promise<void> {
    const node = new ServeNode(`serve${++this.nodeCounter}`, this);
    this.node = node;
    this.note(`${node.name} elected leader`);
    try {
      await node.lead();
    } catch (err) {
      this.note(`${node.name} could not take over: ${String(err)}; will retry`);
      node.crash();
      this.node = undefined;
    }
  }

  // ---- operator -----------------------------------------------------------------------------------

  private appBody(id: string): Record<string, unknown> {
    return {
      id, cmd: `sleep ${this.int(100, 999)}`, cpus: this.pick([0.1, 0.2]), mem: 32, instances: this.int(0, 4),
      backoffSeconds: 1, backoffFactor: 1.15, maxLaunchDelaySeconds: 10,
      upgradeStrategy: { minimumHealthCapacity: this.pick([0, 0.5, 1]), maximumOverCapacity: this.pick([0, 0.5, 1]) },
    };
  }

  private operate(): void {
    const node = this.node;
    if (node === undefined || !node.leading) return;
    const s = node.service;
    const repo = node.repo;
    const existing = [...repo.apps.keys()];
    const force = this.chance(0.4);
    const meta = { clientIp: '127.0.0.1', uri: '/v2/apps' };
    const r = this.random();
    let what: string;
    let p: Promise<unknown>;
    if (existing.length === 0 || r < 0.15) {
      const id = this.pick(APP_IDS);
      const body = this.appBody(id);
      what = `create ${id} instances=${String(body.instances)} ${JSON.stringify(body.upgradeStrategy)}`;
      p = s.createApp(body, meta, force);
    } else {
      const id = this.pick(existing);
      if (r < 0.35) {
        const n = this.int(0, 6);
        what = `scale ${id} to ${n}${force ? ' force' : ''}`;
        p = s.updateApp(id, { instances: n }, { partial: true, force, allowCreate: false, meta });
      } else if (r < 0.47) {
        const unplaceable = this.chance(0.25);
        const body = unplaceable ? { cpus: 100 } : { cmd: `sleep ${this.int(100, 999)}`, cpus: this.pick([0.1, 0.2]) };
        what = `config ${id} ${JSON.stringify(body)}${force ? ' force' : ''}`;
        p = s.updateApp(id, body, { partial: true, force, allowCreate: false, meta });
      } else if (r < 0.55) {
        what = `restart ${id}${force ? ' force' : ''}`;
        p = s.restartApp(id, force);
      } else if (r < 0.72) {
        const list = repo.instancesOf(id);
        if (list.length === 0) return;
        const victim = this.pick(list);
        const scale = this.chance(0.5);
        const wipe = !scale && this.chance(0.2);
        what = `kill ${victim.instanceId} scale=${String(scale)} wipe=${String(wipe)}${force ? ' force' : ''}`;
        p = s.killInstances([victim], { scale, force, wipe });
      } else if (r < 0.82) {
        what = `delete ${id}${force ? ' force' : ''}`;
        p = s.deleteApp(id, force);
      } else if (r < 0.9) {
        const by = this.pick([0, 0.5, 2]);
        what = `group /g scaleBy ${by}${force ? ' force' : ''}`;
        p = s.updateGroup('/g', { scaleBy: by }, { force, dryRun: false });
      } else {
        const d = [...repo.deployments.values()];
        if (d.length === 0) return;
        const dep = this.pick(d);
        what = `cancel deployment ${dep.plan.id}${force ? ' force' : ' (rollback)'}`;
        p = s.cancelDeployment(dep.plan.id, force);
      }
    }
    this.note(`op: ${what}`);
    p.then(() => this.note(`op ok: ${what}`), (err: unknown) => this.note(`op refused: ${what}: ${err instanceof Error ? err.constructor.name : String(err)}`));
  }

  /** Brings every app back into a placeable configuration (what an operator does after a bad deploy). */
  private repair(): Promise<void> {
    const node = this.node;
    if (node === undefined || !node.leading) return Promise.resolve();
    const done: Array<Promise<void>> = [];
    for (const v of node.repo.apps.values()) {
      if (v.app.cpus <= AGENT_CPUS) continue;
      const id = v.app.id;
      this.note(`op: repair ${id} cpus=0.1 force`);
      done.push(node.service.updateApp(id, { cpus: 0.1 }, { partial: true, force: true, allowCreate: false, meta: { clientIp: '127.0.0.1', uri: '/v2/apps' } })
        .then(() => this.note(`op ok: repair ${id}`), (err: unknown) => this.note(`op refused: repair ${id}: ${String(err)}`)));
    }
    return Promise.all(done).then(() => undefined);
  }

  // ---- faults -------------------------------------------------------------------------------------

  private async fault(): Promise<void> {
    const r = this.random();
    const node = this.node;
    const e = this.enabled;
    if (r < 0.2 && e.crash && node !== undefined) {
      this.note(`fault: kill -9 ${node.name}`);
      node.crash();
      this.node = undefined;
    } else if (r < 0.35 && e.leader && node !== undefined) {
      // Its new session may land on a lagging ZooKeeper server: the reload then reads an older
      // copy of the state (no sync()); the repository must not let it replace newer memory.
      // (Drawn from its own random source: the other faults of a seed stay as they were.)
      const stale = this.enabled.stale && this.staleRandom() < 0.5 ? this.snapshots[0] : undefined;
      this.note(`fault: ${node.name} loses leadership (session expired), then leads again${stale !== undefined ? ' (reads from a lagging server)' : ''}`);
      await node.depose();
      await this.clock.advance(this.int(0, 3000));
      if (this.node === node && !node.timers.isDead) {
        this.note(`${node.name} elected leader again`);
        node.store.staleView = stale;
        await node.lead().catch((err: unknown) => this.note(`${node.name} re-lead failed: ${String(err)}`));
        node.store.staleView = undefined;
      }
    } else if (r < 0.45 && e.leader && node !== undefined) {
      this.note(`fault: leader change ${node.name} → next`);
      await node.depose();
      node.crash();
      this.node = undefined;
    } else if (r < 0.6 && e.store && node !== undefined) {
      this.note('fault: ZooKeeper quorum lost');
      node.store.outage = true;
      await this.clock.advance(this.int(500, 8000));
      node.store.outage = false;
      this.note('fault: ZooKeeper quorum back');
    } else if (r < 0.75 && e.store && node !== undefined) {
      node.store.rates = { unavailable: 0.1, timeoutApplied: 0.1, timeoutLost: 0.1 };
      this.note('fault: flaky store for a while');
      await this.clock.advance(this.int(500, 5000));
      node.store.rates = NO_STORE_FAULTS;
    } else if (r < 0.85 && e.agents) {
      const agents = this.master.ids().agents;
      if (agents.length > 2) {
        const a = this.pick(agents);
        this.note(`fault: agent ${a} removed; a new one joins`);
        await this.master.removeAgent(a);
        this.addAgent();
      }
    } else if (e.master && node?.driver !== undefined) {
      this.note('fault: master connection dropped (failover), offers rescinded');
      this.master.rescindAllOffers();
      node.driver.dropStream();
    }
  }

  // ---- invariants ---------------------------------------------------------------------------------

  private appOfTask(taskId: string): string | undefined {
    const p = parseTaskId(taskId);
    if (p === null) return undefined;
    // The simulation's app ids have no underscore, so the safe path maps back one to one.
    return `/${p.safePath.replace(/_/g, '/')}`;
  }

  private backendApps(): Array<[string, { instances: number; bound: number }]> {
    const out: Array<[string, { instances: number; bound: number }]> = [];
    const node = this.node;
    if (node === undefined) return out;
    for (const v of node.repo.apps.values()) out.push([v.app.id, { instances: v.app.instances, bound: capacityBound(v.app.instances, v.app.upgradeStrategy) }]);
    return out;
  }

  private liveTasks(): Array<{ taskId: string; state: TaskState; appId: string | undefined; instanceId: string | undefined }> {
    return this.master.taskStates().filter((t) => LIVE.has(t.state)).map((t) => ({
      taskId: t.taskId, state: t.state, appId: this.appOfTask(t.taskId), instanceId: parseTaskId(t.taskId)?.instanceId,
    }));
  }

  /** Invariants that hold at every moment. */
  checkAlways(): void {
    if (this.violation !== undefined) throw new InvariantViolation(this.violation);
    const live = this.liveTasks();
    const byInstance = new Map<string, string>();
    for (const t of live) {
      if (t.instanceId === undefined) continue;
      const other = byInstance.get(t.instanceId);
      if (other !== undefined) throw new InvariantViolation(`instance ${t.instanceId} has two live tasks: ${other} and ${t.taskId}`);
      byInstance.set(t.instanceId, t.taskId);
    }
    for (const f of this.master.ids().frameworks) this.frameworkIds.add(f);
    // The offer invariant (issue 17's ledger): no offer outstanding at the master past the bound.
    const late = offerInvariantViolations(this.master.outstandingOffers(), this.clock.now(), OFFER_HOLD_BOUND_MS);
    if (late.length > 0) throw new InvariantViolation(`offer ${late[0]?.id} outstanding for ${late[0]?.ageMs} ms (bound ${OFFER_HOLD_BOUND_MS} ms); ${late.length} offer(s) past the bound`);
    if (this.frameworkIds.size > 1) throw new InvariantViolation(`more than one framework id: ${[...this.frameworkIds].join(', ')}`);
    this.checkMemoryMonotonic();
    // Over capacity while a deployment runs: live tasks not asked to die ≤ bound.
    const node = this.node;
    if (node === undefined || !node.leading) return;
    const apps = new Map(this.backendApps());
    for (const [id, a] of apps) {
      const bound = Math.max(this.capBound.get(id) ?? 0, a.bound);
      this.capBound.set(id, bound);
    }
    const count = new Map<string, number>();
    for (const t of live) {
      if (t.appId === undefined || t.state === 'TASK_KILLING' || this.killRequested.has(t.taskId)) continue;
      count.set(t.appId, (count.get(t.appId) ?? 0) + 1);
    }
    for (const [id, n] of count) {
      const bound = this.capBound.get(id);
      if (bound !== undefined && n > bound) {
        const tasks = live.filter((t) => t.appId === id).map((t) => `${t.taskId.replace(/^.*instance-5e000000-0000-4000-8000-0*/, '#')}:${t.state}`).join(' ');
        const repo = node.repo.instancesOf(id).map((i) => `#${i.instanceId.replace(/^.*-0*/, '')}.${i.incarnation}:${i.condition}${i.killRequested ? '(kill)' : ''}${i.decommissioned ? '(decom)' : ''}`).join(' ');
        throw new InvariantViolation(`app ${id}: ${n} live tasks, more than the bound ${bound} (instances × (1 + maximumOverCapacity)); master: ${tasks}; repo: ${repo}`);
      }
    }
    // Slots (sticky addresses and MACs follow them) are unique among an app's instances.
    for (const id of apps.keys()) {
      const slots = new Map<number, string>();
      for (const i of node.repo.instancesOf(id)) {
        const other = slots.get(i.slot);
        if (other !== undefined) throw new InvariantViolation(`app ${id}: instances ${other} and ${i.instanceId} share slot ${i.slot}`);
        slots.set(i.slot, i.instanceId);
      }
    }
    // An app settles when no deployment touches it: its bound shrinks to the current declaration.
    const busy = new Set<string>();
    for (const d of node.repo.deployments.values()) for (const a of d.plan.affectedApps) busy.add(a);
    for (const [id, a] of apps) {
      if (busy.has(id) || !this.converged(id, a.instances, live) || this.capBound.get(id) === a.bound) continue;
      this.note(`${id} settled at ${a.instances}: bound ${a.bound}`);
      this.capBound.set(id, a.bound);
    }
  }

  /**
   * A serve process never replaces newer state in its memory with an older copy (a re-read after
   * a reconnect, from a lagging server, or of a write that never landed): per process, an
   * instance's revision and an app's version never go down, and a deployment it ended never
   * comes back.
   */
  private checkMemoryMonotonic(): void {
    const node = this.node;
    if (node === undefined) return;
    const seen = this.memorySeen;
    if (seen.node !== node.name) this.memorySeen = { node: node.name, instances: new Map(), apps: new Map(), ended: new Set(), deployments: new Set() };
    const m = this.memorySeen;
    for (const i of node.repo.instances.values()) {
      const rev = i.revision ?? 0;
      const before = m.instances.get(i.instanceId);
      if (before !== undefined && rev < before) throw new InvariantViolation(`${node.name} rolled instance ${i.instanceId} back from revision ${before} to ${rev} (an older stored copy replaced newer memory)`);
      m.instances.set(i.instanceId, rev);
    }
    for (const v of node.repo.apps.values()) {
      const before = m.apps.get(v.app.id);
      if (before !== undefined && v.version < before) throw new InvariantViolation(`${node.name} rolled app ${v.app.id} back from version ${before} to ${v.version}`);
      m.apps.set(v.app.id, v.version);
    }
    for (const id of node.repo.deployments.keys()) {
      if (m.ended.has(id)) throw new InvariantViolation(`${node.name}: deployment ${id} came back after it ended (an older stored copy)`);
    }
    for (const id of m.deployments) if (!node.repo.deployments.has(id)) m.ended.add(id);
    m.deployments = new Set(node.repo.deployments.keys());
  }

  private converged(id: string, instances: number, live: ReturnType<World['liveTasks']>): boolean {
    const mine = live.filter((t) => t.appId === id);
    return mine.length === instances && mine.every((t) => t.state === 'TASK_RUNNING');
  }

  describeApps(): string {
    const node = this.node;
    if (node === undefined) return '';
    const live = this.liveTasks();
    return [...node.repo.apps.values()].map((v) => {
      const tasks = live.filter((t) => t.appId === v.app.id).map((t) => `${t.taskId.replace(/^.*instance-5e000000-0000-4000-8000-0*/, '#')}:${t.state.replace('TASK_', '')}`).join(' ');
      const repo = node.repo.instancesOf(v.app.id).map((i) => `#${i.instanceId.replace(/^.*-0*/, '')}.${i.incarnation}:${i.condition}${i.killRequested ? '(kill)' : ''}${i.decommissioned ? '(decom)' : ''}`).join(' ');
      return `[${v.app.id} want ${v.app.instances}; master: ${tasks}; repo: ${repo}]`;
    }).join(' ');
  }

  /** What "converged" means once faults stopped; undefined when it holds, else why not. */
  quiescenceProblem(): string | undefined {
    const node = this.node;
    if (node === undefined || !node.leading) return 'no leader';
    if (!node.scheduler.ready) return 'leader not subscribed';
    const live = this.liveTasks();
    const apps = node.repo.apps;
    if (node.repo.deployments.size > 0) return `${this.describeApps()} deployments left: ${[...node.repo.deployments.values()].map((d) => `${d.plan.id} ${d.plan.steps.map((s) => s.actions.map((a) => `${a.action} ${a.app}`).join('+')).join(' → ')} step ${d.currentStep}`).join('; ')}`;
    for (const t of live) {
      if (t.appId === undefined) continue;
      if (!apps.has(t.appId)) return `task ${t.taskId} (${t.state}) of deleted app ${t.appId} still live`;
    }
    for (const v of apps.values()) {
      const mine = live.filter((t) => t.appId === v.app.id);
      const running = mine.filter((t) => t.state === 'TASK_RUNNING').length;
      if (mine.length !== v.app.instances || running !== v.app.instances) {
        return `app ${v.app.id}: ${running} running / ${mine.length} live tasks for ${v.app.instances} instances (repo: ${node.repo.instancesOf(v.app.id).map((i) => `${i.slot}:${i.condition}${i.killRequested ? '(killing)' : ''}`).join(' ')})`;
      }
      const inRepo = node.repo.instancesOf(v.app.id);
      if (inRepo.length !== v.app.instances || inRepo.some((i) => i.condition !== 'Running')) {
        return `app ${v.app.id}: repository has ${inRepo.map((i) => i.condition).join(',')} for ${v.app.instances} instances`;
      }
    }
    return undefined;
  }

  // ---- the run ------------------------------------------------------------------------------------

  async run(): Promise<SimResult> {
    const stats = (): SimResult['stats'] => ({ steps: this.stepNo, launches: this.launchedTasks.size, timersFired: this.clock.fired });
    try {
      await this.startNode();
      await this.settle(3000);
      for (this.stepNo = 1; this.stepNo <= this.opts.steps; this.stepNo++) {
        this.snapshots.push(snapshotOf(this.backend.tree));
        if (this.snapshots.length > 3) this.snapshots.shift();
        if (this.node === undefined) await this.startNode();
        if (this.chance(0.7)) this.operate();
        else await this.fault();
        await this.settle(this.int(100, 6000));
      }
      // Faults stop; a leader comes back if none; unplaceable configurations are repaired.
      this.faultsOn = false;
      this.note('faults stop');
      if (this.node === undefined) await this.startNode();
      for (;;) {
        const n = this.node;
        if (n === undefined) { await this.startNode(); continue; }
        n.store.rates = NO_STORE_FAULTS;
        break;
      }
      await this.settle(5000);
      // The repairs must have landed before convergence is judged: checked at once, the old
      // (unplaceable but settled) state passed as converged and the repair's deployment then
      // counted as a divergence (seed 500698).
      let repaired = false;
      void this.repair().then(() => { repaired = true; });
      const started = this.clock.now();
      while (!repaired && this.clock.now() - started < this.opts.convergeWithinMs) await this.settle(100);
      let problem = repaired ? this.quiescenceProblem() : 'repair never answered';
      while (problem !== undefined && this.clock.now() - started < this.opts.convergeWithinMs) {
        await this.settle(5000);
        problem = this.quiescenceProblem();
      }
      if (problem !== undefined) throw new InvariantViolation(`not converged ${this.opts.convergeWithinMs / 1000}s after the faults stopped: ${problem}`);
      const convergedAfterMs = this.clock.now() - started;
      // Stays converged.
      await this.settle(10_000);
      problem = this.quiescenceProblem();
      if (problem !== undefined) throw new InvariantViolation(`diverged again after converging: ${problem}`);
      return { ok: true, seed: this.opts.seed, trace: this.trace, convergedAfterMs, stats: stats() };
    } catch (err) {
      if (!(err instanceof InvariantViolation)) this.note(`harness error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      const violation = err instanceof Error ? err.message : String(err);
      return { ok: false, seed: this.opts.seed, violation, trace: this.trace, stats: stats() };
    } finally {
      this.node?.crash();
      await this.master.close().catch(() => undefined);
    }
  }

  /** Advances virtual time in slices, checking the invariants after each. */
  async settle(ms: number): Promise<void> {
    let left = ms;
    while (left > 0) {
      const slice = Math.min(left, 500);
      await this.clock.advance(slice);
      left -= slice;
      this.trackKills();
      this.checkAlways();
    }
  }

  private trackKills(): void {
    // KILL calls are visible in the master as TASK_KILLING / terminal states; remember task ids the
    // scheduler asked to kill so the capacity bound does not count them.
    const node = this.node;
    if (node === undefined) return;
    for (const i of node.repo.instances.values()) if (i.killRequested && i.taskId !== null) this.killRequested.add(i.taskId);
  }
}

export async function runSeed(opts: SimOptions): Promise<SimResult> {
  return new World(opts).run();
}

export function replayCommand(opts: SimOptions): string {
  let extra = opts.bug !== undefined ? ` --bug ${opts.bug}` : '';
  const f = Object.entries(opts.faults ?? {});
  if (f.length > 0) extra += ` --faults ${f.map(([k, v]) => `${k}=${v === true ? 'on' : 'off'}`).join(',')}`;
  return `npm run sim -- --seed ${opts.seed} --steps ${opts.steps}${extra}`;
}
