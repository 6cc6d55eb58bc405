// HA end to end: three `serve` child processes on a real 3-member ZooKeeper ensemble with a
// LocalMaster. kill -9 of the leader during a scale-up to 500 tasks; abdication; forwarding
// (event stream included) and the no-leader answers; ZooKeeper member and quorum loss seen
// through the API.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { openStore } from '../../src/state/open-store';
import type { StateStore } from '../../src/state/store';
import type { ZkStore } from '../../src/state/zk-store';
import { httpJson, processesMentioning, startHaCluster, waitFor, type HaCluster, type ServeProcess } from '../helpers/ha-cluster';
import { zooKeeperAvailable } from '../helpers/zookeeper';

const APP = '/ha/scale';
const TASKS = 500;
const ZK_TIMEOUT_MS = 4000;

interface AppTask { id: string; state: string; host: string }

/** Instance id of a Marathon task id `<app>.instance-<uuid>._app.<n>`. */
function instanceOf(taskId: string): string {
  const i = taskId.lastIndexOf('._app.');
  return i < 0 ? taskId : taskId.slice(0, i);
}

describe('HA: three serve processes on a 3-member ZooKeeper ensemble', function () {
  this.timeout(120_000);
  let c: HaCluster;
  let runId = '';
  let dir = '';
  let watcher: StateStore;

  before(async function () {
    if (!zooKeeperAvailable()) this.skip();
    c = await startHaCluster({ serves: 3, zkMembers: 3, agents: 10, taskDelayMs: 300, zkTimeoutMs: ZK_TIMEOUT_MS, sessionTimeoutMs: 2000 });
    runId = c.runId;
    dir = c.dir;
  });

  after(async () => {
    await watcher?.close();
    if (c === undefined) return;
    await c.close();
    assert.deepEqual(c.zk.alivePids(), []);
    assert.equal(fs.existsSync(dir), false, 'private dir removed');
    assert.deepEqual(processesMentioning(runId), [], 'no process carrying the run id is left');
  });

  function failWith(what: string, s?: ServeProcess): never {
    const logs = (s !== undefined ? [s] : c.alive()).map((p) => `--- serve ${p.index}\n${c.logTail(p, 40)}`).join('\n');
    throw new Error(`${what}\n${logs}`);
  }

  it(`kill -9 of the leader during a scale-up to ${TASKS}: a standby takes over, ${TASKS} running, no duplicate, no orphan, same framework id`, async () => {
    const leader = await c.waitLeader({ timeoutMs: 30_000 });
    // A store of our own, following the state path by watches (reads come from its mirror).
    watcher = await openStore(c.stateUrl, { operationTimeoutMs: 8000 });
    const app = { id: APP, cmd: 'sleep 3600', cpus: 0.01, mem: 8, instances: TASKS };
    const created = await httpJson(`${leader.url}/v2/apps`, { method: 'POST', body: app });
    assert.equal(created.status, 201, created.text);
    const infoBefore = await httpJson<{ frameworkId: string | null }>(`${leader.url}/v2/info`);
    const frameworkId = await waitFor('the framework id', () => (c.frameworkTasks().frameworkIds.length === 1 ? c.frameworkTasks().frameworkIds[0] : undefined));

    // Kill as soon as the leader has stored its first launch: ACCEPTs are then being sent.
    const atKill = await waitFor('the first stored launch', async () => {
      const stored = await watcher.listInstances(APP);
      return stored.some((i) => (i.data as { condition: string }).condition !== 'Scheduled') ? c.frameworkTasks().active.length : undefined;
    }, 60_000, 1).catch(() => failWith(`no launches: ${c.frameworkTasks().active.length} tasks in the master`));
    const runningAtKill = c.frameworkTasks().active.filter((t) => t.state === 'TASK_RUNNING').length;
    const killedAt = Date.now();
    await c.kill(leader.index, 'SIGKILL');
    const next = await c.waitLeader({ exclude: leader.index, timeoutMs: 30_000 }).catch(() => failWith('no standby took over'));
    const takeoverMs = Date.now() - killedAt;
    process.stdout.write(`      takeover after kill -9: ${takeoverMs} ms (master knew ${atKill} tasks, ${runningAtKill} running, at the kill)\n`);
    assert.notEqual(next.index, leader.index);

    // The scale-up completes on the new leader.
    await waitFor(`${TASKS} running tasks in the master`, () => {
      const { active } = c.frameworkTasks();
      return active.length === TASKS && active.every((t) => t.state === 'TASK_RUNNING') ? true : undefined;
    }, 60_000).catch(() => failWith(`not ${TASKS} running: ${c.frameworkTasks().active.length} active`, next));
    await waitFor('the deployment to finish', async () => {
      const r = await httpJson<unknown[]>(`${next.url}/v2/deployments`);
      return r.status === 200 && r.body.length === 0 ? true : undefined;
    }, 30_000).catch(() => failWith('deployment still running', next));

    const { active, completed, frameworkIds } = c.frameworkTasks();
    assert.deepEqual(frameworkIds, [frameworkId], 'one framework, the same id');
    const info = await httpJson<{ frameworkId: string | null; leader: string; elected: boolean }>(`${next.url}/v2/info`);
    assert.equal(info.body.frameworkId, frameworkId);
    assert.equal(infoBefore.body.frameworkId, frameworkId);
    assert.equal(info.body.leader, next.hostPort);
    assert.equal(info.body.elected, true);
    // No task was ever launched twice for one instance, and none was killed as unknown.
    assert.equal(completed.length, 0, `no task ended: ${completed.map((t) => `${t.taskId} ${t.state}`).slice(0, 5).join(', ')}`);
    const instances = new Set(active.map((t) => instanceOf(t.taskId)));
    assert.equal(instances.size, TASKS, 'one task per instance');

    // The API and the store agree with the master: every master task belongs to a stored instance.
    const appTasks = await httpJson<{ tasks: AppTask[] }>(`${next.url}/v2/apps${APP}/tasks`);
    assert.equal(appTasks.status, 200);
    assert.deepEqual(appTasks.body.tasks.map((t) => t.id).sort(), active.map((t) => t.taskId).sort());
    const store = watcher;
    {
      await (store as ZkStore).refresh();
      const stored = await store.listInstances(APP);
      assert.equal(stored.length, TASKS, 'stored instances');
      const byTask = new Map<string, number>();
      const slots = new Set<number>();
      for (const s of stored) {
        const d = s.data as { taskId: string | null; slot: number };
        assert.ok(d.taskId !== null, `instance ${s.instanceId} has a task`);
        byTask.set(d.taskId, d.slot);
        slots.add(d.slot);
      }
      for (const t of active) assert.ok(byTask.has(t.taskId), `master task ${t.taskId} is a stored instance's task`);
      assert.deepEqual([...slots].sort((a, b) => a - b), Array.from({ length: TASKS }, (_, i) => i), 'slots 0..n-1, each once');
      assert.equal(await store.getFrameworkId(), frameworkId);
    }
    // Bring the killed instance back as a standby for the following tests.
    await c.startServe(leader.index);
  });
});
