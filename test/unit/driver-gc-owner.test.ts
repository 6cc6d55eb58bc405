// One ownership rule for gc (issue 13): with the state dir lost, a live container keeps its veth,
// its OVS port and its OpenVNet record — all three — and once its namespace is gone all three go.
// The veth carries its owner (container id, ifname, namespace path) in its ifalias, the port in
// external_ids, the record shares the host ifname.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cliGc } from '../../driver/cli/gc';
import { hostIfName } from '../../driver/cni/names';
import { ownerTag } from '../../driver/openvnet/registry';
import { ownerAlias, parseOwnerAlias } from '../../driver/plumb/link';
import { fakes, type Call } from './driver-fakes';

const CID = 'c-gc-owner';
const HOST_IF = hostIfName('vif', CID, 'eth0');
const line = (c: Call): string => [c.cmd, ...c.args].join(' ');

describe('driver: gc ownership across veth, OVS port and OpenVNet record (unit)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-driver-gc-owner-'));
    fs.writeFileSync(path.join(dir, 'nw-vnet3.conf'), JSON.stringify({
      cniVersion: '0.2.0', name: 'nw-vnet3', type: 'vnet-driver', bridge: 'br0', bridgeType: 'ovs', stateDir: path.join(dir, 'state'),
      openvnet: { url: 'http://vnmgr:9090', datapath: 'dp-unit', dpid: '0x1' },
    }));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the alias round-trips its owner; a path too long for IFALIASZ is left out', () => {
    assert.deepEqual(parseOwnerAlias(ownerAlias(CID, 'eth0', '/var/run/netns/a:b')), { containerId: CID, ifName: 'eth0', netns: '/var/run/netns/a:b' });
    assert.deepEqual(parseOwnerAlias(ownerAlias(CID, 'eth0', `/${'x'.repeat(300)}`)), { containerId: CID, ifName: 'eth0', netns: null });
    assert.equal(parseOwnerAlias('someone-else'), null);
  });

  for (const [state, netns, kept] of [['lives', '/proc/self/ns/net', true], ['is gone', '/var/run/netns/vnet-driver-unit-absent', false]] as const) {
    it(`state dir lost, the container ${state}: veth, port and record are all ${kept ? 'kept' : 'removed'}`, async () => {
      const f = fakes({
        answer: (c) => {
          if (c.cmd === 'ovs-vsctl' && c.args.includes('find')) {
            const ids = ['map', [['owner', 'vnet-driver'], ['container_id', CID], ['iface', 'eth0'], ['vnet_network', 'nw-vnet3'], ['netns', netns]]];
            return { code: 0, stdout: JSON.stringify({ headings: ['name', 'external_ids', 'ofport', 'error'], data: [[HOST_IF, ids, 3, ['set', []]]] }), stderr: '' };
          }
          if (line(c).includes('link show type veth')) {
            return { code: 0, stdout: JSON.stringify([{ ifname: HOST_IF, ifalias: ownerAlias(CID, 'eth0', netns), linkinfo: { info_kind: 'veth' } }]), stderr: '' };
          }
          return undefined;
        },
      });
      f.interfaces.set(HOST_IF, { uuid: HOST_IF, networkUuid: 'nw-vnet3', mac: '02:00:00:00:00:01', ipv4: null, portName: HOST_IF, datapath: 'dp-unit', displayName: `app eth0 ${ownerTag('dp-unit')}` });
      const report = await cliGc(f.deps, dir, false);
      assert.deepEqual(report.errors, []);
      const removed = report.items.map((i) => i.kind).sort();
      assert.deepEqual(removed, kept ? [] : ['openvnet-interface', 'ovs-port', 'veth'], JSON.stringify(report.items));
      assert.equal(f.interfaces.has(HOST_IF), kept);
      assert.equal(f.calls.some((c) => line(c).includes(`link del dev ${HOST_IF}`)), !kept);
      assert.equal(f.calls.some((c) => line(c).includes(`del-port ${HOST_IF}`)), !kept);
    });
  }
});
