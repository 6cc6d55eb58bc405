// Offer matching, pure (nomad feasible.go style): small checks, each rejecting with a named
// reason; several tasks per offer, consuming the offer as they go. Reasons feed /v2/queue.
import type { Attribute, Offer, Resource } from '../../mesos/types';

export type RejectReason =
  | 'insufficient-cpus' | 'insufficient-mem' | 'insufficient-disk' | 'insufficient-gpus'
  | 'insufficient-ports' | 'unfulfilled-role' | 'unfulfilled-constraint' | 'static-ip-held'
  | 'static-pool-exhausted';

/** Marathon's names for the reasons, as /v2/queue's rejectSummary shows them. */
export const MARATHON_REASON: Record<RejectReason, string> = {
  'insufficient-cpus': 'InsufficientCpus',
  'insufficient-mem': 'InsufficientMemory',
  'insufficient-disk': 'InsufficientDisk',
  'insufficient-gpus': 'InsufficientGpus',
  'insufficient-ports': 'InsufficientPorts',
  'unfulfilled-role': 'UnfulfilledRole',
  'unfulfilled-constraint': 'UnfulfilledConstraint',
  'static-ip-held': 'StaticIpHeld',
  'static-pool-exhausted': 'StaticPoolExhausted',
};

export interface ResourceNeeds {
  cpus: number;
  mem: number;
  disk: number;
  gpus: number;
  /** One entry per host port: 0 = any free port, otherwise exactly that port. */
  ports: number[];
  /** acceptedResourceRoles; undefined = any role. */
  acceptedRoles?: readonly string[];
}

export interface PlacementRequest {
  /** Usually the instance id. */
  key: string;
  appId: string;
  needs: ResourceNeeds;
  constraints: ReadonlyArray<readonly string[]>;
  /** Static addresses the task will bind, `network/address`. */
  staticAddresses: readonly string[];
}

/** Where a live instance of some app runs, for constraint evaluation. */
export interface Placement { appId: string; hostname: string; attributes: readonly Attribute[] }

export interface MatchContext {
  /** Live instances (and those placed earlier in this round). */
  placed: Placement[];
  /** `network/address` → key of the live holder; a request may not reuse an address held by another. */
  addressesInUse: ReadonlyMap<string, string>;
}

export interface MatchedTask {
  request: PlacementRequest;
  resources: Resource[];
  ports: number[];
}

export type CheckResult = { ok: true } | { ok: false; reason: RejectReason };

export interface OfferMatch {
  matched: MatchedTask[];
  rejected: Array<{ request: PlacementRequest; reason: RejectReason }>;
}

// ---------------------------------------------------------------------------------------------
// Resource pool: what is left of one offer.

interface PoolEntry { resource: Resource; scalarLeft: number; ranges: Array<{ begin: number; end: number }> }

export function resourceRole(r: Resource): string {
  const reservations = r.reservations ?? [];
  if (reservations.length > 0) return reservations[reservations.length - 1]?.role ?? '*';
  return r.role ?? '*';
}

function roleAccepted(r: Resource, roles: readonly string[] | undefined): boolean {
  return roles === undefined || roles.includes(resourceRole(r));
}

class OfferPool {
  private readonly entries: PoolEntry[];
  constructor(resources: readonly Resource[]) {
    this.entries = resources.map((resource) => ({
      resource,
      scalarLeft: resource.scalar?.value ?? 0,
      ranges: (resource.ranges?.range ?? []).map((x) => ({ begin: Number(x.begin), end: Number(x.end) })),
    }));
  }

  scalarAvailable(name: string, roles: readonly string[] | undefined): number {
    let sum = 0;
    for (const e of this.entries) if (e.resource.name === name && e.resource.type === 'SCALAR' && roleAccepted(e.resource, roles)) sum += e.scalarLeft;
    return sum;
  }

  anyOfName(name: string): boolean {
    return this.entries.some((e) => e.resource.name === name);
  }

  /** Picks host ports in the order wanted; null when they cannot all be had. Does not consume. */
  pickPorts(wanted: readonly number[], roles: readonly string[] | undefined): Array<{ port: number; entry: PoolEntry }> | null {
    const taken = new Set<number>(wanted.filter((p) => p > 0));
    if (taken.size !== wanted.filter((p) => p > 0).length) return null;
    const portEntries = this.entries.filter((e) => e.resource.name === 'ports' && e.resource.type === 'RANGES' && roleAccepted(e.resource, roles));
    const picked: Array<{ port: number; entry: PoolEntry }> = [];
    for (const w of wanted) {
      if (w > 0) {
        const entry = portEntries.find((e) => e.ranges.some((r) => w >= r.begin && w <= r.end));
        if (entry === undefined) return null;
        picked.push({ port: w, entry });
        continue;
      }
      let found: { port: number; entry: PoolEntry } | null = null;
      search: for (const e of portEntries) {
        for (const r of e.ranges) {
          for (let p = r.begin; p <= r.end; p++) {
            if (!taken.has(p)) { found = { port: p, entry: e }; break search; }
          }
        }
      }
      if (found === null) return null;
      taken.add(found.port);
      picked.push(found);
    }
    return picked;
  }

