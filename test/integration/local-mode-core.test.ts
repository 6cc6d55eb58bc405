// Local mode's pure parts (no processes, no namespaces): the Mesos isolator's plugin invocation
// checked against the recorded Mesos 1.11 plugin input, result reporting, names, DHCP hosts from
// OpenVNet state, config-dir rules, the status note wrapper and the preflight message.
// (Kept under test/integration with the other local-mode tests; everything here is in-memory.)
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Agent, AgentRegistration, AgentStatusReport } from '../../src/sim/mesos/agent';
import type { NetworkInfo, TaskInfo } from '../../src/mesos/types';
import { applyInitFile, createVnetApiServer, getVnetModel } from '../../src/sim/openvnet/server';
import { driverConfig, leasePolicyFor, loadConfigDir } from '../../src/local/cni-config';
import {
  attachFailureMessage, CniLaunchError, configProblem, parseResult, planAttachments, pluginEnv, pluginStdin, reportedNetworkInfo,
  taskImage, type CniConfig,
} from '../../src/local/cni-invocation';
import { dhcpHostsByNetwork, dhcpServices, hostsFileText, netmaskOf, networkAddress } from '../../src/local/dhcp-hosts';
import { DhcpServer } from '../../src/local/dhcp-server';
import { dockerEndpoint, isImageRef } from '../../src/local/docker-runtime';
import type { Run } from '../../src/local/exec';
import { containerNetns, dockerNames, fabricNetns, instanceTag, isOwnNetns, LocalNameError, networkNames } from '../../src/local/names';
import { DataDirLockedError, lockDataDir, LOCK_FILE } from '../../src/local/data-dir-lock';
import { NotingAgent } from '../../src/local/noting-agent';
import { preflight, PreflightError } from '../../src/local/preflight';
import type { LocalHandle } from '../../src/local/run-local';
import { banner } from '../../src/cli/local';
import { cniPluginInputDir } from '../helpers/fixtures';

const REPO = path.resolve(__dirname, '..', '..', '..');
const FIXTURES = cniPluginInputDir();
const NETWORKS = JSON.parse(fs.readFileSync(path.join(REPO, 'samples', 'openvnet', 'networks.json'), 'utf8')) as unknown;

interface Recorded { env: Record<string, string>; stdin: Record<string, unknown> & { args: { 'org.apache.mesos': { network_info: NetworkInfo } } } }
const recorded = (name: string): Recorded => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')) as Recorded;

const BASE_CONF = (name: string): CniConfig => ({ bridge: 'br0', cniVersion: '0.2.0', name, type: 'vnet-driver' });

function taskWith(infos: NetworkInfo[], image?: string): TaskInfo {
  return {
    name: 't', task_id: { value: 't1' }, agent_id: { value: 'a1' }, command: { value: 'sleep 1' },
    container: { type: 'MESOS', network_infos: infos, ...(image === undefined ? {} : { mesos: { image: { type: 'DOCKER', docker: { name: image } } } }) },
  };
}

