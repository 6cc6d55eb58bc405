// What a test suite needs from the machine (root, network namespaces, services, programs). A suite
// whose needs are not met here is skipped as a whole, and test/run.js prints one line per skipped
// suite saying what was missing; when everything is there nothing is skipped. With
// MVN_TEST_NO_SKIP=1 (CI on a fully equipped machine) a missing need fails instead.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

export type Need = 'root' | 'netns' | 'dhclient' | 'zookeeper' | 'chromium' | 'ovs' | 'dnsmasq' | 'udhcpc' | 'docker' | 'cni-plugins' | 'cni-harness' | 'python3';

const FILES: Partial<Record<Need, { file: string; pkg: string }[]>> = {
  zookeeper: [{ file: '/usr/share/java/zookeeper.jar', pkg: 'zookeeper' }],
  chromium: [{ file: process.env.MVN_CHROMIUM || '/usr/bin/chromium', pkg: 'chromium' }],
  ovs: [{ file: '/usr/sbin/ovs-vswitchd', pkg: 'openvswitch-switch' }, { file: '/usr/bin/ovs-vsctl', pkg: 'openvswitch-switch' }],
  dnsmasq: [{ file: '/usr/sbin/dnsmasq', pkg: 'dnsmasq-base' }],
  udhcpc: [{ file: '/usr/sbin/udhcpc', pkg: 'udhcpc' }],
  dhclient: [{ file: '/sbin/dhclient', pkg: 'isc-dhcp-client' }],
  docker: [{ file: '/usr/sbin/dockerd', pkg: 'docker.io' }],
  'cni-plugins': [{ file: '/usr/lib/cni/bridge', pkg: 'containernetworking-plugins' }],
  'cni-harness': [{ file: '/usr/bin/go', pkg: 'golang-go' }, { file: '/usr/share/gocode/src/github.com/containernetworking/cni/libcni', pkg: 'golang-github-appc-cni-dev' }],
  python3: [{ file: '/usr/bin/python3', pkg: 'python3' }],
};

let netnsVerdict: string | undefined;
function netnsMissing(): string {
  if (netnsVerdict !== undefined) return netnsVerdict;
  const name = `mvn-probe-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8', timeout: 10000 });
  if (add.error !== undefined || add.status !== 0) {
    netnsVerdict = `network namespaces (ip netns add: ${(add.error?.message ?? add.stderr ?? '').trim().split('\n')[0]})`;
  } else {
    spawnSync('ip', ['netns', 'del', name], { timeout: 10000 });
    netnsVerdict = '';
  }
  return netnsVerdict;
}

/** What of `needs` is missing on this machine, one phrase each (empty: everything is there). */
export function missingNeeds(needs: readonly Need[]): string[] {
  const out: string[] = [];
  const uid = process.getuid?.() ?? -1;
  for (const n of needs) {
    if (n === 'root') {
      if (uid !== 0) out.push(`root (running as uid ${uid})`);
    } else if (n === 'netns') {
      if (uid === 0 && netnsMissing() !== '') out.push(netnsMissing());
      else if (uid !== 0 && !needs.includes('root')) out.push('network namespaces (needs root)');
    } else {
      const absent = (FILES[n] ?? []).filter((f) => !fs.existsSync(f.file));
      if (absent.length > 0) out.push(`${n} (${absent.map((f) => f.file).join(', ')}; Debian: ${[...new Set(absent.map((f) => f.pkg))].join(' ')})`);
    }
  }
  return out;
}

/** One line per suite skipped in this run, printed by test/run.js before its summary. */
export const skippedSuites: string[] = [];
(globalThis as { __mvnSkippedSuites?: string[] }).__mvnSkippedSuites = skippedSuites;

/**
 * `describe` for a suite that needs `needs`: when something is missing the whole suite is skipped
 * (no hook runs, nothing is created) and one line says what is missing.
 */
export function describeNeeding(needs: readonly Need[], title: string, fn: (this: Mocha.Suite) => void): Mocha.Suite | void {
  const missing = missingNeeds(needs);
  if (missing.length === 0) return describe(title, fn);
  const line = `${title}: needs ${missing.join('; ')}`;
  if (process.env.MVN_TEST_NO_SKIP === '1') {
    return describe(title, () => { it('has what it needs (MVN_TEST_NO_SKIP=1)', () => { throw new Error(line); }); });
  }
  skippedSuites.push(line);
  return describe.skip(title, fn);
}
