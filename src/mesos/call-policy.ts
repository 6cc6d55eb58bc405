// What a scheduler call does when an attempt does not come back with 200/202: the retry policy
// per call type, the loop that applies it (time only through an injected sleep, so tests drive it
// with a manual clock), and the health count that tells the client to give up on a master.
//
// An attempt ends in one of these ways:
// - ok: 200/202. redirect: 307 (the caller already moved to the Location).
// - unavailable: 503 — the master did not process the call (not leading, recovering).
// - rejected: any other status — the master decided; never retried.
// - stale-socket: a reused keep-alive socket failed before any answer (the server closed it while
//   idle: Node's `req.reusedSocket` race). A repeatable call is retried at once on a fresh
//   connection; for ACCEPT it is an unknown outcome (the server may have read it before closing).
// - not-sent: the connection was never established (refused, unreachable): nothing reached the master.
// - unknown: the connection broke after the request went out, or no answer in time: the master
//   may or may not have acted.
//
// Per type: calls whose repetition is harmless (DECLINE, ACKNOWLEDGE, KILL, RECONCILE, REVIVE,
// SUPPRESS, …) are retried with backoff on every failure but a rejection, for as long as the
// subscription they were made on lasts. ACCEPT is retried only when it surely did not reach the
// master (not-sent, 503), at most maxAttempts times; an unknown outcome is reported as such
// (MesosCallOutcomeUnknownError) so the caller reconciles the tasks instead of launching twice.
import { backoffDelay, type BackoffPolicy } from './backoff';
import { MesosCallOutcomeUnknownError, MesosRedirectError, MesosSubscriptionLostError } from './errors';
import type { Call } from './types';

export type CallType = Call['type'];

export type AttemptResult =
  | { kind: 'ok' }
  | { kind: 'redirect'; error: Error }
  | { kind: 'unavailable'; error: Error }
  | { kind: 'rejected'; error: Error }
  | { kind: 'stale-socket'; error: Error }
  | { kind: 'not-sent'; error: Error }
  | { kind: 'unknown'; error: Error };

export type FailureKind = Exclude<AttemptResult['kind'], 'ok'>;

export interface CallPolicy {
  /** Retried after an unknown outcome (repetition is harmless) and without an attempt limit. */
  repeatable: boolean;
  /**
   * Every attempt on a new connection. False for every call: a fresh TCP (and TLS) connection per
   * ACCEPT cost a handshake per offer; an ACCEPT that meets a stale keep-alive socket is reported
   * as outcome unknown instead (decide), so it is reconciled, never resent blindly.
   */
  freshConnection: boolean;
}

/** Calls that must not be repeated blindly: a second ACCEPT of a used offer is answered with TASK_DROPPED/TASK_LOST for tasks that do run. */
const NOT_REPEATABLE: ReadonlySet<string> = new Set<CallType>(['ACCEPT', 'ACCEPT_INVERSE_OFFERS', 'MESSAGE', 'TEARDOWN']);

export function policyFor(type: CallType): CallPolicy {
  const repeatable = !NOT_REPEATABLE.has(type);
  return { repeatable, freshConnection: false };
}

export const DEFAULT_CALL_BACKOFF: BackoffPolicy = { initialMs: 250, maxMs: 10_000 };

export type Decision =
  | { action: 'done' }
  | { action: 'retry'; delayMs: number; fresh: boolean }
  | { action: 'fail'; error: Error };

export interface DecideContext {
  type: CallType;
  /** Attempts made so far for this call, the one just ended included (≥ 1). */
  attempts: number;
  /** Failed attempts so far, redirects not counted (≥ 1 after a failure). */
  failures: number;
  maxAttempts: number;
  backoff: BackoffPolicy;
}

