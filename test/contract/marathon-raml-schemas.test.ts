// Every response of a scripted session (apps, tasks, groups, deployments, queue, info, leader,
// errors, events, networks) validated against JSON Schemas written from Marathon's RAML types
// (test/fixtures/marathon-raml, see its README): a shape regression fails here. The last test
// checks that each /v2 route the API registers (read from src/server/api/routes) was exercised.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { startServe, type ServeHandle } from '../../src/cli/serve';
import { apiHelpers, ScriptedMesos, type Obj, type Res } from '../helpers/scripted-mesos';

const SCHEMA_DIR = path.resolve(__dirname, '../../../test/fixtures/marathon-raml');
const ROUTES_DIR = path.resolve(__dirname, '../../../src/server/api/routes');

/** Ajv with every schema file loaded; `validator('app.json#/definitions/AppInfo')`. */
export function ramlValidators(): (ref: string) => ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  for (const f of fs.readdirSync(SCHEMA_DIR).filter((n) => n.endsWith('.json')).sort()) {
    ajv.addSchema(JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, f), 'utf8')) as object);
  }
  const cache = new Map<string, ValidateFunction>();
  return (ref) => {
    let v = cache.get(ref);
    if (v === undefined) {
      v = ajv.getSchema(`marathon-raml/${ref}`);
      if (v === undefined) throw new Error(`no schema ${ref}`);
      cache.set(ref, v);
    }
    return v;
  };
}

/** `app.get('/v2/…'` etc. in the route plugins: [METHOD, path template]. */
function registeredRoutes(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const f of fs.readdirSync(ROUTES_DIR).filter((n) => n.endsWith('.ts'))) {
    const src = fs.readFileSync(path.join(ROUTES_DIR, f), 'utf8');
    for (const m of src.matchAll(/app\.(get|post|put|patch|delete)\('([^']+)'/g)) out.push([(m[1] ?? '').toUpperCase(), m[2] ?? '']);
  }
  return out;
}

/** The route template a request path is served by (exact templates win over wildcards). */
function routeOf(routes: ReadonlyArray<[string, string]>, method: string, url: string): string | undefined {
  const p = url.split('?')[0] ?? url;
  const mine = routes.filter(([m]) => m === method).map(([, t]) => t);
  const exact = mine.find((t) => !t.includes('*') && new RegExp(`^${t.replace(/:[a-z]+/g, '[^/]+')}$`).test(p));
  return exact ?? mine.find((t) => t.endsWith('*') && p.startsWith(t.slice(0, -1)) && p.length > t.length - 1);
}

