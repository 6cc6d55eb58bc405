// A watched in-memory copy of one ZooKeeper subtree (data, version and children of every node),
// so reads never wait for ZooKeeper and keep working while quorum is lost.
//
// Ordering: every change to the copy happens synchronously inside the client library's
// callbacks, which run in the order the server answered; a read answered after a write
// therefore never lands before it, without comparing zxids. Watch events re-read the node and
// re-arm the watch; a read that fails for lack of a connection marks the copy dirty and the
// owner resyncs everything on the next connection (as after a new session, whose watches are
// gone).

import * as zookeeper from 'node-zookeeper-client';
import { Json } from './store';
import { chunkName, decodePayload, joinChunks, parseManifest } from './node-codec';
import { ZkRequestError, ZkSession } from './zk-session';

export interface MirrorNode {
  /** The node's own bytes: empty (container), a payload, or a blob manifest. */
  data: Buffer;
  version: number;
  children: Set<string>;
  /** The document bytes (JSON or gzip), resolved from blob chunks for manifests. */
  payload: Buffer | undefined;
  /** The `data` that `payload` was resolved from. */
  payloadFor?: Buffer;
  /** Memo of decodePayload(payload). */
  decoded?: { payload: Buffer; value: Json };
}

export interface ZkMirrorOptions {
  /** Where blob chunks live (their own subtree, not mirrored: chunks are immutable). */
  blobRoot: string;
  onWarning?: (message: string) => void;
}

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/')) || '/';
}

