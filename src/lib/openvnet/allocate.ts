// Lease-policy address allocation (spec B5 "Address pools"): pure range maths.
import { broadcastOf, networkOf } from '../ipv4';

export interface AddressRange { begin: number; end: number }

export interface AllocationRequest {
  /** The range group's ranges (inclusive). */
  ranges: AddressRange[];
  /** The network's subnet. */
  network: number;
  prefix: number;
  /** Addresses live in this network. */
  taken: ReadonlySet<number>;
  /** The most recently leased address anywhere: incremental search starts after it. */
  after: number | null;
  allocationType: 'incremental' | 'decremental';
  /**
   * Sticky leases: the address last leased to the requesting MAC in this network. Chosen when it
   * is still in the pool and free, so a restarted task with the same MAC keeps its address.
   */
  preferred?: number | null;
}

/**
 * The usable candidates: range ∩ subnet, minus the subnet's network and broadcast addresses
 * (for prefixes shorter than /31), merged and sorted.
 */
export function candidateRanges(ranges: AddressRange[], network: number, prefix: number): AddressRange[] {
  let lo = networkOf(network, prefix);
  let hi = broadcastOf(network, prefix);
  if (prefix < 31) {
    lo += 1;
    hi -= 1;
  }
  const clipped = ranges
    .map((r) => ({ begin: Math.max(Math.min(r.begin, r.end), lo), end: Math.min(Math.max(r.begin, r.end), hi) }))
    .filter((r) => r.begin <= r.end)
    .sort((a, b) => a.begin - b.begin);
  const merged: AddressRange[] = [];
  for (const r of clipped) {
    const last = merged[merged.length - 1];
    if (last !== undefined && r.begin <= last.end + 1) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  return merged;
}

/** Number of usable addresses in the pool. */
export function poolSize(ranges: AddressRange[], network: number, prefix: number): number {
  return candidateRanges(ranges, network, prefix).reduce((n, r) => n + (r.end - r.begin + 1), 0);
}

/**
 * `preferred` when it is usable (sticky lease), else the next free address: incremental goes up from just after `after`, wrapping to the lowest;
 * decremental goes down from just before it, wrapping to the highest. null when exhausted.
 */
export function allocateAddress(req: AllocationRequest): number | null {
  const pool = candidateRanges(req.ranges, req.network, req.prefix);
  if (pool.length === 0) return null;
  const p = req.preferred;
  if (p !== undefined && p !== null && !req.taken.has(p) && pool.some((r) => p >= r.begin && p <= r.end)) return p;
  const up = req.allocationType === 'incremental';
  const ordered = up ? pool : [...pool].reverse();
  const start = req.after === null ? null : up ? req.after + 1 : req.after - 1;
  const scan = (from: number | null, to: number | null): number | null => {
    for (const r of ordered) {
      let a = up ? r.begin : r.end;
      const b = up ? r.end : r.begin;
      if (from !== null) {
        if (up ? from > b : from < b) continue;
        if (up ? from > a : from < a) a = from;
      }
      for (let x = a; up ? x <= b : x >= b; x += up ? 1 : -1) {
        if (to !== null && (up ? x >= to : x <= to)) return null;
        if (!req.taken.has(x)) return x;
      }
    }
    return null;
  };
  const first = scan(start, null);
  if (first !== null || start === null) return first;
  // wrap around: from the beginning of the pool up to where we started
  return scan(null, start);
}