describe('local mode: the Mesos isolator invocation (pure)', () => {
  const eth0 = recorded('ADD-eth0.json');
  const eth1 = recorded('ADD-eth1.json');
  const configs = new Map<string, CniConfig>([['nw-vnet1', BASE_CONF('nw-vnet1')], ['nw-vnet3', BASE_CONF('nw-vnet3')]]);

  it('builds the same stdin JSON as the recorded Mesos 1.11 input for both interfaces', () => {
    const task = taskWith([eth0.stdin.args['org.apache.mesos'].network_info, eth1.stdin.args['org.apache.mesos'].network_info]);
    const plan = planAttachments(task, configs);
    assert.deepEqual(plan.attachments.map((a) => [a.networkName, a.ifName]), [['nw-vnet1', 'eth0'], ['nw-vnet3', 'eth1']]);
    assert.deepEqual(JSON.parse(plan.attachments[0].stdin), eth0.stdin);
    assert.deepEqual(JSON.parse(plan.attachments[1].stdin), eth1.stdin);
  });

  it('sets exactly the recorded environment variables (no CNI_ARGS), and drops CNI_NETNS when the namespace is gone', () => {
    const env = pluginEnv({ command: 'ADD', containerId: eth0.env.CNI_CONTAINERID, netns: eth0.env.CNI_NETNS, ifName: 'eth0', pluginDir: eth0.env.CNI_PATH, path: eth0.env.PATH });
    assert.deepEqual(env, eth0.env);
    const del = pluginEnv({ command: 'DEL', containerId: 'c', ifName: 'eth1', pluginDir: '/p', path: '/bin' });
    assert.equal('CNI_NETNS' in del, false);
    assert.equal(del.CNI_COMMAND, 'DEL');
  });

  it('numbers interfaces over named entries only, keeps skipped names in their position, and refuses unknown or repeated networks', () => {
    const task = taskWith([{ ip_addresses: [{ protocol: 'IPv4' }] }, { name: 'nw-vnet1' }, { name: 'nw-vnet3' }, { name: 'vnet-agent-link' }]);
    const plan = planAttachments(task, configs, new Set(['vnet-agent-link']));
    assert.deepEqual(plan.attachments.map((a) => a.ifName), ['eth0', 'eth1']);
    assert.deepEqual(plan.skipped.map((n) => n.name), ['vnet-agent-link']);
    const skippedFirst = planAttachments(taskWith([{ name: 'vnet-agent-link' }, { name: 'nw-vnet3' }]), configs, new Set(['vnet-agent-link']));
    assert.equal(skippedFirst.attachments[0].ifName, 'eth1');
    assert.throws(() => planAttachments(taskWith([{ name: 'nw-nope' }]), configs), (e: unknown) => e instanceof CniLaunchError && e.message === "Unknown CNI network 'nw-nope'");
    assert.throws(() => planAttachments(taskWith([{ name: 'nw-vnet1' }, { name: 'nw-vnet1' }]), configs), /multiple times/);
  });

  it('keeps other args keys of a config and never lets a config carry its own org.apache.mesos args', () => {
    const stdin = JSON.parse(pluginStdin({ ...BASE_CONF('n'), args: { other: { k: 1 } } }, { name: 'n' })) as { args: Record<string, unknown> };
    assert.deepEqual(stdin.args.other, { k: 1 });
    assert.deepEqual(stdin.args['org.apache.mesos'], { network_info: { name: 'n' } });
    assert.match(configProblem({ ...BASE_CONF('n'), args: { 'org.apache.mesos': {} } }) ?? '', /org\.apache\.mesos/);
    assert.match(configProblem({ name: 'n', plugins: [] }) ?? '', /conflist/);
    assert.match(configProblem({ name: 'n', type: '../x' }) ?? '', /plain file name/);
    assert.equal(configProblem(BASE_CONF('n')), null);
  });

  it('reports a 0.2.0 result as Mesos does: request copy, ip without prefix; 1.x results carry no address', () => {
    const req = eth1.stdin.args['org.apache.mesos'].network_info;
    const rep = reportedNetworkInfo(req, parseResult('{"cniVersion":"0.2.0","ip4":{"ip":"192.168.0.100/24","gateway":"192.168.0.1"},"dns":{}}'));
    assert.deepEqual(rep.ip_addresses, [{ protocol: 'IPv4', ip_address: '192.168.0.100' }]);
    assert.deepEqual(rep.labels, req.labels);
    const v1 = reportedNetworkInfo(req, parseResult('{"cniVersion":"1.0.0","ips":[{"address":"192.168.0.100/24"}]}'));
    assert.equal(v1.ip_addresses, undefined);
    assert.throws(() => parseResult('not json'), /Failed to parse the output of the CNI plugin/);
    assert.throws(() => parseResult('{"ip4":{}}'), /ip4\.ip missing/);
  });

  it('words a plugin failure like the Mesos agent, with stdout and stderr', () => {
    assert.equal(attachFailureMessage('vnet-driver', 'c1', 'nw-vnet3', '{"code":7}\n', 'boom\n'),
      "The CNI plugin 'vnet-driver' failed to attach container c1 to CNI network 'nw-vnet3': stdout='{\"code\":7}', stderr='boom'");
  });

  it('finds the image of a MESOS+DOCKER task and of a DOCKER task, none for a plain command', () => {
    assert.equal(taskImage(taskWith([], 'busybox')), 'busybox');
    assert.equal(taskImage({ ...taskWith([]), container: { type: 'DOCKER', docker: { image: 'nginx:1' } } }), 'nginx:1');
    assert.equal(taskImage({ ...taskWith([]), container: undefined }), undefined);
  });
});

