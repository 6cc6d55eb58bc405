// /v2/info, /v2/leader, /ping, /v2/plugins, /metrics and the / redirect (spec §2, §3.6, §6.3).
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context';
import { LeaderUnknownError } from '../../errors';

export const MARATHON_VERSION = '1.10.0';

export function infoBody(ctx: ApiContext): Record<string, unknown> {
  const i = ctx.info;
  return {
    name: 'marathon',
    version: MARATHON_VERSION,
    buildref: i.buildref,
    elected: ctx.leadership.isLeader(),
    leader: ctx.leadership.leader() ?? null,
    frameworkId: ctx.repo.frameworkId ?? null,
    marathon_config: {
      master: i.master,
      failover_timeout: i.failoverTimeoutSeconds,
      framework_name: i.frameworkName,
      hostname: i.hostname,
      mesos_role: i.mesosRole,
      mesos_user: i.mesosUser,
      default_network_name: null,
      mesos_bridge_name: i.mesosBridgeName,
      local_port_min: i.localPortMin ?? 10000,
      local_port_max: i.localPortMax ?? 20000,
      reconciliation_initial_delay: i.reconciliationInitialDelayMs,
      reconciliation_interval: i.reconciliationIntervalMs,
      scale_apps_initial_delay: 15000,
      scale_apps_interval: 300000,
      task_launch_timeout: i.taskLaunchTimeoutMs,
      mesos_leader_ui_url: i.mesosLeaderUiUrl.endsWith('/') ? i.mesosLeaderUiUrl : `${i.mesosLeaderUiUrl}/`,
      webui_url: i.webuiUrl,
      features: [],
      checkpoint: true,
      ha: true,
      // Marathon's defaults for settings marathon-vnet does not expose as flags.
      access_control_allow_origin: i.accessControlAllowOrigin ?? null,
      decline_offer_duration: 120000,
      env_vars_prefix: null,
      executor: '//cmd',
      launch_token: 100,
      launch_token_refresh_interval: 30000,
      leader_proxy_connection_timeout_ms: 5000,
      leader_proxy_read_timeout_ms: 10000,
      max_instances_per_offer: 5,
      mesos_heartbeat_failure_threshold: 5,
      mesos_heartbeat_interval: 15000,
      min_revive_offers_interval: 5000,
      new_group_enforce_role: 'off',
      offer_matching_timeout: 3000,
      on_elected_prepare_timeout: 180000,
      store_cache: true,
      task_launch_confirm_timeout: 300000,
      task_lost_expunge_initial_delay: 300000,
      task_lost_expunge_interval: 30000,
      task_reservation_timeout: 20000,
    },
    zookeeper_config: zookeeperConfigOf(i),
    http_config: { http_port: i.httpPort, https_port: i.httpsPort },
  };
}

/** zookeeper_config: `zk` is a string as the RAML requires ('' when state is not in ZooKeeper). */
function zookeeperConfigOf(i: ApiContext['info']): Record<string, unknown> {
  const given = i.zookeeperConfig ?? {
      zk: i.zk,
      zk_compression: true,
      zk_compression_threshold: 65536,
      zk_connection_timeout: 10000,
      zk_max_node_size: 1048576,
      zk_max_versions: i.zkMaxVersions,
      zk_session_timeout: 10000,
      zk_timeout: 10000,
    };
  return { ...given, zk: typeof given.zk === 'string' ? given.zk : '' };
}

/** What /ping answers for an Accept header: text (default), JSON when preferred, or nothing. */
export function pingFormat(accept: string | undefined): 'text' | 'json' | 'none' {
  if (accept === undefined || accept.trim() === '') return 'text';
  const types = accept.split(',').map((part) => {
    const [type = '', ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return { type: type.trim().toLowerCase(), q: q === undefined ? 1 : Number(q.slice(2)) };
  }).filter((t) => t.q > 0);
  const score = (name: string): number => {
    let best = -1;
    for (const t of types) {
      if (t.type === name || t.type === '*/*' || t.type === `${name.split('/')[0]}/*`) best = Math.max(best, t.q + (t.type === name ? 0.001 : 0));
    }
    return best;
  };
  const text = score('text/plain');
  const json = score('application/json');
  if (text < 0 && json < 0) return 'none';
  return json > text ? 'json' : 'text';
}

export async function miscRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  app.get('/v2/info', async () => infoBody(ctx));

  app.get('/v2/leader', async () => {
    const leader = ctx.leadership.leader();
    if (leader === undefined) throw new LeaderUnknownError();
    return { leader };
  });

  app.delete('/v2/leader', async () => {
    await ctx.leadership.abdicate();
    return { message: 'Leadership abdicated' };
  });

  app.get('/ping', async (req, reply) => {
    const fmt = pingFormat(req.headers.accept);
    if (fmt === 'none') return reply.code(204).send();
    if (fmt === 'json') return reply.type('application/json').send(JSON.stringify('pong'));
    return reply.type('text/plain; charset=utf-8').send('pong');
  });

  app.get('/v2/plugins', async () => ({ plugins: [] }));

  app.get('/metrics', async (_req, reply) => {
    const text = await ctx.metrics.metrics();
    return reply.type(ctx.metrics.contentType).send(text);
  });

  app.get('/', async (_req, reply) => reply.redirect('ui/', 302));
}
