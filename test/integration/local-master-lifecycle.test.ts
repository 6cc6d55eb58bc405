// The recorded lifecycle, replayed against the local master: SUBSCRIBE → OFFERS → one ACCEPT
// launching a long task, a failing one and one asking for 64 cpus → updates with uuids re-sent
// until acknowledged → reconcile explicit and implicit → DECLINE with a filter, REVIVE, SUPPRESS
// → KILL → invalid offers → TEARDOWN. Event shapes are compared key by key with the recording.
import assert from 'node:assert/strict';
import type { Event, Offer, TaskStatus } from '../../src/mesos/types';
import { launchCall, readRecording, sleep, waitFor, startMaster, subscribe, type EventStream, type StartedMaster } from './local-master-harness';

interface RecordedEvent { dir?: string; event?: Event }

/** Every key path of a JSON value; array elements are merged under `[]`. */
function shape(v: unknown, prefix = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) {
    for (const x of v) shape(x, `${prefix}[]`, out);
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      out.add(`${prefix}.${k}`);
      shape(x, `${prefix}.${k}`, out);
    }
  }
  return out;
}

function assertSameShape(ours: unknown, recorded: unknown, what: string): void {
  assert.deepEqual([...shape(ours)].sort(), [...shape(recorded)].sort(), `${what}: same keys as the Mesos 1.11 recording`);
}

const recorded = readRecording('lifecycle-json') as RecordedEvent[];
const recordedEvents = recorded.filter((l) => l.dir === 'event').map((l) => l.event as Event);
function recordedUpdate(pred: (s: TaskStatus) => boolean): TaskStatus {
  const e = recordedEvents.find((ev) => ev.type === 'UPDATE' && ev.update !== undefined && pred(ev.update.status));
  assert.ok(e?.update, 'recorded update');
  return e.update.status;
}

function cpusOf(offer: Offer): number | undefined {
  return offer.resources?.find((r) => r.name === 'cpus')?.scalar?.value;
}

async function nextOffer(stream: EventStream, from: number, pred: (o: Offer) => boolean = () => true): Promise<Offer> {
  return stream.until((evs) => evs.slice(from).flatMap((e) => (e.type === 'OFFERS' ? e.offers?.offers ?? [] : [])).find(pred), 'an offer');
}

