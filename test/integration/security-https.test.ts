// serve over HTTPS with a certificate made here by openssl: HTTPS-only mode (no plain HTTP
// anywhere), HTTP+HTTPS side by side, bad key pairs refused at start-up, slow clients cut off,
// and two serve instances electing a leader in a real ZooKeeper, the follower forwarding to the
// leader over HTTPS with the caller's credentials.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { CredentialStore } from '../../src/server/security/credentials';
import { TlsConfigError } from '../../src/server/security/errors';
import { LEADER_HEADER, makeForwardHook } from '../../src/server/security/forward';
import { loadTlsMaterial, type TlsMaterial } from '../../src/server/security/tls';
import { startServe, type ServeHandle } from '../../src/cli/serve';
import { LocalMaster } from '../../src/sim/mesos/master';
import { simulatedAgent } from '../../src/sim/mesos/simulated-agent';
import { startZooKeeper, type ZooKeeperCluster } from '../helpers/zookeeper';
import { basic, capturingLogger, makeCert, privateDir, request, type CertFiles } from './security-kit';
import { startCluster, type Cluster } from './serve-fixture';
import { describeNeeding } from '../helpers/requires';

const PASSWORD = 'tls-Pw-a11ce';
const AUTH = { Authorization: basic('ops', PASSWORD) };
const users = (): CredentialStore => new CredentialStore([{ username: 'ops', password: PASSWORD }]);

function plainHttpTo(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('GET /ping HTTP/1.1\r\nHost: x\r\n\r\n'));
    let got = '';
    s.on('data', (d: Buffer) => { got += d.toString('latin1'); });
    s.on('error', () => resolve(`error:${got}`));
    s.on('close', () => resolve(got));
  });
}

