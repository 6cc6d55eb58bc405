// Issue 18 (Marathon API conformance), the pure parts: embed resolution, label selectors,
// health/readiness defaults, networks/role view, ports with equal portDefinitions, the tasks
// text format and task JSON without null timestamps.
import assert from 'node:assert/strict';
import { normalizeApp } from '../../src/core/apps/normalize';
import type { AppDefinition } from '../../src/core/apps/types';
import { resolveAppEmbeds, resolveGroupEmbeds } from '../../src/server/api/embeds';
import { appView, matchesLabels, parseLabelSelector, renderTask } from '../../src/server/api/render';
import { wantsText } from '../../src/server/api/routes/tasks';
import { renderTasksText } from '../../src/server/api/tasks-text';
import type { Instance } from '../../src/core/scheduler/instance';

function app(raw: Record<string, unknown>): AppDefinition {
  const r = normalizeApp(raw);
  if ('violations' in r) throw new Error(JSON.stringify(r.violations));
  return r.app;
}

function instance(over: Partial<Instance>): Instance {
  return {
    instanceId: 'a.instance-1', appId: '/a', slot: 0, incarnation: 1, taskId: 'a.instance-1._app.1', runSpecVersion: '2024-01-01T00:00:00.000Z',
    configVersion: '2024-01-01T00:00:00.000Z', condition: 'Running', state: 'TASK_RUNNING', agentId: 'ag1', host: 'h1', createdAt: '2024-01-01T00:00:00.000Z',
    launchedAtMs: 0, stagedAt: '2024-01-01T00:00:01.000Z', startedAt: '2024-01-01T00:00:02.000Z', ports: [31000], servicePorts: [], ipAddresses: [],
    launchedNetworkInfos: [], statusNetworkInfos: [], message: '', unreachableSince: null, killRequested: false, killSentAtMs: null,
    decommissioned: false, healthy: null, role: '*', ...over,
  };
}

describe('issue 18 point 1: embed names as InfoEmbedResolver', () => {
  it('app., apps., group.apps. and bare names are the same embed', () => {
    for (const prefix of ['app.', 'apps.', 'group.apps.', '']) {
      assert.deepEqual(resolveAppEmbeds([`${prefix}tasks`]), { tasks: true, lastFailure: false, taskStats: false, readiness: false }, prefix);
      assert.equal(resolveAppEmbeds([`${prefix}taskStats`]).taskStats, true, prefix);
      assert.equal(resolveAppEmbeds([`${prefix}readiness`]).readiness, true, prefix);
      assert.deepEqual(resolveAppEmbeds([`${prefix}failures`]), { tasks: true, lastFailure: true, taskStats: false, readiness: false }, prefix);
    }
    assert.deepEqual(resolveAppEmbeds(['app.counts', 'apps.deployments', 'app.unknown']), { tasks: false, lastFailure: false, taskStats: false, readiness: false });
    assert.deepEqual(resolveAppEmbeds([], { tasks: true, lastFailure: true }), { tasks: true, lastFailure: true, taskStats: false, readiness: false });
  });
  it('group embeds: parts default to all three; group.apps.* are app embeds', () => {
    assert.deepEqual(resolveGroupEmbeds([]), { tasks: false, lastFailure: false, taskStats: false, readiness: false, groups: true, apps: true, pods: true });
    const e = resolveGroupEmbeds(['group.apps', 'group.apps.tasks', 'group.apps.taskStats']);
    assert.deepEqual([e.apps, e.groups, e.pods, e.tasks, e.taskStats], [true, false, false, true, true]);
  });
});

