// Property suite (issue 12): generated app definitions, patches, group changes and query strings,
// hostile values included, against serve (file store, simulated agents). Every answer: no 5xx,
// bounded time; every refused write leaves the stored apps unchanged; RSS stays flat; a restart
// on the same state shows the same apps. MVN_PROP_SEED / MVN_PROP_RUNS reproduce or widen a run
// (fast-check prints the seed and path of a failure).
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { http, startCluster, type Cluster } from './serve-fixture';

// A full collection before each memory reading, so that "flat" measures what is kept, not garbage.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

const SEED = Number(process.env.MVN_PROP_SEED ?? 1212);
const RUNS = Number(process.env.MVN_PROP_RUNS ?? 5000);
const IDS = ['/p/a', '/p/b', '/p/g/c', 'p/rel', '/p/g', '/', '', '/p/../x', '/P/Upper', '/p/a/restart', '/p//a'];

const HUGE = [1e12, 2147483647, 2147483648, -1, -2147483649, Number.MAX_SAFE_INTEGER, 1e308, -1e308, 0.5, 1e-300, 100001];
const hostileNumber = fc.oneof(fc.integer({ min: -3, max: 6 }), fc.constantFrom(...HUGE), fc.double({ noNaN: true, noDefaultInfinity: true }));
const unicode = fc.string({ unit: 'grapheme', maxLength: 12 });
const longString = fc.integer({ min: 1000, max: 20_000 }).map((n) => 'x'.repeat(n));
const protoKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '');
const hostileString = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 8 }) }, { weight: 3, arbitrary: unicode }, { weight: 1, arbitrary: longString },
  { weight: 3, arbitrary: protoKey }, { weight: 3, arbitrary: fc.constantFrom('static', 'dhcp', 'STATIC', '*', 'nw-a', 'nw-b') });
const scalar: fc.Arbitrary<unknown> = fc.oneof(hostileNumber, hostileString, fc.boolean(), fc.constant(null));
const anyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(protoKey, fc.string({ maxLength: 5 })), tie('v'), { maxKeys: 3 })),
})).v;
const sometimes = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | unknown> => fc.oneof({ weight: 4, arbitrary: a }, { weight: 1, arbitrary: anyJson });

const address = fc.constantFrom('10.5.0.1', '10.5.0.2', '10.5.0.3', '10.5.0.255', '10.5.0.0', '300.1.1.1', '10.5.0.1/24', 'x');
const iface = fc.record({
  networkName: sometimes(fc.constantFrom('nw-a', 'nw-b', 'NW', '')),
  interfaceName: sometimes(fc.constantFrom('eth0', 'eth1', 'lo', 'a-very-long-interface-name')),
  bootproto: sometimes(fc.constantFrom('dhcp', 'static', 'bogus')),
  ipAddress: sometimes(address),
  ipAddresses: sometimes(fc.array(address, { maxLength: 4 })),
  ipRange: sometimes(fc.constantFrom('10.5.0.1-10.5.0.3', '10.5.0.0/30', '10.0.0.0/8', '10.5.0.3-10.5.0.1', '0.0.0.0/0')),
  netmask: sometimes(fc.constantFrom('24', '255.255.255.0', '33', '255.0.255.0')),
  gateway: sometimes(fc.constantFrom('10.5.0.254', '10.5.0.1', 'gw')),
  macAddress: sometimes(fc.constantFrom('02:00:00:00:00:01', '01:00:00:00:00:01', 'zz')),
  mtu: sometimes(hostileNumber),
  routes: sometimes(fc.array(fc.record({ destination: sometimes(fc.constantFrom('10.9.0.0/16', '0.0.0.0/0', 'x')), gateway: sometimes(address) }), { maxLength: 2 })),
}, { requiredKeys: [] });

