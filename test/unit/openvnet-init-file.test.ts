import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { emptyState, VnetModel } from '../../src/sim/openvnet/model';
import { applyInitSpec, InitFileError } from '../../src/sim/openvnet/init-file';
import { applyInitFile, createVnetApiServer, getVnetModel } from '../../src/sim/openvnet/server';

const sample = (): unknown => JSON.parse(readFileSync(path.resolve(__dirname, '../../../samples/openvnet/networks.json'), 'utf8'));

function model(): VnetModel {
  let n = 0;
  return new VnetModel(emptyState(), { now: () => new Date(0), randomSuffix: () => `g${String(++n).padStart(7, '0')}`, randomInt: () => 0 });
}

describe('openvnet init file', () => {
  it('the sample creates the three networks, DHCP services, pools and lease policies', () => {
    const m = model();
    const r = applyInitSpec(m, sample());
    assert.equal(r.existing.length, 0);
    assert.deepEqual(m.live('networks').map((n) => n.uuid), ['nw-vnet1', 'nw-vnet2', 'nw-vnet3']);
    assert.deepEqual(m.live('interfaces').map((i) => [i.uuid, i.mode]), [['if-dhcp1', 'simulated'], ['if-dhcp2', 'simulated'], ['if-dhcp3', 'simulated']]);
    assert.deepEqual(m.live('networkServices').map((s) => [s.uuid, s.mode, s.interfaceUuid]), [['ns-dhcp1', 'dhcp', 'if-dhcp1'], ['ns-dhcp2', 'dhcp', 'if-dhcp2'], ['ns-dhcp3', 'dhcp', 'if-dhcp3']]);
    assert.deepEqual(m.live('leasePolicyNetworks').map((l) => [l.leasePolicyUuid, l.networkUuid, l.ipRangeGroupUuid]),
      [['lp-vnet1', 'nw-vnet1', 'iprg-vnet1'], ['lp-vnet2', 'nw-vnet2', 'iprg-vnet2'], ['lp-vnet3', 'nw-vnet3', 'iprg-vnet3']]);
    assert.equal(m.live('ipLeases').length, 3);
  });

  it('applying twice changes nothing', () => {
    const m = model();
    applyInitSpec(m, sample());
    const before = JSON.stringify(m.state);
    const r = applyInitSpec(m, sample());
    assert.equal(r.created.length, 0);
    assert.ok(r.existing.length >= 15);
    assert.equal(JSON.stringify(m.state), before);
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['unknown section', { netwerks: [] }, /\$\.netwerks: unknown section/],
    ['unknown field', { networks: [{ uuid: 'nw-a', ipv4_network: '10.0.0.0', subnet: 'x' }] }, /\$\.networks\[0\]\.subnet: unknown field/],
    ['bad address names the entry', { networks: [{ uuid: 'nw-a', ipv4_network: '10.0.0.999' }] }, /\$\.networks\[0\]: Could not parse IPv4/],
    ['DHCP address outside the subnet', { networks: [{ uuid: 'nw-a', ipv4_network: '10.0.0.0' }], dhcp_services: [{ network_uuid: 'nw-a', interface_uuid: 'if-d', mac_address: '02:00:00:00:00:01', ipv4_address: '10.1.0.2' }] }, /not in subnet 10\.0\.0\.0\/24/],
    ['DHCP entry without a MAC', { dhcp_services: [{ network_uuid: 'nw-a', interface_uuid: 'if-d', ipv4_address: '10.0.0.2' }] }, /mac_address: required/],
    ['link to a missing network', { ip_range_groups: [{ uuid: 'iprg-a' }], lease_policies: [{ uuid: 'lp-a', networks: [{ network_uuid: 'nw-none', ip_range_group_uuid: 'iprg-a' }] }] }, /Network#network_uuid: nw-none/],
    ['not an object', [], /\$: must be an object/],
  ];
  for (const [why, spec, re] of bad) {
    it(`refuses: ${why}`, () => {
      assert.throws(() => applyInitSpec(model(), spec), (e: unknown) => e instanceof InitFileError && e.code === 'MVN_ERR_VNET_INIT' && re.test(e.message));
    });
  }

  it('a failing init leaves a server unchanged', async () => {
    const app = createVnetApiServer();
    try {
      await assert.rejects(applyInitFile(app, { networks: [{ uuid: 'nw-ok', ipv4_network: '10.0.0.0' }, { uuid: 'nw-bad', ipv4_network: 'x' }] }));
      assert.equal(getVnetModel(app).live('networks').length, 0);
      await applyInitFile(app, sample());
      assert.equal(getVnetModel(app).live('networks').length, 3);
    } finally {
      await app.close();
    }
  });
});
