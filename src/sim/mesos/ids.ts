// Identity sources for the local master and its agents, injected so tests can drive them (their
// time is src/lib/clock's; unrefClock by default: local timers never keep the process alive).
import { randomBytes, randomUUID } from 'node:crypto';

export interface Ids {
  /** A random RFC 4122 UUID string (stream ids, master id, container ids). */
  uuid(): string;
  /** `n` random bytes (status update uuids are 16 raw bytes). */
  bytes(n: number): Buffer;
}

export const randomIds: Ids = {
  uuid: () => randomUUID(),
  bytes: (n) => randomBytes(n),
};
