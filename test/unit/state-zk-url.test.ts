import assert from 'node:assert/strict';
import { parseZkUrl, redact } from '../../src/state/zk-url';
import { parseStoreUrl } from '../../src/state/open-store';
import { StoreInvalidError } from '../../src/state/store';

describe('state: zk:// URL parsing', () => {
  const good: Array<[string, string, ReturnType<typeof parseZkUrl>]> = [
    ['one host', 'zk://zk1:2181/marathon-vnet', { servers: [{ host: 'zk1', port: 2181 }], connectString: 'zk1:2181', path: '/marathon-vnet' }],
    [
      'several hosts, nested path, trailing slash dropped',
      'zk://10.0.0.1:2181,10.0.0.2:2182,zk-3.example.com:2183/a/b/',
      {
        servers: [
          { host: '10.0.0.1', port: 2181 },
          { host: '10.0.0.2', port: 2182 },
          { host: 'zk-3.example.com', port: 2183 },
        ],
        connectString: '10.0.0.1:2181,10.0.0.2:2182,zk-3.example.com:2183',
        path: '/a/b',
      },
    ],
    ['port defaults to 2181', 'zk://zk1/m', { servers: [{ host: 'zk1', port: 2181 }], connectString: 'zk1:2181', path: '/m' }],
    [
      'credentials (password with ":" and percent-encoding)',
      'zk://mvn:pa:ss%40word@zk1:2181,zk2:2181/m',
      {
        servers: [
          { host: 'zk1', port: 2181 },
          { host: 'zk2', port: 2181 },
        ],
        connectString: 'zk1:2181,zk2:2181',
        path: '/m',
        auth: { user: 'mvn', password: 'pa:ss@word' },
      },
    ],
  ];
  for (const [why, url, expected] of good) {
    it(`accepts ${why}`, () => assert.deepEqual(parseZkUrl(url), expected));
  }

  const bad: Array<[string, string, RegExp]> = [
    ['another scheme', 'http://zk1:2181/m', /expected zk:\/\//],
    ['no path', 'zk://zk1:2181', /path is required/],
    ['root path', 'zk://zk1:2181/', /path is required/],
    ['no host', 'zk:///m', /no host/],
    ['empty host in list', 'zk://zk1:2181,,zk2:2181/m', /empty host/],
    ['bad port', 'zk://zk1:21a81/m', /bad port/],
    ['port out of range', 'zk://zk1:70000/m', /out of range/],
    ['IPv6 literal', 'zk://[::1]:2181/m', /IPv6/],
    ['user without password', 'zk://mvn@zk1:2181/m', /user:password/],
    ['empty password', 'zk://mvn:@zk1:2181/m', /must not be empty/],
    ['dot segment', 'zk://zk1:2181/a/../b', /not allowed/],
    ['empty segment', 'zk://zk1:2181/a//b', /empty path segment/],
    ['reserved /zookeeper', 'zk://zk1:2181/zookeeper/x', /reserved/],
    ['query string', 'zk://zk1:2181/m?x=1', /query/],
  ];
  for (const [why, url, message] of bad) {
    it(`rejects ${why}`, () => assert.throws(() => parseZkUrl(url), (err) => err instanceof StoreInvalidError && message.test(err.message)));
  }

  it('never puts the password into error messages', () => {
    assert.throws(() => parseZkUrl('zk://mvn:hunter2@zk1:99999/m'), (err: Error) => !err.message.includes('hunter2') && err.message.includes('***'));
    assert.equal(redact('zk://u:p@h:1/m'), 'zk://u:***@h:1/m');
  });
});

describe('state: store URL parsing', () => {
  it('maps memory:, file: and zk:// to their stores', () => {
    assert.deepEqual(parseStoreUrl('memory:'), { kind: 'memory' });
    assert.deepEqual(parseStoreUrl('file:/var/lib/mvn'), { kind: 'file', dir: '/var/lib/mvn' });
    assert.deepEqual(parseStoreUrl('file:rel/dir'), { kind: 'file', dir: 'rel/dir' });
    assert.deepEqual(parseStoreUrl('file:///abs/dir'), { kind: 'file', dir: '/abs/dir' });
    assert.equal(parseStoreUrl('zk://zk1:2181/m').kind, 'zk');
  });
  for (const url of ['file:', 'file://host/dir', 'redis://x', '/plain/path']) {
    it(`rejects ${url}`, () => assert.throws(() => parseStoreUrl(url), StoreInvalidError));
  }
});
