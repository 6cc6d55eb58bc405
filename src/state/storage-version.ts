// Storage versions: the layout of the stored documents is versioned so a release can read what an
// older one wrote. At start-up `serve` calls ensureStorageVersion before it reads anything:
//   - empty state: stamped with the current version;
//   - older state (state written before versions existed counts as version 1): migrated one
//     version at a time, each step one transaction that also stamps its version, so a crash
//     between steps resumes where it stopped;
//   - newer state (written by a later release): refused with StorageVersionError, nothing written,
//     so a downgrade never reads documents it does not understand.
//
// Version history:
//   1  release 0.1.0 (no version document): framework-id, apps/<id>{id, versions},
//      apps/<id>/<version>, instances/<app>/<id>, deployments/<id>, ipam/<network>/<address>
//      (and, since the groups change, optional groups/<id> records: absent ones read as defaults)
//   2  as 1, plus the storage-version document
import { StateStore, StoreError, StoreOp } from './store';

export const STORAGE_VERSION = 2;
/** What state without a version document is: written before versions existed. */
export const UNVERSIONED = 1;

/** The exit status of `serve` when the state is newer than this release (see the README). */
export const STORAGE_VERSION_EXIT_CODE = 3;

export class StorageVersionError extends StoreError {
  readonly exitCode = STORAGE_VERSION_EXIT_CODE;
  constructor(readonly found: number, readonly supported: number, where: string) {
    super('MVN_ERR_STORAGE_VERSION',
      `state ${where} has storage version ${found}, newer than this release supports (${supported}): ` +
      'it was written by a later marathon-vnet; run that release (or a later one), or restore a backup of the state');
  }
}

/** One step: the operations that turn state of version `from` into `from + 1` (read from the store). */
export type Migration = (store: StateStore) => Promise<StoreOp[]>;

/** Keyed by the version they migrate from. */
export const MIGRATIONS: Readonly<Record<number, Migration>> = {
  // 1 → 2: the layout is unchanged; the version document is all that is new.
  1: async () => [],
};

export interface StorageVersionOutcome {
  /** 'empty' for a fresh state. */
  from: number | 'empty';
  to: number;
}

async function isEmpty(store: StateStore): Promise<boolean> {
  return (await store.getFrameworkId()) === undefined
    && (await store.listApps()).length === 0
    && (await store.listInstances()).length === 0
    && (await store.listDeployments()).length === 0
    && (await store.listGroups()).length === 0
    && (await store.listClaims()).length === 0;
}

/**
 * Brings the state to `current`, or throws StorageVersionError (nothing written) when it is newer.
 * `where` names the state in messages (its URL without credentials).
 */
export async function ensureStorageVersion(
  store: StateStore,
  where: string,
  current = STORAGE_VERSION,
  migrations: Readonly<Record<number, Migration>> = MIGRATIONS,
): Promise<StorageVersionOutcome> {
  const stored = await store.getStorageVersion();
  if (stored !== undefined && stored > current) throw new StorageVersionError(stored, current, where);
  if (stored === current) return { from: current, to: current };
  if (stored === undefined && await isEmpty(store)) {
    await store.transaction([{ op: 'setStorageVersion', version: current }]);
    return { from: 'empty', to: current };
  }
  const from = stored ?? UNVERSIONED;
  for (let v = from; v < current; v++) {
    const step = migrations[v];
    if (step === undefined) throw new StoreError('MVN_ERR_STORAGE_VERSION', `no migration from storage version ${v} to ${v + 1}`);
    await store.transaction([...await step(store), { op: 'setStorageVersion', version: v + 1 }]);
  }
  return { from, to: current };
}
