// The Scheduler shell against a fake Mesos driver and the in-memory store: ordering on
// SUBSCRIBED, launch/decline/suppress/revive, status handling, replacement, unknown tasks.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { normalizeApp } from '../../src/core/apps/normalize';
import type { AppDefinition } from '../../src/core/apps/types';
import { nextVersion, type AppVersion } from '../../src/core/deploy/app-version';
import type { SchedulerClientEvents } from '../../src/mesos/client';
import type { Filters, KillPolicy, Offer, ReconcileTask, TaskInfo, TaskStatus } from '../../src/mesos/types';
import { EventBus } from '../../src/runtime/event-bus';
import { LaunchQueue } from '../../src/core/scheduler/launch-queue';
import { Repository } from '../../src/runtime/repository';
import { Scheduler, type MesosDriver, type SchedulerOptions } from '../../src/runtime/scheduler';
import type { Instance } from '../../src/core/scheduler/instance';
import { MemoryStore } from '../../src/state/memory-store';
import type { Clock } from '../../src/lib/clock';

type Call = { type: string; args: unknown[] };

class FakeDriver extends EventEmitter<SchedulerClientEvents> implements MesosDriver {
  calls: Call[] = [];
  private log(type: string, ...args: unknown[]): Promise<void> { this.calls.push({ type, args }); return Promise.resolve(); }
  start(): void { this.calls.push({ type: 'start', args: [] }); }
  async stop(): Promise<void> { this.calls.push({ type: 'stop', args: [] }); }
  launch(offerIds: unknown[], tasks: TaskInfo[], filters?: Filters): Promise<void> { return this.log('launch', offerIds, tasks, filters); }
  decline(offerIds: unknown[], filters?: Filters): Promise<void> { return this.log('decline', offerIds, filters); }
  revive(roles?: string[]): Promise<void> { return this.log('revive', roles); }
  suppress(roles?: string[]): Promise<void> { return this.log('suppress', roles); }
  kill(taskId: unknown, agentId?: unknown, policy?: KillPolicy): Promise<void> { return this.log('kill', taskId, agentId, policy); }
  async acknowledge(status: TaskStatus): Promise<boolean> { this.calls.push({ type: 'ack', args: [status] }); return status.uuid !== undefined; }
  reconcile(tasks: ReconcileTask[]): Promise<void> { return this.log('reconcile', tasks); }
  of(type: string): Call[] { return this.calls.filter((c) => c.type === type); }
}

function app(raw: Record<string, unknown>): AppDefinition {
  const n = normalizeApp({ cmd: 'sleep 1', cpus: 1, mem: 64, ...raw });
  if ('violations' in n) throw new Error(JSON.stringify(n.violations));
  return n.app;
}

function offer(i: number, cpus = 4): Offer {
  return {
    id: { value: `o${i}` }, framework_id: { value: 'fw-1' }, agent_id: { value: `ag${i}` }, hostname: `h${i}`,
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: cpus } }, { name: 'mem', type: 'SCALAR', scalar: { value: 4096 } },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31100 }] } }],
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Rig { driver: FakeDriver; repo: Repository; store: MemoryStore; sched: Scheduler; bus: EventBus; queue: LaunchQueue; clock: { now: number }; order: string[] }

async function rig(extra: { options?: Partial<SchedulerOptions>; clock?: Clock } = {}): Promise<Rig> {
  const store = new MemoryStore();
  const order: string[] = [];
  const origSet = store.setFrameworkId.bind(store);
  store.setFrameworkId = async (id: string) => { await origSet(id); order.push('stored'); };
  const repo = new Repository(store);
  const driver = new FakeDriver();
  const origReconcile = driver.reconcile.bind(driver);
  driver.reconcile = (t) => { order.push('reconcile'); return origReconcile(t); };
  const bus = new EventBus();
  const queue = new LaunchQueue();
  const clock = { now: Date.parse('2024-05-01T10:00:00.000Z') };
  let uuid = 0;
  const sched = new Scheduler({
    repo, bus, driver, queue, log: { debug() {}, info() {}, warn() {}, error() {} }, now: () => clock.now, newUuid: () => `u${++uuid}`,
    ...(extra.clock !== undefined ? { clock: extra.clock } : {}),
  }, { housekeepingIntervalMs: 60_000, reconciliationInitialDelayMs: 60_000, ...extra.options });
  return { driver, repo, store, sched, bus, queue, clock, order };
}

