// The DHCP hooks the driver writes (driver/plumb/dhcp.ts) run for real under /bin/sh with a
// server's full answer (router, DNS, domain, host name, NTP…) and hostile values: the only
// program they start is `ip`, every `ip` call names the interface it was given (as one argument),
// and they create no file (no resolv.conf, no lease copy, nothing in their working directory).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dhcpPaths, ensureHook } from '../../driver/plumb/dhcp';

describe('driver: DHCP client hooks (unit, /bin/sh with a recording ip)', () => {
  let dir: string;
  let bin: string;
  let log: string;
  let cwd: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-driver-hook-'));
    bin = path.join(dir, 'bin');
    cwd = path.join(dir, 'cwd');
    log = path.join(dir, 'ip.log');
    fs.mkdirSync(bin);
    fs.mkdirSync(cwd);
    // A stand-in for ip(8): one line per call, arguments separated by a unit separator.
    fs.writeFileSync(path.join(bin, 'ip'), `#!/bin/sh\nprintf '%s\\037' "$@" >> '${log}'\nprintf '\\n' >> '${log}'\n`, { mode: 0o755 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function run(kind: 'udhcpc' | 'dhclient', args: string[], env: Record<string, string>): string[][] {
    const hook = dhcpPaths(path.join(dir, 'state'), kind, 'if-0123456789ab').hook;
    ensureHook(hook, kind);
    fs.rmSync(log, { force: true });
    const r = spawnSync('/bin/sh', [hook, ...args], { cwd, env: { PATH: bin, ...env }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(cwd), [], 'the hook created files in its working directory');
    const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
    return text.split('\n').filter((l) => l !== '').map((l) => l.split('\x1f').slice(0, -1));
  }

  /** Every call is `ip [-4] addr|link … dev <ifname> …` with the interface as one argument. */
  function assertOnlyTouches(calls: string[][], ifName: string): void {
    assert.ok(calls.length > 0, 'the hook configured nothing');
    for (const c of calls) {
      const words = c[0] === '-4' ? c.slice(1) : c;
      assert.ok(words[0] === 'addr' || words[0] === 'link', `not an address/link change: ip ${c.join(' ')}`);
      assert.equal(c[c.indexOf('dev') + 1], ifName, `ip ${c.join(' ')}`);
    }
  }

  const answer = { router: '10.0.0.1', dns: '10.0.0.53 10.0.0.54', domain: 'evil.test', hostname: 'pwned', ntpsrv: '10.0.0.9', lease: '3600', subnet: '255.255.255.0' };

  for (const ifName of ['eth0', 'eth0;reboot', 'x $(touch y)']) {
    it(`udhcpc hook, interface ${JSON.stringify(ifName)}: deconfig, bound, renew touch only that interface`, () => {
      for (const event of ['deconfig', 'bound', 'renew', 'leasefail', 'nak']) {
        const calls = run('udhcpc', [event], { interface: ifName, ip: '10.0.0.100', mask: '24', ...answer });
        if (event === 'leasefail' || event === 'nak') assert.deepEqual(calls, [], event);
        else assertOnlyTouches(calls, ifName);
      }
      const bound = run('udhcpc', ['bound'], { interface: ifName, ip: '10.0.0.100', mask: '24', ...answer });
      assert.ok(bound.some((c) => c.includes('10.0.0.100/24')), JSON.stringify(bound));
    });

    it(`dhclient hook, interface ${JSON.stringify(ifName)}: every reason touches only that interface`, () => {
      for (const reason of ['PREINIT', 'BOUND', 'RENEW', 'REBIND', 'REBOOT', 'EXPIRE', 'FAIL', 'RELEASE', 'STOP', 'TIMEOUT']) {
        const calls = run('dhclient', [], {
          reason, interface: ifName, new_ip_address: '10.0.0.100', new_subnet_mask: '255.255.255.0', old_ip_address: '10.0.0.99',
          new_routers: '10.0.0.1', new_domain_name_servers: '10.0.0.53', new_domain_name: 'evil.test', new_host_name: 'pwned',
        });
        if (reason === 'TIMEOUT') assert.deepEqual(calls, [], reason);
        else assertOnlyTouches(calls, ifName);
      }
    });
  }

  it('the hooks contain no redirection and name no file outside the interface', () => {
    for (const kind of ['udhcpc', 'dhclient'] as const) {
      const hook = dhcpPaths(path.join(dir, 'state'), kind, 'if-0123456789ab').hook;
      ensureHook(hook, kind);
      const code = fs.readFileSync(hook, 'utf8').split('\n').filter((l) => !l.startsWith('#')).join('\n');
      assert.doesNotMatch(code, />|\/etc|resolv|hostname/, kind);
    }
  });
});
