// The Marathon API contract (spec marathon-api.md §2–§4, §6.3, §6.4) row by row: status codes,
// headers and body shapes, with a scripted Mesos driver (no master): it subscribes at once and
// runs every launched task (STAGING → RUNNING).
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { startServe, type ServeHandle } from '../../src/cli/serve';
import type { SchedulerClientEvents } from '../../src/mesos/client';
import type { Filters, KillPolicy, ReconcileTask, TaskInfo, TaskStatus } from '../../src/mesos/types';
import type { MesosDriver } from '../../src/scheduler/scheduler';

class ScriptedMesos extends EventEmitter<SchedulerClientEvents> implements MesosDriver {
  private offerSeq = 0;
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly frameworkId: string) { super(); }
  start(): void {
    setImmediate(() => this.emit('subscribed', { frameworkId: this.frameworkId, heartbeatIntervalSeconds: 15, masterInfo: undefined, resubscribed: false, master: 'http://master.example:5050', streamId: 's1' }));
    this.timer = setInterval(() => this.offer(), 20);
  }
  async stop(): Promise<void> { if (this.timer) clearInterval(this.timer); }
  private offer(): void {
    const n = ++this.offerSeq;
    this.emit('offers', [{
      id: { value: `o${n}` }, framework_id: { value: this.frameworkId }, agent_id: { value: 'ag1' }, hostname: 'agent-1',
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 8 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 8192 } },
        { name: 'disk', type: 'SCALAR', scalar: { value: 8192 } }, { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31999 }] } }],
    }]);
  }
  private update(taskId: string, state: TaskStatus['state']): void {
    this.emit('update', { task_id: { value: taskId }, state, agent_id: { value: 'ag1' }, source: 'SOURCE_EXECUTOR', uuid: 'dQ==',
      container_status: { network_infos: [{ ip_addresses: [{ protocol: 'IPv4', ip_address: '10.0.0.7' }] }] } });
  }
  async launch(_o: string[], tasks: TaskInfo[], _f?: Filters): Promise<void> {
    for (const t of tasks) setImmediate(() => { this.update(t.task_id.value, 'TASK_STAGING'); this.update(t.task_id.value, 'TASK_RUNNING'); });
  }
  async decline(): Promise<void> {}
  async revive(): Promise<void> {}
  async suppress(): Promise<void> {}
  async kill(taskId: string, _a?: string, _k?: KillPolicy): Promise<void> { setImmediate(() => this.update(taskId, 'TASK_KILLED')); }
  async acknowledge(): Promise<boolean> { return true; }
  async reconcile(_t: ReconcileTask[]): Promise<void> {}
}

type Obj = Record<string, unknown>;
interface Res { status: number; headers: Headers; body: unknown; text: string }

describe('contract: Marathon v2 API (spec §2–§4)', function () {
  this.timeout(20_000);
  let s: ServeHandle;
  const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> => {
    const init: RequestInit = { method, headers: { Accept: 'application/json', ...headers } };
    if (body !== undefined) { init.body = typeof body === 'string' ? body : JSON.stringify(body); (init.headers as Record<string, string>)['Content-Type'] = 'application/json'; }
    const res = await fetch(s.url + url, init);
    const text = await res.text();
    let parsed: unknown = text;
    try { parsed = text === '' ? undefined : JSON.parse(text); } catch { /* text */ }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
  const settle = async (id: string, n: number): Promise<void> => {
    for (let i = 0; i < 400; i++) {
      const r = await call('GET', `/v2/apps${id}`);
      const app = (r.body as { app?: Obj }).app;
      if (app !== undefined && app.tasksRunning === n && (app.deployments as unknown[]).length === 0) return;
      await new Promise((res) => setTimeout(res, 10));
    }
    throw new Error(`${id} did not settle at ${n}`);
  };
  const deploymentResult = (r: Res): void => {
    const b = r.body as Obj;
    assert.match(String(b.deploymentId), /^[0-9a-f-]{36}$/);
    assert.match(String(b.version), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(r.headers.get('marathon-deployment-id'), b.deploymentId);
  };

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
    assert.deepEqual(b.portDefinitions, [{ port: 0, protocol: 'tcp', name: 'default' }], 'defaults filled');
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
    const list = (await call('GET', '/v2/deployments')).body as Obj[];
    assert.ok(Array.isArray(list));
    const d = list.find((x) => (x.affectedApps as string[]).includes('/c/huge'));
    assert.ok(d);
    assert.deepEqual(Object.keys(d).sort(), ['affectedApps', 'affectedPods', 'currentActions', 'currentStep', 'id', 'steps', 'totalSteps', 'version']);
    assert.deepEqual(d.steps, [{ actions: [{ action: 'ScaleApplication', app: '/c/huge' }] }]);
    assert.deepEqual(d.currentActions, [{ action: 'ScaleApplication', app: '/c/huge', readinessCheckResults: [] }]);
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
