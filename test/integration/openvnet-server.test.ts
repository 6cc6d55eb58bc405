// The OpenVNet client against the embedded webapi over real HTTP on 127.0.0.1: the driver's call
// sequence (spec B6), soft delete, uniqueness and uuid errors, prefixes and body forms, state
// persistence, the vnet-api CLI process and samples/openvnet/vnet-init.sh.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { OpenVnetClient, OpenVnetError } from '../../src/lib/openvnet/client';
import { applyInitFile, createVnetApiServer } from '../../src/sim/openvnet/server';
import { listNetworkUsage } from '../../src/lib/openvnet/usage';

const ROOT = path.resolve(__dirname, '../../..');
const RUN = randomBytes(3).toString('hex');

async function start(opts: Parameters<typeof createVnetApiServer>[0] = {}): Promise<{ app: FastifyInstance; url: string }> {
  const app = createVnetApiServer(opts);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  assert.ok(addr !== null && typeof addr === 'object');
  return { app, url: `http://127.0.0.1:${addr.port}` };
}

function isCode(code: string) {
  return (e: unknown) => e instanceof OpenVnetError && e.code === code;
}

/** Waits for a child to exit; kills it by PID after `ms`. */
function waitExit(child: ChildProcess, ms: number): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const t = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}

/** Everything the init spec creates, without ids, timestamps or generated uuids. */
async function snapshotSetup(c: OpenVnetClient): Promise<unknown> {
  const networks = (await c.listNetworks()).map((n) => ({ uuid: n.uuid, displayName: n.displayName, ipv4Network: n.ipv4Network, ipv4Prefix: n.ipv4Prefix, mode: n.mode, domainName: n.domainName }));
  const interfaces = (await c.listInterfaces()).map((i) => ({ uuid: i.uuid, mode: i.mode, mac: i.macAddress, ip: i.ipv4Address, network: i.networkUuid }));
  const services = (await c.listNetworkServices()).map((s) => ({ uuid: s.uuid, mode: s.mode, interfaceUuid: s.interfaceUuid }));
  const groups = await Promise.all((await c.listIpRangeGroups()).map(async (g) => ({
    uuid: g.uuid, allocationType: g.allocationType, ranges: (await c.listIpRanges(g.uuid)).map((r) => [r.uuid, r.beginIpv4Address, r.endIpv4Address]),
  })));
  const policies = await Promise.all((await c.listLeasePolicies()).map(async (lp) => ({
    uuid: lp.uuid, mode: lp.mode, timing: lp.timing, networks: (await c.getLeasePolicyNetworks(lp.uuid)).map((n) => [n.uuid, n.ipRangeGroupUuid]),
  })));
  const leases = (await c.listIpLeases()).map((l) => [l.networkUuid, l.ipv4Address, l.interfaceUuid]);
  return { networks, interfaces, services, groups, policies, leases };
}

