// A private Open vSwitch for --ovs: ovsdb-server and ovs-vswitchd with their database, sockets,
// pid files and logs under the data dir, vswitchd inside the fabric namespace (one userspace
// datapath per namespace, test-infra §5.3), netdev bridges, userspace TSO on (set before vswitchd
// starts, or veth checksums break DHCP and TCP). Stopped by pid, never by name.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runOk, spawnDaemon, type Daemon, type Run } from './exec';
import { checkLinkName, checkNetnsName } from './names';

const SCHEMA_CANDIDATES = ['/usr/share/openvswitch/vswitch.ovsschema', '/usr/local/share/openvswitch/vswitch.ovsschema'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class PrivateOvs {
  readonly db: string;
  private readonly env: Record<string, string>;
  private readonly daemons = new Map<string, Daemon>();

  constructor(private readonly dir: string, private readonly fabricNetns: string, private readonly run: Run) {
    checkNetnsName(fabricNetns);
    this.db = `unix:${path.join(dir, 'db.sock')}`;
    this.env = { OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir };
  }

  private vsctl(args: string[]): Promise<string> {
    return runOk(this.run, 'ovs-vsctl', [`--db=${this.db}`, '--timeout=10', ...args], { env: this.env, timeoutMs: 15_000 });
  }

  async start(): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true });
    const schema = SCHEMA_CANDIDATES.find((p) => fs.existsSync(p));
    if (schema === undefined) throw new Error('Open vSwitch schema not found (apt-get install openvswitch-switch)');
    const dbFile = path.join(this.dir, 'conf.db');
    fs.rmSync(dbFile, { force: true });
    await runOk(this.run, 'ovsdb-tool', ['create', dbFile, schema], { env: this.env });
    // Foreground children of ours (reaped by us), not --detach: see spawnDaemon.
    const sock = path.join(this.dir, 'db.sock');
    this.daemons.set('ovsdb-server', await spawnDaemon('ovsdb-server', [dbFile, `--remote=punix:${sock}`,
      `--pidfile=${path.join(this.dir, 'ovsdb-server.pid')}`, `--log-file=${path.join(this.dir, 'ovsdb-server.log')}`,
      '-vconsole:off'], path.join(this.dir, 'ovsdb-server.stderr'), this.env));
    await this.waitFor(() => fs.existsSync(sock) && this.pidOf('ovsdb-server') !== null, 'ovsdb-server');
    await this.vsctl(['--no-wait', 'init']);
    await this.vsctl(['--no-wait', 'set', 'Open_vSwitch', '.', 'other_config:userspace-tso-enable=true']);
    this.daemons.set('ovs-vswitchd', await spawnDaemon('ip', ['netns', 'exec', this.fabricNetns, 'ovs-vswitchd', `unix:${sock}`,
      `--pidfile=${path.join(this.dir, 'ovs-vswitchd.pid')}`, `--log-file=${path.join(this.dir, 'ovs-vswitchd.log')}`,
      '-vconsole:off'], path.join(this.dir, 'ovs-vswitchd.stderr'), this.env));
    await this.waitFor(() => this.pidOf('ovs-vswitchd') !== null, 'ovs-vswitchd');
  }

  private async waitFor(ready: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 500; i++) {
      if (ready()) return;
      const d = this.daemons.get(what);
      if (d !== undefined && !d.alive()) break;
      await sleep(10);
    }
    let log = '';
    try { log = fs.readFileSync(path.join(this.dir, `${what}.stderr`), 'utf8').trim().slice(-300); } catch { /* none */ }
    throw new Error(`${what} did not start: ${log}`);
  }

  /** A netdev bridge whose datapath-id is `dpid` (0x + 16 hex). */
  async addBridge(name: string, dpid: string): Promise<void> {
    checkLinkName(name);
    const hex = dpid.replace(/^0x/, '');
    if (!/^[0-9a-f]{16}$/.test(hex)) throw new Error(`bad dpid ${dpid}`);
    await this.vsctl(['--may-exist', 'add-br', name, '--', 'set', 'bridge', name, 'datapath_type=netdev', `other-config:datapath-id=${hex}`]);
  }

  async addPort(bridge: string, port: string): Promise<void> {
    await this.vsctl(['--may-exist', 'add-port', checkLinkName(bridge), checkLinkName(port)]);
  }

  async bridges(): Promise<string[]> {
    return (await this.vsctl(['list-br'])).split('\n').map((s) => s.trim()).filter((s) => s !== '');
  }

  /** Deletes the bridges (their taps outlive vswitchd otherwise), then stops both daemons. */
  async stop(): Promise<void> {
    if (this.pidOf('ovs-vswitchd') !== null && this.pidOf('ovsdb-server') !== null) {
      for (const br of await this.bridges().catch(() => [])) await this.vsctl(['--if-exists', 'del-br', br]).catch(() => undefined);
    }
    for (const daemon of ['ovs-vswitchd', 'ovsdb-server']) await this.kill(daemon);
  }

  private pidOf(daemon: string): number | null {
    const file = path.join(this.dir, `${daemon}.pid`);
    let n: number;
    try {
      n = Number(fs.readFileSync(file, 'utf8').trim());
    } catch {
      return null;
    }
    if (!Number.isInteger(n) || n <= 1) return null;
    try {
      const cmd = fs.readFileSync(`/proc/${n}/cmdline`, 'utf8').split('\0');
      return cmd.some((a) => a.includes(this.dir)) ? n : null;
    } catch {
      return null;
    }
  }

  private async kill(daemon: string): Promise<void> {
    const child = this.daemons.get(daemon);
    if (child !== undefined && child.alive()) {
      try { process.kill(child.pid, 'SIGTERM'); } catch { /* gone */ }
      const t = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } }, 3000);
      await child.exited;
      clearTimeout(t);
      this.daemons.delete(daemon);
      return;
    }
    const pid = this.pidOf(daemon);
    if (pid === null) return;
    try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
    for (let i = 0; i < 300 && this.pidOf(daemon) === pid; i++) await sleep(10);
    if (this.pidOf(daemon) === pid) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }
}