describe('local mode: names (pure)', () => {
  it('derives one tag per data dir and keeps every name within its kernel limit', () => {
    assert.equal(instanceTag('/tmp/a'), instanceTag('/tmp/a/'));
    assert.notEqual(instanceTag('/tmp/a'), instanceTag('/tmp/b'));
    const tag = instanceTag('/tmp/a');
    const names = networkNames(tag, ['nw-vnet1', 'nw-vnet2', 'nw-averyveryverylongname', 'nw-averyveryverylongnamf', 'weird']);
    for (const n of names) {
      assert.ok(n.bridge.length <= 15 && n.dhcpVeth.length <= 15, n.bridge);
      assert.match(n.datapath, /^dp-[a-z0-9]{1,16}$/);
      assert.match(n.dpid, /^0x[0-9a-f]{16}$/);
    }
    assert.equal(new Set(names.map((n) => n.bridge)).size, names.length);
    assert.equal(new Set(names.map((n) => n.dpid)).size, names.length);
    assert.deepEqual(names.slice(0, 2).map((n) => n.bridge), ['vnbr-vnet1', 'vnbr-vnet2']);
  });

  it('puts the tag into every namespace and container name and refuses unsafe container ids', () => {
    const ns = containerNetns('abc123', '83d3bb69-6bd6-41fa-aa7a-68dd1700eeea');
    assert.equal(ns, 'mvn-abc123-c-83d3bb69-6bd6-41fa-aa7a-68dd1700eeea');
    assert.ok(isOwnNetns('abc123', ns) && isOwnNetns('abc123', fabricNetns('abc123')));
    assert.equal(isOwnNetns('abc124', ns), false);
    assert.throws(() => containerNetns('abc123', '../etc'), LocalNameError);
    assert.throws(() => containerNetns('abc123', '-rf'), LocalNameError);
    assert.deepEqual(dockerNames('abc123', 'c1'), { pause: 'mvn-abc123-pause-c1', task: 'mvn-abc123-task-c1' });
  });
});

