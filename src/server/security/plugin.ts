// The security layer of an API server, as Marathon operators know it: basic auth with a realm
// and public routes, CORS with read-only cross-origin access, body and JSON structure limits, a
// cap on event-stream subscribers, security headers and slow-client timeouts.
//
// Call `registerSecurity(app, opts)` right after creating the Fastify instance and before any
// other hook or route: its onRequest hook must run before everything else (a forwarding hook
// included), and its onRoute hook gives every later route the body limit.
import type * as http from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import { CredentialStore } from './credentials';
import { CORS_OFF, evaluateCors, type CorsPolicy } from './cors';
import { SecurityConfigError } from './errors';
import { checkJsonLimits, DEFAULT_JSON_LIMITS, type JsonLimits } from './json-limits';
import { DEFAULT_MAX_EVENT_SUBSCRIBERS, SubscriberGuard } from './subscriber-guard';
import {
  CrossOriginRefusedError, JsonLimitError, TooManySubscribersError, UnauthorizedError, type ApiError,
} from '../errors';

export const DEFAULT_REALM = 'Mesosphere';
export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const EVENT_STREAM_PATH = '/v2/events';

export interface ServerTimeouts {
  /** Whole request head must arrive within this (slowloris). */
  headersTimeoutMs: number;
  /** Whole request (head and body) must arrive within this. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** A socket with no traffic either way is closed after this (event streams send a keep-alive every 15 s). */
  idleTimeoutMs: number;
}

export const DEFAULT_TIMEOUTS: ServerTimeouts = { headersTimeoutMs: 20_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 5_000, idleTimeoutMs: 120_000 };

/** Response headers every answer carries unless a route sets its own (the UI sets a richer CSP). */
export const BASELINE_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
};

export interface SecurityOptions {
  /** Accepted users; undefined or empty = no authentication (as Marathon without --http_credentials). */
  credentials?: CredentialStore;
  /** `WWW-Authenticate: Basic realm="…"`; default `Mesosphere` (Marathon's). */
  realm?: string;
  /** Paths answered without credentials (GET/HEAD). Default `/ping`, plus `/metrics` with metricsPublic. */
  publicPaths?: readonly string[];
  metricsPublic?: boolean;
  cors?: CorsPolicy;
  /** Request body limit in bytes, 413 beyond it. Default 1 MiB. */
  bodyLimit?: number;
  jsonLimits?: Partial<JsonLimits>;
  /** Concurrent /v2/events streams, 503 beyond. Default 64. Or a guard shared with others. */
  maxEventSubscribers?: number;
  subscribers?: SubscriberGuard;
  timeouts?: Partial<ServerTimeouts>;
}

export interface SecurityHandle {
  subscribers: SubscriberGuard;
  timeouts: ServerTimeouts;
  authEnabled: boolean;
}

