// Test fixture: serve against the embedded OpenVNet webapi (the sample networks) with a
// LocalMaster whose simulated agents lease each DHCP interface's address from the network's
// lease policy `lp-<display name>`, as the driver would.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { OpenVnetClient } from '../../src/lib/openvnet/client';
import { applyInitFile, createVnetApiServer } from '../../src/sim/openvnet/server';
import { startCluster, type Cluster, type ClusterOptions } from './serve-fixture';

export interface VnetCluster {
  cluster: Cluster;
  vnetUrl: string;
  /** Leased address by `<task id>/<network uuid>`. */
  leased: Map<string, string>;
  close(): Promise<void>;
}

const SAMPLE = path.resolve(__dirname, '../../../samples/openvnet/networks.json');

export async function startVnetCluster(opts: ClusterOptions = {}): Promise<VnetCluster> {
  const vnetApi: FastifyInstance = createVnetApiServer();
  let cluster: Cluster | undefined;
  try {
    await applyInitFile(vnetApi, JSON.parse(fs.readFileSync(SAMPLE, 'utf8')) as unknown);
    await vnetApi.listen({ port: 0, host: '127.0.0.1' });
    const addr = vnetApi.server.address();
    const vnetUrl = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
    const client = new OpenVnetClient({ baseUrl: vnetUrl });
    const policyOf = new Map((await client.listNetworks()).map((n) => [n.uuid, `lp-${n.displayName}`]));
    const leased = new Map<string, string>();
    cluster = await startCluster({
      ...opts,
      serve: { openvnet: vnetUrl, ...opts.serve },
      agent: {
        hooks: {
          beforeStart: async (ctx) => {
            for (const n of ctx.task.container?.network_infos ?? []) {
              const dhcp = (n.labels?.labels ?? []).some((l) => l.key === 'vnet.bootproto' && l.value === 'dhcp');
              const policy = policyOf.get(n.name ?? '');
              if (!dhcp || policy === undefined) continue;
              const lease = await client.allocateLease(policy, { label: ctx.task.task_id.value });
              leased.set(`${ctx.task.task_id.value}/${n.name ?? ''}`, lease.ipv4Address);
            }
          },
        },
        assignAddress: (n, task) => leased.get(`${task.task_id.value}/${n.name ?? ''}`),
        ...opts.agent,
      },
    });
    const c = cluster;
    return { cluster: c, vnetUrl, leased, async close() { await c.close(); await vnetApi.close(); } };
  } catch (err) {
    await cluster?.close().catch(() => undefined);
    await vnetApi.close().catch(() => undefined);
    throw err;
  }
}
