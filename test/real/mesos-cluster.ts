// The real-Mesos tier's cluster (see ../shared/mesos/README.md for the recipe): a network namespace
// of the run's own (`mr<R>`, a veth to the root namespace), inside it mesos-master, mesos-agent
// (linux launcher, network/cni isolator, docker image provider over a local registry), the embedded
// OpenVNet API (`marathon-vnet vnet-api`), the Linux bridges `vnet-driver setup` made and a dnsmasq
// on nw-vnet1's bridge fed from OpenVNet's leases as local mode does; `serve` runs in this process
// and drives the master over the veth. Every name carries the run id, every process is ours by PID,
// and `close()` checks nothing is left (processes, mounts, namespaces, links, cgroups).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startServe, type ServeHandle } from '../../src/cli/serve';
import { DhcpServer } from '../../src/local/dhcp-server';
import { dhcpHostsByNetwork } from '../../src/local/dhcp-hosts';
import { spawnRun } from '../../src/local/exec';
import type { VnetState } from '../../src/sim/openvnet/model';
import { poller, type Poll } from '../helpers/poll';
import { run, type CommandResult } from '../helpers/processes';
import { buildBusyboxRegistry } from './busybox-image';

export const MESOS = '/opt/mesos';
const REPO = path.resolve(__dirname, '..', '..', '..');
const DRIVER_BIN = path.join(REPO, 'driver', 'bin', 'vnet-driver.js');
const MARATHON_VNET_BIN = path.join(REPO, 'src', 'bin', 'marathon-vnet.js');
const NETWORKS = path.join(REPO, 'samples', 'openvnet', 'networks.json');

let skipLogged = false;
/** Why the tier cannot run here (null: it can); the reason is printed once per run. */
export function realTierSkip(): string | null {
  let why: string | null = null;
  if (!fs.existsSync(path.join(MESOS, 'sbin', 'mesos-agent'))) why = `no ${MESOS}/sbin/mesos-agent (install it from ../shared/mesos/install.sh)`;
  else if (process.getuid?.() !== 0) why = 'not root (the agent needs namespaces, mounts and cgroups)';
  if (why !== null && !skipLogged) {
    skipLogged = true;
    console.log(`real-Mesos tier skipped: ${why}`);
  }
  return why;
}

/** Waits up to a minute (Mesos offers, executor start-up). */
export const waitFor: Poll = poller({ timeoutMs: 60_000, everyMs: 200, retryErrors: true });

export async function must(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} → ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

interface Proc { name: string; child: ChildProcess; exited: Promise<void> }

export interface HttpResult<T> { status: number; body: T; text: string }

export async function http<T = unknown>(base: string, method: string, url: string, body?: unknown): Promise<HttpResult<T>> {
  const init: RequestInit = { method, headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(15_000) };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] = typeof body === 'string' ? 'application/x-www-form-urlencoded' : 'application/json';
  }
  const res = await fetch(base + url, init);
  const text = await res.text();
  let parsed: unknown = text;
  try { parsed = text === '' ? undefined : JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: parsed as T, text };
}

export class RealCluster {
  readonly ns: string;
  readonly nsPath: string;
  /** The namespace's end of the veth: master, agent and OpenVNet listen here. */
  readonly addr: string;
  readonly rootAddr: string;
  readonly vnetUrl: string;
  readonly masterUrl: string;
  readonly agentUrl: string;
  readonly confDir: string;
  readonly pluginDir: string;
  readonly stateDir: string;
  readonly registry: string;
  readonly cgroupsRoot: string;
  bridges: Record<string, string> = {};
  serve!: ServeHandle;
  private readonly procs = new Map<string, Proc>();
  private dhcp: DhcpServer | null = null;
  private feeder: NodeJS.Timeout | null = null;
  private feeding: Promise<void> = Promise.resolve();
  private feedError: Error | null = null;

  private constructor(readonly R: string, readonly W: string) {
    this.ns = `mr${R}`;
    this.nsPath = `/var/run/netns/${this.ns}`;
    const b = randomBytes(2);
    const net = `10.${200 + (b[0] % 50)}.${b[1]}`;
    this.rootAddr = `${net}.1`;
    this.addr = `${net}.2`;
    this.vnetUrl = `http://${this.addr}:9090`;
    this.masterUrl = `http://${this.addr}:5050`;
    this.agentUrl = `http://${this.addr}:5051`;
    this.confDir = path.join(W, 'cni-conf');
    this.pluginDir = path.join(W, 'cni-bin');
    this.stateDir = path.join(W, 'driver-state');
    this.registry = path.join(W, 'registry');
    this.cgroupsRoot = `mvn_${R}`;
  }

