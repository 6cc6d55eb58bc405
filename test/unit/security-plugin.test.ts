// registerSecurity + secureErrorHandler on a bare Fastify app, through inject(): auth, public
// routes, CORS, limits, error ids, headers. The real server is covered in test/integration.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import Fastify, { type FastifyError } from 'fastify';
import pino from 'pino';
import { ApiError, InvalidJsonError } from '../../src/server/errors';
import { parseOriginList } from '../../src/server/security/cors';
import { basicAuthorization, CredentialStore } from '../../src/server/security/credentials';
import { secureErrorHandler } from '../../src/server/security/error-handler';
import { registerSecurity, type AnyFastify, type SecurityOptions } from '../../src/server/security/plugin';

const PASSWORD = 'unit-Pw-91c2';
const GOOD = basicAuthorization({ username: 'ops', password: PASSWORD });
const BAD = basicAuthorization({ username: 'ops', password: 'wrong-guess' });

async function build(opts: SecurityOptions, lines: string[]): Promise<AnyFastify<pino.Logger>> {
  const sink = new Writable({ write(chunk: Buffer, _enc, cb) { lines.push(chunk.toString()); cb(); } });
  const app = Fastify({ loggerInstance: pino({ level: 'info' }, sink) });
  registerSecurity(app, opts);
  // A stand-in for the API's handler: ApiErrors as they are, anything else as an internal error.
  app.setErrorHandler(secureErrorHandler((err: FastifyError | Error, req, reply) => {
    const e = err instanceof ApiError ? err : new InvalidJsonError(err.message);
    if (e.status >= 500) req.log.error({ err }, 'request failed');
    void reply.code(e.status).send(e.toMarathonBody());
  }));
  app.get('/ping', async () => 'pong');
  app.get('/metrics', async () => 'm 1');
  app.get('/v2/apps', async () => ({ apps: [] }));
  app.post('/v2/apps', async (req) => ({ got: req.body }));
  app.get('/v2/boom', async () => { throw new Error('db password=hunter2 leaked at /srv/x.js:12'); });
  await app.ready();
  return app;
}

