// Shared fixture for the driver's integration tests (test-infra.md §2, §5, §6): a run id in every
// name, a private host namespace vh<R> holding the bridge (Linux or a private OVS with the
// userspace datapath), container namespaces v<x><R>, an in-process embedded OpenVNet webapi,
// and the driver run as Mesos runs it (env + stdin, separate process). Cleanup by PID and run id.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { applyInitFile, createVnetApiServer } from '../../src/sim/openvnet/server';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const DRIVER_BIN = path.join(REPO, 'driver', 'bin', 'vnet-driver.js');
/** The plugin file the build links for Mesos (src/bootstrap/plugin-launcher.js): run by bun when it is installed, else node. */
export const PLUGIN_BIN = path.join(REPO, 'dist', 'bin', 'vnet-driver');

/** The bun binary dist/bin/vnet-driver starts (its #! line), or null when it runs node or is absent. */
export function bunPluginRuntime(): string | null {
  let first = '';
  try {
    first = fs.readFileSync(PLUGIN_BIN, 'utf8').split('\n')[0];
  } catch {
    return null;
  }
  const m = /^#!(\S+)$/.exec(first);
  return m !== null && path.basename(m[1]) === 'bun' ? m[1] : null;
}

/**
 * runDriver's key (removed from the plugin's env) choosing the entry: 'bun' runs dist/bin/vnet-driver
 * by its #! line (bun); default: `node driver/bin/vnet-driver.js`, or the bun plugin for every call
 * when MVN_TEST_DRIVER_PLUGIN=bun (the same tests under the other runtime).
 */
export const PLUGIN_KEY = 'MVN_TEST_PLUGIN';
export const BUN_PLUGIN = { [PLUGIN_KEY]: 'bun' };

export const PATH_ENV = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface Run { code: number; stdout: string; stderr: string }

