// In-memory StateStore for tests and `memory:` URLs. Stores built over the same `MemoryBackend`
// share state, as two processes share one ZooKeeper.

import { DEFAULT_MAX_VERSIONS, DocView, JsonDocTree, planTransaction } from './documents';
import { DocumentStore } from './document-store';
import { StoreOp } from './store';

export class MemoryBackend {
  /** Documents as JSON text (documents.ts JsonDocTree): a stored copy shares nothing with the caller's objects. */
  readonly tree = new JsonDocTree();
}

export interface MemoryStoreOptions {
  maxVersions?: number;
  backend?: MemoryBackend;
}

export class MemoryStore extends DocumentStore {
  private readonly backend: MemoryBackend;
  private readonly maxVersions: number;

  constructor(options: MemoryStoreOptions = {}) {
    super();
    this.backend = options.backend ?? new MemoryBackend();
    this.maxVersions = options.maxVersions ?? DEFAULT_MAX_VERSIONS;
  }

  protected view(): DocView {
    return this.backend.tree;
  }

  protected async commit(ops: readonly StoreOp[]): Promise<void> {
    // Planning and applying happen in one synchronous step: transactions are atomic and serial.
    const changes = planTransaction(this.backend.tree, ops, { maxVersions: this.maxVersions });
    this.backend.tree.apply(changes);
    this.stats.writes++;
  }

  protected async shutdown(): Promise<void> {}
}
