import assert from 'node:assert/strict';
import { parseLenientIPv4 as parseIpv4 } from '../../src/lib/ipv4';
import { parseMac } from '../../src/lib/openvnet/address';
import { VnetApiError } from '../../src/lib/openvnet/errors';
import { emptyState, restoreState, VnetModel } from '../../src/sim/openvnet/model';
import { vnetFailure as failure } from '../helpers/openvnet';

const ip = (s: string): number => parseIpv4(s) as number;
const mac = (s: string): number => parseMac(s) as number;

function newModel(): VnetModel {
  let t = Date.UTC(2024, 0, 1);
  let n = 0;
  return new VnetModel(emptyState(), {
    now: () => new Date((t += 1000)),
    randomSuffix: () => `r${String(++n).padStart(7, '0')}`,
    randomInt: (k) => 7 % k,
  });
}

/** A network nw-a 10.0.0.0/24 with pool .100-.102 behind lp-a, and datapath dp-h. */
function seeded(): VnetModel {
  const m = newModel();
  m.createDatapath({ uuid: 'dp-h', display_name: 'h', dpid: '0x0000000000000001', node_id: 'vna' });
  m.createNetwork({ uuid: 'nw-a', display_name: 'a', ipv4_network: ip('10.0.0.0'), ipv4_prefix: 24 });
  m.createIpRangeGroup({ uuid: 'iprg-a' });
  m.addIpRange('iprg-a', { begin_ipv4_address: ip('10.0.0.100'), end_ipv4_address: ip('10.0.0.102') });
  m.createLeasePolicy({ uuid: 'lp-a', timing: 'immediate' });
  m.linkLeasePolicyNetwork('lp-a', 'nw-a', { ip_range_group_uuid: 'iprg-a' });
  return m;
}

