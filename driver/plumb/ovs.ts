// Open vSwitch through ovs-vsctl: rows built by pure functions, applied in one transaction
// (ovs-cni createPortOperation); our rows carry external_ids owner=vnet-driver (ovs-cni checks
// `owner` before deleting).
import { CniError, CNI_CODES } from '../cni/errors';
import { runOk, type Runner } from './exec';

export const OWNER = 'vnet-driver';

export interface PortIds {
  containerId: string;
  iface: string;
  network: string;
  netns: string | null;
}

/** ovs-vsctl value: a quoted OVSDB string (inputs are validated to plain characters). */
const q = (v: string): string => `"${v}"`;

export function vsctlBase(db: string | null): string[] {
  return ['--timeout=10', ...(db === null ? [] : [`--db=${db}`])];
}

/** Arguments for `--may-exist add-port` plus its external_ids, one transaction. Pure. */
export function addPortArgs(db: string | null, bridge: string, port: string, ids: PortIds): string[] {
  const extra = [
    `external_ids:container_id=${q(ids.containerId)}`,
    `external_ids:iface=${q(ids.iface)}`,
    `external_ids:owner=${OWNER}`,
    `external_ids:vnet_network=${q(ids.network)}`,
    ...(ids.netns === null ? [] : [`external_ids:netns=${q(ids.netns)}`]),
  ];
  return [...vsctlBase(db), '--', '--may-exist', 'add-port', bridge, port, '--', 'set', 'interface', port, ...extra];
}

export async function addPort(run: Runner, db: string | null, bridge: string, port: string, ids: PortIds): Promise<void> {
  await runOk(run, 'ovs-vsctl', addPortArgs(db, bridge, port, ids));
}

/**
 * Removes the port row. --no-wait: the database is the truth and the change is committed when
 * ovs-vsctl returns; waiting for ovs-vswitchd to reconfigure its datapath only adds its latency
 * (tens of ms with the userspace datapath) to every DEL. ADD's add-port does wait: traffic
 * must flow when ADD answers.
 */
export async function deletePort(run: Runner, db: string | null, bridge: string | null, port: string): Promise<void> {
  await runOk(run, 'ovs-vsctl', [...vsctlBase(db), '--no-wait', '--if-exists', 'del-port', ...(bridge === null ? [] : [bridge]), port]);
}

export interface OvsInterfaceRow {
  name: string;
  externalIds: Record<string, string>;
  ofport: number | null;
  error: string | null;
}

/** OVSDB JSON: maps are ["map", [[k, v]…]], sets ["set", […]] (a one-element set may be bare). */
function decodeMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(v) && v[0] === 'map' && Array.isArray(v[1])) {
    for (const pair of v[1] as unknown[]) {
      if (Array.isArray(pair) && pair.length === 2) out[String(pair[0])] = String(pair[1]);
    }
  }
  return out;
}

function decodeScalar(v: unknown): unknown {
  if (Array.isArray(v) && v[0] === 'set') return Array.isArray(v[1]) && v[1].length > 0 ? v[1][0] : null;
  return v;
}

export function decodeInterfaceRows(json: string): OvsInterfaceRow[] {
  const doc = JSON.parse(json.trim() === '' ? '{}' : json) as { headings?: string[]; data?: unknown[][] };
  const h = doc.headings ?? [];
  const col = (row: unknown[], name: string): unknown => row[h.indexOf(name)];
  return (doc.data ?? []).map((row) => {
    const ofport = decodeScalar(col(row, 'ofport'));
    const error = decodeScalar(col(row, 'error'));
    return {
      name: String(decodeScalar(col(row, 'name'))),
      externalIds: decodeMap(col(row, 'external_ids')),
      ofport: typeof ofport === 'number' ? ofport : null,
      error: typeof error === 'string' && error !== '' ? error : null,
    };
  });
}

/** Interfaces we own, optionally narrowed by more external_ids. */
export async function findOurInterfaces(run: Runner, db: string | null, match: Record<string, string> = {}): Promise<OvsInterfaceRow[]> {
  const conds = [`external_ids:owner=${OWNER}`, ...Object.entries(match).map(([k, v]) => `external_ids:${k}=${q(v)}`)];
  const out = await runOk(run, 'ovs-vsctl', [...vsctlBase(db), '--format=json', '--columns=name,external_ids,ofport,error', 'find', 'interface', ...conds]);
  return decodeInterfaceRows(out);
}

export async function bridgeExists(run: Runner, db: string | null, bridge: string): Promise<boolean> {
  const r = await run('ovs-vsctl', [...vsctlBase(db), 'br-exists', bridge]);
  if (r.code === 0) return true;
  if (r.code === 2) return false;
  throw new CniError(CNI_CODES.PLUMBING_FAILED, 'ovs-vsctl br-exists failed', r.stderr.trim());
}

export async function portBridge(run: Runner, db: string | null, port: string): Promise<string | null> {
  const r = await run('ovs-vsctl', [...vsctlBase(db), 'port-to-br', port]);
  return r.code === 0 ? r.stdout.trim() : null;
}

/**
 * The bridge with its datapath id (16 hex digits, no 0x), in one transaction. With the userspace
 * datapath, veths hand over packets with partial checksums: without userspace TSO support the
 * first DHCP offers are dropped (~3 s per lease) and DHCPRELEASE never arrives (test-infra §6),
 * so the switch-wide `userspace-tso-enable` is set too (ovs-vswitchd reads it at start).
 */
export function createBridgeArgs(db: string | null, bridge: string, dpidHex16: string, datapathType: 'netdev' | 'system'): string[] {
  return [
    ...vsctlBase(db), '--', '--may-exist', 'add-br', bridge, '--', 'set', 'bridge', bridge,
    ...(datapathType === 'netdev' ? ['datapath_type=netdev'] : []),
    `other-config:datapath-id=${dpidHex16}`, 'other-config:disable-in-band=true', 'fail-mode=standalone',
    'protocols=OpenFlow10,OpenFlow12,OpenFlow13',
    ...(datapathType === 'netdev' ? ['--', 'set', 'Open_vSwitch', '.', 'other_config:userspace-tso-enable=true'] : []),
  ];
}

export async function createBridge(run: Runner, db: string | null, bridge: string, dpidHex16: string, datapathType: 'netdev' | 'system'): Promise<void> {
  await runOk(run, 'ovs-vsctl', createBridgeArgs(db, bridge, dpidHex16, datapathType));
}
