// Pure parts of the driver: result shapes per version, interface spec channels and precedence,
// names, IPv4 maths, OVS rows, ip batch lines.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseNetConf } from '../../driver/cni/config';
import { checkAgainstSubnet, parseCniArgs, readInterfaceSpec } from '../../driver/cni/interface-spec';
import { formatCidr, cidrHosts, cidrContains, isNetworkOrBroadcast, cidrNetwork, parseCidrText, parseIPv4 } from '../../src/lib/ipv4';
import { deriveMac, hostIfName, isInterfaceName, parseDpid, parseMac } from '../../driver/cni/names';
import { sha256Hex } from '../../driver/cni/sha256';
import { fromCniResult, toCniResult, type CurrentResult } from '../../driver/cni/result';
import { requireVersion, versionAnswer } from '../../driver/cni/version';
import { batchText, deleteLink, showLink } from '../../driver/plumb/ip';
import type { Runner } from '../../driver/plumb/exec';
import { addressLines, containerEndLines, hostEndLines } from '../../driver/plumb/link';
import { ipIn } from '../../driver/plumb/netns';
import { addPortArgs, decodeInterfaceRows } from '../../driver/plumb/ovs';
import { ownerTag, recordDisplayName } from '../../driver/openvnet/registry';

const RESULT: CurrentResult = {
  interfaces: [{ name: 'if-0123456789ab' }, { name: 'eth1', mac: '02:00:c0:a8:00:64', sandbox: '/run/netns/c' }],
  ips: [{ address: '192.168.0.100/24', gateway: '192.168.0.1', interface: 1 }],
  routes: [{ dst: '0.0.0.0/0', gw: '192.168.0.1' }, { dst: '10.0.0.0/8', gw: '192.168.0.1' }],
  dns: {},
};

