// Real-Mesos tier (issue 19): Apache Mesos 1.11 master and agent in a namespace of the run's own,
// vnet-driver as the agent's CNI plugin (configs from `vnet-driver setup`), the embedded OpenVNet
// API, a dnsmasq fed from OpenVNet's leases, and `serve` driving the master. One cluster for all
// cases (booting one costs ~10 s); each case removes its apps and checks what it left.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OpenVnetClient } from '../../src/lib/openvnet/client';
import type { Interface } from '../../src/lib/openvnet/types';
import { http, must, RealCluster, realTierSkip, waitFor } from './mesos-cluster';

const SAMPLE = path.resolve(__dirname, '..', '..', '..', 'samples', 'apps', 'vnettest.json');

const CHECKING_CMD = "ip -4 addr show dev eth0 | grep -q 'inet 10[.]0[.]0[.]' && ip -4 addr show dev eth1 | grep -q 'inet 192[.]168[.]0[.]100/24' && exec sleep 3600";

interface TaskJson {
  id: string; state: string; stagedAt: string | null; startedAt: string | null;
  ipAddresses: { ipAddress: string }[];
  networkInterfaces?: { networkName: string; interfaceName: string; macAddress?: string; ipAddress?: string; bootproto: string }[];
}
interface AppJson { app: { tasks: TaskJson[]; deployments: unknown[]; instances: number } }

interface IpAddr { ifname: string; address: string; addr_info: { family: string; local: string; prefixlen: number }[] }