  static async start(): Promise<RealCluster> {
    const R = randomBytes(3).toString('hex');
    const W = fs.mkdtempSync(path.join(os.tmpdir(), `mr-${R}.`));
    const c = new RealCluster(R, W);
    try {
      await c.boot();
    } catch (err) {
      await c.close().catch(() => undefined);
      throw err;
    }
    return c;
  }

  private async boot(): Promise<void> {
    const { ns, R, W } = this;
    await must('ip', ['netns', 'add', ns]);
    await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    await must('ip', ['link', 'add', `mr${R}a`, 'type', 'veth', 'peer', 'name', `mr${R}b`, 'netns', ns]);
    await must('ip', ['addr', 'add', `${this.rootAddr}/30`, 'dev', `mr${R}a`]);
    await must('ip', ['link', 'set', `mr${R}a`, 'up']);
    await must('ip', ['-n', ns, 'addr', 'add', `${this.addr}/30`, 'dev', `mr${R}b`]);
    await must('ip', ['-n', ns, 'link', 'set', `mr${R}b`, 'up']);
    for (const d of [this.confDir, this.pluginDir, this.stateDir, this.registry]) fs.mkdirSync(d, { recursive: true });
    fs.symlinkSync(DRIVER_BIN, path.join(this.pluginDir, 'vnet-driver'));
    await buildBusyboxRegistry(this.registry, path.join(W, 'image-build'));

    await this.spawnIn('vnet-api', process.execPath, [MARATHON_VNET_BIN, 'vnet-api', '--listen', `${this.addr}:9090`, '--init', NETWORKS,
      '--state', path.join(W, 'vnet-state.json'), '--log-level', 'silent']);
    await waitFor('the OpenVNet API', async () => ((await http(this.vnetUrl, 'GET', '/api/1.0/networks')).status === 200 ? true : undefined), 20_000);
    const setup = await this.driver(['setup', '--bridge', `vb${R}`, '--bridge-type', 'linux', '--openvnet', this.vnetUrl, '--datapath', `dp-${R}`,
      '--dpid', `0x00ee${R}${R}`, '--config-dir', this.confDir, '--agent-address', this.addr, '--state-dir', this.stateDir]);
    if (setup.code !== 0) throw new Error(`vnet-driver setup: ${setup.stderr}`);
    this.bridges = (JSON.parse(setup.stdout) as { bridges: Record<string, string> }).bridges;
    await this.startDhcp();

    await this.spawnIn('master', path.join(MESOS, 'sbin', 'mesos-master'), [`--ip=${this.addr}`, '--port=5050', `--work_dir=${W}/master`,
      '--registry=in_memory', `--hostname=${this.addr}`, '--allocation_interval=250ms', '--quiet', `--log_dir=${W}/master-log`]);
    await waitFor('the Mesos master', async () => ((await http(this.masterUrl, 'GET', '/master/health')).status === 200 ? true : undefined), 30_000);
    await this.startAgent();
    this.serve = await startServe({
      master: this.masterUrl, httpPort: 0, listenHost: '127.0.0.1', openvnet: this.vnetUrl, state: 'memory:', logger: false, ui: false,
      reconciliationInitialDelayMs: 500, reconciliationIntervalMs: 5000,
      scheduler: { housekeepingIntervalMs: 200, declineWaitingSeconds: 0.2, declineIdleSeconds: 1 },
    });
  }

  /** The agent (again, with the same work and runtime dirs after a stop: recovery). */
  async startAgent(): Promise<void> {
    const W = this.W;
    await this.spawnIn('agent', path.join(MESOS, 'sbin', 'mesos-agent'), [
      `--master=${this.addr}:5050`, `--ip=${this.addr}`, '--port=5051', `--hostname=${this.addr}`,
      `--work_dir=${W}/agent`, `--runtime_dir=${W}/agent-run`, `--launcher_dir=${MESOS}/libexec/mesos`,
      '--containerizers=mesos', '--launcher=linux', `--cgroups_root=${this.cgroupsRoot}`,
      '--isolation=filesystem/linux,docker/runtime,network/cni,posix/cpu,posix/mem',
      `--network_cni_config_dir=${this.confDir}`, `--network_cni_plugins_dir=${this.pluginDir}`, '--network_cni_root_dir_persist',
      '--image_providers=docker', `--docker_registry=${this.registry}`, `--docker_store_dir=${W}/docker-store`,
      '--resources=cpus:8;mem:8192;disk:10000;ports:[31000-32000]', '--no-systemd_enable_support',
      '--executor_registration_timeout=30secs', '--executor_shutdown_grace_period=3secs', '--recovery_timeout=1mins',
      '--quiet', `--log_dir=${W}/agent-log`,
    ]);
    await waitFor('the agent registered', async () => {
      const s = await http<{ slaves: { active: boolean }[] }>(this.masterUrl, 'GET', '/master/state');
      return s.body.slaves.some((a) => a.active) ? true : undefined;
    });
  }

