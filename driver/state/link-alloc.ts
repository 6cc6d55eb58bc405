// Agent-link addresses: one /32 per container from a per-host range, reserved as files
// <dir>/<address> holding the owner (the host ifname), allocated under a lock file so two
// concurrent ADDs never pick the same address (the exclusive create is a second guard).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeDirs } from './dirs';
import { CniError, CNI_CODES } from '../cni/errors';
import { cidrHosts, isIPv4, type Cidr } from '../../src/lib/ipv4';

const LOCK = '.lock';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs fn holding <dir>/.lock (exclusive create; a dead holder's lock is broken). */
export async function withDirLock<T>(dir: string, fn: () => T, timeoutMs = 10000): Promise<T> {
  makeDirs(dir);
  const lock = path.join(dir, LOCK);
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = NaN;
      try {
        holder = Number(fs.readFileSync(lock, 'utf8'));
      } catch {
        continue;
      }
      if (Number.isInteger(holder) && holder > 0 && !pidAlive(holder)) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new CniError(CNI_CODES.TRY_AGAIN_LATER, 'agent-link address lock busy', lock);
      await sleep(delay);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

export interface Reservation { address: string; owner: string }

export function listReservations(dir: string): Reservation[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: Reservation[] = [];
  for (const n of names) {
    if (!isIPv4(n)) continue;
    try {
      out.push({ address: n, owner: fs.readFileSync(path.join(dir, n), 'utf8').trim() });
    } catch {
      // released meanwhile
    }
  }
  return out;
}

/** The lowest free address of the range (the host address excluded), reserved for owner. */
export async function allocateLinkAddress(dir: string, range: Cidr, exclude: string, owner: string): Promise<string> {
  return withDirLock(dir, () => {
    const held = listReservations(dir);
    const mine = held.find((r) => r.owner === owner);
    if (mine !== undefined) return mine.address;
    const used = new Set(held.map((r) => r.address));
    for (const a of cidrHosts(range)) {
      if (a === exclude || used.has(a)) continue;
      fs.writeFileSync(path.join(dir, a), owner, { flag: 'wx' });
      return a;
    }
    throw new CniError(CNI_CODES.ADDRESS_EXHAUSTED, 'no free agent-link address', `range ${range.ip}/${range.prefix}`);
  });
}

export async function releaseLinkAddresses(dir: string, owner: string): Promise<number> {
  if (!fs.existsSync(dir)) return 0;
  return withDirLock(dir, () => {
    let n = 0;
    for (const r of listReservations(dir)) {
      if (r.owner !== owner) continue;
      fs.rmSync(path.join(dir, r.address), { force: true });
      n++;
    }
    return n;
  });
}
