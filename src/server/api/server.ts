// The Marathon-compatible HTTP server: Fastify with one plugin per resource, one error handler
// rendering Marathon's bodies, repeated slashes collapsed (the stock UI sends /v2/apps//x), JSON
// bodies accepted on any method (and empty ones ignored), and a leader gate with a forwarding hook.
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Counter } from 'prom-client';
import type { ApiContext } from './context';
import { StoreUnavailableError as StoreUnavailableFromState } from '../../state/store';
import { ApiError, InternalError, InvalidJsonError, LeaderNotReadyError, NoLeaderError, RouteNotFoundError, StoreUnavailableError, UnsupportedMediaTypeError } from '../errors';
import { prepareAppJson } from '../../core/apps/app-json';
import { appRoutes } from './routes/apps';
import { deploymentRoutes } from './routes/deployments';
import { eventRoutes } from './routes/events';
import { groupRoutes } from './routes/groups';
import { miscRoutes } from './routes/misc';
import { networkRoutes } from './routes/networks';
import { queueRoutes } from './routes/queue';
import { taskRoutes } from './routes/tasks';
import { secureErrorHandler } from '../security/error-handler';
import { registerSecurity, type SecurityOptions } from '../security/plugin';

export interface ApiServerOptions {
  logger?: FastifyBaseLogger | false;
  /** Register the web UI under /ui/ (src/server/ui). */
  ui?: boolean;
  bodyLimit?: number;
  /** Authentication, CORS, limits, headers, timeouts (src/server/security); defaults apply when absent. */
  security?: SecurityOptions;
}

/** `/v2/apps//web/nginx?x=1` → `/v2/apps/web/nginx?x=1` */
export function collapseSlashes(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const rest = q < 0 ? '' : url.slice(q);
  return path.replace(/\/{2,}/g, '/') + rest;
}

/** Paths a non-leader answers itself (everything else is forwarded or 503). DELETE /v2/leader goes to the leader. */
/** How long a request waits for a leader that is still taking over before it answers 503. */
const TAKEOVER_WAIT_MS = 5000;

function servedWithoutLeadership(method: string, url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return path === '/ping' || path === '/metrics' || path === '/v2/info' || (path === '/v2/leader' && method !== 'DELETE')
    || path === '/' || path.startsWith('/ui');
}

/**
 * Reads a deposed leader may answer from its cache while nobody leads (not the event stream).
 * Known limit: a standby that never led has no loaded model (the repository is read from the
 * store only on election), so during a quorum outage it answers these reads with 503 too.
 */
