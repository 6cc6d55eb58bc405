// How the Mesos network/cni isolator calls a plugin (mesos-v1.md B3-B5), as pure functions:
// which network_infos are joined and under which ethN, the exact stdin (config + args
// org.apache.mesos.network_info), the environment, how a 0.2.0 result becomes the reported
// NetworkInfo, and the launch-failure text. The shell (cni-isolator.ts) only spawns.
import type { NetworkInfo, TaskInfo } from '../mesos/types';

export type CniCommand = 'ADD' | 'DEL';

/** A network config as read from the config dir: a single-plugin object with `name` and `type`. */
export type CniConfig = Record<string, unknown> & { name: string; type: string };

export interface CniAttachment {
  networkName: string;
  /** eth0, eth1, … in network_infos order, counting named entries only */
  ifName: string;
  pluginType: string;
  /** the request NetworkInfo, as given in the TaskInfo */
  networkInfo: NetworkInfo;
  /** exactly what goes on the plugin's stdin (also checkpointed for DEL) */
  stdin: string;
}

export interface AttachmentPlan {
  attachments: CniAttachment[];
  /** named networks deliberately not joined (local mode's agent link), reported without address */
  skipped: NetworkInfo[];
}

export class CniLaunchError extends Error {
  readonly code: 'MVN_ERR_CNI_UNKNOWN_NETWORK' | 'MVN_ERR_CNI_DUPLICATE_NETWORK' | 'MVN_ERR_CNI_BAD_CONFIG' | 'MVN_ERR_CNI_PLUGIN_FAILED' | 'MVN_ERR_CNI_BAD_RESULT';
  constructor(code: CniLaunchError['code'], message: string) {
    super(message);
    this.name = 'CniLaunchError';
    this.code = code;
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Drops undefined members (and empty arrays, which Mesos leaves out of the JSON), recursively. */
function plainJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plainJson);
  if (!isObj(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined) continue;
    if (Array.isArray(x) && x.length === 0) continue;
    out[k] = plainJson(x);
  }
  return out;
}

/** B2: what the agent accepts from the config dir. Returns the problem, or null when usable. */
export function configProblem(raw: unknown): string | null {
  if (!isObj(raw)) return 'not a JSON object';
  if (typeof raw.name !== 'string' || raw.name === '') return 'missing "name"';
  if (typeof raw.type !== 'string' || raw.type === '') return 'missing "type" (a .conflist is not accepted)';
  if (!/^[A-Za-z0-9_.-]+$/.test(raw.type)) return `plugin type ${JSON.stringify(raw.type)} is not a plain file name`;
  if (raw.args !== undefined && (!isObj(raw.args) || 'org.apache.mesos' in raw.args)) return '"args" must be an object without an "org.apache.mesos" key';
  return null;
}

/** B3: the stdin of ADD (and, checkpointed, of DEL). */
export function pluginStdin(config: CniConfig, networkInfo: NetworkInfo): string {
  const args = isObj(config.args) ? config.args : {};
  return JSON.stringify({ ...config, args: { ...args, 'org.apache.mesos': { network_info: plainJson(networkInfo) } } });
}

/**
 * B3: the attachments of a task. Unknown names and a network joined twice fail the launch, as
 * on a Mesos agent; names in `skip` are not joined but keep their ethN position.
 */
export function planAttachments(task: TaskInfo, configs: ReadonlyMap<string, CniConfig>, skip: ReadonlySet<string> = new Set()): AttachmentPlan {
  const named = (task.container?.network_infos ?? []).filter((n) => typeof n.name === 'string' && n.name !== '');
  const seen = new Set<string>();
  const attachments: CniAttachment[] = [];
  const skipped: NetworkInfo[] = [];
  named.forEach((info, i) => {
    const name = info.name as string;
    if (seen.has(name)) throw new CniLaunchError('MVN_ERR_CNI_DUPLICATE_NETWORK', `Attempted to join CNI network '${name}' multiple times`);
    seen.add(name);
    if (skip.has(name)) {
      skipped.push(info);
      return;
    }
    const config = configs.get(name);
    if (config === undefined) throw new CniLaunchError('MVN_ERR_CNI_UNKNOWN_NETWORK', `Unknown CNI network '${name}'`);
    attachments.push({ networkName: name, ifName: `eth${i}`, pluginType: config.type, networkInfo: info, stdin: pluginStdin(config, info) });
  });
  return { attachments, skipped };
}