function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export class ZkMirror {
  private readonly nodes = new Map<string, MirrorNode>();
  /** Set when a watch may have been lost; the owner resyncs on the next connection. */
  dirty = false;
  private closed = false;

  constructor(
    private readonly session: ZkSession,
    readonly root: string,
    private readonly options: ZkMirrorOptions,
  ) {}

  get(path: string): MirrorNode | undefined {
    return this.nodes.get(path);
  }

  /** The document at `path`, or undefined for a missing node, a container or an unreadable one. */
  value(path: string): Json | undefined {
    const node = this.nodes.get(path);
    if (!node || node.data.length === 0 || node.payload === undefined) return undefined;
    if (node.decoded && node.decoded.payload === node.payload) return node.decoded.value;
    try {
      const value = decodePayload(node.payload);
      node.decoded = { payload: node.payload, value };
      return value;
    } catch (err) {
      this.options.onWarning?.(`cannot decode ${path}: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** Paths of every mirrored node under `path` (deepest first), `path` excluded. */
  descendants(path: string): string[] {
    const out: string[] = [];
    const walk = (p: string) => {
      const node = this.nodes.get(p);
      if (!node) return;
      for (const c of node.children) {
        const child = `${p}/${c}`;
        walk(child);
        out.push(child);
      }
    };
    walk(path);
    return out;
  }

  /** Blob ids referenced by mirrored manifests. */
  referencedBlobs(): Set<string> {
    const out = new Set<string>();
    for (const node of this.nodes.values()) {
      const m = safeManifest(node.data);
      if (m) out.add(m.blob);
    }
    return out;
  }

  /** Re-reads the whole subtree, re-arming every watch. */
  async sync(deadline?: number): Promise<void> {
    this.dirty = false;
    try {
      await this.loadTree(this.root, deadline);
    } catch (err) {
      this.dirty = true;
      throw err;
    }
  }

  /** Re-reads these nodes (data and child list; new children fully). */
  async refresh(paths: Iterable<string>, deadline?: number): Promise<void> {
    const unique = [...new Set(paths)].filter((p) => p === this.root || p.startsWith(this.root + '/'));
    await Promise.all(unique.map((p) => this.loadNode(p, false, deadline)));
  }

  close(): void {
    this.closed = true;
  }

  // --- local changes after our own successful writes (called synchronously from the callback)

  putLocal(path: string, data: Buffer, version: number, payload: Buffer | undefined): void {
    const existing = this.nodes.get(path);
    if (existing) {
      existing.data = data;
      existing.version = version;
      existing.payload = payload;
      existing.payloadFor = data;
    } else {
      this.nodes.set(path, { data, version, children: new Set(), payload, payloadFor: data });
      this.nodes.get(parentOf(path))?.children.add(nameOf(path));
    }
  }

  removeLocal(path: string): void {
    this.drop(path);
  }

  // --- reading

  private async loadTree(path: string, deadline?: number): Promise<void> {
    await this.loadNode(path, true, deadline);
  }

  /**
   * Reads data and children of `path` with watches. With `recurse`, every child is loaded too;
   * otherwise only children not mirrored yet.
   */
  private async loadNode(path: string, recurse: boolean, deadline?: number): Promise<void> {
    const [exists, children] = await Promise.all([this.readData(path, deadline), this.readChildren(path, deadline)]);
    if (!exists || children === undefined) return;
    const toLoad = recurse ? children.all : children.added;
    await Promise.all(toLoad.map((c) => this.loadNode(`${path}/${c}`, recurse, deadline)));
  }

  private readonly dataWatcher = (event: zookeeper.Event): void => {
    if (this.closed) return;
    const path = event.getPath();
    if (event.getType() === zookeeper.Event.NODE_DELETED) {
      this.drop(path);
      return;
    }
    this.readData(path).catch((err) => this.lost(err));
  };

  private readonly childWatcher = (event: zookeeper.Event): void => {
    if (this.closed) return;
    const path = event.getPath();
    if (event.getType() === zookeeper.Event.NODE_DELETED) {
      this.drop(path);
      return;
    }
    this.readChildren(path)
      .then((children) => Promise.all((children?.added ?? []).map((c) => this.loadNode(`${path}/${c}`, true))))
      .catch((err) => this.lost(err));
  };

  private lost(err: unknown): void {
    // NO_NODE races are settled by the deletion event; anything else may have cost a watch.
    if (err instanceof ZkRequestError && err.is(zookeeper.Exception.NO_NODE)) return;
    if (!this.closed) this.dirty = true;
  }

  /** False when the node does not exist. */
  private async readData(path: string, deadline?: number): Promise<boolean> {
    const result = await this.session.request<{ manifestFetch?: Promise<void> } | undefined>(
      'read',
      `getData ${path}`,
      (client, resolve, reject) => {
        client.getData(path, this.dataWatcher, (err, data, stat) => {
          if (err) {
            if ((err as { code?: number }).code === zookeeper.Exception.NO_NODE) {
              this.drop(path);
              resolve(undefined);
            } else reject(err);
            return;
          }
          const bytes = data ?? Buffer.alloc(0);
          let node = this.nodes.get(path);
          if (!node) {
            node = { data: bytes, version: stat.version, children: new Set(), payload: undefined };
            this.nodes.set(path, node);
            this.nodes.get(parentOf(path))?.children.add(nameOf(path));
          }
          node.data = bytes;
          node.version = stat.version;
          let manifestFetch: Promise<void> | undefined;
          if (safeManifest(bytes) === undefined) {
            node.payload = bytes.length > 0 ? bytes : undefined;
            node.payloadFor = bytes;
          } else if (!(node.payloadFor && node.payloadFor.equals(bytes))) {
            // Until its chunks are read, a manifest keeps showing the previous document.
            manifestFetch = this.fetchBlob(path, bytes, deadline);
          }
          resolve({ manifestFetch });
        });
      },
      deadline,
    );
    if (result === undefined) return false;
    if (result.manifestFetch) await result.manifestFetch;
    return true;
  }

  private async fetchBlob(path: string, manifestBytes: Buffer, deadline?: number): Promise<void> {
    const manifest = parseManifest(manifestBytes);
    if (!manifest) return;
    const chunks = await Promise.all(
      Array.from({ length: manifest.chunks }, (_, i) =>
        this.session.request<Buffer>(
          'read',
          `getData blob ${manifest.blob}/${i}`,
          (client, resolve, reject) => {
            client.getData(`${this.options.blobRoot}/${manifest.blob}/${chunkName(i)}`, (err, data) => (err ? reject(err) : resolve(data ?? Buffer.alloc(0))));
          },
          deadline,
        ),
      ),
    ).catch((err) => {
      // The document changed again and its old blob is gone: the next event brings the new one.
      if (err instanceof ZkRequestError && err.is(zookeeper.Exception.NO_NODE)) return undefined;
      throw err;
    });
    if (!chunks) return;
    const payload = joinChunks(manifest, chunks);
    const node = this.nodes.get(path);
    if (node && node.data.equals(manifestBytes)) {
      node.payload = payload;
      node.payloadFor = manifestBytes;
    }
  }

  private async readChildren(path: string, deadline?: number): Promise<{ all: string[]; added: string[] } | undefined> {
    return this.session.request<{ all: string[]; added: string[] } | undefined>(
      'read',
      `getChildren ${path}`,
      (client, resolve, reject) => {
        client.getChildren(path, this.childWatcher, (err, children) => {
          if (err) {
            if ((err as { code?: number }).code === zookeeper.Exception.NO_NODE) {
              this.drop(path);
              resolve(undefined);
            } else reject(err);
            return;
          }
          let node = this.nodes.get(path);
          if (!node) {
            // Data not read yet (parallel read): keep a placeholder the data read fills in.
            node = { data: Buffer.alloc(0), version: -1, children: new Set(), payload: undefined };
            this.nodes.set(path, node);
            this.nodes.get(parentOf(path))?.children.add(nameOf(path));
          }
          const next = new Set(children);
          for (const c of node.children) if (!next.has(c)) this.drop(`${path}/${c}`);
          const added = children.filter((c) => !node.children.has(c) || !this.nodes.has(`${path}/${c}`));
          node.children = next;
          resolve({ all: children, added });
        });
      },
      deadline,
    );
  }

  private drop(path: string): void {
    for (const d of this.descendants(path)) this.nodes.delete(d);
    this.nodes.delete(path);
    this.nodes.get(parentOf(path))?.children.delete(nameOf(path));
  }
}

function safeManifest(bytes: Buffer) {
  try {
    return parseManifest(bytes);
  } catch {
    return undefined;
  }
}
