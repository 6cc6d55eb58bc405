import assert from 'node:assert/strict';
import { appNetworks, deriveNetworks, normalizeNetworks, poolAddresses, poolPercent, subnetOf } from '../../src/ui/lib/networks';
import { appApiPath, appRoute, formatAddress, parseRoute } from '../../src/ui/lib/format';
import type { App } from '../../src/ui/lib/types';

const pooled: App = {
  id: '/pool',
  instances: 2,
  container: {
    networkInterfaces: [
      { networkName: 'nw-a', interfaceName: 'eth0', bootproto: 'dhcp' },
      { networkName: 'nw-b', interfaceName: 'eth1', bootproto: 'static', ipRange: '10.9.0.10-10.9.0.13' },
    ],
  },
  tasks: [
    {
      id: 'pool.instance-1._app.1',
      host: 'agent-1',
      networkInterfaces: [
        { networkName: 'nw-a', interfaceName: 'eth0', macAddress: '02:00:00:00:00:01', ipAddress: '10.1.0.5', prefixLength: 24, bootproto: 'dhcp' },
        { networkName: 'nw-b', interfaceName: 'eth1', macAddress: '02:00:00:00:00:02', ipAddress: '10.9.0.10', prefixLength: 24, bootproto: 'static' },
      ],
    },
    { id: 'pool.instance-2._app.1', networkInterfaces: [{ networkName: 'nw-b', interfaceName: 'eth1', ipAddress: '10.9.0.11', prefixLength: 24, bootproto: 'static' }] },
  ],
};

describe('UI networks model', () => {
  it('sizes static pools from lists, ranges, CIDRs and single addresses; DHCP has none', () => {
    assert.equal(poolAddresses({ bootproto: 'static', ipAddresses: ['10.0.0.1', '10.0.0.2/24'] })?.size, 2);
    assert.equal(poolAddresses({ bootproto: 'static', ipRange: '10.0.0.250-10.0.1.4' })?.size, 11);
    assert.equal(poolAddresses({ bootproto: 'static', ipRange: '10.0.0.0/29' })?.size, 6, 'usable hosts of a /29');
    assert.equal(poolAddresses({ bootproto: 'static', ipAddress: '10.0.0.7/24' })?.size, 1);
    assert.equal(poolAddresses({ bootproto: 'dhcp', ipAddress: '' }), undefined);
    assert.equal(poolAddresses({ ipAddress: '' }), undefined, 'dhcp is the default');
  });

  it('computes subnets', () => {
    assert.equal(subnetOf('10.200.0.10', 24), '10.200.0.0/24');
    assert.equal(subnetOf('192.168.7.130', 25), '192.168.7.128/25');
    assert.equal(subnetOf('10.0.0.1', 0), '0.0.0.0/0');
    assert.equal(subnetOf('10.0.0.300', 24), undefined);
  });

  it('derives networks, subnets, pool fullness and attachments from apps and tasks', () => {
    const nets = deriveNetworks([pooled, { id: '/plain' }]);
    assert.deepEqual(nets.map((n) => n.name), ['nw-a', 'nw-b']);
    const b = nets[1];
    assert.deepEqual(b.subnets, ['10.9.0.0/24']);
    assert.deepEqual(b.pools, [{ label: '/pool eth1', used: 2, total: 4 }]);
    assert.equal(poolPercent(b.pools[0]), 50);
    assert.deepEqual(b.attachments.map((a) => [a.taskId, a.interfaceName, a.address]), [
      ['pool.instance-1._app.1', 'eth1', '10.9.0.10/24'],
      ['pool.instance-2._app.1', 'eth1', '10.9.0.11/24'],
    ]);
    assert.equal(nets[0].attachments[0].macAddress, '02:00:00:00:00:01');
    assert.deepEqual(appNetworks(pooled), ['nw-a', 'nw-b']);
  });

  it('reads /v2/networks bodies in the shapes it may take', () => {
    const nets = normalizeNetworks({
      networks: [
        {
          uuid: 'nw-vnet2',
          display_name: 'vnet2',
          ipv4_network: '10.200.0.0',
          ipv4_prefix: 24,
          pools: [{ name: 'vnettest eth1', used: 1, total: 1 }, { begin: '10.200.0.20', end: '10.200.0.29', allocated: 3, size: 10 }],
          tasks: [{ taskId: 't1', appId: '/vnettest', interfaceName: 'eth1', ipAddress: '10.200.0.10', prefixLength: 24, macAddress: '02:aa' }],
        },
        { name: 'nw-vnet1', subnets: [{ cidr: '10.100.0.0/24' }, '10.101.0.0/24'] },
        'junk',
      ],
    });
    assert.deepEqual(nets.map((n) => n.name), ['nw-vnet1', 'nw-vnet2']);
    assert.deepEqual(nets[0].subnets, ['10.100.0.0/24', '10.101.0.0/24']);
    assert.deepEqual(nets[1].subnets, ['10.200.0.0/24']);
    assert.equal(nets[1].subnetsInferred, undefined, 'reported by OpenVNet');
    assert.deepEqual(nets[1].pools, [{ label: 'vnettest eth1', used: 1, total: 1 }, { label: '10.200.0.20–10.200.0.29', used: 3, total: 10 }]);
    assert.equal(nets[1].attachments[0].address, '10.200.0.10/24');
    assert.deepEqual(nets[1].apps, ['/vnettest']);
    assert.equal(poolPercent({ label: 'x', used: 1, total: 1 }), 100);
    assert.equal(poolPercent({ label: 'x', used: 0, total: 0 }), 100);
  });

  it('infers subnets from attached addresses when the server reports none', () => {
    const [n] = normalizeNetworks({ networks: [{ uuid: 'nw-x', subnets: [], tasks: [{ taskId: 't', ipAddress: '10.5.1.9', prefixLength: 16 }, { taskId: 'u', ipAddress: '10.5.2.1' }] }] });
    assert.deepEqual(n.subnets, ['10.5.0.0/16']);
    assert.equal(n.subnetsInferred, true);
  });

  it('builds API paths and hash routes for nested app ids', () => {
    assert.equal(appApiPath('/web/nginx'), '../v2/apps/web/nginx');
    assert.equal(appApiPath('/vnettest', '/versions'), '../v2/apps/vnettest/versions');
    assert.equal(appRoute('/web/nginx'), '#/apps/%2Fweb%2Fnginx');
    assert.deepEqual(parseRoute('#/apps/%2Fweb%2Fnginx'), { view: 'app', appId: '/web/nginx' });
    assert.deepEqual(parseRoute(''), { view: 'apps' });
    assert.deepEqual(parseRoute('#/networks'), { view: 'networks' });
    assert.equal(parseRoute('#/apps/%E0%A4%A').view, 'notFound');
    assert.equal(formatAddress('10.0.0.1', 24), '10.0.0.1/24');
    assert.equal(formatAddress('10.0.0.1/16', 24), '10.0.0.1/16');
  });
});
