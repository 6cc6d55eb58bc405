// The driver's OpenVNet calls on the wire (cni-openvnet.md B6), checked with nock against the
// recorded shapes of the real webapi: form-encoded bodies, the once-per-host datapath sequence,
// static and dynamic interface registration, teardown with 404 as done, failure translation.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import nock from 'nock';
import { CNI_CODES } from '../../driver/cni/errors';
import { hostIfName } from '../../driver/cni/names';
import { runCni } from '../../driver/commands/skel';
import { clientRegistry } from '../../driver/openvnet/registry';
import { fakes } from '../unit/driver-fakes';

const API = 'http://vnmgr.test:9090';
const CID = '83d3bb69-6bd6-41fa-aa7a-68dd1700eeea';
const IF0 = hostIfName('vif', CID, 'eth0');
const IF1 = hostIfName('vif', CID, 'eth1');
const FORM = 'application/x-www-form-urlencoded';
const STAMP = { created_at: '2024-01-01T00:00:00Z', updated_at: '2024-01-01T00:00:00Z', deleted_at: null, is_deleted: 0 };

const network = (uuid: string, ip: string): Record<string, unknown> => ({ id: 1, uuid, display_name: uuid.slice(3), ipv4_network: ip, ipv4_prefix: 24, mode: 'virtual', domain_name: uuid.slice(3), segment_id: null, ...STAMP });
const datapath = { id: 1, uuid: 'dp-node1', display_name: 'node1', dpid: '0x0000aaaaaaaaaaaa', node_id: 'vna', enable_ovs_learn_action: true, ...STAMP };
const notFound = (msg: string): Record<string, unknown> => ({ error: 'Vnet::Endpoints::Errors::UnknownUUIDResource', message: msg, code: '100' });
const iface = (uuid: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 12, uuid, mode: 'vif', display_name: 'x', enable_routing: false, enable_route_translation: false, enable_filtering: false, enable_legacy_filtering: false,
  mac_leases: [], ip_leases: [], ...STAMP, ...extra,
});

/** Records each form body as ordered [key, value] pairs and accepts it. */
function form(into: [string, string][][]): (body: string) => boolean {
  return (body) => {
    into.push([...new URLSearchParams(body)]);
    return true;
  };
}

