import assert from 'node:assert/strict';
import { normalizeApp } from '../../src/core/apps/normalize';
import type { AppDefinition } from '../../src/core/apps/types';
import { canonicalMac, isMulticastMac, isZeroMac, parseMac } from '../../src/lib/mac';
import { SLOT_WINDOW, deriveMac, macAddressesFor } from '../../src/core/network/mac';

function ok(raw: unknown): AppDefinition {
  const result = normalizeApp(raw);
  if ('violations' in result) assert.fail(JSON.stringify(result.violations));
  return result.app;
}

function appWith(id: string, names: string[], fixed: Record<string, string> = {}): AppDefinition {
  return ok({
    id, cmd: 'c',
    networkInterfaces: names.map((name, i) => ({ networkName: `nw-n${i}`, interfaceName: name, ...(fixed[name] ? { macAddress: fixed[name] } : {}) })),
  });
}

const LOCAL_UNICAST = /^02(:[0-9a-f]{2}){5}$/;

describe('MAC parsing', () => {
  it('accepts colon and hyphen forms in any case and canonicalises them', () => {
    assert.deepEqual(parseMac('02:AB:cd:00:11:ff'), [2, 0xab, 0xcd, 0, 0x11, 0xff]);
    assert.equal(canonicalMac('02-AB-CD-00-11-FF'), '02:ab:cd:00:11:ff');
  });
  for (const bad of ['02:ab:cd:00:11', '02:ab:cd:00:11:ff:00', '02ab.cd00.11ff', '02:ab-cd:00:11:ff', 'g2:ab:cd:00:11:ff', '']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(parseMac(bad), undefined));
  }
  it('recognises multicast and zero MACs', () => {
    assert.equal(isMulticastMac(parseMac('01:00:5e:00:00:01')!), true);
    assert.equal(isMulticastMac(parseMac('02:00:5e:00:00:01')!), false);
    assert.equal(isZeroMac(parseMac('00:00:00:00:00:00')!), true);
  });
});

describe('default MACs', () => {
  it('are locally administered unicast 02:… addresses', () => {
    for (let slot = 0; slot < 50; slot++) assert.match(deriveMac('/vnettest', slot, 'eth0'), LOCAL_UNICAST);
  });

  it('are deterministic in (app id, slot, interface name)', () => {
    assert.equal(deriveMac('/a', 3, 'eth1'), deriveMac('/a', 3, 'eth1'));
    const app = appWith('/a', ['eth0', 'eth1']);
    assert.deepEqual(macAddressesFor(app, 7), macAddressesFor(appWith('/a', ['eth0', 'eth1']), 7));
  });

  it('differ between slots, interfaces and apps', () => {
    assert.notEqual(deriveMac('/a', 0, 'eth0'), deriveMac('/a', 1, 'eth0'));
    assert.notEqual(deriveMac('/a', 0, 'eth0'), deriveMac('/a', 0, 'eth1'));
    assert.notEqual(deriveMac('/a', 0, 'eth0'), deriveMac('/b', 0, 'eth0'));
  });

  it('never collide within one app across many slots and interfaces', () => {
    const app = appWith('/big', ['eth0', 'eth1', 'eth2', 'data', 'mgmt']);
    const seen = new Set<string>();
    for (let slot = 0; slot < 2000; slot++) {
      for (const mac of macAddressesFor(app, slot).values()) {
        assert.ok(!seen.has(mac), `collision at slot ${slot}: ${mac}`);
        seen.add(mac);
      }
    }
    assert.equal(seen.size, 2000 * 5);
  });

  it('do not depend on the order of the interfaces', () => {
    const a = macAddressesFor(appWith('/o', ['x', 'y', 'z']), 4);
    const b = macAddressesFor(appWith('/o', ['z', 'x', 'y']), 4);
    assert.deepEqual(new Map([...a].sort()), new Map([...b].sort()));
  });

  it('use a configured macAddress as given (canonical form) and derive the rest', () => {
    const app = appWith('/f', ['eth0', 'eth1'], { eth1: '52-54-00-AA-BB-CC' });
    const macs = macAddressesFor(app, 0);
    assert.equal(macs.get('eth1'), '52:54:00:aa:bb:cc');
    assert.match(macs.get('eth0')!, LOCAL_UNICAST);
  });

  it('keep derived MACs away from a configured 02: MAC of the same app', () => {
    const derived = deriveMac('/g', 0, 'eth0');
    const app = appWith('/g', ['eth0', 'eth1'], { eth1: derived });
    const macs = macAddressesFor(app, 0);
    assert.equal(macs.get('eth1'), derived);
    assert.notEqual(macs.get('eth0'), derived);
  });

  it('the slot window is large enough for any Marathon app', () => assert.ok(SLOT_WINDOW >= 65536));
});
