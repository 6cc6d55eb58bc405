import assert from 'node:assert/strict';
import { deriveAppStatus, delaySecondsLeft, describeTaskState } from '../../src/ui/lib/status';
import type { App, QueueItem } from '../../src/ui/lib/types';

const app = (over: Partial<App> = {}): App => ({ id: '/web', instances: 2, tasksRunning: 2, deployments: [], ...over });
const queued = (delay: QueueItem['delay'], id = '/web'): QueueItem => ({ app: { id }, count: 1, delay });

describe('UI app status (spec §6.2)', () => {
  const rows: Array<[string, App, QueueItem[], string]> = [
    ['running tasks and nothing pending is Running', app(), [], 'Running'],
    ['a deployment in progress is Deploying', app({ deployments: [{ id: 'd1' }] }), [], 'Deploying'],
    ['0 instances and nothing running is Suspended', app({ instances: 0, tasksRunning: 0 }), [], 'Suspended'],
    ['0 instances while tasks still run is not Suspended yet', app({ instances: 0, tasksRunning: 1 }), [], 'Running'],
    ['a deployment beats suspension', app({ instances: 0, tasksRunning: 0, deployments: [{ id: 'd' }] }), [], 'Deploying'],
    ['a backed-off queue entry is Delayed, even while deploying', app({ deployments: [{ id: 'd' }] }), [queued({ overdue: false, timeLeftSeconds: 12 })], 'Delayed'],
    ['an overdue queue entry (waiting for offers) is Waiting', app({ deployments: [{ id: 'd' }] }), [queued({ overdue: true, timeLeftSeconds: 0 })], 'Waiting'],
    ['not overdue but no time left changes nothing', app(), [queued({ overdue: false, timeLeftSeconds: 0 })], 'Running'],
    ['a queue entry of another app changes nothing', app(), [queued({ overdue: true }, '/other')], 'Running'],
    ['a queue entry without delay changes nothing', app(), [queued(null)], 'Running'],
    ['missing counts and deployments read as Running', { id: '/web' }, [], 'Running'],
  ];
  for (const [why, a, q, want] of rows) it(why, () => assert.equal(deriveAppStatus(a, q), want));

  it('reports the seconds left only while delayed', () => {
    assert.equal(delaySecondsLeft(app(), [queued({ overdue: false, timeLeftSeconds: 7.5 })]), 7.5);
    assert.equal(delaySecondsLeft(app(), [queued({ overdue: true, timeLeftSeconds: 7.5 })]), undefined);
    assert.equal(delaySecondsLeft(app(), []), undefined);
  });

  it('describes task states with text and a glyph', () => {
    assert.deepEqual(describeTaskState('TASK_RUNNING'), { kind: 'running', text: 'running', icon: '●' });
    assert.equal(describeTaskState('TASK_GONE_BY_OPERATOR').text, 'gone by operator');
    assert.equal(describeTaskState('TASK_FAILED').kind, 'failed');
    assert.equal(describeTaskState(undefined).text, 'unknown');
  });
});
