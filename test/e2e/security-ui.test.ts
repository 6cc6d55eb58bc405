// The UI in headless Chromium against serve with basic auth: the browser answers the Basic
// challenge (playwright-core httpCredentials), the page loads under its CSP, live updates flow
// over the authenticated event stream, and a write from the UI (same origin, with an Origin
// header) passes the cross-origin guard. Without credentials the browser gets 401 and no data.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CredentialStore } from '../../src/server/security/credentials';
import { startCluster, type Cluster } from '../integration/serve-fixture';
import { basic, capturingLogger, request } from '../integration/security-kit';
import { CHROMIUM, screenshot } from './ui-browser-kit';
import { describeNeeding } from '../helpers/requires';

const PASSWORD = 'ui-Pw-2b7c';

async function textUntil(page: Page, selector: string, want: RegExp, timeoutMs = 15_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    last = await page.locator(selector).innerText().then((t) => t.replace(/\s+/g, ' ').trim(), (e: unknown) => `<${String(e)}>`);
    if (want.test(last)) return last;
    if (Date.now() > until) assert.fail(`expected ${want} in ${selector}, saw: ${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describeNeeding(['chromium'], 'security: the UI with basic auth in a real browser', function () {
  this.timeout(90_000);
  let c: Cluster;
  let browser: Browser;
  let context: BrowserContext;
  const problems: string[] = [];
  const log = capturingLogger();

  before(async function () {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ui = require(path.resolve(__dirname, '..', '..', '..', 'src', 'ui', 'build.js')) as { build(): Promise<unknown> };
    await ui.build();
    c = await startCluster({
      serve: { ui: true, logger: log.logger, security: { options: { credentials: new CredentialStore([{ username: 'ops', password: PASSWORD }]) } } },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, httpCredentials: { username: 'ops', password: PASSWORD } });
    await context.exposeFunction('__mvnCspViolation', (what: string) => problems.push(`csp: ${what}`));
    await context.addInitScript({
      content: "document.addEventListener('securitypolicyviolation', (e) => window.__mvnCspViolation(e.violatedDirective + ' ' + e.blockedURI));",
    });
  });

  after(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await c?.close();
  });

  it('with a wrong password the browser gets 401 and a Basic challenge, and no data', async () => {
    // Headless Chromium cannot show the login dialog: a context with no credentials at all only
    // gets net::ERR_INVALID_AUTH_CREDENTIALS. A wrong password is tried once, then the 401 shows.
    const intruder = await browser.newContext({ httpCredentials: { username: 'ops', password: 'guess' } });
    try {
      const page = await intruder.newPage();
      const res = await page.goto(`${c.serve.url}/ui/`);
      assert.equal(res?.status(), 401);
      assert.match(String(await res?.headerValue('www-authenticate')), /^Basic realm="Mesosphere"/);
      assert.doesNotMatch(await page.content(), /<script/);
      const anonymous = await browser.newContext();
      await assert.rejects(anonymous.newPage().then((p) => p.goto(`${c.serve.url}/ui/`)), /ERR_INVALID_AUTH_CREDENTIALS/);
      await anonymous.close();
    } finally {
      await intruder.close();
    }
  });

  it('logs in with the Basic credentials, loads under its CSP and goes live', async () => {
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error' && !/v2\/events|Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`); });
    const res = await page.goto(`${c.serve.url}/ui/`);
    assert.equal(res?.status(), 200);
    assert.match(String(await res?.headerValue('content-security-policy')), /frame-ancestors 'none'/);
    assert.equal(await res?.headerValue('x-frame-options'), 'DENY');
    assert.equal(await res?.headerValue('x-content-type-options'), 'nosniff');
    await textUntil(page, '#live', /Live/);
    await textUntil(page, 'table.apps tbody', /No applications yet/);

    // An app created by curl shows up without a reload (polls and the event stream are authenticated).
    const created = await request(`${c.serve.url}/v2/apps`, {
      method: 'POST', headers: { Authorization: basic('ops', PASSWORD) },
      body: '{"id":"/secure/web","cmd":"sleep 100","cpus":0.1,"mem":16,"instances":1}',
    });
    assert.equal(created.status, 201, created.text);
    await textUntil(page, 'tr[data-app-id="/secure/web"]', /Running/);
    await screenshot(page, 'security-ui-logged-in');
    await page.close();
  });

  it('writes from the UI pass: same origin with credentials (scale from the dialog)', async () => {
    const page = await context.newPage();
    await page.goto(`${c.serve.url}/ui/#/apps/%2Fsecure%2Fweb`);
    await textUntil(page, '.app-status', /Running/);
    await page.getByRole('button', { name: 'Scale…' }).click();
    await page.locator('dialog[open]').getByLabel('Instances').fill('2');
    await page.locator('dialog[open]').getByRole('button', { name: 'Scale' }).click();
    await page.locator('dialog[open]').waitFor({ state: 'detached' });
    await textUntil(page, 'dd[data-col="running"]', /^2$/);
    const app = await request(`${c.serve.url}/v2/apps/secure/web`, { headers: { Authorization: basic('ops', PASSWORD) } });
    assert.equal(app.json<{ app: { instances: number } }>().app.instances, 2);
    await page.close();
  });

  it('saw no CSP violation or page error, and logged no password', () => {
    assert.deepEqual(problems, []);
    assert.ok(!log.lines.join('').includes(PASSWORD));
  });
});
