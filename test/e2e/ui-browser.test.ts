// The UI in headless Chromium against a scripted Marathon API (ui-fake-marathon.ts): every page,
// the editor's 422 mapping, the 409 → force dialog, live updates, the disconnected banner,
// keyboard focus in dialogs, and no CSP violations. Screenshots go to test-artifacts/screenshots/.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { NO_DOCKER_NOTE as NOTE } from '../../src/local/cni-isolator';
import {
  buildUi, documentStillMarked, eventuallyMatches, focusedSummary, isFocused, markDocument, openBrowser, screenshot, selectedText, textOf,
  type BrowserSession,
} from './ui-browser-kit';
import { FakeMarathon } from './ui-fake-marathon';
import { describeNeeding } from '../helpers/requires';

const REPO = path.resolve(__dirname, '..', '..', '..');

const eventually = (read: () => Promise<string>, want: RegExp): Promise<string> => eventuallyMatches(read, want, 8000);

async function setEditor(page: Page, text: string): Promise<void> {
  await page.locator('textarea.editor-text').fill(text);
}

describeNeeding(['chromium'], 'UI in the browser (scripted API)', function () {
  this.timeout(60000);
  let fake: FakeMarathon;
  let base: string;
  let s: BrowserSession;
  let cleanup: () => void = () => undefined;

  before(async function () {
    const built = await buildUi();
    cleanup = built.cleanup;
    fake = new FakeMarathon(built.dir);
    base = await fake.start();
    s = await openBrowser();
  });

  after(async () => {
    await s?.close();
    await fake?.stop();
    cleanup();
  });

  it('starts on the apps page, live, with nothing deployed', async () => {
    await s.page.goto(`${base}/ui/`);
    await eventually(() => textOf(s.page.locator('#live')), /Live/);
    await eventually(() => textOf(s.page.locator('table.apps tbody')), /No applications yet/);
    assert.equal(await s.page.title(), 'Applications · marathon-vnet');
  });

  it('shows a 422 next to the offending field in the JSON editor', async () => {
    await s.page.getByRole('link', { name: 'Create app', exact: true }).first().click();
    const editor = s.page.locator('textarea.editor-text');
    const sample = await editor.inputValue();
    assert.deepEqual(JSON.parse(sample), JSON.parse(fs.readFileSync(path.join(REPO, 'samples', 'apps', 'vnettest.json'), 'utf8')), 'prefilled with the sample app');
    const broken = JSON.parse(sample) as { id: string; container: { networkInterfaces: Array<{ ipAddress: string }> } };
    broken.id = 'vnettest';
    broken.container.networkInterfaces[1].ipAddress = '192.168.0.999';
    const text = JSON.stringify(broken, null, 2);
    await setEditor(s.page, text);
    await s.page.getByRole('button', { name: 'Create app' }).click();
    const item = s.page.locator('.editor-errors li[data-path="/container/networkInterfaces(1)/ipAddress"]');
    await item.waitFor();
    const line = text.split('\n').findIndex((l) => l.includes('192.168.0.999')) + 1;
    assert.match(await textOf(item), new RegExp(`^Line ${line} /container/networkInterfaces\\(1\\)/ipAddress: must be an IPv4 address`));
    // The message sits on that line in the editor, the key is marked and the gutter flags the line.
    const note = s.page.locator('.editor-backdrop .err-line');
    assert.equal(await note.count(), 1);
    assert.match(await textOf(note), /"ipAddress".*must be an IPv4 address/);
    assert.equal(await textOf(note.locator('mark.err-key')), '"ipAddress"');
    assert.equal(await textOf(s.page.locator('.gutter-error')), `! ${line}`);
    assert.equal(await editor.getAttribute('aria-invalid'), 'true');
    await screenshot(s.page, 'create-422');
    // Jumping from the list selects the key in the editor.
    await item.getByRole('button').click();
    assert.equal(await selectedText(editor), '"ipAddress"');
  });

  it('creates the sample app from the editor and shows its task with both interfaces', async () => {
    // The agent's status message (here local mode's note without Docker) reaches the UI only
    // through /v2/events: the task row shows it.
    fake.runningMessage = NOTE;
    await s.page.getByRole('button', { name: 'Reset to sample' }).click();
    await s.page.getByRole('button', { name: 'Create app' }).click();
    await s.page.waitForURL(/#\/apps\/%2Fvnettest$/);
    const task = s.page.locator('table.tasks tbody.task');
    await eventually(async () => String(await task.count()), /^1$/);
    await eventually(() => textOf(task.locator('.task-note')), new RegExp(`^${NOTE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    fake.runningMessage = '';
    const rows = task.locator('tr');
    assert.equal(await rows.count(), 2, 'one row per interface');
    const first = await textOf(rows.nth(0));
    const second = await textOf(rows.nth(1));
    assert.match(first, /eth0 nw-vnet1 02:5a:00:00:00:01 10\.100\.0\.101\/24 DHCP/);
    assert.match(second, /eth1 nw-vnet3 02:5a:00:00:01:01 192\.168\.0\.100\/24 static/);
    await eventually(() => textOf(s.page.locator('.app-status')), /Running/);
    await screenshot(s.page, 'app-detail');
  });

  it('scales from the dialog and the counts follow live, without a reload', async () => {
    await markDocument(s.page);
    const scale = s.page.getByRole('button', { name: 'Scale…' });
    await scale.click();
    const dialog = s.page.locator('dialog[open]');
    const input = dialog.getByLabel('Instances');
    assert.equal(await isFocused(input), true, 'focus moves into the dialog');
    await s.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await isFocused(scale), true, 'focus returns to the opener');

    await scale.click();
    await input.fill('3');
    await s.page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await eventually(() => textOf(s.page.locator('dd[data-col="running"]')), /^3$/);
    assert.equal(await s.page.locator('table.tasks tbody.task').count(), 3);
    assert.ok(await documentStillMarked(s.page), 'no reload happened');
  });

  it('lists apps with status, counts and networks, and filters by id and label', async () => {
    await s.page.getByRole('link', { name: 'Applications' }).first().click();
    const row = s.page.locator('tr[data-app-id="/vnettest"]');
    await row.waitFor();
    assert.match(await textOf(row), /^\/vnettest ● Running 3 3 0 0 0\.1 64 nw-vnet1 nw-vnet3$/);
    await s.page.getByLabel('Filter by label').fill('missing');
    await eventually(() => textOf(s.page.locator('table.apps tbody')), /No application matches/);
    await s.page.getByLabel('Filter by label').fill('');
    await s.page.getByLabel('Search by id').fill('VNET');
    await row.waitFor();
    await s.page.getByLabel('Search by id').fill('');
    await screenshot(s.page, 'apps-list');
  });

  it('asks to stop a running deployment when a scale meets 409, then forces it', async () => {
    const held = { id: 'slow', cmd: 'sleep 3600', instances: 1, labels: { 'fake.hold': 'true' }, container: { type: 'DOCKER', docker: { image: 'busybox' }, networkInterfaces: [{ networkName: 'nw-vnet2', bootproto: 'static', ipRange: '10.0.0.50-10.0.0.59' }] } };
    await s.page.getByRole('link', { name: 'Create app', exact: true }).first().click();
    await setEditor(s.page, JSON.stringify(held, null, 2));
    await s.page.getByRole('button', { name: 'Create app' }).click();
    await s.page.waitForURL(/#\/apps\/%2Fslow$/);
    await eventually(() => textOf(s.page.locator('.app-status')), /Waiting|Deploying/);
    await eventually(() => textOf(s.page.locator('.deployment')), /Step 2 of 2/);
    assert.match(await textOf(s.page.locator('.deployment .waiting-for')), /Waiting for offers: InsufficientCpus \(3 declined\)/);
    await screenshot(s.page, 'app-deploying');
    fake.requests.length = 0;
    await s.page.getByRole('button', { name: 'Scale…' }).click();
    await s.page.locator('dialog[open]').getByLabel('Instances').fill('2');
    await s.page.locator('dialog[open]').getByRole('button', { name: 'Scale' }).click();
    const force = s.page.getByRole('button', { name: 'Stop the current deployment and scale' });
    await force.waitFor();
    assert.match(await textOf(s.page.locator('dialog[open]').last()), /App is locked by one or more deployments/);
    await screenshot(s.page, 'force-dialog');
    await force.click();
    await s.page.locator('dialog[open]').waitFor({ state: 'detached' });
    assert.deepEqual(
      fake.requests.filter((r) => r.startsWith('PUT')),
      ['PUT /v2/apps/slow', 'PUT /v2/apps/slow?force=true'],
    );
    await eventually(async () => String(await s.page.locator('table.tasks tbody.task').count()), /^2$/);
  });

  it('shows networks derived from the apps, with attached tasks and pool fullness', async () => {
    fake.finishDeployments();
    await s.page.getByRole('link', { name: 'Networks' }).click();
    await s.page.locator('.note').waitFor();
    assert.match(await textOf(s.page.locator('.note')), /no \/v2\/networks endpoint/);
    const vnet2 = s.page.locator('section[data-network="nw-vnet2"]');
    await eventually(() => textOf(vnet2), /\/slow eth0 2 of 10 used \(20%\)/);
    assert.equal(await vnet2.locator('meter').getAttribute('value'), '2');
    const vnet3 = s.page.locator('section[data-network="nw-vnet3"]');
    assert.match(await textOf(vnet3), /192\.168\.0\.0\/24/);
    assert.match(await textOf(vnet3), /1 of 1 used \(100%\) — full/);
    assert.equal(await s.page.locator('section[data-network="nw-vnet1"] table.attachments tbody tr').count(), 3);
    await screenshot(s.page, 'networks');
  });

  it('shows a disconnected banner when the event stream drops, and recovers', async () => {
    fake.eventsEnabled = false;
    fake.dropEventStreams();
    const banner = s.page.locator('#banner');
    await banner.waitFor({ state: 'visible' });
    assert.match(await textOf(banner), /Disconnected from the server’s event stream/);
    assert.match(await textOf(s.page.locator('#live')), /Disconnected/);
    await screenshot(s.page, 'disconnected');
    fake.eventsEnabled = true;
    await banner.waitFor({ state: 'hidden', timeout: 15000 });
    assert.match(await textOf(s.page.locator('#live')), /Live/);
  });

  it('restarts and suspends from the app page and shows the last task failure', async () => {
    fake.failures.set('/slow', { appId: '/slow', host: 'agent-1', message: 'Command exited with status 1', state: 'TASK_FAILED', taskId: 'slow.instance-x._app.1', timestamp: '2024-05-01T10:00:30.000Z' });
    await s.page.goto(`${base}/ui/#/apps/%2Fslow`);
    const failure = s.page.locator('section[aria-labelledby="sec-failure"]');
    await eventually(() => textOf(failure), /Last task failure Message Command exited with status 1 State TASK_FAILED/);
    const before = (await s.page.locator('table.tasks tbody.task').evaluateAll((els) => els.map((e) => e.getAttribute('data-task-id')))).sort();
    fake.requests.length = 0;
    await s.page.getByRole('button', { name: 'Restart' }).click();
    await s.page.locator('dialog[open]').getByRole('button', { name: 'Restart' }).click();
    await eventually(async () => {
      const now = await s.page.locator('table.tasks tbody.task').evaluateAll((els) => els.map((e) => e.getAttribute('data-task-id')));
      return now.length === before.length && now.every((id) => !before.includes(id)) ? 'replaced' : now.join(',');
    }, /^replaced$/);
    assert.ok(fake.requests.includes('POST /v2/apps/slow/restart'), fake.requests.join('\n'));

    await s.page.getByRole('button', { name: 'Suspend' }).click();
    await s.page.locator('dialog[open]').getByRole('button', { name: 'Suspend' }).click();
    await eventually(() => textOf(s.page.locator('.app-status')), /‖ Suspended/);
    assert.equal(await s.page.locator('table.tasks tbody.task').count(), 0);
    assert.equal(await s.page.getByRole('button', { name: 'Suspend' }).isDisabled(), true, 'nothing left to suspend');
    await screenshot(s.page, 'app-suspended');
  });

  it('kills selected tasks and destroys an app after confirmation', async () => {
    await s.page.goto(`${base}/ui/#/apps/%2Fvnettest`);
    await eventually(async () => String(await s.page.locator('table.tasks tbody.task').count()), /^3$/);
    const firstId = await s.page.locator('table.tasks tbody.task').first().getAttribute('data-task-id');
    await s.page.getByLabel(`Select task ${firstId}`).check();
    await s.page.getByRole('button', { name: 'Kill selected and scale down' }).click();
    await s.page.locator('dialog[open]').getByRole('button', { name: 'Kill and scale down' }).click();
    await eventually(() => textOf(s.page.locator('dd[data-col="instances"]')), /^2$/);
    assert.equal(await s.page.locator(`tbody.task[data-task-id="${firstId}"]`).count(), 0);

    await s.page.getByRole('button', { name: 'Destroy' }).click();
    const dlg = s.page.locator('dialog[open]');
    assert.equal(await isFocused(dlg.getByRole('button', { name: 'Cancel' })), true, 'the safe choice has focus');
    await dlg.getByRole('button', { name: 'Destroy' }).click();
    await s.page.waitForURL(/#\/apps$/);
    await eventually(() => textOf(s.page.locator('table.apps tbody')), /^(?!.*\/vnettest).*\/slow/);
    assert.equal(fake.apps.has('/vnettest'), false);
  });

  it('keeps every control keyboard-reachable and raised no console or CSP errors', async () => {
    await s.page.goto(`${base}/ui/#/apps`);
    await s.page.locator('tr[data-app-id="/slow"]').waitFor();
    const reached: string[] = [];
    for (let i = 0; i < 12; i++) {
      await s.page.keyboard.press('Tab');
      reached.push(await focusedSummary(s.page));
    }
    const joined = reached.join(' | ');
    for (const want of [/a:Skip to content/, /a:Applications/, /a:Networks/, /a:Create app/, /input:search-id/, /input:search-label/, /a:\/slow/]) assert.match(joined, want);
    assert.deepEqual(s.problems, []);
  });
});
