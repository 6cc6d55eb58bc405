import assert from 'node:assert/strict';
import { canonicalAppId, isHostNetworking, normalizeApp, parentGroupOf } from '../../src/core/apps/normalize';
import type { AppDefinition } from '../../src/core/apps/types';

function ok(raw: unknown, opts = {}): AppDefinition {
  const result = normalizeApp(raw, opts);
  if ('violations' in result) assert.fail(JSON.stringify(result.violations));
  return result.app;
}

describe('canonicalAppId', () => {
  const cases: Array<[string, string | undefined, string]> = [
    ['vnettest', undefined, '/vnettest'],
    ['/web/nginx', undefined, '/web/nginx'],
    ['//web//nginx/', undefined, '/web/nginx'],
    ['nginx', '/web', '/web/nginx'],
    ['../db', '/web/shop', '/web/db'],
    ['/a/./b', undefined, '/a/b'],
    ['/a/../b', undefined, '/b'],
    ['/../../b', undefined, '/b'],
    ['/web/..', undefined, '/web/..'],
    ['/', undefined, '/'],
  ];
  for (const [raw, parent, expected] of cases) {
    it(`${JSON.stringify(raw)} against ${parent ?? '/'} → ${expected}`, () => assert.equal(canonicalAppId(raw, parent), expected));
  }

  it('parentGroupOf', () => {
    assert.equal(parentGroupOf('/a/b/c'), '/a/b');
    assert.equal(parentGroupOf('/c'), '/');
  });

  it('resolves a relative body id against opts.parentGroup', () => {
    assert.equal(ok({ id: 'api', cmd: 'x' }, { parentGroup: '/prod' }).id, '/prod/api');
  });
});

