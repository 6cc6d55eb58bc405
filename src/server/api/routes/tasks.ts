// /v2/tasks (spec §2, §3.2).
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context';
import { BadRequestError, ValidationError } from '../../errors';
import { killParams, listParam, queryOf, sendDeployment, stringParam } from '../http';
import { renderTask, tasksOf } from '../render';
import { renderTasksText } from '../tasks-text';
import type { Instance } from '../../../core/scheduler/instance';

/** `?status=running` names: TASK_RUNNING etc., case-insensitive. */
function stateFilter(names: string[]): Set<string> | undefined {
  if (names.length === 0) return undefined;
  return new Set(names.flatMap((n) => n.split(',')).map((n) => `TASK_${n.trim().toUpperCase().replace(/^TASK_/, '')}`));
}

/** Every form of Marathon task id ends in `[._]<part without . or _>` after a non-empty prefix. */
const TASK_ID = /^.+[._][^_.]+$/;

/** True when the Accept header asks for text/plain over JSON (no Accept, or `*\/*`, stays JSON). */
export function wantsText(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  let text = -1;
  let json = -1;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.trim().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    const t = type.trim().toLowerCase();
    if (t === 'text/plain') text = Math.max(text, q);
    if (t === 'application/json' || t === 'application/*' || t === '*/*') json = Math.max(json, q);
  }
  return text > 0 && text > json;
}

export async function taskRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  app.get('/v2/tasks', async (req, reply) => {
    const q = queryOf(req);
    if (wantsText(req.headers.accept)) {
      const apps = [...ctx.repo.apps.values()].sort((a, b) => (a.app.id < b.app.id ? -1 : a.app.id > b.app.id ? 1 : 0))
        .map((v) => ({ app: v.app, instances: tasksOf(ctx.repo.instancesOf(v.app.id)) }));
      return reply.type('text/plain; charset=utf-8').send(renderTasksText(apps, stringParam(q, 'containerNetworks')));
    }
    const wanted = stateFilter(listParam(q, 'status'));
    const networks = ctx.scheduler.knownNetworks();
    const tasks = tasksOf([...ctx.repo.instances.values()])
      .filter((i) => wanted === undefined || wanted.has(i.state ?? 'TASK_STAGING'))
      .map((i) => renderTask(i, ctx.agentLink, networks));
    return reply.send({ tasks });
  });

  app.post('/v2/tasks/delete', async (req, reply) => {
    const opts = killParams(queryOf(req));
    const body = req.body as { ids?: unknown } | undefined;
    const ids = body?.ids;
    if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string')) {
      throw new ValidationError([{ path: '/ids', errors: ['error.expected.jsarray of task ids'] }]);
    }
    // As Marathon: an id that is no task id at all is a 400; a well-formed unknown id is skipped.
    const malformed = (ids as string[]).find((id) => !TASK_ID.test(id));
    if (malformed !== undefined) throw new BadRequestError(`Invalid task id '${malformed}'.`);
    const victims: Instance[] = [];
    for (const id of new Set(ids as string[])) {
      const inst = ctx.repo.instanceByTaskId(id);
      if (inst !== undefined) victims.push(inst);
    }
    const plan = await ctx.service.killInstances(victims, opts);
    if (plan !== null) return sendDeployment(reply, plan);
    return reply.send({ tasks: victims.map((i) => renderTask(i, ctx.agentLink, ctx.scheduler.knownNetworks())) });
  });
}
