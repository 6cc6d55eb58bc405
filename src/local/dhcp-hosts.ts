// What each network's DHCP server may hand out: OpenVNet's DHCP answers only addresses leased
// to an interface, so dnsmasq gets exactly those MAC → IP pairs (a --dhcp-hostsfile, static
// mode) and nothing else. Pure: embedded OpenVNet state in, file text out.
import { formatIPv4, networkOf, parseIPv4, prefixToNetmask } from '../lib/ipv4';
import { formatMac } from '../lib/openvnet/address';
import type { VnetState } from '../sim/openvnet/model';

export interface DhcpHost { mac: string; ip: string }

export interface DhcpService {
  networkUuid: string;
  /** the OpenVNet interface of the DHCP service (its own address is not handed out) */
  interfaceUuid: string;
  mac: string;
  ip: string;
  prefix: number;
}

/** Live IP leases bound to an interface with a MAC, per network (sorted, for stable files). */
export function dhcpHostsByNetwork(state: VnetState, exclude: ReadonlySet<string> = new Set()): Map<string, DhcpHost[]> {
  const macById = new Map<string, number>();
  const macByInterface = new Map<string, number>();
  for (const m of state.macLeases) {
    if (m.isDeleted !== 0) continue;
    macById.set(m.uuid, m.macAddress);
    if (m.interfaceUuid !== null && !macByInterface.has(m.interfaceUuid)) macByInterface.set(m.interfaceUuid, m.macAddress);
  }
  const liveInterfaces = new Set(state.interfaces.filter((i) => i.isDeleted === 0).map((i) => i.uuid));
  const out = new Map<string, DhcpHost[]>();
  for (const l of state.ipLeases) {
    if (l.isDeleted !== 0 || l.interfaceUuid === null || !liveInterfaces.has(l.interfaceUuid) || exclude.has(l.interfaceUuid)) continue;
    const mac = (l.macLeaseUuid !== null ? macById.get(l.macLeaseUuid) : undefined) ?? macByInterface.get(l.interfaceUuid);
    if (mac === undefined) continue;
    const list = out.get(l.networkUuid) ?? [];
    list.push({ mac: formatMac(mac), ip: formatIPv4(l.ipv4Address) });
    out.set(l.networkUuid, list);
  }
  for (const list of out.values()) list.sort((a, b) => (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0));
  return out;
}

/** The DHCP services of the state: mode dhcp, with an interface holding a MAC and an address. */
export function dhcpServices(state: VnetState): DhcpService[] {
  const hosts = dhcpHostsByInterface(state);
  const out: DhcpService[] = [];
  for (const s of state.networkServices) {
    if (s.isDeleted !== 0 || s.mode !== 'dhcp' || s.interfaceUuid === null) continue;
    const h = hosts.get(s.interfaceUuid);
    if (h === undefined) continue;
    const nw = state.networks.find((n) => n.isDeleted === 0 && n.uuid === h.networkUuid);
    if (nw === undefined) continue;
    out.push({ networkUuid: nw.uuid, interfaceUuid: s.interfaceUuid, mac: h.mac, ip: h.ip, prefix: nw.ipv4Prefix });
  }
  return out;
}

function dhcpHostsByInterface(state: VnetState): Map<string, DhcpHost & { networkUuid: string }> {
  const out = new Map<string, DhcpHost & { networkUuid: string }>();
  const macs = new Map<string, number>();
  for (const m of state.macLeases) if (m.isDeleted === 0 && m.interfaceUuid !== null && !macs.has(m.interfaceUuid)) macs.set(m.interfaceUuid, m.macAddress);
  for (const l of state.ipLeases) {
    if (l.isDeleted !== 0 || l.interfaceUuid === null || out.has(l.interfaceUuid)) continue;
    const mac = macs.get(l.interfaceUuid);
    if (mac === undefined) continue;
    out.set(l.interfaceUuid, { mac: formatMac(mac), ip: formatIPv4(l.ipv4Address), networkUuid: l.networkUuid });
  }
  return out;
}

/** dnsmasq --dhcp-hostsfile text: `mac,ip` per line. */
export function hostsFileText(hosts: readonly DhcpHost[]): string {
  return hosts.map((h) => `${h.mac},${h.ip}\n`).join('');
}

/** Dotted netmask of a prefix length. */
export function netmaskOf(prefix: number): string {
  return formatIPv4(prefixToNetmask(prefix));
}

/** The network address of ip/prefix (dnsmasq's static dhcp-range start). */
export function networkAddress(ip: string, prefix: number): string {
  return formatIPv4(networkOf(parseIPv4(ip) ?? 0, prefix));
}
