// Networks on Linux bridges (issue 19): `vnet-driver setup --bridge-type linux` gives every network
// its own bridge, so two networks never share an L2 segment — even nw-vnet1 and nw-vnet2 with the
// same subnet: an ARP for an address on one network is not answered from the other.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cniEnv, mesosStdin, must, NetFixture, runDriver, startVnet, staticInfo, stateLeftovers, tearDown, type Vnet } from './driver-fixture';

const SAME_SUBNET = {
  networks: [
    { uuid: 'nw-vnet1', display_name: 'vnet1', ipv4_network: '10.0.0.0', ipv4_prefix: 24, network_mode: 'virtual' },
    { uuid: 'nw-vnet2', display_name: 'vnet2', ipv4_network: '10.0.0.0', ipv4_prefix: 24, network_mode: 'virtual' },
  ],
};

describe('driver: network isolation on Linux bridges (integration)', function () {
  this.timeout(60000);
  let fx: NetFixture;
  let vnet: Vnet;
  let confDir: string;

  before(async () => {
    fx = await NetFixture.create('none');
    vnet = await startVnet(SAME_SUBNET);
    confDir = path.join(fx.W, 'net.d');
  });

  after(() => tearDown(fx, vnet));

  it('setup gives each network its own bridge; an ARP on one network is not answered from the other', async () => {
    const r = await runDriver({}, '', ['setup', '--bridge', fx.bridge, '--bridge-type', 'linux', '--openvnet', vnet.url, '--datapath', `dp-${fx.R}`,
      '--dpid', `0x00cd${fx.R}${fx.R}`, '--config-dir', confDir, '--host-netns', fx.hostNsPath, '--state-dir', fx.stateDir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const conf = (nw: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(confDir, `${nw}.conf`), 'utf8')) as Record<string, unknown>;
    const [c1, c2] = [conf('nw-vnet1'), conf('nw-vnet2')];
    assert.notEqual(c1.bridge, c2.bridge);
    const members = [['a', c1, '10.0.0.51'], ['b', c2, '10.0.0.52'], ['c', c1, '10.0.0.53']] as const;
    const attached: { ns: string; cid: string; conf: Record<string, unknown> }[] = [];
    for (const [tag, c, ip] of members) {
      const ns = await fx.netns(tag);
      const cid = `iso-${tag}-${fx.R}`;
      const a = await runDriver(cniEnv('ADD', cid, ns, 'eth0'), mesosStdin(c, staticInfo(c.name as string, 'eth0', `${ip}/24`)));
      assert.equal(a.code, 0, a.stdout + a.stderr);
      attached.push({ ns, cid, conf: c });
    }
    const [a, b, c] = attached;
    // Same network: answered.
    await must('nsenter', [`--net=${c.ns}`, 'ping', '-c1', '-W2', '10.0.0.51']);
    // Other network, same subnet: no ARP answer, no neighbour entry with A's MAC.
    const cross = await fx.exec(b.ns, 'ping', ['-c2', '-W1', '10.0.0.51']);
    assert.notEqual(cross.code, 0, cross.stdout);
    const aMac = (JSON.parse(await must('nsenter', [`--net=${a.ns}`, 'ip', '-j', 'link', 'show', 'dev', 'eth0'])) as { address: string }[])[0].address;
    const neigh = JSON.parse(await must('nsenter', [`--net=${b.ns}`, 'ip', '-j', 'neigh', 'show', 'dev', 'eth0'])) as { dst: string; lladdr?: string }[];
    assert.ok(!neigh.some((n) => n.lladdr === aMac), JSON.stringify(neigh));
    for (const m of attached) {
      const d = await runDriver(cniEnv('DEL', m.cid, m.ns, 'eth0'), m.conf);
      assert.equal(d.code, 0, d.stdout + d.stderr);
    }
    assert.deepEqual(stateLeftovers(fx.stateDir), []);
  });
});
