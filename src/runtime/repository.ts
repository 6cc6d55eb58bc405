// The serve process's view of the state: everything is read from memory, every change is written
// through to the StateStore. API writes await durability (`commit`); the scheduler's frequent
// instance updates are written behind, coalesced per instance and kept in order.
import type { HeldAddress } from '../core/apps/types';
import type { AppVersion } from '../core/deploy/app-version';
import type { DeploymentRecord } from '../core/deploy/plan';
import { StoreTimeoutError, type Json, type StateStore, type StoreOp } from '../state/store';
import { canonicalInstance, type Instance } from '../core/scheduler/instance';
import type { InstanceEffect } from '../core/scheduler/instance-ops';
import { InstanceIndex, type TaskCounts } from '../core/scheduler/instance-index';
import { defer, unrefClock, type Clock, type Timer } from '../lib/clock';
import type { Logger } from '../lib/log';
import { decodeAppVersion, decodeClaimHolder, decodeDeployment, decodeGroup, decodeInstance, type GroupRecord } from './stored-documents';

/** Holder of a static address claim (stored as JSON in state/ipam). */
export interface ClaimHolder { appId: string; slot: number }

function toJson(value: unknown): Json {
  return value as Json;
}

export type { GroupRecord } from './stored-documents';

/** Instance writes are off because this instance no longer leads. */
export class RepositorySuspendedError extends Error {
  readonly code = 'MVN_ERR_NOT_LEADER';
  constructor() {
    super('state writes are suspended: not the leader');
    this.name = 'RepositorySuspendedError';
  }
}

/** A change of a running deployment's state (progress is memory only; the end is stored). */
export type DeploymentEffect =
  | { kind: 'deployment-step'; id: string; currentStep: number }
  /** Finished, cancelled or superseded: removed from memory now and from the store in order (retried while leading). */
  | { kind: 'deployment-end'; id: string };

export type RepositoryEffect = InstanceEffect | DeploymentEffect;

export interface RepositoryOptions {
  /** Names this repository's writes in stored documents (one per serve process); random by default. */
  writerId?: string;
  /** Deliberately broken (simulation only): load() replaces memory with the store's copy, revisions ignored. */
  unversioned?: boolean;
}

/**
 * Tombstones are kept after the delete landed (a stale read may still show the document) until
 * a re-read shows it gone; at most this many, oldest dropped first.
 */
const MAX_TOMBSTONES = 10_000;

function capped<V>(m: Map<string, V>): Map<string, V> {
  while (m.size >= MAX_TOMBSTONES) {
    const oldest = m.keys().next().value;
    if (oldest === undefined) break;
    m.delete(oldest);
  }
  return m;
}

/** App, deployment and claim changes of one API transaction. */
export interface CommitChange {
  putApps?: AppVersion[];
  deleteApps?: string[];
  putDeployments?: DeploymentRecord[];
  deleteDeployments?: string[];
  claim?: HeldAddress[];
  release?: HeldAddress[];
  putGroups?: Array<[string, GroupRecord]>;
  deleteGroups?: string[];
}

export function claimKey(network: string, address: string): string {
  return `${network} ${address}`;
}

export class Repository {
  readonly apps = new Map<string, AppVersion>();
  readonly instances = new Map<string, Instance>();
  readonly deployments = new Map<string, DeploymentRecord>();
  /** `network address` → holder. */
  readonly claims = new Map<string, HeldAddress>();
  /** Group records by group id ('/' included). */
  readonly groups = new Map<string, GroupRecord>();
  frameworkId: string | undefined;

  /** Each app's instances, in the order they were first indexed (the objects themselves: instancesOf needs no lookups). */
  private readonly byApp = new Map<string, Map<string, Instance>>();
  /** Scheduled (waiting to launch) instance ids per app, kept by index()/removeInstance(). */
  private readonly scheduled = new Map<string, Set<string>>();
  private scheduledCount = 0;
  /** Changes (per app) whenever an instance joins the app's Scheduled set. */
  private readonly scheduledStamps = new Map<string, number>();
  /** Bumped whenever an app or one of its instances changes (render caches key on it). */
  private readonly stamps = new Map<string, number>();
  private stampSeq = 0;
  private readonly byTask = new Map<string, string>();
  /** Counts, slots and housekeeping candidates per app (instance-index.ts). */
  private readonly facts = new InstanceIndex();
  private readonly pendingInstanceWrites = new Map<string, { value: Instance | null; seq: number }>();
  private readonly idle: Array<() => void> = [];
  /** Sequence of the newest instance write not yet known to be stored, per instance. */
  private readonly outstanding = new Map<string, number>();
  private readonly durableWaiters = new Map<string, Array<{ seq: number; resolve: () => void; reject: (err: unknown) => void }>>();
  private writeSeq = 0;
  /** While suspended (not the leader) changes stay in memory: a deposed leader must not overwrite its successor. */
  private suspended = false;
  private retryTimer: Timer | undefined;