describe('openvnet client ↔ embedded webapi (127.0.0.1)', function () {
  this.timeout(30000);
  const dir = mkdtempSync(path.join(tmpdir(), `vt-${RUN}-ovn.`));
  const servers: FastifyInstance[] = [];
  const children: ChildProcess[] = [];

  after(async () => {
    for (const s of servers) await s.close().catch(() => undefined);
    for (const ch of children) {
      if (ch.exitCode === null && ch.signalCode === null && ch.pid !== undefined) {
        ch.kill('SIGTERM');
        await waitExit(ch, 3000);
      }
    }
    rmSync(dir, { recursive: true, force: true });
    assert.equal(existsSync(dir), false);
    assert.deepEqual(readdirSync(tmpdir()).filter((n) => n.includes(RUN)), [], 'nothing carrying the run id is left');
  });

  async function server(opts: Parameters<typeof createVnetApiServer>[0] = {}) {
    const s = await start(opts);
    servers.push(s.app);
    return { ...s, client: new OpenVnetClient({ baseUrl: s.url, backoffMs: 1, retries: 2, timeoutMs: 5000 }) };
  }

  async function operatorSetup(c: OpenVnetClient): Promise<void> {
    await c.createNetwork({ uuid: 'nw-vnet1', displayName: 'vnet1', ipv4Network: '10.100.0.0', ipv4Prefix: 24, mode: 'virtual' });
    await c.createInterface({ uuid: 'if-dhcp1', mode: 'simulated', networkUuid: 'nw-vnet1', macAddress: '02:00:00:00:01:01', ipv4Address: '10.100.0.2' });
    await c.createNetworkService({ mode: 'dhcp', interfaceUuid: 'if-dhcp1' });
    await c.createIpRangeGroup({ uuid: 'iprg-vnet1' });
    await c.addIpRange({ ipRangeGroupUuid: 'iprg-vnet1', beginIpv4Address: '10.100.0.100', endIpv4Address: '10.100.0.199' });
    await c.createLeasePolicy({ uuid: 'lp-vnet1', timing: 'immediate' });
    await c.linkLeasePolicyNetwork('lp-vnet1', 'nw-vnet1', 'iprg-vnet1');
  }

  it('runs the driver call sequence of B6', async () => {
    const { client: c, url } = await server();
    await operatorSetup(c);

    // once per agent, twice, and racing
    const dpParams = { uuid: 'dp-node1', displayName: 'node1', dpid: '0x0000aaaaaaaaaaaa', nodeId: 'vna' };
    const dp = await c.ensureDatapath(dpParams);
    assert.equal(dp.dpid, '0x0000aaaaaaaaaaaa');
    assert.equal((await c.ensureDatapath(dpParams)).id, dp.id);
    const racers = [1, 2, 3].map(() => new OpenVnetClient({ baseUrl: url, backoffMs: 1 }));
    const raced = await Promise.all(racers.map((r) => r.ensureDatapath({ ...dpParams, uuid: 'dp-node2', dpid: '0xbb' })));
    assert.equal(new Set(raced.map((d) => d.id)).size, 1, 'one record, every racer sees it');
    assert.equal((await c.listDatapaths()).length, 2);

    // static interface
    const stat = await c.createInterface({ uuid: 'if-aaaaaaaaaaaa', mode: 'vif', ownerDatapathUuid: 'dp-node1', networkUuid: 'nw-vnet1', macAddress: '02:5a:00:00:00:01', ipv4Address: '10.100.0.10', portName: 'if-aaaaaaaaaaaa', displayName: 'app eth0' });
    assert.deepEqual([stat.macAddress, stat.networkUuid, stat.ipv4Address], ['02:5a:00:00:00:01', 'nw-vnet1', '10.100.0.10']);
    assert.deepEqual((await c.listInterfacePorts('if-aaaaaaaaaaaa')).map((p) => [p.portName, p.datapathUuid]), [['if-aaaaaaaaaaaa', 'dp-node1']]);

    // dynamic through the lease policy
    const dyn = await c.createInterface({ uuid: 'if-bbbbbbbbbbbb', mode: 'vif', ownerDatapathUuid: 'dp-node1', networkUuid: 'nw-vnet1', macAddress: '02:5a:00:00:00:02', portName: 'if-bbbbbbbbbbbb' });
    assert.equal(dyn.ipv4Address, undefined);
    assert.equal(await c.allocateFromLeasePolicy('lp-vnet1', 'if-bbbbbbbbbbbb'), '10.100.0.100');
    const fetched = await c.getInterface('if-bbbbbbbbbbbb');
    assert.equal(fetched?.macLeases[0].ipLeases[0].ipv4Address, '10.100.0.100');

    // dynamic, allocate first
    const il = await c.allocateLease('lp-vnet1');
    assert.deepEqual([il.ipv4Address, il.interfaceUuid, il.networkUuid], ['10.100.0.101', null, 'nw-vnet1']);
    await c.createInterface({ uuid: 'if-cccccccccccc', mode: 'vif', ownerDatapathUuid: 'dp-node1', networkUuid: 'nw-vnet1', macAddress: '02:5a:00:00:00:03', portName: 'if-cccccccccccc' });
    await c.attachIpLease(il.uuid, 'if-cccccccccccc');
    assert.equal((await c.getInterface('if-cccccccccccc'))?.ipv4Address, '10.100.0.101');

    const usage = await listNetworkUsage(c);
    assert.deepEqual(usage.map((u) => [u.uuid, u.leased, u.pools.map((p) => [p.leasePolicyUuid, p.size, p.leased])]), [['nw-vnet1', 4, [['lp-vnet1', 100, 2]]]]);

    // teardown, twice
    for (const uuid of ['if-aaaaaaaaaaaa', 'if-bbbbbbbbbbbb', 'if-cccccccccccc']) {
      assert.equal(await c.deleteInterface(uuid), 'deleted');
      assert.equal(await c.deleteInterface(uuid), 'absent');
      assert.equal(await c.getInterface(uuid), null);
    }
    assert.deepEqual((await c.listIpLeases()).map((l) => l.ipv4Address), ['10.100.0.2'], 'only the DHCP server address stays leased');
  });

  it('the rest of the client surface: ports, MAC and IP leases by hand, services, DNS, ranges, lease-policy links', async () => {
    const { client: c } = await server();
    await operatorSetup(c);
    await c.ensureDatapath({ uuid: 'dp-node1', displayName: 'node1', dpid: '0x1', nodeId: 'vna' });

    // interface ports: the implicit one from the create, plus one added
    await c.createInterface({ uuid: 'if-pppppppppppp', mode: 'vif', networkUuid: 'nw-vnet1' });
    const port = await c.addInterfacePort('if-pppppppppppp', { datapathUuid: 'dp-node1', portName: 'if-pppppppppppp', singular: true });
    assert.deepEqual([port.interfaceUuid, port.datapathUuid, port.portName], ['if-pppppppppppp', 'dp-node1', 'if-pppppppppppp']);
    assert.deepEqual((await c.listInterfacePorts('if-pppppppppppp')).map((p) => p.portName), [null, 'if-pppppppppppp']);

    // MAC and IP leases by hand: create, read, release, attach, delete (twice: 404 is "absent")
    const ml = await c.createMacLease({ interfaceUuid: 'if-pppppppppppp', macAddress: '02:5a:00:00:00:09' });
    assert.deepEqual([ml.interfaceUuid, ml.uuid.slice(0, 3)], ['if-pppppppppppp', 'ml-']);
    const ipl = await c.createIpLease({ networkUuid: 'nw-vnet1', ipv4Address: '10.100.0.50', macLeaseUuid: ml.uuid });
    assert.deepEqual([ipl.interfaceUuid, ipl.macLeaseUuid, ipl.ipv4Address], ['if-pppppppppppp', ml.uuid, '10.100.0.50']);
    assert.equal((await c.getIpLease(ipl.uuid))?.ipv4Address, '10.100.0.50');
    assert.equal((await c.releaseIpLease(ipl.uuid)).interfaceUuid, null);
    assert.equal((await c.getInterface('if-pppppppppppp'))?.ipv4Address, undefined);
    assert.equal((await c.attachIpLease(ipl.uuid, 'if-pppppppppppp')).interfaceUuid, 'if-pppppppppppp');
    assert.equal((await c.getInterface('if-pppppppppppp'))?.ipv4Address, '10.100.0.50');
    await assert.rejects(c.createIpLease({ networkUuid: 'nw-vnet1', ipv4Address: '10.200.0.1', macLeaseUuid: ml.uuid }), isCode('110'));
    assert.equal(await c.deleteIpLease(ipl.uuid), 'deleted');
    assert.equal(await c.getIpLease(ipl.uuid), null);
    assert.equal(await c.deleteMacLease(ml.uuid), 'deleted');
    assert.equal(await c.deleteMacLease(ml.uuid), 'absent');

    // network services and a DNS service on one
    const svc = await c.createNetworkService({ mode: 'dns', interfaceUuid: 'if-dhcp1', displayName: 'dns1' });
    assert.deepEqual([svc.mode, svc.interfaceUuid], ['dns', 'if-dhcp1']);
    const dns = await c.createDnsService({ networkServiceUuid: svc.uuid, publicDns: '192.0.2.53' });
    assert.equal(dns.networkServiceUuid, svc.uuid);
    assert.deepEqual((await c.listNetworkServices()).map((x) => x.mode).sort(), ['dhcp', 'dns']);
    assert.equal(await c.deleteNetworkService(svc.uuid), 'deleted');
    assert.equal(await c.deleteNetworkService(svc.uuid), 'absent');
    await assert.rejects(c.createNetworkService({ mode: 'dhcp', interfaceUuid: 'if-nothere' }), isCode('100'));

    // ranges: add, list, delete
    const extra = await c.addIpRange({ ipRangeGroupUuid: 'iprg-vnet1', beginIpv4Address: '10.100.0.220', endIpv4Address: '10.100.0.230' });
    assert.equal((await c.listIpRanges('iprg-vnet1')).length, 2);
    assert.equal(await c.deleteIpRange('iprg-vnet1', extra.uuid), 'deleted');
    assert.deepEqual((await c.listIpRanges('iprg-vnet1')).map((r) => r.uuid).includes(extra.uuid), false);

    // lease-policy links: unlinking an interface keeps its lease; unlinking the network stops allocation
    await c.createInterface({ uuid: 'if-qqqqqqqqqqqq', mode: 'vif', networkUuid: 'nw-vnet1', macAddress: '02:5a:00:00:00:0a' });
    assert.equal(await c.allocateFromLeasePolicy('lp-vnet1', 'if-qqqqqqqqqqqq'), '10.100.0.100');
    assert.equal(await c.unlinkLeasePolicyInterface('lp-vnet1', 'if-qqqqqqqqqqqq'), 'deleted');
    assert.equal(await c.unlinkLeasePolicyInterface('lp-vnet1', 'if-qqqqqqqqqqqq'), 'absent');
    assert.equal((await c.getInterface('if-qqqqqqqqqqqq'))?.ipv4Address, '10.100.0.100');
    assert.equal(await c.unlinkLeasePolicyNetwork('lp-vnet1', 'nw-vnet1'), 'deleted');
    assert.deepEqual(await c.getLeasePolicyNetworks('lp-vnet1'), []);
    // A client-caused state: 400 ArgumentError in OpenVNet's shape, not a 500 (issue 13).
    await assert.rejects(c.allocateLease('lp-vnet1'), (e: unknown) => e instanceof OpenVnetError && e.code === '110' && e.status === 400 && !e.retryable);
    assert.deepEqual(await c.listDatapathNetworks('dp-node1'), []);
  });

  it('soft delete: uuid, MAC, IP and port name can be used again; uniqueness errors are 500s', async () => {
    const { client: c } = await server();
    await operatorSetup(c);
    await c.ensureDatapath({ uuid: 'dp-node1', displayName: 'node1', dpid: '0x1', nodeId: 'vna' });
    const p = { uuid: 'if-dddddddddddd', mode: 'vif' as const, ownerDatapathUuid: 'dp-node1', networkUuid: 'nw-vnet1', macAddress: '02:5a:00:00:00:04', ipv4Address: '10.100.0.20', portName: 'if-dddddddddddd' };
    await c.createInterface(p);
    const unique = (e: unknown) => e instanceof OpenVnetError && e.code === '500' && e.status === 500 && e.isUniqueViolation && e.attempts === 1;
    await assert.rejects(c.createInterface({ ...p, uuid: 'if-e1', macAddress: '02:5a:00:00:00:05', portName: 'x1' }), unique, 'same IP');
    await assert.rejects(c.createInterface({ ...p, uuid: 'if-e2', ipv4Address: '10.100.0.21', portName: 'x2' }), unique, 'same MAC');
    await assert.rejects(c.createInterface({ ...p, uuid: 'if-e3', macAddress: '02:5a:00:00:00:06', ipv4Address: '10.100.0.22' }), unique, 'same port');
    await assert.rejects(c.createInterface(p), isCode('102'));
    await assert.rejects(c.createDatapath({ uuid: 'dp-other', displayName: 'x', dpid: '0x1', nodeId: 'vna' }), unique, 'same dpid+node');
    assert.equal(await c.deleteInterface(p.uuid), 'deleted');
    const again = await c.createInterface(p);
    assert.equal(again.ipv4Address, '10.100.0.20');
    assert.notEqual(again.id, 0);
  });

  it('uuid and argument validation reach the client as typed errors', async () => {
    const { client: c } = await server();
    await operatorSetup(c);
    await assert.rejects(c.createInterface({ uuid: 'if-UPPER', mode: 'vif' }), isCode('101'));
    await assert.rejects(c.createInterface({ uuid: 'if-0123456789abcdefg', mode: 'vif' }), isCode('101'));
    await assert.rejects(c.getInterface('nw-vnet1'), isCode('101'), 'wrong prefix in the path is 400, not null');
    await assert.rejects(c.createInterface({ mode: 'vif', networkUuid: 'nw-nothere' }), (e: unknown) => e instanceof OpenVnetError && e.code === '100' && /Network#network_uuid: nw-nothere/.test(e.message));
    await assert.rejects(c.createInterface({ mode: 'vif', networkUuid: 'nw-vnet1', macAddress: '02:5a:00:00:00:07', ipv4Address: '10.0.0.1' }),
      (e: unknown) => e instanceof OpenVnetError && e.code === '110' && /IP Address 10\.0\.0\.1 not in subnet 10\.100\.0\.0\/24\./.test(e.message));
    await assert.rejects(c.createDatapath({ uuid: 'dp-x', displayName: 'x', dpid: 'nothex', nodeId: 'vna' }), isCode('110'));
    const generated = await c.createInterface({ mode: 'vif' });
    assert.match(generated.uuid, /^if-[a-z0-9]{8}$/);
  });

  it('exhausting a pool answers 500 "Run out of dynamic IP addresses", not retried', async () => {
    const { client: c } = await server();
    await c.createNetwork({ uuid: 'nw-small', displayName: 'small', ipv4Network: '10.7.0.0', ipv4Prefix: 24 });
    await c.createIpRangeGroup({ uuid: 'iprg-small' });
    await c.addIpRange({ ipRangeGroupUuid: 'iprg-small', beginIpv4Address: '10.7.0.10', endIpv4Address: '10.7.0.11' });
    await c.createLeasePolicy({ uuid: 'lp-small' });
    await c.linkLeasePolicyNetwork('lp-small', 'nw-small', 'iprg-small');
    for (let i = 1; i <= 3; i++) await c.createInterface({ uuid: `if-s${i}`, mode: 'vif', macAddress: `02:5a:00:00:01:0${i}` });
    assert.equal(await c.allocateFromLeasePolicy('lp-small', 'if-s1'), '10.7.0.10');
    assert.equal(await c.allocateFromLeasePolicy('lp-small', 'if-s2'), '10.7.0.11');
    await assert.rejects(c.allocateFromLeasePolicy('lp-small', 'if-s3'), (e: unknown) => e instanceof OpenVnetError && e.isExhausted && e.attempts === 1);
  });

  it('/api/1.0 prefix, .json suffix, query-string params and ActiveResource JSON', async () => {
    const { url } = await server();
    const c10 = new OpenVnetClient({ baseUrl: `${url}/api/1.0` });
    await c10.createNetwork({ uuid: 'nw-p', displayName: 'p', ipv4Network: '10.5.0.0' });
    const viaJson = await (await fetch(`${url}/api/networks/nw-p.json`)).json() as { uuid: string; ipv4_network: string };
    assert.deepEqual([viaJson.uuid, viaJson.ipv4_network], ['nw-p', '10.5.0.0']);
    const viaBoth = await fetch(`${url}/api/1.0/networks/nw-p.json`);
    assert.equal(viaBoth.status, 200);
    const q = await fetch(`${url}/api/datapaths?uuid=dp-q&display_name=q&dpid=0x5&node_id=vna`, { method: 'POST' });
    assert.equal(q.status, 200);
    const ar = await fetch(`${url}/api/1.0/interfaces.json`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ interface: { uuid: 'if-ar', mode: 'vif', network_uuid: 'nw-p', mac_address: '02:5a:00:00:02:01', ipv4_address: '10.5.0.9' } }) });
    assert.equal(ar.status, 200);
    assert.equal((await c10.getInterface('if-ar'))?.ipv4Address, '10.5.0.9');
    const del = await fetch(`${url}/api/interfaces/if-ar.json`, { method: 'DELETE' });
    assert.deepEqual(await del.json(), ['if-ar']);
  });

  it('persists state to a file and reloads it', async () => {
    const stateFile = path.join(dir, 'state.json');
    const first = await server({ stateFile });
    await operatorSetup(first.client);
    await first.client.createInterface({ uuid: 'if-p1', mode: 'vif', macAddress: '02:5a:00:00:03:01' });
    assert.equal(await first.client.allocateFromLeasePolicy('lp-vnet1', 'if-p1'), '10.100.0.100');
    await first.client.deleteInterface('if-dhcp1');
    await first.app.close();
    const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as { version: number };
    assert.equal(saved.version, 1);
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'no temp files left');

    const second = await server({ stateFile });
    assert.equal((await second.client.getInterface('if-p1'))?.ipv4Address, '10.100.0.100');
    assert.equal(await second.client.getInterface('if-dhcp1'), null, 'deleted stays deleted');
    await second.client.createInterface({ uuid: 'if-p2', mode: 'vif', macAddress: '02:5a:00:00:03:02' });
    assert.equal(await second.client.allocateFromLeasePolicy('lp-vnet1', 'if-p2'), '10.100.0.101', 'allocation continues after the last address');
  });

  it('samples/openvnet/vnet-init.sh (curl) builds the same state as --init networks.json', async () => {
    const viaScript = await server();
    const script = spawn('bash', [path.join(ROOT, 'samples/openvnet/vnet-init.sh')], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', VNET_API: viaScript.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(script);
    let stderr = '';
    script.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    script.stdout?.resume();
    assert.equal(await waitExit(script, 20000), 0, stderr);

    const viaInit = await server();
    await applyInitFile(viaInit.app, JSON.parse(readFileSync(path.join(ROOT, 'samples/openvnet/networks.json'), 'utf8')));

    const a = await snapshotSetup(viaScript.client);
    const b = await snapshotSetup(viaInit.client);
    assert.deepEqual(a, b);
    const nets = (a as { networks: Array<{ uuid: string; ipv4Network: string }> }).networks;
    assert.deepEqual(nets.map((n) => [n.uuid, n.ipv4Network]), [['nw-vnet1', '10.0.0.0'], ['nw-vnet2', '10.0.0.0'], ['nw-vnet3', '192.168.0.0']]);

    // the pools work; the search starts after the most recently leased address in the whole DB
    const got: string[] = [];
    for (const i of [1, 2, 3]) {
      await viaScript.client.createInterface({ uuid: `if-t${i}`, mode: 'vif', macAddress: `02:5a:00:00:04:0${i}` });
      got.push(await viaScript.client.allocateFromLeasePolicy(`lp-vnet${i}`, `if-t${i}`));
    }
    assert.deepEqual(got, ['10.0.0.100', '10.0.0.101', '192.168.0.100']);
  });

  it('the vnet-api command listens, applies --init, keeps --state and stops cleanly on SIGTERM', async () => {
    const stateFile = path.join(dir, 'cli-state.json');
    const child = spawn(process.execPath, [path.join(ROOT, 'src/bin/marathon-vnet.js'), 'vnet-api', '--listen', '127.0.0.1:0',
      '--init', path.join(ROOT, 'samples/openvnet/networks.json'), '--state', stateFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let errOut = '';
    child.stderr?.on('data', (d: Buffer) => (errOut += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no listen line: ${out} ${errOut}`)), 15000);
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\/api/.exec(out);
        if (m !== null) {
          clearTimeout(t);
          resolve(m[1]);
        }
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${errOut}`)));
    });
    assert.match(out, /21 created/);
    assert.equal(errOut, '', 'no warning on loopback');
    const c = new OpenVnetClient({ baseUrl: url });
    assert.equal((await c.listNetworks()).length, 3);
    child.kill('SIGTERM');
    assert.equal(await waitExit(child, 5000), 0);
    assert.ok(existsSync(stateFile));
  });
});
