// Serves the built web UI (dist/ui, made by src/ui/build.js) under /ui/ on the API's Fastify
// instance: same origin as /v2, so the UI's relative `../v2/...` requests need no CORS.
// Hashed assets are cached for a year; index.html is revalidated every time. Every response
// carries a CSP that forbids inline code and any origin but our own, and forbids framing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface UiPluginOptions {
  /** directory holding index.html and the hashed assets; default: the build output dist/ui */
  distDir?: string;
}

export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** One path segment of a built file: no directories, no dot files, nothing to traverse. */
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** `app-0123456789ab.js`: content-addressed names from build.js, safe to cache forever. */
const HASHED = /-[0-9a-f]{12}\.[a-z]+$/;

/** dist/ui as seen from this file, whether it runs compiled (dist/src/server/ui) or from src/server/ui. */
export function defaultUiDir(): string {
  const candidates = [path.resolve(__dirname, '..', '..', '..', 'ui'), path.resolve(__dirname, '..', '..', '..', 'dist', 'ui')];
  return candidates.find((d) => fs.existsSync(path.join(d, 'index.html'))) ?? candidates[0];
}

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('Content-Security-Policy', UI_CSP)
    .header('X-Frame-Options', 'DENY')
    .header('X-Content-Type-Options', 'nosniff')
    .header('Referrer-Policy', 'no-referrer')
    .header('Cross-Origin-Opener-Policy', 'same-origin');
}

interface Loaded {
  body: Buffer;
  etag: string;
}

async function load(file: string): Promise<Loaded | undefined> {
  try {
    const [body, st] = await Promise.all([fs.promises.readFile(file), fs.promises.stat(file)]);
    return { body, etag: `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"` };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
    throw e;
  }
}

export async function registerUi(app: FastifyInstance, opts: UiPluginOptions = {}): Promise<void> {
  const dir = path.resolve(opts.distDir ?? defaultUiDir());

  const send = async (req: FastifyRequest, reply: FastifyReply, name: string): Promise<FastifyReply> => {
    securityHeaders(reply);
    const loaded = await load(path.join(dir, name));
    if (!loaded) {
      if (name === 'index.html') {
        return reply
          .code(503)
          .type('text/plain; charset=utf-8')
          .header('Cache-Control', 'no-store')
          .send('The web UI is not built. Run `npm run build` (it runs src/ui/build.js).\n');
      }
      return reply.code(404).type('text/plain; charset=utf-8').header('Cache-Control', 'no-store').send('Not found\n');
    }
    const ext = path.extname(name).toLowerCase();
    reply
      .type(CONTENT_TYPES[ext] ?? 'application/octet-stream')
      .header('ETag', loaded.etag)
      .header('Cache-Control', HASHED.test(name) ? 'public, max-age=31536000, immutable' : 'no-cache');
    if (req.headers['if-none-match'] === loaded.etag) return reply.code(304).send();
    return reply.send(req.method === 'HEAD' ? undefined : loaded.body);
  };

  // /ui without the slash would resolve the page's relative URLs against `/`: redirect it. One
  // handler decides from the raw URL, so this also works when the server ignores trailing slashes.
  const index = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const q = req.url.indexOf('?');
    const pathname = q >= 0 ? req.url.slice(0, q) : req.url;
    if (!pathname.endsWith('/')) return securityHeaders(reply).redirect(`/ui/${q >= 0 ? req.url.slice(q) : ''}`, 301);
    return send(req, reply, 'index.html');
  };
  app.get('/ui/', index);
  if (!app.hasRoute({ method: 'GET', url: '/ui' })) app.get('/ui', index);
  app.get<{ Params: { file: string } }>('/ui/:file', async (req, reply) => {
    const name = req.params.file;
    if (!ASSET_NAME.test(name)) {
      return securityHeaders(reply).code(404).type('text/plain; charset=utf-8').send('Not found\n');
    }
    return send(req, reply, name);
  });
}
