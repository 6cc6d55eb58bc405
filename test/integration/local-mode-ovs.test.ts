// Local mode with --ovs: a private ovsdb-server/ovs-vswitchd under the data dir (vswitchd in the
// fabric namespace, userspace datapath, TSO on), one netdev bridge per network with its own
// datapath id, the DHCP server plugged as an OVS port. A DHCP task gets its lease through OVS
// and two static tasks ping each other; afterwards no daemon, bridge or namespace is left.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AgentFramework, AgentStatusReport } from '../../src/sim/mesos/agent';
import { ExecAgent, execAgent } from '../../src/sim/mesos/exec-agent';
import type { TaskState } from '../../src/mesos/types';
import { containerNetns } from '../../src/local/names';
import { startNetworkNode, type NetworkNode } from '../../src/local/network-node';
import { labels, namespacesMatching, sampleNetworks } from '../helpers/local-mode';
import { poller } from '../helpers/poll';
import { run as sh, type CommandResult } from '../helpers/processes';
import { describeNeeding } from '../helpers/requires';

const NETWORKS = sampleNetworks();
const until = poller({ timeoutMs: 30_000, everyMs: 25 });

function pidAlive(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return fs.existsSync(`/proc/${pid}`) ? pid : null;
  } catch {
    return null;
  }
}

describeNeeding(['root', 'netns', 'ovs', 'dnsmasq', 'udhcpc'], 'local mode with --ovs (integration: private OVS userspace datapath, dnsmasq, vnet-driver)', function () {
  this.timeout(90_000);
  let dir: string;
  let node: NetworkNode;
  let exec: ExecAgent;
  const reports: AgentStatusReport[] = [];
  const framework: AgentFramework = { id: 'fw-ovs', info: { user: 'root', name: 'local-mode-ovs-test' } };

  const waitState = (taskId: string, states: TaskState[]): Promise<AgentStatusReport> =>
    until(`${taskId} in ${states.join('|')}`, () => {
      const r = [...reports].reverse().find((x) => x.taskId === taskId);
      return r !== undefined && states.includes(r.state) ? r : undefined;
    });

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mvn-lm-ovs-'));
    node = await startNetworkNode({ dataDir: dir, vnetHost: '127.0.0.1', vnetPort: 0, bridgeType: 'ovs', docker: false, networks: NETWORKS, say: () => undefined });
    exec = execAgent({ resources: { cpus: 4, mem: 4096, disk: 1000 }, workDir: path.join(dir, 'agent'), hooks: node.isolator });
    exec.register({ agentId: 'a1', report: (s) => reports.push(s) });
  });

  after(async () => {
    const tag = node?.tag;
    await exec?.shutdown().catch(() => undefined);
    await node?.close();
    const ovsPids = ['ovsdb-server.pid', 'ovs-vswitchd.pid'].map((f) => pidAlive(path.join(dir, 'fabric', 'ovs', f)));
    const ns = tag === undefined ? [] : await namespacesMatching(`mvn-${tag}-`);
    fs.rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(ovsPids, [null, null]);
    assert.deepEqual(ns, []);
  });

  it('builds netdev bridges with their datapath ids and serves DHCP and static traffic through them', async () => {
    const ovsDb = node.fabric.ovsDb ?? '';
    assert.match(ovsDb, /^unix:/);
    const vsctl = (...a: string[]): Promise<CommandResult> => sh('ovs-vsctl', [`--db=${ovsDb}`, ...a]);
    assert.deepEqual((await vsctl('list-br')).stdout.trim().split('\n').sort(), node.fabric.networks.map((n) => n.bridge).sort());
    const first = node.fabric.networks[0];
    assert.equal((await vsctl('get', 'bridge', first.bridge, 'datapath_type')).stdout.trim(), 'netdev');
    assert.equal((await vsctl('get', 'bridge', first.bridge, 'datapath_id')).stdout.trim(), `"${first.dpid.slice(2)}"`);

    const dhcpTask = 'ovs-dhcp';
    exec.launch({ name: dhcpTask, task_id: { value: dhcpTask }, agent_id: { value: 'a1' }, command: { value: 'sleep 600' },
      container: { type: 'MESOS', network_infos: [{ name: 'nw-vnet1', ip_addresses: [{ protocol: 'IPv4' }], labels: labels({ 'vnet.bootproto': 'dhcp', 'vnet.mac': '02:00:0a:00:ee:01' }) }] } }, framework);
    const staticTasks = ['10.0.0.50', '10.0.0.51'].map((ip, i) => {
      const id = `ovs-static-${i}`;
      exec.launch({ name: id, task_id: { value: id }, agent_id: { value: 'a1' }, command: { value: 'sleep 600' },
        container: { type: 'MESOS', network_infos: [{ name: 'nw-vnet2', ip_addresses: [{ protocol: 'IPv4', ip_address: ip }], labels: labels({ 'vnet.bootproto': 'static', 'vnet.address': `${ip}/24` }) }] } }, framework);
      return id;
    });
    const r = await waitState(dhcpTask, ['TASK_RUNNING', 'TASK_FAILED']);
    assert.equal(r.state, 'TASK_RUNNING', r.message);
    assert.match(r.containerStatus?.network_infos?.[0]?.ip_addresses?.[0]?.ip_address ?? '', /^10\.0\.0\.\d+$/);
    for (const id of staticTasks) assert.equal((await waitState(id, ['TASK_RUNNING', 'TASK_FAILED'])).state, 'TASK_RUNNING');
    const cid = exec.tasks().find((t) => t.taskId === staticTasks[0])?.containerId ?? '';
    const ping = await sh('ip', ['netns', 'exec', containerNetns(node.tag, cid), 'ping', '-c', '1', '-W', '2', '10.0.0.51']);
    assert.equal(ping.code, 0, ping.stdout + ping.stderr);
    // The host ends are OVS ports carrying the driver's external ids.
    const ports = (await vsctl('list-ports', node.fabric.networks[1].bridge)).stdout.trim().split('\n');
    assert.equal(ports.filter((p) => p.startsWith('if-')).length, 2);

    for (const id of [dhcpTask, ...staticTasks]) exec.kill(id, framework, { gracePeriodMs: 200 });
    for (const id of [dhcpTask, ...staticTasks]) await waitState(id, ['TASK_KILLED']);
    await until('containers cleaned up', () => (exec.tasks().length === 0 ? true : undefined));
    for (const n of node.fabric.networks) {
      const left = (await vsctl('list-ports', n.bridge)).stdout.trim().split('\n').filter((p) => p.startsWith('if-'));
      assert.deepEqual(left, []);
    }
  });
});
