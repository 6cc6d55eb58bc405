// Marathon's ZooKeeper flags (`--zk_timeout`, `--zk_session_timeout`, `--zk_connection_timeout`,
// `--zk_max_versions`, `--[disable_]zk_compression`, `--zk_compression_threshold`,
// `--zk_max_node_size`; marathon-api.md §11) on a commander Command, each also accepted in this
// CLI's dash style (hidden from help), and their translation into store and election options.
import { Option, type Command } from 'commander';
import type { OpenElectionOptions, OpenStoreOptions } from '../state/open-store';

/** The values Marathon calls zk_*; /v2/info reports them as zookeeper_config. */
export interface ZkTuning {
  /** zk_timeout: deadline of one store operation (a write answers 503 after it). */
  timeoutMs: number;
  /** zk_session_timeout: a crashed leader's candidacy expires after it. */
  sessionTimeoutMs: number;
  /** zk_connection_timeout: how long start-up waits for ZooKeeper. */
  connectionTimeoutMs: number;
  /** zk_max_versions: app versions kept per app. */
  maxVersions: number;
  /** zk_compression: gzip documents above the threshold. */
  compression: boolean;
  /** zk_compression_threshold (bytes). */
  compressionThreshold: number;
  /** zk_max_node_size (bytes; the server's jute.maxbuffer): larger documents are chunked. */
  maxNodeSize: number;
}

export const DEFAULT_ZK_TUNING: ZkTuning = {
  timeoutMs: 10_000,
  sessionTimeoutMs: 10_000,
  connectionTimeoutMs: 10_000,
  maxVersions: 50,
  compression: true,
  compressionThreshold: 64 * 1024,
  maxNodeSize: 1024 * 1024,
};

export class ZkFlagError extends Error {
  readonly code = 'MVN_ERR_ZK_FLAG';
  constructor(message: string) {
    super(message);
    this.name = 'ZkFlagError';
  }
}

interface IntFlag { flag: string; key: Exclude<keyof ZkTuning, 'compression'>; arg: string; help: string; min: number; max: number }

const INT_FLAGS: IntFlag[] = [
  { flag: 'zk_timeout', key: 'timeoutMs', arg: 'ms', help: 'deadline of one ZooKeeper operation; writes answer 503 after it', min: 100, max: 600_000 },
  { flag: 'zk_session_timeout', key: 'sessionTimeoutMs', arg: 'ms', help: 'ZooKeeper session timeout (a crashed leader is replaced after it)', min: 1000, max: 600_000 },
  { flag: 'zk_connection_timeout', key: 'connectionTimeoutMs', arg: 'ms', help: 'how long start-up waits for ZooKeeper', min: 100, max: 600_000 },
  { flag: 'zk_max_versions', key: 'maxVersions', arg: 'n', help: 'app versions kept per app', min: 1, max: 10_000 },
  { flag: 'zk_compression_threshold', key: 'compressionThreshold', arg: 'bytes', help: 'gzip documents larger than this', min: 0, max: 1 << 30 },
  { flag: 'zk_max_node_size', key: 'maxNodeSize', arg: 'bytes', help: 'largest ZooKeeper node (jute.maxbuffer); larger documents are chunked', min: 16 * 1024, max: 1 << 30 },
];

const dash = (flag: string): string => flag.replace(/_/g, '-');
const camel = (flag: string): string => flag.replace(/[_-]([a-z])/g, (_m, c: string) => c.toUpperCase());

/** Adds the zk_* flags (and their dash spellings, hidden) to `serve`. */
export function addZkFlags(cmd: Command): Command {
  for (const d of INT_FLAGS) {
    cmd.addOption(new Option(`--${d.flag} <${d.arg}>`, `${d.help} (default: ${DEFAULT_ZK_TUNING[d.key]})`));
    cmd.addOption(new Option(`--${dash(d.flag)} <${d.arg}>`).hideHelp());
  }
  cmd.addOption(new Option('--zk_compression', 'gzip large ZooKeeper documents (default)'));
  cmd.addOption(new Option('--disable_zk_compression', 'store documents uncompressed (chunked above --zk_max_node_size)'));
  cmd.addOption(new Option('--zk-compression').hideHelp());
  cmd.addOption(new Option('--disable-zk-compression').hideHelp());
  return cmd;
}

function lookup(values: Record<string, unknown>, flag: string): unknown {
  return values[flag] ?? values[camel(flag)];
}

/** commander values (either spelling) → ZkTuning; ZkFlagError on a bad value. */
export function zkTuningFromFlags(values: Record<string, unknown>): ZkTuning {
  const t: ZkTuning = { ...DEFAULT_ZK_TUNING };
  for (const d of INT_FLAGS) {
    const v = lookup(values, d.flag);
    if (v === undefined) continue;
    const text = String(v).trim();
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < d.min || n > d.max) throw new ZkFlagError(`--${d.flag} ${String(v)}: expected an integer from ${d.min} to ${d.max}`);
    t[d.key] = n;
  }
  const on = lookup(values, 'zk_compression') === true;
  const off = lookup(values, 'disable_zk_compression') === true;
  if (on && off) throw new ZkFlagError('--zk_compression and --disable_zk_compression contradict each other');
  if (off) t.compression = false;
  return t;
}

/** Store options for openStore(url, …). */
export function zkStoreOptions(t: ZkTuning): OpenStoreOptions {
  return {
    operationTimeoutMs: t.timeoutMs,
    sessionTimeoutMs: t.sessionTimeoutMs,
    connectTimeoutMs: t.connectionTimeoutMs,
    // A quorum outage answers well within zk_timeout, while a ZooKeeper leader change (under a
    // second) stays invisible.
    failFastAfterMs: Math.min(t.timeoutMs, 4000),
    maxVersions: t.maxVersions,
    compressionThreshold: t.compression ? t.compressionThreshold : Number.POSITIVE_INFINITY,
    maxNodeSize: t.maxNodeSize,
  };
}

/** Election options (besides the candidate id) for openLeaderElection(url, …). */
export function zkElectionOptions(t: ZkTuning): Omit<OpenElectionOptions, 'id'> {
  return { sessionTimeoutMs: t.sessionTimeoutMs, operationTimeoutMs: t.timeoutMs, connectTimeoutMs: t.connectionTimeoutMs };
}

/** The zookeeper_config object of /v2/info. */
export function zookeeperConfig(zk: string | null, t: ZkTuning): Record<string, string | number | boolean | null> {
  return {
    zk,
    zk_compression: t.compression,
    zk_compression_threshold: t.compressionThreshold,
    zk_connection_timeout: t.connectionTimeoutMs,
    zk_max_node_size: t.maxNodeSize,
    zk_max_versions: t.maxVersions,
    zk_session_timeout: t.sessionTimeoutMs,
    zk_timeout: t.timeoutMs,
  };
}
