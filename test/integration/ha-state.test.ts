// serve on ZooKeeper state (a real standalone server): a restart keeps every kind of state;
// two instances racing for one static address (one through the other's forwarding); no new
// framework id while launched instances exist; zk_* settings in /v2/info; Mesos master detection
// through ZooKeeper following a change of the leading master.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import zookeeper from 'node-zookeeper-client';
import { startServe, type ServeFatalError, type ServeHandle } from '../../src/cli/serve';
import { DEFAULT_ZK_TUNING } from '../../src/cli/zk-flags';
import { LocalMaster } from '../../src/sim/mesos/master';
import { simulatedAgent } from '../../src/sim/mesos/simulated-agent';
import { SchedulerClient } from '../../src/mesos/client';
import { openStore } from '../../src/state/open-store';
import { StoreFencedError } from '../../src/state/store';
import { ZkStore } from '../../src/state/zk-store';
import { processesMentioning, waitFor } from '../helpers/ha-cluster';
import { startZooKeeper, type ZooKeeperCluster } from '../helpers/zookeeper';
import { http, readSample, runningTasks, startCluster, type Cluster } from './serve-fixture';
import { groupsAndHealthSurviveRestart } from './restart-keeps';
import { describeNeeding } from '../helpers/requires';

const FAST = { sessionTimeoutMs: 2000, timeoutMs: 4000 };

function zkCall<T>(fn: (cb: (err: Error | zookeeper.Exception | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('ZooKeeper call timed out')), 5000);
    fn((err, value) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value);
    });
  });
}

async function rawClient(connect: string): Promise<zookeeper.Client> {
  const client = zookeeper.createClient(connect, { sessionTimeout: 2000, retries: 0 });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no ZooKeeper connection')), 5000);
    client.once('connected', () => { clearTimeout(timer); resolve(); });
    client.connect();
  });
  return client;
}

