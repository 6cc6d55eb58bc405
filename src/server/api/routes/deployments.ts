// /v2/deployments (spec §2, §3.3, §6.4).
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context';
import { boolParam, queryOf, sendDeployment } from '../http';
import { renderDeployment } from '../render';
import { waitingReasons } from '../../../core/scheduler/queue-reasons';

export async function deploymentRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  // [project] each current action of an app with instances waiting for offers carries `waitingFor`
  // (the launch queue's reasons, as /v2/queue's rejectSummaryLastOffers): why the step is not done.
  const waiting = (appId: string): Array<{ reason: string; declined: number }> => {
    const queued = ctx.repo.instancesOf(appId).some((i) => i.condition === 'Scheduled');
    return queued ? waitingReasons(ctx.queue.statsOf(appId).rejectLastOffers) : [];
  };
  app.get('/v2/deployments', async () => ctx.runner.active().map((d) => {
    const out = renderDeployment(d);
    const actions = out.currentActions as Array<Record<string, unknown>>;
    for (const a of actions) {
      const reasons = typeof a.app === 'string' ? waiting(a.app) : [];
      if (reasons.length > 0) a.waitingFor = reasons;
    }
    return out;
  }));

  app.delete('/v2/deployments/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    const plan = await ctx.service.cancelDeployment(id, boolParam(queryOf(req), 'force', false));
    if (plan === null) return reply.code(202).send();
    return sendDeployment(reply, plan);
  });
}
