// Storage versions: empty state is stamped, older state migrated step by step, newer state refused
// (nothing written; serve exits 3 with the reason); the file store written by release 0.1.0
// (test/fixtures/state-v1) loads after its migration.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemoryStore } from '../../src/state/memory-store';
import { openVersionedStore } from '../../src/state/open-store';
import {
  ensureStorageVersion, STORAGE_VERSION, STORAGE_VERSION_EXIT_CODE, StorageVersionError, type Migration,
} from '../../src/state/storage-version';
import { assertV1Contents, copyFileFixture } from '../helpers/state-fixtures';

const BIN = path.resolve(__dirname, '..', '..', '..', 'src', 'bin', 'marathon-vnet.js');
const quiet = { info: () => undefined };

describe('state: storage version', () => {
  let tmp = '';
  beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mvn-storage-version-')); });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('stamps an empty state with the current version', async () => {
    const store = new MemoryStore();
    assert.deepEqual(await ensureStorageVersion(store, 'memory:'), { from: 'empty', to: STORAGE_VERSION });
    assert.equal(await store.getStorageVersion(), STORAGE_VERSION);
    const writes = store.counters().writes;
    assert.deepEqual(await ensureStorageVersion(store, 'memory:'), { from: STORAGE_VERSION, to: STORAGE_VERSION });
    assert.equal(store.counters().writes, writes, 'the current version writes nothing');
  });

  it('takes state without a version document for version 1 and migrates it', async () => {
    const store = new MemoryStore();
    await store.setFrameworkId('fw-1');
    assert.equal(await store.getStorageVersion(), undefined);
    assert.deepEqual(await ensureStorageVersion(store, 'memory:'), { from: 1, to: STORAGE_VERSION });
    assert.equal(await store.getStorageVersion(), STORAGE_VERSION);
    assert.equal(await store.getFrameworkId(), 'fw-1');
  });

  it('runs each migration in order, each with its own version stamp, and resumes after a failed step', async () => {
    const store = new MemoryStore();
    await store.setFrameworkId('fw-1');
    const ran: number[] = [];
    let failAt3 = true;
    const migrations: Record<number, Migration> = {
      1: async () => { ran.push(1); return [{ op: 'putDeployment', id: 'from-1', data: { step: 1 } }]; },
      2: async (s) => { ran.push(2); assert.equal(await s.getStorageVersion(), 2); return []; },
      3: async () => { ran.push(3); if (failAt3) throw new Error('step 3 failed'); return []; },
    };
    await assert.rejects(ensureStorageVersion(store, 'memory:', 4, migrations), /step 3 failed/);
    assert.equal(await store.getStorageVersion(), 3, 'the steps done stay done');
    failAt3 = false;
    assert.deepEqual(await ensureStorageVersion(store, 'memory:', 4, migrations), { from: 3, to: 4 });
    assert.deepEqual(ran, [1, 2, 3, 3]);
    assert.deepEqual((await store.listDeployments()).map((d) => d.id), ['from-1']);
  });

  it('refuses a newer version and writes nothing', async () => {
    const store = new MemoryStore();
    await store.transaction([{ op: 'setStorageVersion', version: STORAGE_VERSION + 1 }, { op: 'setFrameworkId', frameworkId: 'fw-2' }]);
    const writes = store.counters().writes;
    await assert.rejects(ensureStorageVersion(store, 'zk://zk1:2181/mvn'), (err: unknown) => {
      assert.ok(err instanceof StorageVersionError);
      assert.equal(err.code, 'MVN_ERR_STORAGE_VERSION');
      assert.equal(err.exitCode, STORAGE_VERSION_EXIT_CODE);
      assert.match(err.message, new RegExp(`state zk://zk1:2181/mvn has storage version ${STORAGE_VERSION + 1}, newer than this release supports \\(${STORAGE_VERSION}\\)`));
      return true;
    });
    assert.equal(store.counters().writes, writes);
    assert.equal(await store.getStorageVersion(), STORAGE_VERSION + 1);
  });

  it('loads the file store written by release 0.1.0 after migrating it', async () => {
    const dir = copyFileFixture(tmp);
    assert.ok(!fs.existsSync(path.join(dir, 'storage-version.json')));
    const store = await openVersionedStore(`file:${dir}`, {}, quiet);
    try {
      assert.equal(await store.getStorageVersion(), STORAGE_VERSION);
      await assertV1Contents(store);
    } finally {
      await store.close();
    }
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'storage-version.json'), 'utf8')), { version: STORAGE_VERSION });
  });

  it('serve refuses newer state: exit 3, the reason on stderr, the state unchanged', () => {
    const dir = copyFileFixture(tmp);
    const newer = JSON.stringify({ version: STORAGE_VERSION + 7 });
    fs.writeFileSync(path.join(dir, 'storage-version.json'), newer);
    const before = fs.readdirSync(dir, { recursive: true }).length;
    const r = spawnSync(process.execPath, [BIN, 'serve', '--master', 'http://127.0.0.1:9', '--state', `file:${dir}`, '--http-port', '0', '--listen', '127.0.0.1'], {
      encoding: 'utf8', timeout: 30_000,
    });
    assert.equal(r.status, STORAGE_VERSION_EXIT_CODE, r.stderr);
    assert.match(r.stderr, new RegExp(`marathon-vnet: state file:${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has storage version ${STORAGE_VERSION + 7}, newer than this release supports \\(${STORAGE_VERSION}\\)`));
    assert.equal(fs.readFileSync(path.join(dir, 'storage-version.json'), 'utf8'), newer);
    assert.equal(fs.readdirSync(dir, { recursive: true }).length, before);
  });
});
