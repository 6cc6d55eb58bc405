// Pure resource arithmetic for the local master: scalars in fixed-point thousandths (as Mesos'
// Value::Scalar does, so 2 - 0.1 - 0.1 is exactly 1.8), ranges as sorted disjoint intervals.
import type { Resource } from '../../mesos/types';

export interface ResourceBag {
  /** name → amount in thousandths */
  readonly scalars: ReadonlyMap<string, number>;
  /** name → sorted, disjoint, inclusive intervals */
  readonly ranges: ReadonlyMap<string, ReadonlyArray<readonly [number, number]>>;
}

export interface AgentResources {
  cpus: number;
  mem: number;
  disk: number;
  /** inclusive port ranges, default [[31000, 32000]] */
  ports?: Array<[number, number]>;
}

/** Offer order as a Mesos 1.11 agent reports its resources. */
export const RESOURCE_ORDER: readonly string[] = ['ports', 'cpus', 'mem', 'disk'];

export const EMPTY: ResourceBag = { scalars: new Map(), ranges: new Map() };

export function toMilli(value: number): number {
  return Math.round(value * 1000);
}

export function fromMilli(milli: number): number {
  return milli / 1000;
}

export function agentBag(r: AgentResources): ResourceBag {
  const scalars = new Map<string, number>();
  for (const [name, v] of [['cpus', r.cpus], ['mem', r.mem], ['disk', r.disk]] as const) {
    if (v > 0) scalars.set(name, toMilli(v));
  }
  const ranges = new Map<string, Array<[number, number]>>();
  const ports = normalizeRanges(r.ports ?? [[31000, 32000]]);
  if (ports.length > 0) ranges.set('ports', ports);
  return { scalars, ranges };
}

export class ResourceError extends Error {
  readonly code = 'MVN_ERR_LOCAL_RESOURCE';
  constructor(message: string) {
    super(message);
    this.name = 'ResourceError';
  }
}

/** Sums Mesos resources by name. Throws ResourceError for what a task may not ask for. */
export function bagFromMesos(resources: readonly Resource[]): ResourceBag {
  const scalars = new Map<string, number>();
  const ranges = new Map<string, Array<[number, number]>>();
  for (const r of resources) {
    if (typeof r.name !== 'string' || r.name === '') throw new ResourceError('Empty resource name');
    if (r.type === 'SCALAR') {
      const v = r.scalar?.value;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new ResourceError(`Invalid scalar resource ${r.name}: ${String(v)}`);
      }
      scalars.set(r.name, (scalars.get(r.name) ?? 0) + toMilli(v));
    } else if (r.type === 'RANGES') {
      const list: Array<[number, number]> = [];
      for (const rg of r.ranges?.range ?? []) {
        const b = Number(rg.begin);
        const e = Number(rg.end);
        if (!Number.isInteger(b) || !Number.isInteger(e) || b < 0 || e < b) {
          throw new ResourceError(`Invalid ranges resource ${r.name}: [${String(rg.begin)}-${String(rg.end)}]`);
        }
        list.push([b, e]);
      }
      ranges.set(r.name, normalizeRanges([...(ranges.get(r.name) ?? []), ...list]));
    } else {
      throw new ResourceError(`Unsupported resource type ${String(r.type)} for ${r.name}`);
    }
  }
  return { scalars, ranges };
}

export function normalizeRanges(list: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const sorted = [...list].map(([b, e]) => [b, e] as [number, number]).sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [b, e] of sorted) {
    const last = out[out.length - 1];
    if (last && b <= last[1] + 1) last[1] = Math.max(last[1], e);
    else out.push([b, e]);
  }
  return out;
}

function subtractRanges(a: ReadonlyArray<readonly [number, number]>, b: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  let out = a.map(([x, y]) => [x, y] as [number, number]);
  for (const [rb, re] of b) {
    const next: Array<[number, number]> = [];
    for (const [x, y] of out) {
      if (re < x || rb > y) { next.push([x, y]); continue; }
      if (rb > x) next.push([x, rb - 1]);
      if (re < y) next.push([re + 1, y]);
    }
    out = next;
  }
  return out;
}

function rangesContain(a: ReadonlyArray<readonly [number, number]>, b: ReadonlyArray<readonly [number, number]>): boolean {
  return b.every(([rb, re]) => a.some(([x, y]) => rb >= x && re <= y));
}

