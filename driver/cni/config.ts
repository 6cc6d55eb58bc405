// Network configuration on stdin (spec A3 + DESIGN §5): parse, fill defaults, validate. Pure.
// The shape of each field is config-schema.ts (TypeBox), checked by Ajv standalone code generated
// at build time; the CNI message of each field and the checks across fields are here.
// ADD/CHECK/STATUS are strict (every problem reported at once, code 7); DEL and GC are lenient:
// an ADD that failed on a bad config is still followed by a DEL, which must succeed.
import { CniError, CNI_CODES, invalidConfig } from './errors';
import { cidrContains, isNetworkOrBroadcast, parseCidrText, parseIPv4, type Cidr } from '../../src/lib/ipv4';
import { deriveDatapath, isOpenVnetUuid, parseDpid } from './names';
import type { NetConfInput, OpenVnetInput } from './config-schema';
import { validateNetConfShape } from './config-validate';
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

/**
 * The fields whose shape is wrong (config-schema.ts, run as generated code), as dotted paths:
 * `mtu`, `dhcp.client`, `openvnet.url`; a missing required field counts as wrong.
 */
function shapeFailures(raw: Record<string, unknown>): Set<string> {
  const failed = new Set<string>();
  if (validateNetConfShape(raw)) return failed;
  for (const e of validateNetConfShape.errors ?? []) {
    const path = e.instancePath.split('/').slice(1);
    if (e.keyword === 'required' && e.params.missingProperty !== undefined) path.push(e.params.missingProperty);
    failed.add(path.join('.'));
  }
  return failed;
}

