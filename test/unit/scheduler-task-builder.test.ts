import assert from 'node:assert/strict';
import { normalizeApp } from '../../src/core/apps/normalize';
import type { AppDefinition } from '../../src/core/apps/types';
import type { Resource } from '../../src/mesos/types';
import { buildTaskInfo, type TaskBuildInput } from '../../src/core/scheduler/task-builder';
import { appSafePath, instanceIdFor, parseTaskId, taskIdFor, taskNameFor } from '../../src/core/scheduler/task-ids';

function app(raw: Record<string, unknown>): AppDefinition {
  const n = normalizeApp({ id: '/web/nginx', cpus: 1, mem: 128, ...raw });
  if ('violations' in n) throw new Error(JSON.stringify(n.violations));
  return n.app;
}
const RES: Resource[] = [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }];
function input(a: AppDefinition, over: Partial<TaskBuildInput> = {}): TaskBuildInput {
  return { app: a, appVersion: '2024-05-01T10:00:00.000Z', taskId: 'web_nginx.instance-u1._app.1', agentId: 'ag1', hostname: 'h1', resources: RES, hostPorts: [], ...over };
}
const env = (t: ReturnType<typeof buildTaskInfo>): Map<string, string | undefined> => new Map((t.command?.environment?.variables ?? []).map((v) => [v.name, v.value]));

describe('scheduler/task-ids', () => {
  it('follows Marathon: <path / → _>.instance-<uuid>._app.<n>', () => {
    assert.equal(appSafePath('/web/nginx'), 'web_nginx');
    const id = taskIdFor(instanceIdFor('/web/nginx', 'abc-1'), 2);
    assert.equal(id, 'web_nginx.instance-abc-1._app.2');
    assert.deepEqual(parseTaskId(id), { instanceId: 'web_nginx.instance-abc-1', incarnation: 2, safePath: 'web_nginx' });
    assert.equal(parseTaskId('something-else'), null);
    assert.equal(taskNameFor('/web/nginx'), 'nginx.web');
  });
});

describe('scheduler/task-builder (spec §5.6)', () => {
  it('host networking: shell command, Marathon environment, PORTn, labels', () => {
    const t = buildTaskInfo(input(app({ cmd: 'nginx', labels: { tier: 'web', 'a.b': 'c' }, env: { FOO: 'bar' }, portDefinitions: [{ port: 0, name: 'http' }, { port: 0 }] }), { hostPorts: [31000, 31001] }));
    assert.equal(t.name, 'nginx.web');
    assert.deepEqual(t.command?.shell, true);
    assert.equal(t.command?.value, 'nginx');
    assert.equal(t.container, undefined);
    const e = env(t);
    assert.equal(e.get('MESOS_TASK_ID'), 'web_nginx.instance-u1._app.1');
    assert.equal(e.get('MARATHON_APP_ID'), '/web/nginx');
    assert.equal(e.get('MARATHON_APP_VERSION'), '2024-05-01T10:00:00.000Z');
    assert.equal(e.get('MARATHON_APP_RESOURCE_CPUS'), '1.0');
    assert.equal(e.get('MARATHON_APP_RESOURCE_MEM'), '128.0');
    assert.equal(e.get('MARATHON_APP_LABEL_TIER'), 'web');
    assert.equal(e.get('MARATHON_APP_LABEL_A_B'), 'c');
    assert.equal(e.get('HOST'), 'h1');
    assert.equal(e.get('PORT0'), '31000');
    assert.equal(e.get('PORT1'), '31001');
    assert.equal(e.get('PORT_HTTP'), '31000');
    assert.equal(e.get('PORTS'), '31000,31001');
    assert.equal(e.get('FOO'), 'bar');
    assert.deepEqual(t.labels?.labels?.find((l) => l.key === 'tier'), { key: 'tier', value: 'web' });
  });

  it('args: exec form without a shell', () => {
    const t = buildTaskInfo(input(app({ args: ['/bin/sleep', '10'] })));
    assert.equal(t.command?.shell, false);
    assert.deepEqual(t.command?.arguments, ['/bin/sleep', '10']);
    assert.equal(t.command?.value, '/bin/sleep');
  });

  it('DOCKER on a container network: docker USER network, name-only NetworkInfo, MESOS_TASK_ID label parameter', () => {
    const t = buildTaskInfo(input(app({ cmd: 'x', container: { type: 'DOCKER', docker: { image: 'nginx' } }, networks: [{ mode: 'container', name: 'net-a' }] })));
    assert.equal(t.container?.type, 'DOCKER');
    assert.equal(t.container?.docker?.network, 'USER');
    assert.equal(t.container?.docker?.image, 'nginx');
    assert.deepEqual(t.container?.network_infos, [{ name: 'net-a' }]);
    assert.deepEqual(t.container?.docker?.parameters?.at(-1), { key: 'label', value: 'MESOS_TASK_ID=web_nginx.instance-u1._app.1' });
  });

  it('DOCKER bridge and host modes', () => {
    const bridge = buildTaskInfo(input(app({ cmd: 'x', container: { type: 'DOCKER', docker: { image: 'nginx' }, portMappings: [{ containerPort: 80 }] }, networks: [{ mode: 'container/bridge' }] }), { hostPorts: [31005] }));
    assert.equal(bridge.container?.docker?.network, 'BRIDGE');
    assert.deepEqual(bridge.container?.docker?.port_mappings, [{ host_port: 31005, container_port: 80, protocol: 'tcp' }]);
    const host = buildTaskInfo(input(app({ cmd: 'x', container: { type: 'DOCKER', docker: { image: 'nginx' } } })));
    assert.equal(host.container?.docker?.network, 'HOST');
  });

  it('MESOS with container networks: one NetworkInfo per network asking for any address, with labels', () => {
    const t = buildTaskInfo(input(app({ cmd: 'x', container: { type: 'MESOS', docker: { image: 'busybox' } }, networks: [{ mode: 'container', name: 'a', labels: { k: 'v' } }, { mode: 'container', name: 'b' }] })));
    assert.equal(t.container?.type, 'MESOS');
    assert.deepEqual(t.container?.mesos?.image?.docker, { name: 'busybox' });
    assert.deepEqual(t.container?.network_infos, [
      { name: 'a', ip_addresses: [{ protocol: 'IPv4' }], labels: { labels: [{ key: 'k', value: 'v' }] } },
      { name: 'b', ip_addresses: [{ protocol: 'IPv4' }] },
    ]);
  });

  it('networkInterfaces: MESOS containerizer with a Docker image and the given NetworkInfos', () => {
    const a = app({ cmd: 'x', container: { type: 'DOCKER', docker: { image: 'busybox' }, networkInterfaces: [{ networkName: 'nw-a' }] } });
    const infos = [{ name: 'nw-a' }, { name: 'vnet-agent-link' }];
    const t = buildTaskInfo(input(a, { vnetNetworkInfos: infos }));
    assert.equal(t.container?.type, 'MESOS');
    assert.equal(t.container?.docker, undefined);
    assert.deepEqual(t.container?.network_infos, infos);
  });

  it('taskKillGracePeriodSeconds becomes the kill policy', () => {
    const t = buildTaskInfo(input(app({ cmd: 'x', taskKillGracePeriodSeconds: 2.5 })));
    assert.deepEqual(t.kill_policy, { grace_period: { nanoseconds: 2_500_000_000 } });
  });
});
