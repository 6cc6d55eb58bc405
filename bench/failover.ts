// Leader failover of `serve` on a real 3-member ZooKeeper ensemble (three serve processes, an
// in-process LocalMaster; test/helpers/ha-cluster.ts):
//   - ZooKeeper write requests per launched task, from the leader's own store counters
//     (/metrics marathon_state_store_requests), against one write per instance change
//     (Scheduled, Provisioned, Running = 3 per task);
//   - takeover time over repeated kill -9 of the leader while a scale-up is being launched
//     (kill → a standby names itself leader and is subscribed + reconciled), min/median/p95/max,
//     against the ZooKeeper session timeout that bounds it from below;
//   - after every round: exactly the target number of running tasks, one per instance.
// Env: MVN_BENCH_FAILOVER_TASKS (default 300), MVN_BENCH_FAILOVER_KILLS (default 10, at least 10),
//      MVN_BENCH_FAILOVER_SESSION_MS (default 2000).
import { httpJson, startHaCluster, waitFor, type HaCluster, type ServeProcess } from '../test/helpers/ha-cluster';

const TASKS = Number(process.env.MVN_BENCH_FAILOVER_TASKS ?? 300);
const KILLS = Math.max(10, Number(process.env.MVN_BENCH_FAILOVER_KILLS ?? 10));
const SESSION_MS = Number(process.env.MVN_BENCH_FAILOVER_SESSION_MS ?? 2000);
const STEP = 20;
const APP = '/bench/failover';

function line(label: string, value: string): void {
  process.stdout.write(`${label.padEnd(58)} ${value}\n`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function counters(c: HaCluster, s: ServeProcess): Promise<{ writes: number; launched: number }> {
  const m = await c.metrics(s);
  return { writes: m.get('marathon_state_store_requests{kind="writes"}') ?? NaN, launched: m.get('marathon_mesos_calls{kind="launched"}') ?? NaN };
}

/** Waits until the master runs exactly `n` tasks of the framework and the deployment is done. */
async function settled(c: HaCluster, leader: () => ServeProcess, n: number): Promise<void> {
  await waitFor(`${n} running tasks`, () => {
    const { active } = c.frameworkTasks();
    return active.length === n && active.every((t) => t.state === 'TASK_RUNNING') ? true : undefined;
  }, 120_000);
  await waitFor('no deployment', async () => {
    const r = await httpJson<unknown[]>(`${leader().url}/v2/deployments`);
    return r.status === 200 && r.body.length === 0 ? true : undefined;
  }, 60_000);
}

function duplicates(c: HaCluster): number {
  const seen = new Set<string>();
  let dup = 0;
  for (const t of [...c.frameworkTasks().active, ...c.frameworkTasks().completed]) {
    const instance = t.taskId.slice(0, t.taskId.lastIndexOf('._app.'));
    if (seen.has(instance)) dup++;
    seen.add(instance);
  }
  return dup;
}

export async function run(): Promise<void> {
  const c = await startHaCluster({ serves: 3, zkMembers: 3, agents: 10, taskDelayMs: 50, sessionTimeoutMs: SESSION_MS, logLevel: 'warn' });
  try {
    // 1. Writes per launched task on a stable leader.
    let leader = await c.waitLeader({ timeoutMs: 60_000 });
    const before = await counters(c, leader);
    const created = await httpJson(`${leader.url}/v2/apps`, { method: 'POST', body: { id: APP, cmd: 'sleep 3600', cpus: 0.01, mem: 8, instances: TASKS } });
    if (created.status !== 201) throw new Error(`POST ${APP}: ${created.status} ${created.text}`);
    await settled(c, () => leader, TASKS);
    const after = await counters(c, leader);
    const launched = after.launched - before.launched;
    const perTask = (after.writes - before.writes) / launched;
    line(`zk writes per launched task (${launched} tasks, leader counters)`, `${perTask.toFixed(3)}  (one per change: 3.00, ratio ${(perTask / 3).toFixed(3)})`);

    // 2. Repeated kill -9 of the leader during a scale-up.
    const takeovers: number[] = [];
    let target = TASKS;
    let dupTotal = 0;
    const frameworkIds = new Set(c.frameworkTasks().frameworkIds);
    for (let round = 0; round < KILLS; round++) {
      leader = await c.waitLeader({ timeoutMs: 60_000 });
      target += STEP;
      const put = await httpJson(`${leader.url}/v2/apps${APP}`, { method: 'PUT', body: { instances: target } });
      if (put.status !== 200) throw new Error(`PUT ${APP}: ${put.status} ${put.text}`);
      // Vary the moment of the kill across the launch pipeline (store, ACCEPT, statuses).
      await new Promise((r) => setTimeout(r, (round % 5) * 30));
      const killed = leader.index;
      const t0 = Date.now();
      await c.kill(killed, 'SIGKILL');
      leader = await c.waitLeader({ exclude: killed, timeoutMs: 60_000 });
      takeovers.push(Date.now() - t0);
      await c.startServe(killed);
      await settled(c, () => leader, target);
      dupTotal += duplicates(c);
      for (const id of c.frameworkTasks().frameworkIds) frameworkIds.add(id);
    }
    const sorted = [...takeovers].sort((a, b) => a - b);
    line(`takeover after kill -9, ${KILLS} kills (ms)`, `min ${sorted[0]}  median ${percentile(sorted, 50)}  p95 ${percentile(sorted, 95)}  max ${sorted[sorted.length - 1]}`);
    line('takeover median / zk session timeout', `${(percentile(sorted, 50) / SESSION_MS).toFixed(2)}  (session ${SESSION_MS} ms: the lower bound)`);
    line(`final running tasks / target`, `${c.frameworkTasks().active.length} / ${target}`);
    line('instances launched twice, framework ids seen', `${dupTotal}, ${frameworkIds.size}`);
    if (dupTotal !== 0 || frameworkIds.size !== 1) throw new Error('failover broke an invariant (duplicate launch or new framework id)');
  } finally {
    await c.close();
  }
}
