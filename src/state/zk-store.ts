// ZooKeeper StateStore (production). Layout under the chroot of the --zk URL (DESIGN §6):
//
//   <root>/state/storage-version          { version } (storage-version.ts)
//   <root>/state/framework-id
//   <root>/state/apps/<app>                 { id, versions } (current = last)
//   <root>/state/apps/<app>/<version>       definition of that version
//   <root>/state/instances/<app>/<instance>
//   <root>/state/deployments/<id>
//   <root>/state/groups/<group>            group record (versions, dependencies, enforceRole, kept empty);
//                                           created at open when a state from before lacks it
//   <root>/state/ipam/<network>/<address>   { holder }: created, never overwritten, so of two
//                                           racing claims exactly one create succeeds
//   <root>/blobs/<blob>/<chunk>             chunks of documents too large for one node
//   <root>/leader                           election candidates (leader-election.ts)
//
// Names are key-codec segments. Every transaction is one multi (all or nothing) built from the
// document changes documents.planTransaction computes over the mirrored state, with the
// expected node versions, so a stale mirror makes the multi fail instead of overwriting: the
// touched nodes are then re-read and the transaction re-planned (AddressHeldError comes out of
// that re-plan when another store won a claim).
//
// Reads come from a watched mirror of <root>/state (zk-mirror.ts). Writes have one deadline
// (operationTimeoutMs) for everything they send. Without a connection they fail with
// StoreUnavailableError at the deadline; a write whose answer was lost is verified against the
// re-read nodes and either reported done, retried, or reported as StoreTimeoutError.

import { randomBytes } from 'node:crypto';
import * as zookeeper from 'node-zookeeper-client';
import { DEFAULT_MAX_VERSIONS, DocChange, DocKey, DocView, TOP_LEVEL, planTransaction } from './documents';
import { DocumentStore } from './document-store';
import { decodeSegment, encodeSegment } from './key-codec';
import {
  DEFAULT_NODE_LIMITS,
  NodeLimits,
  chunkName,
  chunkSize,
  encodeManifest,
  encodePayload,
  parseManifest,
  planSpill,
  sha256,
  splitChunks,
} from './node-codec';
import { StoreConflictError, StoreFencedError, StoreOp, StoreTimeoutError, StoreUnavailableError } from './store';
import { ZkMirror } from './zk-mirror';
import { ZkRequestError, ZkSession } from './zk-session';
import { ZkUrl, parseZkUrl, redact } from './zk-url';

export interface ZkStoreOptions {
  /** zk_max_versions. Default 50. */
  maxVersions?: number;
  /** zk_timeout: deadline of one store write, waiting for a connection included. Default 10 000 ms. */
  operationTimeoutMs?: number;
  /** zk_session_timeout. Default 10 000 ms. */
  sessionTimeoutMs?: number;
  /** zk_connection_timeout: how long open() waits for ZooKeeper. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** After this long without a connection, writes fail at once. Default min(operationTimeoutMs, 4000). */
  failFastAfterMs?: number;
  /** zk_compression_threshold. Default 64 KiB. */
  compressionThreshold?: number;
  /** zk_max_node_size (the server's jute.maxbuffer). Default 1 MiB. */
  maxNodeSize?: number;
  /** Unreferenced blobs older than this are removed at open. Default 10 min. */
  blobGcAgeMs?: number;
  /** How often a mirror that may have missed a watch is re-read. Default 5 000 ms. */
  resyncIntervalMs?: number;
  onWarning?: (message: string) => void;
}

type ZkOp =
  | { type: 'create'; path: string; data: Buffer; payload: Buffer | undefined }
  | { type: 'set'; path: string; data: Buffer; version: number; payload: Buffer | undefined }
  | { type: 'remove'; path: string; version: number };

interface WritePlan {
  /** Blob chunk nodes to create before the multi: [blob dir, chunks…] per blob. */
  blobs: Array<{ dir: string; chunks: Buffer[] }>;
  ops: ZkOp[];
  /** Every node whose state the multi decides (for re-reads after a failure). */
  touched: Set<string>;
}

const RETRYABLE = new Set([
  zookeeper.Exception.NODE_EXISTS,
  zookeeper.Exception.NO_NODE,
  zookeeper.Exception.BAD_VERSION,
  zookeeper.Exception.NOT_EMPTY,
]);
const MAX_ATTEMPTS = 8;

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/')) || '/';
}

function depth(path: string): number {
  return path.split('/').length;
}

export interface ZkPaths {
  root: string;
  state: string;
  blobs: string;
  leader: string;
}

