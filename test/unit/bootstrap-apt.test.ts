// src/bootstrap/apt.js: apt-get waits (bounded) for a lock another apt-get or dpkg holds, says
// which lock and process it waits for, gives up at the deadline, and never retries other errors.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/fixtures';

interface AptResult { status: number; stdout: string; stderr: string }
interface AptDeps { spawn(cmd: string, args: string[]): AptResult; now(): number; sleep(ms: number): void; say(line: string): void }
// eslint-disable-next-line @typescript-eslint/no-require-imports
const apt = require(path.join(repoRoot(), 'src', 'bootstrap', 'apt.js')) as {
  aptGet(args: string[], timeoutS: number, deps: AptDeps): AptResult;
  lockHeld(stderr: string): { file: string; pid?: number; holder?: string } | null;
};

const LISTS_LOCKED = 'E: Could not get lock /var/lib/apt/lists/lock. It is held by process 4242 (apt-get)\nN: Be aware that removing the lock file is not a solution and may break your system.\nE: Unable to lock directory /var/lib/apt/lists/\n';

function fakeApt(results: AptResult[]): { deps: AptDeps; calls: string[][]; said: string[]; slept: number[] } {
  let t = 0;
  const calls: string[][] = [];
  const said: string[] = [];
  const slept: number[] = [];
  return {
    calls, said, slept,
    deps: {
      spawn: (cmd, args) => { calls.push([cmd, ...args]); return results[Math.min(calls.length - 1, results.length - 1)]; },
      now: () => t,
      sleep: (ms) => { slept.push(ms); t += ms; },
      say: (l) => said.push(l),
    },
  };
}

describe('bootstrap: apt-get and its locks', () => {
  it('reads the lock, the process and its name from apt\'s message', () => {
    assert.deepEqual(apt.lockHeld(LISTS_LOCKED), { file: '/var/lib/apt/lists/lock', pid: 4242, holder: 'apt-get' });
    assert.deepEqual(apt.lockHeld('E: Could not get lock /var/cache/apt/archives/lock. It is held by process 17\n'), { file: '/var/cache/apt/archives/lock', pid: 17, holder: '' });
    assert.equal(apt.lockHeld('E: Unable to locate package nosuch'), null);
  });

  it('waits while the lists lock is held, saying so once, then succeeds; dpkg\'s own lock timeout is passed to apt-get', () => {
    const ok = { status: 0, stdout: '', stderr: '' };
    const f = fakeApt([{ status: 100, stdout: '', stderr: LISTS_LOCKED }, { status: 100, stdout: '', stderr: LISTS_LOCKED }, ok]);
    assert.equal(apt.aptGet(['update', '-qq'], 60, f.deps).status, 0);
    assert.equal(f.calls.length, 3);
    assert.deepEqual(f.calls[0], ['apt-get', '-o', 'DPkg::Lock::Timeout=60', 'update', '-qq']);
    assert.deepEqual(f.said, ['ensure: waiting up to 60 s for the apt lock /var/lib/apt/lists/lock (held by process 4242, apt-get): another apt-get or dpkg is running']);
    assert.ok(f.slept.every((ms) => ms > 0 && ms <= 2000));
  });

  it('gives up at the deadline with the lock still held, and says what to do', () => {
    const f = fakeApt([{ status: 100, stdout: '', stderr: LISTS_LOCKED }]);
    assert.equal(apt.aptGet(['update'], 10, f.deps).status, 100);
    assert.equal(f.slept.reduce((a, b) => a + b, 0), 10000);
    assert.match(f.said[f.said.length - 1], /^ensure: gave up after 10 s waiting for the apt lock \/var\/lib\/apt\/lists\/lock .*MVN_APT_LOCK_TIMEOUT/);
  });

  it('does not retry other failures', () => {
    const f = fakeApt([{ status: 100, stdout: '', stderr: 'E: Unable to locate package nosuch\n' }]);
    assert.equal(apt.aptGet(['install', 'nosuch'], 60, f.deps).status, 100);
    assert.equal(f.calls.length, 1);
    assert.deepEqual(f.said, []);
  });
});

describe('bootstrap: the Debian packages of each purpose', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pk = require(path.join(repoRoot(), 'src', 'bootstrap', 'packages.js')) as {
    DEBIAN: Record<string, Record<string, string>>;
    wantedPackages(purpose: string, args: string[], env: Record<string, string | undefined>): Record<string, string>;
  };

  it('npm start -- --ovs installs Open vSwitch exactly as MVN_OVS=1 npm start does; plain npm start does not', () => {
    const plain = pk.wantedPackages('start', [], {});
    const flag = pk.wantedPackages('start', ['--ovs', '--http-port', '8081'], {});
    const env = pk.wantedPackages('start', [], { MVN_OVS: '1' });
    assert.equal('openvswitch-switch' in plain, false);
    assert.deepEqual(flag, env);
    assert.equal(flag['openvswitch-switch'], '/usr/sbin/ovs-vswitchd');
    assert.equal('openvswitch-switch' in pk.wantedPackages('start', [], {}), false, 'the table itself is not changed');
    assert.deepEqual(pk.wantedPackages('unit', [], {}), {});
  });

  it('the README lists what npm test and npm start install', () => {
    const readme = fs.readFileSync(path.join(repoRoot(), 'README.md'), 'utf8');
    const para = (start: string, end: string): string => readme.slice(readme.indexOf(start), readme.indexOf(end, readme.indexOf(start)));
    const listed = (text: string): string[] => [...text.matchAll(/`([a-z0-9][a-z0-9.+-]*)`/g)].map((m) => m[1]).filter((w) => w in pk.DEBIAN.test || w in pk.DEBIAN.start || w === 'openvswitch-switch');
    assert.deepEqual(listed(para('**What `npm test` installs on the host**', ' — about')), Object.keys(pk.DEBIAN.test));
    assert.deepEqual(listed(para('`npm start` installs only', ').')), [...Object.keys(pk.DEBIAN.start), 'openvswitch-switch']);
  });
});
