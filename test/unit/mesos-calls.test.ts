// Call builders produce the JSON shapes of spec mesos-v1.md A6, key order included.
import assert from 'node:assert/strict';
import * as calls from '../../src/mesos/calls';
import { MesosInvalidCallError } from '../../src/mesos/errors';
import type { FrameworkInfo, TaskStatus } from '../../src/mesos/types';

const FID = '4f1c-0000';
const FW: FrameworkInfo = { user: 'root', name: 'marathon', failover_timeout: 604800, checkpoint: true, roles: ['*'] };

describe('mesos call builders', function () {
  it('SUBSCRIBE without a framework id carries neither framework_id nor framework_info.id', function () {
    const c = calls.subscribeCall({ ...FW, id: { value: 'stale' } });
    assert.equal(JSON.stringify(c), '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"marathon","failover_timeout":604800,"checkpoint":true,"roles":["*"]}}}');
  });

  it('a resubscribe sets framework_info.id and the top-level framework_id', function () {
    const c = calls.subscribeCall(FW, FID, ['web']);
    assert.deepEqual(c.framework_id, { value: FID });
    assert.deepEqual(c.subscribe?.framework_info.id, { value: FID });
    assert.deepEqual(c.subscribe?.suppressed_roles, ['web']);
  });

  it('SUBSCRIBE refuses a FrameworkInfo without user or name', function () {
    assert.throws(() => calls.subscribeCall({ user: '', name: 'x' }), MesosInvalidCallError);
  });

  it('ACCEPT with one LAUNCH has framework_id, type, accept in that order', function () {
    const task = { name: 't', task_id: { value: 't1' }, agent_id: { value: 'S0' } };
    const c = calls.acceptCall(FID, ['O12'], [calls.launchOperation([task])], { refuse_seconds: 5 });
    assert.equal(JSON.stringify(c), `{"framework_id":{"value":"${FID}"},"type":"ACCEPT","accept":{"offer_ids":[{"value":"O12"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[{"name":"t","task_id":{"value":"t1"},"agent_id":{"value":"S0"}}]}}],"filters":{"refuse_seconds":5}}}`);
  });

  it('DECLINE, REVIVE, SUPPRESS, KILL match the spec examples', function () {
    assert.equal(JSON.stringify(calls.declineCall(FID, [{ value: 'O13' }], { refuse_seconds: 120 })),
      `{"framework_id":{"value":"${FID}"},"type":"DECLINE","decline":{"offer_ids":[{"value":"O13"}],"filters":{"refuse_seconds":120}}}`);
    assert.equal(JSON.stringify(calls.reviveCall(FID, ['*'])), `{"framework_id":{"value":"${FID}"},"type":"REVIVE","revive":{"roles":["*"]}}`);
    assert.equal(JSON.stringify(calls.reviveCall(FID)), `{"framework_id":{"value":"${FID}"},"type":"REVIVE","revive":{}}`);
    assert.equal(JSON.stringify(calls.suppressCall(FID, ['*'])), `{"framework_id":{"value":"${FID}"},"type":"SUPPRESS","suppress":{"roles":["*"]}}`);
    assert.equal(JSON.stringify(calls.killCall(FID, 't1', 'S0')), `{"framework_id":{"value":"${FID}"},"type":"KILL","kill":{"task_id":{"value":"t1"},"agent_id":{"value":"S0"}}}`);
  });

  it('RECONCILE lists tasks explicitly, and an empty list is implicit', function () {
    assert.equal(JSON.stringify(calls.reconcileCall(FID, [{ task_id: { value: 't1' }, agent_id: { value: 'S0' } }])),
      `{"framework_id":{"value":"${FID}"},"type":"RECONCILE","reconcile":{"tasks":[{"task_id":{"value":"t1"},"agent_id":{"value":"S0"}}]}}`);
    assert.equal(JSON.stringify(calls.reconcileCall(FID, [])), `{"framework_id":{"value":"${FID}"},"type":"RECONCILE","reconcile":{}}`);
  });

  it('ACKNOWLEDGE echoes the uuid unchanged, and is never built without one', function () {
    const status: TaskStatus = { task_id: { value: 't1' }, state: 'TASK_RUNNING', agent_id: { value: 'S0' }, uuid: 'l5W0m2fqTkK4mJ0v9e0m3A==', source: 'SOURCE_EXECUTOR' };
    assert.equal(JSON.stringify(calls.acknowledgeCall(FID, status)),
      `{"framework_id":{"value":"${FID}"},"type":"ACKNOWLEDGE","acknowledge":{"agent_id":{"value":"S0"},"task_id":{"value":"t1"},"uuid":"l5W0m2fqTkK4mJ0v9e0m3A=="}}`);
    const reconciliation: TaskStatus = { task_id: { value: 't1' }, state: 'TASK_RUNNING', source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION' };
    assert.equal(calls.acknowledgeCall(FID, reconciliation), undefined);
    assert.equal(calls.acknowledgeCall(FID, { ...reconciliation, uuid: '' }), undefined);
    assert.throws(() => calls.acknowledgeCall(FID, { task_id: { value: 't' }, state: 'TASK_RUNNING', uuid: 'AA==' }), MesosInvalidCallError);
  });

  it('MESSAGE carries data as base64, TEARDOWN has no sub-message, SHUTDOWN needs both ids', function () {
    assert.equal(calls.messageCall(FID, 'S0', 'e1', Buffer.from('hi ✓')).message?.data, Buffer.from('hi ✓').toString('base64'));
    assert.equal(JSON.stringify(calls.teardownCall(FID)), `{"framework_id":{"value":"${FID}"},"type":"TEARDOWN"}`);
    assert.deepEqual(calls.shutdownCall(FID, 'e1', 'S0').shutdown, { executor_id: { value: 'e1' }, agent_id: { value: 'S0' } });
    assert.throws(() => calls.shutdownCall(FID, 'e1', ''), MesosInvalidCallError);
  });

  it('refuses calls without offers or tasks, or with empty ids', function () {
    assert.throws(() => calls.acceptCall(FID, [], []), MesosInvalidCallError);
    assert.throws(() => calls.declineCall(FID, []), MesosInvalidCallError);
    assert.throws(() => calls.launchOperation([]), MesosInvalidCallError);
    assert.throws(() => calls.killCall(FID, { value: '' }), MesosInvalidCallError);
    assert.throws(() => calls.reviveCall(''), MesosInvalidCallError);
  });
});
