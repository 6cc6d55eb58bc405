// The original two-interface request through the whole stack: POST → Mesos launch on a
// simulated agent → TASK_RUNNING → GET with networkInterfaces, agent link hidden.
import assert from 'node:assert/strict';
import { http, readSample, runningTasks, startCluster, type Cluster } from './serve-fixture';

const labelsOf = (n: { labels?: { labels?: Array<{ key: string; value?: string }> } }): Map<string, string | undefined> =>
  new Map((n.labels?.labels ?? []).map((l) => [l.key, l.value]));

describe('serve: vnettest sample end to end', function () {
  this.timeout(30_000);
  let c: Cluster;
  before(async () => { c = await startCluster(); });
  after(async () => { await c?.close(); });

  it('POST answers 201 with Location and Marathon-Deployment-Id', async () => {
    const r = await http<Record<string, unknown>>(c.serve.url, 'POST', '/v2/apps', readSample('vnettest.json'));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers.get('location'), '/v2/apps/vnettest');
    const dep = r.headers.get('marathon-deployment-id');
    assert.match(dep ?? '', /^[0-9a-f-]{36}$/);
    assert.deepEqual(r.body.deployments, [{ id: dep }]);
    assert.equal(r.body.id, '/vnettest');
    assert.equal(r.body.tasksRunning, 0);
    const ifaces = (r.body.container as { networkInterfaces: Array<Record<string, unknown>> }).networkInterfaces;
    assert.equal(ifaces.length, 2);
  });

  it('the task reaches TASK_RUNNING with two vnet NetworkInfos and the agent link last', async () => {
    const [task] = await runningTasks(c.serve.url, '/vnettest', 1);
    assert.match(task.id, /^vnettest\.instance-[0-9a-f-]{36}\._app\.1$/);
    const info = c.launched.get(task.id);
    assert.ok(info, 'the agent received the TaskInfo');
    assert.equal(info.container?.type, 'MESOS');
    assert.equal(info.container?.mesos?.image?.type, 'DOCKER');
    assert.equal(info.container?.mesos?.image?.docker?.name, 'busybox');
    const nets = info.container?.network_infos ?? [];
    assert.deepEqual(nets.map((n) => n.name), ['nw-vnet1', 'nw-vnet3', 'vnet-agent-link']);
    const eth0 = labelsOf(nets[0]);
    assert.equal(eth0.get('vnet.interface'), 'eth0');
    assert.equal(eth0.get('vnet.bootproto'), 'dhcp');
    assert.match(eth0.get('vnet.mac') ?? '', /^02:/);
    const eth1 = labelsOf(nets[1]);
    assert.equal(eth1.get('vnet.interface'), 'eth1');
    assert.equal(eth1.get('vnet.bootproto'), 'static');
    assert.equal(eth1.get('vnet.address'), '192.168.0.100/24');
    assert.equal(eth1.get('vnet.gateway'), '192.168.0.1');
    assert.equal(eth1.get('vnet.app'), '/vnettest');
    assert.equal(eth1.get('vnet.slot'), '0');
    assert.deepEqual(nets[1].ip_addresses, [{ protocol: 'IPv4', ip_address: '192.168.0.100' }]);
    const env = new Map((info.command?.environment?.variables ?? []).map((v) => [v.name, v.value]));
    assert.equal(env.get('MARATHON_APP_ID'), '/vnettest');
    assert.equal(env.get('MESOS_TASK_ID'), task.id);
  });

  it('GET shows networkInterfaces and ipAddresses without the agent link', async () => {
    const r = await http<{ app: { tasks: Array<Record<string, unknown>>; tasksRunning: number } }>(c.serve.url, 'GET', '/v2/apps/vnettest');
    assert.equal(r.status, 200);
    assert.equal(r.body.app.tasksRunning, 1);
    const task = r.body.app.tasks[0] as { networkInterfaces: Array<Record<string, unknown>>; ipAddresses: Array<{ ipAddress: string }> };
    assert.deepEqual(task.networkInterfaces.map((n) => n.networkName), ['nw-vnet1', 'nw-vnet3']);
    assert.equal(task.networkInterfaces[1].ipAddress, '192.168.0.100');
    assert.equal(task.networkInterfaces[1].prefixLength, 24);
    assert.equal(task.networkInterfaces[1].bootproto, 'static');
    assert.match(String(task.networkInterfaces[0].ipAddress), /^10\.77\.0\.\d+$/, 'DHCP address from the status');
    assert.ok(!JSON.stringify(r.body).includes('vnet-agent-link'));
    const ips = task.ipAddresses.map((a) => a.ipAddress);
    assert.ok(ips.includes('192.168.0.100'));
    assert.equal(ips.length, 2);
  });
});

describe('serve --no-agent-link', function () {
  this.timeout(30_000);
  let c: Cluster;
  before(async () => { c = await startCluster({ serve: { agentLink: null } }); });
  after(async () => { await c?.close(); });

  it('launches only the user interfaces', async () => {
    assert.equal((await http(c.serve.url, 'POST', '/v2/apps', readSample('vnettest.json'))).status, 201);
    const [task] = await runningTasks(c.serve.url, '/vnettest', 1);
    assert.deepEqual((c.launched.get(task.id)?.container?.network_infos ?? []).map((n) => n.name), ['nw-vnet1', 'nw-vnet3']);
  });
});
