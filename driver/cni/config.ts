// Network configuration on stdin (spec A3 + DESIGN §5): parse, fill defaults, validate. Pure.
// ADD/CHECK/STATUS are strict (every problem reported at once, code 7); DEL and GC are lenient:
// an ADD that failed on a bad config is still followed by a DEL, which must succeed.
import { CniError, CNI_CODES, invalidConfig } from './errors';
import { cidrContains, isIPv4, isNetworkOrBroadcast, parseCidrText, parseIPv4, type Cidr } from '../../src/lib/ipv4';
import { deriveDatapath, isInterfaceName, isOpenVnetUuid, isSafePath, isToken, parseDpid } from './names';
import { requireVersion, type CniVersion } from './version';

export type BridgeType = 'ovs' | 'linux';
export type DhcpClientKind = 'udhcpc' | 'dhclient' | 'none';

export interface OpenVnetConf {
  url: string;
  datapath: string;
  dpid: string;
  nodeId: string;
  leasePolicy: string | null;
  /** display_name of the datapath record (the host name by default). */
  displayName: string;
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  /** Basic auth towards the webapi: the user, and a root-only file holding the password (the
   *  password itself never enters the config object, so step logs never record it). */
  username?: string;
  passwordFile?: string;
}

export interface DhcpConf { client: DhcpClientKind; timeoutMs: number }

export interface AgentLinkConf {
  agentAddress: string;
  /** Where container link addresses come from (/32 each). */
  range: Cidr;
  /** The host end's address (/32). */
  hostAddress: string;
}

export interface NetConf {
  cniVersion: CniVersion;
  name: string;
  type: string;
  mode: 'vif' | 'agent-link';
  bridge: string | null;
  bridgeType: BridgeType;
  /** Namespace holding the bridge and host veth ends; null = the driver's own. */
  hostNetns: string | null;
  /** ovs-vsctl --db target; null = the default socket. */
  ovsDb: string | null;
  mtu: number | null;
  /** Fallback subnet and gateway when no OpenVNet network record is available. */
  subnet: Cidr | null;
  gateway: string | null;
  openvnet: OpenVnetConf | null;
  dhcp: DhcpConf;
  stateDir: string;
  agentLink: AgentLinkConf | null;
  dns: Record<string, unknown>;
  /** Deadline of each program the driver runs (ip, ovs-vsctl, nsenter; DHCP has its own). */
  commandTimeoutMs: number;
  /** Deadline of the whole command: the answer (an error at worst) comes within it. */
  deadlineMs: number;
  /** Top-level keys that failed validation (lenient parses only): DEL and gc must not use them. */
  invalid: readonly string[];
  /** `args`, `runtimeConfig`, `prevResult`, `cni.dev/valid-attachments`: read by their owners. */
  raw: Record<string, unknown>;
}

export const DEFAULT_STATE_DIR = '/var/lib/vnet-driver';
export const DEFAULT_LINK_RANGE = '169.254.128.0/17';
export const DEFAULT_LINK_HOST_ADDRESS = '169.254.0.1';
export const DEFAULT_COMMAND_TIMEOUT_MS = 10000;
export const DEFAULT_DEADLINE_MS = 60000;
const LINK_LOCAL: Cidr = { ip: '169.254.0.0', prefix: 16 };

/** A unicast address a host can be given or routed to: not 0/8, loopback, multicast or class E. */
function isUsableUnicast(ip: string): boolean {
  const first = (parseIPv4(ip) ?? 0) >>> 24;
  return first !== 0 && first !== 127 && first < 224;
}

export interface ParseOptions {
  /** Collect problems instead of failing (DEL, GC). */
  lenient?: boolean;
  /** For the default datapath uuid, dpid and display name. */
  hostName: string;
}

export interface ParsedConf { conf: NetConf; problems: string[] }

