import assert from 'node:assert/strict';
import type { TaskStatus } from '../../src/mesos/types';
import { ManualClock } from '../../src/sim/mesos/manual-clock';
import { StatusUpdateManager } from '../../src/sim/mesos/status-updates';

function status(task: string, state: TaskStatus['state'], uuid: string): TaskStatus {
  return { task_id: { value: task }, state, uuid };
}

describe('local status update manager', () => {
  function setup(): { clock: ManualClock; sent: string[]; sum: StatusUpdateManager } {
    const clock = new ManualClock(0);
    const sent: string[] = [];
    const sum = new StatusUpdateManager({
      clock, baseRetryMs: 10_000, maxRetryMs: 40_000,
      forward: (fw, s) => sent.push(`${clock.now()}:${fw}:${s.task_id.value}:${s.state}`),
    });
    return { clock, sent, sum };
  }

  it('re-sends the head after 10 s, 20 s, 40 s, then at the cap, until acknowledged', () => {
    const { clock, sent, sum } = setup();
    sum.enqueue('f', status('t', 'TASK_STARTING', 'u1'));
    clock.advance(10_000 + 20_000 + 40_000 + 40_000);
    assert.deepEqual(sent.map((x) => Number(x.split(':')[0])), [0, 10_000, 30_000, 70_000, 110_000]);
    assert.equal(sum.acknowledge('f', 't', 'u1').kind, 'acknowledged');
    clock.advance(100_000);
    assert.equal(sent.length, 5, 'no more retries once acknowledged');
  });

  it('holds a later update behind an unacknowledged one and sends it on ACK', () => {
    const { clock, sent, sum } = setup();
    sum.enqueue('f', status('t', 'TASK_STARTING', 'u1'));
    sum.enqueue('f', status('t', 'TASK_RUNNING', 'u2'));
    sum.enqueue('f', status('other', 'TASK_STARTING', 'u3'));
    assert.deepEqual(sent, ['0:f:t:TASK_STARTING', '0:f:other:TASK_STARTING']);
    assert.equal(sum.acknowledge('f', 't', 'u2').kind, 'unexpected', 'only the head can be acknowledged');
    clock.advance(1000);
    const ack = sum.acknowledge('f', 't', 'u1');
    assert.ok(ack.kind === 'acknowledged' && ack.remaining === 1);
    assert.equal(sent[2], '1000:f:t:TASK_RUNNING');
    assert.deepEqual(sum.pending('f', 't').map((s) => s.uuid), ['u2']);
    clock.advance(10_000);
    assert.equal(sent[sent.length - 1], '11000:f:t:TASK_RUNNING', 'the new head gets a fresh backoff');
  });

  it('forgets a removed framework', () => {
    const { clock, sent, sum } = setup();
    sum.enqueue('f', status('t', 'TASK_STARTING', 'u1'));
    sum.dropFramework('f');
    clock.advance(60_000);
    assert.equal(sent.length, 1);
    assert.equal(sum.pendingCount(), 0);
    assert.equal(clock.scheduled, 0);
  });
});
