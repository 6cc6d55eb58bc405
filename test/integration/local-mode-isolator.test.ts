// Local mode's network node and CNI isolator for real: a private data dir (so a private tag in
// every namespace name), the fabric (Linux bridges in a private namespace, dnsmasq per DHCP
// network), the embedded OpenVNet API, and the exec agent launching tasks whose interfaces the
// real vnet-driver plumbs before the process starts. Afterwards nothing carrying the tag is left.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AgentFramework, AgentStatusReport } from '../../src/sim/mesos/agent';
import { ExecAgent, execAgent } from '../../src/sim/mesos/exec-agent';
import type { NetworkInfo, TaskInfo, TaskState } from '../../src/mesos/types';
import { OpenVnetClient } from '../../src/lib/openvnet/client';
import { NO_DOCKER_NOTE } from '../../src/local/cni-isolator';
import { containerNetns } from '../../src/local/names';
import { startNetworkNode, type NetworkNode } from '../../src/local/network-node';
import { NotingAgent } from '../../src/local/noting-agent';
import { labels, namespacesMatching, sampleNetworks } from '../helpers/local-mode';
import { poller } from '../helpers/poll';
import { run as sh } from '../helpers/processes';
import { describeNeeding } from '../helpers/requires';

const NETWORKS = sampleNetworks();
const until = poller({ timeoutMs: 20_000, everyMs: 25 });
const TERMINAL = new Set<TaskState>(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR']);

function dhcpInfo(network: string, ifName: string, mac: string): NetworkInfo {
  return { name: network, ip_addresses: [{ protocol: 'IPv4' }], labels: labels({ 'vnet.interface': ifName, 'vnet.bootproto': 'dhcp', 'vnet.mac': mac }) };
}

function staticInfo(network: string, ifName: string, cidr: string, mac: string, gateway?: string): NetworkInfo {
  return {
    name: network, ip_addresses: [{ protocol: 'IPv4', ip_address: cidr.split('/')[0] }],
    labels: labels({ 'vnet.interface': ifName, 'vnet.bootproto': 'static', 'vnet.address': cidr, 'vnet.mac': mac, ...(gateway === undefined ? {} : { 'vnet.gateway': gateway }) }),
  };
}

const AGENT_LINK: NetworkInfo = { name: 'vnet-agent-link', labels: labels({ 'vnet.agent-link': 'true' }) };

describeNeeding(['root', 'netns', 'dnsmasq', 'udhcpc'], 'local mode: network node + exec agent (integration: namespaces, bridges, dnsmasq, vnet-driver)', function () {
  this.timeout(90_000);
  let dir: string;
  let node: NetworkNode;
  let exec: ExecAgent;
  let client: OpenVnetClient;
  const reports: AgentStatusReport[] = [];
  const framework: AgentFramework = { id: 'fw-local-mode-test', info: { user: 'root', name: 'local-mode-test' } };
  let n = 0;

  const latest = (taskId: string): AgentStatusReport | undefined => [...reports].reverse().find((r) => r.taskId === taskId);
  const waitState = (taskId: string, states: TaskState[]): Promise<AgentStatusReport> =>
    until(`${taskId} in ${states.join('|')}`, () => {
      const r = latest(taskId);
      return r !== undefined && states.includes(r.state) ? r : undefined;
    });
  const containerOf = (taskId: string): string => exec.tasks().find((t) => t.taskId === taskId)?.containerId ?? '';

  function launch(infos: NetworkInfo[], cmd = 'sleep 600', image?: string): { taskId: string } {
    const taskId = `t${++n}-${path.basename(dir)}`.replace(/[^A-Za-z0-9_.-]/g, '');
    const task: TaskInfo = {
      name: taskId, task_id: { value: taskId }, agent_id: { value: 'a1' }, command: { value: cmd },
      container: { type: 'MESOS', network_infos: infos, ...(image === undefined ? {} : { mesos: { image: { type: 'DOCKER', docker: { name: image } } } }) },
    };
    agent.launch(task, framework);
    return { taskId };
  }
  let agent: NotingAgent;

  async function vifInterfaces(): Promise<string[]> {
    return (await client.listInterfaces()).filter((i) => i.mode === 'vif').map((i) => i.uuid);
  }
  async function fabricLinks(): Promise<string[]> {
    const out = await sh('ip', ['-n', node.fabric.netns, '-o', 'link', 'show']);
    return out.stdout.split('\n').map((l) => (l.split(':')[1] ?? '').trim().split('@')[0]).filter((s) => s.startsWith('if-'));
  }

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mvn-lm-iso-'));
    node = await startNetworkNode({ dataDir: dir, vnetHost: '127.0.0.1', vnetPort: 0, bridgeType: 'linux', docker: false, networks: NETWORKS, say: () => undefined });
    client = new OpenVnetClient({ baseUrl: node.vnetLocalUrl, retries: 0 });
    exec = execAgent({ resources: { cpus: 4, mem: 4096, disk: 1000 }, workDir: path.join(dir, 'agent'), hooks: node.isolator });
    agent = new NotingAgent(exec, (fw, task) => node.isolator.noteFor(fw, task));
    agent.register({ agentId: 'a1', report: (s) => reports.push(s) });
  });

  after(async () => {
    const tag = node?.tag;
    await agent?.shutdown().catch(() => undefined);
    await node?.close();
    const left = tag === undefined ? [] : await namespacesMatching(`mvn-${tag}-`);
    const dnsmasq = (await sh('ps', ['-eo', 'args'])).stdout.split('\n').filter((l) => l.includes('dnsmasq') && l.includes(dir));
    fs.rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(left, []);
    assert.deepEqual(dnsmasq, []);
  });

  it('plumbs a DHCP and a static interface before the process starts, reports their addresses, and DELs everything on kill', async () => {
    const mac0 = '02:00:0a:00:aa:01';
    const mac1 = '02:00:c0:a8:aa:01';
    const { taskId } = launch([
      dhcpInfo('nw-vnet1', 'eth0', mac0), staticInfo('nw-vnet3', 'eth1', '192.168.0.100/24', mac1, '192.168.0.1'), AGENT_LINK,
    ], 'ip -o -4 addr show; ip route; exec sleep 600');
    const running = await waitState(taskId, ['TASK_RUNNING', 'TASK_FAILED']);
    assert.equal(running.state, 'TASK_RUNNING', running.message);
    const reported = running.containerStatus?.network_infos ?? [];
    const addr = (name: string): string | undefined => reported.find((x) => x.name === name)?.ip_addresses?.[0]?.ip_address;
    const leased = addr('nw-vnet1') ?? '';
    assert.match(leased, /^10\.0\.0\.(1\d\d|200)$/);
    assert.equal(addr('nw-vnet3'), '192.168.0.100');
    assert.equal(addr('vnet-agent-link'), undefined);
    assert.ok(reported.some((x) => x.name === 'vnet-agent-link'));

    const ns = containerNetns(node.tag, containerOf(taskId));
    const links = (await sh('ip', ['-n', ns, '-o', 'link', 'show'])).stdout;
    assert.match(links, new RegExp(`eth0.*link/ether ${mac0}`));
    assert.match(links, new RegExp(`eth1.*link/ether ${mac1}`));
    assert.match((await sh('ip', ['-n', ns, 'route', 'show', 'default'])).stdout, /default via 192\.168\.0\.1 dev eth1/);
    // The process saw its interfaces when it started: it ran inside the namespace.
    const sandboxOut = await until('task output', () => {
      const f = path.join(dir, 'agent', 'containers', containerOf(taskId), 'stdout');
      const t = fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '';
      return t.includes('192.168.0.100') ? t : undefined;
    });
    assert.ok(sandboxOut.includes(`inet ${leased}/24`), sandboxOut);
    // Both interfaces are registered in OpenVNet with these MACs, and DHCP serves only that lease.
    const records = (await client.listInterfaces()).filter((i) => i.mode === 'vif');
    assert.deepEqual(records.map((r) => r.macAddress).sort(), [mac0, mac1].sort());
    const hosts = fs.readFileSync(path.join(dir, 'fabric', 'dhcp', 'nw-vnet1', 'hosts'), 'utf8');
    assert.equal(hosts, `${mac0},${leased}\n`);

    agent.kill(taskId, framework, { gracePeriodMs: 500 });
    const end = await waitState(taskId, ['TASK_KILLED', 'TASK_FAILED', 'TASK_FINISHED']);
    assert.equal(end.state, 'TASK_KILLED');
    await until('container gone', () => (exec.tasks().some((t) => t.taskId === taskId) ? undefined : true));
    assert.equal(fs.existsSync(`/var/run/netns/${ns}`), false);
    assert.deepEqual(await vifInterfaces(), []);
    assert.deepEqual(await fabricLinks(), []);
    assert.equal(fs.readFileSync(path.join(dir, 'fabric', 'dhcp', 'nw-vnet1', 'hosts'), 'utf8'), '');
    assert.deepEqual(fs.readdirSync(path.join(dir, 'containers')), []);
  });

  it('keeps same-subnet networks apart: nw-vnet2 tasks reach each other, a nw-vnet1 task with the same subnet does not', async () => {
    const a = launch([staticInfo('nw-vnet2', 'eth0', '10.0.0.50/24', '02:00:0a:00:bb:50')]);
    const b = launch([staticInfo('nw-vnet2', 'eth0', '10.0.0.51/24', '02:00:0a:00:bb:51')]);
    const c = launch([staticInfo('nw-vnet1', 'eth0', '10.0.0.52/24', '02:00:0a:00:bb:52')]);
    for (const t of [a, b, c]) assert.equal((await waitState(t.taskId, ['TASK_RUNNING', 'TASK_FAILED'])).state, 'TASK_RUNNING');
    const nsA = containerNetns(node.tag, containerOf(a.taskId));
    const nsC = containerNetns(node.tag, containerOf(c.taskId));
    const ab = await sh('ip', ['netns', 'exec', nsA, 'ping', '-c', '1', '-W', '2', '10.0.0.51']);
    assert.equal(ab.code, 0, ab.stdout + ab.stderr);
    const ca = await sh('ip', ['netns', 'exec', nsC, 'ping', '-c', '1', '-W', '1', '10.0.0.50']);
    assert.notEqual(ca.code, 0, 'nw-vnet1 must not reach nw-vnet2');
    for (const t of [a, b, c]) agent.kill(t.taskId, framework, { gracePeriodMs: 200 });
    for (const t of [a, b, c]) await waitState(t.taskId, ['TASK_KILLED']);
    await until('containers gone', () => (exec.tasks().length === 0 ? true : undefined));
    assert.deepEqual(await vifInterfaces(), []);
  });

  it('fails the launch like Mesos when the plugin fails (REASON_CONTAINER_LAUNCH_FAILED, plugin output in the message) and leaves nothing', async () => {
    const { taskId } = launch([dhcpInfo('nw-vnet1', 'eth0', '02:00:0a:00:cc:01'), staticInfo('nw-vnet3', 'eth1', '172.16.9.9/24', '02:00:0a:00:cc:02')]);
    const failed = await waitState(taskId, ['TASK_FAILED', 'TASK_RUNNING']);
    assert.equal(failed.state, 'TASK_FAILED');
    assert.equal(failed.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
    assert.match(failed.message ?? '', /The CNI plugin 'vnet-driver' failed to attach container [0-9a-f-]+ to CNI network 'nw-vnet3': stdout='\{.*"code"/);
    await until('container gone', () => (exec.tasks().some((t) => t.taskId === taskId) ? undefined : true));
    assert.deepEqual(await vifInterfaces(), []);
    assert.deepEqual(await fabricLinks(), []);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'containers')), []);
  });

  it('refuses an unknown network before creating anything', async () => {
    const { taskId } = launch([{ name: 'nw-missing' }]);
    const failed = await waitState(taskId, ['TASK_FAILED', 'TASK_RUNNING']);
    assert.equal(failed.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
    assert.match(failed.message ?? '', /Unknown CNI network 'nw-missing'/);
    await until('container gone', () => (exec.tasks().some((t) => t.taskId === taskId) ? undefined : true));
    assert.deepEqual(fs.readdirSync(path.join(dir, 'containers')), []);
    assert.deepEqual(await namespacesMatching(`mvn-${node.tag}-c-`), []);
  });

  it('without a Docker engine runs an image task as a process in its namespace and says the image was not used; exit 0 is FINISHED', async () => {
    const { taskId } = launch([staticInfo('nw-vnet3', 'eth0', '192.168.0.150/24', '02:00:c0:a8:00:96')], 'ip -o -4 addr show eth0; sleep 1', 'busybox');
    const running = await waitState(taskId, ['TASK_RUNNING', 'TASK_FAILED']);
    assert.equal(running.state, 'TASK_RUNNING');
    assert.equal(running.message, NO_DOCKER_NOTE);
    const done = await waitState(taskId, ['TASK_FINISHED', 'TASK_FAILED']);
    assert.equal(done.state, 'TASK_FINISHED', done.message);
    await until('container gone', () => (exec.tasks().some((t) => t.taskId === taskId) ? undefined : true));
    assert.deepEqual(await vifInterfaces(), []);
    assert.ok(TERMINAL.has(done.state));
  });
});

