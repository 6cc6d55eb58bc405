// The embedded OpenVNet webapi's answer to an unexpected failure: a generic 500 with an id, the
// real error (message and stack) only in the log under that id.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createVnetApiServer } from '../../src/sim/openvnet/server';

const SECRET_DETAIL = "EACCES: permission denied, open '/srv/very-secret-dir/state.json'";

describe('openvnet webapi: internal errors', () => {
  it('answers 500 with an id only; the log holds the id with the real error and its stack', async () => {
    const lines: string[] = [];
    const stream = new Writable({ write(chunk: Buffer, _enc, cb) { lines.push(chunk.toString()); cb(); } });
    const app = createVnetApiServer({
      logger: { level: 'error', stream },
      // a network created without a uuid draws a random suffix: make that fail like a broken dependency
      deps: { randomSuffix: () => { throw new Error(SECRET_DETAIL); } },
    });
    try {
      await app.ready();
      const res = await app.inject({
        method: 'POST', url: '/api/networks',
        payload: 'display_name=x&ipv4_network=10.0.0.0', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(res.statusCode, 500);
      const body = JSON.parse(res.body) as { error: string; message: string; code: string };
      assert.equal(body.code, '500');
      assert.equal(body.error, 'RuntimeError');
      const m = /^Internal server error \(id ([0-9a-f]{12})\)$/.exec(body.message);
      assert.ok(m, body.message);
      assert.ok(!res.body.includes('very-secret-dir') && !res.body.includes('EACCES'), res.body);
      assert.doesNotMatch(res.body, /\n\s+at |\bat [\w.<>]+ \(/, 'no stack frame in the answer');
      const logged = lines.join('');
      assert.ok(logged.includes(m[1]), 'the id is in the log');
      assert.ok(logged.includes('very-secret-dir'), 'the real error is in the log');
    } finally {
      await app.close();
    }
  });

  it('OpenVNet-shaped 500s (unique violation) keep their wire text: clients rely on it', async () => {
    const app = createVnetApiServer();
    try {
      await app.ready();
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      const dp = (uuid: string): string => `uuid=${uuid}&display_name=h&dpid=0xaaaa&node_id=vna`;
      assert.equal((await app.inject({ method: 'POST', url: '/api/datapaths', payload: dp('dp-one'), headers: form })).statusCode, 200);
      const res = await app.inject({ method: 'POST', url: '/api/datapaths', payload: dp('dp-two'), headers: form });
      assert.equal(res.statusCode, 500);
      const body = JSON.parse(res.body) as { error: string; message: string; code: string };
      assert.equal(body.error, 'Sequel::UniqueConstraintViolation');
      assert.match(body.message, /^Duplicate entry /);
    } finally {
      await app.close();
    }
  });
});
