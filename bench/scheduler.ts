// Launch storm: APPS apps × INSTANCES instances on AGENTS simulated agents (defaults 100 × 100 on
// 200), POSTed by a client process of its own, which also polls GET /v2/apps during the storm.
// Reports the time from the first POST to the last TASK_RUNNING, tasks/s, the GET latency
// (p50/p99), and the process's
// peak RSS (serve runs in this process; the simulated master in a separate `marathon-vnet
// mesos-sim` process, so the latency and RSS are serve's own). Env: MVN_BENCH_APPS, MVN_BENCH_INSTANCES, MVN_BENCH_AGENTS,
// MVN_BENCH_STATE (memory | file). `--state zk` runs the storm twice, each in a fresh child
// process (so neither inherits the other's heap or JIT): on the memory store, then on a 3-node
// ZooKeeper ensemble the bench starts (private ports and directory, stopped by PID after), and
// reports the ensemble's figures as ratios to the memory store measured in the same run.
// `--scale` runs a series of storms instead, one per size in MVN_BENCH_SCALE (total tasks, default
// 10000,30000,100000; MVN_BENCH_APPS apps each, one agent per 50 tasks, at most 5000), and prints
// tasks/s and RSS growth per task for each size and the ratios of the largest size to the smallest
// (tasks/s 1.0 = cost linear in the work).
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { startServe } from '../src/cli/serve';
import { startEnsemble } from '../test/helpers/zookeeper';

const APPS = Number(process.env.MVN_BENCH_APPS ?? 100);
const INSTANCES = Number(process.env.MVN_BENCH_INSTANCES ?? 100);
const AGENTS = Number(process.env.MVN_BENCH_AGENTS ?? 200);
const STATE = process.env.MVN_BENCH_STATE ?? 'memory';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts `marathon-vnet mesos-sim` and waits until it answers. */
async function startSimulator(agents: number, cpus: number, mem: number): Promise<{ url: string; child: ChildProcess; startMs: number }> {
  const t0 = performance.now();
  const port = await freePort();
  const bin = path.resolve(__dirname, '..', '..', 'src', 'bin', 'marathon-vnet.js');
  // MVN_BENCH_SIM_NODE_ARGS: extra node options for the simulator (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`).
  const nodeArgs = (process.env.MVN_BENCH_SIM_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...nodeArgs, bin, 'mesos-sim', '--listen', `127.0.0.1:${port}`, '--agents', String(agents),
    '--cpus', String(cpus), '--mem', String(mem), '--disk', '1000', '--task-delay', '1'], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  // Generous: on a loaded shared machine 2,000 agents took over 30 s to come up.
  const deadline = performance.now() + 30_000 + agents * 30;
  while (performance.now() < deadline) {
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) return { url, child, startMs: performance.now() - t0 };
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error('mesos-sim did not come up');
}

/** CPU seconds (user + system) a process used so far, from /proc (Linux); NaN elsewhere. */
function procCpuSeconds(pid: number | undefined): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

interface StormResult {
  /** CPU seconds serve (this process) and mesos-sim used during the storm: unlike the wall time, not inflated by other load on the machine. */
  serveCpu: number; simCpu: number;
  seconds: number; tasksPerSecond: number; p50: number; p99: number; peakRssMiB: number;
  /** Peak RSS minus the RSS before the storm, per task started, in KiB. */
  rssKiBPerTask: number; running: number;
}

interface StormSize { apps: number; instances: number; agents: number }

const DEFAULT_SIZE: StormSize = { apps: APPS, instances: INSTANCES, agents: AGENTS };

/** The sizes of the scale series: MVN_BENCH_SCALE total tasks, spread over MVN_BENCH_APPS apps. */
export function scaleSizes(spec: string, apps: number): StormSize[] {
  return spec.split(',').map((t) => t.trim()).filter((t) => t !== '').map((t) => {
    const total = Number(t);
    if (!Number.isInteger(total) || total < apps) throw new Error(`MVN_BENCH_SCALE: "${t}" is not a task count of at least ${apps} (MVN_BENCH_APPS)`);
    const instances = Math.ceil(total / apps);
    return { apps, instances, agents: Math.min(5000, Math.max(1, Math.round((apps * instances) / 50))) };
  });
}