describe('contract: responses against Marathon RAML schemas', function () {
  this.timeout(30_000);
  let s: ServeHandle;
  let mesos: ScriptedMesos;
  const { call, settle } = apiHelpers(() => s.url);
  const validator = ramlValidators();
  const routes = registeredRoutes();
  const covered = new Set<string>();

  /** Calls, checks the status, validates the JSON body against `ref` (or runs `check`), records the route. */
  const expect = async (method: string, url: string, status: number, ref: string | ((r: Res) => void), body?: unknown, headers?: Record<string, string>): Promise<Res> => {
    const r = await call(method, url, body, headers);
    assert.equal(r.status, status, `${method} ${url}: ${r.text}`);
    if (typeof ref === 'string') {
      const v = validator(ref);
      if (!v(r.body)) assert.fail(`${method} ${url} violates ${ref}: ${JSON.stringify(v.errors?.slice(0, 4))}`);
    } else ref(r);
    const route = routeOf(routes, method, url);
    if (route !== undefined) covered.add(`${method} ${route}`);
    return r;
  };
  const noBody = (r: Res): void => assert.equal(r.text, '');
  const tasksOf = async (id: string): Promise<Obj[]> => ((await call('GET', `/v2/apps${id}/tasks`)).body as { tasks: Obj[] }).tasks;

  before(async () => {
    s = await startServe({
      master: 'master.example:5050', httpPort: 0, listenHost: '127.0.0.1', logger: false, ui: false, state: 'memory:',
      driverFactory: (_fi, id) => { mesos = new ScriptedMesos(id ?? 'fw-raml-0000'); return mesos; }, scheduler: { housekeepingIntervalMs: 50 },
    });
  });
  after(async () => { await s?.close(); });

  it('info, leader, plugins, networks, ping, metrics, root', async () => {
    await expect('GET', '/v2/info', 200, 'info.json#/definitions/MarathonInfo');
    await expect('GET', '/v2/leader', 200, 'strings.json#/definitions/LeaderInfo');
    await expect('GET', '/v2/plugins', 200, 'strings.json#/definitions/PluginDefinitions');
    await expect('GET', '/v2/networks', 200, 'project.json#/definitions/NetworkList');
    await expect('GET', '/ping', 200, (r) => assert.equal(r.text, 'pong'), undefined, { Accept: 'text/plain' });
    await expect('GET', '/metrics', 200, (r) => assert.match(r.text, /marathon_http_requests_total/));
    const root = await fetch(`${s.url}/`, { redirect: 'manual' });
    assert.equal(root.status, 302);
    covered.add('GET /');
  });

  it('apps: create, list with embeds, show, group apps, versions, tasks; errors', async () => {
    const app = {
      id: '/r/web', cmd: 'python3 -m http.server $PORT0', cpus: 0.1, mem: 16, instances: 2, labels: { tier: 'web' },
      // Executor-run (the scripted agent reports it healthy); readinessChecks are refused (422, issue 14).
      healthChecks: [{ protocol: 'MESOS_HTTP', path: '/' }],
    };
    await expect('POST', '/v2/apps', 201, 'app.json#/definitions/AppInfo', app);
    await settle('/r/web', 2);
    await expect('POST', '/v2/apps', 409, 'strings.json#/definitions/Error', app);
    await expect('POST', '/v2/apps', 422, 'strings.json#/definitions/Error', { id: '/r/bad', cmd: 'x', instances: -1 });
    await expect('POST', '/v2/apps', 400, 'strings.json#/definitions/Error', '{"id": ');
    await expect('POST', '/v2/apps', 400, 'strings.json#/definitions/Error', { id: '/r/bad', cmd: 'x', cpus: 'many' });
    await expect('GET', '/v2/apps', 200, 'app.json#/definitions/AppList');
    const embedded = await expect('GET', '/v2/apps?embed=app.tasks&embed=app.counts&embed=apps.taskStats&embed=failures&embed=apps.readiness', 200, 'app.json#/definitions/AppList');
    assert.ok(((embedded.body as { apps: Obj[] }).apps[0]?.tasks as unknown[]).length === 2);
    await expect('GET', '/v2/apps?label=tier!%3Dfrontend&cmd=HTTP.SERVER', 200, 'app.json#/definitions/AppList');
    await expect('GET', '/v2/apps?label=%3D%3D', 422, 'strings.json#/definitions/Error');
    await expect('GET', '/v2/apps/r/web?embed=app.taskStats&embed=app.readiness', 200, 'app.json#/definitions/AppSingle');
    await expect('GET', '/v2/apps/r/*?embed=apps.lastTaskFailure', 200, 'app.json#/definitions/GroupApps');
    await expect('GET', '/v2/apps/nope/*', 404, 'strings.json#/definitions/Error');
    await expect('GET', '/v2/apps/r/web/tasks', 200, 'task.json#/definitions/TaskList');
    const versions = await expect('GET', '/v2/apps/r/web/versions', 200, 'strings.json#/definitions/VersionList');
    const v = (versions.body as { versions: string[] }).versions[0] ?? '';
    await expect('GET', `/v2/apps/r/web/versions/${v}`, 200, 'app.json#/definitions/App');
    await expect('GET', '/v2/apps/r/web/versions/2001-01-01T00:00:00.000Z', 404, 'strings.json#/definitions/Error');
    await expect('GET', '/v2/apps/r/none', 404, 'strings.json#/definitions/Error');
  });

  it('apps: update, patch, bulk, restart; deployments listed and cancelled', async () => {
    await expect('PUT', '/v2/apps/r/web', 200, 'strings.json#/definitions/DeploymentResult', { instances: 1 });
    await settle('/r/web', 1);
    await expect('PATCH', '/v2/apps/r/web', 200, 'strings.json#/definitions/DeploymentResult', { labels: { tier: 'web', v: '2' } });
    await settle('/r/web', 1);
    await expect('PUT', '/v2/apps', 200, 'strings.json#/definitions/DeploymentResult', [{ id: '/r/web', instances: 2 }, { id: '/r/other', cmd: 'sleep 9', cpus: 0.1, mem: 16, instances: 1 }]);
    await settle('/r/web', 2);
    await settle('/r/other', 1);
    await expect('PATCH', '/v2/apps', 200, 'strings.json#/definitions/DeploymentResult', [{ id: '/r/other', instances: 1, cmd: 'sleep 10' }]);
    await settle('/r/other', 1);
    await expect('POST', '/v2/apps/r/web/restart', 200, 'strings.json#/definitions/DeploymentResult');
    await settle('/r/web', 2);
    await expect('POST', '/v2/apps/r/none/restart', 404, 'strings.json#/definitions/Error');
    // A deployment that cannot finish while the agent holds kills: listed, then rolled back and force-cancelled.
    mesos.holdKills = true;
    try {
      const scale = await expect('PUT', '/v2/apps/r/other', 200, 'strings.json#/definitions/DeploymentResult', { instances: 0 });
      const list = await expect('GET', '/v2/deployments', 200, 'deployment.json#/definitions/DeploymentList');
      assert.ok((list.body as Obj[]).length >= 1);
      await expect('PUT', '/v2/apps/r/other', 409, 'strings.json#/definitions/Error', { instances: 3 });
      const rollback = await expect('DELETE', `/v2/deployments/${String((scale.body as Obj).deploymentId)}`, 200, 'strings.json#/definitions/DeploymentResult');
      await expect('DELETE', `/v2/deployments/${String((rollback.body as Obj).deploymentId)}?force=true`, 202, noBody);
      await expect('DELETE', '/v2/deployments/00000000-0000-0000-0000-000000000000', 404, 'strings.json#/definitions/Error');
    } finally {
      mesos.holdKills = false;
      mesos.release();
    }
  });

  it('tasks: list (JSON and text/plain), kill by id, by host, with scale; errors', async () => {
    await expect('GET', '/v2/tasks', 200, 'task.json#/definitions/TaskList');
    await expect('GET', '/v2/tasks?status=running', 200, 'task.json#/definitions/TaskList');
    await expect('GET', '/v2/tasks', 200, (r) => {
      assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
      assert.match(r.text, /^r_web\t1\d{4}\t(agent-1:\d+\t){2}$/m);
    }, undefined, { Accept: 'text/plain' });
    const [one, two] = await tasksOf('/r/web');
    await expect('POST', '/v2/tasks/delete', 200, 'task.json#/definitions/TaskList', { ids: [String(one?.id)] });
    await expect('POST', '/v2/tasks/delete?scale=true&wipe=true', 400, 'strings.json#/definitions/Error', { ids: [String(two?.id)] });
    await expect('POST', '/v2/tasks/delete', 400, 'strings.json#/definitions/Error', { ids: ['nonsense'] });
    await settle('/r/web', 2);
    const [three] = await tasksOf('/r/web');
    await expect('DELETE', `/v2/apps/r/web/tasks/${String(three?.id)}`, 200, 'task.json#/definitions/TaskSingle');
    await expect('DELETE', '/v2/apps/r/web/tasks/r_web.nope', 404, 'strings.json#/definitions/Error');
    await settle('/r/web', 2);
    await expect('DELETE', '/v2/apps/r/web/tasks?host=*', 200, 'task.json#/definitions/TaskList');
    await settle('/r/web', 2);
    const [four] = await tasksOf('/r/web');
    await expect('POST', '/v2/tasks/delete?scale=true', 200, 'strings.json#/definitions/DeploymentResult', { ids: [String(four?.id)] });
    await settle('/r/web', 1);
    await expect('DELETE', '/v2/apps/r/web/tasks?host=agent-1&scale=true', 200, 'strings.json#/definitions/DeploymentResult');
    await settle('/r/web', 0);
  });

  it('queue: a failing app waits with a delay; the delay is reset', async () => {
    mesos.failing.add('r_crash.');
    await expect('POST', '/v2/apps', 201, 'app.json#/definitions/AppInfo', { id: '/r/crash', cmd: 'false', cpus: 0.1, mem: 16, instances: 1, backoffSeconds: 600 });
    let queue: Obj[] = [];
    for (let i = 0; i < 200 && queue.length === 0; i++) {
      queue = ((await call('GET', '/v2/queue')).body as { queue: Obj[] }).queue;
      if (queue.length === 0) await new Promise((res) => setTimeout(res, 10));
    }
    await expect('GET', '/v2/queue', 200, 'queue.json#/definitions/Queue');
    await expect('DELETE', '/v2/queue/r/crash/delay', 204, noBody);
    await expect('DELETE', '/v2/queue/r/none/delay', 404, 'strings.json#/definitions/Error');
    mesos.failing.clear();
    await expect('DELETE', '/v2/apps/r/crash', 200, 'strings.json#/definitions/DeploymentResult');
  });

  it('groups: create (also under a path), show, versions, update, dry run, patch, delete; errors', async () => {
    await expect('POST', '/v2/groups', 201, 'strings.json#/definitions/DeploymentResult', {
      id: '/g', dependencies: ['/r'], apps: [{ id: 'a', cmd: 'sleep 9', cpus: 0.1, mem: 16, instances: 1 }],
    });
    await expect('POST', '/v2/groups/g', 201, 'strings.json#/definitions/DeploymentResult', { id: 'sub', apps: [{ id: 'b', cmd: 'sleep 9', cpus: 0.1, mem: 16, instances: 0 }] });
    await expect('POST', '/v2/groups', 409, 'strings.json#/definitions/Error', { id: '/g' });
    await settle('/g/a', 1);
    await expect('GET', '/v2/groups', 200, 'group.json#/definitions/GroupInfo');
    const g = await expect('GET', '/v2/groups/g?embed=group.groups&embed=group.apps&embed=group.apps.tasks&embed=group.apps.taskStats', 200, 'group.json#/definitions/GroupInfo');
    const versions = await expect('GET', '/v2/groups/g/versions', 200, 'group.json#/definitions/GroupVersions');
    assert.equal((versions.body as string[])[0], (g.body as Obj).version);
    await expect('GET', `/v2/groups/g/versions/${String((g.body as Obj).version)}`, 200, 'group.json#/definitions/GroupInfo');
    await expect('GET', '/v2/groups/versions', 200, 'group.json#/definitions/GroupVersions');
    await expect('PUT', '/v2/groups/g', 200, 'strings.json#/definitions/DeploymentResult', { scaleBy: 2 });
    await settle('/g/a', 2);
    await expect('PUT', '/v2/groups/g?dryRun=true', 200, 'deployment.json#/definitions/DeploymentSteps', { id: '/g', apps: [{ id: 'a', cmd: 'sleep 8', cpus: 0.1, mem: 16, instances: 1 }] });
    await expect('PATCH', '/v2/groups/g', 200, noBody, { enforceRole: true });
    await expect('PATCH', '/v2/groups/g/sub', 422, 'strings.json#/definitions/Error', { enforceRole: true });
    await expect('PATCH', '/v2/groups/none', 404, 'strings.json#/definitions/Error', { enforceRole: true });
    await expect('GET', '/v2/groups/none', 404, 'strings.json#/definitions/Error');
    await expect('DELETE', '/v2/groups/g', 200, 'strings.json#/definitions/DeploymentResult');
    await expect('DELETE', '/v2/groups/none', 404, 'strings.json#/definitions/Error');
    await expect('PUT', '/v2/groups', 200, 'strings.json#/definitions/DeploymentResult', { id: '/', apps: [{ id: '/top', cmd: 'sleep 9', cpus: 0.1, mem: 16, instances: 0 }] });
    await expect('GET', '/v2/groups', 200, 'group.json#/definitions/GroupInfo');
    await expect('DELETE', '/v2/groups', 200, 'strings.json#/definitions/DeploymentResult');
  });

  it('events: the stream answers SSE frames whose data is an event; without the Accept header 406', async () => {
    await expect('GET', '/v2/events', 406, 'strings.json#/definitions/Error');
    const url = new URL(`${s.url}/v2/events`);
    const frame = await new Promise<string>((resolve, reject) => {
      const req = http.get({ host: url.hostname, port: url.port, path: url.pathname, headers: { Accept: 'text/event-stream' } }, (res) => {
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          const m = /data: (.*)\n/.exec(buf);
          if (m !== null) { resolve(m[1] ?? ''); req.destroy(); }
        });
      });
      req.on('error', (e) => { if (!(e as NodeJS.ErrnoException).code?.startsWith('ECONNRESET')) reject(e); });
    });
    const event = JSON.parse(frame) as Obj;
    assert.equal(typeof event.eventType, 'string');
    assert.equal(typeof event.timestamp, 'string');
    covered.add('GET /v2/events');
  });

  it('unknown routes answer a Marathon error; DELETE /v2/leader abdicates', async () => {
    await expect('GET', '/v2/nothing', 404, 'strings.json#/definitions/Error');
    await expect('DELETE', '/v2/leader', 200, 'strings.json#/definitions/Message');
  });

  it('every /v2 route the API registers was exercised above', () => {
    const missing = routes.map(([m, t]) => `${m} ${t}`).filter((r) => r.includes('/v2') && !covered.has(r));
    assert.deepEqual(missing, []);
  });
});

