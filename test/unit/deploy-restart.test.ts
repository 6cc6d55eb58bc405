import assert from 'node:assert/strict';
import { decideRestart, restartBounds, type RestartInstance } from '../../src/core/deploy/restart';

let n = 0;
function i(isNew: boolean, ready: boolean, killing = false, slot = n): RestartInstance {
  n++;
  return { instanceId: `i${n}`, slot, condition: ready ? 'Running' : 'Staging', createdAt: `2024-01-01T00:00:${String(n).padStart(2, '0')}.000Z`, stagedAt: null, startedAt: null, isNew, ready, killing };
}
const S = (min: number, over: number) => ({ minimumHealthCapacity: min, maximumOverCapacity: over });

describe('deploy/restart (rolling replace, spec §8.3)', () => {
  it('default {1,1}: start all new first, kill nothing yet', () => {
    const d = decideRestart({ instances: [i(false, true), i(false, true)], target: 2, strategy: S(1, 1), killSelection: 'YOUNGEST_FIRST', capacityLimit: Infinity });
    assert.deepEqual(d, { kill: [], launch: 2, done: false });
  });

  it('kills an old instance for every new one that became ready', () => {
    const old = [i(false, true), i(false, true)];
    const d = decideRestart({ instances: [...old, i(true, true), i(true, false)], target: 2, strategy: S(1, 1), killSelection: 'YOUNGEST_FIRST', capacityLimit: Infinity });
    assert.equal(d.kill.length, 1);
    assert.equal(d.launch, 0);
  });

  it('minimumHealthCapacity 0.5: immediately kills down to half', () => {
    const d = decideRestart({ instances: [i(false, true), i(false, true), i(false, true), i(false, true)], target: 4, strategy: S(0.5, 0), killSelection: 'YOUNGEST_FIRST', capacityLimit: Infinity });
    assert.equal(d.kill.length, 2);
    assert.equal(d.launch, 0, 'no room until the killed ones are gone');
  });

  it('minHealthy == maxCapacity allows one extra instance', () => {
    assert.deepEqual(restartBounds(3, S(1, 0), Infinity), { minHealthy: 3, maxCapacity: 4 });
    const d = decideRestart({ instances: [i(false, true), i(false, true), i(false, true)], target: 3, strategy: S(1, 0), killSelection: 'YOUNGEST_FIRST', capacityLimit: Infinity });
    assert.deepEqual([d.kill.length, d.launch], [0, 1]);
  });

  it('a static pool without spare addresses kills first, then relaunches in the freed slot', () => {
    assert.deepEqual(restartBounds(1, S(1, 1), 1), { minHealthy: 0, maxCapacity: 1 });
    const first = decideRestart({ instances: [i(false, true)], target: 1, strategy: S(1, 1), killSelection: 'YOUNGEST_FIRST', capacityLimit: 1 });
    assert.deepEqual([first.kill.length, first.launch], [1, 0]);
    const killing = decideRestart({ instances: [i(false, true, true)], target: 1, strategy: S(1, 1), killSelection: 'YOUNGEST_FIRST', capacityLimit: 1 });
    assert.deepEqual([killing.kill.length, killing.launch], [0, 0], 'the dying instance still holds its slot');
    const gone = decideRestart({ instances: [], target: 1, strategy: S(1, 1), killSelection: 'YOUNGEST_FIRST', capacityLimit: 1 });
    assert.deepEqual([gone.launch, gone.done], [1, false]);
  });

  it('done when only ready new instances remain', () => {
    const d = decideRestart({ instances: [i(true, true), i(true, true)], target: 2, strategy: S(1, 1), killSelection: 'YOUNGEST_FIRST', capacityLimit: Infinity });
    assert.deepEqual(d, { kill: [], launch: 0, done: true });
  });

  it('restart to 0 instances kills all old ones', () => {
    const d = decideRestart({ instances: [i(false, true), i(false, true)], target: 0, strategy: S(1, 1), killSelection: 'YOUNGEST_FIRST', capacityLimit: Infinity });
    assert.equal(d.kill.length, 2);
  });

  it('kills surplus new instances (a superseded deployment left one too many), so the step can finish', () => {
    const d = decideRestart({ instances: [i(true, true), i(true, true), i(true, true), i(true, true)], target: 3, strategy: S(1, 1), killSelection: 'YOUNGEST_FIRST', capacityLimit: Infinity });
    assert.deepEqual([d.kill.length, d.launch, d.done], [1, 0, false]);
    const after = decideRestart({ instances: [i(true, true), i(true, true), i(true, true)], target: 3, strategy: S(1, 1), killSelection: 'YOUNGEST_FIRST', capacityLimit: Infinity });
    assert.equal(after.done, true);
  });
});
