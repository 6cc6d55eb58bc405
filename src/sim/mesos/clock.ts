// Time and identity sources for the local master and its agents, injected so tests can drive them.
import { randomBytes, randomUUID } from 'node:crypto';

// The clock is src/lib's (local timers never keep the process alive on their own).
export type { Clock, Timer as TimerHandle } from '../../lib/clock';
export { unrefClock as realClock } from '../../lib/clock';

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
