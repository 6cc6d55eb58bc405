// The leader-forwarding client over real HTTPS between two servers on 127.0.0.1, each behind
// registerSecurity: the caller's credentials or the instance's own, a private CA, host-name
// checks (and Marathon's ignore-hostname switch), streamed bodies and event streams, no loops.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { CredentialStore } from '../../src/server/security/credentials';
import { createForwarder, LEADER_HEADER, type ForwardOptions, type Forwarder } from '../../src/server/security/forward';
import { registerSecurity } from '../../src/server/security/plugin';
import { listenApi, loadTlsMaterial } from '../../src/server/security/tls';
import { basic, makeCert, privateDir, request, type CertFiles } from './security-kit';

const LEADER_PW = 'leader-Pw-4e1';
const USER_PW = 'user-Pw-93a';

interface Node { app: FastifyInstance; url: string; hostPort: string; hits: string[] }

async function startNode(cert: CertFiles, users: CredentialStore, leader?: { hostPort: () => string; options: ForwardOptions }): Promise<Node & { forwarder?: Forwarder }> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  registerSecurity(app, { credentials: users });
  const hits: string[] = [];
  let forwarder: Forwarder | undefined;
  if (leader !== undefined) {
    forwarder = createForwarder(leader.options);
    const f = forwarder;
    app.addHook('onRequest', async (req, reply) => {
      if (req.url === '/ping') return undefined;
      if (await f.forward(req, reply, leader.hostPort())) return reply;
      return reply.code(503).send({ message: 'There is no leader' });
    });
    app.addHook('onClose', async () => f.close());
  }
  app.get('/v2/info', async (req) => ({ who: 'leader', user: Buffer.from((req.headers.authorization ?? '').slice(6), 'base64').toString().split(':')[0], via: req.headers['x-marathon-via'] ?? null }));
  app.post('/v2/apps', async (req, reply) => { hits.push('POST'); return reply.code(201).header('Location', '/x').send({ echoed: req.body }); });
  app.get('/v2/events', async (req, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'Content-Type': 'text/event-stream' });
    for (let i = 1; i <= 3; i++) reply.raw.write(`event: tick\ndata: {"n":${i}}\n\n`);
    reply.raw.end();
  });
  app.addHook('onRequest', async (req) => { hits.push(`${req.method} ${req.url}`); });
  const { tls } = loadTlsMaterial({ certFile: cert.cert, keyFile: cert.key });
  const l = await listenApi(app, { httpPort: 0, host: '127.0.0.1', https: { tls, port: 0 }, disableHttp: true });
  return { app, url: l.url, hostPort: `127.0.0.1:${l.port}`, hits, ...(forwarder !== undefined ? { forwarder } : {}) };
}

