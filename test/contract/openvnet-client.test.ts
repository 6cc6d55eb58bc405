// The OpenVNet client against the wire shapes of spec cni-openvnet.md B2-B6 (nock stands in for a
// real webapi, which cannot run here). Every request is matched on method, path, content type
// and the exact set of form fields.
import assert from 'node:assert/strict';
import nock from 'nock';
import { OpenVnetClient, OpenVnetError } from '../../src/lib/openvnet/client';

const BASE = 'http://openvnet.test:9090';
const FORM = 'application/x-www-form-urlencoded';

/**
 * nock body matcher: the form fields, exactly (order-insensitive). nock hands form bodies over
 * already decoded; the content type is checked separately with matchHeader.
 */
function formBody(expected: { [k: string]: string }) {
  return (body: unknown): boolean => {
    const got = typeof body === 'string' ? Object.fromEntries(new URLSearchParams(body)) : { ...(body as object) };
    try {
      assert.deepEqual(got, expected);
      return true;
    } catch {
      return false;
    }
  };
}

const err = (name: string, code: string, message: string) => ({ error: `Vnet::Endpoints::Errors::${name}`, message, code });
const stamp = { created_at: '2024-01-01 00:00:00 +0000', updated_at: '2024-01-01 00:00:00 +0000', deleted_at: null, is_deleted: 0 };
const datapath = { id: 1, uuid: 'dp-h1', display_name: 'host1', dpid: '0x0000aaaaaaaaaaaa', node_id: 'vna', enable_ovs_learn_action: true, ...stamp };

function interfaceObject(uuid: string, ip?: string) {
  const ipLeases = ip === undefined ? [] : [{ id: 7, uuid: 'il-7', interface_uuid: uuid, mac_lease_uuid: 'ml-3', network_uuid: 'nw-vnet2', ipv4_address: ip, enable_routing: false, network_id: 3, ip_address: { id: 7, ipv4_address: 0 }, ...stamp }];
  return {
    id: 12, uuid, mode: 'vif', display_name: 'vnettest eth1', enable_routing: false, enable_route_translation: false, enable_filtering: false, enable_legacy_filtering: false, ...stamp,
    mac_address: '02:5a:3f:2a:9c:01', ...(ip === undefined ? {} : { network_uuid: 'nw-vnet2', ipv4_address: ip }),
    mac_leases: [{ id: 3, uuid: 'ml-3', interface_uuid: uuid, mac_address: '02:5a:3f:2a:9c:01', segment_id: null, ip_leases: ipLeases, ...stamp }],
    ip_leases: ipLeases,
  };
}

