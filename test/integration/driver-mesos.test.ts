// The original two interfaces, invoked exactly as a Mesos 1.11 agent does (env + stdin shaped like
// the recorded plugin input, cniVersion 0.2.0, the netns bind-mounted outside /run/netns, both
// ADDs in parallel, DEL without prevResult): eth0 DHCP on nw-vnet1 through OpenVNet's lease
// policy and a dnsmasq on the same bridge, eth1 static on nw-vnet3; on a Linux bridge and on Open vSwitch.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OpenVnetClient } from '../../src/lib/openvnet/client';
import { cniPluginInputDir } from '../helpers/fixtures';
import {
  driverLinks, must, NetFixture, ovsPorts, plugPeer, readJson, runDriver, startDnsmasq, startVnet, stateLeftovers, tearDown,
  type Vnet,
} from './driver-fixture';
import { describeNeeding } from '../helpers/requires';

const FIXTURES = cniPluginInputDir();

interface Recorded { env: Record<string, string>; stdin: Record<string, unknown> }

// The DHCP server also offers DNS servers, a domain and a host name: the client's hook must not
// apply them to the host (inside the netns, /etc/resolv.conf is the host's file).
const SERVER_OPTIONS = ['option:dns-server,10.0.0.53', 'option:domain-name,evil.test', 'option:router,10.0.0.1'];
const HOST_FILES = ['/etc/resolv.conf', '/etc/hostname', '/etc/hosts'];
function hostFiles(): string[] {
  return HOST_FILES.map((f) => {
    try {
      const st = fs.statSync(f);
      return `${f} ${st.mtimeMs} ${fs.readFileSync(f, 'utf8')}`;
    } catch {
      return `${f} absent`;
    }
  });
}
const recorded = (name: string): Recorded => readJson(path.join(FIXTURES, name)) as unknown as Recorded;

