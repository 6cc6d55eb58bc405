// One dnsmasq per DHCP network, inside that network's DHCP namespace, answering only the
// MAC → IP pairs OpenVNet has leased (static mode, --no-ping so a lease takes ~100 ms). A reload
// rewrites the hosts file, sends SIGHUP and waits until dnsmasq logs that it read the file
// again, so a lease registered before a DHCP client starts is always served.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hostsFileText, netmaskOf, networkAddress, type DhcpHost } from './dhcp-hosts';
import { spawnDaemon, type Daemon, type Run } from './exec';
import { checkLinkName, checkNetnsName } from './names';

export interface DhcpServerOptions {
  netns: string;
  /** interface inside the namespace (holds the service address) */
  ifName: string;
  /** the DHCP service's address and the network prefix */
  serverIp: string;
  prefix: number;
  /** files live here: hosts, leases, pid, log */
  dir: string;
  run: Run;
  /** how dnsmasq is started (kept in the foreground as our child); default spawnDaemon */
  daemon?: typeof spawnDaemon;
  leaseSeconds?: number;
}

export class DhcpServerError extends Error {
  readonly code = 'MVN_ERR_LOCAL_DHCP';
  constructor(message: string) {
    super(message);
    this.name = 'DhcpServerError';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class DhcpServer {
  readonly hostsFile: string;
  readonly pidFile: string;
  readonly logFile: string;
  readonly leaseFile: string;
  private current = '';
  private daemon: Daemon | null = null;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly opts: DhcpServerOptions) {
    checkNetnsName(opts.netns);
    checkLinkName(opts.ifName);
    this.hostsFile = path.join(opts.dir, 'hosts');
    this.pidFile = path.join(opts.dir, 'dnsmasq.pid');
    this.logFile = path.join(opts.dir, 'dnsmasq.log');
    this.leaseFile = path.join(opts.dir, 'leases');
  }

  /** dnsmasq's arguments (pure, for tests and docs). */
  args(): string[] {
    const o = this.opts;
    return [
      '--conf-file=/dev/null', '--user=root', '--no-resolv', '--no-hosts', '--port=0',
      `--interface=${o.ifName}`, '--bind-interfaces', '--except-interface=lo',
      `--dhcp-range=${networkAddress(o.serverIp, o.prefix)},static,${netmaskOf(o.prefix)},${o.leaseSeconds ?? 3600}`,
      '--dhcp-authoritative', '--no-ping', `--dhcp-hostsfile=${this.hostsFile}`,
      // No router option: routes come from the interface spec, not from DHCP.
      '--dhcp-option=option:router',
      `--dhcp-leasefile=${this.leaseFile}`, `--pid-file=${this.pidFile}`, `--log-facility=${this.logFile}`,
    ];
  }

  async start(hosts: readonly DhcpHost[]): Promise<void> {
    fs.mkdirSync(this.opts.dir, { recursive: true });
    this.current = hostsFileText(hosts);
    fs.writeFileSync(this.hostsFile, this.current);
    fs.writeFileSync(this.leaseFile, '');
    fs.writeFileSync(this.logFile, '');
    fs.rmSync(this.pidFile, { force: true });
    const start = this.opts.daemon ?? spawnDaemon;
    this.daemon = await start('ip', ['netns', 'exec', this.opts.netns, 'dnsmasq', '--keep-in-foreground', ...this.args()], path.join(this.opts.dir, 'dnsmasq.stderr'));
    await this.waitForReads(1, 5000);
    for (let i = 0; i < 200 && this.pid() === null && this.daemon.alive(); i++) await sleep(10);
    if (this.pid() === null) throw new DhcpServerError(`dnsmasq in ${this.opts.netns} did not start: ${this.logTail()}`);
  }

  /** Serves exactly these hosts from now on (resolves once dnsmasq has re-read its file). */
  reload(hosts: readonly DhcpHost[]): Promise<void> {
    const next = this.queue.then(() => this.doReload(hostsFileText(hosts)));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async doReload(text: string): Promise<void> {
    if (text === this.current) return;
    const pid = this.pid();
    if (pid === null) throw new DhcpServerError(`dnsmasq in ${this.opts.netns} is not running`);
    const before = this.readCount();
    const tmp = `${this.hostsFile}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, this.hostsFile);
    this.current = text;
    process.kill(pid, 'SIGHUP');
    await this.waitForReads(before + 1, 3000);
  }

  /** The daemon's pid, when it is our dnsmasq (checked through /proc, never by name). */
  pid(): number | null {
    let n: number;
    try {
      n = Number(fs.readFileSync(this.pidFile, 'utf8').trim());
    } catch {
      return null;
    }
    if (!Number.isInteger(n) || n <= 1) return null;
    try {
      const cmdline = fs.readFileSync(`/proc/${n}/cmdline`, 'utf8').split('\0');
      return cmdline.includes(`--pid-file=${this.pidFile}`) ? n : null;
    } catch {
      return null;
    }
  }

  async stop(): Promise<void> {
    const d = this.daemon;
    if (d !== null && d.alive()) {
      try { process.kill(d.pid, 'SIGTERM'); } catch { /* gone */ }
      const killed = setTimeout(() => { try { process.kill(d.pid, 'SIGKILL'); } catch { /* gone */ } }, 2000);
      await d.exited;
      clearTimeout(killed);
    }
    this.daemon = null;
    // Without a child of ours (a crashed run's leftover): by the pid file, checked via /proc.
    const pid = this.pid();
    if (pid !== null) {
      try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
      for (let i = 0; i < 200 && this.pid() === pid; i++) await sleep(10);
      if (this.pid() === pid) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
        for (let i = 0; i < 100 && this.pid() === pid; i++) await sleep(10);
      }
    }
    fs.rmSync(this.pidFile, { force: true });
  }

  private readCount(): number {
    let log = '';
    try {
      log = fs.readFileSync(this.logFile, 'utf8');
    } catch {
      return 0;
    }
    const needle = `read ${this.hostsFile}`;
    let count = 0;
    for (const line of log.split('\n')) if (line.endsWith(needle)) count++;
    return count;
  }

  private async waitForReads(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.readCount() < count) {
      if (this.daemon !== null && !this.daemon.alive()) throw new DhcpServerError(`dnsmasq in ${this.opts.netns} exited: ${this.logTail()} ${this.stderrTail()}`);
      if (Date.now() > deadline) throw new DhcpServerError(`dnsmasq in ${this.opts.netns} did not read ${this.hostsFile}: ${this.logTail()}`);
      await sleep(5);
    }
  }

  private stderrTail(): string {
    try {
      return fs.readFileSync(path.join(this.opts.dir, 'dnsmasq.stderr'), 'utf8').trim().slice(-300);
    } catch {
      return '';
    }
  }

  private logTail(): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-3).join(' | ');
    } catch {
      return 'no log';
    }
  }
}
