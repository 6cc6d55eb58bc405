import assert from 'node:assert/strict';
import { freeSlots, orderForKill, selectInstancesToKill, type KillCandidate, type RankedCondition } from '../../src/core/deploy/kill-selection';
import type { Instance, InstanceCondition } from '../../src/core/scheduler/instance';

function inst(id: string, condition: InstanceCondition, slot: number, startedAt: string | null = null): KillCandidate {
  return { instanceId: id, slot, condition, createdAt: '2024-01-01T00:00:00.000Z', stagedAt: startedAt, startedAt };
}

describe('deploy/kill-selection', () => {
  it('declares only what an Instance has (checked by the compiler)', () => {
    const ranked: [RankedCondition] extends [InstanceCondition] ? true : false = true;
    const asCandidate = (i: Instance): KillCandidate => i;
    assert.equal(ranked, true);
    assert.equal(typeof asCandidate, 'function');
  });

  const pool = [
    inst('run-old', 'Running', 0, '2024-01-01T01:00:00.000Z'),
    inst('run-new', 'Running', 1, '2024-01-01T05:00:00.000Z'),
    inst('staging', 'Staging', 2, '2024-01-01T06:00:00.000Z'),
    inst('starting', 'Starting', 3, '2024-01-01T06:00:00.000Z'),
    inst('unreachable', 'Unreachable', 4, '2024-01-01T00:30:00.000Z'),
    inst('scheduled', 'Scheduled', 5),
    inst('killing', 'Killing', 6, '2024-01-01T00:10:00.000Z'),
  ];

  it('orders never-launched, Unreachable, Staging, Starting, Running, then others', () => {
    assert.deepEqual(orderForKill(pool, 'YOUNGEST_FIRST').map((i) => i.instanceId),
      ['scheduled', 'unreachable', 'staging', 'starting', 'run-new', 'run-old', 'killing']);
  });

  it('OLDEST_FIRST reverses the age order within a condition', () => {
    assert.deepEqual(orderForKill(pool, 'OLDEST_FIRST').filter((i) => i.condition === 'Running').map((i) => i.instanceId), ['run-old', 'run-new']);
  });

  it('sentenced instances go first, even beyond the count', () => {
    const picked = selectInstancesToKill(pool, 1, 'YOUNGEST_FIRST', new Set(['run-old', 'starting']));
    assert.deepEqual(picked.map((i) => i.instanceId).sort(), ['run-old', 'starting']);
  });

  it('equal instances: the higher slot goes first (low slots and their addresses stay)', () => {
    const same = [inst('a', 'Running', 0, 'x'), inst('b', 'Running', 2, 'x'), inst('c', 'Running', 1, 'x')];
    assert.deepEqual(selectInstancesToKill(same, 2, 'YOUNGEST_FIRST').map((i) => i.slot), [2, 1]);
  });

  it('count 0 kills nothing and does not mutate the input', () => {
    const copy = [...pool];
    assert.deepEqual(selectInstancesToKill(pool, 0, 'YOUNGEST_FIRST'), []);
    assert.deepEqual(pool, copy);
  });

  it('freeSlots takes the lowest unused slots', () => {
    assert.deepEqual(freeSlots([0, 2, 3], 3), [1, 4, 5]);
    assert.deepEqual(freeSlots([], 2), [0, 1]);
  });
});
