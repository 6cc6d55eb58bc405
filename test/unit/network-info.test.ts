import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { normalizeApp } from '../../src/core/apps/normalize';
import type { AppDefinition } from '../../src/core/apps/types';
import type { NetworkInfo } from '../../src/mesos/types';
import { assignAddresses } from '../../src/core/apps/address-pool';
import { macAddressesFor } from '../../src/core/network/mac';
import { LABEL, MissingAddressError, fromStatusNetworkInfos, toNetworkInfos } from '../../src/core/network/network-info';

function ok(raw: unknown): AppDefinition {
  const result = normalizeApp(raw);
  if ('violations' in result) assert.fail(JSON.stringify(result.violations));
  return result.app;
}

const SAMPLES = path.resolve(__dirname, '../../../samples/apps');
function sample(name: string): AppDefinition {
  return ok(JSON.parse(fs.readFileSync(path.join(SAMPLES, `${name}.json`), 'utf8')));
}

const NETWORKS = new Map([
  ['nw-vnet1', { subnet: '10.100.0.0/24' }],
  ['nw-vnet2', { subnet: '10.0.0.0/24' }],
  ['nw-vnet3', { subnet: '192.168.0.0/24' }],
]);

function labels(info: NetworkInfo): Record<string, string | undefined> {
  return Object.fromEntries((info.labels?.labels ?? []).map((l) => [l.key, l.value]));
}

describe('toNetworkInfos', () => {
  const vnettest = sample('vnettest');
  const macs = macAddressesFor(vnettest, 0);

  it('maps the original request to one NetworkInfo per interface, in order', () => {
    const infos = toNetworkInfos(vnettest, 0, assignAddresses(vnettest, [0], []).get(0)!, { networks: NETWORKS });
    assert.deepEqual(infos, [
      {
        name: 'nw-vnet1', ip_addresses: [{ protocol: 'IPv4' }],
        labels: { labels: [
          { key: 'vnet.interface', value: 'eth0' }, { key: 'vnet.bootproto', value: 'dhcp' },
          { key: 'vnet.mac', value: macs.get('eth0') }, { key: 'vnet.app', value: '/vnettest' }, { key: 'vnet.slot', value: '0' },
        ] },
      },
      {
        name: 'nw-vnet3', ip_addresses: [{ protocol: 'IPv4', ip_address: '192.168.0.100' }],
        labels: { labels: [
          { key: 'vnet.interface', value: 'eth1' }, { key: 'vnet.bootproto', value: 'static' },
          { key: 'vnet.address', value: '192.168.0.100/24' }, { key: 'vnet.gateway', value: '192.168.0.1' },
          { key: 'vnet.mac', value: macs.get('eth1') }, { key: 'vnet.app', value: '/vnettest' }, { key: 'vnet.slot', value: '0' },
        ] },
      },
    ]);
  });

  it('appends the agent link last, name only, labelled', () => {
    const infos = toNetworkInfos(vnettest, 0, new Map([['eth1', '192.168.0.100']]), { agentLink: 'vnet-agent-link' });
    assert.equal(infos.length, 3);
    assert.deepEqual(infos[2], { name: 'vnet-agent-link', labels: { labels: [{ key: LABEL.agentLink, value: 'true' }] } });
  });

  it('carries routes as JSON, mtu and user labels; the prefix comes from the network when no netmask is given', () => {
    const app = sample('routes');
    const infos = toNetworkInfos(app, 1, assignAddresses(app, [1], []).get(1)!, { networks: NETWORKS });
    const back = labels(infos[1]);
    assert.equal(back['vnet.address'], '10.0.0.22/24');
    assert.deepEqual(JSON.parse(back['vnet.routes']!), [
      { destination: '10.10.0.0/16', gateway: '10.0.0.254' }, { destination: '172.16.0.0/12', gateway: '10.0.0.253' },
    ]);
    assert.equal(back['vnet.mtu'], '1450');
    assert.equal(back['vnet.slot'], '1');
    assert.equal(back.tier, 'backend');
    assert.equal(back['vnet.gateway'], undefined);
    const noPrefix = ok({ id: '/p', cmd: 'c', networkInterfaces: [{ networkName: 'nw-x', bootproto: 'static', ipAddress: '10.9.0.5' }] });
    assert.equal(labels(toNetworkInfos(noPrefix, 0, new Map([['eth0', '10.9.0.5']]))[0])['vnet.address'], '10.9.0.5');
    const withNetwork = toNetworkInfos(noPrefix, 0, new Map([['eth0', '10.9.0.5']]), { networks: new Map([['nw-x', { subnet: '10.9.0.0/16' }]]) });
    assert.equal(labels(withNetwork[0])['vnet.address'], '10.9.0.5/16');
  });

  it('uses a configured MAC and the slot-specific default otherwise', () => {
    const app = ok({ id: '/m', cmd: 'c', networkInterfaces: [{ networkName: 'nw-a', macAddress: '52:54:00:00:00:01' }, { networkName: 'nw-b' }] });
    const slot0 = toNetworkInfos(app, 0, new Map()).map((i) => labels(i)['vnet.mac']);
    const slot1 = toNetworkInfos(app, 1, new Map()).map((i) => labels(i)['vnet.mac']);
    assert.equal(slot0[0], '52:54:00:00:00:01');
    assert.notEqual(slot0[1], slot1[1]);
  });

  it('refuses a static interface without an assigned address', () => {
    assert.throws(() => toNetworkInfos(vnettest, 0, new Map()), MissingAddressError);
  });
});