/** The next step after one attempt. Pure. */
export function decide(result: AttemptResult, ctx: DecideContext): Decision {
  if (result.kind === 'ok') return { action: 'done' };
  const policy = policyFor(ctx.type);
  const limited = !policy.repeatable;
  const delay = (): number => backoffDelay(Math.max(0, ctx.failures - 1), ctx.backoff);
  switch (result.kind) {
    case 'rejected':
      return { action: 'fail', error: result.error };
    case 'redirect':
      if (ctx.attempts >= ctx.maxAttempts) return { action: 'fail', error: new MesosRedirectError(`${ctx.type}: still redirected after ${ctx.attempts} attempts`) };
      return { action: 'retry', delayMs: 0, fresh: false };
    case 'stale-socket':
      // The server closed an idle keep-alive socket: nothing was processed. Once at once, then with backoff.
      // Not for ACCEPT: a reused socket that broke before any answer cannot prove the master did not
      // read the request (it may have closed after reading it), so the outcome is unknown.
      if (limited) return unknownOutcome(ctx.type, result.error);
      return { action: 'retry', delayMs: ctx.failures <= 1 ? 0 : delay(), fresh: true };
    case 'unavailable':
    case 'not-sent':
      if (limited && ctx.attempts >= ctx.maxAttempts) return { action: 'fail', error: result.error };
      return { action: 'retry', delayMs: delay(), fresh: true };
    case 'unknown':
      if (limited) return unknownOutcome(ctx.type, result.error);
      return { action: 'retry', delayMs: delay(), fresh: true };
  }
}

function unknownOutcome(type: CallType, cause: Error): Decision {
  return { action: 'fail', error: new MesosCallOutcomeUnknownError(`${type}: outcome unknown (${cause.message})`, { cause }) };
}

export interface RunCallOptions {
  type: CallType;
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** One attempt; `fresh` asks for a new connection instead of a pooled keep-alive socket. */
  attempt: (fresh: boolean) => Promise<AttemptResult>;
  /** Waits (through the injected clock); rejects when the client stops. */
  sleep: (ms: number) => Promise<void>;
  /** False once the subscription the call was made on has ended. */
  current: () => boolean;
  /** Called after every failed attempt, before the decision is acted on. */
  onFailure?: (result: Exclude<AttemptResult, { kind: 'ok' }>, decision: Decision) => void;
}

/** Runs one call to completion under its policy: resolves when the master took it, rejects with the reason otherwise. */
export async function runCall(opts: RunCallOptions): Promise<void> {
  let attempts = 0;
  let failures = 0;
  const always = policyFor(opts.type).freshConnection;
  let fresh = always;
  for (;;) {
    if (!opts.current()) throw new MesosSubscriptionLostError(`${opts.type}: the subscription ended before the master took the call`);
    attempts++;
    const result = await opts.attempt(fresh);
    if (result.kind !== 'ok' && result.kind !== 'redirect') failures++;
    const decision = decide(result, { type: opts.type, attempts, failures, maxAttempts: opts.maxAttempts, backoff: opts.backoff });
    if (result.kind !== 'ok') opts.onFailure?.(result, decision);
    if (decision.action === 'done') return;
    if (decision.action === 'fail') throw decision.error;
    fresh = always || decision.fresh;
    if (decision.delayMs > 0) await opts.sleep(decision.delayMs);
  }
}

export interface CallHealthLimits {
  /** Consecutive failed attempts (503, connection failures, timeouts) … */
  failures: number;
  /** … spread over at least this long, before the master is given up on. */
  spanMs: number;
}

export const DEFAULT_CALL_HEALTH: CallHealthLimits = { failures: 8, spanMs: 15_000 };

/**
 * Consecutive call failures across all calls of one subscription. A master that keeps failing
 * calls (while its stream may still look alive) is given up on: the client resubscribes, which
 * makes the master rescind the outstanding offers. Stale keep-alive sockets do not count.
 */
export class CallHealth {
  private count = 0;
  private since = 0;
  constructor(private readonly limits: CallHealthLimits = DEFAULT_CALL_HEALTH) {}

  success(): void {
    this.count = 0;
  }

  /** Records a failure; true when the limits are reached (the caller then resubscribes and resets). */
  failure(kind: FailureKind, nowMs: number): boolean {
    if (kind === 'stale-socket' || kind === 'redirect' || kind === 'rejected') return false;
    if (this.count === 0) this.since = nowMs;
    this.count++;
    return this.count >= this.limits.failures && nowMs - this.since >= this.limits.spanMs;
  }

  reset(): void {
    this.count = 0;
  }

  get consecutiveFailures(): number {
    return this.count;
  }
}
