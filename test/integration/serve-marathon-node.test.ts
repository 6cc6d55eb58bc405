// The independent `marathon-node` npm client against serve: create, list, scale, kill tasks of
// and destroy an app, plus info/ping/queue/deployments/leader.
import assert from 'node:assert/strict';
import { eventually, runningTasks, startCluster, type Cluster } from './serve-fixture';

interface MarathonClient {
  apps: {
    create(body: unknown): Promise<Record<string, unknown>>;
    getList(q?: unknown): Promise<{ apps: Array<Record<string, unknown>> }>;
    getOne(id: string): Promise<{ app: Record<string, unknown> }>;
    update(id: string, body: unknown, force?: boolean): Promise<{ deploymentId: string; version: string }>;
    getTasks(id: string): Promise<{ tasks: Array<{ id: string; state: string }> }>;
    killTasks(id: string, q?: unknown): Promise<{ tasks: Array<{ id: string }> }>;
    killTask(id: string, taskId: string, scale?: boolean): Promise<Record<string, unknown>>;
    getVersions(id: string): Promise<{ versions: string[] }>;
    destroy(id: string): Promise<{ deploymentId: string }>;
  };
  tasks: { getList(): Promise<{ tasks: unknown[] }>; kill(body: unknown, scale?: boolean, wipe?: boolean): Promise<unknown> };
  deployments: { getList(): Promise<unknown[]> };
  queue: { get(): Promise<{ queue: unknown[] }> };
  info: { get(): Promise<Record<string, unknown>> };
  leader: { get(): Promise<{ leader: string }> };
  misc: { ping(): Promise<unknown> };
}

// eslint-disable-next-line @typescript-eslint/no-var-requires
const marathonNode = require('marathon-node') as (url: string, opts?: unknown) => MarathonClient;

describe('serve: marathon-node client', function () {
  this.timeout(30_000);
  let c: Cluster;
  let m: MarathonClient;
  before(async () => {
    c = await startCluster({ agents: 2 });
    m = marathonNode(c.serve.url);
  });
  after(async () => { await c?.close(); });

  it('info, leader and ping', async () => {
    const info = await m.info.get();
    assert.equal(info.name, 'marathon');
    const leader = await m.leader.get();
    assert.equal(leader.leader, info.leader);
    assert.equal(await m.misc.ping(), 'pong');
  });

  it('creates and lists an app', async () => {
    const created = await m.apps.create({ id: '/mn/app', cmd: 'sleep 100', cpus: 0.1, mem: 16, instances: 1, labels: { by: 'marathon-node' } });
    assert.equal(created.id, '/mn/app');
    const list = await m.apps.getList({ label: 'by==marathon-node' });
    assert.deepEqual(list.apps.map((a) => a.id), ['/mn/app']);
    await runningTasks(c.serve.url, '/mn/app', 1);
  });

  it('scales it', async () => {
    const r = await m.apps.update('/mn/app', { instances: 3 });
    assert.match(r.deploymentId, /^[0-9a-f-]{36}$/);
    await runningTasks(c.serve.url, '/mn/app', 3);
    const one = await m.apps.getOne('/mn/app');
    assert.equal(one.app.instances, 3);
    assert.equal(one.app.tasksRunning, 3);
    assert.equal((await m.apps.getVersions('/mn/app')).versions.length, 2);
    // marathon-python's list_apps(embed_tasks=True) query, through this client.
    const listed = await m.apps.getList({ embed: 'app.tasks', label: 'by!=nobody' });
    assert.equal((listed.apps.find((a) => a.id === '/mn/app')?.tasks as unknown[] | undefined)?.length, 3);
    assert.deepEqual([one.app.networks, one.app.role], [[{ mode: 'host' }], '*']);
  });

  it('kills its tasks (replaced) and one task with scale (not replaced)', async () => {
    const before = (await m.apps.getTasks('/mn/app')).tasks.map((t) => t.id);
    const killed = await m.apps.killTasks('/mn/app');
    assert.deepEqual(killed.tasks.map((t) => t.id).sort(), [...before].sort());
    const replaced = await eventually('replacements', async () => {
      const now = await runningTasks(c.serve.url, '/mn/app', 3);
      return now.every((t) => !before.includes(t.id)) ? now : undefined;
    });
    const r = await m.apps.killTask('/mn/app', replaced[0].id, true);
    assert.ok(typeof r.deploymentId === 'string');
    await runningTasks(c.serve.url, '/mn/app', 2);
    assert.equal((await m.apps.getOne('/mn/app')).app.instances, 2);
    const all = await m.tasks.getList();
    assert.equal(all.tasks.length, 2);
  });

  it('destroys it', async () => {
    const r = await m.apps.destroy('/mn/app');
    assert.match(r.deploymentId, /^[0-9a-f-]{36}$/);
    await assert.rejects(m.apps.getOne('/mn/app'), (err: { statusCode?: number }) => err.statusCode === 404);
    await eventually('no deployments', async () => ((await m.deployments.getList()).length === 0 ? true : undefined));
    assert.deepEqual((await m.queue.get()).queue, []);
    assert.equal((await m.tasks.getList()).tasks.length, 0);
  });
});
