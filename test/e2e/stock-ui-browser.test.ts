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
import { normalizeRecorded, type RecordedRequest, type Substitutions } from '../helpers/stock-ui-requests';

const STOCK_DIR = process.env.MVN_STOCK_UI_DIR;
const RECORD = process.env.MVN_STOCK_UI_RECORD;

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.woff': 'font/woff', '.ico': 'image/x-icon', '.png': 'image/png', '.svg': 'image/svg+xml' };

/** The built UI under /stock/ and everything else forwarded to serve: one origin, as Marathon serves its UI. */
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
    const fwd = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    fwd.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
    req.pipe(fwd);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
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
  const seen: Array<{ method: string; url: string; status: number }> = [];

  before(async () => {
    c = await startStockUiCluster();
    proxy = await uiProxy(STOCK_DIR as string, c.serve.url);
    base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const r = await fetch(`${c.serve.url}/v2/apps`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(stockApp()) });
    assert.equal(r.status, 201, await r.text());
    s = await openBrowser();
    s.page.on('response', (res) => seen.push({ method: res.request().method(), url: res.url(), status: res.status() }));
  });

  after(async () => {
    if (RECORD !== undefined && c !== undefined) {
      const recorded: RecordedRequest[] = normalizeRecorded(seen, { marathon: base, master: c.masterUrl, agent: c.agentUrl }, await runValues(c));
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
});
