import assert from 'node:assert/strict';
import { normalizeApp } from '../../src/core/apps/normalize';
import type { AppDefinition, NetworkInterface } from '../../src/core/apps/types';
import { formatIPv4, parseIPv4 } from '../../src/lib/ipv4';
import {
  AddressHeldError, PoolExhaustedError, addressAt, assignAddresses, firstDuplicate, firstOverlap, parseIpRange, poolOf,
} from '../../src/core/apps/address-pool';

function ok(raw: unknown): AppDefinition {
  const result = normalizeApp(raw);
  if ('violations' in result) assert.fail(JSON.stringify(result.violations));
  return result.app;
}

function staticIface(fields: Partial<NetworkInterface>): NetworkInterface {
  return { networkName: 'nw-a', interfaceName: 'eth0', bootproto: 'static', routes: [], labels: {}, ...fields };
}

function addresses(iface: NetworkInterface): string[] {
  const pool = poolOf(iface);
  assert.ok(pool);
  return Array.from({ length: pool.size }, (_, i) => formatIPv4(addressAt(pool, i)!));
}

const APP = ok({
  id: '/pool', cmd: 'c', instances: 3,
  networkInterfaces: [
    { networkName: 'nw-a', interfaceName: 'mgmt' },
    { networkName: 'nw-b', interfaceName: 'data', bootproto: 'static', ipRange: '10.0.0.50-10.0.0.59' },
    { networkName: 'nw-c', interfaceName: 'back', bootproto: 'static', ipAddresses: ['192.168.9.7', '192.168.9.3', '192.168.9.5'] },
  ],
});

