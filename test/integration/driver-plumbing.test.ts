// Two containers on one virtual network reach each other through the driver's plumbing, on a
// Linux bridge and on Open vSwitch (userspace datapath), with results in the 1.0.0 shape.
import assert from 'node:assert/strict';
import { OpenVnetClient } from '../../src/lib/openvnet/client';
import {
  cniEnv, driverConf, driverLinks, labels, mesosStdin, must, NetFixture, ovsPorts, runDriver, sh, startVnet, stateLeftovers,
  staticInfo, tearDown, type Vnet,
} from './driver-fixture';
import { describeNeeding } from '../helpers/requires';

for (const kind of ['linux', 'ovs'] as const) {
  describeNeeding(['root', 'netns', 'udhcpc', ...(kind === 'ovs' ? ['ovs' as const] : [])], `driver: two containers on one network (integration, ${kind} bridge)`, function () {
    this.timeout(60000);
    let fx: NetFixture;
    let vnet: Vnet;

    before(async () => {
      fx = await NetFixture.create(kind);
      vnet = await startVnet();
    });

    after(() => tearDown(fx, vnet));

    it('ADD two static interfaces, ping both ways, DEL leaves nothing', async () => {
      const conf = driverConf(fx, vnet, 'nw-vnet3', { cniVersion: '1.0.0' });
      const members = [
        { ns: await fx.netns('a'), cid: `a-${fx.R}`, ip: '192.168.0.11' },
        { ns: await fx.netns('b'), cid: `b-${fx.R}`, ip: '192.168.0.12' },
      ];
      for (const m of members) {
        const r = await runDriver(cniEnv('ADD', m.cid, m.ns, 'eth0'), mesosStdin(conf, staticInfo('nw-vnet3', 'eth0', `${m.ip}/24`)));
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const res = r.json as { cniVersion: string; interfaces: { name: string; sandbox?: string }[]; ips: { address: string; interface: number; version?: string }[] };
        assert.equal(res.cniVersion, '1.0.0');
        assert.equal(res.ips[0].address, `${m.ip}/24`);
        assert.equal(res.ips[0].version, undefined);
        assert.equal(res.interfaces[res.ips[0].interface].name, 'eth0');
        assert.equal(res.interfaces[res.ips[0].interface].sandbox, m.ns);
        assert.match(res.interfaces[0].name, /^if-[0-9a-f]{12}$/);
      }
      if (kind === 'ovs') {
        const rows = JSON.parse(await must('ovs-vsctl', [`--db=${fx.ovsDb}`, '--format=json', '--columns=name,external_ids', 'find', 'interface', 'external_ids:owner=vnet-driver'], { env: fx.ovsEnv })) as { data: [string, ['map', [string, string][]]][] };
        assert.equal(rows.data.length, 2);
        const ids = rows.data.map((row) => Object.fromEntries(row[1][1]));
        assert.deepEqual(ids.map((i) => i.container_id).sort(), members.map((m) => m.cid).sort());
        assert.ok(ids.every((i) => i.iface === 'eth0' && i.vnet_network === 'nw-vnet3'));
      }
      await must('nsenter', [`--net=${members[0].ns}`, 'ping', '-c2', '-i0.2', '-W2', members[1].ip]);
      await must('nsenter', [`--net=${members[1].ns}`, 'ping', '-c2', '-i0.2', '-W2', members[0].ip]);

      for (const m of members) {
        const r = await runDriver(cniEnv('DEL', m.cid, m.ns, 'eth0'), mesosStdin(conf, staticInfo('nw-vnet3', 'eth0', `${m.ip}/24`)));
        assert.equal(r.code, 0, r.stdout + r.stderr);
      }
      assert.deepEqual(stateLeftovers(fx.stateDir), []);
      assert.deepEqual(await driverLinks(fx), []);
      if (kind === 'ovs') assert.deepEqual(await ovsPorts(fx), []);
      const client = new OpenVnetClient({ baseUrl: vnet.url, retries: 0 });
      assert.deepEqual((await client.listInterfaces()).filter((i) => i.mode === 'vif'), []);
    });

    if (kind === 'linux') {
      for (const client of ['udhcpc', 'dhclient']) {
        it(`DHCP with no server answering (${client}): code 102 after the timeout, no client left, nothing stored`, async () => {
          const conf = driverConf(fx, vnet, 'nw-vnet1', { dhcp: { client, timeoutMs: 1000 } });
          const ns = await fx.netns(client === 'udhcpc' ? 'u' : 'w');
          const r = await runDriver(cniEnv('ADD', `nodhcp-${client}-${fx.R}`, ns, 'eth0'), mesosStdin(conf, { name: 'nw-vnet1', labels: labels({ 'vnet.bootproto': 'dhcp' }) }));
          assert.equal(r.code, 1);
          assert.equal((r.json as { code: number }).code, 102, r.stdout);
          const ps = await sh('ps', ['-eo', 'args']);
          assert.ok(!ps.stdout.includes(fx.stateDir), ps.stdout);
          assert.deepEqual(stateLeftovers(fx.stateDir), []);
          assert.deepEqual(await driverLinks(fx), []);
          const client2 = new OpenVnetClient({ baseUrl: vnet.url, retries: 0 });
          assert.deepEqual((await client2.listInterfaces()).filter((i) => i.mode === 'vif'), []);
        });
      }
    }
  });
}
