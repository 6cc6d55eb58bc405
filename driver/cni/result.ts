// CNI results: one current (1.x) result is built, then converted last to the shape of the
// config's cniVersion (spec A4), as cni pkg/types/internal/convert.go does. Pure.
import { parseCidrText } from '../../src/lib/ipv4';
import { shapeOf, type CniVersion } from './version';

export interface ResultInterface { name: string; mac?: string; mtu?: number; sandbox?: string }
export interface ResultIp { address: string; gateway?: string; interface?: number }
export interface ResultRoute { dst: string; gw?: string }
export interface ResultDns { nameservers?: string[]; domain?: string; search?: string[]; options?: string[] }

export interface CurrentResult {
  interfaces: ResultInterface[];
  ips: ResultIp[];
  routes: ResultRoute[];
  dns: ResultDns;
}

export type WireResult = Record<string, unknown> & { cniVersion: string };

const isV4 = (cidr: string): boolean => parseCidrText(cidr) !== null;

export function toCniResult(r: CurrentResult, version: CniVersion): WireResult {
  const shape = shapeOf(version);
  if (shape === 'legacy') {
    const out: WireResult = { cniVersion: version };
    const ip4 = r.ips.find((i) => isV4(i.address));
    if (ip4 !== undefined) {
      const routes = r.routes.filter((rt) => isV4(rt.dst)).map((rt) => (rt.gw === undefined ? { dst: rt.dst } : { dst: rt.dst, gw: rt.gw }));
      out.ip4 = {
        ip: ip4.address,
        ...(ip4.gateway === undefined ? {} : { gateway: ip4.gateway }),
        ...(routes.length === 0 ? {} : { routes }),
      };
    }
    out.dns = { ...r.dns };
    return out;
  }
  return {
    cniVersion: version,
    interfaces: r.interfaces.map((i) => ({ ...i })),
    ips: r.ips.map((i) => ({
      ...(shape === 'versioned' ? { version: isV4(i.address) ? '4' : '6' } : {}),
      address: i.address,
      ...(i.gateway === undefined ? {} : { gateway: i.gateway }),
      ...(i.interface === undefined ? {} : { interface: i.interface }),
    })),
    routes: r.routes.map((rt) => ({ ...rt })),
    dns: { ...r.dns },
  };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function routesOf(v: unknown): ResultRoute[] {
  if (!Array.isArray(v)) return [];
  const out: ResultRoute[] = [];
  for (const r of v) {
    if (r === null || typeof r !== 'object') continue;
    const o = r as Record<string, unknown>;
    const dst = str(o.dst);
    if (dst === undefined) continue;
    const gw = str(o.gw);
    out.push(gw === undefined ? { dst } : { dst, gw });
  }
  return out;
}

/** Reads a result of any version (a prevResult) into the current form; null when it is not one. */
export function fromCniResult(raw: unknown): CurrentResult | null {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const o = raw as Record<string, unknown>;
  const dns = o.dns !== null && typeof o.dns === 'object' ? (o.dns as ResultDns) : {};
  if (Array.isArray(o.ips) || Array.isArray(o.interfaces)) {
    const interfaces: ResultInterface[] = [];
    for (const i of Array.isArray(o.interfaces) ? o.interfaces : []) {
      if (i === null || typeof i !== 'object') return null;
      const r = i as Record<string, unknown>;
      const name = str(r.name);
      if (name === undefined) return null;
      interfaces.push({
        name,
        ...(str(r.mac) === undefined ? {} : { mac: str(r.mac) }),
        ...(typeof r.mtu === 'number' ? { mtu: r.mtu } : {}),
        ...(str(r.sandbox) === undefined ? {} : { sandbox: str(r.sandbox) }),
      });
    }
    const ips: ResultIp[] = [];
    for (const i of Array.isArray(o.ips) ? o.ips : []) {
      if (i === null || typeof i !== 'object') return null;
      const r = i as Record<string, unknown>;
      const address = str(r.address);
      if (address === undefined) return null;
      ips.push({
        address,
        ...(str(r.gateway) === undefined ? {} : { gateway: str(r.gateway) }),
        ...(typeof r.interface === 'number' ? { interface: r.interface } : {}),
      });
    }
    return { interfaces, ips, routes: routesOf(o.routes), dns };
  }
  if (o.ip4 !== null && typeof o.ip4 === 'object') {
    const ip4 = o.ip4 as Record<string, unknown>;
    const address = str(ip4.ip);
    if (address === undefined) return null;
    const gateway = str(ip4.gateway);
    return { interfaces: [], ips: [gateway === undefined ? { address } : { address, gateway }], routes: routesOf(ip4.routes), dns };
  }
  return null;
}