async function scaleSeries(): Promise<void> {
  const sizes = scaleSizes(process.env.MVN_BENCH_SCALE ?? '10000,30000,100000', APPS);
  const results: Array<{ size: StormSize; r: StormResult }> = [];
  for (const size of sizes) results.push({ size, r: await storm(STATE, undefined, size) });
  process.stdout.write('\nscale series            tasks   agents   tasks/s   RSS KiB/task   p99 GET /v2/apps   serve CPU µs/task   sim CPU µs/task\n');
  const perTask = (cpu: number, r: StormResult): number => (cpu * 1e6) / Math.max(1, r.running);
  for (const { size, r } of results) {
    process.stdout.write(`  ${String(size.apps * size.instances).padStart(20)} ${String(size.agents).padStart(8)} ${r.tasksPerSecond.toFixed(0).padStart(9)} `
      + `${r.rssKiBPerTask.toFixed(1).padStart(14)} ${r.p99.toFixed(1).padStart(15)} ms ${perTask(r.serveCpu, r).toFixed(0).padStart(19)} ${perTask(r.simCpu, r).toFixed(0).padStart(17)}`
      + `${r.running < size.apps * size.instances ? ` (only ${r.running} RUNNING)` : ''}\n`);
  }
  if (results.length >= 2) {
    const first = results[0].r;
    const last = results[results.length - 1].r;
    process.stdout.write(`largest / smallest: tasks/s ${(last.tasksPerSecond / first.tasksPerSecond).toFixed(2)}× (1.0 = linear; acceptance: ≥ 0.67), `
      + `RSS per task ${(last.rssKiBPerTask / first.rssKiBPerTask).toFixed(2)}×, serve CPU per task ${(perTask(last.serveCpu, last) / perTask(first.serveCpu, first)).toFixed(2)}× `
      + `(1.0 = linear; CPU is not inflated by other load on the machine as wall time is)\n`);
  }
}

export async function run(): Promise<void> {
  if (process.argv.includes('--scale')) {
    await scaleSeries();
    return;
  }
  const i = process.argv.indexOf('--state');
  const variant = i >= 0 ? process.argv[i + 1] : undefined;
  if (variant === undefined) {
    await storm(STATE, undefined);
    return;
  }
  if (variant !== 'zk') throw new Error(`--state ${variant}: only "zk" is a variant (MVN_BENCH_STATE picks memory or file)`);
  const base = await stormInChild('memory', undefined);
  const zk = await startEnsemble(3);
  let z: StormResult;
  try {
    z = await stormInChild('zk', zk.url(`/mvn-bench-${randomBytes(4).toString('hex')}`));
  } finally {
    await zk.stop();
  }
  const left = zk.alivePids();
  if (left.length > 0) throw new Error(`ZooKeeper members still running: ${left.join(', ')}`);
  const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
  process.stdout.write([
    '',
    `                      memory     zk (3 nodes)   zk / memory`,
    `all TASK_RUNNING     ${base.seconds.toFixed(2).padStart(6)} s   ${z.seconds.toFixed(2).padStart(8)} s     ${ratio(z.seconds, base.seconds)}`,
    `tasks/s              ${base.tasksPerSecond.toFixed(0).padStart(8)}   ${z.tasksPerSecond.toFixed(0).padStart(10)}     ${ratio(z.tasksPerSecond, base.tasksPerSecond)}`,
    `GET /v2/apps p99     ${base.p99.toFixed(1).padStart(5)} ms   ${z.p99.toFixed(1).padStart(7)} ms     ${ratio(z.p99, base.p99)}`,
    `peak RSS of serve    ${base.peakRssMiB.toFixed(0).padStart(4)} MiB   ${z.peakRssMiB.toFixed(0).padStart(6)} MiB     ${ratio(z.peakRssMiB, base.peakRssMiB)}`,
    `zk / memory: time ${ratio(z.seconds, base.seconds)}, tasks/s ${ratio(z.tasksPerSecond, base.tasksPerSecond)}, `
    + `GET /v2/apps p99 ${ratio(z.p99, base.p99)}, peak RSS ${ratio(z.peakRssMiB, base.peakRssMiB)}`
    + `${z.running < base.running ? ` (zk: only ${z.running} RUNNING)` : ''}${base.running < z.running ? ` (memory: only ${base.running} RUNNING)` : ''}`,
  ].join('\n') + '\n');
}

/** process.hrtime in µs: one monotonic clock for this process and its children. */
function hrUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

interface PolledGet { startUs: number; endUs: number }