  readonly writerId: string;
  private readonly unversioned: boolean;
  /** Something was loaded before: a later load() merges by revision instead of replacing. */
  private loaded = false;
  /** Revision of each instance / deployment the store is known to hold (read or confirmed written). */
  private readonly storedInstanceRev = new Map<string, number>();
  private readonly storedDeploymentRev = new Map<string, number>();
  /** Deleted here: the revision known stored when it was deleted (a copy at most this new is older than the delete). */
  private readonly instanceTombstones = new Map<string, number>();
  private readonly deploymentTombstones = new Map<string, number>();
  /** Apps deleted here: their version then. */
  private readonly appTombstones = new Map<string, string>();
  /**
   * Revisions are a Lamport clock: every durable write takes the next value above everything
   * read or written so far, so a writer's revisions only grow and a successor's are above what
   * it loaded. `watermark`: the highest revision known stored (a read below it is stale);
   * `seenByWriter`: the highest revision seen of each writer.
   */
  private clock = 0;
  private watermark = 0;
  private readonly seenByWriter = new Map<string, number>();

  constructor(readonly store: StateStore, private readonly log?: Pick<Logger, 'error'>, private readonly timers: Clock = unrefClock, opts: RepositoryOptions = {}) {
    this.writerId = opts.writerId ?? `w-${Math.random().toString(36).slice(2, 10)}`;
    this.unversioned = opts.unversioned === true;
  }

  /**
   * (Re)reads everything from the store. The first load takes the store's copy; a later one (on
   * becoming leader again, after a reconnect or an unknown write outcome) merges by revision:
   * a stored document only replaces the one in memory when another writer changed it since this
   * repository last knew it; an older copy (a lagging server, a write that never landed) never
   * replaces newer memory, and what memory has newer is written again.
   */
  async load(): Promise<void> {
    await this.flush();
    this.suspended = false;
    if (this.loaded && !this.unversioned) {
      await this.merge();
      return;
    }
    this.loaded = true;
    this.storedInstanceRev.clear();
    this.storedDeploymentRev.clear();
    this.apps.clear();
    this.instances.clear();
    this.deployments.clear();
    this.claims.clear();
    this.groups.clear();
    this.byApp.clear();
    this.scheduled.clear();
    this.byTask.clear();
    this.facts.clear();
    const read = await this.readStored();
    this.frameworkId = read.frameworkId;
    for (const [id, v] of read.apps) this.apps.set(id, v);
    for (const i of read.instances.values()) { this.index(i); this.storedInstanceRev.set(i.instanceId, i.revision ?? 0); this.saw(i); }
    for (const [id, d] of read.deployments) { this.deployments.set(id, d); this.storedDeploymentRev.set(id, d.revision ?? 0); this.saw(d); }
    for (const [id, g] of read.groups) this.groups.set(id, g);
    await this.loadClaims();
  }

  /**
   * Reads and decodes every stored app (current version), instance, deployment and group record,
   * for the first load and for later merges alike. Nothing in memory changes here.
   */
  private async readStored(): Promise<{
    frameworkId: string | undefined;
    apps: Map<string, AppVersion>;
    instances: Map<string, Instance>;
    deployments: Map<string, DeploymentRecord>;
    groups: Map<string, GroupRecord>;
  }> {
    const frameworkId = await this.store.getFrameworkId();
    const apps = new Map<string, AppVersion>();
    for (const stored of await this.store.listApps()) {
      const v = decodeAppVersion(stored.definition);
      if (v.value !== undefined) apps.set(stored.id, v.value);
      else this.skipped(`apps/${stored.id}/${stored.version}`, v.error);
    }
    const instances = new Map<string, Instance>();
    for (const stored of await this.store.listInstances()) {
      const i = decodeInstance(stored.data);
      if (i.value !== undefined) instances.set(i.value.instanceId, canonicalInstance(i.value));
      else this.skipped(`instances/${stored.appId}/${stored.instanceId}`, i.error);
    }
    const deployments = new Map<string, DeploymentRecord>();
    for (const stored of await this.store.listDeployments()) {
      const d = decodeDeployment(stored.data);
      if (d.value !== undefined) deployments.set(stored.id, d.value);
      else this.skipped(`deployments/${stored.id}`, d.error);
    }
    const groups = new Map<string, GroupRecord>();
    for (const g of await this.store.listGroups()) {
      const record = decodeGroup(g.data);
      if (record.value !== undefined) groups.set(g.id, record.value);
      else this.skipped(`groups/${g.id}`, record.error);
    }
    return { frameworkId, apps, instances, deployments, groups };
  }