describe('contract: the RAML schemas reject the shapes the conformance issue found', () => {
  const validator = ramlValidators();
  const app: Obj = {
    id: '/a', backoffFactor: 1.15, backoffSeconds: 1, constraints: [], cpus: 1, dependencies: [], disk: 0, env: {}, executor: '',
    fetch: [], gpus: 0, healthChecks: [], instances: 1, labels: {}, maxLaunchDelaySeconds: 300, mem: 128, networks: [{ mode: 'host' }],
    readinessChecks: [], requirePorts: false, secrets: {}, upgradeStrategy: { maximumOverCapacity: 1, minimumHealthCapacity: 1 },
    version: '2024-01-01T00:00:00.000Z', killSelection: 'YOUNGEST_FIRST', unreachableStrategy: { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 },
    role: '*', tasksStaged: 0, tasksRunning: 0, tasksHealthy: 0, tasksUnhealthy: 0, deployments: [],
  };
  const task: Obj = { id: 'a.instance-1._app.1', appId: '/a', host: 'h', state: 'TASK_RUNNING', role: '*', stagedAt: '2024-01-01T00:00:00.000Z' };
  const ok = (ref: string, v: unknown): boolean => validator(ref)(v) === true;
  it('a well-formed app and task pass', () => {
    assert.ok(ok('app.json#/definitions/AppInfo', app));
    assert.ok(ok('task.json#/definitions/Task', task));
  });
  it('fail: empty networks, missing role, taskStats, null startedAt, health checks without timings, group without enforceRole, zk null', () => {
    assert.ok(!ok('app.json#/definitions/AppInfo', { ...app, networks: [] }));
    const { role: _r, ...noRole } = app;
    assert.ok(!ok('app.json#/definitions/AppInfo', noRole));
    assert.ok(!ok('app.json#/definitions/AppInfo', { ...app, taskStats: {} }));
    assert.ok(!ok('task.json#/definitions/Task', { ...task, startedAt: null }));
    assert.ok(!ok('app.json#/definitions/AppInfo', { ...app, healthChecks: [{ protocol: 'HTTP' }] }));
    assert.ok(!ok('group.json#/definitions/GroupInfo', { id: '/', dependencies: [], version: '2024-01-01T00:00:00.000Z' }));
    assert.ok(!ok('info.json#/definitions/ZooKeeperConfig', { zk: null, zk_connection_timeout: 1, zk_max_versions: 1, zk_session_timeout: 1, zk_timeout: 1 }));
  });
});