  /** Stops the agent: SIGKILL is a crash (executors keep running), SIGTERM a clean stop. */
  async stopAgent(signal: NodeJS.Signals): Promise<void> {
    await this.stop('agent', signal);
  }

  /** `vnet-driver <args>` inside the agent's namespace. */
  driver(args: string[]): Promise<CommandResult> {
    return run('nsenter', [`--net=${this.nsPath}`, process.execPath, DRIVER_BIN, ...args]);
  }

  /** A command inside the namespace of the agent. */
  inAgentNs(cmd: string, args: string[]): Promise<CommandResult> {
    return run('nsenter', [`--net=${this.nsPath}`, cmd, ...args]);
  }

  /** Containers the agent runs: Mesos container id → executor id (the task id for command tasks). */
  async containers(): Promise<{ containerId: string; executorId: string }[]> {
    const r = await http<{ container_id: string; executor_id: string }[]>(this.agentUrl, 'GET', '/containers');
    if (r.status !== 200) throw new Error(`agent /containers: ${r.status}`);
    return r.body.map((c) => ({ containerId: c.container_id, executorId: c.executor_id }));
  }

  /** The network namespace file of a task's container (as the driver recorded it at ADD). */
  taskNetns(taskId: string, containerId: string): string {
    for (const f of this.attachmentFiles()) {
      const h = JSON.parse(fs.readFileSync(f, 'utf8').split('\n')[0]) as { containerId: string; netns: string };
      if (h.containerId === containerId) return h.netns;
    }
    throw new Error(`no attachment of task ${taskId} (container ${containerId})`);
  }

  attachmentFiles(): string[] {
    const d = path.join(this.stateDir, 'attachments');
    return fs.existsSync(d) ? fs.readdirSync(d).filter((n) => n.endsWith('.json')).map((n) => path.join(d, n)) : [];
  }

  /** Host ends of the driver's links in the agent namespace. */
  async driverLinks(): Promise<string[]> {
    const links = JSON.parse(await must('ip', ['-n', this.ns, '-j', 'link', 'show'])) as { ifname: string }[];
    return links.map((l) => l.ifname).filter((n) => /^(if|al)-[0-9a-f]{12}$/.test(n)).sort();
  }

  private async startDhcp(): Promise<void> {
    const bridge = this.bridges['nw-vnet1'];
    await must('ip', ['-n', this.ns, 'addr', 'add', '10.0.0.2/24', 'dev', bridge]);
    this.dhcp = new DhcpServer({ netns: this.ns, ifName: bridge, serverIp: '10.0.0.2', prefix: 24, dir: path.join(this.W, 'dhcp'), run: spawnRun });
    await this.dhcp.start([]);
    // As local mode: the leases OpenVNet holds are exactly what dnsmasq answers (the state file
    // is rewritten atomically after every change).
    const stateFile = path.join(this.W, 'vnet-state.json');
    let last = '';
    this.feeder = setInterval(() => {
      this.feeding = this.feeding.then(async () => {
        let text: string;
        try { text = fs.readFileSync(stateFile, 'utf8'); } catch { return; }
        if (text === last || this.dhcp === null) return;
        last = text;
        const hosts = dhcpHostsByNetwork(JSON.parse(text) as VnetState).get('nw-vnet1') ?? [];
        await this.dhcp.reload(hosts);
      }).catch((err: Error) => { this.feedError = err; });
    }, 50);
  }

