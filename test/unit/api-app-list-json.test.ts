// The list JSON of an app composed from its cached head (issue 20) is exactly what rendering the
// whole app gives, for apps of several shapes, counts, deployments, a last failure and readiness.
import assert from 'node:assert/strict';
import { appHeadJson, appListJson, countTasks, renderApp } from '../../src/server/api/render';
import { normalizeApp } from '../../src/core/apps/normalize';
import type { AppDefinition } from '../../src/core/apps/types';
import type { AppVersion } from '../../src/core/deploy/app-version';
import type { DeploymentRecord } from '../../src/core/deploy/plan';
import type { Instance } from '../../src/core/scheduler/instance';

function version(raw: Record<string, unknown>): AppVersion {
  const r = normalizeApp(raw) as { app?: AppDefinition; violations?: unknown[] };
  assert.ok(r.app !== undefined, JSON.stringify(r.violations));
  return { app: r.app, version: '2026-01-01T00:00:00.000Z', versionInfo: { lastScalingAt: '2026-01-01T00:00:00.000Z', lastConfigChangeAt: '2025-12-31T00:00:00.000Z' } };
}

describe('app list JSON from a cached head', function () {
  it('equals JSON.stringify(renderApp(…)) without tasks', function () {
    const apps = [
      version({ id: '/a', cmd: 'sleep 1', instances: 3 }),
      version({ id: '/g/b', cmd: 'x', cpus: 0.5, mem: 64, labels: { k: 'v' }, role: 'web', portDefinitions: [{ port: 0, name: 'http' }] }),
      version({ id: '/c', container: { type: 'MESOS', networkInterfaces: [{ networkName: 'nw-1', bootproto: 'dhcp' }] }, cmd: 'y' }),
    ];
    const instances = (['Running', 'Staging', 'Provisioned', 'Running', 'Scheduled'] as const).map((condition, n) => ({ condition, healthy: n === 0 ? true : n === 3 ? false : null }) as Instance);
    const deployments = [{ plan: { id: 'd-1' } }, { plan: { id: 'd-2' } }] as DeploymentRecord[];
    const failure = { appId: '/a', host: 'h', message: 'm "quoted"', state: 'TASK_FAILED', taskId: 't', timestamp: 'ts', version: 'v', slaveId: 's' };
    for (const v of apps) {
      for (const role of [undefined, 'mesos-role']) {
        const head = appHeadJson(v, role);
        assert.ok(head !== undefined);
        for (const [deps, lastFailure, readiness] of [[[], false, false], [deployments, true, true], [deployments.slice(1), true, false]] as const) {
          const whole = JSON.stringify(renderApp(v, {
            instances, deployments: deps, lastTaskFailure: failure, tasks: false, lastFailure, taskStats: false, readiness,
            agentLink: null, nowMs: 0, ...(role !== undefined ? { defaultRole: role } : {}),
          }));
          assert.equal(appListJson(head, countTasks(instances), deps, lastFailure ? failure : undefined, readiness), whole);
        }
      }
    }
  });
});
