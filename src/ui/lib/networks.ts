// The Networks page model: OpenVNet networks with subnets, address pools and the tasks attached.
// Read from GET /v2/networks when the server has it; otherwise derived from the apps'
// container.networkInterfaces and the tasks' reported interfaces (then the page says so).
import type { App, InterfaceSpec } from './types';

export interface PoolView {
  label: string;
  used: number;
  total: number;
}

export interface AttachmentView {
  taskId: string;
  appId: string;
  host: string;
  interfaceName: string;
  address: string; // a.b.c.d/len, or '' while a DHCP lease is pending
  macAddress: string;
  bootproto: string;
}

export interface NetworkView {
  name: string;
  displayName: string;
  subnets: string[];
  /** true when the subnets were inferred from task addresses, not reported by OpenVNet */
  subnetsInferred?: boolean;
  pools: PoolView[];
  apps: string[];
  attachments: AttachmentView[];
}

// ---- IPv4 helpers ----------------------------------------------------------------------------

export function ipToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip.trim());
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** `10.1.2.3` + 24 → `10.1.2.0/24` */
export function subnetOf(ip: string, prefix: number): string | undefined {
  const n = ipToInt(ip);
  if (n === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return `${intToIp((n & mask) >>> 0)}/${prefix}`;
}

/** Size of a static pool spec: a list, a range `a-b`, a CIDR (usable hosts), or one address. */
export function poolAddresses(spec: InterfaceSpec): Set<string> | undefined {
  if ((spec.bootproto ?? 'dhcp') !== 'static') return undefined;
  const out = new Set<string>();
  const strip = (a: string): string => a.split('/')[0].trim();
  if (Array.isArray(spec.ipAddresses) && spec.ipAddresses.length > 0) {
    for (const a of spec.ipAddresses) out.add(strip(a));
    return out;
  }
  if (typeof spec.ipRange === 'string' && spec.ipRange !== '') {
    const r = spec.ipRange.trim();
    const dash = /^([\d.]+)\s*-\s*([\d.]+)$/.exec(r);
    const cidr = /^([\d.]+)\/(\d{1,2})$/.exec(r);
    let lo: number | undefined;
    let hi: number | undefined;
    if (dash) {
      lo = ipToInt(dash[1]);
      hi = ipToInt(dash[2]);
    } else if (cidr) {
      const base = ipToInt(cidr[1]);
      const len = Number(cidr[2]);
      if (base !== undefined && len <= 32) {
        const size = 2 ** (32 - len);
        const net = Math.floor(base / size) * size;
        lo = len >= 31 ? net : net + 1;
        hi = len >= 31 ? net + size - 1 : net + size - 2;
      }
    }
    if (lo === undefined || hi === undefined || hi < lo || hi - lo > 65535) return out;
    for (let n = lo; n <= hi; n++) out.add(intToIp(n));
    return out;
  }
  if (typeof spec.ipAddress === 'string' && spec.ipAddress !== '') out.add(strip(spec.ipAddress));
  return out;
}

export function interfaceSpecs(app: App): InterfaceSpec[] {
  const c = app.container?.networkInterfaces;
  if (Array.isArray(c)) return c;
  return Array.isArray(app.networkInterfaces) ? app.networkInterfaces : [];
}

/** Network names an app uses, in order, without repeats. */
export function appNetworks(app: App): string[] {
  const names = interfaceSpecs(app).map((s) => s.networkName ?? '').filter((n) => n !== '');
  return [...new Set(names)];
}

// ---- derived view ----------------------------------------------------------------------------

export function deriveNetworks(apps: readonly App[]): NetworkView[] {
  const byName = new Map<string, NetworkView>();
  const get = (name: string): NetworkView => {
    let n = byName.get(name);
    if (!n) {
      n = { name, displayName: '', subnets: [], pools: [], apps: [], attachments: [] };
      byName.set(name, n);
    }
    return n;
  };
  for (const app of apps) {
    const specs = interfaceSpecs(app);
    specs.forEach((spec, i) => {
      if (!spec.networkName) return;
      const net = get(spec.networkName);
      if (!net.apps.includes(app.id)) net.apps.push(app.id);
      const pool = poolAddresses(spec);
      if (pool && pool.size > 0) {
        const ifName = spec.interfaceName || `eth${i}`;
        const held = new Set<string>();
        for (const t of app.tasks ?? []) {
          for (const ti of t.networkInterfaces ?? []) {
            if ((ti.interfaceName ?? '') === ifName && ti.ipAddress && pool.has(ti.ipAddress.split('/')[0])) held.add(ti.ipAddress.split('/')[0]);
          }
        }
        net.pools.push({ label: `${app.id} ${ifName}`, used: held.size, total: pool.size });
      }
    });
    for (const t of app.tasks ?? []) {
      for (const ti of t.networkInterfaces ?? []) {
        if (!ti.networkName) continue;
        const net = get(ti.networkName);
        const ip = ti.ipAddress ? ti.ipAddress.split('/')[0] : '';
        const prefix = ti.prefixLength ?? (ti.ipAddress?.includes('/') ? Number(ti.ipAddress.split('/')[1]) : undefined);
        if (ip && prefix !== undefined) {
          const sn = subnetOf(ip, prefix);
          if (sn && !net.subnets.includes(sn)) net.subnets.push(sn);
        }
        net.attachments.push({
          taskId: t.id,
          appId: t.appId ?? app.id,
          host: t.host ?? '',
          interfaceName: ti.interfaceName ?? '',
          address: ip ? (prefix !== undefined ? `${ip}/${prefix}` : ip) : '',
          macAddress: ti.macAddress ?? '',
          bootproto: ti.bootproto ?? '',
        });
      }
    }
  }
  for (const n of byName.values()) if (n.subnets.length > 0) n.subnetsInferred = true;
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

// ---- GET /v2/networks (shape tolerant: the endpoint is ours and may grow) --------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const first = (o: Obj, keys: string[]): unknown => {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
};

function subnetText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (!isObj(v)) return '';
  const cidr = str(first(v, ['cidr', 'subnet']));
  if (cidr) return cidr;
  const net = str(first(v, ['ipv4Network', 'ipv4_network', 'network', 'address']));
  const len = str(first(v, ['ipv4Prefix', 'ipv4_prefix', 'prefix', 'prefixLength']));
  return net ? (len ? `${net}/${len}` : net) : '';
}

