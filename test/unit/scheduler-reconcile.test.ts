// reconcile(): the pure per-app reconciler, by table and by property over generated instance sets.
import assert from 'node:assert/strict';
import type { InstanceCondition } from '../../src/core/scheduler/instance';
import { isActive, reconcile, type InstanceView, type ReconcileInput, type ReconcileStep } from '../../src/core/scheduler/reconcile';
import { seededRandom } from '../../src/sim/mesos/rng';

let n = 0;
function i(condition: InstanceCondition, extra: Partial<InstanceView> = {}): InstanceView {
  n++;
  return { instanceId: `i${n}`, slot: n, condition, createdAt: `2030-01-01T00:00:${String(n % 60).padStart(2, '0')}.000Z`, stagedAt: null, startedAt: null, killRequested: false, decommissioned: false, configVersion: 'c1', ...extra };
}

function input(step: ReconcileStep, target: number | null, instances: InstanceView[]): ReconcileInput {
  return { target, step, configVersion: 'c1', strategy: { minimumHealthCapacity: 1, maximumOverCapacity: 1 }, killSelection: 'YOUNGEST_FIRST', capacityLimit: Infinity, instances };
}

describe('reconcile (pure reconciler)', () => {
  it('scale: launches the missing, kills the surplus (youngest first), done only when exactly target run', () => {
    assert.deepEqual(reconcile(input('scale', 3, [i('Running')])).launch, 2);
    const old = i('Running', { startedAt: '2030-01-01T00:00:00.000Z' });
    const young = i('Running', { startedAt: '2030-01-01T00:05:00.000Z' });
    const d = reconcile(input('scale', 1, [old, young]));
    assert.deepEqual([d.launch, d.kill], [0, [young.instanceId]]);
    assert.equal(d.done, false);
    assert.equal(reconcile(input('scale', 2, [i('Running'), i('Running')])).done, true);
    assert.match(reconcile(input('scale', 2, [i('Running'), i('Staging')])).waitReason ?? '', /1 not running yet/);
  });

  it('instances being killed or given up do not count; they are not killed twice', () => {
    const dying = i('Running', { killRequested: true, decommissioned: true });
    const inactive = i('UnreachableInactive');
    const d = reconcile(input('none', 2, [dying, inactive, i('Running')]));
    assert.deepEqual([d.launch, d.kill], [1, []]);
    assert.equal(d.done, false, "'none' never ends");
  });

  it('a decommissioned instance whose kill was lost (no kill in flight) is killed again, in every step; a terminal one is not', () => {
    for (const step of ['none', 'scale', 'restart'] as const) {
      const stray = i('Running', { decommissioned: true });
      const gone = i('Killed', { decommissioned: true });
      const d = reconcile(input(step, 1, [stray, gone, i('Running')]));
      assert.deepEqual(d.kill, [stray.instanceId], step);
      assert.equal(d.launch, 0, step);
      assert.equal(d.done, false, step);
    }
  });

  it('stop (or app gone): kills everything not already being killed; done when nothing is left', () => {
    const dying = i('Running', { killRequested: true });
    const alive = i('Running');
    assert.deepEqual(reconcile(input('stop', 3, [dying, alive])).kill, [alive.instanceId]);
    assert.deepEqual(reconcile(input('none', null, [alive])).kill, [alive.instanceId]);
    assert.equal(reconcile(input('stop', 3, [])).done, true);
  });

  it('restart: surplus new instances left by a superseded deployment are killed so the step can end', () => {
    const d = reconcile(input('restart', 3, [i('Running'), i('Running'), i('Running'), i('Running')]));
    assert.equal(d.kill.length, 1);
    assert.equal(d.done, false);
  });

  it('property: for random instance sets, applying the decision reaches the target count and never kills what is already dying', () => {
    const rnd = seededRandom(2121);
    const conds: InstanceCondition[] = ['Scheduled', 'Provisioned', 'Staging', 'Starting', 'Running', 'Unreachable', 'UnreachableInactive'];
    for (let round = 0; round < 2000; round++) {
      const list: InstanceView[] = [];
      const size = Math.floor(rnd() * 8);
      for (let k = 0; k < size; k++) list.push(i(conds[Math.floor(rnd() * conds.length)] ?? 'Running', { killRequested: rnd() < 0.2 }));
      const target = Math.floor(rnd() * 6);
      const step: ReconcileStep = rnd() < 0.5 ? 'scale' : 'none';
      const d = reconcile(input(step, target, list));
      const killed = new Set(d.kill);
      for (const x of list) if (killed.has(x.instanceId)) assert.ok(isActive(x), 'only active instances are killed');
      const activeAfter = list.filter((x) => isActive(x) && !killed.has(x.instanceId)).length + d.launch;
      assert.equal(activeAfter, target, `round ${round}`);
      if (d.done) assert.ok(list.length === target && d.launch === 0 && d.kill.length === 0);
    }
  });
});