describeNeeding(['zookeeper'], 'HA: serve on ZooKeeper state', function () {
  this.timeout(60_000);
  let zk: ZooKeeperCluster;
  const cleanups: Array<() => Promise<void>> = [];

  before(async function () {
    zk = await startZooKeeper();
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    if (zk !== undefined) {
      await zk.stop();
      assert.deepEqual(zk.alivePids(), []);
      assert.equal(fs.existsSync(zk.dir), false);
      assert.deepEqual(processesMentioning(zk.dir), []);
    }
  });

  async function cluster(chroot: string, extra: Parameters<typeof startCluster>[0] = {}): Promise<Cluster> {
    const c = await startCluster({ ...extra, serve: { state: zk.url(`/${chroot}-${zk.runId}`), zookeeper: { ...DEFAULT_ZK_TUNING, ...FAST }, ...extra.serve } });
    cleanups.push(() => c.close());
    return c;
  }

  it('a restart keeps apps, versions, tasks, deployments, IPAM claims and the framework id', async () => {
    const c = await cluster('mvn-restart');
    const base0 = c.serve.url;
    assert.equal((await http(base0, 'POST', '/v2/apps', readSample('vnettest.json'))).status, 201);
    assert.equal((await http(base0, 'POST', '/v2/apps', { id: '/plain/sleeper', cmd: 'sleep 100', cpus: 0.1, mem: 16, instances: 2 })).status, 201);
    await runningTasks(base0, '/plain/sleeper', 2);
    assert.equal((await http(base0, 'PUT', '/v2/apps/plain/sleeper', { instances: 3 })).status, 200);
    const tasksBefore = await runningTasks(base0, '/plain/sleeper', 3);
    const vnetBefore = await runningTasks(base0, '/vnettest', 1);
    // Too big for any agent: its deployment stays in progress across the restart.
    assert.equal((await http(base0, 'POST', '/v2/apps', { id: '/stuck', cmd: 'sleep 1', cpus: 100, mem: 16, instances: 1 })).status, 201);
    const deploymentsBefore = await http<Array<{ id: string; affectedApps: string[] }>>(base0, 'GET', '/v2/deployments');
    assert.deepEqual(deploymentsBefore.body.map((d) => d.affectedApps), [['/stuck']]);
    const infoBefore = await http<{ frameworkId: string }>(base0, 'GET', '/v2/info');
    const versionsBefore = await http<{ versions: string[] }>(base0, 'GET', '/v2/apps/plain/sleeper/versions');
    assert.equal(versionsBefore.body.versions.length, 2);
    const launchedBefore = c.launched.size;

    const serve = await c.restartServe();
    const base = serve.url;
    const info = await http<{ frameworkId: string; zookeeper_config: { zk: string } }>(base, 'GET', '/v2/info');
    assert.equal(info.body.frameworkId, infoBefore.body.frameworkId);
    const apps = await http<{ apps: Array<{ id: string; instances: number }> }>(base, 'GET', '/v2/apps');
    assert.deepEqual(apps.body.apps.map((a) => [a.id, a.instances]), [['/plain/sleeper', 3], ['/stuck', 1], ['/vnettest', 1]]);
    const versions = await http<{ versions: string[] }>(base, 'GET', '/v2/apps/plain/sleeper/versions');
    assert.deepEqual(versions.body.versions, versionsBefore.body.versions);
    const old = await http<{ instances: number }>(base, 'GET', `/v2/apps/plain/sleeper/versions/${versionsBefore.body.versions[versionsBefore.body.versions.length - 1]}`);
    assert.equal(old.status, 200);
    const tasks = await runningTasks(base, '/plain/sleeper', 3);
    assert.deepEqual(tasks.map((t) => t.id).sort(), tasksBefore.map((t) => t.id).sort());
    const vnet = await runningTasks(base, '/vnettest', 1);
    assert.equal(vnet[0].id, vnetBefore[0].id);
    assert.deepEqual(vnet[0].networkInterfaces, vnetBefore[0].networkInterfaces);
    const deployments = await http<Array<{ id: string }>>(base, 'GET', '/v2/deployments');
    assert.deepEqual(deployments.body.map((d) => d.id), deploymentsBefore.body.map((d) => d.id));
    const store = await openStore(c.serveOptions.state as string);
    try {
      assert.deepEqual((await store.listClaims()).map((cl) => [cl.network, cl.address, cl.holder]), [['nw-vnet3', '192.168.0.100', { appId: '/vnettest', slot: 0 }]]);
      assert.equal(await store.getFrameworkId(), infoBefore.body.frameworkId);
    } finally {
      await store.close();
    }
    await waitFor('re-subscribed', () => (c.master.state().frameworks.length === 1 && c.master.state().frameworks[0].connected ? true : undefined));
    assert.equal(c.master.state().frameworks[0].id, infoBefore.body.frameworkId);
    assert.equal(c.launched.size, launchedBefore, 'nothing relaunched after the restart');
  });

  it('a restart keeps serve-run health results and group records (issue 14)', async () => {
    const c = await cluster('mvn-keep', { agent: { hostname: '127.0.0.1' } });
    await groupsAndHealthSurviveRestart(c);
  });

  it('a ZooKeeper state written before group records existed (no groups node) still opens and loads', async () => {
    const c = await cluster('mvn-oldzk');
    assert.equal((await http(c.serve.url, 'POST', '/v2/apps', { id: '/old/app', cmd: 'sleep 100', cpus: 0.01, mem: 1, instances: 0 })).status, 201);
    await c.serve.close();
    // the layout as today's main writes it: state/{apps,instances,deployments,ipam}, no state/groups
    const chroot = (c.serveOptions.state as string).replace(/^zk:\/\/[^/]*/, '');
    const client = await rawClient(zk.connectString);
    try {
      const groups = `${chroot}/state/groups`;
      const remove = async (p: string): Promise<void> => {
        for (const child of await zkCall<string[]>((cb) => client.getChildren(p, cb))) await remove(`${p}/${child}`);
        await zkCall<void>((cb) => client.remove(p, -1, (err) => cb(err, undefined)));
      };
      await remove(groups);
      assert.equal(await zkCall<zookeeper.Stat | null>((cb) => client.exists(groups, cb)), null);
    } finally {
      client.close();
    }
    const serve = await c.restartServe();
    const g = await http<{ dependencies: string[]; enforceRole: boolean }>(serve.url, 'GET', '/v2/groups/old');
    assert.equal(g.status, 200);
    assert.deepEqual([g.body.dependencies, g.body.enforceRole], [[], false]);
    // and group records are written again
    assert.equal((await http(serve.url, 'POST', '/v2/groups', { id: '/fresh' })).status, 201);
    assert.equal((await http(serve.url, 'GET', '/v2/groups/fresh')).status, 200);
  });

  it('two instances, two apps, one static address at the same moment: one 201, one 409', async () => {
    const c = await cluster('mvn-race');
    const second = await startServe({ ...c.serveOptions });
    cleanups.push(() => second.close());
    const leaderOf = async (s: ServeHandle) => (await http<{ leader: string }>(s.url, 'GET', '/v2/leader')).body.leader;
    assert.equal(await leaderOf(second), await leaderOf(c.serve));
    const app = (id: string) => ({
      id, cmd: 'sleep 100', cpus: 0.1, mem: 16, instances: 1,
      container: { type: 'DOCKER', docker: { image: 'busybox' }, networkInterfaces: [{ networkName: 'nw-race', bootproto: 'static', ipAddress: '10.20.0.5/24' }] },
    });
    const [a, b] = await Promise.all([http(c.serve.url, 'POST', '/v2/apps', app('/race/a')), http(second.url, 'POST', '/v2/apps', app('/race/b'))]);
    assert.deepEqual([a.status, b.status].sort(), [201, 409], `${a.text} ${b.text}`);
    const loser = a.status === 409 ? a : b;
    assert.match(loser.text, /10\.20\.0\.5/);
    const winner = a.status === 201 ? '/race/a' : '/race/b';
    const store = await openStore(c.serveOptions.state as string);
    try {
      const claims = await store.listClaims();
      assert.deepEqual(claims.map((cl) => [cl.address, (cl.holder as { appId: string }).appId]), [['10.20.0.5', winner]]);
    } finally {
      await store.close();
    }
  });

  it('fencing: a write sent after the leader node vanished does not land; re-elected, serve writes again', async () => {
    const c = await cluster('mvn-fence', { serve: { leaderRejoinDelayMs: 100 } });
    const store = c.serve.repo.store;
    assert.ok(store instanceof ZkStore);
    const root = `/mvn-fence-${zk.runId}`;
    const client = await rawClient(zk.connectString);
    cleanups.push(async () => { client.close(); });
    const candidates = await zkCall<string[]>((cb) => client.getChildren(`${root}/leader`, (err, names) => cb(err, names)));
    assert.equal(candidates.length, 1);
    const node = `${root}/leader/${candidates[0]}`;
    assert.equal(store.fencingNode, node, 'serve fences its writes with its own leader node');
    // Delete the node and, before serve can even hear about it, write as the old leader would.
    const late = await new Promise<{ write: Promise<void> }>((resolve, reject) => {
      client.remove(node, -1, (err: Error | zookeeper.Exception | null) => {
        if (err) reject(err);
        else resolve({ write: store.putDeployment('late-write', { from: 'deposed leader' }) });
      });
    });
    await assert.rejects(late.write, (err) => err instanceof StoreFencedError);
    const check = await openStore(c.serveOptions.state as string);
    try {
      assert.deepEqual((await check.listDeployments()).map((d) => d.id), []);
    } finally {
      await check.close();
    }
    // serve re-enters the election alone, wins with a new node and fences with that one.
    await waitFor('re-elected with a new node', () => (store.fencingNode !== undefined && store.fencingNode !== node ? true : undefined), 10_000);
    await waitFor('writes accepted again', async () => {
      const r = await http(c.serve.url, 'POST', '/v2/apps', { id: '/after-fence', cmd: 'sleep 1', cpus: 0.1, mem: 16, instances: 0 });
      return r.status === 201 ? true : undefined;
    }, 10_000);
  });

  it('refuses to register a new framework while launched instances exist without a stored framework id', async () => {
    const c = await cluster('mvn-fwid');
    assert.equal((await http(c.serve.url, 'POST', '/v2/apps', { id: '/keep', cmd: 'sleep 100', cpus: 0.1, mem: 16, instances: 1 })).status, 201);
    await runningTasks(c.serve.url, '/keep', 1);
    const frameworkId = c.master.state().frameworks[0].id;
    await c.serve.close();
    const client = await rawClient(zk.connectString);
    try {
      await zkCall<void>((cb) => client.remove(`/mvn-fwid-${zk.runId}/state/framework-id`, -1, (err) => cb(err, undefined)));
    } finally {
      client.close();
    }
    const fatal: ServeFatalError[] = [];
    let drivers = 0;
    const s = await startServe({
      ...c.serveOptions,
      onFatal: (err) => fatal.push(err),
      driverFactory: (fi, id) => { drivers++; return new SchedulerClient({ master: c.master.url, encoding: 'json', frameworkInfo: fi, frameworkId: id }); },
    });
    cleanups.push(() => s.close());
    assert.deepEqual(fatal.map((e) => e.code), ['MVN_ERR_FRAMEWORK_ID_MISSING']);
    assert.equal(drivers, 0, 'no subscription attempted');
    const frameworks = c.master.state().frameworks;
    assert.deepEqual(frameworks.map((f) => [f.id, f.connected]), [[frameworkId, false]], 'no second framework registered');
  });

  it('exits (onFatal) when Mesos says the framework has been removed', async () => {
    // failover_timeout 0: the master removes the framework as soon as its scheduler disconnects.
    const c = await cluster('mvn-removed', { serve: { failoverTimeoutSeconds: 0 } });
    await waitFor('subscribed', () => (c.master.state().frameworks[0]?.connected === true ? true : undefined));
    await c.serve.close();
    await waitFor('framework removed', () => (c.master.state().completedFrameworks.length === 1 ? true : undefined));
    const fatal: ServeFatalError[] = [];
    const s = await startServe({ ...c.serveOptions, onFatal: (err) => fatal.push(err) });
    cleanups.push(() => s.close());
    await waitFor('the fatal report', () => (fatal.length > 0 ? true : undefined));
    assert.deepEqual(fatal.map((e) => e.code), ['MVN_ERR_FRAMEWORK_REMOVED']);
    assert.equal(c.master.state().frameworks.length, 0, 'no new framework registered');
  });

  it('a leader without a Mesos subscription gives up leadership after the grace period', async () => {
    const c = await cluster('mvn-grace', { serve: { mesosDisconnectGraceMs: 300, leaderRejoinDelayMs: 60_000 } });
    const second = await startServe({ ...c.serveOptions });
    cleanups.push(() => second.close());
    const elected = async (s: ServeHandle) => (await http<{ elected: boolean }>(s.url, 'GET', '/v2/info')).body.elected;
    const [first, other] = (await elected(c.serve)) ? [c.serve, second] : [second, c.serve];
    assert.equal(await elected(first), true);
    await waitFor('subscribed', () => (c.master.state().frameworks[0]?.connected === true ? true : undefined));
    await c.master.close(); // Mesos gone
    await waitFor('the first leader to step down', async () => ((await elected(first)) ? undefined : true), 10_000);
    await waitFor('the other instance to be elected', async () => ((await elected(other)) ? true : undefined), 10_000);
  });

  it('reports the zk_* settings in /v2/info and never the ZooKeeper password', async () => {
    const c = await cluster('mvn-info', {
      serve: {
        state: zk.url(`/mvn-info-${zk.runId}`, { user: 'marathon', password: 's3cret-pw' }),
        zookeeper: { timeoutMs: 3000, sessionTimeoutMs: 2500, connectionTimeoutMs: 7000, maxVersions: 7, compression: false, compressionThreshold: 4096, maxNodeSize: 512 * 1024 },
      },
    });
    const info = await http<{ zookeeper_config: Record<string, unknown> }>(c.serve.url, 'GET', '/v2/info');
    assert.deepEqual(info.body.zookeeper_config, {
      zk: `zk://marathon:***@${zk.connectString}/mvn-info-${zk.runId}`,
      zk_compression: false, zk_compression_threshold: 4096, zk_connection_timeout: 7000, zk_max_node_size: 524288,
      zk_max_versions: 7, zk_session_timeout: 2500, zk_timeout: 3000,
    });
    assert.doesNotMatch(info.text, /s3cret-pw/);
    // zk_max_versions applies: eight versions of one app keep the newest seven.
    assert.equal((await http(c.serve.url, 'POST', '/v2/apps', { id: '/v', cmd: 'sleep 1', cpus: 0.1, mem: 16, instances: 0 })).status, 201);
    for (let i = 1; i < 8; i++) assert.equal((await http(c.serve.url, 'PUT', '/v2/apps/v?force=true', { cmd: `sleep ${i + 1}` })).status, 200);
    const versions = await http<{ versions: string[] }>(c.serve.url, 'GET', '/v2/apps/v/versions');
    assert.equal(versions.body.versions.length, 7);
  });

  it('--master zk://…: follows the leading Mesos master when it changes', async () => {
    const masters: LocalMaster[] = [];
    for (let i = 0; i < 2; i++) {
      const m = new LocalMaster({ allocationIntervalMs: 20, heartbeatIntervalSeconds: 2, statusUpdateRetryMs: 500 });
      m.addAgent(simulatedAgent({ resources: { cpus: 4, mem: 4096, disk: 10000 }, hostname: `agent-m${i}-${zk.runId}`, taskDelayMs: 5 }));
      await m.listen(0, '127.0.0.1');
      masters.push(m);
      cleanups.push(() => m.close());
    }
    const [a, b] = masters;
    const hostPort = (m: LocalMaster) => m.url.replace(/^http:\/\//, '');
    b.setLeader(hostPort(a));
    const mesosPath = `/mesos-${zk.runId}`;
    const client = await rawClient(zk.connectString);
    cleanups.push(async () => { client.close(); });
    await zkCall<string>((cb) => client.mkdirp(mesosPath, (err, p) => cb(err, p)));
    const register = (m: LocalMaster, id: string) => zkCall<string>((cb) => client.create(`${mesosPath}/json.info_`,
      Buffer.from(JSON.stringify({ id, hostname: '127.0.0.1', address: { ip: '127.0.0.1', hostname: '127.0.0.1', port: Number(m.url.split(':').pop()) } })),
      zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL, (err, p) => cb(err, p)));
    const nodeA = await register(a, 'master-a');
    await register(b, 'master-b');

    const serve = await startServe({
      master: `zk://${zk.connectString}${mesosPath}`, state: zk.url(`/mvn-detect-${zk.runId}`), zookeeper: { ...DEFAULT_ZK_TUNING, ...FAST },
      httpPort: 0, listenHost: '127.0.0.1', logger: false, ui: false, reconciliationInitialDelayMs: 60_000,
      scheduler: { housekeepingIntervalMs: 100, declineWaitingSeconds: 0.05, declineIdleSeconds: 1 },
    });
    cleanups.push(() => serve.close());
    assert.equal((await http(serve.url, 'POST', '/v2/apps', { id: '/follow', cmd: 'sleep 100', cpus: 0.1, mem: 16, instances: 1 })).status, 201);
    const [onA] = await runningTasks(serve.url, '/follow', 1);
    assert.equal(onA.host, `agent-m0-${zk.runId}`);
    const frameworkId = a.state().frameworks[0].id;

    // Master A steps down: its node goes, B leads.
    a.setLeader(hostPort(b));
    b.setLeader(undefined);
    await zkCall<void>((cb) => client.remove(nodeA, -1, (err) => cb(err, undefined)));
    await waitFor('subscribed to master B with the same framework id', () => {
      const fw = b.state().frameworks;
      return fw.length === 1 && fw[0].id === frameworkId && fw[0].connected ? true : undefined;
    });
    // Reconciliation against B finds A's task unknown: the instance is replaced on B's agent.
    const moved = await waitFor('the task running on master B', async () => {
      const [t] = await runningTasks(serve.url, '/follow', 1);
      return t.host === `agent-m1-${zk.runId}` ? t : undefined;
    });
    assert.notEqual(moved.id, onA.id);
    const info = await http<{ marathon_config: { mesos_leader_ui_url: string }; frameworkId: string }>(serve.url, 'GET', '/v2/info');
    assert.equal(info.body.marathon_config.mesos_leader_ui_url, `${b.url}/`);
    assert.equal(info.body.frameworkId, frameworkId);
  });
});
