// The leadership controller (src/runtime/leadership.ts) without ZooKeeper: a scripted election, a
// memory store with the optional fence/refresh capability (writes fail once the fence node is
// gone), a recording scheduler and Mesos driver, and a manual clock. No sleeps: a test moves time
// with clock.advance() and waits only for the controller's own queued steps.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { LeadershipController, ServeFatalError, type LeadershipDeps } from '../../src/runtime/leadership';
import { Repository } from '../../src/runtime/repository';
import type { MesosDriver } from '../../src/runtime/scheduler';
import type { Instance } from '../../src/core/scheduler/instance';
import type { DisconnectInfo } from '../../src/mesos/client';
import { MemoryBackend, MemoryStore } from '../../src/state/memory-store';
import { StoreFencedError, type Json, type StoreOp } from '../../src/state/store';
import { FakeClock } from './mesos-fake-clock';

/** The election's candidate nodes that exist now (what ZooKeeper would hold). */
class Nodes {
  private readonly live = new Set<string>();
  private n = 0;
  create(): string { const node = `/leader/c-${String(++this.n).padStart(10, '0')}`; this.live.add(node); return node; }
  remove(node: string | null): void { if (node !== null) this.live.delete(node); }
  exists(node: string): boolean { return this.live.has(node); }
}

/** A scripted election: the test says when this candidate is elected and when it loses. */
class ScriptedElection extends EventEmitter {
  isLeader = false;
  node: string | null = null;
  abdications = 0;
  /** What fencingNode() answers; 'node' = the candidate's node. */
  fence: 'node' | 'none' = 'node';
  constructor(private readonly nodes: Nodes) { super(); }
  currentLeader(): string | null { return this.isLeader ? 'me:8080' : null; }
  fencingNode(): string | null { return this.fence === 'node' ? this.node : null; }
  elect(): void {
    this.node = this.nodes.create();
    this.isLeader = true;
    this.emit('elected');
  }
  lose(reason = 'session-expired'): void {
    this.nodes.remove(this.node);
    this.node = null;
    this.isLeader = false;
    this.emit('defeated', reason);
  }
  async abdicate(): Promise<void> {
    this.abdications++;
    if (this.isLeader) this.lose('abdicated');
  }
}

/** A memory store with the ZooKeeper store's capability: fenced writes, a full re-read that a test can hold. */
class FencedStore extends MemoryStore {
  fence: string | undefined;
  fences: Array<string | undefined> = [];
  refreshes = 0;
  private held: { release: () => void; reached: () => void; wait: Promise<void> } | undefined;
  constructor(backend: MemoryBackend, private readonly nodes: Nodes) { super({ backend }); }
  fenceWith(node: string | undefined): void { this.fence = node; this.fences.push(node); }
  async refresh(): Promise<void> {
    this.refreshes++;
    const h = this.held;
    if (h === undefined) return;
    this.held = undefined;
    h.reached();
    await h.wait;
  }
  /** The next refresh() waits until the returned release() is called; `reached` resolves when it starts waiting. */
  holdNextRefresh(): { release: () => void; reached: Promise<void> } {
    let release!: () => void;
    let reached!: () => void;
    const wait = new Promise<void>((r) => { release = r; });
    const reachedP = new Promise<void>((r) => { reached = r; });
    this.held = { release, reached, wait };
    return { release, reached: reachedP };
  }
  protected override async commit(ops: readonly StoreOp[]): Promise<void> {
    if (this.fence !== undefined && !this.nodes.exists(this.fence)) throw new StoreFencedError(`leader node ${this.fence} is gone`);
    await super.commit(ops);
  }
}

class RecordingDriver extends EventEmitter implements MesosDriver {
  started = false;
  constructor(readonly frameworkId: string | undefined) { super(); }
  start(): void { this.started = true; }
  async stop(): Promise<void> { this.started = false; }
  async launch(): Promise<void> {}
  async decline(): Promise<void> {}
  async revive(): Promise<void> {}
  async suppress(): Promise<void> {}
  async kill(): Promise<void> {}
  async acknowledge(): Promise<boolean> { return true; }
  async reconcile(): Promise<void> {}
  disconnect(reason: DisconnectInfo['reason']): void { this.emit('disconnected', { reason }); }
}