describe('normalizeApp defaults', () => {
  it('fills every Marathon default for a minimal command app', () => {
    assert.deepEqual(ok({ id: 'sleepy', cmd: 'sleep 1' }), {
      id: '/sleepy', cmd: 'sleep 1', env: {}, instances: 1, cpus: 1, mem: 128, disk: 0, gpus: 0, executor: '',
      constraints: [], labels: {}, fetch: [], portDefinitions: [{ port: 0, protocol: 'tcp', name: 'default' }],
      requirePorts: false, healthChecks: [], readinessChecks: [], dependencies: [], backoffSeconds: 1,
      backoffFactor: 1.15, maxLaunchDelaySeconds: 300, upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 1 },
      unreachableStrategy: { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 }, killSelection: 'YOUNGEST_FIRST',
      secrets: {}, networks: [],
    });
  });

  it('keeps keys in Marathon order', () => {
    const keys = Object.keys(ok({ container: { docker: { image: 'x' } }, cmd: 'c', id: 'a' }));
    assert.deepEqual(keys.slice(0, 3), ['id', 'cmd', 'env']);
    assert.equal(keys[keys.length - 1], 'container');
  });

  it('fills upgradeStrategy and unreachableStrategy members one by one', () => {
    const app = ok({ id: 'a', cmd: 'c', upgradeStrategy: { maximumOverCapacity: 0 }, unreachableStrategy: { expungeAfterSeconds: 60 } });
    assert.deepEqual(app.upgradeStrategy, { minimumHealthCapacity: 1, maximumOverCapacity: 0 });
    assert.deepEqual(app.unreachableStrategy, { inactiveAfterSeconds: 0, expungeAfterSeconds: 60 });
    assert.equal(ok({ id: 'a', cmd: 'c', unreachableStrategy: 'disabled' }).unreachableStrategy, 'disabled');
  });

  it('upper-cases constraint operators, killSelection, container type and health check protocols', () => {
    const app = ok({
      id: 'a', cmd: 'c', constraints: [['hostname', 'unique'], ['rack', 'like', 'r[0-9]']], killSelection: 'oldest_first',
      container: { type: 'mesos' }, healthChecks: [{ protocol: 'tcp' }, {}],
    });
    assert.deepEqual(app.constraints, [['hostname', 'UNIQUE'], ['rack', 'LIKE', 'r[0-9]']]);
    assert.equal(app.killSelection, 'OLDEST_FIRST');
    assert.equal(app.container?.type, 'MESOS');
    assert.deepEqual(app.healthChecks.map((h) => h.protocol), ['TCP', 'HTTP']);
  });

  it('defaults the container type to DOCKER and fills docker defaults', () => {
    const app = ok({ id: 'a', container: { docker: { image: 'busybox' } } });
    assert.deepEqual(app.container, {
      type: 'DOCKER', volumes: [], portMappings: [],
      docker: { image: 'busybox', forcePullImage: false, privileged: false, parameters: [] },
    });
  });

  it('gives no default portDefinitions and forces requirePorts off for non-host networking', () => {
    const app = ok({ id: 'a', cmd: 'c', requirePorts: true, networks: [{ name: 'n1' }], container: { type: 'MESOS' } });
    assert.deepEqual(app.portDefinitions, []);
    assert.equal(app.requirePorts, false);
    assert.equal(isHostNetworking(app), false);
    const host = ok({ id: 'a', cmd: 'c', requirePorts: true });
    assert.equal(host.requirePorts, true);
    assert.equal(isHostNetworking(host), true);
  });

  it('gives apps with networkInterfaces no host ports', () => {
    const app = ok({ id: 'a', cmd: 'c', networkInterfaces: [{ networkName: 'nw-a' }] });
    assert.deepEqual(app.portDefinitions, []);
    assert.equal(isHostNetworking(app), false);
  });

  it('resolves dependencies against the app\'s group', () => {
    assert.deepEqual(ok({ id: '/shop/web', cmd: 'c', dependencies: ['db', '/infra/dns', '../cache'] }).dependencies,
      ['/shop/db', '/infra/dns', '/cache']);
  });

  it('drops unknown and response-only top-level fields', () => {
    const app = ok({ id: 'a', cmd: 'c', version: '2024-01-01T00:00:00.000Z', tasksRunning: 3, deployments: [], colour: 'blue' });
    const record: Record<string, unknown> = { ...app };
    for (const key of ['version', 'tasksRunning', 'deployments', 'colour']) assert.equal(record[key], undefined, key);
  });

  it('treats null as not given', () => {
    const app = ok({ id: 'a', cmd: 'c', args: null, user: null, container: null });
    assert.equal(app.args, undefined);
    assert.equal(app.container, undefined);
  });

  it('collects every type error at once', () => {
    const result = normalizeApp({ id: 1, cpus: 'x', labels: { a: 2 }, container: { docker: { image: [] } } });
    assert.ok('violations' in result);
    assert.deepEqual(result.violations.map((v) => v.path).sort(), ['/container/docker/image', '/cpus', '/id', '/labels/a']);
    assert.ok(result.violations.every((v) => v.kind === 'type'));
  });
});