function isCachedRead(method: string, url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return (method === 'GET' || method === 'HEAD') && path.startsWith('/v2/') && path !== '/v2/events';
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Marathon's resources consume application/json only: a write that says its body is anything else
 * (text/plain, a form, curl's default for -d) is 415 before it is read. No Content-Type at all is
 * taken as JSON (the docs' restart and delete examples send none).
 */
export function unsupportedMediaType(method: string, url: string, contentType: string | undefined): boolean {
  if (!WRITE_METHODS.has(method) || contentType === undefined || contentType.trim() === '') return false;
  const path = url.split('?')[0] ?? '';
  if (!path.startsWith('/v2/')) return false;
  const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return mediaType !== 'application/json';
}

function toApiError(err: FastifyError | Error): ApiError {
  if (err instanceof ApiError) return err;
  const code = (err as FastifyError).code;
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new UnsupportedMediaTypeError(err.message);
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') return new InvalidJsonError(err.message);
  if (err instanceof SyntaxError) return new InvalidJsonError(err.message);
  const status = (err as FastifyError).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return new InvalidJsonError(err.message);
  return new InternalError(err.message);
}

export async function buildApiServer(ctx: ApiContext, opts: ApiServerOptions = {}): Promise<FastifyInstance> {
  prepareAppJson(); // before the first POST, not in its time
  const app = Fastify({
    // Request logs only from warn up: a launch storm would otherwise log every poll.
    ...(opts.logger ? { loggerInstance: opts.logger.child({ component: 'http' }, { level: 'warn' }) } : { logger: false }),
    rewriteUrl: (req) => collapseSlashes(req.url ?? '/'),
    bodyLimit: opts.bodyLimit ?? 10 * 1024 * 1024,
    forceCloseConnections: true,
  });

  // JSON everywhere, also on GET/DELETE (the UI sends Content-Type: application/json), and an
  // empty body is "no body" rather than an error. Bodies without a JSON type are tried as JSON.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') { done(null, undefined); return; }
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new InvalidJsonError(err instanceof Error ? err.message : String(err)), undefined);
    }
  });

  // Before every other hook (the leader gate included) and every route (body limit).
  registerSecurity(app, { ...(opts.bodyLimit !== undefined ? { bodyLimit: opts.bodyLimit } : {}), ...opts.security });

  const requests = new Counter({
    name: 'marathon_http_requests_total', help: 'HTTP requests by method and status', labelNames: ['method', 'status'], registers: [ctx.metrics],
  });
  app.addHook('onResponse', async (req, reply) => {
    requests.inc({ method: req.method, status: String(reply.statusCode) });
  });

  app.addHook('onRequest', async (req: FastifyRequest) => {
    if (unsupportedMediaType(req.method, req.url, req.headers['content-type'])) throw new UnsupportedMediaTypeError('Unsupported Media Type');
  });

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (servedWithoutLeadership(req.method, req.url)) return;
    if (ctx.leadership.isLeader()) {
      // A leader that is still loading the state (after an election, or a re-election once
      // ZooKeeper is back) would apply the request to a model about to be replaced, with its
      // scheduler stopped: wait for the takeover (bounded), then decide again.
      const takenOver = ctx.leadership.takenOver;
      if (takenOver === undefined || await takenOver(TAKEOVER_WAIT_MS)) return;
      if (ctx.leadership.isLeader()) throw new LeaderNotReadyError();
    }
    const leader = ctx.leadership.leader();
    if (leader !== undefined && ctx.forward !== undefined && await ctx.forward(req, reply, leader)) return reply;
    if (leader === undefined && isCachedRead(req.method, req.url) && (ctx.leadership.hasCachedState?.() ?? false)) return;
    throw new NoLeaderError();
  });

  // Unexpected errors reach clients as a 500 with an id only (the id is logged with the error).
  const secured = secureErrorHandler((err: FastifyError | Error, req, reply) => {
    const apiErr = toApiError(err);
    if (apiErr.status >= 500) req.log.error({ err }, 'request failed');
    void reply.code(apiErr.status).type('application/json').send(apiErr.toMarathonBody());
  });
  // A store outage is a deliberate 503, not an internal error: translated before the secure handler.
  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    secured(err instanceof StoreUnavailableFromState ? new StoreUnavailableError(err.message) : err, req, reply);
  });
  app.setNotFoundHandler((_req, reply) => {
    const e = new RouteNotFoundError();
    void reply.code(e.status).send(e.toMarathonBody());
  });

  const streams = new Set<() => void>();
  app.addHook('onClose', async () => { for (const close of [...streams]) close(); });
  app.addHook('preClose', async () => { for (const close of [...streams]) close(); });

  await app.register(async (a) => appRoutes(a, ctx));
  await app.register(async (a) => taskRoutes(a, ctx));
  await app.register(async (a) => deploymentRoutes(a, ctx));
  await app.register(async (a) => groupRoutes(a, ctx));
  await app.register(async (a) => queueRoutes(a, ctx));
  await app.register(async (a) => miscRoutes(a, ctx));
  await app.register(async (a) => eventRoutes(a, ctx, streams));
  await app.register(async (a) => networkRoutes(a, ctx));
  if (opts.ui === true) {
    const { registerUi } = await import('../ui/ui-plugin');
    await app.register(async (a) => registerUi(a));
  }
  return app;
}
