// The logical layout of the state as a tree of JSON documents, and the pure core shared by every
// store: reads over a `DocView`, and `planTransaction` turning StoreOps into document changes.
// Stores differ only in how they persist the changes (memory, files, ZooKeeper multi).
//
//   ['storage-version']                 { version }: absent in state written before versions
//   ['framework-id']                    string
//   ['apps', appId]                     AppMeta: { id, versions: oldest → newest (current) }
//   ['apps', appId, version]            the definition of that version
//   ['instances', appId, instanceId]    instance document
//   ['deployments', deploymentId]       deployment document
//   ['groups', groupId]                 group record (added later: a state without it has none)
//   ['ipam', network, address]          { holder }

import {
  AddressClaim,
  AddressHeldError,
  Json,
  StoreInvalidError,
  StoreOp,
  StoredApp,
  StoredDeployment,
  StoredGroup,
  StoredInstance,
} from './store';

export type DocKey = readonly string[];

export interface DocView {
  get(key: DocKey): Json | undefined;
  /** Names of the direct children of `key` (documents or containers), sorted. */
  children(key: DocKey): string[];
  /** True when get() returns a fresh copy each time (the caller may keep and change it). */
  readonly copies?: boolean;
  /** Whether the document at `key` equals `value` (when the view can tell more cheaply than get()). */
  holds?(key: DocKey, value: Json): boolean;
}

/** `value: undefined` deletes the document. */
export interface DocChange {
  key: DocKey;
  value: Json | undefined;
}

export const DEFAULT_MAX_VERSIONS = 50;

export const docKeys = {
  storageVersion: (): DocKey => ['storage-version'],
  frameworkId: (): DocKey => ['framework-id'],
  apps: (): DocKey => ['apps'],
  appMeta: (id: string): DocKey => ['apps', id],
  appVersion: (id: string, version: string): DocKey => ['apps', id, version],
  instanceApps: (): DocKey => ['instances'],
  instancesOf: (appId: string): DocKey => ['instances', appId],
  instance: (appId: string, instanceId: string): DocKey => ['instances', appId, instanceId],
  deployments: (): DocKey => ['deployments'],
  deployment: (id: string): DocKey => ['deployments', id],
  groups: (): DocKey => ['groups'],
  group: (id: string): DocKey => ['groups', id],
  networks: (): DocKey => ['ipam'],
  claimsOn: (network: string): DocKey => ['ipam', network],
  claim: (network: string, address: string): DocKey => ['ipam', network, address],
};

export const TOP_LEVEL = ['apps', 'instances', 'deployments', 'ipam', 'groups'] as const;

interface AppMeta {
  id: string;
  versions: string[];
}

function asAppMeta(value: Json | undefined): AppMeta | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { id, versions } = value;
  if (typeof id !== 'string' || !Array.isArray(versions)) return undefined;
  return { id, versions: versions.filter((v): v is string => typeof v === 'string') };
}

function claimHolder(value: Json | undefined): Json | undefined {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return 'holder' in value ? value.holder : undefined;
}

export function keyId(key: DocKey): string {
  return JSON.stringify(key);
}

/** Deep JSON equality, independent of object key order. */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, b[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]));
}

function requireId(what: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0) throw new StoreInvalidError(`${what} must be a non-empty string`);
}

// ---------------------------------------------------------------------------------------------
// Reads

export function readStorageVersion(view: DocView): number | undefined {
  const v = view.get(docKeys.storageVersion());
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  return typeof v.version === 'number' && Number.isInteger(v.version) ? v.version : undefined;
}

export function readFrameworkId(view: DocView): string | undefined {
  const v = view.get(docKeys.frameworkId());
  return typeof v === 'string' ? v : undefined;
}

export function readApp(view: DocView, id: string): StoredApp | undefined {
  const meta = asAppMeta(view.get(docKeys.appMeta(id)));
  const version = meta?.versions[meta.versions.length - 1];
  if (meta === undefined || version === undefined) return undefined;
  const definition = view.get(docKeys.appVersion(id, version));
  if (definition === undefined) return undefined;
  return { id: meta.id, version, definition };
}

export function readApps(view: DocView): StoredApp[] {
  const out: StoredApp[] = [];
  for (const id of view.children(docKeys.apps())) {
    const app = readApp(view, id);
    if (app) out.push(app);
  }
  return out;
}

export function readAppVersions(view: DocView, id: string): string[] {
  return asAppMeta(view.get(docKeys.appMeta(id)))?.versions ?? [];
}

export function readAppVersion(view: DocView, id: string, version: string): Json | undefined {
  if (!readAppVersions(view, id).includes(version)) return undefined;
  return view.get(docKeys.appVersion(id, version));
}