describe('real Mesos 1.11: tasks with networkInterfaces through vnet-driver', function () {
  this.timeout(180_000);
  let c: RealCluster;
  let vnet: OpenVnetClient;

  before(async function () {
    if (realTierSkip() !== null) {
      this.skip();
      return;
    }
    c = await RealCluster.start();
    vnet = new OpenVnetClient({ baseUrl: c.vnetUrl, retries: 0 });
  });

  after(async function () {
    if (c === undefined) return;
    const left = await c.close();
    assert.deepEqual(left, []);
  });

  const api = <T>(method: string, url: string, body?: unknown): ReturnType<typeof http<T>> => http<T>(c.serve.url, method, url, body);

  /**
   * Waits for exactly n running tasks and no deployment; `gone` are task ids that must have left the
   * list first (right after an agent restart serve still lists a dead container's task as running
   * until the recovered agent reports it).
   */
  async function running(appId: string, n: number, gone: readonly string[] = []): Promise<TaskJson[]> {
    return waitFor(`${n} running tasks of ${appId}${gone.length > 0 ? ` without ${gone.join(', ')}` : ''}`, async () => {
      const r = await api<AppJson>('GET', `/v2/apps${appId}`);
      if (r.status !== 200) return undefined;
      const tasks = r.body.app.tasks;
      const up = tasks.filter((t) => t.state === 'TASK_RUNNING');
      if (tasks.some((t) => gone.includes(t.id))) return undefined;
      return up.length === n && tasks.length === n && r.body.app.deployments.length === 0 ? up : undefined;
    }, 90_000);
  }

  /** The task's container: its network namespace (as the driver recorded it at ADD). */
  async function taskNetns(taskId: string): Promise<string> {
    const ct = await waitFor(`container of ${taskId}`, async () => (await c.containers()).find((x) => x.executorId === taskId));
    return c.taskNetns(taskId, ct.containerId);
  }

  async function addrs(netns: string): Promise<Map<string, { mac: string; cidrs: string[] }>> {
    const list = JSON.parse(await must('nsenter', [`--net=${netns}`, 'ip', '-j', 'addr', 'show'])) as IpAddr[];
    return new Map(list.map((l) => [l.ifname, { mac: l.address, cidrs: l.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`) }]));
  }

  async function vifs(): Promise<Interface[]> {
    return (await vnet.listInterfaces()).filter((i) => i.mode === 'vif');
  }

  async function removeApp(appId: string): Promise<void> {
    const d = await api('DELETE', `/v2/apps${appId}`);
    assert.equal(d.status, 200, d.text);
    await waitFor(`${appId} gone`, async () => ((await api('GET', `/v2/apps${appId}`)).status === 404 ? true : undefined));
    await waitFor('no containers', async () => ((await c.containers()).length === 0 ? true : undefined));
    await waitFor('no driver state', async () => (c.attachmentFiles().length === 0 ? true : undefined));
  }

  it('the seed request (busybox image, eth0 DHCP on nw-vnet1, eth1 192.168.0.100/24 gw 192.168.0.1) reaches TASK_RUNNING', async () => {
    // Verbatim but for the command: it checks, inside the image, that both addresses are there
    // before it starts (a DHCP lease that came late would fail the task).
    const app = { ...(JSON.parse(fs.readFileSync(SAMPLE, 'utf8')) as Record<string, unknown>), cmd: CHECKING_CMD };
    const created = await api('POST', '/v2/apps', app);
    assert.equal(created.status, 201, created.text);
    // Marathon sets stagedAt at launch, before the agent reports anything.
    const staged = await waitFor('a staged task', async () => (await api<AppJson>('GET', '/v2/apps/vnettest')).body.app.tasks[0]);
    assert.notEqual(staged.stagedAt, null, JSON.stringify(staged));
    const [task] = await running('/vnettest', 1);
    assert.equal((await api<{ app: { lastTaskFailure?: unknown } }>('GET', '/v2/apps/vnettest')).body.app.lastTaskFailure, undefined);
    const ips = task.ipAddresses.map((a) => a.ipAddress).sort();
    assert.equal(ips.length, 2, JSON.stringify(task));
    assert.ok(ips.includes('192.168.0.100'), ips.join(' '));
    const dhcp = ips.find((ip) => ip.startsWith('10.0.0.')) as string;
    assert.ok(dhcp !== undefined && !ips.some((ip) => ip.startsWith('169.254.')), ips.join(' '));

    // In the task's namespace: the OpenVNet-leased address came by DHCP; the MACs are OpenVNet's.
    const netns = await taskNetns(task.id);
    const inside = await addrs(netns);
    assert.deepEqual(inside.get('eth0')?.cidrs, [`${dhcp}/24`]);
    assert.deepEqual(inside.get('eth1')?.cidrs, ['192.168.0.100/24']);
    const records = await vifs();
    const byIp = new Map(records.map((r) => [r.ipv4Address, r]));
    assert.equal(byIp.get(dhcp)?.macAddress, inside.get('eth0')?.mac);
    assert.equal(byIp.get('192.168.0.100')?.macAddress, inside.get('eth1')?.mac);
    assert.equal(records.length, 2);
    // The API shows the same MACs and addresses per interface, and nothing of the agent link.
    const shown = new Map((task.networkInterfaces ?? []).map((n) => [n.interfaceName, `${n.networkName} ${n.macAddress} ${n.ipAddress}`]));
    assert.deepEqual([...shown.keys()].sort(), ['eth0', 'eth1']);
    assert.equal(shown.get('eth0'), `nw-vnet1 ${inside.get('eth0')?.mac} ${dhcp}`);
    assert.equal(shown.get('eth1'), `nw-vnet3 ${inside.get('eth1')?.mac} 192.168.0.100`);
    const routes = JSON.parse(await must('nsenter', [`--net=${netns}`, 'ip', '-j', '-4', 'route', 'show'])) as { dst: string; dev: string; gateway?: string }[];
    assert.deepEqual(routes.filter((r) => r.dst === 'default').map((r) => [r.dev, r.gateway]), [['eth1', '192.168.0.1']]);
    // The task really runs in the image (busybox's sleep) with the namespace of its container.
    const dhcpLease = fs.readFileSync(path.join(c.W, 'dhcp', 'leases'), 'utf8');
    assert.match(dhcpLease, new RegExp(` ${dhcp.replace(/\./g, '\\.')} `));

    await removeApp('/vnettest');
    assert.deepEqual(await vifs(), []);
    assert.deepEqual(await c.driverLinks(), []);
  });

  /** A command task (no image) with static interfaces from pools, `instances` copies. */
  function poolApp(id: string, instances: number, ifaces: [string, string, string][]): Record<string, unknown> {
    return {
      id, cmd: 'sleep 3600', cpus: 0.1, mem: 32, instances,
      container: {
        type: 'MESOS',
        networkInterfaces: ifaces.map(([networkName, interfaceName, ipRange]) => ({ networkName, interfaceName, bootproto: 'static', ipRange, netmask: '24' })),
      },
    };
  }

  it('a pool app scaled to 2: distinct addresses, the tasks ping each other; scaled to 1: the killed task leaves nothing', async () => {
    const created = await api('POST', '/v2/apps', poolApp('/pool', 2, [['nw-vnet2', 'eth0', '10.0.0.50-10.0.0.59']]));
    assert.equal(created.status, 201, created.text);
    const tasks = await running('/pool', 2);
    const ips = tasks.map((t) => t.ipAddresses[0]?.ipAddress);
    assert.equal(new Set(ips).size, 2, ips.join(' '));
    const ns = await Promise.all(tasks.map((t) => taskNetns(t.id)));
    await must('nsenter', [`--net=${ns[0]}`, 'ping', '-c1', '-W2', ips[1]]);
    await must('nsenter', [`--net=${ns[1]}`, 'ping', '-c1', '-W2', ips[0]]);
    assert.equal((await vifs()).length, 2);
    assert.equal((await c.driverLinks()).length, 4, 'a vif and an agent link per task');

    const scaled = await api('PUT', '/v2/apps/pool', { instances: 1 });
    assert.equal(scaled.status, 200, scaled.text);
    const [kept] = await running('/pool', 1);
    const gone = tasks.find((t) => t.id !== kept.id) as TaskJson;
    await waitFor('the killed task torn down', async () => ((await c.containers()).some((x) => x.executorId === gone.id) ? undefined : true));
    await waitFor('its OpenVNet record gone', async () => ((await vifs()).length === 1 ? true : undefined));
    assert.deepEqual((await vifs()).map((r) => r.ipv4Address), [kept.ipAddresses[0].ipAddress]);
    assert.equal((await c.driverLinks()).length, 2);
    assert.equal(c.attachmentFiles().length, 2);
    await removeApp('/pool');
  });

  it('many interfaces per task and several tasks at once (plugins run concurrently) never collide', async () => {
    const created = await api('POST', '/v2/apps', poolApp('/many', 3, [
      ['nw-vnet1', 'eth0', '10.0.0.60-10.0.0.69'], ['nw-vnet2', 'eth1', '10.0.0.70-10.0.0.79'], ['nw-vnet3', 'eth2', '192.168.0.60-192.168.0.69'],
    ]));
    assert.equal(created.status, 201, created.text);
    const tasks = await running('/many', 3);
    const seen = { macs: new Set<string>(), addrs: new Set<string>() };
    const links = new Set<string>();
    for (const t of tasks) {
      const inside = await addrs(await taskNetns(t.id));
      for (const ifName of ['eth0', 'eth1', 'eth2']) {
        const i = inside.get(ifName);
        assert.ok(i !== undefined && i.cidrs.length === 1, `${t.id} ${ifName}: ${JSON.stringify(i)}`);
        seen.macs.add(i.mac);
        seen.addrs.add(i.cidrs[0]);
      }
      // The agent link: one more interface with a 169.254 /32, not in the API.
      const link = [...inside.entries()].filter(([n, v]) => !['lo', 'eth0', 'eth1', 'eth2'].includes(n) && v.cidrs.some((x) => x.startsWith('169.254.')));
      assert.equal(link.length, 1, JSON.stringify([...inside.entries()]));
      links.add(link[0][1].cidrs[0]);
      assert.equal(t.ipAddresses.length, 3);
    }
    assert.equal(seen.macs.size, 9);
    assert.equal(seen.addrs.size, 9);
    assert.equal(links.size, 3);
    const records = await vifs();
    assert.equal(records.length, 9);
    assert.deepEqual(new Set(records.map((r) => r.macAddress)), seen.macs);
    assert.equal((await c.driverLinks()).length, 12);
    await removeApp('/many');
    assert.deepEqual(await vifs(), []);
  });

  it('a rolling restart with a full static pool: every replacement reuses its slot (MAC, address) and launches without a failure', async () => {
    const app = { ...poolApp('/roll', 2, [['nw-vnet3', 'eth0', '192.168.0.90-192.168.0.91']]), upgradeStrategy: { minimumHealthCapacity: 0, maximumOverCapacity: 0 } };
    const created = await api('POST', '/v2/apps', app);
    assert.equal(created.status, 201, created.text);
    const before = await running('/roll', 2);
    const macs = async (): Promise<string[]> => (await vifs()).map((r) => `${r.ipv4Address} ${r.macAddress}`).sort();
    const slots = await macs();
    const r = await api('POST', '/v2/apps/roll/restart');
    assert.equal(r.status, 200, r.text);
    const after = await waitFor('two new running tasks', async () => {
      const t = await running('/roll', 2);
      return t.every((x) => !before.some((b) => b.id === x.id)) ? t : undefined;
    }, 90_000);
    assert.equal(after.length, 2);
    assert.deepEqual(await macs(), slots);
    assert.equal((await api<{ app: { lastTaskFailure?: unknown } }>('GET', '/v2/apps/roll')).body.app.lastTaskFailure, undefined);
    await removeApp('/roll');
  });

  /** Kills every process of a Mesos container (its freezer cgroup), as a crash would. */
  async function killContainer(containerId: string): Promise<void> {
    const dir = path.join('/sys/fs/cgroup/freezer', c.cgroupsRoot, containerId);
    const pids = (d: string): number[] => {
      const out = fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8').split('\n').filter((l) => l !== '').map(Number);
      for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) out.push(...pids(path.join(d, e.name)));
      return out;
    };
    const killAll = (left: number[]): void => {
      // A frozen cgroup (the launcher freezes one it destroys) holds SIGKILL until it is thawed.
      try { fs.writeFileSync(path.join(dir, 'freezer.state'), 'THAWED'); } catch { /* gone */ }
      for (const pid of left) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
    };
    killAll(pids(dir));
    // A process forked between reading cgroup.procs and the kills survives one pass: kill again
    // whatever is still there on every poll until the cgroup is empty.
    await waitFor(`container ${containerId} dead`, () => {
      const left = pids(dir);
      if (left.length === 0) return true;
      killAll(left);
      return undefined;
    }, 20_000);
  }

  it('agent restarts: tasks recovered with their interfaces; a task killed while the agent is down is DELeted on recovery; gc after a crash keeps only live containers', async () => {
    const created = await api('POST', '/v2/apps', poolApp('/rec', 2, [['nw-vnet3', 'eth0', '192.168.0.80-192.168.0.89']]));
    assert.equal(created.status, 201, created.text);
    const tasks = await running('/rec', 2);
    const ids = new Map((await c.containers()).map((x) => [x.executorId, x.containerId]));
    const [keep, lose] = tasks;
    const keepNs = await taskNetns(keep.id);
    const before = await addrs(keepNs);

    // 1. Crash and restart: the running tasks are recovered, interfaces untouched.
    await c.stopAgent('SIGKILL');
    await c.startAgent();
    const again = await running('/rec', 2);
    assert.deepEqual(again.map((t) => t.id).sort(), tasks.map((t) => t.id).sort());
    assert.deepEqual(await addrs(keepNs), before);
    assert.equal((await vifs()).length, 2);

    // 2. Crash; one container dies while the agent is down: recovery DELs its interfaces and
    //    serve replaces the task (same slot, same MAC and address).
    await c.stopAgent('SIGKILL');
    await killContainer(ids.get(lose.id) as string);
    await c.startAgent();
    const replaced = await running('/rec', 2, [lose.id]);
    assert.ok(replaced.some((t) => t.id === keep.id) && !replaced.some((t) => t.id === lose.id), JSON.stringify(replaced.map((t) => t.id)));
    await waitFor('the dead container DELeted', async () => ((await vifs()).length === 2 && c.attachmentFiles().length === 4 ? true : undefined));
    assert.equal((await c.driverLinks()).length, 4);

    // 3. Crash; a container dies and its namespace goes as on a reboot: `vnet-driver gc` removes
    //    only what it owned; recovery then finds nothing more to do and serve replaces it.
    const cids = new Map((await c.containers()).map((x) => [x.executorId, x.containerId]));
    const victim = replaced.find((t) => t.id !== keep.id) as TaskJson;
    await c.stopAgent('SIGKILL');
    const victimCid = cids.get(victim.id) as string;
    const victimNs = c.taskNetns(victim.id, victimCid);
    await killContainer(victimCid);
    await must('umount', [victimNs]);
    const gc = await c.driver(['gc', '--config-dir', c.confDir]);
    assert.equal(gc.code, 0, gc.stdout + gc.stderr);
    assert.deepEqual((await vifs()).map((r) => r.ipv4Address), [keep.ipAddresses[0].ipAddress]);
    assert.equal((await c.driverLinks()).length, 2, 'the live task keeps its vif and agent link');
    assert.equal(c.attachmentFiles().length, 2);
    await c.startAgent();
    const last = await running('/rec', 2, [victim.id]);
    assert.ok(last.some((t) => t.id === keep.id) && !last.some((t) => t.id === victim.id));
    await waitFor('two records', async () => ((await vifs()).length === 2 ? true : undefined));
    assert.equal((await c.driverLinks()).length, 4);
    await removeApp('/rec');
  });
});