async function subscribe(r: Rig): Promise<void> {
  r.driver.emit('subscribed', { frameworkId: 'fw-1', heartbeatIntervalSeconds: 15, masterInfo: undefined, resubscribed: false, master: 'http://m:5050', streamId: 's' });
  for (let i = 0; i < 5; i++) await tick();
}

async function withApp(r: Rig, raw: Record<string, unknown>): Promise<AppVersion> {
  const v = nextVersion(undefined, app(raw), 'create', new Date(r.clock.now).toISOString());
  await r.repo.commit({ putApps: [v] });
  return v;
}

function status(taskId: string, state: TaskStatus['state'], extra: Partial<TaskStatus> = {}): TaskStatus {
  return { task_id: { value: taskId }, state, agent_id: { value: 'ag1' }, uuid: 'dXVpZA==', source: 'SOURCE_EXECUTOR', ...extra };
}

describe('scheduler shell', () => {
  let r: Rig;
  beforeEach(async () => { r = await rig(); r.sched.start(); });
  afterEach(async () => { await r.sched.stop(); });

  it('stores the framework id before reconciling, then reconciles explicitly and implicitly', async () => {
    const v = await withApp(r, { id: '/a' });
    const [inst] = r.sched.scheduleInstances(v, 1);
    r.repo.apply({ kind: 'put', instance: { ...inst, condition: 'Running', taskId: 'a.instance-x._app.1', agentId: 'ag1' }, durable: true });
    await subscribe(r);
    assert.deepEqual(r.order.slice(0, 3), ['stored', 'reconcile', 'reconcile']);
    assert.equal(await r.store.getFrameworkId(), 'fw-1');
    const [explicit, implicit] = r.driver.of('reconcile');
    assert.deepEqual(explicit.args[0], [{ task_id: { value: 'a.instance-x._app.1' }, agent_id: { value: 'ag1' } }]);
    assert.deepEqual(implicit.args[0], []);
    assert.ok(r.sched.ready);
  });

  it('refuses a new framework id while instances exist', async () => {
    await r.repo.setFrameworkId('fw-old');
    const v = await withApp(r, { id: '/a' });
    r.sched.scheduleInstances(v, 1);
    await subscribe(r);
    assert.equal(r.sched.ready, false);
    assert.equal(await r.store.getFrameworkId(), 'fw-old');
    r.driver.emit('offers', [offer(1)]);
    assert.equal(r.driver.of('launch').length, 0);
  });

  it('launches scheduled instances on offers, declines the rest with a short filter, suppresses when done', async () => {
    await subscribe(r);
    const v = await withApp(r, { id: '/web/a', instances: 3 });
    r.sched.scheduleInstances(v, 3);
    await tick();
    assert.ok(r.driver.of('revive').length >= 1, 'revive when work appears');
    r.driver.emit('offers', [offer(1, 2), offer(2, 0.5)]);
    // The ACCEPT follows the durable instance write; the offers may take more than one slice (3 ms).
    for (let k = 0; k < 6; k++) await tick();
    const [launch] = r.driver.of('launch');
    assert.deepEqual(launch.args[0], ['o1']);
    const tasks = launch.args[1] as TaskInfo[];
    assert.equal(tasks.length, 2);
    assert.match(tasks[0].task_id.value, /^web_a\.instance-u\d+\._app\.1$/);
    assert.deepEqual(r.driver.of('decline')[0].args, [['o2'], { refuse_seconds: 5 }]);
    assert.equal(r.driver.of('suppress').length, 0, 'one instance still waits');
    r.driver.emit('offers', [offer(3)]);
    await tick(); // the ACCEPT follows the durable instance write
    assert.equal(r.driver.of('launch').length, 2);
    r.driver.emit('offers', [offer(4)]);
    await tick(); // the ACCEPT follows the durable instance write
    assert.deepEqual(r.driver.of('decline')[1].args, [['o4'], { refuse_seconds: 120 }]);
    assert.equal(r.driver.of('suppress').length, 1);
  });

  it('new work declines offers whose DECLINE failed before it revives (they are held at the master until answered)', async () => {
    await subscribe(r);
    const failing = r.driver.decline.bind(r.driver);
    r.driver.decline = (ids, f) => { void failing(ids, f); return Promise.reject(new Error('connection reset')); };
    r.driver.emit('offers', [offer(1)]); // nothing waits: declined, and the decline fails
    await tick();
    assert.deepEqual(r.driver.of('decline').map((c) => c.args[0]), [['o1']]);
    r.driver.decline = failing;
    const v = await withApp(r, { id: '/a' });
    const before = r.driver.calls.length;
    r.sched.scheduleInstances(v, 1);
    await tick();
    const after = r.driver.calls.slice(before).filter((c) => c.type === 'decline' || c.type === 'revive');
    assert.deepEqual(after.map((c) => c.type), ['decline', 'revive']);
    assert.deepEqual(after[0].args[0], ['o1']);
    assert.equal(r.sched.offerStats().held, 0);
  });

  it('an offer whose DECLINE failed while reconciliation is still retried is declined again once overdue', async () => {
    let reconcileFails = true;
    const reconcile = r.driver.reconcile.bind(r.driver);
    r.driver.reconcile = (t) => (reconcileFails ? Promise.reject(new Error('reset')) : reconcile(t));
    let declineFails = true;
    const decline = r.driver.decline.bind(r.driver);
    r.driver.decline = (ids, f) => (declineFails ? Promise.reject(new Error('reset')) : decline(ids, f));
    await subscribe(r);
    assert.equal(r.sched.ready, false, 'reconciliation keeps failing');
    r.driver.emit('offers', [offer(1)]);
    await tick();
    declineFails = false;
    r.clock.now += r.sched.options.offerReanswerMs;
    r.sched.redeclineOverdueOffers(r.clock.now);
    await tick();
    assert.deepEqual(r.driver.of('decline').map((c) => c.args[0]), [['o1']], 'declined again before reconciliation succeeded');
    reconcileFails = false;
  });

  it('tracks status updates, acknowledges them, and takes ipAddresses from network_infos', async () => {
    await subscribe(r);
    const v = await withApp(r, { id: '/a' });
    const [inst] = r.sched.scheduleInstances(v, 1);
    r.driver.emit('offers', [offer(1)]);
    const taskId = inst.taskId as string;
    // Launched, no update yet (a real agent sends no TASK_STAGING): Marathon's stagedAt is set.
    assert.equal(r.repo.instances.get(inst.instanceId)?.condition, 'Provisioned');
    assert.notEqual(r.repo.instances.get(inst.instanceId)?.stagedAt, null);
    const events: string[] = [];
    r.bus.subscribe((e) => events.push(`${e.eventType}:${String(e.taskStatus ?? e.condition ?? '')}`));
    r.driver.emit('update', status(taskId, 'TASK_STAGING'));
    r.driver.emit('update', status(taskId, 'TASK_RUNNING', { container_status: { network_infos: [{ name: 'n', ip_addresses: [{ protocol: 'IPv4', ip_address: '10.1.1.1' }] }] } }));
    assert.equal(r.driver.of('ack').length, 2);
    const now = r.repo.instances.get(inst.instanceId);
    assert.equal(now?.condition, 'Running');
    assert.deepEqual(now?.ipAddresses, [{ ipAddress: '10.1.1.1', protocol: 'IPv4' }]);
    assert.ok(now?.startedAt !== null);
    assert.deepEqual(events, ['status_update_event:TASK_STAGING', 'instance_changed_event:Staging', 'status_update_event:TASK_RUNNING', 'instance_changed_event:Running']);
  });

  it('a failed task is replaced in the same slot, after a backoff delay', async () => {
    await subscribe(r);
    const v = await withApp(r, { id: '/a', backoffSeconds: 10 });
    const [inst] = r.sched.scheduleInstances(v, 1);
    r.driver.emit('offers', [offer(1)]);
    await tick(); // the ACCEPT follows the durable instance write
    r.driver.emit('update', status(inst.taskId as string, 'TASK_RUNNING'));
    r.driver.emit('update', status(inst.taskId as string, 'TASK_FAILED', { message: 'boom' }));
    assert.equal(r.repo.instances.has(inst.instanceId), false, 'expunged');
    const waiting = [...r.repo.instances.values()];
    assert.equal(waiting.length, 1);
    assert.equal(waiting[0].condition, 'Scheduled');
    assert.equal(waiting[0].slot, inst.slot);
    assert.equal(r.queue.timeLeftMs(v, r.clock.now), 10_000);
    assert.equal(r.sched.lastTaskFailure.get('/a')?.message, 'boom');
    r.driver.emit('offers', [offer(2)]);
    assert.equal(r.driver.of('launch').length, 1, 'backed off: not launched');
    r.clock.now += 10_000;
    r.driver.emit('offers', [offer(3)]);
    await tick(); // the ACCEPT follows the durable instance write
    assert.equal(r.driver.of('launch').length, 2);
  });

  it('a task killed without scale is replaced; a decommissioned one only while the declared count still wants it', async () => {
    await subscribe(r);
    const v = await withApp(r, { id: '/a', instances: 2 });
    const [a, b] = r.sched.scheduleInstances(v, 2);
    r.driver.emit('offers', [offer(1)]);
    r.sched.killInstance(a, { decommission: false });
    assert.equal(r.driver.of('kill')[0].args[0], a.taskId);
    r.driver.emit('update', status(a.taskId as string, 'TASK_KILLED'));
    assert.equal([...r.repo.instances.values()].filter((i) => i.condition === 'Scheduled').length, 1);
    // Scaled down to 1 (as a scale deployment does): the decommissioned instance is not replaced.
    await r.repo.commit({ putApps: [{ ...v, app: { ...v.app, instances: 1 } }] });
    r.sched.killInstance(b, { decommission: true });
    r.driver.emit('update', status(b.taskId as string, 'TASK_KILLED'));
    assert.equal(r.repo.instances.size, 1);
    // A decommissioned instance of an app still declared at 2 (its deployment was rolled back
    // meanwhile) is replaced: the declared count wins.
    await r.repo.commit({ putApps: [v] });
    const [left] = r.repo.instancesOf('/a');
    assert.ok(left !== undefined);
    r.driver.emit('offers', [offer(2)]);
    r.sched.killInstance(left, { decommission: true });
    if (left.taskId !== null) r.driver.emit('update', status(left.taskId, 'TASK_KILLED'));
    assert.equal(r.repo.instancesOf('/a').filter((i) => !i.killRequested).length, 2);
  });

  it('kills tasks it does not know; ignores terminal updates of them', async () => {
    await subscribe(r);
    r.driver.emit('update', status('ghost.instance-zz._app.3', 'TASK_RUNNING'));
    assert.equal(r.driver.of('kill')[0].args[0], 'ghost.instance-zz._app.3');
    r.driver.emit('update', status('ghost.instance-zz._app.3', 'TASK_KILLED'));
    assert.equal(r.driver.of('kill').length, 1);
    r.driver.emit('update', status('not-ours', 'TASK_RUNNING'));
    assert.equal(r.driver.of('kill').length, 1);
  });

  it('a kill refused before the subscription (a new leader resuming a scale-down) goes out once subscribed, not after killRetryMs', async () => {
    const v = await withApp(r, { id: '/a', instances: 2 });
    const insts = r.sched.scheduleInstances(v, 2);
    insts.forEach((inst, n) => { r.repo.apply({ kind: 'put', instance: { ...inst, condition: 'Running', taskId: `a.instance-k${n}._app.1`, agentId: 'ag1' }, durable: true }); });
    const kill = r.driver.kill.bind(r.driver);
    let refused = 0;
    r.driver.kill = (taskId, agentId, policy) => {
      if (!r.sched.ready) { refused++; return Promise.reject(new Error('cannot send KILL: not subscribed to a Mesos master')); }
      return kill(taskId, agentId, policy);
    };
    r.sched.killInstance(insts[0], { decommission: true });
    await tick();
    assert.equal(refused, 1);
    await subscribe(r);
    assert.deepEqual(r.driver.of('kill').map((c) => c.args[0]), ['a.instance-k0._app.1'], 'sent on becoming ready, once');
    assert.equal(refused, 1);
  });

  it('TASK_UNREACHABLE with inactiveAfterSeconds 0 launches a replacement at once', async () => {
    await subscribe(r);
    const v = await withApp(r, { id: '/a', unreachableStrategy: { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 } });
    const [inst] = r.sched.scheduleInstances(v, 1);
    r.driver.emit('offers', [offer(1)]);
    r.driver.emit('update', status(inst.taskId as string, 'TASK_RUNNING'));
    r.driver.emit('update', status(inst.taskId as string, 'TASK_UNREACHABLE', { uuid: undefined, source: 'SOURCE_MASTER' }));
    assert.equal(r.repo.instances.get(inst.instanceId)?.condition, 'UnreachableInactive');
    const fresh = [...r.repo.instances.values()].filter((i) => i.condition === 'Scheduled');
    assert.equal(fresh.length, 1);
    assert.notEqual(fresh[0].slot, inst.slot, 'the unreachable instance keeps its slot');
  });

  it('TASK_UNREACHABLE with the strategy disabled waits', async () => {
    await subscribe(r);
    const v = await withApp(r, { id: '/a', unreachableStrategy: 'disabled' });
    const [inst] = r.sched.scheduleInstances(v, 1);
    r.driver.emit('offers', [offer(1)]);
    r.driver.emit('update', status(inst.taskId as string, 'TASK_UNREACHABLE'));
    assert.equal(r.repo.instances.size, 1);
    assert.equal(r.repo.instances.get(inst.instanceId)?.condition, 'Unreachable');
  });

  it('TASK_LOST is mapped by reason', async () => {
    await subscribe(r);
    const v = await withApp(r, { id: '/a', unreachableStrategy: 'disabled' });
    const [inst] = r.sched.scheduleInstances(v, 1);
    r.driver.emit('offers', [offer(1)]);
    r.driver.emit('update', status(inst.taskId as string, 'TASK_LOST', { reason: 'REASON_AGENT_DISCONNECTED' }));
    assert.equal(r.repo.instances.get(inst.instanceId)?.condition, 'Unreachable');
  });

  it('launch confirm timeout: no status → KILL; the instance is replaced by a new one once the master says the task is unknown', async () => {
    await r.sched.stop();
    r = await rig();
    // Virtual timers: the housekeeping tick is called by hand, no sleeping.
    const ticks: Array<() => void> = [];
    const clock: Clock = {
      now: () => r.clock.now,
      // Only the housekeeping tick (every 5 ms) is kept; each run of it arms the next one.
      setTimer: (fn, ms) => { if (ms === 5) ticks.push(fn); return { cancel() {} }; },
      defer: (fn) => { setImmediate(fn); }, monotonic: () => 0,
    };
    let n = 0;
    const sched = new Scheduler({ repo: r.repo, bus: r.bus, driver: r.driver, queue: r.queue, log: { debug() {}, info() {}, warn() {}, error() {} }, now: () => r.clock.now, newUuid: () => `x${++n}`, clock },
      { housekeepingIntervalMs: 5, reconciliationInitialDelayMs: 60_000, launchConfirmTimeoutMs: 1000 });
    r.sched = sched;
    sched.start();
    await subscribe(r);
    const v = await withApp(r, { id: '/a' });
    const [inst] = sched.scheduleInstances(v, 1);
    r.driver.emit('offers', [offer(1)]);
    await tick();
    const first = inst.taskId;
    assert.match(String(first), /\._app\.1$/);
    r.clock.now += 1000;
    for (const t of ticks.splice(0)) t();
    assert.equal(r.driver.of('kill')[0]?.args[0], first);
    assert.equal(inst.killRequested, true, 'not relaunched while the old task may still live');
    r.driver.emit('update', { task_id: { value: String(first) }, state: 'TASK_UNKNOWN', reason: 'REASON_RECONCILIATION', source: 'SOURCE_MASTER' });
    const replacement = r.repo.instancesOf('/a');
    assert.equal(replacement.length, 1);
    assert.notEqual(replacement[0]?.instanceId, inst.instanceId);
    assert.equal(replacement[0]?.condition, 'Scheduled');
  });

  it('reconciles on a timer after the initial delay: explicitly (every known task), then implicitly', async () => {
    await r.sched.stop();
    r = await rig();
    const sched = new Scheduler({ repo: r.repo, bus: r.bus, driver: r.driver, queue: r.queue, log: { debug() {}, info() {}, warn() {}, error() {} }, now: () => r.clock.now, newUuid: () => 'x' },
      { housekeepingIntervalMs: 60_000, reconciliationInitialDelayMs: 10, reconciliationIntervalMs: 10 });
    r.sched = sched;
    const v = await withApp(r, { id: '/a' });
    const [inst] = sched.scheduleInstances(v, 1);
    r.repo.apply({ kind: 'put', instance: { ...inst, condition: 'Running', taskId: 'a.instance-x._app.1', agentId: 'ag1' }, durable: true });
    sched.start();
    await subscribe(r);
    const afterSubscribe = r.driver.of('reconcile').length;
    await new Promise((res) => setTimeout(res, 60));
    const periodic = r.driver.of('reconcile').slice(afterSubscribe).map((c) => c.args[0]);
    assert.ok(periodic.length >= 2, `${periodic.length} periodic reconcile calls`);
    assert.deepEqual(periodic.slice(0, 2), [[{ task_id: { value: 'a.instance-x._app.1' }, agent_id: { value: 'ag1' } }], []], 'explicit, then implicit');
  });

  it('reconciliation also re-asserts instance counts outside deployments (ScaleRunSpecs)', async () => {
    const v = await withApp(r, { id: '/a', instances: 2 });
    r.sched.scheduleInstances(v, 1);
    await subscribe(r);
    assert.equal(r.repo.instancesOf('/a').length, 2);
  });

  /** ACKNOWLEDGEs stay pending until `settle` (n of them, oldest first). */
  function holdAcks(d: FakeDriver): { settle: (n: number) => Promise<void>; pending: () => number } {
    const waiting: Array<() => void> = [];
    d.acknowledge = (st: TaskStatus): Promise<boolean> => {
      d.calls.push({ type: 'ack', args: [st] });
      return new Promise((resolve) => { waiting.push(() => resolve(true)); });
    };
    return {
      settle: async (n) => { for (const done of waiting.splice(0, n)) done(); for (let i = 0; i < 3; i++) await tick(); },
      pending: () => waiting.length,
    };
  }

  it('a resent update whose ACK is still pending is only acknowledged again (no second write, no second event)', async () => {
    const acks = holdAcks(r.driver);
    await subscribe(r);
    const v = await withApp(r, { id: '/a' });
    const [inst] = r.sched.scheduleInstances(v, 1);
    r.driver.emit('offers', [offer(1)]);
    await tick();
    const events: string[] = [];
    r.bus.subscribe((e) => { if (e.eventType === 'status_update_event') events.push(String(e.taskStatus)); });
    const taskId = inst.taskId as string;
    r.driver.emit('update', status(taskId, 'TASK_RUNNING', { uuid: 'r1' }));
    const revision = r.repo.instances.get(inst.instanceId)?.revision;
    r.driver.emit('update', status(taskId, 'TASK_RUNNING', { uuid: 'r1' })); // the agent's resend
    assert.deepEqual(events, ['TASK_RUNNING']);
    assert.equal(r.repo.instances.get(inst.instanceId)?.revision, revision, 'not written again');
    assert.equal(r.driver.of('ack').length, 2, 'the resend is acknowledged (the client shares the call)');
    assert.equal(r.sched.counters.resentUpdates, 1);
    await acks.settle(2);
    r.driver.emit('update', status(taskId, 'TASK_RUNNING', { uuid: 'r1' })); // after the ACK completed: handled as before
    assert.deepEqual(events, ['TASK_RUNNING', 'TASK_RUNNING']);
    assert.equal(r.sched.counters.resentUpdates, 1);
  });

  it('launching pauses while maxLaunchPipeline tasks are launched and not running or wait for an ACK, resumes at half, and held offers are answered after offerReanswerMs', async () => {
    await r.sched.stop();
    r = await rig();
    r.sched = new Scheduler({ repo: r.repo, bus: r.bus, driver: r.driver, queue: r.queue, log: { debug() {}, info() {}, warn() {}, error() {} }, now: () => r.clock.now, newUuid: (() => { let n = 0; return () => `u${++n}`; })() },
      { housekeepingIntervalMs: 60_000, reconciliationInitialDelayMs: 60_000, maxLaunchPipeline: 4 });
    r.sched.start();
    const acks = holdAcks(r.driver);
    await subscribe(r);
    const v = await withApp(r, { id: '/a', instances: 5, cpus: 1 });
    const made = r.sched.scheduleInstances(v, 5);
    r.driver.emit('offers', [offer(1, 1), offer(2, 1)]);
    await tick();
    assert.equal(r.driver.of('launch').length, 2);
    const launched = made.filter((i) => i.taskId !== null);
    for (const [n, i] of launched.entries()) r.driver.emit('update', status(i.taskId as string, 'TASK_STARTING', { uuid: `s${n}` }));
    r.driver.emit('offers', [offer(3, 1)]);
    await tick();
    assert.equal(r.driver.of('launch').length, 2, 'held: two tasks starting, two ACKs outstanding');
    assert.equal(r.driver.of('decline').length, 0, 'the offer waits, it is not declined');
    await acks.settle(1);
    assert.equal(r.driver.of('launch').length, 2, 'still held above half (3 > 4/2)');
    await acks.settle(1);
    assert.equal(r.driver.of('launch').length, 3, 'at half: the held offer is used');
    const third = made.find((i) => i.taskId !== null && !launched.includes(i)) as Instance;
    r.driver.emit('update', status(third.taskId as string, 'TASK_STARTING', { uuid: 's3' }));
    r.driver.emit('offers', [offer(4, 1)]);
    await tick();
    assert.equal(r.driver.of('launch').length, 3, 'held again (three starting, one ACK outstanding)');
    r.clock.now += r.sched.options.offerReanswerMs;
    r.sched.redeclineOverdueOffers(r.clock.now);
    await tick(); // DECLINE goes out in order after earlier offer calls
    assert.deepEqual(r.driver.of('decline').map((c) => c.args[0]), [['o4']], 'held past offerReanswerMs: declined');
    await acks.settle(acks.pending());
    r.driver.emit('offers', [offer(5, 1)]);
    await tick();
    assert.equal(r.driver.of('launch').length, 4, 'below the limit: launching again');
  });
});