export function readInstances(view: DocView, appId?: string): StoredInstance[] {
  const appIds = appId === undefined ? view.children(docKeys.instanceApps()) : [appId];
  const out: StoredInstance[] = [];
  for (const app of appIds) {
    for (const instanceId of view.children(docKeys.instancesOf(app))) {
      const data = view.get(docKeys.instance(app, instanceId));
      if (data !== undefined) out.push({ appId: app, instanceId, data });
    }
  }
  return out;
}

export function readDeployments(view: DocView): StoredDeployment[] {
  const out: StoredDeployment[] = [];
  for (const id of view.children(docKeys.deployments())) {
    const data = view.get(docKeys.deployment(id));
    if (data !== undefined) out.push({ id, data });
  }
  return out;
}

export function readGroups(view: DocView): StoredGroup[] {
  const out: StoredGroup[] = [];
  for (const id of view.children(docKeys.groups())) {
    const data = view.get(docKeys.group(id));
    if (data !== undefined) out.push({ id, data });
  }
  return out;
}

export function readClaim(view: DocView, network: string, address: string): Json | undefined {
  return claimHolder(view.get(docKeys.claim(network, address)));
}

export function readClaims(view: DocView): AddressClaim[] {
  const out: AddressClaim[] = [];
  for (const network of view.children(docKeys.networks())) {
    for (const address of view.children(docKeys.claimsOn(network))) {
      const holder = readClaim(view, network, address);
      if (holder !== undefined) out.push({ network, address, holder });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writes

/** A view with pending changes laid over it (only `get` is needed while planning). */
class Overlay {
  private readonly pending = new Map<string, DocChange>();
  constructor(private readonly base: DocView) {}
  get(key: DocKey): Json | undefined {
    const change = this.pending.get(keyId(key));
    return change ? change.value : this.base.get(key);
  }
  set(key: DocKey, value: Json | undefined): void {
    const id = keyId(key);
    // Keep first-touch order so parents created earlier stay earlier.
    const existing = this.pending.get(id);
    if (existing) existing.value = value;
    else this.pending.set(id, { key, value });
  }
  /** Net changes only: a key written and then restored to its base value is dropped. */
  changes(): DocChange[] {
    return [...this.pending.values()].filter((c) => {
      if (c.value !== undefined && this.base.holds !== undefined) return !this.base.holds(c.key, c.value);
      const before = this.base.get(c.key);
      return !(c.value === undefined ? before === undefined : jsonEqual(before, c.value));
    });
  }
}

export interface PlanOptions {
  maxVersions: number;
}

/**
 * Applies `ops` in order over `view` and returns the net document changes. Throws
 * AddressHeldError (claim/release of someone else's address) or StoreInvalidError (bad ids);
 * then nothing must be applied.
 */
export function planTransaction(view: DocView, ops: readonly StoreOp[], options: PlanOptions): DocChange[] {
  const maxVersions = Math.max(1, Math.floor(options.maxVersions));
  const o = new Overlay(view);
  for (const op of ops) {
    switch (op.op) {
      case 'setStorageVersion':
        if (!Number.isInteger(op.version) || op.version < 1) throw new StoreInvalidError('storage version must be a positive integer');
        o.set(docKeys.storageVersion(), { version: op.version });
        break;
      case 'setFrameworkId':
        requireId('framework id', op.frameworkId);
        o.set(docKeys.frameworkId(), op.frameworkId);
        break;
      case 'putApp': {
        requireId('app id', op.id);
        requireId('app version', op.version);
        const versions = (asAppMeta(o.get(docKeys.appMeta(op.id)))?.versions ?? []).filter((v) => v !== op.version);
        versions.push(op.version);
        while (versions.length > maxVersions) {
          const pruned = versions.shift() as string;
          o.set(docKeys.appVersion(op.id, pruned), undefined);
        }
        o.set(docKeys.appMeta(op.id), { id: op.id, versions });
        o.set(docKeys.appVersion(op.id, op.version), op.definition);
        break;
      }
      case 'deleteApp': {
        requireId('app id', op.id);
        const meta = asAppMeta(o.get(docKeys.appMeta(op.id)));
        for (const v of meta?.versions ?? []) o.set(docKeys.appVersion(op.id, v), undefined);
        o.set(docKeys.appMeta(op.id), undefined);
        break;
      }
      case 'putInstance':
        requireId('app id', op.appId);
        requireId('instance id', op.instanceId);
        o.set(docKeys.instance(op.appId, op.instanceId), op.data);
        break;
      case 'deleteInstance':
        requireId('app id', op.appId);
        requireId('instance id', op.instanceId);
        o.set(docKeys.instance(op.appId, op.instanceId), undefined);
        break;
      case 'putDeployment':
        requireId('deployment id', op.id);
        o.set(docKeys.deployment(op.id), op.data);
        break;
      case 'deleteDeployment':
        requireId('deployment id', op.id);
        o.set(docKeys.deployment(op.id), undefined);
        break;
      case 'putGroup':
        requireId('group id', op.id);
        o.set(docKeys.group(op.id), op.data);
        break;
      case 'deleteGroup':
        requireId('group id', op.id);
        o.set(docKeys.group(op.id), undefined);
        break;
      case 'claimAddress': {
        requireId('network', op.network);
        requireId('address', op.address);
        const key = docKeys.claim(op.network, op.address);
        const holder = claimHolder(o.get(key));
        if (holder !== undefined && !jsonEqual(holder, op.holder)) throw new AddressHeldError(op.network, op.address, holder);
        if (holder === undefined) o.set(key, { holder: op.holder });
        break;
      }
      case 'releaseAddress': {
        requireId('network', op.network);
        requireId('address', op.address);
        const key = docKeys.claim(op.network, op.address);
        const holder = claimHolder(o.get(key));
        if (holder === undefined) break;
        if (op.holder !== undefined && !jsonEqual(holder, op.holder)) throw new AddressHeldError(op.network, op.address, holder);
        o.set(key, undefined);
        break;
      }
      default: {
        const never: never = op;
        throw new StoreInvalidError(`unknown store op ${JSON.stringify(never)}`);
      }
    }
  }
  return o.changes();
}

// ---------------------------------------------------------------------------------------------
// An in-memory tree of documents (the memory store, and the file store's cache).

interface TreeNode {
  value: Json | undefined;
  /** Absent until the node has a child: most nodes are documents without any (one Map each cost ~350 bytes). */
  children?: Map<string, TreeNode>;
}

export class DocTree implements DocView {
  private readonly root: TreeNode = { value: undefined };

  get(key: DocKey): Json | undefined {
    return this.find(key)?.value;
  }

  children(key: DocKey): string[] {
    const children = this.find(key)?.children;
    return children ? [...children.keys()].sort() : [];
  }

  set(key: DocKey, value: Json | undefined): void {
    if (value === undefined) {
      this.remove(key);
      return;
    }
    let node = this.root;
    for (const segment of key) {
      node.children ??= new Map();
      let next = node.children.get(segment);
      if (!next) {
        next = { value: undefined };
        node.children.set(segment, next);
      }
      node = next;
    }
    node.value = value;
  }

  apply(changes: readonly DocChange[]): void {
    for (const c of changes) this.set(c.key, c.value);
  }

  /** Every document with its key (depth-first). */
  entries(): Array<{ key: DocKey; value: Json }> {
    const out: Array<{ key: DocKey; value: Json }> = [];
    const walk = (node: TreeNode, key: string[]): void => {
      if (node.value !== undefined) out.push({ key, value: node.value });
      for (const [name, child] of node.children ?? []) walk(child, [...key, name]);
    };
    walk(this.root, []);
    return out;
  }

  private find(key: DocKey): TreeNode | undefined {
    let node: TreeNode | undefined = this.root;
    for (const segment of key) {
      node = node.children?.get(segment);
      if (!node) return undefined;
    }
    return node;
  }

  /** Deletes the document; containers left without documents disappear with it. */
  private remove(key: DocKey): void {
    const path: TreeNode[] = [this.root];
    for (const segment of key) {
      const next = path[path.length - 1].children?.get(segment);
      if (!next) return;
      path.push(next);
    }
    path[path.length - 1].value = undefined;
    for (let i = key.length; i > 0; i--) {
      const node = path[i];
      if (node.value !== undefined || (node.children?.size ?? 0) > 0) break;
      const parent = path[i - 1];
      parent.children?.delete(key[i - 1]);
      if (parent.children?.size === 0) parent.children = undefined;
    }
  }
}

/**
 * A tree that keeps every document as its JSON text (the memory store): one flat string per
 * document instead of a second object graph beside the caller's, so a stored copy costs about
 * a third of the memory and nothing to trace for the garbage collector (issue 20). get() parses:
 * every reader gets its own copy. Equality is that of the text (key order included), so
 * rewriting an equal document with its keys in another order counts as a change.
 */
export class JsonDocTree implements DocView {
  readonly copies = true;
  private readonly tree = new DocTree();

  get(key: DocKey): Json | undefined {
    const text = this.tree.get(key);
    return typeof text === 'string' ? (JSON.parse(text) as Json) : undefined;
  }

  children(key: DocKey): string[] {
    return this.tree.children(key);
  }

  /**
   * Texts made by holds() for the changes apply() is about to store (planning asks holds() of
   * every written value right before the apply, in one synchronous step): each document is
   * serialised once per write, not twice.
   */
  private readonly texts = new Map<Json, string>();

  holds(key: DocKey, value: Json): boolean {
    const text = JSON.stringify(value);
    this.texts.set(value, text);
    return this.tree.get(key) === text;
  }

  apply(changes: readonly DocChange[]): void {
    for (const c of changes) this.tree.set(c.key, c.value === undefined ? undefined : this.texts.get(c.value) ?? JSON.stringify(c.value));
    this.texts.clear();
  }
}
