import assert from 'node:assert/strict';
import { isLoopback, parseListen } from '../../src/cli/vnet-api';

describe('vnet-api --listen', () => {
  const rows: Array<[string, string, { host: string; port: number } | null]> = [
    ['host and port', '127.0.0.1:9090', { host: '127.0.0.1', port: 9090 }],
    ['port only binds loopback', '9090', { host: '127.0.0.1', port: 9090 }],
    ['empty host binds loopback', ':9091', { host: '127.0.0.1', port: 9091 }],
    ['any address', '0.0.0.0:9090', { host: '0.0.0.0', port: 9090 }],
    ['bracketed IPv6', '[::1]:9090', { host: '::1', port: 9090 }],
    ['port 0 picks a free port', '127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['port out of range', '127.0.0.1:70000', null],
    ['no port', '127.0.0.1', null],
    ['shell metacharacters in the host', 'a;b:80', null],
  ];
  for (const [why, text, want] of rows) {
    it(why, () => {
      if (want === null) assert.throws(() => parseListen(text));
      else assert.deepEqual(parseListen(text), want);
    });
  }

  it('loopback detection drives the warning', () => {
    assert.equal(isLoopback('127.0.0.1'), true);
    assert.equal(isLoopback('127.1.2.3'), true);
    assert.equal(isLoopback('localhost'), true);
    assert.equal(isLoopback('::1'), true);
    assert.equal(isLoopback('0.0.0.0'), false);
    assert.equal(isLoopback('10.0.0.1'), false);
  });
});