describe('issue 18 point 2: networks and role always shown', () => {
  it('host networking → [{mode:"host"}], role defaults to the framework role', () => {
    const v = appView(app({ id: '/h', cmd: 'x' }), 'marathon');
    assert.deepEqual(v.networks, [{ mode: 'host' }]);
    assert.equal(v.role, 'marathon');
    assert.equal(appView(app({ id: '/h', cmd: 'x', role: 'own' }), 'marathon').role, 'own');
  });
  it('networkInterfaces → one container network per interface, in order; echoing them back changes nothing', () => {
    const raw = { id: '/v', cmd: 'x', networkInterfaces: [{ networkName: 'nw-a' }, { networkName: 'nw-b', bootproto: 'static', ipAddress: '10.0.0.5/24' }] };
    const stored = app(raw);
    const v = appView(stored);
    assert.deepEqual(v.networks, [{ mode: 'container', name: 'nw-a' }, { mode: 'container', name: 'nw-b' }]);
    assert.deepEqual(app({ ...raw, networks: v.networks }), stored, 'the printed networks are read back as the same definition');
    assert.deepEqual(app({ id: '/h', cmd: 'x', networks: [{ mode: 'host' }] }), app({ id: '/h', cmd: 'x' }));
  });
  it('given container networks are shown as given', () => {
    assert.deepEqual(appView(app({ id: '/c', cmd: 'x', networks: [{ mode: 'container', name: 'n1' }] })).networks, [{ mode: 'container', name: 'n1' }]);
  });
});

describe('issue 18 point 3: label selectors as LabelSelectorParsers', () => {
  const sel = (s: string): ReturnType<typeof parseLabelSelector> => parseLabelSelector(s);
  const t = (labels: Record<string, string>, s: string): boolean => matchesLabels(labels, sel(s) ?? []);
  it('!= and notin require the label', () => {
    assert.equal(t({ tier: 'backend' }, 'tier!=frontend'), true);
    assert.equal(t({}, 'tier!=frontend'), false);
    assert.equal(t({}, 'tier notin (a, b)'), false);
    assert.equal(t({ tier: 'c' }, 'tier notin (a, b)'), true);
  });
  it('backslash escapes any character; whitespace between tokens is ignored', () => {
    assert.deepEqual(sel('\\!\\!\\! in (\\-\\-\\-, \\&\\&\\&)'), [{ kind: 'in', key: '!!!', values: ['---', '&&&'] }]);
    assert.equal(t({ 'my key': 'a,b' }, 'my\\ key == a\\,b'), true);
    assert.deepEqual(sel(' a in (t1, t2) , b notin (t1), c, d==e '), [
      { kind: 'in', key: 'a', values: ['t1', 't2'] }, { kind: 'notin', key: 'b', values: ['t1'] }, { kind: 'exists', key: 'c' }, { kind: 'eq', key: 'd', value: 'e' },
    ]);
  });
  it('malformed selectors are null', () => {
    for (const bad of ['', 'a b', 'a==', '==b', 'a in (x', 'a in x', 'a,', 'a=b', 'a!b']) assert.equal(sel(bad), null, bad);
  });
  it('inherited properties are not labels', () => {
    assert.equal(t({}, 'toString'), false);
  });
});

describe('issue 18 point 4: health and readiness check defaults', () => {
  it('an HTTP check gets every timing, ipProtocol, ignoreHttp1xx and portIndex 0 when the app has ports', () => {
    const a = app({ id: '/h', cmd: 'x', healthChecks: [{ protocol: 'HTTP' }, { protocol: 'COMMAND', command: { value: 'true' } }, { protocol: 'TCP', port: 80, intervalSeconds: 5 }] });
    assert.deepEqual(a.healthChecks[0], {
      protocol: 'HTTP', gracePeriodSeconds: 300, intervalSeconds: 60, timeoutSeconds: 20, maxConsecutiveFailures: 3, delaySeconds: 15,
      ipProtocol: 'IPv4', ignoreHttp1xx: false, portIndex: 0,
    });
    assert.equal(a.healthChecks[1]?.portIndex, undefined, 'command checks take no port');
    assert.deepEqual([a.healthChecks[2]?.portIndex, a.healthChecks[2]?.intervalSeconds], [undefined, 5], 'a port given stays; given values stay');
  });
  it('fields a check does not have are dropped, as Marathon reads checks', () => {
    const a = app({ id: '/h', cmd: 'x', healthChecks: [{ protocol: 'TCP', tasksRunning: 3 }], readinessChecks: [{ name: 'r', bogus: true }] });
    assert.ok(!('tasksRunning' in (a.healthChecks[0] ?? {})));
    assert.ok(!('bogus' in (a.readinessChecks[0] ?? {})));
  });
  it('no portIndex when the app has no ports', () => {
    assert.equal(app({ id: '/h', cmd: 'x', portDefinitions: [], healthChecks: [{ protocol: 'TCP' }] }).healthChecks[0]?.portIndex, undefined);
  });
  it('readiness checks get the RAML defaults and [200]', () => {
    assert.deepEqual(app({ id: '/r', cmd: 'x', readinessChecks: [{ portName: 'web' }] }).readinessChecks[0], {
      portName: 'web', name: 'readinessCheck', protocol: 'HTTP', path: '/', intervalSeconds: 30, timeoutSeconds: 10, httpStatusCodesForReady: [200], preserveLastResponse: false,
    });
  });
});