  /** Consumes the needs (already checked) and returns the Resource list to launch with. */
  consume(needs: ResourceNeeds, ports: Array<{ port: number; entry: PoolEntry }>): Resource[] {
    const out: Resource[] = [];
    const take = (name: string, amount: number): void => {
      let left = amount;
      for (const e of this.entries) {
        if (left <= 1e-9) break;
        if (e.resource.name !== name || e.resource.type !== 'SCALAR' || !roleAccepted(e.resource, needs.acceptedRoles)) continue;
        const t = Math.min(e.scalarLeft, left);
        if (t <= 0) continue;
        e.scalarLeft = roundResource(e.scalarLeft - t);
        left = roundResource(left - t);
        out.push(slice(e.resource, { scalar: { value: roundResource(t) } }));
      }
    };
    if (needs.cpus > 0) take('cpus', needs.cpus);
    if (needs.mem > 0) take('mem', needs.mem);
    if (needs.disk > 0) take('disk', needs.disk);
    if (needs.gpus > 0) take('gpus', needs.gpus);
    const byEntry = new Map<PoolEntry, number[]>();
    for (const p of ports) {
      byEntry.set(p.entry, [...(byEntry.get(p.entry) ?? []), p.port]);
      p.entry.ranges = removePort(p.entry.ranges, p.port);
    }
    for (const [entry, list] of byEntry) {
      out.push(slice(entry.resource, { ranges: { range: list.map((p) => ({ begin: p, end: p })) } }));
    }
    return out;
  }
}

function slice(r: Resource, value: Pick<Resource, 'scalar' | 'ranges'>): Resource {
  const out: Resource = { name: r.name, type: r.type, ...value };
  if (r.role !== undefined) out.role = r.role;
  if (r.allocation_info !== undefined) out.allocation_info = r.allocation_info;
  if (r.reservation !== undefined) out.reservation = r.reservation;
  if (r.reservations !== undefined) out.reservations = r.reservations;
  return out;
}

function removePort(ranges: Array<{ begin: number; end: number }>, port: number): Array<{ begin: number; end: number }> {
  const out: Array<{ begin: number; end: number }> = [];
  for (const r of ranges) {
    if (port < r.begin || port > r.end) { out.push(r); continue; }
    if (r.begin <= port - 1) out.push({ begin: r.begin, end: port - 1 });
    if (port + 1 <= r.end) out.push({ begin: port + 1, end: r.end });
  }
  return out;
}

/** Mesos keeps scalars at 3 decimals; so do we, to avoid 0.30000000000000004 leftovers. */
function roundResource(v: number): number {
  return Math.round(v * 1000) / 1000;
}

// ---------------------------------------------------------------------------------------------
// Constraints

/** The value of a constraint field on an offer: `hostname` or an attribute, as text. */
export function fieldValue(field: string, hostname: string, attributes: readonly Attribute[]): string | undefined {
  if (field === 'hostname') return hostname;
  const a = attributes.find((x) => x.name === field);
  if (a === undefined) return undefined;
  switch (a.type) {
    case 'TEXT': return a.text?.value;
    case 'SCALAR': return a.scalar !== undefined ? String(a.scalar.value) : undefined;
    case 'SET': return (a.set?.item ?? []).join(',');
    case 'RANGES': return (a.ranges?.range ?? []).map((r) => `[${r.begin}-${r.end}]`).join(',');
    default: return undefined;
  }
}

const regexCache = new Map<string, RegExp | null>();
function fullMatch(pattern: string, value: string): boolean {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try { re = new RegExp(`^(?:${pattern})$`); } catch { re = null; }
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re !== null && re.test(value);
}

