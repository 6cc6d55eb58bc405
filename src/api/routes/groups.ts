// /v2/groups (spec §3.4): the group tree is derived from app ids.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppVersion } from '../../deploy/app-version';
import { inGroup } from '../app-service';
import type { ApiContext } from '../context';
import { GroupNotFoundError } from '../errors';
import { boolParam, listParam, pathId, queryOf, sendDeployment } from '../http';
import { renderAppFor } from './apps';

interface GroupEmbeds { groups: boolean; apps: boolean; pods: boolean; tasks: boolean; lastFailure: boolean; taskStats: boolean; readiness: boolean }

function embedsOf(values: string[]): GroupEmbeds {
  const e = new Set(values.length === 0 ? ['group.apps', 'group.pods', 'group.groups'] : values);
  return {
    groups: e.has('group.groups'), apps: e.has('group.apps'), pods: e.has('group.pods'),
    tasks: e.has('group.apps.tasks'), lastFailure: e.has('group.apps.lastTaskFailure'),
    taskStats: e.has('group.apps.taskStats'), readiness: e.has('group.apps.readiness'),
  };
}

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
    const versions = apps.filter((v) => inGroup(v.app.id, gid)).map((v) => v.version).sort();
    const out: Record<string, unknown> = { id: gid };
    if (embeds.apps) {
      out.apps = mine.map((v) => renderAppFor(ctx, v, { tasks: embeds.tasks, lastFailure: embeds.lastFailure, taskStats: embeds.taskStats, readiness: embeds.readiness }));
    }
    if (embeds.groups) out.groups = children.map((c) => build(c));
    if (embeds.pods) out.pods = [];
    out.dependencies = [];
    out.version = versions[versions.length - 1] ?? new Date(ctx.now()).toISOString();
    return out;
  };
  return build(groupId);
}

export async function groupRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const get = async (req: FastifyRequest, groupId: string): Promise<Record<string, unknown>> => {
    if (!ctx.service.groupExists(groupId)) throw new GroupNotFoundError(groupId);
    return renderGroup(ctx, groupId, embedsOf(listParam(queryOf(req), 'embed')));
  };
  app.get('/v2/groups', async (req) => get(req, '/'));
  app.get('/v2/groups/*', async (req) => get(req, pathId((req.params as { '*': string })['*'])));

  app.post('/v2/groups', async (req, reply) => {
    const { groupId, plan } = await ctx.service.createGroup(req.body, boolParam(queryOf(req), 'force', false));
    return sendDeployment(reply.header('Location', `/v2/groups${groupId}`), plan, 201);
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