describe('local master: task lifecycle (recorded scenario)', function () {
  let m: StartedMaster;
  let s: EventStream;
  let agentId = '';

  before(async () => {
    m = await startMaster({ heartbeatIntervalSeconds: 5, statusUpdateRetryMs: 150, allocationIntervalMs: 50 }, 1, {
      behaviour: (task) => (task.name === 'cap-fail' ? { failAfterMs: 30 } : undefined),
    });
    s = await subscribe(m.port, 'capture-json', { extra: { failover_timeout: 60 } });
  });

  after(async () => {
    s?.close();
    await m?.master.close();
  });

  it('sends SUBSCRIBED, HEARTBEAT, then OFFERS with the recorded shapes', async () => {
    const first = await s.nth('OFFERS');
    assert.deepEqual(s.events.slice(0, 3).map((e) => e.type), ['SUBSCRIBED', 'HEARTBEAT', 'OFFERS']);
    assertSameShape(s.events[0], recordedEvents.find((e) => e.type === 'SUBSCRIBED'), 'SUBSCRIBED');
    assertSameShape(first, recordedEvents.find((e) => e.type === 'OFFERS'), 'OFFERS');
    const offer = first.offers?.offers?.[0];
    assert.ok(offer);
    agentId = offer.agent_id.value;
    assert.deepEqual(offer.allocation_info, { role: '*' });
    for (const r of offer.resources ?? []) assert.deepEqual(r.allocation_info, { role: '*' });
  });

  it('rejects the oversized task with TASK_ERROR as the recording words it, and launches the others', async () => {
    const offer = await nextOffer(s, 0);
    const reply = await s.send(m.port, launchCall(offer.id.value, agentId, [
      { id: 'cap-long' }, { id: 'cap-fail' }, { id: 'cap-big', cpus: 64 },
    ], 1));
    assert.equal(reply.status, 202);
    assert.equal(reply.body, '');
    const error = await s.update('cap-big', 'TASK_ERROR');
    const want = recordedUpdate((st) => st.state === 'TASK_ERROR');
    assert.equal(error.message, want.message, 'same resource accounting and wording as Mesos');
    assert.equal(error.source, 'SOURCE_MASTER');
    assert.equal(error.reason, 'REASON_TASK_INVALID');
    assert.equal(error.uuid, undefined);
    assertSameShape(error, want, 'TASK_ERROR update');
  });

  it('re-sends an unacknowledged update with the same uuid and holds later ones behind it', async () => {
    const starting = await s.update('cap-long', 'TASK_STARTING');
    assert.equal(Buffer.from(starting.uuid ?? '', 'base64').length, 16);
    assert.equal(starting.source, 'SOURCE_EXECUTOR');
    assert.equal(starting.executor_id?.value, 'cap-long');
    assert.equal(starting.agent_id?.value, agentId);
    assertSameShape(starting, recordedUpdate((st) => st.state === 'TASK_STARTING'), 'TASK_STARTING update');
    const again = await s.update('cap-long', 'TASK_STARTING', 1);
    assert.equal(again.uuid, starting.uuid, 'a retry carries the same uuid');
    assert.equal(s.updatesFor('cap-long').filter((u) => u.state === 'TASK_RUNNING').length, 0, 'RUNNING waits behind the unacked STARTING');
    assert.equal((await s.ack(m.port, starting)).status, 202);
    const running = await s.update('cap-long', 'TASK_RUNNING');
    assert.notEqual(running.uuid, starting.uuid);
    await s.ack(m.port, running);
    assertSameShape(running, recordedUpdate((st) => st.state === 'TASK_RUNNING' && st.source === 'SOURCE_EXECUTOR'), 'TASK_RUNNING update');
  });

  it('reports a failing command as TASK_FAILED once acknowledged in order', async () => {
    for (const state of ['TASK_STARTING', 'TASK_RUNNING'] as const) await s.ack(m.port, await s.update('cap-fail', state));
    const failed = await s.update('cap-fail', 'TASK_FAILED');
    assert.equal(failed.message, 'Command exited with status 1');
    assertSameShape(failed, recordedUpdate((st) => st.state === 'TASK_FAILED'), 'TASK_FAILED update');
    await s.ack(m.port, failed);
    const pending = (): number => m.master.state().pendingStatusUpdates;
    await s.until(() => (pending() === 0 ? true : undefined), 'no pending updates');
  });

  it('answers explicit reconciliation per task (TASK_UNKNOWN for an unknown one), implicit with every known task', async () => {
    const from = s.events.length;
    const reply = await s.send(m.port, { type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'cap-long' } }, { task_id: { value: 'cap-unknown' } }] } });
    assert.equal(reply.status, 202);
    const [known, unknown] = await s.until((evs) => {
      const ups = evs.slice(from).filter((e) => e.type === 'UPDATE').map((e) => e.update?.status as TaskStatus);
      return ups.length >= 2 ? ups : undefined;
    }, 'two reconciliation updates');
    assert.equal(known?.state, 'TASK_RUNNING');
    assert.equal(known?.message, 'Reconciliation: Latest task state');
    assert.equal(known?.reason, 'REASON_RECONCILIATION');
    assert.equal(known?.uuid, undefined);
    assertSameShape(known, recordedUpdate((st) => st.message === 'Reconciliation: Latest task state'), 'reconciled known task');
    assert.equal(unknown?.state, 'TASK_UNKNOWN');
    assert.equal(unknown?.message, 'Reconciliation: Task is unknown');
    assertSameShape(unknown, recordedUpdate((st) => st.state === 'TASK_UNKNOWN'), 'reconciled unknown task');

    const from2 = s.events.length;
    await s.send(m.port, { type: 'RECONCILE', reconcile: {} });
    await sleep(100);
    await s.send(m.port, { type: 'RECONCILE', reconcile: { tasks: [] } });
    const implicit = await s.until((evs) => {
      const ups = evs.slice(from2).filter((e) => e.type === 'UPDATE').map((e) => e.update?.status as TaskStatus);
      return ups.length >= 2 ? ups : undefined;
    }, 'implicit reconciliation');
    assert.deepEqual(implicit.map((u) => `${u.task_id.value}:${u.state}`), ['cap-long:TASK_RUNNING', 'cap-long:TASK_RUNNING'],
      'the acknowledged terminal task is no longer known');
  });

  it('re-offers unused and freed resources: 2 - 0.1 (running) = 1.9 cpus, 4064 mem', async () => {
    const offer = await nextOffer(s, 0, (o) => cpusOf(o) === 1.9);
    assert.equal(offer.resources?.find((r) => r.name === 'mem')?.scalar?.value, 4064);
  });

  it('honours a DECLINE filter until REVIVE clears it', async () => {
    const offer = await nextOffer(s, 0, (o) => m.master.state().offers.some((x) => x.id === o.id.value));
    await s.send(m.port, { type: 'DECLINE', decline: { offer_ids: [offer.id], filters: { refuse_seconds: 60 } } });
    const from = s.events.length;
    await sleep(300); // several allocation cycles (50 ms each)
    assert.equal(s.events.slice(from).filter((e) => e.type === 'OFFERS').length, 0, 'declined resources are not re-offered');
    assert.deepEqual(m.master.state().offers, []);
    await s.send(m.port, { type: 'REVIVE', revive: {} });
    const revived = await nextOffer(s, from);
    assert.equal(cpusOf(revived), 1.9);
  });

  it('sends no offers while suppressed, and again after REVIVE', async () => {
    const offer = await nextOffer(s, 0, (o) => m.master.state().offers.some((x) => x.id === o.id.value));
    await s.send(m.port, { type: 'SUPPRESS', suppress: {} });
    await s.send(m.port, { type: 'DECLINE', decline: { offer_ids: [offer.id], filters: { refuse_seconds: 0 } } });
    const from = s.events.length;
    await sleep(300);
    assert.equal(s.events.slice(from).filter((e) => e.type === 'OFFERS').length, 0, 'suppressed: no offers');
    await s.send(m.port, { type: 'REVIVE', revive: {} });
    await nextOffer(s, from);
  });

  it('kills with TASK_KILLING then TASK_KILLED for a TASK_KILLING_STATE framework', async () => {
    assert.equal((await s.send(m.port, { type: 'KILL', kill: { task_id: { value: 'cap-long' }, agent_id: { value: agentId } } })).status, 202);
    const killing = await s.update('cap-long', 'TASK_KILLING');
    assertSameShape(killing, recordedUpdate((st) => st.state === 'TASK_KILLING'), 'TASK_KILLING update');
    await s.ack(m.port, killing);
    const killed = await s.update('cap-long', 'TASK_KILLED');
    assert.equal(killed.message, 'Command terminated with signal Terminated');
    assertSameShape(killed, recordedUpdate((st) => st.state === 'TASK_KILLED'), 'TASK_KILLED update');
    await s.ack(m.port, killed);
  });

  it('answers a KILL of an unknown task with a reconciliation update', async () => {
    await s.send(m.port, { type: 'KILL', kill: { task_id: { value: 'never-launched' } } });
    const st = await s.update('never-launched', 'TASK_UNKNOWN');
    assert.equal(st.reason, 'REASON_RECONCILIATION');
  });

  it('drops tasks launched on an unknown offer (PARTITION_AWARE: TASK_DROPPED)', async () => {
    const reply = await s.send(m.port, launchCall('no-such-offer', agentId, [{ id: 'cap-stale' }]));
    assert.equal(reply.status, 202);
    const dropped = await s.update('cap-stale', 'TASK_DROPPED');
    assert.equal(dropped.source, 'SOURCE_MASTER');
    assert.equal(dropped.reason, 'REASON_INVALID_OFFERS');
    assert.equal(dropped.message, 'Task launched with invalid offers: Offer no-such-offer is no longer valid');
    assert.equal(dropped.uuid, undefined);
  });

  it('TEARDOWN kills the tasks, removes the framework and closes the stream', async () => {
    const offer = await nextOffer(s, 0, (o) => m.master.state().offers.some((x) => x.id === o.id.value));
    await s.send(m.port, launchCall(offer.id.value, agentId, [{ id: 'cap-last' }]));
    await s.ack(m.port, await s.update('cap-last', 'TASK_STARTING'));
    await s.update('cap-last', 'TASK_RUNNING');
    const frameworkId = s.frameworkId;
    const reply = await s.send(m.port, { type: 'TEARDOWN' });
    assert.equal(reply.status, 202);
    await s.until(() => (s.ended ? true : undefined), 'the stream to end');
    await waitFor(() => m.master.state().agents[0]?.used.cpus === undefined, 'resources freed');
    const state = m.master.state();
    assert.equal(state.frameworks.length, 0);
    assert.ok(state.completedFrameworks.some((f) => f.id === frameworkId));
    assert.ok(state.completedTasks.some((t) => t.taskId === 'cap-last' && t.state === 'TASK_KILLED'));
  });
});

