// The Marathon API contract (spec marathon-api.md §2–§4, §6.3, §6.4) row by row: status codes,
// headers and body shapes, with a scripted Mesos driver (no master): it subscribes at once and
// runs every launched task (STAGING → RUNNING).
import assert from 'node:assert/strict';
import { startServe, type ServeHandle } from '../../src/cli/serve';
import { apiHelpers, ScriptedMesos, type Obj } from '../helpers/scripted-mesos';
import { poller } from '../helpers/poll';

const waitFor = poller({ timeoutMs: 10_000, everyMs: 50 });

describe('contract: Marathon v2 API (spec §2–§4)', function () {
  this.timeout(20_000);
  let s: ServeHandle;
  const { call, settle, deploymentResult } = apiHelpers(() => s.url);

  before(async () => {
    s = await startServe({ master: 'master.example:5050', httpPort: 0, listenHost: '127.0.0.1', logger: false, ui: false, state: 'memory:',
      driverFactory: (_fi, id) => new ScriptedMesos(id ?? 'fw-contract-0000'), scheduler: { housekeepingIntervalMs: 50 } });
  });
  after(async () => { await s?.close(); });

  it('POST /v2/apps → 201, Location, Marathon-Deployment-Id, app with counts 0 and deployments', async () => {
    const r = await call('POST', '/v2/apps', { id: 'c/one', cmd: 'sleep 1', cpus: 0.1, mem: 16, instances: 2 });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers.get('location'), '/v2/apps/c/one');
    const b = r.body as Obj;
    assert.equal(b.id, '/c/one', 'relative id resolved against /');
    for (const k of ['tasksStaged', 'tasksRunning', 'tasksHealthy', 'tasksUnhealthy']) assert.equal(b[k], 0);
    assert.deepEqual(b.deployments, [{ id: r.headers.get('marathon-deployment-id') }]);
    assert.deepEqual(b.portDefinitions, [{ port: 10000, protocol: 'tcp', name: 'default' }], 'defaults filled, service port assigned from local_port_min');
    await settle('/c/one', 2);
  });

  it('POST of an existing id → 409 "An app with id [/x] already exists."', async () => {
    const r = await call('POST', '/v2/apps', { id: '/c/one', cmd: 'x' });
    assert.equal(r.status, 409);
    assert.deepEqual(r.body, { message: 'An app with id [/c/one] already exists.' });
  });

  it('GET /v2/apps/{id} wraps in {app}, embeds tasks and keeps deployments an array', async () => {
    const r = await call('GET', '/v2/apps/c/one');
    const app = (r.body as { app: Obj }).app;
    assert.ok(Array.isArray(app.tasks));
    assert.deepEqual(app.deployments, []);
    const t = (app.tasks as Obj[])[0];
    for (const k of ['id', 'appId', 'host', 'slaveId', 'state', 'stagedAt', 'startedAt', 'version', 'ports', 'servicePorts', 'ipAddresses', 'healthCheckResults', 'localVolumes', 'role']) assert.ok(k in t, k);
    assert.equal(t.state, 'TASK_RUNNING');
    assert.deepEqual(t.ipAddresses, [{ ipAddress: '10.0.0.7', protocol: 'IPv4' }]);
    assert.match(String(t.id), /^c_one\.instance-[0-9a-f-]{36}\._app\.1$/);
  });

  it('GET /v2/apps filters by id, cmd and label; embed=apps.tasks adds tasks', async () => {
    await call('POST', '/v2/apps', { id: '/c/two', cmd: 'python -m http.server', labels: { tier: 'web' }, cpus: 0.1, mem: 16, instances: 0 });
    const ids = async (q: string): Promise<string[]> => ((await call('GET', `/v2/apps${q}`)).body as { apps: Obj[] }).apps.map((a) => String(a.id));
    assert.deepEqual(await ids('?id=TWO'), ['/c/two']);
    assert.deepEqual(await ids('?cmd=http.server'), ['/c/two']);
    assert.deepEqual(await ids('?label=tier==web'), ['/c/two']);
    assert.deepEqual(await ids('?label=tier'), ['/c/two']);
    const withTasks = ((await call('GET', '/v2/apps?embed=apps.tasks')).body as { apps: Obj[] }).apps;
    assert.ok(withTasks.every((a) => Array.isArray(a.tasks)));
    assert.ok(((await call('GET', '/v2/apps')).body as { apps: Obj[] }).apps.every((a) => a.tasks === undefined && Array.isArray(a.deployments)));
    assert.equal((await call('GET', '/v2/apps?label=a%20b')).status, 422);
    const star = await call('GET', '/v2/apps/c/*');
    assert.deepEqual(((star.body as Obj)['*'] as Obj[]).map((a) => a.id), ['/c/one', '/c/two']);
  });

  it('PUT /v2/apps/{id}: partial by default (scale), 201 + Location when missing, 422 on id mismatch', async () => {
    const scale = await call('PUT', '/v2/apps/c/one', { instances: 3 });
    assert.equal(scale.status, 200);
    deploymentResult(scale);
    await settle('/c/one', 3);
    const app = ((await call('GET', '/v2/apps/c/one')).body as { app: Obj }).app;
    assert.equal(app.cmd, 'sleep 1', 'merged over the current definition');
    const vi = app.versionInfo as Obj;
    assert.notEqual(vi.lastScalingAt, vi.lastConfigChangeAt, 'scale bumps lastScalingAt only');
    const created = await call('PUT', '/v2/apps/c/three', { cmd: 'sleep 3', cpus: 0.1, mem: 16, instances: 1 });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('location'), '/v2/apps/c/three');
    deploymentResult(created);
    await settle('/c/three', 1);
    const mismatch = await call('PUT', '/v2/apps/c/one', { id: '/c/other', instances: 1 });
    assert.equal(mismatch.status, 422);
    assert.equal(((mismatch.body as Obj).details as Obj[])[0].path, '/id');
  });

  it('PATCH /v2/apps/{id} never creates; PUT/PATCH /v2/apps bulk answer a deployment result', async () => {
    assert.equal((await call('PATCH', '/v2/apps/c/nope', { instances: 1 })).status, 404);
    const p = await call('PATCH', '/v2/apps/c/two', { labels: { tier: 'web', x: 'y' } });
    assert.equal(p.status, 200);
    deploymentResult(p);
    const bulk = await call('PUT', '/v2/apps', [{ id: '/c/two', instances: 0 }, { id: '/c/three', instances: 1 }]);
    assert.equal(bulk.status, 200, bulk.text);
    deploymentResult(bulk);
    const bulkBad = await call('PATCH', '/v2/apps', [{ id: '/c/two', cpus: -1 }]);
    assert.equal(bulkBad.status, 422);
    assert.equal(((bulkBad.body as Obj).details as Obj[])[0].path, '(0)/cpus');
  });

  it('versions: newest first; a version by timestamp without wrapper; unknown → 404', async () => {
    const v = (await call('GET', '/v2/apps/c/one/versions')).body as { versions: string[] };
    assert.equal(v.versions.length, 2);
    assert.ok(v.versions[0] > v.versions[1]);
    const one = await call('GET', `/v2/apps/c/one/versions/${v.versions[1]}`);
    assert.equal((one.body as Obj).instances, 2);
    assert.equal((one.body as Obj).app, undefined);
    assert.equal((await call('GET', '/v2/apps/c/one/versions/1999-01-01T00:00:00.000Z')).status, 404);
  });

  it('locked: a write touching an app of a running deployment → 409 with deployments; force cancels it', async () => {
    await call('POST', '/v2/apps', { id: '/c/huge', cmd: 'x', cpus: 100, mem: 16, instances: 1 });
    const r = await call('PUT', '/v2/apps/c/huge', { instances: 2 });
    assert.equal(r.status, 409);
    const b = r.body as { message: string; deployments: Array<{ id: string }> };
    assert.equal(b.message.startsWith("App is locked by one or more deployments. Override with the option '?force=true'."), true);
    assert.equal(b.deployments.length, 1);
    const restart = await call('POST', '/v2/apps/c/huge/restart', { force: false });
    assert.equal(restart.status, 409, 'restart is locked too');
    const forced = await call('PUT', '/v2/apps/c/huge?force=true', { instances: 0 });
    assert.equal(forced.status, 200);
    deploymentResult(forced);
    await settle('/c/huge', 0);
  });

  it('GET /v2/deployments is an array of §6.4 deployments; DELETE: 404 unknown, force → 202 empty', async () => {
    await call('PUT', '/v2/apps/c/huge', { instances: 1 });
    // The reasons come from declined offers, which arrive asynchronously: wait until one was seen.
    const d = await waitFor('a deployment of /c/huge saying why it waits', async () => {
      const list = (await call('GET', '/v2/deployments')).body as Obj[];
      assert.ok(Array.isArray(list));
      const found = list.find((x) => (x.affectedApps as string[]).includes('/c/huge'));
      const first = found === undefined ? undefined : (found.currentActions as Obj[])[0];
      return first !== undefined && first.waitingFor !== undefined ? found : undefined;
    });
    assert.deepEqual(Object.keys(d).sort(), ['affectedApps', 'affectedPods', 'currentActions', 'currentStep', 'id', 'steps', 'totalSteps', 'version']);
    assert.deepEqual(d.steps, [{ actions: [{ action: 'ScaleApplication', app: '/c/huge' }] }]);
    // Marathon's fields, plus our documented extension `waitingFor` (the launch queue's reasons: /c/huge fits no agent).
    const [action, ...more] = d.currentActions as Obj[];
    assert.deepEqual(more, []);
    const { waitingFor, ...marathonFields } = action;
    assert.deepEqual(marathonFields, { action: 'ScaleApplication', app: '/c/huge', readinessCheckResults: [] });
    assert.ok(Array.isArray(waitingFor) && waitingFor.length > 0, 'an app no agent can fit says why it waits');
    for (const w of waitingFor as Obj[]) assert.equal(typeof w.reason, 'string');
    assert.deepEqual([d.currentStep, d.totalSteps], [1, 1]);
    const unknown = await call('DELETE', '/v2/deployments/nope');
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body, { message: 'DeploymentPlan nope does not exist' });
    const cancel = await call('DELETE', `/v2/deployments/${String(d.id)}?force=true`);
    assert.equal(cancel.status, 202);
    assert.equal(cancel.text, '');
  });

  it('GET /v2/queue: §3.5 items; DELETE /v2/queue/{id}/delay → 204, unknown app 404', async () => {
    // offers arrive asynchronously: wait until one has been turned down for this app
    let item: Obj | undefined;
    for (let i = 0; i < 200 && item === undefined; i++) {
      const q = (await call('GET', '/v2/queue')).body as { queue: Obj[] };
      const found = q.queue.find((x) => (x.app as Obj).id === '/c/huge');
      if (found !== undefined && ((found.processedOffersSummary as Obj).rejectSummaryLastOffers as Obj[]).length > 0) item = found;
      else await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(item, 'queued and offers processed');
    assert.equal(item.count, 1);
    assert.equal(item.role, '*');
    assert.deepEqual(item.delay, { timeLeftSeconds: 0, overdue: true });
    const pos = item.processedOffersSummary as Obj;
    assert.ok((pos.processedOffersCount as number) > 0);
    assert.ok((pos.rejectSummaryLastOffers as Obj[]).some((x) => x.reason === 'InsufficientCpus'));
    assert.equal((await call('DELETE', '/v2/queue/c/huge/delay')).status, 204);
    assert.equal((await call('DELETE', '/v2/queue/c/none/delay')).status, 404);
    await call('DELETE', '/v2/apps/c/huge');
  });

  it('tasks: GET /v2/tasks with status filter; DELETE one task → {task}; scale=true → deployment; unknown → 404', async () => {
    const all = (await call('GET', '/v2/tasks')).body as { tasks: Obj[] };
    assert.ok(all.tasks.length >= 3);
    const staging = (await call('GET', '/v2/tasks?status=staging')).body as { tasks: Obj[] };
    assert.ok(staging.tasks.every((t) => t.state === 'TASK_STAGING'));
    const running = (await call('GET', '/v2/tasks?status[]=running')).body as { tasks: Obj[] };
    assert.equal(running.tasks.length, all.tasks.filter((t) => t.state === 'TASK_RUNNING').length);
    const one = running.tasks.find((t) => t.appId === '/c/one') as Obj;
    const k = await call('DELETE', `/v2/apps/c/one/tasks/${String(one.id)}`);
    assert.equal(k.status, 200);
    assert.equal(((k.body as Obj).task as Obj).id, one.id);
    await settle('/c/one', 3);
    const victim = (((await call('GET', '/v2/apps/c/one/tasks')).body as { tasks: Obj[] }).tasks)[0];
    const ks = await call('DELETE', `/v2/apps/c/one/tasks/${String(victim.id)}?scale=true`);
    deploymentResult(ks);
    await settle('/c/one', 2);
    assert.equal((await call('DELETE', '/v2/apps/c/one/tasks/nope')).status, 404);
    const byHost = await call('DELETE', '/v2/apps/c/one/tasks?host=agent-1');
    assert.equal(((byHost.body as Obj).tasks as Obj[]).length, 2);
    const del = await call('POST', '/v2/tasks/delete', { ids: 'x' });
    assert.equal(del.status, 422);
  });

  it('groups: GET / with default embeds; POST 201 + Location; existing → 409; PUT scaleBy; DELETE; unknown 404', async () => {
    const root = (await call('GET', '/v2/groups')).body as Obj;
    assert.equal(root.id, '/');
    for (const k of ['apps', 'groups', 'pods', 'dependencies', 'version']) assert.ok(k in root, k);
    const created = await call('POST', '/v2/groups', { id: '/g', apps: [{ id: 'a', cmd: 'x', cpus: 0.1, mem: 16, instances: 1 }], groups: [{ id: 'sub', apps: [{ id: 'b', cmd: 'x', cpus: 0.1, mem: 16, instances: 1 }] }] });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.headers.get('location'), '/v2/groups/g');
    deploymentResult(created);
    await settle('/g/sub/b', 1);
    assert.equal((await call('POST', '/v2/groups', { id: '/g' })).status, 409);
    // the root always exists (Marathon: "Group / is already created. Use PUT to change this group.")
    const rootPost = await call('POST', '/v2/groups', { id: '/' });
    assert.equal(rootPost.status, 409);
    assert.equal((rootPost.body as { message: string }).message, 'Group / is already created. Use PUT to change this group.');
    const g = (await call('GET', '/v2/groups/g')).body as Obj;
    assert.deepEqual((g.apps as Obj[]).map((a) => a.id), ['/g/a']);
    assert.deepEqual((g.groups as Obj[]).map((x) => x.id), ['/g/sub']);
    const noApps = (await call('GET', '/v2/groups/g?embed=group.groups')).body as Obj;
    assert.equal(noApps.apps, undefined);
    const sc = await call('PUT', '/v2/groups/g', { scaleBy: 1.5 });
    deploymentResult(sc);
    await settle('/g/sub/b', 2);
    const dry = await call('PUT', '/v2/groups/g?dryRun=true', { scaleBy: 2 });
    assert.equal(dry.status, 200);
    assert.ok(Array.isArray((dry.body as Obj).steps));
    deploymentResult(await call('DELETE', '/v2/groups/g'));
    assert.equal((await call('GET', '/v2/groups/g')).status, 404);
    assert.equal((await call('DELETE', '/v2/groups/zzz')).status, 404);
  });

  it('DELETE /v2/apps/{id}: force defaults to true; unknown → 404 "App \'/x\' does not exist"', async () => {
    await call('PUT', '/v2/apps/c/two', { instances: 1 });
    const r = await call('DELETE', '/v2/apps/c/two');
    assert.equal(r.status, 200, 'not locked by the running scale');
    deploymentResult(r);
    const gone = await call('DELETE', '/v2/apps/c/two');
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.body, { message: "App '/c/two' does not exist" });
  });

  it('errors: malformed JSON 400 with a string details; bad boolean 422; unknown route 404 URI not found', async () => {
    const bad = await call('POST', '/v2/apps', '{"id":');
    assert.equal(bad.status, 400);
    assert.equal((bad.body as Obj).message, 'Invalid JSON');
    assert.equal(typeof (bad.body as Obj).details, 'string');
    assert.equal((await call('DELETE', '/v2/apps/c/one?force=maybe')).status, 422);
    const nf = await call('GET', '/v2/unknown');
    assert.deepEqual([nf.status, nf.body], [404, { message: 'URI not found' }]);
  });

  it('/v2/info keys and types (§6.3), /v2/leader, /v2/plugins', async () => {
    const info = (await call('GET', '/v2/info')).body as Obj;
    assert.deepEqual(Object.keys(info).sort(), ['buildref', 'elected', 'frameworkId', 'http_config', 'leader', 'marathon_config', 'name', 'version', 'zookeeper_config']);
    assert.equal(info.frameworkId, 'fw-contract-0000');
    const mc = info.marathon_config as Obj;
    assert.equal(mc.mesos_leader_ui_url, 'http://master.example:5050/');
    assert.equal(mc.failover_timeout, 604800);
    assert.equal(typeof mc.reconciliation_interval, 'number');
    assert.equal(info.elected, true);
    const hc = info.http_config as Obj;
    assert.equal(hc.http_port, Number(new URL(s.url).port), 'the bound HTTP port');
    assert.equal(hc.https_port, 8443, 'HTTPS off: Marathon reports its --https_port default');
    assert.deepEqual((await call('GET', '/v2/leader')).body, { leader: info.leader });
    assert.deepEqual((await call('GET', '/v2/plugins')).body, { plugins: [] });
  });
});