describe('openvnet client wire contract', () => {
  let sleeps: number[];
  const client = (over: Partial<ConstructorParameters<typeof OpenVnetClient>[0]> = {}) =>
    new OpenVnetClient({ baseUrl: BASE, backoffMs: 10, retries: 3, timeoutMs: 500, sleep: async (ms) => void sleeps.push(ms), ...over });

  before(() => nock.disableNetConnect());
  after(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });
  beforeEach(() => {
    sleeps = [];
  });
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    assert.deepEqual(pending, [], 'every expected request was made');
  });

  describe('datapath, once per agent (B6)', () => {
    it('GET 404 → POST with form fields', async () => {
      nock(BASE).get('/api/datapaths/dp-h1').reply(404, err('UnknownUUIDResource', '100', 'Datapath#uuid: dp-h1'));
      nock(BASE).post('/api/datapaths', formBody({ uuid: 'dp-h1', display_name: 'host1', dpid: '0x0000aaaaaaaaaaaa', node_id: 'vna' }))
        .matchHeader('content-type', FORM).reply(200, datapath);
      const dp = await client().ensureDatapath({ uuid: 'dp-h1', displayName: 'host1', dpid: '0x0000aaaaaaaaaaaa', nodeId: 'vna' });
      assert.deepEqual([dp.uuid, dp.dpid, dp.nodeId, dp.displayName], ['dp-h1', '0x0000aaaaaaaaaaaa', 'vna', 'host1']);
    });

    it('GET 200 → exists, no POST', async () => {
      nock(BASE).get('/api/datapaths/dp-h1').reply(200, datapath);
      const dp = await client().ensureDatapath({ uuid: 'dp-h1', displayName: 'host1', dpid: 'aaaaaaaaaaaa', nodeId: 'vna' });
      assert.equal(dp.uuid, 'dp-h1');
    });

    it('lost race: POST 400/102 counts as exists', async () => {
      nock(BASE).get('/api/datapaths/dp-h1').reply(404, err('UnknownUUIDResource', '100', 'Datapath#uuid: dp-h1'));
      nock(BASE).post('/api/datapaths').reply(400, err('DuplicateUUID', '102', 'dp-h1'));
      nock(BASE).get('/api/datapaths/dp-h1').reply(200, datapath);
      const dp = await client().ensureDatapath({ uuid: 'dp-h1', displayName: 'host1', dpid: '0x0000aaaaaaaaaaaa', nodeId: 'vna' });
      assert.equal(dp.uuid, 'dp-h1');
      assert.deepEqual(sleeps, [], '102 is not retried');
    });

    it('an existing record with another dpid or node_id is an error', async () => {
      nock(BASE).get('/api/datapaths/dp-h1').reply(200, datapath);
      await assert.rejects(client().ensureDatapath({ uuid: 'dp-h1', displayName: 'host1', dpid: '0x1', nodeId: 'vna' }),
        (e: unknown) => e instanceof OpenVnetError && e.code === 'MVN_ERR_OPENVNET_DATAPATH_MISMATCH');
    });
  });

  describe('operator setup of a network (B6)', () => {
    it('network, DHCP interface and service, range group, range, lease policy, link', async () => {
      const scope = nock(BASE).matchHeader('content-type', FORM);
      scope.post('/api/networks', formBody({ uuid: 'nw-vnet1', display_name: 'vnet1', ipv4_network: '10.100.0.0', ipv4_prefix: '24', network_mode: 'virtual' }))
        .reply(200, { id: 1, uuid: 'nw-vnet1', display_name: 'vnet1', ipv4_network: '10.100.0.0', ipv4_prefix: 24, mode: 'virtual', domain_name: 'vnet1', ...stamp });
      scope.post('/api/interfaces', formBody({ uuid: 'if-dhcp1', mode: 'simulated', network_uuid: 'nw-vnet1', mac_address: '02:00:00:00:01:01', ipv4_address: '10.100.0.2' }))
        .reply(200, { ...interfaceObject('if-dhcp1'), mode: 'simulated' });
      scope.post('/api/network_services', formBody({ mode: 'dhcp', interface_uuid: 'if-dhcp1' }))
        .reply(200, { id: 1, uuid: 'ns-abc', mode: 'dhcp', interface_uuid: 'if-dhcp1', display_name: null, incoming_port: null, outgoing_port: null, ...stamp });
      scope.post('/api/ip_range_groups', formBody({ uuid: 'iprg-vnet1' })).reply(200, { id: 1, uuid: 'iprg-vnet1', allocation_type: 'incremental', ...stamp });
      scope.post('/api/ip_range_groups/iprg-vnet1/ip_ranges', formBody({ begin_ipv4_address: '10.100.0.100', end_ipv4_address: '10.100.0.199' }))
        .reply(200, { id: 1, uuid: 'ipr-abc', begin_ipv4_address: 174325860, end_ipv4_address: 174325959, ...stamp });
      scope.post('/api/lease_policies', formBody({ uuid: 'lp-vnet1', timing: 'immediate' })).reply(200, { id: 1, uuid: 'lp-vnet1', mode: 'simple', timing: 'immediate', ...stamp });
      scope.post('/api/lease_policies/lp-vnet1/networks/nw-vnet1', formBody({ ip_range_group_uuid: 'iprg-vnet1' })).reply(200, { uuid: 'lp-vnet1' });

      const c = client();
      const nw = await c.createNetwork({ uuid: 'nw-vnet1', displayName: 'vnet1', ipv4Network: '10.100.0.0', ipv4Prefix: 24, mode: 'virtual' });
      assert.deepEqual([nw.ipv4Network, nw.ipv4Prefix, nw.mode], ['10.100.0.0', 24, 'virtual']);
      await c.createInterface({ uuid: 'if-dhcp1', mode: 'simulated', networkUuid: 'nw-vnet1', macAddress: '02:00:00:00:01:01', ipv4Address: '10.100.0.2' });
      const ns = await c.createNetworkService({ mode: 'dhcp', interfaceUuid: 'if-dhcp1' });
      assert.equal(ns.interfaceUuid, 'if-dhcp1');
      await c.createIpRangeGroup({ uuid: 'iprg-vnet1' });
      const range = await c.addIpRange({ ipRangeGroupUuid: 'iprg-vnet1', beginIpv4Address: '10.100.0.100', endIpv4Address: '10.100.0.199' });
      assert.deepEqual([range.beginIpv4Address, range.endIpv4Address], ['10.100.0.100', '10.100.0.199'], 'integer bounds decoded');
      await c.createLeasePolicy({ uuid: 'lp-vnet1', timing: 'immediate' });
      await c.linkLeasePolicyNetwork('lp-vnet1', 'nw-vnet1', 'iprg-vnet1');
    });
  });

  describe('per task interface (B6)', () => {
    it('static: one POST with every field', async () => {
      nock(BASE).post('/api/interfaces', formBody({
        uuid: 'if-3f2a9c0b1d4e', mode: 'vif', owner_datapath_uuid: 'dp-h1', network_uuid: 'nw-vnet2', mac_address: '02:5a:3f:2a:9c:01',
        ipv4_address: '10.200.0.10', port_name: 'if-3f2a9c0b1d4e',
      })).matchHeader('content-type', FORM).reply(200, interfaceObject('if-3f2a9c0b1d4e', '10.200.0.10'));
      const itf = await client().createInterface({
        uuid: 'if-3f2a9c0b1d4e', mode: 'vif', ownerDatapathUuid: 'dp-h1', networkUuid: 'nw-vnet2', macAddress: '02:5a:3f:2a:9c:01',
        ipv4Address: '10.200.0.10', portName: 'if-3f2a9c0b1d4e',
      });
      assert.deepEqual([itf.macAddress, itf.networkUuid, itf.ipv4Address], ['02:5a:3f:2a:9c:01', 'nw-vnet2', '10.200.0.10']);
      assert.equal(itf.macLeases[0].ipLeases[0].ipv4Address, '10.200.0.10');
    });

    it('dynamic: POST without ipv4_address, lease-policy POST, then GET the interface', async () => {
      nock(BASE).post('/api/interfaces', formBody({
        uuid: 'if-3f2a9c0b1d4e', mode: 'vif', owner_datapath_uuid: 'dp-h1', network_uuid: 'nw-vnet2', mac_address: '02:5a:3f:2a:9c:01', port_name: 'if-3f2a9c0b1d4e',
      })).reply(200, interfaceObject('if-3f2a9c0b1d4e'));
      nock(BASE).post('/api/lease_policies/lp-vnet2/interfaces/if-3f2a9c0b1d4e', '').matchHeader('content-type', FORM).reply(200, { uuid: 'lp-vnet2' });
      nock(BASE).get('/api/interfaces/if-3f2a9c0b1d4e').reply(200, interfaceObject('if-3f2a9c0b1d4e', '10.200.0.100'));
      const c = client();
      const itf = await c.createInterface({ uuid: 'if-3f2a9c0b1d4e', mode: 'vif', ownerDatapathUuid: 'dp-h1', networkUuid: 'nw-vnet2', macAddress: '02:5a:3f:2a:9c:01', portName: 'if-3f2a9c0b1d4e' });
      assert.equal(itf.ipv4Address, undefined);
      assert.equal(await c.allocateFromLeasePolicy('lp-vnet2', 'if-3f2a9c0b1d4e'), '10.200.0.100');
    });

    it('allocate first: POST /lease_policies/:lp/ip_leases, then PUT attach', async () => {
      nock(BASE).post('/api/lease_policies/lp-vnet2/ip_leases', '').reply(200, { id: 9, uuid: 'il-9', interface_uuid: null, mac_lease_uuid: null, network_uuid: 'nw-vnet2', ipv4_address: '10.200.0.101', ...stamp });
      nock(BASE).put('/api/ip_leases/il-9/attach', formBody({ interface_uuid: 'if-3f2a9c0b1d4e' })).matchHeader('content-type', FORM)
        .reply(200, { id: 9, uuid: 'il-9', interface_uuid: 'if-3f2a9c0b1d4e', mac_lease_uuid: 'ml-3', network_uuid: 'nw-vnet2', ipv4_address: '10.200.0.101', ...stamp });
      const c = client();
      const il = await c.allocateLease('lp-vnet2');
      assert.deepEqual([il.uuid, il.ipv4Address, il.interfaceUuid], ['il-9', '10.200.0.101', null]);
      assert.equal((await c.attachIpLease('il-9', 'if-3f2a9c0b1d4e')).interfaceUuid, 'if-3f2a9c0b1d4e');
    });

    it('DEL: DELETE → deleted; 404/100 → absent', async () => {
      nock(BASE).delete('/api/interfaces/if-3f2a9c0b1d4e').reply(200, ['if-3f2a9c0b1d4e']);
      nock(BASE).delete('/api/interfaces/if-3f2a9c0b1d4e').reply(404, err('UnknownUUIDResource', '100', 'Interface#uuid: if-3f2a9c0b1d4e'));
      const c = client();
      assert.equal(await c.deleteInterface('if-3f2a9c0b1d4e'), 'deleted');
      assert.equal(await c.deleteInterface('if-3f2a9c0b1d4e'), 'absent');
    });

    it('an HTML 404 (wrong URL) is not "absent"', async () => {
      nock(BASE).delete('/api/interfaces/if-1').reply(404, '<h2>Sinatra doesn’t know this ditty.</h2>', { 'content-type': 'text/html' });
      await assert.rejects(client().deleteInterface('if-1'), (e: unknown) => e instanceof OpenVnetError && e.code === 'MVN_ERR_OPENVNET_BAD_RESPONSE' && e.status === 404);
    });

    it('getInterface / getNetwork: 404 → null', async () => {
      nock(BASE).get('/api/interfaces/if-x').reply(404, err('UnknownUUIDResource', '100', 'Interface#uuid: if-x'));
      nock(BASE).get('/api/networks/nw-x').reply(404, err('UnknownUUIDResource', '100', 'Network#uuid: nw-x'));
      assert.equal(await client().getInterface('if-x'), null);
      assert.equal(await client().getNetwork('nw-x'), null);
    });
  });

  describe('error translation', () => {
    const rows: Array<[string, number, object, string]> = [
      ['InvalidUUID', 400, err('InvalidUUID', '101', 'Interface#uuid: foo'), '101'],
      ['ArgumentError', 400, err('ArgumentError', '110', 'IP Address 10.0.1.5 not in subnet 10.0.0.0/24.'), '110'],
      ['MissingArgument', 400, err('MissingArgument', '111', 'mode'), '111'],
      ['short class name, no code: keyed on the last :: segment', 400, { error: 'DuplicateUUID', message: 'if-1' }, '102'],
      ['long class name, no code', 400, { error: 'Vnet::Endpoints::Errors::MissingArgument', message: 'mode' }, '111'],
    ];
    for (const [why, status, body, code] of rows) {
      it(`${why} → code ${code}, not retried`, async () => {
        nock(BASE).post('/api/interfaces').reply(status, body);
        await assert.rejects(client().createInterface({ mode: 'vif' }), (e: unknown) => e instanceof OpenVnetError && e.code === code && e.status === status && e.retryable === false);
        assert.deepEqual(sleeps, []);
      });
    }

    it('a 500 unique violation is not retried and says so', async () => {
      nock(BASE).post('/api/interfaces').once().reply(500, { error: 'Sequel::UniqueConstraintViolation', message: "Mysql2::Error: Duplicate entry '02:5a:3f:2a:9c:01' for key", code: '500' });
      await assert.rejects(client().createInterface({ mode: 'vif', macAddress: '02:5a:3f:2a:9c:01' }),
        (e: unknown) => e instanceof OpenVnetError && e.code === '500' && e.isUniqueViolation && !e.retryable && e.attempts === 1);
    });

    it('an exhausted pool is not retried', async () => {
      nock(BASE).post('/api/lease_policies/lp-1/interfaces/if-1').once().reply(500, { error: 'Vnet::ApiError', message: 'Run out of dynamic IP addresses for ip_range_group iprg-1', code: '500' });
      await assert.rejects(client().allocateFromLeasePolicy('lp-1', 'if-1'), (e: unknown) => e instanceof OpenVnetError && e.isExhausted && !e.retryable);
    });
  });

  describe('retries', () => {
    it('5xx is retried with exponential backoff, then succeeds', async () => {
      nock(BASE).get('/api/networks/nw-a').times(2).reply(503, 'busy');
      nock(BASE).get('/api/networks/nw-a').reply(200, { id: 1, uuid: 'nw-a', display_name: 'a', ipv4_network: '10.0.0.0', ipv4_prefix: 24, mode: 'virtual', ...stamp });
      const nw = await client().getNetwork('nw-a');
      assert.equal(nw?.uuid, 'nw-a');
      assert.deepEqual(sleeps, [10, 20]);
    });

    it('retries are bounded: retries + 1 attempts, then the last error', async () => {
      nock(BASE).get('/api/networks/nw-a').times(4).reply(500, { error: 'DCell::RemoteCallTimeout', message: 'rpc timed out', code: '500' });
      await assert.rejects(client().getNetwork('nw-a'), (e: unknown) => e instanceof OpenVnetError && e.code === '500' && e.retryable && e.attempts === 4);
      assert.deepEqual(sleeps, [10, 20, 40]);
    });

    it('timeouts are retried and reported as MVN_ERR_OPENVNET_TIMEOUT', async () => {
      nock(BASE).get('/api/datapaths/dp-1').times(2).delay(300).reply(200, datapath);
      await assert.rejects(client({ timeoutMs: 50, retries: 1 }).getDatapath('dp-1'), (e: unknown) => e instanceof OpenVnetError && e.code === 'MVN_ERR_OPENVNET_TIMEOUT' && e.attempts === 2);
      assert.deepEqual(sleeps, [10]);
    });

    it('connection errors are retried and reported as MVN_ERR_OPENVNET_UNREACHABLE', async () => {
      nock(BASE).get('/api/datapaths/dp-1').replyWithError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' });
      nock(BASE).get('/api/datapaths/dp-1').reply(200, datapath);
      assert.equal((await client().getDatapath('dp-1'))?.uuid, 'dp-h1');
      nock(BASE).get('/api/datapaths/dp-2').times(2).replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
      await assert.rejects(client({ retries: 1 }).getDatapath('dp-2'), (e: unknown) => e instanceof OpenVnetError && e.code === 'MVN_ERR_OPENVNET_UNREACHABLE');
    });

    it('a create retried after a 5xx that answers 102 returns our own record', async () => {
      nock(BASE).post('/api/interfaces').reply(502, 'bad gateway');
      nock(BASE).post('/api/interfaces').reply(400, err('DuplicateUUID', '102', 'if-1'));
      nock(BASE).get('/api/interfaces/if-1').reply(200, interfaceObject('if-1', '10.200.0.10'));
      const itf = await client().createInterface({ uuid: 'if-1', mode: 'vif' });
      assert.equal(itf.ipv4Address, '10.200.0.10');
    });

    it('a create without a uuid is not retried once it may have reached the server', async () => {
      nock(BASE).post('/api/network_services').reply(503, 'busy');
      await assert.rejects(client().createNetworkService({ mode: 'dhcp', interfaceUuid: 'if-1' }),
        (e: unknown) => e instanceof OpenVnetError && e.status === 503 && e.retryable && e.attempts === 1);
      assert.deepEqual(sleeps, []);
    });

    it('a lease-policy allocation is retried only when the connection was refused', async () => {
      nock(BASE).post('/api/lease_policies/lp-1/interfaces/if-1').delay(300).reply(200, { uuid: 'lp-1' });
      await assert.rejects(client({ timeoutMs: 50 }).allocateFromLeasePolicy('lp-1', 'if-1'),
        (e: unknown) => e instanceof OpenVnetError && e.code === 'MVN_ERR_OPENVNET_TIMEOUT' && e.attempts === 1);
      nock(BASE).post('/api/lease_policies/lp-1/interfaces/if-1').replyWithError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' });
      nock(BASE).post('/api/lease_policies/lp-1/interfaces/if-1').reply(200, { uuid: 'lp-1' });
      nock(BASE).get('/api/interfaces/if-1').reply(200, interfaceObject('if-1', '10.200.0.100'));
      assert.equal(await client().allocateFromLeasePolicy('lp-1', 'if-1'), '10.200.0.100');
    });

    it('a first-attempt 102 on an interface is a real conflict', async () => {
      nock(BASE).post('/api/interfaces').reply(400, err('DuplicateUUID', '102', 'if-1'));
      await assert.rejects(client().createInterface({ uuid: 'if-1', mode: 'vif' }), (e: unknown) => e instanceof OpenVnetError && e.code === '102');
    });
  });

  describe('lists, prefixes and auth', () => {
    it('parses the envelope and stops when paging is ignored (real OpenVNet returns the first 30)', async () => {
      const items = Array.from({ length: 30 }, (_, i) => ({ id: i + 1, uuid: `nw-n${i}`, display_name: `n${i}`, ipv4_network: '10.0.0.0', ipv4_prefix: 24, mode: 'virtual', ...stamp }));
      nock(BASE).get('/api/networks').query(true).times(2).reply(200, { total_count: 45, offset: 0, limit: 30, items });
      const nws = await client().listNetworks();
      assert.equal(nws.length, 30);
    });

    it('pages with offset/limit on servers that honour them', async () => {
      const nw = (i: number) => ({ id: i, uuid: `nw-n${i}`, display_name: 'n', ipv4_network: '10.0.0.0', ipv4_prefix: 24, mode: 'virtual', ...stamp });
      nock(BASE).get('/api/networks').query({ offset: '0', limit: '100' }).reply(200, { total_count: 2, offset: '0', limit: '100', items: [nw(1), nw(2)] });
      assert.deepEqual((await client().listNetworks()).map((n) => n.uuid), ['nw-n1', 'nw-n2']);
    });

    it('a base URL ending in /api/1.0 is used as is', async () => {
      nock(BASE).get('/api/1.0/datapaths/dp-h1').reply(200, datapath);
      assert.equal((await client({ baseUrl: `${BASE}/api/1.0/` }).getDatapath('dp-h1'))?.uuid, 'dp-h1');
    });

    it('basic auth from options or the URL; credentials never appear in errors', async () => {
      const expected = 'Basic ' + Buffer.from('ops:pa ss').toString('base64');
      nock(BASE).get('/api/datapaths/dp-h1').matchHeader('authorization', expected).reply(200, datapath);
      assert.equal((await client({ auth: { username: 'ops', password: 'pa ss' } }).getDatapath('dp-h1'))?.uuid, 'dp-h1');
      nock(BASE).get('/api/datapaths/dp-h1').matchHeader('authorization', expected).times(2).replyWithError({ code: 'ECONNRESET', message: 'reset' });
      const c = client({ baseUrl: 'http://ops:pa%20ss@openvnet.test:9090', retries: 1 });
      assert.equal(c.apiUrl, `${BASE}/api`);
      await assert.rejects(c.getDatapath('dp-h1'), (e: unknown) => e instanceof OpenVnetError && !/pa ss|pa%20ss|ops:/.test(`${e.message} ${JSON.stringify(e)}`));
    });
  });
});
