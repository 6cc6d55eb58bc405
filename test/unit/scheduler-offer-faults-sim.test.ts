// A seeded, deterministic simulation of the scheduler's calls through a faulty connection: the real
// Scheduler and the real retry loop (call-policy runCall) against a small simulated master, on a
// manual clock. Faults of every kind are injected per call attempt from a hash of (seed, call,
// attempt): connection refused (nothing sent), reset before the master saw the call (a stale pooled
// socket or a fresh one), reset after the master acted, and timeouts (the master acted or not).
// The offer invariant (offer-ledger.ts) is checked against the master's outstanding offers at
// every step; with the retry and the ledger's re-decline switched off it must catch the dropped
// DECLINEs, which shows the check can fail.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { normalizeApp } from '../../src/core/apps/normalize';
import { nextVersion } from '../../src/core/deploy/app-version';
import { type AttemptResult, runCall } from '../../src/mesos/call-policy';
import type { SchedulerClientEvents } from '../../src/mesos/client';
import { MesosCallOutcomeUnknownError, MesosConnectionError } from '../../src/mesos/errors';
import type { Call, Filters, KillPolicy, Offer, ReconcileTask, TaskInfo, TaskStatus } from '../../src/mesos/types';
import { EventBus } from '../../src/runtime/event-bus';
import { LaunchQueue } from '../../src/core/scheduler/launch-queue';
import { OFFER_HOLD_BOUND_MS, offerInvariantViolations, type OfferInvariantViolation } from '../../src/core/scheduler/offer-ledger';
import { Repository } from '../../src/runtime/repository';
import { Scheduler, type MesosDriver } from '../../src/runtime/scheduler';
import { MemoryStore } from '../../src/state/memory-store';
import { FakeClock } from './mesos-fake-clock';

type Fault = 'none' | 'refused' | 'reset-before' | 'reset-after' | 'timeout-acted' | 'timeout-not-acted';