export function zkPaths(root: string): ZkPaths {
  return { root, state: `${root}/state`, blobs: `${root}/blobs`, leader: `${root}/leader` };
}

export function zkAcl(url: ZkUrl): zookeeper.ACL[] {
  return url.auth
    ? [new zookeeper.ACL(zookeeper.Permission.ALL, new zookeeper.Id('auth', ''))]
    : [new zookeeper.ACL(zookeeper.Permission.ALL, new zookeeper.Id('world', 'anyone'))];
}

/** Creates `path` and its missing ancestors (persistent, empty), tolerating concurrent creators. */
export async function ensureZkPath(session: ZkSession, path: string, acl: zookeeper.ACL[], deadline?: number): Promise<void> {
  const segments = path.split('/').filter((s) => s.length > 0);
  let current = '';
  for (const s of segments) {
    current += `/${s}`;
    const target = current;
    await session.request<void>(
      'write',
      `create ${target}`,
      (client, resolve, reject) =>
        client.create(target, Buffer.alloc(0), acl, zookeeper.CreateMode.PERSISTENT, (err) => {
          if (err && (err as { code?: number }).code !== zookeeper.Exception.NODE_EXISTS) reject(err);
          else resolve();
        }),
      deadline,
    );
  }
}

export class ZkStore extends DocumentStore {
  readonly paths: ZkPaths;
  private readonly mirror: ZkMirror;
  private readonly limits: NodeLimits;
  private readonly maxVersions: number;
  private readonly acl: zookeeper.ACL[];
  private resyncing: Promise<void> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private fence: string | undefined;

  private constructor(
    /** The store's ZooKeeper session (diagnostics, tests). */
    readonly session: ZkSession,
    readonly url: ZkUrl,
    private readonly options: ZkStoreOptions,
  ) {
    super();
    this.paths = zkPaths(url.path);
    this.limits = {
      compressionThreshold: options.compressionThreshold ?? DEFAULT_NODE_LIMITS.compressionThreshold,
      maxNodeSize: options.maxNodeSize ?? DEFAULT_NODE_LIMITS.maxNodeSize,
    };
    this.maxVersions = options.maxVersions ?? DEFAULT_MAX_VERSIONS;
    this.acl = zkAcl(url);
    this.mirror = new ZkMirror(session, this.paths.state, { blobRoot: this.paths.blobs, onWarning: options.onWarning });
  }

  /** Connects, creates the layout, loads the mirror. StoreUnavailableError when ZooKeeper cannot be reached in time. */
  static async open(url: string | ZkUrl, options: ZkStoreOptions = {}): Promise<ZkStore> {
    const parsed = typeof url === 'string' ? parseZkUrl(url) : url;
    const session = new ZkSession({
      connectString: parsed.connectString,
      auth: parsed.auth,
      sessionTimeoutMs: options.sessionTimeoutMs,
      operationTimeoutMs: options.operationTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
      failFastAfterMs: options.failFastAfterMs,
    });
    await session.open();
    const store = new ZkStore(session, parsed, options);
    try {
      const deadline = Date.now() + session.operationTimeoutMs;
      for (const top of TOP_LEVEL) await ensureZkPath(session, `${store.paths.state}/${top}`, store.acl, deadline);
      await ensureZkPath(session, store.paths.blobs, store.acl, deadline);
      await store.mirror.sync(Date.now() + session.operationTimeoutMs);
      await store.sweepBlobs(options.blobGcAgeMs ?? 10 * 60_000).catch((err) => options.onWarning?.(`blob sweep: ${(err as Error).message}`));
    } catch (err) {
      await store.close();
      if (err instanceof ZkRequestError && err.is(zookeeper.Exception.NO_AUTH)) {
        throw new StoreUnavailableError(`ZooKeeper refused access to ${redact(parsed.path)} (check the credentials in the --zk URL)`);
      }
      throw err;
    }
    session.on('connected', (newSession: boolean) => {
      if (newSession || store.mirror.dirty) store.resync();
    });
    store.resyncTimer = setInterval(() => {
      if (store.mirror.dirty && session.isConnected) store.resync();
    }, options.resyncIntervalMs ?? 5000);
    store.resyncTimer.unref();
    return store;
  }

  /** Whether the session is connected to a serving member right now. */
  get connected(): boolean {
    return this.session.isConnected;
  }

