// GET /v2/networks [project]: OpenVNet networks with subnets, static pool use and the tasks
// attached, for the UI's Networks page.
import type { FastifyInstance } from 'fastify';
import type { ApiContext, VnetNetwork } from '../context';
import { poolOf } from '../../network/ipam-pool';
import { renderTask, tasksOf } from '../render';

interface NetworkJson {
  uuid: string;
  displayName: string;
  subnets: string[];
  pools: Array<{ label: string; used: number; total: number }>;
  apps: string[];
  tasks: Array<Record<string, unknown>>;
}

export async function networkRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  app.get('/v2/networks', async () => {
    const known: VnetNetwork[] = ctx.networks === undefined ? [] : await ctx.networks.listNetworks();
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
    for (const i of tasksOf([...ctx.repo.instances.values()])) {
      const t = renderTask(i, ctx.agentLink);
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
