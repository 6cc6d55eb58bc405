// `file:DIR` state store for local mode.
//
// One file per document (DIR/apps/<app>.json, DIR/apps/<app>/<version>.json, DIR/instances/<app>/
// <instance>.json, ...) rather than one snapshot: a write costs the size of what changed, not of
// the whole state (fifty versions of a large app would otherwise be rewritten on every task
// update). Each file is replaced atomically (temp file, fsync, rename, fsync of the directory).
// A transaction touching several files first commits a redo journal (DIR/.txn.json, written the
// same way), applies the files, then drops the journal; whoever next opens the store or takes the
// lock replays a journal left by a crash, so a transaction is all or nothing.
//
// Writers are serialised inside the process by a promise chain and across processes by an
// exclusive lock file (DIR/.lock, O_EXCL, holding the pid; a dead holder's lock is broken).
// Reads come from an in-memory copy loaded at open. Only one process is expected to write
// documents; address claims, the one thing two processes may race on, are re-read from disk
// under the lock before they are decided.

import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DEFAULT_MAX_VERSIONS, DocChange, DocKey, DocTree, DocView, docKeys, planTransaction } from './documents';
import { DocumentStore } from './document-store';
import { decodeSegment, encodeSegment } from './key-codec';
import { Json, StoreInvalidError, StoreOp, StoreTimeoutError, StoreUnavailableError } from './store';

export interface FileStoreOptions {
  maxVersions?: number;
  /** How long a writer waits for another process's lock. Default 10 000 ms. */
  lockTimeoutMs?: number;
}

const JOURNAL = '.txn.json';
const LOCK = '.lock';
const DOC_SUFFIX = '.json';
const STALE_TEMP_MS = 10 * 60_000;

interface JournalEntry {
  file: string;
  content: string | null;
}

function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return !isErrno(err, 'ESRCH');
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function fileForKey(key: DocKey): string {
  if (key.length === 0) throw new StoreInvalidError('empty document key');
  return key.map((s) => encodeSegment(s, false)).join('/') + DOC_SUFFIX;
}

export function keyForFile(file: string): DocKey | undefined {
  const parts = file.split('/');
  const last = parts[parts.length - 1];
  if (!last.endsWith(DOC_SUFFIX) || parts.some((p) => p.startsWith('.') || p.length === 0)) return undefined;
  parts[parts.length - 1] = last.slice(0, -DOC_SUFFIX.length);
  try {
    return parts.map(decodeSegment);
  } catch {
    return undefined;
  }
}

export class FileStore extends DocumentStore {
  private readonly tree = new DocTree();
  private chain: Promise<unknown> = Promise.resolve();
  private readonly token = randomBytes(8).toString('hex');

  private constructor(
    readonly dir: string,
    private readonly maxVersions: number,
    private readonly lockTimeoutMs: number,
  ) {
    super();
  }

  static async open(dir: string, options: FileStoreOptions = {}): Promise<FileStore> {
    const store = new FileStore(path.resolve(dir), options.maxVersions ?? DEFAULT_MAX_VERSIONS, options.lockTimeoutMs ?? 10_000);
    try {
      await fs.mkdir(store.dir, { recursive: true });
    } catch (err) {
      throw new StoreUnavailableError(`cannot create state directory ${store.dir}: ${(err as Error).message}`);
    }
    await store.withLock(async () => {
      await store.replayJournal();
    });
    await store.load();
    return store;
  }

  protected view(): DocView {
    return this.tree;
  }

  protected commit(ops: readonly StoreOp[]): Promise<void> {
    const run = this.chain.then(() => this.withLock(() => this.commitLocked(ops)));
    this.chain = run.catch(() => undefined);
    return run;
  }

  protected async shutdown(): Promise<void> {
    await this.chain;
  }

  private async commitLocked(ops: readonly StoreOp[]): Promise<void> {
    const replayed = await this.replayJournal();
    if (replayed) await this.load();
    for (const op of ops) {
      if (op.op === 'claimAddress' || op.op === 'releaseAddress') await this.reread(docKeys.claim(op.network, op.address));
    }
    const changes = planTransaction(this.tree, ops, { maxVersions: this.maxVersions });
    if (changes.length === 0) return;
    const entries: JournalEntry[] = changes.map((c) => ({
      file: fileForKey(c.key),
      content: c.value === undefined ? null : JSON.stringify(c.value),
    }));
    if (entries.length > 1) {
      try {
        await this.writeAtomic(JOURNAL, JSON.stringify({ entries }));
      } catch (err) {
        throw new StoreUnavailableError(`cannot write the state journal in ${this.dir}: ${(err as Error).message}`);
      }
    }
    this.applyToCache(changes);
    try {
      await this.applyEntries(entries);
      if (entries.length > 1) {
        await fs.unlink(path.join(this.dir, JOURNAL));
        await this.syncDir(this.dir);
      }
    } catch (err) {
      // The journal is durable, so the transaction is committed and will be replayed; the caller
      // only learns that it has not reached every file yet.
      throw new StoreTimeoutError(`state write in ${this.dir} is incomplete (${(err as Error).message}); it will be replayed`);
    }
  }

  private applyToCache(changes: readonly DocChange[]): void {
    for (const c of changes) this.tree.set(c.key, c.value === undefined ? undefined : structuredClone(c.value));
  }

