// Subscriptions over time: a second SUBSCRIBE fails the first stream over with an ERROR event;
// a dropped stream leaves the framework disconnected (403) until it resubscribes within
// failover_timeout (tasks kept) or the timeout removes it (tasks killed).
import assert from 'node:assert/strict';
import type { TaskStatus } from '../../src/mesos/types';
import { EventStream, call, launchCall, startMaster, subscribe, subscribeCall, waitFor, type StartedMaster } from './local-master-harness';

async function runningTask(m: StartedMaster, s: EventStream, taskId: string): Promise<TaskStatus> {
  const offers = await s.nth('OFFERS');
  const offer = offers.offers?.offers?.[0];
  assert.ok(offer);
  await s.send(m.port, launchCall(offer.id.value, offer.agent_id.value, [{ id: taskId }]));
  await s.ack(m.port, await s.update(taskId, 'TASK_STARTING'));
  const running = await s.update(taskId, 'TASK_RUNNING');
  await s.ack(m.port, running);
  return running;
}

async function resubscribe(m: StartedMaster, frameworkId: string, name: string, failoverTimeout: number): Promise<EventStream> {
  const s = new EventStream('json');
  await s.open(m.port, subscribeCall(name, { id: { value: frameworkId }, failover_timeout: failoverTimeout }));
  return s;
}

describe('local master: failover and resubscription', function () {
  let m: StartedMaster;
  const streams: EventStream[] = [];

  before(async () => {
    m = await startMaster({ heartbeatIntervalSeconds: 5, allocationIntervalMs: 50, statusUpdateRetryMs: 200 }, 1);
  });

  afterEach(() => {
    for (const s of streams.splice(0)) s.close();
  });

  after(async () => {
    await m.master.close();
  });

  it('a second SUBSCRIBE with the framework id sends the old stream ERROR "Framework failed over" and closes it', async () => {
    const first = await subscribe(m.port, 'twice', { extra: { failover_timeout: 60 } });
    streams.push(first);
    await runningTask(m, first, 'kept-1');
    const second = await resubscribe(m, first.frameworkId, 'twice', 60);
    streams.push(second);
    const sub = await second.nth('SUBSCRIBED');
    assert.equal(sub.subscribed?.framework_id.value, first.frameworkId);
    assert.equal(second.status, 200);
    assert.notEqual(second.streamId, first.streamId);
    const err = await first.nth('ERROR');
    assert.equal(err.error?.message, 'Framework failed over');
    await first.until(() => (first.ended ? true : undefined), 'the old stream to end');
    assert.deepEqual(second.events.slice(0, 2).map((e) => e.type), ['SUBSCRIBED', 'HEARTBEAT']);
    await second.nth('OFFERS');
    const stale = await call(m.port, { type: 'REVIVE', framework_id: { value: first.frameworkId }, revive: {} }, first.streamId);
    assert.equal(stale.status, 400, 'the old stream id is no longer current');
    await second.send(m.port, { type: 'RECONCILE', reconcile: { tasks: [] } });
    const st = await second.update('kept-1', 'TASK_RUNNING');
    assert.equal(st.reason, 'REASON_RECONCILIATION');
  });

  it('keeps the tasks of a framework that resubscribes within failover_timeout', async () => {
    const s = await subscribe(m.port, 'comeback', { extra: { failover_timeout: 60 } });
    streams.push(s);
    await runningTask(m, s, 'kept-2');
    const frameworkId = s.frameworkId;
    s.close();
    await waitFor(() => m.master.state().frameworks.find((f) => f.id === frameworkId)?.connected === false, 'disconnected');
    const refused = await call(m.port, { type: 'REVIVE', framework_id: { value: frameworkId }, revive: {} }, s.streamId);
    assert.equal(refused.status, 403);
    const back = await resubscribe(m, frameworkId, 'comeback', 60);
    streams.push(back);
    await back.nth('SUBSCRIBED');
    await back.send(m.port, { type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'kept-2' } }] } });
    assert.equal((await back.update('kept-2', 'TASK_RUNNING')).message, 'Reconciliation: Latest task state');
  });

  it('removes a framework and kills its tasks when failover_timeout passes; it cannot come back', async () => {
    const s = await subscribe(m.port, 'gone', { extra: { failover_timeout: 0.2 } });
    streams.push(s);
    await runningTask(m, s, 'doomed');
    const frameworkId = s.frameworkId;
    s.close();
    await waitFor(() => m.master.state().completedFrameworks.some((f) => f.id === frameworkId), 'framework removal');
    await waitFor(() => m.master.state().completedTasks.some((t) => t.frameworkId === frameworkId && t.taskId === 'doomed' && t.state === 'TASK_KILLED'), 'task killed');
    const back = await resubscribe(m, frameworkId, 'gone', 60);
    streams.push(back);
    const err = await back.nth('ERROR');
    assert.equal(err.error?.message, 'Framework has been removed');
    await back.until(() => (back.ended ? true : undefined), 'the refused stream to end');
  });

  it('re-sends an update that was sent while the framework was disconnected', async () => {
    const s = await subscribe(m.port, 'retry', { extra: { failover_timeout: 60 } });
    streams.push(s);
    const offers = await s.nth('OFFERS');
    const offer = offers.offers?.offers?.[0];
    assert.ok(offer);
    await s.send(m.port, launchCall(offer.id.value, offer.agent_id.value, [{ id: 'late' }]));
    const starting = await s.update('late', 'TASK_STARTING');
    const frameworkId = s.frameworkId;
    s.close();
    await waitFor(() => m.master.state().frameworks.find((f) => f.id === frameworkId)?.connected === false, 'disconnected');
    const back = await resubscribe(m, frameworkId, 'retry', 60);
    streams.push(back);
    const again = await back.update('late', 'TASK_STARTING');
    assert.equal(again.uuid, starting.uuid, 'the unacknowledged update comes back after resubscribing');
    await back.ack(m.port, again);
    await back.update('late', 'TASK_RUNNING');
  });
});
