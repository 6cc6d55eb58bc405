// JSON structure limits: depth and array length, with Marathon-style paths; no recursion.
import assert from 'node:assert/strict';
import { checkJsonLimits, DEFAULT_JSON_LIMITS } from '../../src/server/security/json-limits';
import { SubscriberGuard } from '../../src/server/security/subscriber-guard';

function nest(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

describe('security: JSON limits', () => {
  it('accepts the sample two-interface app', () => {
    const app = {
      id: '/vnettest', instances: 2, container: { type: 'DOCKER', docker: { image: 'busybox' },
        networkInterfaces: [{ networkName: 'nw-a', bootproto: 'dhcp', routes: [{ destination: '10.0.0.0/8', gateway: '192.168.0.1' }] }] },
      labels: { a: 'b' },
    };
    assert.equal(checkJsonLimits(app), undefined);
  });

  it('accepts exactly maxDepth containers and refuses one more, naming the path', () => {
    const limits = { maxDepth: 4, maxArrayLength: 10 };
    assert.equal(checkJsonLimits(nest(4), limits), undefined);
    assert.deepEqual(checkJsonLimits(nest(5), limits), { path: '/a/a/a/a', error: 'nested deeper than 4 levels' });
  });

  it('counts arrays as levels and writes elements as (i)', () => {
    const v = { container: { portMappings: [{ labels: { x: [[1]] } }] } };
    assert.deepEqual(checkJsonLimits(v, { maxDepth: 5, maxArrayLength: 10 }), { path: '/container/portMappings(0)/labels/x', error: 'nested deeper than 5 levels' });
  });

  it('refuses a long array, anywhere', () => {
    const v = { ids: Array.from({ length: 11 }, (_, i) => `t${i}`) };
    assert.deepEqual(checkJsonLimits(v, { maxDepth: 8, maxArrayLength: 10 }), { path: '/ids', error: 'array longer than 10 elements' });
    assert.equal(checkJsonLimits({ ids: v.ids.slice(0, 10) }, { maxDepth: 8, maxArrayLength: 10 }), undefined);
  });

  it('walks a 100 000-deep document without recursion', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown;
    const v = checkJsonLimits(deep);
    assert.equal(v?.error, `nested deeper than ${DEFAULT_JSON_LIMITS.maxDepth} levels`);
  });

  it('scalars and null pass', () => {
    for (const v of [null, 1, 'x', true]) assert.equal(checkJsonLimits(v), undefined);
  });
});

describe('security: SubscriberGuard', () => {
  it('hands out at most `limit` slots; release is idempotent and frees one slot', () => {
    const g = new SubscriberGuard(2);
    const a = g.tryAcquire();
    const b = g.tryAcquire();
    assert.ok(a && b);
    assert.equal(g.tryAcquire(), undefined);
    a();
    a();
    assert.equal(g.active, 1);
    assert.ok(g.tryAcquire());
    assert.equal(g.tryAcquire(), undefined);
  });
  it('limit 0 refuses everyone; a bad limit is an error', () => {
    assert.equal(new SubscriberGuard(0).tryAcquire(), undefined);
    assert.throws(() => new SubscriberGuard(-1), RangeError);
  });
});
