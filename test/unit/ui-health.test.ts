import assert from 'node:assert/strict';
import { hostWithPorts, overCapacity, queueReason, taskHealth } from '../../src/ui/lib/health';
import type { App, QueueItem, Task } from '../../src/ui/lib/types';

describe('UI health, ports, capacity and queue reasons (issue 14)', () => {
  const task = (over: Partial<Task> = {}): Task => ({ id: 't1', host: '127.0.0.2', ...over });

  it('a task is healthy when every check is alive, unhealthy when one is not, unknown before results', () => {
    assert.equal(taskHealth(task()), undefined);
    assert.equal(taskHealth(task({ healthCheckResults: [{ alive: true }] })), 'healthy');
    assert.equal(taskHealth(task({ healthCheckResults: [{ alive: true }, { alive: false }] })), 'unhealthy');
    assert.equal(taskHealth(task({ healthCheckResults: [{}] })), 'unknown');
  });

  it('host ports follow the host', () => {
    assert.equal(hostWithPorts(task({ ports: [31000, 31001] })), '127.0.0.2:31000,31001');
    assert.equal(hostWithPorts(task()), '127.0.0.2');
  });

  it('over capacity counts running and staged tasks beyond the instances', () => {
    const app = (over: Partial<App>): App => ({ id: '/a', instances: 3, ...over });
    assert.equal(overCapacity(app({ tasksRunning: 3 })), 0);
    assert.equal(overCapacity(app({ tasksRunning: 3, tasksStaged: 1 })), 1);
    assert.equal(overCapacity(app({ tasksRunning: 1 })), 0);
  });

  it('the queue reason is the one most of the last offers were declined for', () => {
    const q: QueueItem[] = [{ app: { id: '/a' }, processedOffersSummary: { rejectSummaryLastOffers: [
      { reason: 'InsufficientCpus', declined: 2 }, { reason: 'UnfulfilledConstraint', declined: 5 }, { reason: 'InsufficientMemory', declined: 0 },
    ] } }];
    assert.equal(queueReason({ id: '/a' }, q), 'no agent meets the constraints');
    assert.equal(queueReason({ id: '/b' }, q), undefined);
    assert.equal(queueReason({ id: '/a' }, [{ app: { id: '/a' }, processedOffersSummary: { rejectSummaryLastOffers: [{ reason: 'Other', declined: 1 }] } }]), 'Other');
  });
});