describe('normalizeApp JSON type errors (the app-json schema, Marathon paths and messages)', () => {
  const typeErrors = (raw: unknown): string[] => {
    const result = normalizeApp(raw);
    assert.ok('violations' in result && result.partial === undefined, JSON.stringify(result));
    assert.ok(result.violations.every((v) => v.kind === 'type'));
    return result.violations.map((v) => `${v.path} ${v.message}`);
  };
  const rows: Array<[string, unknown, string[]]> = [
    ['a body that is not an object', 7, ['/ error.expected.jsobject']],
    ['list elements as (i), nested lists as (i)(j)', { constraints: [['a', 1], 'x'], fetch: [{ uri: 1 }] },
      ['/constraints(0)(1) error.expected.jsstring', '/constraints(1) error.expected.jsarray', '/fetch(0)/uri error.expected.jsstring']],
    ['a constraint of the wrong length is a rule, its fields are not type-checked', { constraints: [[1, 2, 3, 4]], cpus: 'x' }, ['/cpus error.expected.jsnumber']],
    ['an env value: a string or a secret reference, anything else (null too) at the value', { env: { a: 1, b: { secret: 5 }, c: null, d: { secret: 's' } } },
      ['/env/a error.expected.jsstring', '/env/b error.expected.jsstring', '/env/c error.expected.jsstring']],
    ['keys with / and ~ are written as given', { labels: { 'x/y~z': 3 } }, ['/labels/x/y~z error.expected.jsstring']],
    ['unreachableStrategy: not an object', { unreachableStrategy: 5 }, ['/unreachableStrategy error.expected.jsobject']],
    ['unreachableStrategy: a wrong member', { unreachableStrategy: { inactiveAfterSeconds: 'x' } }, ['/unreachableStrategy/inactiveAfterSeconds error.expected.jsnumber']],
    ['a resource limit other than a number or "unlimited"', { resourceLimits: { cpus: 'lots', mem: 'unlimited' } }, ['/resourceLimits/cpus error.expected.jsnumber']],
    ['legacy ports are numbers', { ports: ['a'] }, ['/ports(0) error.expected.jsnumber']],
    ['null elements are type errors (null fields are not)', { args: [null], cmd: null, healthChecks: [null] },
      ['/healthChecks(0) error.expected.jsobject', '/args(0) error.expected.jsstring']],
    ['inside networkInterfaces, as the user wrote the path', { container: { networkInterfaces: [{ mtu: 'x', routes: [{ gateway: 1 }] }] } },
      ['/container/networkInterfaces(0)/routes(0)/gateway error.expected.jsstring', '/container/networkInterfaces(0)/mtu error.expected.jsnumber']],
  ];
  for (const [why, raw, want] of rows) it(why, () => assert.deepEqual(typeErrors(raw), want));

  it('legacy ports next to portDefinitions are compared, not type-checked (a rule violation)', () => {
    const result = normalizeApp({ id: 'a', cmd: 'c', ports: ['a'], portDefinitions: [{ port: 80 }] });
    assert.ok('violations' in result);
    assert.deepEqual(result.violations, [{ path: '/ports', message: 'deprecated ports must not be combined with portDefinitions (use portDefinitions only)' }]);
  });
});

describe('normalizeApp legacy forms (spec §5.3)', () => {
  it('docker.network USER + ipAddress → one named container network with labels', () => {
    const app = ok({
      id: 'a', container: { docker: { image: 'x', network: 'USER' } },
      ipAddress: { networkName: 'blue', labels: { l: 'v' } },
    });
    assert.deepEqual(app.networks, [{ mode: 'container', name: 'blue', labels: { l: 'v' } }]);
  });

  it('docker.network BRIDGE → container/bridge, HOST → host', () => {
    assert.deepEqual(ok({ id: 'a', container: { docker: { image: 'x', network: 'BRIDGE' } } }).networks, [{ mode: 'container/bridge' }]);
    assert.deepEqual(ok({ id: 'a', container: { docker: { image: 'x', network: 'HOST' } } }).networks, [], 'host networking is stored as []');
  });

  it('only ipAddress → a container network, or container/bridge for the mesos bridge name', () => {
    assert.deepEqual(ok({ id: 'a', cmd: 'c', ipAddress: { networkName: 'blue' } }).networks, [{ mode: 'container', name: 'blue' }]);
    assert.deepEqual(ok({ id: 'a', cmd: 'c', ipAddress: { networkName: 'mesos-bridge' } }).networks, [{ mode: 'container/bridge' }]);
    assert.deepEqual(ok({ id: 'a', cmd: 'c', ipAddress: { networkName: 'br9' } }, { mesosBridgeName: 'br9' }).networks, [{ mode: 'container/bridge' }]);
  });

  it('docker.portMappings → container.portMappings (bridge mode fills hostPort 0)', () => {
    const app = ok({ id: 'a', container: { docker: { image: 'x', network: 'BRIDGE', portMappings: [{ containerPort: 80, protocol: 'udp' }] } } });
    assert.deepEqual(app.container?.portMappings, [{ containerPort: 80, hostPort: 0, servicePort: 0, protocol: 'udp' }]);
  });

  it('ipAddress.discovery.ports → container port mappings without host ports', () => {
    const app = ok({ id: 'a', container: { type: 'MESOS' }, ipAddress: { networkName: 'blue', discovery: { ports: [{ number: 8080, name: 'http', protocol: 'tcp' }] } } });
    assert.deepEqual(app.container?.portMappings, [{ containerPort: 8080, servicePort: 0, protocol: 'tcp', name: 'http' }]);
  });

  it('uris → fetch (archives extracted), ports → portDefinitions', () => {
    const app = ok({ id: 'a', cmd: 'c', uris: ['http://x/app.tgz', 'http://x/run.sh'], ports: [8080, 0] });
    assert.deepEqual(app.fetch, [
      { uri: 'http://x/app.tgz', executable: false, extract: true, cache: false },
      { uri: 'http://x/run.sh', executable: false, extract: false, cache: false },
    ]);
    assert.deepEqual(app.portDefinitions, [{ port: 8080, protocol: 'tcp' }, { port: 0, protocol: 'tcp' }]);
  });

  it('ipAddress with docker.network BRIDGE is a violation', () => {
    const result = normalizeApp({ id: 'a', container: { docker: { image: 'x', network: 'BRIDGE' } }, ipAddress: { networkName: 'n' } });
    assert.ok('violations' in result);
    assert.deepEqual(result.violations.map((v) => v.path), ['/ipAddress']);
  });

  it('ipAddress mixed with networks is a violation at /ipAddress', () => {
    const result = normalizeApp({ id: 'a', cmd: 'c', ipAddress: { networkName: 'n' }, networks: [{ name: 'n' }] });
    assert.ok('violations' in result);
    assert.deepEqual(result.violations.map((v) => v.path), ['/ipAddress']);
  });
});

