// Bad configs, environments and label values: each gets the right CNI error code, leaves no
// state, and no command runs at all (the recording runner stays empty), so no bad value can
// ever reach a command line.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCni } from '../../driver/commands/skel';
import { fakes } from './driver-fakes';

type Json = Record<string, unknown>;
interface Case {
  why: string;
  code: number;
  env?: Record<string, string | undefined>;
  conf?: (c: Json) => Json;
  labels?: Record<string, string>;
  info?: (ni: Json) => Json;
  stdin?: string;
  openvnetDown?: boolean;
}

const VALID_LABELS = {
  'vnet.interface': 'eth1', 'vnet.bootproto': 'static', 'vnet.address': '192.168.0.100/24', 'vnet.gateway': '192.168.0.1',
  'vnet.mac': '02:00:c0:a8:00:64', 'vnet.routes': '[{"destination":"10.0.0.0/8","gateway":"192.168.0.1"}]',
};

const withOv = (f: (ov: Json) => Json) => (c: Json): Json => ({ ...c, openvnet: f({ ...(c.openvnet as Json) }) });

const CASES: Case[] = [
  // environment (code 4, or 3 for a namespace that does not exist)
  { why: 'CNI_CONTAINERID missing', code: 4, env: { CNI_CONTAINERID: undefined } },
  { why: 'CNI_NETNS missing on ADD', code: 4, env: { CNI_NETNS: undefined } },
  { why: 'CNI_IFNAME missing', code: 4, env: { CNI_IFNAME: undefined } },
  { why: 'unknown CNI_COMMAND', code: 4, env: { CNI_COMMAND: 'FOO' } },
  { why: 'CNI_IFNAME with a shell separator', code: 4, env: { CNI_IFNAME: 'eth0;reboot' } },
  { why: 'CNI_IFNAME lo', code: 4, env: { CNI_IFNAME: 'lo' } },
  { why: 'CNI_IFNAME longer than 15', code: 4, env: { CNI_IFNAME: 'eth0123456789012' } },
  { why: 'CNI_IFNAME with a space', code: 4, env: { CNI_IFNAME: 'eth 0' } },
  { why: 'CNI_CONTAINERID path traversal', code: 4, env: { CNI_CONTAINERID: '../etc/passwd' } },
  { why: 'CNI_NETNS relative', code: 4, env: { CNI_NETNS: 'run/netns/x' } },
  { why: 'CNI_NETNS with ..', code: 4, env: { CNI_NETNS: '/var/run/../../etc/shadow' } },
  { why: 'CNI_NETNS with a newline', code: 4, env: { CNI_NETNS: '/var/run/netns/x\nlink del eth0' } },
  { why: 'CNI_NETNS that does not exist', code: 3, env: { CNI_NETNS: '/var/run/netns/vnet-driver-unit-absent' } },
  { why: 'CNI_ARGS not K=V', code: 4, env: { CNI_ARGS: 'garbage;x' } },
  { why: 'CNI_ARGS unknown key', code: 2, env: { CNI_ARGS: 'FOO=bar' } },
  { why: 'CNI_ARGS bad IP', code: 7, env: { CNI_ARGS: 'IgnoreUnknown=1;IP=192.168.0.300/24' }, labels: {} },
  // decoding and versions
  { why: 'stdin not JSON', code: 6, stdin: '{"cniVersion":' },
  { why: 'stdin a JSON array', code: 6, stdin: '[1,2]' },
  { why: 'stdin empty on ADD', code: 6, stdin: '' },
  { why: 'unknown cniVersion', code: 1, conf: (c) => ({ ...c, cniVersion: '9.9.9' }) },
  { why: 'cniVersion between known ones', code: 1, conf: (c) => ({ ...c, cniVersion: '0.5.0' }) },
  // network config (code 7)
  { why: 'name missing', code: 7, conf: (c) => ({ ...c, name: undefined }) },
  { why: 'bridge missing', code: 7, conf: (c) => ({ ...c, bridge: undefined }) },
  { why: 'bridge with a separator', code: 7, conf: (c) => ({ ...c, bridge: 'br0;reboot' }) },
  { why: 'bridgeType unknown', code: 7, conf: (c) => ({ ...c, bridgeType: 'vpp' }) },
  { why: 'mode unknown', code: 7, conf: (c) => ({ ...c, mode: 'macvlan' }) },
  { why: 'stateDir relative', code: 7, conf: (c) => ({ ...c, stateDir: 'var/lib/x' }) },
  // paths are what they claim, addresses consistent (issue 13)
  { why: 'CNI_NETNS a plain file (/etc/shadow)', code: 4, env: { CNI_NETNS: '/etc/shadow' } },
  { why: 'CNI_NETNS a directory', code: 4, env: { CNI_NETNS: '/proc/self/ns' } },
  { why: 'hostNetns a plain file (/etc/shadow)', code: 7, conf: (c) => ({ ...c, hostNetns: '/etc/shadow' }) },
  { why: 'hostNetns that does not exist', code: 7, conf: (c) => ({ ...c, hostNetns: '/var/run/netns/vnet-driver-unit-absent' }) },
  { why: 'stateDir a file (/dev/null)', code: 7, conf: (c) => ({ ...c, stateDir: '/dev/null' }) },
  { why: 'stateDir under a file', code: 7, conf: (c) => ({ ...c, stateDir: '/etc/hostname/state' }) },
  { why: 'stateDir on sysfs', code: 7, conf: (c) => ({ ...c, stateDir: '/sys/kernel/vnet-driver' }) },
  { why: 'config gateway outside the config subnet', code: 7, conf: (c) => ({ ...c, openvnet: undefined, name: 'nw-local', subnet: '10.77.0.0/24', gateway: '1.1.1.1' }), info: (ni) => ({ ...ni, name: 'nw-local', ip_addresses: [] }), labels: { 'vnet.address': '10.77.0.5/24' } },
  { why: 'config gateway = the subnet\'s broadcast address', code: 7, conf: (c) => ({ ...c, openvnet: undefined, name: 'nw-local', subnet: '10.77.0.0/24', gateway: '10.77.0.255' }), info: (ni) => ({ ...ni, name: 'nw-local', ip_addresses: [] }), labels: { 'vnet.address': '10.77.0.5/24' } },
  { why: 'config gateway outside the OpenVNet subnet', code: 7, conf: (c) => ({ ...c, gateway: '1.1.1.1' }), labels: { 'vnet.address': '192.168.0.100/24' } },
  { why: 'subnet /0', code: 7, conf: (c) => ({ ...c, subnet: '0.0.0.0/0' }) },
  { why: 'agent-link linkRange 0.0.0.0/0', code: 7, conf: (c) => ({ ...c, mode: 'agent-link', agentAddress: '10.254.0.1', linkRange: '0.0.0.0/0' }) },
  { why: 'agent-link linkRange not link-local', code: 7, conf: (c) => ({ ...c, mode: 'agent-link', agentAddress: '10.254.0.1', linkRange: '10.0.0.0/24' }) },
  { why: 'agent-link linkRange wider than 169.254/16', code: 7, conf: (c) => ({ ...c, mode: 'agent-link', agentAddress: '10.254.0.1', linkRange: '169.0.0.0/8' }) },
  { why: 'agent-link linkRange /31', code: 7, conf: (c) => ({ ...c, mode: 'agent-link', agentAddress: '10.254.0.1', linkRange: '169.254.9.0/31' }) },
  { why: 'agent-link linkHostAddress not link-local', code: 7, conf: (c) => ({ ...c, mode: 'agent-link', agentAddress: '10.254.0.1', linkHostAddress: '10.0.0.1' }) },
  { why: 'agent-link agentAddress 0.0.0.0', code: 7, conf: (c) => ({ ...c, mode: 'agent-link', agentAddress: '0.0.0.0' }) },
  { why: 'agent-link agentAddress multicast', code: 7, conf: (c) => ({ ...c, mode: 'agent-link', agentAddress: '224.0.0.1' }) },
  { why: 'commandTimeoutMs 0', code: 7, conf: (c) => ({ ...c, commandTimeoutMs: 0 }) },
  { why: 'deadlineMs below the DHCP timeout', code: 7, conf: (c) => ({ ...c, deadlineMs: 2000, dhcp: { timeoutMs: 5000 } }) },
  { why: 'hostNetns with a space', code: 7, conf: (c) => ({ ...c, hostNetns: '/run/netns/a b' }) },
  { why: 'ovsDb not a socket target', code: 7, conf: (c) => ({ ...c, ovsDb: 'tcp:example.com:1' }) },
  { why: 'mtu too small', code: 7, conf: (c) => ({ ...c, mtu: 10 }) },
  { why: 'openvnet.url not http', code: 7, conf: withOv((ov) => ({ ...ov, url: 'ftp://vnmgr' })) },
  { why: 'openvnet.datapath not a dp uuid', code: 7, conf: withOv((ov) => ({ ...ov, datapath: 'DP_X' })) },
  { why: 'openvnet.dpid not hex', code: 7, conf: withOv((ov) => ({ ...ov, dpid: '0xzz' })) },
  { why: 'openvnet.leasePolicy not an lp uuid', code: 7, conf: withOv((ov) => ({ ...ov, leasePolicy: 'policy 1' })) },
  { why: 'dhcp.client unknown', code: 7, conf: (c) => ({ ...c, dhcp: { client: 'dhcpcd' } }) },
  { why: 'agent-link without agentAddress', code: 7, conf: (c) => ({ ...c, mode: 'agent-link' }) },
  { why: 'agent-link range too small', code: 7, conf: (c) => ({ ...c, mode: 'agent-link', agentAddress: '10.1.1.1', linkRange: '169.254.0.0/31' }) },
  { why: 'network name is not an OpenVNet uuid', code: 7, conf: (c) => ({ ...c, name: 'vnet3' }), info: (ni) => ({ ...ni, name: 'vnet3' }) },
  // labels and network_info (code 7)
  { why: 'label vnet.interface injection', code: 7, labels: { ...VALID_LABELS, 'vnet.interface': 'eth0;reboot' } },
  { why: 'label vnet.interface with a space', code: 7, labels: { ...VALID_LABELS, 'vnet.interface': 'eth 1' } },
  { why: 'label vnet.bootproto unknown', code: 7, labels: { ...VALID_LABELS, 'vnet.bootproto': 'bootp' } },
  { why: 'address outside the subnet', code: 7, labels: { ...VALID_LABELS, 'vnet.address': '10.9.9.9/24' }, info: (ni) => ({ ...ni, ip_addresses: [{ protocol: 'IPv4', ip_address: '10.9.9.9' }] }) },
  { why: 'address not an IPv4', code: 7, labels: { ...VALID_LABELS, 'vnet.address': '192.168.0.300/24' }, info: (ni) => ({ ...ni, ip_addresses: [] }) },
  { why: 'address prefix differs from the network', code: 7, labels: { ...VALID_LABELS, 'vnet.address': '192.168.0.100/16' } },
  { why: 'address is the network address', code: 7, labels: { ...VALID_LABELS, 'vnet.address': '192.168.0.0/24' }, info: (ni) => ({ ...ni, ip_addresses: [] }) },
  { why: 'address is the broadcast address', code: 7, labels: { ...VALID_LABELS, 'vnet.address': '192.168.0.255/24' }, info: (ni) => ({ ...ni, ip_addresses: [] }) },
  { why: 'label address disagrees with ip_addresses', code: 7, labels: { ...VALID_LABELS, 'vnet.address': '192.168.0.101/24' } },
  { why: 'gateway outside the subnet', code: 7, labels: { ...VALID_LABELS, 'vnet.gateway': '10.0.0.1' } },
  { why: 'gateway not an address', code: 7, labels: { ...VALID_LABELS, 'vnet.gateway': '192.168.0.1 dev lo' } },
  { why: 'gateway equals the address', code: 7, labels: { ...VALID_LABELS, 'vnet.gateway': '192.168.0.100' } },
  { why: 'multicast MAC', code: 7, labels: { ...VALID_LABELS, 'vnet.mac': '01:00:5e:00:00:01' } },
  { why: 'MAC not hex', code: 7, labels: { ...VALID_LABELS, 'vnet.mac': '02:00:zz:00:00:01' } },
  { why: 'all-zero MAC', code: 7, labels: { ...VALID_LABELS, 'vnet.mac': '00:00:00:00:00:00' } },
  { why: 'routes not JSON', code: 7, labels: { ...VALID_LABELS, 'vnet.routes': '10.0.0.0/8 via 192.168.0.1' } },
  { why: 'route prefix out of range', code: 7, labels: { ...VALID_LABELS, 'vnet.routes': '[{"destination":"10.0.0.0/33","gateway":"192.168.0.1"}]' } },
  { why: 'route destination with host bits', code: 7, labels: { ...VALID_LABELS, 'vnet.routes': '[{"destination":"10.0.0.1/8","gateway":"192.168.0.1"}]' } },
  { why: 'route gateway outside the subnet', code: 7, labels: { ...VALID_LABELS, 'vnet.routes': '[{"destination":"10.0.0.0/8","gateway":"10.0.0.1"}]' } },
  { why: 'route destination injection', code: 7, labels: { ...VALID_LABELS, 'vnet.routes': '[{"destination":"10.0.0.0/8 dev lo","gateway":"192.168.0.1"}]' } },
  { why: 'routes not an array', code: 7, labels: { ...VALID_LABELS, 'vnet.routes': '{"destination":"10.0.0.0/8"}' } },
  { why: 'mtu label not a number', code: 7, labels: { ...VALID_LABELS, 'vnet.mtu': 'big' } },
  { why: 'slot label negative', code: 7, labels: { ...VALID_LABELS, 'vnet.slot': '-1' } },
  { why: 'static without an address', code: 7, labels: { 'vnet.bootproto': 'static' }, info: (ni) => ({ ...ni, ip_addresses: [] }) },
  { why: 'dhcp with an address', code: 7, labels: { ...VALID_LABELS, 'vnet.bootproto': 'dhcp' } },
  { why: 'network_info names another network', code: 7, info: (ni) => ({ ...ni, name: 'nw-vnet1' }) },
  { why: 'two IPv4 addresses', code: 7, info: (ni) => ({ ...ni, ip_addresses: [{ ip_address: '192.168.0.100' }, { ip_address: '192.168.0.101' }] }) },
  { why: 'an IPv6 address', code: 7, info: (ni) => ({ ...ni, ip_addresses: [{ protocol: 'IPv6', ip_address: 'fd00::1' }] }) },
  { why: 'duplicate label', code: 7, info: (ni) => ({ ...ni, labels: { labels: [...(ni.labels as { labels: unknown[] }).labels, { key: 'vnet.mac', value: '02:00:00:00:00:09' }] } }) },
  { why: 'runtimeConfig.mac malformed', code: 7, conf: (c) => ({ ...c, runtimeConfig: { mac: 'nope' } }) },
  { why: 'args.cni.ips malformed', code: 7, conf: (c) => ({ ...c, args: { ...(c.args as Json), cni: { ips: ['1.2.3'] } } }) },
  // facts from OpenVNet
  { why: 'unknown network', code: 7, conf: (c) => ({ ...c, name: 'nw-nothere' }), info: (ni) => ({ ...ni, name: 'nw-nothere' }) },
  { why: 'dhcp without a lease policy', code: 7, conf: withOv((ov) => ({ ...ov, leasePolicy: undefined })), labels: { 'vnet.bootproto': 'dhcp' }, info: (ni) => ({ ...ni, ip_addresses: [] }) },
  { why: 'OpenVNet unreachable', code: 11, openvnetDown: true },
  // commands that need more
  { why: 'CHECK on a 0.2.0 config', code: 1, env: { CNI_COMMAND: 'CHECK' } },
  { why: 'CHECK without prevResult', code: 7, env: { CNI_COMMAND: 'CHECK' }, conf: (c) => ({ ...c, cniVersion: '1.0.0' }) },
  { why: 'GC without valid-attachments', code: 7, env: { CNI_COMMAND: 'GC' }, conf: (c) => ({ ...c, cniVersion: '1.1.0' }) },
];

