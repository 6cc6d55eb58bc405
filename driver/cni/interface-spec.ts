// What one interface should look like, read from the channels runtimes use (pure):
// Mesos `args.org.apache.mesos.network_info` (name, ip_addresses, labels vnet.*), then `args.cni`,
// `runtimeConfig` (mac, ips) and CNI_ARGS (IP=, MAC=, GATEWAY=). The first channel that sets a
// field wins. Every problem is collected and reported at once as code 7 (CNI_ARGS syntax: 4).
import { CniError, CNI_CODES, invalidConfig } from './errors';
import { formatCidr, cidrContains, isNetworkOrBroadcast, cidrNetwork, parseCidrText, isIPv4, type Cidr } from '../../src/lib/ipv4';
import { deriveMac, isInterfaceName, parseMac } from './names';

export type Bootproto = 'static' | 'dhcp';

export interface RouteSpec { dst: Cidr; gw: string | null }

export interface InterfaceSpec {
  /** Name inside the container. */
  ifName: string;
  bootproto: Bootproto;
  /** Static address; prefix null = take the network's. */
  address: { ip: string; prefix: number | null } | null;
  gateway: string | null;
  mac: string;
  routes: RouteSpec[];
  mtu: number | null;
  app: string | null;
  slot: number | null;
}

