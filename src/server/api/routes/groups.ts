// /v2/groups (spec §3.4): the group tree is derived from app ids; versions, dependencies and
// enforceRole come from the service's group records.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppVersion } from '../../../core/deploy/app-version';
import { inGroup } from '../app-service';
import type { ApiContext } from '../context';
import { resolveGroupEmbeds, type GroupEmbeds } from '../embeds';
import { GroupNotFoundError } from '../../errors';
import { boolParam, listParam, pathId, queryOf, sendDeployment } from '../http';
import { renderAppFor } from './apps';

function parentOf(id: string): string {
  const cut = id.lastIndexOf('/');
  return cut <= 0 ? '/' : id.slice(0, cut);
}

/** Every group id implied by the app ids (and explicitly created empty groups). */
function allGroups(apps: readonly AppVersion[], extra: Iterable<string>): Set<string> {
  const out = new Set<string>(['/']);
  const add = (g: string): void => { for (let p = g; p !== '/'; p = parentOf(p)) out.add(p); };
  for (const v of apps) add(parentOf(v.app.id));
  for (const g of extra) add(g);
  return out;
}

export function renderGroup(ctx: ApiContext, groupId: string, embeds: GroupEmbeds): Record<string, unknown> {
  const apps = [...ctx.repo.apps.values()].sort((a, b) => a.app.id.localeCompare(b.app.id));
  const groups = allGroups(apps, ctx.service.emptyGroups);
  const build = (gid: string): Record<string, unknown> => {
    const mine = apps.filter((v) => parentOf(v.app.id) === gid);
    const children = [...groups].filter((g) => g !== '/' && parentOf(g) === gid).sort();
    const meta = ctx.service.groupMeta.get(gid);
    const out: Record<string, unknown> = { id: gid };
    if (embeds.apps) {
      out.apps = mine.map((v) => renderAppFor(ctx, v, { tasks: embeds.tasks, lastFailure: embeds.lastFailure, taskStats: embeds.taskStats, readiness: embeds.readiness }));
    }
    if (embeds.groups) out.groups = children.map((c) => build(c));
    if (embeds.pods) out.pods = [];
    out.dependencies = meta?.dependencies ?? [];
    // Without a record (a state written before group records were stored) the newest app version inside.
    const newest = apps.filter((v) => inGroup(v.app.id, gid)).map((v) => v.version).sort().pop();
    out.version = meta?.version ?? newest ?? new Date(ctx.now()).toISOString();
    out.enforceRole = meta?.enforceRole ?? false;
    return out;
  };
  return build(groupId);
}

type GroupPath = { kind: 'group'; id: string } | { kind: 'versions'; id: string } | { kind: 'version'; id: string; version: string };

/** `<id>`, `<id>/versions`, `<id>/versions/<v>` (and `versions`, `versions/<v>` for the root), as Marathon matches them. */
export function parseGroupPath(rest: string): GroupPath {
  const segments = rest.split('/').filter((s) => s !== '');
  const last = segments[segments.length - 1];
  const id = (n: number): string => pathId(segments.slice(0, segments.length - n).join('/'));
  if (last === 'versions') return { kind: 'versions', id: id(1) };
  if (segments[segments.length - 2] === 'versions' && last !== undefined) return { kind: 'version', id: id(2), version: decodeURIComponent(last) };
  return { kind: 'group', id: id(0) };
}

export async function groupRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const requireGroup = (groupId: string): void => {
    if (!ctx.service.groupExists(groupId)) throw new GroupNotFoundError(groupId);
  };
  const get = async (req: FastifyRequest, rest: string): Promise<unknown> => {
    const p = parseGroupPath(rest);
    requireGroup(p.id);
    const current = renderGroup(ctx, p.id, resolveGroupEmbeds(listParam(queryOf(req), 'embed')));
    if (p.kind === 'group') return current;
    const meta = ctx.service.groupMeta.get(p.id);
    const versions = meta?.versions ?? [String(current.version)];
    if (p.kind === 'versions') return [...versions].reverse();
    // Only the current version of a group is kept; older ones are unknown.
    if (p.version !== current.version) throw new GroupNotFoundError(p.id);
    return current;
  };
  app.get('/v2/groups', async (req) => get(req, ''));
  app.get('/v2/groups/*', async (req) => get(req, (req.params as { '*': string })['*']));

  const create = async (req: FastifyRequest, reply: FastifyReply, base: string | undefined): Promise<FastifyReply> => {
    const { groupId, plan } = await ctx.service.createGroup(req.body, boolParam(queryOf(req), 'force', false), base);
    return sendDeployment(reply.header('Location', `/v2/groups${groupId}`), plan, 201);
  };
  app.post('/v2/groups', async (req, reply) => create(req, reply, undefined));
  app.post('/v2/groups/*', async (req, reply) => create(req, reply, pathId((req.params as { '*': string })['*'])));

  app.patch('/v2/groups/*', async (req, reply) => {
    await ctx.service.patchGroup(pathId((req.params as { '*': string })['*']), req.body ?? {});
    return reply.code(200).send();
  });

  const put = async (req: FastifyRequest, reply: FastifyReply, groupId: string): Promise<FastifyReply> => {
    const q = queryOf(req);
    const dryRun = boolParam(q, 'dryRun', false);
    const plan = await ctx.service.updateGroup(groupId, req.body, { force: boolParam(q, 'force', false), dryRun });
    if (dryRun) return reply.send({ steps: plan.steps });
    return sendDeployment(reply, plan);
  };
  app.put('/v2/groups', async (req, reply) => put(req, reply, '/'));
  app.put('/v2/groups/*', async (req, reply) => put(req, reply, pathId((req.params as { '*': string })['*'])));

  const del = async (req: FastifyRequest, reply: FastifyReply, groupId: string): Promise<FastifyReply> => {
    const plan = await ctx.service.deleteGroup(groupId, boolParam(queryOf(req), 'force', false));
    return sendDeployment(reply, plan);
  };
  app.delete('/v2/groups', async (req, reply) => del(req, reply, '/'));
  app.delete('/v2/groups/*', async (req, reply) => del(req, reply, pathId((req.params as { '*': string })['*'])));
}