/** FNV-1a of a string, then mulberry32 steps: a random number in [0,1) that depends only on the text. */
function hashRandom(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  let t = (h + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const FAULTS: Fault[] = ['refused', 'reset-before', 'reset-after', 'timeout-acted', 'timeout-not-acted'];

function faultFor(seed: number, rate: number, key: string): Fault {
  const r = hashRandom(`${seed}|${key}`);
  if (r >= rate) return 'none';
  return FAULTS[Math.floor((r / rate) * FAULTS.length)] as Fault;
}

interface MasterOffer { offer: Offer; offeredAtMs: number }

/** What a master does with the calls that reach it; events go out through the driver. */
class SimMaster {
  readonly offers = new Map<string, MasterOffer>();
  readonly tasks = new Map<string, TaskStatus['state']>();
  readonly trace: string[] = [];
  private next = 0;
  private suppressed = false;
  private readonly refusedUntil = new Map<string, number>();
  constructor(private readonly clock: FakeClock, private readonly emit: (e: () => void) => void, private readonly driver: SimDriver) {}

  allocate(): void {
    if (this.suppressed) return;
    const now = this.clock.now();
    const made: Offer[] = [];
    for (let a = 0; a < 3; a++) {
      const agent = `ag${a}`;
      if ([...this.offers.values()].some((o) => o.offer.agent_id.value === agent)) continue;
      if ((this.refusedUntil.get(agent) ?? 0) > now) continue;
      const offer: Offer = {
        id: { value: `o${++this.next}` }, framework_id: { value: 'fw-sim' }, agent_id: { value: agent }, hostname: `h${a}`,
        resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 4 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 4096 } },
          { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31100 }] } }],
      };
      this.offers.set(offer.id.value, { offer, offeredAtMs: now });
      made.push(offer);
    }
    if (made.length > 0) {
      this.trace.push(`${now} OFFERS ${made.map((o) => o.id.value).join(',')}`);
      this.emit(() => this.driver.emit('offers', made));
    }
  }

  apply(call: Call): void {
    const now = this.clock.now();
    switch (call.type) {
      case 'DECLINE':
        for (const { value } of call.decline?.offer_ids ?? []) {
          const o = this.offers.get(value);
          if (o === undefined) continue;
          this.offers.delete(value);
          this.refusedUntil.set(o.offer.agent_id.value, now + (call.decline?.filters?.refuse_seconds ?? 5) * 1000);
        }
        break;
      case 'ACCEPT': {
        const ids = (call.accept?.offer_ids ?? []).map((o) => o.value);
        const valid = ids.every((id) => this.offers.has(id));
        for (const id of ids) this.offers.delete(id);
        const tasks = (call.accept?.operations ?? []).flatMap((op) => op.launch?.task_infos ?? []);
        for (const t of tasks) {
          if (valid) this.tasks.set(t.task_id.value, 'TASK_RUNNING');
          const status: TaskStatus = valid
            ? { task_id: t.task_id, agent_id: t.agent_id, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid: Buffer.from(t.task_id.value).toString('base64') }
            : { task_id: t.task_id, agent_id: t.agent_id, state: 'TASK_DROPPED', source: 'SOURCE_MASTER', reason: 'REASON_INVALID_OFFERS' };
          this.emit(() => this.driver.emit('update', status));
        }
        break;
      }
      case 'RECONCILE': {
        const asked = call.reconcile?.tasks ?? [];
        const ids = asked.length > 0 ? asked.map((t) => t.task_id.value) : [...this.tasks.keys()];
        for (const id of ids) {
          const state = this.tasks.get(id) ?? 'TASK_UNKNOWN';
          this.emit(() => this.driver.emit('update', { task_id: { value: id }, agent_id: { value: 'ag0' }, state, source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION' }));
        }
        break;
      }
      case 'REVIVE':
        this.suppressed = false;
        this.refusedUntil.clear();
        break;
      case 'SUPPRESS':
        this.suppressed = true;
        break;
      default:
        break;
    }
    this.trace.push(`${now} ${call.type} ${JSON.stringify(call.decline?.offer_ids ?? call.accept?.offer_ids ?? '')}`);
  }

  outstanding(): Array<{ id: string; offeredAtMs: number }> {
    return [...this.offers.values()].map((o) => ({ id: o.offer.id.value, offeredAtMs: o.offeredAtMs }));
  }
}

/** The MesosDriver the scheduler talks to: every call through runCall (or one bare attempt) and the fault plan. */
class SimDriver extends EventEmitter<SchedulerClientEvents> implements MesosDriver {
  master!: SimMaster;
  readonly faultsSeen = new Map<string, number>();
  readonly droppedDeclines: string[] = [];
  private readonly occurrences = new Map<string, number>();
  constructor(private readonly clock: FakeClock, private readonly seed: number, private readonly rate: number, private readonly retry: boolean, private readonly faultsFromMs: number) {
    super();
  }

  start(): void {}
  async stop(): Promise<void> {}
  launch(offerIds: string[], tasks: TaskInfo[], filters?: Filters): Promise<void> {
    return this.call({ type: 'ACCEPT', accept: { offer_ids: offerIds.map((value) => ({ value })), operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }], filters } });
  }
  decline(offerIds: string[], filters?: Filters): Promise<void> {
    return this.call({ type: 'DECLINE', decline: { offer_ids: offerIds.map((value) => ({ value })), filters } });
  }
  revive(): Promise<void> { return this.call({ type: 'REVIVE' }); }
  suppress(): Promise<void> { return this.call({ type: 'SUPPRESS' }); }
  kill(taskId: string, _agentId?: string, _policy?: KillPolicy): Promise<void> { return this.call({ type: 'KILL', kill: { task_id: { value: taskId } } }); }
  async acknowledge(status: TaskStatus): Promise<boolean> {
    if (status.uuid === undefined) return false;
    await this.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: status.agent_id ?? { value: '' }, task_id: status.task_id, uuid: status.uuid } });
    return true;
  }
  reconcile(tasks: ReconcileTask[]): Promise<void> { return this.call({ type: 'RECONCILE', reconcile: { tasks } }); }

  private async attempt(call: Call, key: string, fresh: boolean): Promise<AttemptResult> {
    const fault = this.clock.now() < this.faultsFromMs ? 'none' : faultFor(this.seed, this.rate, key);
    const count = `${call.type} ${fault}`;
    this.faultsSeen.set(count, (this.faultsSeen.get(count) ?? 0) + 1);
    const error = new MesosConnectionError(`injected ${fault}`);
    switch (fault) {
      case 'none': this.master.apply(call); return { kind: 'ok' };
      case 'refused':
        if (call.type === 'DECLINE') this.droppedDeclines.push(...(call.decline?.offer_ids ?? []).map((o) => o.value));
        return { kind: 'not-sent', error };
      case 'reset-before':
        if (call.type === 'DECLINE') this.droppedDeclines.push(...(call.decline?.offer_ids ?? []).map((o) => o.value));
        return { kind: fresh ? 'unknown' : 'stale-socket', error };
      case 'reset-after': this.master.apply(call); return { kind: 'unknown', error };
      case 'timeout-acted': this.master.apply(call); return { kind: 'unknown', error };
      case 'timeout-not-acted':
        if (call.type === 'DECLINE') this.droppedDeclines.push(...(call.decline?.offer_ids ?? []).map((o) => o.value));
        return { kind: 'unknown', error };
    }
  }

  private async call(call: Call): Promise<void> {
    // Keyed by what the call says (and how often the same call was made), not by its place in the
    // sequence: the fault plan does not depend on how the event loop interleaved the calls.
    const what = `${call.type}|${JSON.stringify(call.decline?.offer_ids ?? call.accept?.offer_ids ?? call.reconcile?.tasks ?? call.acknowledge?.task_id ?? call.kill?.task_id ?? '')}`;
    const n = (this.occurrences.get(what) ?? 0) + 1;
    this.occurrences.set(what, n);
    const base = `${what}|${n}`;
    let attempts = 0;
    if (!this.retry) {
      const r = await this.attempt(call, `${base}|1`, call.type === 'ACCEPT');
      if (r.kind === 'ok') return;
      throw call.type === 'ACCEPT' && r.kind === 'unknown' ? new MesosCallOutcomeUnknownError('injected', { cause: r.error }) : r.error;
    }
    await runCall({
      type: call.type, maxAttempts: 9, backoff: { initialMs: 250, maxMs: 4000 }, current: () => true,
      sleep: (ms) => new Promise((r) => this.clock.setTimer(r, ms)),
      attempt: (fresh) => this.attempt(call, `${base}|${++attempts}`, fresh),
    });
  }
}

