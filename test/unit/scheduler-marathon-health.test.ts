// serve's own health checks (HTTP/HTTPS/TCP, marathon-health.ts) with a scripted probe and a
// manual clock: a task killed for failing its checks delays the next launch with the app's
// backoff (backoffSeconds, × backoffFactor, capped at maxLaunchDelaySeconds) as a failed task
// does; a task of an older config does not; the runs go on from a stored Health record.
import assert from 'node:assert/strict';
import { normalizeApp } from '../../src/core/apps/normalize';
import { nextVersion, type AppVersion } from '../../src/core/deploy/app-version';
import type { NetProbe } from '../../src/lib/net-probe';
import { LaunchQueue } from '../../src/core/scheduler/launch-queue';
import { MarathonHealthChecker, seededRun } from '../../src/runtime/marathon-health';
import { nextHealth } from '../../src/core/scheduler/health';
import type { Instance } from '../../src/core/scheduler/instance';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

function version(raw: Record<string, unknown>, at = '2026-01-01T00:00:00.000Z'): AppVersion {
  const n = normalizeApp({ id: '/hc/app', cmd: 'sleep 1', cpus: 0.1, mem: 16, ...raw });
  if ('violations' in n) throw new Error(JSON.stringify(n.violations));
  return nextVersion(undefined, n.app, 'create', at);
}

function running(v: AppVersion, n: number, configVersion = v.versionInfo.lastConfigChangeAt): Instance {
  return {
    instanceId: `i${n}`, appId: v.app.id, slot: n, incarnation: 0, taskId: `t${n}`, runSpecVersion: v.version, configVersion,
    condition: 'Running', state: 'TASK_RUNNING', agentId: 'ag', host: '127.0.0.1', createdAt: '2026-01-01T00:00:00.000Z',
    launchedAtMs: 0, stagedAt: '2026-01-01T00:00:00.000Z', startedAt: new Date(0).toISOString(), ports: [31000], servicePorts: [],
    ipAddresses: [], launchedNetworkInfos: [], statusNetworkInfos: [], message: '', unreachableSince: null,
    killRequested: false, killSentAtMs: null, decommissioned: false, healthy: null, role: '*',
  };
}

interface Rig {
  checker: MarathonHealthChecker;
  queue: LaunchQueue;
  clock: { now: number };
  kills: string[];
  verdicts: boolean[];
  probes: NetProbe[];
  instances: Map<string, Instance>;
  /** One check interval: tick, let the probe answer, advance the clock. */
  round(): Promise<void>;
}

function rig(v: AppVersion, insts: Instance[], answer: (p: NetProbe) => boolean): Rig {
  const clock = { now: 0 };
  const queue = new LaunchQueue();
  const kills: string[] = [];
  const verdicts: boolean[] = [];
  const probes: NetProbe[] = [];
  const instances = new Map(insts.map((i) => [i.instanceId, i]));
  const apps = new Map([[v.app.id, v]]);
  const checker = new MarathonHealthChecker({
    repo: { apps, instances, instancesOf: (appId: string) => [...instances.values()].filter((i) => i.appId === appId) },
    scheduler: {
      noteHealth(inst, healthy, cause) { inst.health = nextHealth(inst.health, healthy, new Date(clock.now).toISOString(), cause); inst.healthy = healthy; verdicts.push(healthy); },
      killInstance(inst) { inst.killRequested = true; kills.push(inst.instanceId); },
    },
    queue, now: () => clock.now, probe: async (p) => { probes.push(p); return answer(p); }, log: { info() {} },
  });
  return {
    checker, queue, clock, kills, verdicts, probes, instances,
    async round() { checker.tick(); await flush(); clock.now += 1000; },
  };
}

const CHECK = { protocol: 'TCP', portIndex: 0, gracePeriodSeconds: 0, intervalSeconds: 1, timeoutSeconds: 1, maxConsecutiveFailures: 3 };

