// The Networks page draws the OpenVNet DHCP (lease-policy) pools that GET /v2/networks reports:
// real server with --openvnet (embedded webapi, sample networks), LocalMaster, headless Chromium.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { http, readSample, runningTasks } from '../integration/serve-fixture';
import { startVnetCluster, type VnetCluster } from '../integration/serve-vnet-fixture';
import { eventuallyMatches, openBrowser, screenshot, textOf, type BrowserSession } from './ui-browser-kit';
import { describeNeeding } from '../helpers/requires';

describeNeeding(['chromium'], 'UI Networks page with OpenVNet DHCP pools', function () {
  this.timeout(60000);
  let v: VnetCluster | undefined;
  let s: BrowserSession | undefined;

  before(async function () {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ui = require(path.resolve(__dirname, '..', '..', '..', 'src', 'ui', 'build.js')) as { build(): Promise<unknown> };
    await ui.build();
    v = await startVnetCluster({ serve: { ui: true } });
    s = await openBrowser();
  });
  after(async () => {
    await s?.close();
    await v?.close();
  });

  it('shows the lease-policy pool with its use next to the attached DHCP task', async () => {
    const base = v!.cluster.serve.url;
    assert.equal((await http(base, 'POST', '/v2/apps', readSample('vnettest.json'))).status, 201);
    const [task] = await runningTasks(base, '/vnettest', 1);
    const address = v!.leased.get(`${task.id}/nw-vnet1`) ?? 'none';
    await s!.page.goto(`${base}/ui/#/networks`);
    const vnet1 = s!.page.locator('section[data-network="nw-vnet1"]');
    await eventuallyMatches(() => textOf(vnet1), /DHCP lp-vnet1 10\.0\.0\.100–10\.0\.0\.200\s*.*1 of 101 used \(1%\)/, 10000);
    assert.equal(await vnet1.locator('meter').getAttribute('value'), '1');
    assert.equal(await vnet1.locator('meter').getAttribute('max'), '101');
    assert.match(await textOf(vnet1.locator('table.attachments')), new RegExp(`${address.replace(/\./g, '\\.')}/24`));
    const vnet2 = s!.page.locator('section[data-network="nw-vnet2"]');
    assert.match(await textOf(vnet2), /DHCP lp-vnet2 10\.0\.0\.100–10\.0\.0\.200\s*.*0 of 101 used \(0%\)/);
    await screenshot(s!.page, 'real-networks-dhcp');
  });
});
