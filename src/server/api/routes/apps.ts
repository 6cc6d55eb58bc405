// /v2/apps and everything under it (spec §2, §3.1, §3.2).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppVersion } from '../../../core/deploy/app-version';
import { inGroup } from '../app-service';
import type { ApiContext } from '../context';
import { AppNotFoundError, AppVersionNotFoundError, GroupNotFoundError, IllegalArgumentError, TaskNotFoundError } from '../../errors';
import { resolveAppEmbeds, type AppEmbeds } from '../embeds';
import { boolParam, clientIp, killParams, listParam, pathId, queryOf, sendDeployment, stringParam } from '../http';
import { appHeadJson, appListJson, matchesLabels, parseLabelSelector, renderApp, renderAppVersion, renderTask, tasksOf, type TaskCounts } from '../render';
import type { TaskFailure } from '../../../runtime/scheduler';
import type { Instance } from '../../../core/scheduler/instance';

type Target =
  | { kind: 'app'; id: string }
  | { kind: 'groupApps'; group: string }
  | { kind: 'restart'; id: string }
  | { kind: 'tasks'; id: string }
  | { kind: 'task'; id: string; taskId: string }
  | { kind: 'versions'; id: string }
  | { kind: 'version'; id: string; version: string };

/** Splits `/v2/apps/<rest>` into what it addresses; an existing app id wins over suffix forms. */
export function parseAppsPath(rest: string, appExists: (id: string) => boolean): Target {
  const segments = rest.split('/').filter((s) => s !== '').map((s) => {
    try { return decodeURIComponent(s); } catch { return s; }
  });
  const whole = `/${segments.join('/')}`;
  const last = segments[segments.length - 1];
  const prev = segments[segments.length - 2];
  const head = (n: number): string => `/${segments.slice(0, segments.length - n).join('/')}`;
  if (last === '*') return { kind: 'groupApps', group: head(1) };
  if (appExists(whole)) return { kind: 'app', id: whole };
  if (last === 'restart' && segments.length > 1) return { kind: 'restart', id: head(1) };
  if (last === 'tasks' && segments.length > 1) return { kind: 'tasks', id: head(1) };
  if (last === 'versions' && segments.length > 1) return { kind: 'versions', id: head(1) };
  if (prev === 'tasks' && segments.length > 2) return { kind: 'task', id: head(2), taskId: last ?? '' };
  if (prev === 'versions' && segments.length > 2) return { kind: 'version', id: head(2), version: last ?? '' };
  return { kind: 'app', id: whole };
}

/** What GET /v2/apps/{id} and /v2/apps/{group}/* always include besides the requested embeds. */
const SHOW_BASE = { tasks: true, lastFailure: true } as const;

/** The network facts in a cache key: task prefix lengths change when they become known. */
function networksKey(ctx: ApiContext): string {
  const nets = ctx.scheduler.knownNetworks();
  return nets === undefined ? '-' : [...nets].map(([uuid, n]) => `${uuid}=${n.subnet}`).join(',');
}

/**
 * App JSON text for lists, cached per app: the key covers the app version, every change of its
 * instances (the repository's stamp), its deployments, the embeds and (with tasks) the network
 * facts. taskStats (time-dependent) is never cached.
 */
const listCache = new WeakMap<ApiContext, Map<string, { key: string; json: string }>>();
export function renderAppJson(ctx: ApiContext, v: AppVersion, opts: AppEmbeds): string {
  if (opts.taskStats) return JSON.stringify(renderAppFor(ctx, v, opts));
  let cache = listCache.get(ctx);
  if (cache === undefined) { cache = new Map(); listCache.set(ctx, cache); }
  const deps = ctx.runner.deploymentsOf(v.app.id).map((d) => d.plan.id).join(',');
  // Without tasks the JSON depends on the instances only through the counts (issue 20: a change
  // of another instance's timestamps or addresses does not render the app again).
  const c = ctx.repo.taskCounts(v.app.id);
  const failure = opts.lastFailure ? ctx.scheduler.lastTaskFailure.get(v.app.id) : undefined;
  const instancesKey = opts.tasks ? String(ctx.repo.stampOf(v.app.id))
    : `${c.tasksStaged},${c.tasksRunning},${c.tasksHealthy},${c.tasksUnhealthy},${failure === undefined ? '' : `${failure.taskId}@${failure.timestamp}`}`;
  const key = `${v.version}|${instancesKey}|${deps}|${Number(opts.tasks)}${Number(opts.lastFailure)}${Number(opts.readiness)}|${opts.tasks ? networksKey(ctx) : ''}`;
  const hit = cache.get(v.app.id);
  if (hit !== undefined && hit.key === key) return hit.json;
  const json = opts.tasks ? JSON.stringify(renderAppFor(ctx, v, opts)) : listJsonOf(ctx, v, opts, c, failure);
  cache.set(v.app.id, { key, json });
  return json;
}

