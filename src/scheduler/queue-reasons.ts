// Why an instance could not even be offered a place: the launch queue's reason for a failed
// static address assignment. Says what is true: the slot lies past the end of its static pool
// (nobody holds anything) vs. another holder has the address.
import { AddressHeldError, PoolExhaustedError } from '../network/ipam-pool';
import type { RejectReason } from './match-offer';

/** The queue reason of an assignAddresses failure, or undefined when `err` is something else. */
export function addressRejectReason(err: unknown): RejectReason | undefined {
  if (err instanceof PoolExhaustedError) return 'static-pool-exhausted';
  if (err instanceof AddressHeldError) return 'static-ip-held';
  return undefined;
}
