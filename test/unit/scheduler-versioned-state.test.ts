// Versioned documents (issue 21): a re-read (becoming leader again, a reconnect, an unknown write
// outcome) never replaces newer memory with an older stored copy, and takes another writer's
// newer copy. Every test here fails when load() replaces memory blindly (unversioned).
import assert from 'node:assert/strict';
import type { DeploymentRecord } from '../../src/core/deploy/plan';
import type { Instance } from '../../src/core/scheduler/instance';
import * as ops from '../../src/core/scheduler/instance-ops';
import { Repository } from '../../src/runtime/repository';
import { DocTree, type DocKey, type DocView } from '../../src/state/documents';
import { MemoryBackend, MemoryStore } from '../../src/state/memory-store';
import type { Clock, Timer } from '../../src/lib/clock';
import { StoreTimeoutError, type StoreOp } from '../../src/state/store';

/** A store whose reads can come from an older copy, and whose next commit can time out (applied or not). */
class TestStore extends MemoryStore {
  stale: DocTree | undefined;
  timeout: 'applied' | 'lost' | undefined;
  constructor(private readonly shared: MemoryBackend) { super({ backend: shared }); }
  protected override view(): DocView { return this.stale ?? super.view(); }
  protected override async commit(o: readonly StoreOp[]): Promise<void> {
    const t = this.timeout;
    this.timeout = undefined;
    if (t === 'lost') throw new StoreTimeoutError('timeout, not applied');
    await super.commit(o);
    if (t === 'applied') throw new StoreTimeoutError('timeout, applied');
  }
  snapshot(): DocTree {
    const copy = new DocTree();
    const walk = (key: DocKey): void => {
      const v = this.shared.tree.get(key);
      if (v !== undefined) copy.set(key, structuredClone(v));
      for (const c of this.shared.tree.children(key)) walk([...key, c]);
    };
    walk([]);
    return copy;
  }
}

function instance(id: string, extra: Partial<Instance> = {}): Instance {
  return {
    instanceId: id, appId: '/a', slot: 0, incarnation: 0, taskId: null, runSpecVersion: 'v1', configVersion: 'v1',
    condition: 'Scheduled', state: null, agentId: null, host: null, createdAt: '2024-01-01T00:00:00.000Z', launchedAtMs: null,
    stagedAt: null, startedAt: null, ports: [], servicePorts: [], ipAddresses: [], launchedNetworkInfos: [], statusNetworkInfos: [],
    message: '', unreachableSince: null, killRequested: false, killSentAtMs: null, decommissioned: false, healthy: null, role: '*',
    ...extra,
  };
}

const launch = (i: Instance): ops.InstanceEffect => ops.launched(i, {
  slot: 0, taskId: `${i.instanceId}._app.1`, agentId: 'ag1', host: 'h1', nowMs: 0, ports: [], servicePorts: [], runSpecVersion: 'v1',
  configVersion: 'v1', launchedNetworkInfos: [],
});

/** Timers fired by hand (no sleeps): `fire()` runs what is due. */
class HandTimers implements Clock {
  private due: Array<() => void> = [];
  now(): number { return 0; }
  setTimer(fn: () => void): Timer { this.due.push(fn); return { cancel: () => { this.due = this.due.filter((f) => f !== fn); } }; }
  fire(): void { for (const fn of this.due.splice(0)) fn(); }
}

async function rig(unversioned = false): Promise<{ store: TestStore; repo: Repository; backend: MemoryBackend; timers: HandTimers }> {
  const backend = new MemoryBackend();
  const store = new TestStore(backend);
  const timers = new HandTimers();
  const repo = new Repository(store, undefined, timers, { writerId: 'me', unversioned });
  await repo.load();
  return { store, repo, backend, timers };
}