const appBody = fc.record({
  id: sometimes(fc.constantFrom(...IDS)),
  cmd: sometimes(fc.constantFrom('sleep 3600', '')),
  args: sometimes(fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 })),
  instances: sometimes(hostileNumber),
  cpus: sometimes(fc.oneof(hostileNumber, fc.constantFrom(0.01, 1000))),
  mem: sometimes(hostileNumber),
  disk: sometimes(hostileNumber),
  acceptedResourceRoles: sometimes(fc.array(fc.constantFrom('*', '', 'prod'), { maxLength: 2 })),
  constraints: sometimes(fc.array(fc.array(fc.constantFrom('hostname', 'UNIQUE', 'LIKE', '[', 'MAX_PER', '1'), { maxLength: 4 }), { maxLength: 2 })),
  labels: sometimes(fc.dictionary(fc.oneof(protoKey, fc.string({ maxLength: 4 })), hostileString, { maxKeys: 3 })),
  env: sometimes(fc.dictionary(fc.oneof(protoKey, fc.string({ maxLength: 4 })), anyJson, { maxKeys: 2 })),
  networkInterfaces: sometimes(fc.array(iface, { maxLength: 3 })),
  container: sometimes(fc.record({ type: sometimes(fc.constantFrom('MESOS', 'DOCKER', 'x')), docker: sometimes(fc.record({ image: sometimes(fc.constantFrom('busybox', '')) }, { requiredKeys: [] })) }, { requiredKeys: [] })),
  upgradeStrategy: sometimes(fc.record({ minimumHealthCapacity: hostileNumber, maximumOverCapacity: hostileNumber }, { requiredKeys: [] })),
  healthChecks: sometimes(fc.array(anyJson, { maxLength: 2 })),
  dependencies: sometimes(fc.array(fc.constantFrom(...IDS), { maxLength: 2 })),
  ['__proto__']: sometimes(anyJson),
}, { requiredKeys: [] });