/** JSON text → object, or code 6. Empty text is an empty object only when allowed. */
export function decodeJson(text: string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new CniError(CNI_CODES.DECODE_FAILURE, `failed to decode ${what}`, err instanceof Error ? err.message : String(err));
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new CniError(CNI_CODES.DECODE_FAILURE, `failed to decode ${what}`, 'not a JSON object');
  }
  return v as Record<string, unknown>;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function intIn(v: unknown, min: number, max: number): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : null;
}

function isOvsDb(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  if (s.startsWith('unix:')) return isSafePath(s.slice(5));
  const m = /^tcp:([0-9.]+):(\d{1,5})$/.exec(s);
  return m !== null && isIPv4(m[1]) && Number(m[2]) > 0 && Number(m[2]) < 65536;
}

function isHttpUrl(s: unknown): s is string {
  if (typeof s !== 'string' || s.length > 512) return false;
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

export function parseNetConf(raw: Record<string, unknown>, opts: ParseOptions): ParsedConf {
  const problems: string[] = [];
  const invalid = new Set<string>();
  const bad = (msg: string): void => {
    problems.push(msg);
    invalid.add(msg.split(/[.:\s]/)[0]);
  };
  const cniVersion = requireVersion(raw.cniVersion);

  const name = typeof raw.name === 'string' && /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(raw.name) ? raw.name : '';
  if (name === '') bad('name: required, [A-Za-z0-9_.-] starting with a letter or digit');
  const type = typeof raw.type === 'string' ? raw.type : '';
  if (type === '') bad('type: required');

  const modeRaw = raw.mode ?? 'vif';
  const mode = modeRaw === 'agent-link' ? 'agent-link' : 'vif';
  if (modeRaw !== 'vif' && modeRaw !== 'agent-link') bad('mode: must be "vif" or "agent-link"');

  let bridge: string | null = null;
  if (raw.bridge !== undefined && raw.bridge !== null) {
    if (isInterfaceName(raw.bridge)) bridge = raw.bridge;
    else bad('bridge: not a valid interface name');
  } else if (mode === 'vif') bad('bridge: required');

  const bridgeTypeRaw = raw.bridgeType ?? 'linux';
  const bridgeType: BridgeType = bridgeTypeRaw === 'ovs' ? 'ovs' : 'linux';
  if (bridgeTypeRaw !== 'ovs' && bridgeTypeRaw !== 'linux') bad('bridgeType: must be "ovs" or "linux"');

  let hostNetns: string | null = null;
  if (raw.hostNetns !== undefined && raw.hostNetns !== null) {
    if (isSafePath(raw.hostNetns)) hostNetns = raw.hostNetns;
    else bad('hostNetns: must be an absolute path');
  }
  let ovsDb: string | null = null;
  if (raw.ovsDb !== undefined && raw.ovsDb !== null) {
    if (isOvsDb(raw.ovsDb)) ovsDb = raw.ovsDb;
    else bad('ovsDb: must be unix:/path or tcp:a.b.c.d:port');
  }
  let mtu: number | null = null;
  if (raw.mtu !== undefined && raw.mtu !== null) {
    mtu = intIn(raw.mtu, 68, 65535);
    if (mtu === null) bad('mtu: integer 68..65535');
  }
  let subnet: Cidr | null = null;
  if (raw.subnet !== undefined && raw.subnet !== null) {
    subnet = parseCidrText(raw.subnet);
    if (subnet === null) bad('subnet: a.b.c.d/len');
    else if (subnet.prefix < 8 || subnet.prefix > 30 || !isUsableUnicast(subnet.ip)) {
      bad(`subnet: ${raw.subnet as string} is not a usable IPv4 subnet (prefix 8..30, unicast)`);
      subnet = null;
    }
  }
  let gateway: string | null = null;
  if (raw.gateway !== undefined && raw.gateway !== null) {
    gateway = isIPv4(raw.gateway) ? (raw.gateway as string) : null;
    if (gateway === null) bad('gateway: IPv4 address');
    else if (subnet !== null && (!cidrContains(subnet, gateway) || isNetworkOrBroadcast(subnet, gateway))) {
      bad(`gateway: ${gateway} is not a host address of subnet ${subnet.ip}/${subnet.prefix}`);
      gateway = null;
    }
  }

  let stateDir = DEFAULT_STATE_DIR;
  if (raw.stateDir !== undefined && raw.stateDir !== null) {
    if (isSafePath(raw.stateDir) && raw.stateDir !== '/') stateDir = raw.stateDir.replace(/\/+$/, '');
    else bad('stateDir: must be an absolute path');
  }

  const dhcpRaw = isObj(raw.dhcp) ? raw.dhcp : {};
  if (raw.dhcp !== undefined && !isObj(raw.dhcp)) bad('dhcp: must be an object');
  const clientRaw = dhcpRaw.client ?? 'udhcpc';
  const client: DhcpClientKind = clientRaw === 'dhclient' || clientRaw === 'none' ? clientRaw : 'udhcpc';
  if (clientRaw !== 'udhcpc' && clientRaw !== 'dhclient' && clientRaw !== 'none') bad('dhcp.client: udhcpc, dhclient or none');
  let dhcpTimeout = 5000;
  if (dhcpRaw.timeoutMs !== undefined) {
    const t = intIn(dhcpRaw.timeoutMs, 100, 600000);
    if (t === null) bad('dhcp.timeoutMs: integer 100..600000');
    else dhcpTimeout = t;
  }

  const commandTimeoutMs = raw.commandTimeoutMs === undefined ? DEFAULT_COMMAND_TIMEOUT_MS : intIn(raw.commandTimeoutMs, 100, 120000);
  if (commandTimeoutMs === null) bad('commandTimeoutMs: integer 100..120000');
  if (raw.daemonSocket !== undefined && !(isSafePath(raw.daemonSocket) && raw.daemonSocket.length <= 100)) bad('daemonSocket: absolute path of at most 100 bytes');
  const deadlineMs = raw.deadlineMs === undefined ? Math.max(DEFAULT_DEADLINE_MS, dhcpTimeout + 10000) : intIn(raw.deadlineMs, 1000, 600000);
  if (deadlineMs === null) bad('deadlineMs: integer 1000..600000');
  else if (deadlineMs <= dhcpTimeout) bad('deadlineMs: must exceed dhcp.timeoutMs');

  let openvnet: OpenVnetConf | null = null;
  if (raw.openvnet !== undefined && raw.openvnet !== null) {
    if (!isObj(raw.openvnet)) bad('openvnet: must be an object');
    else openvnet = parseOpenVnet(raw.openvnet, opts.hostName, bad);
    if (openvnet !== null && mode === 'vif' && name !== '' && !isOpenVnetUuid('nw', name)) {
      bad('name: with openvnet the network name is its uuid, nw-[a-z0-9]{1,16}');
    }
  }

  let agentLink: AgentLinkConf | null = null;
  if (mode === 'agent-link') {
    const agentAddress = isIPv4(raw.agentAddress) ? (raw.agentAddress as string) : null;
    if (agentAddress === null) bad('agentAddress: required IPv4 address for mode agent-link');
    if (agentAddress !== null && (!isUsableUnicast(agentAddress) || cidrContains(LINK_LOCAL, agentAddress))) {
      bad(`agentAddress: ${agentAddress} is not a routable unicast address`);
    }
    let range = raw.linkRange === undefined ? parseCidrText(DEFAULT_LINK_RANGE) : parseCidrText(raw.linkRange);
    if (range === null) bad('linkRange: a.b.c.d/len');
    else if (range.prefix < 16 || range.prefix > 30 || !cidrContains(LINK_LOCAL, range.ip)) {
      bad(`linkRange: ${range.ip}/${range.prefix} must lie in link-local 169.254.0.0/16 with a prefix of 16..30`);
      range = null;
    }
    const hostAddressRaw = raw.linkHostAddress ?? DEFAULT_LINK_HOST_ADDRESS;
    let hostAddress = isIPv4(hostAddressRaw) ? (hostAddressRaw as string) : null;
    if (hostAddress === null) bad('linkHostAddress: IPv4 address');
    else if (!cidrContains(LINK_LOCAL, hostAddress) || isNetworkOrBroadcast(LINK_LOCAL, hostAddress)) {
      bad(`linkHostAddress: ${hostAddress} must be a host address in link-local 169.254.0.0/16`);
      hostAddress = null;
    }
    if (agentAddress !== null && range !== null && hostAddress !== null && !problems.some((p) => p.startsWith('agentAddress'))) {
      agentLink = { agentAddress, range, hostAddress };
    }
  }

  if (problems.length > 0 && !opts.lenient) throw invalidConfig(problems.join('; '));
  const dns = isObj(raw.dns) ? raw.dns : {};
  return {
    conf: {
      cniVersion, name, type, mode, bridge, bridgeType, hostNetns, ovsDb, mtu, subnet, gateway, openvnet,
      dhcp: { client, timeoutMs: dhcpTimeout }, stateDir, agentLink, dns,
      commandTimeoutMs: commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS, deadlineMs: deadlineMs ?? DEFAULT_DEADLINE_MS,
      invalid: [...invalid], raw,
    },
    problems,
  };
}

function parseOpenVnet(o: Record<string, unknown>, hostName: string, bad: (m: string) => void): OpenVnetConf | null {
  const before = { n: 0 };
  const fail = (m: string): void => {
    before.n++;
    bad(m);
  };
  if (!isHttpUrl(o.url)) fail('openvnet.url: http(s) URL');
  const derived = deriveDatapath(hostName);
  const datapath = o.datapath === undefined ? derived.uuid : o.datapath;
  if (!isOpenVnetUuid('dp', datapath)) fail('openvnet.datapath: dp-[a-z0-9]{1,16}');
  const dpid = o.dpid === undefined ? derived.dpid : parseDpid(o.dpid);
  if (dpid === null) fail('openvnet.dpid: up to 16 hex digits');
  const nodeId = o.nodeId ?? 'vna';
  if (!isToken(nodeId)) fail('openvnet.nodeId: [A-Za-z0-9_.-]{1,64}');
  const leasePolicy = o.leasePolicy ?? null;
  if (leasePolicy !== null && !isOpenVnetUuid('lp', leasePolicy)) fail('openvnet.leasePolicy: lp-[a-z0-9]{1,16}');
  const displayName = o.displayName ?? hostName;
  if (typeof displayName !== 'string' || displayName.length > 255) fail('openvnet.displayName: string');
  const timeoutMs = o.timeoutMs === undefined ? 5000 : intIn(o.timeoutMs, 10, 120000);
  if (timeoutMs === null) fail('openvnet.timeoutMs: integer 10..120000');
  const retries = o.retries === undefined ? 2 : intIn(o.retries, 0, 10);
  if (retries === null) fail('openvnet.retries: integer 0..10');
  const backoffMs = o.backoffMs === undefined ? 100 : intIn(o.backoffMs, 0, 10000);
  if (backoffMs === null) fail('openvnet.backoffMs: integer 0..10000');
  const username = o.username;
  if (username !== undefined && (typeof username !== 'string' || !/^[^:\s]{1,128}$/.test(username))) fail('openvnet.username: 1-128 characters, no colon or space');
  const passwordFile = o.passwordFile;
  if (passwordFile !== undefined && !isSafePath(passwordFile)) fail('openvnet.passwordFile: absolute path');
  if ((username === undefined) !== (passwordFile === undefined)) fail('openvnet.username and openvnet.passwordFile go together');
  if (o.password !== undefined) fail('openvnet.password: put the password in a file named by openvnet.passwordFile');
  if (before.n > 0) return null;
  return {
    url: o.url as string, datapath: datapath as string, dpid: dpid as string, nodeId: nodeId as string,
    leasePolicy: leasePolicy as string | null, displayName: displayName as string,
    timeoutMs: timeoutMs as number, retries: retries as number, backoffMs: backoffMs as number,
    ...(username !== undefined && passwordFile !== undefined ? { username: username as string, passwordFile: passwordFile as string } : {}),
  };
}