/** A realm goes inside a quoted string: no quotes, backslashes or control characters. */
export function checkRealm(realm: string): string {
  // eslint-disable-next-line no-control-regex
  if (realm === '' || realm.length > 128 || /["\\\u0000-\u001f\u007f]/.test(realm)) {
    throw new SecurityConfigError('--http_realm: 1-128 characters without quotes, backslashes or control characters');
  }
  return realm;
}

export function applyServerTimeouts(server: http.Server, t: ServerTimeouts): void {
  server.headersTimeout = t.headersTimeoutMs;
  server.requestTimeout = t.requestTimeoutMs;
  server.keepAliveTimeout = t.keepAliveTimeoutMs;
  server.setTimeout(t.idleTimeoutMs);
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function refuse(reply: FastifyReply, err: ApiError): FastifyReply {
  return reply.code(err.status).type('application/json; charset=utf-8').send(err.toMarathonBody());
}

/** Any Fastify instance on a Node HTTP(S) server, whatever its logger type. */
export type AnyFastify<L extends FastifyBaseLogger = FastifyBaseLogger> = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, L>;

export interface BasicAuthOptions {
  credentials: CredentialStore;
  realm: string;
  /** Answered without credentials on GET/HEAD. */
  publicPaths?: readonly string[];
  /** The 401 body; default the Marathon-style `{"message":…}`. */
  unauthorizedBody?: Record<string, unknown>;
}

/** Just the basic-auth gate (the embedded OpenVNet webapi uses it on its own). */
export function registerBasicAuth<L extends FastifyBaseLogger>(app: AnyFastify<L>, opts: BasicAuthOptions): void {
  const challenge = `Basic realm="${checkRealm(opts.realm)}", charset="UTF-8"`;
  const publicPaths = new Set(opts.publicPaths ?? []);
  app.addHook('onRequest', async (req, reply) => {
    const path = pathOf(req.url);
    if ((req.method === 'GET' || req.method === 'HEAD') && publicPaths.has(path)) return undefined;
    const authorization = req.headers.authorization;
    if (opts.credentials.authenticate(authorization) !== undefined) return undefined;
    // Browsers first ask without credentials; only a wrong password is worth a warning.
    if (authorization !== undefined) req.log.warn({ remoteAddress: req.ip, method: req.method, path }, 'authentication failed');
    reply.header('WWW-Authenticate', challenge);
    if (opts.unauthorizedBody !== undefined) return reply.code(401).type('application/json; charset=utf-8').send(opts.unauthorizedBody);
    return refuse(reply, new UnauthorizedError());
  });
}

export function registerSecurity<L extends FastifyBaseLogger>(app: AnyFastify<L>, opts: SecurityOptions = {}): SecurityHandle {
  const realm = checkRealm(opts.realm ?? DEFAULT_REALM);
  const store = opts.credentials !== undefined && opts.credentials.size > 0 ? opts.credentials : undefined;
  const publicPaths = new Set(opts.publicPaths ?? ['/ping', ...(opts.metricsPublic === true ? ['/metrics'] : [])]);
  const cors = opts.cors ?? CORS_OFF;
  const bodyLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
  if (!Number.isInteger(bodyLimit) || bodyLimit < 1) throw new SecurityConfigError('body limit must be a positive integer');
  const jsonLimits: JsonLimits = { ...DEFAULT_JSON_LIMITS, ...opts.jsonLimits };
  const subscribers = opts.subscribers ?? new SubscriberGuard(opts.maxEventSubscribers ?? DEFAULT_MAX_EVENT_SUBSCRIBERS);
  const timeouts: ServerTimeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };

  applyServerTimeouts(app.server, timeouts);

  app.addHook('onRoute', (route) => {
    if (route.bodyLimit === undefined || route.bodyLimit > bodyLimit) route.bodyLimit = bodyLimit;
  });

  app.addHook('onRequest', async (req, reply) => {
    // Raw headers survive hijacked replies (the event stream); a route's own value wins.
    const raw = reply.raw;
    for (const [k, v] of Object.entries(BASELINE_HEADERS)) raw.setHeader(k, v);

    const verdict = evaluateCors({
      method: req.method,
      origin: header(req, 'origin'),
      host: header(req, 'host'),
      forwardedHost: header(req, 'x-forwarded-host'),
      fetchSite: header(req, 'sec-fetch-site'),
      requestMethod: header(req, 'access-control-request-method'),
      requestHeaders: header(req, 'access-control-request-headers'),
    }, cors);
    for (const [k, v] of Object.entries(verdict.headers)) raw.setHeader(k, v);
    if (verdict.kind === 'preflight') return reply.code(204).send();
    if (verdict.kind === 'refuse') return refuse(reply, new CrossOriginRefusedError(verdict.reason));
    return undefined;
  });

  if (store !== undefined) registerBasicAuth(app, { credentials: store, realm, publicPaths: [...publicPaths] });

  app.addHook('onRequest', async (req, reply) => {
    const path = pathOf(req.url);
    if (req.method === 'GET' && path === EVENT_STREAM_PATH && (header(req, 'accept') ?? '').toLowerCase().includes('text/event-stream')) {
      const release = subscribers.tryAcquire();
      if (release === undefined) {
        reply.header('Retry-After', '5');
        return refuse(reply, new TooManySubscribersError(subscribers.limit));
      }
      reply.raw.once('close', release);
    }
    return undefined;
  });

  app.addHook('preValidation', async (req) => {
    if (req.body === null || typeof req.body !== 'object') return;
    const v = checkJsonLimits(req.body, jsonLimits);
    if (v !== undefined) throw new JsonLimitError([{ path: v.path, errors: [v.error] }]);
  });

  return { subscribers, timeouts, authEnabled: store !== undefined };
}