describe('driver: malformed input (unit)', () => {
  let stateDir: string;
  before(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-driver-unit-'));
  });
  after(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  function input(c: Case): { env: NodeJS.ProcessEnv; stdin: string } {
    const info: Json = {
      name: 'nw-vnet3', ip_addresses: [{ protocol: 'IPv4', ip_address: '192.168.0.100' }],
      labels: { labels: Object.entries(c.labels ?? VALID_LABELS).map(([key, value]) => ({ key, value })) },
    };
    let conf: Json = {
      cniVersion: '0.2.0', name: 'nw-vnet3', type: 'vnet-driver', bridge: 'br0', stateDir,
      openvnet: { url: 'http://vnmgr:9090', datapath: 'dp-unit', dpid: '0x1', leasePolicy: 'lp-vnet1' },
      args: { 'org.apache.mesos': { network_info: c.info === undefined ? info : c.info(info) } },
    };
    if (c.conf !== undefined) conf = c.conf(conf);
    const env: NodeJS.ProcessEnv = {
      CNI_COMMAND: 'ADD', CNI_CONTAINERID: '83d3bb69-6bd6-41fa-aa7a-68dd1700eeea', CNI_NETNS: '/proc/self/ns/net', CNI_IFNAME: 'eth1', CNI_PATH: '/usr/lib/cni',
    };
    for (const [k, v] of Object.entries(c.env ?? {})) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    return { env, stdin: c.stdin ?? JSON.stringify(conf) };
  }

  it('has at least 40 cases', () => assert.ok(CASES.length >= 40, String(CASES.length)));

  for (const c of CASES) {
    it(`${c.why} → code ${c.code}, nothing run, nothing stored`, async () => {
      const f = fakes({ openvnetDown: c.openvnetDown });
      const { env, stdin } = input(c);
      const out = await runCni(f.deps, env, () => stdin);
      assert.equal(out.exitCode, 1, out.stdout);
      const err = JSON.parse(out.stdout) as { code: number; msg: string; cniVersion: string };
      assert.equal(err.code, c.code, out.stdout);
      assert.equal(typeof err.msg, 'string');
      assert.equal(typeof err.cniVersion, 'string');
      assert.deepEqual(f.calls, []);
      assert.ok(!f.registryCalls.some((r) => /^(createInterface|allocateAddress|ensureDatapath)/.test(r)), f.registryCalls.join(','));
      assert.deepEqual(fs.readdirSync(stateDir).filter((n) => n !== 'datapaths'), []);
    });
  }

  it('the valid control case does run commands, none carrying a separator', async () => {
    const f = fakes({ answer: (call) => (call.args.includes('-j') ? { code: 0, stdout: '[]', stderr: '' } : undefined) });
    const { env, stdin } = input({ why: 'valid', code: 0 });
    const out = await runCni(f.deps, env, () => stdin);
    assert.equal(out.exitCode, 0, out.stdout);
    assert.ok(f.calls.length >= 2);
    for (const call of f.calls) {
      for (const a of call.args) assert.doesNotMatch(a, /[;\s]/, `${call.cmd} ${call.args.join(' ')}`);
    }
    const del = await runCni(f.deps, { ...env, CNI_COMMAND: 'DEL' }, () => stdin);
    assert.equal(del.exitCode, 0, del.stdout);
    assert.deepEqual(fs.readdirSync(path.join(stateDir, 'attachments')), []);
  });
});