describe('openvnet model', () => {
  it('creates an interface with one port, a MAC lease and an IP lease', () => {
    const m = seeded();
    const itf = m.createInterface({ uuid: 'if-1', mode: 'vif', owner_datapath_uuid: 'dp-h', network_uuid: 'nw-a', mac_address: mac('02:00:00:00:00:01'), ipv4_address: ip('10.0.0.5'), port_name: 'if-1' });
    assert.equal(itf.uuid, 'if-1');
    assert.deepEqual(m.interfacePorts('if-1').map((p) => [p.datapathUuid, p.portName, p.singular]), [['dp-h', 'if-1', true]]);
    assert.equal(m.macLeasesOf('if-1').length, 1);
    assert.deepEqual(m.ipLeasesOf('if-1').map((l) => [l.networkUuid, l.ipv4Address, l.macLeaseUuid]), [['nw-a', ip('10.0.0.5'), m.macLeasesOf('if-1')[0].uuid]]);
  });

  it('an IPv4 without a network is ignored; a port row exists even without a name', () => {
    const m = seeded();
    m.createInterface({ uuid: 'if-1', mode: 'vif', ipv4_address: ip('10.0.0.5') });
    assert.equal(m.ipLeasesOf('if-1').length, 0);
    assert.deepEqual(m.interfacePorts('if-1').map((p) => [p.datapathUuid, p.portName, p.singular]), [[null, null, null]]);
  });

  it('generates uuids when omitted and refuses live duplicates with 102', () => {
    const m = seeded();
    assert.match(m.createNetwork({ ipv4_network: ip('10.1.0.0') }).uuid, /^nw-[a-z0-9]{8}$/);
    assert.equal(failure(() => m.createNetwork({ uuid: 'nw-a', ipv4_network: ip('10.1.0.0') })), '400/102');
  });

  const uniqueness: Array<[string, (m: VnetModel) => unknown]> = [
    ['same IPv4 twice in one network', (m) => m.createInterface({ mode: 'vif', network_uuid: 'nw-a', mac_address: mac('02:00:00:00:00:09'), ipv4_address: ip('10.0.0.5') })],
    ['same MAC twice anywhere', (m) => m.createInterface({ mode: 'vif', mac_address: mac('02:00:00:00:00:01') })],
    ['same port name twice on one datapath', (m) => m.createInterface({ mode: 'vif', owner_datapath_uuid: 'dp-h', port_name: 'if-1' })],
    ['same (dpid, node_id) twice', (m) => m.createDatapath({ uuid: 'dp-other', display_name: 'x', dpid: '0x0000000000000001', node_id: 'vna' })],
    ['same MAC through /mac_leases', (m) => m.createMacLease({ interface_uuid: 'if-1', mac_address: mac('02:00:00:00:00:01') })],
    ['same IPv4 through /ip_leases', (m) => m.createIpLease({ network_uuid: 'nw-a', ipv4_address: ip('10.0.0.5') })],
  ];
  for (const [why, f] of uniqueness) {
    it(`unique violation as a 500: ${why}`, () => {
      const m = seeded();
      m.createInterface({ uuid: 'if-1', mode: 'vif', owner_datapath_uuid: 'dp-h', network_uuid: 'nw-a', mac_address: mac('02:00:00:00:00:01'), ipv4_address: ip('10.0.0.5'), port_name: 'if-1' });
      const before = JSON.stringify(m.state.interfaces);
      assert.equal(failure(() => f(m)), '500/500');
      assert.equal(JSON.stringify(m.state.interfaces), before, 'a refused create inserts nothing');
    });
  }

  it('the same IPv4 in two networks and the same port name on no datapath are fine', () => {
    const m = seeded();
    m.createNetwork({ uuid: 'nw-b', ipv4_network: ip('10.0.0.0') });
    m.createInterface({ mode: 'vif', network_uuid: 'nw-a', mac_address: mac('02:00:00:00:00:01'), ipv4_address: ip('10.0.0.5'), port_name: 'p' });
    m.createInterface({ mode: 'vif', network_uuid: 'nw-b', mac_address: mac('02:00:00:00:00:02'), ipv4_address: ip('10.0.0.5'), port_name: 'p' });
    assert.equal(m.live('ipLeases').length, 2);
  });

  it('refuses an address outside the subnet with 400/110 and OpenVNet\'s message', () => {
    const m = seeded();
    assert.throws(() => m.createInterface({ mode: 'vif', network_uuid: 'nw-a', ipv4_address: ip('10.0.1.5') }),
      (e: unknown) => e instanceof VnetApiError && e.code === '110' && e.message === 'IP Address 10.0.1.5 not in subnet 10.0.0.0/24.');
  });

  it('unknown referenced uuids answer 404/100 naming the parameter', () => {
    const m = seeded();
    assert.throws(() => m.createInterface({ mode: 'vif', network_uuid: 'nw-nope' }),
      (e: unknown) => e instanceof VnetApiError && e.code === '100' && e.status === 404 && e.message === 'Network#network_uuid: nw-nope');
    assert.equal(failure(() => m.createInterface({ mode: 'vif', owner_datapath_uuid: 'dp-nope' })), '404/100');
  });

  it('deleting an interface cascades (soft) and frees its uuid, MAC, IP and port name', () => {
    const m = seeded();
    const p = { uuid: 'if-1', mode: 'vif', owner_datapath_uuid: 'dp-h', network_uuid: 'nw-a', mac_address: mac('02:00:00:00:00:01'), ipv4_address: ip('10.0.0.5'), port_name: 'if-1' };
    m.createInterface(p);
    m.createNetworkService({ mode: 'dhcp', interface_uuid: 'if-1' });
    m.allocateForInterface('lp-a', 'if-1', {});
    assert.equal(m.deleteInterface('if-1'), 'if-1');
    for (const table of ['interfaces', 'interfacePorts', 'macLeases', 'ipLeases', 'networkServices', 'leasePolicyInterfaces'] as const) {
      assert.equal(m.live(table).length, 0, `${table} emptied`);
      const deleted = m.state[table].filter((r) => r.isDeleted !== 0);
      assert.ok(deleted.length > 0, `${table} kept as soft-deleted rows`);
      for (const r of deleted) {
        assert.equal(r.isDeleted, r.id);
        assert.notEqual(r.deletedAt, null);
      }
    }
    assert.equal(failure(() => m.deleteInterface('if-1')), '404/100');
    m.createInterface(p);
    assert.equal(m.live('interfaces').length, 1);
  });

  it('deleting a network cascades to its leases and lease-policy links', () => {
    const m = seeded();
    m.createInterface({ uuid: 'if-1', mode: 'vif', network_uuid: 'nw-a', mac_address: mac('02:00:00:00:00:01'), ipv4_address: ip('10.0.0.5') });
    m.deleteNetwork('nw-a');
    assert.equal(m.live('ipLeases').length, 0);
    assert.equal(m.live('leasePolicyNetworks').length, 0);
    assert.equal(m.live('interfaces').length, 1, 'the interface itself stays');
  });

  it('deleting a datapath removes the ports on it', () => {
    const m = seeded();
    m.createInterface({ uuid: 'if-1', mode: 'vif', owner_datapath_uuid: 'dp-h', port_name: 'if-1' });
    m.deleteDatapath('dp-h');
    assert.equal(m.live('interfacePorts').length, 0);
  });

  it('lease-policy allocation: incremental from the last leased address, onto the first MAC lease', () => {
    const m = seeded();
    m.createInterface({ uuid: 'if-1', mode: 'vif', mac_address: mac('02:00:00:00:00:01') });
    m.createInterface({ uuid: 'if-2', mode: 'vif', mac_address: mac('02:00:00:00:00:02') });
    const a = m.allocateForInterface('lp-a', 'if-1', { label: 'x' });
    const b = m.allocateForInterface('lp-a', 'if-2', {});
    assert.deepEqual([a.ipv4Address, b.ipv4Address], [ip('10.0.0.100'), ip('10.0.0.101')]);
    assert.equal(a.macLeaseUuid, m.macLeasesOf('if-1')[0].uuid);
    assert.deepEqual(m.leasePolicyInterfaces('lp-a').map((i) => i.uuid), ['if-1', 'if-2']);
  });

  it('allocation starts after the most recently leased address, even a static one', () => {
    const m = seeded();
    m.createInterface({ uuid: 'if-s', mode: 'vif', network_uuid: 'nw-a', mac_address: mac('02:00:00:00:00:05'), ipv4_address: ip('10.0.0.100') });
    m.createInterface({ uuid: 'if-1', mode: 'vif', mac_address: mac('02:00:00:00:00:01') });
    assert.equal(m.allocateForInterface('lp-a', 'if-1', {}).ipv4Address, ip('10.0.0.101'));
  });

  it('exhaustion is a 500 (as OpenVNet answers it); a missing MAC lease and dhcp timing are client-caused: 400/110', () => {
    const m = seeded();
    for (let i = 1; i <= 4; i++) m.createInterface({ uuid: `if-${i}`, mode: 'vif', mac_address: mac(`02:00:00:00:00:0${i}`) });
    for (let i = 1; i <= 3; i++) m.allocateForInterface('lp-a', `if-${i}`, {});
    assert.throws(() => m.allocateForInterface('lp-a', 'if-4', {}), (e: unknown) => e instanceof VnetApiError && e.status === 500 && /Run out of dynamic IP addresses/.test(e.message));
    m.createInterface({ uuid: 'if-nomac', mode: 'vif' });
    assert.equal(failure(() => m.allocateForInterface('lp-a', 'if-nomac', {})), '400/110');
    m.createLeasePolicy({ uuid: 'lp-d', timing: 'dhcp' });
    m.linkLeasePolicyNetwork('lp-d', 'nw-a', { ip_range_group_uuid: 'iprg-a' });
    assert.equal(failure(() => m.allocateForInterface('lp-d', 'if-4', {})), '400/110');
    m.deleteInterface('if-2');
    assert.equal(m.allocateForInterface('lp-a', 'if-4', {}).ipv4Address, ip('10.0.0.101'), 'a freed address is reused');
  });

  it('allocate-first: a lease with no interface, attached and released later', () => {
    const m = seeded();
    const il = m.allocateLease('lp-a', { ip_lease_uuid: 'il-first' });
    assert.deepEqual([il.uuid, il.interfaceUuid, il.ipv4Address], ['il-first', null, ip('10.0.0.100')]);
    m.createInterface({ uuid: 'if-1', mode: 'vif', mac_address: mac('02:00:00:00:00:01') });
    const attached = m.attachIpLease('il-first', { interface_uuid: 'if-1' });
    assert.equal(attached.macLeaseUuid, m.macLeasesOf('if-1')[0].uuid);
    assert.deepEqual(m.ipLeasesOf('if-1').map((l) => l.uuid), ['il-first']);
    m.releaseIpLease('il-first');
    assert.deepEqual(m.ipLeasesOf('if-1'), []);
  });

  it('datapath networks need an interface and a MAC (or mrg-dpg)', () => {
    const m = seeded();
    m.createInterface({ uuid: 'if-host', mode: 'host', owner_datapath_uuid: 'dp-h', port_name: 'eth0' });
    assert.equal(failure(() => m.addDatapathNetwork('dp-h', 'nw-a', { interface_uuid: 'if-host' })), '404/100');
    m.createMacRangeGroup({ uuid: 'mrg-dpg' });
    m.addMacRange('mrg-dpg', { begin_mac_address: mac('52:56:01:00:00:00'), end_mac_address: mac('52:56:01:00:00:0f') });
    const link = m.addDatapathNetwork('dp-h', 'nw-a', { interface_uuid: 'if-host' });
    assert.ok(link.macAddress >= mac('52:56:01:00:00:00') && link.macAddress <= mac('52:56:01:00:00:0f'));
    assert.equal(failure(() => m.addDatapathNetwork('dp-h', 'nw-a', { interface_uuid: 'if-host' })), '400/112');
    assert.deepEqual(m.datapathNetworks('dp-h').map((n) => n.uuid), ['nw-a']);
  });

  it('a state survives a JSON round trip', () => {
    const m = seeded();
    m.createInterface({ uuid: 'if-1', mode: 'vif', mac_address: mac('02:00:00:00:00:01') });
    const again = new VnetModel(restoreState(JSON.parse(JSON.stringify(m.state))), { now: () => new Date(), randomSuffix: () => 'zzzzzzzz', randomInt: () => 0 });
    assert.equal(again.allocateForInterface('lp-a', 'if-1', {}).ipv4Address, ip('10.0.0.100'));
    assert.throws(() => restoreState({ version: 2 }));
  });
});

