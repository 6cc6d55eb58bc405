// A killed ADD (VNET_DRIVER_FAULT: process.exit at a named step, no rollback — like SIGKILL)
// followed by DEL, or by `vnet-driver gc` once the container is gone, leaves zero veths, OVS
// ports, state files, DHCP clients and OpenVNet interfaces; `gc --dry-run` then reports 0.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OpenVnetClient } from '../../src/openvnet/client';
import {
  cniEnv, driverConf, driverLinks, labels, mesosStdin, NetFixture, ovsPorts, plugPeer, runDriver, startDnsmasq, startVnet,
  stateLeftovers, staticInfo, tearDown, type Vnet,
} from './driver-fixture';

const STATIC_STEPS = ['veth:before', 'veth', 'container', 'port', 'register:before', 'register'];
const DHCP_STEPS = ['lease', 'dhcp:before', 'dhcp', 'routes'];

describe('driver: killed ADD then DEL or gc leaves nothing (integration, OVS, dnsmasq)', function () {
  this.timeout(120000);
  let fx: NetFixture;
  let vnet: Vnet;
  let client: OpenVnetClient;
  let confDir: string;

  before(async () => {
    fx = await NetFixture.create('ovs');
    vnet = await startVnet();
    client = new OpenVnetClient({ baseUrl: vnet.url, retries: 0 });
    const server = await plugPeer(fx, 'd', '10.0.0.2/24', '02:00:0a:00:00:02');
    // A dynamic range over the lease-policy pool; udhcpc asks for the OpenVNet address (-r).
    await startDnsmasq(fx, server, { range: ['10.0.0.100', '10.0.0.200'], netmask: '255.255.255.0' });
    confDir = path.join(fx.W, 'net.d');
    fs.mkdirSync(confDir);
    fs.writeFileSync(path.join(confDir, 'nw-vnet1.conf'), JSON.stringify(driverConf(fx, vnet, 'nw-vnet1')));
  });

  after(() => tearDown(fx, vnet));

  async function assertClean(where: string): Promise<void> {
    assert.deepEqual(stateLeftovers(fx.stateDir), [], where);
    assert.deepEqual(await driverLinks(fx), [], where);
    assert.deepEqual(await ovsPorts(fx), [], where);
    assert.deepEqual((await client.listInterfaces()).filter((i) => i.mode === 'vif'), [], where);
    const dry = await runDriver({}, '', ['gc', '--dry-run', '--config-dir', confDir]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal((dry.json as { count: number }).count, 0, `${where}: ${dry.stdout}`);
  }

  const cases = [
    ...STATIC_STEPS.map((step) => ({ step, bootproto: 'static' })),
    ...DHCP_STEPS.map((step) => ({ step, bootproto: 'dhcp' })),
  ];
  cases.forEach(({ step, bootproto }, i) => {
    const cleanup = i % 2 === 0 ? 'DEL' : 'gc';
    it(`fault at ${step} (${bootproto}), then ${cleanup}`, async () => {
      const tag = String.fromCharCode(107 + i); // k, l, …: clear of the server's 'd'
      const ns = await fx.netns(tag);
      const cid = `fault-${tag}-${fx.R}`;
      const conf = driverConf(fx, vnet, bootproto === 'static' ? 'nw-vnet3' : 'nw-vnet1');
      const info = bootproto === 'static'
        ? staticInfo('nw-vnet3', 'eth0', `192.168.0.${20 + i}/24`, { 'vnet.gateway': '192.168.0.1' })
        : { name: 'nw-vnet1', labels: labels({ 'vnet.interface': 'eth0', 'vnet.bootproto': 'dhcp' }) };
      const stdin = mesosStdin(conf, info);
      const add = await runDriver({ ...cniEnv('ADD', cid, ns, 'eth0'), VNET_DRIVER_FAULT: step }, stdin);
      assert.equal(add.code, 137, `ADD should die at ${step}: ${add.stdout}${add.stderr}`);
      assert.equal(add.stdout, '');
      assert.notDeepEqual(stateLeftovers(fx.stateDir), [], 'the killed ADD left its step log');
      if (cleanup === 'DEL') {
        const del = await runDriver(cniEnv('DEL', cid, ns, 'eth0'), stdin);
        assert.equal(del.code, 0, del.stdout + del.stderr);
        await fx.delNetns(ns);
      } else {
        await fx.delNetns(ns);
        const gc = await runDriver({}, '', ['gc', '--config-dir', confDir]);
        assert.equal(gc.code, 0, gc.stdout + gc.stderr);
        assert.ok((gc.json as { count: number }).count >= 1, gc.stdout);
      }
      await assertClean(`after fault at ${step}`);
    });
  });
});
