// What a serve restart (or a new leader) must keep beyond apps and tasks (issue 14): the results
// of the checks serve runs itself (healthCheckResults, with their first success), groups kept
// empty, and group versions, dependencies and enforceRole. Shared by the file-state and the
// ZooKeeper-state restart tests; the cluster's agent must be named 127.0.0.1 (serve probes it).
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually, http as call, type Cluster } from './serve-fixture';

interface HealthResult { alive: boolean; firstSuccess: string | null; consecutiveFailures: number }
interface TaskJson { id: string; healthCheckResults?: HealthResult[] }

export async function groupsAndHealthSurviveRestart(c: Cluster): Promise<void> {
  const server = http.createServer((_req, res) => { res.writeHead(204); res.end(); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    const base0 = c.serve.url;
    const ok = async (method: string, url: string, body?: unknown, want = [200, 201]): Promise<void> => {
      const r = await call(base0, method, url, body);
      assert.ok(want.includes(r.status), `${method} ${url}: ${r.status} ${r.text}`);
    };
    await ok('POST', '/v2/apps', { id: '/keep/hc', cmd: 'sleep 100', cpus: 0.01, mem: 1, healthChecks: [{ protocol: 'HTTP', port, path: '/', gracePeriodSeconds: 0, intervalSeconds: 1, timeoutSeconds: 1 }] });
    await ok('POST', '/v2/groups', { id: '/keep/empty' });
    await ok('POST', '/v2/groups', { id: '/keep/deps', dependencies: ['/keep/hc'], apps: [{ id: 'a', cmd: 'sleep 100', cpus: 0.01, mem: 1, instances: 0 }] });
    await ok('POST', '/v2/groups', { id: '/top', apps: [{ id: 'x', cmd: 'sleep 100', cpus: 0.01, mem: 1, instances: 0 }] });
    await ok('PATCH', '/v2/groups/top', { enforceRole: true }, [200, 204]);
    await ok('POST', '/v2/apps', { id: '/left/only', cmd: 'sleep 100', cpus: 0.01, mem: 1, instances: 0 });
    await ok('DELETE', '/v2/apps/left/only?force=true');

    const healthy = await eventually('/keep/hc healthy', async () => {
      const r = await call<{ tasks: TaskJson[] }>(base0, 'GET', '/v2/apps/keep/hc/tasks');
      const h = r.body.tasks[0]?.healthCheckResults?.[0];
      return h?.alive === true ? { taskId: (r.body.tasks[0] as TaskJson).id, firstSuccess: h.firstSuccess } : undefined;
    });
    const groupsBefore = await call<Record<string, unknown>>(base0, 'GET', '/v2/groups?embed=group.groups');
    const depsBefore = await call<Record<string, unknown>>(base0, 'GET', '/v2/groups/keep/deps');
    const topBefore = await call<Record<string, unknown>>(base0, 'GET', '/v2/groups/top');
    const versionsBefore = await call<string[]>(base0, 'GET', '/v2/groups/keep/deps/versions');
    assert.deepEqual(depsBefore.body.dependencies, ['/keep/hc']);
    assert.equal(topBefore.body.enforceRole, true);

    const serve = await c.restartServe();
    const base = serve.url;
    // health: the stored result is reported from the start, with its first success
    const t = await eventually('the task after the restart', async () => {
      const r = await call<{ tasks: TaskJson[] }>(base, 'GET', '/v2/apps/keep/hc/tasks');
      return r.status === 200 && r.body.tasks.length === 1 ? r.body.tasks[0] : undefined;
    });
    assert.equal(t.id, healthy.taskId, 'the same task');
    const h = t.healthCheckResults?.[0];
    assert.ok(h !== undefined, 'healthCheckResults kept');
    assert.equal(h.firstSuccess, healthy.firstSuccess, 'the first success before the restart');
    assert.equal(h.alive, true);
    // groups: kept empty, versions, dependencies, enforceRole
    assert.equal((await call(base, 'GET', '/v2/groups/keep/empty')).status, 200, 'a group created empty');
    const left = await call<{ apps: unknown[] }>(base, 'GET', '/v2/groups/left');
    assert.equal(left.status, 200, 'a group left empty by its last app');
    assert.deepEqual(left.body.apps, []);
    assert.deepEqual((await call(base, 'GET', '/v2/groups/keep/deps')).body, depsBefore.body);
    assert.deepEqual((await call(base, 'GET', '/v2/groups/top')).body, topBefore.body);
    assert.deepEqual((await call(base, 'GET', '/v2/groups/keep/deps/versions')).body, versionsBefore.body);
    const groupsAfter = await call<Record<string, unknown>>(base, 'GET', '/v2/groups?embed=group.groups');
    assert.deepEqual(groupsAfter.body, groupsBefore.body, 'the whole tree, versions included');
    // deleting a group removes its records for good
    assert.equal((await call(base, 'DELETE', '/v2/groups/keep/empty?force=true')).status, 200);
    const serve2 = await c.restartServe();
    assert.equal((await call(serve2.url, 'GET', '/v2/groups/keep/empty')).status, 404);
  } finally {
    server.close();
  }
}
