import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  API_ERRORS, AddressHeldError, ApiError, AppLockedError, InternalError, InternalServerError, InvalidJsonError, ValidationError,
} from '../../src/server/errors';
import { violationsError } from '../../src/server/api/app-service';
import { boolParam, listParam, pathId } from '../../src/server/api/http';
import { matchesLabels, parseLabelSelector } from '../../src/server/api/render';
import { parseAppsPath } from '../../src/server/api/routes/apps';
import { pingFormat } from '../../src/server/api/routes/misc';
import { sseFrame } from '../../src/server/api/routes/events';
import { collapseSlashes } from '../../src/server/api/server';

describe('server/errors registry', () => {
  const errorsFile = path.resolve(__dirname, '../../../src/server/errors.ts');
  const source = fs.readFileSync(errorsFile, 'utf8');
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
  it('lists every class that declares a code, and every other class inherits one from a listed class', () => {
    const listed = new Set(Object.keys(API_ERRORS));
    const declared = [...source.matchAll(/^export class (\w+) extends (\w+) \{\n(\s*readonly code = )?/gm)];
    for (const [, name, parent, code] of declared) {
      if (code !== undefined) assert.ok(listed.has(name), `${name} declares a code but is not in API_ERRORS`);
      else assert.ok(listed.has(parent), `${name} extends ${parent}, which is not a listed error with a code`);
    }
    for (const name of listed) assert.ok(declared.some((d) => d[1] === name), `${name} is declared in src/server/errors.ts`);
  });
  it('is the only registry: no module under src/ subclasses an error imported from it', () => {
    const elsewhere: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) walk(full);
        else if (e.name.endsWith('.ts') && full !== errorsFile) {
          const text = fs.readFileSync(full, 'utf8');
          for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'([^']+)'/g)) {
            if (path.resolve(path.dirname(full), m[2]) !== errorsFile.replace(/\.ts$/, '')) continue;
            const names = m[1].split(',').map((n) => n.replace(/^\s*type\s+/, '').split(/\s+as\s+/).pop()?.trim() ?? '').filter((n) => n !== '');
            if (names.some((n) => new RegExp(`class \\w+ extends ${n}\\b`).test(text))) elsewhere.push(full);
          }
        }
      }
    };
    walk(path.dirname(path.dirname(errorsFile)));
    assert.deepEqual(elsewhere, []);
  });
  it('InternalServerError is an InternalError with the id in its message', () => {
    const e = new InternalServerError('3fa9');
    assert.ok(e instanceof InternalError);
    assert.equal(e.code, 'MVN_ERR_INTERNAL');
    assert.equal(e.status, 500);
    assert.equal(e.errorId, '3fa9');
    assert.deepEqual(e.toMarathonBody(), { message: 'Internal server error (id 3fa9)' });
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
