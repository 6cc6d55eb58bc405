// What local mode needs from the machine, checked before anything is created, so a user without
// root or namespaces gets one clear paragraph instead of a stack trace half-way through.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Run } from './exec';
import { checkNetnsName } from './names';

export interface PreflightInput {
  uid: number;
  platform: string;
  pathEnv: string;
  ovs: boolean;
  /** a namespace name to create and delete as the capability probe */
  probeNetns: string;
  run: Run;
}

export class PreflightError extends Error {
  readonly code = 'MVN_ERR_LOCAL_PREFLIGHT';
  constructor(readonly missing: string[]) {
    super(preflightMessage(missing));
    this.name = 'PreflightError';
  }
}

export function preflightMessage(missing: readonly string[]): string {
  return 'needs Linux network namespaces and root. It creates a network namespace per task, bridges and veth pairs '
    + 'in a private namespace and a dnsmasq per DHCP network, and calls the vnet-driver CNI plugin; for that it needs '
    + 'root (or CAP_SYS_ADMIN and CAP_NET_ADMIN; inside a container, --privileged) and the programs ip (iproute2), '
    + 'nsenter, dnsmasq and udhcpc (busybox), plus Open vSwitch with --ovs. '
    + `Missing here: ${missing.join('; ')}. `
    + 'Run it as root, e.g. `sudo npm start` (npm start installs missing Debian packages'
    // `npm start -- --ovs` reaches only this command, not the installer run before it.
    + (missing.some((m) => m.startsWith('ovs')) ? '; Open vSwitch too when started as `sudo MVN_OVS=1 npm start`' : '')
    + ').';
}

export function onPath(bin: string, pathEnv: string): boolean {
  for (const dir of pathEnv.split(':')) {
    if (dir === '') continue;
    try {
      fs.accessSync(path.join(dir, bin), fs.constants.X_OK);
      return true;
    } catch {
      // next
    }
  }
  return false;
}

/** Throws PreflightError listing everything missing. */
export async function preflight(p: PreflightInput): Promise<void> {
  const missing: string[] = [];
  if (p.platform !== 'linux') {
    throw new PreflightError([`Linux (this is ${p.platform})`]);
  }
  if (p.uid !== 0) missing.push(`root (running as uid ${p.uid})`);
  const tools = ['ip', 'nsenter', 'dnsmasq', 'udhcpc', ...(p.ovs ? ['ovs-vsctl', 'ovsdb-server', 'ovs-vswitchd', 'ovsdb-tool'] : [])];
  for (const t of tools) if (!onPath(t, p.pathEnv)) missing.push(`${t} (not on PATH)`);
  if (missing.length === 0) {
    const ns = checkNetnsName(p.probeNetns);
    const r = await p.run('ip', ['netns', 'add', ns]);
    if (r.code !== 0) missing.push(`network namespaces (ip netns add failed: ${(r.stderr || r.stdout).trim().slice(0, 200)})`);
    else await p.run('ip', ['netns', 'del', ns]);
  }
  if (missing.length > 0) throw new PreflightError(missing);
}