export function add(a: ResourceBag, b: ResourceBag): ResourceBag {
  const scalars = new Map(a.scalars);
  for (const [k, v] of b.scalars) scalars.set(k, (scalars.get(k) ?? 0) + v);
  const ranges = new Map<string, ReadonlyArray<readonly [number, number]>>(a.ranges);
  for (const [k, v] of b.ranges) ranges.set(k, normalizeRanges([...(ranges.get(k) ?? []), ...v]));
  return { scalars, ranges };
}

/** a - b, dropping what reaches zero; never negative. */
export function subtract(a: ResourceBag, b: ResourceBag): ResourceBag {
  const scalars = new Map<string, number>();
  for (const [k, v] of a.scalars) {
    const left = v - (b.scalars.get(k) ?? 0);
    if (left > 0) scalars.set(k, left);
  }
  const ranges = new Map<string, ReadonlyArray<readonly [number, number]>>();
  for (const [k, v] of a.ranges) {
    const left = subtractRanges(v, b.ranges.get(k) ?? []);
    if (left.length > 0) ranges.set(k, left);
  }
  return { scalars, ranges };
}

/** Whether a ⊇ b. */
export function contains(a: ResourceBag, b: ResourceBag): boolean {
  for (const [k, v] of b.scalars) if (v > (a.scalars.get(k) ?? 0)) return false;
  for (const [k, v] of b.ranges) if (!rangesContain(a.ranges.get(k) ?? [], v)) return false;
  return true;
}

export function isEmpty(a: ResourceBag): boolean {
  for (const v of a.scalars.values()) if (v > 0) return false;
  for (const v of a.ranges.values()) if (v.length > 0) return false;
  return true;
}

export function scalar(a: ResourceBag, name: string): number {
  return fromMilli(a.scalars.get(name) ?? 0);
}

function orderedNames(a: ResourceBag): string[] {
  const names = new Set<string>([...a.ranges.keys(), ...a.scalars.keys()]);
  const known = RESOURCE_ORDER.filter((n) => names.has(n));
  const rest = [...names].filter((n) => !RESOURCE_ORDER.includes(n)).sort();
  return [...known, ...rest];
}

/**
 * Mesos Resource list for an offer: unreserved (`role: "*"`), with `allocation_info` when the
 * framework is MULTI_ROLE (`allocationRole` given).
 */
export function toMesos(a: ResourceBag, allocationRole: string | undefined): Resource[] {
  const out: Resource[] = [];
  for (const name of orderedNames(a)) {
    const rg = a.ranges.get(name);
    const base = rg !== undefined
      ? { name, type: 'RANGES' as const, ranges: { range: rg.map(([begin, end]) => ({ begin, end })) } }
      : { name, type: 'SCALAR' as const, scalar: { value: fromMilli(a.scalars.get(name) ?? 0) } };
    const r: Resource = { ...base, role: '*' };
    if (allocationRole !== undefined) r.allocation_info = { role: allocationRole };
    out.push(r);
  }
  return out;
}

function formatValue(a: ResourceBag, name: string): string {
  const rg = a.ranges.get(name);
  if (rg !== undefined) return `[${rg.map(([b, e]) => `${b}-${e}`).join(', ')}]`;
  return String(fromMilli(a.scalars.get(name) ?? 0));
}

/** Mesos' text form: `ports(allocated: *):[31000-32000]; cpus(allocated: *):1.8`. */
export function formatBag(a: ResourceBag, allocationRole: string): string {
  return orderedNames(a).map((n) => `${n}(allocated: ${allocationRole}):${formatValue(a, n)}`).join('; ');
}

/** The same text form for a task's own resource list, in the order the task gave it. */
export function formatResourceList(resources: readonly Resource[], defaultRole: string): string {
  return resources.map((r) => {
    const role = r.allocation_info?.role ?? defaultRole;
    let value: string;
    if (r.type === 'RANGES') value = `[${(r.ranges?.range ?? []).map((x) => `${x.begin}-${x.end}`).join(', ')}]`;
    else if (r.type === 'SCALAR') value = String(fromMilli(toMilli(r.scalar?.value ?? 0)));
    else value = '?';
    return `${r.name}(allocated: ${role}):${value}`;
  }).join('; ');
}

/** Plain numbers for state views: `{cpus, mem, disk, ports: "[31000-32000]"}`. */
export function summarize(a: ResourceBag): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const name of orderedNames(a)) {
    out[name] = a.ranges.has(name) ? formatValue(a, name) : fromMilli(a.scalars.get(name) ?? 0);
  }
  return out;
}
