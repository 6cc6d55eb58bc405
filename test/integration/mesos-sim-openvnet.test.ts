// mesos-sim --openvnet (issue 14): a simulated agent gives a DHCP interface the address the
// OpenVNet lease policy of its network hands out (the embedded webapi with the sample networks,
// over HTTP), reports it in the task's NetworkInfos, and releases the lease when the task ends.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { AgentFramework, AgentStatusReport } from '../../src/sim/mesos/agent';
import { openVnetDhcpHooks } from '../../src/sim/mesos/openvnet-dhcp';
import { SimulatedAgent } from '../../src/sim/mesos/simulated-agent';
import type { TaskInfo } from '../../src/mesos/types';
import { OpenVnetClient } from '../../src/lib/openvnet/client';
import { applyInitFile, createVnetApiServer } from '../../src/sim/openvnet/server';

const REPO = path.resolve(__dirname, '..', '..', '..');
const NETWORKS = JSON.parse(fs.readFileSync(path.join(REPO, 'samples', 'openvnet', 'networks.json'), 'utf8')) as unknown;

describe('mesos-sim --openvnet: DHCP interfaces get OpenVNet lease-policy addresses', function () {
  this.timeout(20_000);
  const server = createVnetApiServer({});
  let client: OpenVnetClient;
  before(async () => {
    await applyInitFile(server, NETWORKS);
    const url = await server.listen({ port: 0, host: '127.0.0.1' });
    client = new OpenVnetClient({ baseUrl: url });
  });
  after(async () => { await server.close(); });

  it('reports the leased address of a DHCP interface, keeps a static one, and releases the lease at the end', async () => {
    const reports: AgentStatusReport[] = [];
    const agent = new SimulatedAgent({ resources: { cpus: 1, mem: 128, disk: 0 }, ip: '127.0.0.3', taskDelayMs: 0, hooks: openVnetDhcpHooks(client, '127.0.0.3') });
    agent.register({ agentId: 'a1', report: (r) => reports.push(r) });
    const label = (key: string, value: string): { key: string; value: string } => ({ key, value });
    const task: TaskInfo = {
      name: 't', task_id: { value: 't1' }, agent_id: { value: 'a1' }, command: { value: 'x' },
      container: { type: 'MESOS', network_infos: [
        { name: 'nw-vnet1', ip_addresses: [{ protocol: 'IPv4' }], labels: { labels: [label('vnet.bootproto', 'dhcp'), label('vnet.interface', 'eth0')] } },
        { name: 'nw-vnet3', ip_addresses: [{ protocol: 'IPv4', ip_address: '192.168.0.100' }], labels: { labels: [label('vnet.bootproto', 'static'), label('vnet.interface', 'eth1')] } },
      ] },
    };
    const fw: AgentFramework = { id: 'fw', info: { user: 'u', name: 'n', capabilities: [{ type: 'TASK_KILLING_STATE' }] } };
    agent.launch(task, fw);
    const until = async <T>(what: string, f: () => T | undefined): Promise<T> => {
      for (let i = 0; i < 400; i++) { const v = f(); if (v !== undefined) return v; await new Promise((r) => setTimeout(r, 10)); }
      throw new Error(`timed out waiting for ${what}`);
    };
    const running = await until('TASK_RUNNING', () => reports.find((r) => r.state === 'TASK_RUNNING'));
    const byName = new Map((running.containerStatus?.network_infos ?? []).map((n) => [n.name, n.ip_addresses?.[0]?.ip_address]));
    const leased = byName.get('nw-vnet1');
    assert.match(String(leased), /^10\.0\.0\.(1\d\d|200)$/, 'from the lease policy range 10.0.0.100–200');
    assert.equal(byName.get('nw-vnet3'), '192.168.0.100');
    const live = (await client.listIpLeases()).filter((l) => l.ipv4Address === leased);
    assert.equal(live.length, 1, 'OpenVNet holds the lease while the task runs');
    agent.kill('t1', fw);
    await until('TASK_KILLED', () => reports.find((r) => r.state === 'TASK_KILLED'));
    for (let i = 0; i < 200 && (await client.listIpLeases()).some((l) => l.ipv4Address === leased); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal((await client.listIpLeases()).filter((l) => l.ipv4Address === leased).length, 0, 'given back after the task ended');
  });
});