describe('scheduler shell: an offer filled over several slices', () => {
  let r: Rig | undefined;
  afterEach(async () => { await r?.sched.stop(); r = undefined; });

  /** Instances of one app, `room` of which fit on one offer; the slices of `rig` place at most `perSlice` tasks. */
  async function fill(perSlice: number, instances: number, room: number, clock?: Clock): Promise<{ rig: Rig; made: Instance[] }> {
    r = await rig({ options: { offerSliceTasks: perSlice }, ...(clock !== undefined ? { clock } : {}) });
    r.sched.start();
    await subscribe(r);
    const v = await withApp(r, { id: '/f', instances, cpus: 1 });
    const made = r.sched.scheduleInstances(v, instances);
    await tick();
    r.driver.emit('offers', [offer(1, room), offer(2, room)]);
    return { rig: r, made };
  }

  it('sends one ACCEPT per offer with every task that fits, whatever the tasks per slice', async () => {
    for (const perSlice of [1, 2, 3, 5, 8]) {
      for (const [instances, room] of [[5, 4], [3, 8], [9, 4], [1, 1]] as const) {
        const { rig: x, made } = await fill(perSlice, instances, room);
        for (let k = 0; k < 2 * instances + 4; k++) await tick();
        const launches = x.driver.of('launch');
        const label = `${perSlice} per slice, ${instances} instances, room for ${room}`;
        const expected = [['o1', Math.min(room, instances)], ['o2', Math.min(room, Math.max(0, instances - room))]].filter(([, n]) => n !== 0);
        assert.deepEqual(launches.map((c) => [(c.args[0] as string[])[0], (c.args[1] as TaskInfo[]).length]), expected, label);
        const taskIds = launches.flatMap((c) => (c.args[1] as TaskInfo[]).map((t) => t.task_id.value));
        assert.equal(new Set(taskIds).size, taskIds.length, `${label}: no task twice`);
        const launched = made.filter((i) => x.repo.instances.get(i.instanceId)?.condition === 'Provisioned');
        assert.equal(launched.length, Math.min(instances, 2 * room), `${label}: Provisioned`);
        if (instances < 2 * room) assert.equal(x.driver.of('decline').length, instances <= room ? 1 : 0, `${label}: only an unused offer is declined`);
        await x.sched.stop();
        r = undefined;
      }
    }
  });

  it('bounds a slice by time when the clock measures it', async () => {
    let t = 0;
    // Every reading of the monotonic clock is 2 ms later: the 3 ms budget ends after two tasks.
    const clock: Clock = { now: () => Date.parse('2024-05-01T10:00:00.000Z'), setTimer: () => ({ cancel() {} }), defer: (fn) => { setImmediate(fn); }, monotonic: () => (t += 2) };
    const { rig: x } = await fill(1000, 6, 6, clock);
    await tick();
    assert.equal(x.driver.of('launch').length, 0, 'not full after the first slice');
    for (let k = 0; k < 10; k++) await tick();
    const launches = x.driver.of('launch');
    assert.equal(launches.length, 1);
    assert.equal((launches[0].args[1] as TaskInfo[]).length, 6);
  });

  it('a subscription lost while an offer is half filled: no ACCEPT, its instances go back to the queue', async () => {
    const { rig: x, made } = await fill(2, 6, 6);
    await tick();
    assert.ok(made.some((i) => x.repo.instances.get(i.instanceId)?.condition === 'Provisioned'), 'some placed before the loss');
    x.driver.emit('disconnected', { reason: 'stream-ended', master: 'http://m:5050' });
    for (let k = 0; k < 12; k++) await tick();
    assert.equal(x.driver.of('launch').length, 0);
    assert.deepEqual(made.map((i) => x.repo.instances.get(i.instanceId)?.condition), made.map(() => 'Scheduled'));
  });

  it('an offer rescinded while half filled: no ACCEPT, its instances go back to the queue', async () => {
    const { rig: x, made } = await fill(2, 6, 6);
    await tick();
    x.driver.emit('rescind', { value: 'o1' });
    for (let k = 0; k < 12; k++) await tick();
    assert.deepEqual(x.driver.of('launch').map((c) => (c.args[0] as string[])[0]), ['o2'], 'the other offer is used');
    const conditions = made.map((i) => x.repo.instances.get(i.instanceId)?.condition);
    assert.equal(conditions.filter((c) => c === 'Provisioned').length, 6, 'all six on o2');
  });
});
