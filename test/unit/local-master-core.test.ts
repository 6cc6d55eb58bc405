import assert from 'node:assert/strict';
import type { Call, Event, TaskStatus } from '../../src/mesos/types';
import { ManualClock } from '../../src/sim/mesos/manual-clock';
import { MasterCore, packIp, validateFrameworkInfo, type Subscription } from '../../src/sim/mesos/master-core';
import { silentLogger } from '../../src/lib/log';
import { SimulatedAgent } from '../../src/sim/mesos/simulated-agent';

class FakeSubscription implements Subscription {
  readonly events: Event[] = [];
  closed = false;
  constructor(readonly streamId: string, readonly encoding: 'json' | 'protobuf' = 'json') {}
  send(event: Event): void {
    if (!this.closed) this.events.push(event);
  }
  close(): void {
    this.closed = true;
  }
  types(): string[] {
    return this.events.map((e) => e.type);
  }
  updates(task: string): TaskStatus[] {
    return this.events.filter((e) => e.update?.status.task_id.value === task).map((e) => e.update?.status as TaskStatus);
  }
}

let n = 0;
const ids = { uuid: () => `00000000-0000-4000-8000-${String(n++).padStart(12, '0')}`, bytes: (k: number) => Buffer.alloc(k, n++ % 256) };

function setup(extra: Partial<ConstructorParameters<typeof MasterCore>[0]> = {}): { clock: ManualClock; core: MasterCore; agentId: string } {
  const clock = new ManualClock();
  const core = new MasterCore({
    masterId: 'm1', heartbeatIntervalSeconds: 15, allocationIntervalMs: 1000, statusUpdateRetryMs: 10_000,
    statusUpdateMaxRetryMs: 600_000, clock, ids, logger: silentLogger, ...extra,
  });
  const agentId = core.addAgent(new SimulatedAgent({ resources: { cpus: 2, mem: 4096, disk: 10240 }, clock, ids, taskDelayMs: 10 }));
  core.start();
  return { clock, core, agentId };
}

function subscribeCall(name: string, failoverTimeout = 0, id?: string): Call {
  const c: Call = {
    type: 'SUBSCRIBE',
    subscribe: { framework_info: { user: 'root', name, failover_timeout: failoverTimeout, roles: ['*'], capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }, { type: 'TASK_KILLING_STATE' }] } },
  };
  if (id !== undefined && c.subscribe) {
    c.subscribe.framework_info.id = { value: id };
    c.framework_id = { value: id };
  }
  return c;
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('local master core', () => {
  it('numbers frameworks <master id>-0000 and sends SUBSCRIBED, HEARTBEAT, OFFERS, then a HEARTBEAT per interval', () => {
    const { clock, core } = setup();
    const sub = new FakeSubscription('s1');
    core.subscribe(subscribeCall('a'), sub);
    assert.equal(sub.events[0]?.subscribed?.framework_id.value, 'm1-0000');
    clock.advance(0);
    assert.deepEqual(sub.types(), ['SUBSCRIBED', 'HEARTBEAT', 'OFFERS']);
    clock.advance(15_000);
    clock.advance(15_000);
    assert.equal(sub.types().filter((t) => t === 'HEARTBEAT').length, 3);
  });

  it('sends the TASK_ERROR of an invalid task before the ACCEPT is answered', () => {
    const { clock, core, agentId } = setup();
    const sub = new FakeSubscription('s1');
    core.subscribe(subscribeCall('a'), sub);
    clock.advance(0);
    const offer = sub.events.find((e) => e.type === 'OFFERS')?.offers?.offers?.[0];
    assert.ok(offer);
    const answer = core.dispatch({
      type: 'ACCEPT', framework_id: { value: 'm1-0000' },
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [{ name: 'big', task_id: { value: 'big' }, agent_id: { value: agentId }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 64 } }], command: { value: 'true' } }] } }] },
    });
    assert.equal(answer.status, 202);
    assert.equal(sub.updates('big')[0]?.state, 'TASK_ERROR', 'already on the stream when the answer is produced');
  });

  it('removes a disconnected framework after failover_timeout and kills its tasks', async () => {
    const { clock, core, agentId } = setup();
    const sub = new FakeSubscription('s1');
    core.subscribe(subscribeCall('a', 30), sub);
    clock.advance(0);
    const offer = sub.events.find((e) => e.type === 'OFFERS')?.offers?.offers?.[0];
    assert.ok(offer);
    core.dispatch({
      type: 'ACCEPT', framework_id: { value: 'm1-0000' },
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [{ name: 't', task_id: { value: 't' }, agent_id: { value: agentId }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }], command: { value: 'sleep 1' } }] } }] },
    });
    clock.advance(10);
    await flush();
    clock.advance(10);
    assert.equal(core.snapshot().tasks[0]?.state, 'TASK_RUNNING');
    core.onStreamClosed(sub);
    assert.equal(core.checkCaller({ type: 'REVIVE', framework_id: { value: 'm1-0000' } }, 's1')?.status, 403);
    clock.advance(29_000);
    assert.equal(core.snapshot().frameworks.length, 1, 'still within failover_timeout');
    clock.advance(1_000);
    assert.equal(core.snapshot().frameworks.length, 0);
    clock.advance(100);
    assert.deepEqual(core.snapshot().tasks, []);
    assert.equal(core.snapshot().completedTasks[0]?.state, 'TASK_KILLED');
    const again = new FakeSubscription('s2');
    core.subscribe(subscribeCall('a', 30, 'm1-0000'), again);
    assert.deepEqual(again.events, [{ type: 'ERROR', error: { message: 'Framework has been removed' } }]);
    assert.equal(again.closed, true);
  });

  it('rescinds offers after offerTimeoutMs and re-offers them', () => {
    const { clock, core } = setup({ offerTimeoutMs: 5000 });
    const sub = new FakeSubscription('s1');
    core.subscribe(subscribeCall('a'), sub);
    clock.advance(0);
    const first = sub.events.find((e) => e.type === 'OFFERS')?.offers?.offers?.[0];
    clock.advance(5000);
    const rescind = sub.events.find((e) => e.type === 'RESCIND');
    assert.deepEqual(rescind?.rescind?.offer_id, first?.id);
    assert.equal(sub.types().filter((t) => t === 'OFFERS').length, 2);
  });

  it('tells frameworks when an agent is removed: RESCIND, TASK_GONE_BY_OPERATOR, FAILURE; reconciliation then says gone', async () => {
    const { clock, core, agentId } = setup();
    const sub = new FakeSubscription('s1');
    core.subscribe(subscribeCall('a'), sub);
    clock.advance(0);
    const offer = sub.events.find((e) => e.type === 'OFFERS')?.offers?.offers?.[0];
    assert.ok(offer);
    core.dispatch({
      type: 'ACCEPT', framework_id: { value: 'm1-0000' },
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [{ name: 't', task_id: { value: 't' }, agent_id: { value: agentId }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }], command: { value: 'x' } }] } }], filters: { refuse_seconds: 0 } },
    });
    clock.advance(1000); // leftover offered again
    await core.removeAgent(agentId);
    assert.ok(sub.types().includes('RESCIND'));
    assert.equal(sub.updates('t').at(-1)?.state, 'TASK_GONE_BY_OPERATOR');
    assert.deepEqual(sub.events.at(-1), { type: 'FAILURE', failure: { agent_id: { value: agentId } } });
    core.dispatch({ type: 'RECONCILE', framework_id: { value: 'm1-0000' }, reconcile: { tasks: [{ task_id: { value: 't' }, agent_id: { value: agentId } }] } });
    assert.equal(sub.updates('t').at(-1)?.message, 'Reconciliation: Task is gone');
  });

  it('packs the master ip in network byte order as Mesos does', () => {
    assert.equal(packIp('127.0.0.1'), 16777343);
    assert.equal(packIp('10.0.0.5'), 83886090);
  });

  it('refuses role settings that contradict MULTI_ROLE', () => {
    assert.match(validateFrameworkInfo({ user: 'u', name: 'n', roles: ['a'] }) ?? '', /must not be set when the framework is not MULTI_ROLE/);
    assert.match(validateFrameworkInfo({ user: 'u', name: 'n', role: 'a', capabilities: [{ type: 'MULTI_ROLE' }] }) ?? '', /'FrameworkInfo.role' must not be set/);
    assert.equal(validateFrameworkInfo({ user: 'u', name: 'n', roles: ['team/a'], capabilities: [{ type: 'MULTI_ROLE' }] }), undefined);
  });
});

