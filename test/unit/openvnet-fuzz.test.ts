// Property-based fuzz of the embedded OpenVNet webapi (issue 13): short request sequences over
// every route, with path uuids and parameters drawn from the seeded records, near misses and
// junk, sent as form bodies and as JSON bodies (ActiveResource-wrapped, flat, typed values,
// malformed). Properties: no answer is a 5xx except the two 500s real OpenVNet gives and clients
// key on (a Sequel unique-constraint violation; an exhausted address pool); every error body
// has OpenVNet's shape {error, message, code}. Each case starts from the same seeded state with
// deterministic clock and randomness, so a failure replays from fast-check's seed and path
// (MVN_FUZZ_SEED, MVN_FUZZ_PATH; MVN_FUZZ_RUNS for more cases).
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import type { ParamDecl } from '../../src/sim/openvnet/params';
import { buildRoutes, type RouteDef } from '../../src/sim/openvnet/routes';
import { applyInitFile, createVnetApiServer, getVnetModel } from '../../src/sim/openvnet/server';
import type { UuidPrefix } from '../../src/sim/openvnet/uuid';

const SEED_STATE = {
  datapaths: [{ uuid: 'dp-fz1', display_name: 'h1', dpid: '0x1', node_id: 'vna' }],
  networks: [
    { uuid: 'nw-vnet1', display_name: 'vnet1', ipv4_network: '10.0.0.0', ipv4_prefix: 24, network_mode: 'virtual' },
    { uuid: 'nw-vnet3', display_name: 'vnet3', ipv4_network: '192.168.0.0', ipv4_prefix: 24, network_mode: 'virtual' },
  ],
  ip_range_groups: [{ uuid: 'iprg-vnet1', ip_ranges: [{ begin_ipv4_address: '10.0.0.100', end_ipv4_address: '10.0.0.102' }] }],
  lease_policies: [{ uuid: 'lp-vnet1', timing: 'immediate', networks: [{ network_uuid: 'nw-vnet1', ip_range_group_uuid: 'iprg-vnet1' }] }],
};

/** Records that exist in the seed (or that a case may create), plus near misses. */
const UUIDS: Partial<Record<UuidPrefix, string[]>> = {
  dp: ['dp-fz1', 'dp-fz2'], nw: ['nw-vnet1', 'nw-vnet3', 'nw-fz2'], if: ['if-fz1', 'if-fz2'], lp: ['lp-vnet1', 'lp-fz2'],
  iprg: ['iprg-vnet1', 'iprg-fz2'], ipr: ['ipr-fz1'], il: ['il-fz1'], ml: ['ml-fz1'], mrg: ['mrg-fz1'], mr: ['mr-fz1'],
  ns: ['ns-fz1'], dnss: ['dnss-fz1'], dnsr: ['dnsr-fz1'], seg: ['seg-fz1'], topo: ['topo-fz1'],
};

const JUNK = fc.oneof(
  fc.constantFrom('', ' ', 'null', 'true', '0', '-1', '1.5', '1e9', '99999999999999999999', 'x'.repeat(300), '../etc', '%00', '\u0000', 'é', '😀', '<b>', '{"a":1}', '[1]', 'a=b&c'),
  fc.string({ maxLength: 12 }),
);

function uuidArb(prefix: UuidPrefix): fc.Arbitrary<string> {
  const known = UUIDS[prefix] ?? [`${prefix}-fz1`];
  // Mostly the seeded live record (deep sequences need hits), sometimes another or a near miss.
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant(known[0]) },
    { weight: 3, arbitrary: fc.constantFrom(...known) },
    { weight: 1, arbitrary: fc.constantFrom(`${prefix}-UPPER`, `${prefix}-`, `${prefix}-${'a'.repeat(17)}`, `${prefix}-a_b`, 'xx-1', `${prefix}-nothere`) },
    { weight: 1, arbitrary: JUNK },
  );
}

