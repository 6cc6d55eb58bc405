// The stock Marathon UI's request sequence (spec §6) replayed, asserting every response has the
// shape the UI reads (§6.2). Requests carry what the UI sends: Accept and Content-Type JSON on
// every method, app ids appended after a trailing slash (/v2/apps//web/nginx).
import assert from 'node:assert/strict';
import { eventually, http, runningTasks, startCluster, type Cluster } from './serve-fixture';

const UI_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json' };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function assertAppShape(app: unknown, where: string): void {
  assert.ok(isObj(app), `${where}: app object`);
  for (const k of ['tasksRunning', 'tasksStaged', 'tasksHealthy', 'tasksUnhealthy', 'instances', 'cpus', 'mem']) {
    assert.equal(typeof app[k], 'number', `${where}: ${k} is a number`);
  }
  assert.ok(Array.isArray(app.deployments), `${where}: deployments is an array`);
  assert.ok(isObj(app.labels), `${where}: labels`);
  assert.equal(typeof app.id, 'string');
  assert.equal(typeof app.version, 'string');
  assert.ok(isObj(app.versionInfo), `${where}: versionInfo`);
}

describe('serve: stock Marathon UI request sequence', function () {
  this.timeout(30_000);
  let c: Cluster;
  let base: string;
  const ui = <T = unknown>(method: string, url: string, body?: unknown) => http<T>(base, method, url, body ?? (method === 'GET' || method === 'DELETE' ? undefined : {}), UI_HEADERS);
  /** GET/DELETE as the UI sends them: Content-Type JSON, empty body. */
  const uiNoBody = async <T = unknown>(method: string, url: string) => {
    const res = await fetch(base + url, { method, headers: UI_HEADERS });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text === '' ? undefined : JSON.parse(text)) as T, text };
  };
  before(async () => { c = await startCluster(); base = c.serve.url; });
  after(async () => { await c?.close(); });

  it('startup gate: GET /v2/plugins', async () => {
    const r = await uiNoBody<{ plugins: unknown[] }>('GET', '/v2/plugins');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { plugins: [] });
  });

  it('about: GET /v2/info with a string mesos_leader_ui_url ending in /', async () => {
    const r = await uiNoBody<Obj>('GET', '/v2/info');
    assert.equal(r.status, 200);
    assert.match(String(r.body.version), /^1\.10\./);
    assert.ok('frameworkId' in r.body);
    assert.equal(typeof r.body.leader, 'string');
    const mc = r.body.marathon_config as Obj;
    assert.equal(typeof mc.mesos_leader_ui_url, 'string');
    assert.match(mc.mesos_leader_ui_url as string, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.ok(isObj(r.body.zookeeper_config));
    assert.equal((r.body.http_config as Obj).http_port, c.serve.port);
  });

  it('create in JSON mode (unknown fields kept out, 201 with the app)', async () => {
    const body = { id: '/web/nginx', cmd: 'nginx -g "daemon off;"', cpus: 0.1, mem: 32, instances: 2, labels: { tier: 'web' }, uiExtra: { x: 1 } };
    const r = await ui<Obj>('POST', '/v2/apps', body);
    assert.equal(r.status, 201, r.text);
    assertAppShape(r.body, 'POST');
    await runningTasks(base, '/web/nginx', 2);
  });

  it('app list: GET /v2/groups with the UI embeds', async () => {
    const r = await uiNoBody<Obj>('GET', '/v2/groups?embed=group.groups&embed=group.apps&embed=group.apps.deployments&embed=group.apps.counts&embed=group.apps.readiness');
    assert.equal(r.status, 200);
    assert.equal(r.body.id, '/');
    assert.ok(Array.isArray(r.body.groups));
    assert.ok(Array.isArray(r.body.apps));
    const web = (r.body.groups as Obj[]).find((g) => g.id === '/web');
    assert.ok(web, 'group /web');
    const apps = web.apps as Obj[];
    assert.equal(apps.length, 1);
    assertAppShape(apps[0], 'groups');
    assert.equal(apps[0].tasksRunning, 2);
    assert.ok(Array.isArray(apps[0].readinessCheckResults));
  });

  it('app page: GET /v2/apps//web/nginx with tasksStats (Marathon 1.10 wire name) and readiness', async () => {
    const r = await uiNoBody<{ app: Obj }>('GET', '/v2/apps//web/nginx?embed=app.taskStats&embed=app.readiness');
    assert.equal(r.status, 200);
    const app = r.body.app;
    assertAppShape(app, 'app page');
    const tasks = app.tasks as Obj[];
    assert.equal(tasks.length, 2);
    for (const t of tasks) {
      for (const k of ['id', 'host', 'version', 'stagedAt', 'startedAt']) assert.equal(typeof t[k], 'string', `task.${k}`);
      assert.ok(Array.isArray(t.ports));
      assert.ok(Array.isArray(t.healthCheckResults));
      assert.ok(Array.isArray(t.ipAddresses));
    }
    assert.ok(isObj(app.tasksStats));
    assert.ok(isObj((app.tasksStats as Obj).totalSummary));
    assert.ok(Array.isArray(app.readinessCheckResults));
    assert.ok(Array.isArray(app.networks));
  });

  it('every poll: GET /v2/queue and GET /v2/deployments', async () => {
    const q = await uiNoBody<{ queue: unknown[] }>('GET', '/v2/queue');
    assert.equal(q.status, 200);
    assert.ok(Array.isArray(q.body.queue));
    const d = await uiNoBody<unknown[]>('GET', '/v2/deployments');
    assert.equal(d.status, 200);
    assert.ok(Array.isArray(d.body));
  });

  it('scale while a deployment runs: 409 with deployments, then force → 200', async () => {
    // An app that cannot be placed keeps its deployment running.
    const big = { id: '/web/big', cmd: 'sleep 1', cpus: 64, mem: 32, instances: 1 };
    const created = await ui('POST', '/v2/apps', big);
    assert.equal(created.status, 201);
    const depId = created.headers.get('marathon-deployment-id');
    const deps = await uiNoBody<Obj[]>('GET', '/v2/deployments');
    const dep = deps.body.find((x) => x.id === depId);
    assert.ok(dep, 'deployment listed');
    for (const k of ['id', 'version', 'affectedApps', 'steps', 'currentActions', 'currentStep', 'totalSteps']) assert.ok(k in dep, `deployment.${k}`);
    assert.deepEqual(dep.affectedApps, ['/web/big']);
    assert.equal(typeof dep.currentStep, 'number');

    const queue = await uiNoBody<{ queue: Obj[] }>('GET', '/v2/queue');
    const item = queue.body.queue.find((i) => (i.app as Obj).id === '/web/big');
    assert.ok(item, 'queued');
    assert.equal(item.count, 1);
    assert.equal(typeof (item.delay as Obj).timeLeftSeconds, 'number');
    assert.equal(typeof (item.delay as Obj).overdue, 'boolean');

    const locked = await ui<{ message: string; deployments: Array<{ id: string }> }>('PUT', '/v2/apps//web/big', { instances: 2 });
    assert.equal(locked.status, 409, locked.text);
    assert.match(locked.body.message, /locked/);
    assert.deepEqual(locked.body.deployments, [{ id: depId }]);

    const forced = await ui<{ version: string; deploymentId: string }>('PUT', '/v2/apps//web/big?force=true', { instances: 2 });
    assert.equal(forced.status, 200, forced.text);
    assert.equal(typeof forced.body.version, 'string');
    assert.equal(forced.headers.get('marathon-deployment-id'), forced.body.deploymentId);
    const after = await uiNoBody<Obj[]>('GET', '/v2/deployments');
    assert.ok(!after.body.some((x) => x.id === depId), 'the conflicting deployment was cancelled');
    const app = await uiNoBody<{ app: Obj }>('GET', '/v2/apps//web/big?embed=app.taskStats&embed=app.readiness');
    assert.equal(app.body.app.instances, 2);
    assert.deepEqual(app.body.app.deployments, [{ id: forced.body.deploymentId }]);
  });

  it('stop / revert a deployment: DELETE /v2/deployments/{id}', async () => {
    const deps = await uiNoBody<Obj[]>('GET', '/v2/deployments');
    const dep = deps.body.find((x) => (x.affectedApps as string[]).includes('/web/big'));
    assert.ok(dep);
    const r = await uiNoBody<{ deploymentId: string }>('DELETE', `/v2/deployments/${String(dep.id)}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.deploymentId);
    const gone = await uiNoBody('DELETE', '/v2/deployments/00000000-0000-0000-0000-000000000000');
    assert.equal(gone.status, 404);
  });

  it('edit config with a 422 shows details[].path/errors', async () => {
    const r = await ui<{ message: string; details: Array<{ path: string; errors: string[] }> }>('PUT', '/v2/apps//web/nginx', { cpus: -1 });
    assert.equal(r.status, 422);
    assert.ok(r.body.details.some((d) => d.path === '/cpus' && d.errors.length > 0), r.text);
  });

  it('restart (body {"force":false}), versions, a version', async () => {
    const r = await ui<{ deploymentId: string }>('POST', '/v2/apps//web/nginx/restart', { force: false });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.deploymentId);
    await eventually('restart done', async () => {
      const d = await uiNoBody<Obj[]>('GET', '/v2/deployments');
      return d.body.some((x) => x.id === r.body.deploymentId) ? undefined : true;
    });
    const v = await uiNoBody<{ versions: string[] }>('GET', '/v2/apps//web/nginx/versions');
    assert.equal(v.status, 200);
    assert.equal(v.body.versions.length, 2);
    const one = await uiNoBody<Obj>('GET', `/v2/apps//web/nginx/versions/${v.body.versions[1]}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.id, '/web/nginx');
  });

  it('kill tasks and kill & scale: POST /v2/tasks/delete', async () => {
    const tasks = await runningTasks(base, '/web/nginx', 2);
    const k = await ui<{ tasks: Obj[] }>('POST', '/v2/tasks/delete?wipe=true', { ids: [tasks[0].id] });
    assert.equal(k.status, 200, k.text);
    const now = await runningTasks(base, '/web/nginx', 2);
    const ks = await ui<{ deploymentId: string }>('POST', '/v2/tasks/delete?scale=true&force=true', { ids: [now[0].id] });
    assert.equal(ks.status, 200, ks.text);
    await runningTasks(base, '/web/nginx', 1);
  });

  it('reset delay: DELETE /v2/queue/{id}/delay → 204', async () => {
    const a = await uiNoBody('DELETE', '/v2/queue/web/nginx/delay');
    assert.equal(a.status, 204);
    const b = await uiNoBody('DELETE', '/v2/queue//web/nginx/delay');
    assert.equal(b.status, 204);
  });

  it('groups: POST, PUT scaleBy, DELETE', async () => {
    const g = await ui('POST', '/v2/groups', { id: '/grp', apps: [{ id: 'one', cmd: 'sleep 9', cpus: 0.1, mem: 16, instances: 1 }] });
    assert.equal(g.status, 201, g.text);
    assert.equal(g.headers.get('location'), '/v2/groups/grp');
    await runningTasks(base, '/grp/one', 1);
    const s = await ui('PUT', '/v2/groups//grp', { scaleBy: 2 });
    assert.equal(s.status, 200, s.text);
    await runningTasks(base, '/grp/one', 2);
    const one = await uiNoBody<Obj>('GET', '/v2/groups/grp');
    assert.equal(((one.body.apps as Obj[])[0]).instances, 2);
    const d = await uiNoBody('DELETE', '/v2/groups//grp');
    assert.equal(d.status, 200);
    assert.equal((await uiNoBody('GET', '/v2/apps//grp/one')).status, 404);
  });

  it('destroy: DELETE /v2/apps//web/nginx', async () => {
    const r = await uiNoBody<{ deploymentId: string }>('DELETE', '/v2/apps//web/nginx');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('marathon-deployment-id'), r.body.deploymentId);
    assert.equal((await uiNoBody('GET', '/v2/apps//web/nginx')).status, 404);
    await eventually('tasks gone', async () => {
      const t = await uiNoBody<{ tasks: Obj[] }>('GET', '/v2/tasks');
      return t.body.tasks.some((x) => x.appId === '/web/nginx') ? undefined : true;
    });
  });
});
