// Admission (issue 12): what can never run is refused before anything is stored, identically on
// every write path, all violations at once, at a cost that does not depend on `instances`.
import assert from 'node:assert/strict';
import { eventually, http, startCluster, type Cluster } from './serve-fixture';

interface Details { message: string; details: Array<{ path: string; errors: string[] }> }

function poolApp(id: string, ipAddresses: string[], instances: number): Record<string, unknown> {
  return {
    id, cmd: 'sleep 3600', cpus: 0.01, mem: 8, instances,
    networkInterfaces: [{ networkName: 'nw-adm', interfaceName: 'eth0', bootproto: 'static', ipAddresses, netmask: '24' }],
  };
}

/** What the store holds, in a form that shows any change. */
function snapshot(c: Cluster): string {
  const apps = [...c.serve.repo.apps.values()].map((v) => `${v.app.id}@${v.version}:${v.app.instances}`).sort();
  // (deployments end by themselves, so they are not compared)
  return JSON.stringify({ apps, held: c.serve.repo.heldAddresses().map((h) => `${h.network}/${h.address}=${h.holder.appId}#${h.holder.slot}`).sort() });
}

describe('serve: admission', function () {
  this.timeout(30_000);
  let c: Cluster;
  before(async () => { c = await startCluster({ serve: { maxInstancesPerApp: 1000 } }); });
  after(async () => { await c?.close(); });

  it('instances beyond a 32-bit int or --max_instances_per_app are 422, at no cost proportional to instances (case 1)', async () => {
    assert.equal((await http(c.serve.url, 'POST', '/v2/apps', poolApp('/adm/held', ['10.1.0.5'], 1))).status, 201);
    const before = snapshot(c);
    for (const instances of [1e12, 2147483647, 2147483648, 1001]) {
      const started = process.hrtime.bigint();
      const r = await http<Details>(c.serve.url, 'POST', '/v2/apps', poolApp('/adm/huge', ['10.1.0.5', '10.1.0.6'], instances));
      assert.equal(r.status, 422, `${instances}: ${r.text}`);
      const d = r.body.details.find((x) => x.path === '/instances');
      assert.ok(d, r.text);
      assert.match(d.errors.join(' '), instances <= 2147483647 ? /1000 or less \(--max_instances_per_app\)/ : /2147483647 or less/);
      assert.ok(Number(process.hrtime.bigint() - started) < 2e9, 'answered within 2 s');
    }
    // PUT, PATCH and bulk PUT of an existing app take the same path.
    for (const [method, url, body] of [
      ['PUT', '/v2/apps/adm/held', { instances: 2147483647 }],
      ['PATCH', '/v2/apps/adm/held', { instances: 1e12 }],
      ['PUT', '/v2/apps', [{ id: '/adm/held', instances: 2147483647 }]],
      ['PATCH', '/v2/apps', [{ id: '/adm/held', instances: 5000 }]],
    ] as const) {
      const r = await http<Details>(c.serve.url, method, url, body);
      assert.equal(r.status, 422, `${method} ${url}: ${r.text}`);
    }
    assert.equal(snapshot(c), before);
  });

  it('acceptedResourceRoles: [] is 422 on POST and PUT (case 2)', async () => {
    const before = snapshot(c);
    const post = await http<Details>(c.serve.url, 'POST', '/v2/apps', { id: '/adm/roles', cmd: 'sleep 1', acceptedResourceRoles: [] });
    assert.equal(post.status, 422, post.text);
    assert.deepEqual(post.body.details.find((d) => d.path === '/acceptedResourceRoles')?.errors, ['must not be empty']);
    const put = await http<Details>(c.serve.url, 'PUT', '/v2/apps/adm/held', { acceptedResourceRoles: [] });
    assert.equal(put.status, 422, put.text);
    assert.equal(snapshot(c), before);
    const ok = await http(c.serve.url, 'POST', '/v2/apps', { id: '/adm/roles', cmd: 'sleep 1', cpus: 0.01, mem: 8, instances: 0, acceptedResourceRoles: ['*'] });
    assert.equal(ok.status, 201, ok.text);
  });

  it('group scaleBy is checked like a PUT of each app: no scaling past the static addresses (case 3)', async () => {
    const r0 = await http(c.serve.url, 'POST', '/v2/apps', poolApp('/adm/g/two', ['10.1.1.5', '10.1.1.6'], 1));
    assert.equal(r0.status, 201, r0.text);
    const before = snapshot(c);
    const r = await http<Details>(c.serve.url, 'PUT', '/v2/groups/adm/g?force=true', { scaleBy: 3 });
    assert.equal(r.status, 422, r.text);
    assert.match(JSON.stringify(r.body.details), /\/adm\/g\/two: the static pool of networkInterfaces\(0\) has 2 addresses, fewer than instances \(3\)/);
    assert.equal(snapshot(c), before);
    const huge = await http<Details>(c.serve.url, 'PUT', '/v2/groups/adm?force=true', { scaleBy: 1e300 });
    assert.equal(huge.status, 422, huge.text);
    assert.equal(snapshot(c), before);
    const fits = await http(c.serve.url, 'PUT', '/v2/groups/adm/g?force=true', { scaleBy: 2 });
    assert.equal(fits.status, 200, fits.text);
  });

  it('every error of an interface comes back at once (case 5)', async () => {
    const before = snapshot(c);
    const r = await http<Details>(c.serve.url, 'POST', '/v2/apps', {
      id: '/adm/many', cmd: 'sleep 1',
      networkInterfaces: [{
        networkName: 'nw-adm', bootproto: 'bogus', macAddress: 'zz:zz', mtu: -5,
        routes: [{ destination: '10.0.0.0/33', gateway: 'x' }],
      }],
    });
    assert.equal(r.status, 422, r.text);
    const paths = r.body.details.map((d) => d.path).sort();
    for (const p of ['bootproto', 'macAddress', 'mtu', 'routes(0)/destination', 'routes(0)/gateway']) {
      assert.ok(paths.includes(`/container/networkInterfaces(0)/${p}`), `${p} in ${r.text}`);
    }
    assert.equal(snapshot(c), before);
  });

  it('writes with a body that is not JSON by its Content-Type are 415, as Marathon (case 7)', async () => {
    const before = snapshot(c);
    const body = JSON.stringify({ id: '/adm/text', cmd: 'sleep 1', cpus: 0.01, mem: 8 });
    for (const [method, url] of [['POST', '/v2/apps'], ['PUT', '/v2/apps/adm/text'], ['PATCH', '/v2/apps/adm/held'], ['PUT', '/v2/apps'],
      ['POST', '/v2/groups'], ['PUT', '/v2/groups/adm'], ['POST', '/v2/tasks/delete'], ['POST', '/v2/apps/adm/held/restart']] as const) {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
        const res = await fetch(c.serve.url + url, { method, headers: { 'Content-Type': type }, body });
        assert.equal(res.status, 415, `${method} ${url} ${type}`);
        assert.deepEqual(await res.json(), { message: 'Unsupported Media Type' });
      }
    }
    assert.equal(snapshot(c), before);
    const json = await fetch(`${c.serve.url}/v2/apps`, { method: 'POST', headers: { 'Content-Type': 'application/json; charset=utf-8' }, body });
    assert.equal(json.status, 201);
  });

  it('an app no agent can ever fit is accepted, as Marathon does, and says why in /v2/queue and the deployment', async () => {
    const r = await http(c.serve.url, 'POST', '/v2/apps', { id: '/adm/giant', cmd: 'sleep 1', cpus: 1000, mem: 8 });
    assert.equal(r.status, 201, r.text);
    await eventually('InsufficientCpus in /v2/queue', async () => {
      const q = await http<{ queue: Array<{ app: { id: string }; processedOffersSummary: { rejectSummaryLastOffers: Array<{ reason: string; declined: number }> } }> }>(c.serve.url, 'GET', '/v2/queue');
      const item = q.body.queue.find((x) => x.app.id === '/adm/giant');
      return item?.processedOffersSummary.rejectSummaryLastOffers.some((x) => x.reason === 'InsufficientCpus' && x.declined > 0) ? true : undefined;
    });
    const d = await http<Array<{ currentActions: Array<{ app: string; waitingFor?: Array<{ reason: string }> }> }>>(c.serve.url, 'GET', '/v2/deployments');
    const action = d.body.flatMap((x) => x.currentActions).find((a) => a.app === '/adm/giant');
    assert.ok(action?.waitingFor?.some((w) => w.reason === 'InsufficientCpus'), d.text);
    assert.equal((await http(c.serve.url, 'DELETE', '/v2/apps/adm/giant?force=true')).status, 200);
  });

  it('a group id breaking the id rules is 422, not a 500 on the Location header (found by the property suite)', async () => {
    const before = snapshot(c);
    for (const [url, body] of [['/v2/groups', { id: '/螺ʦ' }], ['/v2/groups/adm', { id: '𘧪螺', apps: [] }], ['/v2/groups', { id: '/ok', groups: [{ id: 'Bad Id' }] }]] as const) {
      const r = await http<Details>(c.serve.url, 'POST', url, body);
      assert.equal(r.status, 422, `${url}: ${r.text}`);
    }
    assert.equal(snapshot(c), before);
  });
});
