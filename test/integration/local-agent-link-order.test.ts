// End to end through serve and the local master: the agent reports container_status.network_infos
// in another order than the launch (as Mesos does, see local/agent.ts) and with an address on
// every network, the agent link's a link-local one. The API must show each address under its own
// network and nothing of the link; a mapping by position would put 169.254.x on eth0.
import assert from 'node:assert/strict';
import type { NetworkInfo } from '../../src/mesos/types';
import { http, readSample, runningTasks, startCluster, type Cluster } from './serve-fixture';

const ADDRESSES: Record<string, string> = { 'nw-vnet1': '10.77.9.9', 'vnet-agent-link': '169.254.128.9' };

describe('serve + local master: reported networks matched by name, agent link hidden', function () {
  this.timeout(30_000);
  let c: Cluster;

  before(async () => {
    c = await startCluster({ agent: { assignAddress: (n: NetworkInfo) => ADDRESSES[n.name ?? ''] } });
  });
  after(async () => { await c?.close(); });

  it('shows the DHCP and static addresses under their interfaces, in launch order, without the link', async () => {
    assert.equal((await http(c.serve.url, 'POST', '/v2/apps', readSample('vnettest.json'))).status, 201);
    const [task] = await runningTasks(c.serve.url, '/vnettest', 1);
    const launched = c.launched.get(task.id)?.container?.network_infos?.map((n) => n.name);
    assert.deepEqual(launched, ['nw-vnet1', 'nw-vnet3', 'vnet-agent-link']);
    const snapshot = c.master.state().tasks.find((t) => t.taskId === task.id);
    const running = snapshot?.statuses.find((s) => s.state === 'TASK_RUNNING')?.containerStatus?.network_infos ?? [];
    assert.deepEqual(running.map((n) => [n.name, n.ip_addresses?.[0]?.ip_address]),
      [['vnet-agent-link', '169.254.128.9'], ['nw-vnet3', '192.168.0.100'], ['nw-vnet1', '10.77.9.9']], 'reported in another order');

    for (const route of ['/v2/apps/vnettest', '/v2/tasks']) {
      const r = await http<{ app?: { tasks: Array<Record<string, unknown>> }; tasks?: Array<Record<string, unknown>> }>(c.serve.url, 'GET', route);
      assert.equal(r.status, 200);
      const t = (r.body.app?.tasks ?? r.body.tasks ?? []).find((x) => x.id === task.id) as {
        networkInterfaces: Array<{ networkName: string; interfaceName: string; ipAddress?: string }>; ipAddresses: Array<{ ipAddress: string }>;
      };
      assert.ok(t, route);
      assert.deepEqual(t.networkInterfaces.map((n) => [n.networkName, n.interfaceName, n.ipAddress]),
        [['nw-vnet1', 'eth0', '10.77.9.9'], ['nw-vnet3', 'eth1', '192.168.0.100']], route);
      assert.deepEqual(t.ipAddresses.map((a) => a.ipAddress), ['10.77.9.9', '192.168.0.100'], route);
      assert.ok(!r.text.includes('169.254.') && !r.text.includes('vnet-agent-link'), `${route} shows nothing of the link`);
    }
  });
});
