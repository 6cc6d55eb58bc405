// Identity sources for the local master and its agents, injected so tests can drive them (their
// time is src/lib/clock's; unrefClock by default: local timers never keep the process alive).
import { randomFillSync, randomUUID } from 'node:crypto';

export interface Ids {
  /** A random RFC 4122 UUID string (stream ids, master id, container ids). */
  uuid(): string;
  /** `n` random bytes (status update uuids are 16 raw bytes). */
  bytes(n: number): Buffer;
}

/** Random bytes drawn from a pool refilled 4 KiB at a time (one status update needs 16; a launch storm needs tens of thousands). */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let used = POOL_SIZE;

function pooledBytes(n: number): Buffer {
  if (n > POOL_SIZE) return randomFillSync(Buffer.alloc(n));
  if (used + n > POOL_SIZE) {
    randomFillSync(pool);
    used = 0;
  }
  const out = Buffer.from(pool.subarray(used, used + n));
  used += n;
  return out;
}

export const randomIds: Ids = {
  uuid: () => randomUUID(),
  bytes: pooledBytes,
};
