// The four field repros of issue 21, scripted on the simulation (virtual time, no faults other
// than the scripted ones). Repro 3 (a repeated KILL strands a task in mesos-sim) is a unit test of
// the simulated agent in test/unit/local-master-core.test.ts.
import assert from 'node:assert/strict';
import { World } from './world';

const meta = { clientIp: '127.0.0.1', uri: '/v2/apps' };

function world(seed: number, agents: number): World {
  const w = new World({ seed, steps: 0, convergeWithinMs: 0, agents, launchFailures: 0 });
  w.faultsOn = false;
  return w;
}

function leader(w: World): NonNullable<World['node']> {
  const n = w.node;
  if (n === undefined || !n.leading) throw new Error('no leader');
  return n;
}

/** Advances virtual time until converged (undefined) or the limit; returns the last problem. */
async function converge(w: World, limitMs: number): Promise<string | undefined> {
  let problem = w.quiescenceProblem();
  for (let t = 0; problem !== undefined && t < limitMs; t += 1000) {
    await w.settle(1000);
    problem = w.quiescenceProblem();
  }
  return problem;
}

describe('issue 21 repros (simulation)', function () {
  this.timeout(120_000);

  it('1: kill during an unplaceable restart, then a forced fix: exactly 3 run and the deployment finishes', async () => {
    const w = world(21, 3);
    await w.startNode();
    await w.settle(3000);
    await leader(w).service.createApp({ id: '/r1', cmd: 'sleep 1000', cpus: 0.1, mem: 32, instances: 3 }, meta);
    assert.equal(await converge(w, 30_000), undefined);
    await leader(w).service.updateApp('/r1', { id: '/r1', cmd: 'sleep 1000', cpus: 100, mem: 32, instances: 3 }, { partial: false, force: false, allowCreate: true, meta });
    await w.settle(5000);
    const old = leader(w).repo.instancesOf('/r1').find((i) => i.condition === 'Running');
    assert.ok(old !== undefined);
    await leader(w).service.killInstances([old], { scale: false, force: false, wipe: false });
    await w.settle(5000);
    await leader(w).service.updateApp('/r1', { cpus: 0.1 }, { partial: true, force: true, allowCreate: false, meta });
    assert.equal(await converge(w, 120_000), undefined);
    await leader(w).service.updateApp('/r1', { instances: 3 }, { partial: true, force: true, allowCreate: false, meta });
    assert.equal(await converge(w, 60_000), undefined);
  });

  it('2: leader killed during a scale to 200, quorum lost around a scale to 150, then 100: converges to 100, no deployment left, bounded kills', async () => {
    const w = world(22, 10);
    await w.startNode();
    await w.settle(3000);
    await leader(w).service.createApp({ id: '/r2', cmd: 'sleep 1000', cpus: 0.01, mem: 1, instances: 1 }, meta);
    await w.settle(2000);
    await leader(w).service.updateApp('/r2', { instances: 200 }, { partial: true, force: true, allowCreate: false, meta });
    await w.settle(30);
    leader(w).crash();
    w.node = undefined;
    await w.settle(2000);
    await w.startNode();
    assert.equal(await converge(w, 120_000), undefined);
    await leader(w).service.updateApp('/r2', { instances: 150 }, { partial: true, force: true, allowCreate: false, meta });
    await w.settle(300);
    // Quorum lost: writes fail, the session expires (leadership lost), then both come back.
    const n = leader(w);
    n.store.outage = true;
    await w.settle(1500);
    await n.depose();
    await w.settle(5000);
    n.store.outage = false;
    await n.lead();
    await w.settle(200);
    await leader(w).service.updateApp('/r2', { instances: 100 }, { partial: true, force: true, allowCreate: false, meta });
    const killsBefore = leader(w).driver?.sent.get('KILL') ?? 0;
    assert.equal(await converge(w, 180_000), undefined);
    const kills = (leader(w).driver?.sent.get('KILL') ?? 0) - killsBefore;
    assert.ok(kills <= 200, `kills bounded (sent ${kills})`);
    assert.equal(leader(w).repo.deployments.size, 0);
  });

  it('4: kill -9 of serve in a create/scale/delete loop (26 rounds): every round converges', async () => {
    const w = world(24, 4);
    await w.startNode();
    await w.settle(3000);
    for (let round = 0; round < 26; round++) {
      const id = `/a${round % 3}`;
      await leader(w).service.createApp({ id, cmd: 'sleep 1000', cpus: 0.1, mem: 32, instances: 3 }, meta).catch(() => undefined);
      await w.settle(100 + (round * 137) % 900);
      await leader(w).service.updateApp(id, { instances: 5 }, { partial: true, force: true, allowCreate: false, meta }).catch(() => undefined);
      await w.settle((round * 71) % 400);
      leader(w).crash();
      w.node = undefined;
      await w.startNode();
      await leader(w).service.updateApp(id, { instances: 3 }, { partial: true, force: true, allowCreate: false, meta }).catch(() => undefined);
      assert.equal(await converge(w, 40_000), undefined, `round ${round}`);
      if (round % 2 === 1) {
        await leader(w).service.deleteApp(id, true);
        assert.equal(await converge(w, 40_000), undefined, `round ${round} delete`);
      }
    }
  });
});
