// A killed ADD (VNET_DRIVER_FAULT: process.exit at a named step, no rollback — like SIGKILL) at
// EVERY step the ADD records, just before it and just after it, on Open vSwitch and on a Linux
// bridge. Each fault kills two ADDs: one is followed by DEL (which alone must leave nothing of its
// attachment), the other, once its namespace is gone, by `vnet-driver gc`. Then zero veths, OVS
// ports, state files, DHCP clients and OpenVNet interfaces are left, and `gc --dry-run` reports 0,
// while the bridge's other ports, a foreign `if-…` port/veth and an untagged OpenVNet record
// (all without our owner marks) survive every gc.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hostIfName } from '../../driver/cni/names';
import { OpenVnetClient } from '../../src/lib/openvnet/client';
import {
  cniEnv, driverConf, driverLinks, labels, mesosStdin, must, NetFixture, ovsPorts, PATH_ENV, plugPeer, REPO, runDriver, runDriver as runFresh, sh,
  startDnsmasq, startDriverDaemon, startVnet, stateLeftovers, staticInfo, tearDown, type BridgeKind, type DriverRun, type Vnet,
} from './driver-fixture';
import { describeNeeding } from '../helpers/requires';

type Path = 'static' | 'dhcp' | 'lease-only' | 'agent-link';

/** The steps of driver/core/attach.ts, per path that takes them (checked against the source below). */
const STEPS: Record<Path, string[]> = {
  static: ['veth', 'container', 'port', 'register'],
  dhcp: ['lease', 'dhcp', 'routes'],
  'lease-only': ['address'],
  'agent-link': ['link-address', 'veth', 'container'],
};

