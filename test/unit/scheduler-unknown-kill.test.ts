import assert from 'node:assert/strict';
import { UnknownTaskKiller } from '../../src/core/scheduler/unknown-task-killer';

describe('unknown task killer (pure)', () => {
  it('kills at once, then only after a doubling pause, however many updates arrive', () => {
    const k = new UnknownTaskKiller({ firstPauseMs: 1000, maxPauseMs: 4000, perSecond: 100, forgetAfterMs: 60_000 });
    const at: number[] = [];
    for (let t = 0; t <= 12_000; t += 100) if (k.shouldKill('t1', t)) at.push(t);
    assert.deepEqual(at, [0, 1000, 3000, 7000, 11000]);
  });

  it('caps kills per second across tasks', () => {
    const k = new UnknownTaskKiller({ firstPauseMs: 1000, maxPauseMs: 60_000, perSecond: 3, forgetAfterMs: 60_000 });
    const sent = Array.from({ length: 10 }, (_, i) => k.shouldKill(`t${i}`, 500)).filter(Boolean).length;
    assert.equal(sent, 3);
    assert.equal(k.shouldKill('t5', 1500), true, 'the next second has room again');
  });

  it('forgets a task once terminal, and stale entries on prune', () => {
    const k = new UnknownTaskKiller({ firstPauseMs: 1000, maxPauseMs: 60_000, perSecond: 10, forgetAfterMs: 5000 });
    k.shouldKill('a', 0);
    k.shouldKill('b', 0);
    k.gone('a');
    assert.equal(k.size, 1);
    k.prune(5000);
    assert.equal(k.size, 0);
  });
});
