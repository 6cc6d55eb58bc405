// Failure paths that must stay recoverable (issue 13): a state dir that is no place for files
// answers at once; DEL succeeds with nothing to remove and never uses a value that failed
// validation; the step log a failed ADD left (hostNetns /etc/shadow, as older builds wrote it)
// wedges neither a later DEL nor a corrected ADD; a missing bridge is named with its remedy.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CNI_CODES } from '../../driver/cni/errors';
import { hostIfName } from '../../driver/cni/names';
import { runCni } from '../../driver/commands/skel';
import { fakes, type Call } from './driver-fakes';

const REPO = path.resolve(__dirname, '..', '..', '..');
const DRIVER_BIN = path.join(REPO, 'driver', 'bin', 'vnet-driver.js');
const CID = 'c-recover-1';
const HOST_IF = hostIfName('vif', CID, 'eth0');
const line = (c: Call): string => [c.cmd, ...c.args].join(' ');

describe('driver: failure paths stay recoverable (unit)', () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-driver-recover-'));
  });
  afterEach(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  const conf = (extra: Record<string, unknown> = {}): string => JSON.stringify({
    cniVersion: '0.2.0', name: 'nw-local', type: 'vnet-driver', bridge: 'br0', bridgeType: 'linux', subnet: '192.168.0.0/24', stateDir,
    args: { 'org.apache.mesos': { network_info: { name: 'nw-local', labels: { labels: [{ key: 'vnet.address', value: '192.168.0.5/24' }] } } } },
    ...extra,
  });
  const env = (command: string): NodeJS.ProcessEnv => ({ CNI_COMMAND: command, CNI_CONTAINERID: CID, CNI_NETNS: '/proc/self/ns/net', CNI_IFNAME: 'eth0' });
  const attachments = (): string[] => (fs.existsSync(path.join(stateDir, 'attachments')) ? fs.readdirSync(path.join(stateDir, 'attachments')) : []);

  for (const bad of ['/proc/1', '/proc/self/nonexistent', '/proc/self/nonexistent/deeper']) {
    it(`stateDir ${bad}: ADD answers code 7 at once (a separate process, bounded), DEL succeeds`, () => {
      for (const command of ['ADD', 'DEL']) {
        const r = spawnSync(process.execPath, [DRIVER_BIN], {
          input: conf({ stateDir: bad }), env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...env(command), VNET_DRIVER_NO_BUNDLE: '1' }, timeout: 15000, encoding: 'utf8',
        });
        assert.equal(r.error, undefined, `${command} did not answer: ${String(r.error)}`);
        if (command === 'DEL') {
          assert.equal(r.status, 0, r.stdout);
          continue;
        }
        assert.equal(r.status, 1, r.stdout + r.stderr);
        const err = JSON.parse(r.stdout) as { code: number; details: string };
        assert.equal(err.code, CNI_CODES.INVALID_CONFIG, r.stdout);
        assert.match(err.details, /^stateDir: .*proc/, r.stdout);
      }
    });
  }

  it('DEL with nothing to remove succeeds, twice, without a namespace', async () => {
    const f = fakes();
    for (let i = 0; i < 2; i++) {
      const out = await runCni(f.deps, { ...env('DEL'), CNI_NETNS: undefined }, () => conf());
      assert.equal(out.exitCode, 0, out.stdout);
    }
    assert.deepEqual(attachments(), []);
  });

  it('DEL never uses a value that failed validation: an invalid hostNetns is not the driver\'s own namespace, an invalid ovsDb not the default socket', async () => {
    const f = fakes();
    const out = await runCni(f.deps, { ...env('DEL'), CNI_NETNS: undefined }, () => conf({ hostNetns: 'relative/ns', bridgeType: 'ovs', ovsDb: 'nonsense' }));
    assert.equal(out.exitCode, 0, out.stdout);
    assert.deepEqual(f.calls.map(line), [], 'nothing runs against values that failed validation');
  });

  it('DEL with hostNetns /etc/shadow and stateDir /proc/1 runs nothing there and succeeds', async () => {
    const f = fakes();
    const out = await runCni(f.deps, { ...env('DEL'), CNI_NETNS: undefined }, () => conf({ hostNetns: '/etc/shadow', stateDir: '/proc/1' }));
    assert.equal(out.exitCode, 0, out.stdout);
    assert.ok(!f.calls.some((c) => line(c).includes('/etc/shadow')), f.calls.map(line).join('\n'));
  });

  it('a failed ADD refused for hostNetns /etc/shadow changes nothing and leaves no state file', async () => {
    const f = fakes();
    const out = await runCni(f.deps, env('ADD'), () => conf({ hostNetns: '/etc/shadow' }));
    assert.equal(out.exitCode, 1);
    const err = JSON.parse(out.stdout) as { code: number; details: string };
    assert.equal(err.code, CNI_CODES.INVALID_CONFIG);
    assert.match(err.details, /hostNetns: \/etc\/shadow is not a network namespace/);
    assert.deepEqual(f.calls, []);
    assert.deepEqual(fs.readdirSync(stateDir), []);
  });

  it('the step log an older failed ADD left (veth in /etc/shadow) wedges neither DEL nor a corrected ADD', async () => {
    // What `ADD` with "hostNetns":"/etc/shadow" left before issue 13: its veth intent, rollback incomplete.
    const dir = path.join(stateDir, 'attachments');
    fs.mkdirSync(dir, { recursive: true });
    const header = {
      v: 1, containerId: CID, ifName: 'eth0', containerIfName: 'eth0', network: 'nw-local', mode: 'vif', hostIf: HOST_IF,
      netns: '/proc/self/ns/net', netnsInode: fs.statSync('/proc/self/ns/net').ino, pid: null, stateDir, createdAt: new Date().toISOString(),
    };
    const write = (): void => fs.writeFileSync(path.join(dir, `${HOST_IF}.json`), `${JSON.stringify(header)}\n${JSON.stringify({ step: { kind: 'veth', hostIf: HOST_IF, hostNetns: '/etc/shadow' } })}\n`);
    // nsenter into a file that is no namespace fails, as it does for real.
    const answer = (c: Call) => (c.cmd === 'nsenter' && c.args[0] === '--net=/etc/shadow' ? { code: 1, stdout: '', stderr: 'nsenter: reassociate to namespace \'ns/net\' failed: Invalid argument' } : undefined);

    write();
    const f = fakes({ answer });
    const del = await runCni(f.deps, { ...env('DEL'), CNI_NETNS: undefined }, () => conf({ hostNetns: '/etc/shadow' }));
    assert.equal(del.exitCode, 0, del.stdout);
    assert.deepEqual(attachments(), []);

    write();
    const g = fakes({ answer });
    const add = await runCni(g.deps, env('ADD'), () => conf());
    assert.equal(add.exitCode, 0, add.stdout);
    assert.ok(!g.calls.some((c) => line(c).includes('/etc/shadow')));
    const del2 = await runCni(g.deps, env('DEL'), () => conf());
    assert.equal(del2.exitCode, 0, del2.stdout);
    assert.deepEqual(attachments(), []);
  });

  it('a missing Linux bridge: a CNI error naming it and `vnet-driver setup`, the veth rolled back, no state', async () => {
    const f = fakes({
      answer: (c) => {
        if (c.input?.includes('master br0') === true) return { code: 1, stdout: '', stderr: 'Error: argument "br0" is wrong: Device does not exist\nCommand failed -:3' };
        if (line(c).includes('link show dev br0')) return { code: 1, stdout: '', stderr: 'Device "br0" does not exist.' };
        return undefined;
      },
    });
    const out = await runCni(f.deps, env('ADD'), () => conf());
    const err = JSON.parse(out.stdout) as { code: number; msg: string; details: string };
    assert.equal(err.msg, 'bridge br0 does not exist', out.stdout);
    assert.match(err.details, /vnet-driver setup --bridge br0 --bridge-type linux/);
    assert.match(line(f.calls[f.calls.length - 1]), new RegExp(`link del dev ${HOST_IF}$`));
    assert.deepEqual(attachments(), []);
  });

  it('a missing OVS bridge: the same, from ovs-vsctl', async () => {
    const f = fakes({
      answer: (c) => {
        if (c.cmd === 'ovs-vsctl' && c.args.includes('add-port')) return { code: 1, stdout: '', stderr: 'ovs-vsctl: no bridge named br0' };
        if (c.cmd === 'ovs-vsctl' && c.args.includes('br-exists')) return { code: 2, stdout: '', stderr: '' };
        return undefined;
      },
    });
    const out = await runCni(f.deps, env('ADD'), () => conf({ bridgeType: 'ovs' }));
    const err = JSON.parse(out.stdout) as { code: number; msg: string; details: string };
    assert.equal(err.msg, 'bridge br0 does not exist', out.stdout);
    assert.match(err.details, /Open vSwitch bridge br0.*vnet-driver setup --bridge br0 --bridge-type ovs/);
    assert.deepEqual(attachments(), []);
  });

  it('a plumbing failure with the bridge present keeps its own message', async () => {
    const f = fakes({ answer: (c) => (c.input?.includes('master br0') === true ? { code: 1, stdout: '', stderr: 'Error: argument "br0" is wrong: not a bridge' } : (line(c).includes('link show dev br0') ? { code: 0, stdout: JSON.stringify([{ ifname: 'br0', linkinfo: { info_kind: 'bridge' } }]), stderr: '' } : undefined)) });
    const out = await runCni(f.deps, env('ADD'), () => conf());
    const err = JSON.parse(out.stdout) as { msg: string };
    assert.equal(err.msg, 'command failed', out.stdout);
  });
});