/** serve's CPU µs at a moment (process.hrtime µs), interpolated between the two samples around it. */
function cpuAt(samples: ReadonlyArray<{ hrUs: number; cpuUs: number }>, hrUs: number): number {
  let lo = 0;
  let hi = samples.length - 1;
  if (hrUs <= samples[lo].hrUs) return samples[lo].cpuUs;
  if (hrUs >= samples[hi].hrUs) return samples[hi].cpuUs;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (samples[mid].hrUs <= hrUs) lo = mid; else hi = mid;
  }
  const a = samples[lo];
  const b = samples[hi];
  return a.cpuUs + ((b.cpuUs - a.cpuUs) * (hrUs - a.hrUs)) / Math.max(1, b.hrUs - a.hrUs);
}

/** What the client process reports: when its POSTs started and ended, and every GET it made. */
interface ClientReport { startUs: number; postedUs: number; gets: PolledGet[]; failed: number }

/**
 * The storm's client, in a child process of its own (this file with --client-child), as any
 * Marathon client is: it POSTs the apps one after another and, from the same moment until stopped,
 * polls GET /v2/apps every 50 ms. A client inside serve's process shared its event loop: each of
 * its requests waited for several of serve's turns (one to send, one to answer, one to read the
 * answer), not only the one a client elsewhere waits for, and its own work ran on serve's core.
 * Times come back as process.hrtime µs (one monotonic clock for both processes).
 */
function startClient(baseUrl: string, apps: number, instances: number): { started: Promise<number>; posted: Promise<number>; failed: Promise<never>; stop(): Promise<ClientReport> } {
  const child = fork(__filename, ['--client-child', baseUrl, String(apps), String(instances)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let onStarted: (us: number) => void = () => undefined;
  let onPosted: (us: number) => void = () => undefined;
  const started = new Promise<number>((resolve) => { onStarted = resolve; });
  const posted = new Promise<number>((resolve) => { onPosted = resolve; });
  const result = new Promise<ClientReport>((resolve, reject) => {
    let got: ClientReport | undefined;
    child.on('message', (m: { started?: number; posted?: number; postFailed?: string; report?: ClientReport }) => {
      if (m.started !== undefined) onStarted(m.started);
      if (m.posted !== undefined) onPosted(m.posted);
      if (m.postFailed !== undefined) reject(new Error(m.postFailed));
      if (m.report !== undefined) got = m.report;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (got !== undefined) resolve(got);
      else reject(new Error(`storm client ended without figures (${String(code ?? signal)})`));
    });
  });
  // A client that failed ends the waits on it too (the storm then fails on `stop()`).
  result.catch(() => { onStarted(NaN); onPosted(NaN); });
  // Rejects when the client fails before it is stopped; never resolves.
  const failed = result.then(() => new Promise<never>(() => undefined));
  failed.catch(() => undefined);
  return { started, posted, failed, stop: () => { if (child.connected) child.send('stop'); return result; } };
}

async function clientChild(baseUrl: string, apps: number, instances: number): Promise<void> {
  const gets: PolledGet[] = [];
  let failed = 0;
  let polling = true;
  process.on('message', () => { polling = false; });
  // A storm that failed before stopping us leaves no client behind: its process is gone.
  process.on('disconnect', () => process.exit(0));
  const poll = async (): Promise<void> => {
    while (polling) {
      const startUs = hrUs();
      try {
        const res = await fetch(`${baseUrl}/v2/apps`);
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`GET /v2/apps: ${res.status}`);
        gets.push({ startUs, endUs: hrUs() });
      } catch {
        // A keep-alive connection serve closed as it was reused, or an error answer: counted, polled again.
        failed++;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  // The first fetch of a process loads its HTTP client (~60-100 ms measured): that is this
  // process's start-up, not the storm's, so one GET is made before the clock starts.
  await fetch(`${baseUrl}/v2/apps`).then((res) => res.arrayBuffer()).catch(() => undefined);
  const startUs = hrUs();
  process.send?.({ started: startUs });
  const polled = poll();
  try {
    for (let a = 0; a < apps; a++) {
      const body = JSON.stringify({ id: `/bench/app-${a}`, cmd: 'sleep 3600', cpus: 0.01, mem: 8, instances });
      for (let attempt = 1; ; attempt++) {
        let res: Response;
        try {
          res = await fetch(`${baseUrl}/v2/apps`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
        } catch (err) {
          // As for the poll: a reused connection closed under us. Posted again; 409 then means the first one landed.
          if (attempt >= 5) throw err;
          continue;
        }
        if (res.status === 201 || (attempt > 1 && res.status === 409)) { await res.arrayBuffer(); break; }
        throw new Error(`POST app-${a}: ${res.status} ${await res.text()}`);
      }
    }
  } catch (err) {
    process.send?.({ postFailed: err instanceof Error ? err.message : String(err) });
    polling = false;
  }
  process.send?.({ posted: hrUs() });
  await polled;
  process.send?.({ report: { startUs, postedUs: hrUs(), gets, failed } }, () => process.exit(0));
}

/** One storm in a fresh node process (this file with --storm-child); its figures come back over IPC. */
function stormInChild(stateName: string, zkUrl: string | undefined): Promise<StormResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--storm-child', stateName, ...(zkUrl !== undefined ? [zkUrl] : [])], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: StormResult | undefined;
    child.on('message', (m) => { result = m as StormResult; });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (result !== undefined) resolve(result);
      else reject(new Error(`storm on ${stateName} ended without figures (${String(code ?? signal)})`));
    });
  });
}

