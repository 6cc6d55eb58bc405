import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { collectParams, createVnetApiServer, rewriteVnetUrl } from '../../src/sim/openvnet/server';

type Json = { [k: string]: unknown };

function form(fields: { [k: string]: string }): { payload: string; headers: { [k: string]: string } } {
  return { payload: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
}

describe('openvnet webapi routes (inject)', () => {
  let app: FastifyInstance;
  beforeEach(async () => {
    app = createVnetApiServer();
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
  });

  async function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, fields?: { [k: string]: string }) {
    const res = await app.inject({ method, url, ...(fields ? form(fields) : {}) });
    return { status: res.statusCode, body: res.body === '' ? undefined : (JSON.parse(res.body) as unknown) };
  }

  it('url rewriting: /api/1.0 and .json', () => {
    assert.equal(rewriteVnetUrl('/api/1.0/datapaths/dp-1.json?x=1'), '/api/datapaths/dp-1?x=1');
    assert.equal(rewriteVnetUrl('/api/networks'), '/api/networks');
    assert.equal(rewriteVnetUrl('/api/1.0'), '/api');
  });

  it('creates answer 200 (not 201) with the object, dpid normalised', async () => {
    const r = await call('POST', '/api/datapaths', { uuid: 'dp-test1', display_name: 'h', dpid: '0xAAAAAAAAAAAA', node_id: 'vna' });
    assert.equal(r.status, 200);
    const dp = r.body as Json;
    assert.equal(dp.uuid, 'dp-test1');
    assert.equal(dp.dpid, '0x0000aaaaaaaaaaaa');
    assert.equal(dp.enable_ovs_learn_action, true);
    assert.equal(dp.deleted_at, null);
    assert.equal(dp.is_deleted, 0);
    assert.equal(typeof dp.id, 'number');
  });

  it('same route under /api/1.0 and with .json', async () => {
    await call('POST', '/api/1.0/networks.json', { uuid: 'nw-a', display_name: 'a', ipv4_network: '10.0.0.0' });
    const a = await call('GET', '/api/networks/nw-a.json');
    const b = await call('GET', '/api/1.0/networks/nw-a');
    assert.equal(a.status, 200);
    assert.deepEqual(a.body, b.body);
    assert.equal((a.body as Json).ipv4_prefix, 24);
  });

  it('params from the query string (vnctl style) work for POST too', async () => {
    const r = await call('POST', '/api/networks?uuid=nw-q&display_name=q&ipv4_network=10.9.0.0&ipv4_prefix=16');
    assert.equal(r.status, 200);
    assert.equal((r.body as Json).ipv4_prefix, 16);
  });

  it('ActiveResource JSON only with an exact JSON content type; flat JSON as an extension', async () => {
    const ar = await app.inject({ method: 'POST', url: '/api/networks', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ network: { uuid: 'nw-ar', ipv4_network: '10.1.0.0', display_name: 'ar' } }) });
    assert.equal(ar.statusCode, 200);
    assert.equal((JSON.parse(ar.body) as Json).uuid, 'nw-ar');
    const flat = await app.inject({ method: 'POST', url: '/api/networks', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ uuid: 'nw-flat', ipv4_network: '10.2.0.0' }) });
    assert.equal((JSON.parse(flat.body) as Json).uuid, 'nw-flat');
    const charset = await app.inject({ method: 'POST', url: '/api/networks', headers: { 'content-type': 'application/json; charset=utf-8' }, payload: JSON.stringify({ network: { ipv4_network: '10.3.0.0' } }) });
    assert.equal(charset.statusCode, 400);
    assert.equal((JSON.parse(charset.body) as Json).code, '111');
    const broken = await app.inject({ method: 'POST', url: '/api/networks', headers: { 'content-type': 'application/json' }, payload: '{nope' });
    assert.equal(broken.statusCode, 400);
    assert.equal((JSON.parse(broken.body) as Json).message, 'Invalid request body.');
  });

  it('undeclared params are dropped', async () => {
    const r = await call('POST', '/api/networks', { uuid: 'nw-u', ipv4_network: '10.0.0.0', id: '999', is_deleted: '5', bogus: 'x' });
    const nw = r.body as Json;
    assert.notEqual(nw.id, 999);
    assert.equal(nw.is_deleted, 0);
    assert.equal('bogus' in nw, false);
  });

  it('list envelope: defaults 0/30, offset and limit echoed as sent', async () => {
    for (let i = 0; i < 3; i++) await call('POST', '/api/networks', { uuid: `nw-l${i}`, ipv4_network: '10.0.0.0' });
    const all = (await call('GET', '/api/networks')).body as Json;
    assert.deepEqual([all.total_count, all.offset, all.limit, (all.items as unknown[]).length], [3, 0, 30, 3]);
    const page = (await call('GET', '/api/networks?offset=1&limit=1')).body as Json;
    assert.deepEqual([page.total_count, page.offset, page.limit], [3, '1', '1']);
    assert.deepEqual((page.items as Json[]).map((n) => n.uuid), ['nw-l1']);
  });

  it('errors: shape, status and code per the B3 table', async () => {
    const rows: Array<[string, 'GET' | 'POST' | 'DELETE', string, { [k: string]: string } | undefined, number, string, string]> = [
      ['unknown uuid', 'GET', '/api/datapaths/dp-x', undefined, 404, '100', 'UnknownUUIDResource'],
      ['wrong prefix in path', 'GET', '/api/datapaths/nw-x', undefined, 400, '101', 'InvalidUUID'],
      ['bad uuid param', 'POST', '/api/networks', { uuid: 'nw-UPPER', ipv4_network: '10.0.0.0' }, 400, '101', 'InvalidUUID'],
      ['missing argument', 'POST', '/api/interfaces', {}, 400, '111', 'MissingArgument'],
      ['enum violation', 'POST', '/api/interfaces', { mode: 'bogus' }, 400, '110', 'ArgumentError'],
      ['bad dpid', 'POST', '/api/datapaths', { display_name: 'x', dpid: 'zz', node_id: 'vna' }, 400, '110', 'ArgumentError'],
    ];
    for (const [why, method, url, fields, status, code, name] of rows) {
      const r = await call(method, url, fields);
      assert.equal(r.status, status, why);
      const body = r.body as Json;
      assert.equal(body.code, code, why);
      assert.equal(body.error, `Vnet::Endpoints::Errors::${name}`, why);
      assert.equal(typeof body.message, 'string', why);
    }
    const dup = await call('POST', '/api/networks', { uuid: 'nw-d', ipv4_network: '10.0.0.0' });
    assert.equal(dup.status, 200);
    const again = await call('POST', '/api/networks', { uuid: 'nw-d', ipv4_network: '10.0.0.0' });
    assert.deepEqual([again.status, (again.body as Json).code, (again.body as Json).message], [400, '102', 'nw-d']);
  });

  it('unknown routes get an HTML 404, not the JSON error', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/topologies' });
    assert.equal(r.statusCode, 404);
    assert.match(String(r.headers['content-type']), /text\/html/);
  });

  it('interface object: nested leases, lease fields only when leased, no port fields', async () => {
    await call('POST', '/api/networks', { uuid: 'nw-vnet2', ipv4_network: '10.200.0.0' });
    await call('POST', '/api/datapaths', { uuid: 'dp-1', display_name: 'h', dpid: '0x1', node_id: 'vna' });
    const bare = (await call('POST', '/api/interfaces', { uuid: 'if-bare', mode: 'vif' })).body as Json;
    for (const k of ['mac_address', 'network_uuid', 'ipv4_address', 'port_name', 'owner_datapath_uuid']) assert.equal(k in bare, false, k);
    const r = await call('POST', '/api/interfaces', { uuid: 'if-3f2a9c0b1d4e', mode: 'vif', owner_datapath_uuid: 'dp-1', network_uuid: 'nw-vnet2', mac_address: '02:5a:3f:2a:9c:01', ipv4_address: '10.200.0.10', port_name: 'if-3f2a9c0b1d4e', display_name: 'vnettest eth1' });
    const itf = r.body as Json;
    assert.equal(itf.mac_address, '02:5a:3f:2a:9c:01');
    assert.equal(itf.network_uuid, 'nw-vnet2');
    assert.equal(itf.ipv4_address, '10.200.0.10');
    assert.equal('port_name' in itf, false);
    const ml = (itf.mac_leases as Json[])[0];
    assert.match(String(ml.uuid), /^ml-/);
    const il = (ml.ip_leases as Json[])[0];
    assert.match(String(il.uuid), /^il-/);
    assert.deepEqual([il.interface_uuid, il.mac_lease_uuid, il.network_uuid, il.ipv4_address], ['if-3f2a9c0b1d4e', ml.uuid, 'nw-vnet2', '10.200.0.10']);
    assert.deepEqual(itf.ip_leases, ml.ip_leases);
    const ports = (await call('GET', '/api/interfaces/if-3f2a9c0b1d4e/ports')).body as Json;
    assert.deepEqual((ports.items as Json[]).map((p) => [p.port_name, p.datapath_uuid, p.singular]), [['if-3f2a9c0b1d4e', 'dp-1', true]]);
  });

  it('deletes answer [uuid]; lease-policy links answer {uuid}', async () => {
    await call('POST', '/api/networks', { uuid: 'nw-a', ipv4_network: '10.0.0.0' });
    await call('POST', '/api/ip_range_groups', { uuid: 'iprg-a' });
    await call('POST', '/api/lease_policies', { uuid: 'lp-a' });
    assert.deepEqual((await call('POST', '/api/lease_policies/lp-a/networks/nw-a', { ip_range_group_uuid: 'iprg-a' })).body, { uuid: 'lp-a' });
    assert.deepEqual((await call('DELETE', '/api/lease_policies/lp-a/networks/nw-a')).body, { uuid: 'lp-a' });
    assert.deepEqual((await call('DELETE', '/api/networks/nw-a')).body, ['nw-a']);
    assert.equal((await call('DELETE', '/api/networks/nw-a')).status, 404);
  });

  it('interface ports: add, list, delete with filters from a form body', async () => {
    await call('POST', '/api/datapaths', { uuid: 'dp-1', display_name: 'h', dpid: '0x1', node_id: 'vna' });
    await call('POST', '/api/interfaces', { uuid: 'if-1', mode: 'vif' });
    const added = (await call('POST', '/api/interfaces/if-1/ports', { datapath_uuid: 'dp-1', port_name: 'veth1', singular: 'true' })).body as Json;
    assert.deepEqual([added.interface_uuid, added.datapath_uuid, added.port_name, added.singular], ['if-1', 'dp-1', 'veth1', true]);
    const dup = await call('POST', '/api/interfaces/if-1/ports', { datapath_uuid: 'dp-1', port_name: 'veth1' });
    assert.equal(dup.status, 500);
    const removed = (await call('DELETE', '/api/interfaces/if-1/ports', { port_name: 'veth1' })).body as Json[];
    assert.deepEqual(removed.map((p) => p.port_name), ['veth1']);
    const left = (await call('GET', '/api/interfaces/if-1/ports')).body as Json;
    assert.deepEqual((left.items as Json[]).map((p) => p.port_name), [null], 'the unnamed port made at create stays');
  });

  it('ip ranges are returned with integer bounds', async () => {
    await call('POST', '/api/ip_range_groups', { uuid: 'iprg-a' });
    const r = (await call('POST', '/api/ip_range_groups/iprg-a/ip_ranges', { begin_ipv4_address: '10.0.0.100', end_ipv4_address: '10.0.0.200' })).body as Json;
    assert.deepEqual([r.begin_ipv4_address, r.end_ipv4_address], [0x0a000064, 0x0a0000c8]);
  });

  it('a failed request leaves no partial state', async () => {
    await call('POST', '/api/networks', { uuid: 'nw-a', ipv4_network: '10.0.0.0' });
    await call('POST', '/api/interfaces', { uuid: 'if-1', mode: 'vif', network_uuid: 'nw-a', mac_address: '02:00:00:00:00:01', ipv4_address: '10.0.0.5' });
    const r = await call('POST', '/api/interfaces', { uuid: 'if-2', mode: 'vif', network_uuid: 'nw-a', mac_address: '02:00:00:00:00:02', ipv4_address: '10.0.0.5' });
    assert.equal(r.status, 500);
    assert.equal((await call('GET', '/api/interfaces/if-2')).status, 404);
    assert.equal(((await call('GET', '/api/mac_leases')).body as Json).total_count, 1);
  });

  it('CORS for all origins, OPTIONS answered', async () => {
    const r = await app.inject({ method: 'OPTIONS', url: '/api/networks' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['access-control-allow-origin'], '*');
    assert.match(String(r.headers['access-control-allow-methods']), /DELETE/);
  });

  it('GET /api/browse lists the routes and their params', async () => {
    const r = (await call('GET', '/api/browse')).body as { routes: Array<{ method: string; path: string; params: Array<{ name: string; required: boolean }> }> };
    const create = r.routes.find((x) => x.method === 'POST' && x.path === '/api/interfaces');
    assert.ok(create);
    assert.deepEqual(create.params.filter((p) => p.required).map((p) => p.name), ['mode']);
  });

  it('collectParams: body overrides the query; arrays take the last value', () => {
    const raw = collectParams({ a: '1', b: ['x', 'y'] }, 'application/x-www-form-urlencoded; charset=UTF-8', 'a=2&c=3');
    assert.deepEqual({ ...raw }, { a: '2', b: 'y', c: '3' });
    assert.deepEqual({ ...collectParams({}, 'text/plain', 'a=1') }, {});
  });
});

describe('openvnet webapi basic auth', () => {
  it('refuses requests without the right credentials', async () => {
    const app = createVnetApiServer({ auth: { username: 'ops', password: 's3cret' } });
    try {
      assert.equal((await app.inject({ method: 'GET', url: '/api/networks' })).statusCode, 401);
      const bad = 'Basic ' + Buffer.from('ops:wrong').toString('base64');
      assert.equal((await app.inject({ method: 'GET', url: '/api/networks', headers: { authorization: bad } })).statusCode, 401);
      const good = 'Basic ' + Buffer.from('ops:s3cret').toString('base64');
      assert.equal((await app.inject({ method: 'GET', url: '/api/networks', headers: { authorization: good } })).statusCode, 200);
    } finally {
      await app.close();
    }
  });
});
