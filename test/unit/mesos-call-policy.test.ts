// The per-call-type retry policy and its loop, driven by an injected clock (time moves only when
// the test advances it; nothing sleeps).
import assert from 'node:assert/strict';
import {
  type AttemptResult, CallHealth, type CallType, decide, policyFor, runCall,
} from '../../src/mesos/call-policy';
import { MesosCallOutcomeUnknownError, MesosHttpError, MesosRedirectError, MesosSubscriptionLostError } from '../../src/mesos/errors';
import { FakeClock } from './mesos-fake-clock';

const BACKOFF = { initialMs: 100, maxMs: 1000 };
const REPEATABLE: CallType[] = ['DECLINE', 'ACKNOWLEDGE', 'KILL', 'RECONCILE', 'REVIVE', 'SUPPRESS'];
const err = (m: string): Error => new Error(m);

function fail(kind: Exclude<AttemptResult['kind'], 'ok'>): AttemptResult {
  return { kind, error: err(kind) } as AttemptResult;
}

/** Lets pending promise callbacks run, then moves the clock by `ms`; repeated until `p` settles. */
async function drive<T>(clock: FakeClock, p: Promise<T>, stepMs = 50, maxSteps = 10_000): Promise<T> {
  let settled = false;
  const watched = p.finally(() => { settled = true; });
  watched.catch(() => undefined);
  for (let i = 0; i < maxSteps && !settled; i++) {
    await new Promise<void>((r) => setImmediate(r));
    if (!settled) clock.advance(stepMs);
  }
  return watched;
}