export interface SpecInput {
  /** The stdin config object (args, runtimeConfig). */
  raw: Record<string, unknown>;
  networkName: string;
  containerId: string;
  /** CNI_IFNAME. */
  ifName: string;
  /** CNI_ARGS, unparsed. */
  cniArgs: string | undefined;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const MAX_ROUTES = 64;

interface Partial {
  ifName?: string;
  bootproto?: Bootproto;
  address?: { ip: string; prefix: number | null };
  gateway?: string;
  mac?: string;
  routes?: RouteSpec[];
  mtu?: number;
  app?: string;
  slot?: number;
}

/** `K=V;K2=V2` → pairs; syntax errors are invalid environment (code 4). */
export function parseCniArgs(s: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (s === undefined || s === '') return out;
  for (const pair of s.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = eq < 0 ? '' : pair.slice(0, eq);
    if (!/^[A-Za-z0-9_]{1,64}$/.test(key)) {
      throw new CniError(CNI_CODES.INVALID_ENV, 'invalid CNI_ARGS', `not a K=V pair: ${JSON.stringify(pair.slice(0, 64))}`);
    }
    out.set(key, pair.slice(eq + 1));
  }
  return out;
}

function parseAddress(v: unknown, field: string, bad: (m: string) => void): { ip: string; prefix: number | null } | undefined {
  if (typeof v !== 'string' || v === '') {
    bad(`${field}: IPv4 address expected`);
    return undefined;
  }
  if (v.includes('/')) {
    const c = parseCidrText(v);
    if (c === null) bad(`${field}: not a.b.c.d/len: ${JSON.stringify(v.slice(0, 64))}`);
    return c ?? undefined;
  }
  if (!isIPv4(v)) {
    bad(`${field}: not an IPv4 address: ${JSON.stringify(v.slice(0, 64))}`);
    return undefined;
  }
  return { ip: v, prefix: null };
}

function parseGateway(v: unknown, field: string, bad: (m: string) => void): string | undefined {
  if (!isIPv4(v)) {
    bad(`${field}: not an IPv4 address: ${JSON.stringify(String(v).slice(0, 64))}`);
    return undefined;
  }
  return v as string;
}

function parseMacField(v: unknown, field: string, bad: (m: string) => void): string | undefined {
  const mac = parseMac(v);
  if (mac === null) bad(`${field}: not a unicast MAC aa:bb:cc:dd:ee:ff: ${JSON.stringify(String(v).slice(0, 64))}`);
  return mac ?? undefined;
}

function parseRoutes(v: unknown, field: string, bad: (m: string) => void): RouteSpec[] | undefined {
  if (!Array.isArray(v) || v.length > MAX_ROUTES) {
    bad(`${field}: a JSON array of at most ${MAX_ROUTES} {destination, gateway}`);
    return undefined;
  }
  const out: RouteSpec[] = [];
  v.forEach((r, i) => {
    if (!isObj(r)) {
      bad(`${field}[${i}]: object expected`);
      return;
    }
    const dstRaw = r.destination ?? r.dst;
    const dst = parseCidrText(dstRaw);
    if (dst === null) {
      bad(`${field}[${i}].destination: a.b.c.d/len expected`);
      return;
    }
    if (cidrNetwork(dst).ip !== dst.ip) {
      bad(`${field}[${i}].destination: ${formatCidr(dst)} has host bits set`);
      return;
    }
    const gwRaw = r.gateway ?? r.gw;
    if (gwRaw !== undefined && gwRaw !== null && gwRaw !== '' && !isIPv4(gwRaw)) {
      bad(`${field}[${i}].gateway: not an IPv4 address`);
      return;
    }
    out.push({ dst, gw: gwRaw === undefined || gwRaw === null || gwRaw === '' ? null : (gwRaw as string) });
  });
  return out;
}

function fromMesos(raw: Record<string, unknown>, networkName: string, bad: (m: string) => void): Partial {
  const out: Partial = {};
  const args = raw.args;
  if (!isObj(args) || !isObj(args['org.apache.mesos'])) return out;
  const ni = (args['org.apache.mesos'] as Record<string, unknown>).network_info;
  if (ni === undefined) return out;
  if (!isObj(ni)) {
    bad('args.org.apache.mesos.network_info: object expected');
    return out;
  }
  if (ni.name !== undefined && ni.name !== networkName) {
    bad(`network_info.name ${JSON.stringify(String(ni.name).slice(0, 64))} is not this network (${networkName})`);
  }
  if (ni.ip_addresses !== undefined) {
    if (!Array.isArray(ni.ip_addresses)) bad('network_info.ip_addresses: array expected');
    else {
      const given = ni.ip_addresses.filter((a) => isObj(a) && a.ip_address !== undefined && a.ip_address !== '');
      if (ni.ip_addresses.some((a) => isObj(a) && a.protocol === 'IPv6' && a.ip_address !== undefined)) {
        bad('network_info.ip_addresses: IPv6 is not supported');
      } else if (given.length > 1) bad('network_info.ip_addresses: at most one IPv4 address');
      else if (given.length === 1) out.address = parseAddress((given[0] as Record<string, unknown>).ip_address, 'network_info.ip_addresses[0]', bad);
    }
  }
  const labels = new Map<string, string>();
  if (ni.labels !== undefined) {
    const list = isObj(ni.labels) ? ni.labels.labels : undefined;
    if (list !== undefined && !Array.isArray(list)) bad('network_info.labels.labels: array expected');
    for (const l of Array.isArray(list) ? list : []) {
      if (!isObj(l) || typeof l.key !== 'string') {
        bad('network_info.labels: {key, value} expected');
        continue;
      }
      if (!l.key.startsWith('vnet.')) continue;
      if (labels.has(l.key)) bad(`label ${l.key}: given twice`);
      labels.set(l.key, typeof l.value === 'string' ? l.value : '');
    }
  }
  const label = (k: string): string | undefined => {
    const v = labels.get(k);
    return v === undefined || v === '' ? undefined : v;
  };
  const ifName = label('vnet.interface');
  if (ifName !== undefined) {
    if (isInterfaceName(ifName)) out.ifName = ifName;
    else bad(`label vnet.interface: not a valid interface name: ${JSON.stringify(String(ifName).slice(0, 64))}`);
  }
  const bp = label('vnet.bootproto');
  if (bp !== undefined) {
    if (bp === 'dhcp' || bp === 'static') out.bootproto = bp;
    else bad(`label vnet.bootproto: must be dhcp or static, not ${JSON.stringify(bp.slice(0, 32))}`);
  }
  const addr = label('vnet.address');
  if (addr !== undefined) {
    const a = parseAddress(addr, 'label vnet.address', bad);
    if (a !== undefined && out.address !== undefined && out.address.ip !== a.ip) {
      bad(`label vnet.address ${addr} disagrees with ip_addresses ${out.address.ip}`);
    } else if (a !== undefined) out.address = a;
  }
  const gw = label('vnet.gateway');
  if (gw !== undefined) out.gateway = parseGateway(gw, 'label vnet.gateway', bad);
  const mac = label('vnet.mac');
  if (mac !== undefined) out.mac = parseMacField(mac, 'label vnet.mac', bad);
  const routes = label('vnet.routes');
  if (routes !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(routes);
    } catch {
      bad('label vnet.routes: not JSON');
    }
    if (parsed !== undefined) out.routes = parseRoutes(parsed, 'label vnet.routes', bad);
  }
  const mtu = label('vnet.mtu');
  if (mtu !== undefined) {
    const n = /^\d{2,5}$/.test(mtu) ? Number(mtu) : NaN;
    if (n >= 68 && n <= 65535) out.mtu = n;
    else bad('label vnet.mtu: integer 68..65535');
  }
  const app = label('vnet.app');
  if (app !== undefined) out.app = app;
  const slot = label('vnet.slot');
  if (slot !== undefined) {
    if (/^\d{1,9}$/.test(slot)) out.slot = Number(slot);
    else bad('label vnet.slot: non-negative integer');
  }
  return out;
}

function fromIps(v: unknown, field: string, bad: (m: string) => void): Partial['address'] {
  if (!Array.isArray(v)) {
    bad(`${field}: array expected`);
    return undefined;
  }
  if (v.length === 0) return undefined;
  if (v.length > 1) {
    bad(`${field}: at most one address`);
    return undefined;
  }
  return parseAddress(v[0], `${field}[0]`, bad);
}

