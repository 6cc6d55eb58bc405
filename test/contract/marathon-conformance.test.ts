// Issue 18 (Marathon API conformance against Marathon's RAML and code), through the HTTP API of a
// serve instance with a scripted Mesos: marathon-python's exact requests parsed as it parses
// them, marathon-node, and one test per numbered point that needs the server.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { startServe, type ServeHandle } from '../../src/cli/serve';
import { APP, fromJson, GROUP, INFO, TASK } from '../helpers/marathon-python-model';
import { apiHelpers, ScriptedMesos, type Obj } from '../helpers/scripted-mesos';

/** One request as python-requests sends it from marathon-python's `_do_request` (no body). */
function pythonRequest(base: string, method: string, pathAndQuery: string): Promise<{ status: number; body: unknown }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname, port: url.port, method, path: pathAndQuery,
      headers: {
        'User-Agent': 'python-requests/2.24.0', 'Accept-Encoding': 'gzip, deflate', Accept: 'application/json', Connection: 'keep-alive',
        'Content-Type': 'application/json',
      },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => {
        try { resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }); } catch (e) { reject(e); }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

interface MarathonNode {
  apps: { getList(q?: unknown): Promise<{ apps: Obj[] }>; getOne(id: string, q?: unknown): Promise<{ app: Obj }> };
  tasks: { kill(body: unknown, scale?: boolean, wipe?: boolean): Promise<unknown> };
  groups: { getOne(id: string): Promise<Obj> };
}
// eslint-disable-next-line @typescript-eslint/no-var-requires
const marathonNode = require('marathon-node') as (url: string, opts?: unknown) => MarathonNode;

