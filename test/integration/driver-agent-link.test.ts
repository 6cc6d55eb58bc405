// Agent link (DESIGN §4): a container on an isolated virtual network also gets a link-local path
// to the agent's address only. The host namespace vh<R> plays the agent: its listener answers on
// the agent address and nowhere else from the container's point of view.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  cniEnv, driverConf, driverLinks, mesosStdin, must, NetFixture, runDriver, sh, stateLeftovers, staticInfo, tearDown,
} from './driver-fixture';
import { describeNeeding } from '../helpers/requires';

const AGENT = '10.254.0.1';
const OTHER = '10.254.0.2';
const HOST_END = '169.254.0.1';
const PORT = 20000 + Math.floor(Math.random() * 20000);

const CONNECT = `const s=require('net').connect({host:process.argv[1],port:+process.argv[2],timeout:1500});
s.on('data',d=>{process.stdout.write(d);process.exit(0)});s.on('error',e=>{console.log(e.code);process.exit(1)});
s.on('timeout',()=>{console.log('TIMEOUT');process.exit(1)});`;

describeNeeding(['root', 'netns'], 'driver: agent link (integration)', function () {
  this.timeout(60000);
  let fx: NetFixture;
  let linkConf: Record<string, unknown>;
  let vnetConf: Record<string, unknown>;

  before(async () => {
    fx = await NetFixture.create('linux');
    // The agent's addresses (no dummy links in this kernel: loopback holds them).
    await must('ip', ['-n', fx.hostNs, 'addr', 'add', `${AGENT}/32`, 'dev', 'lo']);
    await must('ip', ['-n', fx.hostNs, 'addr', 'add', `${OTHER}/32`, 'dev', 'lo']);
    const listener = spawn('nsenter', [`--net=${fx.hostNsPath}`, process.execPath, '-e',
      `require('net').createServer(s=>s.end('agent\\n')).listen(${PORT},'0.0.0.0',()=>console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    fx.trackPid(listener.pid as number);
    await new Promise<void>((resolve) => listener.stdout.once('data', () => resolve()));
    linkConf = { cniVersion: '0.2.0', name: 'vnet-agent-link', type: 'vnet-driver', mode: 'agent-link', agentAddress: AGENT, hostNetns: fx.hostNsPath, stateDir: fx.stateDir };
    vnetConf = driverConf(fx, null, 'nw-iso', { subnet: '192.168.77.0/24' });
  });

  after(() => tearDown(fx));

  const connect = (ns: string, host: string): Promise<string> =>
    sh('nsenter', [`--net=${ns}`, process.execPath, '-e', CONNECT, host, String(PORT)]).then((r) => `${r.code} ${r.stdout.trim()}`);

  async function attachBoth(tag: string, ip: string): Promise<{ ns: string; cid: string; link: string }> {
    const ns = await fx.netns(tag);
    const cid = `al-${tag}-${fx.R}`;
    const v = await runDriver(cniEnv('ADD', cid, ns, 'eth0'), mesosStdin(vnetConf, staticInfo('nw-iso', 'eth0', `${ip}/24`)));
    assert.equal(v.code, 0, v.stdout + v.stderr);
    const a = await runDriver(cniEnv('ADD', cid, ns, 'eth1'), mesosStdin(linkConf, { name: 'vnet-agent-link' }));
    assert.equal(a.code, 0, a.stdout + a.stderr);
    const ip4 = (a.json as { ip4: { ip: string; routes: { dst: string; gw: string }[] } }).ip4;
    assert.match(ip4.ip, /^169\.254\.(1(2[89]|[3-9]\d)|2\d\d)\.\d+\/32$/);
    assert.deepEqual(ip4.routes, [{ dst: `${AGENT}/32`, gw: '169.254.0.1' }]);
    return { ns, cid, link: ip4.ip.split('/')[0] };
  }

  const routeDev = async (ns: string, dst: string): Promise<string> => {
    const r = JSON.parse(await must('nsenter', [`--net=${ns}`, 'ip', '-j', '-4', 'route', 'get', dst])) as { dev: string }[];
    return r[0]?.dev ?? '';
  };

  /** A listener in the container on its link address; the host namespace connects from the host end address. */
  async function connectFromHostEnd(ns: string, link: string): Promise<string> {
    const port = PORT + 1;
    const server = spawn('nsenter', [`--net=${ns}`, process.execPath, '-e',
      `const s=require('net').createServer(c=>c.end('ok\\n')).listen(${port},'${link}',()=>console.log('up'));setTimeout(()=>s.close(),5000).unref()`],
    { stdio: ['ignore', 'pipe', 'inherit'] });
    fx.trackPid(server.pid as number);
    await new Promise<void>((resolve) => server.stdout.once('data', () => resolve()));
    const r = await sh('nsenter', [`--net=${fx.hostNsPath}`, process.execPath, '-e',
      `const s=require('net').connect({host:'${link}',port:${port},localAddress:'${HOST_END}',timeout:1500});
s.on('data',d=>{process.stdout.write(d);process.exit(0)});s.on('error',e=>{console.log(e.code);process.exit(1)});
s.on('timeout',()=>{console.log('TIMEOUT');process.exit(1)});`]);
    server.kill('SIGTERM');
    return r.stdout.trim();
  }

  async function detachBoth(m: { ns: string; cid: string }): Promise<void> {
    for (const [conf, ifName] of [[linkConf, 'eth1'], [vnetConf, 'eth0']] as const) {
      const r = await runDriver(cniEnv('DEL', m.cid, m.ns, ifName), conf);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    }
  }

  it('reaches the agent only, keeps the virtual network working, and DEL removes everything', async () => {
    const a = await attachBoth('a', '192.168.77.11');
    const b = await attachBoth('b', '192.168.77.12');
    assert.notEqual(a.link, b.link);
    assert.equal(await connect(a.ns, AGENT), '0 agent');
    assert.equal(await connect(b.ns, AGENT), '0 agent');
    assert.notEqual((await connect(a.ns, OTHER)).split(' ')[0], '0');
    const routes = JSON.parse(await must('nsenter', [`--net=${a.ns}`, 'ip', '-j', '-4', 'route', 'show'])) as { dst: string; dev: string }[];
    assert.ok(!routes.some((r) => r.dst === 'default'), JSON.stringify(routes));
    assert.deepEqual(routes.filter((r) => r.dev === 'eth1').map((r) => r.dst).sort(), [AGENT, HOST_END].sort());
    // The agent's own connections come from the host end (libprocess opens one per direction).
    assert.equal(await routeDev(a.ns, HOST_END), 'eth1');
    assert.equal(await connectFromHostEnd(a.ns, a.link), 'ok');
    // The isolated network still works between the two containers, and is not reachable via the link.
    await must('nsenter', [`--net=${a.ns}`, 'ping', '-c1', '-W2', '192.168.77.12']);
    const fromHost = await sh('nsenter', [`--net=${fx.hostNsPath}`, 'ping', '-c1', '-W1', '192.168.77.12']);
    assert.notEqual(fromHost.code, 0);
    await detachBoth(a);
    await detachBoth(b);
    assert.deepEqual(stateLeftovers(fx.stateDir), []);
    assert.deepEqual(await driverLinks(fx), []);
  });

  it('both directions work whatever gateway another interface adds (route to the host end stays on the link)', async () => {
    const ns = await fx.netns('w');
    const cid = `gw-w-${fx.R}`;
    const v = await runDriver(cniEnv('ADD', cid, ns, 'eth0'), mesosStdin(vnetConf, staticInfo('nw-iso', 'eth0', '192.168.77.21/24', { 'vnet.gateway': '192.168.77.1' })));
    assert.equal(v.code, 0, v.stdout + v.stderr);
    const a = await runDriver(cniEnv('ADD', cid, ns, 'eth1'), mesosStdin(linkConf, { name: 'vnet-agent-link' }));
    assert.equal(a.code, 0, a.stdout + a.stderr);
    const link = (a.json as { ip4: { ip: string } }).ip4.ip.split('/')[0];
    const routes = JSON.parse(await must('nsenter', [`--net=${ns}`, 'ip', '-j', '-4', 'route', 'show'])) as { dst: string; dev: string }[];
    assert.deepEqual(routes.filter((r) => r.dst === 'default').map((r) => r.dev), ['eth0']);
    assert.equal(await routeDev(ns, HOST_END), 'eth1');
    assert.equal(await routeDev(ns, AGENT), 'eth1');
    assert.equal(await connect(ns, AGENT), '0 agent');
    assert.equal(await connectFromHostEnd(ns, link), 'ok');
    await detachBoth({ ns, cid });
    assert.deepEqual(stateLeftovers(fx.stateDir), []);
  });

  it('concurrent ADDs never hand out the same link address; DEL releases them', async () => {
    const members = await Promise.all(['c', 'e', 'f', 'g', 'i', 'j'].map(async (tag) => ({ tag, ns: await fx.netns(tag), cid: `cc-${tag}-${fx.R}` })));
    const results = await Promise.all(members.map((m) => runDriver(cniEnv('ADD', m.cid, m.ns, 'eth0'), mesosStdin(linkConf, { name: 'vnet-agent-link' }))));
    const addrs = results.map((r) => {
      assert.equal(r.code, 0, r.stdout + r.stderr);
      return (r.json as { ip4: { ip: string } }).ip4.ip;
    });
    assert.equal(new Set(addrs).size, addrs.length, addrs.join(' '));
    const reserved = fs.readdirSync(path.join(fx.stateDir, 'agent-link')).filter((n) => n !== '.lock');
    assert.deepEqual(reserved.sort(), addrs.map((a) => a.split('/')[0]).sort());
    for (const m of members) assert.equal(await connect(m.ns, AGENT), '0 agent');
    await Promise.all(members.map(async (m) => {
      const r = await runDriver(cniEnv('DEL', m.cid, m.ns, 'eth0'), linkConf);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    }));
    assert.deepEqual(stateLeftovers(fx.stateDir), []);
    assert.deepEqual(await driverLinks(fx), []);
  });

  for (const step of ['link-address', 'veth', 'container']) {
    it(`a killed ADD at ${step} followed by DEL leaves nothing`, async () => {
      const tag = { 'link-address': 'k', veth: 'l', container: 'm' }[step] as string;
      const ns = await fx.netns(tag);
      const cid = `af-${tag}-${fx.R}`;
      const r = await runDriver({ ...cniEnv('ADD', cid, ns, 'eth1'), VNET_DRIVER_FAULT: step }, mesosStdin(linkConf, { name: 'vnet-agent-link' }));
      assert.equal(r.code, 137, r.stdout + r.stderr);
      assert.notDeepEqual(stateLeftovers(fx.stateDir), []);
      const d = await runDriver(cniEnv('DEL', cid, undefined, 'eth1'), linkConf);
      assert.equal(d.code, 0, d.stdout + d.stderr);
      assert.deepEqual(stateLeftovers(fx.stateDir), []);
      assert.deepEqual(await driverLinks(fx), []);
    });
  }
});
