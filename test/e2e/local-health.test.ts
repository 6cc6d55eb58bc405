// Health checks on real processes (issue 14 acceptance): the real `marathon-vnet local` CLI, each
// task in its own network namespace on nw-vnet1 (DHCP). The exec agent runs the MESOS_HTTP check
// inside the task's namespace, as the Mesos executor does: a tiny HTTP server on port 8080 makes
// the task healthy; a check that fails gets the task killed and replaced, with healthCheckResults
// and lastTaskFailure to show for it; a rolling restart with minimumHealthCapacity 1 keeps every
// instance healthy throughout.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { instanceTag } from '../../src/local/names';
import { LocalCli, namespacesMatching } from '../helpers/local-mode';
import { poller } from '../helpers/poll';
import { run as sh } from '../helpers/processes';

const until = poller({ timeoutMs: 60_000, everyMs: 100, retryErrors: true });

interface HealthJson { alive: boolean; consecutiveFailures: number; firstSuccess: string | null; lastFailure: string | null; instanceId: string }
interface TaskJson { id: string; state: string; healthCheckResults: HealthJson[] }
interface AppJson {
  tasks: TaskJson[]; deployments: unknown[]; tasksHealthy: number; tasksUnhealthy: number; tasksRunning: number;
  lastTaskFailure?: { state: string; taskId: string; message: string };
}

const check = (extra: Record<string, unknown>): Record<string, unknown> => ({
  protocol: 'MESOS_HTTP', port: 8080, path: '/', delaySeconds: 0, intervalSeconds: 1, timeoutSeconds: 1, ...extra,
});
const appBody = (id: string, cmd: string, instances: number, hc: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  id, cmd, cpus: 0.05, mem: 16, instances,
  container: { type: 'DOCKER', docker: { image: 'busybox' }, networkInterfaces: [{ networkName: 'nw-vnet1', interfaceName: 'eth0', bootproto: 'dhcp' }] },
  healthChecks: [hc], ...extra,
});

describe('health checks on real processes (local mode, MESOS_HTTP inside the task namespace)', function () {
  this.timeout(240_000);
  let dir: string;
  let tag: string;
  let cli: LocalCli | undefined;

  async function http<T>(method: string, url: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch((cli as LocalCli).api + url, {
      method, headers: body === undefined ? {} : { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
  }
  const app = async (id: string): Promise<AppJson> => (await http<{ app: AppJson }>('GET', `/v2/apps${id}?embed=apps.lastTaskFailure`)).body.app;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mvn-e2e-health-'));
    tag = instanceTag(dir);
    cli = await LocalCli.start({ dataDir: dir, args: ['--no-docker'] });
  });

  after(async () => {
    await cli?.stop();
    for (const ns of await namespacesMatching(`mvn-${tag}-`)) await sh('ip', ['netns', 'del', ns]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a task serving HTTP on 8080 in its namespace becomes healthy', async () => {
    const r = await http('POST', '/v2/apps', appBody('/hc/web', 'exec python3 -m http.server 8080', 1, check({ gracePeriodSeconds: 60, maxConsecutiveFailures: 3 })));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const a = await until('/hc/web healthy', async () => {
      const x = await app('/hc/web');
      return x.tasksHealthy === 1 && x.deployments.length === 0 ? x : undefined;
    });
    assert.equal(a.tasksUnhealthy, 0);
    const h = a.tasks[0]?.healthCheckResults[0];
    assert.ok(h !== undefined && h.alive === true && h.consecutiveFailures === 0 && h.firstSuccess !== null, JSON.stringify(a.tasks[0]));
  });

  it('a task whose check fails is reported unhealthy, killed by the executor and replaced', async () => {
    const r = await http('POST', '/v2/apps', appBody('/hc/broken', 'sleep 3600', 1, check({ gracePeriodSeconds: 0, maxConsecutiveFailures: 2 }), { backoffSeconds: 1 }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const sick = await until('an unhealthy task', async () => {
      const x = await app('/hc/broken');
      const t = x.tasks.find((tk) => tk.healthCheckResults[0]?.alive === false);
      return t !== undefined ? { task: t, app: x } : undefined;
    });
    assert.ok((sick.task.healthCheckResults[0] as HealthJson).consecutiveFailures >= 1);
    assert.ok(sick.app.tasksUnhealthy >= 1);
    const failure = await until('lastTaskFailure of the killed task', async () => {
      const x = await app('/hc/broken');
      return x.lastTaskFailure?.taskId === sick.task.id ? x.lastTaskFailure : undefined;
    });
    assert.equal(failure.state, 'TASK_KILLED');
    await until('a replacement task', async () => {
      const x = await app('/hc/broken');
      return x.tasks.some((t) => t.id !== sick.task.id) ? true : undefined;
    });
    const d = await http('DELETE', '/v2/apps/hc/broken');
    assert.equal(d.status, 200);
  });

  it('a restart of a 3-instance healthy app with minimumHealthCapacity 1 never has fewer than 3 healthy tasks', async () => {
    const body = appBody('/hc/three', 'exec python3 -m http.server 8080', 3, check({ gracePeriodSeconds: 60, maxConsecutiveFailures: 3 }),
      { upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 1 } });
    assert.equal((await http('POST', '/v2/apps', body)).status, 201);
    const before = await until('3 healthy', async () => {
      const x = await app('/hc/three');
      return x.tasksHealthy === 3 && x.deployments.length === 0 ? x : undefined;
    });
    const oldIds = new Set(before.tasks.map((t) => t.id));
    const r = await http<{ deploymentId: string }>('POST', '/v2/apps/hc/three/restart');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    let minHealthy = Infinity;
    let samples = 0;
    const healthyRunning = (x: AppJson): number => x.tasks.filter((t) => t.state === 'TASK_RUNNING' && t.healthCheckResults[0]?.alive === true).length;
    const end = Date.now() + 120_000;
    for (;;) {
      const x = await app('/hc/three');
      samples++;
      minHealthy = Math.min(minHealthy, healthyRunning(x));
      if (x.deployments.length === 0 && x.tasks.length === 3 && x.tasks.every((t) => !oldIds.has(t.id)) && healthyRunning(x) === 3) break;
      if (Date.now() > end) throw new Error(`restart did not finish: ${JSON.stringify(x.tasks.map((t) => [t.id, t.state, t.healthCheckResults]))}`);
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.ok(samples > 5, `sampled ${samples} times`);
    assert.ok(minHealthy >= 3, `healthy tasks dropped to ${minHealthy} during the restart`);
    console.log(`      restart: ${samples} samples, fewest healthy ${minHealthy}`);
  });
});
