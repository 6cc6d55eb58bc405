// Static addresses and OpenVNet leases are one address space (issue 12 case 4): a static address
// OpenVNet has leased is 409 naming the holder; an admitted app's static addresses are carved out
// of the lease policies' dynamic ranges (so DHCP never hands them out) and given back when the app
// no longer claims them.
import assert from 'node:assert/strict';
import { OpenVnetClient } from '../../src/lib/openvnet/client';
import { parseIPv4 } from '../../src/lib/ipv4';
import { eventually, http, readSample, runningTasks } from './serve-fixture';
import { startVnetCluster, type VnetCluster } from './serve-vnet-fixture';

function inRanges(ranges: Array<{ beginIpv4Address: string; endIpv4Address: string }>, address: string): boolean {
  const a = parseIPv4(address) ?? -1;
  return ranges.some((r) => (parseIPv4(r.beginIpv4Address) ?? 0) <= a && a <= (parseIPv4(r.endIpv4Address) ?? 0));
}

describe('serve: static addresses and OpenVNet leases', function () {
  this.timeout(30_000);
  let v: VnetCluster;
  let client: OpenVnetClient;
  before(async () => { v = await startVnetCluster({ serve: { openvnetResyncMs: 300 } }); client = new OpenVnetClient({ baseUrl: v.vnetUrl }); });
  after(async () => { await v?.close(); });

  it('the sample app first: its static 192.168.0.100 leaves the DHCP pool while admitted, and comes back after', async () => {
    const url = v.cluster.serve.url;
    const post = await http(url, 'POST', '/v2/apps', readSample('vnettest.json'));
    assert.equal(post.status, 201, post.text);
    await runningTasks(url, '/vnettest', 1);
    await eventually('192.168.0.100 carved out of iprg-vnet3', async () => (inRanges(await client.listIpRanges('iprg-vnet3'), '192.168.0.100') ? undefined : true));
    const got: string[] = [];
    for (let i = 0; i < 5; i++) got.push((await client.allocateLease('lp-vnet3', { label: `probe-${i}` })).ipv4Address);
    assert.ok(!got.includes('192.168.0.100'), got.join());
    for (const l of await client.listIpLeases()) if (got.includes(l.ipv4Address) && l.networkUuid === 'nw-vnet3') await client.deleteIpLease(l.uuid);
    assert.equal((await http(url, 'DELETE', '/v2/apps/vnettest')).status, 200);
    await eventually('192.168.0.100 back in the pool', async () => (inRanges(await client.listIpRanges('iprg-vnet3'), '192.168.0.100') ? true : undefined));
  });

  it('a DHCP lease first: a static app asking for the leased address is 409 naming the holder, nothing stored', async () => {
    const url = v.cluster.serve.url;
    const dhcp = {
      id: '/dhcp3', cmd: 'sleep 3600', cpus: 0.1, mem: 16,
      networkInterfaces: [{ networkName: 'nw-vnet3', interfaceName: 'eth0', bootproto: 'dhcp' }],
    };
    assert.equal((await http(url, 'POST', '/v2/apps', dhcp)).status, 201);
    const [task] = await runningTasks(url, '/dhcp3', 1);
    const address = v.leased.get(`${task.id}/nw-vnet3`);
    assert.ok(address !== undefined);
    const lease = (await client.listIpLeases()).find((l) => l.networkUuid === 'nw-vnet3' && l.ipv4Address === address);
    assert.ok(lease);
    const sample = readSample('vnettest.json') as { container: { networkInterfaces: Array<Record<string, unknown>> } };
    sample.container.networkInterfaces[1].ipAddress = `${address}/24`;
    const r = await http<{ message: string; holder: string; ipAddress: string }>(url, 'POST', '/v2/apps', sample);
    assert.equal(r.status, 409, r.text);
    assert.equal(r.body.ipAddress, address);
    assert.match(r.body.holder, new RegExp(lease.uuid));
    assert.equal((await http(url, 'GET', '/v2/apps/vnettest')).status, 404);
  });

  it('a pool created after the app was admitted gets the reservation too (setup in either order)', async () => {
    const url = v.cluster.serve.url;
    const app = {
      id: '/late', cmd: 'sleep 3600', cpus: 0.1, mem: 16,
      networkInterfaces: [{ networkName: 'nw-vnet2', interfaceName: 'eth0', bootproto: 'static', ipAddress: '10.0.0.50/24' }],
    };
    const r = await http(url, 'POST', '/v2/apps', app);
    assert.equal(r.status, 201, r.text);
    const group = await client.createIpRangeGroup({ allocationType: 'incremental' });
    await client.addIpRange({ ipRangeGroupUuid: group.uuid, beginIpv4Address: '10.0.0.40', endIpv4Address: '10.0.0.60' });
    const lp = await client.createLeasePolicy({ mode: 'simple', timing: 'immediate' });
    await client.linkLeasePolicyNetwork(lp.uuid, 'nw-vnet2', group.uuid);
    await eventually('10.0.0.50 carved out of the late pool', async () => (inRanges(await client.listIpRanges(group.uuid), '10.0.0.50') ? undefined : true));
    assert.ok(inRanges(await client.listIpRanges(group.uuid), '10.0.0.49') && inRanges(await client.listIpRanges(group.uuid), '10.0.0.51'));
  });
});
