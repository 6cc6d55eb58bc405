// Malformed app definitions through the HTTP API (with an embedded OpenVNet webapi, so network
// names and subnets are checked too): each gets 400/422 with the right path, and the state store
// is byte-for-byte unchanged afterwards.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { applyInitFile, createVnetApiServer } from '../../src/sim/openvnet/server';
import { http, readSample, runningTasks, startCluster, type Cluster } from './serve-fixture';

type Raw = { [k: string]: unknown };
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

function vnet(change: (a: Raw) => void): Raw {
  const a = clone(readSample('vnettest.json')) as Raw;
  a.id = '/bad/vnet';
  change(a);
  return a;
}
function plain(change: (a: Raw) => void): Raw {
  const a: Raw = { id: '/bad/plain', cmd: 'sleep 1', cpus: 0.1, mem: 16 };
  change(a);
  return a;
}
const ifc = (a: Raw, i: number): Raw => ((a.container as Raw).networkInterfaces as Raw[])[i] as Raw;

interface Row { name: string; body: unknown; status: 400 | 422; path: string; raw?: boolean }

const I0 = '/container/networkInterfaces(0)';
const I1 = '/container/networkInterfaces(1)';

const ROWS: Row[] = [
  // --- JSON itself
  { name: 'not JSON at all', body: '{"id": "/x",', status: 400, path: '', raw: true },
  { name: 'a JSON array instead of an app', body: '[]', status: 400, path: '/', raw: true },
  { name: 'a JSON string instead of an app', body: '"app"', status: 400, path: '/', raw: true },
  // --- JSON types
  { name: 'id is a number', body: plain((a) => { a.id = 5; }), status: 400, path: '/id' },
  { name: 'cpus is a string', body: plain((a) => { a.cpus = 'lots'; }), status: 400, path: '/cpus' },
  { name: 'mem is a string', body: plain((a) => { a.mem = '64'; }), status: 400, path: '/mem' },
  { name: 'instances is a string', body: plain((a) => { a.instances = 'two'; }), status: 400, path: '/instances' },
  { name: 'cmd is a number', body: plain((a) => { a.cmd = 42; }), status: 400, path: '/cmd' },
  { name: 'args is a string', body: plain((a) => { delete a.cmd; a.args = 'sleep 1'; }), status: 400, path: '/args' },
  { name: 'env value is a number', body: plain((a) => { a.env = { A: 1 }; }), status: 400, path: '/env/A' },
  { name: 'labels value is a number', body: plain((a) => { a.labels = { tier: 1 }; }), status: 400, path: '/labels/tier' },
  { name: 'constraints is an object', body: plain((a) => { a.constraints = { hostname: 'UNIQUE' }; }), status: 400, path: '/constraints' },
  { name: 'container is a string', body: plain((a) => { a.container = 'docker'; }), status: 400, path: '/container' },
  { name: 'networkInterfaces is an object', body: vnet((a) => { (a.container as Raw).networkInterfaces = { networkName: 'nw-vnet1' }; }), status: 400, path: '/container/networkInterfaces' },
  { name: 'interface mtu is a string', body: vnet((a) => { ifc(a, 0).mtu = '1500'; }), status: 400, path: `${I0}/mtu` },
  { name: 'interface routes is a string', body: vnet((a) => { ifc(a, 1).routes = '10.0.0.0/8 via 192.168.0.1'; }), status: 400, path: `${I1}/routes` },
  { name: 'requirePorts is a string', body: plain((a) => { a.requirePorts = 'yes'; }), status: 400, path: '/requirePorts' },
  { name: 'backoffSeconds is a string', body: plain((a) => { a.backoffSeconds = 'one'; }), status: 400, path: '/backoffSeconds' },
  // --- ids
  { name: 'id missing', body: plain((a) => { delete a.id; }), status: 422, path: '/id' },
  { name: 'id with upper case', body: plain((a) => { a.id = '/Web/App'; }), status: 422, path: '/id' },
  { name: 'id with an underscore', body: plain((a) => { a.id = '/web_app'; }), status: 422, path: '/id' },
  { name: 'id ending in restart', body: plain((a) => { a.id = '/web/restart'; }), status: 422, path: '/id' },
  { name: 'id ending in tasks', body: plain((a) => { a.id = '/web/tasks'; }), status: 422, path: '/id' },
  { name: 'id ending in versions', body: plain((a) => { a.id = '/web/versions'; }), status: 422, path: '/id' },
  { name: 'id segment starting with a dash', body: plain((a) => { a.id = '/-web'; }), status: 422, path: '/id' },
  // --- command
  { name: 'both cmd and args', body: plain((a) => { a.args = ['sleep', '1']; }), status: 422, path: '/' },
  { name: 'neither cmd, args nor container', body: plain((a) => { delete a.cmd; }), status: 422, path: '/' },
  // --- resources and counts
  { name: 'negative instances', body: plain((a) => { a.instances = -1; }), status: 422, path: '/instances' },
  { name: 'fractional instances', body: plain((a) => { a.instances = 1.5; }), status: 422, path: '/instances' },
  { name: 'zero cpus', body: plain((a) => { a.cpus = 0; }), status: 422, path: '/cpus' },
  { name: 'negative mem', body: plain((a) => { a.mem = -64; }), status: 422, path: '/mem' },
  { name: 'negative disk', body: plain((a) => { a.disk = -1; }), status: 422, path: '/disk' },
  { name: 'negative gpus', body: plain((a) => { a.gpus = -1; }), status: 422, path: '/gpus' },
  { name: 'gpus with DOCKER', body: vnet((a) => { a.gpus = 1; }), status: 422, path: '/gpus' },
  { name: 'negative backoffSeconds', body: plain((a) => { a.backoffSeconds = -1; }), status: 422, path: '/backoffSeconds' },
  { name: 'backoffFactor below 1', body: plain((a) => { a.backoffFactor = 0.5; }), status: 422, path: '/backoffFactor' },
  { name: 'negative maxLaunchDelaySeconds', body: plain((a) => { a.maxLaunchDelaySeconds = -5; }), status: 422, path: '/maxLaunchDelaySeconds' },
  { name: 'minimumHealthCapacity above 1', body: plain((a) => { a.upgradeStrategy = { minimumHealthCapacity: 1.5, maximumOverCapacity: 1 }; }), status: 422, path: '/upgradeStrategy/minimumHealthCapacity' },
  { name: 'maximumOverCapacity negative', body: plain((a) => { a.upgradeStrategy = { minimumHealthCapacity: 1, maximumOverCapacity: -0.1 }; }), status: 422, path: '/upgradeStrategy/maximumOverCapacity' },
  { name: 'unreachable inactive after expunge', body: plain((a) => { a.unreachableStrategy = { inactiveAfterSeconds: 60, expungeAfterSeconds: 30 }; }), status: 422, path: '/unreachableStrategy/inactiveAfterSeconds' },
  { name: 'unknown killSelection', body: plain((a) => { a.killSelection = 'RANDOM'; }), status: 422, path: '/killSelection' },
  // --- constraints
  { name: 'unknown constraint operator', body: plain((a) => { a.constraints = [['hostname', 'SOMETIMES']]; }), status: 422, path: '/constraints(0)' },
  { name: 'MAX_PER without a number', body: plain((a) => { a.constraints = [['hostname', 'MAX_PER', 'many']]; }), status: 422, path: '/constraints(0)' },
  { name: 'LIKE without a pattern', body: plain((a) => { a.constraints = [['rack', 'LIKE']]; }), status: 422, path: '/constraints(0)' },
  { name: 'LIKE with a broken regex', body: plain((a) => { a.constraints = [['rack', 'LIKE', '(']]; }), status: 422, path: '/constraints(0)' },
  // --- secrets / env
  { name: 'env references an undefined secret', body: plain((a) => { a.env = { PW: { secret: 'nope' } }; }), status: 422, path: '/env/PW' },
  // --- networks
  { name: 'host network with a name', body: plain((a) => { a.networks = [{ mode: 'host', name: 'x' }]; }), status: 422, path: '/networks(0)/name' },
  { name: 'container network without a name', body: plain((a) => { a.networks = [{ mode: 'container' }]; }), status: 422, path: '/networks(0)/name' },
  { name: 'unknown network mode', body: plain((a) => { a.networks = [{ mode: 'overlay' }]; }), status: 422, path: '/networks(0)/mode' },
  // --- container
  { name: 'DOCKER without an image', body: plain((a) => { a.container = { type: 'DOCKER', docker: {} }; }), status: 422, path: '/container/docker/image' },
  { name: 'unknown container type', body: plain((a) => { a.container = { type: 'RKT' }; }), status: 422, path: '/container/type' },
  // --- networkInterfaces
  { name: 'interface without networkName', body: vnet((a) => { delete ifc(a, 0).networkName; }), status: 422, path: `${I0}/networkName` },
  { name: 'network not in OpenVNet', body: vnet((a) => { ifc(a, 0).networkName = 'nw-missing'; }), status: 422, path: `${I0}/networkName` },
  { name: 'networkName not an OpenVNet uuid', body: vnet((a) => { ifc(a, 0).networkName = 'Production LAN'; }), status: 422, path: `${I0}/networkName` },
  { name: 'interfaceName too long', body: vnet((a) => { ifc(a, 0).interfaceName = 'a-very-long-interface-name'; }), status: 422, path: `${I0}/interfaceName` },
  { name: 'interfaceName lo', body: vnet((a) => { ifc(a, 0).interfaceName = 'lo'; }), status: 422, path: `${I0}/interfaceName` },
  { name: 'interfaceName with a slash', body: vnet((a) => { ifc(a, 0).interfaceName = 'eth/0'; }), status: 422, path: `${I0}/interfaceName` },
  { name: 'duplicate interfaceName', body: vnet((a) => { ifc(a, 1).interfaceName = 'eth0'; }), status: 422, path: `${I1}/interfaceName` },
  { name: 'unknown bootproto', body: vnet((a) => { ifc(a, 0).bootproto = 'bootp'; }), status: 422, path: `${I0}/bootproto` },
  { name: 'static without an address', body: vnet((a) => { ifc(a, 1).ipAddress = ''; }), status: 422, path: `${I1}/ipAddress` },
  { name: 'static address not IPv4', body: vnet((a) => { ifc(a, 1).ipAddress = '192.168.0.300'; }), status: 422, path: `${I1}/ipAddress` },
  { name: 'static address outside the subnet', body: vnet((a) => { ifc(a, 1).ipAddress = '10.1.2.3'; }), status: 422, path: `${I1}/ipAddress` },
  { name: 'static address is the network address', body: vnet((a) => { ifc(a, 1).ipAddress = '192.168.0.0'; }), status: 422, path: `${I1}/ipAddress` },
  { name: 'ipRange reversed', body: vnet((a) => { delete ifc(a, 1).ipAddress; ifc(a, 1).ipRange = '192.168.0.20-192.168.0.10'; }), status: 422, path: `${I1}/ipRange` },
  { name: 'ipAddress and ipRange together', body: vnet((a) => { ifc(a, 1).ipRange = '192.168.0.10-192.168.0.20'; }), status: 422, path: `${I1}/ipRange` },
  { name: 'netmask not a mask', body: vnet((a) => { ifc(a, 1).netmask = '255.0.255.0'; }), status: 422, path: `${I1}/netmask` },
  { name: 'gateway outside the subnet', body: vnet((a) => { ifc(a, 1).gateway = '10.0.0.1'; }), status: 422, path: `${I1}/gateway` },
  { name: 'two default gateways', body: vnet((a) => { ifc(a, 0).bootproto = 'static'; ifc(a, 0).ipAddress = '10.0.0.9'; ifc(a, 0).gateway = '10.0.0.1'; ifc(a, 0).netmask = '24'; }), status: 422, path: `${I1}/gateway` },
  { name: 'route destination not a CIDR', body: vnet((a) => { ifc(a, 1).routes = [{ destination: '10.0.0.0', gateway: '192.168.0.1' }]; }), status: 422, path: `${I1}/routes(0)/destination` },
  { name: 'macAddress malformed', body: vnet((a) => { ifc(a, 1).macAddress = '02:00:00:00:00'; }), status: 422, path: `${I1}/macAddress` },
  { name: 'macAddress multicast', body: vnet((a) => { ifc(a, 1).macAddress = '01:00:5e:00:00:01'; }), status: 422, path: `${I1}/macAddress` },
  { name: 'mtu too small', body: vnet((a) => { ifc(a, 0).mtu = 10; }), status: 422, path: `${I0}/mtu` },
  { name: 'unknown interface field (typo)', body: vnet((a) => { ifc(a, 1).gatway = '192.168.0.1'; }), status: 422, path: `${I1}/gatway` },
  { name: 'the agent-link network used by an app', body: vnet((a) => { ifc(a, 0).networkName = 'vnet-agent-link'; }), status: 422, path: `${I0}/networkName` },
  { name: 'single static address with 2 instances', body: vnet((a) => { a.instances = 2; }), status: 422, path: '/instances' },
  { name: 'pool smaller than instances', body: vnet((a) => { delete ifc(a, 1).ipAddress; ifc(a, 1).ipRange = '192.168.0.10-192.168.0.11'; a.instances = 3; }), status: 422, path: '/instances' },
];

