// Time and identity sources for the local master and its agents, injected so tests can drive them.
import { randomBytes, randomUUID } from 'node:crypto';

export interface TimerHandle { cancel(): void }

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once after `ms`; the timer never keeps the process alive on its own. */
  setTimer(fn: () => void, ms: number): TimerHandle;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

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