  /** Documents that do not match their schema are left out (and logged), as before they were skipped. */
  private skipped(what: string, error: string | undefined): void {
    this.log?.error({ document: what, error }, 'stored document does not match its schema; ignored');
  }

  private async loadClaims(): Promise<void> {
    this.claims.clear();
    for (const c of await this.store.listClaims()) {
      const holder = decodeClaimHolder(c.holder);
      if (holder.value !== undefined) this.claims.set(claimKey(c.network, c.address), { network: c.network, address: c.address, holder: { appId: holder.value.appId, slot: holder.value.slot } });
      else this.skipped(`ipam/${c.network}/${c.address}`, holder.error);
    }
  }

  /**
   * Which copy wins for one document: 'store' when another writer changed it since this
   * repository last knew it (stored revision above the known one, not written by us), else
   * 'memory' (the stored copy is the one we know, one of our own, or older: a stale read).
   */
  private winner(stored: { revision?: number; writer?: string }, known: number | undefined): 'store' | 'memory' {
    if (stored.writer === this.writerId) return 'memory';
    if (known !== undefined && (stored.revision ?? 0) <= known) return 'memory';
    return 'store';
  }

  /** Notes a revision read from or confirmed in the store: the clock and the watermarks. */
  private saw(doc: { revision?: number; writer?: string }): void {
    const rev = doc.revision ?? 0;
    if (rev > this.clock) this.clock = rev;
    if (rev > this.watermark) this.watermark = rev;
    if (doc.writer !== undefined && rev > (this.seenByWriter.get(doc.writer) ?? 0)) this.seenByWriter.set(doc.writer, rev);
  }

  /** A stored document unknown here, written at or before what we already saw of its writer: deleted since (a stale copy). */
  private deletedSince(doc: { revision?: number; writer?: string }): boolean {
    return doc.writer !== undefined && (doc.revision ?? 0) <= (this.seenByWriter.get(doc.writer) ?? 0);
  }

  private async merge(): Promise<void> {
    // Everything is read first: a failed read leaves memory as it was.
    const { frameworkId, apps: storedApps, instances: storedInstances, deployments: storedDeployments, groups } = await this.readStored();
    // A read older than what this repository already knew to be stored (a lagging server) is
    // stale: what it lacks was not deleted, and its group records and claims are not taken.
    let readMax = 0;
    for (const d of [...storedInstances.values(), ...storedDeployments.values()]) readMax = Math.max(readMax, d.revision ?? 0);
    const fresh = readMax >= this.watermark;

    this.frameworkId = frameworkId ?? this.frameworkId;
    // Apps: versions are timestamps; an older stored version is a stale read.
    for (const [id, v] of storedApps) {
      const mine = this.apps.get(id);
      const deletedAt = this.appTombstones.get(id);
      if (mine !== undefined && mine.version > v.version) continue;
      if (mine === undefined && deletedAt !== undefined && v.version <= deletedAt) continue;
      if (mine === undefined && !fresh) continue; // deleted since (a stale read)
      this.apps.set(id, v);
      this.touch(id);
    }
    if (fresh) {
      for (const id of [...this.apps.keys()]) if (!storedApps.has(id)) { this.apps.delete(id); this.touch(id); }
      for (const id of [...this.appTombstones.keys()]) if (!storedApps.has(id)) this.appTombstones.delete(id);
    }

    // Instances.
    for (const [id, s] of storedInstances) {
      const mine = this.instances.get(id);
      const tomb = this.instanceTombstones.get(id);
      const known = mine !== undefined ? this.storedInstanceRev.get(id) : tomb;
      if (mine === undefined && tomb === undefined) {
        // Unknown here: new from another writer — unless the read is stale (everything in it was
        // known here; what is unknown was deleted since) or its writer's newer work was seen.
        if (!fresh || this.deletedSince(s)) continue;
        this.index(s);
        this.storedInstanceRev.set(id, s.revision ?? 0);
        continue;
      }
      if (this.winner(s, known) === 'store') {
        this.instanceTombstones.delete(id);
        if (mine !== undefined) this.replaceStored(mine, s);
        else this.index(s);
        this.storedInstanceRev.set(id, s.revision ?? 0);
        continue;
      }
      this.storedInstanceRev.set(id, Math.max(known ?? 0, s.revision ?? 0));
      if (mine === undefined) this.enqueue(id, null, s.appId); // our delete is newer: delete again
      else if ((mine.revision ?? 0) !== (s.revision ?? 0) || s.writer !== mine.writer) this.enqueue(id, mine); // ours is newer: write again
    }
    for (const [id, mine] of [...this.instances]) {
      if (storedInstances.has(id)) continue;
      // Absent from a fresh read though known stored: another writer deleted it. Otherwise (a
      // write of ours pending or lost, or a stale read) it is kept and written again: dropping it
      // would leave its task running unknown while a replacement starts (over capacity).
      if (fresh && this.storedInstanceRev.has(id)) { this.dropFromMemory(mine); this.storedInstanceRev.delete(id); continue; }
      this.storedInstanceRev.delete(id);
      this.enqueue(id, mine);
    }
    if (fresh) for (const id of [...this.instanceTombstones.keys()]) if (!storedInstances.has(id)) this.instanceTombstones.delete(id);

    // Deployments.
    for (const [id, s] of storedDeployments) {
      const mine = this.deployments.get(id);
      const tomb = this.deploymentTombstones.get(id);
      const known = mine !== undefined ? this.storedDeploymentRev.get(id) : tomb;
      if (mine === undefined && tomb === undefined && (!fresh || this.deletedSince(s))) continue;
      if ((mine === undefined && tomb === undefined) || this.winner(s, known) === 'store') {
        this.deploymentTombstones.delete(id);
        this.deployments.set(id, s);
        this.storedDeploymentRev.set(id, s.revision ?? 0);
        continue;
      }
      if (mine === undefined) this.writeDeployment(() => this.store.deleteDeployment(id), id);
    }
    if (fresh) {
      // Ended by another writer.
      for (const id of [...this.deployments.keys()]) if (!storedDeployments.has(id)) { this.deployments.delete(id); this.storedDeploymentRev.delete(id); }
      for (const id of [...this.deploymentTombstones.keys()]) if (!storedDeployments.has(id)) this.deploymentTombstones.delete(id);
      this.groups.clear();
      for (const [id, g] of groups) this.groups.set(id, g);
      await this.loadClaims();
    }
    for (const d of [...storedInstances.values(), ...storedDeployments.values()]) this.saw(d);
  }

