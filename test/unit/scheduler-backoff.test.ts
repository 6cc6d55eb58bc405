import assert from 'node:assert/strict';
import { advanceDelay, backoffKey, increaseDelay, isExpired, timeLeftMs } from '../../src/core/scheduler/backoff';

const P = { backoffSeconds: 1, backoffFactor: 2, maxLaunchDelaySeconds: 10 };

describe('scheduler/backoff (spec §9)', () => {
  it('first failure delays by backoffSeconds, then × factor, capped', () => {
    let d = increaseDelay(undefined, P, 0);
    assert.equal(d.delayMs, 1000);
    d = increaseDelay(d, P, 1000);
    assert.equal(d.delayMs, 2000);
    d = increaseDelay(d, P, 3000);
    d = increaseDelay(d, P, 7000);
    assert.equal(d.delayMs, 8000);
    d = increaseDelay(d, P, 8000);
    assert.equal(d.delayMs, 10000, 'capped at maxLaunchDelaySeconds');
  });

  it('timeLeft counts from the failure; 0 = overdue', () => {
    const d = increaseDelay(undefined, P, 5000);
    assert.equal(timeLeftMs(d, P, 5000), 1000);
    assert.equal(timeLeftMs(d, P, 5600), 400);
    assert.equal(timeLeftMs(d, P, 6000), 0);
    assert.equal(timeLeftMs(undefined, P, 0), 0);
  });

  it('expires maxLaunchDelaySeconds after its reference; a running task moves the reference', () => {
    const d = increaseDelay(undefined, P, 0);
    assert.ok(!isExpired(d, P, 9999));
    assert.ok(isExpired(d, P, 10000));
    const advanced = advanceDelay(d, 9000);
    assert.ok(advanced !== undefined && !isExpired(advanced, P, 15000));
    assert.equal(advanced?.delayMs, 1000, 'delay value kept');
    assert.equal(advanceDelay(undefined, 1), undefined);
  });

  it('an expired delay starts clean on the next failure', () => {
    const d = increaseDelay(increaseDelay(undefined, P, 0), P, 0);
    assert.equal(d.delayMs, 2000);
    assert.equal(increaseDelay(d, P, 60_000).delayMs, 1000);
  });

  it('keys per app and config version', () => {
    assert.notEqual(backoffKey('/a', 't1'), backoffKey('/a', 't2'));
  });
});
