// Pure offer allocation for the local master: which framework gets which agent's available
// resources in one allocation run. A small stand-in for Mesos' hierarchical DRF allocator:
// each agent's whole available pool goes to the eligible framework with the smallest cpu share
// that has not refused (declined with a filter) a superset of those resources on that agent.
import { contains, isEmpty, scalar, type ResourceBag } from './resources';

export interface AllocationAgent {
  id: string;
  /** free and not currently offered */
  available: ResourceBag;
}

export interface Refusal {
  agentId: string;
  /** what was declined; an offer within it is filtered until `until` */
  resources: ResourceBag;
  until: number;
}

export interface AllocationFramework {
  id: string;
  /** cpus used by its tasks plus cpus in its outstanding offers */
  allocatedCpus: number;
  refusals: readonly Refusal[];
}

export interface Allocation {
  frameworkId: string;
  agentId: string;
  resources: ResourceBag;
}

/** Mesos' RefusedOfferFilter: refused while the new resources fit inside the declined ones. */
export function isRefused(refusals: readonly Refusal[], agentId: string, resources: ResourceBag, now: number): boolean {
  return refusals.some((r) => r.agentId === agentId && r.until > now && contains(r.resources, resources));
}

export function liveRefusals(refusals: readonly Refusal[], now: number): Refusal[] {
  return refusals.filter((r) => r.until > now);
}

/** `frameworks` must hold only eligible ones (subscribed, connected, not suppressed), in registration order. */
export function allocate(agents: readonly AllocationAgent[], frameworks: readonly AllocationFramework[], now: number): Allocation[] {
  const share = new Map(frameworks.map((f) => [f.id, f.allocatedCpus]));
  const out: Allocation[] = [];
  for (const agent of agents) {
    if (isEmpty(agent.available)) continue;
    const candidates = frameworks
      .map((f, order) => ({ f, order }))
      .filter(({ f }) => !isRefused(f.refusals, agent.id, agent.available, now))
      .sort((a, b) => (share.get(a.f.id) ?? 0) - (share.get(b.f.id) ?? 0) || a.order - b.order);
    const chosen = candidates[0]?.f;
    if (chosen === undefined) continue;
    out.push({ frameworkId: chosen.id, agentId: agent.id, resources: agent.available });
    share.set(chosen.id, (share.get(chosen.id) ?? 0) + scalar(agent.available, 'cpus'));
  }
  return out;
}
