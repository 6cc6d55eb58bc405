// applyUpdate: the pure instance-update resolver, for every lifecycle state × incoming status.
import assert from 'node:assert/strict';
import type { TaskState, TaskStatus } from '../../src/mesos/types';
import type { Instance, InstanceCondition } from '../../src/core/scheduler/instance';
import { applyUpdate, type UpdateContext } from '../../src/core/scheduler/instance-update';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');

function inst(condition: InstanceCondition, extra: Partial<Instance> = {}): Instance {
  return {
    instanceId: 'a.instance-1', appId: '/a', slot: 0, incarnation: 1, taskId: 'a.instance-1._app.1', runSpecVersion: 'v1', configVersion: 'c1',
    condition, state: null, agentId: 'S1', host: 'h', createdAt: 'x', launchedAtMs: T0, stagedAt: null, startedAt: null, ports: [], servicePorts: [],
    ipAddresses: [], launchedNetworkInfos: [], statusNetworkInfos: [], message: '', unreachableSince: null, killRequested: false, killSentAtMs: null,
    decommissioned: false, healthy: null, role: '*', ...extra,
  };
}

function status(state: TaskState, extra: Partial<TaskStatus> = {}): TaskStatus {
  return { task_id: { value: 'a.instance-1._app.1' }, state, agent_id: { value: 'S1' }, ...extra };
}

const ctx: UpdateContext = { nowMs: T0 + 5000, agentLink: 'vnet-agent-link', currentConfigVersion: 'c1', unreachableStrategy: { inactiveAfterSeconds: 0, expungeAfterSeconds: 600 } };

describe('applyUpdate (pure instance-update resolver)', () => {
  const nonTerminal: InstanceCondition[] = ['Provisioned', 'Staging', 'Starting', 'Running', 'Killing', 'Unreachable'];
  const states: TaskState[] = ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED',
    'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNREACHABLE', 'TASK_UNKNOWN'];

  it('every known condition × every task state gives one well-formed effect and never mutates its input', () => {
    for (const c of nonTerminal) {
      for (const s of states) {
        const before = inst(c);
        const copy = structuredClone(before);
        const e = applyUpdate(before, status(s), ctx);
        assert.deepEqual(before, copy, `${c} + ${s} mutated its input`);
        if (e.kind === 'ignore') continue;
        assert.equal(e.previous, c);
        assert.equal(e.instance.state, s);
        const terminal = ['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN'].includes(s);
        assert.equal(e.kind, terminal ? 'expunge' : 'update', `${c} + ${s}`);
      }
    }
  });

  it('a late duplicate of an earlier lifecycle state is ignored (RUNNING after KILLING, STAGING after RUNNING)', () => {
    assert.deepEqual(applyUpdate(inst('Killing'), status('TASK_RUNNING'), ctx), { kind: 'ignore', reason: 'stale' });
    assert.deepEqual(applyUpdate(inst('Running'), status('TASK_STAGING'), ctx), { kind: 'ignore', reason: 'stale' });
    assert.equal(applyUpdate(inst('Unreachable'), status('TASK_RUNNING'), ctx).kind, 'update', 'coming back from a partition is not stale');
  });

  it('timestamps: stagedAt on the first sign of life, startedAt on RUNNING; kept afterwards', () => {
    const e = applyUpdate(inst('Provisioned'), status('TASK_RUNNING'), ctx);
    assert.ok(e.kind === 'update');
    assert.equal(e.instance.stagedAt, '2030-01-01T00:00:05.000Z');
    assert.equal(e.instance.startedAt, '2030-01-01T00:00:05.000Z');
    const later = applyUpdate(e.instance, status('TASK_RUNNING', { reason: 'REASON_RECONCILIATION' }), { ...ctx, nowMs: T0 + 9000 });
    assert.ok(later.kind === 'update');
    assert.equal(later.instance.startedAt, '2030-01-01T00:00:05.000Z');
    assert.equal(later.durable, false, 'a confirming reconciliation answer is not written');
  });

  it('Staging/Starting stay in memory, RUNNING is durable; a killed instance writes every change', () => {
    const staging = applyUpdate(inst('Provisioned'), status('TASK_STAGING'), ctx);
    assert.ok(staging.kind === 'update' && !staging.durable && staging.backoff === 'progress');
    const running = applyUpdate(inst('Starting'), status('TASK_RUNNING'), ctx);
    assert.ok(running.kind === 'update' && running.durable);
    const killing = applyUpdate(inst('Provisioned', { killRequested: true }), status('TASK_STAGING'), ctx);
    assert.ok(killing.kind === 'update' && killing.durable);
  });

  it('failures: backoff and last failure only for the current config and not for requested kills or lost launches', () => {
    const failed = applyUpdate(inst('Running'), status('TASK_FAILED'), ctx);
    assert.ok(failed.kind === 'expunge' && failed.failure && failed.backoff === 'failure');
    const killed = applyUpdate(inst('Killing', { killRequested: true }), status('TASK_KILLED'), ctx);
    assert.ok(killed.kind === 'expunge' && !killed.failure && killed.backoff === null);
    const unexpectedKill = applyUpdate(inst('Running'), status('TASK_KILLED'), ctx);
    assert.ok(unexpectedKill.kind === 'expunge' && unexpectedKill.failure);
    const lost = applyUpdate(inst('Provisioned'), status('TASK_UNKNOWN', { reason: 'REASON_RECONCILIATION' }), ctx);
    assert.ok(lost.kind === 'expunge' && lost.lostLaunch && !lost.failure && lost.backoff === null);
    const oldConfig = applyUpdate(inst('Running', { configVersion: 'c0' }), status('TASK_FAILED'), ctx);
    assert.ok(oldConfig.kind === 'expunge' && oldConfig.backoff === null);
  });

  it('unreachable: inactive after inactiveAfterSeconds (replacement due), kill resent when it comes back', () => {
    const u = applyUpdate(inst('Running'), status('TASK_UNREACHABLE'), ctx);
    assert.ok(u.kind === 'update' && u.instance.condition === 'UnreachableInactive' && u.becameInactive);
    const disabled = applyUpdate(inst('Running'), status('TASK_UNREACHABLE'), { ...ctx, unreachableStrategy: 'disabled' });
    assert.ok(disabled.kind === 'update' && disabled.instance.condition === 'Unreachable' && !disabled.becameInactive);
    const back = applyUpdate(inst('Unreachable', { killRequested: true, unreachableSince: 'x' }), status('TASK_RUNNING'), ctx);
    assert.ok(back.kind === 'update' && back.resendKill && back.instance.unreachableSince === null);
  });

  it('reported addresses leave out the agent link; reconciliation keeps the agent message', () => {
    const e = applyUpdate(inst('Starting', { message: 'started by agent' }), status('TASK_RUNNING', {
      reason: 'REASON_RECONCILIATION', message: 'Reconciliation: Latest task state',
      container_status: { network_infos: [{ name: 'vnet-agent-link', ip_addresses: [{ ip_address: '169.254.0.2' }] }, { name: 'n1', ip_addresses: [{ ip_address: '10.0.0.5' }] }] },
    }), ctx);
    assert.ok(e.kind === 'update');
    assert.deepEqual(e.instance.ipAddresses, [{ ipAddress: '10.0.0.5', protocol: 'IPv4' }]);
    assert.equal(e.instance.message, 'started by agent');
  });
});
