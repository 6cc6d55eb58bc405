import assert from 'node:assert/strict';
import { OrNull, pointerSteps, Type, typeChecker, WHOLE_MISMATCH } from '../../src/lib/schema';

describe('lib/schema typeChecker (every mismatch at once)', () => {
  const Doc = Type.Object({
    name: Type.Optional(OrNull(Type.String())),
    tags: Type.Optional(Type.Array(Type.String())),
    byKey: Type.Optional(Type.Unsafe<{ [k: string]: string }>({ type: 'object', additionalProperties: { type: 'string' } })),
    whole: Type.Optional(Type.Unsafe<string | { ref: string }>({
      type: ['string', 'object'], required: ['ref'], properties: { ref: { type: 'string' } }, [WHOLE_MISMATCH]: true,
    })),
  });
  const doc = typeChecker(Doc);
  const mismatches = (value: unknown): string[] => {
    assert.equal(doc.check(value), false);
    return doc.mismatches().map((m) => `${m.pointer} ${m.expected ?? m.keyword}`);
  };

  it('passes a matching value and null where OrNull allows it', () => {
    assert.equal(doc.check({ name: null, tags: ['a'], byKey: { a: 'b' }, whole: { ref: 'r' } }), true);
    assert.deepEqual(doc.mismatches(), []);
  });

  it('lists every mismatch, with the type expected (null left out of type lists)', () => {
    assert.deepEqual(mismatches({ name: 1, tags: ['a', 2, 3], byKey: { a: 1 } }), ['/name string', '/tags/1 string', '/tags/2 string', '/byKey/a string']);
  });

  it('a WHOLE_MISMATCH value is one mismatch where it is, whatever is wrong inside', () => {
    for (const bad of [1, null, {}, { ref: 5 }]) assert.deepEqual(mismatches({ whole: bad }), ['/whole string'], JSON.stringify(bad));
  });

  it('compile() builds the validator at once (a broken schema throws there, not at the first check)', () => {
    const broken = typeChecker(Type.Unsafe({ type: 'no-such-type' }));
    assert.throws(() => broken.compile(), /type/);
    const fine = typeChecker(Type.Object({ a: Type.String() }));
    fine.compile();
    assert.equal(fine.check({ a: 1 }), false);
    assert.deepEqual(fine.mismatches().map((m) => m.pointer), ['/a']);
  });

  it('OrNull takes schemas of one JSON type only', () => {
    assert.throws(() => OrNull(Type.Union([Type.String(), Type.Number()])), /one JSON type/);
  });

  it('pointer steps tell list indices from number-like keys and unescape ~0 ~1', () => {
    const steps: string[] = [];
    pointerSteps({ a: [{ '0': { 'x/y~': 1 } }] }, '/a/0/0/x~1y~0', (key, index) => steps.push(index ? `(${key})` : `/${key}`));
    assert.deepEqual(steps, ['/a', '(0)', '/0', '/x/y~']);
  });
});