describe('fromStatusNetworkInfos', () => {
  const vnettest = sample('vnettest');
  const configured = toNetworkInfos(vnettest, 0, new Map([['eth1', '192.168.0.100']]), { networks: NETWORKS, agentLink: 'vnet-agent-link' });
  const macs = macAddressesFor(vnettest, 0);

  // Mesos reports from a map keyed by name: a different order, the agent link included.
  const reported: NetworkInfo[] = [
    { name: 'vnet-agent-link', ip_addresses: [{ protocol: 'IPv4', ip_address: '169.254.128.7' }] },
    { name: 'nw-vnet3', ip_addresses: [{ protocol: 'IPv4', ip_address: '192.168.0.100' }] },
    { name: 'nw-vnet1', ip_addresses: [{ protocol: 'IPv4', ip_address: '10.100.0.101' }] },
  ];

  it('matches by network name, not by position, and leaves the agent link out', () => {
    const view = fromStatusNetworkInfos(configured, reported, { agentLink: 'vnet-agent-link' });
    assert.deepEqual(view.ipAddresses, [
      { ipAddress: '10.100.0.101', protocol: 'IPv4' }, { ipAddress: '192.168.0.100', protocol: 'IPv4' },
    ]);
    assert.deepEqual(view.networkInterfaces, [
      { networkName: 'nw-vnet1', interfaceName: 'eth0', bootproto: 'dhcp', macAddress: macs.get('eth0'), ipAddress: '10.100.0.101' },
      { networkName: 'nw-vnet3', interfaceName: 'eth1', bootproto: 'static', macAddress: macs.get('eth1'), ipAddress: '192.168.0.100', prefixLength: 24, gateway: '192.168.0.1' },
    ]);
  });

  it('recognises the agent link by its label even without the option', () => {
    const view = fromStatusNetworkInfos(configured, reported);
    assert.ok(!view.ipAddresses.some((a) => a.ipAddress.startsWith('169.254.')));
    assert.equal(view.networkInterfaces.length, 2);
  });

  it('before any status: configured interfaces, no ipAddresses, DHCP without an address', () => {
    const view = fromStatusNetworkInfos(configured, undefined);
    assert.deepEqual(view.ipAddresses, []);
    assert.equal(view.networkInterfaces[0].ipAddress, undefined);
    assert.equal(view.networkInterfaces[1].ipAddress, '192.168.0.100');
  });

  it('ignores reported networks the task was not launched with', () => {
    const view = fromStatusNetworkInfos(configured, [...reported, { name: 'nw-stray', ip_addresses: [{ ip_address: '1.2.3.4' }] }]);
    assert.ok(!view.ipAddresses.some((a) => a.ipAddress === '1.2.3.4'));
  });
});
