// Test fixture: a LocalMaster with simulated agents on 127.0.0.1:0 and an embedded serve.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startServe, type ServeHandle, type ServeOptions } from '../../src/cli/serve';
import { LocalMaster } from '../../src/sim/mesos/master';
import { simulatedAgent, type SimulatedAgentOptions } from '../../src/sim/mesos/simulated-agent';
import type { NetworkInfo, TaskInfo } from '../../src/mesos/types';
import { poller, type Poll } from '../helpers/poll';

export interface Cluster {
  runId: string;
  master: LocalMaster;
  serve: ServeHandle;
  /** TaskInfos as the agents received them, by task id. */
  launched: Map<string, TaskInfo>;
  dir: string;
  serveOptions: ServeOptions;
  restartServe(): Promise<ServeHandle>;
  close(): Promise<void>;
}

export interface ClusterOptions {
  agents?: number;
  agent?: Partial<SimulatedAgentOptions>;
  /** Default: memory store; 'file' uses a private temp dir. */
  store?: 'memory' | 'file';
  serve?: Partial<ServeOptions>;
}

/** Pretend DHCP: every named network without a static wish gets 10.77.<agent>.<n>. */
function dhcpFor(agentIndex: number): (n: NetworkInfo) => string | undefined {
  let next = 10;
  return () => `10.77.${agentIndex}.${next++}`;
}

export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const runId = randomBytes(4).toString('hex');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mvn-serve-${runId}-`));
  const launched = new Map<string, TaskInfo>();
  const master = new LocalMaster({ allocationIntervalMs: 20, heartbeatIntervalSeconds: 5, statusUpdateRetryMs: 500 });
  const count = opts.agents ?? 1;
  for (let i = 0; i < count; i++) {
    master.addAgent(simulatedAgent({
      resources: { cpus: 8, mem: 16384, disk: 100000 },
      hostname: `agent-${runId}-${i}`,
      taskDelayMs: 5,
      assignAddress: dhcpFor(i),
      hooks: { beforeStart: async (ctx) => { launched.set(ctx.task.task_id.value, ctx.task); } },
      ...opts.agent,
    }));
  }
  await master.listen(0, '127.0.0.1');
  const serveOptions: ServeOptions = {
    master: master.url,
    httpPort: 0,
    listenHost: '127.0.0.1',
    state: opts.store === 'file' ? `file:${path.join(dir, 'state')}` : 'memory:',
    logger: false,
    ui: false,
    reconciliationInitialDelayMs: 200,
    reconciliationIntervalMs: 2000,
    scheduler: { housekeepingIntervalMs: 100, declineWaitingSeconds: 0.05, declineIdleSeconds: 1 },
    ...opts.serve,
  };
  let serve = await startServe(serveOptions);
  const cluster: Cluster = {
    runId, master, launched, dir, serveOptions,
    get serve() { return serve; },
    async restartServe() {
      await serve.close();
      serve = await startServe(serveOptions);
      return serve;
    },
    async close() {
      await serve.close().catch(() => undefined);
      await master.close().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

export interface HttpResult<T = unknown> { status: number; headers: Headers; body: T; text: string }

export async function http<T = unknown>(base: string, method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult<T>> {
  const init: RequestInit = { method, headers: { Accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
  }
  const res = await fetch(base + url, init);
  const text = await res.text();
  let parsed: unknown = text;
  try { parsed = text === '' ? undefined : JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

/** Polls `check` every 25 ms until it returns a value (not undefined; errors are retried) or 10 s pass. */
export const eventually: Poll = poller({ timeoutMs: 10_000, everyMs: 25, retryErrors: true });

export interface TaskJsonLike {
  id: string; state: string; host: string; ipAddresses: Array<{ ipAddress: string }>;
  networkInterfaces?: Array<{ networkName: string; interfaceName: string; macAddress?: string; ipAddress?: string; bootproto: string }>;
}

export async function runningTasks(base: string, appId: string, n: number): Promise<TaskJsonLike[]> {
  return eventually(`${n} running tasks of ${appId}`, async () => {
    const r = await http<{ app: { tasks: TaskJsonLike[]; deployments: unknown[] } }>(base, 'GET', `/v2/apps${appId}`);
    if (r.status !== 200) return undefined;
    const running = r.body.app.tasks.filter((t) => t.state === 'TASK_RUNNING');
    return running.length === n && r.body.app.tasks.length === n && r.body.app.deployments.length === 0 ? running : undefined;
  });
}

export function readSample(name: string): Record<string, unknown> {
  const file = path.resolve(__dirname, '..', '..', '..', 'samples', 'apps', name);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}