export function checkConstraint(
  constraint: readonly string[], appId: string, offer: Pick<Offer, 'hostname' | 'attributes'>, placed: readonly Placement[],
): boolean {
  const [field = '', rawOp = '', value] = constraint;
  const op = rawOp.toUpperCase();
  const here = fieldValue(field, offer.hostname, offer.attributes ?? []);
  const peers = placed.filter((p) => p.appId === appId);
  const peerValues = peers.map((p) => fieldValue(field, p.hostname, p.attributes));
  switch (op) {
    case 'UNIQUE':
      return here !== undefined && !peerValues.includes(here);
    case 'CLUSTER':
      if (here === undefined) return false;
      if (value !== undefined && value !== '') return here === value;
      return peerValues.every((v) => v === here);
    case 'GROUP_BY': {
      if (here === undefined) return false;
      const counts = new Map<string, number>();
      for (const v of peerValues) if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
      const expectedGroups = value !== undefined && value !== '' ? Number(value) : 0;
      const minCount = counts.size < expectedGroups || counts.size === 0 ? 0 : Math.min(...counts.values());
      return (counts.get(here) ?? 0) <= minCount;
    }
    case 'LIKE':
      return here !== undefined && fullMatch(value ?? '', here);
    case 'UNLIKE':
      return here === undefined || !fullMatch(value ?? '', here);
    case 'MAX_PER': {
      if (here === undefined) return false;
      const max = Number(value ?? '0');
      return peerValues.filter((v) => v === here).length < max;
    }
    case 'IS':
      return here !== undefined && here === value;
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Checks

function checkStaticAddresses(req: PlacementRequest, ctx: MatchContext): CheckResult {
  for (const a of req.staticAddresses) {
    const holder = ctx.addressesInUse.get(a);
    if (holder !== undefined && holder !== req.key) return { ok: false, reason: 'static-ip-held' };
  }
  return { ok: true };
}

function checkRole(req: PlacementRequest, offer: Offer): CheckResult {
  const roles = req.needs.acceptedRoles;
  if (roles === undefined) return { ok: true };
  const any = (offer.resources ?? []).some((r) => roleAccepted(r, roles));
  return any ? { ok: true } : { ok: false, reason: 'unfulfilled-role' };
}

function checkScalars(req: PlacementRequest, pool: OfferPool): CheckResult {
  const n = req.needs;
  const eps = 1e-9;
  if (pool.scalarAvailable('cpus', n.acceptedRoles) + eps < n.cpus) return { ok: false, reason: 'insufficient-cpus' };
  if (pool.scalarAvailable('mem', n.acceptedRoles) + eps < n.mem) return { ok: false, reason: 'insufficient-mem' };
  if (n.disk > 0 && pool.scalarAvailable('disk', n.acceptedRoles) + eps < n.disk) return { ok: false, reason: 'insufficient-disk' };
  if (n.gpus > 0 && pool.scalarAvailable('gpus', n.acceptedRoles) + eps < n.gpus) return { ok: false, reason: 'insufficient-gpus' };
  return { ok: true };
}

function checkConstraints(req: PlacementRequest, offer: Offer, ctx: MatchContext): CheckResult {
  for (const c of req.constraints) {
    if (!checkConstraint(c, req.appId, offer, ctx.placed)) return { ok: false, reason: 'unfulfilled-constraint' };
  }
  return { ok: true };
}

export type PlaceResult = { ok: true; task: MatchedTask } | { ok: false; reason: RejectReason };

/**
 * One offer being filled: `place` checks a request against what is left and, when it fits,
 * consumes the resources and records the placement so later requests (UNIQUE, MAX_PER, held
 * addresses) see it. The context passed in is not mutated.
 */
export class OfferMatcher {
  private readonly pool: OfferPool;
  private readonly placed: Placement[];
  private readonly inUse: Map<string, string>;
  constructor(private readonly offer: Offer, ctx: MatchContext) {
    this.pool = new OfferPool(offer.resources ?? []);
    this.placed = [...ctx.placed];
    this.inUse = new Map(ctx.addressesInUse);
  }

  place(req: PlacementRequest): PlaceResult {
    const local: MatchContext = { placed: this.placed, addressesInUse: this.inUse };
    for (const check of [
      () => checkStaticAddresses(req, local), () => checkRole(req, this.offer), () => checkScalars(req, this.pool),
      () => checkConstraints(req, this.offer, local),
    ]) {
      const r = check();
      if (!r.ok) return r;
    }
    const ports = this.pool.pickPorts(req.needs.ports, req.needs.acceptedRoles);
    if (ports === null) return { ok: false, reason: 'insufficient-ports' };
    const resources = this.pool.consume(req.needs, ports);
    this.placed.push({ appId: req.appId, hostname: this.offer.hostname, attributes: this.offer.attributes ?? [] });
    for (const a of req.staticAddresses) this.inUse.set(a, req.key);
    return { ok: true, task: { request: req, resources, ports: ports.map((p) => p.port) } };
  }
}

/** Places as many of `requests` (in order) on `offer` as fit. */
export function matchOffer(offer: Offer, requests: readonly PlacementRequest[], ctx: MatchContext): OfferMatch {
  const matcher = new OfferMatcher(offer, ctx);
  const result: OfferMatch = { matched: [], rejected: [] };
  for (const req of requests) {
    const r = matcher.place(req);
    if (r.ok) result.matched.push(r.task);
    else result.rejected.push({ request: req, reason: r.reason });
  }
  return result;
}
