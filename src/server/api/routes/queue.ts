// /v2/queue (spec §3.5).
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context';
import { AppNotFoundError } from '../../errors';
import { pathId } from '../http';
import { renderQueueItem } from '../render';
import { renderAppFor } from './apps';

export async function queueRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  app.get('/v2/queue', async (req) => {
    const embed = ([] as string[]).concat((req.query as { embed?: string | string[] }).embed ?? []);
    const withUnused = embed.includes('lastUnusedOffers');
    const byApp = new Map<string, { count: number; since: string; role: string }>();
    for (const i of ctx.repo.instances.values()) {
      if (i.condition !== 'Scheduled') continue;
      const e = byApp.get(i.appId);
      if (e === undefined) byApp.set(i.appId, { count: 1, since: i.createdAt, role: i.role });
      else { e.count++; if (i.createdAt < e.since) e.since = i.createdAt; }
    }
    const nowMs = ctx.now();
    const queue = [...byApp].flatMap(([appId, e]) => {
      const v = ctx.repo.apps.get(appId);
      if (v === undefined) return [];
      return [renderQueueItem({
        app: renderAppFor(ctx, v, { tasks: false, lastFailure: false, taskStats: false, readiness: false }),
        count: e.count, role: e.role, since: e.since, timeLeftMs: ctx.queue.timeLeftMs(v, nowMs), stats: ctx.queue.statsOf(appId),
        lastUnusedOffers: withUnused,
      })];
    });
    // [project] beside Marathon's `queue`: the Mesos offers held now (offer-ledger.ts), so a stuck offer shows.
    const offers = ctx.scheduler.offerStats();
    return { queue, offers: { held: offers.held, oldestAgeSeconds: offers.oldestAgeMs / 1000 } };
  });

  app.delete('/v2/queue/*', async (req, reply) => {
    const rest = (req.params as { '*': string })['*'];
    const m = /^(.*)\/delay\/?$/.exec(rest);
    const id = pathId(m === null ? rest : m[1] ?? '');
    if (m === null || !ctx.repo.apps.has(id)) throw new AppNotFoundError(id);
    ctx.scheduler.resetDelay(id);
    return reply.code(204).send();
  });
}