function valueArb(d: ParamDecl): fc.Arbitrary<string> {
  const typed = ((): fc.Arbitrary<string> => {
    switch (d.kind) {
      case 'uuid': return uuidArb(d.prefix as UuidPrefix);
      case 'int': return fc.oneof(fc.integer({ min: -5, max: 40 }).map(String), fc.constantFrom('65535', '65536', '32', '33', '0'));
      case 'bool': return fc.constantFrom('true', 'false', '1', '0', 'yes', 'maybe');
      case 'enum': return fc.constantFrom(...(d.values ?? []), 'bogus');
      case 'ipv4': return fc.oneof(fc.constantFrom('10.0.0.100', '10.0.0.150', '10.0.0.0', '10.0.0.255', '192.168.0.10', '192.168.0.11', '255.255.255.255', '0.0.0.0', '1.2.3', '10.0.0.256'), fc.ipV4());
      case 'mac': return fc.constantFrom('02:00:00:00:00:01', '02:00:00:00:00:02', 'ff:ff:ff:ff:ff:ff', '00:00:00:00:00:00', '02-00-00-00-00-03', 'zz:00:00:00:00:00');
      case 'dpid': return fc.constantFrom('0x1', '0x2', '0xffffffffffffffff', '0x10000000000000000', 'zz', '1');
      case 'string': return fc.oneof(fc.constantFrom('name', 'vna', 'if-fz1', 'example.com'), fc.string({ maxLength: 20 }));
    }
  })();
  return fc.oneof({ weight: 5, arbitrary: typed }, { weight: 1, arbitrary: JUNK });
}

interface Req { method: RouteDef['method']; url: string; params: Record<string, string> }

const ROUTES = buildRoutes();

function requestArb(): fc.Arbitrary<Req> {
  // Stateful routes (leases, policies, interfaces) weigh more: their sequences reach deeper states.
  const weighted = fc.oneof(
    ...ROUTES.map((def) => ({ weight: /^\/(lease_policies|ip_leases|interfaces|ip_range_groups)/.test(def.path) ? 4 : 1, arbitrary: fc.constant(def) })),
  );
  return weighted.chain((def) => {
    const pathNames = [...def.path.matchAll(/:([a-z_]+)/g)].map((m) => m[1]);
    const pathArb = fc.tuple(...pathNames.map((n) => uuidArb(def.pathUuids[n] ?? 'nw')));
    const declared = Object.entries(def.params);
    const paramsArb = fc.tuple(
      fc.subarray(declared).chain((ds) => fc.tuple(...ds.map(([name, d]) => valueArb(d).map((v) => [name, v] as const)))),
      fc.array(fc.tuple(fc.constantFrom('offset', 'limit', 'foo', '__proto__', 'constructor', 'uuid'), JUNK), { maxLength: 2 }),
    );
    const styleArb = fc.tuple(fc.constantFrom('/api', '/api/1.0'), fc.constantFrom('', '.json'));
    return fc.tuple(pathArb, paramsArb, styleArb).map(([pathValues, [decl, extra], [prefix, suffix]]) => {
      let url = `${prefix}${def.path}${suffix}`;
      pathNames.forEach((n, i) => {
        url = url.replace(`:${n}`, encodeURIComponent(pathValues[i]));
      });
      const params: Record<string, string> = {};
      for (const [k, v] of [...decl, ...extra]) params[k] = v;
      return { method: def.method, url, params };
    });
  });
}

type Surface = 'form' | 'json';
type JsonShape = 'wrapped' | 'flat' | 'typed' | 'malformed' | 'array' | 'wrong-type';