describe('mesos call policy', function () {
  it('retries every failure but a rejection of the repeatable calls, without a limit', function () {
    for (const type of REPEATABLE) {
      assert.equal(policyFor(type).repeatable, true, type);
      for (const kind of ['unavailable', 'not-sent', 'unknown', 'stale-socket'] as const) {
        const d = decide(fail(kind), { type, attempts: 1000, failures: 1000, maxAttempts: 9, backoff: BACKOFF });
        assert.equal(d.action, 'retry', `${type} after ${kind}`);
      }
      assert.equal(decide(fail('rejected'), { type, attempts: 1, failures: 1, maxAttempts: 9, backoff: BACKOFF }).action, 'fail');
    }
  });

  it('answers an ACCEPT of unknown outcome (a stale keep-alive socket included) with MesosCallOutcomeUnknownError, never a second ACCEPT', function () {
    const stale = decide(fail('stale-socket'), { type: 'ACCEPT', attempts: 1, failures: 1, maxAttempts: 9, backoff: BACKOFF });
    assert.ok(stale.action === 'fail' && stale.error instanceof MesosCallOutcomeUnknownError);
    assert.deepEqual(policyFor('ACCEPT'), { repeatable: false, freshConnection: false });
    const d = decide(fail('unknown'), { type: 'ACCEPT', attempts: 1, failures: 1, maxAttempts: 9, backoff: BACKOFF });
    assert.equal(d.action, 'fail');
    assert.ok(d.action === 'fail' && d.error instanceof MesosCallOutcomeUnknownError);
  });

  it('retries an ACCEPT that surely did not reach the master (refused, 503) up to maxAttempts', function () {
    for (const kind of ['not-sent', 'unavailable'] as const) {
      assert.equal(decide(fail(kind), { type: 'ACCEPT', attempts: 2, failures: 2, maxAttempts: 3, backoff: BACKOFF }).action, 'retry');
      const last = decide(fail(kind), { type: 'ACCEPT', attempts: 3, failures: 3, maxAttempts: 3, backoff: BACKOFF });
      assert.ok(last.action === 'fail' && last.error.message === kind, kind);
    }
  });

  it('resends after a stale keep-alive socket at once on a fresh connection, then backs off', function () {
    assert.deepEqual(decide(fail('stale-socket'), { type: 'DECLINE', attempts: 1, failures: 1, maxAttempts: 9, backoff: BACKOFF }),
      { action: 'retry', delayMs: 0, fresh: true });
    assert.deepEqual(decide(fail('stale-socket'), { type: 'DECLINE', attempts: 3, failures: 3, maxAttempts: 9, backoff: BACKOFF }),
      { action: 'retry', delayMs: 400, fresh: true });
  });

  it('backs off exponentially up to the cap and follows redirects at once up to maxAttempts', function () {
    const delays = [1, 2, 3, 4, 5, 6].map((failures) => {
      const d = decide(fail('unknown'), { type: 'KILL', attempts: failures, failures, maxAttempts: 9, backoff: BACKOFF });
      return d.action === 'retry' ? d.delayMs : -1;
    });
    assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
    assert.deepEqual(decide(fail('redirect'), { type: 'KILL', attempts: 1, failures: 0, maxAttempts: 2, backoff: BACKOFF }), { action: 'retry', delayMs: 0, fresh: false });
    const loop = decide(fail('redirect'), { type: 'KILL', attempts: 2, failures: 0, maxAttempts: 2, backoff: BACKOFF });
    assert.ok(loop.action === 'fail' && loop.error instanceof MesosRedirectError);
  });

  it('runs a DECLINE through every kind of failure to success, waiting only on the injected clock', async function () {
    const clock = new FakeClock();
    const script: AttemptResult[] = [fail('stale-socket'), fail('unknown'), fail('not-sent'), fail('unavailable'), { kind: 'ok' }];
    const seen: Array<{ at: number; fresh: boolean }> = [];
    const start = clock.now();
    await drive(clock, runCall({
      type: 'DECLINE', maxAttempts: 2, backoff: BACKOFF, current: () => true,
      sleep: (ms) => new Promise((r) => clock.setTimer(r, ms)),
      attempt: async (fresh) => { seen.push({ at: clock.now() - start, fresh }); return script.shift() as AttemptResult; },
    }), 10);
    assert.equal(script.length, 0, 'more attempts than maxAttempts: a repeatable call has no limit');
    assert.deepEqual(seen.map((s) => s.fresh), [false, true, true, true, true]);
    // stale socket: at once; then the backoff of the 2nd, 3rd, 4th failure: 200, 400, 800.
    const gaps = seen.slice(1).map((s, i) => s.at - (seen[i] as { at: number }).at);
    assert.deepEqual(gaps.map((g) => Math.round(g / 10) * 10), [0, 200, 400, 800]);
  });

  it('sends an ACCEPT on the pool first, a retry after not-sent on a fresh connection, and stops at an unknown outcome', async function () {
    const clock = new FakeClock();
    const script: AttemptResult[] = [fail('not-sent'), fail('unknown'), { kind: 'ok' }];
    const fresh: boolean[] = [];
    await assert.rejects(drive(clock, runCall({
      type: 'ACCEPT', maxAttempts: 9, backoff: BACKOFF, current: () => true,
      sleep: (ms) => new Promise((r) => clock.setTimer(r, ms)),
      attempt: async (f) => { fresh.push(f); return script.shift() as AttemptResult; },
    })), MesosCallOutcomeUnknownError);
    assert.deepEqual(fresh, [false, true]);
    assert.equal(script.length, 1, 'no third attempt');
  });

  it('gives up when the subscription ends, and never retries a rejection', async function () {
    const clock = new FakeClock();
    let current = true;
    let attempts = 0;
    const p = runCall({
      type: 'REVIVE', maxAttempts: 9, backoff: BACKOFF, current: () => current,
      sleep: (ms) => new Promise((r) => clock.setTimer(r, ms)),
      attempt: async () => { attempts++; if (attempts === 3) current = false; return fail('unknown'); },
    });
    await assert.rejects(drive(clock, p), MesosSubscriptionLostError);
    assert.equal(attempts, 3);

    let kills = 0;
    const rejected = new MesosHttpError(400, 'Framework cannot be found', 'KILL');
    await assert.rejects(runCall({
      type: 'KILL', maxAttempts: 9, backoff: BACKOFF, current: () => true, sleep: async () => undefined,
      attempt: async () => { kills++; return { kind: 'rejected', error: rejected }; },
    }), (e: unknown) => e === rejected);
    assert.equal(kills, 1);
  });

  it('call health: gives up on a master after N failures in a row spanning the minimum time', function () {
    const h = new CallHealth({ failures: 3, spanMs: 1000 });
    assert.equal(h.failure('unknown', 0), false);
    assert.equal(h.failure('stale-socket', 10), false, 'stale sockets do not count');
    assert.equal(h.failure('unavailable', 20), false);
    assert.equal(h.consecutiveFailures, 2);
    assert.equal(h.failure('not-sent', 500), false, 'three, but within 1 s');
    assert.equal(h.failure('not-sent', 1000), true);
    h.success();
    assert.equal(h.consecutiveFailures, 0);
    assert.equal(h.failure('unknown', 5000), false, 'a success starts the count over');
    assert.equal(h.failure('rejected', 9000), false);
    assert.equal(h.consecutiveFailures, 1, 'rejections are answers, not failures');
  });
});
