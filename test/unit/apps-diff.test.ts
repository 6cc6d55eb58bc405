import assert from 'node:assert/strict';
import { classifyChange, changedFields, mergePartial } from '../../src/core/apps/diff';
import { normalizeApp } from '../../src/core/apps/normalize';
import type { AppDefinition, JsonObject } from '../../src/core/apps/types';

function ok(raw: unknown): AppDefinition {
  const result = normalizeApp(raw);
  if ('violations' in result) assert.fail(JSON.stringify(result.violations));
  return result.app;
}

const BASE: JsonObject = {
  id: '/web', cmd: 'serve', instances: 2, cpus: 0.5, mem: 64,
  container: { docker: { image: 'nginx:1' }, networkInterfaces: [{ networkName: 'nw-a', bootproto: 'dhcp' }] },
};

function changed(patch: JsonObject): AppDefinition {
  return ok({ ...BASE, ...patch });
}

describe('classifyChange', () => {
  const base = ok(BASE);

  it('none for an identical definition', () => assert.equal(classifyChange(base, ok(BASE)), 'none'));
  it('none when only key order differs', () => {
    const reordered = ok({ mem: 64, container: BASE.container, cpus: 0.5, instances: 2, cmd: 'serve', id: '/web' });
    assert.equal(classifyChange(base, reordered), 'none');
  });
  it('scale when only instances change (also to 0)', () => {
    assert.equal(classifyChange(base, changed({ instances: 5 })), 'scale');
    assert.equal(classifyChange(base, changed({ instances: 0 })), 'scale');
  });
  it('upgrade when instances and anything else change', () => {
    assert.equal(classifyChange(base, changed({ instances: 5, labels: { a: 'b' } })), 'upgrade');
  });
  it('upgrade for a different app id', () => assert.equal(classifyChange(base, changed({ id: '/other' })), 'upgrade'));

  const upgrades: Array<[string, JsonObject]> = [
    ['cmd', { cmd: 'serve --fast' }],
    ['args', { cmd: null, args: ['serve'] }],
    ['user', { user: 'nobody' }],
    ['env', { env: { A: '1' } }],
    ['cpus', { cpus: 1 }],
    ['mem', { mem: 65 }],
    ['disk', { disk: 10 }],
    ['gpus', { gpus: 1 }],
    ['executor', { executor: '/bin/exec' }],
    ['constraints', { constraints: [['hostname', 'UNIQUE']] }],
    ['fetch', { fetch: [{ uri: 'http://x/a' }] }],
    ['portDefinitions', { portDefinitions: [{ port: 0 }] }],
    ['backoffSeconds', { backoffSeconds: 2 }],
    ['backoffFactor', { backoffFactor: 2 }],
    ['maxLaunchDelaySeconds', { maxLaunchDelaySeconds: 60 }],
    ['container image', { container: { docker: { image: 'nginx:2' }, networkInterfaces: [{ networkName: 'nw-a' }] } }],
    ['networkInterfaces', { container: { docker: { image: 'nginx:1' }, networkInterfaces: [{ networkName: 'nw-b' }] } }],
    ['healthChecks', { healthChecks: [{ protocol: 'TCP' }] }],
    ['check', { check: { http: { port: 80 } } }],
    ['taskKillGracePeriodSeconds', { taskKillGracePeriodSeconds: 5 }],
    ['dependencies', { dependencies: ['/db'] }],
    ['upgradeStrategy', { upgradeStrategy: { minimumHealthCapacity: 0.5 } }],
    ['labels', { labels: { tier: 'web' } }],
    ['acceptedResourceRoles', { acceptedResourceRoles: ['*'] }],
    ['readinessChecks', { readinessChecks: [{ name: 'r' }] }],
    ['secrets', { secrets: { s: { source: '/s' } } }],
    ['unreachableStrategy', { unreachableStrategy: 'disabled' }],
    ['killSelection', { killSelection: 'OLDEST_FIRST' }],
    ['tty', { tty: true }],
    ['role', { role: 'web' }],
    ['resourceLimits', { resourceLimits: { cpus: 'unlimited' } }],
  ];
  for (const [field, patch] of upgrades) {
    it(`upgrade when ${field} changes`, () => assert.equal(classifyChange(base, changed(patch)), 'upgrade'));
  }

  it('upgrade when networks change (plain app)', () => {
    const plain = ok({ id: '/p', cmd: 'c', container: { type: 'MESOS' } });
    assert.equal(classifyChange(plain, ok({ id: '/p', cmd: 'c', container: { type: 'MESOS' }, networks: [{ name: 'n' }] })), 'upgrade');
  });

  it('changedFields lists the top-level fields that differ', () => {
    assert.deepEqual(changedFields(base, changed({ instances: 3, mem: 99 })), ['instances', 'mem']);
  });
});

