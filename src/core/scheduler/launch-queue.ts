// The launch queue's memory: backoff delays per (app, config version) and what recent offers
// did for each app (/v2/queue's processedOffersSummary). Instances waiting to launch are the
// "Scheduled" instances themselves; this class only decides *when* an app may launch.
import type { AppVersion } from '../deploy/app-version';
import { advanceDelay, backoffKey, increaseDelay, timeLeftMs, type BackoffPolicy, type Delay } from './backoff';
import type { Offer } from '../../mesos/types';
import type { RejectReason } from './match-offer';

export interface OfferStats {
  processedOffersCount: number;
  unusedOffersCount: number;
  lastUnusedOfferAt: string | null;
  lastUsedOfferAt: string | null;
  /** Reasons the last offers were rejected for, with counts. */
  rejectLastOffers: Map<RejectReason, number>;
  /** The last offers not used for the app (newest last, at most MAX_UNUSED_OFFERS). */
  lastUnusedOffers: UnusedOffer[];
}

export interface UnusedOffer { offer: Offer; reasons: RejectReason[]; timestamp: string }

/** How many unused offers a queue entry remembers (embed=lastUnusedOffers). */
export const MAX_UNUSED_OFFERS = 10;

function policyOf(v: AppVersion): BackoffPolicy {
  return { backoffSeconds: v.app.backoffSeconds, backoffFactor: v.app.backoffFactor, maxLaunchDelaySeconds: v.app.maxLaunchDelaySeconds };
}

export class LaunchQueue {
  private readonly delays = new Map<string, Delay>();
  private readonly stats = new Map<string, OfferStats>();

  timeLeftMs(v: AppVersion, nowMs: number): number {
    return timeLeftMs(this.delays.get(backoffKey(v.app.id, v.versionInfo.lastConfigChangeAt)), policyOf(v), nowMs);
  }

  onFailure(v: AppVersion, nowMs: number): void {
    const key = backoffKey(v.app.id, v.versionInfo.lastConfigChangeAt);
    this.delays.set(key, increaseDelay(this.delays.get(key), policyOf(v), nowMs));
  }

  onProgress(v: AppVersion, nowMs: number): void {
    const key = backoffKey(v.app.id, v.versionInfo.lastConfigChangeAt);
    const next = advanceDelay(this.delays.get(key), nowMs);
    if (next !== undefined) this.delays.set(key, next);
  }

  /** App deleted, restarted, or DELETE /v2/queue/{id}/delay. */
  reset(appId: string): void {
    for (const key of [...this.delays.keys()]) if (key.startsWith(`${appId}@`)) this.delays.delete(key);
  }

  forget(appId: string): void {
    this.reset(appId);
    this.stats.delete(appId);
  }

  statsOf(appId: string): OfferStats {
    let s = this.stats.get(appId);
    if (s === undefined) {
      s = { processedOffersCount: 0, unusedOffersCount: 0, lastUnusedOfferAt: null, lastUsedOfferAt: null, rejectLastOffers: new Map(), lastUnusedOffers: [] };
      this.stats.set(appId, s);
    }
    return s;
  }

  recordUsed(appId: string, at: string): void {
    const s = this.statsOf(appId);
    s.processedOffersCount++;
    s.lastUsedOfferAt = at;
    s.rejectLastOffers.clear();
  }

  recordRejected(appId: string, reason: RejectReason, at: string, offer?: Offer): void {
    const s = this.statsOf(appId);
    if (offer !== undefined) {
      const last = s.lastUnusedOffers[s.lastUnusedOffers.length - 1];
      if (last !== undefined && last.offer.id.value === offer.id.value) {
        if (!last.reasons.includes(reason)) last.reasons.push(reason);
      } else {
        s.lastUnusedOffers = [...s.lastUnusedOffers, { offer, reasons: [reason], timestamp: at }].slice(-MAX_UNUSED_OFFERS);
      }
    }
    s.processedOffersCount++;
    s.unusedOffersCount++;
    s.lastUnusedOfferAt = at;
    s.rejectLastOffers.set(reason, (s.rejectLastOffers.get(reason) ?? 0) + 1);
  }
}
