// Credentials: the flag and file forms, Authorization header parsing, the constant-time store.
import assert from 'node:assert/strict';
import { basicAuthorization, CredentialStore, parseBasicAuthorization, parseCredentialFile, parseCredentialList } from '../../src/server/security/credentials';
import { CredentialsConfigError } from '../../src/server/security/errors';

const SECRET = 'pw-7f3!x';

describe('security: credentials', () => {
  describe('parseCredentialList (--http_credentials)', () => {
    const ok: Array<[string, string, Array<[string, string]>]> = [
      ['one user, as Marathon', 'alice:secret', [['alice', 'secret']]],
      ['several users, comma-separated', 'alice:a1,bob:b2', [['alice', 'a1'], ['bob', 'b2']]],
      ['a colon inside the password belongs to it', 'alice:a:b:c', [['alice', 'a:b:c']]],
      ['spaces around entries are dropped', ' alice:a1 , bob:b2 ', [['alice', 'a1'], ['bob', 'b2']]],
      ['empty text means no users', '   ', []],
    ];
    for (const [why, text, want] of ok) {
      it(why, () => {
        assert.deepEqual(parseCredentialList(text).map((c) => [c.username, c.password]), want);
      });
    }
    const bad: Array<[string, string]> = [
      ['entry without a colon (e.g. a comma inside a password)', `alice:${SECRET},tail`],
      ['empty user name', `:${SECRET}`],
      ['empty password', 'alice:'],
      ['the same user twice', `alice:${SECRET},alice:other`],
      ['control character in the password', `alice:${SECRET}\u0007`],
    ];
    for (const [why, text] of bad) {
      it(`refuses ${why} without quoting the password`, () => {
        assert.throws(() => parseCredentialList(text), (err: unknown) => {
          assert.ok(err instanceof CredentialsConfigError);
          assert.equal(err.code, 'MVN_ERR_CREDENTIALS_CONFIG');
          assert.ok(!err.message.includes(SECRET), err.message);
          return true;
        });
      });
    }
  });

  describe('parseCredentialFile (--http_credentials_file)', () => {
    it('one user per line, comments and blank lines skipped, commas allowed in passwords, CRLF tolerated', () => {
      const text = '# operators\nalice:a,1\r\n\n  bob:b:2 \n';
      assert.deepEqual(parseCredentialFile(text).map((c) => [c.username, c.password]), [['alice', 'a,1'], ['bob', 'b:2 ']]);
    });
    it('names the line of a bad entry, not its content', () => {
      assert.throws(() => parseCredentialFile(`alice:ok\n${SECRET}\n`), (err: unknown) => {
        assert.ok(err instanceof CredentialsConfigError);
        assert.match(err.message, /line 2/);
        assert.ok(!err.message.includes(SECRET));
        return true;
      });
    });
  });

  describe('parseBasicAuthorization', () => {
    it('decodes user and password (split at the first colon)', () => {
      assert.deepEqual(parseBasicAuthorization(basicAuthorization({ username: 'bob', password: 'x:y' })), { username: 'bob', password: 'x:y' });
      assert.deepEqual(parseBasicAuthorization(`basic ${Buffer.from('ü:ß').toString('base64')}`), { username: 'ü', password: 'ß' });
    });
    for (const [why, header] of [
      ['no header', undefined],
      ['another scheme', 'Bearer abc'],
      ['not base64', 'Basic !!!'],
      ['no colon inside', `Basic ${Buffer.from('justuser').toString('base64')}`],
      ['trailing garbage', `Basic ${Buffer.from('a:b').toString('base64')} x`],
    ] as Array<[string, string | undefined]>) {
      it(`rejects ${why}`, () => assert.equal(parseBasicAuthorization(header), undefined));
    }
  });

  describe('CredentialStore', () => {
    const store = new CredentialStore([{ username: 'alice', password: SECRET }, { username: 'bob', password: 'b2' }]);
    it('accepts each listed user with the right password only', () => {
      assert.equal(store.verify('alice', SECRET), true);
      assert.equal(store.verify('bob', 'b2'), true);
      assert.equal(store.verify('alice', 'b2'), false);
      assert.equal(store.verify('bob', SECRET), false);
      assert.equal(store.verify('carol', SECRET), false);
      assert.equal(store.verify('alice', `${SECRET} `), false);
      assert.equal(store.verify('alice', ''), false);
    });
    it('authenticates a header to its user name', () => {
      assert.equal(store.authenticate(basicAuthorization({ username: 'bob', password: 'b2' })), 'bob');
      assert.equal(store.authenticate(basicAuthorization({ username: 'bob', password: 'nope' })), undefined);
      assert.equal(store.authenticate(undefined), undefined);
    });
    it('keeps no password in a readable form', () => {
      const dump = JSON.stringify(store) + String(Object.values(store).map((v) => (Buffer.isBuffer(v) ? v.toString('latin1') : JSON.stringify(v))));
      assert.ok(!dump.includes(SECRET));
    });
    it('an empty store accepts nobody', () => {
      const empty = new CredentialStore([]);
      assert.equal(empty.size, 0);
      assert.equal(empty.verify('', ''), false);
    });
  });
});
