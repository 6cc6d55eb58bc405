// Networks with their subnets, dynamic pools and lease counts, for the API and the UI.
import { parseLenientIPv4 as parseIpv4 } from '../ipv4';
import { poolSize } from './allocate';
import type { OpenVnetClient } from './client';
import type { IpLease, IpRange, LeasePolicyNetwork, Network } from './types';

export interface PoolUsage {
  leasePolicyUuid: string;
  /** Unknown on real OpenVNet, whose lease-policy network list does not name the range group. */
  ipRangeGroupUuid?: string;
  ranges: Array<{ begin: string; end: string }>;
  /** Usable addresses: ranges ∩ subnet without network and broadcast addresses. */
  size: number;
  /** Live IP leases of the network that fall inside the pool. */
  leased: number;
}

export interface NetworkUsage {
  uuid: string;
  displayName: string;
  ipv4Network: string;
  ipv4Prefix: number;
  /** `a.b.c.d/p` */
  cidr: string;
  mode: string;
  pools: PoolUsage[];
  /** Every live IP lease in the network (static, DHCP service addresses, dynamic). */
  leased: number;
}

export interface UsageFacts {
  networks: Network[];
  /** Per lease policy, its linked networks. */
  policyNetworks: Array<{ leasePolicyUuid: string; networks: LeasePolicyNetwork[] }>;
  rangesByGroup: Map<string, IpRange[]>;
  ipLeases: IpLease[];
}

/** Pure: joins the facts into one row per network, in the order of `facts.networks`. */
export function summariseNetworkUsage(facts: UsageFacts): NetworkUsage[] {
  return facts.networks.map((nw) => {
    const leases = facts.ipLeases.filter((l) => l.networkUuid === nw.uuid);
    const leasedInts = leases.map((l) => parseIpv4(l.ipv4Address)).filter((n): n is number => n !== undefined);
    const net = parseIpv4(nw.ipv4Network) ?? 0;
    const pools: PoolUsage[] = [];
    for (const { leasePolicyUuid, networks } of facts.policyNetworks) {
      for (const link of networks.filter((n) => n.uuid === nw.uuid)) {
        const ranges = link.ipRangeGroupUuid === undefined ? [] : facts.rangesByGroup.get(link.ipRangeGroupUuid) ?? [];
        const ints = ranges
          .map((r) => ({ begin: parseIpv4(r.beginIpv4Address), end: parseIpv4(r.endIpv4Address) }))
          .filter((r): r is { begin: number; end: number } => r.begin !== undefined && r.end !== undefined);
        pools.push({
          leasePolicyUuid,
          ...(link.ipRangeGroupUuid !== undefined ? { ipRangeGroupUuid: link.ipRangeGroupUuid } : {}),
          ranges: ranges.map((r) => ({ begin: r.beginIpv4Address, end: r.endIpv4Address })),
          size: poolSize(ints, net, nw.ipv4Prefix),
          leased: leasedInts.filter((a) => ints.some((r) => a >= r.begin && a <= r.end)).length,
        });
      }
    }
    return {
      uuid: nw.uuid, displayName: nw.displayName, ipv4Network: nw.ipv4Network, ipv4Prefix: nw.ipv4Prefix,
      cidr: `${nw.ipv4Network}/${nw.ipv4Prefix}`, mode: nw.mode, pools, leased: leases.length,
    };
  });
}

export type UsageClient = Pick<OpenVnetClient, 'listNetworks' | 'listLeasePolicies' | 'getLeasePolicyNetworks' | 'listIpRanges' | 'listIpLeases'>;

/** Reads networks, lease policies, their range groups and the IP leases, then summarises. */
export async function listNetworkUsage(client: UsageClient): Promise<NetworkUsage[]> {
  const [networks, policies, ipLeases] = await Promise.all([client.listNetworks(), client.listLeasePolicies(), client.listIpLeases()]);
  const policyNetworks = await Promise.all(
    policies.map(async (lp) => ({ leasePolicyUuid: lp.uuid, networks: await client.getLeasePolicyNetworks(lp.uuid) })),
  );
  const groups = new Set<string>();
  for (const p of policyNetworks) for (const n of p.networks) if (n.ipRangeGroupUuid !== undefined) groups.add(n.ipRangeGroupUuid);
  const rangesByGroup = new Map<string, IpRange[]>();
  await Promise.all([...groups].map(async (g) => rangesByGroup.set(g, await client.listIpRanges(g))));
  return summariseNetworkUsage({ networks, policyNetworks, rangesByGroup, ipLeases });
}
