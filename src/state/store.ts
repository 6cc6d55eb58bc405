// The state seam. Its consumers (api/, scheduler/, network/) declare what they need; the
// implementations (memory-store.ts, file-store.ts, zk-store.ts) store opaque JSON documents and
// know nothing about app shapes.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface StoredApp {
  id: string;
  /** The current (newest) version. */
  version: string;
  definition: Json;
}

export interface StoredInstance {
  appId: string;
  instanceId: string;
  data: Json;
}

export interface StoredDeployment {
  id: string;
  data: Json;
}

/** A group's own record (versions, dependencies, enforceRole, kept while empty); the app tree is not in it. */
export interface StoredGroup {
  id: string;
  data: Json;
}

export interface AddressClaim {
  network: string;
  address: string;
  holder: Json;
}

export type ClaimResult = { ok: true } | { ok: false; holder: Json };

/** One change inside `transaction()`. All ops of one transaction apply together or not at all. */
export type StoreOp =
  | { op: 'setFrameworkId'; frameworkId: string }
  /** The layout version of the stored documents (storage-version.ts). */
  | { op: 'setStorageVersion'; version: number }
  | { op: 'putApp'; id: string; version: string; definition: Json }
  | { op: 'deleteApp'; id: string }
  | { op: 'putInstance'; appId: string; instanceId: string; data: Json }
  | { op: 'deleteInstance'; appId: string; instanceId: string }
  | { op: 'putDeployment'; id: string; data: Json }
  | { op: 'deleteDeployment'; id: string }
  | { op: 'putGroup'; id: string; data: Json }
  | { op: 'deleteGroup'; id: string }
  /** Fails the whole transaction with AddressHeldError when another holder has the address. */
  | { op: 'claimAddress'; network: string; address: string; holder: Json }
  /** With `holder`, only that holder's claim is released (AddressHeldError otherwise). */
  | { op: 'releaseAddress'; network: string; address: string; holder?: Json };

export interface StoreCounters {
  /** Read requests sent to the backing store (cache hits are not counted). */
  reads: number;
  /** Write requests sent to the backing store (one ZooKeeper multi counts once). */
  writes: number;
}

export interface StateStore {
  /** The layout version the state was written in; undefined for state written before versions. */
  getStorageVersion(): Promise<number | undefined>;
  getFrameworkId(): Promise<string | undefined>;
  setFrameworkId(frameworkId: string): Promise<void>;

  /** Current version of every app. */
  listApps(): Promise<StoredApp[]>;
  getApp(id: string): Promise<StoredApp | undefined>;
  /** Adds `version` (or moves an existing one to the top) and makes it current; prunes the oldest beyond maxVersions. */
  putApp(id: string, version: string, definition: Json): Promise<void>;
  /** Stored versions, oldest first (the last one is current). Empty for an unknown app. */
  listAppVersions(id: string): Promise<string[]>;
  getAppVersion(id: string, version: string): Promise<Json | undefined>;
  /** Removes the app and all its versions. Unknown app: no-op. */
  deleteApp(id: string): Promise<void>;

  listInstances(appId?: string): Promise<StoredInstance[]>;
  putInstance(appId: string, instanceId: string, data: Json): Promise<void>;
  deleteInstance(appId: string, instanceId: string): Promise<void>;

  /** Group records (absent in states written before they existed: then none). */
  listGroups(): Promise<StoredGroup[]>;

  listDeployments(): Promise<StoredDeployment[]>;
  putDeployment(id: string, data: Json): Promise<void>;
  deleteDeployment(id: string): Promise<void>;

  /**
   * Exclusive claim of one address on one network across every store sharing the backend.
   * Claiming again with an equal holder (deep JSON equality) is ok (idempotent).
   */
  claimAddress(network: string, address: string, holder: Json): Promise<ClaimResult>;
  /** Unknown claim: no-op. With `holder`, refuses (AddressHeldError) to release someone else's claim. */
  releaseAddress(network: string, address: string, holder?: Json): Promise<void>;
  listClaims(): Promise<AddressClaim[]>;

  transaction(ops: StoreOp[]): Promise<void>;

  counters(): StoreCounters;
  close(): Promise<void>;

  // An optional capability of stores several serve instances share (zk-store.ts); the leadership
  // controller (src/runtime/leadership.ts) uses it when present. Single-instance stores lack it.

  /**
   * Fencing: from now on every write fails (StoreFencedError, nothing applied) once `node` (the
   * election's node that exists exactly while this instance may lead) is gone. Set on each
   * election; undefined turns fencing off.
   */
  fenceWith?(node: string | undefined): void;
  /** Re-reads the whole state from the backend, so a new leader misses nothing a predecessor wrote. */
  refresh?(): Promise<void>;
}

/** Base class: every state error carries a stable code. */
export class StoreError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The backend cannot be reached (ZooKeeper quorum lost, store closed): the API answers 503. Nothing was applied. */
export class StoreUnavailableError extends StoreError {
  constructor(message: string, code = 'MVN_ERR_STORE_UNAVAILABLE') {
    super(code, message);
  }
}

/**
 * A request was sent but no answer came within the deadline: its outcome is unknown.
 * A kind of unavailability (API: 503), so `instanceof StoreUnavailableError` holds.
 */
export class StoreTimeoutError extends StoreUnavailableError {
  constructor(message: string) {
    super(message, 'MVN_ERR_STORE_TIMEOUT');
  }
}

/**
 * The write carried a fence (this instance's leader znode) that no longer exists: leadership was
 * lost, so nothing was applied. A kind of unavailability (API: 503, the new leader answers).
 */
export class StoreFencedError extends StoreUnavailableError {
  constructor(message: string) {
    super(message, 'MVN_ERR_STORE_FENCED');
  }
}

/** Concurrent writers kept changing the same documents; retrying the request may succeed. */
export class StoreConflictError extends StoreError {
  constructor(message: string, code = 'MVN_ERR_STORE_CONFLICT') {
    super(code, message);
  }
}

/** The address is claimed by another holder (carried in `holder`). */
export class AddressHeldError extends StoreConflictError {
  readonly network: string;
  readonly address: string;
  readonly holder: Json;
  constructor(network: string, address: string, holder: Json) {
    super(`address ${address} on ${network} is held by ${JSON.stringify(holder)}`, 'MVN_ERR_ADDRESS_HELD');
    this.network = network;
    this.address = address;
    this.holder = holder;
  }
}

/** Bad input to the store itself (empty id, unsupported store URL, value that cannot be stored). */
export class StoreInvalidError extends StoreError {
  constructor(message: string) {
    super('MVN_ERR_STORE_INVALID', message);
  }
}
