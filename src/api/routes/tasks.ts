// /v2/tasks (spec §2, §3.2).
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context';
import { ValidationError } from '../errors';
import { boolParam, listParam, queryOf, sendDeployment } from '../http';
import { renderTask, tasksOf } from '../render';
import type { Instance } from '../../scheduler/instance';

/** `?status=running` names: TASK_RUNNING etc., case-insensitive. */
function stateFilter(names: string[]): Set<string> | undefined {
  if (names.length === 0) return undefined;
  return new Set(names.flatMap((n) => n.split(',')).map((n) => `TASK_${n.trim().toUpperCase().replace(/^TASK_/, '')}`));
}

export async function taskRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  app.get('/v2/tasks', async (req) => {
    const wanted = stateFilter(listParam(queryOf(req), 'status'));
    const networks = ctx.scheduler.knownNetworks();
    const tasks = tasksOf([...ctx.repo.instances.values()])
      .filter((i) => wanted === undefined || wanted.has(i.state ?? 'TASK_STAGING'))
      .map((i) => renderTask(i, ctx.agentLink, networks));
    return { tasks };
  });

  app.post('/v2/tasks/delete', async (req, reply) => {
    const q = queryOf(req);
    const body = req.body as { ids?: unknown } | undefined;
    const ids = body?.ids;
    if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string')) {
      throw new ValidationError([{ path: '/ids', errors: ['error.expected.jsarray of task ids'] }]);
    }
    const victims: Instance[] = [];
    for (const id of ids as string[]) {
      const inst = ctx.repo.instanceByTaskId(id);
      if (inst !== undefined) victims.push(inst);
    }
    const plan = await ctx.service.killInstances(victims, {
      scale: boolParam(q, 'scale', false), force: boolParam(q, 'force', false), wipe: boolParam(q, 'wipe', false),
    });
    if (plan !== null) return sendDeployment(reply, plan);
    return reply.send({ tasks: victims.map((i) => renderTask(i, ctx.agentLink, ctx.scheduler.knownNetworks())) });
  });
}