describe('local master: a framework without TASK_KILLING_STATE or PARTITION_AWARE', function () {
  let m: StartedMaster;
  let s: EventStream;

  before(async () => {
    m = await startMaster({ heartbeatIntervalSeconds: 5, allocationIntervalMs: 50 }, 1);
    s = await subscribe(m.port, 'plain', { capabilities: [] });
  });

  after(async () => {
    s?.close();
    await m?.master.close();
  });

  it('gets offers without allocation_info, TASK_KILLED without TASK_KILLING, TASK_LOST for unknown tasks and invalid offers', async () => {
    const offer = await nextOffer(s, 0);
    assert.equal(offer.allocation_info, undefined);
    assert.equal(offer.resources?.[0]?.allocation_info, undefined);
    await s.send(m.port, launchCall(offer.id.value, offer.agent_id.value, [{ id: 't1' }]));
    await s.ack(m.port, await s.update('t1', 'TASK_STARTING'));
    await s.ack(m.port, await s.update('t1', 'TASK_RUNNING'));
    await s.send(m.port, { type: 'KILL', kill: { task_id: { value: 't1' } } });
    const killed = await s.update('t1', 'TASK_KILLED');
    assert.equal(s.updatesFor('t1').filter((u) => u.state === 'TASK_KILLING').length, 0);
    await s.ack(m.port, killed);
    await s.send(m.port, { type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'ghost' } }] } });
    const lost = await s.update('ghost', 'TASK_LOST');
    assert.equal(lost.message, 'Reconciliation: Task is unknown');
    await s.send(m.port, launchCall(offer.id.value, offer.agent_id.value, [{ id: 't2' }]));
    const lost2 = await s.update('t2', 'TASK_LOST');
    assert.equal(lost2.reason, 'REASON_INVALID_OFFERS');
  });
});