export interface CniEnvInput {
  command: CniCommand;
  containerId: string;
  /** absent on DEL when the namespace is gone (B5) */
  netns?: string;
  ifName: string;
  pluginDir: string;
  path: string;
}

/** B3/B5 environment: nothing else (no CNI_ARGS). */
export function pluginEnv(e: CniEnvInput): Record<string, string> {
  const env: Record<string, string> = {
    CNI_COMMAND: e.command, CNI_CONTAINERID: e.containerId, CNI_IFNAME: e.ifName, CNI_PATH: e.pluginDir, PATH: e.path,
  };
  if (e.netns !== undefined) env.CNI_NETNS = e.netns;
  return env;
}

export interface Cni020Result {
  ip4?: { ip: string; gateway?: string };
  ip6?: { ip: string; gateway?: string };
}

/** B4: stdout of a successful ADD, read as a 0.2.0 result (unknown keys ignored). */
export function parseResult(stdout: string): Cni020Result {
  let v: unknown;
  try {
    v = JSON.parse(stdout);
  } catch {
    throw new CniLaunchError('MVN_ERR_CNI_BAD_RESULT', `Failed to parse the output of the CNI plugin: ${stdout.slice(0, 300)}`);
  }
  if (!isObj(v)) throw new CniLaunchError('MVN_ERR_CNI_BAD_RESULT', 'Failed to parse the output of the CNI plugin: not an object');
  const out: Cni020Result = {};
  for (const key of ['ip4', 'ip6'] as const) {
    const x = v[key];
    if (x === undefined) continue;
    if (!isObj(x) || typeof x.ip !== 'string') throw new CniLaunchError('MVN_ERR_CNI_BAD_RESULT', `Failed to parse the output of the CNI plugin: ${key}.ip missing`);
    out[key] = { ip: x.ip, ...(typeof x.gateway === 'string' ? { gateway: x.gateway } : {}) };
  }
  return out;
}

/** B4: the request NetworkInfo with ip_addresses replaced by the bound addresses (no prefix). */
export function reportedNetworkInfo(request: NetworkInfo, result: Cni020Result): NetworkInfo {
  const copy: NetworkInfo = { ...request };
  delete copy.ip_addresses;
  const addrs: NonNullable<NetworkInfo['ip_addresses']> = [];
  if (result.ip4 !== undefined) addrs.push({ protocol: 'IPv4', ip_address: result.ip4.ip.split('/')[0] });
  if (result.ip6 !== undefined) addrs.push({ protocol: 'IPv6', ip_address: result.ip6.ip.split('/')[0] });
  if (addrs.length > 0) copy.ip_addresses = addrs;
  return copy;
}

/** A joined-but-not-plumbed network (or one without a result) as reported: no addresses. */
export function unaddressed(request: NetworkInfo): NetworkInfo {
  const copy: NetworkInfo = { ...request };
  delete copy.ip_addresses;
  return copy;
}

/** B4: the text Mesos puts into TASK_FAILED when a plugin exits non-zero. */
export function attachFailureMessage(pluginType: string, containerId: string, network: string, stdout: string, stderr: string): string {
  return `The CNI plugin '${pluginType}' failed to attach container ${containerId} to CNI network '${network}': stdout='${stdout.trim()}', stderr='${stderr.trim()}'`;
}

export function detachFailureMessage(pluginType: string, containerId: string, network: string, stdout: string, stderr: string): string {
  return `The CNI plugin '${pluginType}' failed to detach container ${containerId} from CNI network '${network}': stdout='${stdout.trim()}', stderr='${stderr.trim()}'`;
}

/** The image a task asks for: the unified containerizer's Docker image, or Docker's. */
export function taskImage(task: TaskInfo): string | undefined {
  const c = task.container;
  if (c === undefined) return undefined;
  if (c.type === 'MESOS' && c.mesos?.image?.type === 'DOCKER') return c.mesos.image.docker?.name;
  if (c.type === 'DOCKER') return c.docker?.image;
  return undefined;
}
