import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { API_ERRORS, AddressHeldError, ApiError, AppLockedError, InvalidJsonError, ValidationError } from '../../src/api/errors';
import { violationsError } from '../../src/api/app-service';
import { boolParam, listParam, pathId } from '../../src/api/http';
import { matchesLabels, parseLabelSelector } from '../../src/api/render';
import { parseAppsPath } from '../../src/api/routes/apps';
import { pingFormat } from '../../src/api/routes/misc';
import { sseFrame } from '../../src/api/routes/events';
import { collapseSlashes } from '../../src/api/server';

describe('api/errors registry', () => {
  const source = fs.readFileSync(path.resolve(__dirname, '../../../src/api/errors.ts'), 'utf8');
  for (const [name, cls] of Object.entries(API_ERRORS)) {
    it(`${name} is an ApiError with a stable MVN_ERR_ code and an HTTP status`, () => {
      const proto = cls.prototype as unknown;
      assert.ok(proto instanceof ApiError);
      const m = new RegExp(`class ${name} extends ApiError \\{\\s*readonly code = '(MVN_ERR_[A-Z_]+)';\\s*readonly status = (\\d{3});`).exec(source);
      assert.ok(m, `${name} declares code and status`);
      assert.ok(Number(m[2]) >= 400 && Number(m[2]) < 600);
    });
  }
  it('codes are unique', () => {
    const codes = [...source.matchAll(/readonly code = '(MVN_ERR_[A-Z_]+)'/g)].map((m) => m[1]);
    assert.equal(new Set(codes).size, codes.length);
  });
  it('renders Marathon bodies', () => {
    assert.deepEqual(new InvalidJsonError('Unexpected token').toMarathonBody(), { message: 'Invalid JSON', details: 'Unexpected token' });
    const v = new ValidationError([{ path: '/cpus', errors: ['must be ≥ 0.001'] }]);
    assert.equal(v.status, 422);
    assert.deepEqual(v.toMarathonBody(), { message: 'Object is not valid', details: [{ path: '/cpus', errors: ['must be ≥ 0.001'] }] });
    const locked = new AppLockedError([{ id: 'd1' }]);
    assert.equal(locked.status, 409);
    assert.deepEqual(locked.toMarathonBody().deployments, [{ id: 'd1' }]);
    assert.match(locked.message, /\/v2\/deployments\/d1/);
    const held = new AddressHeldError('nw-1', '10.0.0.5', '/other (instance slot 0)', '/container/networkInterfaces(0)/ipAddress');
    assert.equal(held.code, 'MVN_ERR_ADDRESS_HELD');
    assert.equal(held.toMarathonBody().holder, '/other (instance slot 0)');
  });
  it('violations: any JSON type error → 400 Invalid JSON, otherwise 422', () => {
    assert.equal(violationsError([{ path: '/cpus', message: 'error.expected.jsnumber', kind: 'type' }, { path: '/id', message: 'x' }]).status, 400);
    const e = violationsError([{ path: '/id', message: 'a' }, { path: '/id', message: 'b' }]);
    assert.equal(e.status, 422);
    assert.deepEqual(e.details, [{ path: '/id', errors: ['a', 'b'] }]);
  });
});

describe('api helpers', () => {
  it('collapses repeated slashes in the path only', () => {
    assert.equal(collapseSlashes('/v2/apps//web/nginx?x=a//b'), '/v2/apps/web/nginx?x=a//b');
    assert.equal(collapseSlashes('//v2///apps'), '/v2/apps');
  });
  it('parses /v2/apps/<rest>', () => {
    const none = (): boolean => false;
    assert.deepEqual(parseAppsPath('web/nginx', none), { kind: 'app', id: '/web/nginx' });
    assert.deepEqual(parseAppsPath('web/nginx/restart', none), { kind: 'restart', id: '/web/nginx' });
    assert.deepEqual(parseAppsPath('web/nginx/tasks', none), { kind: 'tasks', id: '/web/nginx' });
    assert.deepEqual(parseAppsPath('web/nginx/tasks/t.1', none), { kind: 'task', id: '/web/nginx', taskId: 't.1' });
    assert.deepEqual(parseAppsPath('web/nginx/versions', none), { kind: 'versions', id: '/web/nginx' });
    assert.deepEqual(parseAppsPath('web/nginx/versions/2024', none), { kind: 'version', id: '/web/nginx', version: '2024' });
    assert.deepEqual(parseAppsPath('web/*', none), { kind: 'groupApps', group: '/web' });
    assert.deepEqual(parseAppsPath('a/tasks/b', (id) => id === '/a/tasks/b'), { kind: 'app', id: '/a/tasks/b' }, 'an existing app wins');
  });
  it('query parameters', () => {
    assert.equal(boolParam({ force: 'TRUE' }, 'force', false), true);
    assert.equal(boolParam({}, 'force', true), true);
    assert.throws(() => boolParam({ force: 'yes' }, 'force', false), (e: unknown) => e instanceof ApiError && e.status === 422);
    assert.deepEqual(listParam({ embed: ['a', 'b'], 'embed[]': 'c' }, 'embed'), ['a', 'b', 'c']);
    assert.equal(pathId('/a//b/'), '/a/b');
  });
  it('ping negotiates text, JSON or nothing', () => {
    assert.equal(pingFormat(undefined), 'text');
    assert.equal(pingFormat('*/*'), 'text');
    assert.equal(pingFormat('application/json'), 'json');
    assert.equal(pingFormat('application/json, text/plain;q=0.5'), 'json');
    assert.equal(pingFormat('text/plain, application/json;q=0.9'), 'text');
    assert.equal(pingFormat('image/png'), 'none');
  });
  it('label selectors', () => {
    const labels = { tier: 'web', env: 'prod' };
    const t = (s: string): boolean => matchesLabels(labels, parseLabelSelector(s) ?? []);
    assert.ok(t('tier'));
    assert.ok(!t('zone'));
    assert.ok(t('tier==web'));
    assert.ok(t('tier!=db'));
    assert.ok(t('env in (prod, stage)'));
    assert.ok(!t('env notin (prod)'));
    assert.ok(t('tier==web,env in (prod)'));
    assert.ok(!t('tier==web,env==dev'));
    assert.equal(parseLabelSelector('a b'), null);
    assert.equal(parseLabelSelector(''), null);
  });
  it('SSE frames are one line of JSON', () => {
    const f = sseFrame({ eventType: 'x', timestamp: 't', message: 'a\nb' });
    assert.equal(f, 'event: x\ndata: {"eventType":"x","timestamp":"t","message":"a\\nb"}\n\n');
  });
});
