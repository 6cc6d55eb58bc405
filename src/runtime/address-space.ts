// Static addresses and OpenVNet leases are one address space (issue 12). Two duties, both through
// OpenVNet's own REST API:
// - `leased`: before an app is admitted, a static address OpenVNet has already leased (a DHCP
//   interface, a service address, someone's manual lease) is a conflict naming the holder.
// - `sync`: an admitted app's static addresses that lie inside a lease policy's dynamic range are
//   carved out of that range (the ip_range is replaced by the pieces around the address), so the
//   DHCP allocation never hands them out; an address no longer claimed gets its range back as a
//   one-address ip_range. Only holes this process carved are given back (tracked in memory: a hole
//   whose claim ended while no serve ran stays until an operator re-adds the range).
import type { OpenVnetClient } from '../lib/openvnet/client';
import type { IpLease } from '../lib/openvnet/types';
import { formatIPv4, parseIPv4 } from '../lib/ipv4';
import type { Logger } from '../lib/log';

export interface AddressKey { network: string; address: string }
export interface LeaseConflict extends AddressKey { holder: string }

function key(a: AddressKey): string {
  return `${a.network} ${a.address}`;
}

function describe(lease: IpLease): string {
  const owner = lease.interfaceUuid !== null ? `interface ${lease.interfaceUuid}` : 'no interface';
  return `OpenVNet ip_lease ${lease.uuid} (${owner})`;
}

export class OpenVnetAddressSpace {
  /** `group|network address` of the holes this process carved. */
  private readonly carved = new Map<string, { group: string; network: string; address: number }>();
  private chain: Promise<void> = Promise.resolve();
  private lastSynced = '';
  private lastSyncedAt = -Infinity;

  /**
   * `resyncMs`: an unchanged set of claims is still re-applied this often, so a lease policy or
   * range created after the app was admitted (setup in either order), or an OpenVNet that lost its
   * state, gets the reservations too.
   */
  constructor(
    private readonly client: OpenVnetClient, private readonly log?: Pick<Logger, 'warn'>,
    private readonly resyncMs = 10_000, private readonly now: () => number = Date.now,
  ) {}

  /** The first of `wanted` that OpenVNet has leased, with its holder. One list call. */
  async leased(wanted: readonly AddressKey[]): Promise<LeaseConflict | undefined> {
    if (wanted.length === 0) return undefined;
    const leases = new Map<string, IpLease>();
    for (const l of await this.client.listIpLeases()) leases.set(key({ network: l.networkUuid, address: l.ipv4Address }), l);
    for (const w of wanted) {
      const l = leases.get(key(w));
      if (l === undefined) continue;
      // The interface's display name says whose it is (vnet-driver writes the task there).
      const itf = l.interfaceUuid === null ? null : await this.client.getInterface(l.interfaceUuid).catch(() => null);
      const name = itf?.displayName ?? null;
      return { ...w, holder: name === null ? describe(l) : `${describe(l)} "${name}"` };
    }
    return undefined;
  }

  /** Makes OpenVNet's dynamic ranges exclude exactly the claimed addresses (serialised; best effort). */
  sync(claimed: readonly AddressKey[]): Promise<void> {
    const signature = claimed.map(key).sort().join(',');
    const run = async (): Promise<void> => {
      if (signature === this.lastSynced && this.now() - this.lastSyncedAt < this.resyncMs) return;
      await this.syncNow(claimed);
      this.lastSynced = signature;
      this.lastSyncedAt = this.now();
    };
    this.chain = this.chain.then(run).catch((err: unknown) => this.log?.warn({ err }, 'reserving static addresses in OpenVNet failed (retried on the next change)'));
    return this.chain;
  }

  private async groupsByNetwork(): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const lp of await this.client.listLeasePolicies()) {
      for (const link of await this.client.getLeasePolicyNetworks(lp.uuid)) {
        if (link.ipRangeGroupUuid === undefined) continue; // real OpenVNet does not name it
        out.set(link.uuid, [...(out.get(link.uuid) ?? []), link.ipRangeGroupUuid]);
      }
    }
    return out;
  }

  private async syncNow(claimed: readonly AddressKey[]): Promise<void> {
    const wanted = new Set(claimed.map(key));
    const groups = await this.groupsByNetwork();
    // Give back what is no longer claimed.
    for (const [k, hole] of [...this.carved]) {
      if (wanted.has(`${hole.network} ${formatIPv4(hole.address)}`)) continue;
      const text = formatIPv4(hole.address);
      await this.client.addIpRange({ ipRangeGroupUuid: hole.group, beginIpv4Address: text, endIpv4Address: text });
      this.carved.delete(k);
    }
    // Carve what is claimed and still inside a range.
    for (const c of claimed) {
      const address = parseIPv4(c.address);
      if (address === undefined) continue;
      for (const group of groups.get(c.network) ?? []) {
        for (const r of await this.client.listIpRanges(group)) {
          const begin = parseIPv4(r.beginIpv4Address);
          const end = parseIPv4(r.endIpv4Address);
          if (begin === undefined || end === undefined || address < begin || address > end) continue;
          await this.client.deleteIpRange(group, r.uuid);
          if (begin < address) await this.client.addIpRange({ ipRangeGroupUuid: group, beginIpv4Address: formatIPv4(begin), endIpv4Address: formatIPv4(address - 1) });
          if (address < end) await this.client.addIpRange({ ipRangeGroupUuid: group, beginIpv4Address: formatIPv4(address + 1), endIpv4Address: formatIPv4(end) });
          this.carved.set(`${group}|${key(c)}`, { group, network: c.network, address });
        }
      }
    }
  }
}
