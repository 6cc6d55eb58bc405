// The simulated master's task table keeps per-agent used resources and per-framework cpus equal
// to a sum over its live tasks, whatever the order of launches, frees and removals.
import assert from 'node:assert/strict';
import { EMPTY, add, bagFromMesos, type ResourceBag } from '../../src/sim/mesos/resources';
import { TaskTable, type HoldsResources } from '../../src/sim/mesos/task-table';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

describe('task table', function () {
  it('keeps used resources per agent and cpus per framework equal to a recount', function () {
    for (let seed = 1; seed <= 20; seed++) {
      const r = rng(seed);
      const table = new TaskTable<HoldsResources>();
      let port = 1000;
      for (let step = 0; step < 300; step++) {
        const keys = [...table.keys()];
        const pick = r();
        if (pick < 0.5 || keys.length === 0) {
          const p = port++;
          const resources = bagFromMesos([
            { name: 'cpus', type: 'SCALAR', scalar: { value: Math.round(r() * 100) / 100 } },
            { name: 'mem', type: 'SCALAR', scalar: { value: Math.round(r() * 64) } },
            { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: p, end: p }] } },
          ]);
          table.set(`t${step}`, { frameworkId: `f${Math.floor(r() * 2)}`, agentId: `a${Math.floor(r() * 3)}`, resources, resourcesFreed: false });
        } else if (pick < 0.75) {
          table.free(table.get(keys[Math.floor(r() * keys.length)]) as HoldsResources);
        } else {
          table.delete(keys[Math.floor(r() * keys.length)]);
        }
        const used = new Map<string, ResourceBag>();
        const cpus = new Map<string, number>();
        for (const t of table.values()) {
          if (t.resourcesFreed) continue;
          used.set(t.agentId, add(used.get(t.agentId) ?? EMPTY, t.resources));
          cpus.set(t.frameworkId, (cpus.get(t.frameworkId) ?? 0) + (t.resources.scalars.get('cpus') ?? 0));
        }
        for (const a of ['a0', 'a1', 'a2']) {
          const want = used.get(a);
          const got = table.used().get(a);
          const nonZero = (m: ReadonlyMap<string, number> | undefined): Map<string, number> => new Map([...(m ?? [])].filter(([, v]) => v > 0));
          assert.deepEqual(nonZero(got?.scalars), nonZero(want?.scalars), `seed ${seed} step ${step} ${a} scalars`);
          assert.deepEqual(got?.ranges ?? new Map(), want?.ranges ?? new Map(), `seed ${seed} step ${step} ${a} ranges`);
        }
        for (const f of ['f0', 'f1']) assert.equal(table.cpusOf(f), (cpus.get(f) ?? 0) / 1000, `seed ${seed} step ${step} ${f} cpus`);
      }
    }
  });
});