describe('local mode: DHCP hosts from OpenVNet state (pure)', () => {
  it('lists exactly the leased MAC → IP pairs per network, the services themselves excluded on request', async () => {
    const server = createVnetApiServer({});
    try {
      await applyInitFile(server, NETWORKS);
      const form = (o: Record<string, string>): string => new URLSearchParams(o).toString();
      const ct = { 'content-type': 'application/x-www-form-urlencoded' };
      await server.inject({ method: 'POST', url: '/api/datapaths', headers: ct, payload: form({ uuid: 'dp-t1', display_name: 't', dpid: '0x1', node_id: 'vna' }) });
      const created = await server.inject({ method: 'POST', url: '/api/interfaces', headers: ct, payload: form({ uuid: 'if-aaaaaaaaaaaa', mode: 'vif', owner_datapath_uuid: 'dp-t1', network_uuid: 'nw-vnet2', mac_address: '02:00:00:00:00:aa', ipv4_address: '10.0.0.50' }) });
      assert.equal(created.statusCode, 200, created.body);
      const state = getVnetModel(server).state;
      const services = dhcpServices(state);
      assert.deepEqual(services.map((s) => [s.networkUuid, s.ip, s.mac, s.prefix]), [
        ['nw-vnet1', '10.0.0.2', '02:00:00:00:01:01', 24], ['nw-vnet2', '10.0.0.2', '02:00:00:00:02:01', 24], ['nw-vnet3', '192.168.0.2', '02:00:00:00:03:01', 24],
      ]);
      const hosts = dhcpHostsByNetwork(state, new Set(services.map((s) => s.interfaceUuid)));
      assert.deepEqual(hosts.get('nw-vnet2'), [{ mac: '02:00:00:00:00:aa', ip: '10.0.0.50' }]);
      assert.equal(hosts.get('nw-vnet1'), undefined);
      assert.equal(hostsFileText(hosts.get('nw-vnet2') ?? []), '02:00:00:00:00:aa,10.0.0.50\n');
      await server.inject({ method: 'DELETE', url: '/api/interfaces/if-aaaaaaaaaaaa' });
      assert.equal(dhcpHostsByNetwork(getVnetModel(server).state, new Set(services.map((s) => s.interfaceUuid))).get('nw-vnet2'), undefined);
      assert.equal(leasePolicyFor(state, 'nw-vnet1'), 'lp-vnet1');
      assert.equal(leasePolicyFor(state, 'nw-none'), null);
    } finally {
      await server.close();
    }
  });

  it('serves a static range of the service subnet with --no-ping and no router option', () => {
    assert.equal(netmaskOf(24), '255.255.255.0');
    assert.equal(netmaskOf(0), '0.0.0.0');
    assert.equal(networkAddress('192.168.7.130', 25), '192.168.7.128');
    const args = new DhcpServer({ netns: 'ns1', ifName: 'eth0', serverIp: '10.0.0.2', prefix: 24, dir: '/d', run: async () => ({ code: 0, stdout: '', stderr: '' }) }).args();
    assert.ok(args.includes('--dhcp-range=10.0.0.0,static,255.255.255.0,3600'));
    assert.ok(args.includes('--no-ping') && args.includes('--dhcp-hostsfile=/d/hosts') && args.includes('--dhcp-option=option:router'));
  });
});