function encode(surface: Surface, shape: JsonShape, r: Req): { payload?: string; headers?: Record<string, string> } {
  const hasBody = r.method !== 'GET' && r.method !== 'DELETE';
  if (surface === 'form') {
    if (!hasBody) return Object.keys(r.params).length === 0 ? {} : { payload: '', headers: {} };
    return { payload: new URLSearchParams(r.params).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
  }
  const typed = (v: string): unknown => (/^-?\d+$/.test(v) && v.length < 10 ? Number(v) : v === 'true' ? true : v === 'null' ? null : v);
  switch (shape) {
    case 'wrapped': return { payload: JSON.stringify({ resource: r.params }), headers: { 'content-type': 'application/json' } };
    case 'flat': return { payload: JSON.stringify(r.params), headers: { 'content-type': 'application/json' } };
    case 'typed': return { payload: JSON.stringify(Object.fromEntries(Object.entries(r.params).map(([k, v]) => [k, typed(v)]))), headers: { 'content-type': 'application/json; charset=utf-8' } };
    case 'malformed': return { payload: JSON.stringify(r.params).slice(0, -1), headers: { 'content-type': 'application/json' } };
    case 'array': return { payload: JSON.stringify([r.params, { nested: { deeper: [1, null, {}] } }]), headers: { 'content-type': 'application/json' } };
    case 'wrong-type': return { payload: JSON.stringify(r.params), headers: { 'content-type': 'text/plain' } };
  }
}

/** The 500s real OpenVNet answers and the client keys on (spec B3). */
function allowed500(body: Record<string, unknown>): boolean {
  return body.error === 'Sequel::UniqueConstraintViolation' || (body.code === '500' && /^Run out of /.test(String(body.message)));
}

function checkAnswer(res: { statusCode: number; body: string; headers: Record<string, unknown> }, what: string): void {
  if (res.statusCode === 404 && String(res.headers['content-type'] ?? '').startsWith('text/html')) return; // Sinatra's unknown route
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(res.body) as Record<string, unknown>;
  } catch {
    assert.fail(`${what}: ${res.statusCode} with a body that is not JSON: ${res.body.slice(0, 200)}`);
  }
  if (res.statusCode >= 500) assert.ok(allowed500(body), `${what}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  if (res.statusCode >= 400) {
    assert.ok(typeof body.error === 'string' && typeof body.message === 'string' && typeof body.code === 'string', `${what}: error shape ${res.body.slice(0, 300)}`);
  }
}

const RUNS = Number(process.env.MVN_FUZZ_RUNS ?? 2000);
const SEED = Number(process.env.MVN_FUZZ_SEED ?? 1313);
const PATH = process.env.MVN_FUZZ_PATH;

describe('openvnet webapi: property fuzz over every route (unit, fast-check)', function () {
  this.timeout(240000);
  let app: FastifyInstance;
  let snapshot: string;
  let tick = 0;
  before(async () => {
    app = createVnetApiServer({
      deps: {
        now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++)),
        randomSuffix: () => `r${String(tick++).padStart(7, '0')}`,
        randomInt: (n) => (tick++ * 7919) % n,
      },
    });
    await applyInitFile(app, SEED_STATE);
    await app.ready();
    const made = await app.inject({ method: 'POST', url: '/api/interfaces', payload: 'uuid=if-fz1&mode=vif&network_uuid=nw-vnet3&mac_address=02:00:00:00:00:01&ipv4_address=192.168.0.10&owner_datapath_uuid=dp-fz1&port_name=if-fz1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(made.statusCode, 200, made.body);
    snapshot = JSON.stringify(getVnetModel(app).state);
  });
  after(() => app.close());

  function reset(): void {
    Object.assign(getVnetModel(app).state, JSON.parse(snapshot));
    tick = 0;
  }

  it('regression: a lease policy whose network link was deleted answers ip_leases with a 4xx in OpenVNet\'s shape', async () => {
    reset();
    const del = await app.inject({ method: 'DELETE', url: '/api/1.0/lease_policies/lp-vnet1/networks/nw-vnet1' });
    assert.equal(del.statusCode, 200, del.body);
    const res = await app.inject({ method: 'POST', url: '/api/1.0/lease_policies/lp-vnet1/ip_leases' });
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${res.statusCode} ${res.body}`);
    const body = JSON.parse(res.body) as Record<string, unknown>;
    assert.match(String(body.error), /^Vnet::Endpoints::Errors::/);
    assert.equal(typeof body.code, 'string');
    assert.match(String(body.message), /lp-vnet1/);
  });

  for (const surface of ['form', 'json'] as const) {
    it(`${RUNS} cases of 1-5 requests with ${surface} bodies: no unexpected 5xx, errors in OpenVNet's shape`, async () => {
      let requests = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(requestArb(), fc.constantFrom<JsonShape>('wrapped', 'flat', 'typed', 'malformed', 'array', 'wrong-type')), { minLength: 1, maxLength: 5 }),
          async (reqs) => {
            reset();
            for (const [r, shape] of reqs) {
              const res = await app.inject({ method: r.method, url: r.url, ...encode(surface, shape, r) });
              requests++;
              checkAnswer(res, `${r.method} ${r.url} ${surface}/${shape} ${JSON.stringify(r.params).slice(0, 200)}`);
            }
          },
        ),
        { numRuns: RUNS, seed: SEED, ...(PATH === undefined ? {} : { path: PATH }) },
      );
      assert.ok(requests >= RUNS, String(requests));
    });
  }
});
