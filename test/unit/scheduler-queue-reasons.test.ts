// Queue reasons say what is true (issue 12 case 6): a slot past the end of its static pool is
// StaticPoolExhausted, StaticIpHeld only when someone else holds the address.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { normalizeApp } from '../../src/core/apps/normalize';
import { nextVersion } from '../../src/core/deploy/app-version';
import type { SchedulerClientEvents } from '../../src/mesos/client';
import type { Offer, TaskInfo, TaskStatus } from '../../src/mesos/types';
import { EventBus } from '../../src/runtime/event-bus';
import { LaunchQueue } from '../../src/core/scheduler/launch-queue';
import { MARATHON_REASON } from '../../src/core/scheduler/match-offer';
import { Repository } from '../../src/runtime/repository';
import { Scheduler, type MesosDriver } from '../../src/runtime/scheduler';
import { MemoryStore } from '../../src/state/memory-store';

class QuietDriver extends EventEmitter<SchedulerClientEvents> implements MesosDriver {
  launched: TaskInfo[] = [];
  start(): void {}
  async stop(): Promise<void> {}
  async launch(_o: unknown[], tasks: TaskInfo[]): Promise<void> { this.launched.push(...tasks); }
  async decline(): Promise<void> {}
  async revive(): Promise<void> {}
  async suppress(): Promise<void> {}
  async kill(): Promise<void> {}
  async acknowledge(status: TaskStatus): Promise<boolean> { return status.uuid !== undefined; }
  async reconcile(): Promise<void> {}
}

const offer = (i: number): Offer => ({
  id: { value: `o${i}` }, framework_id: { value: 'fw-1' }, agent_id: { value: `ag${i}` }, hostname: `h${i}`,
  resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 8 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 8192 } }],
});
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

async function run(held: boolean): Promise<string[]> {
  const store = new MemoryStore();
  const repo = new Repository(store);
  const driver = new QuietDriver();
  const queue = new LaunchQueue();
  let uuid = 0;
  const sched = new Scheduler({
    repo, bus: new EventBus(), driver, queue, log: { debug() {}, info() {}, warn() {}, error() {} }, now: () => 1_700_000_000_000,
    newUuid: () => `u${++uuid}`,
  }, { housekeepingIntervalMs: 60_000, reconciliationInitialDelayMs: 60_000 });
  sched.start();
  try {
    driver.emit('subscribed', { frameworkId: 'fw-1', heartbeatIntervalSeconds: 15, masterInfo: undefined, resubscribed: false, master: 'http://m:5050', streamId: 's' });
    for (let i = 0; i < 5; i++) await tick();
    // Stored directly: a pool of 2 with 3 instances (what an older version could store), or
    // another app holding the second address.
    const n = normalizeApp({
      id: '/pool', cmd: 'sleep 1', cpus: 0.1, mem: 16, instances: 3,
      networkInterfaces: [{ networkName: 'nw-a', bootproto: 'static', ipAddresses: ['10.0.0.5', '10.0.0.6'], netmask: '24' }],
    });
    if ('violations' in n) throw new Error(JSON.stringify(n.violations));
    const v = nextVersion(undefined, n.app, 'create', new Date(1_700_000_000_000).toISOString());
    await repo.commit({ putApps: [v], claim: held ? [{ network: 'nw-a', address: '10.0.0.6', holder: { appId: '/other', slot: 0 } }] : [] });
    sched.scheduleInstances(v, held ? 2 : 3);
    await tick();
    driver.emit('offers', [offer(1)]);
    for (let i = 0; i < 5; i++) await tick();
    assert.equal(driver.launched.length, held ? 1 : 2, `the slots with a free address launch (${driver.launched.length}; ${[...queue.statsOf('/pool').rejectLastOffers.keys()].join()})`);
    return [...queue.statsOf('/pool').rejectLastOffers.keys()].map((r) => MARATHON_REASON[r]);
  } finally {
    await sched.stop();
  }
}

describe('scheduler: static address queue reasons', () => {
  it('a slot past the end of the pool is StaticPoolExhausted, not StaticIpHeld', async () => {
    assert.deepEqual(await run(false), ['StaticPoolExhausted']);
  });
  it('an address another app holds is StaticIpHeld', async () => {
    assert.deepEqual(await run(true), ['StaticIpHeld']);
  });
});