  /**
   * Fencing: from now on every multi first checks that `node` (this instance's leader candidate
   * znode, an ephemeral one) exists, so a write still in flight when leadership is lost (session
   * expired, abdicated) cannot land after a successor took over; it fails with StoreFencedError.
   * Set on each election (the node changes); undefined turns fencing off.
   */
  fenceWith(node: string | undefined): void {
    this.fence = node;
  }

  /** The node writes are fenced with, if any. */
  get fencingNode(): string | undefined {
    return this.fence;
  }

  /** Re-reads everything from ZooKeeper (e.g. on gaining leadership). */
  async refresh(): Promise<void> {
    await this.mirror.sync(Date.now() + this.session.operationTimeoutMs);
  }

  private resync(): void {
    if (this.resyncing || this.closed) return;
    this.resyncing = this.mirror
      .sync(Date.now() + this.session.operationTimeoutMs)
      .catch((err) => this.options.onWarning?.(`state resync failed: ${(err as Error).message}`))
      .finally(() => {
        this.resyncing = undefined;
      });
  }

  protected view(): DocView {
    return {
      get: (key) => this.mirror.value(this.pathOf(key)),
      children: (key) => {
        const node = this.mirror.get(this.pathOf(key));
        if (!node) return [];
        const names: string[] = [];
        for (const c of node.children) {
          try {
            names.push(decodeSegment(c));
          } catch {
            // not ours
          }
        }
        return names.sort();
      },
    };
  }

  private pathOf(key: DocKey): string {
    return key.length === 0 ? this.paths.state : `${this.paths.state}/${key.map((k) => encodeSegment(k)).join('/')}`;
  }