describe('security: serve over HTTPS', function () {
  this.timeout(60_000);
  const { dir } = privateDir('https');
  let cert: CertFiles;
  let material: TlsMaterial;

  before(async () => {
    cert = await makeCert(dir, 'serve');
    material = loadTlsMaterial({ certFile: cert.cert, keyFile: cert.key }).tls;
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(fs.existsSync(dir), false);
  });

  it('refuses a certificate with somebody else’s key, a missing file, a non-PEM key; warns on a loose key', async () => {
    const other = await makeCert(dir, 'other');
    assert.throws(() => loadTlsMaterial({ certFile: cert.cert, keyFile: other.key }), (e: unknown) => e instanceof TlsConfigError && /unusable pair/.test(e.message) && !e.message.includes('PRIVATE KEY'));
    assert.throws(() => loadTlsMaterial({ certFile: `${dir}/missing.crt`, keyFile: cert.key }), /cannot read \(ENOENT\)/);
    assert.throws(() => loadTlsMaterial({ certFile: cert.cert, keyFile: cert.cert }), /not a PEM private key/);
    fs.chmodSync(other.key, 0o644);
    assert.match(loadTlsMaterial({ certFile: other.cert, keyFile: other.key }).warnings[0], /chmod 600/);
  });

  describe('HTTPS only (--disable_http)', () => {
    let c: Cluster;
    const log = capturingLogger();
    before(async () => {
      c = await startCluster({
        serve: {
          logger: log.logger,
          security: {
            options: { credentials: users(), timeouts: { headersTimeoutMs: 400, requestTimeoutMs: 800 } },
            https: { tls: material, port: 0 }, disableHttp: true, timeoutCheckIntervalMs: 100,
          },
        },
      });
    });
    after(async () => { await c?.close(); });

    it('advertises an https:// URL and answers there, with credentials only', async () => {
      assert.match(c.serve.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const info = await request(`${c.serve.url}/v2/info`, { ca: cert.certPem, headers: AUTH });
      assert.equal(info.status, 200);
      assert.match(info.json<{ marathon_config: { webui_url: string } }>().marathon_config.webui_url, /^https:\/\//);
      assert.equal(info.json<{ http_config: { https_port: number } }>().http_config.https_port, c.serve.port, 'the bound HTTPS port, not a constant');
      const anon = await request(`${c.serve.url}/v2/apps`, { ca: cert.certPem });
      assert.equal(anon.status, 401);
      assert.equal((await request(`${c.serve.url}/ping`, { ca: cert.certPem })).status, 200);
    });

    it('an untrusted client refuses the self-signed certificate (real TLS, no shortcut)', async () => {
      await assert.rejects(request(`${c.serve.url}/ping`), /self[- ]signed|unable to verify|certificate/i);
    });

    it('plain HTTP gets no API: the only port speaks TLS', async () => {
      const got = await plainHttpTo(c.serve.port);
      assert.doesNotMatch(got, /pong|HTTP\/1\.1 200/);
      assert.equal(c.serve.url.startsWith('https://'), true);
    });

    it('creates and runs an app over HTTPS', async () => {
      const r = await request(`${c.serve.url}/v2/apps`, { method: 'POST', ca: cert.certPem, headers: AUTH, body: '{"id":"/tls/a","cmd":"sleep 100","cpus":0.1,"mem":16,"instances":1}' });
      assert.equal(r.status, 201, r.text);
      for (let i = 0; i < 200; i++) {
        const t = await request(`${c.serve.url}/v2/apps/tls/a/tasks`, { ca: cert.certPem, headers: AUTH });
        if (t.json<{ tasks: Array<{ state: string }> }>().tasks.some((x) => x.state === 'TASK_RUNNING')) return;
        await new Promise((res) => setTimeout(res, 25));
      }
      assert.fail('task never ran');
    });

    it('cuts off a client that never finishes its request head (slowloris)', async () => {
      const s = tls.connect({ port: c.serve.port, host: '127.0.0.1', ca: cert.certPem, servername: 'localhost' });
      await new Promise<void>((res, rej) => { s.once('secureConnect', () => res()); s.once('error', rej); });
      s.write('GET /v2/apps HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
      let got = '';
      s.on('data', (d: Buffer) => { got += d.toString('latin1'); });
      await new Promise<void>((res) => { s.once('close', () => res()); s.once('error', () => res()); });
      assert.ok(got === '' || got.startsWith('HTTP/1.1 408'), got);
    });

    it('logs no password', () => {
      assert.ok(!log.lines.join('').includes(PASSWORD));
    });
  });

  it('the serve command: Marathon flags from a credentials file, HTTPS only, nothing secret printed', async () => {
    const master = new LocalMaster({ allocationIntervalMs: 20, heartbeatIntervalSeconds: 5 });
    await master.listen(0, '127.0.0.1');
    const users = path.join(dir, 'http-credentials');
    fs.writeFileSync(users, `# operators\nops:${PASSWORD}\n`, { mode: 0o600 });
    const bin = path.resolve(__dirname, '..', '..', '..', 'src', 'bin', 'marathon-vnet.js');
    const child = spawn(process.execPath, [bin, 'serve', '--master', master.url, '--state', 'memory:', '--http_address', '127.0.0.1',
      '--disable_http', '--https_port', '0', '--ssl_cert', cert.cert, '--ssl_key', cert.key, '--http_credentials_file', users,
      '--http_realm', 'CLI Realm', '--log-level', 'warn', '--no-ui'], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 20_000);
        child.stdout.on('data', () => {
          const m = /listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m !== null) { clearTimeout(timer); resolve(m[1]); }
        });
        child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`serve exited ${code}: ${out}`)); });
      });
      const anon = await request(`${url}/v2/info`, { ca: cert.certPem });
      assert.equal(anon.status, 401);
      assert.match(String(anon.headers['www-authenticate']), /^Basic realm="CLI Realm"/);
      assert.equal((await request(`${url}/v2/info`, { ca: cert.certPem, headers: AUTH })).status, 200);
      assert.ok(!out.includes(PASSWORD), out);
      assert.doesNotMatch(out, /warning/);
    } finally {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      await master.close();
    }
  });

  describe('HTTP and HTTPS side by side', () => {
    let c: Cluster;
    before(async () => {
      c = await startCluster({ serve: { security: { options: { credentials: users() }, https: { tls: material, port: 0 } } } });
    });
    after(async () => { await c?.close(); });

    it('serves the same API on both ports, advertising HTTPS', async () => {
      assert.match(c.serve.url, /^https:\/\//);
      const info = await request(`${c.serve.url}/v2/info`, { ca: cert.certPem, headers: AUTH });
      const httpConfig = info.json<{ http_config: { http_port: number; https_port: number } }>().http_config;
      const httpPort = httpConfig.http_port;
      assert.notEqual(httpPort, c.serve.port);
      assert.equal(httpConfig.https_port, c.serve.port, 'https_port is the port HTTPS really listens on');
      const plain = await request(`http://127.0.0.1:${httpPort}/v2/info`, { headers: AUTH });
      assert.equal(plain.status, 200);
      assert.equal((await request(`http://127.0.0.1:${httpPort}/v2/info`)).status, 401);
    });
  });

  describeNeeding(['zookeeper'], 'two serve instances in ZooKeeper: the follower forwards to the leader over HTTPS', () => {
    let zk: ZooKeeperCluster | undefined;
    let master: LocalMaster | undefined;
    const serves: ServeHandle[] = [];

    before(async function () {
      zk = await startZooKeeper();
      master = new LocalMaster({ allocationIntervalMs: 20, heartbeatIntervalSeconds: 5 });
      master.addAgent(simulatedAgent({ resources: { cpus: 4, mem: 4096, disk: 10000 }, hostname: `agent-${zk.runId}`, taskDelayMs: 5 }));
      await master.listen(0, '127.0.0.1');
      const state = zk.url(`/mvn-sec-${zk.runId}`);
      for (let i = 0; i < 2; i++) {
        serves.push(await startServe({
          master: master.url, httpPort: 0, listenHost: '127.0.0.1', state, logger: false, ui: false,
          security: { options: { credentials: users() }, https: { tls: material, port: 0 }, disableHttp: true },
          forward: makeForwardHook({ protocol: 'https', ca: cert.certPem }),
        }));
      }
    });
    after(async () => {
      for (const s of serves.reverse()) await s.close().catch(() => undefined);
      await master?.close().catch(() => undefined);
      if (zk !== undefined) {
        await zk.stop();
        assert.deepEqual(zk.alivePids(), []);
      }
    });

    async function leaderOf(s: ServeHandle): Promise<string> {
      for (let i = 0; i < 400; i++) {
        const r = await request(`${s.url}/v2/leader`, { ca: cert.certPem, headers: AUTH });
        if (r.status === 200) return r.json<{ leader: string }>().leader;
        await new Promise((res) => setTimeout(res, 25));
      }
      throw new Error('no leader');
    }

    it('both name the same leader; a write through the follower lands on the leader', async () => {
      const leader = await leaderOf(serves[0]);
      assert.equal(await leaderOf(serves[1]), leader);
      const follower = serves.find((s) => !leader.endsWith(`:${s.port}`));
      const leading = serves.find((s) => leader.endsWith(`:${s.port}`));
      assert.ok(follower && leading, `leader ${leader} is one of ours`);
      const r = await request(`${follower.url}/v2/apps`, { method: 'POST', ca: cert.certPem, headers: AUTH, body: '{"id":"/ha/tls","cmd":"sleep 100","cpus":0.1,"mem":16,"instances":1}' });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.headers[LEADER_HEADER], `https://${leader}`);
      const onLeader = await request(`${leading.url}/v2/apps/ha/tls`, { ca: cert.certPem, headers: AUTH });
      assert.equal(onLeader.status, 200);
      assert.equal((await request(`${follower.url}/v2/apps`, { ca: cert.certPem, headers: { Authorization: basic('ops', 'wrong') } })).status, 401);
    });
  });
});
