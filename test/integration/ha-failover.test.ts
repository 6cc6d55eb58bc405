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
import { describeNeeding } from '../helpers/requires';

const APP = '/ha/scale';
const TASKS = 500;
const ZK_TIMEOUT_MS = 4000;

interface AppTask { id: string; state: string; host: string }

/** Instance id of a Marathon task id `<app>.instance-<uuid>._app.<n>`. */
function instanceOf(taskId: string): string {
  const i = taskId.lastIndexOf('._app.');
  return i < 0 ? taskId : taskId.slice(0, i);
}

describeNeeding(['zookeeper'], 'HA: three serve processes on a 3-member ZooKeeper ensemble', function () {
  this.timeout(120_000);
  let c: HaCluster;
  let runId = '';
  let dir = '';
  let watcher: StateStore;

  before(async function () {
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

  it('a standby forwards writes and the event stream to the leader; DELETE /v2/leader through it moves leadership', async () => {
    const leader = await c.waitLeader();
    const standby = c.alive().find((s) => s.index !== leader.index) as ServeProcess;
    const named = await httpJson<{ leader: string }>(`${standby.url}/v2/leader`);
    assert.deepEqual([named.status, named.body.leader], [200, leader.hostPort]);

    // The event stream through the standby carries the leader's events.
    const abort = new AbortController();
    const stream = await fetch(`${standby.url}/v2/events`, { headers: { Accept: 'text/event-stream' }, signal: abort.signal });
    assert.equal(stream.status, 200);
    assert.equal(stream.headers.get('x-marathon-leader'), `http://${leader.hostPort}`);
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    let seen = '';
    const sawPost = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return false;
        seen += Buffer.from(value).toString('utf8');
        if (/event: api_post_event\ndata: .*"\/ha\/fwd"/.test(seen)) return true;
      }
    })();
    const created = await httpJson(`${standby.url}/v2/apps`, { method: 'POST', body: { id: '/ha/fwd', cmd: 'sleep 3600', cpus: 0.01, mem: 8, instances: 1 } });
    assert.equal(created.status, 201, created.text);
    assert.equal(await Promise.race([sawPost, new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]), true, `event stream: ${seen.slice(0, 300)}`);
    abort.abort();
    await reader.cancel().catch(() => undefined);

    const frameworkId = c.frameworkTasks().frameworkIds[0];
    const abdicated = await httpJson<{ message: string }>(`${standby.url}/v2/leader`, { method: 'DELETE' });
    assert.deepEqual([abdicated.status, abdicated.body], [200, { message: 'Leadership abdicated' }]);
    const next = await c.waitLeader({ exclude: leader.index });
    assert.notEqual(next.index, leader.index);
    const again = await httpJson<{ leader: string }>(`${leader.url}/v2/leader`);
    assert.equal(again.body.leader, next.hostPort, 'the old leader names the new one');
    await waitFor('501 running tasks', () => {
      const { active } = c.frameworkTasks();
      return active.length === TASKS + 1 && active.every((t) => t.state === 'TASK_RUNNING') ? true : undefined;
    });
    const { completed, frameworkIds } = c.frameworkTasks();
    assert.deepEqual(frameworkIds, [frameworkId]);
    assert.equal(completed.length, 0, 'the hand-over relaunched nothing');
  });

  it('one ZooKeeper member down is invisible; two down: writes 503 in bounded time, cached reads answer; back: service resumes', async () => {
    const leader = await c.waitLeader();
    const standby = c.alive().find((s) => s.index !== leader.index) as ServeProcess;
    const bound = ZK_TIMEOUT_MS + 3000; // a client timeout: a hanging request fails the test

    // One member down: every request through leader and standby succeeds.
    const churn = async (tag: string): Promise<number[]> => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const via = i % 2 === 0 ? leader : standby;
        statuses.push((await httpJson(`${via.url}/v2/apps`, { timeoutMs: bound })).status);
        // A write that launches nothing: an app with no instances.
        statuses.push((await httpJson(`${via.url}/v2/apps`, { method: 'POST', body: { id: `/ha/idle/${tag}-${i}`, cmd: 'sleep 1', cpus: 0.01, mem: 8, instances: 0 }, timeoutMs: bound })).status);
      }
      return statuses;
    };
    const during = churn('one-down');
    await c.zk.kill(0);
    assert.deepEqual([...new Set(await during)].sort(), [200, 201]);
    assert.deepEqual([...new Set(await churn('one-down-after'))].sort(), [200, 201]);

    // Quorum lost.
    await c.zk.kill(1);
    const post = await httpJson<{ message: string }>(`${leader.url}/v2/apps`, { method: 'POST', body: { id: '/ha/q', cmd: 'sleep 1', cpus: 0.01, mem: 8 }, timeoutMs: bound });
    assert.equal(post.status, 503, post.text);
    assert.equal(typeof post.body.message, 'string');
    const viaStandby = await httpJson<{ message: string }>(`${standby.url}/v2/apps`, { method: 'POST', body: { id: '/ha/q', cmd: 'sleep 1', cpus: 0.01, mem: 8 }, timeoutMs: bound });
    assert.equal(viaStandby.status, 503, viaStandby.text);
    await waitFor('no leader known', async () => {
      const r = await httpJson<{ message: string }>(`${standby.url}/v2/leader`, { timeoutMs: bound });
      return r.status === 404 && r.body.message === 'There is no leader' ? true : undefined;
    }, 15_000);
    const noLeader = await httpJson<{ message: string }>(`${standby.url}/v2/apps`, { method: 'POST', body: { id: '/ha/q', cmd: 'sleep 1', cpus: 0.01, mem: 8 }, timeoutMs: bound });
    assert.deepEqual([noLeader.status, noLeader.body], [503, { message: 'There is no leader' }]);
    const cached = await httpJson<{ apps: Array<{ id: string; instances: number }> }>(`${leader.url}/v2/apps`, { timeoutMs: bound });
    assert.equal(cached.status, 200, cached.text);
    const cachedApps = new Map(cached.body.apps.map((a) => [a.id, a.instances]));
    assert.equal(cachedApps.get('/ha/fwd'), 1);
    assert.equal(cachedApps.get(APP), TASKS);
    assert.equal(cachedApps.size, 14, 'the two apps and twelve idle ones');
    const tasks = await httpJson<{ tasks: AppTask[] }>(`${leader.url}/v2/apps${APP}/tasks`, { timeoutMs: bound });
    assert.equal(tasks.status, 200);
    assert.equal(tasks.body.tasks.length, TASKS);

    // Quorum back: a leader again, and writes work without restarting anything.
    await Promise.all([c.zk.restart(0), c.zk.restart(1)]);
    const back = await c.waitLeader({ timeoutMs: 30_000 });
    let last = '';
    const created = await waitFor('a write accepted again', async () => {
      const r = await httpJson(`${back.url}/v2/apps`, { method: 'POST', body: { id: '/ha/q2', cmd: 'sleep 3600', cpus: 0.01, mem: 8, instances: 2 }, timeoutMs: bound });
      last = `${r.status} ${r.text.slice(0, 200)}`;
      return r.status === 201 ? r : undefined;
    }, 20_000).catch(() => failWith(`no write accepted after quorum came back; last answer ${last}`, back));
    assert.equal(created.status, 201);
    // A write that timed out has an unknown outcome: ZooKeeper may still commit it once quorum is back.
    const q = await httpJson(`${back.url}/v2/apps/ha/q`, { timeoutMs: bound });
    assert.ok(q.status === 200 || q.status === 404, q.text);
    const expected = TASKS + 1 + 2 + (q.status === 200 ? 1 : 0);
    await waitFor(`${expected} tasks running, none lost`, () => {
      const { active } = c.frameworkTasks();
      return active.length === expected && active.every((t) => t.state === 'TASK_RUNNING') ? true : undefined;
    }, 30_000);
    assert.equal(c.frameworkTasks().completed.length, 0);
    assert.equal(c.frameworkTasks().frameworkIds.length, 1);
  });
});
