// The stock Marathon UI (mesosphere/marathon-ui, built elsewhere: test/fixtures/stock-ui/README.md)
// in headless Chromium against `serve` and mesos-sim with an exec agent (issue 14): the app page
// shows the task healthy with its host port, the task page shows health and host ports, and the
// sandbox's stdout/stderr links lead to the agent's /files/download with the task's output.
// Runs only when MVN_STOCK_UI_DIR names a built UI (index.html, main.js); the project does not
// ship it. With MVN_STOCK_UI_RECORD=<file> it writes the requests the UI made (the source of
// test/fixtures/stock-ui/requests.json, which the contract test replays without a browser).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { eventuallyMatches, openBrowser, screenshot, type BrowserSession } from './ui-browser-kit';
import { describeNeeding, skippedSuites } from '../helpers/requires';
import { STOCK_APP_ID, stockApp, startStockUiCluster, type StockUiCluster } from '../helpers/stock-ui-cluster';
import { normalizeRecorded, type RecordedRequest, type SeenRequest, type Substitutions } from '../helpers/stock-ui-requests';
import type { Page, Request } from 'playwright-core';

const STOCK_DIR = process.env.MVN_STOCK_UI_DIR;
const RECORD = process.env.MVN_STOCK_UI_RECORD;

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.woff': 'font/woff', '.ico': 'image/x-icon', '.png': 'image/png', '.svg': 'image/svg+xml' };

/**
 * The built UI under /stock/ and everything else forwarded to serve: one origin, as Marathon serves its UI.
 * Like any reverse proxy it tells the original Host (X-Forwarded-Host): serve lets writes through only
 * from its own origin.
 */
function uiProxy(dir: string, serveUrl: string): Promise<http.Server> {
  const target = new URL(serveUrl);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.startsWith('/stock/')) {
      const file = path.resolve(dir, `.${decodeURIComponent(url.pathname.slice('/stock'.length))}`);
      if (!file.startsWith(path.resolve(dir) + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) { res.writeHead(404); res.end(); return; }
      res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      fs.createReadStream(file).pipe(res);
      return;
    }
    const fwd = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host, 'x-forwarded-host': req.headers.host ?? '' } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    fwd.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
    req.pipe(fwd);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function getJson<T>(url: string): Promise<T> {
  const r = await fetch(url);
  assert.equal(r.status, 200, `GET ${url}`);
  return (await r.json()) as T;
}