describe('driver: OpenVNet wire contract (contract, nock)', () => {
  let stateDir: string;
  before(() => nock.disableNetConnect());
  after(() => nock.enableNetConnect());
  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-driver-nock-'));
  });
  afterEach(() => {
    nock.cleanAll();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  const deps = (): ReturnType<typeof fakes>['deps'] => {
    const f = fakes({
      answer: (c) => (c.args.includes('addr') && c.args.includes('-j') ? { code: 0, stdout: JSON.stringify([{ addr_info: [{ local: '10.0.0.100', prefixlen: 24 }] }]), stderr: '' } : undefined),
    });
    return { ...f.deps, registry: clientRegistry, hostName: 'node1' };
  };
  const stdin = (network: string, ifName: string, labels: Record<string, string>, ip?: string): string => JSON.stringify({
    cniVersion: '0.2.0', name: network, type: 'vnet-driver', bridge: 'br0', bridgeType: 'ovs', stateDir,
    openvnet: { url: API, datapath: 'dp-node1', dpid: '0xaaaaaaaaaaaa', nodeId: 'vna', leasePolicy: 'lp-vnet1', retries: 0 },
    args: { 'org.apache.mesos': { network_info: { name: network, ...(ip === undefined ? {} : { ip_addresses: [{ protocol: 'IPv4', ip_address: ip }] }), labels: { labels: Object.entries({ 'vnet.interface': ifName, ...labels }).map(([key, value]) => ({ key, value })) } } } },
  });
  const env = (cmd: string, ifName: string): NodeJS.ProcessEnv => ({ CNI_COMMAND: cmd, CNI_CONTAINERID: CID, CNI_NETNS: '/proc/self/ns/net', CNI_IFNAME: ifName });
  const STATIC = { 'vnet.bootproto': 'static', 'vnet.address': '192.168.0.100/24', 'vnet.gateway': '192.168.0.1', 'vnet.mac': '02:00:c0:a8:00:64', 'vnet.app': '/vnettest', 'vnet.slot': '0' };
  const DHCP = { 'vnet.bootproto': 'dhcp', 'vnet.mac': '02:00:0a:00:00:11', 'vnet.app': '/vnettest', 'vnet.slot': '0' };

  it('static ADD on a fresh host: datapath GET 404 → POST, then POST interface (mode vif, MAC, IP, port_name)', async () => {
    const bodies: [string, string][][] = [];
    nock(API).get('/api/networks/nw-vnet3').reply(200, network('nw-vnet3', '192.168.0.0'))
      .get('/api/datapaths/dp-node1').reply(404, notFound('Datapath#uuid: dp-node1'))
      .post('/api/datapaths', form(bodies)).matchHeader('content-type', FORM).reply(200, datapath)
      .post('/api/interfaces', form(bodies)).matchHeader('content-type', FORM).reply(200, iface(IF1, { mac_address: '02:00:c0:a8:00:64', network_uuid: 'nw-vnet3', ipv4_address: '192.168.0.100' }));
    const out = await runCni(deps(), env('ADD', 'eth1'), () => stdin('nw-vnet3', 'eth1', STATIC, '192.168.0.100'));
    assert.equal(out.exitCode, 0, out.stdout);
    assert.ok(nock.isDone(), nock.pendingMocks().join(', '));
    assert.deepEqual(bodies[0], [['uuid', 'dp-node1'], ['display_name', 'node1'], ['dpid', '0x0000aaaaaaaaaaaa'], ['node_id', 'vna']]);
    assert.deepEqual(bodies[1], [
      ['uuid', IF1], ['mode', 'vif'], ['owner_datapath_uuid', 'dp-node1'], ['network_uuid', 'nw-vnet3'], ['mac_address', '02:00:c0:a8:00:64'],
      ['ipv4_address', '192.168.0.100'], ['port_name', IF1], ['display_name', '/vnettest eth1 (vnet-driver:dp-node1)'],
    ]);
  });

  it('dynamic ADD: interface without ipv4_address, lease-policy allocation, GET interface for the address; datapath cached', async () => {
    const bodies: [string, string][][] = [];
    nock(API).get('/api/networks/nw-vnet3').reply(200, network('nw-vnet3', '192.168.0.0'))
      .get('/api/datapaths/dp-node1').reply(200, datapath)
      .post('/api/interfaces').reply(200, iface(IF1));
    assert.equal((await runCni(deps(), env('ADD', 'eth1'), () => stdin('nw-vnet3', 'eth1', STATIC, '192.168.0.100'))).exitCode, 0);
    nock(API).get('/api/networks/nw-vnet1').reply(200, network('nw-vnet1', '10.0.0.0'))
      .post('/api/interfaces', form(bodies)).matchHeader('content-type', FORM).reply(200, iface(IF0, { mac_address: '02:00:0a:00:00:11' }))
      .post(`/api/lease_policies/lp-vnet1/interfaces/${IF0}`, form(bodies)).matchHeader('content-type', FORM).reply(200, { uuid: 'lp-vnet1' })
      .get(`/api/interfaces/${IF0}`).reply(200, iface(IF0, {
        mac_address: '02:00:0a:00:00:11', network_uuid: 'nw-vnet1', ipv4_address: '10.0.0.100',
        ip_leases: [{ id: 7, uuid: 'il-1', interface_uuid: IF0, mac_lease_uuid: 'ml-1', network_uuid: 'nw-vnet1', ipv4_address: '10.0.0.100', enable_routing: false, ...STAMP }],
      }));
    const out = await runCni(deps(), env('ADD', 'eth0'), () => stdin('nw-vnet1', 'eth0', DHCP));
    assert.equal(out.exitCode, 0, out.stdout);
    assert.deepEqual(JSON.parse(out.stdout), { cniVersion: '0.2.0', ip4: { ip: '10.0.0.100/24' }, dns: {} });
    assert.ok(nock.isDone(), nock.pendingMocks().join(', '));
    assert.deepEqual(bodies[0], [
      ['uuid', IF0], ['mode', 'vif'], ['owner_datapath_uuid', 'dp-node1'], ['network_uuid', 'nw-vnet1'], ['mac_address', '02:00:0a:00:00:11'],
      ['port_name', IF0], ['display_name', '/vnettest eth0 (vnet-driver:dp-node1)'],
    ]);
    assert.deepEqual(bodies[1], []);
  });

  it('DEL: DELETE /api/interfaces/if-…; a second DEL meets 404 (code 100) and succeeds', async () => {
    nock(API).get('/api/networks/nw-vnet3').reply(200, network('nw-vnet3', '192.168.0.0'))
      .get('/api/datapaths/dp-node1').reply(200, datapath)
      .post('/api/interfaces').reply(200, iface(IF1));
    assert.equal((await runCni(deps(), env('ADD', 'eth1'), () => stdin('nw-vnet3', 'eth1', STATIC, '192.168.0.100'))).exitCode, 0);
    nock(API).delete(`/api/interfaces/${IF1}`).reply(200, [IF1])
      .delete(`/api/interfaces/${IF1}`).reply(404, notFound(`Interface#uuid: ${IF1}`));
    for (let i = 0; i < 2; i++) {
      const out = await runCni(deps(), { ...env('DEL', 'eth1'), CNI_NETNS: undefined }, () => stdin('nw-vnet3', 'eth1', STATIC, '192.168.0.100'));
      assert.equal(out.exitCode, 0, out.stdout);
    }
    assert.ok(nock.isDone(), nock.pendingMocks().join(', '));
  });

  it('a lost datapath race (400, code 102) counts as exists', async () => {
    const bodies: [string, string][][] = [];
    nock(API).get('/api/networks/nw-vnet3').reply(200, network('nw-vnet3', '192.168.0.0'))
      .get('/api/datapaths/dp-node1').reply(404, notFound('Datapath#uuid: dp-node1'))
      .post('/api/datapaths', form(bodies)).matchHeader('content-type', FORM).reply(400, { error: 'Vnet::Endpoints::Errors::DuplicateUUID', message: 'dp-node1', code: '102' })
      .get('/api/datapaths/dp-node1').reply(200, datapath)
      .post('/api/interfaces').reply(200, iface(IF1));
    const out = await runCni(deps(), env('ADD', 'eth1'), () => stdin('nw-vnet3', 'eth1', STATIC, '192.168.0.100'));
    assert.equal(out.exitCode, 0, out.stdout);
    assert.ok(nock.isDone(), nock.pendingMocks().join(', '));
    assert.deepEqual(bodies[0], [['uuid', 'dp-node1'], ['display_name', 'node1'], ['dpid', '0x0000aaaaaaaaaaaa'], ['node_id', 'vna']]);
  });

  it('an existing datapath with another dpid fails the ADD before any plumbing (vna would ignore the bridge)', async () => {
    nock(API).get('/api/networks/nw-vnet3').reply(200, network('nw-vnet3', '192.168.0.0'))
      .get('/api/datapaths/dp-node1').reply(200, { ...datapath, dpid: '0x0000bbbbbbbbbbbb' });
    const f = fakes();
    const out = await runCni({ ...f.deps, registry: clientRegistry, hostName: 'node1' }, env('ADD', 'eth1'), () => stdin('nw-vnet3', 'eth1', STATIC, '192.168.0.100'));
    assert.equal(out.exitCode, 1);
    assert.equal(JSON.parse(out.stdout).code, CNI_CODES.OPENVNET_REJECTED, out.stdout);
    assert.ok(nock.isDone(), nock.pendingMocks().join(', '));
    assert.deepEqual(f.calls, []);
  });

  it('a duplicate MAC (500 from the database) fails the ADD with 101 and deletes the half-made record', async () => {
    nock(API).get('/api/networks/nw-vnet3').reply(200, network('nw-vnet3', '192.168.0.0'))
      .get('/api/datapaths/dp-node1').reply(200, datapath)
      .post('/api/interfaces').reply(500, { error: 'Sequel::UniqueConstraintViolation', message: 'Mysql2::Error: Duplicate entry for key mac_address', code: '500' })
      .delete(`/api/interfaces/${IF1}`).reply(404, notFound(`Interface#uuid: ${IF1}`));
    const out = await runCni(deps(), env('ADD', 'eth1'), () => stdin('nw-vnet3', 'eth1', STATIC, '192.168.0.100'));
    const err = JSON.parse(out.stdout) as { code: number; details: string };
    assert.equal(err.code, CNI_CODES.OPENVNET_REJECTED);
    assert.match(err.details, /Duplicate entry/);
    assert.ok(nock.isDone(), nock.pendingMocks().join(', '));
    assert.deepEqual(fs.readdirSync(path.join(stateDir, 'attachments')), []);
  });

  it('a duplicate MAC held by a record of ours whose container is gone (slot reused): lists, DELETEs it, POSTs again', async () => {
    const STALE = 'if-0123456789ab';
    nock(API).get('/api/networks/nw-vnet3').reply(200, network('nw-vnet3', '192.168.0.0'))
      .get('/api/datapaths/dp-node1').reply(200, datapath)
      .post('/api/interfaces').reply(500, { error: 'Sequel::UniqueConstraintViolation', message: 'Mysql2::Error: Duplicate entry for key mac_address', code: '500' })
      .get('/api/interfaces').query(true).reply(200, { total_count: 1, offset: 0, limit: 100, items: [
        iface(STALE, { display_name: '/vnettest eth1 (vnet-driver:dp-node1)', mac_address: '02:00:c0:a8:00:64', network_uuid: 'nw-vnet3', ipv4_address: '192.168.0.100' }),
      ] })
      .delete(`/api/interfaces/${STALE}`).reply(200, iface(STALE))
      .post('/api/interfaces').reply(200, iface(IF1, { mac_address: '02:00:c0:a8:00:64', network_uuid: 'nw-vnet3', ipv4_address: '192.168.0.100' }));
    const out = await runCni(deps(), env('ADD', 'eth1'), () => stdin('nw-vnet3', 'eth1', STATIC, '192.168.0.100'));
    assert.equal(out.exitCode, 0, out.stdout);
    assert.ok(nock.isDone(), nock.pendingMocks().join(', '));
  });

  it('an unknown network (404 on GET) is an invalid config; an unreachable API is try-again-later', async () => {
    nock(API).get('/api/networks/nw-vnet3').reply(404, notFound('Network#uuid: nw-vnet3'));
    let out = await runCni(deps(), env('ADD', 'eth1'), () => stdin('nw-vnet3', 'eth1', STATIC, '192.168.0.100'));
    assert.equal(JSON.parse(out.stdout).code, CNI_CODES.INVALID_CONFIG);
    nock(API).get('/api/networks/nw-vnet3').replyWithError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' });
    out = await runCni(deps(), env('ADD', 'eth1'), () => stdin('nw-vnet3', 'eth1', STATIC, '192.168.0.100'));
    assert.equal(JSON.parse(out.stdout).code, CNI_CODES.TRY_AGAIN_LATER);
    assert.ok(nock.isDone());
  });
});
