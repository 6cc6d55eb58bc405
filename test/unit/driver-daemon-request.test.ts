// The daemon's request parser (driver/daemon/server.ts) and the config's daemonSocket: pure.
import assert from 'node:assert/strict';
import { parseNetConf } from '../../driver/cni/config';
import { parseRequest } from '../../driver/daemon/server';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const client = require('../../../driver/bin/daemon-client.js') as { deadlineMs(conf: Record<string, unknown>): number; rawConnector(): unknown };

describe('driver: daemon request and daemonSocket (unit)', () => {
  it('takes only {v:1, env of CNI_* strings, stdin string, numeric deadlineAt}', () => {
    const ok = parseRequest(JSON.stringify({ v: 1, env: { CNI_COMMAND: 'ADD', CNI_CACHE_DIR: '/x' }, stdin: '{}', deadlineAt: 5 }));
    assert.deepEqual(ok, { env: { CNI_COMMAND: 'ADD', CNI_CACHE_DIR: '/x' }, stdin: '{}', deadlineAt: 5 });
    const bad: unknown[] = [
      'x', null, [], { v: 2, env: {}, stdin: '', deadlineAt: 1 }, { v: 1, env: {}, stdin: 1, deadlineAt: 1 },
      { v: 1, env: {}, stdin: '', deadlineAt: '1' }, { v: 1, env: [], stdin: '', deadlineAt: 1 },
      { v: 1, env: { PATH: '/tmp' }, stdin: '', deadlineAt: 1 }, { v: 1, env: { CNI_COMMAND: 1 }, stdin: '', deadlineAt: 1 },
      { v: 1, env: { LD_PRELOAD: 'x' }, stdin: '', deadlineAt: 1 },
    ];
    for (const b of bad) assert.equal(typeof parseRequest(typeof b === 'string' ? b : JSON.stringify(b)), 'string', JSON.stringify(b));
  });

  it('daemonSocket must be a plain absolute path a unix socket can have', () => {
    const base = { cniVersion: '0.4.0', name: 'nw-a', type: 'vnet-driver', bridge: 'br0', subnet: '10.0.0.0/24' };
    assert.deepEqual(parseNetConf({ ...base, daemonSocket: '/run/x/d.sock' }, { hostName: 'h', lenient: true }).problems, []);
    for (const s of ['run/d.sock', '/run/../etc/d', `/${'a'.repeat(100)}`, 5, '/run/a b']) {
      assert.throws(() => parseNetConf({ ...base, daemonSocket: s }, { hostName: 'h' }), /daemonSocket/, String(s));
    }
  });

  it('the thin plugin waits the deadline the driver would use', () => {
    assert.equal(client.deadlineMs({}), 60000);
    assert.equal(client.deadlineMs({ deadlineMs: 2500 }), 2500);
    assert.equal(client.deadlineMs({ deadlineMs: 5 }), 60000);
    assert.equal(client.deadlineMs({ dhcp: { timeoutMs: 90000 } }), 100000);
  });

  it('on the node majors it knows (20-24), the thin plugin finds the pipe binding of node in the shape it uses', () => {
    // Else it silently takes node:net (~10-15 ms CPU dearer per call): a node upgrade that changes
    // the binding shows here first.
    const major = Number(process.versions.node.split('.')[0]);
    if (major >= 20 && major <= 24) assert.equal(typeof client.rawConnector(), 'function');
    else assert.equal(client.rawConnector(), null);
  });
});
