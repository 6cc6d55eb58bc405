// The ZooKeeper state written by release 0.1.0 (test/fixtures/state-v1/zk.json, its nodes as they
// were) loads after migration to the current storage version, in a private chroot of a private
// ZooKeeper.
import assert from 'node:assert/strict';
import * as zookeeper from 'node-zookeeper-client';
import { openVersionedStore } from '../../src/state/open-store';
import { STORAGE_VERSION } from '../../src/state/storage-version';
import { assertV1Contents, zkFixture } from '../helpers/state-fixtures';
import { describeNeeding } from '../helpers/requires';
import { ZooKeeperCluster, startZooKeeper } from '../helpers/zookeeper';

function createAll(connect: string, root: string, nodes: Array<[string, Buffer | null]>): Promise<void> {
  const client = zookeeper.createClient(connect);
  return new Promise<void>((resolve, reject) => {
    client.once('connected', () => {
      const next = (i: number): void => {
        if (i === nodes.length) { client.close(); resolve(); return; }
        const [p, data] = nodes[i] as [string, Buffer | null];
        client.mkdirp(`${root}${p}`, data ?? undefined as unknown as Buffer, (err) => {
          if (err) { client.close(); reject(err); return; }
          if (data === null) { next(i + 1); return; }
          client.setData(`${root}${p}`, data, -1, (e) => { if (e) { client.close(); reject(e); } else next(i + 1); });
        });
      };
      next(0);
    });
    client.connect();
  });
}

describeNeeding(['zookeeper'], 'state: storage version on ZooKeeper (release 0.1.0 fixture)', function () {
  this.timeout(90_000);
  let zk: ZooKeeperCluster;
  before(async () => { zk = await startZooKeeper(); });
  after(async () => { await zk?.stop(); });

  it('migrates the 0.1.0 layout and loads everything it held', async () => {
    await createAll(zk.connectString, '/mvn-v1', zkFixture());
    const store = await openVersionedStore(zk.url('/mvn-v1'), {}, { info: () => undefined });
    try {
      assert.equal(await store.getStorageVersion(), STORAGE_VERSION);
      await assertV1Contents(store);
    } finally {
      await store.close();
    }
  });
});
