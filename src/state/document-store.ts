// The StateStore surface expressed once over a DocView and a commit step; memory, file and
// ZooKeeper stores supply those two. Reads are served from the view (each store keeps it
// complete in memory), every write is a transaction.

import {
  readApp,
  readAppVersion,
  readAppVersions,
  readApps,
  readClaims,
  readDeployments,
  readGroups,
  readFrameworkId,
  readStorageVersion,
  readInstances,
  DocView,
} from './documents';
import {
  AddressClaim,
  AddressHeldError,
  ClaimResult,
  Json,
  StateStore,
  StoreCounters,
  StoreOp,
  StoreUnavailableError,
  StoredApp,
  StoredDeployment,
  StoredGroup,
  StoredInstance,
} from './store';

export abstract class DocumentStore implements StateStore {
  protected closed = false;
  protected readonly stats: StoreCounters = { reads: 0, writes: 0 };

  /** The complete current state, as this store knows it. */
  protected abstract view(): DocView;
  /** Plans and persists `ops` atomically (see documents.planTransaction). */
  protected abstract commit(ops: readonly StoreOp[]): Promise<void>;
  protected abstract shutdown(): Promise<void>;

  /** Callers get copies, so mutating a result never changes the stored state. */
  private readable(): DocView {
    if (this.closed) throw new StoreUnavailableError('the state store is closed');
    const view = this.view();
    if (view.copies === true) return view;
    return {
      get: (key) => {
        const value = view.get(key);
        return value === undefined || value === null || typeof value !== 'object' ? value : structuredClone(value);
      },
      children: (key) => view.children(key),
    };
  }

  async getStorageVersion(): Promise<number | undefined> {
    return readStorageVersion(this.readable());
  }

  async getFrameworkId(): Promise<string | undefined> {
    return readFrameworkId(this.readable());
  }
  async setFrameworkId(frameworkId: string): Promise<void> {
    await this.transaction([{ op: 'setFrameworkId', frameworkId }]);
  }

  async listApps(): Promise<StoredApp[]> {
    return readApps(this.readable());
  }
  async getApp(id: string): Promise<StoredApp | undefined> {
    return readApp(this.readable(), id);
  }
  async putApp(id: string, version: string, definition: Json): Promise<void> {
    await this.transaction([{ op: 'putApp', id, version, definition }]);
  }
  async listAppVersions(id: string): Promise<string[]> {
    return [...readAppVersions(this.readable(), id)];
  }
  async getAppVersion(id: string, version: string): Promise<Json | undefined> {
    return readAppVersion(this.readable(), id, version);
  }
  async deleteApp(id: string): Promise<void> {
    await this.transaction([{ op: 'deleteApp', id }]);
  }

  async listInstances(appId?: string): Promise<StoredInstance[]> {
    return readInstances(this.readable(), appId);
  }
  async putInstance(appId: string, instanceId: string, data: Json): Promise<void> {
    await this.transaction([{ op: 'putInstance', appId, instanceId, data }]);
  }
  async deleteInstance(appId: string, instanceId: string): Promise<void> {
    await this.transaction([{ op: 'deleteInstance', appId, instanceId }]);
  }

  async listGroups(): Promise<StoredGroup[]> {
    return readGroups(this.readable());
  }
  async listDeployments(): Promise<StoredDeployment[]> {
    return readDeployments(this.readable());
  }
  async putDeployment(id: string, data: Json): Promise<void> {
    await this.transaction([{ op: 'putDeployment', id, data }]);
  }
  async deleteDeployment(id: string): Promise<void> {
    await this.transaction([{ op: 'deleteDeployment', id }]);
  }

  async claimAddress(network: string, address: string, holder: Json): Promise<ClaimResult> {
    try {
      await this.transaction([{ op: 'claimAddress', network, address, holder }]);
      return { ok: true };
    } catch (err) {
      if (err instanceof AddressHeldError) return { ok: false, holder: err.holder };
      throw err;
    }
  }
  async releaseAddress(network: string, address: string, holder?: Json): Promise<void> {
    await this.transaction([{ op: 'releaseAddress', network, address, ...(holder === undefined ? {} : { holder }) }]);
  }
  async listClaims(): Promise<AddressClaim[]> {
    return readClaims(this.readable());
  }

  async transaction(ops: StoreOp[]): Promise<void> {
    if (this.closed) throw new StoreUnavailableError('the state store is closed');
    if (ops.length === 0) return;
    await this.commit(ops);
  }

  counters(): StoreCounters {
    return { ...this.stats };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.shutdown();
  }
}