describe('scheduler/marathon-health: serve-run checks, kills and backoff (issue 14)', () => {
  it('a task killed for failing its checks delays the next launch by backoffSeconds, then × backoffFactor', async () => {
    const v = version({ healthChecks: [CHECK], backoffSeconds: 7, backoffFactor: 2, maxLaunchDelaySeconds: 20 });
    const r = rig(v, [running(v, 0)], () => false);
    for (let i = 0; i < 3; i++) await r.round();
    assert.deepEqual(r.kills, ['i0'], 'killed at the 3rd failure in a row');
    assert.deepEqual(r.probes.map((p) => [p.kind, p.port]), [['tcp', 31000], ['tcp', 31000], ['tcp', 31000]]);
    const killedAt = r.clock.now - 1000;
    assert.equal(r.queue.timeLeftMs(v, killedAt), 7000, 'backoffSeconds');
    assert.equal(r.queue.timeLeftMs(v, killedAt + 7000), 0, 'then the launch may go');

    // the replacement fails too: the delay grows by the factor, then is capped
    r.instances.delete('i0');
    r.instances.set('i1', running(v, 1));
    for (let i = 0; i < 3; i++) await r.round();
    assert.deepEqual(r.kills, ['i0', 'i1']);
    assert.equal(r.queue.timeLeftMs(v, r.clock.now - 1000), 14000, '× backoffFactor');
    r.instances.delete('i1');
    r.instances.set('i2', running(v, 2));
    for (let i = 0; i < 3; i++) await r.round();
    assert.equal(r.queue.timeLeftMs(v, r.clock.now - 1000), 20000, 'capped at maxLaunchDelaySeconds');
  });

  it('no kill and no delay while the checks pass, nor before maxConsecutiveFailures', async () => {
    const v = version({ healthChecks: [CHECK], backoffSeconds: 7 });
    let ok = true;
    const r = rig(v, [running(v, 0)], () => ok);
    for (let i = 0; i < 5; i++) await r.round();
    ok = false;
    for (let i = 0; i < 2; i++) await r.round();
    assert.deepEqual(r.kills, []);
    assert.deepEqual(r.verdicts, [true, true, true, true, true, false, false]);
    assert.equal(r.queue.timeLeftMs(v, r.clock.now), 0);
  });

  it('a task of an older config is killed and replaced without delaying the current config', async () => {
    const v = version({ healthChecks: [CHECK], backoffSeconds: 7 });
    const r = rig(v, [running(v, 0, '2025-12-31T00:00:00.000Z')], () => false);
    for (let i = 0; i < 3; i++) await r.round();
    assert.deepEqual(r.kills, ['i0']);
    assert.equal(r.queue.timeLeftMs(v, r.clock.now - 1000), 0);
  });

  it('maxConsecutiveFailures 0: never killed, never delayed', async () => {
    const v = version({ healthChecks: [{ ...CHECK, maxConsecutiveFailures: 0 }], backoffSeconds: 7 });
    const r = rig(v, [running(v, 0)], () => false);
    for (let i = 0; i < 6; i++) await r.round();
    assert.deepEqual(r.kills, []);
    assert.equal(r.queue.timeLeftMs(v, r.clock.now), 0);
  });

  it('after a restart the runs go on from the stored Health record (failures in a row, grace period passed)', async () => {
    const v = version({ healthChecks: [{ ...CHECK, gracePeriodSeconds: 3600 }], backoffSeconds: 7 });
    const inst = running(v, 0);
    inst.health = nextHealth(nextHealth(nextHealth(undefined, true, 'a'), false, 'b'), false, 'c');
    inst.healthy = false;
    const seeded = seededRun(inst, 1, 0);
    assert.equal(seeded.failures, 2);
    assert.equal(seeded.succeeded, true);
    assert.equal(seededRun(inst, 2, 0).failures, 0, 'with several checks the stored count is not one check\'s');
    const r = rig(v, [inst], () => false);
    await r.round();
    assert.deepEqual(r.kills, ['i0'], 'the 3rd failure in a row, counting the two stored ones, despite the grace period');
    assert.equal(r.queue.timeLeftMs(v, r.clock.now - 1000), 7000);
  });
});