describe('issue 18 point 10: ports next to the same portDefinitions', () => {
  it('accepted when they name the same ports, refused when they differ', () => {
    assert.deepEqual(app({ id: '/p', cmd: 'x', ports: [0], portDefinitions: [{ port: 0 }] }).portDefinitions, [{ port: 0, protocol: 'tcp' }]);
    const r = normalizeApp({ id: '/p', cmd: 'x', ports: [0, 0], portDefinitions: [{ port: 0 }] });
    assert.ok('violations' in r && r.violations.some((v) => v.path === '/ports'));
  });
});

describe('issue 18 point 11: task timestamps are omitted, never null', () => {
  it('a staged task has no startedAt key; a task not yet staged has neither', () => {
    const staged = renderTask(instance({ startedAt: null, state: 'TASK_STAGING' }), null);
    assert.ok(!('startedAt' in staged));
    assert.equal(staged.stagedAt, '2024-01-01T00:00:01.000Z');
    const none = renderTask(instance({ startedAt: null, stagedAt: null }), null);
    assert.ok(!('startedAt' in none) && !('stagedAt' in none));
    assert.ok(!Object.values(renderTask(instance({}), null)).includes(null));
  });
});

describe('issue 18 point 6: GET /v2/tasks as text/plain', () => {
  it('Accept negotiation: text only when asked for over JSON', () => {
    assert.equal(wantsText('text/plain'), true);
    assert.equal(wantsText('text/plain, application/json;q=0.5'), true);
    assert.equal(wantsText('application/json'), false);
    assert.equal(wantsText('*/*'), false);
    assert.equal(wantsText(undefined), false);
    assert.equal(wantsText('application/json, text/plain'), false);
  });
  it('one line per service port with host:port per running task; apps without ports list hosts', () => {
    const web = app({ id: '/g/web', cmd: 'x', portDefinitions: [{ port: 10000 }, { port: 10001 }] });
    const bare = app({ id: '/bare', cmd: 'x', portDefinitions: [] });
    const text = renderTasksText([
      { app: web, instances: [instance({ ports: [31000, 31001], host: 'h1' }), instance({ ports: [31002, 31003], host: 'h2' }), instance({ state: 'TASK_STAGING', host: 'h3' })] },
      { app: bare, instances: [instance({ host: 'h4', ports: [] })] },
    ], undefined);
    assert.equal(text, 'g_web\t10000\th1:31000\th2:31002\t\ng_web\t10001\th1:31001\th2:31003\t\nbare\t \th4\t\n');
  });
  it('container-network ports list taskIp:containerPort only for the networks asked for', () => {
    const c = app({ id: '/c', container: { type: 'DOCKER', docker: { image: 'x' }, portMappings: [{ containerPort: 80, servicePort: 10080 }] }, networks: [{ mode: 'container', name: 'n1' }] });
    const inst = [instance({ ipAddresses: [{ ipAddress: '10.0.0.9', protocol: 'IPv4' }] })];
    assert.equal(renderTasksText([{ app: c, instances: inst }], undefined), 'c\t10080\t\n');
    assert.equal(renderTasksText([{ app: c, instances: inst }], 'n1'), 'c\t10080\t10.0.0.9:80\t\n');
    assert.equal(renderTasksText([{ app: c, instances: inst }], '*'), 'c\t10080\t10.0.0.9:80\t\n');
  });
});