export function parseNetConf(raw: Record<string, unknown>, opts: ParseOptions): ParsedConf {
  const problems: string[] = [];
  const invalid = new Set<string>();
  const bad = (msg: string): void => {
    problems.push(msg);
    invalid.add(msg.split(/[.:\s]/)[0]);
  };
  const cniVersion = requireVersion(raw.cniVersion);
  // The shape first; then, field by field in a fixed order, its CNI message or the checks that
  // need other fields. A field is read as its schema type only when its shape passed.
  const failed = shapeFailures(raw);
  const ok = (field: string): boolean => !failed.has(field);
  const input = raw as NetConfInput;

  const name = ok('name') ? input.name : '';
  if (name === '') bad('name: required, [A-Za-z0-9_.-] starting with a letter or digit');
  const type = ok('type') ? input.type : '';
  if (type === '') bad('type: required');

  const mode = input.mode === 'agent-link' ? 'agent-link' : 'vif';
  if (!ok('mode')) bad('mode: must be "vif" or "agent-link"');

  let bridge: string | null = null;
  if (raw.bridge !== undefined && raw.bridge !== null) {
    if (ok('bridge')) bridge = input.bridge ?? null;
    else bad('bridge: not a valid interface name');
  } else if (mode === 'vif') bad('bridge: required');

  const bridgeType: BridgeType = input.bridgeType === 'ovs' ? 'ovs' : 'linux';
  if (!ok('bridgeType')) bad('bridgeType: must be "ovs" or "linux"');

  const hostNetns = ok('hostNetns') ? input.hostNetns ?? null : null;
  if (!ok('hostNetns')) bad('hostNetns: must be an absolute path');
  const ovsDb = ok('ovsDb') ? input.ovsDb ?? null : null;
  if (!ok('ovsDb')) bad('ovsDb: must be unix:/path or tcp:a.b.c.d:port');
  const mtu = ok('mtu') ? input.mtu ?? null : null;
  if (!ok('mtu')) bad('mtu: integer 68..65535');
  let subnet: Cidr | null = null;
  if (!ok('subnet')) bad('subnet: a.b.c.d/len');
  else if (input.subnet !== undefined && input.subnet !== null) {
    subnet = parseCidrText(input.subnet);
    if (subnet !== null && (subnet.prefix < 8 || subnet.prefix > 30 || !isUsableUnicast(subnet.ip))) {
      bad(`subnet: ${input.subnet} is not a usable IPv4 subnet (prefix 8..30, unicast)`);
      subnet = null;
    }
  }
  let gateway = ok('gateway') ? input.gateway ?? null : null;
  if (!ok('gateway')) bad('gateway: IPv4 address');
  else if (gateway !== null && subnet !== null && (!cidrContains(subnet, gateway) || isNetworkOrBroadcast(subnet, gateway))) {
    bad(`gateway: ${gateway} is not a host address of subnet ${subnet.ip}/${subnet.prefix}`);
    gateway = null;
  }

  let stateDir = DEFAULT_STATE_DIR;
  if (!ok('stateDir')) bad('stateDir: must be an absolute path');
  else if (input.stateDir !== undefined && input.stateDir !== null) stateDir = input.stateDir.replace(/\/+$/, '');

  if (!ok('dhcp')) bad('dhcp: must be an object');
  const dhcpIn = ok('dhcp') ? input.dhcp ?? {} : {};
  const client: DhcpClientKind = dhcpIn.client === 'dhclient' || dhcpIn.client === 'none' ? dhcpIn.client : 'udhcpc';
  if (!ok('dhcp.client')) bad('dhcp.client: udhcpc, dhclient or none');
  let dhcpTimeout = 5000;
  if (!ok('dhcp.timeoutMs')) bad('dhcp.timeoutMs: integer 100..600000');
  else if (dhcpIn.timeoutMs !== undefined) dhcpTimeout = dhcpIn.timeoutMs;

  const commandTimeoutMs = ok('commandTimeoutMs') ? input.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS : null;
  if (commandTimeoutMs === null) bad('commandTimeoutMs: integer 100..120000');
  if (!ok('daemonSocket')) bad('daemonSocket: absolute path of at most 100 bytes');
  const deadlineMs = ok('deadlineMs') ? input.deadlineMs ?? Math.max(DEFAULT_DEADLINE_MS, dhcpTimeout + 10000) : null;
  if (deadlineMs === null) bad('deadlineMs: integer 1000..600000');
  else if (deadlineMs <= dhcpTimeout) bad('deadlineMs: must exceed dhcp.timeoutMs');

  let openvnet: OpenVnetConf | null = null;
  if (input.openvnet !== undefined && input.openvnet !== null) {
    if (!ok('openvnet')) bad('openvnet: must be an object');
    else openvnet = parseOpenVnet(input.openvnet, opts.hostName, ok, bad);
    if (openvnet !== null && mode === 'vif' && name !== '' && !isOpenVnetUuid('nw', name)) {
      bad('name: with openvnet the network name is its uuid, nw-[a-z0-9]{1,16}');
    }
  }

  let agentLink: AgentLinkConf | null = null;
  if (mode === 'agent-link') {
    const agentAddress = ok('agentAddress') ? input.agentAddress ?? null : null;
    if (agentAddress === null) bad('agentAddress: required IPv4 address for mode agent-link');
    if (agentAddress !== null && (!isUsableUnicast(agentAddress) || cidrContains(LINK_LOCAL, agentAddress))) {
      bad(`agentAddress: ${agentAddress} is not a routable unicast address`);
    }
    let range = ok('linkRange') ? parseCidrText(input.linkRange ?? DEFAULT_LINK_RANGE) : null;
    if (range === null) bad('linkRange: a.b.c.d/len');
    else if (range.prefix < 16 || range.prefix > 30 || !cidrContains(LINK_LOCAL, range.ip)) {
      bad(`linkRange: ${range.ip}/${range.prefix} must lie in link-local 169.254.0.0/16 with a prefix of 16..30`);
      range = null;
    }
    let hostAddress = ok('linkHostAddress') ? input.linkHostAddress ?? DEFAULT_LINK_HOST_ADDRESS : null;
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

function parseOpenVnet(o: OpenVnetInput, hostName: string, ok: (field: string) => boolean, bad: (m: string) => void): OpenVnetConf | null {
  let failures = 0;
  const check = (field: string, m: string): boolean => {
    if (ok(`openvnet.${field}`)) return true;
    failures++;
    bad(m);
    return false;
  };
  check('url', 'openvnet.url: http(s) URL');
  const derived = deriveDatapath(hostName);
  check('datapath', 'openvnet.datapath: dp-[a-z0-9]{1,16}');
  check('dpid', 'openvnet.dpid: up to 16 hex digits');
  check('nodeId', 'openvnet.nodeId: [A-Za-z0-9_.-]{1,64}');
  check('leasePolicy', 'openvnet.leasePolicy: lp-[a-z0-9]{1,16}');
  check('displayName', 'openvnet.displayName: string');
  check('timeoutMs', 'openvnet.timeoutMs: integer 10..120000');
  check('retries', 'openvnet.retries: integer 0..10');
  check('backoffMs', 'openvnet.backoffMs: integer 0..10000');
  check('username', 'openvnet.username: 1-128 characters, no colon or space');
  check('passwordFile', 'openvnet.passwordFile: absolute path');
  const { username, passwordFile } = o;
  if ((username === undefined) !== (passwordFile === undefined)) {
    failures++;
    bad('openvnet.username and openvnet.passwordFile go together');
  }
  check('password', 'openvnet.password: put the password in a file named by openvnet.passwordFile');
  if (failures > 0) return null;
  return {
    url: o.url, datapath: o.datapath ?? derived.uuid, dpid: o.dpid === undefined ? derived.dpid : parseDpid(o.dpid) as string,
    nodeId: o.nodeId ?? 'vna', leasePolicy: o.leasePolicy ?? null, displayName: o.displayName ?? hostName,
    timeoutMs: o.timeoutMs ?? 5000, retries: o.retries ?? 2, backoffMs: o.backoffMs ?? 100,
    ...(username !== undefined && passwordFile !== undefined ? { username, passwordFile } : {}),
  };
}