describe('security: leader forwarding over HTTPS with credentials', function () {
  this.timeout(30_000);
  const { dir } = privateDir('fwd');
  let cert: CertFiles;
  let otherName: CertFiles;
  let leader: Node;
  const followers: Node[] = [];
  const users = new CredentialStore([{ username: 'alice', password: USER_PW }]);

  before(async () => {
    cert = await makeCert(dir, 'local');
    otherName = await makeCert(dir, 'other', ['leader.other.example']);
    leader = await startNode(cert, new CredentialStore([{ username: 'alice', password: USER_PW }, { username: 'follower', password: LEADER_PW }]));
  });
  after(async () => {
    for (const f of followers) await f.app.close().catch(() => undefined);
    await leader?.app.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(fs.existsSync(dir), false);
  });

  async function follower(options: ForwardOptions, target: () => string = () => leader.hostPort): Promise<Node> {
    const f = await startNode(cert, users, { hostPort: target, options });
    followers.push(f);
    return f;
  }

  it('passes the caller’s credentials on, over HTTPS trusting a private CA, and marks the hop', async () => {
    const f = await follower({ protocol: 'https', ca: cert.certPem, self: 'follower-1' });
    const r = await request(`${f.url}/v2/info`, { ca: cert.certPem, headers: { Authorization: basic('alice', USER_PW) } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), { who: 'leader', user: 'alice', via: 'follower-1' });
    assert.equal(r.headers[LEADER_HEADER], `https://${leader.hostPort}`);
  });

  it('streams a request body to the leader and its status, headers and body back', async () => {
    const f = await follower({ protocol: 'https', ca: cert.certPem });
    const body = JSON.stringify({ id: '/fwd', pad: 'x'.repeat(200_000) });
    const r = await request(`${f.url}/v2/apps`, { method: 'POST', body, ca: cert.certPem, headers: { Authorization: basic('alice', USER_PW) } });
    assert.equal(r.status, 201);
    assert.equal(r.headers.location, '/x');
    assert.equal(r.json<{ echoed: { pad: string } }>().echoed.pad.length, 200_000);
  });

  it('relays an event stream', async () => {
    const f = await follower({ protocol: 'https', ca: cert.certPem });
    const r = await request(`${f.url}/v2/events`, { ca: cert.certPem, headers: { Authorization: basic('alice', USER_PW), Accept: 'text/event-stream' } });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /text\/event-stream/);
    assert.deepEqual(r.text.split('\n').filter((l) => l.startsWith('data:')), ['data: {"n":1}', 'data: {"n":2}', 'data: {"n":3}']);
  });

  it('refuses bad credentials at the follower: the leader never sees the request', async () => {
    const f = await follower({ protocol: 'https', ca: cert.certPem });
    const before = leader.hits.length;
    const r = await request(`${f.url}/v2/apps`, { method: 'POST', body: '{}', ca: cert.certPem, headers: { Authorization: basic('alice', 'wrong') } });
    assert.equal(r.status, 401);
    assert.match(String(r.headers['www-authenticate']), /^Basic realm="Mesosphere"/);
    assert.equal(leader.hits.length, before);
  });

  it('authenticates as the instance when configured (users known only to followers)', async () => {
    const f = await follower({ protocol: 'https', ca: cert.certPem, credentials: { username: 'follower', password: LEADER_PW } });
    const r = await request(`${f.url}/v2/info`, { ca: cert.certPem, headers: { Authorization: basic('alice', USER_PW) } });
    assert.equal(r.status, 200);
    assert.equal(r.json<{ user: string }>().user, 'follower');
  });

  it('without the CA the leader’s certificate is not trusted: 503, nothing forwarded', async () => {
    const f = await follower({ protocol: 'https' });
    const r = await request(`${f.url}/v2/info`, { ca: cert.certPem, headers: { Authorization: basic('alice', USER_PW) } });
    assert.equal(r.status, 503);
  });

  it('checks the leader’s host name unless told to ignore it (--leader_proxy_ssl_ignore_hostname)', async () => {
    const misnamed = await startNode(otherName, users);
    followers.push(misnamed);
    const strict = await follower({ protocol: 'https', ca: otherName.certPem }, () => misnamed.hostPort);
    const lax = await follower({ protocol: 'https', ca: otherName.certPem, ignoreHostname: true }, () => misnamed.hostPort);
    const auth = { Authorization: basic('alice', USER_PW) };
    assert.equal((await request(`${strict.url}/v2/info`, { ca: cert.certPem, headers: auth })).status, 503);
    const ok = await request(`${lax.url}/v2/info`, { ca: cert.certPem, headers: auth });
    assert.equal(ok.status, 200, ok.text);
  });

  it('never forwards twice (a request that already went through an instance)', async () => {
    const f = await follower({ protocol: 'https', ca: cert.certPem });
    const r = await request(`${f.url}/v2/info`, { ca: cert.certPem, headers: { Authorization: basic('alice', USER_PW), 'X-Marathon-Via': 'someone' } });
    assert.equal(r.status, 503);
  });

  it('plain HTTP to an HTTPS-only leader fails cleanly (503)', async () => {
    const f = await follower({ protocol: 'http' });
    const r = await request(`${f.url}/v2/info`, { ca: cert.certPem, headers: { Authorization: basic('alice', USER_PW) } });
    assert.equal(r.status, 503);
  });
});
