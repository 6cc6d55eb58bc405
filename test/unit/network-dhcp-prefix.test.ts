// DHCP interfaces get the prefix length of their OpenVNet network when it is known, and none when
// it is not; static ones keep the prefix they were launched with.
import assert from 'node:assert/strict';
import type { NetworkInfo } from '../../src/mesos/types';
import { LABEL, fromStatusNetworkInfos, leasePrefixLength } from '../../src/core/network/network-info';
import { dhcpPools } from '../../src/server/api/routes/networks';
import type { NetworkUsage } from '../../src/lib/openvnet/usage';

const NETWORKS = new Map([
  ['nw-vnet1', { subnet: '10.0.0.0/24' }],
  ['nw-wide', { subnet: '172.16.0.0/12' }],
  ['nw-vnet3', { subnet: '192.168.0.0/24' }],
]);

function configured(name: string, bootproto: 'dhcp' | 'static', address?: string): NetworkInfo {
  const labels: Array<{ key: string; value: string }> = [{ key: LABEL.interface, value: 'eth0' }, { key: LABEL.bootproto, value: bootproto }];
  if (address !== undefined) labels.push({ key: LABEL.address, value: address });
  return { name, ip_addresses: [{ protocol: 'IPv4' }], labels: { labels } };
}

function reported(name: string, ip?: string): NetworkInfo {
  return { name, ip_addresses: ip === undefined ? [] : [{ protocol: 'IPv4', ip_address: ip }] };
}

describe('leasePrefixLength', () => {
  const rows: Array<{ why: string; address: string; network?: { subnet: string }; want: number | undefined }> = [
    { why: 'address inside a known /24', address: '10.0.0.150', network: { subnet: '10.0.0.0/24' }, want: 24 },
    { why: 'address inside a known /12', address: '172.20.1.2', network: { subnet: '172.16.0.0/12' }, want: 12 },
    { why: 'network unknown', address: '10.0.0.150', want: undefined },
    { why: 'address outside the subnet: the facts do not describe it', address: '10.77.0.10', network: { subnet: '10.0.0.0/24' }, want: undefined },
    { why: 'unparsable address', address: '10.0.0', network: { subnet: '10.0.0.0/24' }, want: undefined },
    { why: 'unparsable subnet', address: '10.0.0.1', network: { subnet: 'nonsense' }, want: undefined },
  ];
  for (const r of rows) it(r.why, () => assert.equal(leasePrefixLength(r.address, r.network), r.want));
});

describe('fromStatusNetworkInfos: DHCP prefixLength', () => {
  it('fills the prefix of a leased address from the known network', () => {
    const view = fromStatusNetworkInfos([configured('nw-vnet1', 'dhcp')], [reported('nw-vnet1', '10.0.0.123')], { networks: NETWORKS });
    assert.deepEqual(view.networkInterfaces, [
      { networkName: 'nw-vnet1', interfaceName: 'eth0', bootproto: 'dhcp', ipAddress: '10.0.0.123', prefixLength: 24 },
    ]);
  });

  it('leaves it absent without network facts', () => {
    const view = fromStatusNetworkInfos([configured('nw-vnet1', 'dhcp')], [reported('nw-vnet1', '10.0.0.123')]);
    assert.equal(view.networkInterfaces[0].ipAddress, '10.0.0.123');
    assert.ok(!('prefixLength' in view.networkInterfaces[0]));
  });

  it('leaves it absent when the network is not among the facts', () => {
    const view = fromStatusNetworkInfos([configured('nw-other', 'dhcp')], [reported('nw-other', '10.0.0.123')], { networks: NETWORKS });
    assert.ok(!('prefixLength' in view.networkInterfaces[0]));
  });

  it('leaves it absent before a lease is reported (no address, no prefix)', () => {
    const view = fromStatusNetworkInfos([configured('nw-vnet1', 'dhcp')], [reported('nw-vnet1')], { networks: NETWORKS });
    assert.deepEqual(view.networkInterfaces, [{ networkName: 'nw-vnet1', interfaceName: 'eth0', bootproto: 'dhcp' }]);
  });

  it('keeps a static interface prefix from its launch label, not from the facts', () => {
    const view = fromStatusNetworkInfos([configured('nw-wide', 'static', '172.16.0.5/16')], [reported('nw-wide', '172.16.0.5')], { networks: NETWORKS });
    assert.equal(view.networkInterfaces[0].prefixLength, 16);
  });

  it('matches the facts by network name, per interface', () => {
    const view = fromStatusNetworkInfos(
      [configured('nw-vnet3', 'dhcp'), configured('nw-wide', 'dhcp')],
      [reported('nw-wide', '172.31.255.1'), reported('nw-vnet3', '192.168.0.177')],
      { networks: NETWORKS },
    );
    assert.deepEqual(view.networkInterfaces.map((n) => [n.ipAddress, n.prefixLength]), [['192.168.0.177', 24], ['172.31.255.1', 12]]);
  });
});

describe('dhcpPools (GET /v2/networks)', () => {
  const usage = (pools: NetworkUsage['pools']): NetworkUsage => ({
    uuid: 'nw-vnet1', displayName: 'vnet1', ipv4Network: '10.0.0.0', ipv4Prefix: 24, cidr: '10.0.0.0/24', mode: 'virtual', pools, leased: 3,
  });

  it('one entry per lease policy with known ranges', () => {
    assert.deepEqual(dhcpPools(usage([
      { leasePolicyUuid: 'lp-a', ipRangeGroupUuid: 'g', ranges: [{ begin: '10.0.0.100', end: '10.0.0.200' }], size: 101, leased: 2 },
      { leasePolicyUuid: 'lp-b', ipRangeGroupUuid: 'h', ranges: [{ begin: '10.0.0.10', end: '10.0.0.19' }, { begin: '10.0.0.30', end: '10.0.0.39' }], size: 20, leased: 0 },
    ])), [
      { label: 'DHCP lp-a 10.0.0.100–10.0.0.200', used: 2, total: 101 },
      { label: 'DHCP lp-b 10.0.0.10–10.0.0.19, 10.0.0.30–10.0.0.39', used: 0, total: 20 },
    ]);
  });

  it('omits a pool whose ranges are unknown (real OpenVNet) instead of inventing one', () => {
    assert.deepEqual(dhcpPools(usage([{ leasePolicyUuid: 'lp-a', ranges: [], size: 0, leased: 0 }])), []);
  });

  it('never reports more used than total', () => {
    const [p] = dhcpPools(usage([{ leasePolicyUuid: 'lp-a', ranges: [{ begin: '10.0.0.0', end: '10.0.0.1' }], size: 1, leased: 2 }]));
    assert.equal(p.used, 1);
  });
});
