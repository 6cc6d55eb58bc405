// /v2/deployments (spec §2, §3.3, §6.4).
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context';
import { boolParam, queryOf, sendDeployment } from '../http';
import { renderDeployment } from '../render';

export async function deploymentRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  app.get('/v2/deployments', async () => ctx.runner.active().map((d) => renderDeployment(d)));

  app.delete('/v2/deployments/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    const plan = await ctx.service.cancelDeployment(id, boolParam(queryOf(req), 'force', false));
    if (plan === null) return reply.code(202).send();
    return sendDeployment(reply, plan);
  });
}