/** Per app: the JSON head of its current version (appHeadJson), built once per version. */
const headCache = new WeakMap<ApiContext, Map<string, { version: AppVersion; head: string | undefined }>>();

/** An app's list JSON without tasks from the cached head, the counts and the deployments. */
function listJsonOf(ctx: ApiContext, v: AppVersion, opts: AppEmbeds, counts: TaskCounts, failure: TaskFailure | undefined): string {
  let heads = headCache.get(ctx);
  if (heads === undefined) { heads = new Map(); headCache.set(ctx, heads); }
  let h = heads.get(v.app.id);
  if (h === undefined || h.version !== v) {
    h = { version: v, head: appHeadJson(v, ctx.info.mesosRole) };
    heads.set(v.app.id, h);
  }
  if (h.head === undefined) return JSON.stringify(renderAppFor(ctx, v, opts));
  return appListJson(h.head, counts, ctx.runner.deploymentsOf(v.app.id), failure, opts.readiness);
}

export function renderAppFor(ctx: ApiContext, v: AppVersion, opts: AppEmbeds): Record<string, unknown> {
  return renderApp(v, {
    instances: opts.tasks || opts.taskStats ? ctx.repo.instancesOf(v.app.id) : [],
    counts: ctx.repo.taskCounts(v.app.id),
    deployments: ctx.runner.deploymentsOf(v.app.id),
    lastTaskFailure: ctx.scheduler.lastTaskFailure.get(v.app.id),
    agentLink: ctx.agentLink,
    nowMs: ctx.now(),
    networks: ctx.scheduler.knownNetworks(),
    defaultRole: ctx.info.mesosRole,
    ...opts,
  });
}

function requireApp(ctx: ApiContext, id: string): AppVersion {
  const v = ctx.repo.apps.get(id);
  if (v === undefined) throw new AppNotFoundError(id);
  return v;
}

function meta(req: FastifyRequest): { clientIp: string; uri: string } {
  return { clientIp: clientIp(req), uri: req.url.split('?')[0] ?? req.url };
}

/** Tasks of an app on a host (`*` or absent: all), for DELETE /v2/apps/{id}/tasks. */
function tasksToKill(ctx: ApiContext, appId: string, host: string | undefined): Instance[] {
  return tasksOf(ctx.repo.instancesOf(appId)).filter((i) => host === undefined || host === '*' || i.host === host);
}

