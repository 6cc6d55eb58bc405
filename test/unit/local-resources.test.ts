import assert from 'node:assert/strict';
import {
  add, agentBag, bagFromMesos, contains, formatBag, formatResourceList, isEmpty, normalizeRanges, scalar, subtract, toMesos,
} from '../../src/sim/mesos/resources';

describe('local resources', () => {
  const agent = agentBag({ cpus: 2, mem: 4096, disk: 10240 });
  const task = bagFromMesos([
    { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
    { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
  ]);

  it('keeps scalars in fixed point, so 2 - 0.1 - 0.1 is exactly 1.8 (as Mesos prints it)', () => {
    const left = subtract(subtract(agent, task), task);
    assert.equal(scalar(left, 'cpus'), 1.8);
    assert.equal(scalar(left, 'mem'), 4032);
  });

  it('formats the available pool in the words of the recorded TASK_ERROR', () => {
    const left = subtract(subtract(agent, task), task);
    assert.equal(formatBag(left, '*'), 'ports(allocated: *):[31000-32000]; cpus(allocated: *):1.8; mem(allocated: *):4032; disk(allocated: *):10240');
    assert.equal(formatResourceList([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 64 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
    ], '*'), 'cpus(allocated: *):64; mem(allocated: *):32');
  });

  it('offers resources in the agent order ports, cpus, mem, disk with role and optional allocation_info', () => {
    const single = toMesos(agent, undefined);
    assert.deepEqual(single.map((r) => r.name), ['ports', 'cpus', 'mem', 'disk']);
    assert.equal(single[0]?.allocation_info, undefined);
    assert.equal(single[0]?.role, '*');
    const multi = toMesos(agent, '*');
    assert.deepEqual(multi[1], { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: '*', allocation_info: { role: '*' } });
  });

  it('subtracts and tests port ranges as intervals', () => {
    const ports = bagFromMesos([{ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31000 }, { begin: 31500, end: 31600 }] } }]);
    assert.ok(contains(agent, ports));
    const left = subtract(agent, ports);
    assert.deepEqual(left.ranges.get('ports'), [[31001, 31499], [31601, 32000]]);
    assert.equal(contains(left, ports), false);
    assert.deepEqual(add(left, ports).ranges.get('ports'), [[31000, 32000]]);
    assert.deepEqual(normalizeRanges([[5, 6], [1, 2], [3, 4]]), [[1, 6]]);
  });

  it('contains: more of anything, or an unknown resource, does not fit', () => {
    assert.ok(contains(agent, task));
    assert.equal(contains(task, agent), false);
    assert.equal(contains(agent, bagFromMesos([{ name: 'gpus', type: 'SCALAR', scalar: { value: 1 } }])), false);
    assert.ok(isEmpty(subtract(task, agent)));
  });

  it('rejects what a task may not ask for', () => {
    assert.throws(() => bagFromMesos([{ name: 'cpus', type: 'SCALAR', scalar: { value: -1 } }]), /Invalid scalar resource cpus/);
    assert.throws(() => bagFromMesos([{ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 5, end: 3 }] } }]), /Invalid ranges/);
    assert.throws(() => bagFromMesos([{ name: 'x', type: 'SET', set: { item: ['a'] } }]), /Unsupported resource type SET/);
  });
});