describe('mergePartial', () => {
  const current = ok(BASE);

  it('{"instances":5} is a scale', () => {
    const merged = ok(mergePartial(current, { instances: 5 }));
    assert.equal(merged.instances, 5);
    assert.equal(classifyChange(current, merged), 'scale');
  });

  it('replaces top-level fields wholesale (env is not deep-merged)', () => {
    const withEnv = ok(mergePartial(current, { env: { A: '1', B: '2' } }));
    const merged = ok(mergePartial(withEnv, { env: { C: '3' } }));
    assert.deepEqual(merged.env, { C: '3' });
  });

  it('a new container replaces the old one, interfaces included', () => {
    const merged = ok(mergePartial(current, { container: { docker: { image: 'nginx:2' } } }));
    assert.equal(merged.container?.docker?.image, 'nginx:2');
    assert.equal(merged.container?.networkInterfaces, undefined);
  });

  it('top-level networkInterfaces replace those inside the current container', () => {
    const merged = ok(mergePartial(current, { networkInterfaces: [{ networkName: 'nw-b' }] }));
    assert.deepEqual(merged.container?.networkInterfaces?.map((i) => i.networkName), ['nw-b']);
    assert.equal(merged.container?.docker?.image, 'nginx:1');
  });

  it('legacy ipAddress in the body replaces stored networks', () => {
    const plain = ok({ id: '/p', cmd: 'c', container: { type: 'MESOS' }, networks: [{ name: 'old' }] });
    const merged = ok(mergePartial(plain, { ipAddress: { networkName: 'new' } }));
    assert.deepEqual(merged.networks, [{ mode: 'container', name: 'new' }]);
  });

  it('moving a host app onto a container network drops its default port definitions', () => {
    const host = ok({ id: '/h', cmd: 'c', container: { type: 'MESOS' } });
    assert.equal(host.portDefinitions.length, 1);
    const merged = ok(mergePartial(host, { networks: [{ name: 'n' }] }));
    assert.deepEqual(merged.portDefinitions, []);
  });

  it('keeps custom port definitions of a host app whose container changes', () => {
    const host = ok({ id: '/h', cmd: 'c', container: { docker: { image: 'a' } }, portDefinitions: [{ port: 8080, name: 'http' }] });
    const merged = ok(mergePartial(host, { container: { docker: { image: 'b' } } }));
    assert.deepEqual(merged.portDefinitions, [{ port: 8080, protocol: 'tcp', name: 'http' }]);
  });

  it('null means "not given" (Marathon\'s AppUpdate): every field sent as null keeps its current value', () => {
    // the stock UI's edit form sends "container": null and the app's derived networks back with a cpus change
    const merged = ok(mergePartial(current, { container: null, networks: current.networks as unknown as JsonObject[], cpus: 0.7 }));
    assert.equal(merged.cpus, 0.7);
    assert.deepEqual(merged.container, current.container);
    assert.deepEqual(merged.networks, current.networks);
    for (const key of Object.keys(current)) {
      if (key === 'id' || key === 'version' || key === 'versionInfo') continue;
      const same = ok(mergePartial(current, { [key]: null }));
      assert.equal(classifyChange(current, same), 'none', `${key}: null`);
      assert.deepEqual((same as unknown as JsonObject)[key], (current as unknown as JsonObject)[key], `${key}: null keeps it`);
    }
  });

  it('does not modify the current definition', () => {
    const before = JSON.stringify(current);
    mergePartial(current, { instances: 9, cmd: 'x' });
    assert.equal(JSON.stringify(current), before);
  });
});
