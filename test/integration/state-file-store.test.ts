import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { FileStore, fileForKey } from '../../src/state/file-store';
import { openStore } from '../../src/state/open-store';
import { StateStore, StoreTimeoutError } from '../../src/state/store';
import { stateStoreContract } from '../helpers/state-contract';

const runId = randomBytes(3).toString('hex');
const base = fs.mkdtempSync(path.join(os.tmpdir(), `mvn-state-${runId}-`));
let counter = 0;

function newDir(): string {
  return path.join(base, `s${counter++}`);
}

describe('state: file store', () => {
  after(() => {
    fs.rmSync(base, { recursive: true, force: true });
    assert.equal(fs.existsSync(base), false);
  });

  describe('StateStore contract', () => {
    stateStoreContract(async () => {
      const dir = newDir();
      const opened: StateStore[] = [];
      return {
        async open(options) {
          const store = await FileStore.open(dir, { maxVersions: options?.maxVersions });
          opened.push(store);
          return store;
        },
        async dispose() {
          await Promise.all(opened.map((s) => s.close()));
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    });
  });

  it('keeps one file per document and no temp files, journal or lock after writes', async () => {
    const dir = newDir();
    const s = await openStore(`file:${dir}`);
    await s.transaction([
      { op: 'putApp', id: '/web', version: '2024-01-01T00:00:00Z', definition: { cmd: 'x' } },
      { op: 'putInstance', appId: '/web', instanceId: 'web.1', data: { n: 1 } },
      { op: 'claimAddress', network: 'nw-1', address: '10.0.0.1', holder: 'web.1' },
    ]);
    const files: string[] = [];
    const walk = (d: string, rel: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) walk(path.join(d, e.name), r);
        else files.push(r);
      }
    };
    walk(dir, '');
    assert.deepEqual(files.sort(), [
      'apps/%2Fweb.json',
      'apps/%2Fweb/2024-01-01T00%3A00%3A00Z.json',
      'instances/%2Fweb/web%2E1.json',
      'ipam/nw-1/10%2E0%2E0%2E1.json',
    ]);
    await s.deleteInstance('/web', 'web.1');
    assert.equal(fs.existsSync(path.join(dir, 'instances', '%2Fweb')), false, 'emptied directories are removed');
    await s.close();
  });

  it('replays a journal left by a crash between journal and files (all or nothing)', async () => {
    const dir = newDir();
    const s = await FileStore.open(dir);
    await s.putApp('/j', 'v1', { n: 1 });
    await s.close();
    // A crashed writer committed this journal but wrote none of its files.
    const journal = {
      entries: [
        { file: fileForKey(['apps', '/j']), content: JSON.stringify({ id: '/j', versions: ['v1', 'v2'] }) },
        { file: fileForKey(['apps', '/j', 'v2']), content: JSON.stringify({ n: 2 }) },
        { file: fileForKey(['deployments', 'd1']), content: null },
      ],
    };
    fs.writeFileSync(path.join(dir, '.txn.json'), JSON.stringify(journal));
    const reopened = await FileStore.open(dir);
    assert.deepEqual(await reopened.getApp('/j'), { id: '/j', version: 'v2', definition: { n: 2 } });
    assert.equal(fs.existsSync(path.join(dir, '.txn.json')), false);
    await reopened.close();
  });

  it('breaks the lock of a dead process and waits for a live one', async () => {
    const dir = newDir();
    const s = await FileStore.open(dir, { lockTimeoutMs: 300 });
    // A lock held by a process that no longer exists.
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => dead.on('exit', r));
    fs.writeFileSync(path.join(dir, '.lock'), `${dead.pid} deadbeef\n`);
    await s.putDeployment('d', { ok: true });
    assert.equal(fs.existsSync(path.join(dir, '.lock')), false);
    // A lock held by a live process (this one, another token) is waited for, then times out.
    fs.writeFileSync(path.join(dir, '.lock'), `${process.pid} other\n`);
    await assert.rejects(s.putDeployment('d', { ok: false }), (err) => err instanceof StoreTimeoutError && err.code === 'MVN_ERR_STORE_TIMEOUT');
    fs.unlinkSync(path.join(dir, '.lock'));
    assert.deepEqual(await s.listDeployments(), [{ id: 'd', data: { ok: true } }]);
    await s.close();
  });
});
