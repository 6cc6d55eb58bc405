// The app contract Marathon users rely on beyond the API shapes (issue 14): service ports from
// the range /v2/info advertises, unique across apps and stable across versions; host ports and
// the PORT* environment in the TaskInfo; Marathon health checks mapped to `TaskInfo.health_check`
// with the bytes Mesos' HealthCheck proto defines; the checks the API refuses (422).
// A scripted Mesos driver (no master) runs every launched task and records its TaskInfo.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startServe, type ServeHandle } from '../../src/cli/serve';
import { encodeMessage } from '../../src/mesos/codec';
import type { TaskInfo } from '../../src/mesos/types';
import { taskNameFor } from '../../src/core/scheduler/task-ids';
import { ScriptedMesos } from '../helpers/scripted-mesos';

type Obj = Record<string, unknown>;

/** One big agent on the loopback address, whose tasks report no address of their own (serve-run checks go to the host). */
const AGENT = { hostname: '127.0.0.1', cpus: 64, mem: 65536, taskAddress: undefined };

describe('contract: service ports, host ports and health checks in the TaskInfo (issue 14)', function () {
  this.timeout(60_000);
  let s: ServeHandle;
  let mesos: ScriptedMesos;
  const call = async (method: string, url: string, body?: unknown): Promise<{ status: number; body: Obj }> => {
    const init: RequestInit = { method, headers: { Accept: 'application/json', 'Content-Type': 'application/json' } };
    if (body !== undefined) init.body = JSON.stringify(body);
    const res = await fetch(s.url + url, init);
    const text = await res.text();
    return { status: res.status, body: text === '' ? {} : JSON.parse(text) as Obj };
  };
  const app = async (id: string): Promise<Obj> => (await call('GET', `/v2/apps${id}?embed=apps.tasks`)).body.app as Obj;
  const until = async (what: string, ok: () => Promise<boolean>): Promise<void> => {
    for (let i = 0; i < 1500; i++) {
      if (await ok()) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const taskOf = (appId: string): TaskInfo[] => mesos.launched.filter((t) => t.name === taskNameFor(appId));
  const env = (t: TaskInfo): Record<string, string> => Object.fromEntries((t.command?.environment?.variables ?? []).map((v) => [v.name, v.value ?? '']));

  before(async () => {
    s = await startServe({ master: 'master.example:5050', httpPort: 0, listenHost: '127.0.0.1', logger: false, ui: false, state: 'memory:',
      driverFactory: (_fi, id) => { mesos = new ScriptedMesos(id ?? 'fw-ports-0000', AGENT); return mesos; }, scheduler: { housekeepingIntervalMs: 50 } });
  });
  after(async () => { await s?.close(); });

  it('/v2/info advertises the service port range the API assigns from', async () => {
    const info = (await call('GET', '/v2/info')).body;
    const cfg = info.marathon_config as Obj;
    assert.equal(cfg.local_port_min, 10000);
    assert.equal(cfg.local_port_max, 20000);
  });

  it('port 0 gets service ports unique across 100 apps, in [local_port_min, local_port_max)', async () => {
    const seen = new Map<number, string>();
    for (let i = 0; i < 100; i++) {
      const r = await call('POST', '/v2/apps', { id: `/sp/a${i}`, cmd: 'sleep 100', cpus: 0.01, mem: 1, instances: 0, portDefinitions: [{ port: 0 }, { port: 0, name: 'admin' }] });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const ports = (r.body.portDefinitions as Array<{ port: number }>).map((p) => p.port);
      assert.equal(ports.length, 2);
      for (const p of ports) {
        assert.ok(p >= 10000 && p < 20000, `${p} in range`);
        assert.equal(seen.get(p), undefined, `service port ${p} of /sp/a${i} already given to ${seen.get(p)}`);
        seen.set(p, `/sp/a${i}`);
      }
    }
    // An explicit service port is kept and no later app gets it.
    const explicit = await call('POST', '/v2/apps', { id: '/sp/explicit', cmd: 'sleep 100', instances: 0, portDefinitions: [{ port: 12345 }, { port: 0 }] });
    const ep = (explicit.body.portDefinitions as Array<{ port: number }>).map((p) => p.port);
    assert.equal(ep[0], 12345);
    assert.ok(!seen.has(ep[1] as number) && ep[1] !== 12345);
  });

  it('service ports stay the same across a config change, a scale and a partial update', async () => {
    const before = ((await app('/sp/a7')).portDefinitions as Array<{ port: number }>).map((p) => p.port);
    let r = await call('PUT', '/v2/apps/sp/a7?force=true', { cmd: 'sleep 200', cpus: 0.01, mem: 1, instances: 0, portDefinitions: [{ port: 0 }, { port: 0, name: 'admin' }] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(((await app('/sp/a7')).portDefinitions as Array<{ port: number }>).map((p) => p.port), before);
    r = await call('PUT', '/v2/apps/sp/a7?force=true', { instances: 1 });
    assert.equal(r.status, 200);
    r = await call('PATCH', '/v2/apps/sp/a7?force=true', { env: { X: '1' } });
    assert.equal(r.status, 200);
    // A third port added later gets a fresh one; the first two are unchanged.
    r = await call('PUT', '/v2/apps/sp/a7?force=true', { cmd: 'sleep 200', cpus: 0.01, mem: 1, instances: 1, portDefinitions: [{ port: 0 }, { port: 0, name: 'admin' }, { port: 0 }] });
    const after = ((await app('/sp/a7')).portDefinitions as Array<{ port: number }>).map((p) => p.port);
    assert.deepEqual(after.slice(0, 2), before);
    assert.ok(!before.includes(after[2] as number));
    await until('a7 running', async () => ((await app('/sp/a7')).tasksRunning === 1 && ((await app('/sp/a7')).deployments as unknown[]).length === 0));
    const task = ((await app('/sp/a7')).tasks as Obj[])[0] as Obj;
    assert.deepEqual(task.servicePorts, after, 'tasks carry the app\'s service ports');
    const hostPorts = task.ports as number[];
    assert.equal(hostPorts.length, 3);
    // The TaskInfo: ports resource = the host ports; the environment as Marathon sets it.
    // The running task's own TaskInfo (a task of an intermediate version may have been launched after it, then killed).
    const info = taskOf('/sp/a7').find((t) => t.task_id.value === task.id) as TaskInfo;
    assert.ok(info !== undefined, 'the running task was launched by us');
    const portsRes = (info.resources ?? []).find((x) => x.name === 'ports');
    const granted = (portsRes?.ranges?.range ?? []).flatMap((rg) => Array.from({ length: Number(rg.end) - Number(rg.begin) + 1 }, (_, k) => Number(rg.begin) + k));
    assert.deepEqual([...granted].sort(), [...hostPorts].sort());
    const e = env(info);
    assert.equal(e.PORT0, String(hostPorts[0]));
    assert.equal(e.PORT1, String(hostPorts[1]));
    assert.equal(e.PORT2, String(hostPorts[2]));
    assert.equal(e.PORT, String(hostPorts[0]));
    assert.equal(e.PORTS, hostPorts.join(','));
    assert.equal(e.PORT_ADMIN, String(hostPorts[1]));
    assert.equal(e[`PORT_${after[0]}`], String(hostPorts[0]), 'PORT_<service port> = host port');
    assert.equal(e.HOST, '127.0.0.1');
  });

  it('requirePorts: the host ports are the service ports', async () => {
    const r = await call('POST', '/v2/apps', { id: '/sp/required', cmd: 'sleep 100', cpus: 0.01, mem: 1, requirePorts: true, portDefinitions: [{ port: 31500 }, { port: 31501 }] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await until('required running', async () => (await app('/sp/required')).tasksRunning === 1);
    const task = ((await app('/sp/required')).tasks as Obj[])[0] as Obj;
    assert.deepEqual(task.ports, [31500, 31501]);
    assert.deepEqual(task.servicePorts, [31500, 31501]);
    // The ports resource of the TaskInfo, as mesos.v1.Resource bytes: name=1 "ports", type=2 RANGES(1),
    // ranges=4 { range=1 { begin=1, end=2 } × 2 }.
    const portsRes = (taskOf('/sp/required')[0] as TaskInfo).resources?.find((x) => x.name === 'ports');
    assert.equal(Buffer.from(encodeMessage('mesos.v1.Resource', portsRes)).toString('hex'), '0a05706f727473100122140a08088cf601108cf6010a08088df601108df601');
  });

  // Expected bytes written from Mesos 1.11's mesos.v1.HealthCheck field numbers (http=1, delay=2,
  // interval=3, timeout=4, consecutive_failures=5, grace=6, command=7, type=8, tcp=9; HTTPCheckInfo
  // port=1 path=2 scheme=3 protocol=5; TCPCheckInfo port=1 protocol=2; CommandInfo value=3), fields
  // in number order as protobuf serialisers write them.
  const cases: Array<{ name: string; check: Obj; portDefinitions?: Obj[]; json: Obj; hex: string }> = [
    {
      name: 'MESOS_HTTP',
      check: { protocol: 'MESOS_HTTP', port: 8080, path: '/health', delaySeconds: 1, intervalSeconds: 2, timeoutSeconds: 1, gracePeriodSeconds: 5, maxConsecutiveFailures: 3 },
      json: { delay_seconds: 1, interval_seconds: 2, timeout_seconds: 1, consecutive_failures: 3, grace_period_seconds: 5, type: 'HTTP', http: { protocol: 'IPv4', scheme: 'http', port: 8080, path: '/health' } },
      hex: '0a1408903f12072f6865616c74681a0468747470280111000000000000f03f19000000000000004021000000000000f03f28033100000000000014404002',
    },
    {
      name: 'MESOS_HTTPS (Marathon defaults, IPv6)',
      check: { protocol: 'MESOS_HTTPS', port: 8443, ipProtocol: 'IPv6' },
      json: { delay_seconds: 15, interval_seconds: 60, timeout_seconds: 20, consecutive_failures: 3, grace_period_seconds: 300, type: 'HTTP', http: { protocol: 'IPv6', scheme: 'https', port: 8443 } },
      hex: '0a0c08fb411a0568747470732802110000000000002e40190000000000004e402100000000000034402803310000000000c072404002',
    },
    {
      name: 'MESOS_TCP (portIndex 0 → the host port)',
      check: { protocol: 'MESOS_TCP', portIndex: 0 },
      portDefinitions: [{ port: 0 }],
      json: { delay_seconds: 15, interval_seconds: 60, timeout_seconds: 20, consecutive_failures: 3, grace_period_seconds: 300, type: 'TCP', tcp: { protocol: 'IPv4', port: 31000 } },
      hex: '110000000000002e40190000000000004e402100000000000034402803310000000000c0724040034a060898f2011001',
    },
    {
      name: 'COMMAND',
      check: { protocol: 'COMMAND', command: { value: 'test -f ready' }, intervalSeconds: 10, timeoutSeconds: 5, gracePeriodSeconds: 30, maxConsecutiveFailures: 0 },
      json: { delay_seconds: 15, interval_seconds: 10, timeout_seconds: 5, consecutive_failures: 0, grace_period_seconds: 30, type: 'COMMAND', command: { value: 'test -f ready' } },
      hex: '110000000000002e401900000000000024402100000000000014402800310000000000003e403a0f1a0d74657374202d662072656164794001',
    },
  ];
  cases.forEach((c, i) => {
    it(`${c.name} becomes TaskInfo.health_check, byte for byte`, async () => {
      const id = `/hc/c${i}`;
      const body: Obj = { id, cmd: 'sleep 100', cpus: 0.01, mem: 1, healthChecks: [c.check] };
      if (c.portDefinitions !== undefined) body.portDefinitions = c.portDefinitions;
      const r = await call('POST', '/v2/apps', body);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      await until(`${id} launched`, async () => taskOf(id).length > 0);
      const hc = (taskOf(id)[0] as TaskInfo).health_check;
      assert.deepEqual(hc, c.json);
      assert.equal(Buffer.from(encodeMessage('mesos.v1.HealthCheck', hc)).toString('hex'), c.hex);
    });
  });

  it('Marathon-run checks (HTTP, TCP) are not sent to Mesos', async () => {
    const r = await call('POST', '/v2/apps', { id: '/hc/marathon', cmd: 'sleep 100', cpus: 0.01, mem: 1, healthChecks: [{ protocol: 'TCP' }] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await until('launched', async () => taskOf('/hc/marathon').length > 0);
    assert.equal((taskOf('/hc/marathon')[0] as TaskInfo).health_check, undefined);
  });

  it('Marathon-run HTTP checks (serve probes host:port): a passing one makes the task healthy and the deployment waits for it', async () => {
    const server = http.createServer((_req, res) => { res.writeHead(204); res.end(); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const r = await call('POST', '/v2/apps', { id: '/hc/http', cmd: 'sleep 100', cpus: 0.01, mem: 1, healthChecks: [{ protocol: 'HTTP', port, path: '/ok', intervalSeconds: 1, timeoutSeconds: 1 }] });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      await until('/hc/http healthy and deployed', async () => {
        const a = await app('/hc/http');
        return a.tasksHealthy === 1 && (a.deployments as unknown[]).length === 0;
      });
      const h = (((await app('/hc/http')).tasks as Obj[])[0]?.healthCheckResults as Obj[])[0] as Obj;
      assert.equal(h.alive, true);
      assert.equal(h.consecutiveFailures, 0);
    } finally {
      server.close();
    }
  });

  it('Marathon-run TCP check failing past maxConsecutiveFailures: the task is reported unhealthy, killed and replaced; the deployment waits', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await call('POST', '/v2/apps', { id: '/hc/tcp', cmd: 'sleep 100', cpus: 0.01, mem: 1, healthChecks: [{ protocol: 'TCP', port, gracePeriodSeconds: 0, intervalSeconds: 1, timeoutSeconds: 1, maxConsecutiveFailures: 2 }] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const first = await until('an unhealthy task', async () => {
      const a = await app('/hc/tcp');
      const t = (a.tasks as Obj[]).find((x) => ((x.healthCheckResults as Obj[])[0] as Obj | undefined)?.alive === false);
      return t !== undefined && a.tasksUnhealthy === 1 && (a.deployments as unknown[]).length === 1;
    }).then(async () => ((await app('/hc/tcp')).tasks as Obj[])[0]?.id);
    await until('a replacement task', async () => ((await app('/hc/tcp')).tasks as Obj[]).some((x) => x.id !== first));
    assert.equal((await call('DELETE', '/v2/apps/hc/tcp?force=true')).status, 200);
  });

  it('a group whose last app is deleted stays, empty, until the group is deleted (as Marathon keeps it)', async () => {
    assert.equal((await call('POST', '/v2/apps', { id: '/eg/x/only', cmd: 'sleep 100', cpus: 0.01, mem: 1, instances: 0 })).status, 201);
    assert.equal((await call('DELETE', '/v2/apps/eg/x/only?force=true')).status, 200);
    const g = await call('GET', '/v2/groups/eg/x');
    assert.equal(g.status, 200);
    assert.deepEqual(g.body.apps, []);
    assert.equal((await call('GET', '/v2/apps/eg/x/only')).status, 404);
    assert.equal((await call('DELETE', '/v2/groups/eg/x?force=true')).status, 200);
    await until('group gone', async () => (await call('GET', '/v2/groups/eg/x')).status === 404);
  });

  it('a task the executor killed for failing its check is relaunched with backoff (lastTaskFailure, queue delay)', async () => {
    const r = await call('POST', '/v2/apps', { id: '/hc/sick', cmd: 'sleep 100', cpus: 0.01, mem: 1, backoffSeconds: 60, labels: { 'test.unhealthy': '1' },
      healthChecks: [{ protocol: 'MESOS_TCP', port: 9 }] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    type Q = { app: { id: string }; delay: { timeLeftSeconds: number } };
    await until('backoff delay in the queue', async () => {
      const q = (await call('GET', '/v2/queue')).body.queue as Q[];
      return (q.find((e) => e.app.id === '/hc/sick')?.delay.timeLeftSeconds ?? 0) > 30;
    });
    const failure = ((await call('GET', '/v2/apps/hc/sick?embed=apps.lastTaskFailure')).body.app as Obj).lastTaskFailure as Obj;
    assert.equal(failure.state, 'TASK_KILLED');
    assert.equal(taskOf('/hc/sick').length, 1, 'no relaunch before the delay is over');
    assert.equal((await call('DELETE', '/v2/apps/hc/sick?force=true')).status, 200);
  });

  it('GET /v2/queue?embed=lastUnusedOffers shows the offers not used and why', async () => {
    assert.equal((await call('POST', '/v2/apps', { id: '/q/huge', cmd: 'sleep 100', cpus: 1000, mem: 1 })).status, 201);
    type Entry = { app: { id: string }; lastUnusedOffers?: Array<{ offer: Obj; reason: string[]; timestamp: string }> };
    let entry: Entry | undefined;
    await until('unused offers', async () => {
      const q = (await call('GET', '/v2/queue?embed=lastUnusedOffers')).body.queue as Entry[];
      entry = q.find((e) => e.app.id === '/q/huge');
      return (entry?.lastUnusedOffers?.length ?? 0) > 0;
    });
    const u = (entry as Entry).lastUnusedOffers?.[0];
    assert.deepEqual(u?.reason, ['InsufficientCpus']);
    assert.match(String(u?.timestamp), /^\d{4}-\d\d-\d\dT/);
    assert.equal(u?.offer.hostname, '127.0.0.1');
    assert.equal(u?.offer.agentId, 'ag1');
    const res = u?.offer.resources as Obj[];
    assert.deepEqual(res.find((r) => r.name === 'cpus'), { name: 'cpus', role: '*', scalar: 64 });
    assert.deepEqual(res.find((r) => r.name === 'ports'), { name: 'ports', role: '*', ranges: [{ begin: 31000, end: 31999 }] });
    assert.ok(((await call('GET', '/v2/queue')).body.queue as Entry[]).every((e) => e.lastUnusedOffers === undefined), 'only when embedded');
    assert.ok(((entry as Entry).lastUnusedOffers?.length ?? 0) <= 10);
    assert.equal((await call('DELETE', '/v2/apps/q/huge?force=true')).status, 200);
  });

  it('422: HTTP/TCP checks on an app reachable only on virtual networks point to MESOS_*', async () => {
    const r = await call('POST', '/v2/apps', {
      id: '/hc/vnet', cmd: 'sleep 100', container: { type: 'MESOS', docker: { image: 'busybox' } },
      networkInterfaces: [{ networkName: 'nw-vnet1', bootproto: 'dhcp' }], healthChecks: [{ protocol: 'HTTP', port: 80 }],
    });
    assert.equal(r.status, 422, JSON.stringify(r.body));
    const text = JSON.stringify(r.body);
    assert.match(text, /healthChecks\(0\)\/protocol/);
    assert.match(text, /MESOS_HTTP/);
  });

  it('422: readinessChecks, two executor checks, a portIndex without a port', async () => {
    const bad: Array<[Obj, RegExp]> = [
      [{ readinessChecks: [{ name: 'r', protocol: 'HTTP', path: '/' }] }, /readinessChecks/],
      [{ healthChecks: [{ protocol: 'MESOS_TCP' }, { protocol: 'COMMAND', command: { value: 'true' } }] }, /one health check per task/],
      [{ portDefinitions: [], healthChecks: [{ protocol: 'MESOS_HTTP' }] }, /portIndex/],
      [{ healthChecks: [{ protocol: 'COMMAND' }] }, /command/],
    ];
    for (const [extra, re] of bad) {
      const r = await call('POST', '/v2/apps', { id: '/hc/bad', cmd: 'sleep 1', ...extra });
      assert.equal(r.status, 422, JSON.stringify(r.body));
      assert.match(JSON.stringify(r.body), re);
    }
    assert.equal((await call('GET', '/v2/apps/hc/bad')).status, 404, 'nothing was created');
  });
});

describe('contract: --max_running_deployments (issue 14)', function () {
  this.timeout(30_000);
  let s: ServeHandle;
  before(async () => {
    s = await startServe({ master: 'master.example:5050', httpPort: 0, listenHost: '127.0.0.1', logger: false, ui: false, state: 'memory:', maxRunningDeployments: 1,
      driverFactory: (_fi, id) => new ScriptedMesos(id ?? 'fw-maxdep-0000', AGENT), scheduler: { housekeepingIntervalMs: 50 } });
  });
  after(async () => { await s?.close(); });

  it('403 once that many deployments run; force=true goes past it', async () => {
    const post = async (body: unknown, q = ''): Promise<{ status: number; body: Record<string, unknown> }> => {
      const res = await fetch(`${s.url}/v2/apps${q}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: await res.json() as Record<string, unknown> };
    };
    // Never healthy (nothing listens on port 1, long grace period): its deployment keeps running.
    const waiting = { cmd: 'sleep 100', cpus: 0.01, mem: 1, healthChecks: [{ protocol: 'TCP', port: 1 }] };
    assert.equal((await post({ id: '/md/a', ...waiting })).status, 201);
    const refused = await post({ id: '/md/b', ...waiting });
    assert.equal(refused.status, 403);
    assert.match(String(refused.body.message), /Max number \(1\) of running deployments/);
    const apps = await (await fetch(`${s.url}/v2/apps`)).json() as { apps: unknown[] };
    assert.equal(apps.apps.length, 1, 'the refused app was not created');
    assert.equal((await post({ id: '/md/b', ...waiting }, '?force=true')).status, 201);
  });
});
