// How marathon-python (thefactory/marathon-python, marathon/models/*.py at 1850734) turns
// Marathon JSON into objects, for tests that cannot install it (PyPI is unreachable here):
// `from_json` renames camelCase keys to snake_case and calls the class constructor with them as
// keyword arguments, so a key the constructor does not name raises TypeError — unless the
// constructor takes **kwargs. Nested values are parsed by their own classes the same way.
// The keyword lists below are the constructors' parameter names in that source.

type Json = unknown;

interface ModelClass {
  params: readonly string[];
  /** The constructor takes **kwargs (unknown keys are accepted). */
  kwargs?: boolean;
  /** snake_case parameter → how its value is parsed. */
  nested?: Record<string, (v: Json, at: string) => void>;
}

/** marathon/util.py to_snake_case. */
export function toSnakeCase(camel: string): string {
  const s1 = camel.replace(/(.)([A-Z][a-z]+)/g, '$1_$2');
  return s1.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** marathon/util.py to_datetime with its two formats (a Python strptime of `%Y-%m-%dT%H:%M:%S[.%f]Z`). */
function datetime(v: Json, at: string): void {
  if (v === null || v === undefined) return;
  if (typeof v !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/.test(v)) throw new TypeError(`${at}: ${JSON.stringify(v)} is not a marathon-python datetime`);
}

function listOf(cls: ModelClass): (v: Json, at: string) => void {
  return (v, at) => {
    if (v === null || v === undefined) return;
    if (!Array.isArray(v)) throw new TypeError(`${at}: not a list`);
    v.forEach((item, i) => fromJson(cls, item, `${at}[${i}]`));
  };
}
function one(cls: ModelClass): (v: Json, at: string) => void {
  return (v, at) => { if (v !== null && v !== undefined) fromJson(cls, v, at); };
}

const IP_ADDRESS: ModelClass = { params: ['ip_address', 'protocol'] };
const HEALTH_CHECK_RESULT: ModelClass = {
  params: ['alive', 'consecutive_failures', 'first_success', 'last_failure', 'last_success', 'task_id', 'last_failure_cause', 'instance_id'],
};
export const TASK: ModelClass = {
  params: ['app_id', 'health_check_results', 'host', 'id', 'ports', 'service_ports', 'slave_id', 'staged_at', 'started_at', 'version', 'ip_addresses', 'state', 'local_volumes', 'region', 'zone', 'role'],
  nested: { ip_addresses: listOf(IP_ADDRESS), health_check_results: listOf(HEALTH_CHECK_RESULT), staged_at: datetime, started_at: datetime },
};
const DEPLOYMENT: ModelClass = { params: ['affected_apps', 'current_actions', 'current_step', 'id', 'steps', 'total_steps', 'version', 'affected_pods'] };
const HEALTH_CHECK: ModelClass = {
  params: ['command', 'grace_period_seconds', 'interval_seconds', 'max_consecutive_failures', 'path', 'port_index', 'protocol', 'timeout_seconds', 'ignore_http1xx'], kwargs: true,
};
const TASK_FAILURE: ModelClass = { params: ['app_id', 'host', 'message', 'task_id', 'instance_id', 'slave_id', 'state', 'timestamp', 'version'] };
const UPGRADE_STRATEGY: ModelClass = { params: ['maximum_over_capacity', 'minimum_health_capacity'] };
const UNREACHABLE_STRATEGY: ModelClass = { params: ['unreachable_inactive_after_seconds', 'unreachable_expunge_after_seconds', 'inactive_after_seconds', 'expunge_after_seconds'] };
const VERSION_INFO: ModelClass = { params: ['last_scaling_at', 'last_config_change_at'] };
const COUNTS: ModelClass = { params: ['staged', 'running', 'healthy', 'unhealthy'] };
const LIFE_TIME: ModelClass = { params: ['average_seconds', 'median_seconds'] };
const STATS_STATS: ModelClass = { params: ['counts', 'life_time'], nested: { counts: one(COUNTS), life_time: one(LIFE_TIME) } };
const STATS_TYPE: ModelClass = { params: ['stats'], nested: { stats: one(STATS_STATS) } };
const TASK_STATS: ModelClass = {
  params: ['started_after_last_scaling', 'with_latest_config', 'with_outdated_config', 'total_summary'],
  nested: { started_after_last_scaling: one(STATS_TYPE), with_latest_config: one(STATS_TYPE), with_outdated_config: one(STATS_TYPE), total_summary: one(STATS_TYPE) },
};
const READINESS_CHECK: ModelClass = { params: ['name', 'protocol', 'path', 'port_name', 'interval_seconds', 'http_status_codes_for_ready', 'preserve_last_response', 'timeout_seconds'] };
const PORT_DEFINITION: ModelClass = { params: ['port', 'protocol', 'name', 'labels'] };
const SECRET: ModelClass = { params: ['source'] };
const PORT_MAPPING: ModelClass = { params: ['name', 'container_port', 'host_port', 'service_port', 'protocol', 'labels'] };
const VOLUME: ModelClass = { params: ['container_path', 'host_path', 'mode', 'persistent', 'external'] };
const DOCKER: ModelClass = { params: ['image', 'network', 'port_mappings', 'parameters', 'privileged', 'force_pull_image'], kwargs: true };
const CONTAINER: ModelClass = {
  params: ['docker', 'type', 'port_mappings', 'volumes'],
  nested: { docker: one(DOCKER), port_mappings: listOf(PORT_MAPPING), volumes: listOf(VOLUME) },
};
export const APP: ModelClass = {
  params: [
    'accepted_resource_roles', 'args', 'backoff_factor', 'backoff_seconds', 'cmd', 'constraints', 'container', 'cpus', 'dependencies', 'deployments',
    'disk', 'env', 'executor', 'health_checks', 'id', 'role', 'instances', 'kill_selection', 'labels', 'last_task_failure', 'max_launch_delay_seconds',
    'mem', 'ports', 'require_ports', 'store_urls', 'task_rate_limit', 'tasks', 'tasks_running', 'tasks_staged', 'tasks_healthy',
    'task_kill_grace_period_seconds', 'tasks_unhealthy', 'upgrade_strategy', 'unreachable_strategy', 'uris', 'user', 'version', 'version_info',
    'ip_address', 'fetch', 'task_stats', 'readiness_checks', 'readiness_check_results', 'secrets', 'port_definitions', 'residency', 'gpus', 'networks',
  ],
  nested: {
    container: one(CONTAINER), deployments: listOf(DEPLOYMENT), health_checks: listOf(HEALTH_CHECK), last_task_failure: one(TASK_FAILURE),
    port_definitions: listOf(PORT_DEFINITION), readiness_checks: listOf(READINESS_CHECK), tasks: listOf(TASK), upgrade_strategy: one(UPGRADE_STRATEGY),
    unreachable_strategy: (v, at) => { if (v !== 'disabled') one(UNREACHABLE_STRATEGY)(v, at); },
    version_info: one(VERSION_INFO), task_stats: one(TASK_STATS),
    secrets: (v, at) => { for (const [k, s] of Object.entries((v ?? {}) as Record<string, Json>)) fromJson(SECRET, s, `${at}.${k}`); },
    id: (v, at) => { if (v !== null && v !== undefined && (typeof v !== 'string' || !/^\/?[a-z0-9.\-_/]*$/.test(v))) throw new TypeError(`${at}: invalid path ${String(v)}`); },
    kill_selection: (v, at) => { if (v !== undefined && v !== null && v !== 'YOUNGEST_FIRST' && v !== 'OLDEST_FIRST') throw new TypeError(`${at}: invalid kill_selection`); },
  },
};
const GROUP: ModelClass = { params: ['apps', 'dependencies', 'groups', 'id', 'pods', 'version', 'enforce_role'] };
GROUP.nested = { apps: listOf(APP), groups: listOf(GROUP) };
export { GROUP };
const MARATHON_CONFIG: ModelClass = {
  params: [
    'checkpoint', 'executor', 'failover_timeout', 'framework_name', 'ha', 'hostname', 'leader_proxy_connection_timeout_ms', 'leader_proxy_read_timeout_ms',
    'local_port_min', 'local_port_max', 'maintenance_mode', 'master', 'mesos_leader_ui_url', 'mesos_role', 'mesos_user', 'new_group_enforce_role',
    'webui_url', 'reconciliation_initial_delay', 'reconciliation_interval', 'task_launch_timeout', 'marathon_store_timeout', 'task_reservation_timeout',
    'features', 'access_control_allow_origin', 'decline_offer_duration', 'default_network_name', 'env_vars_prefix', 'launch_token',
    'launch_token_refresh_interval', 'max_instances_per_offer', 'mesos_bridge_name', 'mesos_heartbeat_failure_threshold', 'mesos_heartbeat_interval',
    'min_revive_offers_interval', 'offer_matching_timeout', 'on_elected_prepare_timeout', 'revive_offers_for_new_apps', 'revive_offers_repetitions',
    'scale_apps_initial_delay', 'scale_apps_interval', 'store_cache', 'task_launch_confirm_timeout', 'task_lost_expunge_initial_delay',
    'task_lost_expunge_interval',
  ],
};
const ZK_CONFIG: ModelClass = {
  params: ['zk', 'zk_future_timeout', 'zk_hosts', 'zk_max_versions', 'zk_path', 'zk_session_timeout', 'zk_state', 'zk_timeout', 'zk_connection_timeout', 'zk_compression', 'zk_compression_threshold', 'zk_max_node_size'],
};
const HTTP_CONFIG: ModelClass = { params: ['assets_path', 'http_port', 'https_port'] };
export const INFO: ModelClass = {
  params: ['event_subscriber', 'framework_id', 'http_config', 'leader', 'marathon_config', 'name', 'version', 'elected', 'zookeeper_config', 'buildref'],
  nested: { marathon_config: one(MARATHON_CONFIG), zookeeper_config: one(ZK_CONFIG), http_config: one(HTTP_CONFIG) },
};

/** MarathonObject.from_json: throws TypeError where Python would (an unexpected keyword argument). */
export function fromJson(cls: ModelClass, value: Json, at = '$'): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${at}: from_json needs a dict`);
  for (const [key, v] of Object.entries(value)) {
    const name = toSnakeCase(key);
    if (!cls.params.includes(name)) {
      if (cls.kwargs === true) continue;
      throw new TypeError(`${at}: __init__() got an unexpected keyword argument '${name}'`);
    }
    cls.nested?.[name]?.(v, `${at}.${name}`);
  }
}