describe('contract: Marathon conformance (issue 18)', function () {
  this.timeout(30_000);
  let s: ServeHandle;
  let mesos: ScriptedMesos;
  const { call, settle } = apiHelpers(() => s.url);
  const appOf = async (id: string, q = ''): Promise<Obj> => ((await call('GET', `/v2/apps${id}${q}`)).body as { app: Obj }).app;
  const tasksOf = async (id: string): Promise<Obj[]> => ((await call('GET', `/v2/apps${id}/tasks`)).body as { tasks: Obj[] }).tasks;
  const ids = async (q: string): Promise<string[]> => ((await call('GET', `/v2/apps${q}`)).body as { apps: Obj[] }).apps.map((a) => String(a.id));

  before(async () => {
    s = await startServe({
      master: 'master.example:5050', httpPort: 0, listenHost: '127.0.0.1', logger: false, ui: false, state: 'memory:', mesosRole: 'mvn',
      driverFactory: (_fi, id) => { mesos = new ScriptedMesos(id ?? 'fw-conf-0000'); return mesos; }, scheduler: { housekeepingIntervalMs: 50 },
    });
    for (const app of [
      { id: '/k/web', cmd: 'python3 -m HTTP.server', cpus: 0.1, mem: 16, instances: 2, labels: { tier: 'backend' }, healthChecks: [{ protocol: 'MESOS_HTTP' }] },
      { id: '/k/bare', cmd: 'sleep 100', cpus: 0.1, mem: 16, instances: 1 },
    ]) assert.equal((await call('POST', '/v2/apps', app)).status, 201);
    await settle('/k/web', 2);
    await settle('/k/bare', 1);
  });
  after(async () => { await s?.close(); });

  it('marathon-python list_apps(embed_tasks=True), get_app, list_tasks, list_groups, get_info: its requests, parsed as it parses', async () => {
    const list = await pythonRequest(s.url, 'GET', '/v2/apps?embed=app.tasks');
    assert.equal(list.status, 200);
    const apps = (list.body as { apps: Obj[] }).apps;
    for (const [i, a] of apps.entries()) fromJson(APP, a, `apps[${i}]`);
    const web = apps.find((a) => a.id === '/k/web');
    assert.equal((web?.tasks as unknown[] | undefined)?.length, 2, 'list_apps(embed_tasks=True) returns the tasks');
    const all = await pythonRequest(s.url, 'GET', '/v2/apps?embed=app.tasks&embed=app.counts&embed=app.deployments&embed=app.readiness&embed=app.lastTaskFailure&embed=app.failures');
    for (const a of (all.body as { apps: Obj[] }).apps) fromJson(APP, a);
    const one = await pythonRequest(s.url, 'GET', '/v2/apps//k/web?embed=app.tasks');
    fromJson(APP, (one.body as { app: Obj }).app);
    for (const t of ((await pythonRequest(s.url, 'GET', '/v2/tasks')).body as { tasks: Obj[] }).tasks) fromJson(TASK, t);
    for (const g of ((await pythonRequest(s.url, 'GET', '/v2/groups')).body as { groups: Obj[] }).groups) fromJson(GROUP, g);
    fromJson(INFO, (await pythonRequest(s.url, 'GET', '/v2/info')).body);
    // The model is strict: the old `tasks` bug (no tasks) and an unknown key would both show.
    assert.throws(() => fromJson(APP, { ...web, taskStat: {} }), /unexpected keyword argument 'task_stat'/);
  });

  it('marathon-node: getList with embed=app.tasks has tasks; tasks.kill with scale and wipe is refused', async () => {
    const m = marathonNode(s.url);
    const list = await m.apps.getList({ embed: 'app.tasks' });
    assert.equal((list.apps.find((a) => a.id === '/k/web')?.tasks as unknown[]).length, 2);
    await assert.rejects(m.tasks.kill({ ids: ['k_web.x'] }, true, true), (e: { statusCode?: number }) => e.statusCode === 400);
  });

  it('point 1: embed=apps.failures and bare names; app.* on lists, apps.* on one app', async () => {
    const withStats = ((await call('GET', '/v2/apps?embed=taskStats')).body as { apps: Obj[] }).apps;
    assert.ok(withStats.every((a) => typeof a.tasksStats === 'object'));
    const single = await appOf('/k/web', '?embed=apps.taskStats');
    assert.equal(typeof single.tasksStats, 'object');
    mesos.failing.add('k_fail.');
    await call('POST', '/v2/apps', { id: '/k/fail', cmd: 'false', cpus: 0.1, mem: 16, instances: 1, backoffSeconds: 600 });
    let failure: unknown;
    for (let i = 0; i < 300 && failure === undefined; i++) {
      failure = ((await call('GET', '/v2/apps?embed=apps.failures&id=/k/fail')).body as { apps: Obj[] }).apps[0]?.lastTaskFailure;
      if (failure === undefined) await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal((failure as Obj).appId, '/k/fail');
    const failing = ((await call('GET', '/v2/apps?embed=apps.failures&id=/k/fail')).body as { apps: Obj[] }).apps[0];
    assert.ok(Array.isArray(failing?.tasks), 'failures also embeds tasks');
    mesos.failing.clear();
    await call('DELETE', '/v2/apps/k/fail');
  });

  it('point 2: networks and role are always present; networkInterfaces appear as container networks and round-trip', async () => {
    const bare = await appOf('/k/bare');
    assert.deepEqual([bare.networks, bare.role], [[{ mode: 'host' }], 'mvn']);
    const vnet = { id: '/k/vnet', cmd: 'sleep 9', cpus: 0.1, mem: 16, instances: 0, networkInterfaces: [{ networkName: 'nw-a' }, { networkName: 'nw-b' }] };
    const created = await call('POST', '/v2/apps', vnet);
    assert.equal(created.status, 201, created.text);
    const shown = await appOf('/k/vnet');
    assert.deepEqual(shown.networks, [{ mode: 'container', name: 'nw-a' }, { mode: 'container', name: 'nw-b' }]);
    const echoed = await call('PUT', '/v2/apps/k/vnet', { ...shown, instances: 0 });
    assert.equal(echoed.status, 200, `the stock UI sends the shown app back: ${echoed.text}`);
    assert.equal(((await appOf('/k/vnet')).container as { networkInterfaces: unknown[] }).networkInterfaces.length, 2);
  });

  it('point 3: label=k!=v needs the label; cmd is matched case-insensitively', async () => {
    assert.deepEqual(await ids('?label=tier!%3Dfrontend'), ['/k/web']);
    assert.deepEqual(await ids('?label=tier%20notin%20(frontend)'), ['/k/web']);
    assert.deepEqual(await ids('?cmd=http.SERVER'), ['/k/web']);
    assert.equal((await call('GET', '/v2/apps?label=tier%20in%20(')).status, 422);
  });

  it('point 4: health-check defaults come back', async () => {
    const check = ((await appOf('/k/web')).healthChecks as Obj[])[0];
    for (const [k, v] of Object.entries({ intervalSeconds: 60, gracePeriodSeconds: 300, timeoutSeconds: 20, maxConsecutiveFailures: 3, delaySeconds: 15, portIndex: 0 })) {
      assert.equal(check?.[k], v, k);
    }
  });

  it('point 5: group versions, PATCH enforceRole, POST under a path, dependencies, group version = last change', async () => {
    const created = await call('POST', '/v2/groups', {
      id: '/gp', dependencies: ['/k'], apps: [{ id: 'a', cmd: 'sleep 9', cpus: 0.1, mem: 16, instances: 0 }, { id: 'b', cmd: 'sleep 9', cpus: 0.1, mem: 16, instances: 0 }],
    });
    assert.equal(created.status, 201, created.text);
    const v1 = String((created.body as Obj).version);
    let g = (await call('GET', '/v2/groups/gp')).body as Obj;
    assert.deepEqual([g.dependencies, g.enforceRole, g.version], [['/k'], false, v1]);
    const del = await call('DELETE', '/v2/apps/gp/b');
    const v2 = String((del.body as Obj).version);
    g = (await call('GET', '/v2/groups/gp')).body as Obj;
    assert.equal(g.version, v2, 'removing an app is a change of the group');
    assert.ok(String((await appOf('/gp/a')).version) < v2, 'so the group version is newer than its newest app');
    assert.deepEqual((await call('GET', '/v2/groups/gp/versions')).body, [v2, v1]);
    assert.equal((await call('GET', `/v2/groups/gp/versions/${v2}`)).status, 200);
    assert.equal((await call('GET', `/v2/groups/gp/versions/${v1}`)).status, 404);
    const patched = await call('PATCH', '/v2/groups/gp', { enforceRole: true });
    assert.deepEqual([patched.status, patched.text], [200, '']);
    assert.equal(((await call('GET', '/v2/groups/gp')).body as Obj).enforceRole, true);
    assert.equal((await call('PATCH', '/v2/groups/gp', { enforceRole: 'yes' })).status, 400);
    const sub = await call('POST', '/v2/groups/gp', { id: 'sub', apps: [{ id: 'c', cmd: 'sleep 9', cpus: 0.1, mem: 16, instances: 0 }] });
    assert.equal(sub.status, 201, sub.text);
    assert.equal(sub.headers.get('location'), '/v2/groups/gp/sub');
    assert.equal(((await call('GET', '/v2/groups/gp/sub')).body as Obj).id, '/gp/sub');
    assert.equal((await call('POST', '/v2/groups/gp2', {})).status, 201, 'the path is the id when the body has none');
    assert.equal((await call('POST', '/v2/groups/gp', { id: 'sub' })).status, 409);
    assert.equal(((await call('GET', '/v2/groups')).body as Obj).enforceRole, false);
  });

  it('point 7: /v2/info has task_lost_expunge_* and a string zk', async () => {
    const info = (await call('GET', '/v2/info')).body as { marathon_config: Obj; zookeeper_config: Obj };
    assert.equal(info.marathon_config.task_lost_expunge_initial_delay, 300000);
    assert.equal(info.marathon_config.task_lost_expunge_interval, 30000);
    assert.equal(info.zookeeper_config.zk, '');
    assert.equal(info.marathon_config.access_control_allow_origin, null, 'CORS is off');
    assert.equal(info.marathon_config.executor, '//cmd');
  });

  it('point 8: scale+wipe is 400 everywhere; host=* kills all; malformed ids 400, unknown well-formed ids skipped', async () => {
    const [t] = await tasksOf('/k/web');
    const taskId = String(t?.id);
    for (const [method, url, body] of [
      ['POST', '/v2/tasks/delete?scale=true&wipe=true', { ids: [taskId] }],
      ['DELETE', '/v2/apps/k/web/tasks?scale=true&wipe=true', undefined],
      ['DELETE', `/v2/apps/k/web/tasks/${taskId}?scale=true&wipe=true`, undefined],
    ] as const) {
      const r = await call(method, url, body);
      assert.deepEqual([r.status, r.body], [400, { message: 'You cannot use scale and wipe at the same time.' }], url);
    }
    assert.equal((await tasksOf('/k/web')).length, 2, 'nothing was killed');
    const bad = await call('POST', '/v2/tasks/delete', { ids: [taskId, 'nonsense'] });
    assert.deepEqual([bad.status, bad.body], [400, { message: "Invalid task id 'nonsense'." }]);
    const unknown = await call('POST', '/v2/tasks/delete', { ids: ['k_web.instance-00000000-0000-0000-0000-000000000000._app.1'] });
    assert.deepEqual([unknown.status, unknown.body], [200, { tasks: [] }]);
    const all = await call('DELETE', '/v2/apps/k/web/tasks?host=*');
    assert.equal(((all.body as { tasks: unknown[] }).tasks).length, 2);
    await settle('/k/web', 2);
  });

  it('point 9: the stats embed is written as tasksStats (Marathon 1.10), never taskStats', async () => {
    const app = await appOf('/k/web', '?embed=app.taskStats');
    assert.equal(typeof app.tasksStats, 'object');
    assert.ok(!('taskStats' in app));
    assert.equal((((app.tasksStats as Obj).totalSummary as Obj).stats as { counts: Obj }).counts.running, 2);
  });

  it('point 10: POST with ports:[0] and the same portDefinitions is accepted', async () => {
    const r = await call('POST', '/v2/apps', { id: '/k/ports', cmd: 'sleep 9', cpus: 0.1, mem: 16, instances: 0, ports: [0], portDefinitions: [{ port: 0, protocol: 'tcp' }] });
    assert.equal(r.status, 201, r.text);
    assert.equal((await call('POST', '/v2/apps', { id: '/k/ports2', cmd: 'x', ports: [1000], portDefinitions: [{ port: 0 }] })).status, 422);
  });

  it('point 11: running tasks carry stagedAt/startedAt strings; no task field is null', async () => {
    for (const t of (await call('GET', '/v2/tasks')).body ? ((await call('GET', '/v2/tasks')).body as { tasks: Obj[] }).tasks : []) {
      assert.ok(!Object.values(t).includes(null), JSON.stringify(t));
    }
  });
});
