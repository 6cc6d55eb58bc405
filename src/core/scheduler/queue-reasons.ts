// Why an instance could not even be offered a place: the launch queue's reason for a failed
// static address assignment. Says what is true: the slot lies past the end of its static pool
// (nobody holds anything) vs. another holder has the address.
import { AddressHeldError, PoolExhaustedError } from '../apps/address-pool';
import { MARATHON_REASON, type RejectReason } from './match-offer';

/** The queue reason of an assignAddresses failure, or undefined when `err` is something else. */
export function addressRejectReason(err: unknown): RejectReason | undefined {
  if (err instanceof PoolExhaustedError) return 'static-pool-exhausted';
  if (err instanceof AddressHeldError) return 'static-ip-held';
  return undefined;
}

/**
 * Why an app's waiting instances have not launched, most declined first, in Marathon's reason
 * names (an app no agent can ever fit shows InsufficientCpus/Memory/… here for as long as it waits).
 */
export function waitingReasons(rejected: ReadonlyMap<RejectReason, number>): Array<{ reason: string; declined: number }> {
  return [...rejected].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]).map(([r, n]) => ({ reason: MARATHON_REASON[r], declined: n }));
}
