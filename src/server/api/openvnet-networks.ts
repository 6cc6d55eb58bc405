// The OpenVNet networks as the API and the scheduler see them: validation asks on every write, so
// the list is cached briefly; the scheduler reads the last list known (default prefix lengths).
import type { OpenVnetClient } from '../../lib/openvnet/client';
import { listNetworkUsage, type NetworkUsage } from '../../lib/openvnet/usage';
import { UpstreamUnavailableError } from '../errors';
import type { NetworkDirectory, VnetNetwork } from './context';

export interface CachedNetworksOptions {
  /** How long a fetched list answers. Default 2000 ms. */
  ttlMs?: number;
  now?: () => number;
}

export class CachedNetworks implements NetworkDirectory {
  private cached: { at: number; list: VnetNetwork[] } | undefined;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly client: OpenVnetClient, options: CachedNetworksOptions = {}) {
    this.ttlMs = options.ttlMs ?? 2000;
    this.now = options.now ?? Date.now;
  }

  /** The networks (cached for ttlMs); UpstreamUnavailableError (API 503) when OpenVNet cannot be asked. */
  async listNetworks(): Promise<VnetNetwork[]> {
    const now = this.now();
    if (this.cached !== undefined && now - this.cached.at < this.ttlMs) return this.cached.list;
    let list: VnetNetwork[];
    try {
      list = (await this.client.listNetworks()).map((n) => ({ uuid: n.uuid, displayName: n.displayName, ipv4Network: n.ipv4Network, ipv4Prefix: n.ipv4Prefix }));
    } catch (err) {
      throw new UpstreamUnavailableError(`OpenVNet API unavailable: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.cached = { at: now, list };
    return list;
  }

  listUsage(): Promise<NetworkUsage[]> {
    return listNetworkUsage(this.client);
  }

  /** uuid → subnet of the last list fetched, without asking; undefined before the first. */
  lastKnown(): Map<string, { subnet: string }> | undefined {
    if (this.cached === undefined) return undefined;
    return new Map(this.cached.list.map((n) => [n.uuid, { subnet: `${n.ipv4Network}/${n.ipv4Prefix}` }]));
  }
}
