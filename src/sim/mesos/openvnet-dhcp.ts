// mesos-sim --openvnet: simulated agents give a DHCP interface (`vnet.bootproto=dhcp`) the address
// OpenVNet's lease policy for its network hands out — the lease vnet-driver would take before its
// DHCP client runs — and report it in the task's NetworkInfos, so the UIs show addresses and pool
// use. The lease is deleted (the address goes back to the pool) when the task ends. Static interfaces keep their asked-for address.
import type { NetworkInfo } from '../../mesos/types';
import type { OpenVnetClient } from '../../lib/openvnet/client';
import { reportedNetworkInfos, staticAddress, type ContainerContext, type ContainerHooks } from './agent';

export type DhcpLeaseClient = Pick<OpenVnetClient, 'listLeasePolicies' | 'getLeasePolicyNetworks' | 'allocateLease' | 'deleteIpLease'>;

function isDhcp(n: NetworkInfo): boolean {
  return typeof n.name === 'string' && n.name !== '' && staticAddress(n) === undefined
    && (n.labels?.labels ?? []).some((l) => l.key === 'vnet.bootproto' && l.value === 'dhcp');
}

/** Container hooks leasing DHCP addresses from OpenVNet for an agent whose address is `agentIp`. */
export function openVnetDhcpHooks(client: DhcpLeaseClient, agentIp: string): ContainerHooks {
  const leases = new Map<string, string[]>();
  const policyFor = async (network: string): Promise<string | undefined> => {
    for (const lp of await client.listLeasePolicies()) {
      if ((await client.getLeasePolicyNetworks(lp.uuid)).some((n) => n.uuid === network)) return lp.uuid;
    }
    return undefined;
  };
  return {
    async beforeStart(ctx: ContainerContext) {
      const wanted = (ctx.task.container?.network_infos ?? []).filter(isDhcp);
      if (wanted.length === 0) return undefined;
      const got = new Map<NetworkInfo, string>();
      const held: string[] = [];
      leases.set(ctx.containerId, held);
      for (const n of wanted) {
        const lp = await policyFor(n.name as string);
        if (lp === undefined) throw new Error(`no OpenVNet lease policy serves network ${n.name as string}`);
        const lease = await client.allocateLease(lp, { label: `mesos-sim ${ctx.task.task_id.value}` });
        held.push(lease.uuid);
        got.set(n, lease.ipv4Address);
      }
      return { networkInfos: reportedNetworkInfos(ctx.task, agentIp, (n) => staticAddress(n) ?? got.get(n)) };
    },
    async afterStop(ctx: ContainerContext) {
      for (const uuid of leases.get(ctx.containerId) ?? []) {
        try { await client.deleteIpLease(uuid); } catch { /* already gone: nothing to give back */ }
      }
      leases.delete(ctx.containerId);
    },
  };
}
