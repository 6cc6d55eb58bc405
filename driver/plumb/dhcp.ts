// DHCP clients run inside the container's namespace with hook scripts of our own, written into
// the state dir: the packaged hooks rewrite /etc/resolv.conf, which inside a network namespace
// is the host's file (test-infra §6). Our hooks change nothing but the interface's address.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeDirs } from '../state/dirs';
import type { DhcpClientKind } from '../cni/config';
import { CniError, CNI_CODES } from '../cni/errors';
import type { Runner } from './exec';
import { cmdIn } from './netns';

const UDHCPC_HOOK = `#!/bin/sh
# Written by vnet-driver: runs inside the container's network namespace and touches only
# "$interface" (no resolv.conf, no hostname, no routes).
case "$1" in
  deconfig) ip -4 addr flush dev "$interface"; ip link set dev "$interface" up ;;
  bound) ip -4 addr flush dev "$interface"; ip -4 addr add "$ip/\${mask:-24}" dev "$interface" ;;
  renew) ip -4 addr replace "$ip/\${mask:-24}" dev "$interface" ;;
esac
exit 0
`;

const DHCLIENT_HOOK = `#!/bin/sh
# Written by vnet-driver: runs inside the container's network namespace and touches only
# "$interface" (no resolv.conf, no hostname, no routes).
case "$reason" in
  PREINIT) ip link set dev "$interface" up ;;
  BOUND|RENEW|REBIND|REBOOT)
    if [ "$old_ip_address" != "$new_ip_address" ]; then ip -4 addr flush dev "$interface"; fi
    ip -4 addr replace "$new_ip_address/$new_subnet_mask" dev "$interface" ;;
  EXPIRE|FAIL|RELEASE|STOP) ip -4 addr flush dev "$interface" ;;
esac
exit 0
`;

export interface DhcpPaths { hook: string; pidFile: string; leaseFile: string; logFile: string; confFile: string }

export function dhcpPaths(stateDir: string, kind: DhcpClientKind, hostIf: string): DhcpPaths {
  return {
    hook: path.join(stateDir, 'hooks', `${kind}-hook.sh`),
    pidFile: path.join(stateDir, 'dhcp', `${hostIf}.pid`),
    leaseFile: path.join(stateDir, 'dhcp', `${hostIf}.leases`),
    logFile: path.join(stateDir, 'dhcp', `${hostIf}.log`),
    confFile: path.join(stateDir, 'dhcp', `${hostIf}.conf`),
  };
}

/** Writes the hook when missing or different (atomically: other ADDs may be running it). */
export function ensureHook(file: string, kind: DhcpClientKind): void {
  const text = kind === 'dhclient' ? DHCLIENT_HOOK : UDHCPC_HOOK;
  try {
    if (fs.readFileSync(file, 'utf8') === text) return;
  } catch {
    // absent: write it
  }
  makeDirs(path.dirname(file), 0o755);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o755 });
  fs.renameSync(tmp, file);
}

export function clientArgs(kind: DhcpClientKind, ifName: string, p: DhcpPaths, timeoutMs: number, requestIp: string | null = null): [string, string[]] {
  if (kind === 'dhclient') return ['dhclient', ['-4', '-1', '-cf', p.confFile, '-sf', p.hook, '-lf', p.leaseFile, '-pf', p.pidFile, ifName]];
  const tries = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
  // No -f: udhcpc forks into the background once bound (and keeps renewing); -R releases on stop.
  // -r asks for the address OpenVNet leased (servers that choose addresses themselves honour it).
  return ['udhcpc', ['-i', ifName, '-n', '-R', '-t', tries, '-T', '1', '-A', '1', '-s', p.hook, '-p', p.pidFile,
    ...(requestIp === null ? [] : ['-r', requestIp])]];
}

/** Runs the client in the namespace until it holds a lease (it then stays as a daemon). */
export async function startClient(run: Runner, kind: DhcpClientKind, netns: string, ifName: string, p: DhcpPaths, timeoutMs: number, requestIp: string | null): Promise<void> {
  makeDirs(path.dirname(p.pidFile));
  if (kind === 'dhclient') {
    // Our own dhclient.conf: the packaged one may ask for options whose hooks we do not run;
    // ask for the address OpenVNet leased (requestIp is a validated dotted quad).
    fs.writeFileSync(p.confFile, `request subnet-mask, routers;\n${requestIp === null ? '' : `send dhcp-requested-address ${requestIp};\n`}`);
  }
  const [cmd0, args0] = clientArgs(kind, ifName, p, timeoutMs, requestIp);
  const [cmd, args] = cmdIn(netns, cmd0, args0);
  const fd = fs.openSync(p.logFile, 'a');
  try {
    const r = await run(cmd, args, { timeoutMs: timeoutMs + 2000, outputFd: fd, env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' } });
    if (r.code !== 0) {
      // A client that forked before giving up (or was killed on timeout) must not linger.
      for (const pid of findClients(p.pidFile)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      let log = '';
      try {
        log = fs.readFileSync(p.logFile, 'utf8').slice(-400);
      } catch {
        // no log
      }
      throw new CniError(CNI_CODES.DHCP_FAILED, 'DHCP client got no lease', `${cmd0} on ${ifName} exited ${r.code}: ${log.trim()}`);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Our client processes for this pid file, found by their command line (which names the pid file,
 * unique per attachment): a client may fork before it writes its pid file, or never write it.
 */
export function findClients(pidFile: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(pidFile)) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** Pid files named on the command lines of running clients under a state dir's dhcp/ folder. */
export function clientPidFilesUnder(dhcpDir: string): string[] {
  const out = new Set<string>();
  const prefix = `${dhcpDir}/`;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      for (const a of fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')) {
        if (a.startsWith(prefix) && /^(if|al)-[0-9a-f]{12}\.pid$/.test(a.slice(prefix.length))) out.add(a);
      }
    } catch {
      // exited meanwhile
    }
  }
  return [...out];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Stops every client of ours for this pid file (none counts as done) and removes its files. */
export async function stopClient(pidFile: string): Promise<'stopped' | 'absent'> {
  let pids = findClients(pidFile);
  const outcome = pids.length > 0 ? 'stopped' : 'absent';
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone
    }
  }
  for (let i = 0; i < 100 && pids.length > 0; i++) {
    await sleep(10);
    pids = findClients(pidFile);
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  const base = pidFile.replace(/\.pid$/, '');
  for (const f of [pidFile, `${base}.leases`, `${base}.log`, `${base}.conf`]) fs.rmSync(f, { force: true });
  return outcome;
}