async function snapshot(c: Cluster): Promise<string> {
  const store = c.serve.repo.store;
  return JSON.stringify({
    apps: await store.listApps(), instances: await store.listInstances(), deployments: await store.listDeployments(),
    claims: await store.listClaims(), frameworkId: await store.getFrameworkId(),
  });
}

describe('serve: malformed app definitions', function () {
  this.timeout(60_000);
  let c: Cluster;
  let vnetApi: FastifyInstance;
  before(async () => {
    vnetApi = createVnetApiServer();
    const spec = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../samples/openvnet/networks.json'), 'utf8')) as unknown;
    await applyInitFile(vnetApi, spec);
    await vnetApi.listen({ port: 0, host: '127.0.0.1' });
    const addr = vnetApi.server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    c = await startCluster({ serve: { openvnet: `http://127.0.0.1:${port}` } });
    // one good app so that "unchanged" means something
    const ok = await http(c.serve.url, 'POST', '/v2/apps', { id: '/good', cmd: 'sleep 9', cpus: 0.1, mem: 16 });
    assert.equal(ok.status, 201, ok.text);
  });
  after(async () => { await c?.close(); await vnetApi?.close(); });

  it(`has at least 60 rows (${ROWS.length})`, () => assert.ok(ROWS.length >= 60));

  it('the valid sample passes with OpenVNet configured (the rows are not failing for another reason)', async () => {
    const r = await http(c.serve.url, 'POST', '/v2/apps', vnet((a) => { a.id = '/good/vnet'; }));
    assert.equal(r.status, 201, r.text);
    const [task] = await runningTasks(c.serve.url, '/good/vnet', 1);
    await runningTasks(c.serve.url, '/good', 1);
    // prefixLength from the OpenVNet facts: the static one has it; the simulated DHCP lease
    // (10.77.x) lies outside nw-vnet1 (10.0.0.0/24), so its prefix is not known and stays absent
    const [eth0, eth1] = (task.networkInterfaces ?? []) as Array<{ ipAddress?: string; prefixLength?: number }>;
    assert.match(eth0.ipAddress ?? '', /^10\.77\./);
    assert.equal(eth0.prefixLength, undefined);
    assert.equal(eth1.prefixLength, 24);
  });

  for (const row of ROWS) {
    it(`${row.name} → ${row.status} at ${row.path || '(body)'}`, async () => {
      const before = await snapshot(c);
      const r = await http<{ message: string; details: unknown }>(c.serve.url, 'POST', '/v2/apps', row.body);
      assert.equal(r.status, row.status, r.text);
      assert.equal(r.body.message, row.status === 400 ? 'Invalid JSON' : 'Object is not valid');
      if (row.path === '') {
        assert.equal(typeof r.body.details, 'string', 'parser message');
      } else {
        const details = r.body.details as Array<{ path: string; errors: string[] }>;
        assert.ok(details.some((d) => d.path === row.path && d.errors.length > 0), `expected ${row.path} in ${r.text}`);
      }
      assert.equal(await snapshot(c), before, 'store unchanged');
      // the same body as an update of an existing app is refused the same way
      if (row.raw !== true && row.status === 422 && row.path !== '/id') {
        const body = clone(row.body) as Raw;
        body.id = '/good';
        const u = await http(c.serve.url, 'PUT', '/v2/apps/good?partialUpdate=false', body);
        assert.equal(u.status, 422, u.text);
        assert.equal(await snapshot(c), before, 'store unchanged after PUT');
      }
    });
  }

  it('GET /v2/networks lists the OpenVNet networks with subnets and attached tasks', async () => {
    const r = await http<{ networks: Array<{ uuid: string; subnets: string[]; apps: string[] }> }>(c.serve.url, 'GET', '/v2/networks');
    assert.equal(r.status, 200);
    const n3 = r.body.networks.find((n) => n.uuid === 'nw-vnet3');
    assert.ok(n3);
    assert.deepEqual(n3.subnets, ['192.168.0.0/24']);
    assert.deepEqual(n3.apps, ['/good/vnet']);
  });
});
