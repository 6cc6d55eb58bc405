// Veth pairs: created from the host namespace with the peer born inside the container's
// namespace under its final name (no temporary name, so parallel ADDs of one container cannot
// collide). Line builders are pure; the ifalias marks the host end as ours for leftover sweeps.
import type { IpLine } from './ip';

export const ALIAS_PREFIX = 'vnet-driver:';

/**
 * The host end's ifalias: ours, whose (container id, CNI ifname) and the container's namespace
 * path, so gc applies one ownership rule to veth, OVS port (external_ids) and OpenVNet record
 * even without the state dir. Ids and ifnames hold no colon; the path comes last (IFALIASZ 256:
 * a longer one is left out, and such a veth then counts as owned by no live namespace).
 */
export function ownerAlias(containerId: string, ifName: string, netns: string | null = null): string {
  const base = `${ALIAS_PREFIX}${containerId}:${ifName}`;
  const full = netns === null ? base : `${base}:${netns}`;
  return full.length <= 255 ? full : base.slice(0, 255);
}

export interface AliasOwner { containerId: string; ifName: string; netns: string | null }

/** The owner an alias of ours names, or null for anyone else's alias. */
export function parseOwnerAlias(alias: string | null): AliasOwner | null {
  if (alias === null || !alias.startsWith(ALIAS_PREFIX)) return null;
  const [containerId = '', ifName = '', ...rest] = alias.slice(ALIAS_PREFIX.length).split(':');
  const netns = rest.join(':');
  return { containerId, ifName, netns: netns.startsWith('/') ? netns : null };
}

export interface HostEnd {
  hostIf: string;
  containerNetns: string;
  containerIf: string;
  alias: string;
  mtu: number | null;
  /** Linux bridge to join; null for OVS (ovs-vsctl adds the port) and agent links. */
  master: string | null;
  /** Agent link: host address (/32) and the container's /32 routed to this link. */
  address: string | null;
  routeTo: string | null;
}

export function hostEndLines(h: HostEnd): IpLine[] {
  const mtu = h.mtu === null ? [] : ['mtu', String(h.mtu)];
  const lines: IpLine[] = [
    ['link', 'add', h.hostIf, ...mtu, 'type', 'veth', 'peer', 'name', h.containerIf, ...mtu, 'netns', h.containerNetns],
    ['link', 'set', 'dev', h.hostIf, 'alias', h.alias],
  ];
  if (h.master !== null) lines.push(['link', 'set', 'dev', h.hostIf, 'master', h.master]);
  if (h.address !== null) lines.push(['addr', 'add', `${h.address}/32`, 'dev', h.hostIf]);
  lines.push(['link', 'set', 'dev', h.hostIf, 'up']);
  if (h.routeTo !== null) lines.push(['route', 'add', `${h.routeTo}/32`, 'dev', h.hostIf, 'scope', 'link']);
  return lines;
}

export interface ContainerEnd {
  ifName: string;
  mac: string;
  /** `a.b.c.d/len`, or null (DHCP configures it later). */
  address: string | null;
  gateway: string | null;
  routes: { dst: string; gw: string | null; onlink?: boolean; scopeLink?: boolean }[];
}

export function containerEndLines(c: ContainerEnd): IpLine[] {
  const lines: IpLine[] = [['link', 'set', 'dev', c.ifName, 'address', c.mac], ['link', 'set', 'dev', c.ifName, 'up']];
  lines.push(...addressLines(c));
  return lines;
}

/** Address, default route and extra routes (also used after a DHCP lease). */
export function addressLines(c: ContainerEnd): IpLine[] {
  const lines: IpLine[] = [];
  if (c.address !== null) lines.push(['addr', 'add', c.address, 'dev', c.ifName]);
  if (c.gateway !== null) lines.push(['route', 'add', 'default', 'via', c.gateway, 'dev', c.ifName]);
  for (const r of c.routes) {
    lines.push(['route', 'add', r.dst, ...(r.gw === null ? [] : ['via', r.gw]), 'dev', c.ifName,
      ...(r.scopeLink === true ? ['scope', 'link'] : []), ...(r.onlink === true ? ['onlink'] : [])]);
  }
  return lines;
}
