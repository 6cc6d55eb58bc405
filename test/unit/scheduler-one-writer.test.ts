// One writer: the scheduler shell changes instance and deployment state only through
// Repository.apply(effect), with effects from the pure core (instance-ops.ts, instance-update.ts).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DeploymentRecord } from '../../src/core/deploy/plan';
import type { Instance } from '../../src/core/scheduler/instance';
import * as ops from '../../src/core/scheduler/instance-ops';
import { Repository } from '../../src/runtime/repository';
import { MemoryStore } from '../../src/state/memory-store';

const root = path.resolve(__dirname, '..', '..', '..');

function instance(extra: Partial<Instance> = {}): Instance {
  return {
    instanceId: 'a.instance-1', appId: '/a', slot: 2, incarnation: 0, taskId: null, runSpecVersion: 'v1', configVersion: 'v1',
    condition: 'Scheduled', state: null, agentId: null, host: null, createdAt: '2024-01-01T00:00:00.000Z', launchedAtMs: null,
    stagedAt: null, startedAt: null, ports: [], servicePorts: [], ipAddresses: [], launchedNetworkInfos: [], statusNetworkInfos: [],
    message: '', unreachableSince: null, killRequested: false, killSentAtMs: null, decommissioned: false, healthy: null, role: '*',
    ...extra,
  };
}

const facts = (slot: number): ops.LaunchFacts => ({
  slot, taskId: 'a.instance-1._app.1', agentId: 'ag1', host: 'h1', nowMs: Date.parse('2024-01-01T00:01:00.000Z'), ports: [31000],
  servicePorts: [], runSpecVersion: 'v1', configVersion: 'v1', launchedNetworkInfos: [],
});

describe('scheduler: one writer (Repository.apply)', () => {
  for (const file of ['src/runtime/scheduler.ts', 'src/runtime/deployment-runner.ts']) {
    it(`${file} writes no instance or deployment state itself`, () => {
      const src = fs.readFileSync(path.join(root, file), 'utf8');
      assert.doesNotMatch(src, /\.(saveInstance|updateInstanceInMemory|removeInstance)\(/, 'saves go through repo.apply');
      assert.doesNotMatch(src, /deployments\.(set|delete|clear)\(|currentStep\s*(=[^=]|\+=|-=|\+\+)/, 'deployment changes go through repo.apply');
      assert.doesNotMatch(src, /\b(inst|current|i|d)\.[a-zA-Z]+\s*(=[^=>]|\+=|-=)/, 'no field assignment on state objects');
      assert.doesNotMatch(src, /Object\.assign\(/);
      assert.doesNotMatch(src, /\.store\.(put|delete|transaction)/, 'no store writes from the shell');
    });
  }

  it('instance ops are pure: launch, revert, kill, wipe never touch their input', () => {
    const waiting = Object.freeze(instance());
    const l = ops.launched(waiting, facts(0));
    assert.equal(l.kind, 'put');
    assert.equal(l.instance.condition, 'Provisioned');
    assert.equal(l.instance.incarnation, 1);
    assert.equal(l.instance.slot, 0);
    assert.equal(l.kind === 'put' && l.durable, true, 'a launch is durable before the ACCEPT');
    const provisioned = Object.freeze(l.instance);
    const back = ops.launchReverted(provisioned);
    assert.equal(back?.kind, 'put');
    assert.equal(back?.instance.condition, 'Scheduled');
    assert.equal(back?.instance.taskId, null);
    const killedInFlight = ops.launchReverted(Object.freeze({ ...provisioned, killRequested: true }));
    assert.equal(killedInFlight?.kind, 'expunge', 'killed while its launch was in flight: it ends');
    assert.equal(ops.launchReverted(Object.freeze({ ...provisioned, condition: 'Running' })), null);
    assert.equal(ops.killed(waiting, true).kind, 'expunge', 'a never-launched instance just ends');
    const k = ops.killed(provisioned, true);
    assert.equal(k.kind, 'put');
    assert.equal(k.instance.killRequested && k.instance.decommissioned, true);
    assert.equal(ops.wiped(Object.freeze({ ...provisioned, decommissioned: true })).instance.decommissioned, false);
    assert.equal(ops.compactedSlot(waiting, new Set([0, 1])), 2);
    assert.equal(ops.compactedSlot(waiting, new Set([1])), 0);
    assert.equal(ops.compactedSlot(provisioned, new Set()), 0, 'slot kept once launched');
  });

  it('apply keeps the stored object (holders see the change), indexes it and writes behind; expunge removes it', async () => {
    const store = new MemoryStore();
    const repo = new Repository(store);
    const stored = repo.apply(ops.created(instance())) as Instance;
    assert.equal(repo.hasScheduled(), true);
    const l = ops.launched(stored, facts(2));
    assert.equal(repo.apply(l), stored, 'identity kept');
    assert.equal(stored.condition, 'Provisioned');
    assert.equal(repo.hasScheduled(), false);
    assert.equal(repo.instanceByTaskId('a.instance-1._app.1'), stored);
    await repo.whenDurable(stored.instanceId);
    const [doc] = await store.listInstances();
    assert.equal((doc?.data as { condition?: string }).condition, 'Provisioned');
    repo.apply(ops.killSent(stored, 5));
    await repo.flush();
    assert.equal(((await store.listInstances())[0]?.data as { killSentAtMs?: number }).killSentAtMs, null, 'memory-only effects are not written');
    repo.apply(ops.wiped(stored));
    assert.equal(repo.instances.size, 0);
    assert.equal(repo.instanceByTaskId('a.instance-1._app.1'), undefined);
    await repo.flush();
    assert.equal((await store.listInstances()).length, 0);
  });

  it('deployment effects: progress in memory, the end removed from memory and then from the store', async () => {
    const store = new MemoryStore();
    const repo = new Repository(store);
    const record = { plan: { id: 'd1', steps: [], affectedApps: [], target: {}, version: 'v' }, currentStep: 0 } as unknown as DeploymentRecord;
    await repo.commit({ putDeployments: [record] });
    repo.apply({ kind: 'deployment-step', id: 'd1', currentStep: 2 });
    assert.equal(repo.deployments.get('d1')?.currentStep, 2);
    repo.apply({ kind: 'deployment-end', id: 'd1' });
    assert.equal(repo.deployments.has('d1'), false);
    await repo.flushDeployments();
    assert.equal((await store.listDeployments()).length, 0);
  });
});