describe('security: registerSecurity', () => {
  const lines: string[] = [];
  let app: AnyFastify<pino.Logger>;
  before(async () => {
    app = await build({
      credentials: new CredentialStore([{ username: 'ops', password: PASSWORD }]),
      realm: 'Test Realm',
      cors: parseOriginList('https://ui.example'),
      bodyLimit: 2048,
      jsonLimits: { maxDepth: 6, maxArrayLength: 50 },
    }, lines);
  });
  after(async () => { await app.close(); });

  it('401 with a Basic challenge without credentials, and with a wrong password', async () => {
    for (const headers of [{}, { authorization: BAD }, { authorization: 'Bearer x' }]) {
      const r = await app.inject({ method: 'GET', url: '/v2/apps', headers });
      assert.equal(r.statusCode, 401);
      assert.equal(r.headers['www-authenticate'], 'Basic realm="Test Realm", charset="UTF-8"');
      assert.match(r.json<{ message: string }>().message, /^Unauthorized/);
    }
  });

  it('200 with valid credentials', async () => {
    const r = await app.inject({ method: 'GET', url: '/v2/apps', headers: { authorization: GOOD } });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), { apps: [] });
  });

  it('/ping is public, /metrics is not (without metrics_public), unknown routes need credentials too', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/ping' })).statusCode, 200);
    assert.equal((await app.inject({ method: 'HEAD', url: '/ping' })).statusCode, 200);
    assert.equal((await app.inject({ method: 'POST', url: '/ping' })).statusCode, 401);
    assert.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
    assert.equal((await app.inject({ method: 'GET', url: '/v2/nothing-here' })).statusCode, 401);
  });

  it('/metrics is public with metricsPublic', async () => {
    const other = await build({ credentials: new CredentialStore([{ username: 'a', password: 'b' }]), metricsPublic: true }, []);
    try {
      assert.equal((await other.inject({ method: 'GET', url: '/metrics' })).statusCode, 200);
      assert.equal((await other.inject({ method: 'GET', url: '/v2/apps' })).statusCode, 401);
    } finally {
      await other.close();
    }
  });

  it('no credentials configured: everything is open', async () => {
    const open = await build({}, []);
    try {
      assert.equal((await open.inject({ method: 'GET', url: '/v2/apps' })).statusCode, 200);
    } finally {
      await open.close();
    }
  });

  it('answers an allowed preflight without credentials; refuses cross-origin writes before auth', async () => {
    const pre = await app.inject({ method: 'OPTIONS', url: '/v2/apps', headers: { origin: 'https://ui.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    assert.equal(pre.statusCode, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'https://ui.example');
    assert.equal(pre.headers['access-control-allow-methods'], 'GET, HEAD, OPTIONS');
    assert.equal(pre.headers['access-control-allow-credentials'], 'true');
    const write = await app.inject({ method: 'POST', url: '/v2/apps', headers: { origin: 'https://ui.example', authorization: GOOD }, payload: { id: 'x' } });
    assert.equal(write.statusCode, 403);
    assert.match(write.json<{ message: string }>().message, /GET, HEAD and OPTIONS/);
    const read = await app.inject({ method: 'GET', url: '/v2/apps', headers: { origin: 'https://ui.example', authorization: GOOD } });
    assert.equal(read.statusCode, 200);
    assert.equal(read.headers['access-control-allow-origin'], 'https://ui.example');
    assert.equal(read.headers.vary, 'Origin');
  });

  it('413 above the body limit, by Content-Length and by size', async () => {
    const big = JSON.stringify({ id: 'x', pad: 'y'.repeat(4096) });
    const r = await app.inject({ method: 'POST', url: '/v2/apps', headers: { authorization: GOOD, 'content-type': 'application/json' }, payload: big });
    assert.equal(r.statusCode, 413);
    assert.deepEqual(r.json(), { message: 'Request body is larger than 2048 bytes' });
    const ok = await app.inject({ method: 'POST', url: '/v2/apps', headers: { authorization: GOOD }, payload: { id: 'x' } });
    assert.equal(ok.statusCode, 200);
  });

  it('400 with a path for too deep or too long JSON', async () => {
    const deep = await app.inject({ method: 'POST', url: '/v2/apps', headers: { authorization: GOOD }, payload: { a: { b: { c: { d: { e: { f: {} } } } } } } });
    assert.equal(deep.statusCode, 400);
    assert.deepEqual(deep.json(), { message: 'Invalid JSON', details: [{ path: '/a/b/c/d/e/f', errors: ['nested deeper than 6 levels'] }] });
    const long = await app.inject({ method: 'POST', url: '/v2/apps', headers: { authorization: GOOD }, payload: { ids: Array.from({ length: 51 }, () => 1) } });
    assert.equal(long.statusCode, 400);
    assert.equal(long.json<{ details: Array<{ path: string }> }>().details[0].path, '/ids');
  });

  it('500 with a generic message and an id that is in the log with the real error', async () => {
    const r = await app.inject({ method: 'GET', url: '/v2/boom', headers: { authorization: GOOD } });
    assert.equal(r.statusCode, 500);
    const m = /^Internal server error \(id ([0-9a-f]{12})\)$/.exec(r.json<{ message: string }>().message);
    assert.ok(m, r.body);
    assert.ok(!r.body.includes('hunter2') && !r.body.includes('.js:') && !/\n\s+at /.test(r.body), r.body);
    const logged = lines.filter((l) => l.includes(m[1]));
    assert.ok(logged.some((l) => l.includes('hunter2') && l.includes('"stack"')), 'the log keeps the real error under the id');
  });

  it('security headers on every answer, 401 included', async () => {
    for (const url of ['/ping', '/v2/apps']) {
      const r = await app.inject({ method: 'GET', url });
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['x-frame-options'], 'DENY');
      assert.match(String(r.headers['content-security-policy']), /frame-ancestors 'none'/);
    }
  });

  it('never logs a password', () => {
    const all = lines.join('');
    assert.ok(all.includes('authentication failed'), 'a wrong password is logged as a failure');
    assert.ok(!all.includes(PASSWORD) && !all.includes('wrong-guess'));
    assert.ok(!all.includes(GOOD.slice(6)) && !all.includes(BAD.slice(6)), 'nor the encoded header');
  });
});