export function sh(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

export async function must(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const r = await sh(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} → ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

export function runId(): string {
  return randomBytes(3).toString('hex');
}

export type BridgeKind = 'linux' | 'ovs' | 'none';

export class NetFixture {
  readonly hostNs: string;
  readonly hostNsPath: string;
  readonly bridge: string;
  readonly ovsDb: string;
  readonly stateDir: string;
  private readonly namespaces: string[] = [];
  private readonly pidFiles: string[] = [];
  private readonly pids: number[] = [];
  private readonly mounts: string[] = [];
  private ovs = false;

  private constructor(readonly R: string, readonly W: string, readonly kind: BridgeKind) {
    this.hostNs = `vh${R}`;
    this.hostNsPath = `/var/run/netns/vh${R}`;
    this.bridge = `vb${R}`;
    this.ovsDb = `unix:${W}/db.sock`;
    this.stateDir = path.join(W, 'state');
  }

  get ovsEnv(): NodeJS.ProcessEnv {
    return { ...process.env, OVS_RUNDIR: this.W, OVS_LOGDIR: this.W, OVS_DBDIR: this.W };
  }

  static async create(kind: BridgeKind): Promise<NetFixture> {
    const R = runId();
    const W = fs.mkdtempSync(path.join(os.tmpdir(), `vt-${R}.`));
    const f = new NetFixture(R, W, kind);
    await must('ip', ['netns', 'add', f.hostNs]);
    f.namespaces.push(f.hostNs);
    await must('ip', ['-n', f.hostNs, 'link', 'set', 'lo', 'up']);
    if (kind === 'linux') {
      await must('ip', ['-n', f.hostNs, 'link', 'add', f.bridge, 'type', 'bridge']);
      await must('ip', ['-n', f.hostNs, 'link', 'set', f.bridge, 'up']);
    } else if (kind === 'ovs') {
      await f.startOvs();
    }
    return f;
  }

  private async startOvs(): Promise<void> {
    const W = this.W;
    const env = this.ovsEnv;
    await must('ovsdb-tool', ['create', `${W}/conf.db`, '/usr/share/openvswitch/vswitch.ovsschema'], { env });
    this.pidFiles.push(`${W}/ovsdb-server.pid`, `${W}/ovs-vswitchd.pid`);
    await must('ovsdb-server', [`${W}/conf.db`, `--remote=punix:${W}/db.sock`, `--pidfile=${W}/ovsdb-server.pid`,
      `--log-file=${W}/ovsdb-server.log`, '-vconsole:off', '--detach'], { env });
    this.ovs = true;
    await must('ovs-vsctl', [`--db=${this.ovsDb}`, '--no-wait', 'init'], { env });
    await must('ovs-vsctl', [`--db=${this.ovsDb}`, '--no-wait', 'set', 'Open_vSwitch', '.', 'other_config:userspace-tso-enable=true'], { env });
    await must('ip', ['netns', 'exec', this.hostNs, 'ovs-vswitchd', `unix:${W}/db.sock`, `--pidfile=${W}/ovs-vswitchd.pid`,
      `--log-file=${W}/ovs-vswitchd.log`, '-vconsole:off', '--detach'], { env });
    await must('ovs-vsctl', [`--db=${this.ovsDb}`, 'add-br', this.bridge, '--', 'set', 'bridge', this.bridge, 'datapath_type=netdev',
      `other-config:datapath-id=0000${this.R}${this.R}`], { env });
  }

  /** A fresh namespace `v<tag><R>`; returns its path. */
  async netns(tag: string): Promise<string> {
    const name = `v${tag}${this.R}`;
    await must('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    await must('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    return `/var/run/netns/${name}`;
  }

  /** Like Mesos: the namespace bind-mounted at <W>/mesos/<cid>/ns (not under /run/netns). */
  async mesosNetns(tag: string, containerId: string): Promise<string> {
    const src = await this.netns(tag);
    const dir = path.join(this.W, 'mesos', containerId);
    fs.mkdirSync(dir, { recursive: true });
    const target = path.join(dir, 'ns');
    fs.writeFileSync(target, '');
    await must('mount', ['--bind', src, target]);
    this.mounts.push(target);
    return target;
  }

  async delNetns(pathOrName: string): Promise<void> {
    if (this.mounts.includes(pathOrName)) {
      await sh('umount', [pathOrName]);
      fs.rmSync(pathOrName, { force: true });
      this.mounts.splice(this.mounts.indexOf(pathOrName), 1);
      return;
    }
    const name = path.basename(pathOrName);
    await sh('ip', ['netns', 'del', name]);
  }

  trackPid(pid: number): void {
    this.pids.push(pid);
  }

  trackPidFile(file: string): void {
    this.pidFiles.unshift(file);
  }

  /** Runs a command inside one of our namespaces. */
  exec(ns: string, cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<Run> {
    return sh('nsenter', [`--net=${ns}`, cmd, ...args], opts);
  }

  async cleanup(): Promise<void> {
    for (const pid of this.pids) await stopPid(pid);
    const own = this.pidFiles.filter((p) => !p.includes('ovs'));
    for (const f of own) await stopPidFile(f);
    if (this.ovs) await sh('ovs-vsctl', [`--db=${this.ovsDb}`, '--timeout=5', '--if-exists', 'del-br', this.bridge], { env: this.ovsEnv });
    await stopPidFile(`${this.W}/ovs-vswitchd.pid`);
    await stopPidFile(`${this.W}/ovsdb-server.pid`);
    for (const m of this.mounts) await sh('umount', [m]);
    // Any DHCP client the driver may have left (by pid file under our state dir).
    const dhcpDir = path.join(this.stateDir, 'dhcp');
    if (fs.existsSync(dhcpDir)) for (const n of fs.readdirSync(dhcpDir)) if (n.endsWith('.pid')) await stopPidFile(path.join(dhcpDir, n));
    for (const ns of [...this.namespaces].reverse()) await sh('ip', ['netns', 'del', ns]);
    fs.rmSync(this.W, { recursive: true, force: true });
  }

  /** Names carrying the run id that still exist (namespaces, root-namespace links). */
  async leftovers(): Promise<string[]> {
    const out: string[] = [];
    const ns = await sh('ip', ['netns', 'list']);
    out.push(...ns.stdout.split('\n').map((l) => l.split(' ')[0]).filter((n) => n.includes(this.R)));
    const links = await sh('ip', ['-o', 'link']);
    out.push(...links.stdout.split('\n').filter((l) => l.includes(this.R)));
    return out;
  }
}

async function stopPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 50; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

async function stopPidFile(file: string): Promise<void> {
  let pid = NaN;
  try {
    pid = Number(fs.readFileSync(file, 'utf8').trim());
  } catch {
    return;
  }
  if (Number.isInteger(pid) && pid > 1) await stopPid(pid);
}

export interface Vnet { url: string; app: FastifyInstance; close: () => Promise<void> }

export const SEED = {
  networks: [
    { uuid: 'nw-vnet1', display_name: 'vnet1', ipv4_network: '10.0.0.0', ipv4_prefix: 24, network_mode: 'virtual' },
    { uuid: 'nw-vnet3', display_name: 'vnet3', ipv4_network: '192.168.0.0', ipv4_prefix: 24, network_mode: 'virtual' },
  ],
  ip_range_groups: [{ uuid: 'iprg-vnet1', ip_ranges: [{ begin_ipv4_address: '10.0.0.100', end_ipv4_address: '10.0.0.200' }] }],
  lease_policies: [{ uuid: 'lp-vnet1', timing: 'immediate', networks: [{ network_uuid: 'nw-vnet1', ip_range_group_uuid: 'iprg-vnet1' }] }],
};

export async function startVnet(seed: unknown = SEED): Promise<Vnet> {
  const app = createVnetApiServer();
  await applyInitFile(app, seed);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url: address, app, close: () => app.close() };
}

/** The end of an after() hook: the webapi stopped, the fixture removed, then nothing carrying its run id may be left. */
export async function tearDown(fx: NetFixture | undefined, vnet?: Vnet): Promise<void> {
  await vnet?.close();
  await fx?.cleanup();
  assert.ok(fx !== undefined, 'the fixture was never created');
  assert.deepEqual(await fx.leftovers(), []);
}

export interface DriverRun extends Run { json: Record<string, unknown> | null }

/** The driver as Mesos runs it: a fresh process, CNI_* env, config on stdin. */
export async function runDriver(env: Record<string, string | undefined>, stdin: unknown, extraArgs: string[] = []): Promise<DriverRun> {
  const clean: NodeJS.ProcessEnv = { PATH: PATH_ENV };
  for (const [k, v] of Object.entries(env)) if (v !== undefined && k !== PLUGIN_KEY) clean[k] = v;
  const bun = (env[PLUGIN_KEY] ?? process.env.MVN_TEST_DRIVER_PLUGIN) === 'bun';
  if (bun && bunPluginRuntime() === null) throw new Error(`${PLUGIN_BIN} does not run bun (npm run build with @oven/bun-linux-x64 installed)`);
  const [cmd, args] = bun ? [PLUGIN_BIN, extraArgs] : [process.execPath, [DRIVER_BIN, ...extraArgs]];
  const r = await sh(cmd, args, { env: clean, input: typeof stdin === 'string' ? stdin : JSON.stringify(stdin) });
  let json: Record<string, unknown> | null = null;
  try {
    json = r.stdout.trim() === '' ? null : (JSON.parse(r.stdout) as Record<string, unknown>);
  } catch {
    json = null;
  }
  return { ...r, json };
}

/** Mesos' stdin for one interface: config + args.org.apache.mesos.network_info. */
export function mesosStdin(conf: Record<string, unknown>, networkInfo: Record<string, unknown>): Record<string, unknown> {
  return { ...conf, args: { 'org.apache.mesos': { network_info: networkInfo } } };
}

export function labels(kv: Record<string, string>): { labels: { key: string; value: string }[] } {
  return { labels: Object.entries(kv).map(([key, value]) => ({ key, value })) };
}

export function cniEnv(command: string, containerId: string, netns: string | undefined, ifName: string): Record<string, string | undefined> {
  return { CNI_COMMAND: command, CNI_CONTAINERID: containerId, CNI_NETNS: netns, CNI_IFNAME: ifName, CNI_PATH: '/usr/lib/cni' };
}

/** A namespace plugged into the fixture's bridge by hand (servers, peers): `v<tag><R>` eth0. */
export async function plugPeer(fx: NetFixture, tag: string, cidr: string, mac: string): Promise<string> {
  const ns = await fx.netns(tag);
  const host = `h${tag}${fx.R}`;
  await must('ip', ['-n', fx.hostNs, 'link', 'add', host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  if (fx.kind === 'ovs') {
    await must('ovs-vsctl', [`--db=${fx.ovsDb}`, 'add-port', fx.bridge, host], { env: fx.ovsEnv });
  } else {
    await must('ip', ['-n', fx.hostNs, 'link', 'set', host, 'master', fx.bridge]);
  }
  await must('ip', ['-n', fx.hostNs, 'link', 'set', host, 'up']);
  await fx.exec(ns, 'ip', ['link', 'set', 'eth0', 'address', mac]);
  await fx.exec(ns, 'ip', ['addr', 'add', cidr, 'dev', 'eth0']);
  await fx.exec(ns, 'ip', ['link', 'set', 'eth0', 'up']);
  return ns;
}

/** dnsmasq on `ns` eth0: fixed MAC→address pairs (the OpenVNet leases) or a range; --no-ping; extra DHCP options. */
export async function startDnsmasq(fx: NetFixture, ns: string, o: { hosts?: { mac: string; ip: string }[]; range?: [string, string]; net?: string; netmask: string; options?: string[] }): Promise<void> {
  const pidFile = path.join(fx.W, `dnsmasq-${path.basename(ns)}.pid`);
  fx.trackPidFile(pidFile);
  const range = o.range !== undefined ? `${o.range[0]},${o.range[1]}` : `${o.net ?? '10.0.0.0'},static`;
  await must('nsenter', [`--net=${ns}`, 'dnsmasq', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', '--port=0',
    '--interface=eth0', '--bind-interfaces', '--except-interface=lo', `--dhcp-range=${range},${o.netmask},1h`,
    '--dhcp-authoritative', '--no-ping', ...(o.hosts ?? []).map((h) => `--dhcp-host=${h.mac},${h.ip}`),
    ...(o.options ?? []).map((opt) => `--dhcp-option=${opt}`),
    `--dhcp-leasefile=${path.join(fx.W, `leases-${path.basename(ns)}`)}`, `--pid-file=${pidFile}`, `--log-facility=${path.join(fx.W, 'dnsmasq.log')}`]);
}

export function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/** What the driver left in its state dir: attachment logs, DHCP pid files, link reservations. */
export function stateLeftovers(stateDir: string): string[] {
  const out: string[] = [];
  for (const sub of ['attachments', 'dhcp', 'agent-link']) {
    const d = path.join(stateDir, sub);
    if (!fs.existsSync(d)) continue;
    for (const n of fs.readdirSync(d)) if (n !== '.lock') out.push(`${sub}/${n}`);
  }
  return out;
}

/** Host-side links in the fixture's host namespace other than the bridge and hand-made peers. */
export async function driverLinks(fx: NetFixture): Promise<string[]> {
  const r = await sh('ip', ['-n', fx.hostNs, '-j', 'link', 'show']);
  return (JSON.parse(r.stdout || '[]') as { ifname: string }[]).map((l) => l.ifname).filter((n) => /^(if|al)-/.test(n));
}

export async function ovsPorts(fx: NetFixture): Promise<string[]> {
  const r = await sh('ovs-vsctl', [`--db=${fx.ovsDb}`, 'list-ports', fx.bridge], { env: fx.ovsEnv });
  return r.stdout.split('\n').filter((n) => /^(if|al)-/.test(n));
}

/** A driver network config for this fixture (hostNetns, ovsDb, private state dir). */
export function driverConf(fx: NetFixture, vnet: Vnet | null, name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cniVersion: '0.2.0', name, type: 'vnet-driver', bridge: fx.bridge, bridgeType: fx.kind === 'ovs' ? 'ovs' : 'linux',
    hostNetns: fx.hostNsPath, stateDir: fx.stateDir, ...(fx.kind === 'ovs' ? { ovsDb: fx.ovsDb } : {}),
    ...(vnet === null ? {} : { openvnet: { url: vnet.url, datapath: `dp-${fx.R}`, dpid: `0x0000${fx.R}${fx.R}`, nodeId: 'vna', leasePolicy: 'lp-vnet1', retries: 0 } }),
    dhcp: { client: 'udhcpc', timeoutMs: 8000 },
    ...extra,
  };
}

export function staticInfo(network: string, ifName: string, cidr: string, extra: Record<string, string> = {}): Record<string, unknown> {
  return { name: network, ip_addresses: [{ protocol: 'IPv4', ip_address: cidr.split('/')[0] }], labels: labels({ 'vnet.interface': ifName, 'vnet.bootproto': 'static', 'vnet.address': cidr, ...extra }) };
}

/** A `vnet-driver daemon` this test started (its own socket under `dir`), stopped by PID. */
export interface DriverDaemon { socket: string; pid: number; stop(): Promise<void>; log(): string }

/** Starts `vnet-driver daemon --socket <dir>/d.sock` with `env` (programs it runs see that PATH). */
export async function startDriverDaemon(dir: string, env: NodeJS.ProcessEnv = { PATH: PATH_ENV }): Promise<DriverDaemon> {
  const socket = path.join(dir, 'd.sock');
  const child = spawn(process.execPath, [DRIVER_BIN, 'daemon', '--socket', socket], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`daemon did not start: ${stderr}`)), 10000);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited ${code}: ${stderr}`));
    });
  });
  const pid = child.pid ?? -1;
  return {
    socket,
    pid,
    log: () => stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(pid, 'SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      assert.equal(fs.existsSync(socket), false, `daemon ${pid} left its socket ${socket}`);
    },
  };
}
