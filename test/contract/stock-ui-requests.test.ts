// The stock Marathon UI's requests (test/fixtures/stock-ui/requests.json, recorded in a browser
// session of test/e2e/stock-ui-browser.test.ts) replayed against `serve` and mesos-sim with an exec
// agent, without a browser or the UI's source (issue 14): every request gets the status the UI got,
// JSONP answers are `callback(json);`, and the fields the UI's code reads are there with the types it
// expects. The fields, from the UI's source (marathon-ui v1.3.2):
// - /v2/info: `frameworkId`, `marathon_config.mesos_leader_ui_url` (MesosStore: no sandbox links without them).
// - /v2/groups (embed group.groups, group.apps, …): `groups[]`, `apps[]` with `id`, `instances`, `cpus`, `mem`,
//   `tasksRunning`, `tasksHealthy`, `tasksUnhealthy`, `tasksStaged`, `deployments` (AppsStore's health bar, list).
// - /v2/apps/{id} (embed app.taskStats, app.readiness): `app.tasks[]` with `id`, `host`, `ports`, `ipAddresses`,
//   `slaveId`, `stagedAt`, `startedAt`, `version`, `healthCheckResults[]` with `alive`, `firstSuccess`
//   (AppsStore.getTaskHealth: healthy only when every result has firstSuccess and alive), `lastSuccess`,
//   `lastFailure`, `consecutiveFailures` (TaskHealthComponent); endpoints are `host:port` per `ports` entry.
// - /v2/queue: `queue[]`; /v2/deployments: an array; /v2/plugins: `plugins[]`.
// - /pkgpanda/active.buildinfo.full.json: an error (404) tells "not DC/OS"; the agent is then reached
//   at `//<slaves[].hostname>:<port after the last ':' of slaves[].pid>` from the master's state.
// - master /version: `version` (semver ≥ 0.26 makes the UI use /master/state, /state, /files/browse).
// - master /master/state: `slaves[]` with `id`, `hostname`, `pid`.
// - agent /state: `frameworks[]` (by `id` = Marathon's frameworkId) with `executors[]` (or
//   `completed_executors[]`) whose `id` is the task id and `directory` the sandbox.
// - writes (recorded with the body the UI sent, as the UI sends them: Content-Type application/json on
//   every request, also on a DELETE without body; `//` after /v2/apps; `?force=true` after a 409):
//   POST /v2/apps 201 → the app (`id`, `instances`, `cpus`, `mem`, `deployments[]`; AppsStore adds it to its list);
//   PUT /v2/apps/{id} (partial: `{instances}` from Scale/Suspend, the edit form's changed fields, with
//   `"container": null` and the app's own `networks` for apps it has no form for), POST …/restart `{force}`,
//   POST /v2/tasks/delete(?scale=true) `{ids}`, DELETE /v2/apps/{id}, DELETE /v2/deployments/{id} (Rollback),
//   POST /v2/groups `{id}`, PUT /v2/groups/{id} `{scaleBy}` (Scale By, Suspend = 0), DELETE /v2/groups/{id}:
//   2xx with a JSON body; 409 while a deployment runs: `message` and `deployments[]` (the UI then offers
//   "Stop Current Deployment and …" and resends with ?force=true); 409 without `deployments` (an id that exists)
//   shows `message`; 422: `message` and `details[]` of `path` + `errors[]` (AppFormStore shows them per field,
//   or under "general" for paths it has no field for).
// - agent /files/browse?path=<directory>: entries with `path` (the name is its last segment: stdout,
//   stderr), `size`, `mode`, `nlink`, `uid`, `gid`, `mtime`; the links are
//   `<agent>/files/download?path=<encoded path>` (MesosStore), which must answer the file's bytes.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { STOCK_APP_ID, stockApp, startStockUiCluster, type StockUiCluster } from '../helpers/stock-ui-cluster';
import { fillPlaceholders, replayUrl, type RecordedRequest, type Substitutions, type UiTarget } from '../helpers/stock-ui-requests';

type Obj = Record<string, unknown>;

const FIXTURE = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'stock-ui', 'requests.json');

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function arr(v: unknown, what: string): unknown[] {
  assert.ok(Array.isArray(v), `${what} is an array`);
  return v;
}