  /** The stored object takes another copy's fields (identity kept), indexes follow. */
  private replaceStored(stored: Instance, next: Instance): void {
    const prevTask = stored.taskId;
    for (const k of Object.keys(stored) as Array<keyof Instance>) if (!(k in next)) delete stored[k];
    Object.assign(stored, next);
    if (prevTask !== null && prevTask !== stored.taskId && this.byTask.get(prevTask) === stored.instanceId) this.byTask.delete(prevTask);
    this.index(stored);
  }

  /** Removes an instance from memory only (the store no longer has it). */
  private dropFromMemory(i: Instance): void {
    this.touch(i.appId);
    this.unmarkScheduled(i);
    this.facts.remove(i.instanceId);
    this.instances.delete(i.instanceId);
    this.byApp.get(i.appId)?.delete(i.instanceId);
    if (this.byApp.get(i.appId)?.size === 0) this.byApp.delete(i.appId);
    if (i.taskId !== null && this.byTask.get(i.taskId) === i.instanceId) this.byTask.delete(i.taskId);
  }

  // ---- reads -------------------------------------------------------------------------------

  instancesOf(appId: string): Instance[] {
    const own = this.byApp.get(appId);
    return own === undefined ? [] : [...own.values()];
  }

  /** Changes whenever the app or any of its instances changed. */
  stampOf(appId: string): number {
    return this.stamps.get(appId) ?? 0;
  }

  /** Changes whenever any app or instance changed. */
  globalStamp(): number {
    return this.stampSeq;
  }

  private touch(appId: string): void {
    this.stamps.set(appId, ++this.stampSeq);
  }

  private unmarkScheduled(i: Instance): void {
    const set = this.scheduled.get(i.appId);
    if (set === undefined || !set.delete(i.instanceId)) return;
    this.scheduledCount--;
    if (set.size === 0) this.scheduled.delete(i.appId);
  }

  /** Scheduled instances per app (cost: the number waiting, not the number stored). */
  *scheduledByApp(): Iterable<[string, Instance[]]> {
    for (const [appId, ids] of this.scheduled) {
      const list: Instance[] = [];
      for (const id of ids) {
        const i = this.instances.get(id);
        if (i !== undefined && i.condition === 'Scheduled') list.push(i);
      }
      if (list.length > 0) yield [appId, list];
    }
  }

  /** Changes whenever an instance joins the app's waiting (Scheduled) set. */
  scheduledStampOf(appId: string): number {
    return this.scheduledStamps.get(appId) ?? 0;
  }

  /** The app's Scheduled instances, in no particular order. */
  scheduledOf(appId: string): Instance[] {
    const out: Instance[] = [];
    for (const id of this.scheduled.get(appId) ?? []) {
      const i = this.instances.get(id);
      if (i !== undefined && i.condition === 'Scheduled') out.push(i);
    }
    return out;
  }

  /** Apps with instances waiting to launch (cost: their number). */
  appsWithScheduled(): Iterable<string> {
    return this.scheduled.keys();
  }

