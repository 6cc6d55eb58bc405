import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerUi, UI_CSP } from '../../src/server/ui/ui-plugin';

interface UiBuild {
  build(opts: { outDir: string }): Promise<{ outDir: string; files: string[] }>;
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mvn-ui-'));
}

describe('UI plugin (/ui/)', () => {
  let dir: string;
  let app: FastifyInstance;

  before(async () => {
    dir = tempDir();
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
    fs.writeFileSync(path.join(dir, 'app-0123456789ab.js'), 'console.log(1)');
    fs.writeFileSync(path.join(dir, 'style-0123456789ab.css'), 'body{}');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'hi');
    fs.writeFileSync(path.join(path.dirname(dir), `${path.basename(dir)}-secret`), 'TOPSECRET');
    app = Fastify();
    await registerUi(app, { distDir: dir });
    await app.ready();
  });

  after(async () => {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(`${dir}-secret`, { force: true });
  });

  it('serves index.html at /ui/ with the security headers and no caching', async () => {
    const res = await app.inject({ method: 'GET', url: '/ui/' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.equal(res.body, '<!doctype html><title>t</title>');
    assert.equal(res.headers['content-security-policy'], UI_CSP);
    assert.match(UI_CSP, /frame-ancestors 'none'/);
    assert.doesNotMatch(UI_CSP, /unsafe-inline|unsafe-eval|https?:/);
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['cache-control'], 'no-cache');
  });

  it('redirects /ui to /ui/, keeping the query', async () => {
    const res = await app.inject({ method: 'GET', url: '/ui' });
    assert.equal(res.statusCode, 301);
    assert.equal(res.headers.location, '/ui/');
    assert.equal((await app.inject({ method: 'GET', url: '/ui?x=1' })).headers.location, '/ui/?x=1');
  });

  it('serves hashed assets with their content type, cached for a year', async () => {
    const js = await app.inject({ method: 'GET', url: '/ui/app-0123456789ab.js' });
    assert.equal(js.statusCode, 200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(js.headers['x-content-type-options'], 'nosniff');
    const css = await app.inject({ method: 'GET', url: '/ui/style-0123456789ab.css' });
    assert.match(String(css.headers['content-type']), /^text\/css/);
    const txt = await app.inject({ method: 'GET', url: '/ui/notes.txt' });
    assert.equal(txt.headers['cache-control'], 'no-cache', 'unhashed names are revalidated');
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await app.inject({ method: 'GET', url: '/ui/' });
    const again = await app.inject({ method: 'GET', url: '/ui/', headers: { 'if-none-match': String(first.headers.etag) } });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
  });

  it('answers HEAD without a body', async () => {
    const res = await app.inject({ method: 'HEAD', url: '/ui/' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '');
  });

  it('refuses traversal, dot files and unknown files with 404', async () => {
    for (const url of [`/ui/..%2F${path.basename(dir)}-secret`, '/ui/.env', '/ui/missing.js', `/ui/../${path.basename(dir)}-secret`]) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404, url);
      assert.doesNotMatch(res.body, /TOPSECRET/);
    }
  });

  it('says the UI is not built when dist/ui is empty', async () => {
    const empty = tempDir();
    const other = Fastify();
    try {
      await registerUi(other, { distDir: empty });
      const res = await other.inject({ method: 'GET', url: '/ui/' });
      assert.equal(res.statusCode, 503);
      assert.match(res.body, /npm run build/);
    } finally {
      await other.close();
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('registers on a server that ignores trailing slashes and still redirects /ui', async () => {
    const lax = Fastify({ ignoreTrailingSlash: true });
    try {
      await registerUi(lax, { distDir: dir });
      assert.equal((await lax.inject({ method: 'GET', url: '/ui' })).statusCode, 301);
      assert.equal((await lax.inject({ method: 'GET', url: '/ui/' })).statusCode, 200);
    } finally {
      await lax.close();
    }
  });
});

describe('UI build (src/ui/build.js)', () => {
  it('bundles the UI into hashed assets referenced by an index.html without inline code', async function () {
    this.timeout(20000);
    const out = path.join(tempDir(), 'ui');
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const ui = require(path.resolve(__dirname, '..', '..', '..', 'src', 'ui', 'build.js')) as UiBuild;
      const r = await ui.build({ outDir: out });
      const html = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
      const js = r.files.find((f) => /^app-[0-9a-f]{12}\.js$/.test(f));
      const css = r.files.find((f) => /^style-[0-9a-f]{12}\.css$/.test(f));
      assert.ok(js && css, r.files.join(','));
      assert.ok(html.includes(`src="${js}"`) && html.includes(`href="${css}"`));
      assert.doesNotMatch(html, /<script>[^<]|<style|\sstyle=|\son[a-z]+=/i, 'CSP: no inline scripts, styles or handlers');
      const bundle = fs.readFileSync(path.join(out, js), 'utf8');
      assert.match(bundle, /networkInterfaces/, 'the sample app is embedded');
      assert.doesNotMatch(bundle, /https?:\/\/(?!www\.w3\.org)/, 'no external network at runtime');
    } finally {
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
    }
  });
});