describe('static pools', () => {
  it('parses ranges and CIDRs', () => {
    assert.deepEqual(parseIpRange('10.0.0.1-10.0.0.3'), { kind: 'range', first: parseIPv4('10.0.0.1'), last: parseIPv4('10.0.0.3') });
    assert.deepEqual(parseIpRange('10.0.0.0/30'), { kind: 'cidr', network: parseIPv4('10.0.0.0'), prefix: 30, hostBitsSet: false });
    assert.equal(parseIpRange('10.0.0.3-10.0.0.1'), undefined);
    assert.equal(parseIpRange('10.0.0.1'), undefined);
  });
  it('a single ipAddress (with or without prefix) is a pool of one', () => {
    assert.deepEqual(addresses(staticIface({ ipAddress: '10.0.0.9/24' })), ['10.0.0.9']);
  });
  it('a list keeps its order', () => {
    assert.deepEqual(addresses(staticIface({ ipAddresses: ['10.0.0.9', '10.0.0.2'] })), ['10.0.0.9', '10.0.0.2']);
  });
  it('a range is inclusive', () => {
    assert.deepEqual(addresses(staticIface({ ipRange: '10.0.0.254-10.0.1.1' })), ['10.0.0.254', '10.0.0.255', '10.0.1.0', '10.0.1.1']);
  });
  it('a CIDR leaves out network, broadcast and the gateway', () => {
    assert.deepEqual(addresses(staticIface({ ipRange: '10.0.0.0/29', gateway: '10.0.0.1' })), ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
    assert.deepEqual(addresses(staticIface({ ipRange: '10.0.0.0/31' })), ['10.0.0.0', '10.0.0.1']);
    assert.deepEqual(addresses(staticIface({ ipRange: '10.0.0.4/32' })), ['10.0.0.4']);
  });
  it('a /8 pool is indexed without expanding it', () => {
    const pool = poolOf(staticIface({ ipRange: '10.0.0.0/8' }))!;
    assert.equal(pool.size, 2 ** 24 - 2);
    assert.equal(formatIPv4(addressAt(pool, 2 ** 24 - 3)!), '10.255.255.254');
    assert.equal(addressAt(pool, 2 ** 24 - 2), undefined);
  });
  it('DHCP interfaces and unparseable input have no pool', () => {
    assert.equal(poolOf({ ...staticIface({ ipAddress: '10.0.0.1' }), bootproto: 'dhcp' }), undefined);
    assert.equal(poolOf(staticIface({ ipRange: 'nonsense' })), undefined);
  });
  it('finds overlaps and duplicates', () => {
    const a = poolOf(staticIface({ ipRange: '10.0.0.10-10.0.0.20' }))!;
    const b = poolOf(staticIface({ ipAddresses: ['10.0.0.30', '10.0.0.15'] }))!;
    assert.equal(formatIPv4(firstOverlap(a, b)!), '10.0.0.15');
    assert.equal(firstDuplicate(b), undefined);
    assert.equal(formatIPv4(firstDuplicate(poolOf(staticIface({ ipAddresses: ['10.0.0.1', '10.0.0.2', '10.0.0.1'] }))!)!), '10.0.0.1');
  });
});

describe('assignAddresses', () => {
  it('slot i gets address i of every static pool; DHCP interfaces get none', () => {
    const assigned = assignAddresses(APP, [0, 1, 2], []);
    assert.deepEqual([...assigned.get(0)!], [['data', '10.0.0.50'], ['back', '192.168.9.7']]);
    assert.deepEqual([...assigned.get(1)!], [['data', '10.0.0.51'], ['back', '192.168.9.3']]);
    assert.deepEqual([...assigned.get(2)!], [['data', '10.0.0.52'], ['back', '192.168.9.5']]);
  });

  it('is sticky: a replacement for a slot gets the same addresses, whatever else is asked', () => {
    const alone = assignAddresses(APP, [2], []).get(2);
    const together = assignAddresses(APP, [2, 0, 1], []).get(2);
    assert.deepEqual(alone, together);
    const again = assignAddresses(APP, [2], [
      { network: 'nw-b', address: '10.0.0.52', holder: { appId: '/pool', slot: 2 } },
      { network: 'nw-c', address: '192.168.9.5', holder: { appId: '/pool', slot: 2 } },
    ]).get(2);
    assert.deepEqual(again, alone);
  });

  it('gives different slots different addresses', () => {
    const big = ok({ id: '/big', cmd: 'c', instances: 200, networkInterfaces: [{ networkName: 'nw-a', bootproto: 'static', ipRange: '10.1.0.0/24' }] });
    const slots = Array.from({ length: 200 }, (_, i) => i);
    const all = [...assignAddresses(big, slots, []).values()].map((m) => m.get('eth0'));
    assert.equal(new Set(all).size, 200);
  });

  it('throws AddressHeldError naming the holder when another app holds the address', () => {
    assert.throws(
      () => assignAddresses(APP, [1], [{ network: 'nw-b', address: '10.0.0.51', holder: { appId: '/other', slot: 0 } }]),
      (err: unknown) => {
        assert.ok(err instanceof AddressHeldError);
        assert.equal(err.code, 'MVN_ERR_ADDRESS_HELD');
        assert.deepEqual(err.conflicts.map((c) => [c.address, c.slot, c.holder.appId, c.path]),
          [['10.0.0.51', 1, '/other', '/container/networkInterfaces(1)/ipRange']]);
        return true;
      },
    );
  });

  it('treats another slot of the same app as a holder too', () => {
    assert.throws(
      () => assignAddresses(APP, [0], [{ network: 'nw-c', address: '192.168.9.7', holder: { appId: '/pool', slot: 5 } }]),
      AddressHeldError,
    );
  });

  it('ignores the same address on another network', () => {
    assert.doesNotThrow(() => assignAddresses(APP, [0], [{ network: 'nw-x', address: '10.0.0.50', holder: { appId: '/other', slot: 0 } }]));
  });

  it('throws PoolExhaustedError for a slot beyond a pool', () => {
    assert.throws(() => assignAddresses(APP, [3], []), (err: unknown) => {
      assert.ok(err instanceof PoolExhaustedError);
      assert.equal(err.code, 'MVN_ERR_STATIC_POOL_EXHAUSTED');
      assert.deepEqual(err.exhausted, [{ interfaceName: 'back', slot: 3, size: 3 }]);
      return true;
    });
  });
});