function str(v: unknown, what: string): string {
  assert.equal(typeof v, 'string', `${what} is a string`);
  return v as string;
}

function num(v: unknown, what: string): number {
  assert.equal(typeof v, 'number', `${what} is a number`);
  return v as number;
}

/** A JSONP answer `cb(<json>);` → the JSON. */
function unpad(text: string, cb: string): unknown {
  const m = new RegExp(`^${cb}\\(([\\s\\S]*)\\);?\\s*$`).exec(text);
  assert.ok(m !== null, `JSONP form ${cb}(…): ${text.slice(0, 80)}`);
  return JSON.parse(m[1] as string) as unknown;
}

describe('contract: the stock Marathon UI\'s recorded requests against serve + mesos-sim --exec (issue 14)', function () {
  this.timeout(90_000);
  const recorded = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as RecordedRequest[];
  let c: StockUiCluster;
  let origins: Record<UiTarget, string>;
  const subs: Substitutions = [];
  const answers = new Map<string, unknown>();

  before(async () => {
    c = await startStockUiCluster();
    origins = { marathon: c.serve.url, master: c.masterUrl, agent: c.agentUrl };
    const r = await fetch(`${c.serve.url}/v2/apps`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(stockApp()) });
    assert.equal(r.status, 201, await r.text());
    // the task runs and its MESOS_HTTP check passed (the exec agent runs it)
    const deadline = Date.now() + 60_000;
    for (;;) {
      const a = (await (await fetch(`${c.serve.url}/v2/apps${STOCK_APP_ID}`)).json()) as { app: { tasksHealthy: number } };
      if (a.app.tasksHealthy === 1) break;
      if (Date.now() > deadline) throw new Error('the stock app\'s task never became healthy');
      await new Promise((res) => setTimeout(res, 200));
    }
  });

  after(async () => { await c?.close(); });

  it('the recording covers the three servers and the sandbox', () => {
    const seen = new Set(recorded.map((r) => `${r.target} ${r.path}`));
    for (const want of ['marathon /v2/info', 'marathon /v2/groups', 'master /version', 'master /master/state', 'agent /state', 'agent /files/browse']) {
      assert.ok(seen.has(want), `recorded: ${want}`);
    }
  });

  it('every recorded request answers as it did to the UI, and each answer has what the UI reads', async () => {
    // Placeholders are filled as the UI fills them: from earlier answers, in the recorded order.
    for (const r of recorded) {
      if (r.query.some(([, v]) => v.includes('{directory}')) && !subs.some(([, p]) => p === '{directory}')) {
        throw new Error('the recording asks for the sandbox before the agent state named it');
      }
      const write = r.method !== 'GET' && r.method !== 'HEAD';
      const live = write ? await writeState(r) : await readState(r);
      const url = replayUrl({ ...r, path: fillPlaceholders(r.path, live) }, origins, subs, 'cb');
      const headers: Record<string, string> = r.target === 'marathon' ? { Accept: 'application/json' } : {};
      if (r.contentType !== undefined) headers['Content-Type'] = r.contentType;
      const body = r.body === undefined ? undefined : fillPlaceholders(JSON.stringify(r.body), [...live, ...subs]);
      const appPut = r.target === 'marathon' && r.method === 'PUT' && r.path.startsWith('/v2/apps/');
      const prev = appPut ? (await json<{ app: Obj }>(r.path)).app : undefined;
      const res = await fetch(url, { method: r.method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      assert.equal(res.status, r.status, `${r.method} ${url} ${body ?? ''}: ${text.slice(0, 300)}`);
      if (write) {
        writeAnswer(r, res, text);
        if (prev !== undefined && res.status === 200) stored(prev, (await json<{ app: Obj }>(r.path)).app, JSON.parse(body ?? '{}') as Obj);
        continue;
      }
      if (res.status !== 200) continue;
      const jsonp = r.query.some(([k]) => k === 'jsonp');
      if (jsonp) assert.match(res.headers.get('content-type') ?? '', /javascript/);
      const answer = jsonp ? unpad(text, 'cb') : JSON.parse(text) as unknown;
      answers.set(`${r.target} ${r.path}`, answer);
      learn(r, answer);
    }
    assert.ok(recorded.some((r) => r.method === 'PUT' && r.status === 409), 'the recording has a 409 the UI resolved with force');
  });

  async function json<T>(path: string): Promise<T> {
    const res = await fetch(`${c.serve.url}${path}`);
    assert.equal(res.status, 200, path);
    return (await res.json()) as T;
  }

  /** `{version}` in a path: the current version of the app the path names. */
  async function readState(r: RecordedRequest): Promise<Substitutions> {
    const m = /^\/v2\/apps\/(\/.+)\/versions\/\{version\}$/.exec(r.path);
    if (r.target !== 'marathon' || m === null) return [];
    const app = await json<{ app: { version: string } }>(`/v2/apps${m[1] as string}`);
    return [[app.app.version, '{version}']];
  }

  /**
   * A write is sent in the state the UI sent it in: as many deployments running as then (finished ones
   * waited for; one that cannot finish is still there), `{deploymentId}` the running one, and each
   * `{task:<appId>}` a different running task of that app.
   */
  async function writeState(r: RecordedRequest): Promise<Substitutions> {
    const want = r.deploymentsBefore ?? 0;
    const deadline = Date.now() + 60_000;
    let deps: Array<{ id: string }> = [];
    for (;;) {
      deps = await json<Array<{ id: string }>>('/v2/deployments');
      if (deps.length === want) break;
      if (Date.now() > deadline) assert.fail(`${r.method} ${r.path}: ${deps.length} deployments running, the UI saw ${want}`);
      await new Promise((res) => setTimeout(res, 100));
    }
    const live: Substitutions = deps.length > 0 ? [[(deps[0] as { id: string }).id, '{deploymentId}']] : [];
    const text = JSON.stringify(r.body ?? null);
    for (const m of new Set(text.match(/\{task:[^}]+\}/g) ?? [])) {
      assert.equal(text.split(m).length, 2, 'one task per app in a kill (as recorded)');
      const appId = m.slice('{task:'.length, -1);
      const tasks = await json<{ tasks: Array<{ id: string; state: string }> }>(`/v2/apps${appId}/tasks`);
      const running = tasks.tasks.find((t) => t.state === 'TASK_RUNNING');
      assert.ok(running !== undefined, `${appId} has a running task to kill`);
      live.push([running.id, m]);
    }
    return live;
  }

  /**
   * A partial PUT as the UI sends it changed what it sent and nothing else: fields sent as `null`
   * (the edit form's `"container": null`) keep their value, as in Marathon's AppUpdate.
   */
  function stored(prev: Obj, next: Obj, sent: Obj): void {
    for (const [k, v] of Object.entries(sent)) {
      if (v === null) assert.deepEqual(next[k], prev[k], `${k}: null keeps the stored value`);
      else if (['instances', 'cpus', 'mem', 'cmd', 'env', 'labels'].includes(k)) assert.deepEqual(next[k], v, `${k} stored as sent`);
    }
    for (const k of ['container', 'healthChecks', 'env', 'labels', 'portDefinitions']) {
      if (!(k in sent)) assert.deepEqual(next[k], prev[k], `${k} not sent: unchanged`);
    }
  }

  /** What the UI reads from the answer to a write (AppsActions, TasksActions, DeploymentActions → stores). */
  function writeAnswer(r: RecordedRequest, res: Response, text: string): void {
    const what = `${r.method} ${r.path} → ${res.status}`;
    assert.match(res.headers.get('content-type') ?? '', /application\/json/, `${what}: a JSON answer (the UI parses every answer as JSON)`);
    const body = JSON.parse(text) as unknown;
    assert.ok(isObj(body), what);
    if (res.status === 201 && r.path === '/v2/apps') {
      str(body.id, 'app.id');
      for (const f of ['instances', 'cpus', 'mem']) num(body[f], `app.${f}`);
      arr(body.deployments, 'app.deployments');
      const sent = r.body as Obj;
      assert.equal(body.id, sent.id);
      if (isObj(sent.container) && Array.isArray(sent.container.networkInterfaces)) {
        assert.ok(isObj(body.container), 'container kept');
        assert.equal(arr(body.container.networkInterfaces, 'container.networkInterfaces').length, sent.container.networkInterfaces.length);
      }
    } else if (res.status === 200 && r.path === '/v2/tasks/delete' && !r.query.some(([k]) => k === 'scale')) {
      arr(body.tasks, 'killed tasks');
    } else if (res.status === 200 || res.status === 201) {
      str(body.deploymentId, `${what}: deploymentId`);
      str(body.version, `${what}: version`);
    } else if (res.status === 409) {
      str(body.message, `${what}: message`);
      if (r.path === '/v2/apps') assert.ok(!('deployments' in body), 'an existing id: no deployments (the UI shows the message)');
      else assert.ok(arr(body.deployments, `${what}: deployments`).length > 0, 'a lock names its deployments (the UI offers force)');
    } else if (res.status === 422) {
      str(body.message, `${what}: message`);
      for (const d of arr(body.details, `${what}: details`) as Obj[]) {
        str(d.path, 'details[].path');
        for (const e of arr(d.errors, 'details[].errors')) str(e, 'details[].errors[]');
      }
    }
  }

  /** Reads what the UI reads from one answer; fills the placeholders later requests use. */
  function learn(r: RecordedRequest, body: unknown): void {
    const key = `${r.target} ${r.path}`;
    if (key === 'marathon /v2/info') {
      assert.ok(isObj(body));
      subs.push([str(body.frameworkId, 'frameworkId'), '{frameworkId}']);
      assert.ok(isObj(body.marathon_config));
      assert.equal(str(body.marathon_config.mesos_leader_ui_url, 'mesos_leader_ui_url').replace(/\/$/, ''), c.masterUrl);
    } else if (key === 'marathon /v2/groups') {
      assert.ok(isObj(body));
      const groups = arr(body.groups, 'groups') as Obj[];
      const apps = groups.flatMap((g) => arr(g.apps, 'groups[].apps') as Obj[]);
      const app = apps.find((a) => a.id === STOCK_APP_ID);
      assert.ok(app !== undefined, 'the app in its group');
      for (const f of ['instances', 'cpus', 'mem', 'tasksRunning', 'tasksHealthy', 'tasksUnhealthy', 'tasksStaged']) num(app[f], `app.${f}`);
      arr(app.deployments, 'app.deployments');
      assert.equal(app.tasksHealthy, 1);
    } else if (r.target === 'marathon' && r.path.includes('/versions/')) {
      assert.ok(isObj(body));
      str(body.id, 'version.id');
      str(body.version, 'version.version');
    } else if (r.target === 'marathon' && r.path.startsWith('/v2/apps/') && r.path !== `/v2/apps/${STOCK_APP_ID}`) {
      assert.ok(isObj(body) && isObj(body.app));
      arr(body.app.tasks, 'app.tasks');
      arr(body.app.deployments, 'app.deployments');
    } else if (r.target === 'marathon' && r.path.startsWith('/v2/apps/')) {
      assert.ok(isObj(body) && isObj(body.app));
      const tasks = arr(body.app.tasks, 'app.tasks') as Obj[];
      assert.equal(tasks.length, 1);
      const t = tasks[0] as Obj;
      subs.push([str(t.id, 'task.id'), '{taskId}'], [str(t.slaveId, 'task.slaveId'), '{agentId}']);
      str(t.host, 'task.host');
      const ports = arr(t.ports, 'task.ports');
      assert.equal(ports.length, 1);
      assert.ok(num(ports[0], 'task.ports[0]') > 0, 'a host port');
      arr(t.ipAddresses, 'task.ipAddresses');
      str(t.stagedAt, 'task.stagedAt');
      str(t.startedAt, 'task.startedAt');
      str(t.version, 'task.version');
      const hcr = arr(t.healthCheckResults, 'task.healthCheckResults') as Obj[];
      assert.equal(hcr.length, 1);
      const h = hcr[0] as Obj;
      assert.equal(h.alive, true);
      str(h.firstSuccess, 'firstSuccess (the UI calls a task healthy only with it)');
      str(h.lastSuccess, 'lastSuccess');
      num(h.consecutiveFailures, 'consecutiveFailures');
      assert.ok('lastFailure' in h);
    } else if (key === 'marathon /v2/queue') {
      assert.ok(isObj(body));
      arr(body.queue, 'queue');
    } else if (key === 'marathon /v2/deployments') {
      arr(body, 'deployments');
    } else if (key === 'marathon /v2/plugins') {
      assert.ok(isObj(body));
      arr(body.plugins, 'plugins');
    } else if (key === 'master /version') {
      assert.ok(isObj(body));
      const [maj = 0, min = 0] = str(body.version, 'version').split('.').map(Number);
      assert.ok(maj > 0 || min >= 26, 'a Mesos version ≥ 0.26 (the UI then uses /master/state, /state, /files/browse)');
    } else if (key === 'master /master/state') {
      assert.ok(isObj(body));
      const agentId = subs.find(([, p]) => p === '{agentId}')?.[0];
      const slave = (arr(body.slaves, 'slaves') as Obj[]).find((s) => s.id === agentId);
      assert.ok(slave !== undefined, 'the task\'s agent in slaves[]');
      const pid = str(slave.pid, 'slaves[].pid');
      // the UI's node URL: //<hostname>:<port after the last ':' of the pid>
      assert.equal(`http://${str(slave.hostname, 'slaves[].hostname')}:${pid.slice(pid.lastIndexOf(':') + 1)}`, c.agentUrl);
    } else if (key === 'agent /state') {
      assert.ok(isObj(body));
      const frameworkId = subs.find(([, p]) => p === '{frameworkId}')?.[0];
      const taskId = subs.find(([, p]) => p === '{taskId}')?.[0];
      const fw = (arr(body.frameworks, 'frameworks') as Obj[]).find((f) => f.id === frameworkId);
      assert.ok(fw !== undefined, 'Marathon\'s framework in the agent\'s frameworks[]');
      const executors = [...arr(fw.executors, 'executors'), ...(Array.isArray(fw.completed_executors) ? fw.completed_executors : [])] as Obj[];
      const ex = executors.find((e) => e.id === taskId);
      assert.ok(ex !== undefined, 'an executor whose id is the task id');
      const dir = str(ex.directory, 'executor.directory');
      assert.ok(fs.statSync(dir).isDirectory(), 'the sandbox exists');
      subs.push([dir, '{directory}']);
    } else if (key === 'agent /files/browse') {
      const files = arr(body, 'files') as Obj[];
      const names = files.map((f) => /[^/\\]+[/\\]{0,2}$/.exec(str(f.path, 'file.path'))?.[0]);
      assert.ok(names.includes('stdout') && names.includes('stderr'), `stdout and stderr listed: ${names.join(', ')}`);
      for (const f of files) {
        num(f.size, 'file.size'); str(f.mode, 'file.mode'); num(f.nlink, 'file.nlink'); num(f.mtime, 'file.mtime');
        assert.ok(f.uid !== undefined && f.gid !== undefined);
      }
    }
  }

  it('the sandbox links (files/download on the agent) answer the task\'s stdout and stderr', async () => {
    const files = answers.get('agent /files/browse') as Obj[] | undefined;
    assert.ok(files !== undefined, 'the replay ran');
    for (const [name, want] of [['stdout', /stock-ui-stdout/], ['stderr', /stock-ui-stderr/]] as const) {
      const f = files.find((x) => String(x.path).endsWith(`/${name}`)) as Obj;
      const res = await fetch(`${c.agentUrl}/files/download?path=${encodeURIComponent(String(f.path))}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/octet-stream');
      assert.equal(res.headers.get('content-disposition'), `attachment; filename=${name}`);
      assert.match(await res.text(), want);
    }
    // the agent's state as a real 1.11 agent writes it (recording), also under /slave(1)/state
    const real = JSON.parse(fs.readFileSync(path.join(path.dirname(FIXTURE), '..', 'mesos-1.11', 'agent-endpoints.json'), 'utf8')) as { agentState: { frameworks: Array<{ executors: Obj[] }> } };
    const ours = (await (await fetch(`${c.agentUrl}/slave(1)/state`)).json()) as { frameworks: Array<{ executors: Obj[] }> };
    const keys = (o: Obj | undefined): string[] => Object.keys(o ?? {}).sort();
    assert.deepEqual(keys(ours.frameworks[0]?.executors[0]), keys(real.agentState.frameworks[0]?.executors[0]), 'executor fields');
    // outside the sandboxes: nothing (as a real agent answers a path it has not attached)
    assert.equal((await fetch(`${c.agentUrl}/files/download?path=${encodeURIComponent('/etc/passwd')}`)).status, 404);
    assert.equal((await fetch(`${c.agentUrl}/files/browse?path=${encodeURIComponent(path.dirname(c.workDir))}`)).status, 404);
  });
});