class RecordingScheduler {
  ready = false;
  driver: MesosDriver | undefined;
  running = false;
  starts = 0;
  stops = 0;
  start(d?: MesosDriver): void { this.driver = d; this.running = true; this.starts++; }
  async stop(): Promise<void> { this.running = false; this.ready = false; this.stops++; }
}

function launchedInstance(): Instance {
  return {
    instanceId: 'a.instance-1', appId: '/a', slot: 0, incarnation: 1, taskId: 'a.instance-1._app.1', runSpecVersion: 'v', configVersion: 'v',
    condition: 'Running', state: 'TASK_RUNNING', agentId: 'S0', host: 'h', createdAt: '2026-01-01T00:00:00.000Z', launchedAtMs: 1,
    stagedAt: null, startedAt: null, ports: [], servicePorts: [], ipAddresses: [], launchedNetworkInfos: [], statusNetworkInfos: [],
    message: '', unreachableSince: null, killRequested: false, killSentAtMs: null, decommissioned: false, healthy: null, role: '*',
  };
}

function setup(options: { graceMs?: number } = {}) {
  const nodes = new Nodes();
  const backend = new MemoryBackend();
  const store = new FencedStore(backend, nodes);
  const election = new ScriptedElection(nodes);
  const repo = new Repository(store);
  const scheduler = new RecordingScheduler();
  const clock = new FakeClock();
  const drivers: RecordingDriver[] = [];
  const fatal: ServeFatalError[] = [];
  const log: string[] = [];
  const health = { running: false, start() { this.running = true; }, stop() { this.running = false; } };
  const runner = { resumed: 0, resume() { this.resumed++; } };
  const deps: LeadershipDeps = {
    store, repo, scheduler, runner, health, clock,
    newDriver: (frameworkId) => { const d = new RecordingDriver(frameworkId); drivers.push(d); return d; },
    log: { debug: () => undefined, info: (_o, m) => log.push(`info ${m ?? ''}`), warn: (_o, m) => log.push(`warn ${m ?? ''}`), error: (_o, m) => log.push(`error ${m ?? ''}`) },
    onFatal: (err) => { fatal.push(err); },
    ...(options.graceMs !== undefined ? { mesosDisconnectGraceMs: options.graceMs } : {}),
  };
  const leadership = new LeadershipController(deps);
  return { nodes, backend, store, election, repo, scheduler, clock, drivers, fatal, log, health, runner, leadership };
}

