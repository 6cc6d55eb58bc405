// The embedded OpenVNet-compatible webapi (spec B8): Fastify over the route table, with
// OpenVNet's parameter handling, answers and errors. State in memory, optionally persisted.
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { argumentError, VnetApiError } from '../../lib/openvnet/errors';
import { applyInitSpec, type InitResult } from './init-file';
import { emptyState, VnetModel, type ModelDeps } from './model';
import { describeParams, type RawParams } from './params';
import { Renderer, renderList } from './render';
import { buildRoutes, checkPathUuids, ListBody, type RouteDef } from './routes';
import { loadStateFile, StateFileWriter } from './state-file';
import { randomSuffix } from './uuid';

export interface VnetApiServerOptions {
  /** JSON file holding the state; loaded at start when present, rewritten after every change. */
  stateFile?: string;
  /** Require HTTP basic auth (real OpenVNet has none; for exposed deployments). */
  auth?: { username: string; password: string };
  /** Fastify logger option (pino); default off. */
  logger?: FastifyServerOptions['logger'];
  /** Injected clock and randomness (tests). */
  deps?: Partial<ModelDeps>;
}

interface Embedded {
  model: VnetModel;
  persist: () => Promise<void>;
}

const embedded = new WeakMap<FastifyInstance, Embedded>();

/** The model behind a server made by createVnetApiServer (for local mode and tests). */
export function getVnetModel(server: FastifyInstance): VnetModel {
  const e = embedded.get(server);
  if (e === undefined) throw new Error('not an embedded OpenVNet webapi server');
  return e.model;
}

const JSON_TYPES = new Set(['application/json', 'text/json', 'application/yaml', 'text/yaml']);

/** Strips `/api/1.0` to `/api` and a trailing `.json` from the path, keeping the query. */
export function rewriteVnetUrl(url: string): string {
  const q = url.indexOf('?');
  let pathname = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q);
  if (pathname === '/api/1.0' || pathname.startsWith('/api/1.0/')) pathname = '/api' + pathname.slice('/api/1.0'.length);
  if (pathname.endsWith('.json')) pathname = pathname.slice(0, -'.json'.length);
  return pathname + query;
}

function flatten(into: RawParams, obj: { [k: string]: unknown }): void {
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v === 'string') into[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') into[k] = String(v);
    else if (Array.isArray(v) && v.length > 0 && typeof v[v.length - 1] === 'string') into[k] = v[v.length - 1] as string;
  }
}

/** Query string, then the body (form, or ActiveResource / flat JSON on an exact JSON content type). */
export function collectParams(query: unknown, contentType: string | undefined, body: unknown): RawParams {
  const raw: RawParams = Object.create(null) as RawParams;
  if (query !== null && typeof query === 'object') flatten(raw, query as { [k: string]: unknown });
  if (typeof body !== 'string' || body === '') return raw;
  const type = (contentType ?? '').trim().toLowerCase();
  if (type.split(';')[0].trim() === 'application/x-www-form-urlencoded') {
    for (const [k, v] of new URLSearchParams(body)) raw[k] = v;
  } else if (JSON_TYPES.has(type)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw argumentError('Invalid request body.');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw argumentError('Invalid request body.');
    const first = Object.values(parsed)[0];
    if (first !== null && typeof first === 'object' && !Array.isArray(first)) flatten(raw, first as { [k: string]: unknown });
    else flatten(raw, parsed as { [k: string]: unknown }); // flat JSON: our extension
  }
  return raw;
}

function checkBasicAuth(header: string | undefined, auth: { username: string; password: string }): boolean {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (m === null) return false;
  const given = Buffer.from(Buffer.from(m[1], 'base64').toString('utf8'));
  const want = Buffer.from(`${auth.username}:${auth.password}`);
  return given.length === want.length && timingSafeEqual(given, want);
}

