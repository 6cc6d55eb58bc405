// Restarting serve with the same file state keeps apps, tasks, versions and the framework id,
// and reconciles instead of launching anew.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { groupsAndHealthSurviveRestart } from './restart-keeps';
import { eventually, http, readSample, runningTasks, startCluster, type Cluster } from './serve-fixture';

describe('serve: restart with the same file state', function () {
  this.timeout(30_000);
  let c: Cluster;
  before(async () => { c = await startCluster({ store: 'file' }); });
  after(async () => {
    const dir = c?.dir;
    await c?.close();
    if (dir !== undefined) assert.equal(fs.existsSync(dir), false, 'the private state dir is gone');
  });

  it('keeps apps, tasks, versions and the framework id', async () => {
    const base0 = c.serve.url;
    assert.equal((await http(base0, 'POST', '/v2/apps', readSample('vnettest.json'))).status, 201);
    const app2 = { id: '/plain/sleeper', cmd: 'sleep 100', cpus: 0.1, mem: 16, instances: 2 };
    assert.equal((await http(base0, 'POST', '/v2/apps', app2)).status, 201);
    await runningTasks(base0, '/plain/sleeper', 2);
    assert.equal((await http(base0, 'PUT', '/v2/apps/plain/sleeper', { instances: 3 })).status, 200);
    const tasksBefore = await runningTasks(base0, '/plain/sleeper', 3);
    const vnetBefore = await runningTasks(base0, '/vnettest', 1);
    const infoBefore = await http<{ frameworkId: string }>(base0, 'GET', '/v2/info');
    assert.match(infoBefore.body.frameworkId, /.+/);
    const versionsBefore = await http<{ versions: string[] }>(base0, 'GET', '/v2/apps/plain/sleeper/versions');
    assert.equal(versionsBefore.body.versions.length, 2);
    const launchedBefore = c.launched.size;

    const serve = await c.restartServe();
    const base = serve.url;
    const info = await http<{ frameworkId: string }>(base, 'GET', '/v2/info');
    assert.equal(info.body.frameworkId, infoBefore.body.frameworkId);
    const apps = await http<{ apps: Array<{ id: string; instances: number }> }>(base, 'GET', '/v2/apps');
    assert.deepEqual(apps.body.apps.map((a) => [a.id, a.instances]), [['/plain/sleeper', 3], ['/vnettest', 1]]);
    const versions = await http<{ versions: string[] }>(base, 'GET', '/v2/apps/plain/sleeper/versions');
    assert.deepEqual(versions.body.versions, versionsBefore.body.versions);
    const tasks = await runningTasks(base, '/plain/sleeper', 3);
    assert.deepEqual(tasks.map((t) => t.id).sort(), tasksBefore.map((t) => t.id).sort());
    const vnet = await runningTasks(base, '/vnettest', 1);
    assert.equal(vnet[0].id, vnetBefore[0].id);
    assert.deepEqual(vnet[0].networkInterfaces, vnetBefore[0].networkInterfaces);
    // the framework re-subscribed with its id: the master still knows one framework with our tasks
    await eventually('re-subscribed', () => (c.master.state().frameworks.length === 1 ? true : undefined));
    assert.equal(c.master.state().frameworks[0].id, infoBefore.body.frameworkId);
    assert.equal(c.launched.size, launchedBefore, 'nothing relaunched after the restart');
  });
});

describe('serve: restart with the same file state keeps health results and groups (issue 14)', function () {
  this.timeout(60_000);
  let c: Cluster;
  before(async () => { c = await startCluster({ store: 'file', agent: { hostname: '127.0.0.1' } }); });
  after(async () => { await c?.close(); });

  it('serve-run health results, empty groups, group versions, dependencies and enforceRole', async () => {
    await groupsAndHealthSurviveRestart(c);
  });

  it('a state without group records (written before they were stored) still loads', async () => {
    const base0 = c.serve.url;
    assert.equal((await http(base0, 'POST', '/v2/apps', { id: '/old/app', cmd: 'sleep 100', cpus: 0.01, mem: 1, instances: 0 })).status, 201);
    const appVersion = (await http<{ app: { version: string } }>(base0, 'GET', '/v2/apps/old/app')).body.app.version;
    await c.serve.close();
    fs.rmSync(path.join(c.dir, 'state', 'groups'), { recursive: true, force: true });
    const serve = await c.restartServe();
    const g = await http<{ version: string; dependencies: string[]; enforceRole: boolean }>(serve.url, 'GET', '/v2/groups/old');
    assert.equal(g.status, 200);
    assert.equal(g.body.version, appVersion, 'without a record: the newest app version inside');
    assert.deepEqual([g.body.dependencies, g.body.enforceRole], [[], false]);
  });
});