describe('driver: result shapes (unit)', () => {
  const rows: { version: Parameters<typeof toCniResult>[1]; why: string; want: Record<string, unknown> }[] = [
    {
      version: '0.2.0', why: 'Mesos reads only ip4',
      want: { cniVersion: '0.2.0', ip4: { ip: '192.168.0.100/24', gateway: '192.168.0.1', routes: RESULT.routes }, dns: {} },
    },
    {
      version: '0.1.0', why: 'same legacy shape',
      want: { cniVersion: '0.1.0', ip4: { ip: '192.168.0.100/24', gateway: '192.168.0.1', routes: RESULT.routes }, dns: {} },
    },
    {
      version: '0.4.0', why: 'ips carry version',
      want: { cniVersion: '0.4.0', interfaces: RESULT.interfaces, ips: [{ version: '4', address: '192.168.0.100/24', gateway: '192.168.0.1', interface: 1 }], routes: RESULT.routes, dns: {} },
    },
    {
      version: '0.3.1', why: 'ips carry version',
      want: { cniVersion: '0.3.1', interfaces: RESULT.interfaces, ips: [{ version: '4', address: '192.168.0.100/24', gateway: '192.168.0.1', interface: 1 }], routes: RESULT.routes, dns: {} },
    },
    {
      version: '1.0.0', why: '1.x drops version',
      want: { cniVersion: '1.0.0', interfaces: RESULT.interfaces, ips: [{ address: '192.168.0.100/24', gateway: '192.168.0.1', interface: 1 }], routes: RESULT.routes, dns: {} },
    },
    {
      version: '1.1.0', why: '1.x drops version',
      want: { cniVersion: '1.1.0', interfaces: RESULT.interfaces, ips: [{ address: '192.168.0.100/24', gateway: '192.168.0.1', interface: 1 }], routes: RESULT.routes, dns: {} },
    },
  ];
  for (const r of rows) {
    it(`${r.version}: ${r.why}`, () => {
      const wire = toCniResult(RESULT, r.version);
      assert.deepEqual(wire, r.want);
      // Reading it back (as CHECK reads prevResult) keeps address, gateway and routes.
      const back = fromCniResult(wire);
      assert.equal(back?.ips[0].address, '192.168.0.100/24');
      assert.equal(back?.ips[0].gateway, '192.168.0.1');
      assert.deepEqual(back?.routes, RESULT.routes);
    });
  }
  it('legacy result without an address has no ip4', () => {
    assert.deepEqual(toCniResult({ ...RESULT, ips: [] }, '0.2.0'), { cniVersion: '0.2.0', dns: {} });
  });
  it('absent cniVersion answers as 0.2.0; unknown is code 1', () => {
    assert.equal(requireVersion(undefined), '0.2.0');
    assert.throws(() => requireVersion('2.0.0'), (e: { code: number }) => e.code === 1);
    assert.deepEqual(versionAnswer('0.4.0').cniVersion, '0.4.0');
    assert.deepEqual(versionAnswer(undefined).supportedVersions, ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']);
  });
  it('fromCniResult refuses non-results', () => {
    assert.equal(fromCniResult(null), null);
    assert.equal(fromCniResult({ ips: [{}] }), null);
    assert.equal(fromCniResult({ cniVersion: '1.0.0' }), null);
  });
});

describe('driver: interface spec (unit)', () => {
  const base = { networkName: 'nw-vnet3', containerId: 'c1', ifName: 'eth0', cniArgs: undefined };
  const mesos = (labels: Record<string, string>, ip?: string): Record<string, unknown> => ({
    args: { 'org.apache.mesos': { network_info: { name: 'nw-vnet3', ...(ip === undefined ? {} : { ip_addresses: [{ ip_address: ip }] }), labels: { labels: Object.entries(labels).map(([key, value]) => ({ key, value })) } } } },
  });
  it('reads every Mesos label', () => {
    const s = readInterfaceSpec({ ...base, raw: mesos({ 'vnet.interface': 'data0', 'vnet.bootproto': 'static', 'vnet.address': '192.168.0.5/24', 'vnet.gateway': '192.168.0.1', 'vnet.mac': '02:AA:bb:cc:dd:ee', 'vnet.routes': '[{"destination":"10.0.0.0/8","gateway":"192.168.0.1"}]', 'vnet.mtu': '1400', 'vnet.app': '/a', 'vnet.slot': '3' }, '192.168.0.5') });
    assert.deepEqual(s, {
      ifName: 'data0', bootproto: 'static', address: { ip: '192.168.0.5', prefix: 24 }, gateway: '192.168.0.1', mac: '02:aa:bb:cc:dd:ee',
      routes: [{ dst: { ip: '10.0.0.0', prefix: 8 }, gw: '192.168.0.1' }], mtu: 1400, app: '/a', slot: 3,
    });
  });
  it('without labels: DHCP on CNI_IFNAME with a MAC derived from container and interface', () => {
    const s = readInterfaceSpec({ ...base, raw: {} });
    assert.equal(s.bootproto, 'dhcp');
    assert.equal(s.ifName, 'eth0');
    assert.equal(s.mac, deriveMac('container', 'c1', 'eth0'));
  });
  it('app and slot give the MAC, so a replacement task keeps it', () => {
    const a = readInterfaceSpec({ ...base, containerId: 'c1', raw: mesos({ 'vnet.app': '/a', 'vnet.slot': '0' }) });
    const b = readInterfaceSpec({ ...base, containerId: 'c2', raw: mesos({ 'vnet.app': '/a', 'vnet.slot': '0' }) });
    assert.equal(a.mac, b.mac);
  });
  it('CNI_ARGS, runtimeConfig and args.cni for other runtimes; Mesos first, then args.cni, runtimeConfig, CNI_ARGS', () => {
    const s = readInterfaceSpec({ ...base, cniArgs: 'IgnoreUnknown=1;K8S_POD_NAME=x;IP=192.168.0.9/24;MAC=02:00:00:00:00:09;GATEWAY=192.168.0.1', raw: { runtimeConfig: { mac: '02:00:00:00:00:08' } } });
    assert.deepEqual([s.address, s.mac, s.gateway, s.bootproto], [{ ip: '192.168.0.9', prefix: 24 }, '02:00:00:00:00:08', '192.168.0.1', 'static']);
    const t = readInterfaceSpec({ ...base, raw: { args: { cni: { ips: ['192.168.0.7/24'], mac: '02:00:00:00:00:07' } }, runtimeConfig: { ips: ['192.168.0.8/24'] } } });
    assert.deepEqual([t.address, t.mac], [{ ip: '192.168.0.7', prefix: 24 }, '02:00:00:00:00:07']);
  });
  it('CNI_ARGS syntax', () => {
    assert.deepEqual([...parseCniArgs('A=1;B=x=y;;')], [['A', '1'], ['B', 'x=y']]);
    assert.throws(() => parseCniArgs('novalue'), (e: { code: number }) => e.code === 4);
  });
  it('subnet check fills the prefix and refuses outsiders', () => {
    const s = readInterfaceSpec({ ...base, raw: mesos({}, '192.168.0.5') });
    assert.deepEqual(checkAgainstSubnet(s, { ip: '192.168.0.0', prefix: 24 }).address, { ip: '192.168.0.5', prefix: 24 });
    assert.throws(() => checkAgainstSubnet(s, { ip: '10.0.0.0', prefix: 24 }), (e: { code: number }) => e.code === 7);
  });
});

describe('driver: names and addresses (unit)', () => {
  it('host ifname: 15 chars, stable, distinct per interface and kind', () => {
    const a = hostIfName('vif', '83d3bb69-6bd6-41fa-aa7a-68dd1700eeea', 'eth0');
    assert.match(a, /^if-[0-9a-f]{12}$/);
    assert.equal(a.length, 15);
    assert.equal(a, hostIfName('vif', '83d3bb69-6bd6-41fa-aa7a-68dd1700eeea', 'eth0'));
    assert.notEqual(a, hostIfName('vif', '83d3bb69-6bd6-41fa-aa7a-68dd1700eeea', 'eth1'));
    assert.match(hostIfName('agent-link', 'x', 'eth2'), /^al-[0-9a-f]{12}$/);
  });
  it('interface names', () => {
    for (const ok of ['eth0', 'a', 'data_0.1-x', 'abcdefghijklmno']) assert.ok(isInterfaceName(ok), ok);
    for (const bad of ['', 'lo', '.', '..', 'abcdefghijklmnop', 'eth0;x', 'eth 0', 'eth/0', 'eth0\n']) assert.ok(!isInterfaceName(bad), bad);
  });
  it('MACs: derived ones are locally administered unicast', () => {
    const m = deriveMac('x');
    assert.equal(parseMac(m), m);
    assert.ok(m.startsWith('02:'));
    assert.equal(parseMac('02-AA-BB-CC-DD-EE'), '02:aa:bb:cc:dd:ee');
    assert.equal(parseMac('03:00:00:00:00:01'), null);
  });
  it('OpenVNet display names fit the 255-character column and always end with the owner tag gc looks for', () => {
    assert.equal(recordDisplayName('/vnettest', 'cid', 'eth1', 'dp-node1'), '/vnettest eth1 (vnet-driver:dp-node1)');
    assert.equal(recordDisplayName(null, 'cid', 'eth1', 'dp-node1'), 'cid eth1 (vnet-driver:dp-node1)');
    const long = recordDisplayName(`/${'a'.repeat(600)}\n/x`, 'cid', 'eth012345678901', 'dp-0123456789abcdef');
    assert.equal(long.length, 255);
    assert.ok(long.endsWith(` eth012345678901 ${ownerTag('dp-0123456789abcdef')}`), long);
    assert.equal(recordDisplayName('/a\nb\u0000c', 'cid', 'eth0', 'dp-x'), '/a?b?c eth0 (vnet-driver:dp-x)');
  });

  it('dpid normalisation', () => {
    assert.equal(parseDpid('0x1'), '0x0000000000000001');
    assert.equal(parseDpid('ABCDEF'), '0x0000000000abcdef');
    assert.equal(parseDpid('0x12345678901234567'), null);
  });
  it('IPv4 maths', () => {
    assert.equal(parseIPv4('010.0.0.1'), undefined);
    assert.equal(parseIPv4('1.2.3.4'), 0x01020304);
    assert.deepEqual(parseCidrText('10.1.2.3/8'), { ip: '10.1.2.3', prefix: 8 });
    assert.equal(parseCidrText('10.1.2.3/08'), null);
    assert.equal(formatCidr(cidrNetwork({ ip: '10.1.2.3', prefix: 8 })), '10.0.0.0/8');
    assert.ok(cidrContains({ ip: '192.168.0.0', prefix: 24 }, '192.168.0.200'));
    assert.ok(!cidrContains({ ip: '192.168.0.0', prefix: 24 }, '192.168.1.1'));
    assert.ok(isNetworkOrBroadcast({ ip: '192.168.0.0', prefix: 24 }, '192.168.0.255'));
    assert.deepEqual([...cidrHosts({ ip: '169.254.128.0', prefix: 30 })], ['169.254.128.1', '169.254.128.2']);
  });
  it('config defaults: linux bridge, udhcpc, /var/lib/vnet-driver, derived datapath', () => {
    const { conf } = parseNetConf({ name: 'nw-a', type: 'vnet-driver', bridge: 'br0', openvnet: { url: 'http://v:9090' } }, { hostName: 'h1' });
    assert.equal(conf.cniVersion, '0.2.0');
    assert.equal(conf.bridgeType, 'linux');
    assert.equal(conf.stateDir, '/var/lib/vnet-driver');
    assert.equal(conf.dhcp.client, 'udhcpc');
    assert.match(conf.openvnet?.datapath ?? '', /^dp-[0-9a-f]{12}$/);
    assert.match(conf.openvnet?.dpid ?? '', /^0x[0-9a-f]{16}$/);
    assert.equal(conf.openvnet?.nodeId, 'vna');
  });
  it('lenient parsing (DEL) collects problems instead of failing', () => {
    const { conf, problems } = parseNetConf({ name: 'nw-a', type: 'vnet-driver', bridge: 'b;r', mtu: 1 }, { hostName: 'h', lenient: true });
    assert.equal(conf.bridge, null);
    assert.equal(problems.length, 2);
  });
});

describe('driver: command lines (unit)', () => {
  it('ip batch: veth born in the container namespace, alias, master, up', () => {
    const lines = hostEndLines({ hostIf: 'if-0123456789ab', containerNetns: '/run/netns/c', containerIf: 'eth0', alias: 'vnet-driver:c1:eth0', mtu: 1400, master: 'br0', address: null, routeTo: null });
    assert.equal(batchText(lines), [
      'link add if-0123456789ab mtu 1400 type veth peer name eth0 mtu 1400 netns /run/netns/c',
      'link set dev if-0123456789ab alias vnet-driver:c1:eth0',
      'link set dev if-0123456789ab master br0',
      'link set dev if-0123456789ab up',
    ].join('\n') + '\n');
  });
  it('container side: MAC before up, then address, default route, routes', () => {
    const lines = containerEndLines({ ifName: 'eth1', mac: '02:00:00:00:00:01', address: '192.168.0.5/24', gateway: '192.168.0.1', routes: [{ dst: '10.0.0.0/8', gw: '192.168.0.1' }] });
    assert.deepEqual(lines.map((l) => l.join(' ')), [
      'link set dev eth1 address 02:00:00:00:00:01', 'link set dev eth1 up', 'addr add 192.168.0.5/24 dev eth1',
      'route add default via 192.168.0.1 dev eth1', 'route add 10.0.0.0/8 via 192.168.0.1 dev eth1',
    ]);
    assert.deepEqual(addressLines({ ifName: 'eth1', mac: '', address: null, gateway: null, routes: [{ dst: '10.1.0.1/32', gw: '169.254.0.1', onlink: true }] }).map((l) => l.join(' ')), ['route add 10.1.0.1/32 via 169.254.0.1 dev eth1 onlink']);
  });
  it('a link already being unregistered (ENODEV on the get request) is gone for DEL; other failures are errors', async () => {
    const enodev = 'RTNETLINK answers: No such device\nCannot send link get request: No such device\n';
    const answers = (del: string, show: string): Runner => async (_cmd, args) =>
      ({ code: 1, stdout: '', stderr: args.includes('del') ? del : show });
    assert.equal(await showLink(answers('', enodev), 'ns1', 'if-0123456789ab'), null);
    assert.equal(await showLink(answers('', 'Device "if-0123456789ab" does not exist.\n'), null, 'if-0123456789ab'), null);
    assert.equal(await deleteLink(answers('RTNETLINK answers: No such device\n', enodev), 'ns1', 'if-0123456789ab'), 'absent');
    await assert.rejects(showLink(answers('', 'RTNETLINK answers: Operation not permitted\n'), null, 'if-0123456789ab'), (e: unknown) => (e as { code?: number }).code === 100);
  });

  it('batch refuses a token that would start a second command', () => {
    assert.throws(() => batchText([['link', 'set', 'eth0\nlink del eth1']]));
    assert.throws(() => batchText([['link', 'set', 'eth0 up']]));
  });
  it('netns scoping: named namespaces use ip -n, paths go through nsenter', () => {
    assert.deepEqual(ipIn('/var/run/netns/vh1', ['link']), ['ip', ['-n', 'vh1', 'link']]);
    assert.deepEqual(ipIn('/run/mesos/x/ns', ['link']), ['nsenter', ['--net=/run/mesos/x/ns', 'ip', 'link']]);
    assert.deepEqual(ipIn(null, ['link']), ['ip', ['link']]);
  });
  it('OVS port: one transaction with our external_ids', () => {
    assert.deepEqual(addPortArgs('unix:/w/db.sock', 'br0', 'if-0123456789ab', { containerId: 'c1', iface: 'eth0', network: 'nw-a', netns: '/run/netns/c' }), [
      '--timeout=10', '--db=unix:/w/db.sock', '--', '--may-exist', 'add-port', 'br0', 'if-0123456789ab', '--', 'set', 'interface', 'if-0123456789ab',
      'external_ids:container_id="c1"', 'external_ids:iface="eth0"', 'external_ids:owner=vnet-driver', 'external_ids:vnet_network="nw-a"', 'external_ids:netns="/run/netns/c"',
    ]);
  });
  it('OVSDB JSON rows: maps, one-element sets, empty sets', () => {
    const rows = decodeInterfaceRows(JSON.stringify({
      headings: ['name', 'external_ids', 'ofport', 'error'],
      data: [['if-0123456789ab', ['map', [['container_id', 'c1'], ['owner', 'vnet-driver']]], 1, ['set', []]],
        ['if-ba9876543210', ['map', []], -1, 'could not open network device if-ba9876543210 (No such device)']],
    }));
    assert.deepEqual(rows, [
      { name: 'if-0123456789ab', externalIds: { container_id: 'c1', owner: 'vnet-driver' }, ofport: 1, error: null },
      { name: 'if-ba9876543210', externalIds: {}, ofport: -1, error: 'could not open network device if-ba9876543210 (No such device)' },
    ]);
  });
});

describe('driver: sha256 without node:crypto (unit, property)', () => {
  it('equals node:crypto on 2,000 seeded strings (empty, block edges, multi-byte)', () => {
    let seed = 13;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const alphabet = 'ab\0:-_é€😀';
    for (let i = 0; i < 2000; i++) {
      const len = [0, 55, 56, 63, 64, 119, 120][i] ?? rnd(300);
      let s = '';
      while ([...s].length < len) s += [...alphabet][rnd([...alphabet].length)];
      assert.equal(sha256Hex(s), createHash('sha256').update(s).digest('hex'), JSON.stringify(s));
    }
  });
});
