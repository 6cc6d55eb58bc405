import assert from 'node:assert/strict';
import type { Offer } from '../../src/mesos/types';
import { checkConstraint, fieldValue, matchOffer, type MatchContext, type PlacementRequest } from '../../src/core/scheduler/match-offer';

function offer(host: string, cpus: number, mem: number, extra: Partial<Offer> = {}, ports: Array<[number, number]> = [[31000, 31005]]): Offer {
  return {
    id: { value: `o-${host}` }, framework_id: { value: 'fw' }, agent_id: { value: `ag-${host}` }, hostname: host,
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: cpus }, role: '*', allocation_info: { role: '*' } },
      { name: 'mem', type: 'SCALAR', scalar: { value: mem }, role: '*' },
      { name: 'disk', type: 'SCALAR', scalar: { value: 1000 }, role: '*' },
      { name: 'ports', type: 'RANGES', ranges: { range: ports.map(([begin, end]) => ({ begin, end })) }, role: '*' },
    ],
    attributes: [{ name: 'rack', type: 'TEXT', text: { value: 'r1' } }, { name: 'size', type: 'SCALAR', scalar: { value: 3 } }],
    ...extra,
  };
}

function req(key: string, over: Partial<PlacementRequest> = {}, needs: Partial<PlacementRequest['needs']> = {}): PlacementRequest {
  return { key, appId: '/a', constraints: [], staticAddresses: [], needs: { cpus: 1, mem: 100, disk: 0, gpus: 0, ports: [], ...needs }, ...over };
}
const EMPTY: MatchContext = { placed: [], addressesInUse: new Map() };

