// The real serve (startServe + local master) behind its security layer over HTTP: 401/200 on
// every route family, public /ping, CORS preflight and read-only cross-origin access, 413,
// JSON depth limits, the event-stream subscriber cap, 500s with an id only, the marathon-node
// client with credentials, and no password or stack trace in any answer or log line.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { parseOriginList } from '../../src/server/security/cors';
import { CredentialStore } from '../../src/server/security/credentials';
import { MemoryStore } from '../../src/state/memory-store';
import { assertNoStack, basic, capturingLogger, request, type Reply } from './security-kit';
import { startCluster, type Cluster } from './serve-fixture';

const PASSWORD = 'serve-Pw-5d9e1';
const AUTH = { Authorization: basic('ops', PASSWORD) };

interface MarathonClient {
  apps: { create(body: unknown): Promise<Record<string, unknown>>; getList(): Promise<{ apps: Array<{ id: string }> }> };
  info: { get(): Promise<{ name: string }> };
  misc: { ping(): Promise<unknown> };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const marathonNode = require('marathon-node') as (url: string, opts?: unknown) => MarathonClient;

/** Opens an event stream and resolves once its head arrived; `close` ends it. */
function openStream(base: string, headers: Record<string, string>): Promise<{ status: number; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}/v2/events`, { headers: { Accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, close: () => req.destroy() });
    });
    req.on('error', (e) => { if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(e); });
  });
}

describe('security: serve over HTTP with credentials, CORS and limits', function () {
  this.timeout(30_000);
  let c: Cluster;
  let base: string;
  const log = capturingLogger();
  const answers: Reply[] = [];
  let failVersions = false;

  async function call(method: string, path: string, o: { headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
    const r = await request(base + path, { method, ...o });
    answers.push(r);
    return r;
  }

  before(async () => {
    const store = new MemoryStore();
    const listAppVersions = store.listAppVersions.bind(store);
    // A store failure the API does not expect: the client must see only a generic 500.
    store.listAppVersions = async (id: string) => {
      if (failVersions) throw new TypeError('cannot read versions: disk failure at /srv/state.js:12:7');
      return listAppVersions(id);
    };
    c = await startCluster({
      serve: {
        store, ui: true, logger: log.logger,
        security: {
          options: {
            credentials: new CredentialStore([{ username: 'ops', password: PASSWORD }, { username: 'viewer', password: 'v-2' }]),
            cors: parseOriginList('https://dash.example'),
            jsonLimits: { maxDepth: 12 },
            maxEventSubscribers: 2,
          },
        },
      },
    });
    base = c.serve.url;
  });
  after(async () => { await c?.close(); });

  const families: Array<[string, string, string?]> = [
    ['GET', '/v2/apps'], ['POST', '/v2/apps', '{"id":"/sec/a","cmd":"sleep 100","cpus":0.1,"mem":16,"instances":1}'],
    ['GET', '/v2/apps/sec/a'], ['PUT', '/v2/apps/sec/a', '{"instances":1}'], ['GET', '/v2/apps/sec/a/tasks'],
    ['GET', '/v2/apps/sec/a/versions'], ['POST', '/v2/apps/sec/a/restart', '{}'], ['GET', '/v2/tasks'],
    ['POST', '/v2/tasks/delete', '{"ids":[]}'], ['GET', '/v2/deployments'], ['GET', '/v2/groups'], ['GET', '/v2/groups/sec'],
    ['GET', '/v2/queue'], ['GET', '/v2/info'], ['GET', '/v2/leader'], ['GET', '/v2/plugins'], ['GET', '/v2/networks'],
    ['GET', '/metrics'], ['GET', '/'], ['GET', '/ui/'], ['GET', '/v2/no/such/route'],
    ['PATCH', '/v2/apps/sec/a?force=true', '{"instances":1}'], ['PATCH', '/v2/apps?force=true', '[{"id":"/sec/a","instances":1}]'],
    ['PUT', '/v2/apps?force=true', '[{"id":"/sec/a","instances":1}]'], ['GET', '/v2/apps/sec/*'],
    ['DELETE', '/v2/apps/sec/a/tasks'], ['DELETE', '/v2/queue/sec/a/delay'], ['DELETE', '/v2/deployments/no-such-deployment'],
    ['POST', '/v2/groups', '{"id":"/secg","apps":[]}'], ['PUT', '/v2/groups/secg', '{"scaleBy":2}'], ['DELETE', '/v2/groups/secg'],
    ['GET', '/v2/events'], ['DELETE', '/v2/apps/sec/a'],
  ];

  it('every route family: 401 with a Basic challenge without credentials', async () => {
    for (const [method, path, body] of families) {
      for (const headers of [{}, { Authorization: basic('ops', 'not-it') }, { Authorization: basic('nobody', PASSWORD) }] as Array<Record<string, string>>) {
        const r = await call(method, path, { headers, ...(body !== undefined ? { body } : {}) });
        assert.equal(r.status, 401, `${method} ${path}`);
        assert.equal(r.headers['www-authenticate'], 'Basic realm="Mesosphere", charset="UTF-8"');
      }
    }
    // Writes were refused: nothing was created.
    assert.deepEqual((await call('GET', '/v2/apps', { headers: AUTH })).json(), { apps: [] });
    assert.equal((await call('DELETE', '/v2/leader')).status, 401);
  });

  it('every route family answers normally with credentials', async () => {
    for (const [method, path, body] of families) {
      const r = await call(method, path, { headers: AUTH, ...(body !== undefined ? { body } : {}) });
      assert.notEqual(r.status, 401, `${method} ${path}`);
      // /ui/ is 503 when the UI was never built; everything else must work.
      if (path !== '/ui/') assert.ok(r.status < 500, `${method} ${path}: ${r.status} ${r.text}`);
    }
    const events = await openStream(base, AUTH);
    assert.equal(events.status, 200);
    events.close();
  });

  it('/ping is public', async () => {
    const r = await call('GET', '/ping');
    assert.equal(r.status, 200);
    assert.equal(r.text.replace(/"/g, ''), 'pong');
    assert.equal((await call('GET', '/ping', { headers: { Accept: 'text/plain' } })).text, 'pong');
  });

  it('CORS: preflight for GET from a listed origin, refused for writes and other origins', async () => {
    const pre = await call('OPTIONS', '/v2/apps', { headers: { Origin: 'https://dash.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'https://dash.example');
    assert.equal(pre.headers['access-control-allow-methods'], 'GET, HEAD, OPTIONS');
    assert.equal(pre.headers['access-control-allow-credentials'], 'true');
    assert.equal(pre.headers.vary, 'Origin');
    const put = await call('OPTIONS', '/v2/apps/x', { headers: { Origin: 'https://dash.example', 'Access-Control-Request-Method': 'PUT' } });
    assert.equal(put.status, 403);
    assert.equal(put.headers['access-control-allow-origin'], undefined);
    const other = await call('OPTIONS', '/v2/apps', { headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' } });
    assert.equal(other.status, 403);
    const read = await call('GET', '/v2/info', { headers: { ...AUTH, Origin: 'https://dash.example' } });
    assert.equal(read.status, 200);
    assert.equal(read.headers['access-control-allow-origin'], 'https://dash.example');
  });

  it('CORS: a cross-origin write is refused even with valid credentials; the same-origin UI may write', async () => {
    const app = '{"id":"/sec/cors","cmd":"sleep 100","cpus":0.1,"mem":16,"instances":0}';
    const cross = await call('POST', '/v2/apps', { headers: { ...AUTH, Origin: 'https://dash.example' }, body: app });
    assert.equal(cross.status, 403);
    assert.equal((await call('GET', '/v2/apps/sec/cors', { headers: AUTH })).status, 404);
    const same = await call('POST', '/v2/apps', { headers: { ...AUTH, Origin: base }, body: app });
    assert.equal(same.status, 201, same.text);
  });

  it('413 beyond the default 1 MiB body limit, and nothing is created', async () => {
    const body = JSON.stringify({ id: '/sec/big', cmd: 'sleep 1', labels: { pad: 'x'.repeat(1024 * 1024) } });
    const r = await call('POST', '/v2/apps', { headers: AUTH, body });
    assert.equal(r.status, 413);
    assert.deepEqual(r.json(), { message: 'Request body is larger than 1048576 bytes' });
    assert.equal((await call('GET', '/v2/apps/sec/big', { headers: AUTH })).status, 404);
  });

  it('400 for an app definition nested deeper than the limit, with its path', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 20; i++) deep = [deep];
    const r = await call('POST', '/v2/apps', { headers: AUTH, body: JSON.stringify({ id: '/sec/deep', cmd: 'sleep 1', labels: { a: deep } }) });
    assert.equal(r.status, 400);
    const body = r.json<{ message: string; details: Array<{ path: string; errors: string[] }> }>();
    assert.equal(body.message, 'Invalid JSON');
    assert.match(body.details[0].path, /^\/labels\/a(\(0\))+$/);
    assert.deepEqual(body.details[0].errors, ['nested deeper than 12 levels']);
  });

  it('event streams: 503 beyond the subscriber limit, a slot frees when a stream ends', async () => {
    const a = await openStream(base, AUTH);
    const b = await openStream(base, AUTH);
    assert.deepEqual([a.status, b.status], [200, 200]);
    const third = await call('GET', '/v2/events', { headers: { ...AUTH, Accept: 'text/event-stream' } });
    assert.equal(third.status, 503);
    assert.match(third.json<{ message: string }>().message, /Too many event stream subscribers \(limit 2\)/);
    assert.equal((await openStream(base, {})).status, 401, 'an unauthenticated client takes no slot');
    a.close();
    let again = { status: 0, close: () => undefined as void };
    for (let i = 0; i < 100 && again.status !== 200; i++) {
      again = await openStream(base, AUTH);
      if (again.status !== 200) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(again.status, 200);
    again.close();
    b.close();
  });

  it('an unexpected failure answers 500 with an id only; the log has the id and the real error', async () => {
    const created = await call('POST', '/v2/apps', { headers: AUTH, body: '{"id":"/sec/v","cmd":"sleep 100","cpus":0.1,"mem":16,"instances":0}' });
    assert.equal(created.status, 201, created.text);
    failVersions = true;
    try {
      const r = await call('GET', '/v2/apps/sec/v/versions', { headers: AUTH });
      assert.equal(r.status, 500);
      const m = /^Internal server error \(id ([0-9a-f]+)\)$/.exec(r.json<{ message: string }>().message);
      assert.ok(m, r.text);
      assert.ok(!r.text.includes('disk failure') && !r.text.includes('/srv/'), r.text);
      assert.ok(log.lines.some((l) => l.includes(m[1]) && l.includes('cannot read versions')), 'id and cause in the log');
    } finally {
      failVersions = false;
    }
  });

  it('marathon-node works with credentials and is refused without', async () => {
    const m = marathonNode(base, { auth: { user: 'viewer', pass: 'v-2' } });
    assert.equal((await m.info.get()).name, 'marathon');
    await m.apps.create({ id: '/sec/mn', cmd: 'sleep 100', cpus: 0.1, mem: 16, instances: 1 });
    assert.ok((await m.apps.getList()).apps.some((a) => a.id === '/sec/mn'));
    const anonymous = marathonNode(base);
    await assert.rejects(anonymous.info.get(), (err: { statusCode?: number }) => err.statusCode === 401);
    assert.equal(await anonymous.misc.ping(), 'pong');
  });

  it('security headers on API answers; the UI keeps its own CSP', async () => {
    const api = await call('GET', '/v2/info', { headers: AUTH });
    assert.equal(api.headers['x-content-type-options'], 'nosniff');
    assert.equal(api.headers['x-frame-options'], 'DENY');
    assert.equal(api.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'");
    const ui = await call('GET', '/ui/', { headers: { ...AUTH, Accept: 'text/html' } });
    assert.match(String(ui.headers['content-security-policy']), /script-src 'self'/);
  });

  it('no answer carried a password or a stack trace; no log line a password', () => {
    for (const r of answers) {
      assert.ok(!r.text.includes(PASSWORD), r.text.slice(0, 200));
      assertNoStack(r.text);
    }
    const logs = log.lines.join('');
    assert.ok(!logs.includes(PASSWORD));
    assert.ok(!logs.includes(Buffer.from(`ops:${PASSWORD}`).toString('base64')));
    assert.ok(logs.includes('authentication failed'));
  });
});
