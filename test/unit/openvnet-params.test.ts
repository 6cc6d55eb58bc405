import assert from 'node:assert/strict';
import { P, parseParams } from '../../src/sim/openvnet/params';
import { isParamUuid, isPathUuid, randomSuffix } from '../../src/sim/openvnet/uuid';
import { vnetFailure as codeOf } from '../helpers/openvnet';

describe('openvnet uuids', () => {
  const paramRows: Array<[string, string, boolean]> = [
    ['lowercase letters and digits', 'if-3f2a9c0b1d4e', true],
    ['sixteen chars is the limit', 'if-0123456789abcdef', true],
    ['seventeen chars is too long', 'if-0123456789abcdefg', false],
    ['upper case is refused', 'if-ABC', false],
    ['underscore is refused', 'if-a_b', false],
    ['dash inside the suffix is refused', 'if-a-b', false],
    ['wrong prefix', 'nw-abc', false],
    ['no suffix', 'if-', false],
  ];
  for (const [why, value, want] of paramRows) it(`param uuid: ${why}`, () => assert.equal(isParamUuid('if', value), want));

  it('path uuids are looser: \\w after the prefix, no end anchor', () => {
    assert.equal(isPathUuid('if', 'if-ABC_def'), true);
    assert.equal(isPathUuid('if', 'if-abc.yml'), true);
    assert.equal(isPathUuid('if', 'if-'), false);
    assert.equal(isPathUuid('if', 'iff-abc'), false);
    assert.equal(isPathUuid('if', 'foo'), false);
  });

  it('generated suffixes are 8 chars of [a-z0-9]', () => {
    let n = 0;
    const s = randomSuffix((k) => Uint8Array.from({ length: k }, () => (n += 37) % 256));
    assert.match(s, /^[a-z0-9]{8}$/);
    assert.equal(isParamUuid('dp', `dp-${s}`), true);
  });
});

describe('openvnet params', () => {
  const spec = {
    uuid: P.uuid('if'),
    mode: P.required(P.enumOf(['vif', 'simulated'] as const)),
    prefix: P.int(1, 32),
    flag: P.bool(),
    ip: P.ipv4(),
    mac: P.mac(),
    dpid: P.dpid(),
    network_uuid: P.uuid('nw'),
  };

  it('drops undeclared params and coerces declared ones', () => {
    const p = parseParams(spec, { mode: 'vif', prefix: '24', flag: 'yes', ip: '10.0.0.1', mac: '02:00:00:00:00:01', dpid: '0xAB', junk: 'x' });
    assert.deepEqual({ ...p }, { mode: 'vif', prefix: 24, flag: true, ip: 0x0a000001, mac: 0x020000000001, dpid: '0x00000000000000ab' });
  });

  it('accepts every boolean spelling', () => {
    for (const t of ['1', 'true', 't', 'yes', 'y', 'TRUE']) assert.equal(parseParams(spec, { mode: 'vif', flag: t }).flag, true);
    for (const f of ['0', 'false', 'f', 'no', 'n']) assert.equal(parseParams(spec, { mode: 'vif', flag: f }).flag, false);
  });

  it('an empty value counts as absent', () => {
    assert.equal(parseParams(spec, { mode: 'vif', ip: '' }).ip, undefined);
  });

  const errorRows: Array<[string, { [k: string]: string }, string]> = [
    ['missing required param → MissingArgument', {}, '400/111'],
    ['enum outside the list → ArgumentError', { mode: 'bogus' }, '400/110'],
    ['integer out of range → ArgumentError', { mode: 'vif', prefix: '33' }, '400/110'],
    ['integer not a number → ArgumentError', { mode: 'vif', prefix: '2x' }, '400/110'],
    ['boolean gibberish → ArgumentError', { mode: 'vif', flag: 'maybe' }, '400/110'],
    ['bad IPv4 → ArgumentError', { mode: 'vif', ip: '10.0.0.300' }, '400/110'],
    ['bad MAC → ArgumentError', { mode: 'vif', mac: 'zz' }, '400/110'],
    ['bad dpid → ArgumentError', { mode: 'vif', dpid: '0xnothex' }, '400/110'],
    ['uuid param with upper case → InvalidUUID', { mode: 'vif', uuid: 'if-ABC' }, '400/101'],
    ['uuid param with the wrong prefix → InvalidUUID', { mode: 'vif', network_uuid: 'if-abc' }, '400/101'],
  ];
  for (const [why, raw, want] of errorRows) it(why, () => assert.equal(codeOf(() => parseParams(spec, raw)), want));

  it('messages follow OpenVNet', () => {
    assert.throws(() => parseParams(spec, { mode: 'vif', mac: 'zz' }), /Could not parse MAC address: zz/);
    assert.throws(() => parseParams(spec, { mode: 'vif', dpid: 'q' }), /dpid must be a 16 byte hexadecimal number/);
    assert.throws(() => parseParams(spec, { mode: 'vif', network_uuid: 'nw-X' }), /Network#network_uuid: nw-X/);
    assert.throws(() => parseParams(spec, { mode: 'x' }), /parameter validation failed.*"parameter":"mode"/);
  });
});
