// GET /v2/networks [project]: OpenVNet networks with subnets, DHCP (lease-policy) and static pool
// use and the tasks attached, for the UI's Networks page.
import type { FastifyInstance } from 'fastify';
import type { ApiContext, NetworkDirectory, VnetNetwork } from '../context';
import { poolOf } from '../../../core/apps/address-pool';
import type { NetworkUsage } from '../../../lib/openvnet/usage';
import { renderTask, tasksOf } from '../render';

interface NetworkJson {
  uuid: string;
  displayName: string;
  subnets: string[];
  pools: Array<{ label: string; used: number; total: number }>;
  apps: string[];
  tasks: Array<Record<string, unknown>>;
}

type PoolJson = NetworkJson['pools'][number];

/** How pool usage is read: the directory's `listUsage`; undefined when it has none. */
export function usageReader(dir: NetworkDirectory | undefined): (() => Promise<NetworkUsage[]>) | undefined {
  if (dir?.listUsage === undefined) return undefined;
  return () => (dir.listUsage as () => Promise<NetworkUsage[]>).call(dir);
}

/**
 * One pool entry per lease policy of the network whose ranges are known (real OpenVNet does not
 * name a lease policy's range group: those pools are left out rather than guessed).
 */
export function dhcpPools(usage: NetworkUsage): PoolJson[] {
  return usage.pools
    .filter((p) => p.ranges.length > 0)
    .map((p) => ({
      label: `DHCP ${p.leasePolicyUuid} ${p.ranges.map((r) => `${r.begin}–${r.end}`).join(', ')}`,
      used: Math.min(p.leased, p.size),
      total: p.size,
    }));
}

export async function networkRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  app.get('/v2/networks', async (req) => {
    const known: VnetNetwork[] = ctx.networks === undefined ? [] : await ctx.networks.listNetworks();
    const readUsage = usageReader(ctx.networks);
    let usage: NetworkUsage[] = [];
    if (readUsage !== undefined) {
      try {
        usage = await readUsage();
      } catch (err) {
        // The networks themselves were read: answer without DHCP pools rather than fail the page.
        req.log.warn({ err }, 'OpenVNet pool usage unavailable');
      }
    }
    const byName = new Map<string, NetworkJson>();
    const entry = (name: string): NetworkJson => {
      let n = byName.get(name);
      if (n === undefined) {
        n = { uuid: name, displayName: name, subnets: [], pools: [], apps: [], tasks: [] };
        byName.set(name, n);
      }
      return n;
    };
    for (const net of known) {
      const n = entry(net.uuid);
      n.displayName = net.displayName;
      n.subnets = [`${net.ipv4Network}/${net.ipv4Prefix}`];
    }
    for (const u of usage) entry(u.uuid).pools.push(...dhcpPools(u));
    const held = ctx.repo.heldAddresses();
    for (const v of ctx.repo.apps.values()) {
      for (const iface of v.app.container?.networkInterfaces ?? []) {
        const n = entry(iface.networkName);
        if (!n.apps.includes(v.app.id)) n.apps.push(v.app.id);
        const pool = poolOf(iface);
        if (pool !== undefined) {
          const used = held.filter((h) => h.network === iface.networkName && h.holder.appId === v.app.id).length;
          n.pools.push({ label: `${v.app.id} ${iface.interfaceName}`, used: Math.min(used, pool.size), total: pool.size });
        }
      }
    }
    const facts = ctx.scheduler.knownNetworks();
    for (const i of tasksOf([...ctx.repo.instances.values()])) {
      const t = renderTask(i, ctx.agentLink, facts);
      for (const ni of t.networkInterfaces ?? []) {
        entry(ni.networkName).tasks.push({
          taskId: t.id, appId: t.appId, host: t.host, interfaceName: ni.interfaceName, ipAddress: ni.ipAddress ?? '',
          prefixLength: ni.prefixLength, macAddress: ni.macAddress ?? '', bootproto: ni.bootproto,
        });
      }
    }
    return { networks: [...byName.values()].sort((a, b) => a.uuid.localeCompare(b.uuid)) };
  });
}
