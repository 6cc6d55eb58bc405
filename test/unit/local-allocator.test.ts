import assert from 'node:assert/strict';
import { allocate, isRefused, liveRefusals } from '../../src/sim/mesos/allocator';
import { agentBag, bagFromMesos, scalar } from '../../src/sim/mesos/resources';

describe('local allocator', () => {
  const full = agentBag({ cpus: 2, mem: 1024, disk: 0 });
  const half = agentBag({ cpus: 1, mem: 512, disk: 0, ports: [] });

  it('gives each agent to one framework, the one with the smallest cpu share first', () => {
    const out = allocate([{ id: 'S0', available: full }, { id: 'S1', available: full }],
      [{ id: 'busy', allocatedCpus: 3, refusals: [] }, { id: 'idle', allocatedCpus: 0, refusals: [] }], 0);
    assert.deepEqual(out.map((a) => `${a.agentId}->${a.frameworkId}`), ['S0->idle', 'S1->idle']);
    const balanced = allocate([{ id: 'S0', available: full }, { id: 'S1', available: full }],
      [{ id: 'a', allocatedCpus: 0, refusals: [] }, { id: 'b', allocatedCpus: 0, refusals: [] }], 0);
    assert.deepEqual(balanced.map((a) => a.frameworkId), ['a', 'b'], 'the share grows as offers are made');
  });

  it('skips a framework whose refusal covers the resources, until it expires', () => {
    const refusals = [{ agentId: 'S0', resources: full, until: 1000 }];
    assert.equal(isRefused(refusals, 'S0', half, 999), true, 'a subset of what was declined stays filtered');
    assert.equal(isRefused(refusals, 'S0', half, 1000), false, 'expired');
    assert.equal(isRefused(refusals, 'S1', half, 0), false, 'another agent');
    const more = bagFromMesos([{ name: 'cpus', type: 'SCALAR', scalar: { value: 3 } }]);
    assert.equal(isRefused(refusals, 'S0', more, 0), false, 'more than was declined is offered again');
    const out = allocate([{ id: 'S0', available: half }], [{ id: 'f', allocatedCpus: 0, refusals }, { id: 'g', allocatedCpus: 5, refusals: [] }], 10);
    assert.equal(out[0]?.frameworkId, 'g');
    assert.equal(scalar(out[0]?.resources ?? full, 'cpus'), 1);
    assert.deepEqual(liveRefusals(refusals, 1000), []);
  });

  it('offers nothing for empty agents or without eligible frameworks', () => {
    assert.deepEqual(allocate([{ id: 'S0', available: agentBag({ cpus: 0, mem: 0, disk: 0, ports: [] }) }], [{ id: 'f', allocatedCpus: 0, refusals: [] }], 0), []);
    assert.deepEqual(allocate([{ id: 'S0', available: full }], [], 0), []);
  });
});