async function storm(stateName: string, zkUrl: string | undefined, size: StormSize = DEFAULT_SIZE): Promise<StormResult> {
  const { apps: APPS, instances: INSTANCES, agents: AGENTS } = size;
  const total = APPS * INSTANCES;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mvn-bench-sched-'));
  const perAgent = Math.ceil((total * 1.2) / AGENTS);
  const sim = await startSimulator(AGENTS, perAgent * 0.01 + 0.001, perAgent * 8);
  // A failed storm must not leave the simulator running (a 1,000-agent one holds ~600 MB).
  const killSim = (): void => { if (sim.child.exitCode === null) sim.child.kill('SIGKILL'); };
  process.once('exit', killSim);
  try {
    return await stormOn(sim, size, stateName, zkUrl, dir);
  } finally {
    process.off('exit', killSim);
    killSim();
  }
}

async function stormOn(sim: { url: string; child: ChildProcess; startMs: number }, size: StormSize, stateName: string, zkUrl: string | undefined, dir: string): Promise<StormResult> {
  const { apps: APPS, instances: INSTANCES, agents: AGENTS } = size;
  const total = APPS * INSTANCES;
  const serve = await startServe({
    master: sim.url, httpPort: 0, listenHost: '127.0.0.1', ui: false,
    // MVN_BENCH_LOG=<level>: serve's log on stderr (e.g. warn, to see failing Mesos calls).
    logger: process.env.MVN_BENCH_LOG === undefined ? false : pino({ name: 'serve', level: process.env.MVN_BENCH_LOG }, pino.destination(2)),
    state: zkUrl ?? (stateName === 'file' ? `file:${path.join(dir, 'state')}` : 'memory:'),
    reconciliationInitialDelayMs: 600_000, scheduler: { declineWaitingSeconds: 0.05, declineIdleSeconds: 5 },
  });

  // Leading (elected, with ZooKeeper) and subscribed before the clock starts.
  const readyBy = performance.now() + 60_000;
  while (!serve.scheduler.ready) {
    if (performance.now() > readyBy) throw new Error(`serve on ${stateName} not subscribed to mesos-sim within 60 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const rssBefore = process.memoryUsage.rss();
  let peakRss = rssBefore;
  // memoryUsage.rss(): the full memoryUsage() walks the heap spaces (1.4 % of the CPU at 30,000 tasks).
  const rssTimer = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage.rss()); }, 100);
  // Distinct tasks now RUNNING: a status update re-sent before its acknowledgement (common on a
  // busy machine) is published again and must not count twice.
  const runningTasks = new Set<string>();
  let running = 0;
  let done: () => void = () => undefined;
  const allRunning = new Promise<void>((resolve) => { done = resolve; });
  const unsubscribe = serve.bus.subscribe((e) => {
    if (e.eventType !== 'status_update_event' || typeof e.taskId !== 'string') return;
    if (e.taskStatus === 'TASK_RUNNING') runningTasks.add(e.taskId);
    // A late duplicate of STAGING/STARTING does not undo RUNNING; anything else ends it.
    else if (e.taskStatus !== 'TASK_STAGING' && e.taskStatus !== 'TASK_STARTING') runningTasks.delete(e.taskId);
    running = runningTasks.size;
    if (running >= total) done();
  });

  // serve's CPU time, sampled, to tell what it used while each GET waited (close to the wall
  // latency on an idle machine; unlike it, not inflated when other work takes the cores).
  const cpuSamples: Array<{ hrUs: number; cpuUs: number }> = [];
  const sampleCpu = (): void => {
    const c = process.cpuUsage();
    cpuSamples.push({ hrUs: hrUs(), cpuUs: c.user + c.system });
  };
  sampleCpu();
  const cpuTimer = setInterval(sampleCpu, 5);

  const simCpuBefore = procCpuSeconds(sim.child.pid);
  const client = startClient(serve.url, APPS, INSTANCES);
  // The clock starts with the client's first POST; serve's CPU is counted from the same moment
  // (the client process's start-up is not the storm's).
  const startUs = await client.started;
  const cpuBefore = process.cpuUsage();
  const postedUs = await client.posted;
  const timeout = setTimeout(() => done(), 600_000);
  await Promise.race([allRunning, client.failed]);
  clearTimeout(timeout);
  const elapsedMs = (hrUs() - startUs) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const serveCpu = (cpu.user + cpu.system) / 1e6;
  const simCpu = procCpuSeconds(sim.child.pid) - simCpuBefore;
  // Peak RSS is read before the snapshot: writing one takes more memory than the storm did.
  clearInterval(rssTimer);
  // MVN_BENCH_HEAP_SNAPSHOT=<dir>: a heap snapshot of this process (serve) once all run, for memory per task.
  if (process.env.MVN_BENCH_HEAP_SNAPSHOT !== undefined) {
    const file = (await import('node:v8')).writeHeapSnapshot(path.join(process.env.MVN_BENCH_HEAP_SNAPSHOT, `serve-${total}.heapsnapshot`));
    process.stdout.write(`heap snapshot        ${file}\n`);
  }
  clearInterval(cpuTimer);
  sampleCpu();
  const { gets, failed: pollErrors } = await client.stop();
  unsubscribe();

  const latencies = gets.map((g) => (g.endUs - g.startUs) / 1000).sort((a, b) => a - b);
  const cpuLatencies = gets.map((g) => (cpuAt(cpuSamples, g.endUs) - cpuAt(cpuSamples, g.startUs)) / 1000).sort((a, b) => a - b);
  const lines = [
    `apps × instances     ${APPS} × ${INSTANCES} = ${total} on ${AGENTS} agents (state ${stateName}${zkUrl !== undefined ? ', 3-node ensemble' : ''})`,
    `mesos-sim up after   ${sim.startMs.toFixed(0)} ms`,
    `POSTs done after     ${((postedUs - startUs) / 1000).toFixed(0)} ms`,
    `all TASK_RUNNING     ${running >= total ? '' : `(only ${running}) `}${(elapsedMs / 1000).toFixed(2)} s`,
    `tasks/s              ${(running / (elapsedMs / 1000)).toFixed(0)}`,
    `GET /v2/apps p50     ${percentile(latencies, 50).toFixed(1)} ms (${latencies.length} requests during the storm${pollErrors > 0 ? `, ${pollErrors} failed` : ''})`,
    `GET /v2/apps p99     ${percentile(latencies, 99).toFixed(1)} ms (serve CPU time while waiting: p50 ${percentile(cpuLatencies, 50).toFixed(1)} ms, p99 ${percentile(cpuLatencies, 99).toFixed(1)} ms)`,
    `peak RSS of serve    ${(peakRss / 1024 / 1024).toFixed(0)} MiB`,
    `CPU used             serve ${serveCpu.toFixed(1)} s (${((serveCpu * 1e6) / total).toFixed(0)} µs/task), mesos-sim ${simCpu.toFixed(1)} s (${((simCpu * 1e6) / total).toFixed(0)} µs/task)`,
    `mesos counters       ${Object.entries(serve.scheduler.counters).map(([k, v]) => `${k} ${v}`).join(', ')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  await serve.close();
  const exited = new Promise((resolve) => sim.child.once('exit', resolve));
  sim.child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (sim.child.exitCode === null) sim.child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    serveCpu, simCpu,
    seconds: elapsedMs / 1000, tasksPerSecond: running / (elapsedMs / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99),
    peakRssMiB: peakRss / 1024 / 1024, rssKiBPerTask: Math.max(0, peakRss - rssBefore) / 1024 / Math.max(1, running), running,
  };
}

if (require.main === module && process.argv[2] === '--client-child') {
  clientChild(process.argv[3], Number(process.argv[4]), Number(process.argv[5])).catch((err: unknown) => {
    process.stderr.write(`storm client: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  });
}

if (require.main === module && process.argv[2] === '--storm-child') {
  const [stateName, zkUrl] = process.argv.slice(3);
  storm(stateName, zkUrl).then(
    (r) => { process.send?.(r, () => process.exit(0)); },
    (err: unknown) => {
      process.stderr.write(`storm on ${stateName}: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
