// The operator CLI: setup (OVS bridge with datapath id, datapath record, one config per OpenVNet
// network + agent link), status, attach/detach by PID, and gc after a "reboot" that lost the
// state files: OVS ports in error and OpenVNet records nobody owns are swept.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OpenVnetClient } from '../../src/lib/openvnet/client';
import { must, NetFixture, ovsPorts, runDriver, startVnet, tearDown, type Vnet } from './driver-fixture';
import { describeNeeding } from '../helpers/requires';

describeNeeding(['root', 'netns', 'ovs'], 'driver: CLI (integration, OVS)', function () {
  this.timeout(60000);
  let fx: NetFixture;
  let vnet: Vnet;
  let client: OpenVnetClient;
  let confDir: string;

  before(async () => {
    fx = await NetFixture.create('ovs');
    vnet = await startVnet();
    client = new OpenVnetClient({ baseUrl: vnet.url, retries: 0 });
    confDir = path.join(fx.W, 'net.d');
  });

  after(() => tearDown(fx, vnet));

  const cli = (args: string[]): ReturnType<typeof runDriver> => runDriver({}, '', args);

  async function sleeper(tag: string): Promise<number> {
    const ns = await fx.netns(tag);
    const child = spawn('nsenter', [`--net=${ns}`, 'sleep', '60'], { stdio: 'ignore' });
    fx.trackPid(child.pid as number);
    return child.pid as number;
  }

  it('setup writes one 0.2.0 config per network plus the agent link, registers the datapath, sets the dpid', async () => {
    const r = await cli(['setup', '--bridge', fx.bridge, '--bridge-type', 'ovs', '--openvnet', vnet.url, '--datapath', `dp-${fx.R}`,
      '--dpid', `0x00ab${fx.R}${fx.R}`, '--node-id', 'vna', '--config-dir', confDir, '--agent-address', '10.254.0.1',
      '--host-netns', fx.hostNsPath, '--ovs-db', fx.ovsDb, '--state-dir', fx.stateDir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(fs.readdirSync(confDir).sort(), ['nw-vnet1.conf', 'nw-vnet3.conf', 'vnet-agent-link.conf']);
    const c1 = JSON.parse(fs.readFileSync(path.join(confDir, 'nw-vnet1.conf'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([c1.cniVersion, c1.name, c1.type, c1.bridge, c1.bridgeType], ['0.2.0', 'nw-vnet1', 'vnet-driver', fx.bridge, 'ovs']);
    assert.equal((c1.openvnet as Record<string, unknown>).leasePolicy, 'lp-vnet1');
    const al = JSON.parse(fs.readFileSync(path.join(confDir, 'vnet-agent-link.conf'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([al.mode, al.agentAddress, al.name], ['agent-link', '10.254.0.1', 'vnet-agent-link']);
    const dp = await client.getDatapath(`dp-${fx.R}`);
    assert.equal(dp?.dpid, `0x00ab${fx.R}${fx.R}`);
    const dpid = await must('ovs-vsctl', [`--db=${fx.ovsDb}`, 'get', 'bridge', fx.bridge, 'other-config:datapath-id'], { env: fx.ovsEnv });
    assert.equal(dpid.trim().replace(/"/g, ''), `00ab${fx.R}${fx.R}`);
    const st = await cli(['status', '--config-dir', confDir]);
    assert.equal(st.code, 0, st.stdout + st.stderr);
    assert.deepEqual((JSON.parse(st.stdout) as { network: string; ok: boolean }[]).map((l) => [l.network, l.ok]),
      [['nw-vnet1', true], ['nw-vnet3', true], ['vnet-agent-link', true]]);

    // Not ready: a network OpenVNet does not know (50) and a bridge that is gone (51), side by side.
    const broken = path.join(fx.W, 'net.d-broken');
    fs.mkdirSync(broken);
    fs.copyFileSync(path.join(confDir, 'nw-vnet3.conf'), path.join(broken, 'nw-vnet3.conf'));
    const c3 = JSON.parse(fs.readFileSync(path.join(confDir, 'nw-vnet3.conf'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(path.join(broken, 'nw-gone.conf'), JSON.stringify({ ...c3, name: 'nw-gone' }));
    fs.writeFileSync(path.join(broken, 'nw-nobr.conf'), JSON.stringify({ ...c3, name: 'nw-vnet1', bridge: `vn${fx.R}` }));
    const bad = await cli(['status', '--config-dir', broken]);
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    const lines = JSON.parse(bad.stdout) as { network: string; ok: boolean; code?: number }[];
    assert.deepEqual(lines.map((l) => [l.network, l.ok, l.code]), [['nw-gone', false, 50], ['nw-vnet1', false, 51], ['nw-vnet3', true, undefined]]);
  });

  it('attach/detach by PID with static address, MAC, gateway and route', async () => {
    const pid = await sleeper('p');
    const conf = path.join(confDir, 'nw-vnet3.conf');
    const a = await cli(['attach', '--pid', String(pid), '--network', 'nw-vnet3', '--ifname', 'eth1', '--static', '192.168.0.50/24',
      '--gateway', '192.168.0.1', '--mac', '02:00:00:00:50:01', '--route', '10.0.0.0/8=192.168.0.1', '--config', conf]);
    assert.equal(a.code, 0, a.stdout + a.stderr);
    assert.equal(a.json?.containerId, `pid-${pid}`);
    const inside = JSON.parse(await must('nsenter', [`--net=/proc/${pid}/ns/net`, 'ip', '-j', 'addr', 'show', 'dev', 'eth1'])) as { address: string; addr_info: { local: string }[] }[];
    assert.equal(inside[0].address, '02:00:00:00:50:01');
    assert.ok(inside[0].addr_info.some((x) => x.local === '192.168.0.50'));
    assert.equal((await ovsPorts(fx)).length, 1);
    const d = await cli(['detach', '--pid', String(pid), '--network', 'nw-vnet3', '--ifname', 'eth1', '--config', conf]);
    assert.equal(d.code, 0, d.stdout + d.stderr);
    assert.deepEqual(await ovsPorts(fx), []);
    const bad = await cli(['attach', '--pid', String(pid), '--network', 'nw-vnet3', '--ifname', 'eth0;reboot', '--static', '192.168.0.51/24', '--config', conf]);
    assert.equal(bad.code, 1);
    assert.equal((JSON.parse(bad.stderr) as { code: number }).code, 7);
  });

  it('gc after a reboot that lost the state: sweeps the port in error and the OpenVNet record', async () => {
    const pid = await sleeper('q');
    const conf = path.join(confDir, 'nw-vnet3.conf');
    const a = await cli(['attach', '--pid', String(pid), '--network', 'nw-vnet3', '--ifname', 'eth0', '--static', '192.168.0.60/24', '--config', conf]);
    assert.equal(a.code, 0, a.stdout + a.stderr);
    const live = await cli(['gc', '--dry-run', '--config-dir', confDir]);
    assert.equal((live.json as { count: number }).count, 0, 'a live container keeps everything');
    process.kill(pid, 'SIGKILL');
    await fx.delNetns(`/var/run/netns/vq${fx.R}`);
    fs.rmSync(path.join(fx.stateDir, 'attachments'), { recursive: true, force: true });
    const dry = await cli(['gc', '--dry-run', '--config-dir', confDir]);
    const kinds = (dry.json as { items: { kind: string }[] }).items.map((i) => i.kind).sort();
    assert.deepEqual(kinds, ['openvnet-interface', 'ovs-port']);
    assert.equal((await ovsPorts(fx)).length, 1, 'dry run changes nothing');
    const gc = await cli(['gc', '--config-dir', confDir]);
    assert.equal(gc.code, 0, gc.stdout + gc.stderr);
    assert.deepEqual(await ovsPorts(fx), []);
    assert.deepEqual((await client.listInterfaces()).filter((i) => i.mode === 'vif'), []);
    const after = await cli(['gc', '--dry-run', '--config-dir', confDir]);
    assert.equal((after.json as { count: number }).count, 0);
  });
});