export async function appRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  // The whole list body for one query, reused while nothing changed (polling UIs and tools).
  let lastList: { key: string; body: Buffer } | undefined;
  app.get('/v2/apps', async (req, reply) => {
    const q = queryOf(req);
    const listKey = `${req.url}|${ctx.repo.globalStamp()}|${[...ctx.repo.deployments.keys()].join(',')}`;
    const embed = resolveAppEmbeds(listParam(q, 'embed'));
    if (lastList !== undefined && lastList.key === listKey && !embed.taskStats) {
      return reply.type('application/json; charset=utf-8').send(lastList.body);
    }
    const idFilter = stringParam(q, 'id')?.toLowerCase();
    const cmdFilter = stringParam(q, 'cmd')?.toLowerCase();
    const labelText = stringParam(q, 'label');
    const selectors = labelText === undefined ? [] : parseLabelSelector(labelText);
    if (selectors === null) throw new IllegalArgumentError(`Invalid label selector: ${labelText ?? ''}`);
    const apps = [...ctx.repo.apps.values()]
      .filter((v) => idFilter === undefined || v.app.id.toLowerCase().includes(idFilter))
      .filter((v) => cmdFilter === undefined || (v.app.cmd !== undefined && v.app.cmd.toLowerCase().includes(cmdFilter)))
      .filter((v) => matchesLabels(v.app.labels, selectors))
      .sort((a, b) => (a.app.id < b.app.id ? -1 : a.app.id > b.app.id ? 1 : 0))
      .map((v) => renderAppJson(ctx, v, embed));
    const body = Buffer.from(`{"apps":[${apps.join(',')}]}`, 'utf8');
    lastList = { key: listKey, body };
    return reply.type('application/json; charset=utf-8').send(body);
  });

  app.post('/v2/apps', async (req, reply) => {
    const q = queryOf(req);
    const { version, plan } = await ctx.service.createApp(req.body, meta(req), boolParam(q, 'force', false));
    const body = renderAppFor(ctx, version, { tasks: false, lastFailure: false, taskStats: false, readiness: false });
    body.deployments = [{ id: plan.id }];
    return reply.code(201).header('Location', `/v2/apps${version.app.id}`).header('Marathon-Deployment-Id', plan.id).send(body);
  });

  const bulk = async (req: FastifyRequest, reply: FastifyReply, partialDefault: boolean): Promise<FastifyReply> => {
    const q = queryOf(req);
    const partial = req.method === 'PATCH' ? true : boolParam(q, 'partialUpdate', partialDefault);
    const { plan } = await ctx.service.updateApps(req.body, { partial, force: boolParam(q, 'force', false), allowCreate: req.method !== 'PATCH', meta: meta(req) });
    return sendDeployment(reply, plan);
  };
  app.put('/v2/apps', async (req, reply) => bulk(req, reply, true));
  app.patch('/v2/apps', async (req, reply) => bulk(req, reply, true));

  const exists = (id: string): boolean => ctx.repo.apps.has(id);

  app.get('/v2/apps/*', async (req, reply) => {
    const t = parseAppsPath((req.params as { '*': string })['*'], exists);
    const q = queryOf(req);
    switch (t.kind) {
      case 'groupApps': {
        if (!ctx.service.groupExists(t.group)) throw new GroupNotFoundError(t.group);
        const embed = resolveAppEmbeds(listParam(q, 'embed'), SHOW_BASE);
        const apps = [...ctx.repo.apps.values()].filter((v) => inGroup(v.app.id, t.group)).map((v) => renderAppFor(ctx, v, embed));
        return reply.send({ '*': apps });
      }
      case 'app': {
        const v = requireApp(ctx, t.id);
        return reply.send({ app: renderAppFor(ctx, v, resolveAppEmbeds(listParam(q, 'embed'), SHOW_BASE)) });
      }
      case 'tasks': {
        requireApp(ctx, t.id);
        return reply.send({ tasks: tasksOf(ctx.repo.instancesOf(t.id)).map((i) => renderTask(i, ctx.agentLink, ctx.scheduler.knownNetworks())) });
      }
      case 'versions': {
        requireApp(ctx, t.id);
        const versions = await ctx.repo.listVersions(t.id);
        return reply.send({ versions: [...versions].reverse() });
      }
      case 'version': {
        requireApp(ctx, t.id);
        const v = await ctx.repo.getVersion(t.id, t.version);
        if (v === undefined) throw new AppVersionNotFoundError(t.id, t.version);
        return reply.send(renderAppVersion(v, ctx.info.mesosRole));
      }
      default:
        throw new AppNotFoundError(pathId((req.params as { '*': string })['*']));
    }
  });

  const update = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const t = parseAppsPath((req.params as { '*': string })['*'], exists);
    if (t.kind !== 'app') throw new AppNotFoundError(pathId((req.params as { '*': string })['*']));
    const q = queryOf(req);
    const isPatch = req.method === 'PATCH';
    const partial = isPatch ? true : boolParam(q, 'partialUpdate', true);
    const { plan, created } = await ctx.service.updateApp(t.id, req.body, {
      partial, force: boolParam(q, 'force', false), allowCreate: !isPatch, meta: meta(req),
    });
    if (created === true) reply.header('Location', `/v2/apps${t.id}`);
    return sendDeployment(reply, plan, created === true ? 201 : 200);
  };
  app.put('/v2/apps/*', update);
  app.patch('/v2/apps/*', update);

  app.post('/v2/apps/*', async (req, reply) => {
    const t = parseAppsPath((req.params as { '*': string })['*'], () => false);
    if (t.kind !== 'restart') throw new AppNotFoundError(pathId((req.params as { '*': string })['*']));
    const plan = await ctx.service.restartApp(t.id, boolParam(queryOf(req), 'force', false));
    return sendDeployment(reply, plan);
  });

  app.delete('/v2/apps/*', async (req, reply) => {
    const t = parseAppsPath((req.params as { '*': string })['*'], exists);
    const q = queryOf(req);
    switch (t.kind) {
      case 'app': {
        const plan = await ctx.service.deleteApp(t.id, boolParam(q, 'force', true));
        return sendDeployment(reply, plan);
      }
      case 'tasks': {
        const opts = killParams(q);
        requireApp(ctx, t.id);
        const victims = tasksToKill(ctx, t.id, stringParam(q, 'host'));
        const plan = await ctx.service.killInstances(victims, opts);
        if (plan !== null) return sendDeployment(reply, plan);
        return reply.send({ tasks: victims.map((i) => renderTask(i, ctx.agentLink, ctx.scheduler.knownNetworks())) });
      }
      case 'task': {
        const opts = killParams(q);
        requireApp(ctx, t.id);
        const inst = ctx.repo.instanceByTaskId(t.taskId);
        if (inst === undefined || inst.appId !== t.id) throw new TaskNotFoundError(t.taskId);
        const plan = await ctx.service.killInstances([inst], opts);
        if (plan !== null) return sendDeployment(reply, plan);
        return reply.send({ task: renderTask(inst, ctx.agentLink, ctx.scheduler.knownNetworks()) });
      }
      default:
        throw new AppNotFoundError(pathId((req.params as { '*': string })['*']));
    }
  });
}