for (const kind of ['linux', 'ovs'] as const) describeNeeding(['root', 'netns', 'dnsmasq', 'udhcpc', ...(kind === 'ovs' ? ['ovs' as const] : [])], `driver: Mesos invocation (integration, ${kind} bridge, dnsmasq)`, function () {
  this.timeout(60000);
  let fx: NetFixture;
  let vnet: Vnet;
  let client: OpenVnetClient;

  before(async () => {
    fx = await NetFixture.create(kind);
    vnet = await startVnet();
    client = new OpenVnetClient({ baseUrl: vnet.url, retries: 0 });
    const server = await plugPeer(fx, 'd', '10.0.0.2/24', '02:00:0a:00:00:02');
    // The lease policy hands out its pool's first address; dnsmasq serves exactly that lease.
    await startDnsmasq(fx, server, { hosts: [{ mac: '02:00:0a:00:00:11', ip: '10.0.0.100' }], net: '10.0.0.0', netmask: '255.255.255.0', options: SERVER_OPTIONS });
  });

  after(() => tearDown(fx, vnet));

  function invocation(rec: Recorded, netns: string | undefined, containerId: string): { env: Record<string, string | undefined>; stdin: Record<string, unknown> } {
    const stdin = {
      ...rec.stdin, bridge: fx.bridge, bridgeType: kind, ...(kind === 'ovs' ? { ovsDb: fx.ovsDb } : {}), hostNetns: fx.hostNsPath, stateDir: fx.stateDir,
      openvnet: { url: vnet.url, datapath: `dp-${fx.R}`, dpid: `0x0000${fx.R}${fx.R}`, nodeId: 'vna', leasePolicy: 'lp-vnet1', retries: 0 },
      dhcp: { client: 'udhcpc', timeoutMs: 8000 },
    };
    return { env: { ...rec.env, PATH: undefined, CNI_NETNS: netns, CNI_CONTAINERID: containerId }, stdin };
  }

  it('ADDs eth0 (DHCP) and eth1 (static) in parallel, reports ip4, registers both, DELs twice', async () => {
    const cid = `${recorded('ADD-eth0.json').env.CNI_CONTAINERID}.${fx.R}`;
    const netns = await fx.mesosNetns('c', cid);
    const add0 = invocation(recorded('ADD-eth0.json'), netns, cid);
    const add1 = invocation(recorded('ADD-eth1.json'), netns, cid);
    const before = hostFiles();
    const [r0, r1] = await Promise.all([runDriver(add0.env, add0.stdin), runDriver(add1.env, add1.stdin)]);
    assert.equal(r0.code, 0, r0.stdout + r0.stderr);
    assert.equal(r1.code, 0, r1.stdout + r1.stderr);
    assert.deepEqual(r0.json, { cniVersion: '0.2.0', ip4: { ip: '10.0.0.100/24' }, dns: {} });
    assert.deepEqual(hostFiles(), before, 'the DHCP hook changed a host file');
    assert.deepEqual(r1.json, {
      cniVersion: '0.2.0',
      ip4: { ip: '192.168.0.100/24', gateway: '192.168.0.1', routes: [{ dst: '0.0.0.0/0', gw: '192.168.0.1' }, { dst: '10.0.0.0/8', gw: '192.168.0.1' }] },
      dns: {},
    });

    const links = JSON.parse(await must('nsenter', [`--net=${netns}`, 'ip', '-j', 'addr', 'show'])) as { ifname: string; address: string; addr_info: { family: string; local: string; prefixlen: number }[] }[];
    const byName = new Map(links.map((l) => [l.ifname, l]));
    assert.equal(byName.get('eth0')?.address, '02:00:0a:00:00:11');
    assert.equal(byName.get('eth1')?.address, '02:00:c0:a8:00:64');
    const v4 = (n: string): string[] => (byName.get(n)?.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
    assert.deepEqual(v4('eth0'), ['10.0.0.100/24']);
    assert.deepEqual(v4('eth1'), ['192.168.0.100/24']);
    const routes = JSON.parse(await must('nsenter', [`--net=${netns}`, 'ip', '-j', '-4', 'route', 'show'])) as { dst: string; gateway?: string; dev: string }[];
    // One default route, the configured one: the DHCP server's router option is not applied.
    assert.deepEqual(routes.filter((r) => r.dst === 'default').map((r) => [r.gateway, r.dev]), [['192.168.0.1', 'eth1']], JSON.stringify(routes));
    assert.ok(routes.some((r) => r.dst === '10.0.0.0/8' && r.gateway === '192.168.0.1'));

    // OpenVNet holds both, with the same MAC/IP, and port names equal to the bridge ports.
    // The bridge's ports: Linux `master` links, or the OVS bridge's ports (our rows tagged owner=vnet-driver
    // with the container id and CNI_IFNAME).
    const ports = kind === 'linux'
      ? (JSON.parse(await must('ip', ['-n', fx.hostNs, '-j', 'link', 'show', 'master', fx.bridge])) as { ifname: string }[]).map((l) => l.ifname).filter((n) => n.startsWith('if-'))
      : await ovsPorts(fx);
    if (kind === 'ovs') {
      const rows = JSON.parse(await must('ovs-vsctl', [`--db=${fx.ovsDb}`, '--format=json', '--columns=name,external_ids', 'find', 'interface', 'external_ids:owner=vnet-driver'], { env: fx.ovsEnv })) as { data: [string, ['map', [string, string][]]][] };
      const owners = rows.data.map((row) => Object.fromEntries(row[1][1]) as Record<string, string>).sort((a, b) => a.iface.localeCompare(b.iface));
      assert.deepEqual(owners.map((o) => [o.container_id, o.iface, o.vnet_network, o.netns]), [[cid, 'eth0', 'nw-vnet1', netns], [cid, 'eth1', 'nw-vnet3', netns]]);
    }
    assert.equal(ports.length, 2, ports.join(','));
    const records = (await client.listInterfaces()).filter((i) => i.mode === 'vif');
    assert.equal(records.length, 2);
    const want = new Map([['02:00:0a:00:00:11', '10.0.0.100'], ['02:00:c0:a8:00:64', '192.168.0.100']]);
    for (const rec of records) {
      assert.equal(rec.ipv4Address, want.get(rec.macAddress ?? ''));
      const recPorts = await client.listInterfacePorts(rec.uuid);
      assert.equal(recPorts.length, 1);
      assert.equal(recPorts[0].portName, rec.uuid);
      assert.equal(recPorts[0].datapathUuid, `dp-${fx.R}`);
      assert.ok(ports.includes(recPorts[0].portName ?? ''), `${recPorts[0].portName} on ${fx.bridge}`);
    }
    // The DHCP address really works on the bridge.
    await must('nsenter', [`--net=${netns}`, 'ping', '-c1', '-W2', '10.0.0.2']);

    for (const name of ['DEL-eth0.json', 'DEL-eth1.json', 'DEL-eth0.json', 'DEL-eth1.json']) {
      const del = invocation(recorded(name), netns, cid);
      const r = await runDriver(del.env, del.stdin);
      assert.equal(r.code, 0, `${name}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '');
    }
    assert.deepEqual(stateLeftovers(fx.stateDir), []);
    assert.deepEqual(await driverLinks(fx), []);
    if (kind === 'ovs') assert.deepEqual(await ovsPorts(fx), []);
    assert.deepEqual((await client.listInterfaces()).filter((i) => i.mode === 'vif'), []);
    const inside = JSON.parse(await must('nsenter', [`--net=${netns}`, 'ip', '-j', 'link', 'show'])) as { ifname: string }[];
    assert.deepEqual(inside.map((l) => l.ifname), ['lo']);
  });

  it('DEL after the namespace is gone (no CNI_NETNS, as after a reboot) succeeds and leaves nothing', async () => {
    const cid = `gone-${fx.R}`;
    const netns = await fx.mesosNetns('g', cid);
    const add = invocation(recorded('ADD-eth1.json'), netns, cid);
    const r = await runDriver(add.env, add.stdin);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal((await driverLinks(fx)).length, 1);
    await fx.delNetns(netns);
    await fx.delNetns(`/var/run/netns/vg${fx.R}`);
    for (let i = 0; i < 2; i++) {
      const del = invocation(recorded('DEL-eth1.json'), undefined, cid);
      const d = await runDriver(del.env, del.stdin);
      assert.equal(d.code, 0, d.stdout + d.stderr);
    }
    assert.deepEqual(stateLeftovers(fx.stateDir), []);
    assert.deepEqual(await driverLinks(fx), []);
    if (kind === 'ovs') assert.deepEqual(await ovsPorts(fx), []);
    assert.deepEqual((await client.listInterfaces()).filter((i) => i.mode === 'vif'), []);
  });

  it('DEL with no state at all, no CNI_NETNS and no prevResult finds veth, port, record and DHCP client by their marks', async () => {
    const cid = `lost-${fx.R}`;
    const netns = await fx.mesosNetns('l', cid);
    // The same two interfaces again (the first test released their MACs and addresses).
    const adds = [invocation(recorded('ADD-eth0.json'), netns, cid), invocation(recorded('ADD-eth1.json'), netns, cid)];
    for (const a of adds) {
      const r = await runDriver(a.env, a.stdin);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    }
    const clients = (await must('ps', ['-eo', 'stat=,args='])).split('\n').map((l) => l.trim()).filter((l) => l.includes(fx.stateDir) && !l.startsWith('Z'));
    assert.equal(clients.length, 1, clients.join('\n'));
    assert.equal((await driverLinks(fx)).length, 2);
    // The whole state dir is lost (step logs, pid files, leases, hooks).
    fs.rmSync(fx.stateDir, { recursive: true, force: true });
    for (let i = 0; i < 2; i++) {
      for (const name of ['DEL-eth0.json', 'DEL-eth1.json']) {
        const del = invocation(recorded(name), undefined, cid);
        const r = await runDriver(del.env, del.stdin);
        assert.equal(r.code, 0, `${name}: ${r.stdout}${r.stderr}`);
      }
    }
    assert.deepEqual(await driverLinks(fx), []);
    if (kind === 'ovs') assert.deepEqual(await ovsPorts(fx), []);
    assert.deepEqual((await client.listInterfaces()).filter((i) => i.mode === 'vif'), []);
    const left = (await must('ps', ['-eo', 'stat=,args='])).split('\n').map((l) => l.trim()).filter((l) => l.includes(fx.stateDir) && !l.startsWith('Z'));
    assert.deepEqual(left, [], 'the DHCP client was not stopped');
    const inside = JSON.parse(await must('nsenter', [`--net=${netns}`, 'ip', '-j', 'link', 'show'])) as { ifname: string }[];
    assert.deepEqual(inside.map((l) => l.ifname), ['lo']);
    await fx.delNetns(netns);
  });
});

describeNeeding(['root', 'netns', 'dnsmasq', 'dhclient'], 'driver: Mesos invocation with dhclient (integration, Linux bridge, dnsmasq)', function () {
  this.timeout(60000);
  let fx: NetFixture;
  let vnet: Vnet;

  before(async () => {
    fx = await NetFixture.create('linux');
    vnet = await startVnet();
    const server = await plugPeer(fx, 'd', '10.0.0.2/24', '02:00:0a:00:00:02');
    await startDnsmasq(fx, server, { hosts: [{ mac: '02:00:0a:00:00:11', ip: '10.0.0.100' }], net: '10.0.0.0', netmask: '255.255.255.0', options: SERVER_OPTIONS });
  });

  after(() => tearDown(fx, vnet));

  it('gets the address OpenVNet leased; DEL stops the client', async () => {
    const rec = recorded('ADD-eth0.json');
    const cid = `dhclient-${fx.R}`;
    const netns = await fx.mesosNetns('x', cid);
    const stdin: Record<string, unknown> = {
      ...rec.stdin, bridge: fx.bridge, hostNetns: fx.hostNsPath, stateDir: fx.stateDir, dhcp: { client: 'dhclient', timeoutMs: 8000 },
      openvnet: { url: vnet.url, datapath: `dp-${fx.R}`, dpid: `0x0000${fx.R}${fx.R}`, leasePolicy: 'lp-vnet1', retries: 0 },
    };
    const env = { ...rec.env, PATH: undefined, CNI_NETNS: netns, CNI_CONTAINERID: cid };
    const before = hostFiles();
    const r = await runDriver(env, stdin);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(r.json, { cniVersion: '0.2.0', ip4: { ip: '10.0.0.100/24' }, dns: {} });
    assert.deepEqual(hostFiles(), before, 'the DHCP hook changed a host file');
    const files = fs.readdirSync(path.join(fx.stateDir, 'dhcp')).filter((n) => n.endsWith('.pid'));
    assert.equal(files.length, 1);
    const pidFile = path.join(fx.stateDir, 'dhcp', files[0]);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    assert.match(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /^dhclient\0/);
    const d = await runDriver({ ...env, CNI_COMMAND: 'DEL' }, stdin);
    assert.equal(d.code, 0, d.stdout + d.stderr);
    const cmdline = fs.existsSync(`/proc/${pid}/cmdline`) ? fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
    assert.doesNotMatch(cmdline, /dhclient/);
    assert.deepEqual(stateLeftovers(fx.stateDir), []);
  });
});
