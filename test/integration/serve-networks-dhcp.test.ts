// GET /v2/networks shows each lease policy's DHCP pool of an OpenVNet network (embedded webapi
// with the sample networks), and DHCP interfaces carry the network's prefixLength.
import assert from 'node:assert/strict';
import { eventually, http, readSample, runningTasks, type Cluster } from './serve-fixture';
import { startVnetCluster, type VnetCluster } from './serve-vnet-fixture';

interface PoolJson { label: string; used: number; total: number }
interface NetworkJson { uuid: string; subnets: string[]; pools: PoolJson[]; tasks: Array<{ taskId: string; ipAddress: string; prefixLength?: number; bootproto: string }> }
interface IfaceJson { networkName: string; bootproto: string; ipAddress?: string; prefixLength?: number }

describe('serve --openvnet: DHCP pools and prefix lengths', function () {
  this.timeout(30_000);
  let v: VnetCluster | undefined;
  let c: Cluster | undefined;
  let leased: Map<string, string>;

  before(async () => {
    v = await startVnetCluster();
    c = v.cluster;
    leased = v.leased;
  });
  after(async () => { await v?.close(); });

  it('before any task: the DHCP pool of every sample network, nothing used', async () => {
    const r = await http<{ networks: NetworkJson[] }>(c!.serve.url, 'GET', '/v2/networks');
    assert.equal(r.status, 200, r.text);
    const byUuid = new Map(r.body.networks.map((n) => [n.uuid, n]));
    assert.deepEqual(byUuid.get('nw-vnet1')?.pools, [{ label: 'DHCP lp-vnet1 10.0.0.100–10.0.0.200', used: 0, total: 101 }]);
    assert.deepEqual(byUuid.get('nw-vnet3')?.pools, [{ label: 'DHCP lp-vnet3 192.168.0.100–192.168.0.200', used: 0, total: 101 }]);
  });

  it('after a DHCP task runs: the lease counts in the pool and the interface has the prefix', async () => {
    const post = await http(c!.serve.url, 'POST', '/v2/apps', readSample('vnettest.json'));
    assert.equal(post.status, 201, post.text);
    const [task] = await runningTasks(c!.serve.url, '/vnettest', 1);
    const address = leased.get(`${task.id}/nw-vnet1`);
    assert.ok(address !== undefined && /^10\.0\.0\.(1\d\d|200)$/.test(address), `lease in the range: ${String(address)}`);

    const apps = await http<{ app: { tasks: Array<{ networkInterfaces: IfaceJson[] }> } }>(c!.serve.url, 'GET', '/v2/apps/vnettest');
    const [eth0, eth1] = apps.body.app.tasks[0].networkInterfaces;
    assert.deepEqual([eth0.networkName, eth0.bootproto, eth0.ipAddress, eth0.prefixLength], ['nw-vnet1', 'dhcp', address, 24]);
    assert.deepEqual([eth1.networkName, eth1.bootproto, eth1.ipAddress, eth1.prefixLength], ['nw-vnet3', 'static', '192.168.0.100', 24]);
    const tasks = await http<{ tasks: Array<{ networkInterfaces: IfaceJson[] }> }>(c!.serve.url, 'GET', '/v2/tasks');
    assert.equal(tasks.body.tasks[0].networkInterfaces[0].prefixLength, 24);
    const listed = await http<{ apps: Array<{ tasks: Array<{ networkInterfaces: IfaceJson[] }> }> }>(c!.serve.url, 'GET', '/v2/apps?embed=apps.tasks');
    assert.equal(listed.body.apps[0].tasks[0].networkInterfaces[0].prefixLength, 24);

    const nets = await eventually('the lease counted in the DHCP pool', async () => {
      const r = await http<{ networks: NetworkJson[] }>(c!.serve.url, 'GET', '/v2/networks');
      const n = r.body.networks.find((x) => x.uuid === 'nw-vnet1');
      return n?.pools[0]?.used === 1 ? r.body.networks : undefined;
    });
    const vnet1 = nets.find((n) => n.uuid === 'nw-vnet1');
    assert.deepEqual(vnet1?.pools, [{ label: 'DHCP lp-vnet1 10.0.0.100–10.0.0.200', used: 1, total: 101 }]);
    assert.deepEqual(vnet1?.tasks.map((t) => [t.taskId, t.bootproto, t.ipAddress, t.prefixLength]), [[task.id, 'dhcp', address, 24]]);
    // the static address is the app's, not a DHCP lease: while admitted it is carved out of the pool
    const vnet3 = await eventually('192.168.0.100 reserved out of the DHCP pool', async () => {
      const r = await http<{ networks: NetworkJson[] }>(c!.serve.url, 'GET', '/v2/networks');
      const n = r.body.networks.find((x) => x.uuid === 'nw-vnet3');
      return n?.pools[0]?.total === 100 ? n : undefined;
    });
    assert.deepEqual(vnet3.pools.find((p) => p.label.startsWith('DHCP')), { label: 'DHCP lp-vnet3 192.168.0.101–192.168.0.200', used: 0, total: 100 });
  });
});