describe('runtime: leadership controller', () => {
  it('follower → elected → loading → leading: fences with the candidate node, re-reads the store, loads, starts one term', async () => {
    const t = setup();
    await t.store.setFrameworkId('fw-1');
    assert.equal(t.leadership.phase, 'follower');
    assert.equal(t.leadership.isLeader, false);
    await t.leadership.start(t.election);
    assert.equal(t.leadership.phase, 'follower', 'a candidate that is not elected stays a follower');
    assert.equal(t.scheduler.starts, 0);
    const held = t.store.holdNextRefresh();
    t.election.elect();
    assert.equal(t.leadership.phase, 'elected');
    await held.reached;
    assert.equal(t.leadership.phase, 'loading');
    assert.deepEqual(t.store.fences, [t.election.node], 'fenced before the re-read');
    assert.equal(t.scheduler.starts, 0, 'nothing starts before the state is loaded');
    assert.equal(t.leadership.hasCachedState, false);
    held.release();
    await t.leadership.settled();
    assert.equal(t.leadership.phase, 'leading');
    assert.equal(t.leadership.ready, true);
    assert.equal(t.leadership.hasCachedState, true);
    assert.equal(t.repo.frameworkId, 'fw-1');
    assert.equal(t.drivers.length, 1);
    assert.equal(t.drivers[0]?.frameworkId, 'fw-1', 'subscribes with the stored framework id');
    assert.equal(t.scheduler.driver, t.drivers[0]);
    assert.equal(t.health.running, true);
    assert.equal(t.runner.resumed, 1);
    assert.equal(t.store.refreshes, 1);
  });

  it('an instance already leading when started takes over at once; start() resolves after the takeover', async () => {
    const t = setup();
    t.election.isLeader = true;
    t.election.node = t.nodes.create();
    await t.leadership.start(t.election);
    assert.equal(t.leadership.phase, 'leading');
    assert.equal(t.scheduler.running, true);
    assert.throws(() => t.leadership.start(t.election), /already started/);
  });

  it('deposed: writes are suspended and fenced, health checks and the scheduler stop; re-elected: a new term with a new fence and driver', async () => {
    const t = setup();
    await t.leadership.start(t.election);
    t.election.elect();
    await t.leadership.settled();
    const firstNode = t.election.node;
    await t.repo.setFrameworkId('fw-2');
    t.election.lose();
    assert.equal(t.leadership.phase, 'deposed');
    assert.equal(t.leadership.ready, false);
    await t.leadership.settled();
    assert.equal(t.leadership.phase, 'follower');
    assert.equal(t.scheduler.running, false);
    assert.equal(t.health.running, false);
    assert.ok(t.log.includes('warn leadership lost: scheduler stopped'));
    // A write still in flight from the old term cannot land: its fence node is gone.
    await assert.rejects(t.store.putApp('/late', 'v', { id: '/late' }), StoreFencedError);
    assert.equal((await t.store.listApps()).length, 0);

    t.election.elect();
    await t.leadership.settled();
    assert.equal(t.leadership.phase, 'leading');
    assert.notEqual(t.election.node, firstNode);
    assert.deepEqual(t.store.fences, [firstNode, t.election.node], 'each term fences with its own node');
    assert.equal(t.drivers.length, 2, 'a new Mesos driver per term');
    assert.equal(t.drivers[1]?.frameworkId, 'fw-2', 'the new term subscribes with the framework id stored in the last one');
    assert.equal(t.scheduler.starts, 2);
    assert.equal(t.scheduler.stops, 1);
    await t.store.putApp('/now', 'v', { id: '/now' });
  });

  it('losing the session while loading: the load finishes but nothing starts; the step-down follows, then a re-election leads', async () => {
    const t = setup();
    await t.leadership.start(t.election);
    const held = t.store.holdNextRefresh();
    t.election.elect();
    await held.reached;
    const waiting = t.leadership.takenOver(10_000);
    t.election.lose('session-expired');
    assert.equal(t.leadership.phase, 'deposed');
    assert.equal(await waiting, false, 'a request waiting for the takeover is told at once');
    held.release();
    await t.leadership.settled();
    assert.equal(t.leadership.phase, 'follower');
    assert.equal(t.drivers.length, 0, 'no Mesos subscription for a term that ended while loading');
    assert.equal(t.scheduler.starts, 0);
    assert.equal(t.health.running, false);
    assert.equal(t.election.abdications, 0, 'a lost term is not an error');

    t.election.elect();
    await t.leadership.settled();
    assert.equal(t.leadership.phase, 'leading');
    assert.equal(t.drivers.length, 1);
  });

  it('defeated and elected again while loading: the first takeover completes, steps down, and the new term takes over', async () => {
    const t = setup();
    await t.leadership.start(t.election);
    const held = t.store.holdNextRefresh();
    t.election.elect();
    await held.reached;
    t.election.lose();
    t.election.elect();
    assert.equal(t.leadership.phase, 'elected');
    held.release();
    await t.leadership.settled();
    assert.equal(t.leadership.phase, 'leading');
    assert.equal(t.leadership.ready, true);
    assert.equal(t.scheduler.running, true);
    assert.equal(t.store.fence, t.election.node, 'writes are fenced with the current node');
    assert.equal(t.store.refreshes, 2, 'the new term re-read the store');
  });

  it('a fence failure (elected without a node to fence with) refuses the takeover and abdicates', async () => {
    const t = setup();
    await t.leadership.start(t.election);
    t.election.fence = 'none';
    t.election.elect();
    await t.leadership.settled();
    assert.equal(t.election.abdications, 1);
    assert.equal(t.election.isLeader, false);
    assert.equal(t.leadership.phase, 'follower');
    assert.equal(t.scheduler.starts, 0);
    assert.equal(t.drivers.length, 0);
    assert.equal(t.store.refreshes, 0, 'nothing is read with unfenced writes');
    assert.ok(t.log.includes('error could not take over as leader; giving up leadership'));
    t.election.fence = 'node';
    t.election.elect();
    await t.leadership.settled();
    assert.equal(t.leadership.phase, 'leading');
  });

  it('launched instances without a stored framework id are fatal: no new framework is registered', async () => {
    const t = setup();
    await t.store.putInstance('/a', 'a.instance-1', JSON.parse(JSON.stringify(launchedInstance())) as Json);
    await t.leadership.start(t.election);
    t.election.elect();
    await t.leadership.settled();
    assert.equal(t.fatal.length, 1);
    assert.equal(t.fatal[0]?.code, 'MVN_ERR_FRAMEWORK_ID_MISSING');
    assert.equal(t.leadership.phase, 'failed');
    assert.equal(t.drivers.length, 0);
    assert.equal(t.election.abdications, 0, 'the process exits instead (Marathon crash strategy)');
  });

  it('the framework removed by Mesos is fatal; events of an old term\'s driver are ignored', async () => {
    const t = setup();
    await t.leadership.start(t.election);
    t.election.elect();
    await t.leadership.settled();
    const old = t.drivers[0] as RecordingDriver;
    t.election.lose();
    await t.leadership.settled();
    t.election.elect();
    await t.leadership.settled();
    old.emit('removed', 'from the old term');
    assert.equal(t.fatal.length, 0);
    (t.drivers[1] as RecordingDriver).emit('removed', 'Framework has been removed');
    assert.deepEqual(t.fatal.map((f) => [f.code, f.message]), [['MVN_ERR_FRAMEWORK_REMOVED', 'Mesos removed the framework: Framework has been removed']]);
    assert.equal(t.leadership.phase, 'failed');
  });

  it('the Mesos grace: no subscription within it gives leadership up; a subscription or a stop does not', async () => {
    const t = setup({ graceMs: 5000 });
    await t.leadership.start(t.election);
    t.election.elect();
    await t.leadership.settled();
    const d = t.drivers[0] as RecordingDriver;
    d.emit('subscribed', {});
    t.scheduler.ready = true;
    t.clock.advance(10_000);
    assert.equal(t.election.abdications, 0, 'subscribed in time');
    d.disconnect('stopped');
    t.clock.advance(10_000);
    assert.equal(t.election.abdications, 0, 'our own stop arms nothing');
    t.scheduler.ready = false;
    d.disconnect('stream-ended');
    t.clock.advance(4999);
    assert.equal(t.election.abdications, 0);
    t.clock.advance(1);
    assert.equal(t.election.abdications, 1);
    assert.ok(t.log.includes('warn no Mesos subscription within the grace period: giving up leadership'));
    await t.leadership.settled();
    assert.equal(t.leadership.phase, 'follower');
    assert.equal(t.clock.pending, 0, 'no timer left behind');
  });

  it('without a grace (a single instance), a missing subscription never gives leadership up', async () => {
    const t = setup();
    await t.leadership.start(t.election);
    t.election.elect();
    await t.leadership.settled();
    t.clock.advance(3_600_000);
    assert.equal(t.election.abdications, 0);
    assert.equal(t.clock.pending, 0);
  });

  it('takenOver: true once the term is ready, false at the deadline, immediate for a follower', async () => {
    const t = setup();
    assert.equal(await t.leadership.takenOver(1000), false, 'not started: not the leader');
    await t.leadership.start(t.election);
    let held = t.store.holdNextRefresh();
    t.election.elect();
    await held.reached;
    const first = t.leadership.takenOver(1000);
    held.release();
    assert.equal(await first, true);
    assert.equal(await t.leadership.takenOver(1000), true, 'already ready');
    t.election.lose();
    await t.leadership.settled();
    held = t.store.holdNextRefresh();
    t.election.elect();
    await held.reached;
    const late = t.leadership.takenOver(1000);
    t.clock.advance(1000);
    assert.equal(await late, false, 'the deadline passed first');
    held.release();
    await t.leadership.settled();
    assert.equal(await t.leadership.takenOver(0), true);
  });

  it('stop() waits for a takeover in progress, then stops this term\'s work', async () => {
    const t = setup({ graceMs: 5000 });
    await t.leadership.start(t.election);
    const held = t.store.holdNextRefresh();
    t.election.elect();
    await held.reached;
    const stopping = t.leadership.stop();
    held.release();
    await stopping;
    assert.equal(t.scheduler.running, false);
    assert.equal(t.health.running, false);
    assert.equal(t.clock.pending, 0, 'the grace timer is cleared');
  });
});
