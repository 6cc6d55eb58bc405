import assert from 'node:assert/strict';
import { formatIPv4 } from '../../src/lib/ipv4';
import { parseLenientIPv4 as parseIpv4 } from '../../src/lib/ipv4';
import { allocateAddress, candidateRanges, poolSize, type AllocationRequest } from '../../src/lib/openvnet/allocate';

const ip = (s: string): number => parseIpv4(s) as number;
const range = (a: string, b: string) => ({ begin: ip(a), end: ip(b) });

function req(over: Partial<AllocationRequest>): AllocationRequest {
  return {
    ranges: [range('10.0.0.100', '10.0.0.104')],
    network: ip('10.0.0.0'),
    prefix: 24,
    taken: new Set(),
    after: null,
    allocationType: 'incremental',
    ...over,
  };
}

describe('openvnet lease-policy allocation', () => {
  const rows: Array<[string, Partial<AllocationRequest>, string | null]> = [
    ['nothing leased yet: the lowest address', {}, '10.0.0.100'],
    ['starts just after the most recently leased address', { after: ip('10.0.0.101') }, '10.0.0.102'],
    ['a last address below the pool starts at the bottom', { after: ip('10.0.0.2') }, '10.0.0.100'],
    ['skips taken addresses', { after: ip('10.0.0.100'), taken: new Set([ip('10.0.0.101'), ip('10.0.0.102')]) }, '10.0.0.103'],
    ['wraps around after the top of the pool', { after: ip('10.0.0.104') }, '10.0.0.100'],
    ['wraps to a free address below the start', { after: ip('10.0.0.103'), taken: new Set([ip('10.0.0.104'), ip('10.0.0.100')]) }, '10.0.0.101'],
    ['exhausted', { taken: new Set(['100', '101', '102', '103', '104'].map((x) => ip(`10.0.0.${x}`))) }, null],
    ['only range ∩ subnet counts', { ranges: [range('10.0.0.250', '10.0.1.20')] }, '10.0.0.250'],
    ['the broadcast address is never handed out', { ranges: [range('10.0.0.254', '10.0.0.255')], taken: new Set([ip('10.0.0.254')]) }, null],
    ['the network address is never handed out', { ranges: [range('10.0.0.0', '10.0.0.1')] }, '10.0.0.1'],
    ['a range outside the subnet gives nothing', { ranges: [range('192.168.0.1', '192.168.0.9')] }, null],
    ['a last address in another network (shared counter) still starts above it', { after: ip('10.0.0.102'), network: ip('10.0.0.0') }, '10.0.0.103'],
    ['several ranges are searched in address order', { ranges: [range('10.0.0.200', '10.0.0.201'), range('10.0.0.10', '10.0.0.11')], after: ip('10.0.0.11') }, '10.0.0.200'],
    ['decremental goes down from the last address', { allocationType: 'decremental', after: ip('10.0.0.103') }, '10.0.0.102'],
    ['decremental with nothing leased takes the highest', { allocationType: 'decremental' }, '10.0.0.104'],
    ['decremental wraps to the top', { allocationType: 'decremental', after: ip('10.0.0.100') }, '10.0.0.104'],
    ['sticky: the MAC\'s last address when free and in the pool, whatever came after', { after: ip('10.0.0.103'), preferred: ip('10.0.0.101') }, '10.0.0.101'],
    ['sticky: a taken last address falls back to the next free one', { after: ip('10.0.0.101'), preferred: ip('10.0.0.101'), taken: new Set([ip('10.0.0.101')]) }, '10.0.0.102'],
    ['sticky: a last address outside the pool (ranges changed) falls back', { preferred: ip('10.0.0.50') }, '10.0.0.100'],
    ['sticky: never the broadcast address', { ranges: [range('10.0.0.254', '10.0.0.255')], preferred: ip('10.0.0.255') }, '10.0.0.254'],
    ['reversed range bounds are tolerated', { ranges: [{ begin: ip('10.0.0.9'), end: ip('10.0.0.5') }] }, '10.0.0.5'],
  ];
  for (const [why, over, want] of rows) {
    it(why, () => {
      const got = allocateAddress(req(over));
      assert.equal(got === null ? null : formatIPv4(got), want);
    });
  }

  it('merges overlapping ranges and counts the pool', () => {
    const merged = candidateRanges([range('10.0.0.100', '10.0.0.150'), range('10.0.0.140', '10.0.0.200'), range('10.0.0.201', '10.0.0.201')], ip('10.0.0.0'), 24);
    assert.deepEqual(merged.map((r) => [formatIPv4(r.begin), formatIPv4(r.end)]), [['10.0.0.100', '10.0.0.201']]);
    assert.equal(poolSize([range('10.0.0.100', '10.0.0.200')], ip('10.0.0.0'), 24), 101);
    assert.equal(poolSize([range('10.0.0.0', '10.0.0.255')], ip('10.0.0.0'), 24), 254);
    assert.equal(poolSize([range('10.0.0.0', '10.0.0.1')], ip('10.0.0.0'), 31), 2);
  });

  it('hands out every address of the pool exactly once before exhausting', () => {
    const taken = new Set<number>();
    let after: number | null = ip('10.0.0.150');
    for (let i = 0; i < 101; i++) {
      const a = allocateAddress(req({ ranges: [range('10.0.0.100', '10.0.0.200')], taken, after }));
      assert.notEqual(a, null);
      assert.equal(taken.has(a as number), false);
      taken.add(a as number);
      after = a;
    }
    assert.equal(allocateAddress(req({ ranges: [range('10.0.0.100', '10.0.0.200')], taken, after })), null);
  });
});
