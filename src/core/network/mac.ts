// The stable default MAC of an interface (parsing: src/lib/mac.ts).
//
// A default MAC is `02:` (locally administered, unicast) followed by 40 bits:
//   base(app id, interface name) + slot   (mod 2^40)
// so the same (app, slot, interface) always gets the same MAC (a replacement task keeps it), the
// slots of one interface never collide with each other, and two interfaces of one app never collide
// because their bases are kept at least SLOT_WINDOW apart (re-hashing on the rare clash). Across
// apps this is as collision-resistant as hashing every MAC independently.

import type * as Crypto from 'node:crypto';
import type { AppDefinition, NetworkInterface } from '../apps/types';
import { canonicalMac, formatMac, parseMac } from '../../lib/mac';

/** Slots below this never collide within one app. */
export const SLOT_WINDOW = 0x10000;
const SPACE = 2 ** 40;

function low40(bytes: readonly number[]): number {
  return bytes.slice(1).reduce((n, b) => n * 256 + b, 0);
}

function hash40(appId: string, interfaceName: string, attempt: number): number {
  // Required here, not at the top: the CNI plugin loads this module (MAC parsing, through the
  // OpenVNet client) in a fresh process per call and never derives a MAC here; node:crypto cost
  // it ~5 ms of start-up.
  const { createHash } = require('node:crypto') as typeof Crypto;
  const digest = createHash('sha256').update(`${appId}\n${interfaceName}\n${attempt}`).digest();
  return digest.readUIntBE(0, 5);
}

/** Forward distance from a to b on the 40-bit ring. */
function distance(a: number, b: number): number {
  return (b - a + SPACE) % SPACE;
}

/**
 * The base of every interface of the app that has no fixed macAddress, keyed by interface name.
 * Bases are chosen in interface-name order so reordering interfaces changes nothing.
 */
function basesFor(appId: string, interfaces: readonly NetworkInterface[]): Map<string, number> {
  const fixed = interfaces.flatMap((iface) => {
    const bytes = iface.macAddress === undefined ? undefined : parseMac(iface.macAddress);
    return bytes !== undefined && bytes[0] === 0x02 ? [low40(bytes)] : [];
  });
  const names = interfaces.filter((iface) => iface.macAddress === undefined).map((iface) => iface.interfaceName).sort();
  const bases = new Map<string, number>();
  const taken: number[] = [];
  for (const name of names) {
    for (let attempt = 0; ; attempt++) {
      const base = hash40(appId, name, attempt);
      const clash = taken.some((other) => distance(other, base) < SLOT_WINDOW || distance(base, other) < SLOT_WINDOW)
        || fixed.some((mac) => distance(base, mac) < SLOT_WINDOW);
      if (!clash) {
        bases.set(name, base);
        taken.push(base);
        break;
      }
    }
  }
  return bases;
}

function macFromBase(base: number, slot: number): string {
  let rest = (base + slot) % SPACE;
  const bytes = [0, 0, 0, 0, 0];
  for (let i = 4; i >= 0; i--) {
    bytes[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  return formatMac([0x02, ...bytes]);
}

/** The stable default MAC for (app id, slot, interface name), ignoring other interfaces. */
export function deriveMac(appId: string, slot: number, interfaceName: string): string {
  return macFromBase(hash40(appId, interfaceName, 0), slot);
}

/**
 * The MAC of every interface of the app for one slot, keyed by interface name: the configured
 * macAddress (canonical form) where given, else the stable default.
 */
export function macAddressesFor(app: AppDefinition, slot: number): Map<string, string> {
  const interfaces = app.container?.networkInterfaces ?? [];
  const bases = basesFor(app.id, interfaces);
  const macs = new Map<string, string>();
  for (const iface of interfaces) {
    const fixed = iface.macAddress === undefined ? undefined : canonicalMac(iface.macAddress);
    const base = bases.get(iface.interfaceName);
    if (fixed !== undefined) macs.set(iface.interfaceName, fixed);
    else if (base !== undefined) macs.set(iface.interfaceName, macFromBase(base, slot));
  }
  return macs;
}