describe('versioned state documents (re-read after reconnect / unknown outcome / leadership)', () => {
  it('every durable write carries a higher revision and the writer', async () => {
    const { repo, store } = await rig();
    const i = repo.apply(ops.created(instance('a.instance-1'))) as Instance;
    assert.equal(i.revision, 1);
    repo.apply(launch(i));
    assert.equal(i.revision, 2);
    repo.apply(ops.killSent(i, 1));
    assert.equal(i.revision, 2, 'memory-only effects are not a new stored revision');
    await repo.flush();
    const [doc] = await store.listInstances();
    assert.deepEqual([(doc?.data as unknown as Instance).revision, (doc?.data as unknown as Instance).writer], [2, 'me']);
  });

  for (const unversioned of [false, true]) {
    it(`a reload from a lagging server keeps newer memory and writes it again${unversioned ? ' (unversioned: rolled back — the check must fail)' : ''}`, async () => {
      const { repo, store } = await rig(unversioned);
      const i = repo.apply(ops.created(instance('a.instance-1'))) as Instance;
      const gone = repo.apply(ops.created(instance('a.instance-2', { slot: 1 }))) as Instance;
      await repo.flush();
      // What a lagging server will still serve: instance-1 at revision 1 (Scheduled), instance-2.
      const old = store.snapshot();
      repo.apply(launch(i)); // revision 2
      repo.apply(ops.killed(gone, true)); // never launched: expunged
      await repo.flush();
      repo.suspendWrites(); // deposed …
      store.stale = old;
      await repo.load(); // … and leading again, reading from a server that lags
      store.stale = undefined;
      await repo.flush();
      const now = repo.instances.get('a.instance-1');
      if (unversioned) {
        assert.equal(now?.condition, 'Scheduled', 'the unversioned reload rolls memory back (what the versioned one prevents)');
        return;
      }
      assert.equal(now?.condition, 'Provisioned', 'memory (revision 2) is not replaced by the stored revision 1');
      assert.equal(now, i, 'the same object');
      assert.equal(repo.instances.has('a.instance-2'), false, 'an instance deleted here does not come back from an older copy');
      const stored = new Map((await store.listInstances()).map((d) => [d.instanceId, d.data as unknown as Instance]));
      assert.equal(stored.get('a.instance-1')?.condition, 'Provisioned');
      assert.equal(stored.has('a.instance-2'), false);
    });
  }

  it('a stale re-read adopts nothing unknown here (deleted since) and keeps what it lacks', async () => {
    const backend = new MemoryBackend();
    const store = new TestStore(backend);
    const other = new Repository(new MemoryStore({ backend }), undefined, new HandTimers(), { writerId: 'other' });
    await other.load();
    const x = other.apply(ops.created(instance('a.instance-x'))) as Instance;
    await other.flush();
    const old = store.snapshot(); // has x
    other.apply(ops.killed(x, true)); // x deleted before we ever read it
    other.apply(ops.created(instance('a.instance-z', { slot: 2 }))); // and z created (a newer revision)
    await other.flush();
    const repo = new Repository(store, undefined, new HandTimers(), { writerId: 'me' });
    await repo.load();
    const y = repo.apply(ops.created(instance('a.instance-y', { slot: 1 }))) as Instance;
    await repo.flush();
    repo.suspendWrites();
    store.stale = old; // older than what we know stored (y's revision)
    await repo.load();
    store.stale = undefined;
    assert.equal(repo.instances.has('a.instance-x'), false, 'x is not resurrected from the stale copy');
    assert.equal(repo.instances.get('a.instance-y'), y, 'y, absent from the stale copy, is kept');
    await repo.flush();
    assert.deepEqual((await store.listInstances()).map((d) => d.instanceId).sort(), ['a.instance-y', 'a.instance-z']);
  });

  it('another writer\'s newer copy replaces memory; a copy of our own is never taken as "theirs"', async () => {
    const { repo, store, backend } = await rig();
    const i = repo.apply(ops.created(instance('a.instance-1'))) as Instance;
    await repo.flush();
    // A successor leader (another repository over the same store) launches it meanwhile.
    repo.suspendWrites();
    const other = new Repository(new MemoryStore({ backend }), undefined, undefined, { writerId: 'other' });
    await other.load();
    other.apply(launch(other.instances.get('a.instance-1') as unknown as Instance));
    await other.flush();
    await repo.load();
    assert.equal(i.condition, 'Provisioned');
    assert.equal(i.writer, 'other');
    assert.equal(i.revision, 2);
    repo.apply(ops.killed(i, false));
    assert.equal(i.revision, 3, 'our next write is newer than theirs');
    await repo.flush();
    assert.equal(((await store.listInstances())[0]?.data as unknown as Instance).killRequested, true);
  });

  it('an instance write with an unknown outcome is re-read: landed counts as durable, lost is written again', async () => {
    const { repo, store, timers } = await rig();
    store.timeout = 'applied';
    const a = repo.apply(ops.created(instance('a.instance-1'))) as Instance;
    await repo.whenDurable(a.instanceId); // resolves: the re-read finds revision 1 by us
    store.timeout = 'lost';
    repo.apply(launch(a));
    await assert.rejects(repo.whenDurable(a.instanceId), StoreTimeoutError);
    assert.equal(((await store.listInstances())[0]?.data as unknown as Instance).condition, 'Scheduled', 'not landed');
    timers.fire(); // the retry pause is over
    await repo.flush();
    assert.equal(((await store.listInstances())[0]?.data as unknown as Instance).condition, 'Provisioned', 'written again after the retry pause');
  });

  it('an API commit with an unknown outcome that landed is adopted (resolveUnknownCommit)', async () => {
    const { repo, store } = await rig();
    const record = { plan: { id: 'd1', steps: [], affectedApps: [], original: {}, target: {}, version: 'v' }, currentStep: 0, startedAt: 'x' } as unknown as DeploymentRecord;
    store.timeout = 'applied';
    await assert.rejects(repo.commit({ putDeployments: [record] }), StoreTimeoutError);
    assert.equal(repo.deployments.has('d1'), false);
    assert.equal(await repo.resolveUnknownCommit({ putDeployments: [record] }), true);
    assert.equal(repo.deployments.get('d1'), record);
    const lost = { ...record, plan: { ...record.plan, id: 'd2' } } as DeploymentRecord;
    store.timeout = 'lost';
    await assert.rejects(repo.commit({ putDeployments: [lost] }), StoreTimeoutError);
    assert.equal(await repo.resolveUnknownCommit({ putDeployments: [lost] }), false);
    assert.equal(repo.deployments.has('d2'), false);
  });
});