describe('scheduler/match-offer', () => {
  it('places several tasks per offer until resources run out, with named reasons', () => {
    const r = matchOffer(offer('h1', 2.5, 1000), [req('1'), req('2'), req('3')], EMPTY);
    assert.deepEqual(r.matched.map((m) => m.request.key), ['1', '2']);
    assert.deepEqual(r.rejected.map((x) => x.reason), ['insufficient-cpus']);
    const cpus = r.matched[0].resources.find((x) => x.name === 'cpus');
    assert.deepEqual(cpus?.scalar, { value: 1 });
    assert.deepEqual(cpus?.allocation_info, { role: '*' }, 'allocation_info copied');
  });

  it('rejects for mem, disk, gpus and ports', () => {
    assert.equal(matchOffer(offer('h', 4, 50), [req('m')], EMPTY).rejected[0]?.reason, 'insufficient-mem');
    assert.equal(matchOffer(offer('h', 4, 500), [req('d', {}, { disk: 5000 })], EMPTY).rejected[0]?.reason, 'insufficient-disk');
    assert.equal(matchOffer(offer('h', 4, 500), [req('g', {}, { gpus: 1 })], EMPTY).rejected[0]?.reason, 'insufficient-gpus');
    assert.equal(matchOffer(offer('h', 4, 500), [req('p', {}, { ports: [0, 0, 0, 0, 0, 0, 0] })], EMPTY).rejected[0]?.reason, 'insufficient-ports');
    assert.equal(matchOffer(offer('h', 4, 500), [req('p', {}, { ports: [80] })], EMPTY).rejected[0]?.reason, 'insufficient-ports');
  });

  it('picks ports in order, fixed ones exactly, and never twice', () => {
    const r = matchOffer(offer('h', 4, 500), [req('1', {}, { ports: [0, 31003] }), req('2', {}, { ports: [0] })], EMPTY);
    assert.deepEqual(r.matched[0].ports, [31000, 31003]);
    assert.deepEqual(r.matched[1].ports, [31001]);
  });

  it('acceptedResourceRoles filters by reservation role', () => {
    const o = offer('h', 4, 500);
    assert.equal(matchOffer(o, [req('r', {}, { acceptedRoles: ['prod'] })], EMPTY).rejected[0]?.reason, 'unfulfilled-role');
    assert.equal(matchOffer(o, [req('r', {}, { acceptedRoles: ['*'] })], EMPTY).matched.length, 1);
  });

  it('a static address held by another live instance is not launched twice', () => {
    const ctx: MatchContext = { placed: [], addressesInUse: new Map([['nw-1/10.0.0.5', 'other']]) };
    const r = matchOffer(offer('h', 4, 500), [req('x', { staticAddresses: ['nw-1/10.0.0.5'] }), req('y', { staticAddresses: ['nw-1/10.0.0.6'] }), req('z', { staticAddresses: ['nw-1/10.0.0.6'] })], ctx);
    assert.deepEqual(r.rejected.map((x) => [x.request.key, x.reason]), [['x', 'static-ip-held'], ['z', 'static-ip-held']]);
    assert.deepEqual(r.matched.map((m) => m.request.key), ['y']);
  });

  it('UNIQUE hostname: one per host, also within one offer', () => {
    const r = matchOffer(offer('h1', 8, 8000), [req('1', { constraints: [['hostname', 'UNIQUE']] }), req('2', { constraints: [['hostname', 'UNIQUE']] })], EMPTY);
    assert.deepEqual([r.matched.length, r.rejected[0]?.reason], [1, 'unfulfilled-constraint']);
  });

  const o = offer('h1', 8, 8000);
  const placed = (host: string, rack: string) => ({ appId: '/a', hostname: host, attributes: [{ name: 'rack', type: 'TEXT' as const, text: { value: rack } }] });
  const table: Array<[string, string[], Array<ReturnType<typeof placed>>, boolean]> = [
    ['CLUSTER with value matches', ['rack', 'CLUSTER', 'r1'], [], true],
    ['CLUSTER with other value', ['rack', 'CLUSTER', 'r2'], [], false],
    ['CLUSTER without value follows the first', ['rack', 'CLUSTER'], [placed('h9', 'r2')], false],
    ['LIKE full match', ['rack', 'LIKE', 'r[0-9]'], [], true],
    ['LIKE is anchored', ['rack', 'LIKE', 'r'], [], false],
    ['UNLIKE', ['rack', 'UNLIKE', 'r1'], [], false],
    ['UNLIKE on a missing attribute passes', ['zone', 'UNLIKE', 'x'], [], true],
    ['LIKE on a missing attribute fails', ['zone', 'LIKE', 'x'], [], false],
    ['MAX_PER under the limit', ['rack', 'MAX_PER', '2'], [placed('h2', 'r1')], true],
    ['MAX_PER at the limit', ['rack', 'MAX_PER', '2'], [placed('h2', 'r1'), placed('h3', 'r1')], false],
    ['GROUP_BY prefers the emptier group', ['rack', 'GROUP_BY'], [placed('h2', 'r1'), placed('h3', 'r2'), placed('h4', 'r1')], false],
    ['GROUP_BY waits for an unseen group when more are expected', ['rack', 'GROUP_BY', '3'], [placed('h2', 'r1'), placed('h3', 'r2')], false],
    ['GROUP_BY accepts a group not used yet', ['rack', 'GROUP_BY', '3'], [placed('h2', 'r2'), placed('h3', 'r3')], true],
    ['IS on a scalar attribute', ['size', 'IS', '3'], [], true],
    ['IS mismatch', ['rack', 'IS', 'r2'], [], false],
    ['operator case-insensitive', ['hostname', 'unique'], [placed('h1', 'r1')], false],
    ['unknown operator never matches', ['rack', 'SOMETIMES'], [], false],
  ];
  for (const [name, c, p, expected] of table) {
    it(`constraint: ${name}`, () => assert.equal(checkConstraint(c, '/a', o, p), expected));
  }

  it('fieldValue formats attribute kinds', () => {
    assert.equal(fieldValue('hostname', 'h', []), 'h');
    assert.equal(fieldValue('s', 'h', [{ name: 's', type: 'SET', set: { item: ['a', 'b'] } }]), 'a,b');
    assert.equal(fieldValue('missing', 'h', []), undefined);
  });
});