  /** Marathon's task counts of the app, kept as instances change (no scan). */
  taskCounts(appId: string): TaskCounts {
    return this.facts.counts(appId);
  }

  /** Instances launched and not running yet, over all apps (no scan). */
  stagedCount(): number {
    return this.facts.stagedTotal();
  }

  /** The app's lowest slot no instance holds, when below `below` (slot compaction). */
  lowestFreeSlotBelow(appId: string, below: number): number | undefined {
    return this.facts.lowestFreeSlotBelow(appId, below);
  }

  /** Instances whose launch was sent at or before `cutoffMs`, each launch once (launch timeouts). */
  launchesSentBy(cutoffMs: number): Instance[] {
    const out: Instance[] = [];
    for (const id of this.facts.launchesSentBy(cutoffMs)) {
      const i = this.instances.get(id);
      if (i !== undefined) out.push(i);
    }
    return out;
  }

  /** Instances with a kill sent, or unreachable: what housekeeping looks at every round. */
  watchedInstances(): Instance[] {
    const out: Instance[] = [];
    for (const id of this.facts.watched()) {
      const i = this.instances.get(id);
      if (i !== undefined) out.push(i);
    }
    return out;
  }

  /** True when any instance waits to launch. */
  hasScheduled(): boolean {
    return this.scheduledCount > 0;
  }

  instanceByTaskId(taskId: string): Instance | undefined {
    const id = this.byTask.get(taskId);
    const i = id === undefined ? undefined : this.instances.get(id);
    // A status of an earlier incarnation must not touch the current one.
    return i !== undefined && i.taskId === taskId ? i : undefined;
  }

  heldAddresses(): HeldAddress[] {
    return [...this.claims.values()];
  }

  // ---- durable writes (API) -----------------------------------------------------------------

  /** App, deployment, group and claim changes in one store transaction; memory follows on success. */
  async commit(change: CommitChange): Promise<void> {
    const ops: StoreOp[] = [];
    for (const c of change.release ?? []) ops.push({ op: 'releaseAddress', network: c.network, address: c.address, holder: toJson(c.holder) });
    for (const c of change.claim ?? []) ops.push({ op: 'claimAddress', network: c.network, address: c.address, holder: toJson(c.holder) });
    for (const id of change.deleteApps ?? []) ops.push({ op: 'deleteApp', id });
    for (const v of change.putApps ?? []) ops.push({ op: 'putApp', id: v.app.id, version: v.version, definition: toJson(v) });
    for (const id of change.deleteDeployments ?? []) ops.push({ op: 'deleteDeployment', id });
    for (const d of change.putDeployments ?? []) {
      const id = d.plan.id;
      d.revision = ++this.clock;
      d.writer = this.writerId;
      ops.push({ op: 'putDeployment', id, data: toJson(d) });
    }
    for (const id of change.deleteGroups ?? []) ops.push({ op: 'deleteGroup', id });
    for (const [id, g] of change.putGroups ?? []) ops.push({ op: 'putGroup', id, data: toJson(g) });
    if (ops.length > 0) await this.store.transaction(ops);
    this.commitToMemory(change);
  }

  /**
   * After commit() failed with an unknown outcome (StoreTimeoutError): re-reads the deployment
   * record the change carried. When that revision landed (the transaction is atomic: all of it
   * did), memory takes the change as commit() would have, and true is returned; false when it
   * did not land or the store cannot tell yet (a later re-read, e.g. on becoming leader, adopts
   * it then).
   */
  async resolveUnknownCommit(change: CommitChange): Promise<boolean> {
    const probe = change.putDeployments?.[0];
    if (probe === undefined) return false;
    let stored: DeploymentRecord | undefined;
    try {
      stored = decodeDeployment((await this.store.listDeployments()).find((d) => d.id === probe.plan.id)?.data).value;
    } catch {
      return false;
    }
    if (stored === undefined || stored.writer !== this.writerId || stored.revision !== probe.revision) return false;
    this.commitToMemory(change);
    return true;
  }

  private commitToMemory(change: CommitChange): void {
    for (const c of change.release ?? []) this.claims.delete(claimKey(c.network, c.address));
    for (const c of change.claim ?? []) this.claims.set(claimKey(c.network, c.address), c);
    for (const id of change.deleteApps ?? []) {
      const gone = this.apps.get(id);
      if (gone !== undefined) capped(this.appTombstones).set(id, gone.version);
      this.apps.delete(id);
      this.touch(id);
    }
    for (const v of change.putApps ?? []) { this.apps.set(v.app.id, v); this.appTombstones.delete(v.app.id); this.touch(v.app.id); }
    for (const id of change.deleteDeployments ?? []) {
      const gone = this.deployments.get(id);
      if (gone !== undefined) capped(this.deploymentTombstones).set(id, Math.max(gone.revision ?? 0, this.storedDeploymentRev.get(id) ?? 0));
      this.deployments.delete(id);
      this.storedDeploymentRev.delete(id);
    }
    for (const d of change.putDeployments ?? []) { this.deployments.set(d.plan.id, d); this.storedDeploymentRev.set(d.plan.id, d.revision ?? 0); this.saw(d); }
    for (const id of change.deleteGroups ?? []) this.groups.delete(id);
    for (const [id, g] of change.putGroups ?? []) this.groups.set(id, g);
  }