function fromCniChannels(input: SpecInput, bad: (m: string) => void): Partial[] {
  const out: Partial[] = [];
  const args = input.raw.args;
  if (isObj(args) && isObj(args.cni)) {
    const c = args.cni;
    const p: Partial = {};
    if (c.mac !== undefined) p.mac = parseMacField(c.mac, 'args.cni.mac', bad);
    if (c.ips !== undefined) p.address = fromIps(c.ips, 'args.cni.ips', bad);
    if (c.gateway !== undefined) p.gateway = parseGateway(c.gateway, 'args.cni.gateway', bad);
    out.push(p);
  }
  const rc = input.raw.runtimeConfig;
  if (isObj(rc)) {
    const p: Partial = {};
    if (rc.mac !== undefined) p.mac = parseMacField(rc.mac, 'runtimeConfig.mac', bad);
    if (rc.ips !== undefined) p.address = fromIps(rc.ips, 'runtimeConfig.ips', bad);
    out.push(p);
  }
  const kv = parseCniArgs(input.cniArgs);
  const p: Partial = {};
  const ignoreUnknown = /^(1|true)$/i.test(kv.get('IgnoreUnknown') ?? '');
  for (const [k, v] of kv) {
    if (k === 'IP') p.address = parseAddress(v, 'CNI_ARGS IP', bad);
    else if (k === 'MAC') p.mac = parseMacField(v, 'CNI_ARGS MAC', bad);
    else if (k === 'GATEWAY') p.gateway = parseGateway(v, 'CNI_ARGS GATEWAY', bad);
    else if (k === 'IgnoreUnknown' || k.startsWith('K8S_') || ignoreUnknown) continue;
    else throw new CniError(CNI_CODES.UNSUPPORTED_FIELD, 'unknown CNI_ARGS key', k);
  }
  out.push(p);
  return out;
}

/** Reads and checks the request; the subnet check comes later (checkAgainstSubnet). */
export function readInterfaceSpec(input: SpecInput): InterfaceSpec {
  const problems: string[] = [];
  const bad = (m: string): void => {
    problems.push(m);
  };
  if (!isInterfaceName(input.ifName)) bad('CNI_IFNAME: not a valid interface name');
  const layers = [fromMesos(input.raw, input.networkName, bad), ...fromCniChannels(input, bad)];
  const pick = <K extends keyof Partial>(k: K): Partial[K] => {
    for (const l of layers) if (l[k] !== undefined) return l[k];
    return undefined;
  };
  const address = pick('address') ?? null;
  const bootproto: Bootproto = pick('bootproto') ?? (address === null ? 'dhcp' : 'static');
  if (bootproto === 'static' && address === null) bad('bootproto static needs an address');
  if (bootproto === 'dhcp' && address !== null) bad('bootproto dhcp takes no address');
  const ifName = pick('ifName') ?? input.ifName;
  const app = pick('app') ?? null;
  const slot = pick('slot') ?? null;
  const mac = pick('mac')
    ?? (app !== null && slot !== null ? deriveMac('app', app, String(slot), ifName) : deriveMac('container', input.containerId, ifName));
  const spec: InterfaceSpec = {
    ifName, bootproto, address, gateway: pick('gateway') ?? null, mac, routes: pick('routes') ?? [],
    mtu: pick('mtu') ?? null, app, slot,
  };
  if (spec.address !== null && spec.gateway === spec.address.ip) bad('gateway equals the interface address');
  if (problems.length > 0) throw invalidConfig(problems.join('; '));
  return spec;
}

/** Checks addresses against the network's subnet and fills in the prefix. */
export function checkAgainstSubnet(spec: InterfaceSpec, subnet: Cidr): InterfaceSpec {
  const problems: string[] = [];
  const where = formatCidr(cidrNetwork(subnet));
  if (spec.address !== null) {
    if (!cidrContains(subnet, spec.address.ip)) problems.push(`address ${spec.address.ip} is outside the network's subnet ${where}`);
    else if (isNetworkOrBroadcast(subnet, spec.address.ip)) problems.push(`address ${spec.address.ip} is the network or broadcast address of ${where}`);
    if (spec.address.prefix !== null && spec.address.prefix !== subnet.prefix) {
      problems.push(`address prefix /${spec.address.prefix} differs from the network's /${subnet.prefix}`);
    }
  }
  if (spec.gateway !== null && !cidrContains(subnet, spec.gateway)) problems.push(`gateway ${spec.gateway} is outside ${where}`);
  spec.routes.forEach((r, i) => {
    if (r.gw !== null && !cidrContains(subnet, r.gw)) problems.push(`routes[${i}].gateway ${r.gw} is outside ${where}`);
  });
  if (problems.length > 0) throw invalidConfig(problems.join('; '));
  return spec.address === null ? spec : { ...spec, address: { ip: spec.address.ip, prefix: subnet.prefix } };
}

/** Without a known subnet a static address must carry its prefix. */
export function requirePrefix(spec: InterfaceSpec): InterfaceSpec {
  if (spec.address !== null && spec.address.prefix === null) {
    throw invalidConfig(`address ${spec.address.ip} needs a prefix length (no subnet known for this network)`);
  }
  return spec;
}
