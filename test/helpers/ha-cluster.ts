// An HA cluster for integration tests and the failover bench: a ZooKeeper ensemble
// (helpers/zookeeper.ts), an in-process LocalMaster with simulated agents, and N `marathon-vnet
// serve` CHILD PROCESSES sharing one ZooKeeper state path, so `kill -9` of a leader is real.
//
//   const c = await startHaCluster({ serves: 3 });
//   const leader = await c.waitLeader();          // the serve whose /v2/leader names itself, subscribed
//   c.kill(leader.index);                          // SIGKILL
//   await c.close();                               // in after(): children, master, ZooKeeper, dir
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalMaster } from '../../src/sim/mesos/master';
import type { TaskView } from '../../src/sim/mesos/master-core';
import { simulatedAgent } from '../../src/sim/mesos/simulated-agent';
import { startEnsemble, startZooKeeper, type ZooKeeperCluster } from './zookeeper';

const BIN = path.resolve(__dirname, '..', '..', '..', 'src', 'bin', 'marathon-vnet.js');

export interface HaClusterOptions {
  /** serve processes. Default 3. */
  serves?: number;
  /** ZooKeeper members: 1 = standalone. Default 3. */
  zkMembers?: number;
  agents?: number;
  agentResources?: { cpus: number; mem: number; disk: number };
  /** Simulated agents: delay before STARTING and again before RUNNING. */
  taskDelayMs?: number;
  /** --zk_session_timeout (a killed leader is replaced after about this). Default 2000. */
  sessionTimeoutMs?: number;
  /** --zk_timeout. Default 4000. */
  zkTimeoutMs?: number;
  /** Extra serve arguments. */
  serveArgs?: string[];
  /** serve --log-level. Default info (to a file per process). */
  logLevel?: string;
}

export interface ServeProcess {
  index: number;
  /** `127.0.0.1:port`, the election id. */
  hostPort: string;
  url: string;
  child: ChildProcess | undefined;
  logFile: string;
}

export interface HaCluster {
  runId: string;
  dir: string;
  zk: ZooKeeperCluster;
  master: LocalMaster;
  /** zk://…/mvn-ha-<runId> */
  stateUrl: string;
  serves: ServeProcess[];
  options: Required<Omit<HaClusterOptions, 'serveArgs'>> & { serveArgs: string[] };
  /** Starts serve `index` (again). */
  startServe(index: number): Promise<ServeProcess>;
  /** Signals serve `index` (default SIGKILL) and waits for its exit. */
  kill(index: number, signal?: NodeJS.Signals): Promise<void>;
  alive(): ServeProcess[];
  /** The serve that names itself leader and is subscribed to Mesos (polls). */
  waitLeader(opts?: { exclude?: number; timeoutMs?: number }): Promise<ServeProcess>;
  /** Prometheus samples of one serve's /metrics (`name{labels}` → value). */
  metrics(s: ServeProcess): Promise<Map<string, number>>;
  /** Non-terminal and terminal tasks of our framework in the master. */
  frameworkTasks(): { active: TaskView[]; completed: TaskView[]; frameworkIds: string[] };
  /** The last lines of a serve's log (for failure messages). */
  logTail(s: ServeProcess, lines?: number): string;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function httpJson<T = unknown>(url: string, init: { method?: string; body?: unknown; timeoutMs?: number } = {}): Promise<{ status: number; body: T; text: string }> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const req: RequestInit = { method: init.method ?? 'GET', headers, signal: AbortSignal.timeout(init.timeoutMs ?? 10_000) };
  if (init.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    req.body = JSON.stringify(init.body);
  }
  const res = await fetch(url, req);
  const text = await res.text();
  let body: unknown = text;
  try { body = text === '' ? undefined : JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: body as T, text };
}

export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** Polls `check` until it returns a value (not undefined); throws with `what` at the deadline. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await sleep(everyMs);
  }
}

/** PIDs of processes whose command line mentions `text`. */
export function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
  });
}

export interface SpawnServeOptions {
  index: number;
  masterUrl: string;
  /** --zk */
  stateUrl: string;
  /** serve's stderr (its log) is appended here. */
  logFile: string;
  sessionTimeoutMs: number;
  zkTimeoutMs: number;
  logLevel: string;
  serveArgs: string[];
}

