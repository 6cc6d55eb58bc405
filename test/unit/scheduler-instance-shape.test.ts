// canonicalInstance: the repository keeps every instance in one fixed shape (same fields, same
// order), without changing what the instance says.
import assert from 'node:assert/strict';
import { canonicalInstance, type Instance } from '../../src/core/scheduler/instance';

function instance(extra: Partial<Instance> = {}): Instance {
  return {
    instanceId: 'a.instance-1', appId: '/a', slot: 0, incarnation: 1, taskId: 'a.instance-1._app.1', runSpecVersion: 'v1',
    configVersion: 'v1', condition: 'Running', state: 'TASK_RUNNING', agentId: 'ag1', host: 'h1', createdAt: 't0', launchedAtMs: 1.5,
    stagedAt: 't1', startedAt: 't2', ports: [31000], servicePorts: [10000], ipAddresses: [], launchedNetworkInfos: [],
    statusNetworkInfos: [], message: '', unreachableSince: null, killRequested: false, killSentAtMs: null, decommissioned: false,
    healthy: null, role: '*', ...extra,
  };
}

describe('canonical instance shape', () => {
  it('keeps every field and value; optional fields stay absent when absent', () => {
    for (const i of [instance(), instance({ revision: 3, writer: 'w' }),
      instance({ revision: 3, writer: 'w', health: { firstSuccess: 't', lastSuccess: 't', lastFailure: null, lastFailureCause: null, consecutiveFailures: 0 } })]) {
      const c = canonicalInstance(i);
      assert.notEqual(c, i);
      assert.deepStrictEqual(c, i);
      assert.deepEqual(Object.keys(c).sort(), Object.keys(i).sort());
    }
  });

  it('puts the fields in one order whatever order the input has', () => {
    const a = instance({ revision: 1, writer: 'w' });
    const b = Object.fromEntries(Object.entries(a).reverse()) as unknown as Instance;
    assert.deepEqual(Object.keys(canonicalInstance(b)), Object.keys(canonicalInstance(a)));
  });
});
