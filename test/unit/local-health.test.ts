// The Mesos executor's health checking as the local agents do it: the pure bookkeeping
// (grace period, consecutive failures, which results are reported) as properties over seeded
// random result sequences, and mesos-sim's simulated results (healthy, unhealthy, flapping) on a
// manual clock. No sleeps.
import assert from 'node:assert/strict';
import type { AgentStatusReport } from '../../src/sim/mesos/agent';
import { HealthState } from '../../src/sim/mesos/health-state';
import { ManualClock } from '../../src/sim/mesos/manual-clock';
import { seededRandom } from '../../src/sim/mesos/rng';
import { SimulatedAgent, type SimulatedHealth } from '../../src/sim/mesos/simulated-agent';
import type { HealthCheck, TaskInfo } from '../../src/mesos/types';

const check = (over: Partial<HealthCheck> = {}): HealthCheck => ({
  type: 'TCP', tcp: { port: 1 }, delay_seconds: 0, interval_seconds: 1, timeout_seconds: 1, grace_period_seconds: 5, consecutive_failures: 3, ...over,
});

describe('local health: HealthState (Mesos health checker semantics)', () => {
  it('over 200 seeded sequences: kill exactly when the failures after grace reach consecutive_failures; reports on transitions and failures', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rnd = seededRandom(seed);
      const cf = 1 + Math.floor(rnd() * 4);
      const grace = Math.floor(rnd() * 6);
      const s = new HealthState(check({ consecutive_failures: cf, grace_period_seconds: grace }), 0);
      let succeeded = false;
      let failures = 0;
      for (let t = 0; t < 40; t++) {
        const ok = rnd() < 0.6;
        const v = s.result(ok, t * 1000);
        const inGrace = !succeeded && grace > 0 && t * 1000 <= grace * 1000;
        if (ok) {
          assert.equal(v.kill, false);
          assert.equal(v.report !== undefined, !succeeded || failures > 0, `seed ${seed} t ${t}: healthy reported on a transition only`);
          succeeded = true;
          failures = 0;
        } else if (inGrace) {
          assert.deepEqual(v, { kill: false }, `seed ${seed} t ${t}: failure in the grace period ignored`);
        } else {
          failures++;
          assert.deepEqual(v.report, { healthy: false, consecutiveFailures: failures });
          assert.equal(v.kill, failures >= cf);
          if (v.kill) break;
        }
      }
    }
  });

  it('uses Mesos defaults for fields the TaskInfo leaves out', () => {
    assert.deepEqual(HealthState.timing({ type: 'TCP', tcp: { port: 1 } }), { delayMs: 15000, intervalMs: 10000, timeoutMs: 20000, graceMs: 10000, consecutiveFailures: 3 });
  });
});

describe('local health: simulated agents (mesos-sim --health)', () => {
  const run = async (mode: SimulatedHealth, seconds: number): Promise<AgentStatusReport[]> => {
    const clock = new ManualClock(0);
    const reports: AgentStatusReport[] = [];
    const agent = new SimulatedAgent({ resources: { cpus: 1, mem: 128, disk: 0 }, clock, taskDelayMs: 0, health: mode });
    agent.register({ agentId: 'a1', report: (r) => reports.push(r) });
    const task: TaskInfo = { name: 't', task_id: { value: 't1' }, agent_id: { value: 'a1' }, command: { value: 'x' }, health_check: check({ grace_period_seconds: 0 }) };
    agent.launch(task, { id: 'fw', info: { user: 'u', name: 'n', capabilities: [{ type: 'TASK_KILLING_STATE' }] } });
    for (let i = 0; i < seconds * 10; i++) {
      clock.advance(100);
      for (let k = 0; k < 5; k++) await Promise.resolve();
    }
    return reports;
  };
  const healthOf = (rs: AgentStatusReport[]): Array<boolean | undefined> => rs.filter((r) => r.reason === 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED').map((r) => r.healthy);

  it('healthy: one healthy report, never killed', async () => {
    const rs = await run('healthy', 10);
    assert.deepEqual(healthOf(rs), [true]);
    assert.equal(rs.at(-1)?.state, 'TASK_RUNNING');
  });

  it('unhealthy: a report per failure, then killed with healthy=false on TASK_KILLED', async () => {
    const rs = await run('unhealthy', 10);
    assert.deepEqual(healthOf(rs), [false, false, false]);
    assert.deepEqual(rs.slice(-2).map((r) => [r.state, r.healthy]), [['TASK_KILLING', undefined], ['TASK_KILLED', false]]);
  });

  it('flapping: healthy and unhealthy alternate, never enough failures in a row to kill', async () => {
    const rs = await run('flapping', 10);
    const h = healthOf(rs);
    assert.ok(h.length >= 8, `${h.length} reports`);
    h.forEach((v, i) => assert.equal(v, i % 2 === 0));
    assert.equal(rs.at(-1)?.state, 'TASK_RUNNING');
  });
});