describeNeeding(['root', 'netns', 'dnsmasq', 'udhcpc'], 'local mode: restart after a crash (integration)', function () {
  this.timeout(60_000);
  it('DELs checkpointed containers, kills their orphaned processes and rebuilds the fabric from scratch', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mvn-lm-crash-'));
    let second: NetworkNode | undefined;
    try {
      const first = await startNetworkNode({ dataDir: dir, vnetHost: '127.0.0.1', vnetPort: 0, bridgeType: 'linux', docker: false, networks: NETWORKS, say: () => undefined });
      const port = Number(new URL(first.vnetLocalUrl).port);
      const exec = execAgent({ resources: { cpus: 1, mem: 512, disk: 100 }, workDir: path.join(dir, 'agent'), hooks: first.isolator });
      const reports: AgentStatusReport[] = [];
      exec.register({ agentId: 'a1', report: (s) => reports.push(s) });
      exec.launch({ name: 'c', task_id: { value: 'crash-task' }, agent_id: { value: 'a1' }, command: { value: 'sleep 600' },
        container: { type: 'MESOS', network_infos: [dhcpInfo('nw-vnet1', 'eth0', '02:00:0a:00:ff:01')] } }, { id: 'fw', info: { user: 'root', name: 'crash' } });
      await until('running', () => reports.find((r) => r.state === 'TASK_RUNNING'));
      const pid = exec.tasks()[0].pid as number;
      const oldDnsmasq = first.fabric.dhcpPids();
      // The crash: nothing is cleaned up; only the OpenVNet API goes away (its state is on disk).
      await first.vnet.close();

      second = await startNetworkNode({ dataDir: dir, vnetHost: '127.0.0.1', vnetPort: port, bridgeType: 'linux', docker: false, networks: NETWORKS, say: () => undefined });
      await until('orphaned task killed', () => (fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z') ? undefined : true));
      for (const p of oldDnsmasq) assert.equal(second.fabric.dhcpPids().includes(p), false);
      const client = new OpenVnetClient({ baseUrl: second.vnetLocalUrl, retries: 0 });
      assert.deepEqual((await client.listInterfaces()).filter((i) => i.mode === 'vif'), []);
      assert.deepEqual(fs.readdirSync(path.join(dir, 'containers')), []);
      const namespaces = await namespacesMatching(`mvn-${second?.tag ?? ''}-c-`);
      assert.deepEqual(namespaces, []);
      assert.equal(second.fabric.dhcpPids().length, 3);
    } finally {
      await second?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
