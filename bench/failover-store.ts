// State store under failure, on a real 3-member ZooKeeper ensemble on 127.0.0.1:
//   - ZooKeeper write requests per launched task (instance document + static address claim in one
//     transaction) against the naive one-request-per-change baseline;
//   - write latency p50/p99 for ZooKeeper, file and memory stores;
//   - a leader kill under continuous writes: failed writes (must be 0), slowest write, time to the
//     first write acknowledged after the kill, against the ensemble's own re-election time;
//   - quorum loss: how long a write takes to answer StoreUnavailableError (API 503);
//   - leader election hand-over after abdication.
// Env: MVN_BENCH_TASKS (default 300).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileStore } from '../src/state/file-store';
import { ZkLeaderElection } from '../src/state/leader-election';
import { MemoryStore } from '../src/state/memory-store';
import { StateStore, StoreUnavailableError } from '../src/state/store';
import { ZkStore } from '../src/state/zk-store';
import { ZooKeeperCluster, startEnsemble } from '../test/helpers/zookeeper';

const TASKS = Number(process.env.MVN_BENCH_TASKS ?? 300);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function launchTasks(store: StateStore, prefix: string): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < TASKS; i++) {
    const t = process.hrtime.bigint();
    await store.transaction([
      { op: 'putInstance', appId: `/${prefix}`, instanceId: `${prefix}.${i}`, data: { slot: i, state: 'staging', host: 'agent-1' } },
      { op: 'claimAddress', network: 'nw-bench', address: `${prefix}-10.0.${i >> 8}.${i & 255}`, holder: { app: `/${prefix}`, slot: i } },
    ]);
    latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return latencies.sort((a, b) => a - b);
}

function line(label: string, value: string): void {
  process.stdout.write(`${label.padEnd(58)} ${value}\n`);
}

export async function run(): Promise<void> {
  const zk: ZooKeeperCluster = await startEnsemble(3);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mvn-bench-state-'));
  const opened: Array<{ close(): Promise<void> }> = [];
  try {
    const url = zk.url(`/bench-${zk.runId}`);
    const store = await ZkStore.open(url, { operationTimeoutMs: 8000, failFastAfterMs: 3000, sessionTimeoutMs: 4000 });
    opened.push(store);

    // 1. Writes per launched task.
    const before = store.counters().writes;
    const zkLat = await launchTasks(store, 'zk');
    const perTask = (store.counters().writes - before) / TASKS;
    const naive = 2; // one request for the instance node, one for the claim node
    line('zk write requests per launched task (instance + claim)', `${perTask.toFixed(2)}  (naive ${naive}.00, ratio ${(perTask / naive).toFixed(2)})`);

    // 2. Latency per store kind.
    const file = await FileStore.open(dir);
    opened.push(file);
    const fileLat = await launchTasks(file, 'file');
    const memLat = await launchTasks(new MemoryStore(), 'mem');
    for (const [name, lat] of [['zookeeper (3 members)', zkLat], ['file (fsync)', fileLat], ['memory', memLat]] as const) {
      line(`launch transaction latency, ${name}`, `p50 ${percentile(lat, 50).toFixed(2)} ms  p99 ${percentile(lat, 99).toFixed(2)} ms`);
    }
    line('zookeeper p50 / memory p50', `${(percentile(zkLat, 50) / percentile(memLat, 50)).toFixed(1)}x`);

    // 3. Leader kill under continuous writes.
    let leader = -1;
    for (let i = 0; i < 3; i++) if (/^Mode: leader/m.test(await zk.srvr(i))) leader = i;
    let failures = 0;
    let slowest = 0;
    let firstAckAfterKill = NaN;
    let killedAt = 0;
    let running = true;
    const writer = (async () => {
      for (let i = 0; running; i++) {
        const t = Date.now();
        try {
          await store.putInstance('/failover', `f.${i}`, { i });
          const now = Date.now();
          slowest = Math.max(slowest, now - t);
          if (killedAt > 0 && t >= killedAt && Number.isNaN(firstAckAfterKill)) firstAckAfterKill = now - killedAt;
        } catch {
          failures++;
        }
        await sleep(10);
      }
    })();
    await sleep(500);
    killedAt = Date.now();
    await zk.kill(leader);
    let electedAfter = NaN;
    for (const start = Date.now(); Date.now() - start < 20_000; await sleep(20)) {
      const modes = await Promise.all([0, 1, 2].filter((i) => i !== leader).map((i) => zk.srvr(i)));
      if (modes.some((m) => /^Mode: leader/m.test(m))) {
        electedAfter = Date.now() - killedAt;
        break;
      }
    }
    await sleep(1500);
    running = false;
    await writer;
    line('zk leader kill: failed writes', String(failures));
    line('zk leader kill: slowest write', `${slowest} ms`);
    line('zk leader kill: first write acknowledged after the kill', `${firstAckAfterKill} ms (ensemble re-election ${electedAfter} ms, ratio ${(firstAckAfterKill / electedAfter).toFixed(2)})`);
    await zk.restart(leader);

    // 4. Quorum loss: time to a 503.
    const connected = zk.members.findIndex((m) => m.clientPort === store.session.serverPort());
    await Promise.all([0, 1, 2].filter((i) => i !== connected).map((i) => zk.kill(i)));
    const lostAt = Date.now();
    const answers: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = Date.now();
      try {
        await store.putInstance('/lost', `l.${i}`, {});
      } catch (err) {
        if (!(err instanceof StoreUnavailableError)) throw err;
      }
      answers.push(Date.now() - t);
    }
    line('quorum lost: first write answered 503 after', `${answers[0]} ms (failFastAfterMs 3000, operationTimeoutMs 8000)`);
    line('quorum lost: later writes answered 503 after', `${answers.slice(1).join(', ')} ms`);
    line('quorum lost: reads from the cache', `${(await store.listInstances('/zk')).length} instances`);
    void lostAt;
    for (let i = 0; i < 3; i++) if (!zk.members[i].process) await zk.restart(i, false);
    await sleep(3000);

    // 5. Leader election hand-over.
    const a = await ZkLeaderElection.open(url, { id: '127.0.0.1:1', sessionTimeoutMs: 4000 });
    const b = await ZkLeaderElection.open(url, { id: '127.0.0.1:2', sessionTimeoutMs: 4000 });
    opened.push(a, b);
    const handed = new Promise<number>((resolve) => {
      const t = Date.now();
      b.once('elected', () => resolve(Date.now() - t));
    });
    await a.abdicate();
    line('leader election: hand-over after abdicate()', `${await handed} ms`);
  } finally {
    await Promise.all(opened.map((o) => o.close().catch(() => undefined)));
    await zk.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  run().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
