// Static address pools of networkInterfaces and the sticky slot → address assignment.
// A pool is an ordered list of inclusive ranges; slot i always gets the pool's i-th address, so a
// replacement task for the same slot gets its predecessor's address without any stored state.
// Holding addresses cluster-wide (state/ipam) is the caller's job; here `held` is a plain fact.

import type { AddressConflict, AppDefinition, HeldAddress, NetworkInterface } from './types';
import {
  broadcastOf, formatIPv4, networkOf, parseAddressWithPrefix, parseCidr, parseIPv4,
} from '../../lib/ipv4';

export type AddressRange = readonly [first: number, last: number];

export interface AddressPool {
  /** In slot order. */
  ranges: readonly AddressRange[];
  size: number;
}

export type ParsedIpRange =
  | { kind: 'range'; first: number; last: number }
  | { kind: 'cidr'; network: number; prefix: number; hostBitsSet: boolean };

/** `a.b.c.d-a.b.c.e` (first ≤ last) or `a.b.c.d/len`. */
export function parseIpRange(text: string): ParsedIpRange | undefined {
  if (text.includes('/')) {
    const cidr = parseCidr(text);
    if (cidr === undefined) return undefined;
    const network = networkOf(cidr.address, cidr.prefix);
    return { kind: 'cidr', network, prefix: cidr.prefix, hostBitsSet: network !== cidr.address };
  }
  const dash = text.indexOf('-');
  if (dash < 0) return undefined;
  const first = parseIPv4(text.slice(0, dash));
  const last = parseIPv4(text.slice(dash + 1));
  if (first === undefined || last === undefined || first > last) return undefined;
  return { kind: 'range', first, last };
}

function makePool(ranges: AddressRange[]): AddressPool {
  return { ranges, size: ranges.reduce((n, [first, last]) => n + (last - first + 1), 0) };
}

function withoutAddress(ranges: AddressRange[], address: number): AddressRange[] {
  const out: AddressRange[] = [];
  for (const [first, last] of ranges) {
    if (address < first || address > last) out.push([first, last]);
    else {
      if (first < address) out.push([first, address - 1]);
      if (address < last) out.push([address + 1, last]);
    }
  }
  return out;
}

/**
 * The static pool of an interface in slot order, or undefined for DHCP interfaces and for
 * unparseable input (validation reports that). A CIDR pool leaves out its network and broadcast
 * addresses (below /31) and the interface's gateway; explicit lists and ranges are taken as given.
 */
export function poolOf(iface: NetworkInterface): AddressPool | undefined {
  if (iface.bootproto !== 'static') return undefined;
  if (iface.ipAddress !== undefined) {
    const parsed = parseAddressWithPrefix(iface.ipAddress);
    return parsed === undefined ? undefined : makePool([[parsed.address, parsed.address]]);
  }
  if (iface.ipAddresses !== undefined) {
    const ranges: AddressRange[] = [];
    for (const text of iface.ipAddresses) {
      const address = parseIPv4(text);
      if (address === undefined) return undefined;
      ranges.push([address, address]);
    }
    return makePool(ranges);
  }
  if (iface.ipRange !== undefined) {
    const parsed = parseIpRange(iface.ipRange);
    if (parsed === undefined) return undefined;
    if (parsed.kind === 'range') return makePool([[parsed.first, parsed.last]]);
    const broadcast = broadcastOf(parsed.network, parsed.prefix);
    let ranges: AddressRange[] = parsed.prefix >= 31
      ? [[parsed.network, broadcast]]
      : [[parsed.network + 1, broadcast - 1]];
    const gateway = iface.gateway === undefined ? undefined : parseIPv4(iface.gateway);
    if (gateway !== undefined) ranges = withoutAddress(ranges, gateway);
    return makePool(ranges);
  }
  return undefined;
}

/** The pool's index-th address (0-based), or undefined past its end. */
export function addressAt(pool: AddressPool, index: number): number | undefined {
  if (!Number.isInteger(index) || index < 0) return undefined;
  let rest = index;
  for (const [first, last] of pool.ranges) {
    const size = last - first + 1;
    if (rest < size) return first + rest;
    rest -= size;
  }
  return undefined;
}

export function poolContains(pool: AddressPool, address: number): boolean {
  return pool.ranges.some(([first, last]) => address >= first && address <= last);
}

/** The lowest address both pools contain, if any. */
export function firstOverlap(a: AddressPool, b: AddressPool): number | undefined {
  let found: number | undefined;
  for (const [aFirst, aLast] of a.ranges) {
    for (const [bFirst, bLast] of b.ranges) {
      const first = Math.max(aFirst, bFirst);
      if (first <= Math.min(aLast, bLast) && (found === undefined || first < found)) found = first;
    }
  }
  return found;
}

/** The first address that occurs twice in the pool (lists may repeat), if any. */
export function firstDuplicate(pool: AddressPool): number | undefined {
  const sorted = [...pool.ranges].sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i][0] <= sorted[i - 1][1]) return sorted[i][0];
  }
  return undefined;
}

export interface PoolExhaustion {
  interfaceName: string;
  slot: number;
  size: number;
}

