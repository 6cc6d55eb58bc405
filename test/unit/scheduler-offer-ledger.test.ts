// The offer ledger and the offer invariant check (pure; time is an argument).
import assert from 'node:assert/strict';
import { OfferLedger, offerInvariantViolations } from '../../src/core/scheduler/offer-ledger';

describe('offer ledger', function () {
  it('holds an offer from its arrival until the master took an answer or the offer went away', function () {
    const l = new OfferLedger({ reanswerAfterMs: 1000 });
    l.received('o1', 0);
    l.received('o2', 10);
    l.received('o3', 20);
    l.received('o1', 500); // a duplicate does not reset the age
    assert.deepEqual(l.stats(100), { held: 3, oldestAgeMs: 100 });
    l.answering('o1', 'decline', 30);
    assert.equal(l.has('o1'), true, 'an answer on its way does not release the offer');
    l.settled('o1');
    l.rescinded('o2');
    assert.deepEqual(l.stats(100), { held: 1, oldestAgeMs: 80 });
    l.clear();
    assert.deepEqual(l.stats(100), { held: 0, oldestAgeMs: 0 });
  });

  it('names an offer overdue once held reanswerAfterMs with no answer attempt for as long', function () {
    const l = new OfferLedger({ reanswerAfterMs: 1000 });
    l.received('fresh', 900);
    l.received('never-answered', 0);
    l.received('decline-lost', 0);
    l.answering('decline-lost', 'decline', 100);
    l.failed('decline-lost');
    l.received('decline-retrying', 0);
    l.answering('decline-retrying', 'decline', 500);
    assert.deepEqual(l.overdue(999), []);
    assert.deepEqual(l.overdue(1100).sort(), ['decline-lost', 'never-answered']);
    assert.deepEqual(l.overdue(1500).sort(), ['decline-lost', 'decline-retrying', 'never-answered']);
    // declined again at 1500: not overdue again before 2500
    for (const id of l.overdue(1500)) l.answering(id, 'decline', 1500);
    assert.deepEqual(l.overdue(2400).sort(), ['fresh']);
    assert.deepEqual(l.overdue(2500).sort(), ['decline-lost', 'decline-retrying', 'fresh', 'never-answered']);
  });

  it('knows whether an ACCEPT is still decided for an offer (not re-declined, rescinded or cleared)', function () {
    const l = new OfferLedger({ reanswerAfterMs: 1000 });
    l.received('o1', 0);
    l.answering('o1', 'accept', 0);
    assert.equal(l.isAccepting('o1'), true);
    l.answering('o1', 'decline', 2000);
    assert.equal(l.isAccepting('o1'), false);
    l.received('o2', 0);
    l.answering('o2', 'accept', 0);
    l.rescinded('o2');
    assert.equal(l.isAccepting('o2'), false);
  });

  it('the invariant check names every offer outstanding longer than the bound, oldest first', function () {
    const outstanding = [{ id: 'a', offeredAtMs: 0 }, { id: 'b', offeredAtMs: 50 }, { id: 'c', offeredAtMs: 80 }];
    assert.deepEqual(offerInvariantViolations(outstanding, 100, 30), [{ id: 'a', ageMs: 100 }, { id: 'b', ageMs: 50 }]);
    assert.deepEqual(offerInvariantViolations(outstanding, 100, 100), []);
    const l = new OfferLedger();
    l.received('x', 0);
    assert.deepEqual(offerInvariantViolations(l.outstanding(), 40_000), [{ id: 'x', ageMs: 40_000 }], 'default bound 30 s');
  });
});
