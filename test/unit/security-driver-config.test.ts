// vnet-driver's CNI config: OpenVNet webapi credentials as a user name and a password *file*,
// so the parsed config (which step logs record) never holds the password.
import assert from 'node:assert/strict';
import { parseNetConf } from '../../driver/cni/config';

function conf(openvnet: Record<string, unknown>): Record<string, unknown> {
  return {
    cniVersion: '0.2.0', name: 'nw-vnet1', type: 'vnet-driver', bridge: 'br0', bridgeType: 'ovs',
    openvnet: { url: 'http://vnmgr:9090', datapath: 'dp-node1', dpid: '0x1', nodeId: 'vna', ...openvnet },
  };
}

function problems(openvnet: Record<string, unknown>): string[] {
  try {
    return parseNetConf(conf(openvnet), { hostName: 'node1', lenient: true }).problems;
  } catch (err) {
    return [String((err as Error).message)];
  }
}

describe('security: vnet-driver OpenVNet credentials in the CNI config', () => {
  it('keeps user name and password file, not a password', () => {
    const { conf: c, problems: p } = parseNetConf(conf({ username: 'driver', passwordFile: '/etc/vnet-driver/openvnet.password' }), { hostName: 'node1' });
    assert.deepEqual(p, []);
    assert.equal(c.openvnet?.username, 'driver');
    assert.equal(c.openvnet?.passwordFile, '/etc/vnet-driver/openvnet.password');
    assert.equal(JSON.stringify(c).includes('"password"'), false);
  });

  it('no credentials: nothing added', () => {
    const { conf: c } = parseNetConf(conf({}), { hostName: 'node1' });
    assert.equal(c.openvnet?.username, undefined);
    assert.equal(c.openvnet?.passwordFile, undefined);
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a user without a password file', { username: 'driver' }, /go together/],
    ['a password file without a user', { passwordFile: '/etc/p' }, /go together/],
    ['a relative password file', { username: 'driver', passwordFile: 'p.txt' }, /passwordFile: absolute path/],
    ['a colon in the user name', { username: 'a:b', passwordFile: '/etc/p' }, /username/],
    ['an inline password (it would end up in step logs)', { username: 'driver', passwordFile: '/etc/p', password: 'sekret-1' }, /openvnet\.password/],
  ];
  for (const [why, o, want] of bad) {
    it(`refuses ${why}`, () => {
      const p = problems(o);
      assert.ok(p.some((m) => want.test(m)), p.join('; '));
      assert.ok(!p.join(' ').includes('sekret-1'));
    });
  }
});
