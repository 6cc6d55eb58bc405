// Names the driver derives or accepts. Everything that reaches a command line or a file name is
// checked here first, with patterns that leave no room for separators, spaces or newlines.
import { sha256Hex } from './sha256';

/** Linux interface names: 1-15 of [A-Za-z0-9_.-]; `lo`, `.` and `..` are refused. */
export function isInterfaceName(s: unknown): s is string {
  return typeof s === 'string' && /^[A-Za-z0-9_.-]{1,15}$/.test(s) && s !== 'lo' && s !== '.' && s !== '..';
}

/** CNI container ids (spec A1), bounded so a state path stays short. */
export function isContainerId(s: unknown): s is string {
  return typeof s === 'string' && s.length <= 256 && /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(s);
}

/** An absolute path made of plain characters, without `..` segments. */
export function isSafePath(s: unknown): s is string {
  return typeof s === 'string' && s.length <= 1024 && /^\/[A-Za-z0-9_.\/:@+-]*$/.test(s)
    && !s.split('/').some((p) => p === '..');
}

export function isOpenVnetUuid(prefix: string, s: unknown): s is string {
  return typeof s === 'string' && new RegExp(`^${prefix}-[a-z0-9]{1,16}$`).test(s);
}

/** OpenVNet node ids and other plain tokens. */
export function isToken(s: unknown): s is string {
  return typeof s === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(s);
}

/** Canonical lowercase `aa:bb:cc:dd:ee:ff`, or null. Only unicast, non-zero addresses pass. */
export function parseMac(s: unknown): string | null {
  if (typeof s !== 'string' || !/^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$/.test(s)) return null;
  const mac = s.toLowerCase().replace(/-/g, ':');
  if ((parseInt(mac.slice(0, 2), 16) & 1) === 1) return null;
  if (mac === '00:00:00:00:00:00') return null;
  return mac;
}

function digest(...parts: string[]): string {
  return sha256Hex(parts.join('\0'));
}

export type AttachmentKind = 'vif' | 'agent-link';

/**
 * The host-side name of an attachment, 15 chars: `if-<12 hex>` (also the OpenVNet interface uuid
 * and the OVS port name, so vna matches port and record) or `al-<12 hex>` for agent links.
 */
export function hostIfName(kind: AttachmentKind, containerId: string, ifName: string): string {
  return `${kind === 'vif' ? 'if' : 'al'}-${digest(containerId, ifName).slice(0, 12)}`;
}

/**
 * The Linux bridge of one network (`setup --bridge-type linux`): one bridge per network so that
 * networks never share an L2 segment. `<base>-<uuid without nw->` when that fits in 15 chars,
 * else `<base, at most 10>-<4 hex of the uuid>`.
 */
export function networkBridgeName(base: string, networkUuid: string): string {
  const plain = `${base}-${networkUuid.replace(/^nw-/, '')}`;
  if (plain.length <= 15) return plain;
  return `${base.slice(0, 10)}-${digest('bridge', networkUuid).slice(0, 4)}`;
}

export function isHostIfName(s: string): boolean {
  return /^(if|al)-[0-9a-f]{12}$/.test(s);
}

/** A stable locally administered unicast MAC (`02:…`) from a seed. */
export function deriveMac(...seed: string[]): string {
  const h = digest('mac', ...seed);
  return ['02', h.slice(0, 2), h.slice(2, 4), h.slice(4, 6), h.slice(6, 8), h.slice(8, 10)].join(':');
}

/** A datapath id (`0x` + 16 hex) or null. */
export function parseDpid(s: unknown): string | null {
  if (typeof s !== 'string' || !/^(0x)?[0-9a-fA-F]{1,16}$/.test(s)) return null;
  return `0x${s.replace(/^0x/, '').toLowerCase().padStart(16, '0')}`;
}

/** Deterministic datapath values for a host when the config leaves them out. */
export function deriveDatapath(host: string): { uuid: string; dpid: string } {
  const h = digest('datapath', host);
  return { uuid: `dp-${h.slice(0, 12)}`, dpid: `0x0000${h.slice(12, 24)}` };
}
