import assert from 'node:assert/strict';
import { broadcastOf, formatIPv4, networkOf, subnetContains } from '../../src/lib/ipv4';
import { parseLenientIPv4 as parseIpv4 } from '../../src/lib/ipv4';
import { formatMac, normaliseDpid, parseMac } from '../../src/lib/openvnet/address';

describe('openvnet address parsing', () => {
  const ipv4Rows: Array<[string, string, number | null]> = [
    ['dotted quad', '10.0.0.1', 0x0a000001],
    ['top of the space', '255.255.255.255', 0xffffffff],
    ['surrounding blanks trimmed', ' 192.168.0.2 ', 0xc0a80002],
    ['leading zeros read as decimal (parseIPv4 refuses them)', '010.000.00.1', 0x0a000001],
    ['leading zeros do not lift an octet over 255', '0256.0.0.1', null],
    ['octet over 255', '10.0.0.256', null],
    ['three octets', '10.0.0', null],
    ['cidr is not an address', '10.0.0.0/24', null],
    ['letters', 'a.b.c.d', null],
  ];
  for (const [why, text, want] of ipv4Rows) {
    it(`parseIpv4: ${why}`, () => assert.equal(parseIpv4(text) ?? null, want));
  }

  it('formatIPv4 round-trips', () => {
    for (const a of ['0.0.0.0', '10.0.0.100', '255.255.255.255', '192.168.0.200']) assert.equal(formatIPv4(parseIpv4(a) as number), a);
  });

  it('subnet maths', () => {
    const net = parseIpv4('10.0.0.0') as number;
    assert.equal(formatIPv4(networkOf(parseIpv4('10.0.0.77') as number, 24)), '10.0.0.0');
    assert.equal(formatIPv4(broadcastOf(net, 24)), '10.0.0.255');
    assert.equal(subnetContains({ network: net, prefix: 24 }, parseIpv4('10.0.0.255') as number), true);
    assert.equal(subnetContains({ network: net, prefix: 24 }, parseIpv4('10.0.1.0') as number), false);
    assert.equal(subnetContains({ network: net, prefix: 32 }, net), true);
    assert.equal(subnetContains({ network: 0, prefix: 0 }, 0xffffffff), true);
  });

  const macRows: Array<[string, string, string | null]> = [
    ['colons', '02:00:00:00:01:01', '02:00:00:00:01:01'],
    ['upper case', '52:56:01:AB:CD:EF', '52:56:01:ab:cd:ef'],
    ['dashes', '02-00-00-00-01-01', '02:00:00:00:01:01'],
    ['bare hex', '020000000101', '02:00:00:00:01:01'],
    ['mixed separators', '02:00-00:00:01:01', null],
    ['too short', '02:00:00:00:01', null],
    ['not hex', '02:00:00:00:01:zz', null],
  ];
  for (const [why, text, want] of macRows) {
    it(`parseMac: ${why}`, () => {
      const n = parseMac(text);
      assert.equal(n === null ? null : formatMac(n), want);
    });
  }

  const dpidRows: Array<[string, string, string | null]> = [
    ['0x prefix, short', '0xab', '0x00000000000000ab'],
    ['no prefix', '0000aaaaaaaaaaaa', '0x0000aaaaaaaaaaaa'],
    ['upper case normalised', '0X00000000DEADBEEF', '0x00000000deadbeef'],
    ['sixteen digits', 'ffffffffffffffff', '0xffffffffffffffff'],
    ['empty means zero', '', '0x0000000000000000'],
    ['seventeen digits', '0x1ffffffffffffffff', null],
    ['not hex', '0xgg', null],
  ];
  for (const [why, text, want] of dpidRows) {
    it(`normaliseDpid: ${why}`, () => assert.equal(normaliseDpid(text), want));
  }
});
