import assert from 'node:assert/strict';
import {
  broadcastOf, formatIPv4, formatSubnet, isCanonicalCidr, isHostAddress, netmaskToPrefix, networkOf,
  parseAddressWithPrefix, parseCidr, parseIPv4, parseNetmask, parseSubnet, prefixToNetmask, subnetContains, toNetworkOrderUint32,
} from '../../src/lib/ipv4';

describe('ipv4 parsing and formatting', () => {
  const good: Array<[string, number]> = [
    ['0.0.0.0', 0], ['10.0.0.1', 0x0a000001], ['192.168.0.100', 0xc0a80064], ['255.255.255.255', 0xffffffff],
  ];
  for (const [text, value] of good) {
    it(`parses and formats ${text}`, () => {
      assert.equal(parseIPv4(text), value);
      assert.equal(formatIPv4(value), text);
    });
  }
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1.2.3.-4', ' 1.2.3.4', '1.2.3.4 ', '1..3.4', 'a.b.c.d', '1.2.3.4/24', '0x1.2.3.4']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(parseIPv4(bad), undefined));
  }
});

describe('netmasks and prefixes', () => {
  it('converts every prefix to a netmask and back', () => {
    for (let p = 0; p <= 32; p++) assert.equal(netmaskToPrefix(prefixToNetmask(p)), p);
    assert.equal(formatIPv4(prefixToNetmask(24)), '255.255.255.0');
    assert.equal(formatIPv4(prefixToNetmask(0)), '0.0.0.0');
    assert.equal(formatIPv4(prefixToNetmask(32)), '255.255.255.255');
  });
  it('parses dotted, bare and slashed netmasks', () => {
    assert.equal(parseNetmask('255.255.255.0'), 24);
    assert.equal(parseNetmask('255.255.240.0'), 20);
    assert.equal(parseNetmask('24'), 24);
    assert.equal(parseNetmask('/16'), 16);
    assert.equal(parseNetmask('0'), 0);
  });
  for (const bad of ['255.0.255.0', '255.255.255.1', '33', '/33', '024', '', 'x', '255.255.255']) {
    it(`rejects netmask ${JSON.stringify(bad)}`, () => assert.equal(parseNetmask(bad), undefined));
  }
});

describe('CIDR maths', () => {
  it('parses CIDRs and addresses with optional prefix', () => {
    assert.deepEqual(parseCidr('10.1.2.3/8'), { address: 0x0a010203, prefix: 8 });
    assert.equal(parseCidr('10.1.2.3'), undefined);
    assert.equal(parseCidr('10.1.2.3/33'), undefined);
    assert.deepEqual(parseAddressWithPrefix('10.0.0.5'), { address: 0x0a000005 });
    assert.deepEqual(parseAddressWithPrefix('10.0.0.5/24'), { address: 0x0a000005, prefix: 24 });
  });
  it('clears host bits in subnets and knows which CIDRs are canonical', () => {
    assert.equal(formatSubnet(parseSubnet('192.168.0.77/24')!), '192.168.0.0/24');
    assert.equal(isCanonicalCidr('10.0.0.0/8'), true);
    assert.equal(isCanonicalCidr('10.0.0.1/8'), false);
    assert.equal(isCanonicalCidr('0.0.0.0/0'), true);
  });
  it('computes network and broadcast addresses', () => {
    const a = parseIPv4('192.168.5.77')!;
    assert.equal(formatIPv4(networkOf(a, 22)), '192.168.4.0');
    assert.equal(formatIPv4(broadcastOf(a, 22)), '192.168.7.255');
    assert.equal(formatIPv4(broadcastOf(a, 32)), '192.168.5.77');
    assert.equal(formatIPv4(broadcastOf(a, 0)), '255.255.255.255');
  });
  it('tests membership', () => {
    const s = parseSubnet('10.0.0.0/24')!;
    assert.equal(subnetContains(s, parseIPv4('10.0.0.255')!), true);
    assert.equal(subnetContains(s, parseIPv4('10.0.1.0')!), false);
    assert.equal(subnetContains(parseSubnet('0.0.0.0/0')!, parseIPv4('8.8.8.8')!), true);
  });
  it('excludes network and broadcast as host addresses except in /31 and /32', () => {
    const s24 = parseSubnet('10.0.0.0/24')!;
    assert.equal(isHostAddress(s24, parseIPv4('10.0.0.0')!), false);
    assert.equal(isHostAddress(s24, parseIPv4('10.0.0.255')!), false);
    assert.equal(isHostAddress(s24, parseIPv4('10.0.0.1')!), true);
    assert.equal(isHostAddress(parseSubnet('10.0.0.0/31')!, parseIPv4('10.0.0.0')!), true);
    assert.equal(isHostAddress(parseSubnet('10.0.0.9/32')!, parseIPv4('10.0.0.9')!), true);
    assert.equal(isHostAddress(s24, parseIPv4('10.0.1.1')!), false);
  });
});

describe('ipv4: Mesos MasterInfo.ip', () => {
  it('is the address in network byte order read as a little-endian uint32, and back', () => {
    assert.equal(toNetworkOrderUint32(parseIPv4('127.0.0.1') as number), 16777343);
    for (const text of ['0.0.0.0', '10.1.2.3', '192.168.0.100', '255.255.255.254']) {
      const n = parseIPv4(text) as number;
      assert.equal(formatIPv4(toNetworkOrderUint32(toNetworkOrderUint32(n))), text);
    }
  });
});
