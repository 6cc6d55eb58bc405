// Local mode's Docker path for real: a private, offline dockerd (test-infra §8.1, no iptables,
// no bridge), an image imported from the host's busybox (§8.2), and a task with that image and
// two interfaces. The pause container gets the interfaces from the real vnet-driver
// (CNI_NETNS=/proc/<pid>/ns/net) before the task container joins its network namespace.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AgentFramework, AgentStatusReport } from '../../src/sim/mesos/agent';
import { ExecAgent, execAgent } from '../../src/sim/mesos/exec-agent';
import type { TaskState } from '../../src/mesos/types';
import { OpenVnetClient } from '../../src/lib/openvnet/client';
import { dockerNames } from '../../src/local/names';
import { startNetworkNode, type NetworkNode } from '../../src/local/network-node';
import { PrivateDockerd } from '../helpers/dockerd';
import { labels, namespacesMatching, sampleNetworks } from '../helpers/local-mode';
import { poller } from '../helpers/poll';
import { describeNeeding } from '../helpers/requires';

const NETWORKS = sampleNetworks();
const until = poller({ timeoutMs: 30_000, everyMs: 50 });

describeNeeding(['root', 'netns', 'docker', 'dnsmasq'], 'local mode: Docker tasks in a pause container (integration: private dockerd, vnet-driver)', function () {
  this.timeout(120_000);
  const R = randomBytes(3).toString('hex');
  let dockerd: PrivateDockerd | undefined;
  let skipReason = '';
  let dir = '';
  let node: NetworkNode | undefined;
  let exec: ExecAgent | undefined;
  const reports: AgentStatusReport[] = [];
  const framework: AgentFramework = { id: `fw-docker-${R}`, info: { user: 'root', name: 'local-mode-docker-test' } };
  const image = `bb-${R}:local`;
  const D = (...args: string[]): ReturnType<PrivateDockerd['docker']> => (dockerd as PrivateDockerd).docker(...args);

  before(async function () {
    dockerd = await PrivateDockerd.start(R);
    if (!dockerd.up) {
      skipReason = `dockerd could not start here: ${dockerd.logTail(2).join(' | ')}`;
      this.skip();
    }
    // An image without a registry: busybox and its libraries.
    const imported = await dockerd.importBusybox(image);
    assert.equal(imported.code, 0, imported.stderr);

    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mvn-lm-docker-'));
    node = await startNetworkNode({
      dataDir: dir, vnetHost: '127.0.0.1', vnetPort: 0, bridgeType: 'linux', docker: true, networks: NETWORKS, say: () => undefined,
      env: { ...process.env, DOCKER_HOST: dockerd.host },
    });
    exec = execAgent({ resources: { cpus: 4, mem: 4096, disk: 1000 }, workDir: path.join(dir, 'agent'), hooks: node.isolator });
    exec.register({ agentId: 'a1', report: (s) => reports.push(s) });
  });

  after(async () => {
    if (skipReason !== '') process.stdout.write(`      (skipped: ${skipReason})\n`);
    const tag = node?.tag;
    await exec?.shutdown().catch(() => undefined);
    await node?.close().catch((e: unknown) => { throw e; });
    let leftover: string[] = [];
    if (tag !== undefined && dockerd?.running === true) leftover = await dockerd.containersNamed(`mvn-${tag}-`);
    await dockerd?.stop();
    dockerd?.removeDir();
    if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
    const ns = tag === undefined ? [] : await namespacesMatching(`mvn-${tag}-`);
    assert.deepEqual(leftover, []);
    assert.deepEqual(ns, []);
  });

  const latest = (taskId: string): AgentStatusReport | undefined => [...reports].reverse().find((r) => r.taskId === taskId);
  const waitState = (taskId: string, states: TaskState[]): Promise<AgentStatusReport> =>
    until(`${taskId} in ${states.join('|')}`, () => {
      const r = latest(taskId);
      return r !== undefined && states.includes(r.state) ? r : undefined;
    }, 60_000);

  it('uses the engine, gives the pause container both interfaces before the task container starts in its network, and removes both on kill', async () => {
    assert.ok(node !== undefined && exec !== undefined);
    assert.deepEqual(node.docker, { endpoint: (dockerd as PrivateDockerd).host });
    const taskId = `docker-task-${R}`;
    exec.launch({
      name: taskId, task_id: { value: taskId }, agent_id: { value: 'a1' },
      command: { value: 'ip -o -4 addr show; ip route; exec sleep 600' },
      container: {
        type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: image } } },
        network_infos: [
          { name: 'nw-vnet1', ip_addresses: [{ protocol: 'IPv4' }], labels: labels({ 'vnet.interface': 'eth0', 'vnet.bootproto': 'dhcp', 'vnet.mac': '02:00:0a:00:dd:01' }) },
          { name: 'nw-vnet3', ip_addresses: [{ protocol: 'IPv4', ip_address: '192.168.0.100' }],
            labels: labels({ 'vnet.interface': 'eth1', 'vnet.bootproto': 'static', 'vnet.address': '192.168.0.100/24', 'vnet.gateway': '192.168.0.1', 'vnet.mac': '02:00:c0:a8:dd:01' }) },
        ],
      },
    }, framework);
    const running = await waitState(taskId, ['TASK_RUNNING', 'TASK_FAILED']);
    assert.equal(running.state, 'TASK_RUNNING', running.message);
    const containerId = exec.tasks().find((t) => t.taskId === taskId)?.containerId ?? '';
    const names = dockerNames(node.tag, containerId);
    const leased = running.containerStatus?.network_infos?.find((n) => n.name === 'nw-vnet1')?.ip_addresses?.[0]?.ip_address ?? '';
    assert.match(leased, /^10\.0\.0\.\d+$/);
    await until('task container', async () => ((await D('inspect', '--format', '{{.State.Running}}', names.task)).stdout.trim() === 'true' ? true : undefined));
    const inside = await D('exec', names.task, 'ip', '-o', 'addr', 'show');
    assert.match(inside.stdout, /eth1\s+inet 192\.168\.0\.100\/24/);
    assert.ok(inside.stdout.includes(`inet ${leased}/24`), inside.stdout);
    const linkOut = (await D('exec', names.task, 'ip', '-o', 'link', 'show', 'eth0')).stdout;
    assert.match(linkOut, /02:00:0a:00:dd:01/);
    assert.equal((await D('inspect', '--format', '{{.HostConfig.NetworkMode}}', names.task)).stdout.trim(), `container:${(await D('inspect', '--format', '{{.Id}}', names.pause)).stdout.trim()}`);
    // The command's first output already listed both addresses: the network existed at start.
    const stdoutFile = path.join(dir, 'agent', 'containers', containerId, 'stdout');
    const first = await until('task output', () => {
      const t = fs.existsSync(stdoutFile) ? fs.readFileSync(stdoutFile, 'utf8') : '';
      return t.includes('default via') ? t : undefined;
    });
    assert.ok(first.includes('192.168.0.100/24') && first.includes(`${leased}/24`), first);
    assert.match(first, /default via 192\.168\.0\.1 dev eth1/);

    exec.kill(taskId, framework, { gracePeriodMs: 1000 });
    const end = await waitState(taskId, ['TASK_KILLED', 'TASK_FAILED', 'TASK_FINISHED']);
    assert.notEqual(end.state, 'TASK_FINISHED');
    await until('container cleaned up', () => (exec?.tasks().length === 0 ? true : undefined));
    const ps = await (dockerd as PrivateDockerd).containersNamed(`mvn-${node?.tag ?? ''}-`);
    assert.deepEqual(ps, []);
    const client = new OpenVnetClient({ baseUrl: node.vnetLocalUrl, retries: 0 });
    assert.deepEqual((await client.listInterfaces()).filter((i) => i.mode === 'vif'), []);
  });

  it('fails an image task whose image is absent and cannot be pulled, as a launch failure', async () => {
    assert.ok(exec !== undefined);
    const taskId = `docker-missing-${R}`;
    exec.launch({
      name: taskId, task_id: { value: taskId }, agent_id: { value: 'a1' }, command: { value: 'sleep 1' },
      container: { type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: `no-such-image-${R}:x` } } }, network_infos: [{ name: 'nw-vnet3', ip_addresses: [{ protocol: 'IPv4', ip_address: '192.168.0.120' }], labels: labels({ 'vnet.bootproto': 'static', 'vnet.address': '192.168.0.120/24' }) }] },
    }, framework);
    const failed = await waitState(taskId, ['TASK_FAILED', 'TASK_RUNNING']);
    assert.equal(failed.state, 'TASK_FAILED');
    assert.equal(failed.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
    assert.match(failed.message ?? '', /no-such-image-.* is not present and could not be pulled/);
  });
});
