// Backoff and heartbeat-watchdog maths, driven by an injected clock.
import assert from 'node:assert/strict';
import { Backoff, backoffDelay } from '../../src/mesos/backoff';
import { HeartbeatWatchdog, heartbeatTimeoutMs } from '../../src/mesos/heartbeat-watchdog';
import { FakeClock } from './mesos-fake-clock';

describe('backoff', function () {
  it('doubles from initialMs and caps at maxMs', function () {
    const policy = { initialMs: 500, maxMs: 15_000 };
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((a) => backoffDelay(a, policy)), [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
  });

  it('never overflows for huge attempt counts', function () {
    assert.equal(backoffDelay(10_000, { initialMs: 1, maxMs: 13_000 }), 13_000);
  });

  it('treats a cap below the start as the start', function () {
    assert.equal(backoffDelay(3, { initialMs: 200, maxMs: 50 }), 200);
  });

  it('counts attempts and starts over after reset()', function () {
    const b = new Backoff({ initialMs: 10, maxMs: 35 });
    assert.deepEqual([b.next(), b.next(), b.next(), b.next()], [10, 20, 35, 35]);
    assert.equal(b.attempts, 4);
    b.reset();
    assert.equal(b.next(), 10);
  });
});

describe('heartbeat watchdog', function () {
  it('computes the silence limit as missLimit × interval', function () {
    assert.equal(heartbeatTimeoutMs(15, 5), 75_000);
    assert.equal(heartbeatTimeoutMs(0.05, 2), 100);
    assert.equal(heartbeatTimeoutMs(0, 5), 75_000, 'a missing interval falls back to the 15 s default');
    assert.equal(heartbeatTimeoutMs(15, 0), 75_000, 'a nonsensical limit falls back to 5');
  });

  it('fires once after the limit of silence', function () {
    const clock = new FakeClock();
    const fired: number[] = [];
    const w = new HeartbeatWatchdog(clock, (silent) => fired.push(silent));
    w.arm(75_000);
    clock.advance(74_999);
    assert.deepEqual(fired, []);
    clock.advance(1);
    assert.deepEqual(fired, [75_000]);
    clock.advance(500_000);
    assert.equal(fired.length, 1, 'does not fire again');
    assert.equal(w.armed, false);
  });

  it('never fires while records keep arriving within the limit', function () {
    const clock = new FakeClock();
    let fired = 0;
    const w = new HeartbeatWatchdog(clock, () => fired++);
    w.arm(75_000);
    for (let i = 0; i < 100; i++) {
      clock.advance(15_000);
      w.feed();
    }
    assert.equal(fired, 0);
    assert.ok(clock.pending <= 1, 'one timer at a time, not one per record');
  });

  it('measures silence from the last record, not from arming', function () {
    const clock = new FakeClock();
    const fired: number[] = [];
    const w = new HeartbeatWatchdog(clock, (silent) => fired.push(silent));
    w.arm(100);
    clock.advance(90);
    w.feed();
    clock.advance(99);
    assert.deepEqual(fired, []);
    clock.advance(1);
    assert.deepEqual(fired, [100]);
  });

  it('is silenced by disarm() and restarted by arm()', function () {
    const clock = new FakeClock();
    let fired = 0;
    const w = new HeartbeatWatchdog(clock, () => fired++);
    w.arm(100);
    w.disarm();
    clock.advance(1000);
    assert.equal(fired, 0);
    assert.equal(clock.pending, 0);
    w.arm(50);
    clock.advance(50);
    assert.equal(fired, 1);
  });
});