function poolView(v: unknown, i: number): PoolView | undefined {
  if (!isObj(v)) return undefined;
  const total = num(first(v, ['total', 'size', 'capacity']));
  const used = num(first(v, ['used', 'allocated', 'inUse', 'held']));
  if (total === undefined || used === undefined) return undefined;
  let label = str(first(v, ['name', 'label', 'range', 'uuid', 'id']));
  if (!label) {
    const b = str(first(v, ['begin', 'start', 'beginIpv4Address']));
    const e = str(first(v, ['end', 'endIpv4Address']));
    label = b && e ? `${b}–${e}` : `pool ${i + 1}`;
  }
  return { label, used, total };
}

function attachmentView(v: unknown): AttachmentView | undefined {
  if (!isObj(v)) return undefined;
  const ip = str(first(v, ['ipAddress', 'address', 'ipv4Address', 'ipv4_address']));
  const prefix = str(first(v, ['prefixLength', 'prefix']));
  return {
    taskId: str(first(v, ['taskId', 'task', 'id'])),
    appId: str(first(v, ['appId', 'app'])),
    host: str(first(v, ['host', 'agent'])),
    interfaceName: str(first(v, ['interfaceName', 'interface', 'ifname'])),
    address: ip && prefix && !ip.includes('/') ? `${ip}/${prefix}` : ip,
    macAddress: str(first(v, ['macAddress', 'mac', 'mac_address'])),
    bootproto: str(first(v, ['bootproto'])),
  };
}

function inferSubnet(address: string): string | undefined {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(address);
  return m ? subnetOf(m[1], Number(m[2])) : undefined;
}

export function normalizeNetworks(body: unknown): NetworkView[] {
  const list = Array.isArray(body) ? body : isObj(body) && Array.isArray(body.networks) ? body.networks : [];
  const out: NetworkView[] = [];
  for (const item of list) {
    if (!isObj(item)) continue;
    const name = str(first(item, ['uuid', 'name', 'id', 'networkName']));
    if (!name) continue;
    const subnetsRaw = first(item, ['subnets', 'subnet']);
    const subnets = (Array.isArray(subnetsRaw) ? subnetsRaw : subnetsRaw !== undefined ? [subnetsRaw] : [item]).map(subnetText).filter((s) => s !== '');
    const poolsRaw = first(item, ['pools', 'ipRanges', 'ip_ranges']);
    const pools = (Array.isArray(poolsRaw) ? poolsRaw : []).map(poolView).filter((p): p is PoolView => p !== undefined);
    const attRaw = first(item, ['tasks', 'attachments', 'interfaces']);
    const attachments = (Array.isArray(attRaw) ? attRaw : []).map(attachmentView).filter((a): a is AttachmentView => a !== undefined);
    const appsRaw = first(item, ['apps']);
    const apps = Array.isArray(appsRaw) ? appsRaw.map(str).filter((s) => s !== '') : [...new Set(attachments.map((a) => a.appId).filter((s) => s !== ''))];
    const reported = [...new Set(subnets)];
    const inferred = reported.length > 0 ? [] : [...new Set(attachments.map((a) => inferSubnet(a.address)).filter((x): x is string => x !== undefined))];
    out.push({
      name,
      displayName: str(first(item, ['displayName', 'display_name'])),
      subnets: reported.length > 0 ? reported : inferred,
      ...(reported.length === 0 && inferred.length > 0 ? { subnetsInferred: true } : {}),
      pools,
      apps,
      attachments,
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** 0..100, rounded; a zero-size pool reads as full. */
export function poolPercent(p: PoolView): number {
  if (p.total <= 0) return 100;
  return Math.round((Math.min(p.used, p.total) / p.total) * 100);
}