/** A slot beyond the end of a static pool: the scheduler must not launch it. */
export class PoolExhaustedError extends Error {
  readonly code = 'MVN_ERR_STATIC_POOL_EXHAUSTED';
  constructor(readonly appId: string, readonly exhausted: PoolExhaustion[]) {
    super(`app ${appId}: ${exhausted.map((e) => `slot ${e.slot} has no address in the static pool of ${e.interfaceName} (${e.size} addresses)`).join('; ')}`);
    this.name = 'PoolExhaustedError';
  }
}

/** A static address the slot needs is held by another app or another slot of this app. */
export class AddressHeldError extends Error {
  readonly code = 'MVN_ERR_ADDRESS_HELD';
  constructor(readonly appId: string, readonly conflicts: AddressConflict[]) {
    super(conflicts.map((c) => c.message).join('; '));
    this.name = 'AddressHeldError';
  }
}

/** Marathon path of the field that gave an interface its static addresses. */
export function staticAddressPath(iface: NetworkInterface, index: number): string {
  const field = iface.ipAddress !== undefined ? 'ipAddress' : iface.ipAddresses !== undefined ? 'ipAddresses' : 'ipRange';
  return `/container/networkInterfaces(${index})/${field}`;
}

function holderKey(network: string, address: string): string {
  return `${network} ${address}`;
}

function indexHeld(held: readonly HeldAddress[]): Map<string, HeldAddress['holder'][]> {
  const byAddress = new Map<string, HeldAddress['holder'][]>();
  for (const entry of held) {
    const key = holderKey(entry.network, entry.address);
    const list = byAddress.get(key);
    if (list) list.push(entry.holder);
    else byAddress.set(key, [entry.holder]);
  }
  return byAddress;
}

function conflictMessage(address: string, network: string, holder: HeldAddress['holder']): string {
  return `address ${address} on ${network} is held by app ${holder.appId} instance slot ${holder.slot}`;
}

/**
 * Static addresses per slot and interface name (DHCP interfaces have no entry). Deterministic:
 * slot i gets address i of each static pool. Throws PoolExhaustedError when a slot lies beyond a
 * pool, AddressHeldError when an address is held by anyone but (app.id, that slot).
 */
export function assignAddresses(
  app: AppDefinition,
  slots: readonly number[],
  held: readonly HeldAddress[],
): Map<number, Map<string, string>> {
  const interfaces = app.container?.networkInterfaces ?? [];
  const holders = indexHeld(held);
  const pools = interfaces.map((iface) => poolOf(iface));
  const result = new Map<number, Map<string, string>>();
  const exhausted: PoolExhaustion[] = [];
  const conflicts: AddressConflict[] = [];
  for (const slot of slots) {
    const perInterface = new Map<string, string>();
    interfaces.forEach((iface, index) => {
      const pool = pools[index];
      if (iface.bootproto !== 'static' || pool === undefined) return;
      const address = addressAt(pool, slot);
      if (address === undefined) {
        exhausted.push({ interfaceName: iface.interfaceName, slot, size: pool.size });
        return;
      }
      const text = formatIPv4(address);
      for (const holder of holders.get(holderKey(iface.networkName, text)) ?? []) {
        if (holder.appId === app.id && holder.slot === slot) continue;
        conflicts.push({
          path: staticAddressPath(iface, index), network: iface.networkName, address: text, slot, holder,
          message: conflictMessage(text, iface.networkName, holder),
        });
      }
      perInterface.set(iface.interfaceName, text);
    });
    result.set(slot, perInterface);
  }
  if (exhausted.length > 0) throw new PoolExhaustedError(app.id, exhausted);
  if (conflicts.length > 0) throw new AddressHeldError(app.id, conflicts);
  return result;
}

/**
 * Addresses the app's instances (slots 0..instances-1 unless `slots` is given) would take that
 * another app holds: the API's 409 before anything is stored. Holders of the same app are not
 * conflicts here: the deployment replaces them (the scheduler checks per slot at launch time).
 */
export function findHeldByOthers(
  app: AppDefinition,
  held: readonly HeldAddress[],
  slots?: readonly number[],
): AddressConflict[] {
  const interfaces = app.container?.networkInterfaces ?? [];
  const others = held.filter((h) => h.holder.appId !== app.id);
  const wanted = slots === undefined ? undefined : new Set(slots);
  const conflicts: AddressConflict[] = [];
  if (others.length === 0) return conflicts;
  // Cost: what the held addresses and the pool ranges cost, never what `instances` says.
  interfaces.forEach((iface, index) => {
    const pool = poolOf(iface);
    if (pool === undefined) return;
    for (const h of others) {
      if (h.network !== iface.networkName) continue;
      const address = parseIPv4(h.address);
      if (address === undefined) continue;
      const slot = indexIn(pool, address);
      if (slot === undefined) continue;
      if (wanted !== undefined ? !wanted.has(slot) : slot >= app.instances) continue;
      conflicts.push({
        path: staticAddressPath(iface, index), network: iface.networkName, address: h.address, slot, holder: h.holder,
        message: conflictMessage(h.address, iface.networkName, h.holder),
      });
    }
  });
  conflicts.sort((a, b) => a.slot - b.slot);
  return conflicts;
}

/** The slot (first index) at which the pool hands out `address`, if it does. */
export function indexIn(pool: AddressPool, address: number): number | undefined {
  let offset = 0;
  for (const [first, last] of pool.ranges) {
    if (address >= first && address <= last) return offset + (address - first);
    offset += last - first + 1;
  }
  return undefined;
}
