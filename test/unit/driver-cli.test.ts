// The CLI over fakes: setup's bridge commands and written configs, flag validation, attach's
// container id derivation and label mapping.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { flagsToLabels, resolveTarget } from '../../driver/cli/attach';
import { program, runCli } from '../../driver/cli/index';
import { networkBridgeName } from '../../driver/cni/names';
import { DEFAULT_CONFIG_DIR } from '../../driver/cli/config-dir';
import { createBridgeArgs } from '../../driver/plumb/ovs';
import { fakes } from './driver-fakes';

describe('driver: CLI (unit)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-driver-cli-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const io = (): { out: string[]; err: string[]; io: { out: (s: string) => void; err: (s: string) => void } } => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (s) => out.push(s), err: (s) => err.push(s) } };
  };
  const SETUP = ['node', 'vnet-driver', 'setup', '--bridge', 'br0', '--openvnet', 'http://vnmgr:9090', '--datapath', 'dp-node1', '--dpid', '0xaaaa', '--node-id', 'vna'];

  it('setup, gc and status default to the same config dir (the guide\'s --network_cni_config_dir)', () => {
    const p = program(fakes({}).deps, io().io, () => undefined);
    const defaults = ['setup', 'gc', 'status'].map((name) => p.commands.find((c) => c.name() === name)?.options.find((o) => o.long === '--config-dir')?.defaultValue as unknown);
    assert.deepEqual(defaults, [DEFAULT_CONFIG_DIR, DEFAULT_CONFIG_DIR, DEFAULT_CONFIG_DIR]);
    assert.equal(DEFAULT_CONFIG_DIR, '/etc/mesos/cni/net.d');
  });

  it('setup with a Linux bridge: creates it, registers the datapath, writes one config per network', async () => {
    const f = fakes({ answer: (c) => (c.args.includes('show') ? { code: 1, stdout: '', stderr: 'Device "br0" does not exist.' } : undefined) });
    const o = io();
    const code = await runCli([...SETUP, '--bridge-type', 'linux', '--config-dir', dir, '--agent-address', '192.0.2.10'], f.deps, o.io);
    assert.equal(code, 0, o.err.join(''));
    // One bridge per network: a Linux bridge has no vna to keep networks apart.
    assert.deepEqual(f.calls.map((c) => [c.cmd, ...c.args].join(' ') + (c.input ?? '')), [
      'ip -j -d link show dev br0-vnet1',
      'ip -batch -link add br0-vnet1 type bridge\nlink set br0-vnet1 up\n',
      'ip -j -d link show dev br0-vnet3',
      'ip -batch -link add br0-vnet3 type bridge\nlink set br0-vnet3 up\n',
    ]);
    assert.ok(f.registryCalls.includes('ensureDatapath dp-node1'));
    assert.deepEqual(fs.readdirSync(dir).sort(), ['nw-vnet1.conf', 'nw-vnet3.conf', 'vnet-agent-link.conf']);
    const c = JSON.parse(fs.readFileSync(path.join(dir, 'nw-vnet3.conf'), 'utf8')) as { bridge: string; openvnet: { dpid: string } };
    assert.equal(c.openvnet.dpid, '0x000000000000aaaa');
    assert.equal(c.bridge, 'br0-vnet3');
    assert.equal((JSON.parse(o.out.join('')) as { bridges: Record<string, string> }).bridges['nw-vnet1'], 'br0-vnet1');
  });

  it('Linux bridge names per network: readable when they fit, else hashed and still distinct', () => {
    assert.equal(networkBridgeName('br0', 'nw-vnet1'), 'br0-vnet1');
    const long = ['nw-aaaaaaaaaaaaaaaa', 'nw-aaaaaaaaaaaaaaab'].map((n) => networkBridgeName('vnetbridge01', n));
    assert.ok(long.every((n) => n.length <= 15 && n.startsWith('vnetbridge-')), long.join(' '));
    assert.notEqual(long[0], long[1]);
  });

  it('setup with OVS: one transaction setting the datapath id, userspace datapath without the kernel module', () => {
    assert.deepEqual(createBridgeArgs(null, 'br0', '000000000000aaaa', 'netdev'), [
      '--timeout=10', '--', '--may-exist', 'add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=netdev',
      'other-config:datapath-id=000000000000aaaa', 'other-config:disable-in-band=true', 'fail-mode=standalone', 'protocols=OpenFlow10,OpenFlow12,OpenFlow13',
      '--', 'set', 'Open_vSwitch', '.', 'other_config:userspace-tso-enable=true',
    ]);
    // The kernel datapath needs no switch-wide setting.
    assert.ok(!createBridgeArgs(null, 'br0', '000000000000aaaa', 'system').some((a) => a.includes('userspace-tso')));
  });

  it('setup refuses bad flags before touching anything', async () => {
    const f = fakes();
    const o = io();
    const code = await runCli(['node', 'vnet-driver', 'setup', '--bridge', 'br0;x', '--bridge-type', 'vpp', '--openvnet', 'http://v', '--datapath', 'nope', '--dpid', 'zz', '--config-dir', dir], f.deps, o.io);
    assert.equal(code, 1);
    const err = JSON.parse(o.err.join('')) as { code: number; details: string };
    assert.equal(err.code, 7);
    assert.match(err.details, /--bridge:.*--bridge-type:.*--datapath:.*--dpid:/);
    assert.deepEqual(f.calls, []);
    assert.deepEqual(f.registryCalls, []);
  });

  it('attach targets: pid → /proc/<pid>/ns/net and pid-<pid>; netns path → ns-<hash>', () => {
    assert.deepEqual(resolveTarget({ pid: '42', network: 'nw-a', ifname: 'eth0', config: '/x' }), { netns: '/proc/42/ns/net', pid: 42, containerId: 'pid-42' });
    const t = resolveTarget({ netns: '/run/netns/c1', network: 'nw-a', ifname: 'eth0', config: '/x' });
    assert.match(t.containerId, /^ns-[0-9a-f]{16}$/);
    assert.throws(() => resolveTarget({ pid: '42', netns: '/run/netns/c1', network: 'nw-a', ifname: 'eth0', config: '/x' }));
    assert.throws(() => resolveTarget({ pid: '4;2', network: 'nw-a', ifname: 'eth0', config: '/x' }));
  });

  it('attach flags become the Mesos labels the plugin reads', () => {
    assert.deepEqual(flagsToLabels({ network: 'nw-a', ifname: 'eth1', config: '/x', static: '192.168.0.5/24', gateway: '192.168.0.1', route: ['10.0.0.0/8=192.168.0.1'], mac: '02:00:00:00:00:05' }), [
      { key: 'vnet.interface', value: 'eth1' }, { key: 'vnet.bootproto', value: 'static' }, { key: 'vnet.address', value: '192.168.0.5/24' },
      { key: 'vnet.gateway', value: '192.168.0.1' }, { key: 'vnet.mac', value: '02:00:00:00:00:05' },
      { key: 'vnet.routes', value: '[{"destination":"10.0.0.0/8","gateway":"192.168.0.1"}]' },
    ]);
    assert.equal(flagsToLabels({ network: 'nw-a', ifname: 'eth1', config: '/x' })[1].value, 'dhcp');
  });
});
