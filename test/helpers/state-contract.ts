// The StateStore contract, run against every implementation (memory, file, ZooKeeper).
// Call `stateStoreContract(makeFixture)` inside a describe(); each test gets a fresh backend.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AddressHeldError, Json, StateStore, StoreInvalidError, StoreUnavailableError } from '../../src/state/store';

export interface StoreFixture {
  /** A new store instance over this fixture's backend (sees what earlier instances wrote). */
  open(options?: { maxVersions?: number }): Promise<StateStore>;
  /** Closes every store it opened and removes the backend. */
  dispose(): Promise<void>;
}

/** Polls `check` until it stops throwing (cross-instance visibility through watches is asynchronous). */
export async function eventually(check: () => Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

export function stateStoreContract(makeFixture: () => Promise<StoreFixture>): void {
  let fixture: StoreFixture;
  beforeEach(async () => {
    fixture = await makeFixture();
  });
  afterEach(async () => {
    await fixture.dispose();
  });

  it('stores the framework id and a new instance reads it back', async () => {
    const a = await fixture.open();
    assert.equal(await a.getFrameworkId(), undefined);
    await a.setFrameworkId('fw-1');
    assert.equal(await a.getFrameworkId(), 'fw-1');
    await a.setFrameworkId('fw-2');
    const b = await fixture.open();
    assert.equal(await b.getFrameworkId(), 'fw-2');
  });

  it('keeps app versions oldest first, the last one current, ids with any characters', async () => {
    const s = await fixture.open();
    const id = '/prod/web app/ü.x';
    await s.putApp(id, '2024-01-01T00:00:00.000Z', { cmd: 'a', n: 1 });
    await s.putApp(id, '2024-01-02T00:00:00.000Z', { cmd: 'b', n: 2 });
    await s.putApp('/other', 'v1', { cmd: 'o' });
    assert.deepEqual(await s.getApp(id), { id, version: '2024-01-02T00:00:00.000Z', definition: { cmd: 'b', n: 2 } });
    assert.deepEqual(await s.listAppVersions(id), ['2024-01-01T00:00:00.000Z', '2024-01-02T00:00:00.000Z']);
    assert.deepEqual(await s.getAppVersion(id, '2024-01-01T00:00:00.000Z'), { cmd: 'a', n: 1 });
    assert.deepEqual(
      (await s.listApps()).map((a) => a.id).sort(),
      ['/other', id].sort(),
    );
    // Re-putting an old version moves it to the top.
    await s.putApp(id, '2024-01-01T00:00:00.000Z', { cmd: 'a2' });
    assert.deepEqual(await s.listAppVersions(id), ['2024-01-02T00:00:00.000Z', '2024-01-01T00:00:00.000Z']);
    assert.deepEqual((await s.getApp(id))?.definition, { cmd: 'a2' });

    const fresh = await fixture.open();
    assert.deepEqual(await fresh.getApp(id), { id, version: '2024-01-01T00:00:00.000Z', definition: { cmd: 'a2' } });

    await s.deleteApp(id);
    assert.equal(await s.getApp(id), undefined);
    assert.deepEqual(await s.listAppVersions(id), []);
    assert.equal(await s.getAppVersion(id, '2024-01-02T00:00:00.000Z'), undefined);
    assert.deepEqual((await s.listApps()).map((a) => a.id), ['/other']);
    await s.deleteApp('/never-existed');
    const after = await fixture.open();
    assert.deepEqual((await after.listApps()).map((a) => a.id), ['/other']);
  });

  it('prunes the oldest versions beyond maxVersions', async () => {
    const s = await fixture.open({ maxVersions: 3 });
    for (let i = 1; i <= 5; i++) await s.putApp('/pruned', `v${i}`, { i });
    assert.deepEqual(await s.listAppVersions('/pruned'), ['v3', 'v4', 'v5']);
    assert.equal(await s.getAppVersion('/pruned', 'v1'), undefined);
    assert.equal(await s.getAppVersion('/pruned', 'v2'), undefined);
    assert.deepEqual(await s.getAppVersion('/pruned', 'v3'), { i: 3 });
    const fresh = await fixture.open({ maxVersions: 3 });
    assert.deepEqual(await fresh.listAppVersions('/pruned'), ['v3', 'v4', 'v5']);
    assert.equal(await fresh.getAppVersion('/pruned', 'v2'), undefined);
  });

  it('stores instances per app and deployments', async () => {
    const s = await fixture.open();
    await s.putInstance('/a', 'a.1', { state: 'running' });
    await s.putInstance('/a', 'a.2', { state: 'staging' });
    await s.putInstance('/b', 'b.1', null);
    await s.putInstance('/a', 'a.2', { state: 'running' });
    const byKey = (xs: Array<{ appId: string; instanceId: string }>) => xs.map((x) => `${x.appId} ${x.instanceId}`).sort();
    assert.deepEqual(byKey(await s.listInstances()), ['/a a.1', '/a a.2', '/b b.1']);
    assert.deepEqual(await s.listInstances('/a').then((xs) => xs.find((x) => x.instanceId === 'a.2')?.data), { state: 'running' });
    assert.deepEqual(await s.listInstances('/b'), [{ appId: '/b', instanceId: 'b.1', data: null }]);
    await s.deleteInstance('/b', 'b.1');
    await s.deleteInstance('/b', 'never');
    assert.deepEqual(await s.listInstances('/b'), []);
    assert.deepEqual(byKey(await s.listInstances()), ['/a a.1', '/a a.2']);

    await s.putDeployment('d-1', { steps: [1, 2] });
    await s.putDeployment('d-2', { steps: [] });
    await s.deleteDeployment('d-2');
    assert.deepEqual(await s.listDeployments(), [{ id: 'd-1', data: { steps: [1, 2] } }]);

    const fresh = await fixture.open();
    assert.deepEqual(byKey(await fresh.listInstances()), ['/a a.1', '/a a.2']);
    assert.deepEqual(await fresh.listDeployments(), [{ id: 'd-1', data: { steps: [1, 2] } }]);
  });

  it('stores group records by id (any characters, the root too) and a new instance reads them back', async () => {
    const s = await fixture.open();
    assert.deepEqual(await s.listGroups(), [], 'none in a state that never had one');
    await s.transaction([
      { op: 'putGroup', id: '/', data: { version: 'v1' } },
      { op: 'putGroup', id: '/prod/db', data: { version: 'v1', empty: true, dependencies: ['/prod/cache'] } },
      { op: 'putGroup', id: '/tmp', data: { version: 'v0' } },
    ]);
    await s.transaction([{ op: 'deleteGroup', id: '/tmp' }, { op: 'deleteGroup', id: '/never' }]);
    const fresh = await fixture.open();
    const sorted = (xs: Array<{ id: string }>) => [...xs].sort((a, b) => a.id.localeCompare(b.id));
    await eventually(async () => {
      assert.deepEqual(sorted(await fresh.listGroups()), [
        { id: '/', data: { version: 'v1' } },
        { id: '/prod/db', data: { version: 'v1', empty: true, dependencies: ['/prod/cache'] } },
      ]);
    });
    await assert.rejects(s.transaction([{ op: 'putGroup', id: '', data: {} }]), StoreInvalidError);
  });

  it('claims an address exclusively; equal holder is idempotent; release frees it', async () => {
    const s = await fixture.open();
    const one = { app: '/a', instance: 'a.1' };
    const two = { app: '/b', instance: 'b.1' };
    assert.deepEqual(await s.claimAddress('nw-1', '10.0.0.5', one), { ok: true });
    assert.deepEqual(await s.claimAddress('nw-1', '10.0.0.5', { instance: 'a.1', app: '/a' }), { ok: true });
    assert.deepEqual(await s.claimAddress('nw-1', '10.0.0.5', two), { ok: false, holder: one });
    assert.deepEqual(await s.claimAddress('nw-2', '10.0.0.5', two), { ok: true }, 'other network, other address');
    await assert.rejects(s.releaseAddress('nw-1', '10.0.0.5', two), (err) => err instanceof AddressHeldError && err.code === 'MVN_ERR_ADDRESS_HELD');
    assert.deepEqual(
      (await s.listClaims()).sort((x, y) => x.network.localeCompare(y.network)),
      [
        { network: 'nw-1', address: '10.0.0.5', holder: one },
        { network: 'nw-2', address: '10.0.0.5', holder: two },
      ],
    );
    await s.releaseAddress('nw-1', '10.0.0.5', one);
    await s.releaseAddress('nw-1', '10.0.0.5');
    assert.deepEqual(await s.claimAddress('nw-1', '10.0.0.5', two), { ok: true });
    await s.releaseAddress('nw-2', '10.0.0.5');
    assert.deepEqual(await s.listClaims(), [{ network: 'nw-1', address: '10.0.0.5', holder: two }]);
  });

  it('20 concurrent claims of one address from two instances: exactly one wins, all others learn the holder', async () => {
    const a = await fixture.open();
    const b = await fixture.open();
    const attempts = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).claimAddress('nw-race', '192.168.7.7', { claimer: i }));
    const results = await Promise.all(attempts);
    const winners = results.flatMap((r, i) => (r.ok ? [i] : []));
    assert.equal(winners.length, 1, `winners: ${JSON.stringify(winners)}`);
    const holder: Json = { claimer: winners[0] };
    for (const r of results) if (!r.ok) assert.deepEqual(r.holder, holder);
    const fresh = await fixture.open();
    assert.deepEqual(await fresh.listClaims(), [{ network: 'nw-race', address: '192.168.7.7', holder }]);
  });

  it('applies a transaction all or nothing', async () => {
    const a = await fixture.open();
    const b = await fixture.open();
    await a.putApp('/t', 'v1', { n: 1 });
    assert.deepEqual(await b.claimAddress('nw-t', '10.1.1.1', { by: 'b' }), { ok: true });
    await assert.rejects(
      a.transaction([
        { op: 'putApp', id: '/t', version: 'v2', definition: { n: 2 } },
        { op: 'putInstance', appId: '/t', instanceId: 't.1', data: { slot: 1 } },
        { op: 'claimAddress', network: 'nw-t', address: '10.1.1.2', holder: { by: 'a' } },
        { op: 'claimAddress', network: 'nw-t', address: '10.1.1.1', holder: { by: 'a' } },
      ]),
      (err) => err instanceof AddressHeldError && JSON.stringify(err.holder) === '{"by":"b"}',
    );
    for (const s of [a, await fixture.open()]) {
      assert.deepEqual(await s.listAppVersions('/t'), ['v1']);
      assert.deepEqual(await s.listInstances('/t'), []);
      assert.deepEqual(await s.listClaims(), [{ network: 'nw-t', address: '10.1.1.1', holder: { by: 'b' } }]);
    }
    await a.transaction([
      { op: 'putApp', id: '/t', version: 'v2', definition: { n: 2 } },
      { op: 'putInstance', appId: '/t', instanceId: 't.1', data: { slot: 1 } },
      { op: 'claimAddress', network: 'nw-t', address: '10.1.1.2', holder: { by: 'a' } },
      { op: 'putDeployment', id: 'dep', data: { app: '/t' } },
      { op: 'setFrameworkId', frameworkId: 'fw-t' },
    ]);
    for (const s of [a, await fixture.open()]) {
      assert.deepEqual((await s.getApp('/t'))?.version, 'v2');
      assert.deepEqual(await s.listInstances('/t'), [{ appId: '/t', instanceId: 't.1', data: { slot: 1 } }]);
      assert.equal((await s.listClaims()).length, 2);
      assert.deepEqual(await s.listDeployments(), [{ id: 'dep', data: { app: '/t' } }]);
      assert.equal(await s.getFrameworkId(), 'fw-t');
    }
    // Later ops see earlier ones: delete and re-create in one transaction.
    await a.transaction([
      { op: 'deleteApp', id: '/t' },
      { op: 'putApp', id: '/t', version: 'v9', definition: { n: 9 } },
      { op: 'deleteInstance', appId: '/t', instanceId: 't.1' },
      { op: 'releaseAddress', network: 'nw-t', address: '10.1.1.2' },
    ]);
    const fresh = await fixture.open();
    assert.deepEqual(await fresh.listAppVersions('/t'), ['v9']);
    assert.deepEqual(await fresh.listInstances(), []);
    assert.deepEqual(await fresh.listClaims(), [{ network: 'nw-t', address: '10.1.1.1', holder: { by: 'b' } }]);
  });

  it('stores documents larger than 1 MiB (incompressible) and replaces and deletes them', async () => {
    const s = await fixture.open();
    const big = (n: number): Json => ({ blob: randomBytes(n).toString('base64'), env: { A: 'x'.repeat(1000) } });
    const v1 = big(1_200_000); // ~1.6 MB of base64, ~1.2 MB gzipped
    const v2 = big(900_000);
    await s.putApp('/big', 'v1', v1);
    await s.putApp('/big', 'v2', v2);
    await s.putInstance('/big', 'big.1', big(1_100_000));
    assert.deepEqual(await s.getAppVersion('/big', 'v1'), v1);
    const fresh = await fixture.open();
    assert.deepEqual(await fresh.getApp('/big'), { id: '/big', version: 'v2', definition: v2 });
    assert.deepEqual(await fresh.getAppVersion('/big', 'v1'), v1);
    assert.equal((await fresh.listInstances('/big')).length, 1);
    // Replacing a large document by a small one and deleting all of it.
    await s.putInstance('/big', 'big.1', { small: true });
    await s.deleteApp('/big');
    const last = await fixture.open();
    assert.equal(await last.getApp('/big'), undefined);
    assert.deepEqual(await last.listInstances('/big'), [{ appId: '/big', instanceId: 'big.1', data: { small: true } }]);
  });

  it('commits a transaction whose documents together exceed one ZooKeeper request', async () => {
    const s = await fixture.open();
    const doc = (): Json => ({ blob: randomBytes(300_000).toString('base64') });
    const docs = [doc(), doc(), doc(), doc()];
    await s.transaction(docs.map((data, i) => ({ op: 'putInstance' as const, appId: '/many', instanceId: `m.${i}`, data })));
    const fresh = await fixture.open();
    const got = (await fresh.listInstances('/many')).sort((a, b) => a.instanceId.localeCompare(b.instanceId));
    assert.deepEqual(got.map((x) => x.data), docs);
  });

  it('hands out copies: mutating a result or an argument does not change the store', async () => {
    const s = await fixture.open();
    const def = { labels: { a: '1' } };
    await s.putApp('/m', 'v1', def);
    def.labels.a = 'changed';
    const got = await s.getApp('/m');
    assert.deepEqual(got?.definition, { labels: { a: '1' } });
    (got?.definition as { labels: { a: string } }).labels.a = 'mutated';
    assert.deepEqual((await s.getApp('/m'))?.definition, { labels: { a: '1' } });
  });

  it('rejects empty ids with StoreInvalidError and changes nothing', async () => {
    const s = await fixture.open();
    await assert.rejects(s.putApp('', 'v1', {}), (err) => err instanceof StoreInvalidError && err.code === 'MVN_ERR_STORE_INVALID');
    await assert.rejects(
      s.transaction([
        { op: 'putInstance', appId: '/x', instanceId: 'x.1', data: 1 },
        { op: 'claimAddress', network: '', address: '10.0.0.1', holder: 1 },
      ]),
      StoreInvalidError,
    );
    assert.deepEqual(await s.listInstances(), []);
  });

  it('counts backend writes and refuses to work once closed', async () => {
    const s = await fixture.open();
    const before = s.counters();
    await s.putInstance('/c', 'c.1', { n: 1 });
    assert.ok(s.counters().writes > before.writes);
    await s.close();
    await assert.rejects(s.getApp('/c'), StoreUnavailableError);
    await assert.rejects(s.putApp('/c', 'v', {}), (err) => err instanceof StoreUnavailableError && err.code === 'MVN_ERR_STORE_UNAVAILABLE');
    await s.close();
  });
}