describe('local simulated agent failure injection', () => {
  it('fails the same launches for the same seed', async () => {
    async function outcomes(seed: number): Promise<string[]> {
      const clock = new ManualClock();
      const agent = new SimulatedAgent({ resources: { cpus: 8, mem: 8192, disk: 0 }, clock, ids, seed, launchFailureProbability: 0.5, taskDelayMs: 1 });
      const states = new Map<string, string>();
      agent.register({ agentId: 'S0', report: (r) => { states.set(r.taskId, r.state); } });
      const fw = { id: 'f', info: { user: 'u', name: 'n' } };
      for (let i = 0; i < 12; i++) agent.launch({ name: `t${i}`, task_id: { value: `t${i}` }, agent_id: { value: 'S0' }, command: { value: 'x' } }, fw);
      clock.advance(1);
      await flush();
      return [...Array(12).keys()].map((i) => states.get(`t${i}`) ?? 'none');
    }
    const a = await outcomes(42);
    assert.deepEqual(await outcomes(42), a);
    assert.ok(a.includes('TASK_FAILED') && a.includes('TASK_STARTING'), `a mix of outcomes: ${a.join(',')}`);
  });

  it('a second KILL of a killing task still ends in TASK_KILLED and frees the agent', async () => {
    const clock = new ManualClock();
    const agent = new SimulatedAgent({ resources: { cpus: 8, mem: 8192, disk: 0 }, clock, ids, taskDelayMs: 10 });
    const seen: string[] = [];
    agent.register({ agentId: 'S0', report: (r) => { seen.push(r.state); } });
    const fw = { id: 'f', info: { user: 'u', name: 'n', capabilities: [{ type: 'TASK_KILLING_STATE' as const }] } };
    agent.launch({ name: 't', task_id: { value: 't' }, agent_id: { value: 'S0' }, command: { value: 'x' } }, fw);
    for (let i = 0; i < 3; i++) { clock.advance(10); await flush(); }
    assert.equal(seen.at(-1), 'TASK_RUNNING');
    agent.kill('t', fw);
    assert.equal(seen.at(-1), 'TASK_KILLING');
    clock.advance(5);
    agent.kill('t', fw); // repeated before the first one completed
    agent.kill('t', fw);
    clock.advance(10);
    await flush();
    assert.equal(seen.at(-1), 'TASK_KILLED');
    assert.equal(seen.filter((s) => s === 'TASK_KILLED').length, 1);
    assert.deepEqual(agent.tasks(), []);
  });
});
