// Waiting lists kept between offer rounds: slot order, rebuilt only when an instance joined,
// instances that left skipped, a round's shifts not kept.
import assert from 'node:assert/strict';
import { WaitingLists } from '../../src/core/scheduler/waiting-lists';
import type { Instance } from '../../src/core/scheduler/instance';

function inst(id: string, slot: number): Instance {
  return { instanceId: id, slot, condition: 'Scheduled' } as Instance;
}

describe('waiting lists', function () {
  it('lists from the lowest slot, skips instances that left, rebuilds only on a new stamp', function () {
    const lists = new WaitingLists();
    const a = [inst('x', 2), inst('y', 0), inst('z', 1)];
    let builds = 0;
    const build = (): Instance[] => { builds++; return a.filter((i) => i.condition === 'Scheduled'); };
    const waiting = (i: Instance): boolean => i.condition === 'Scheduled';
    const c1 = lists.cursor('/a', 1, build, waiting);
    assert.deepEqual([c1.first().instanceId, c1.length], ['y', 3]);
    c1.shift();
    assert.equal(c1.first().instanceId, 'z');
    // A round's shift is not kept: the next round starts again at the first still waiting.
    assert.equal(lists.cursor('/a', 1, build, waiting).first().instanceId, 'y');
    a[1].condition = 'Provisioned';
    const c2 = lists.cursor('/a', 1, build, waiting);
    assert.deepEqual([c2.first().instanceId, c2.length, builds], ['z', 2, 1]);
    a.push(inst('w', 0));
    const c3 = lists.cursor('/a', 2, build, waiting);
    assert.deepEqual([c3.first().instanceId, c3.length, builds], ['w', 3, 2]);
    lists.keepOnly(new Set());
    lists.cursor('/a', 2, build, waiting);
    assert.equal(builds, 3, 'dropped lists are rebuilt');
  });
});
