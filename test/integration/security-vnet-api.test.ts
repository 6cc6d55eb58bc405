// `marathon-vnet vnet-api` as a process with Marathon's basic-auth flags: users from the flag,
// the file and the old MVN_VNET_API_* variables; 401 with the openvnet realm otherwise; the
// OpenVNet client (as the driver uses it) authenticates; no password in the process output.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clientAuthFrom, readPasswordFile } from '../../src/lib/password-file';
import { parseNetConf } from '../../driver/cni/config';
import { clientRegistry } from '../../driver/openvnet/registry';
import { OpenVnetClient } from '../../src/lib/openvnet/client';
import { basic, privateDir, request } from './security-kit';

const BIN = path.resolve(__dirname, '..', '..', '..', 'src', 'bin', 'marathon-vnet.js');
const FILE_PW = 'file-Pw-c0ffee';
const FLAG_PW = 'flag-Pw-beef';
const ENV_PW = 'env-Pw-f00d';

interface Proc { child: ChildProcess; url: string; output: () => string }

function startVnetApi(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Proc> {
  const child = spawn(process.execPath, [BIN, 'vnet-api', '--listen', '127.0.0.1:0', ...args], {
    env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr?.on('data', (c: Buffer) => { out += c.toString(); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vnet-api did not start: ${out}`)), 15_000);
    const check = (): void => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\/api/.exec(out);
      if (m !== null) { clearTimeout(timer); resolve({ child, url: m[1], output: () => out }); }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`vnet-api exited ${code}: ${out}`)); });
  });
}

async function stop(p: Proc | undefined): Promise<void> {
  if (p === undefined || p.child.exitCode !== null || p.child.pid === undefined) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  const t = setTimeout(() => p.child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

describe('security: vnet-api basic auth flags', function () {
  this.timeout(30_000);
  const { dir } = privateDir('vnetapi');
  let p: Proc | undefined;
  const credFile = path.join(dir, 'users');

  before(async () => {
    fs.writeFileSync(credFile, `# vnet-api users\ndriver:${FILE_PW}\n`, { mode: 0o600 });
    p = await startVnetApi(['--http_credentials', `ops:${FLAG_PW}`, '--http_credentials_file', credFile], {
      MVN_VNET_API_USERNAME: 'legacy', MVN_VNET_API_PASSWORD: ENV_PW,
    });
  });
  after(async () => {
    await stop(p);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('401 with the openvnet realm without or with wrong credentials', async () => {
    for (const headers of [{}, { Authorization: basic('ops', 'nope') }, { Authorization: basic('driver', FLAG_PW) }] as Array<Record<string, string>>) {
      const r = await request(`${p?.url}/api/networks`, { headers });
      assert.equal(r.status, 401);
      assert.match(String(r.headers['www-authenticate']), /^Basic realm="openvnet"/);
      assert.equal(r.json<{ code: string }>().code, '401');
    }
  });

  it('200 for each user: flag, file and the MVN_VNET_API_* variables', async () => {
    for (const [user, pw] of [['ops', FLAG_PW], ['driver', FILE_PW], ['legacy', ENV_PW]]) {
      const r = await request(`${p?.url}/api/networks`, { headers: { Authorization: basic(user, pw) } });
      assert.equal(r.status, 200, `${user}: ${r.text}`);
    }
  });

  it('CORS preflight still answers without credentials (browsers send none)', async () => {
    const r = await request(`${p?.url}/api/networks`, { method: 'OPTIONS', headers: { Origin: 'http://ui.example', 'Access-Control-Request-Method': 'GET' } });
    assert.equal(r.status, 200);
  });

  it('the OpenVNet client (as vnet-driver uses it) authenticates and fails clearly without credentials', async () => {
    const ok = new OpenVnetClient({ baseUrl: `${p?.url}/api`, auth: { username: 'driver', password: FILE_PW }, retries: 0 });
    const created = await ok.createNetwork({ uuid: 'nw-sec1', displayName: 'sec', ipv4Network: '10.91.0.0', ipv4Prefix: 24 });
    assert.equal(created.uuid, 'nw-sec1');
    const anonymous = new OpenVnetClient({ baseUrl: `${p?.url}/api`, retries: 0 });
    await assert.rejects(anonymous.listNetworks(), (err: unknown) => {
      assert.ok(!String((err as Error).message).includes(FILE_PW));
      return true;
    });
  });

  it('vnet-driver: a CNI config naming a user and a password file gets an authenticated client', async () => {
    const pwFile = path.join(dir, 'openvnet.password');
    fs.writeFileSync(pwFile, `${FILE_PW}\n`, { mode: 0o600 });
    const { conf } = parseNetConf({
      cniVersion: '0.2.0', name: 'nw-sec1', type: 'vnet-driver', bridge: 'br0',
      openvnet: { url: p?.url, datapath: 'dp-sec', dpid: '0x2', username: 'driver', passwordFile: pwFile },
    }, { hostName: 'node1' });
    assert.ok(conf.openvnet !== null);
    assert.ok(!JSON.stringify(conf).includes(FILE_PW), 'the parsed config (step logs record it) holds no password');
    const client = new OpenVnetClient({ baseUrl: conf.openvnet.url, retries: 0, ...clientAuthFrom(conf.openvnet) });
    assert.ok((await client.listNetworks()).some((n) => n.uuid === 'nw-sec1'));
    // The driver's own registry (what ADD/DEL use) authenticates the same way.
    assert.ok((await clientRegistry(conf.openvnet).networks()).some((n) => n.uuid === 'nw-sec1'));
    const { conf: anonymous } = parseNetConf({
      cniVersion: '0.2.0', name: 'nw-sec1', type: 'vnet-driver', bridge: 'br0', openvnet: { url: p?.url, datapath: 'dp-sec', dpid: '0x2', retries: 0 },
    }, { hostName: 'node1' });
    assert.ok(anonymous.openvnet !== null);
    await assert.rejects(clientRegistry(anonymous.openvnet).networks());
    assert.throws(() => readPasswordFile(path.join(dir, 'missing')), /cannot read \(ENOENT\)/);
  });

  it('prints no password and no exposure warning on loopback', () => {
    const out = p?.output() ?? '';
    for (const pw of [FILE_PW, FLAG_PW, ENV_PW]) assert.ok(!out.includes(pw));
    assert.doesNotMatch(out, /warning/);
  });
});
