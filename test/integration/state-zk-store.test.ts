// ZkStore against a real standalone ZooKeeper: the StateStore contract, the layout, ACLs,
// blobs for large documents, watches between instances, and recovery from session expiry.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as zookeeper from 'node-zookeeper-client';
import { ZkStore, ZkStoreOptions } from '../../src/state/zk-store';
import { openStore } from '../../src/state/open-store';
import { StateStore, StoreFencedError, StoreUnavailableError } from '../../src/state/store';
import { ZkLeaderElection } from '../../src/state/leader-election';
import { eventually, stateStoreContract } from '../helpers/state-contract';
import { ZooKeeperCluster, expireSession, startZooKeeper } from '../helpers/zookeeper';
import { describeNeeding } from '../helpers/requires';

const FAST: ZkStoreOptions = { operationTimeoutMs: 2000, sessionTimeoutMs: 2000, connectTimeoutMs: 5000 };

function rawClient(connectString: string, auth?: string): Promise<zookeeper.Client> {
  const client = zookeeper.createClient(connectString, { sessionTimeout: 5000 });
  if (auth) client.addAuthInfo('digest', Buffer.from(auth));
  return new Promise((resolve) => {
    client.once('connected', () => resolve(client));
    client.connect();
  });
}

function call<T>(fn: (cb: (err: unknown, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

describeNeeding(['zookeeper'], 'state: ZooKeeper store (standalone)', function () {
  this.timeout(30_000);
  let zk: ZooKeeperCluster;
  let raw: zookeeper.Client;
  let n = 0;
  const chroot = () => `/mvn-${zk.runId}-${n++}`;
  // Stores opened by a test, closed even when it fails (an open session would keep reconnecting).
  let opened: StateStore[] = [];
  const open = async (url: string, options: ZkStoreOptions = FAST): Promise<ZkStore> => {
    const store = (await openStore(url, options)) as ZkStore;
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(opened.map((s) => s.close()));
    opened = [];
  });

  before(async function () {
    zk = await startZooKeeper();
    raw = await rawClient(zk.connectString);
  });

  after(async () => {
    raw?.close();
    if (zk) {
      await zk.stop();
      assert.deepEqual(zk.alivePids(), []);
      assert.equal(fs.existsSync(zk.dir), false);
    }
  });

  describe('StateStore contract', () => {
    stateStoreContract(async () => {
      const url = zk.url(chroot());
      const opened: StateStore[] = [];
      return {
        async open(options) {
          const store = await ZkStore.open(url, { ...FAST, maxVersions: options?.maxVersions });
          opened.push(store);
          return store;
        },
        async dispose() {
          await Promise.all(opened.map((s) => s.close()));
        },
      };
    });
  });

  it('lays documents out under <path>/state as DESIGN §6 says', async () => {
    const root = chroot();
    const s = await open(zk.url(root));
    await s.transaction([
      { op: 'setFrameworkId', frameworkId: 'fw' },
      { op: 'putApp', id: '/web', version: 'v1', definition: { cmd: 'x' } },
      { op: 'putInstance', appId: '/web', instanceId: 'web.1', data: {} },
      { op: 'putDeployment', id: 'd1', data: {} },
      { op: 'claimAddress', network: 'nw-1', address: '10.0.0.1', holder: 'web.1' },
    ]);
    const children = (p: string) => call<string[]>((cb) => raw.getChildren(`${root}${p}`, cb)).then((c) => c.sort());
    assert.deepEqual(await children('/state'), ['apps', 'deployments', 'framework-id', 'groups', 'instances', 'ipam']);
    assert.deepEqual(await children('/state/apps'), ['%2Fweb']);
    assert.deepEqual(await children('/state/apps/%2Fweb'), ['v1']);
    assert.deepEqual(await children('/state/instances/%2Fweb'), ['web.1']);
    assert.deepEqual(await children('/state/ipam/nw-1'), ['10.0.0.1']);
    assert.deepEqual(await children('/state/deployments'), ['d1']);
    const fw = await call<Buffer>((cb) => raw.getData(`${root}/state/framework-id`, cb));
    assert.equal(fw.toString(), '"fw"');
    // Releasing the last address of a network removes the network's node too.
    await s.releaseAddress('nw-1', '10.0.0.1');
    assert.deepEqual(await children('/state/ipam'), []);
    await s.close();
  });

  it('keeps large documents in blobs and leaves no orphan blobs behind', async () => {
    const root = chroot();
    const s = (await open(zk.url(root)));
    const big = { data: require('node:crypto').randomBytes(1_500_000).toString('base64') as string };
    await s.putApp('/big', 'v1', big);
    const blobs = () => call<string[]>((cb) => raw.getChildren(`${root}/blobs`, cb));
    assert.equal((await blobs()).length, 1);
    const node = await call<Buffer>((cb) => raw.getData(`${root}/state/apps/%2Fbig/v1`, cb));
    assert.ok(node.length < 1024, 'the document node holds only a manifest');
    await s.putApp('/big', 'v1', { data: 'small now' });
    assert.deepEqual(await blobs(), []);
    // An orphan (a writer died between blob and multi) is swept once old enough.
    await call((cb) => raw.create(`${root}/blobs/orphan`, cb));
    await call((cb) => raw.create(`${root}/blobs/orphan/000000`, Buffer.from('x'), cb));
    assert.equal(await s.sweepBlobs(60_000), 0, 'too young');
    assert.equal(await s.sweepBlobs(0), 1);
    assert.deepEqual(await blobs(), []);
    await s.close();
  });

  it('creates nodes with CREATOR_ALL when the URL carries credentials', async () => {
    const root = chroot();
    const url = zk.url(root, { user: 'mvn', password: 's3cr:et' });
    const s = await open(url);
    await s.putDeployment('d', { x: 1 });
    const authed = await rawClient(zk.connectString, 'mvn:s3cr:et');
    const acls = await call<zookeeper.ACL[]>((cb) => authed.getACL(`${root}/state/deployments/d`, cb)).finally(() => authed.close());
    assert.equal(acls.length, 1);
    assert.equal(acls[0].id.scheme, 'digest');
    assert.match(acls[0].id.id, /^mvn:/);
    await assert.rejects(
      call((cb) => raw.getData(`${root}/state/deployments/d`, cb)),
      (err: { code?: number }) => err.code === zookeeper.Exception.NO_AUTH,
    );
    const again = await open(url);
    assert.deepEqual(await again.listDeployments(), [{ id: 'd', data: { x: 1 } }]);
    await assert.rejects(open(zk.url(root)), StoreUnavailableError);
    await Promise.all([s.close(), again.close()]);
  });

  it('sees other instances\u2019 writes through watches', async () => {
    const url = zk.url(chroot());
    const a = await open(url);
    const b = await open(url);
    await a.putApp('/w', 'v1', { n: 1 });
    await a.putInstance('/w', 'w.1', { s: 'running' });
    await eventually(async () => assert.deepEqual((await b.getApp('/w'))?.definition, { n: 1 }));
    await eventually(async () => assert.equal((await b.listInstances('/w')).length, 1));
    await a.putApp('/w', 'v2', { n: 2 });
    await a.deleteInstance('/w', 'w.1');
    await eventually(async () => assert.deepEqual(await b.listAppVersions('/w'), ['v1', 'v2']));
    await eventually(async () => assert.deepEqual(await b.listInstances(), []));
    // b writes on a stale view of a's app: the version check makes it re-read, nothing is lost.
    await Promise.all([a.putApp('/w', 'v3', { n: 3 }), b.putApp('/w', 'v4', { n: 4 })]);
    await eventually(async () => assert.deepEqual((await a.listAppVersions('/w')).slice(2).sort(), ['v3', 'v4']));
    await Promise.all([a.close(), b.close()]);
  });

  it('recovers from session expiry without a restart: new session, watches re-set, writes work', async () => {
    const url = zk.url(chroot());
    const a = await open(url);
    const b = await open(url);
    await a.putApp('/e', 'v1', { n: 1 });
    const before = a.session.sessionId;
    const credentials = a.session.credentials();
    assert.ok(credentials);
    await expireSession(zk.connectString, credentials);
    await eventually(async () => assert.notEqual(a.session.sessionId, before));
    await a.putApp('/e', 'v2', { n: 2 });
    await b.putInstance('/e', 'e.1', { from: 'b' });
    await eventually(async () => assert.deepEqual(await a.listInstances('/e'), [{ appId: '/e', instanceId: 'e.1', data: { from: 'b' } }]));
    await eventually(async () => assert.deepEqual(await b.listAppVersions('/e'), ['v1', 'v2']));
    await Promise.all([a.close(), b.close()]);
  });

  it('fences writes with the leader node: once it is gone nothing lands, large documents included', async () => {
    const url = zk.url(chroot());
    const store = await open(url);
    const election = await ZkLeaderElection.open(url, { id: '127.0.0.1:1', sessionTimeoutMs: 2000 });
    try {
      await eventually(async () => assert.equal(election.isLeader, true));
      const node = election.fencingNode();
      assert.ok(node !== null && node.startsWith(`${store.paths.leader}/c-`), String(node));
      store.fenceWith(node);
      assert.equal(store.fencingNode, node);
      await store.putApp('/f', 'v1', { n: 1 });
      // The leader node disappears (session expired, operator, abdication) while this instance
      // still believes it leads: its next writes must not land.
      await call<void>((cb) => raw.remove(node, -1, cb));
      await assert.rejects(store.putApp('/f', 'v2', { n: 2 }), (err) => err instanceof StoreFencedError && err.code === 'MVN_ERR_STORE_FENCED');
      await assert.rejects(store.putDeployment('big', { pad: 'x'.repeat(3 * 1024 * 1024) }), StoreFencedError);
      await assert.rejects(store.claimAddress('nw-1', '10.0.0.5', { appId: '/f', slot: 0 }), StoreFencedError);
      // What another instance reads: only the write made while the node existed.
      const other = await open(url, { ...FAST });
      assert.deepEqual(await other.listAppVersions('/f'), ['v1']);
      assert.deepEqual(await other.listDeployments(), []);
      assert.deepEqual(await other.listClaims(), []);
      const blobs = await call<string[]>((cb) => raw.getChildren(store.paths.blobs, cb));
      assert.deepEqual(blobs, [], 'blobs written for a refused multi are dropped');
      // Re-elected with a new node: writes work again once fenced with it.
      await eventually(async () => assert.ok(election.isLeader && election.fencingNode() !== node));
      store.fenceWith(election.fencingNode() ?? undefined);
      await store.putApp('/f', 'v3', { n: 3 });
      assert.deepEqual(await store.listAppVersions('/f'), ['v1', 'v3']);
      store.fenceWith(undefined);
      await store.putApp('/f', 'v4', { n: 4 });
    } finally {
      await election.close();
    }
  });

  it('fails to open with StoreUnavailableError when nothing listens', async () => {
    await assert.rejects(
      openStore('zk://127.0.0.1:1/mvn', { ...FAST, connectTimeoutMs: 500 }),
      (err) => err instanceof StoreUnavailableError && err.code === 'MVN_ERR_STORE_UNAVAILABLE',
    );
  });
});
