import assert from 'node:assert/strict';
import { classifyChange } from '../../src/core/apps/diff';
import { normalizeApp } from '../../src/core/apps/normalize';
import type { AppDefinition } from '../../src/core/apps/types';
import { nextVersion, type AppVersion } from '../../src/core/deploy/app-version';
import { dependencyLevels, planDeployment } from '../../src/core/deploy/plan';

function app(raw: Record<string, unknown>): AppDefinition {
  const n = normalizeApp({ cmd: 'sleep 1', ...raw });
  if ('violations' in n) throw new Error(JSON.stringify(n.violations));
  return n.app;
}
const T0 = '2024-05-01T10:00:00.000Z';
const T1 = '2024-05-01T11:00:00.000Z';
const v = (raw: Record<string, unknown>, at = T0): AppVersion => nextVersion(undefined, app(raw), 'create', at);
const map = (...vs: AppVersion[]): Map<string, AppVersion> => new Map(vs.map((x) => [x.app.id, x]));
let n = 0;
const ids = (): string => `plan-${++n}`;

function plan(oldApps: Map<string, AppVersion>, newApps: Map<string, AppVersion>, extra: Partial<Parameters<typeof planDeployment>[0]> = {}) {
  return planDeployment({ oldApps, newApps, now: T1, newId: ids, classify: classifyChange, ...extra });
}
const shape = (p: ReturnType<typeof plan>): string[][] => p.steps.map((s) => s.actions.map((a) => `${a.action} ${a.app}${a.instances !== undefined ? ` ${a.instances}` : ''}`));

describe('deploy/plan', () => {
  it('new app: StartApplication(0) then ScaleApplication(instances)', () => {
    const p = plan(map(), map(v({ id: '/a', instances: 3 })));
    assert.deepEqual(shape(p), [['StartApplication /a 0'], ['ScaleApplication /a 3']]);
    assert.deepEqual(p.affectedApps, ['/a']);
    assert.equal(p.original['/a'], null);
    assert.equal(p.version, T1);
    assert.match(p.id, /^plan-/);
  });

  it('removed app: StopApplication first', () => {
    const a = v({ id: '/a' });
    const p = plan(map(a, v({ id: '/b' })), map(v({ id: '/b' })));
    assert.deepEqual(shape(p), [['StopApplication /a']]);
    assert.equal(p.target['/a'], null);
    assert.deepEqual(p.original['/a'], a);
  });

  it('instances-only change: ScaleApplication', () => {
    const a = v({ id: '/a', instances: 1 });
    const b = nextVersion(a, { ...a.app, instances: 4 }, 'scale', T1);
    assert.deepEqual(shape(plan(map(a), map(b))), [['ScaleApplication /a 4']]);
  });

  it('scale to zero is a scale', () => {
    const a = v({ id: '/a', instances: 2 });
    const b = nextVersion(a, { ...a.app, instances: 0 }, 'scale', T1);
    assert.deepEqual(shape(plan(map(a), map(b))), [['ScaleApplication /a 0']]);
  });

  it('config change (cmd, networkInterfaces, labels …): RestartApplication', () => {
    const a = v({ id: '/a' });
    for (const change of [{ cmd: 'sleep 2' }, { labels: { x: 'y' } }, { mem: 256 }]) {
      const b = nextVersion(a, app({ ...a.app, ...change } as unknown as Record<string, unknown>), 'upgrade', T1);
      assert.deepEqual(shape(plan(map(a), map(b))), [['RestartApplication /a 1']], JSON.stringify(change));
    }
  });

  it('explicit restart without a change', () => {
    const a = v({ id: '/a', instances: 2 });
    const b = nextVersion(a, a.app, 'restart', T1);
    assert.deepEqual(shape(plan(map(a), map(b), { restart: new Set(['/a']) })), [['RestartApplication /a 2']]);
  });

  it('kill-and-scale carries the sentenced instances', () => {
    const a = v({ id: '/a', instances: 3 });
    const b = nextVersion(a, { ...a.app, instances: 2 }, 'scale', T1);
    const p = plan(map(a), map(b), { sentenced: new Map([['/a', ['i-1']]]) });
    assert.deepEqual(p.steps[0].actions[0].sentenced, ['i-1']);
  });

  it('unchanged apps are not affected; an identical version plans nothing', () => {
    const a = v({ id: '/a' });
    const p = plan(map(a), map(a));
    assert.deepEqual(p.steps, []);
    assert.deepEqual(p.affectedApps, []);
  });

  it('dependencies order the scale steps: dependents come later', () => {
    const db = v({ id: '/db' });
    const web = v({ id: '/web', dependencies: ['/db'] });
    const lb = v({ id: '/lb', dependencies: ['/web'] });
    const p = plan(map(), map(lb, web, db));
    assert.deepEqual(shape(p), [
      ['StartApplication /db 0', 'StartApplication /lb 0', 'StartApplication /web 0'],
      ['ScaleApplication /db 1'], ['ScaleApplication /web 1'], ['ScaleApplication /lb 1'],
    ]);
  });

  it('dependencyLevels tolerates cycles and unknown ids', () => {
    const deps: Record<string, string[]> = { '/a': ['/b'], '/b': ['/a'], '/c': ['/zzz'] };
    const levels = dependencyLevels(['/a', '/b', '/c'], (id) => deps[id] ?? []);
    assert.equal(levels.get('/c'), 0);
    assert.ok((levels.get('/a') ?? -1) >= 0 && (levels.get('/b') ?? -1) >= 0);
  });

  it('nextVersion: scale keeps lastConfigChangeAt, upgrade bumps both', () => {
    const a = v({ id: '/a' });
    const s = nextVersion(a, { ...a.app, instances: 2 }, 'scale', T1);
    assert.deepEqual(s.versionInfo, { lastScalingAt: T1, lastConfigChangeAt: T0 });
    const u = nextVersion(a, a.app, 'upgrade', T1);
    assert.deepEqual(u.versionInfo, { lastScalingAt: T1, lastConfigChangeAt: T1 });
    assert.equal(u.version, T1);
  });
});