  protected async commit(ops: readonly StoreOp[]): Promise<void> {
    const deadline = Date.now() + this.session.operationTimeoutMs;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const changes = planTransaction(this.view(), ops, { maxVersions: this.maxVersions });
      if (changes.length === 0) return;
      const plan = this.planWrite(changes);
      let outcome: 'done' | 'retry';
      try {
        outcome = await this.execute(plan, deadline);
      } catch (err) {
        if (err instanceof ZkRequestError && err.is(zookeeper.Exception.NO_AUTH)) {
          throw new StoreUnavailableError('ZooKeeper refused the write (ACL): check the credentials in the --zk URL');
        }
        throw err;
      }
      if (outcome === 'done') return;
    }
    throw new StoreConflictError(`state changed concurrently ${MAX_ATTEMPTS} times; giving up`);
  }

  /** Runs one planned write: 'done', 'retry' (lost a race; mirror refreshed) or throws. */
  private async execute(plan: WritePlan, deadline: number): Promise<'done' | 'retry'> {
    try {
      await this.writeBlobs(plan, deadline);
      await this.multi(plan, deadline);
      this.watchCreated(plan);
      return 'done';
    } catch (err) {
      if (err instanceof StoreFencedError) {
        await this.dropBlobs(plan, deadline);
        throw err;
      }
      const answered = err instanceof ZkRequestError && !err.connectionLost;
      if (answered && RETRYABLE.has(err.zkCode)) {
        await this.dropBlobs(plan, deadline);
        await this.mirror.refresh(this.refreshSet(plan), deadline);
        return 'retry';
      }
      const unknown = err instanceof StoreTimeoutError || (err instanceof ZkRequestError && err.connectionLost);
      if (!unknown) {
        if (answered) await this.dropBlobs(plan, deadline);
        throw err;
      }
      // Sent, but the answer was lost: look at what ZooKeeper has now.
      try {
        await this.mirror.refresh(this.refreshSet(plan), deadline);
      } catch {
        throw new StoreTimeoutError('ZooKeeper became unavailable during a write; its outcome is unknown');
      }
      if (this.applied(plan)) return 'done';
      await this.dropBlobs(plan, deadline);
      return 'retry';
    }
  }

  /**
   * ZooKeeper cannot set a watch with a create, so nodes we created are read once (in the
   * background) to arm their watches; otherwise other writers' changes to them would be missed.
   */
  private watchCreated(plan: WritePlan): void {
    const created = plan.ops.filter((op) => op.type === 'create').map((op) => op.path);
    if (created.length === 0) return;
    this.mirror.refresh(created).catch(() => {
      this.mirror.dirty = true;
    });
  }

  private refreshSet(plan: WritePlan): Set<string> {
    const out = new Set<string>();
    for (const p of plan.touched) {
      out.add(p);
      out.add(parentOf(p));
    }
    return out;
  }

  /** Whether the mirror (just re-read) shows every effect of the plan. */
  private applied(plan: WritePlan): boolean {
    return plan.ops.every((op) => {
      const node = this.mirror.get(op.path);
      return op.type === 'remove' ? node === undefined : node !== undefined && node.data.equals(op.data);
    });
  }

  /** Turns document changes into one multi (+ blobs to write first), against the mirror. */
  private planWrite(changes: readonly DocChange[]): WritePlan {
    const removes = new Map<string, number>();
    const blobRemoves = new Set<string>();
    const writes: Array<{ path: string; payload: Buffer }> = [];
    const writePaths = new Set<string>();
    for (const c of changes) if (c.value !== undefined) writePaths.add(this.pathOf(c.key));

    const removeBlobOf = (data: Buffer) => {
      const m = parseManifest(data);
      if (!m) return;
      for (let i = 0; i < m.chunks; i++) blobRemoves.add(`${this.paths.blobs}/${m.blob}/${chunkName(i)}`);
      blobRemoves.add(`${this.paths.blobs}/${m.blob}`);
    };

    for (const c of changes) {
      const path = this.pathOf(c.key);
      if (c.value === undefined) {
        const node = this.mirror.get(path);
        if (!node) continue;
        for (const d of [...this.mirror.descendants(path), path]) {
          if (writePaths.has(d)) continue;
          const dn = this.mirror.get(d);
          if (!dn) continue;
          removes.set(d, dn.version);
          removeBlobOf(dn.data);
        }
      } else {
        writes.push({ path, payload: encodePayload(c.value, this.limits) });
      }
    }

    // Containers (instances/<app>, ipam/<network>) emptied by this transaction go too.
    const creates = new Set(writes.map((w) => w.path));
    for (const removed of [...removes.keys()]) {
      const parent = parentOf(removed);
      const parentNode = this.mirror.get(parent);
      if (!parentNode || parentNode.data.length > 0 || depth(parent) <= depth(this.paths.state) + 1) continue;
      if (removes.has(parent)) continue;
      const left = [...parentNode.children].some((c) => !removes.has(`${parent}/${c}`));
      const incoming = [...creates].some((p) => parentOf(p) === parent);
      if (!left && !incoming) removes.set(parent, parentNode.version);
    }

    const spill = planSpill(
      writes.map((w) => ({ bytes: w.payload.length, overhead: Buffer.byteLength(w.path) + 64 })),
      this.limits,
    );
    const blobs: WritePlan['blobs'] = [];
    const ops: ZkOp[] = [];
    const containerCreates: ZkOp[] = [];
    const planned = new Set<string>();
    const dataOps: ZkOp[] = [];

    writes.forEach((w, i) => {
      let data = w.payload;
      if (spill.has(i)) {
        const blob = randomBytes(12).toString('hex');
        const chunks = splitChunks(w.payload, chunkSize(this.limits));
        blobs.push({ dir: `${this.paths.blobs}/${blob}`, chunks });
        data = encodeManifest({ blob, chunks: chunks.length, bytes: w.payload.length, sha256: sha256(w.payload) });
      }
      const node = removes.has(w.path) ? undefined : this.mirror.get(w.path);
      if (node) {
        removeBlobOf(node.data);
        dataOps.push({ type: 'set', path: w.path, data, version: node.version, payload: w.payload });
        return;
      }
      // Missing ancestors become containers, created before the document.
      for (let a = parentOf(w.path); depth(a) > depth(this.paths.state); a = parentOf(a)) {
        if (planned.has(a) || creates.has(a)) continue;
        if (this.mirror.get(a) && !removes.has(a)) continue;
        if (removes.has(a)) removes.delete(a);
        planned.add(a);
        containerCreates.push({ type: 'create', path: a, data: Buffer.alloc(0), payload: undefined });
      }
      dataOps.push({ type: 'create', path: w.path, data, payload: w.payload });
    });

    const removeOps: ZkOp[] = [...removes.entries()]
      .sort((a, b) => depth(b[0]) - depth(a[0]))
      .map(([path, version]) => ({ type: 'remove', path, version }));
    const blobOps: ZkOp[] = [...blobRemoves].sort((a, b) => depth(b) - depth(a)).map((path) => ({ type: 'remove', path, version: -1 }));
    const createsAndSets = [...containerCreates, ...dataOps].sort((a, b) => depth(a.path) - depth(b.path));
    ops.push(...removeOps, ...createsAndSets, ...blobOps);

    const touched = new Set<string>(ops.filter((o) => !o.path.startsWith(this.paths.blobs + '/')).map((o) => o.path));
    return { blobs, ops, touched };
  }

  private async writeBlobs(plan: WritePlan, deadline: number): Promise<void> {
    for (const blob of plan.blobs) {
      await this.create(blob.dir, Buffer.alloc(0), deadline);
      await Promise.all(blob.chunks.map((chunk, i) => this.create(`${blob.dir}/${chunkName(i)}`, chunk, deadline)));
    }
  }

  private create(path: string, data: Buffer, deadline: number): Promise<void> {
    return this.session.request<void>(
      'write',
      `create ${path}`,
      (client, resolve, reject) =>
        client.create(path, data, this.acl, zookeeper.CreateMode.PERSISTENT, (err) => (err ? reject(err) : resolve())),
      deadline,
    );
  }

  /** Best effort: blobs written for a multi that did not happen. */
  private async dropBlobs(plan: WritePlan, deadline: number): Promise<void> {
    for (const blob of plan.blobs) {
      const paths = [...blob.chunks.map((_, i) => `${blob.dir}/${chunkName(i)}`), blob.dir];
      for (const p of paths) {
        await this.session
          .request<void>('write', `remove ${p}`, (client, resolve, reject) => client.remove(p, -1, (err) => (err ? reject(err) : resolve())), deadline)
          .catch(() => undefined);
      }
    }
  }

  private multi(plan: WritePlan, deadline: number): Promise<void> {
    return this.session.request<void>(
      'write',
      'multi',
      (client, resolve, reject) => {
        const t = client.transaction();
        const fence = this.fence;
        if (fence !== undefined) t.check(fence, -1);
        const first = fence === undefined ? 0 : 1;
        for (const op of plan.ops) {
          if (op.type === 'create') t.create(op.path, op.data, this.acl, zookeeper.CreateMode.PERSISTENT);
          else if (op.type === 'set') t.setData(op.path, op.data, op.version);
          else t.remove(op.path, op.version);
        }
        t.commit((err, results: Array<{ stat?: { version: number }; err?: number }> | undefined) => {
          if (err) {
            // A failed multi answers one error result per op: the first non-zero one is the cause.
            if (fence !== undefined && (results?.[0]?.err ?? 0) !== 0) {
              reject(new StoreFencedError(`not the leader any more (leader node ${fence} is gone): write refused`));
              return;
            }
            reject(err);
            return;
          }
          // Applied here, synchronously, so the mirror sees our write in the server's order.
          plan.ops.forEach((op, i) => {
            if (op.type === 'remove') {
              if (!op.path.startsWith(this.paths.blobs + '/')) this.mirror.removeLocal(op.path);
            } else {
              const version = op.type === 'set' ? (results?.[first + i]?.stat?.version ?? op.version + 1) : 0;
              this.mirror.putLocal(op.path, op.data, version, op.payload);
            }
          });
          resolve();
        });
      },
      deadline,
    );
  }

  /** Removes blobs no document references that are older than `minAgeMs`. Returns how many. */
  async sweepBlobs(minAgeMs: number): Promise<number> {
    const deadline = Date.now() + this.session.operationTimeoutMs;
    const names = await this.session.request<string[]>(
      'read',
      `getChildren ${this.paths.blobs}`,
      (client, resolve, reject) => client.getChildren(this.paths.blobs, (err, children) => (err ? reject(err) : resolve(children))),
      deadline,
    );
    const referenced = this.mirror.referencedBlobs();
    let removed = 0;
    for (const name of names) {
      if (referenced.has(name)) continue;
      const dir = `${this.paths.blobs}/${name}`;
      const info = await this.session.request<{ ctime: number; children: string[] }>(
        'read',
        `getChildren ${dir}`,
        (client, resolve, reject) =>
          client.getChildren(dir, (err, children, stat) => (err ? reject(err) : resolve({ ctime: Number(stat.ctime.readBigInt64BE(0)), children }))),
        deadline,
      );
      if (Date.now() - info.ctime < minAgeMs) continue;
      // Referenced since the mirror was read? Then it is no orphan.
      if (this.mirror.referencedBlobs().has(name)) continue;
      const t = [...info.children.map((c) => `${dir}/${c}`), dir];
      await this.session.request<void>(
        'write',
        `remove blob ${name}`,
        (client, resolve, reject) => {
          const tx = client.transaction();
          for (const p of t) tx.remove(p, -1);
          tx.commit((err) => (err ? reject(err) : resolve()));
        },
        deadline,
      );
      removed++;
    }
    return removed;
  }

  override counters(): { reads: number; writes: number } {
    return { ...this.session.counts };
  }

  protected async shutdown(): Promise<void> {
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.mirror.close();
    await this.session.close();
  }
}
