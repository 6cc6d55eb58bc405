// Static addresses: one address serves one instance (422 before anything launches), pools give
// distinct sticky addresses per slot, a replacement keeps its address and MAC, and two apps can
// never hold one address (409 naming the holder, also for concurrent POSTs).
import assert from 'node:assert/strict';
import { eventually, http, readSample, runningTasks, startCluster, type Cluster, type TaskJsonLike } from './serve-fixture';

function poolApp(id: string, ipRange: string, instances: number): Record<string, unknown> {
  return {
    id, cmd: 'sleep 3600', cpus: 0.1, mem: 32, instances,
    container: {
      type: 'DOCKER', docker: { image: 'busybox' },
      networkInterfaces: [{ networkName: 'nw-pool', interfaceName: 'eth0', bootproto: 'static', ipRange, netmask: '24' }],
    },
  };
}

const staticAddress = (t: TaskJsonLike): string => t.networkInterfaces?.[0]?.ipAddress ?? '';
const mac = (t: TaskJsonLike): string => t.networkInterfaces?.[0]?.macAddress ?? '';

describe('serve: static addresses', function () {
  this.timeout(30_000);
  let c: Cluster;
  before(async () => { c = await startCluster({ agents: 2 }); });
  after(async () => { await c?.close(); });

  it('scaling the single-address sample to 2 answers 422 and launches nothing', async () => {
    assert.equal((await http(c.serve.url, 'POST', '/v2/apps', readSample('vnettest.json'))).status, 201);
    await runningTasks(c.serve.url, '/vnettest', 1);
    const before = c.launched.size;
    const r = await http<{ message: string; details: Array<{ path: string; errors: string[] }> }>(c.serve.url, 'PUT', '/v2/apps/vnettest', { instances: 2 });
    assert.equal(r.status, 422, r.text);
    const detail = r.body.details.find((d) => d.path === '/instances');
    assert.ok(detail, r.text);
    assert.match(detail.errors.join(' '), /single static address, which serves one instance/);
    const app = await http<{ app: { instances: number; tasks: unknown[] } }>(c.serve.url, 'GET', '/v2/apps/vnettest');
    assert.equal(app.body.app.instances, 1);
    assert.equal(app.body.app.tasks.length, 1);
    assert.equal(c.launched.size, before);
  });

  it('an ipRange app scales to N distinct addresses, in slot order', async () => {
    assert.equal((await http(c.serve.url, 'POST', '/v2/apps', poolApp('/pool/web', '10.9.0.10-10.9.0.19', 2))).status, 201);
    await runningTasks(c.serve.url, '/pool/web', 2);
    const put = await http(c.serve.url, 'PUT', '/v2/apps/pool/web', { instances: 4 });
    assert.equal(put.status, 200, put.text);
    assert.ok(put.headers.get('marathon-deployment-id'));
    const tasks = await runningTasks(c.serve.url, '/pool/web', 4);
    const addresses = tasks.map(staticAddress).sort();
    assert.deepEqual(addresses, ['10.9.0.10', '10.9.0.11', '10.9.0.12', '10.9.0.13']);
    assert.equal(new Set(tasks.map(mac)).size, 4);
  });

  it('a rolling restart of the single-address app keeps its address and MAC (kill first: no spare address)', async () => {
    const [before] = await runningTasks(c.serve.url, '/vnettest', 1);
    const eth1 = (t: TaskJsonLike) => t.networkInterfaces?.find((n) => n.interfaceName === 'eth1');
    const r = await http<{ deploymentId: string }>(c.serve.url, 'POST', '/v2/apps/vnettest/restart');
    assert.equal(r.status, 200, r.text);
    const after = await eventually('restarted task', async () => {
      const [t] = await runningTasks(c.serve.url, '/vnettest', 1);
      return t.id !== before.id ? t : undefined;
    });
    assert.equal(eth1(after)?.ipAddress, '192.168.0.100');
    assert.equal(eth1(after)?.macAddress, eth1(before)?.macAddress);
    assert.equal(after.networkInterfaces?.[0]?.macAddress, before.networkInterfaces?.[0]?.macAddress, 'DHCP interface keeps its MAC too');
  });

  it('scaling beyond the pool is refused with 422 before anything launches', async () => {
    const r = await http<{ details: Array<{ path: string; errors: string[] }> }>(c.serve.url, 'PUT', '/v2/apps/pool/web', { instances: 11 });
    assert.equal(r.status, 422, r.text);
    assert.ok(r.body.details.some((d) => d.path === '/instances' && /10 addresses/.test(d.errors.join(' '))), r.text);
  });

  it('a killed task (no scale) is replaced with the same address and MAC', async () => {
    const tasks = await runningTasks(c.serve.url, '/pool/web', 4);
    const victim = tasks.find((t) => staticAddress(t) === '10.9.0.12');
    assert.ok(victim);
    const r = await http<{ task: { id: string } }>(c.serve.url, 'DELETE', `/v2/apps/pool/web/tasks/${victim.id}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.task.id, victim.id);
    const replacement = await eventually('replacement task', async () => {
      const now = await runningTasks(c.serve.url, '/pool/web', 4);
      return now.find((t) => staticAddress(t) === '10.9.0.12' && t.id !== victim.id);
    });
    assert.equal(mac(replacement), mac(victim));
    assert.notEqual(replacement.id, victim.id);
  });

  it('another app asking for a held address gets 409 naming the holder', async () => {
    const r = await http<{ message: string; holder: string }>(c.serve.url, 'POST', '/v2/apps', poolApp('/pool/other', '10.9.0.13-10.9.0.14', 1));
    assert.equal(r.status, 409, r.text);
    assert.match(r.body.message, /10\.9\.0\.13/);
    assert.match(r.body.holder, /\/pool\/web/);
    assert.equal((await http(c.serve.url, 'GET', '/v2/apps/pool/other')).status, 404);
  });

  it('two concurrent POSTs claiming one static address: one 201, one 409', async () => {
    const a = poolApp('/race/a', '10.9.1.5-10.9.1.5', 1);
    const b = poolApp('/race/b', '10.9.1.5-10.9.1.5', 1);
    const [ra, rb] = await Promise.all([http(c.serve.url, 'POST', '/v2/apps', a), http(c.serve.url, 'POST', '/v2/apps', b)]);
    assert.deepEqual([ra.status, rb.status].sort(), [201, 409]);
    const winner = ra.status === 201 ? '/race/a' : '/race/b';
    const loser = ra.status === 201 ? '/race/b' : '/race/a';
    assert.equal((await http(c.serve.url, 'GET', `/v2/apps${winner}`)).status, 200);
    assert.equal((await http(c.serve.url, 'GET', `/v2/apps${loser}`)).status, 404);
  });

  it('destroying an app frees its addresses for another app', async () => {
    const d = await http(c.serve.url, 'DELETE', '/v2/apps/race/a');
    const e = await http(c.serve.url, 'DELETE', '/v2/apps/race/b');
    assert.ok([d.status, e.status].includes(200));
    await eventually('addresses released', async () => {
      const r = await http(c.serve.url, 'POST', '/v2/apps', poolApp('/race/c', '10.9.1.5-10.9.1.5', 1));
      return r.status === 201 ? r : undefined;
    });
    await runningTasks(c.serve.url, '/race/c', 1);
  });
});
