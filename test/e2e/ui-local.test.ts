// The UI end to end in headless Chromium against the real server (startServe with the UI
// mounted) and a LocalMaster with simulated agents, all on 127.0.0.1:0: create the sample from
// the JSON editor, see its interfaces, hit a 422 next to its field, scale a pool app live,
// stop a stuck deployment with the 409 → force dialog, look at the networks, destroy.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { http, readSample, startCluster, type Cluster } from '../integration/serve-fixture';
import { documentStillMarked, eventuallyMatches, markDocument, openBrowser, screenshot, textOf, type BrowserSession } from './ui-browser-kit';
import { describeNeeding } from '../helpers/requires';

const STUCK = 'ui-stuck';

const eventually = (read: () => Promise<string>, want: RegExp): Promise<string> => eventuallyMatches(read, want, 10000);

describeNeeding(['chromium'], 'UI against the real server and local master', function () {
  this.timeout(60000);
  let c: Cluster;
  let s: BrowserSession;
  let base: string;

  before(async function () {
    // The server serves dist/ui (its default); build it from the current sources first.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ui = require(path.resolve(__dirname, '..', '..', '..', 'src', 'ui', 'build.js')) as { build(): Promise<unknown> };
    await ui.build();
    c = await startCluster({
      serve: { ui: true },
      // Tasks of the "stuck" app never leave STAGING, so its deployment stays open.
      agent: { behaviour: (task) => (task.name?.includes(STUCK) ? { taskDelayMs: 120_000 } : undefined) },
    });
    base = c.serve.url;
    s = await openBrowser();
  });

  after(async () => {
    await s?.close();
    await c?.close();
  });

  it('serves the UI at /ui/ with its security headers', async () => {
    const r = await http(base, 'GET', '/ui/', undefined, { Accept: 'text/html' });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.equal(r.headers.get('x-frame-options'), 'DENY');
    await s.page.goto(`${base}/ui/`);
    await eventually(() => textOf(s.page.locator('#live')), /Live/);
    await eventually(() => textOf(s.page.locator('table.apps tbody')), /No applications yet/);
  });

  it('shows the server’s 422 next to the offending field', async () => {
    await s.page.goto(`${base}/ui/#/create`);
    const editor = s.page.locator('textarea.editor-text');
    const sample = JSON.parse(await editor.inputValue()) as { container: { networkInterfaces: Array<Record<string, string>> } };
    sample.container.networkInterfaces[1].ipAddress = '192.168.0.999';
    const text = JSON.stringify(sample, null, 2);
    await editor.fill(text);
    await s.page.getByRole('button', { name: 'Create app' }).click();
    const item = s.page.locator('.editor-errors li[data-path="/container/networkInterfaces(1)/ipAddress"]');
    await item.waitFor();
    const line = text.split('\n').findIndex((l) => l.includes('192.168.0.999')) + 1;
    assert.match(await textOf(item), new RegExp(`^Line ${line} /container/networkInterfaces\\(1\\)/ipAddress: .+`));
    const marked = s.page.locator('.editor-backdrop .err-line');
    assert.match(await textOf(marked), /"ipAddress": "192\.168\.0\.999"/);
    assert.equal(await textOf(marked.locator('mark.err-key')), '"ipAddress"');
    assert.match(await textOf(s.page.locator('.gutter-error')), new RegExp(`! ${line}$`));
    await screenshot(s.page, 'real-create-422');
  });

  it('creates the sample app from the editor and shows its task with both interfaces', async () => {
    await s.page.getByRole('button', { name: 'Reset to sample' }).click();
    await s.page.getByRole('button', { name: 'Create app' }).click();
    await s.page.waitForURL(/#\/apps\/%2Fvnettest$/);
    await eventually(() => textOf(s.page.locator('.app-status')), /Running/);
    const task = s.page.locator('table.tasks tbody.task');
    assert.equal(await task.count(), 1);
    const rows = task.locator('tr');
    await eventually(() => textOf(rows.nth(0)), /running .* eth0 nw-vnet1 02:[0-9a-f:]{14} 10\.77\.0\.\d+(\/\d+)? DHCP$/);
    assert.match(await textOf(rows.nth(1)), /^eth1 nw-vnet3 02:[0-9a-f:]{14} 192\.168\.0\.100\/24 static$/);
    await screenshot(s.page, 'real-app-detail');
  });

  it('refuses to scale the single-address app to 3 and says why in the dialog', async () => {
    await s.page.getByRole('button', { name: 'Scale…' }).click();
    const dialog = s.page.locator('dialog[open]');
    await dialog.getByLabel('Instances').fill('3');
    await dialog.getByRole('button', { name: 'Scale' }).click();
    const err = dialog.locator('.dialog-error');
    await err.waitFor({ state: 'visible' });
    assert.match(await textOf(err), /networkInterfaces\(1\)/);
    await screenshot(s.page, 'real-scale-422');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('scales a pool app to 3 and the counts follow live, without a reload', async () => {
    const pool = { ...readSample('pool.json'), instances: 1 };
    await s.page.goto(`${base}/ui/#/create`);
    await s.page.locator('textarea.editor-text').fill(JSON.stringify(pool, null, 2));
    await s.page.getByRole('button', { name: 'Create app' }).click();
    await s.page.waitForURL(/#\/apps\/%2Fsamples%2Fpool$/);
    await eventually(() => textOf(s.page.locator('dd[data-col="running"]')), /^1$/);
    await markDocument(s.page);
    await s.page.getByRole('button', { name: 'Scale…' }).click();
    await s.page.locator('dialog[open]').getByLabel('Instances').fill('3');
    await s.page.keyboard.press('Enter');
    await s.page.locator('dialog[open]').waitFor({ state: 'detached' });
    await eventually(() => textOf(s.page.locator('dd[data-col="running"]')), /^3$/);
    await eventually(async () => String(await s.page.locator('table.tasks tbody.task').count()), /^3$/);
    assert.ok(await documentStillMarked(s.page), 'no reload happened');
    const addresses = await s.page.locator('table.tasks tbody.task td:nth-last-child(2) code').allInnerTexts();
    assert.deepEqual(addresses.map((a) => a.split('/')[0]).sort(), ['10.0.0.50', '10.0.0.51', '10.0.0.52']);
    await screenshot(s.page, 'real-pool-scaled');
  });

  it('lists the apps with status, counts and networks', async () => {
    await s.page.getByRole('link', { name: 'Applications' }).first().click();
    await eventually(() => textOf(s.page.locator('tr[data-app-id="/samples/pool"]')), /^\/samples\/pool ● Running 3 3 0 0 0\.1 32 nw-vnet2$/);
    assert.match(await textOf(s.page.locator('tr[data-app-id="/vnettest"]')), /^\/vnettest ● Running 1 1 0 0 0\.1 64 nw-vnet1 nw-vnet3$/);
    await s.page.getByLabel('Filter by label').fill('sample=pool');
    await eventually(() => textOf(s.page.locator('table.apps tbody')), /^\/samples\/pool\b(?!.*vnettest)/);
    await s.page.getByLabel('Filter by label').fill('');
    await screenshot(s.page, 'real-apps-list');
  });

  it('asks to stop a stuck deployment when a scale meets 409, then forces it', async () => {
    const stuck = { id: STUCK, cmd: 'sleep 3600', cpus: 0.1, mem: 16, instances: 1, container: { type: 'DOCKER', docker: { image: 'busybox' }, networkInterfaces: [{ networkName: 'nw-vnet1', bootproto: 'dhcp' }] } };
    const created = await http(base, 'POST', '/v2/apps', stuck);
    assert.equal(created.status, 201, created.text);
    await s.page.goto(`${base}/ui/#/apps/%2F${STUCK}`);
    await eventually(() => textOf(s.page.locator('.app-status')), /Deploying|Waiting/);
    await eventually(() => textOf(s.page.locator('.deployment')), /Step \d of \d/);
    await screenshot(s.page, 'real-deploying');
    await s.page.getByRole('button', { name: 'Scale…' }).click();
    await s.page.locator('dialog[open]').getByLabel('Instances').fill('2');
    await s.page.locator('dialog[open]').getByRole('button', { name: 'Scale' }).click();
    const force = s.page.getByRole('button', { name: 'Stop the current deployment and scale' });
    await force.waitFor();
    assert.match(await textOf(s.page.locator('dialog[open]').last()), /locked/i);
    await screenshot(s.page, 'real-force-dialog');
    await force.click();
    await s.page.locator('dialog[open]').waitFor({ state: 'detached' });
    await eventually(() => textOf(s.page.locator('dd[data-col="instances"]')), /^2$/);
    const r = await http<{ app: { instances: number } }>(base, 'GET', `/v2/apps/${STUCK}`);
    assert.equal(r.body.app.instances, 2);
  });

  it('shows the networks with subnets, attached tasks and pool fullness', async () => {
    await s.page.getByRole('link', { name: 'Networks' }).click();
    const vnet2 = s.page.locator('section[data-network="nw-vnet2"]');
    await eventually(() => textOf(vnet2), /\/samples\/pool eth0 3 of 10 used \(30%\)/);
    assert.equal(await vnet2.locator('table.attachments tbody tr').count(), 3);
    const vnet3 = s.page.locator('section[data-network="nw-vnet3"]');
    assert.match(await textOf(vnet3), /1 of 1 used \(100%\) — full/);
    assert.match(await textOf(vnet3), /192\.168\.0\.100\/24/);
    await screenshot(s.page, 'real-networks');
  });

  it('destroys an app after confirmation', async () => {
    await s.page.goto(`${base}/ui/#/apps/%2Fvnettest`);
    await s.page.getByRole('button', { name: 'Destroy' }).waitFor();
    await s.page.getByRole('button', { name: 'Destroy' }).click();
    await s.page.locator('dialog[open]').getByRole('button', { name: 'Destroy' }).click();
    await s.page.waitForURL(/#\/apps$/);
    await eventually(() => textOf(s.page.locator('table.apps tbody')), /^(?!.*\/vnettest).*\/samples\/pool/);
    const r = await http(base, 'GET', '/v2/apps/vnettest');
    assert.equal(r.status, 404);
    assert.deepEqual(s.problems, []);
  });
});