export function createVnetApiServer(opts: VnetApiServerOptions = {}): FastifyInstance {
  const deps: ModelDeps = {
    now: opts.deps?.now ?? (() => new Date()),
    randomSuffix: opts.deps?.randomSuffix ?? (() => randomSuffix((n) => randomBytes(n))),
    randomInt: opts.deps?.randomInt ?? ((n) => randomInt(n)),
  };
  const state = (opts.stateFile !== undefined ? loadStateFile(opts.stateFile) : null) ?? emptyState();
  const model = new VnetModel(state, deps);
  const render = new Renderer(model);
  const writer = opts.stateFile === undefined ? null : new StateFileWriter(opts.stateFile, () => JSON.stringify(model.state));
  const persist = async (): Promise<void> => {
    if (writer !== null) await writer.save();
  };

  const app = Fastify({ logger: opts.logger ?? false, rewriteUrl: (req) => rewriteVnetUrl(req.url ?? '/'), bodyLimit: 1 << 20 });
  embedded.set(app, { model, persist });
  app.addHook('onClose', async () => {
    await writer?.flush();
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
    reply.header('Access-Control-Allow-Origin', '*');
    reply.header('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE, OPTIONS');
    reply.header('Access-Control-Allow-Headers', 'Content-Type, Authorization');
    if (req.method === 'OPTIONS') {
      await reply.code(200).send();
      return reply;
    }
    if (opts.auth !== undefined && !checkBasicAuth(req.headers.authorization, opts.auth)) {
      await reply.code(401).header('WWW-Authenticate', 'Basic realm="openvnet"')
        .send({ error: 'Unauthorized', message: 'authentication required', code: '401' });
      return reply;
    }
    return undefined;
  });

  app.setErrorHandler((err: unknown, _req, reply) => {
    if (err instanceof VnetApiError) return reply.code(err.status).send(err.toBody());
    const e = err as { statusCode?: number; name?: string; message?: string };
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      return reply.code(400).send(argumentError(e.message ?? 'bad request').toBody());
    }
    // The cause (paths, library messages, stacks) stays in the log; the client gets an id to quote.
    const errorId = randomBytes(6).toString('hex');
    app.log.error({ err, errorId }, `OpenVNet webapi internal error ${errorId}`);
    return reply.code(500).send({ error: 'RuntimeError', message: `Internal server error (id ${errorId})`, code: '500' });
  });

  // Sinatra answers unknown routes with its own HTML page.
  app.setNotFoundHandler((_req, reply) => {
    void reply.code(404).type('text/html').send('<!DOCTYPE html><html><body><h2>Sinatra doesn’t know this ditty.</h2></body></html>');
  });

  const routes = buildRoutes();
  for (const def of routes) {
    app.route({
      method: def.method,
      url: '/api' + def.path,
      handler: (req, reply) => handle(def, req, reply),
    });
  }
  app.get('/api/browse', async () => ({
    routes: routes.map((r) => ({ method: r.method, path: '/api' + r.path, params: describeParams(r.params) })),
  }));

  async function handle(def: RouteDef, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const path = req.params as { [k: string]: string };
    checkPathUuids(def, path);
    const raw = collectParams(req.query, req.headers['content-type'], req.body);
    const mutates = def.method !== 'GET';
    // One request is one transaction: a failure half-way leaves the state as it was.
    const before = mutates ? JSON.stringify(model.state) : '';
    let result: unknown;
    try {
      result = def.run({ model, render, path }, raw);
    } catch (err) {
      if (mutates) Object.assign(model.state, JSON.parse(before));
      throw err;
    }
    if (mutates) await persist();
    reply.code(200);
    if (result instanceof ListBody) return renderList(result.items, raw.offset, raw.limit);
    return result;
  }

  return app;
}

/**
 * Loads an init spec (see init-file.ts) into a server made by createVnetApiServer, or directly
 * into a model; idempotent (existing uuids are kept). Persists when the server has a state file.
 */
export async function applyInitFile(target: FastifyInstance | VnetModel, spec: unknown): Promise<InitResult> {
  if (target instanceof VnetModel) return applyInitSpec(target, spec);
  const e = embedded.get(target);
  if (e === undefined) throw new Error('not an embedded OpenVNet webapi server');
  const before = JSON.stringify(e.model.state);
  try {
    const result = applyInitSpec(e.model, spec);
    await e.persist();
    return result;
  } catch (err) {
    Object.assign(e.model.state, JSON.parse(before));
    throw err;
  }
}
