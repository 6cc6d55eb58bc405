// Marathon's security flags on a commander command → ServeSecurity; files and env injected.
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { addAuthFlags, addSecurityFlags, authFromFlags, CREDENTIALS_ENV, serveSecurityFromFlags, type FlagDeps } from '../../src/server/security/cli-flags';
import { exposureWarning, isLoopbackAddress } from '../../src/server/security/config';
import { CredentialsConfigError, SecurityConfigError, TlsConfigError } from '../../src/server/security/errors';

const PW = 'flags-Pw-77';

function fakeFs(files: Record<string, { text: string; mode?: number }>): FlagDeps['fs'] {
  return {
    readFileSync: (p: string) => {
      const f = files[p];
      if (f === undefined) throw Object.assign(new Error(`ENOENT ${p}`), { code: 'ENOENT' });
      return Buffer.from(f.text);
    },
    statSync: (p: string) => ({ mode: files[p]?.mode ?? 0o100600 }),
  };
}

function parse(args: string[], add = addSecurityFlags): Record<string, unknown> {
  let seen: Record<string, unknown> = {};
  const cmd = new Command('serve').exitOverride().action((o: Record<string, unknown>) => { seen = o; });
  add(cmd);
  cmd.parse(args, { from: 'user' });
  return seen;
}

const deps = (files: Record<string, { text: string; mode?: number }> = {}, env: NodeJS.ProcessEnv = {}): FlagDeps => ({ fs: fakeFs(files), env });

describe('security: CLI flags', () => {
  it('defaults: no auth, Marathon realm, HTTP only, 1 MiB bodies', () => {
    const { security, warnings } = serveSecurityFromFlags(parse([]), deps());
    assert.equal(security.options.credentials, undefined);
    assert.equal(security.options.realm, 'Mesosphere');
    assert.equal(security.options.bodyLimit, 1024 * 1024);
    assert.equal(security.https, undefined);
    assert.equal(security.disableHttp, false);
    assert.deepEqual(warnings, []);
  });

  it('Marathon spellings and this CLI’s dash spellings mean the same', () => {
    for (const args of [
      ['--http_credentials', `a:${PW},b:${PW}2`, '--http_realm', 'Ops', '--metrics_public', '--access_control_allow_origin', 'https://ui.example'],
      ['--http-credentials', `a:${PW},b:${PW}2`, '--http-realm', 'Ops', '--metrics-public', '--access-control-allow-origin', 'https://ui.example'],
    ]) {
      const { security } = serveSecurityFromFlags(parse(args), deps());
      assert.deepEqual(security.options.credentials?.usernames, ['a', 'b']);
      assert.equal(security.options.credentials?.verify('b', `${PW}2`), true);
      assert.equal(security.options.realm, 'Ops');
      assert.equal(security.options.metricsPublic, true);
      assert.deepEqual([...(security.options.cors?.origins ?? [])], ['https://ui.example']);
    }
  });

  it(`reads $${CREDENTIALS_ENV} when the flag is absent, merges the file, warns on loose file permissions`, () => {
    const files = { '/etc/mv/users': { text: `carol:${PW}\n`, mode: 0o100644 } };
    const { credentials, warnings } = authFromFlags(parse(['--http_credentials_file', '/etc/mv/users'], addAuthFlags), { deps: deps(files, { [CREDENTIALS_ENV]: `dave:${PW}` }) });
    assert.deepEqual(credentials?.usernames, ['dave', 'carol']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /chmod 600/);
    assert.ok(!warnings[0].includes(PW));
  });

  it('refuses unreadable or empty credential files, duplicate users across sources', () => {
    assert.throws(() => authFromFlags({ http_credentials_file: '/nope' }, { deps: deps() }), CredentialsConfigError);
    assert.throws(() => authFromFlags({ http_credentials_file: '/e' }, { deps: deps({ '/e': { text: '# none\n' } }) }), CredentialsConfigError);
    assert.throws(() => authFromFlags({ http_credentials: `a:${PW}`, http_credentials_file: '/f' }, { deps: deps({ '/f': { text: `a:${PW}x\n` } }) }), /listed twice/);
  });

  it('limits, subscribers and timeouts come from their flags and are range-checked', () => {
    const { security } = serveSecurityFromFlags(parse([
      '--http_max_body_bytes', '4096', '--http_max_json_depth', '10', '--http_max_json_array_length', '99',
      '--event_stream_max_subscribers', '3', '--http_headers_timeout', '1000', '--http_request_timeout', '2000',
    ]), deps());
    assert.equal(security.options.bodyLimit, 4096);
    assert.deepEqual(security.options.jsonLimits, { maxDepth: 10, maxArrayLength: 99 });
    assert.equal(security.options.maxEventSubscribers, 3);
    assert.equal(security.options.timeouts?.headersTimeoutMs, 1000);
    for (const bad of [['--http_max_body_bytes', '12x'], ['--http_max_json_depth', '2'], ['--http_headers_timeout', '5000', '--http_request_timeout', '1000']]) {
      assert.throws(() => serveSecurityFromFlags(parse(bad), deps()), SecurityConfigError, bad.join(' '));
    }
  });

  it('TLS flags go together; --disable_http needs them; unreadable files are a TLS error', () => {
    assert.throws(() => serveSecurityFromFlags(parse(['--ssl_cert', '/c']), deps()), /go together/);
    assert.throws(() => serveSecurityFromFlags(parse(['--disable_http']), deps()), /--disable_http needs/);
    assert.throws(() => serveSecurityFromFlags(parse(['--https_port', '8443']), deps()), /need --ssl_cert/);
    assert.throws(() => serveSecurityFromFlags(parse(['--ssl_cert', '/c', '--ssl_key', '/k']), deps()), TlsConfigError);
    assert.throws(() => serveSecurityFromFlags(parse(['--ssl_cert', '/c', '--ssl_key', '/k']), deps({ '/c': { text: 'junk' }, '/k': { text: 'junk' } })), /not a PEM certificate/);
  });

  it('bad realms and origins are refused', () => {
    assert.throws(() => serveSecurityFromFlags(parse(['--http_realm', 'a"b']), deps()), SecurityConfigError);
    assert.throws(() => serveSecurityFromFlags(parse(['--access_control_allow_origin', 'ui.example/x']), deps()), SecurityConfigError);
  });

  it('warns about exposure only off loopback and without credentials', () => {
    for (const h of ['127.0.0.1', '127.9.8.7', '::1', '[::1]', 'localhost']) assert.equal(isLoopbackAddress(h), true, h);
    assert.equal(exposureWarning('serve', '127.0.0.1', false, 'launch containers'), undefined);
    assert.equal(exposureWarning('serve', '0.0.0.0', true, 'launch containers'), undefined);
    assert.match(exposureWarning('serve', '0.0.0.0', false, 'launch containers') ?? '', /^serve: warning: listening on 0\.0\.0\.0 without --http_credentials/);
  });

  it('help lists the Marathon names only', () => {
    const cmd = addSecurityFlags(new Command('serve'));
    const help = cmd.helpInformation();
    assert.match(help, /--http_credentials <user:password,…>/);
    assert.match(help, /--disable_http/);
    assert.doesNotMatch(help, /--http-credentials/);
  });
});