interface SimResult {
  running: number;
  wanted: number;
  violations: OfferInvariantViolation[];
  maxAgeMs: number;
  trace: string[];
  faults: Map<string, number>;
  droppedDeclines: string[];
  redeclined: number;
}

async function simulate(opts: { seed: number; rate: number; retry: boolean; ledger: boolean; apps: number; durationMs: number }): Promise<SimResult> {
  const clock = new FakeClock();
  const start = clock.now();
  const events: Array<() => void> = [];
  const driver = new SimDriver(clock, opts.seed, opts.rate, opts.retry, start + 1000);
  const master = new SimMaster(clock, (e) => events.push(e), driver);
  driver.master = master;
  const repo = new Repository(new MemoryStore());
  let uuid = 0;
  const sched = new Scheduler({
    repo, bus: new EventBus(), driver, queue: new LaunchQueue(), log: { debug() {}, info() {}, warn() {}, error() {} },
    now: () => clock.now(), newUuid: () => `u${++uuid}`,
  }, {
    housekeepingIntervalMs: 3_600_000, reconciliationInitialDelayMs: 3_600_000, reconciliationIntervalMs: 3_600_000,
    offerReanswerMs: opts.ledger ? 10_000 : Number.POSITIVE_INFINITY,
  });
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 40; i++) {
      while (events.length > 0) (events.shift() as () => void)();
      await new Promise<void>((r) => setImmediate(r));
    }
  };
  sched.start();
  driver.emit('subscribed', { frameworkId: 'fw-sim', heartbeatIntervalSeconds: 15, masterInfo: undefined, resubscribed: false, master: 'sim', streamId: 's' });
  await flush();
  let posted = 0;
  const post = async (): Promise<void> => {
    const n = normalizeApp({ id: `/sim/app-${posted++}`, cmd: 'sleep 1000', cpus: 0.1, mem: 16, instances: 1 });
    if ('violations' in n) throw new Error('bad app');
    const v = nextVersion(undefined, n.app, 'create', new Date(clock.now()).toISOString());
    await repo.commit({ putApps: [v] });
    sched.ensureInstances(v.app.id);
  };
  const violations = new Map<string, OfferInvariantViolation>();
  let maxAgeMs = 0;
  try {
    for (let t = 0; t < opts.durationMs; t += 250) {
      clock.advance(250);
      // one app every 2.5 s, from when the faults begin
      if (t >= 1000 && t % 2500 === 0 && posted < opts.apps) await post();
      if (t % 1000 === 0) {
        master.allocate();
        sched.redeclineOverdueOffers(clock.now());
      }
      await flush();
      for (const o of master.outstanding()) maxAgeMs = Math.max(maxAgeMs, clock.now() - o.offeredAtMs);
      for (const v of offerInvariantViolations(master.outstanding(), clock.now(), OFFER_HOLD_BOUND_MS)) if (!violations.has(v.id)) violations.set(v.id, v);
    }
  } finally {
    await sched.stop();
  }
  const running = [...repo.instances.values()].filter((i) => i.condition === 'Running').length;
  return {
    running, wanted: opts.apps, violations: [...violations.values()], maxAgeMs, trace: master.trace, faults: driver.faultsSeen,
    droppedDeclines: driver.droppedDeclines, redeclined: sched.counters.redeclined,
  };
}

