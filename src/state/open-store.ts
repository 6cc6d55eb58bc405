// Entry point for the CLI: a store URL → a StateStore (and the matching leader election).
//   memory:            in-process only (tests)
//   file:DIR           file-store.ts (local mode); file:///abs/dir also accepted
//   zk://…/path        zk-store.ts (production, HA)

import { FileStore, FileStoreOptions } from './file-store';
import { LeaderElection, SingleLeader, ZkLeaderElection } from './leader-election';
import { MemoryStore } from './memory-store';
import { StateStore, StoreInvalidError } from './store';
import { ensureStorageVersion } from './storage-version';
import { ZkStore, ZkStoreOptions } from './zk-store';
import { ZkUrl, parseZkUrl } from './zk-url';
import type { Logger } from '../lib/log';

export type StoreLocation = { kind: 'memory' } | { kind: 'file'; dir: string } | { kind: 'zk'; zk: ZkUrl };

export function parseStoreUrl(url: string): StoreLocation {
  if (url === 'memory:' || url === 'memory://') return { kind: 'memory' };
  if (url.startsWith('zk://')) return { kind: 'zk', zk: parseZkUrl(url) };
  if (url.startsWith('file:')) {
    let dir = url.slice('file:'.length);
    if (dir.startsWith('//')) {
      if (!dir.startsWith('///')) throw new StoreInvalidError(`file URL must not name a host: ${url} (use file:/abs/dir or file:rel/dir)`);
      dir = dir.slice(2);
    }
    if (dir.length === 0) throw new StoreInvalidError('file: URL needs a directory, e.g. file:/var/lib/marathon-vnet');
    if (dir.includes('\0')) throw new StoreInvalidError('file: URL contains a NUL byte');
    return { kind: 'file', dir };
  }
  throw new StoreInvalidError(`unsupported state store URL ${JSON.stringify(url.replace(/\/\/[^@/]*@/, '//***@'))}: use zk://host:port/path, file:DIR or memory:`);
}

export interface OpenStoreOptions extends ZkStoreOptions, FileStoreOptions {}

export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<StateStore> {
  const location = parseStoreUrl(url);
  switch (location.kind) {
    case 'memory':
      return new MemoryStore({ maxVersions: options.maxVersions });
    case 'file':
      return FileStore.open(location.dir, options);
    case 'zk':
      return ZkStore.open(location.zk, options);
  }
}

/**
 * openStore for a process that will read the state (serve): migrates older storage versions and
 * refuses newer ones (StorageVersionError, the store closed again) before anything is read.
 */
export async function openVersionedStore(url: string, options: OpenStoreOptions, log: Pick<Logger, 'info'>): Promise<StateStore> {
  const store = await openStore(url, options);
  try {
    const outcome = await ensureStorageVersion(store, url.replace(/\/\/[^@/]*@/, '//***@'));
    if (outcome.from !== outcome.to) log.info({ storageVersion: outcome }, `state storage version ${outcome.from} → ${outcome.to}`);
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}

export interface OpenElectionOptions {
  /** Our host:port as other instances reach us. */
  id: string;
  sessionTimeoutMs?: number;
  operationTimeoutMs?: number;
  connectTimeoutMs?: number;
  rejoinDelayMs?: number;
}

/** ZooKeeper URL → a started ZkLeaderElection; file:/memory: → a started SingleLeader. */
export async function openLeaderElection(url: string, options: OpenElectionOptions): Promise<LeaderElection> {
  const location = parseStoreUrl(url);
  if (location.kind === 'zk') return ZkLeaderElection.open(url, options);
  const single = new SingleLeader(options.id, options.rejoinDelayMs ?? 0);
  await single.start();
  return single;
}