  async setFrameworkId(id: string): Promise<void> {
    await this.store.setFrameworkId(id);
    this.frameworkId = id;
  }

  async listVersions(appId: string): Promise<string[]> {
    return this.store.listAppVersions(appId);
  }

  async getVersion(appId: string, version: string): Promise<AppVersion | undefined> {
    return decodeAppVersion(await this.store.getAppVersion(appId, version)).value;
  }

  // ---- the one writer of scheduler state -------------------------------------------------------

  /**
   * Applies one effect computed by a pure function (instance-update.ts, instance-ops.ts, the
   * deployment runner's step decision): memory now, the store behind it. The stored instance
   * object keeps its identity (its fields are replaced), so holders of it see the change; no
   * other module writes instance or deployment state. Returns the stored instance, if any.
   */
  apply(effect: RepositoryEffect): Instance | undefined {
    switch (effect.kind) {
      case 'put': {
        const stored = this.replaceInMemory(effect.instance);
        if (effect.durable) this.saveInstance(stored);
        else this.updateInstanceInMemory(stored);
        return stored;
      }
      case 'expunge': {
        const stored = this.replaceInMemory(effect.instance);
        this.removeInstance(stored);
        return stored;
      }
      case 'deployment-step': {
        const d = this.deployments.get(effect.id);
        if (d !== undefined) d.currentStep = effect.currentStep;
        return undefined;
      }
      case 'deployment-end': {
        const id = effect.id;
        const gone = this.deployments.get(id);
        if (gone === undefined) return undefined;
        this.deployments.delete(id);
        capped(this.deploymentTombstones).set(id, Math.max(gone.revision ?? 0, this.storedDeploymentRev.get(id) ?? 0));
        this.storedDeploymentRev.delete(id);
        this.writeDeployment(() => this.store.deleteDeployment(id), id);
        return undefined;
      }
      default:
        return undefined;
    }
  }

  /** The stored object with the next value's fields (fields the next value lacks are removed). */
  private replaceInMemory(next: Instance): Instance {
    const stored = this.instances.get(next.instanceId);
    // A new instance is kept in the one shape all stored instances share (canonicalInstance).
    if (stored === undefined) return canonicalInstance(next);
    if (stored === next) return next;
    const prevTask = stored.taskId;
    for (const k of Object.keys(stored) as Array<keyof Instance>) if (!(k in next)) delete stored[k];
    Object.assign(stored, next);
    if (prevTask !== null && prevTask !== stored.taskId && this.byTask.get(prevTask) === stored.instanceId) this.byTask.delete(prevTask);
    return stored;
  }

  private deploymentWrites: Promise<void> = Promise.resolve();

  /** Deployment record writes, in order; a failed one is retried (with a growing pause) while leading. */
  private writeDeployment(op: () => Promise<void>, deploymentId: string): void {
    const attempt = async (): Promise<void> => {
      for (let n = 0; ; n++) {
        try {
          await op();
          return;
        } catch (err) {
          if (this.suspended) return;
          this.log?.error({ err, deploymentId }, 'could not store deployment progress; retrying');
          await new Promise<void>((resolve) => { this.timers.setTimer(resolve, Math.min(10_000, 500 * 2 ** n)); });
          if (this.suspended) return;
        }
      }
    };
    this.deploymentWrites = this.deploymentWrites.then(attempt);
  }

  /** Resolves when queued deployment writes have landed (or were given up on deposition). */
  flushDeployments(): Promise<void> {
    return this.deploymentWrites;
  }

  // ---- write-behind (scheduler) -------------------------------------------------------------

  /** Updates memory now and writes the instance behind, coalesced. */
  private saveInstance(i: Instance): void {
    i.revision = ++this.clock;
    i.writer = this.writerId;
    const prev = this.instances.get(i.instanceId);
    if (prev?.taskId !== undefined && prev.taskId !== null && prev.taskId !== i.taskId) this.byTask.delete(prev.taskId);
    this.index(i);
    this.enqueue(i.instanceId, i);
  }

  /**
   * Updates memory only: for transient states (Staging, Starting) that reconciliation recovers
   * anyway, so a launch storm does not write every instance four times.
   */
  private updateInstanceInMemory(i: Instance): void {
    this.index(i);
  }