describe('offer invariant under injected call faults (seeded simulation)', function () {
  this.timeout(60_000);

  it('30% of call attempts fail in every way (seeds 1–4): every app runs and no offer outlives the bound', async function () {
    const met = new Set<string>();
    for (const seed of [1, 2, 3, 4]) {
      const r = await simulate({ seed, rate: 0.3, retry: true, ledger: true, apps: 16, durationMs: 100_000 });
      assert.deepEqual(r.violations, [], `seed ${seed}: offers held past ${OFFER_HOLD_BOUND_MS} ms`);
      assert.equal(r.running, r.wanted, `seed ${seed}: every app runs`);
      assert.ok(r.maxAgeMs <= OFFER_HOLD_BOUND_MS);
      for (const [k, n] of r.faults) if (n > 0) met.add(k);
    }
    for (const type of ['DECLINE', 'ACCEPT']) {
      for (const fault of FAULTS) assert.ok(met.has(`${type} ${fault}`), `some ${type} met ${fault}`);
    }
  });

  it('replays: the same seed gives the same calls at the same (virtual) times at the master', async function () {
    // Calls made in the same instant may interleave differently (the offer loop slices by wall time), so each instant is compared as a set.
    const byInstant = (trace: string[]): string[] => [...trace].sort();
    const a = await simulate({ seed: 7, rate: 0.3, retry: true, ledger: true, apps: 6, durationMs: 40_000 });
    const b = await simulate({ seed: 7, rate: 0.3, retry: true, ledger: true, apps: 6, durationMs: 40_000 });
    assert.deepEqual(byInstant(a.trace), byInstant(b.trace));
    assert.ok(a.trace.length > 20);
  });

  it('catches a dropped DECLINE: with the retry and the re-decline switched off the invariant fails', async function () {
    const r = await simulate({ seed: 1, rate: 0.3, retry: false, ledger: false, apps: 12, durationMs: 60_000 });
    assert.ok(r.violations.length > 0, 'the invariant check reports the offers a lost DECLINE left behind');
    for (const v of r.violations) {
      assert.ok(v.ageMs > OFFER_HOLD_BOUND_MS);
      assert.ok(r.droppedDeclines.includes(v.id), `${v.id} was in a DECLINE that never reached the master`);
    }
  });

  it('without the retry, the ledger alone declines a lost DECLINE\'s offer again within the bound', async function () {
    const r = await simulate({ seed: 1, rate: 0.3, retry: false, ledger: true, apps: 12, durationMs: 60_000 });
    assert.deepEqual(r.violations, []);
    assert.ok(r.redeclined > 0, 'the ledger re-declined offers');
  });
});