/** Polls the API until `ok` holds; fails with the last value seen. */
async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (ok(last)) return last;
    if (Date.now() > end) assert.fail(`${what}; last seen: ${JSON.stringify(last).slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface ApiApp { id: string; instances: number; cpus: number; mem: number; version: string; tasksRunning: number; env: Record<string, string>; labels: Record<string, string>; container?: Record<string, unknown> | null; deployments: Array<{ id: string }>; tasks?: Array<{ id: string; state?: string }> }

/** The app as the API has it (404 → undefined). */
async function apiApp(serve: string, id: string): Promise<ApiApp | undefined> {
  const r = await fetch(`${serve}/v2/apps${id}?embed=app.tasks`);
  if (r.status === 404) return undefined;
  assert.equal(r.status, 200);
  return ((await r.json()) as { app: ApiApp }).app;
}

/** Clicks a dialog's button (the UI's confirm/prompt/alert dialogs are modals). */
async function dialogButton(page: Page, label: string | RegExp): Promise<void> {
  await page.locator('.modal-dialog button, .modal button', { hasText: label }).first().click({ timeout: 15_000 });
}

/** Replaces the text of the JSON editor (Ace) in the app modal. */
async function setJsonEditor(page: Page, json: string): Promise<void> {
  await page.locator('.ace_editor textarea.ace_text-input').first().focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(json);
}

/** This run's task id, agent id and sandbox directory, to become placeholders in the recording. */
async function runValues(c: StockUiCluster): Promise<Substitutions> {
  const subs: Substitutions = [];
  const tasks = (await (await fetch(`${c.serve.url}/v2/apps${STOCK_APP_ID}/tasks`)).json()) as { tasks: Array<{ id: string; slaveId: string }> };
  for (const t of tasks.tasks) subs.push([t.id, '{taskId}'], [t.slaveId, '{agentId}']);
  const state = (await (await fetch(`${c.agentUrl}/state`)).json()) as { frameworks: Array<{ id: string; executors: Array<{ directory?: string }> }> };
  for (const f of state.frameworks) {
    subs.push([f.id, '{frameworkId}']);
    for (const e of f.executors) if (e.directory !== undefined) subs.push([e.directory, '{directory}']);
  }
  return subs;
}

// Optional: without a built UI the suite is skipped with one line (even under MVN_TEST_NO_SKIP=1,
// since the project does not ship the UI); the contract test replays its recorded requests instead.
const suite = STOCK_DIR !== undefined
  ? (title: string, fn: (this: Mocha.Suite) => void) => describeNeeding(['chromium'], title, fn)
  : (title: string, fn: (this: Mocha.Suite) => void) => { skippedSuites.push(`${title}: needs MVN_STOCK_UI_DIR (optional)`); describe.skip(title, fn); };

suite('stock Marathon UI against serve and mesos-sim --exec (MVN_STOCK_UI_DIR)', function () {
  this.timeout(120_000);
  let c: StockUiCluster;
  let s: BrowserSession;
  let proxy: http.Server;
  let base: string;
  const seen: SeenRequest[] = [];
  /** Writes: the deployments running when the UI sent them (looked up before letting them through). */
  const depsAtSend = new Map<Request, number>();
  /** Task and deployment ids of this run's writes, to become placeholders. */
  const writeSubs: Substitutions = [];

  before(async () => {
    c = await startStockUiCluster();
    proxy = await uiProxy(STOCK_DIR as string, c.serve.url);
    base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const r = await fetch(`${c.serve.url}/v2/apps`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(stockApp()) });
    assert.equal(r.status, 201, await r.text());
    s = await openBrowser();
    await s.page.route('**/v2/**', async (route) => {
      const req = route.request();
      if (req.method() !== 'GET' && new URL(req.url()).host === new URL(base).host) {
        const deps = await getJson<Array<{ id: string }>>(`${c.serve.url}/v2/deployments`);
        depsAtSend.set(req, deps.length);
        for (const d of deps) writeSubs.push([d.id, '{deploymentId}']);
        const tasks = await getJson<{ tasks: Array<{ id: string; appId: string }> }>(`${c.serve.url}/v2/tasks`);
        for (const t of tasks.tasks) if (t.appId !== STOCK_APP_ID) writeSubs.push([t.id, `{task:${t.appId}}`]);
      }
      await route.continue();
    });
    s.page.on('response', (res) => {
      const req = res.request();
      const ct = req.headers()['content-type'];
      const post = req.postData();
      const dep = depsAtSend.get(req);
      seen.push({
        method: req.method(), url: res.url(), status: res.status(),
        ...(req.method() !== 'GET' && ct !== undefined ? { contentType: ct } : {}),
        ...(post !== null ? { postData: post } : {}),
        ...(dep !== undefined ? { deploymentsBefore: dep } : {}),
      });
    });
  });

  after(async () => {
    if (RECORD !== undefined && c !== undefined) {
      const recorded: RecordedRequest[] = normalizeRecorded(seen, { marathon: base, master: c.masterUrl, agent: c.agentUrl }, [...await runValues(c), ...writeSubs]);
      fs.writeFileSync(RECORD, `${JSON.stringify(recorded, null, 1)}\n`);
    }
    await s?.close();
    await new Promise<void>((r) => (proxy === undefined ? r() : proxy.close(() => r())));
    await c?.close();
  });

  it('the app list shows the app\'s group running, 1 of 1, healthy', async () => {
    await s.page.goto(`${base}/stock/index.html#/apps`);
    // the app lives in group /stock: its row shows the group's instances and health
    const row = s.page.locator('table.app-list tbody tr', { hasText: 'stock' }).first();
    await row.waitFor({ timeout: 60_000 });
    await s.page.locator('table.app-list tbody tr', { hasText: /1 of 1/ }).first().waitFor({ timeout: 60_000 });
    await eventuallyMatches(() => s.page.locator('body').innerText(), /Healthy\s*1\b/, 30_000);
    await screenshot(s.page, 'stock-ui-app-list');
  });

  it('the app page lists the task healthy, with host and host port, and its stderr/stdout links', async () => {
    await s.page.goto(`${base}/stock/index.html#/apps/${encodeURIComponent(STOCK_APP_ID)}`);
    const tasks = (await (await fetch(`${c.serve.url}/v2/apps${STOCK_APP_ID}/tasks`)).json()) as { tasks: Array<{ host: string; ports: number[] }> };
    const t = tasks.tasks[0];
    assert.ok(t !== undefined && t.ports.length === 1);
    const row = s.page.locator('table.task-list tbody tr', { hasText: `${t.host}:${t.ports[0]}` }).first();
    await row.waitFor({ timeout: 60_000 });
    await s.page.locator('table.task-list tbody tr', { hasText: /Healthy/ }).first().waitFor({ timeout: 60_000 });
    assert.match(await row.innerText(), /stderr[\s\S]*stdout/);
    await screenshot(s.page, 'stock-ui-app-page');
  });

  it('the task page shows health, host ports and the sandbox\'s stdout/stderr links to the agent', async () => {
    const tasks = (await (await fetch(`${c.serve.url}/v2/apps${STOCK_APP_ID}/tasks`)).json()) as { tasks: Array<{ id: string; host: string; ports: number[] }> };
    const t = tasks.tasks[0] as { id: string; host: string; ports: number[] };
    await s.page.goto(`${base}/stock/index.html#/apps/${encodeURIComponent(STOCK_APP_ID)}/${encodeURIComponent(t.id)}`);
    const details = s.page.locator('dl.task-details');
    await details.waitFor({ timeout: 30_000 });
    const text = await details.innerText();
    assert.match(text, new RegExp(`\\[${t.ports[0]}\\]`), 'Ports');
    assert.match(text, new RegExp(`${t.host}:${t.ports[0]}`), 'Endpoints');
    assert.match(text, /Healthy/);
    // the Files tab lists the sandbox, with download links to the agent
    const stdout = s.page.locator(`a[href*="/files/download"][href*="stdout"]`).first();
    await stdout.waitFor({ timeout: 30_000 });
    const href = await stdout.getAttribute('href');
    assert.ok(href !== null && href.includes(new URL(c.agentUrl).host), `download link on the agent: ${href ?? ''}`);
    const res = await fetch(href.startsWith('//') ? `http:${href}` : href);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /stock-ui-stdout/);
    await screenshot(s.page, 'stock-ui-task-page');
    assert.deepEqual(s.problems, [], 'no errors in the page');
  });
  // ---- write actions (the requests the UI sends and how it shows our answers) ----
  const FORM_ID = '/ui/form';
  const VNET_ID = '/ui/vnet';
  const appPage = (id: string): string => `${base}/stock/index.html#/apps/${encodeURIComponent(id)}`;
  const runningTasks = async (id: string): Promise<string[]> => ((await apiApp(c.serve.url, id))?.tasks ?? []).filter((t) => t.state === 'TASK_RUNNING').map((t) => t.id);
  const settled = (id: string, n: number) => until(() => apiApp(c.serve.url, id), (a) => a !== undefined && a.deployments.length === 0 && a.tasksRunning === n && a.instances === n, `${id}: ${n} running, no deployment`);

  /** Waits until the app page's task list shows exactly the app's running tasks (the UI polls). */
  async function uiShowsTasks(id: string): Promise<string[]> {
    const ids = await runningTasks(id);
    const rows = s.page.locator('table.task-list tbody tr');
    await until(async () => ({ n: await rows.count(), text: await s.page.locator('table.task-list').innerText() }),
      (v) => v.n === ids.length && ids.every((t) => v.text.includes(t)), `the task list shows ${ids.length} current tasks`);
    return ids;
  }

  async function openEditModal(id: string): Promise<void> {
    // a fresh page: the modal edits the version the page last fetched (a stale one would bring back old instances)
    await s.page.goto(appPage(id));
    await s.page.reload();
    await s.page.locator('table.task-list').waitFor({ timeout: 30_000 });
    const app = await apiApp(c.serve.url, id);
    assert.ok(app !== undefined);
    // the app page's "g e" shortcut opens the edit modal of the app's current version
    await s.page.locator('body').click({ position: { x: 5, y: 5 } });
    await s.page.keyboard.press('g');
    await s.page.keyboard.press('e');
    await s.page.locator('.app-modal', { hasText: 'Edit Application' }).waitFor({ timeout: 30_000 });
    await s.page.locator('#cpus').waitFor();
  }

  it('Create Application, form mode: POST /v2/apps with the form\'s fields; the app runs and is listed', async () => {
    await s.page.goto(`${base}/stock/index.html#/apps?modal=new-app`);
    await s.page.locator('#appId').waitFor({ timeout: 30_000 });
    await s.page.fill('#appId', FORM_ID);
    await s.page.fill('#cpus', '0.1');
    await s.page.fill('#mem', '32');
    await s.page.fill('#instances', '1');
    await s.page.fill('#cmd', 'exec sleep 600');
    await s.page.locator('.app-modal button[type=submit]', { hasText: 'Create Application' }).click();
    await s.page.locator('.app-modal').waitFor({ state: 'detached', timeout: 30_000 });
    await settled(FORM_ID, 1);
    await s.page.locator('table.app-list tbody tr', { hasText: 'ui' }).first().waitFor({ timeout: 30_000 });
  });

  it('Create Application, JSON mode: a 422 for container.networkInterfaces is shown per field; the fixed app keeps the extension', async () => {
    await s.page.goto(`${base}/stock/index.html#/apps?modal=new-app`);
    await s.page.locator('label[for=json-toggle]').click({ timeout: 30_000 });
    const app = (interfaceName: string): Record<string, unknown> => ({
      id: VNET_ID, cmd: 'exec sleep 600', cpus: 0.1, mem: 32, instances: 0,
      container: { type: 'MESOS', networkInterfaces: [{ networkName: 'nw-ui', interfaceName, bootproto: 'dhcp' }] },
    });
    await setJsonEditor(s.page, JSON.stringify(app('lo'), null, 2));
    await s.page.locator('.app-modal button[type=submit]').click();
    // the UI files details whose path it has no form field for under "general" and shows their errors
    await eventuallyMatches(() => s.page.locator('.app-modal .app-error-block').innerText(), /general: lo is the loopback interface/, 30_000);
    assert.equal(await apiApp(c.serve.url, VNET_ID), undefined, 'nothing created');
    await setJsonEditor(s.page, JSON.stringify(app('eth0'), null, 2));
    await s.page.locator('.app-modal button[type=submit]').click();
    await s.page.locator('.app-modal').waitFor({ state: 'detached', timeout: 30_000 });
    const a = await until(() => apiApp(c.serve.url, VNET_ID), (x) => x !== undefined, 'the JSON-mode app exists');
    const nics = (a?.container?.networkInterfaces ?? []) as Array<Record<string, unknown>>;
    assert.equal(nics.length, 1);
    assert.equal(nics[0]?.networkName, 'nw-ui');
    assert.equal(nics[0]?.interfaceName, 'eth0');
    await s.page.goto(appPage(VNET_ID));
    await eventuallyMatches(() => s.page.locator('body').innerText(), /Suspended[\s\S]*0 of 0 instances/, 30_000);
  });

  it('Edit (form) of the networkInterfaces app: its "container": null and echoed networks keep the interfaces', async () => {
    await openEditModal(VNET_ID);
    await s.page.fill('#cpus', '0.3');
    await s.page.locator('.app-modal button[type=submit]').click();
    await s.page.locator('.app-modal').waitFor({ state: 'detached', timeout: 30_000 });
    const a = await until(() => apiApp(c.serve.url, VNET_ID), (x) => x?.cpus === 0.3, 'cpus 0.3 stored');
    const nics = (a?.container?.networkInterfaces ?? []) as Array<Record<string, unknown>>;
    assert.deepEqual(nics.map((n) => [n.networkName, n.interfaceName]), [['nw-ui', 'eth0']], 'interfaces kept');
  });

  it('Scale Application: PUT {instances} on the app; two tasks listed', async () => {
    await s.page.goto(appPage(FORM_ID));
    await s.page.locator('button', { hasText: 'Scale Application' }).click({ timeout: 30_000 });
    await s.page.locator('.modal input').fill('2');
    await dialogButton(s.page, 'Scale Application');
    await settled(FORM_ID, 2);
    await until(() => s.page.locator('table.task-list tbody tr').count(), (n) => n === 2, 'two task rows');
  });

  it('Restart: POST restart {force:false}; every task replaced', async () => {
    const old = await runningTasks(FORM_ID);
    await s.page.locator('button', { hasText: 'Restart' }).click();
    await dialogButton(s.page, 'Restart Application');
    await until(() => runningTasks(FORM_ID), (ids) => ids.length === 2 && ids.every((id) => !old.includes(id)), 'two new tasks');
    await settled(FORM_ID, 2);
  });

  it('Kill, then Kill & Scale: POST /v2/tasks/delete (and ?scale=true) with the selected ids', async () => {
    await s.page.goto(appPage(FORM_ID));
    const rows = s.page.locator('table.task-list tbody tr');
    const old = await uiShowsTasks(FORM_ID);
    assert.equal(old.length, 2);
    await rows.first().locator('input[type=checkbox]').check();
    await s.page.locator('button', { hasText: /^\s*Kill\s*$/ }).click();
    await until(() => runningTasks(FORM_ID), (ids) => ids.length === 2 && ids.filter((id) => old.includes(id)).length === 1, 'one task killed and replaced');
    await settled(FORM_ID, 2);
    await uiShowsTasks(FORM_ID);
    await rows.first().locator('input[type=checkbox]').check();
    await s.page.locator('button', { hasText: 'Kill & Scale' }).click();
    await settled(FORM_ID, 1);
  });

  it('Edit (form): PUT with only the changed fields (cpus, env, labels); the rest of the app stays', async () => {
    await openEditModal(FORM_ID);
    await s.page.fill('#cpus', '0.2');
    await s.page.locator('.app-modal', { hasText: 'Environment Variables' }).locator('text=Environment Variables').first().click();
    await s.page.fill('[id="env.key.0"]', 'GREETING');
    await s.page.fill('[id="env.value.0"]', 'hello');
    await s.page.locator('.app-modal').locator('text=Labels').first().click();
    await s.page.fill('[id="labels.key.0"]', 'tier');
    await s.page.fill('[id="labels.value.0"]', 'web');
    await s.page.locator('.app-modal button[type=submit]', { hasText: 'Change and deploy configuration' }).click();
    await s.page.locator('.app-modal').waitFor({ state: 'detached', timeout: 30_000 });
    const a = await until(() => apiApp(c.serve.url, FORM_ID), (x) => x?.cpus === 0.2 && x.deployments.length === 0 && x.tasksRunning === 1, 'cpus 0.2 deployed');
    assert.equal(a?.env.GREETING, 'hello');
    assert.equal(a?.labels.tier, 'web');
    assert.equal(a?.mem, 32, 'unchanged fields kept');
    assert.equal(a?.instances, 1);
  });

  it('Deployments: a deployment that cannot finish is listed; Rollback (DELETE /v2/deployments/{id}) reverts the app', async () => {
    await openEditModal(FORM_ID);
    await s.page.fill('#cpus', '100');
    await s.page.locator('.app-modal button[type=submit]').click();
    await s.page.locator('.app-modal').waitFor({ state: 'detached', timeout: 30_000 });
    await until(() => apiApp(c.serve.url, FORM_ID), (x) => x?.cpus === 100 && x.deployments.length === 1, 'a stuck deployment');
    await s.page.goto(`${base}/stock/index.html#/deployments`);
    const row = s.page.locator('tr', { hasText: FORM_ID }).first();
    await row.waitFor({ timeout: 30_000 });
    await row.locator('button', { hasText: 'Rollback' }).click();
    await dialogButton(s.page, 'Rollback deployment');
    await until(() => apiApp(c.serve.url, FORM_ID), (x) => x?.cpus === 0.2 && x.deployments.length === 0 && x.tasksRunning === 1, 'rolled back to cpus 0.2');
    await until(() => s.page.locator('tr', { hasText: FORM_ID }).count(), (n) => n === 0, 'the deployment leaves the list');
  });

  it('a locked app: Scale and Restart answer 409 with deployments, the UI asks and retries with ?force=true; a 409 on create is shown', async () => {
    await openEditModal(FORM_ID);
    await s.page.fill('#cpus', '100');
    await s.page.locator('.app-modal button[type=submit]').click();
    await s.page.locator('.app-modal').waitFor({ state: 'detached', timeout: 30_000 });
    await until(() => apiApp(c.serve.url, FORM_ID), (x) => x?.cpus === 100 && x.deployments.length === 1, 'a stuck deployment');
    await s.page.goto(appPage(FORM_ID));
    await s.page.locator('button', { hasText: 'Scale Application' }).click({ timeout: 30_000 });
    await s.page.locator('.modal input').fill('2');
    await dialogButton(s.page, 'Scale Application');
    await dialogButton(s.page, 'Stop Current Deployment and Scale');
    await until(() => apiApp(c.serve.url, FORM_ID), (x) => x?.instances === 2 && x.deployments.length === 1, 'forced scale stored');
    const dep = (await apiApp(c.serve.url, FORM_ID))?.deployments[0]?.id;
    await s.page.locator('button', { hasText: 'Restart' }).click();
    await dialogButton(s.page, 'Restart Application');
    await dialogButton(s.page, 'Stop Current Deployment and Restart');
    await until(() => apiApp(c.serve.url, FORM_ID), (x) => x?.deployments.length === 1 && x.deployments[0]?.id !== dep, 'forced restart replaced the deployment');
    // creating an app whose id exists: the modal shows our 409's message
    await s.page.goto(`${base}/stock/index.html#/apps?modal=new-app`);
    await s.page.locator('#appId').waitFor({ timeout: 30_000 });
    await s.page.fill('#appId', FORM_ID);
    await s.page.fill('#cmd', 'exec sleep 600');
    await s.page.locator('.app-modal button[type=submit]').click();
    await eventuallyMatches(() => s.page.locator('.app-modal .app-error-block').innerText(), /An app with id \[\/ui\/form\] already exists/, 30_000);
    await s.page.locator('.app-modal button', { hasText: 'Cancel' }).click();
  });

  it('groups: Create Group (POST /v2/groups), Scale By (PUT {scaleBy}), Suspend (scaleBy 0), Destroy (DELETE /v2/groups/{id})', async () => {
    const GROUP = '/grp';
    const APP = '/grp/a';
    await s.page.goto(`${base}/stock/index.html#/apps?modal=new-group`);
    // the group modal reads its input on keyup: type it
    await s.page.locator('.modal input').first().click({ timeout: 30_000 });
    await s.page.keyboard.type('grp');
    await s.page.locator('.modal button', { hasText: 'Create Group' }).click();
    await until(async () => (await fetch(`${c.serve.url}/v2/groups${GROUP}`)).status, (st) => st === 200, 'the group exists');
    const r = await fetch(`${c.serve.url}/v2/apps`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id: APP, cmd: 'exec sleep 600', cpus: 0.1, mem: 32, instances: 1 }) });
    assert.equal(r.status, 201);
    await settled(APP, 1);
    const groupAction = async (item: string): Promise<void> => {
      await s.page.goto(`${base}/stock/index.html#/apps`);
      await s.page.reload();
      const row = s.page.locator('table.app-list tbody tr', { hasText: 'grp' }).first();
      await row.waitFor({ timeout: 30_000 });
      await row.locator('td.actions-cell').click();
      await row.locator('.dropdown-menu a', { hasText: item }).click();
    };
    await groupAction('Scale By');
    await s.page.locator('.modal input').fill('2');
    await dialogButton(s.page, 'Scale Group');
    await settled(APP, 2);
    await groupAction('Suspend');
    await dialogButton(s.page, 'Suspend Group');
    await settled(APP, 0);
    await groupAction('Destroy');
    await dialogButton(s.page, 'Destroy Group');
    await until(async () => (await fetch(`${c.serve.url}/v2/groups${GROUP}`)).status, (st) => st === 404, 'the group is gone');
    assert.equal(await apiApp(c.serve.url, APP), undefined);
  });

  it('Suspend: PUT {instances:0} (forced after the 409), the app shows Suspended; Destroy: DELETE, the app is gone', async () => {
    await s.page.goto(appPage(FORM_ID));
    await s.page.locator('button:has(.caret)').first().click({ timeout: 30_000 });
    await s.page.locator('a', { hasText: 'Suspend' }).click();
    await dialogButton(s.page, 'Suspend Application');
    await dialogButton(s.page, 'Stop Current Deployment and Scale');
    await settled(FORM_ID, 0);
    await eventuallyMatches(() => s.page.locator('body').innerText(), /Suspended/, 30_000);
    for (const id of [FORM_ID, VNET_ID]) {
      await s.page.goto(appPage(id));
      await s.page.locator('button:has(.caret)').first().click({ timeout: 30_000 });
      await s.page.locator('a', { hasText: 'Destroy' }).click();
      await dialogButton(s.page, 'Destroy Application');
      await until(() => apiApp(c.serve.url, id), (x) => x === undefined, `${id} deleted`);
      await s.page.waitForURL(/#\/apps\/?(\?.*)?$/, { timeout: 30_000 });
    }
    await screenshot(s.page, 'stock-ui-after-writes');
    assert.deepEqual(s.problems.filter((p) => !/status of (409|422)/.test(p)), [], 'no errors in the page');
  });
});
