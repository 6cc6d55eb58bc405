// The per-app instance index (counts, free slots, housekeeping candidates) against a brute-force
// recount after every step of seeded random changes made in place, as the scheduler makes them.
import assert from 'node:assert/strict';
import { countTasks } from '../../src/server/api/render';
import { InstanceIndex } from '../../src/core/scheduler/instance-index';
import type { Instance, InstanceCondition } from '../../src/core/scheduler/instance';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const CONDITIONS: InstanceCondition[] = ['Scheduled', 'Provisioned', 'Staging', 'Starting', 'Running', 'Running', 'Killing', 'Unreachable', 'UnreachableInactive'];

function instance(id: string, appId: string, slot: number): Instance {
  return {
    instanceId: id, appId, slot, incarnation: 0, taskId: null, runSpecVersion: 'v', configVersion: 'v', condition: 'Scheduled',
    state: null, agentId: null, host: null, createdAt: '', launchedAtMs: null, stagedAt: null, startedAt: null, ports: [],
    servicePorts: [], ipAddresses: [], launchedNetworkInfos: [], statusNetworkInfos: [], message: '', unreachableSince: null,
    killRequested: false, killSentAtMs: null, decommissioned: false, healthy: null, role: '*',
  };
}

describe('instance index', function () {
  it('keeps counts (per app and staged over all apps), the lowest free slot and the watched instances equal to a recount', function () {
    for (let seed = 1; seed <= 30; seed++) {
      const r = rng(seed);
      const index = new InstanceIndex();
      const live = new Map<string, Instance>();
      const apps = ['/a', '/b', '/c'];
      let next = 0;
      for (let step = 0; step < 400; step++) {
        const pick = r();
        const all = [...live.values()];
        if (pick < 0.3 || all.length === 0) {
          const i = instance(`i${next++}`, apps[Math.floor(r() * apps.length)], Math.floor(r() * 12));
          live.set(i.instanceId, i);
          index.put(i);
        } else if (pick < 0.45) {
          const i = all[Math.floor(r() * all.length)];
          live.delete(i.instanceId);
          index.remove(i.instanceId);
        } else {
          const i = all[Math.floor(r() * all.length)];
          i.condition = CONDITIONS[Math.floor(r() * CONDITIONS.length)];
          i.healthy = [null, true, false][Math.floor(r() * 3)];
          i.killRequested = r() < 0.2;
          if (r() < 0.3) i.slot = Math.floor(r() * 12);
          if (r() < 0.3) i.launchedAtMs = Math.floor(r() * 100);
          index.put(i);
        }
        for (const appId of apps) {
          const mine = [...live.values()].filter((i) => i.appId === appId);
          assert.deepEqual(index.counts(appId), countTasks(mine), `seed ${seed} step ${step} ${appId} counts`);
          const used = new Set(mine.map((i) => i.slot));
          for (const below of [0, 3, 12]) {
            let expected: number | undefined;
            for (let s = 0; s < below; s++) if (!used.has(s) && s < Math.max(-1, ...used)) { expected = s; break; }
            assert.equal(index.lowestFreeSlotBelow(appId, below), expected, `seed ${seed} step ${step} ${appId} free below ${below}`);
          }
        }
        assert.equal(index.stagedTotal(), countTasks([...live.values()]).tasksStaged, `seed ${seed} step ${step} staged over all apps`);
        const watched = [...live.values()].filter((i) => i.killRequested || i.condition === 'Unreachable' || i.condition === 'UnreachableInactive').map((i) => i.instanceId).sort();
        assert.deepEqual([...index.watched()].sort(), watched, `seed ${seed} step ${step} watched`);
      }
    }
  });

  it('hands out each launch once its launch time is at or before the cutoff, the newest launch of a relaunched instance only', function () {
    const r = rng(7);
    const index = new InstanceIndex();
    const live: Instance[] = [];
    for (let n = 0; n < 500; n++) {
      const i = instance(`i${n}`, '/a', n);
      i.condition = (['Provisioned', 'Staging', 'Starting', 'Running', 'Scheduled'] as const)[n % 5];
      i.launchedAtMs = i.condition === 'Scheduled' ? null : Math.floor(r() * 1000);
      index.put(i);
      live.push(i);
    }
    // Relaunched: only the new launch time counts.
    live[0].launchedAtMs = 5000;
    index.put(live[0]);
    const seen: string[] = [];
    for (const cutoff of [100, 400, 400, 999, 6000]) {
      const got = index.launchesSentBy(cutoff);
      for (const id of got) {
        const i = live.find((x) => x.instanceId === id) as Instance;
        assert.ok((i.launchedAtMs as number) <= cutoff, `${id} launched at ${i.launchedAtMs}, cutoff ${cutoff}`);
        assert.ok(!seen.includes(id), `${id} handed out twice`);
        seen.push(id);
      }
    }
    const expected = live.filter((i) => i.condition !== 'Running' && i.condition !== 'Scheduled').map((i) => i.instanceId).sort();
    assert.deepEqual([...seen].sort(), expected);
  });
});