  private removeInstance(i: Instance): void {
    capped(this.instanceTombstones).set(i.instanceId, Math.max(i.revision ?? 0, this.storedInstanceRev.get(i.instanceId) ?? 0));
    this.storedInstanceRev.delete(i.instanceId);
    this.dropFromMemory(i);
    this.enqueue(i.instanceId, null, i.appId);
  }

  /**
   * Resolves once the instance's newest queued value is stored (at once when nothing is
   * queued); rejects when that write failed. The launcher awaits it before sending ACCEPT, so a
   * successor always knows every task that may exist.
   */
  whenDurable(instanceId: string): Promise<void> {
    const seq = this.outstanding.get(instanceId);
    if (seq === undefined) return Promise.resolve();
    if (this.suspended) return Promise.reject(new RepositorySuspendedError());
    return new Promise((resolve, reject) => {
      let list = this.durableWaiters.get(instanceId);
      if (list === undefined) { list = []; this.durableWaiters.set(instanceId, list); }
      list.push({ seq, resolve, reject });
    });
  }

  /**
   * Leadership lost: queued instance writes are dropped and later changes stay in memory until
   * the next load(). (Launches are stored before they are sent, so nothing a successor needs is lost.)
   */
  suspendWrites(): void {
    this.suspended = true;
    this.retryTimer?.cancel();
    this.retryTimer = undefined;
    this.pendingInstanceWrites.clear();
    this.appOfPending.clear();
    for (const id of [...this.outstanding.keys()]) this.settle(id, Number.POSITIVE_INFINITY, new RepositorySuspendedError());
    this.outstanding.clear();
    if (!this.draining) for (const resolve of this.idle.splice(0)) resolve();
  }

  get writesSuspended(): boolean {
    return this.suspended;
  }

  private settle(instanceId: string, upTo: number, err?: unknown): void {
    const list = this.durableWaiters.get(instanceId);
    if (list === undefined) return;
    const keep = list.filter((w) => w.seq > upTo);
    for (const w of list) {
      if (w.seq > upTo) continue;
      if (err === undefined) w.resolve();
      else w.reject(err);
    }
    if (keep.length === 0) this.durableWaiters.delete(instanceId);
    else this.durableWaiters.set(instanceId, keep);
  }