describe('normalizeApp networkInterfaces', () => {
  it('treats empty strings as not given and fills interfaceName and bootproto', () => {
    const app = ok({
      id: 'a', container: { docker: { image: 'x' }, networkInterfaces: [
        { networkName: 'nw-a', ipAddress: '', netmask: '', gateway: '', interfaceName: '', bootproto: '' },
        { networkName: 'nw-b', bootproto: 'STATIC', ipAddress: '10.0.0.5', ipAddresses: [] },
      ] },
    });
    assert.deepEqual(app.container?.networkInterfaces, [
      { networkName: 'nw-a', interfaceName: 'eth0', bootproto: 'dhcp', routes: [], labels: {} },
      { networkName: 'nw-b', interfaceName: 'eth1', bootproto: 'static', routes: [], labels: {}, ipAddress: '10.0.0.5' },
    ]);
  });

  it('moves top-level networkInterfaces into the container', () => {
    const app = ok({ id: 'a', container: { docker: { image: 'x' } }, networkInterfaces: [{ networkName: 'nw-a', mtu: 1400 }] });
    assert.deepEqual(app.container?.networkInterfaces, [{ networkName: 'nw-a', interfaceName: 'eth0', bootproto: 'dhcp', routes: [], labels: {}, mtu: 1400 }]);
    assert.equal((app as unknown as Record<string, unknown>).networkInterfaces, undefined);
  });

  it('creates a MESOS container for top-level interfaces without a container', () => {
    const app = ok({ id: 'a', cmd: 'c', networkInterfaces: [{ networkName: 'nw-a' }] });
    assert.equal(app.container?.type, 'MESOS');
    assert.equal(app.container?.docker, undefined);
    assert.equal(app.container?.networkInterfaces?.length, 1);
  });

  it('drops an empty interface list', () => {
    assert.equal(ok({ id: 'a', container: { docker: { image: 'x' }, networkInterfaces: [] } }).container?.networkInterfaces, undefined);
  });

  it('reports type errors inside top-level interfaces at their top-level paths', () => {
    const result = normalizeApp({ id: 'a', cmd: 'c', networkInterfaces: [{ networkName: 'nw-a', routes: [{ destination: 1, gateway: '1.2.3.4' }] }] });
    assert.ok('violations' in result);
    assert.deepEqual(result.violations.map((v) => v.path), ['/networkInterfaces(0)/routes(0)/destination']);
  });
});
