// Every external step has a deadline (issue 13): a program that hangs — here a PATH-injected
// stub whose own child sleeps holding the output pipe — is killed with its process group at
// commandTimeoutMs, and a whole command answers within deadlineMs whatever hangs. The driver
// runs as Mesos runs it (a separate process), bounded by spawnSync's own timeout.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CNI_CODES } from '../../driver/cni/errors';
import { spawnRunner } from '../../driver/plumb/exec';

const REPO = path.resolve(__dirname, '..', '..', '..');
const DRIVER_BIN = path.join(REPO, 'driver', 'bin', 'vnet-driver.js');

describe('driver: deadlines on every external step (unit, stub programs)', function () {
  this.timeout(30000);
  let dir: string;
  let hung: string;
  let ok: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-driver-deadline-'));
    hung = path.join(dir, 'hung');
    ok = path.join(dir, 'ok');
    fs.mkdirSync(hung);
    fs.mkdirSync(ok);
    // The stubs' child (sleep) inherits stdout: a runner waiting for 'close' would wait for it.
    for (const cmd of ['ip', 'nsenter', 'ovs-vsctl', 'udhcpc']) {
      fs.writeFileSync(path.join(hung, cmd), '#!/bin/sh\nsleep 120\n', { mode: 0o755 });
      fs.writeFileSync(path.join(ok, cmd), '#!/bin/sh\ncase "$*" in *-j*) echo "[]";; esac\nexit 0\n', { mode: 0o755 });
    }
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const conf = (stateDir: string, extra: Record<string, unknown> = {}): string => JSON.stringify({
    cniVersion: '0.2.0', name: 'nw-local', type: 'vnet-driver', bridge: 'br0', bridgeType: 'linux', subnet: '192.168.0.0/24', stateDir,
    commandTimeoutMs: 300,
    args: { 'org.apache.mesos': { network_info: { name: 'nw-local', labels: { labels: [{ key: 'vnet.address', value: '192.168.0.5/24' }] } } } },
    ...extra,
  });

  function driver(command: string, pathDir: string, stdin: string): { code: number | null; out: { code?: number; msg?: string; details?: string } | null; ms: number } {
    const t = Date.now();
    const r = spawnSync(process.execPath, [DRIVER_BIN], {
      input: stdin, timeout: 20000, encoding: 'utf8',
      env: { PATH: `${pathDir}:/usr/bin:/bin`, VNET_DRIVER_NO_BUNDLE: '1', CNI_COMMAND: command, CNI_CONTAINERID: 'c-deadline', CNI_NETNS: '/proc/self/ns/net', CNI_IFNAME: 'eth0' },
    });
    assert.equal(r.error, undefined, `${command} did not answer: ${String(r.error)}`);
    return { code: r.status, out: r.stdout.trim() === '' ? null : JSON.parse(r.stdout) as { code?: number }, ms: Date.now() - t };
  }

  it('the runner kills a hung program with its group and answers (exit -1, "timed out")', async () => {
    const t = Date.now();
    const r = await spawnRunner(path.join(hung, 'ip'), [], { timeoutMs: 200 });
    assert.equal(r.code, -1);
    assert.match(r.stderr, /timed out after 200 ms/);
    assert.ok(Date.now() - t < 5000, `answered after ${Date.now() - t} ms`);
  });

  it('ADD with every program hung answers a clear error, its rollback bounded too; DEL then works once the programs answer', () => {
    const stateDir = path.join(dir, 'state1');
    const add = driver('ADD', hung, conf(stateDir));
    assert.equal(add.code, 1);
    assert.equal(add.out?.code, CNI_CODES.PLUMBING_FAILED, JSON.stringify(add.out));
    assert.equal(add.out?.msg, 'command timed out');
    assert.match(add.out?.details ?? '', /^ip -batch -: timed out after 300 ms/);
    const delHung = driver('DEL', hung, conf(stateDir));
    assert.equal(delHung.code, 1, 'a DEL that cannot delete says so (the runtime retries)');
    const del = driver('DEL', ok, conf(stateDir));
    assert.equal(del.code, 0, JSON.stringify(del.out));
    assert.deepEqual(fs.readdirSync(path.join(stateDir, 'attachments')), []);
    const again = driver('ADD', ok, conf(stateDir));
    assert.equal(again.code, 0, JSON.stringify(again.out));
  });

  it('deadlineMs bounds the whole command even when single programs may take longer', () => {
    const add = driver('ADD', hung, conf(path.join(dir, 'state2'), { commandTimeoutMs: 60000, deadlineMs: 1500, dhcp: { timeoutMs: 1000 } }));
    assert.equal(add.code, 1);
    assert.equal(add.out?.code, CNI_CODES.TRY_AGAIN_LATER, JSON.stringify(add.out));
    assert.equal(add.out?.msg, 'deadline exceeded');
    assert.ok(add.ms < 15000, `${add.ms} ms`);
  });
});