describe('contract: Marathon v2 API, the less travelled rows (spec §2, §3.2, §3.3, §3.5)', function () {
  this.timeout(20_000);
  let s: ServeHandle;
  let mesos: ScriptedMesos;
  const { call, settle, deploymentResult } = apiHelpers(() => s.url);
  const tasksOf = async (id: string): Promise<Obj[]> => ((await call('GET', `/v2/apps${id}/tasks`)).body as { tasks: Obj[] }).tasks;
  const appOf = async (id: string): Promise<Obj> => ((await call('GET', `/v2/apps${id}`)).body as { app: Obj }).app;
  const until = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    for (let i = 0; i < 400; i++) {
      const v = await probe();
      if (v !== undefined) return v;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  before(async () => {
    s = await startServe({ master: 'master.example:5050', httpPort: 0, listenHost: '127.0.0.1', logger: false, ui: false, state: 'memory:',
      driverFactory: (_fi, id) => { mesos = new ScriptedMesos(id ?? 'fw-contract-0001'); return mesos; }, scheduler: { housekeepingIntervalMs: 50 } });
  });
  after(async () => { await s?.close(); });

  it('PATCH /v2/apps (bulk) merges each partial app over its definition → deployment result', async () => {
    assert.equal((await call('POST', '/v2/apps', { id: '/m/a', cmd: 'sleep 1', cpus: 0.1, mem: 16, instances: 1, labels: { keep: 'yes' } })).status, 201);
    assert.equal((await call('POST', '/v2/apps', { id: '/m/b', cmd: 'sleep 2', cpus: 0.1, mem: 16, instances: 1 })).status, 201);
    await settle('/m/a', 1);
    await settle('/m/b', 1);
    const r = await call('PATCH', '/v2/apps', [{ id: '/m/a', instances: 2 }, { id: '/m/b', env: { X: '1' } }]);
    assert.equal(r.status, 200, r.text);
    deploymentResult(r);
    await settle('/m/a', 2);
    await settle('/m/b', 1);
    const a = await appOf('/m/a');
    assert.deepEqual([a.cmd, a.instances, a.labels], ['sleep 1', 2, { keep: 'yes' }], 'merged, nothing else changed');
    const b = await appOf('/m/b');
    assert.deepEqual([b.cmd, b.env], ['sleep 2', { X: '1' }]);
    const nope = await call('PATCH', '/v2/apps', [{ id: '/m/a', instances: 3 }, { id: '/m/none', cmd: 'x', instances: 1 }]);
    assert.deepEqual([nope.status, nope.body], [404, { message: "App '/m/none' does not exist" }], 'PATCH never creates');
    assert.equal((await appOf('/m/a')).instances, 2, 'nothing applied');
    const put = await call('PUT', '/v2/apps', [{ id: '/m/c', cmd: 'sleep 4', cpus: 0.1, mem: 16, instances: 0 }]);
    assert.equal(put.status, 200, `PUT (bulk) creates: ${put.text}`);
    assert.equal((await appOf('/m/c')).cmd, 'sleep 4');
  });

  it('PUT /v2/apps/{id}?partialUpdate=false replaces the definition (absent fields take their defaults)', async () => {
    const r = await call('PUT', '/v2/apps/m/a?partialUpdate=false', { id: '/m/a', cmd: 'sleep 3', cpus: 0.1, mem: 16, instances: 1 });
    assert.equal(r.status, 200, r.text);
    deploymentResult(r);
    await settle('/m/a', 1);
    const a = await appOf('/m/a');
    assert.deepEqual([a.cmd, a.instances, a.labels], ['sleep 3', 1, {}], 'labels not merged from the old version');
  });

  it('DELETE /v2/apps/{id}/tasks/{taskId}: a plain kill keeps the instance until Mesos confirms; wipe=true forgets it at once', async () => {
    await call('PUT', '/v2/apps/m/b', { instances: 2 });
    await settle('/m/b', 2);
    const [first, second] = await tasksOf('/m/b');
    mesos.holdKills = true;
    try {
      const plain = await call('DELETE', `/v2/apps/m/b/tasks/${String(first.id)}`);
      assert.equal(plain.status, 200);
      assert.equal(((plain.body as Obj).task as Obj).id, first.id);
      assert.ok((await tasksOf('/m/b')).some((t) => t.id === first.id), 'still known: Mesos has not confirmed the kill');
      const wiped = await call('DELETE', `/v2/apps/m/b/tasks/${String(second.id)}?wipe=true`);
      assert.equal(wiped.status, 200);
      assert.equal(((wiped.body as Obj).task as Obj).id, second.id);
      assert.ok(!(await tasksOf('/m/b')).some((t) => t.id === second.id), 'wiped: forgotten before Mesos answers');
    } finally {
      mesos.holdKills = false;
      mesos.release();
    }
    await settle('/m/b', 2);
    const now = (await tasksOf('/m/b')).map((t) => t.id);
    assert.ok(!now.includes(first.id) && !now.includes(second.id), 'both replaced');
    assert.equal((await appOf('/m/b')).instances, 2, 'no scale: the count is unchanged');
  });

  it('DELETE /v2/apps/{id}/tasks?host=&scale=true → deployment result and a lower count; no task on the host → {tasks: []}', async () => {
    const none = await call('DELETE', '/v2/apps/m/b/tasks?host=elsewhere');
    assert.deepEqual([none.status, none.body], [200, { tasks: [] }]);
    const r = await call('DELETE', '/v2/apps/m/b/tasks?host=agent-1&scale=true');
    assert.equal(r.status, 200, r.text);
    deploymentResult(r);
    await settle('/m/b', 0);
    assert.equal((await appOf('/m/b')).instances, 0);
  });

  it('POST /v2/tasks/delete: without scale {tasks:[killed]} (replaced); with scale a deployment and a lower count', async () => {
    await call('PUT', '/v2/apps/m/b', { instances: 2 });
    await settle('/m/b', 2);
    const [t0, t1] = await tasksOf('/m/b');
    const k = await call('POST', '/v2/tasks/delete', { ids: [t0.id, 'unknown.task'] });
    assert.equal(k.status, 200, k.text);
    assert.deepEqual(((k.body as Obj).tasks as Obj[]).map((t) => t.id), [t0.id], 'unknown ids are skipped');
    await settle('/m/b', 2);
    const ks = await call('POST', '/v2/tasks/delete?scale=true', { ids: [t1.id] });
    assert.equal(ks.status, 200, ks.text);
    deploymentResult(ks);
    await settle('/m/b', 1);
    assert.equal((await appOf('/m/b')).instances, 1);
  });

  it('DELETE /v2/deployments/{id} without force: 200, a new (rollback) deployment that restores the definition as a new version', async () => {
    const before = await appOf('/m/a');
    const versionsBefore = ((await call('GET', '/v2/apps/m/a/versions')).body as { versions: string[] }).versions;
    // a config change that cannot be placed: its deployment keeps running
    const stuck = await call('PUT', '/v2/apps/m/a', { cpus: 100, instances: 2 });
    assert.equal(stuck.status, 200, stuck.text);
    const stuckId = String((stuck.body as Obj).deploymentId);
    const r = await call('DELETE', `/v2/deployments/${stuckId}`);
    assert.equal(r.status, 200, r.text);
    deploymentResult(r);
    assert.notEqual((r.body as Obj).deploymentId, stuckId, 'a new deployment');
    await settle('/m/a', 1);
    const deployments = (await call('GET', '/v2/deployments')).body as Obj[];
    assert.ok(!deployments.some((d) => d.id === stuckId), 'the reverted deployment is gone');
    const after = await appOf('/m/a');
    assert.deepEqual([after.cpus, after.instances, after.cmd], [before.cpus, before.instances, before.cmd], 'definition restored');
    const versions = ((await call('GET', '/v2/apps/m/a/versions')).body as { versions: string[] }).versions;
    assert.equal(versions.length, versionsBefore.length + 2, 'the change and its rollback are both versions');
  });

  it('GET /v2/queue shows a backed-off app (overdue false, time left); DELETE /v2/queue/{id}/delay → 204 and the delay is gone', async () => {
    mesos.failing.add('m_crash.');
    try {
      assert.equal((await call('POST', '/v2/apps', { id: '/m/crash', cmd: 'false', cpus: 0.1, mem: 16, instances: 1, backoffSeconds: 200 })).status, 201);
      const item = await until('a backed-off queue item', async () => {
        const q = (await call('GET', '/v2/queue')).body as { queue: Obj[] };
        const it = q.queue.find((x) => (x.app as Obj).id === '/m/crash');
        return it !== undefined && (it.delay as Obj).overdue === false ? it : undefined;
      });
      const delay = item.delay as { timeLeftSeconds: number; overdue: boolean };
      assert.ok(delay.timeLeftSeconds > 150 && delay.timeLeftSeconds <= 200, `backoffSeconds after the first failure: ${delay.timeLeftSeconds}`);
      assert.equal(item.count, 1);
      const reset = await call('DELETE', '/v2/queue//m/crash/delay');
      assert.deepEqual([reset.status, reset.text], [204, '']);
      await until('the delay reset', async () => {
        const q = (await call('GET', '/v2/queue')).body as { queue: Obj[] };
        const it = q.queue.find((x) => (x.app as Obj).id === '/m/crash');
        // relaunched at once (and failing again, so backed off anew) or waiting without a delay
        return it === undefined || (it.delay as Obj).overdue === true || ((it.delay as { timeLeftSeconds: number }).timeLeftSeconds > delay.timeLeftSeconds) ? true : undefined;
      });
    } finally {
      mesos.failing.delete('m_crash.');
      await call('DELETE', '/v2/apps/m/crash');
    }
  });

  it('POST /v2/apps/{id}/restart → 200 deployment result; a new version with lastConfigChangeAt bumped, definition unchanged', async () => {
    const before = await appOf('/m/b');
    const tasksBefore = (await tasksOf('/m/b')).map((t) => t.id);
    const r = await call('POST', '/v2/apps/m/b/restart', { force: false });
    assert.equal(r.status, 200, r.text);
    deploymentResult(r);
    await settle('/m/b', 1);
    const after = await appOf('/m/b');
    assert.equal(after.cmd, before.cmd);
    assert.notEqual(after.version, before.version);
    assert.equal((after.versionInfo as Obj).lastConfigChangeAt, after.version);
    assert.ok(!(await tasksOf('/m/b')).some((t) => tasksBefore.includes(t.id)), 'every task replaced');
    assert.equal((await call('POST', '/v2/apps/m/none/restart')).status, 404);
  });

  it('/ping answers 204 when the client accepts neither text nor JSON', async () => {
    const r = await call('GET', '/ping', undefined, { Accept: 'image/png' });
    assert.deepEqual([r.status, r.text], [204, '']);
  });
});