  private async spawnIn(name: string, cmd: string, args: string[]): Promise<void> {
    const log = fs.openSync(path.join(this.W, `${name}.log`), 'a');
    const child = spawn('nsenter', [`--net=${this.nsPath}`, cmd, ...args], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.once('error', () => undefined);
    this.procs.set(name, { name, child, exited });
  }

  private async stop(name: string, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
    const p = this.procs.get(name);
    if (p === undefined) return;
    this.procs.delete(name);
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill(signal);
      const t = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
      await p.exited;
      clearTimeout(t);
    }
  }

  log(name: string): string {
    try { return fs.readFileSync(path.join(this.W, `${name}.log`), 'utf8').slice(-3000); } catch { return ''; }
  }

  /** Stops everything by PID (tasks through a framework teardown first) and returns what is left. */
  async close(): Promise<string[]> {
    // Tasks first: the agent destroys the containers, running every CNI DEL.
    if (this.procs.has('master')) {
      try {
        const s = await http<{ frameworks: { id: string }[] }>(this.masterUrl, 'GET', '/master/state');
        for (const f of s.body.frameworks ?? []) await http(this.masterUrl, 'POST', '/master/teardown', `frameworkId=${f.id}`);
        if (this.procs.has('agent')) await waitFor('no containers', async () => ((await this.containers()).length === 0 ? true : undefined), 30_000);
      } catch { /* the leftover check below reports */ }
    }
    await this.serve?.close().catch(() => undefined);
    if (this.feeder !== null) clearInterval(this.feeder);
    await this.feeding;
    await this.stop('agent');
    await this.stop('master');
    await this.stop('vnet-api');
    await this.dhcp?.stop();
    this.dhcp = null;
    const left: string[] = [];
    // Processes that still refer to our private directory (executors, tasks, helpers): ours, stopped by PID.
    for (const pid of ownProcesses(this.W)) {
      left.push(`process ${pid}`);
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    // The agent bind-mounts its own work dir (filesystem/linux makes it a shared mount); nothing else may stay.
    for (const m of ownMounts(this.W).reverse()) {
      if (m !== path.join(this.W, 'agent')) left.push(`mount ${m}`);
      await run('umount', ['-l', m]);
    }
    const nsList = await must('ip', ['netns', 'list']);
    left.push(...nsList.split('\n').map((l) => l.split(' ')[0]).filter((n) => n.includes(this.R) && n !== this.ns).map((n) => `netns ${n}`));
    await run('ip', ['netns', 'del', this.ns]);
    // The kernel frees a deleted namespace (and the veth with it) asynchronously.
    const ourLinks = async (): Promise<string[]> => (await must('ip', ['-o', 'link'])).split('\n').filter((l) => l.includes(this.R));
    await waitFor('the namespace freed', async () => ((await ourLinks()).length === 0 ? true : undefined), 10_000).catch(() => undefined);
    left.push(...(await ourLinks()).map((l) => `link ${l.slice(0, 60)}`));
    for (const dir of cgroupDirs(this.cgroupsRoot)) {
      if (cgroupHasProcs(dir)) left.push(`cgroup ${dir}`);
      removeCgroup(dir);
    }
    if (ownMounts(this.W).length === 0) fs.rmSync(this.W, { recursive: true, force: true });
    if (this.feedError !== null) left.push(`dhcp feeder: ${this.feedError.message}`);
    return left;
  }
}

function ownProcesses(dir: string): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8');
      const env = fs.readFileSync(`/proc/${e}/environ`, 'utf8');
      if (cmd.includes(dir) || env.includes(dir)) out.push(Number(e));
    } catch { /* gone or kernel thread */ }
  }
  return out;
}

function ownMounts(dir: string): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m !== undefined && m.startsWith(dir));
}

function cgroupDirs(root: string): string[] {
  const out: string[] = [];
  for (const h of fs.existsSync('/sys/fs/cgroup') ? fs.readdirSync('/sys/fs/cgroup') : []) {
    const d = path.join('/sys/fs/cgroup', h, root);
    if (fs.existsSync(d)) out.push(d);
  }
  return out;
}

function cgroupHasProcs(dir: string): boolean {
  const walk = (d: string): boolean => {
    try {
      if (fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8').trim() !== '') return true;
    } catch { return false; }
    return fs.readdirSync(d, { withFileTypes: true }).some((e) => e.isDirectory() && walk(path.join(d, e.name)));
  };
  return walk(dir);
}

function removeCgroup(dir: string): void {
  let subs: string[] = [];
  try { subs = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name)); } catch { return; }
  for (const s of subs) removeCgroup(s);
  try { fs.rmdirSync(dir); } catch { /* busy or gone */ }
}