/** The step names ADD records, read from the code: a new step without a fault case fails here. */
function stepsInCode(): Set<string> {
  const src = fs.readFileSync(path.join(REPO, 'driver', 'core', 'attach.ts'), 'utf8');
  return new Set([...src.matchAll(/\blog\.step\('([a-z-]+)'/g)].map((m) => m[1]));
}

function faultCases(kind: BridgeKind): { fault: string; path: Path }[] {
  const out: { fault: string; path: Path }[] = [];
  for (const [p, steps] of Object.entries(STEPS) as [Path, string[]][]) {
    if (p === 'agent-link' && kind === 'ovs') continue; // no bridge involved: once is enough
    for (const step of steps) {
      if (step === 'port' && kind !== 'ovs') continue; // Linux: the port is the veth batch's `master` line
      out.push({ fault: `${step}:before`, path: p }, { fault: step, path: p });
    }
  }
  return out;
}

describe('driver: every fault step is listed (unit over the source)', () => {
  it('the fault matrix names every step attach.ts records, and no other', () => {
    const listed = new Set(Object.values(STEPS).flat());
    assert.deepEqual([...stepsInCode()].sort(), [...listed].sort());
  });
});

for (const kind of ['ovs', 'linux'] as const) {
  describeNeeding(['root', 'netns', 'dnsmasq', 'udhcpc', ...(kind === 'ovs' ? ['ovs' as const] : [])], `driver: killed ADD then DEL and gc leave nothing (integration, ${kind} bridge, dnsmasq)`, function () {
    this.timeout(180000);
    let fx: NetFixture;
    let vnet: Vnet;
    let client: OpenVnetClient;
    let confDir: string;
    let decoy: string;
    const AGENT = '10.254.0.1';

    before(async () => {
      fx = await NetFixture.create(kind);
      vnet = await startVnet();
      client = new OpenVnetClient({ baseUrl: vnet.url, retries: 0 });
      const server = await plugPeer(fx, 'd', '10.0.0.2/24', '02:00:0a:00:00:02');
      // A dynamic range over the lease-policy pool; udhcpc asks for the OpenVNet address (-r).
      await startDnsmasq(fx, server, { range: ['10.0.0.100', '10.0.0.200'], netmask: '255.255.255.0' });
      confDir = path.join(fx.W, 'net.d');
      fs.mkdirSync(confDir);
      fs.writeFileSync(path.join(confDir, 'nw-vnet1.conf'), JSON.stringify(driverConf(fx, vnet, 'nw-vnet1')));
      fs.writeFileSync(path.join(confDir, 'nw-vnet3.conf'), JSON.stringify(driverConf(fx, vnet, 'nw-vnet3')));
      fs.writeFileSync(path.join(confDir, 'vnet-agent-link.conf'), JSON.stringify(agentLinkConf()));
      // Decoys named like ours but without our marks (no owner external_id, no vnet-driver: alias,
      // no ownerTag in the display name): gc must never touch them.
      decoy = `if-${fx.R}${fx.R}`;
      await must('ip', ['-n', fx.hostNs, 'link', 'add', decoy, 'type', 'veth', 'peer', 'name', `hz${fx.R}`]);
      await must('ip', ['-n', fx.hostNs, 'link', 'set', 'dev', decoy, 'alias', 'someone-else']);
      if (kind === 'ovs') {
        await must('ovs-vsctl', [`--db=${fx.ovsDb}`, 'add-port', fx.bridge, decoy, '--', 'set', 'interface', decoy,
          'external_ids:container_id=other', 'external_ids:iface=eth0', 'external_ids:vnet_network=nw-vnet3'], { env: fx.ovsEnv });
      } else {
        await must('ip', ['-n', fx.hostNs, 'link', 'set', 'dev', decoy, 'master', fx.bridge]);
      }
      await client.createInterface({ uuid: decoy, mode: 'vif', networkUuid: 'nw-vnet3', macAddress: '02:00:00:0d:ec:01', displayName: 'another tool' });
    });

    after(() => tearDown(fx, vnet));

    function agentLinkConf(): Record<string, unknown> {
      return { cniVersion: '0.2.0', name: 'vnet-agent-link', type: 'vnet-driver', mode: 'agent-link', agentAddress: AGENT, hostNetns: fx.hostNsPath, stateDir: fx.stateDir };
    }

    function stdinFor(p: Path, i: number, which: number): Record<string, unknown> {
      switch (p) {
        case 'static':
          return mesosStdin(driverConf(fx, vnet, 'nw-vnet3'), staticInfo('nw-vnet3', 'eth0', `192.168.0.${20 + 2 * i + which}/24`, { 'vnet.gateway': '192.168.0.1' }));
        case 'dhcp':
          return mesosStdin(driverConf(fx, vnet, 'nw-vnet1'), { name: 'nw-vnet1', labels: labels({ 'vnet.interface': 'eth0', 'vnet.bootproto': 'dhcp' }) });
        case 'lease-only':
          return mesosStdin(driverConf(fx, vnet, 'nw-vnet1', { dhcp: { client: 'none' } }), { name: 'nw-vnet1', labels: labels({ 'vnet.bootproto': 'dhcp' }) });
        case 'agent-link':
          return mesosStdin(agentLinkConf(), { name: 'vnet-agent-link' });
      }
    }

    /** What carries this host ifname anywhere: veth, OVS port, step log, DHCP files, OpenVNet record. */
    async function tracesOf(hostIf: string): Promise<string[]> {
      const out: string[] = [];
      if ((await driverLinks(fx)).includes(hostIf)) out.push('veth');
      if (kind === 'ovs' && (await ovsPorts(fx)).includes(hostIf)) out.push('ovs port');
      out.push(...stateLeftovers(fx.stateDir).filter((f) => f.includes(hostIf)));
      // Agent-link reservations are files named after the address, holding the owner.
      const linkDir = path.join(fx.stateDir, 'agent-link');
      for (const f of fs.existsSync(linkDir) ? fs.readdirSync(linkDir) : []) {
        if (f !== '.lock' && fs.readFileSync(path.join(linkDir, f), 'utf8').trim() === hostIf) out.push(`agent-link/${f}`);
      }
      if (hostIf.startsWith('if-') && (await client.getInterface(hostIf)) !== null) out.push('OpenVNet interface');
      return out;
    }

    async function assertClean(where: string): Promise<void> {
      assert.deepEqual(stateLeftovers(fx.stateDir), [], where);
      assert.deepEqual((await driverLinks(fx)).filter((n) => n !== decoy), [], where);
      if (kind === 'ovs') assert.deepEqual((await ovsPorts(fx)).sort(), [decoy], where);
      assert.deepEqual((await client.listInterfaces()).filter((i) => i.mode === 'vif').map((i) => i.uuid), [decoy], where);
      const ps = await sh('ps', ['-eo', 'stat=,args=']);
      assert.deepEqual(ps.stdout.split('\n').map((l) => l.trim()).filter((l) => l.includes(fx.stateDir) && !l.startsWith('Z')), [], `${where}: a DHCP client is left`);
      const dry = await runDriver({}, '', ['gc', '--dry-run', '--config-dir', confDir]);
      assert.equal(dry.code, 0, dry.stderr);
      assert.equal((dry.json as { count: number }).count, 0, `${where}: ${dry.stdout}`);
      // The hand-plugged DHCP server's port and the decoys are still on the bridge.
      const onBridge = kind === 'ovs'
        ? (await must('ovs-vsctl', [`--db=${fx.ovsDb}`, 'list-ports', fx.bridge], { env: fx.ovsEnv })).split('\n')
        : (JSON.parse(await must('ip', ['-n', fx.hostNs, '-j', 'link', 'show', 'master', fx.bridge])) as { ifname: string }[]).map((l) => l.ifname);
      assert.ok(onBridge.includes(`hd${fx.R}`) && onBridge.includes(decoy), `${where}: ${onBridge.join(',')}`);
    }

    /**
     * Refused or cut-short ADDs (issue 13): bad config fields, a state dir that is no place for
     * files, a missing bridge, hung programs (PATH-injected stubs whose child sleeps, with a short
     * commandTimeoutMs). Each ADD answers with its error (a refusal leaves nothing), then DEL with
     * the same config succeeds, a corrected ADD succeeds, and once the namespace is gone gc
     * removes it: nothing left, nothing wedged.
     */
    interface BadCase { name: string; path: 'static' | 'agent-link'; bad: (good: Record<string, unknown>) => Record<string, unknown>; code: number; msg: RegExp; hung?: string[]; leavesLog?: boolean }
    /** The hung stubs sleep this long: 120 s, tagged with our pid so ps120 finds only ours. */
    const hungSleep = `120.${process.pid}`;
    const BAD: BadCase[] = [
      { name: 'hostNetns /etc/shadow', path: 'static', bad: (c) => ({ ...c, hostNetns: '/etc/shadow' }), code: 7, msg: /hostNetns: \/etc\/shadow is not a network namespace/ },
      { name: 'config gateway outside the subnet', path: 'static', bad: (c) => ({ ...c, gateway: '1.1.1.1' }), code: 7, msg: /gateway: 1\.1\.1\.1 is outside/ },
      { name: 'stateDir /proc/1', path: 'static', bad: (c) => ({ ...c, stateDir: '/proc/1' }), code: 7, msg: /stateDir: .*proc/ },
      { name: 'stateDir /proc/self/nonexistent', path: 'static', bad: (c) => ({ ...c, stateDir: '/proc/self/nonexistent' }), code: 7, msg: /stateDir: .*proc/ },
      { name: 'missing bridge', path: 'static', bad: (c) => ({ ...c, bridge: `vx${fx.R}` }), code: 100, msg: /bridge vx[0-9a-f]+ does not exist/ },
      { name: 'agent-link linkRange 0.0.0.0/0', path: 'agent-link', bad: (c) => ({ ...c, linkRange: '0.0.0.0/0' }), code: 7, msg: /linkRange/ },
      { name: 'hung ip', path: 'static', bad: (c) => ({ ...c, commandTimeoutMs: 300 }), code: 100, msg: /timed out/, hung: ['ip'], leavesLog: true },
      ...(kind === 'ovs' ? [{ name: 'hung ovs-vsctl', path: 'static' as const, bad: (c: Record<string, unknown>) => ({ ...c, commandTimeoutMs: 300 }), code: 100, msg: /timed out/, hung: ['ovs-vsctl'], leavesLog: true }] : []),
    ];

    // Each case in-process and through a `vnet-driver daemon` (thin plugin): the same answers.
    // Via the daemon, programs run with the daemon's PATH, so a hung case's stubs are on that
    // daemon's PATH, and a second daemon without them serves the DEL and the corrected ADD.
    for (const via of ['in-process', 'daemon'] as const) BAD.forEach((bc, j) => {
      const i = via === 'daemon' ? j + 20 : j;
      it(`refused ADD (${bc.name}, ${via}): then DEL, a corrected ADD and gc — nothing left, nothing wedged`, async () => {
        const ns = await fx.netns(`b${i}`);
        const cid = `bad-${i}-${fx.R}`;
        const daemons: DriverDaemon[] = [];
        const runDriver = async (env: Record<string, string | undefined>, stdin: unknown, extra: string[] = []): Promise<DriverRun> => {
          if (via === 'in-process' || env.CNI_COMMAND === undefined) return runFresh(env, stdin, extra);
          const want = env.PATH ?? PATH_ENV;
          if (daemons.length === 0 || daemons[daemons.length - 1].path !== want) {
            await daemons[daemons.length - 1]?.d.stop();
            const dir = path.join(fx.W, `dm-${i}-${daemons.length}`);
            daemons.push({ path: want, d: await startDriverDaemon(dir, { PATH: want }) });
          }
          const { PATH: _path, ...rest } = env;
          const d = daemons[daemons.length - 1].d;
          const r = await runFresh({ ...rest, VNET_DRIVER_SOCKET: d.socket }, stdin, extra);
          assert.ok(d.log().includes(`${env.CNI_COMMAND} ${env.CNI_CONTAINERID} `), `served by the daemon: ${d.log()}`);
          return r;
        };
        try {
          await refusedThenClean(runDriver, bc, i, ns, cid);
        } finally {
          for (const d of daemons) await d.d.stop();
        }
      });
    });
    type DriverDaemon = { path: string; d: Awaited<ReturnType<typeof startDriverDaemon>> };

    async function refusedThenClean(runDriver: typeof runFresh, bc: BadCase, i: number, ns: string, cid: string): Promise<void> {
      {
        const hostIf = hostIfName(bc.path === 'agent-link' ? 'agent-link' : 'vif', cid, 'eth0');
        const good = bc.path === 'agent-link'
          ? mesosStdin(agentLinkConf(), { name: 'vnet-agent-link' })
          : mesosStdin(driverConf(fx, vnet, 'nw-vnet3'), staticInfo('nw-vnet3', 'eth0', `192.168.0.${120 + i}/24`, { 'vnet.gateway': '192.168.0.1' }));
        const badStdin = bc.bad(good);
        let pathEnv: Record<string, string> = {};
        if (bc.hung !== undefined) {
          const dir = path.join(fx.W, `hung-${i}`);
          fs.mkdirSync(dir, { recursive: true });
          for (const cmd of bc.hung) fs.writeFileSync(path.join(dir, cmd), `#!/bin/sh\nsleep ${hungSleep}\n`, { mode: 0o755 });
          pathEnv = { PATH: `${dir}:${PATH_ENV}` };
        }
        const add = await runDriver({ ...cniEnv('ADD', cid, ns, 'eth0'), ...pathEnv }, badStdin);
        assert.equal(add.code, 1, add.stdout + add.stderr);
        const err = add.json as { code: number; msg: string; details?: string };
        assert.equal(err.code, bc.code, add.stdout);
        assert.match(`${err.msg}: ${err.details ?? ''}`, bc.msg);
        if (bc.leavesLog !== true) assert.deepEqual(await tracesOf(hostIf), [], `a refusal changes nothing (${bc.name})`);
        assert.ok(ps120().length === 0, 'no hung program outlives the driver');

        const del = await runDriver(cniEnv('DEL', cid, ns, 'eth0'), bc.leavesLog === true ? good : badStdin);
        assert.equal(del.code, 0, del.stdout + del.stderr);
        assert.deepEqual(await tracesOf(hostIf), [], `DEL after ${bc.name}`);

        const fixed = await runDriver(cniEnv('ADD', cid, ns, 'eth0'), good);
        assert.equal(fixed.code, 0, `corrected ADD after ${bc.name}: ${fixed.stdout}${fixed.stderr}`);
        await fx.delNetns(ns);
        const gc = await runDriver({}, '', ['gc', '--config-dir', confDir]);
        assert.equal(gc.code, 0, gc.stdout + gc.stderr);
        assert.deepEqual(await tracesOf(hostIf), [], `gc after ${bc.name}`);
        await assertClean(`after ${bc.name}`);
      }
    }

    it('gc with the state dir lost: a live container keeps veth, port and record; once it is gone all three go', async () => {
      const ns = await fx.netns('lost');
      const cid = `lost-${fx.R}`;
      const hostIf = hostIfName('vif', cid, 'eth0');
      const stdin = mesosStdin(driverConf(fx, vnet, 'nw-vnet3'), staticInfo('nw-vnet3', 'eth0', '192.168.0.140/24'));
      const add = await runDriver(cniEnv('ADD', cid, ns, 'eth0'), stdin);
      assert.equal(add.code, 0, add.stdout + add.stderr);
      fs.rmSync(path.join(fx.stateDir, 'attachments'), { recursive: true, force: true });
      const all = ['veth', ...(kind === 'ovs' ? ['ovs port'] : []), 'OpenVNet interface'];
      const keep = await runDriver({}, '', ['gc', '--config-dir', confDir]);
      assert.equal(keep.code, 0, keep.stdout + keep.stderr);
      assert.deepEqual(await tracesOf(hostIf), all, `gc while the container lives: ${keep.stdout}`);
      await fx.delNetns(ns);
      const gc = await runDriver({}, '', ['gc', '--config-dir', confDir]);
      assert.equal(gc.code, 0, gc.stdout + gc.stderr);
      assert.deepEqual(await tracesOf(hostIf), [], `gc after the container is gone: ${gc.stdout}`);
      await assertClean('after gc with a lost state dir');
    });

    /**
     * Our hung stubs' sleeps still running (none may outlive the driver that started them). Their
     * argument carries the run id: a `sleep 120` of anyone else on the machine is not ours.
     */
    function ps120(): string[] {
      const out: string[] = [];
      for (const pid of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
        try {
          const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
          if (cmd[0] === 'sleep' && cmd[1] === hungSleep && fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z') out.push(pid);
        } catch {
          // gone
        }
      }
      return out;
    }

    faultCases(kind).forEach(({ fault, path: p }, i) => {
      it(`fault at ${fault} (${p}): DEL cleans one, gc the other`, async () => {
        const members = await Promise.all([0, 1].map(async (which) => {
          const ns = await fx.netns(`f${i}${'ab'[which]}`); // clear of the host 'h' and the server 'd'
          const cid = `fault-${i}-${which}-${fx.R}`;
          const ifKind = p === 'agent-link' ? 'agent-link' : 'vif';
          return { ns, cid, hostIf: hostIfName(ifKind, cid, 'eth0'), stdin: stdinFor(p, i, which) };
        }));
        const adds = await Promise.all(members.map((m) => runDriver({ ...cniEnv('ADD', m.cid, m.ns, 'eth0'), VNET_DRIVER_FAULT: fault }, m.stdin)));
        for (const add of adds) {
          assert.equal(add.code, 137, `ADD should die at ${fault}: ${add.stdout}${add.stderr}`);
          assert.equal(add.stdout, '');
        }
        for (const m of members) assert.ok(stateLeftovers(fx.stateDir).includes(`attachments/${m.hostIf}.json`), 'the killed ADD left its step log');

        // Followed by DEL (the namespace still there, as Mesos does it): nothing of it is left.
        const [byDel, byGc] = members;
        const del = await runDriver(cniEnv('DEL', byDel.cid, byDel.ns, 'eth0'), byDel.stdin);
        assert.equal(del.code, 0, del.stdout + del.stderr);
        assert.deepEqual(await tracesOf(byDel.hostIf), [], `DEL after a fault at ${fault}`);
        await fx.delNetns(byDel.ns);

        // Followed by gc once the container is gone.
        await fx.delNetns(byGc.ns);
        const gc = await runDriver({}, '', ['gc', '--config-dir', confDir]);
        assert.equal(gc.code, 0, gc.stdout + gc.stderr);
        const items = (gc.json as { items: { kind: string; name: string }[] }).items;
        assert.ok(items.some((it) => it.kind === 'attachment' && it.name === byGc.hostIf), gc.stdout);
        assert.deepEqual(await tracesOf(byGc.hostIf), [], `gc after a fault at ${fault}`);
        await assertClean(`after a fault at ${fault}`);
      });
    });
  });
}
