// CORS verdicts: Marathon's read-only cross-origin access, preflights, same-origin UI writes,
// no wildcard with credentials.
import assert from 'node:assert/strict';
import { CORS_OFF, evaluateCors, normaliseOrigin, parseOriginList, type CorsRequest } from '../../src/server/security/cors';
import { SecurityConfigError } from '../../src/server/security/errors';

const listed = parseOriginList('https://ui.example, http://dash.example:8000');
const wildcard = parseOriginList('*');

describe('security: CORS', () => {
  it('parses and normalises the origin list; refuses paths and user info', () => {
    assert.deepEqual([...parseOriginList('HTTPS://UI.Example:443,http://a:80').origins], ['https://ui.example', 'http://a']);
    assert.equal(parseOriginList(undefined), CORS_OFF);
    assert.equal(normaliseOrigin('https://x.example/path'), undefined);
    assert.equal(normaliseOrigin('https://u:p@x.example'), undefined);
    assert.throws(() => parseOriginList('ui.example'), SecurityConfigError);
  });

  const rows: Array<{ why: string; req: CorsRequest; policy?: typeof listed; kind: string; headers?: Record<string, string | undefined> }> = [
    { why: 'curl (no Origin) may write', req: { method: 'POST', host: 'm:8080' }, kind: 'pass' },
    { why: 'the same-origin UI may write (browsers send Origin on POST)', req: { method: 'PUT', origin: 'http://m:8080', host: 'm:8080' }, kind: 'pass' },
    { why: 'same origin behind a proxy that rewrote Host', req: { method: 'DELETE', origin: 'https://marathon.example', host: '127.0.0.1:8080', forwardedHost: 'marathon.example' }, kind: 'pass' },
    { why: 'a listed origin may read, with credentials', req: { method: 'GET', origin: 'https://ui.example', host: 'm:8080' }, kind: 'pass',
      headers: { 'Access-Control-Allow-Origin': 'https://ui.example', 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' } },
    { why: 'a listed origin may not write', req: { method: 'POST', origin: 'https://ui.example', host: 'm:8080' }, kind: 'refuse' },
    { why: 'an unlisted origin may not write even with CORS off', req: { method: 'POST', origin: 'https://evil.example', host: 'm:8080' }, policy: CORS_OFF, kind: 'refuse' },
    { why: 'a sandboxed page (Origin: null) may not write', req: { method: 'DELETE', origin: 'null', host: 'm:8080' }, kind: 'refuse' },
    { why: 'an old browser without Origin but with Sec-Fetch-Site cross-site may not write', req: { method: 'POST', host: 'm:8080', fetchSite: 'cross-site' }, kind: 'refuse' },
    { why: 'an unlisted origin reads without CORS headers (the browser hides the answer)', req: { method: 'GET', origin: 'https://evil.example', host: 'm:8080' }, kind: 'pass',
      headers: { 'Access-Control-Allow-Origin': undefined, Vary: 'Origin' } },
    { why: 'preflight for GET from a listed origin', req: { method: 'OPTIONS', origin: 'http://dash.example:8000', host: 'm:8080', requestMethod: 'GET', requestHeaders: 'Authorization, X-Evil' }, kind: 'preflight',
      headers: { 'Access-Control-Allow-Origin': 'http://dash.example:8000', 'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS', 'Access-Control-Allow-Headers': 'authorization', 'Access-Control-Allow-Credentials': 'true' } },
    { why: 'preflight for PUT is refused', req: { method: 'OPTIONS', origin: 'https://ui.example', host: 'm:8080', requestMethod: 'PUT' }, kind: 'refuse' },
    { why: 'preflight from an unlisted origin is refused', req: { method: 'OPTIONS', origin: 'https://evil.example', host: 'm:8080', requestMethod: 'GET' }, kind: 'refuse' },
    { why: 'wildcard: any origin may read, never with credentials', req: { method: 'GET', origin: 'https://any.example', host: 'm:8080' }, policy: wildcard, kind: 'pass',
      headers: { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Credentials': undefined } },
    { why: 'wildcard preflight: no credentials either', req: { method: 'OPTIONS', origin: 'https://any.example', host: 'm:8080', requestMethod: 'HEAD' }, policy: wildcard, kind: 'preflight',
      headers: { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Credentials': undefined } },
    { why: 'wildcard still refuses writes', req: { method: 'PATCH', origin: 'https://any.example', host: 'm:8080' }, policy: wildcard, kind: 'refuse' },
  ];
  for (const row of rows) {
    it(row.why, () => {
      const v = evaluateCors(row.req, row.policy ?? listed);
      assert.equal(v.kind, row.kind);
      for (const [k, want] of Object.entries(row.headers ?? {})) assert.equal(v.headers[k], want, k);
      if (v.kind === 'refuse') assert.equal(v.headers['Access-Control-Allow-Origin'], undefined);
    });
  }
});
