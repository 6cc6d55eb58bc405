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

const OVS_TOOLS = ['ovs-vsctl', 'ovsdb-server', 'ovs-vswitchd', 'ovsdb-tool'];
const DEBIAN_PACKAGE: Record<string, string> = {
  ip: 'iproute2', nsenter: 'util-linux', dnsmasq: 'dnsmasq-base', udhcpc: 'udhcpc',
  'ovs-vsctl': 'openvswitch-switch', 'ovsdb-server': 'openvswitch-switch', 'ovs-vswitchd': 'openvswitch-switch', 'ovsdb-tool': 'openvswitch-switch',
};
const WHAT = 'it creates a network namespace per task, bridges and veth pairs in a private namespace and a dnsmasq per DHCP network';

/**
 * One line that leads with the cause and gives the one remedy; anything else missing follows as
 * "also missing". `missing` holds phrases like `root (running as uid 1000)`, `dnsmasq (not on PATH)`.
 */
export function preflightMessage(missing: readonly string[]): string {
  const tool = (m: string): string | undefined => /^(\S+) \(not on PATH\)$/.exec(m)?.[1];
  const ovsMissing = missing.filter((m) => OVS_TOOLS.includes(tool(m) ?? ''));
  const toolsMissing = missing.filter((m) => tool(m) !== undefined && !ovsMissing.includes(m));
  const startCmd = ovsMissing.length > 0 ? '`sudo npm start -- --ovs`' : '`sudo npm start`';
  const also = (shown: readonly string[]): string => {
    const rest = missing.filter((m) => !shown.includes(m));
    return rest.length === 0 ? '' : ` Also missing: ${rest.join('; ')}.`;
  };
  const linux = missing.find((m) => m.startsWith('Linux'));
  if (linux !== undefined) return `needs ${linux}: ${WHAT}. Run it on a Linux machine or VM.`;
  const root = missing.find((m) => m.startsWith('root'));
  if (root !== undefined) {
    const installs = ovsMissing.length + toolsMissing.length > 0 ? ', which also installs the missing Debian packages' : '';
    return `needs ${root}: ${WHAT}. Run it as root: ${startCmd}${installs}.${also([root, ...ovsMissing, ...toolsMissing])}`
      + (ovsMissing.length + toolsMissing.length > 0 ? ` Missing programs: ${[...toolsMissing, ...ovsMissing].map((m) => tool(m)).join(', ')}.` : '');
  }
  if (toolsMissing.length > 0) {
    const pkgs = [...new Set([...toolsMissing, ...ovsMissing].map((m) => DEBIAN_PACKAGE[tool(m) ?? ''] ?? tool(m)))];
    return `needs ${toolsMissing.map((m) => tool(m)).join(', ')}${ovsMissing.length > 0 ? ` and Open vSwitch (${ovsMissing.map((m) => tool(m)).join(', ')})` : ''}, not on PATH. `
      + `Install them: ${startCmd} installs the Debian packages (${pkgs.join(' ')}).${also([...toolsMissing, ...ovsMissing])}`;
  }
  if (ovsMissing.length > 0) {
    return `--ovs needs Open vSwitch, which is not installed (${ovsMissing.map((m) => tool(m)).join(', ')} not on PATH). `
      + `Install it: ${startCmd} installs openvswitch-switch (as \`sudo MVN_OVS=1 npm start\` does); or drop --ovs for Linux bridges.${also(ovsMissing)}`;
  }
  const netns = missing.find((m) => m.startsWith('network namespaces'));
  if (netns !== undefined) {
    return `cannot create ${netns}: ${WHAT}. Give it CAP_SYS_ADMIN and CAP_NET_ADMIN: inside a container, run the container with --privileged.${also([netns])}`;
  }
  return `needs ${missing.join('; ')}: ${WHAT}.`;
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
