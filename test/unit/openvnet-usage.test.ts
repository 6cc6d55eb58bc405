import assert from 'node:assert/strict';
import { summariseNetworkUsage } from '../../src/lib/openvnet/usage';
import type { IpLease, IpRange, Network } from '../../src/lib/openvnet/types';

const network = (uuid: string, ipv4Network: string): Network => ({ id: 1, uuid, displayName: uuid.slice(3), ipv4Network, ipv4Prefix: 24, mode: 'virtual' });
const lease = (networkUuid: string, ipv4Address: string): IpLease => ({ id: 1, uuid: `il-${ipv4Address.replace(/\./g, '')}`, interfaceUuid: null, macLeaseUuid: null, networkUuid, ipv4Address, enableRouting: false });
const range = (b: string, e: string): IpRange => ({ id: 1, uuid: 'ipr-x', beginIpv4Address: b, endIpv4Address: e });

describe('openvnet network usage', () => {
  it('counts leases per network and per pool, with pool sizes', () => {
    const rows = summariseNetworkUsage({
      networks: [network('nw-a', '10.0.0.0'), network('nw-b', '10.0.0.0')],
      policyNetworks: [
        { leasePolicyUuid: 'lp-a', networks: [{ ...network('nw-a', '10.0.0.0'), ipRangeGroupUuid: 'iprg-a' }] },
        { leasePolicyUuid: 'lp-b', networks: [{ ...network('nw-b', '10.0.0.0') }] },
      ],
      rangesByGroup: new Map([['iprg-a', [range('10.0.0.100', '10.0.0.200')]]]),
      ipLeases: [lease('nw-a', '10.0.0.2'), lease('nw-a', '10.0.0.100'), lease('nw-a', '10.0.0.150'), lease('nw-b', '10.0.0.100')],
    });
    assert.deepEqual(rows.map((r) => [r.uuid, r.cidr, r.leased]), [['nw-a', '10.0.0.0/24', 3], ['nw-b', '10.0.0.0/24', 1]]);
    assert.deepEqual(rows[0].pools, [{ leasePolicyUuid: 'lp-a', ipRangeGroupUuid: 'iprg-a', ranges: [{ begin: '10.0.0.100', end: '10.0.0.200' }], size: 101, leased: 2 }]);
    assert.deepEqual(rows[1].pools, [{ leasePolicyUuid: 'lp-b', ranges: [], size: 0, leased: 0 }], 'range group unknown (real OpenVNet)');
  });
});
