import assert from 'node:assert/strict';
import { filterApps, matchesId, matchesLabels, parseLabelQuery } from '../../src/ui/lib/label-search';

describe('UI app search', () => {
  it('parses k, k=v, k==v and k!=v terms separated by commas', () => {
    assert.deepEqual(parseLabelQuery(' tier , env=prod, team == net ,owner!=bob'), {
      ok: true,
      selectors: [
        { kind: 'exists', key: 'tier' },
        { kind: 'equals', key: 'env', value: 'prod' },
        { kind: 'equals', key: 'team', value: 'net' },
        { kind: 'notEquals', key: 'owner', value: 'bob' },
      ],
    });
  });

  it('treats an empty query as no condition', () => {
    assert.deepEqual(parseLabelQuery('  ,  '), { ok: true, selectors: [] });
  });

  it('rejects terms it cannot read instead of guessing', () => {
    assert.equal(parseLabelQuery('=prod').ok, false);
    assert.equal(parseLabelQuery('a!b').ok, false);
  });

  it('keeps a value that itself contains "="', () => {
    assert.deepEqual(parseLabelQuery('q=a=b'), { ok: true, selectors: [{ kind: 'equals', key: 'q', value: 'a=b' }] });
  });

  it('matches label selectors with AND semantics', () => {
    const sel = (q: string) => {
      const p = parseLabelQuery(q);
      assert.ok(p.ok);
      return p.selectors;
    };
    const labels = { env: 'prod', tier: 'web' };
    assert.equal(matchesLabels(labels, sel('env')), true);
    assert.equal(matchesLabels(labels, sel('env=prod,tier=web')), true);
    assert.equal(matchesLabels(labels, sel('env=prod,tier=db')), false);
    assert.equal(matchesLabels(labels, sel('owner')), false);
    assert.equal(matchesLabels(labels, sel('env!=dev')), true);
    assert.equal(matchesLabels(labels, sel('env!=prod')), false);
    assert.equal(matchesLabels(undefined, sel('owner!=x')), true, 'absent key differs from any value');
    assert.equal(matchesLabels({ toString: 'x' }, sel('toString')), true);
    assert.equal(matchesLabels({}, sel('toString')), false, 'inherited properties are not labels');
  });

  it('matches ids case-insensitively by substring', () => {
    assert.equal(matchesId('/Web/Nginx', 'web/ng'), true);
    assert.equal(matchesId('/web/nginx', 'db'), false);
    assert.equal(matchesId('/web/nginx', '  '), true);
  });

  it('filters apps by id and label together and reports an unreadable label query', () => {
    const apps = [
      { id: '/vnettest', labels: { env: 'dev' } },
      { id: '/web/nginx', labels: { env: 'prod' } },
      { id: '/web/api' },
    ];
    assert.deepEqual(filterApps(apps, 'web', 'env=prod').apps.map((a) => a.id), ['/web/nginx']);
    assert.deepEqual(filterApps(apps, '', 'env').apps.map((a) => a.id), ['/vnettest', '/web/nginx']);
    const bad = filterApps(apps, 'web', '=x');
    assert.deepEqual(bad.apps.map((a) => a.id), ['/web/nginx', '/web/api']);
    assert.match(bad.error ?? '', /missing label key/);
  });
});