/** Starts one `marathon-vnet serve` child process on an ephemeral port; resolves once it listens. */
export async function spawnServe(o: SpawnServeOptions): Promise<ServeProcess> {
  const { index, logFile } = o;
  const log = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [
    BIN, 'serve', '--master', o.masterUrl, '--zk', o.stateUrl, '--http-port', '0', '--listen', '127.0.0.1', '--no-ui',
    '--zk_session_timeout', String(o.sessionTimeoutMs), '--zk_timeout', String(o.zkTimeoutMs),
    '--zk_connection_timeout', '15000', '--reconciliation-initial-delay', '30000',
    '--log-level', o.logLevel, ...o.serveArgs,
  ], { stdio: ['ignore', 'pipe', log] });
  fs.closeSync(log);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve ${index} did not start:\n${fs.readFileSync(logFile, 'utf8').slice(-2000)}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const m = /listening on (http:\/\/[0-9.]+:\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.once('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`serve ${index} exited (${String(code ?? signal)}):\n${fs.readFileSync(logFile, 'utf8').slice(-2000)}`)); });
  });
  child.stdout?.resume();
  return { index, url, hostPort: url.replace(/^http:\/\//, ''), child, logFile };
}

export async function startHaCluster(opts: HaClusterOptions = {}): Promise<HaCluster> {
  const options = {
    serves: opts.serves ?? 3,
    zkMembers: opts.zkMembers ?? 3,
    agents: opts.agents ?? 10,
    agentResources: opts.agentResources ?? { cpus: 16, mem: 65536, disk: 100000 },
    taskDelayMs: opts.taskDelayMs ?? 20,
    sessionTimeoutMs: opts.sessionTimeoutMs ?? 2000,
    zkTimeoutMs: opts.zkTimeoutMs ?? 4000,
    logLevel: opts.logLevel ?? 'info',
    serveArgs: opts.serveArgs ?? [],
  };
  const runId = randomBytes(4).toString('hex');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mvn-ha-${runId}-`));
  const zk = options.zkMembers > 1 ? await startEnsemble(options.zkMembers) : await startZooKeeper();
  const master = new LocalMaster({ allocationIntervalMs: 100, heartbeatIntervalSeconds: 2, statusUpdateRetryMs: 500 });
  for (let i = 0; i < options.agents; i++) {
    master.addAgent(simulatedAgent({ resources: options.agentResources, hostname: `agent-${runId}-${i}`, taskDelayMs: options.taskDelayMs }));
  }
  await master.listen(0, '127.0.0.1');
  const stateUrl = zk.url(`/mvn-ha-${runId}`);
  const serves: ServeProcess[] = [];

  const startServe = async (index: number): Promise<ServeProcess> => {
    const s = await spawnServe({
      index, masterUrl: master.url, stateUrl, logFile: path.join(dir, `serve-${index}.log`),
      sessionTimeoutMs: options.sessionTimeoutMs, zkTimeoutMs: options.zkTimeoutMs, logLevel: options.logLevel, serveArgs: options.serveArgs,
    });
    serves[index] = s;
    return s;
  };

  const cluster: HaCluster = {
    runId, dir, zk, master, stateUrl, serves, options,
    startServe,
    async kill(index, signal = 'SIGKILL') {
      const s = serves[index];
      const child = s?.child;
      if (child === undefined) return;
      child.kill(signal);
      await waitExit(child, 10_000);
      if (child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await waitExit(child, 5000); }
      s.child = undefined;
    },
    alive: () => serves.filter((s) => s.child !== undefined),
    async waitLeader({ exclude, timeoutMs = 20_000 } = {}) {
      return waitFor('a subscribed leader', async () => {
        for (const s of cluster.alive()) {
          if (s.index === exclude) continue;
          const r = await httpJson<{ leader: string }>(`${s.url}/v2/leader`, { timeoutMs: 1000 }).catch(() => undefined);
          if (r?.status !== 200 || r.body.leader !== s.hostPort) continue;
          const m = await cluster.metrics(s).catch(() => undefined);
          if (m?.get('marathon_leader') === 1 && m.get('marathon_mesos_subscribed') === 1) return s;
        }
        return undefined;
      }, timeoutMs, 20);
    },
    async metrics(s) {
      const res = await fetch(`${s.url}/metrics`, { signal: AbortSignal.timeout(2000) });
      return parseMetrics(await res.text());
    },
    frameworkTasks() {
      const snap = master.state();
      return {
        active: snap.frameworks.flatMap((f) => f.tasks),
        completed: snap.completedTasks,
        frameworkIds: snap.frameworks.map((f) => f.id),
      };
    },
    logTail(s, lines = 30) {
      try {
        return fs.readFileSync(s.logFile, 'utf8').trim().split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
    async close() {
      await Promise.all(serves.map((s) => (s !== undefined ? cluster.kill(s.index, 'SIGKILL') : undefined)));
      await master.close().catch(() => undefined);
      await zk.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(Array.from({ length: options.serves }, (_, i) => startServe(i)));
  } catch (err) {
    await cluster.close();
    throw err;
  }
  return cluster;
}
