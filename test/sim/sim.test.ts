// The seeded fault simulation in the test suite: SIM_SEEDS seeds (500 by default) of a short
// scenario each, and proof that the checker fails a deliberately broken cluster.
import assert from 'node:assert/strict';
import { failureReport } from './cli';
import { runSeed, type SimOptions } from './world';

const SEEDS = Number(process.env.SIM_SEEDS ?? 500);
const STEPS = 12;

/** Runs each scenario in turn; the failure reports, stopping after `stopAfter` of them. */
async function failuresOf(scenarios: Iterable<SimOptions>, stopAfter = Infinity): Promise<string[]> {
  const failures: string[] = [];
  for (const opts of scenarios) {
    const r = await runSeed(opts);
    if (!r.ok) failures.push(failureReport(opts, r.violation, r.trace, 25));
    if (failures.length >= stopAfter) break;
  }
  return failures;
}

/** The first violation the checker reports over seeds 1–20 with `bug` injected. */
async function firstViolation(bug: SimOptions['bug']): Promise<string | undefined> {
  for (let seed = 1; seed <= 20; seed++) {
    const r = await runSeed({ seed, steps: STEPS, convergeWithinMs: 120_000, bug });
    if (!r.ok) return r.violation;
  }
  return undefined;
}

describe('scheduler fault simulation', function () {
  this.timeout(0);

  it(`converges under faults for ${SEEDS} seeds; invariants hold after every step`, async () => {
    const seeds = function* (): Generator<SimOptions> {
      for (let seed = 1; seed <= SEEDS; seed++) yield { seed, steps: STEPS, convergeWithinMs: 300_000 };
    };
    const failures = await failuresOf(seeds(), 3);
    assert.equal(failures.length, 0, failures.join('\n\n'));
  });

  it('converges for the seeds longer runs (npm run sim) found failing, now fixed', async () => {
    // 200026 (30 steps): a scale-down kill lost while the instance's launch was in flight left it
    // decommissioned, relaunched and never killed: 7 ran for 6 and the deployment never ended.
    // 500698 (30 steps): a DECLINE failed just before the faults stopped; the repair's new
    // instance waited for the ledger's re-answer pause while the master held every agent's offer
    // (and the harness judged convergence before the repair had landed).
    // (Both found before reloads from a lagging server were simulated: replayed as found.)
    // 500561, 500838 (30 steps): reloads from a lagging server resurrected an expunged instance
    // (launched twice) and dropped running ones (replacements started beside their tasks).
    const failures = await failuresOf([
      ...[200026, 500698].map((seed) => ({ seed, steps: 30, convergeWithinMs: 300_000, faults: { stale: false } })),
      ...[500561, 500838].map((seed) => ({ seed, steps: 30, convergeWithinMs: 300_000 })),
      // 800343 (50 steps): a stale reload adopted an instance deleted since; it shared its slot.
      { seed: 800343, steps: 50, convergeWithinMs: 300_000 },
      // 503333 (30 steps): an ACCEPT of unknown outcome answered after the leader was deposed put
      // its instances back in the queue; the re-lead kept that (newer) memory and launched again.
      { seed: 503333, steps: 30, convergeWithinMs: 300_000 },
    ]);
    assert.equal(failures.length, 0, failures.join('\n\n'));
  });

  it('replays a seed exactly (same trace twice)', async () => {
    const a = await runSeed({ seed: 7, steps: STEPS, convergeWithinMs: 300_000 });
    const b = await runSeed({ seed: 7, steps: STEPS, convergeWithinMs: 300_000 });
    assert.deepEqual(b.trace, a.trace);
    assert.ok(a.trace.length > 10);
  });

  it('the checker catches a deliberately injected bug (agents ignore KILL)', async () => {
    const caught = await firstViolation('no-kill');
    assert.ok(caught !== undefined, 'some seed must fail when kills do nothing');
    assert.match(caught, /more than the bound|not converged|still live|deployments left/);
  });

  it('the checker catches a leader whose reload lets an older stored copy replace newer memory (no version check)', async () => {
    const caught = await firstViolation('unversioned');
    assert.ok(caught !== undefined, 'some seed must fail when reloads from a lagging server replace memory');
    assert.match(caught, /rolled .* back|came back after it ended/);
  });

  it('the checker catches a client that loses DECLINEs (offer outstanding past the bound)', async () => {
    const caught = await firstViolation('lost-decline');
    assert.ok(caught !== undefined, 'some seed must fail');
    assert.match(caught, /outstanding for/);
  });
});
