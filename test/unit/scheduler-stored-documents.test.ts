// Stored documents are checked against their schemas when read back: a mismatch is named by its
// path and the document left out, the rest of the state loads.
import assert from 'node:assert/strict';
import { MemoryStore } from '../../src/state/memory-store';
import { Repository } from '../../src/runtime/repository';
import { decodeClaimHolder, decodeDeployment, decodeGroup, decodeInstance } from '../../src/runtime/stored-documents';

const INSTANCE = {
  instanceId: 'a.instance-1', appId: '/a', slot: 0, incarnation: 1, taskId: 'a.instance-1._app.1', runSpecVersion: 'v', configVersion: 'v',
  condition: 'Running', state: 'TASK_RUNNING', agentId: 'S0', host: 'h', createdAt: '2026-01-01T00:00:00.000Z', launchedAtMs: 1,
  stagedAt: null, startedAt: null, ports: [], servicePorts: [], ipAddresses: [], launchedNetworkInfos: [], statusNetworkInfos: [],
  message: '', unreachableSince: null, killRequested: false, killSentAtMs: null, decommissioned: false, healthy: null, role: '*',
};

describe('scheduler: stored documents', () => {
  it('accepts a complete instance and names what is wrong with a broken one', () => {
    assert.deepEqual(decodeInstance(INSTANCE).value, INSTANCE);
    assert.equal(decodeInstance({ ...INSTANCE, slot: -1 }).error, '/slot: must be >= 0');
    assert.equal(decodeInstance({ ...INSTANCE, condition: 'Sleeping' }).error, '/condition: must be equal to one of the allowed values');
    const { role: _role, ...withoutRole } = INSTANCE;
    assert.equal(decodeInstance(withoutRole).error, "/: must have required property 'role'");
    assert.equal(decodeClaimHolder({ appId: '/a', slot: 1.5 }).error, '/slot: must be integer');
    assert.match(decodeDeployment({ plan: { id: 'd' }, currentStep: 0, startedAt: 't' }).error ?? '', /^\/plan: must have required property/);
  });

  it('a repository loads what matches and leaves out (and logs) what does not', async () => {
    const store = new MemoryStore();
    await store.putInstance('/a', 'a.instance-1', INSTANCE);
    await store.putInstance('/a', 'a.instance-2', { ...INSTANCE, instanceId: 'a.instance-2', slot: 'one' });
    await store.claimAddress('nw-1', '10.0.0.5', { appId: '/a', slot: 0 });
    await store.claimAddress('nw-1', '10.0.0.6', { app: '/a' });
    const logged: object[] = [];
    const repo = new Repository(store, { error: (o) => { logged.push(o); } });
    await repo.load();
    assert.deepEqual([...repo.instances.keys()], ['a.instance-1']);
    assert.deepEqual([...repo.claims.keys()], ['nw-1 10.0.0.5']);
    assert.deepEqual(logged, [
      { document: 'instances//a/a.instance-2', error: '/slot: must be integer' },
      { document: 'ipam/nw-1/10.0.0.6', error: "/: must have required property 'appId'" },
    ]);
  });

  it('group records: absent fields read as their defaults, a wrong type leaves the record out (and logs it)', async () => {
    const full = { version: '2026-01-01T00:00:00.000Z', versions: ['2026-01-01T00:00:00.000Z'], dependencies: ['/b'], enforceRole: true, empty: true };
    assert.deepEqual(decodeGroup(full).value, full);
    assert.deepEqual(decodeGroup({ version: 'v' }).value, { version: 'v', versions: [], dependencies: [], enforceRole: false, empty: false });
    assert.equal(decodeGroup({ version: 'v', dependencies: ['/b', 7] }).error, '/dependencies/1: must be string');
    assert.equal(decodeGroup({ versions: [] }).error, "/: must have required property 'version'");
    assert.equal(decodeGroup(['v']).error, '/: must be object');
    const store = new MemoryStore();
    await store.transaction([
      { op: 'putGroup', id: '/g', data: full },
      { op: 'putGroup', id: '/h', data: { version: 'v', enforceRole: 'yes' } },
    ]);
    const logged: object[] = [];
    const repo = new Repository(store, { error: (o) => { logged.push(o); } });
    await repo.load();
    assert.deepEqual([...repo.groups.entries()], [['/g', full]]);
    assert.deepEqual(logged, [{ document: 'groups//h', error: '/enforceRole: must be boolean' }]);
  });
});
