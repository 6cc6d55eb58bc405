// The command handlers over fakes: rollback on failure (the undo list in reverse), DHCP through
// the OpenVNet lease, DEL without state, ADD twice, STATUS and GC decisions.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CniError, CNI_CODES } from '../../driver/cni/errors';
import { hostIfName } from '../../driver/cni/names';
import { runCni } from '../../driver/commands/skel';
import { allocateLinkAddress, listReservations, releaseLinkAddresses } from '../../driver/state/link-alloc';
import { readLog } from '../../driver/state/step-log';
import { fakes, type Call } from './driver-fakes';

const CID = 'c-unit-1';
const HOST_IF = hostIfName('vif', CID, 'eth0');
const line = (c: Call): string => [c.cmd, ...c.args].join(' ') + (c.input === undefined ? '' : ` <<${c.input.trim().replace(/\n/g, ' | ')}`);

describe('driver: command handlers over fakes (unit)', () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-driver-flow-'));
  });
  afterEach(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  const conf = (extra: Record<string, unknown> = {}, labels: Record<string, string> = { 'vnet.bootproto': 'static', 'vnet.address': '192.168.0.5/24' }, network = 'nw-vnet3'): string => JSON.stringify({
    cniVersion: '0.2.0', name: network, type: 'vnet-driver', bridge: 'br0', bridgeType: 'ovs', stateDir,
    openvnet: { url: 'http://vnmgr:9090', datapath: 'dp-unit', dpid: '0x1', leasePolicy: 'lp-vnet1' },
    args: { 'org.apache.mesos': { network_info: { name: network, labels: { labels: Object.entries(labels).map(([key, value]) => ({ key, value })) } } } },
    ...extra,
  });
  const env = (command: string): NodeJS.ProcessEnv => ({ CNI_COMMAND: command, CNI_CONTAINERID: CID, CNI_NETNS: '/proc/self/ns/net', CNI_IFNAME: 'eth0' });
  const attachments = (): string[] => (fs.existsSync(path.join(stateDir, 'attachments')) ? fs.readdirSync(path.join(stateDir, 'attachments')) : []);

  it('a failing bridge port rolls back the veth and stores nothing', async () => {
    const f = fakes({ answer: (c) => (c.cmd === 'ovs-vsctl' && c.args.includes('add-port') ? { code: 1, stdout: '', stderr: 'ovs-vsctl: no bridge named br0' } : undefined) });
    const out = await runCni(f.deps, env('ADD'), () => conf());
    assert.equal(out.exitCode, 1);
    assert.equal(JSON.parse(out.stdout).code, CNI_CODES.PLUMBING_FAILED);
    const lines = f.calls.map(line);
    assert.match(lines[lines.length - 1], new RegExp(`^nsenter --net=/proc/self/ns/net ip link del dev ${HOST_IF}$|^ip link del dev ${HOST_IF}$`));
    assert.ok(!f.registryCalls.some((r) => r.startsWith('createInterface')));
    assert.deepEqual(attachments(), []);
  });

  it('OpenVNet refusing the record rolls back port and veth, in reverse order', async () => {
    const f = fakes();
    const base = f.deps.registry;
    f.deps.registry = (c) => ({ ...base(c), createInterface: async () => { throw new CniError(CNI_CODES.OPENVNET_REJECTED, 'OpenVNet refused the request', 'duplicate MAC'); } });
    const out = await runCni(f.deps, env('ADD'), () => conf());
    assert.equal(JSON.parse(out.stdout).code, CNI_CODES.OPENVNET_REJECTED);
    const tail = f.calls.slice(-2).map(line);
    assert.match(tail[0], new RegExp(`ovs-vsctl .*--if-exists del-port br0 ${HOST_IF}$`));
    assert.match(tail[1], new RegExp(`ip link del dev ${HOST_IF}$`));
    assert.ok(f.registryCalls.includes(`deleteInterface ${HOST_IF}`), 'the intent was recorded, so the record is deleted too');
    assert.deepEqual(attachments(), []);
  });

  it('DHCP: OpenVNet leases first, udhcpc asks for that address, the result reports it', async () => {
    const f = fakes({
      answer: (c) => (c.args.includes('addr') && c.args.includes('-j')
        ? { code: 0, stdout: JSON.stringify([{ addr_info: [{ local: '10.0.0.100', prefixlen: 24 }] }]), stderr: '' } : undefined),
    });
    const out = await runCni(f.deps, env('ADD'), () => conf({}, { 'vnet.bootproto': 'dhcp' }, 'nw-vnet1'));
    assert.equal(out.exitCode, 0, out.stdout);
    assert.deepEqual(JSON.parse(out.stdout), { cniVersion: '0.2.0', ip4: { ip: '10.0.0.100/24' }, dns: {} });
    const order = f.registryCalls.filter((r) => /^(createInterface|allocateAddress)/.test(r));
    assert.deepEqual(order, [`createInterface ${HOST_IF}`, `allocateAddress lp-vnet1 ${HOST_IF}`]);
    const udhcpc = f.calls.find((c) => c.args.includes('udhcpc'));
    assert.ok(udhcpc !== undefined);
    assert.deepEqual(udhcpc.args.slice(udhcpc.args.indexOf('-r')), ['-r', '10.0.0.100']);
    const hook = udhcpc.args[udhcpc.args.indexOf('-s') + 1];
    assert.ok(hook.startsWith(stateDir), 'the hook lives in the state dir');
    assert.doesNotMatch(fs.readFileSync(hook, 'utf8'), />/, 'the hook writes no file (no resolv.conf, nothing on the host)');
    assert.equal(f.interfaces.get(HOST_IF)?.ipv4, null);
  });

  it('dhcp.client none: the OpenVNet lease is configured statically, no client runs', async () => {
    const f = fakes();
    const out = await runCni(f.deps, env('ADD'), () => conf({ dhcp: { client: 'none' } }, { 'vnet.bootproto': 'dhcp', 'vnet.gateway': '10.0.0.1' }, 'nw-vnet1'));
    assert.equal(out.exitCode, 0, out.stdout);
    assert.deepEqual(JSON.parse(out.stdout), { cniVersion: '0.2.0', ip4: { ip: '10.0.0.100/24', gateway: '10.0.0.1', routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }] }, dns: {} });
    assert.ok(!f.calls.some((c) => c.args.includes('udhcpc') || c.args.includes('dhclient')));
    const inputs = f.calls.map((c) => c.input ?? c.args.join(' ')).join('\n');
    assert.match(inputs, /addr add 10\.0\.0\.100\/24 dev eth0/);
    assert.match(inputs, /route add default via 10\.0\.0\.1 dev eth0/);
  });

  it('DHCP: a lease other than OpenVNet\'s fails with 102 and is rolled back', async () => {
    const f = fakes({
      answer: (c) => (c.args.includes('addr') && c.args.includes('-j')
        ? { code: 0, stdout: JSON.stringify([{ addr_info: [{ local: '10.0.0.150', prefixlen: 24 }] }]), stderr: '' } : undefined),
    });
    const out = await runCni(f.deps, env('ADD'), () => conf({}, { 'vnet.bootproto': 'dhcp' }, 'nw-vnet1'));
    assert.equal(JSON.parse(out.stdout).code, CNI_CODES.DHCP_FAILED);
    assert.ok(f.registryCalls.includes(`deleteInterface ${HOST_IF}`));
    assert.equal(f.interfaces.size, 0);
    assert.deepEqual(attachments(), []);
  });

  it('ADD twice without DEL is refused (104); DEL twice succeeds', async () => {
    const f = fakes();
    assert.equal((await runCni(f.deps, env('ADD'), () => conf())).exitCode, 0);
    const log = readLog(path.join(stateDir, 'attachments', `${HOST_IF}.json`));
    assert.equal(log?.committed, true);
    assert.deepEqual(log?.steps.map((s) => s.kind), ['veth', 'ovs-port', 'openvnet-interface']);
    const again = await runCni(f.deps, env('ADD'), () => conf());
    assert.equal(JSON.parse(again.stdout).code, CNI_CODES.ALREADY_ATTACHED);
    for (let i = 0; i < 2; i++) {
      const del = await runCni(f.deps, { ...env('DEL'), CNI_NETNS: undefined }, () => conf());
      assert.equal(del.exitCode, 0, del.stdout);
    }
    assert.deepEqual(attachments(), []);
    assert.equal(f.interfaces.size, 0);
  });

  it('DEL without state finds leftovers by external_ids and name, deleting only ours', async () => {
    const f = fakes({
      answer: (c) => {
        if (c.cmd === 'ovs-vsctl' && c.args.includes('find')) {
          return { code: 0, stdout: JSON.stringify({ headings: ['name', 'external_ids', 'ofport', 'error'], data: [[HOST_IF, ['map', [['owner', 'vnet-driver']]], 3, ['set', []]]] }), stderr: '' };
        }
        if (c.args.includes('show') && c.args.includes('link')) return { code: 0, stdout: JSON.stringify([{ ifname: HOST_IF, ifalias: 'someone-else' }]), stderr: '' };
        return undefined;
      },
    });
    const out = await runCni(f.deps, { ...env('DEL'), CNI_NETNS: undefined }, () => conf({ bridge: 'br;0' }));
    assert.equal(out.exitCode, 0, out.stdout);
    const lines = f.calls.map(line);
    assert.ok(lines.some((l) => l.includes(`external_ids:container_id="${CID}"`) && l.includes('external_ids:iface="eth0"') && l.includes('external_ids:owner=vnet-driver')));
    assert.ok(lines.some((l) => l.endsWith(`--if-exists del-port ${HOST_IF}`)));
    assert.ok(!lines.some((l) => l.includes('link del')), 'a link without our alias is left alone');
    assert.ok(f.registryCalls.includes(`deleteInterface ${HOST_IF}`));
  });

  it('DEL reports every failure together and keeps the state for a retry', async () => {
    const f = fakes({ openvnetDown: true, answer: (c) => (c.cmd === 'ovs-vsctl' ? { code: 1, stdout: '', stderr: 'database connection failed' } : undefined) });
    const ok = fakes();
    assert.equal((await runCni(ok.deps, env('ADD'), () => conf())).exitCode, 0);
    const out = await runCni(f.deps, env('DEL'), () => conf());
    const err = JSON.parse(out.stdout) as { code: number; details: string };
    assert.equal(err.code, CNI_CODES.TRY_AGAIN_LATER);
    assert.match(err.details, /OpenVNet unavailable.*command failed|command failed.*OpenVNet unavailable/);
    assert.deepEqual(attachments(), [`${HOST_IF}.json`]);
  });

  it('STATUS: bridge gone → 51, OpenVNet down → 50, else ready', async () => {
    const noBridge = fakes({ answer: (c) => (c.args.includes('br-exists') ? { code: 2, stdout: '', stderr: '' } : undefined) });
    assert.equal(JSON.parse((await runCni(noBridge.deps, { CNI_COMMAND: 'STATUS' }, () => conf({ cniVersion: '1.1.0' }))).stdout).code, 51);
    const down = fakes({ openvnetDown: true });
    assert.equal(JSON.parse((await runCni(down.deps, { CNI_COMMAND: 'STATUS' }, () => conf({ cniVersion: '1.1.0' }))).stdout).code, 50);
    const ok = fakes();
    assert.deepEqual(await runCni(ok.deps, { CNI_COMMAND: 'STATUS' }, () => conf({ cniVersion: '1.1.0' })), { stdout: '', exitCode: 0 });
  });

  it('GC keeps valid attachments and removes the others', async () => {
    const f = fakes({ answer: (c) => (c.args.includes('find') ? { code: 0, stdout: '{"headings":[],"data":[]}', stderr: '' } : undefined) });
    for (const cid of ['keep-me', 'drop-me']) {
      assert.equal((await runCni(f.deps, { ...env('ADD'), CNI_CONTAINERID: cid }, () => conf())).exitCode, 0);
    }
    const out = await runCni(f.deps, { CNI_COMMAND: 'GC' }, () => conf({ cniVersion: '1.1.0', 'cni.dev/valid-attachments': [{ containerID: 'keep-me', ifname: 'eth0' }] }));
    assert.equal(out.exitCode, 0, out.stdout);
    assert.deepEqual(attachments(), [`${hostIfName('vif', 'keep-me', 'eth0')}.json`]);
    assert.deepEqual([...f.interfaces.keys()], [hostIfName('vif', 'keep-me', 'eth0')]);
  });

  it('VERSION tolerates empty stdin and needs no other variables', async () => {
    const out = await runCni(fakes().deps, { CNI_COMMAND: 'VERSION' }, () => '');
    assert.equal(JSON.parse(out.stdout).cniVersion, '1.1.0');
  });

  it('step log: a torn last line (killed mid-write) is ignored', () => {
    const file = path.join(stateDir, 'x.json');
    fs.writeFileSync(file, '{"v":1,"hostIf":"if-0123456789ab","containerId":"c","ifName":"eth0"}\n{"step":{"kind":"veth","hostIf":"if-0123456789ab","hostNetns":null}}\n{"step":{"kind":"ovs-p');
    const log = readLog(file);
    assert.deepEqual(log?.steps, [{ kind: 'veth', hostIf: 'if-0123456789ab', hostNetns: null }]);
    assert.equal(log?.committed, false);
  });

  it('link addresses: lowest free, host address skipped, idempotent per owner, released', async () => {
    const dir = path.join(stateDir, 'agent-link');
    const range = { ip: '169.254.0.0', prefix: 29 };
    const got = await Promise.all(['a', 'b', 'c'].map((o) => allocateLinkAddress(dir, range, '169.254.0.1', o)));
    assert.deepEqual(got, ['169.254.0.2', '169.254.0.3', '169.254.0.4']);
    assert.equal(await allocateLinkAddress(dir, range, '169.254.0.1', 'b'), '169.254.0.3');
    assert.equal(await releaseLinkAddresses(dir, 'b'), 1);
    assert.deepEqual(listReservations(dir).map((r) => r.owner).sort(), ['a', 'c']);
    await allocateLinkAddress(dir, range, '169.254.0.1', 'd');
    await allocateLinkAddress(dir, range, '169.254.0.1', 'e');
    await allocateLinkAddress(dir, range, '169.254.0.1', 'f');
    await assert.rejects(allocateLinkAddress(dir, range, '169.254.0.1', 'g'), (e: CniError) => e.code === CNI_CODES.ADDRESS_EXHAUSTED);
  });
});