describe('openvnet model: sticky leases (a MAC gets back the address it last had)', () => {
  const vif = (m: VnetModel, uuid: string, macText: string): void => {
    m.createInterface({ uuid, mode: 'vif', owner_datapath_uuid: 'dp-h', network_uuid: 'nw-a', mac_address: mac(macText), port_name: uuid });
  };
  const leased = (m: VnetModel, itf: string): string => {
    const a = m.allocateForInterface('lp-a', itf, {}).ipv4Address;
    return [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');
  };

  it('a restarted task (same MAC, new interface) keeps its address; a new MAC gets the next one', () => {
    const m = seeded();
    vif(m, 'if-1', '02:00:00:00:00:01');
    vif(m, 'if-2', '02:00:00:00:00:02');
    assert.equal(leased(m, 'if-1'), '10.0.0.100');
    assert.equal(leased(m, 'if-2'), '10.0.0.101');
    for (let restart = 0; restart < 3; restart++) {
      m.deleteInterface(restart === 0 ? 'if-1' : `if-1-${restart}`);
      vif(m, `if-1-${restart + 1}`, '02:00:00:00:00:01');
      assert.equal(leased(m, `if-1-${restart + 1}`), '10.0.0.100', `restart ${restart + 1}`);
    }
    vif(m, 'if-3', '02:00:00:00:00:03');
    assert.equal(leased(m, 'if-3'), '10.0.0.102');
  });

  it('survives a restart of the OpenVNet API (state written and read back)', () => {
    const m = seeded();
    vif(m, 'if-1', '02:00:00:00:00:01');
    vif(m, 'if-2', '02:00:00:00:00:02');
    leased(m, 'if-1');
    leased(m, 'if-2');
    m.deleteInterface('if-1');
    const back = new VnetModel(restoreState(JSON.parse(JSON.stringify(m.state))), { now: () => new Date(), randomSuffix: () => 'x0000001', randomInt: () => 0 });
    vif(back, 'if-1b', '02:00:00:00:00:01');
    assert.equal(leased(back, 'if-1b'), '10.0.0.100');
    // A state written before sticky leases existed still loads (nothing remembered yet).
    const old = JSON.parse(JSON.stringify(m.state)) as Record<string, unknown>;
    delete old.leasedByMac;
    assert.deepEqual(restoreState(old).leasedByMac, {});
  });

  it('does not take an address another MAC holds now: the next free one instead', () => {
    const m = seeded();
    vif(m, 'if-1', '02:00:00:00:00:01');
    assert.equal(leased(m, 'if-1'), '10.0.0.100');
    m.deleteInterface('if-1');
    vif(m, 'if-2', '02:00:00:00:00:02');
    // .101 is next after the last leased address; then a static lease takes .100 for another MAC.
    assert.equal(leased(m, 'if-2'), '10.0.0.101');
    m.createInterface({ uuid: 'if-s', mode: 'vif', network_uuid: 'nw-a', mac_address: mac('02:00:00:00:00:09'), ipv4_address: ip('10.0.0.100'), port_name: 'if-s' });
    vif(m, 'if-1b', '02:00:00:00:00:01');
    assert.equal(leased(m, 'if-1b'), '10.0.0.102');
  });

  it('seeded simulation: live addresses stay unique, and a returning MAC whose address is free always gets it back', () => {
    let seed = 20261207;
    const rnd = (k: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % k; };
    const m = newModel();
    m.createDatapath({ uuid: 'dp-h', display_name: 'h', dpid: '0x0000000000000001', node_id: 'vna' });
    m.createNetwork({ uuid: 'nw-a', display_name: 'a', ipv4_network: ip('10.0.0.0'), ipv4_prefix: 24 });
    m.createIpRangeGroup({ uuid: 'iprg-a' });
    m.addIpRange('iprg-a', { begin_ipv4_address: ip('10.0.0.100'), end_ipv4_address: ip('10.0.0.119') });
    m.createLeasePolicy({ uuid: 'lp-a', timing: 'immediate' });
    m.linkLeasePolicyNetwork('lp-a', 'nw-a', { ip_range_group_uuid: 'iprg-a' });
    const macs = Array.from({ length: 12 }, (_, i) => `02:00:00:00:01:${i.toString(16).padStart(2, '0')}`);
    const live = new Map<string, string>(); // mac → interface uuid
    const last = new Map<string, number>(); // mac → last address
    let n = 0;
    let kept = 0;
    for (let step = 0; step < 600; step++) {
      const macText = macs[rnd(macs.length)];
      const itf = live.get(macText);
      if (itf !== undefined) {
        m.deleteInterface(itf);
        live.delete(macText);
        continue;
      }
      const uuid = `if-${++n}`;
      vif(m, uuid, macText);
      const held = new Set(m.live('ipLeases').map((l) => l.ipv4Address));
      const before = last.get(macText);
      const got = m.allocateForInterface('lp-a', uuid, {}).ipv4Address;
      if (before !== undefined && !held.has(before)) {
        assert.equal(got, before, `step ${step}: ${macText} came back to a new address`);
        kept++;
      }
      last.set(macText, got);
      live.set(macText, uuid);
      const addresses = m.live('ipLeases').map((l) => l.ipv4Address);
      assert.equal(new Set(addresses).size, addresses.length, `step ${step}: an address is leased twice`);
    }
    assert.ok(kept > 100, `only ${kept} returns checked`);
  });
});