describe('local mode: CNI configs and the config dir (pure + temp files)', () => {
  it('writes one vnet-driver config per network that the driver would accept, and skips what a Mesos agent skips', () => {
    const [n] = networkNames('abc123', ['nw-vnet1']);
    const conf = driverConfig({ network: { ...n, dhcp: null, dhcpServer: null }, bridgeType: 'linux', fabricNetnsPath: '/var/run/netns/mvn-abc123-fabric', ovsDb: null, openvnetUrl: 'http://127.0.0.1:9090', leasePolicy: 'lp-vnet1', stateDir: '/tmp/s', displayName: 'x' });
    assert.equal(conf.cniVersion, '0.2.0');
    assert.equal(conf.bridge, 'vnbr-vnet1');
    assert.deepEqual((conf.openvnet as Record<string, unknown>).leasePolicy, 'lp-vnet1');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mvn-lm-core-'));
    try {
      const cfg = path.join(dir, 'cni');
      const bin = path.join(dir, 'bin');
      fs.mkdirSync(cfg);
      fs.mkdirSync(bin);
      fs.writeFileSync(path.join(bin, 'vnet-driver'), '');
      fs.writeFileSync(path.join(cfg, 'a.conf'), JSON.stringify(conf));
      fs.writeFileSync(path.join(cfg, 'b.conf'), JSON.stringify(conf));
      fs.writeFileSync(path.join(cfg, 'c.conflist'), JSON.stringify({ name: 'x', plugins: [] }));
      fs.writeFileSync(path.join(cfg, 'd.json'), JSON.stringify({ ...conf, name: 'nw-other', type: 'bridge' }));
      fs.writeFileSync(path.join(cfg, 'e.conf'), '{');
      const loaded = loadConfigDir(cfg, bin);
      assert.deepEqual([...loaded.configs.keys()], ['nw-vnet1']);
      assert.deepEqual(loaded.skipped.map((s) => path.basename(s.file)), ['b.conf', 'c.conflist', 'd.json', 'e.conf']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('local mode: Docker endpoint, status notes, preflight (pure)', () => {
  it('reads DOCKER_HOST (unix or tcp) and falls back to the default socket only when it exists', () => {
    assert.deepEqual(dockerEndpoint({ DOCKER_HOST: 'unix:///tmp/x/docker.sock' }), { host: 'unix:///tmp/x/docker.sock', socketPath: '/tmp/x/docker.sock' });
    assert.deepEqual(dockerEndpoint({ DOCKER_HOST: 'tcp://127.0.0.1:2375' })?.tcp, { hostname: '127.0.0.1', port: 2375 });
    assert.equal(dockerEndpoint({ DOCKER_HOST: 'ssh://x' }), null);
    assert.equal(dockerEndpoint({}, () => false), null);
    assert.equal(dockerEndpoint({}, () => true)?.socketPath, '/var/run/docker.sock');
    assert.ok(isImageRef('registry.example.com:5000/a/b:1.2@sha256:abc'));
    assert.equal(isImageRef('--privileged'), false);
  });

  it('adds the note to STARTING and RUNNING of noted tasks only, never over an existing message', () => {
    const seen: AgentStatusReport[] = [];
    let registered: AgentRegistration | undefined;
    const inner = { kind: 'exec', hostname: 'h', port: 1, ip: '127.0.0.1', resources: { cpus: 1, mem: 1, disk: 1 },
      register: (r: AgentRegistration) => { registered = r; }, launch: () => undefined, kill: () => undefined,
      shutdown: async () => undefined, tasks: () => [] } as Agent;
    const agent = new NotingAgent(inner, (_fw, task) => (task === 'noted' ? 'image not used' : undefined));
    agent.register({ agentId: 'a', report: (s) => seen.push(s) });
    const base = { frameworkId: 'f', source: 'SOURCE_EXECUTOR' as const, executorId: 'e' };
    registered?.report({ ...base, taskId: 'noted', state: 'TASK_RUNNING' });
    registered?.report({ ...base, taskId: 'noted', state: 'TASK_FAILED', message: 'Command exited with status 1' });
    registered?.report({ ...base, taskId: 'noted', state: 'TASK_STARTING', message: 'own' });
    registered?.report({ ...base, taskId: 'other', state: 'TASK_RUNNING' });
    assert.deepEqual(seen.map((s) => s.message), ['image not used', 'Command exited with status 1', 'own', undefined]);
  });

  it('leads with the cause and gives the one remedy, naming the rest; probes namespaces only when the rest is there', async () => {
    const calls: string[][] = [];
    const run: Run = async (cmd, args) => { calls.push([cmd, ...args]); return { code: 1, stdout: '', stderr: 'Operation not permitted' }; };
    const fails = async (input: Partial<Parameters<typeof preflight>[0]>): Promise<string> => {
      let message = '';
      await assert.rejects(preflight({ uid: 0, platform: 'linux', pathEnv: process.env.PATH ?? '', ovs: false, probeNetns: 'p', run, ...input }), (e: unknown) => {
        assert.ok(e instanceof PreflightError);
        message = e.message;
        assert.equal(message.includes('\n'), false, message);
        return true;
      });
      return message;
    };
    const nonRoot = await fails({ uid: 1000, pathEnv: '/nonexistent' });
    assert.match(nonRoot, /^needs root \(running as uid 1000\): .* Run it as root: `sudo npm start`, which also installs the missing Debian packages\./);
    assert.match(nonRoot, /Missing programs: ip, nsenter, dnsmasq, udhcpc\./);
    assert.equal(nonRoot.includes('MVN_OVS'), false);
    assert.deepEqual(calls, []);
    assert.match(await fails({ probeNetns: 'mvn-probe' }), /^cannot create network namespaces \(ip netns add failed: Operation not permitted\): .*--privileged/);
    assert.match(await fails({ platform: 'darwin', pathEnv: '' }), /^needs Linux \(this is darwin\): .*Run it on a Linux machine or VM\.$/);
    // --ovs as root without Open vSwitch: the cause first, then the one remedy (the flag installs it).
    const pathDir = ovsFreePath();
    const onlyOvs = await fails({ ovs: true, pathEnv: pathDir }).finally(() => fs.rmSync(pathDir, { recursive: true, force: true }));
    assert.match(onlyOvs, /^--ovs needs Open vSwitch, which is not installed \(ovs-vsctl, ovsdb-server, ovs-vswitchd, ovsdb-tool not on PATH\)\. Install it: `sudo npm start -- --ovs` installs openvswitch-switch/);
    assert.equal(/Also missing/.test(onlyOvs), false, onlyOvs);
    const ovsAndRoot = await fails({ ovs: true, uid: 1000, pathEnv: '/nonexistent' });
    assert.match(ovsAndRoot, /^needs root \(running as uid 1000\): .*`sudo npm start -- --ovs`/);
  });
});

describe('local mode: the start-up banner (pure)', () => {
  it('names the bridge type that runs', () => {
    const handle = (bridgeType: 'linux' | 'ovs'): LocalHandle => ({
      tag: 't', dataDir: '/d', apiUrl: 'http://127.0.0.1:8080', vnetUrl: 'http://127.0.0.1:9090', mesosUrl: 'http://127.0.0.1:5050', fabricNetns: 'mvn-t-fabric',
      bridgeType, bridges: [{ network: 'nw-vnet1', bridge: 'br1', dhcp: '10.0.0.2/24' }], cniConfigDir: '/d/cni', pluginDir: '/d/cni-bin',
      docker: { reason: 'no Docker engine' }, close: async () => undefined,
    });
    assert.match(banner(handle('linux'), 's.json'), /\n {2}bridge type {8}Linux bridge \(add --ovs for Open vSwitch\)\n/);
    assert.match(banner(handle('ovs'), 's.json'), /\n {2}bridge type {8}Open vSwitch \(private ovsdb \+ ovs-vswitchd, userspace datapath\)\n/);
  });
});

/** The PATH with the tools local mode needs but without Open vSwitch (links in a temp dir). */
function ovsFreePath(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mvn-lm-path-'));
  for (const t of ['ip', 'nsenter', 'dnsmasq', 'udhcpc']) {
    const found = (process.env.PATH ?? '').split(':').map((d) => path.join(d, t)).find((f) => fs.existsSync(f));
    fs.symlinkSync(found ?? '/bin/true', path.join(dir, t));
  }
  return dir;
}

describe('local mode: one instance per data dir (temp files)', () => {
  let dir = '';
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mvn-lm-lock-')); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });
  const alive = (pids: number[]) => (pid: number): boolean => pids.includes(pid);

  it('refuses a second live claimant, naming its pid and the lock file, and leaves the claim alone', () => {
    const first = lockDataDir(dir, { pid: 100, alive: alive([100, 200]) });
    assert.throws(() => lockDataDir(dir, { pid: 200, alive: alive([100, 200]) }), (e: unknown) => {
      assert.ok(e instanceof DataDirLockedError);
      assert.equal(e.holderPid, 100);
      assert.match(e.message, /pid 100\) is using the data dir .*--data-dir.*local\.pid$/);
      return true;
    });
    assert.equal(fs.readFileSync(first.file, 'utf8'), '100\n');
    first.release();
    assert.equal(fs.existsSync(path.join(dir, LOCK_FILE)), false);
    const second = lockDataDir(dir, { pid: 200, alive: alive([200]) });
    assert.equal(fs.readFileSync(second.file, 'utf8'), '200\n');
  });

  it('takes over a claim whose process is gone or whose file is garbage, and its own claim again', () => {
    lockDataDir(dir, { pid: 100, alive: alive([100]) });
    const taken = lockDataDir(dir, { pid: 200, alive: alive([200]) });
    assert.equal(fs.readFileSync(taken.file, 'utf8'), '200\n');
    fs.writeFileSync(taken.file, 'not a pid');
    assert.equal(fs.readFileSync(lockDataDir(dir, { pid: 300, alive: alive([300]) }).file, 'utf8'), '300\n');
    const again = lockDataDir(dir, { pid: 300, alive: alive([300]) });
    assert.equal(fs.readFileSync(again.file, 'utf8'), '300\n');
  });

  it('releases only its own claim', () => {
    const mine = lockDataDir(dir, { pid: 100, alive: alive([100]) });
    fs.writeFileSync(mine.file, '999\n');
    mine.release();
    assert.equal(fs.readFileSync(mine.file, 'utf8'), '999\n');
  });
});