/** Raw JSON texts a generator of values cannot write: duplicate keys, deep nesting, huge arrays. */
const rawBody = fc.oneof(
  fc.constantFrom(
    '{"id":"/p/a","cmd":"sleep 1","instances":1,"instances":2147483647}',
    '{"id":"/p/a","cmd":"sleep 1","__proto__":{"instances":1e12},"constructor":{"prototype":{"x":1}}}',
    `{"id":"/p/a","cmd":"sleep 1","acceptedResourceRoles":[${Array.from({ length: 20_000 }, () => '"*"').join(',')}]}`,
    `{"id":"/p/a","cmd":"sleep 1","networkInterfaces":[${Array.from({ length: 5_000 }, () => '{"networkName":"nw-a"}').join(',')}]}`,
    `[${Array.from({ length: 1000 }, (_, i) => `{"id":"/p/bulk${i}","instances":1e12}`).join(',')}]`,
    '{"id":"/p/a","cmd":"sleep 1","instances":1e999}',
    '{"id":"/p/a",',
    '',
  ),
  fc.integer({ min: 100, max: 5_000 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`),
  fc.integer({ min: 100, max: 5_000 }).map((d) => `{"id":"/p/a","labels":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}`),
);

const groupBody: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  g: fc.record({
    id: sometimes(fc.constantFrom('/p', '/p/g', 'g', '/', '')),
    apps: sometimes(fc.array(appBody, { maxLength: 2 })),
    groups: sometimes(fc.array(tie('g'), { maxLength: 2, depthIdentifier: 'groups' })),
    scaleBy: sometimes(hostileNumber),
  }, { requiredKeys: [] }),
})).g;

const queryValue = fc.oneof(hostileString, fc.constantFrom('app.tasks', 'group.apps', 'a=b', 'a!=b', 'a==', '!', '=', '%', '%ZZ', 'true', 'false'));
const query = fc.array(fc.tuple(fc.constantFrom('id', 'cmd', 'label', 'embed', 'force', 'partialUpdate', 'dryRun', 'status', '__proto__'), queryValue), { maxLength: 4 })
  .map((pairs) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&'));

const appPath = fc.constantFrom(...IDS).map((id) => (id.startsWith('/') ? id : `/${id}`));

type Req = { method: string; url: string; body?: unknown; raw?: string };
const request: fc.Arbitrary<Req> = fc.oneof(
  fc.record({ method: fc.constant('POST'), url: fc.constantFrom('/v2/apps', '/v2/apps?force=true'), body: appBody }),
  fc.tuple(appPath, query, appBody).map(([p, q, body]) => ({ method: 'PUT', url: `/v2/apps${p}?${q}`, body })),
  fc.tuple(appPath, appBody).map(([p, body]) => ({ method: 'PATCH', url: `/v2/apps${p}`, body })),
  fc.tuple(fc.constantFrom('PUT', 'PATCH'), fc.array(appBody, { maxLength: 3 })).map(([method, body]) => ({ method, url: '/v2/apps?force=true', body })),
  fc.tuple(fc.constantFrom('POST', 'PUT'), fc.constantFrom('/v2/groups', '/v2/groups/p', '/v2/groups/p/g?force=true', '/v2/groups/p?dryRun=true'), groupBody)
    .map(([method, url, body]) => ({ method, url, body })),
  fc.tuple(fc.constantFrom('POST', 'PUT', 'PATCH'), fc.constantFrom('/v2/apps', '/v2/apps/p/a', '/v2/groups', '/v2/groups/p'), rawBody)
    .map(([method, url, raw]) => ({ method, url, raw })),
  fc.tuple(fc.constantFrom('/v2/apps', '/v2/groups', '/v2/groups/p', '/v2/queue', '/v2/tasks', '/v2/deployments', '/v2/networks', '/v2/apps/p/a', '/v2/apps/p/a/versions'), query)
    .map(([p, q]) => ({ method: 'GET', url: `${p}?${q}` })),
);

function appsSnapshot(c: Cluster): string {
  return [...c.serve.repo.apps.values()].map((v) => `${v.app.id}@${v.version}`).sort().join(',');
}

describe('serve: admission properties (fast-check)', function () {
  this.timeout(300_000);
  let c: Cluster;
  before(async () => { c = await startCluster({ store: (process.env.MVN_PROP_STORE ?? 'file') as 'file' | 'memory', serve: { maxInstancesPerApp: 4 } }); });
  after(async () => { await c?.close(); });

  it(`${RUNS} generated requests (seed ${SEED}): never a 5xx, bounded time, refused writes change nothing, RSS flat, state survives a restart`, async () => {
    let slowest = 0;
    let refused = 0;
    let accepted = 0;
    let rssStart = 0;
    let heapStart = 0;
    let n = 0;
    await fc.assert(fc.asyncProperty(request, async (req) => {
      if (++n === 200) { collect(); rssStart = process.memoryUsage().rss; heapStart = process.memoryUsage().heapUsed; }
      if (process.env.MVN_PROP_TRACE !== undefined && n % 250 === 0) console.log(n, new Date().toISOString(), c.serve.repo.apps.size, c.serve.repo.instances.size, c.serve.repo.deployments.size, Math.round(process.memoryUsage().rss / 2 ** 20), (collect(), Math.round(process.memoryUsage().heapUsed / 2 ** 20)));
      const before = appsSnapshot(c);
      const started = Date.now();
      const init: RequestInit = { signal: AbortSignal.timeout(10_000), method: req.method, headers: { Accept: 'application/json', 'Content-Type': 'application/json' } };
      if (req.raw !== undefined) init.body = req.raw;
      else if (req.body !== undefined) init.body = JSON.stringify(req.body);
      const res = await fetch(c.serve.url + req.url, init);
      const text = await res.text();
      const took = Date.now() - started;
      slowest = Math.max(slowest, took);
      if (process.env.MVN_PROP_TRACE !== undefined && took > 300) console.log(took, req.method, req.url, res.status, (init.body as string | undefined)?.length, text.slice(0, 120));
      assert.ok(res.status < 500, `${req.method} ${req.url} → ${res.status} ${text.slice(0, 300)}`);
      assert.ok(took < 5000, `${req.method} ${req.url} took ${took} ms`);
      if (req.method !== 'GET' && res.status >= 400) {
        refused++;
        assert.equal(appsSnapshot(c), before, `${req.method} ${req.url} → ${res.status} changed the stored apps`);
      } else if (req.method !== 'GET') accepted++;
      for (const v of c.serve.repo.apps.values()) assert.ok(v.app.instances <= 4, `${v.app.id} has ${v.app.instances} instances`);
    }), { numRuns: RUNS, seed: SEED, endOnFailure: true });
    collect();
    const growth = (process.memoryUsage().rss - rssStart) / 2 ** 20;
    assert.ok(growth < 200, `RSS grew ${growth.toFixed(0)} MiB`);
    const heapGrowth = (process.memoryUsage().heapUsed - heapStart) / 2 ** 20;
    assert.ok(heapGrowth < 32, `live heap grew ${heapGrowth.toFixed(0)} MiB`);
    assert.ok(refused > RUNS / 4 && accepted > 0, `refused ${refused}, accepted ${accepted}`);
    assert.ok(slowest < 5000, `slowest answer ${slowest} ms`);
    // A restart on the same state shows the same apps.
    const list = async (): Promise<string> => {
      const r = await http<{ apps: Array<{ id: string; version: string; instances: number }> }>(c.serve.url, 'GET', '/v2/apps');
      assert.equal(r.status, 200);
      return r.body.apps.map((a) => `${a.id}@${a.version}:${a.instances}`).sort().join(',');
    };
    const beforeRestart = await list();
    await c.restartServe();
    assert.equal(await list(), beforeRestart);
  });
});
