// Offer bookkeeping as an invariant. A Mesos master keeps an offer until the framework answers it
// (no offer timeout by default), so an answer lost on the way would withhold that agent's
// resources for good. Every offer received is recorded here until it is accepted, declined or
// rescinded (or the subscription ends, which makes the master take all offers back); an offer
// still held `reanswerAfterMs` after it arrived and after the last answer attempt is due to be
// declined again. Pure: time comes in as arguments.

export type OfferAnswer = 'accept' | 'decline';

interface Entry {
  receivedAtMs: number;
  /** The answer decided on (its call pending or in flight); null while nothing is decided or after a failed answer. */
  answer: OfferAnswer | null;
  answeredAtMs: number | null;
}

export interface OfferLedgerOptions {
  /** An offer held this long (since it arrived and since the last answer attempt) is declined again. */
  reanswerAfterMs: number;
}

/** No offer may stay outstanding at the master longer than this (the invariant the tests check). */
export const OFFER_HOLD_BOUND_MS = 30_000;
export const DEFAULT_OFFER_LEDGER: OfferLedgerOptions = { reanswerAfterMs: 10_000 };

export interface OfferHoldStats {
  /** Offers received and not yet known to be accepted, declined or rescinded. */
  held: number;
  /** Age of the oldest of them in ms (0 when none). */
  oldestAgeMs: number;
}

export class OfferLedger {
  private readonly offers = new Map<string, Entry>();

  constructor(private readonly options: OfferLedgerOptions = DEFAULT_OFFER_LEDGER) {}

  received(offerId: string, nowMs: number): void {
    if (!this.offers.has(offerId)) this.offers.set(offerId, { receivedAtMs: nowMs, answer: null, answeredAtMs: null });
  }

  /** An answer was decided on and its call is on its way. */
  answering(offerId: string, answer: OfferAnswer, nowMs: number): void {
    const e = this.offers.get(offerId);
    if (e === undefined) return;
    e.answer = answer;
    e.answeredAtMs = nowMs;
  }

  /** The master took the answer: the offer is gone. */
  settled(offerId: string): void {
    this.offers.delete(offerId);
  }

  /** The answer failed for good: the offer is held again (and declined once it is overdue). */
  failed(offerId: string): void {
    const e = this.offers.get(offerId);
    if (e !== undefined) e.answer = null;
  }

  rescinded(offerId: string): void {
    this.offers.delete(offerId);
  }

  /** The subscription ended: the master took every outstanding offer back. */
  clear(): void {
    this.offers.clear();
  }

  has(offerId: string): boolean {
    return this.offers.has(offerId);
  }

  /** True while the offer is held with an ACCEPT decided (not re-declined, rescinded or cleared since). */
  isAccepting(offerId: string): boolean {
    return this.offers.get(offerId)?.answer === 'accept';
  }

  /** Offers held with no answer on its way (not yet matched, or their answer failed). */
  unanswered(): string[] {
    const out: string[] = [];
    for (const [id, e] of this.offers) if (e.answer === null) out.push(id);
    return out;
  }

  /** Offers to decline (again) now: held at least reanswerAfterMs, with no answer attempt for as long. */
  overdue(nowMs: number): string[] {
    const limit = this.options.reanswerAfterMs;
    const out: string[] = [];
    for (const [id, e] of this.offers) {
      if (nowMs - e.receivedAtMs < limit) continue;
      if (e.answeredAtMs !== null && nowMs - e.answeredAtMs < limit) continue;
      out.push(id);
    }
    return out;
  }

  /** Every held offer with the time it arrived (for invariant checks). */
  outstanding(): Array<{ id: string; offeredAtMs: number }> {
    return [...this.offers].map(([id, e]) => ({ id, offeredAtMs: e.receivedAtMs }));
  }

  stats(nowMs: number): OfferHoldStats {
    let oldest = nowMs;
    for (const e of this.offers.values()) if (e.receivedAtMs < oldest) oldest = e.receivedAtMs;
    return { held: this.offers.size, oldestAgeMs: Math.max(0, nowMs - oldest) };
  }
}

export interface OfferInvariantViolation {
  id: string;
  ageMs: number;
}

/**
 * The offer invariant: no offer outstanding longer than `boundMs`. `outstanding` is what the
 * master (or a ledger) holds, with the time each offer was made; returns the offenders, oldest
 * first (empty = the invariant holds). For simulations and tests.
 */
export function offerInvariantViolations(
  outstanding: Iterable<{ id: string; offeredAtMs: number }>, nowMs: number, boundMs: number = OFFER_HOLD_BOUND_MS,
): OfferInvariantViolation[] {
  const out: OfferInvariantViolation[] = [];
  for (const o of outstanding) {
    const ageMs = nowMs - o.offeredAtMs;
    if (ageMs > boundMs) out.push({ id: o.id, ageMs });
  }
  return out.sort((a, b) => b.ageMs - a.ageMs || a.id.localeCompare(b.id));
}
