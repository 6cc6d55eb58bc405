// An independent CNI client: the reference libcni (Debian's golang-github-appc-cni-dev) through
// the project's test/tools/cni-harness (built by `npm test`, or here when missing), running vnet-driver as a plugin found on CNI_PATH. ADD, CHECK and DEL
// for cniVersion 0.2.0 (CHECK refused by libcni), 0.4.0 and 1.0.0; libcni passes prevResult.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DRIVER_BIN, driverConf, driverLinks, must, NetFixture, ovsPorts, PATH_ENV, REPO, sh, startDriverDaemon, startVnet, stateLeftovers, tearDown,
  type DriverDaemon, type Vnet,
} from './driver-fixture';
import { cniHarnessPath } from '../helpers/fixtures';
import { describeNeeding } from '../helpers/requires';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const harnessTool = require(path.join(REPO, 'test', 'tools', 'cni-harness', 'build.js')) as { build(out?: string): string; missingToolchain(): string };

for (const kind of ['linux', 'ovs'] as const) describeNeeding(['root', 'netns', 'cni-harness', ...(kind === 'ovs' ? ['ovs' as const] : [])], `driver: through libcni (integration, cni-harness, ${kind} bridge)`, function () {
  this.timeout(180000);
  let fx: NetFixture;
  let vnet: Vnet;
  let harness: string;
  let pluginDir: string;
  let daemon: DriverDaemon | undefined;

  before(async () => {
    fx = await NetFixture.create(kind);
    vnet = await startVnet();
    harness = harnessTool.build(cniHarnessPath());
    pluginDir = path.join(fx.W, 'bin');
    fs.mkdirSync(pluginDir);
    fs.symlinkSync(DRIVER_BIN, path.join(pluginDir, 'vnet-driver'));
  });

  after(async () => {
    await daemon?.stop();
    await tearDown(fx, vnet);
  });

  // In-process, then the same through a `vnet-driver daemon` (thin plugin; libcni passes its
  // environment, VNET_DRIVER_SOCKET included, to the plugin).
  const cases = [
    { version: '0.2.0', ip: '192.168.0.41', tag: 'a', daemon: false },
    { version: '0.4.0', ip: '192.168.0.42', tag: 'b', daemon: false },
    { version: '1.0.0', ip: '192.168.0.43', tag: 'c', daemon: false },
    { version: '0.2.0', ip: '192.168.0.44', tag: 'd', daemon: true },
    { version: '0.4.0', ip: '192.168.0.45', tag: 'e', daemon: true },
    { version: '1.0.0', ip: '192.168.0.46', tag: 'f', daemon: true },
  ];
  for (const c of cases) {
    it(`ADD, CHECK, DEL with cniVersion ${c.version}${c.daemon ? ' via vnet-driver daemon' : ''}`, async () => {
      if (c.daemon && daemon === undefined) daemon = await startDriverDaemon(path.join(fx.W, 'daemon'));
      const netconf = path.join(fx.W, `net-${c.tag}`);
      fs.mkdirSync(netconf);
      // Other runtimes' channel: the static address arrives as CNI_ARGS IP=… (libcni RuntimeConf.Args).
      fs.writeFileSync(path.join(netconf, 'nw-vnet3.conf'), JSON.stringify(driverConf(fx, vnet, 'nw-vnet3', { cniVersion: c.version, gateway: '192.168.0.1' })));
      const ns = await fx.netns(c.tag);
      const cid = `lib-${c.tag}-${fx.R}`;
      const env: NodeJS.ProcessEnv = {
        PATH: `${path.dirname(process.execPath)}:${PATH_ENV}`, NETCONFPATH: netconf, CNI_PATH: `${pluginDir}:/usr/lib/cni`,
        CNI_CACHE_DIR: path.join(fx.W, `cache-${c.tag}`), CNI_ARGS: `IgnoreUnknown=1;IP=${c.ip}/24;MAC=02:00:00:00:41:0${'abcdef'.indexOf(c.tag) + 1}`,
        ...(c.daemon ? { VNET_DRIVER_SOCKET: daemon?.socket } : { VNET_DRIVER_DAEMON: 'off' }),
      };
      const h = (cmd: string): Promise<{ code: number; stdout: string; stderr: string }> => sh(harness, [cmd, 'nw-vnet3', ns, 'eth0', cid], { env });

      const add = await h('add');
      assert.equal(add.code, 0, add.stdout + add.stderr);
      const res = JSON.parse(add.stdout) as Record<string, unknown>;
      assert.equal(res.cniVersion, c.version);
      if (c.version === '0.2.0') {
        assert.deepEqual(res.ip4, { ip: `${c.ip}/24`, gateway: '192.168.0.1', routes: [{ dst: '0.0.0.0/0', gw: '192.168.0.1' }] });
      } else {
        const ips = res.ips as { address: string; version?: string; interface: number }[];
        assert.equal(ips[0].address, `${c.ip}/24`);
        assert.equal(ips[0].version, c.version === '0.4.0' ? '4' : undefined);
        const ifs = res.interfaces as { name: string; mac?: string; sandbox?: string }[];
        assert.equal(ifs[ips[0].interface].name, 'eth0');
        assert.equal(ifs[ips[0].interface].sandbox, ns);
      }

      const check = await h('check');
      if (c.version === '0.2.0') {
        assert.equal(check.code, 1);
        assert.match(check.stderr, /configuration version "0\.2\.0" does not support the CHECK command/);
      } else {
        assert.equal(check.code, 0, check.stdout + check.stderr);
        // CHECK can fail: take the address away and it must notice.
        await must('nsenter', [`--net=${ns}`, 'ip', 'addr', 'del', `${c.ip}/24`, 'dev', 'eth0']);
        const broken = await h('check');
        assert.equal(broken.code, 1);
        assert.match(broken.stderr, /lacks/);
      }

      for (let i = 0; i < 2; i++) {
        const del = await h('del');
        assert.equal(del.code, 0, del.stdout + del.stderr);
      }
      if (c.daemon) assert.match(daemon?.log() ?? '', new RegExp(`ADD ${cid} eth0 → 0\n[^]*DEL ${cid} eth0 → 0`), 'served by the daemon');
      assert.deepEqual(stateLeftovers(fx.stateDir), []);
      assert.deepEqual(await driverLinks(fx), []);
      if (kind === 'ovs') assert.deepEqual(await ovsPorts(fx), []);
    });
  }
});