  /** Resolves when every queued instance write has been tried (failed ones wait for a retry). */
  flush(): Promise<void> {
    if (!this.draining && (this.pendingInstanceWrites.size === 0 || this.retryTimer !== undefined)) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private index(i: Instance): void {
    this.touch(i.appId);
    if (i.condition === 'Scheduled') {
      let set = this.scheduled.get(i.appId);
      if (set === undefined) { set = new Set(); this.scheduled.set(i.appId, set); }
      if (!set.has(i.instanceId)) { set.add(i.instanceId); this.scheduledCount++; this.scheduledStamps.set(i.appId, ++this.stampSeq); }
    } else {
      this.unmarkScheduled(i);
    }
    this.instances.set(i.instanceId, i);
    this.facts.put(i);
    let own = this.byApp.get(i.appId);
    if (own === undefined) { own = new Map(); this.byApp.set(i.appId, own); }
    own.set(i.instanceId, i);
    if (i.taskId !== null) this.byTask.set(i.taskId, i.instanceId);
  }

  private readonly appOfPending = new Map<string, string>();
  private draining = false;

  private enqueue(instanceId: string, value: Instance | null, appId?: string): void {
    if (this.suspended) return;
    const seq = ++this.writeSeq;
    this.pendingInstanceWrites.set(instanceId, { value: value === null ? null : { ...value }, seq });
    this.outstanding.set(instanceId, seq);
    if (appId !== undefined) this.appOfPending.set(instanceId, appId);
    else if (value !== null) this.appOfPending.set(instanceId, value.appId);
    this.drainSoon();
  }

  private drainQueued = false;

  /**
   * Starts the write-behind after the current event-loop turn: the changes of one turn (an
   * offer-matching slice, a slice of status updates) go out as one batch, and their encoding and
   * the launches waiting on them do not lengthen the turn that made them.
   */
  private drainSoon(): void {
    if (this.draining || this.retryTimer !== undefined || this.drainQueued) return;
    this.drainQueued = true;
    defer(this.timers, () => {
      this.drainQueued = false;
      if (!this.draining && this.retryTimer === undefined) void this.drain();
    });
  }

  /**
   * Writes the queued instance changes in batches: one store transaction per batch (one journal
   * write / one ZooKeeper multi) instead of one per change. Only the newest value of an instance
   * is written; batches run one after the other, so the order per instance is kept.
   */
  private async drain(): Promise<void> {
    this.draining = true;
    let failed = false;
    try {
      for (let first = true; this.pendingInstanceWrites.size > 0 && !this.suspended; first = false) {
        // One batch per event-loop turn (a store that answers at once would otherwise write them all in one).
        if (!first) await new Promise<void>((resolve) => { defer(this.timers, resolve); });
        if (this.pendingInstanceWrites.size === 0 || this.suspended) break;
        const batch: StoreOp[] = [];
        const entries: Array<{ instanceId: string; appId: string; value: Instance | null; seq: number }> = [];
        for (const [instanceId, { value, seq }] of this.pendingInstanceWrites) {
          const appId = this.appOfPending.get(instanceId) ?? '';
          this.pendingInstanceWrites.delete(instanceId);
          entries.push({ instanceId, appId, value, seq });
          batch.push(value === null
            ? { op: 'deleteInstance', appId, instanceId }
            : { op: 'putInstance', appId, instanceId, data: toJson(value) });
          if (batch.length >= Repository.BATCH) break;
        }
        try {
          await this.store.transaction(batch);
          for (const e of entries) {
            if (e.value !== null) {
              if (this.instances.get(e.instanceId) !== undefined) this.storedInstanceRev.set(e.instanceId, e.value.revision ?? 0);
              this.saw(e.value);
            }
            if (this.outstanding.get(e.instanceId) === e.seq) this.outstanding.delete(e.instanceId);
            this.settle(e.instanceId, e.seq);
          }
        } catch (err) {
          // Outcome unknown: what landed (our revision is stored) counts as written.
          const landed = err instanceof StoreTimeoutError ? await this.landedOf(entries) : new Set<string>();
          for (const e of entries) {
            if (!landed.has(e.instanceId)) continue;
            if (e.value !== null && this.instances.has(e.instanceId)) this.storedInstanceRev.set(e.instanceId, e.value.revision ?? 0);
            if (e.value !== null) this.saw(e.value);
            if (this.outstanding.get(e.instanceId) === e.seq) this.outstanding.delete(e.instanceId);
            this.settle(e.instanceId, e.seq);
          }
          if (landed.size === entries.length) continue;
          this.log?.error({ err, ops: batch.length - landed.size }, 'instance writes failed; retrying');
          for (const e of entries) {
            if (landed.has(e.instanceId)) continue;
            this.settle(e.instanceId, e.seq, err);
            // Kept for a retry unless a newer value is already queued.
            if (!this.suspended && !this.pendingInstanceWrites.has(e.instanceId)) {
              this.pendingInstanceWrites.set(e.instanceId, { value: e.value, seq: e.seq });
              this.appOfPending.set(e.instanceId, e.appId);
            }
          }
          failed = true;
          break;
        }
      }
    } finally {
      this.draining = false;
      for (const id of [...this.appOfPending.keys()]) if (!this.pendingInstanceWrites.has(id)) this.appOfPending.delete(id);
      if (failed && this.pendingInstanceWrites.size > 0 && !this.suspended) {
        // The store is unavailable (quorum lost): try again later (flush() does not wait for that).
        this.retryTimer = this.timers.setTimer(() => {
          this.retryTimer = undefined;
          if (!this.draining) void this.drain();
        }, Repository.RETRY_MS);
      }
      for (const resolve of this.idle.splice(0)) resolve();
    }
  }

  /** Entries of a batch whose outcome was unknown that the store holds (re-read per app; empty when it cannot tell). */
  private async landedOf(entries: ReadonlyArray<{ instanceId: string; appId: string; value: Instance | null }>): Promise<Set<string>> {
    const out = new Set<string>();
    try {
      const byApp = new Map<string, Map<string, Instance>>();
      for (const appId of new Set(entries.map((e) => e.appId))) {
        const docs = new Map<string, Instance>();
        for (const d of await this.store.listInstances(appId)) {
          const i = decodeInstance(d.data).value;
          if (i !== undefined) docs.set(i.instanceId, i);
        }
        byApp.set(appId, docs);
      }
      for (const e of entries) {
        const stored = byApp.get(e.appId)?.get(e.instanceId);
        const ok = e.value === null ? stored === undefined
          : stored !== undefined && stored.writer === this.writerId && stored.revision === e.value.revision;
        if (ok) out.add(e.instanceId);
      }
    } catch {
      // The store cannot answer yet: everything is retried.
    }
    return out;
  }

  /** Pause before retrying failed instance writes. */
  static RETRY_MS = 1000;

  /**
   * Most instance writes per store transaction (one per event-loop turn). 50, not 200: a batch is
   * encoded and committed in one turn, and in the 10k launch storm 200 made the turns that a GET
   * waits behind long enough to double its p99 (bench scheduler, interleaved runs: p99 32–48 ms
   * with 50 and smaller slices, 41–129 ms before), at no cost in tasks/s.
   */
  static BATCH = 50;
}