  private async applyEntries(entries: readonly JournalEntry[]): Promise<void> {
    const dirs = new Set<string>();
    for (const e of entries) {
      if (e.content === null) {
        try {
          await fs.unlink(path.join(this.dir, e.file));
          this.stats.writes++;
        } catch (err) {
          if (!isErrno(err, 'ENOENT')) throw err;
        }
        await this.pruneEmptyDirs(path.dirname(e.file));
        dirs.add(path.dirname(e.file));
      } else {
        await this.writeAtomic(e.file, e.content, false);
        dirs.add(path.dirname(e.file));
      }
    }
    for (const d of dirs) await this.syncDir(path.join(this.dir, d)).catch(() => undefined);
  }

  /** temp file + fsync + rename (+ fsync of the directory unless the caller batches it). */
  private async writeAtomic(file: string, content: string, syncDir = true): Promise<void> {
    const target = path.join(this.dir, file);
    const dir = path.dirname(target);
    await fs.mkdir(dir, { recursive: true });
    const temp = path.join(dir, `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    const handle = await fs.open(temp, 'w', 0o600);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.rename(temp, target);
    } catch (err) {
      await fs.unlink(temp).catch(() => undefined);
      throw err;
    }
    this.stats.writes++;
    if (syncDir) await this.syncDir(dir);
  }

  private async syncDir(dir: string): Promise<void> {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  private async pruneEmptyDirs(relDir: string): Promise<void> {
    let rel = relDir;
    while (rel !== '.' && rel !== '' && rel !== '/') {
      try {
        await fs.rmdir(path.join(this.dir, rel));
      } catch {
        return;
      }
      rel = path.dirname(rel);
    }
  }

  /** Applies a journal left by an interrupted transaction. True when there was one. */
  private async replayJournal(): Promise<boolean> {
    let text: string;
    try {
      text = await fs.readFile(path.join(this.dir, JOURNAL), 'utf8');
      this.stats.reads++;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw new StoreUnavailableError(`cannot read ${JOURNAL} in ${this.dir}: ${(err as Error).message}`);
    }
    const parsed = JSON.parse(text) as { entries: JournalEntry[] };
    await this.applyEntries(parsed.entries);
    await fs.unlink(path.join(this.dir, JOURNAL));
    await this.syncDir(this.dir);
    return true;
  }

  private async reread(key: DocKey): Promise<void> {
    try {
      const text = await fs.readFile(path.join(this.dir, fileForKey(key)), 'utf8');
      this.stats.reads++;
      this.tree.set(key, JSON.parse(text) as Json);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
      this.tree.set(key, undefined);
    }
  }

  /** (Re)reads every document file into the cache. */
  private async load(): Promise<void> {
    for (const { key } of this.tree.entries()) this.tree.set(key, undefined);
    const walk = async (rel: string): Promise<void> => {
      const entries = await fs.readdir(path.join(this.dir, rel), { withFileTypes: true });
      for (const e of entries) {
        const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
        if (e.name.startsWith('.')) {
          if (e.name.includes('.tmp-')) await this.removeIfStale(childRel);
          continue;
        }
        if (e.isDirectory()) await walk(childRel);
        else if (e.isFile()) {
          const key = keyForFile(childRel);
          if (!key) continue;
          const text = await fs.readFile(path.join(this.dir, childRel), 'utf8');
          this.stats.reads++;
          try {
            this.tree.set(key, JSON.parse(text) as Json);
          } catch (err) {
            throw new StoreInvalidError(`state file ${path.join(this.dir, childRel)} is not JSON: ${(err as Error).message}`);
          }
        }
      }
    };
    await walk('');
  }

  private async removeIfStale(rel: string): Promise<void> {
    try {
      const st = await fs.stat(path.join(this.dir, rel));
      if (Date.now() - st.mtimeMs > STALE_TEMP_MS) await fs.unlink(path.join(this.dir, rel));
    } catch {
      // somebody else cleaned it up
    }
  }

  private async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const lockPath = path.join(this.dir, LOCK);
    const deadline = Date.now() + this.lockTimeoutMs;
    const mine = `${process.pid} ${this.token}\n`;
    for (;;) {
      try {
        const handle = await fs.open(lockPath, 'wx', 0o600);
        try {
          await handle.writeFile(mine);
        } finally {
          await handle.close();
        }
        break;
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw new StoreUnavailableError(`cannot lock ${lockPath}: ${(err as Error).message}`);
      }
      const holder = await fs.readFile(lockPath, 'utf8').catch(() => '');
      const pid = Number(holder.split(' ')[0]);
      if (holder !== '' && Number.isInteger(pid) && pid > 0 && !pidAlive(pid)) {
        // The holder died: break its lock, but only if it is still the same lock.
        const again = await fs.readFile(lockPath, 'utf8').catch(() => '');
        if (again === holder) await fs.unlink(lockPath).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) throw new StoreTimeoutError(`state directory ${this.dir} is locked by "${holder.trim()}"`);
      await sleep(5 + Math.random() * 10);
    }
    try {
      return await fn();
    } finally {
      await fs.unlink(lockPath).catch(() => undefined);
    }
  }
}
