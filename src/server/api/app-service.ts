// The API's write side: parse → normalise → validate (incl. networkInterfaces and held
// addresses) → version → plan → store (apps, deployment and address claims in one transaction)
// → start the deployment. Writes are serialised in this process; the store's atomic claims guard
// addresses across processes.
import { classifyChange, mergePartial } from '../../core/apps/diff';
import { canonicalAppId, normalizeApp } from '../../core/apps/normalize';
import type { AppDefinition, HeldAddress, JsonObject, ValidationFacts, Violation } from '../../core/apps/types';
import {
  assignServicePorts, DEFAULT_SERVICE_PORT_RANGE, servicePortsOf, ServicePortsExhaustedError, type ServicePortRange,
} from '../../core/apps/service-ports';
import { checkAddressConflicts, toMarathonDetails, validateApp, validateAppId } from '../../core/apps/validate';
import { nextVersion, type AppVersion, type ChangeKind } from '../../core/deploy/app-version';
import { planDeployment, type DeploymentPlan, type DeploymentRecord } from '../../core/deploy/plan';
import { addressAt, poolOf } from '../../core/apps/address-pool';
import { formatIPv4 } from '../../lib/ipv4';
import type { DeploymentRunner } from '../../runtime/deployment-runner';
import type { EventBus } from '../../runtime/event-bus';
import type { Instance } from '../../core/scheduler/instance';
import type { GroupRecord, Repository } from '../../runtime/repository';
import type { Scheduler } from '../../runtime/scheduler';
import { AddressHeldError as StoreAddressHeldError, StoreTimeoutError as StoreTimeout, StoreUnavailableError as StoreDown } from '../../state/store';
import {
  AddressHeldError, AppExistsError, AppLockedError, AppNotFoundError, DeploymentNotFoundError, GroupExistsError,
  GroupNotFoundError, IllegalArgumentError, TooManyDeploymentsError, JsonTypeError, StoreUnavailableError, UpstreamUnavailableError, ValidationError,
} from '../errors';

export const DEFAULT_MAX_RUNNING_DEPLOYMENTS = 100;

export interface AppServiceDeps {
  repo: Repository;
  runner: DeploymentRunner;
  scheduler: Scheduler;
  bus: EventBus;
  now: () => number;
  newUuid: () => string;
  /** Facts for validation (OpenVNet networks, agent-link name). */
  facts: () => Promise<ValidationFacts>;
  mesosBridgeName?: string;
  /** `--local_port_min`/`--local_port_max` (default 10000–20000). */
  servicePortRange?: ServicePortRange;
  /** `--max_running_deployments` (Marathon's default 100): more without force=true is 403. */
  maxRunningDeployments?: number;
  /** OpenVNet's side of the address space (src/runtime/address-space.ts); absent without --openvnet. */
  addressSpace?: {
    leased(wanted: readonly { network: string; address: string }[]): Promise<{ network: string; address: string; holder: string } | undefined>;
    sync(claimed: readonly { network: string; address: string }[]): Promise<void>;
  };
}

export interface DeploymentResult { plan: DeploymentPlan; created?: boolean }

export interface RequestMeta { clientIp: string; uri: string }

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Violations → the right error: JSON type mismatches are 400 "Invalid JSON", the rest 422. */
export function violationsError(violations: readonly Violation[]): JsonTypeError | ValidationError {
  const typeErrors = violations.filter((v) => v.kind === 'type');
  if (typeErrors.length > 0) return new JsonTypeError(toMarathonDetails(typeErrors));
  return new ValidationError(toMarathonDetails(violations));
}

function parentOf(id: string): string {
  const cut = id.lastIndexOf('/');
  return cut <= 0 ? '/' : id.slice(0, cut);
}

/** `/a/b` is inside group `/a` (and `/`). */
export function inGroup(appId: string, groupId: string): boolean {
  if (groupId === '/') return true;
  return appId === groupId || appId.startsWith(`${groupId}/`);
}

/** A tiny FIFO mutex: API writes run one at a time. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(() => undefined, () => undefined);
    return result;
  }
}

/**
 * What a group carries besides its apps: the last change inside it (deployment, PATCH), newest
 * last in `versions`, its dependencies and enforceRole. Stored with the state (Repository.groups,
 * together with whether an empty group stays), in the same transaction as the deployment.
 */
export type GroupMeta = Omit<GroupRecord, 'empty'>;

const MAX_GROUP_VERSIONS = 50;

function ancestorsOf(id: string): string[] {
  const out: string[] = [];
  for (let cut = id.lastIndexOf('/'); cut > 0; cut = id.lastIndexOf('/', cut - 1)) out.push(id.slice(0, cut));
  out.push('/');
  return out;
}

export class AppService {
  private readonly mutex = new Mutex();
  /** Group record changes of the current locked operation, written with its commit (null = delete). */
  private groupDraft = new Map<string, GroupRecord | null>();

  /** Groups kept without apps (created empty, or left empty by the deletion of their last app). */
  get emptyGroups(): ReadonlySet<string> {
    const out = new Set<string>();
    for (const [id, g] of this.deps.repo.groups) if (g.empty) out.add(id);
    return out;
  }

  /** Group versions, dependencies and enforceRole by group id. */
  get groupMeta(): ReadonlyMap<string, GroupMeta> {
    return this.deps.repo.groups;
  }

  private groupRecord(groupId: string): GroupRecord | undefined {
    const drafted = this.groupDraft.get(groupId);
    if (drafted === null) return undefined;
    const g = drafted ?? this.deps.repo.groups.get(groupId);
    return g === undefined ? undefined : { ...g };
  }

  /** Marks `groupId` as changed at `version`; `settings` replace its dependencies / enforceRole. */
  private touchGroup(groupId: string, version: string, settings: { dependencies?: string[]; enforceRole?: boolean } = {}): void {
    const g = this.groupRecord(groupId) ?? { version, versions: [], dependencies: [], enforceRole: false, empty: false };
    if (g.versions[g.versions.length - 1] !== version) g.versions = [...g.versions, version].slice(-MAX_GROUP_VERSIONS);
    g.version = version;
    if (settings.dependencies !== undefined) g.dependencies = settings.dependencies;
    if (settings.enforceRole !== undefined) g.enforceRole = settings.enforceRole;
    this.groupDraft.set(groupId, g);
  }

  /** Whether the group stays while it has no apps (a record is created when needed). */
  private markEmpty(groupId: string, empty: boolean, version: string): void {
    const g = this.groupRecord(groupId);
    if (g === undefined && !empty) return;
    if (g === undefined) this.touchGroup(groupId, version);
    const next = this.groupRecord(groupId) as GroupRecord;
    if (next.empty === empty && g !== undefined) return;
    next.empty = empty;
    this.groupDraft.set(groupId, next);
  }

  /** The drafted group changes as commit arguments; the draft is emptied. */
  private takeGroupDraft(): { putGroups: Array<[string, GroupRecord]>; deleteGroups: string[] } {
    const putGroups: Array<[string, GroupRecord]> = [];
    const deleteGroups: string[] = [];
    for (const [id, g] of this.groupDraft) {
      if (g === null) { if (this.deps.repo.groups.has(id)) deleteGroups.push(id); } else putGroups.push([id, g]);
    }
    this.groupDraft = new Map();
    return { putGroups, deleteGroups };
  }

  /** Group-level settings of a Group body (and its nested groups), by resolved group id. */
  private groupSettingsOf(body: JsonObject, groupId: string): Map<string, { dependencies?: string[]; enforceRole?: boolean }> {
    const out = new Map<string, { dependencies?: string[]; enforceRole?: boolean }>();
    const details: Array<{ path: string; errors: string[] }> = [];
    const walk = (g: JsonObject, gid: string, path: string): void => {
      const settings: { dependencies?: string[]; enforceRole?: boolean } = {};
      if (g.dependencies !== undefined && g.dependencies !== null) {
        if (!Array.isArray(g.dependencies) || g.dependencies.some((d) => typeof d !== 'string')) {
          details.push({ path: `${path}/dependencies`, errors: ['error.expected.jsarray of strings'] });
        } else settings.dependencies = (g.dependencies as string[]).map((d) => canonicalAppId(d, parentOf(gid)));
      }
      if (g.enforceRole !== undefined && g.enforceRole !== null) {
        if (typeof g.enforceRole !== 'boolean') details.push({ path: `${path}/enforceRole`, errors: ['error.expected.jsboolean'] });
        else settings.enforceRole = g.enforceRole;
      }
      out.set(gid, settings);
      if (Array.isArray(g.groups)) {
        g.groups.forEach((sub, i) => {
          if (isObject(sub) && typeof sub.id === 'string') walk(sub, canonicalAppId(sub.id, gid), `${path}/groups(${i})`);
        });
      }
    };
    walk(body, groupId, '');
    if (details.length > 0) throw new JsonTypeError(details);
    return out;
  }

  /** Service ports given out earlier in the current locked operation (a batch of apps), by app id. */
  private readonly pendingServicePorts = new Map<string, number[]>();

  constructor(private readonly deps: AppServiceDeps) {}

  /** Runs `fn` under the write mutex with a fresh batch of pending service ports. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      this.pendingServicePorts.clear();
      try {
        return await fn();
      } finally {
        this.pendingServicePorts.clear();
      }
    });
  }

  /** Fills `port: 0` service ports: unique across apps, the previous version's ports kept. */
  private withServicePorts(app: AppDefinition): AppDefinition {
    const taken = new Set<number>();
    for (const [id, v] of this.deps.repo.apps) {
      if (id === app.id) continue;
      for (const p of servicePortsOf(v.app)) if (p !== 0) taken.add(p);
    }
    for (const [id, ports] of this.pendingServicePorts) if (id !== app.id) for (const p of ports) taken.add(p);
    try {
      const assigned = assignServicePorts(app, this.deps.repo.apps.get(app.id)?.app, taken, this.deps.servicePortRange ?? DEFAULT_SERVICE_PORT_RANGE);
      this.pendingServicePorts.set(app.id, servicePortsOf(assigned));
      return assigned;
    } catch (err) {
      if (err instanceof ServicePortsExhaustedError) throw new ValidationError([{ path: '/portDefinitions', errors: [err.message] }]);
      throw err;
    }
  }

  private nowIso(): string {
    return new Date(this.deps.now()).toISOString();
  }

  // ---- parsing --------------------------------------------------------------------------------

  /** Normalises and validates one app body; throws 400/422. */
  async parseApp(raw: unknown, parentGroup = '/'): Promise<AppDefinition> {
    const n = normalizeApp(raw, { parentGroup, mesosBridgeName: this.deps.mesosBridgeName });
    if ('violations' in n) {
      // Rule violations while reading: report them together with every other rule the app breaks.
      if (n.partial === undefined) throw violationsError(n.violations);
      throw violationsError([...n.violations, ...validateApp(n.partial, await this.deps.facts())]);
    }
    const violations = validateApp(n.app, await this.deps.facts());
    if (violations.length > 0) throw violationsError(violations);
    return this.withServicePorts(n.app);
  }

  /** 409 when another app holds a static address this app needs. */
  private checkHeld(app: AppDefinition): void {
    const conflicts = checkAddressConflicts(app, this.deps.repo.heldAddresses());
    const c = conflicts[0];
    if (c !== undefined) throw new AddressHeldError(c.network, c.address, `${c.holder.appId} (instance slot ${c.holder.slot})`, c.path);
  }

  /** 409 when OpenVNet has already leased an address the change would newly claim. */
  private async checkLeasedInOpenVnet(claim: readonly HeldAddress[]): Promise<void> {
    const space = this.deps.addressSpace;
    if (space === undefined || claim.length === 0) return;
    let conflict: { network: string; address: string; holder: string } | undefined;
    try {
      conflict = await space.leased(claim);
    } catch (err) {
      throw new UpstreamUnavailableError(`OpenVNet API unavailable: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (conflict !== undefined) throw new AddressHeldError(conflict.network, conflict.address, conflict.holder);
  }

  /** Claims for slots 0..instances-1 of each app's static pools that are not yet claimed. */
  private claimsFor(apps: readonly AppDefinition[]): HeldAddress[] {
    const out: HeldAddress[] = [];
    for (const app of apps) {
      for (const iface of app.container?.networkInterfaces ?? []) {
        const pool = poolOf(iface);
        if (pool === undefined) continue;
        const slots = Math.min(app.instances, pool.size);
        for (let slot = 0; slot < slots; slot++) {
          const a = addressAt(pool, slot);
          if (a === undefined) continue;
          const address = formatIPv4(a);
          const existing = this.deps.repo.claims.get(`${iface.networkName} ${address}`);
          if (existing !== undefined && existing.holder.appId === app.id && existing.holder.slot === slot) continue;
          out.push({ network: iface.networkName, address, holder: { appId: app.id, slot } });
        }
      }
    }
    return out;
  }

  // ---- the one write path ------------------------------------------------------------------------

  /**
   * Replaces the apps in `changes` (null = remove) and runs the resulting plan. Must be called
   * inside the mutex.
   */
  private async deploy(
    changes: Map<string, AppVersion | null>,
    opts: { force: boolean; restart?: Set<string>; sentenced?: Map<string, string[]> },
    /** Further group record changes of this operation, made after the deployment's own (stored with it). */
    groupEdits?: (plan: DeploymentPlan) => void,
  ): Promise<DeploymentPlan> {
    const { repo, runner } = this.deps;
    const max = this.deps.maxRunningDeployments ?? DEFAULT_MAX_RUNNING_DEPLOYMENTS;
    if (!opts.force && repo.deployments.size >= max) throw new TooManyDeploymentsError(max);
    // Only the changed apps can be affected; the plan needs nothing else (O(changes), not O(apps)).
    const oldApps = new Map<string, AppVersion>();
    const newApps = new Map<string, AppVersion>();
    for (const [id, v] of changes) {
      const current = repo.apps.get(id);
      if (current !== undefined) oldApps.set(id, current);
      if (v !== null) newApps.set(id, v);
    }
    const plan = planDeployment({
      oldApps, newApps, now: this.nowIso(), newId: this.deps.newUuid, classify: classifyChange,
      restart: opts.restart, sentenced: opts.sentenced,
    });
    const conflicts = runner.conflicting(plan.affectedApps);
    if (conflicts.length > 0 && !opts.force) throw new AppLockedError(conflicts.map((d) => ({ id: d.plan.id })));
    const changed = [...changes.values()].filter((v): v is AppVersion => v !== null);
    for (const v of changed) this.checkHeld(v.app);
    const claim = this.claimsFor(changed.map((v) => v.app));
    await this.checkLeasedInOpenVnet(claim);
    const record: DeploymentRecord = { plan, currentStep: 0, startedAt: this.nowIso() };
    // The groups the deployment changes: their version, and a group gaining an app is no longer kept as empty.
    this.groupDraft = new Map();
    for (const id of plan.affectedApps) {
      if (changes.get(id) !== null) this.markEmpty(id.slice(0, Math.max(1, id.lastIndexOf('/'))), false, plan.version);
      for (const a of ancestorsOf(id)) this.touchGroup(a, plan.version);
    }
    groupEdits?.(plan);
    const change = {
      putApps: changed,
      deleteApps: [...changes].filter(([, v]) => v === null).map(([id]) => id),
      putDeployments: [record],
      claim,
      ...this.takeGroupDraft(),
    };
    try {
      await repo.commit(change);
    } catch (err) {
      // Outcome unknown (timeout): re-read; if it landed, it is done and runs like any other.
      if (err instanceof StoreTimeout && await repo.resolveUnknownCommit(change)) return this.afterCommit(plan, record, claim, changes, conflicts);
      this.groupDraft = new Map();
      if (err instanceof StoreAddressHeldError) {
        const holder = isObject(err.holder) && typeof err.holder.appId === 'string' ? `${err.holder.appId} (instance slot ${String(err.holder.slot)})` : JSON.stringify(err.holder);
        throw new AddressHeldError(err.network, err.address, holder);
      }
      if (err instanceof StoreDown) throw new StoreUnavailableError(err.message);
      throw err;
    }
    return this.afterCommit(plan, record, claim, changes, conflicts);
  }

  private afterCommit(
    plan: DeploymentPlan, record: DeploymentRecord, claim: HeldAddress[], changes: Map<string, AppVersion | null>, conflicts: DeploymentRecord[],
  ): DeploymentPlan {
    const { repo, runner } = this.deps;
    if (this.deps.addressSpace !== undefined && (claim.length > 0 || changes.size > 0)) {
      void this.deps.addressSpace.sync(repo.heldAddresses());
    }
    for (const d of conflicts) runner.cancel(d.plan.id);
    runner.start(record);
    this.deps.bus.publish('group_change_success', { groupId: '/', version: plan.version });
    return plan;
  }

  // ---- apps -------------------------------------------------------------------------------------

  createApp(raw: unknown, meta: RequestMeta, force = false): Promise<{ version: AppVersion; plan: DeploymentPlan }> {
    return this.locked(async () => {
      const app = await this.parseApp(raw);
      if (this.deps.repo.apps.has(app.id)) throw new AppExistsError(app.id);
      const version = nextVersion(undefined, app, 'create', this.nowIso());
      const plan = await this.deploy(new Map([[app.id, version]]), { force });
      this.deps.bus.publish('api_post_event', { clientIp: meta.clientIp, uri: meta.uri, appDefinition: { ...app, version: version.version } });
      return { version, plan };
    });
  }

  /** The version an update body produces (no side effects). */
  private async updatedVersion(id: string, raw: unknown, partial: boolean): Promise<{ version: AppVersion; created: boolean }> {
    if (!isObject(raw)) throw violationsError([{ path: '/', message: 'error.expected.jsobject', kind: 'type' }]);
    if (typeof raw.id === 'string' && raw.id !== '' && canonicalAppId(raw.id) !== id) {
      throw new ValidationError([{ path: '/id', errors: [`The path id ${id} does not match the body id ${canonicalAppId(raw.id)}`] }]);
    }
    const current = this.deps.repo.apps.get(id);
    const body: JsonObject = { ...raw, id };
    const source = current !== undefined && partial ? mergePartial(current.app, body) : body;
    const app = await this.parseApp(source);
    if (current === undefined) return { version: nextVersion(undefined, app, 'create', this.nowIso()), created: true };
    const kind: ChangeKind = classifyChange(current.app, app);
    return { version: nextVersion(current, app, kind, this.nowIso()), created: false };
  }

  updateApp(id: string, raw: unknown, opts: { partial: boolean; force: boolean; allowCreate: boolean; meta: RequestMeta }): Promise<DeploymentResult> {
    return this.locked(async () => {
      if (!opts.allowCreate && !this.deps.repo.apps.has(id)) throw new AppNotFoundError(id);
      const { version, created } = await this.updatedVersion(id, raw, opts.partial);
      const plan = await this.deploy(new Map([[id, version]]), { force: opts.force });
      this.deps.bus.publish('api_post_event', { clientIp: opts.meta.clientIp, uri: opts.meta.uri, appDefinition: { ...version.app, version: version.version } });
      return { plan, created };
    });
  }

  /** PUT (allowCreate) and PATCH (never creates: an unknown id is 404, as Marathon's patchMultiple) /v2/apps. */
  updateApps(raw: unknown, opts: { partial: boolean; force: boolean; allowCreate: boolean; meta: RequestMeta }): Promise<DeploymentResult> {
    return this.locked(async () => {
      if (!Array.isArray(raw)) throw violationsError([{ path: '/', message: 'error.expected.jsarray', kind: 'type' }]);
      const changes = new Map<string, AppVersion | null>();
      const details: Array<{ path: string; errors: string[] }> = [];
      for (const [index, item] of raw.entries()) {
        if (!isObject(item) || typeof item.id !== 'string' || item.id === '') {
          details.push({ path: `(${index})/id`, errors: ['error.path.missing'] });
          continue;
        }
        const id = canonicalAppId(item.id);
        if (!opts.allowCreate && !this.deps.repo.apps.has(id)) throw new AppNotFoundError(id);
        try {
          changes.set(id, (await this.updatedVersion(id, item, opts.partial)).version);
        } catch (err) {
          if (err instanceof ValidationError || err instanceof JsonTypeError) {
            for (const d of err.details) details.push({ path: `(${index})${d.path === '/' ? '' : d.path}`, errors: d.errors });
          } else throw err;
        }
      }
      if (details.length > 0) throw new ValidationError(details);
      const plan = await this.deploy(changes, { force: opts.force });
      return { plan };
    });
  }

  deleteApp(id: string, force: boolean): Promise<DeploymentPlan> {
    return this.locked(async () => {
      if (!this.deps.repo.apps.has(id)) throw new AppNotFoundError(id);
      // Marathon keeps the group an app lived in, empty, until the group itself is deleted.
      const parent = id.slice(0, Math.max(1, id.lastIndexOf('/')));
      const lastInGroup = parent !== '/' && !this.appsIn(parent).some((v) => v.app.id !== id);
      const plan = await this.deploy(new Map([[id, null]]), { force }, (p) => { if (lastInGroup) this.markEmpty(parent, true, p.version); });
      this.deps.bus.publish('app_terminated_event', { appId: id });
      return plan;
    });
  }

  restartApp(id: string, force: boolean): Promise<DeploymentPlan> {
    return this.locked(async () => {
      const current = this.deps.repo.apps.get(id);
      if (current === undefined) throw new AppNotFoundError(id);
      const version = nextVersion(current, current.app, 'restart', this.nowIso());
      return this.deploy(new Map([[id, version]]), { force, restart: new Set([id]) });
    });
  }

  // ---- tasks ------------------------------------------------------------------------------------

  /**
   * Kills instances. `scale`: the apps' instance counts drop by the number killed (a deployment
   * with the killed instances sentenced); otherwise they are replaced.
   */
  killInstances(instances: readonly Instance[], opts: { scale: boolean; force: boolean; wipe: boolean }): Promise<DeploymentPlan | null> {
    return this.locked(async () => {
      const { repo, scheduler } = this.deps;
      if (opts.scale) {
        const byApp = new Map<string, string[]>();
        for (const i of instances) byApp.set(i.appId, [...(byApp.get(i.appId) ?? []), i.instanceId]);
        const changes = new Map<string, AppVersion | null>();
        for (const [appId, ids] of byApp) {
          const current = repo.apps.get(appId);
          if (current === undefined) continue;
          const app: AppDefinition = { ...current.app, instances: Math.max(0, current.app.instances - ids.length) };
          changes.set(appId, nextVersion(current, app, 'scale', this.nowIso()));
        }
        return this.deploy(changes, { force: opts.force, sentenced: byApp });
      }
      for (const i of instances) {
        if (opts.wipe) scheduler.wipeInstance(i);
        else scheduler.killInstance(i, { decommission: false });
      }
      return null;
    });
  }

  // ---- deployments ------------------------------------------------------------------------------

  /** DELETE /v2/deployments/{id}: force → cancel (null); else a forced rollback deployment. */
  cancelDeployment(id: string, force: boolean): Promise<DeploymentPlan | null> {
    return this.locked(async () => {
      const { repo, runner } = this.deps;
      const d = repo.deployments.get(id);
      if (d === undefined) throw new DeploymentNotFoundError(id);
      if (force) {
        runner.cancel(id);
        return null;
      }
      const changes = new Map<string, AppVersion | null>();
      for (const [appId, original] of Object.entries(d.plan.original)) {
        const current = repo.apps.get(appId);
        if (original === null) { if (current !== undefined) changes.set(appId, null); continue; }
        const kind = current === undefined ? 'create' : classifyChange(current.app, original.app);
        changes.set(appId, nextVersion(current, original.app, kind, this.nowIso()));
      }
      return this.deploy(changes, { force: true });
    });
  }

  // ---- groups -----------------------------------------------------------------------------------

  private appsIn(groupId: string): AppVersion[] {
    return [...this.deps.repo.apps.values()].filter((v) => inGroup(v.app.id, groupId));
  }

  groupExists(groupId: string): boolean {
    if (groupId === '/') return true;
    return this.appsIn(groupId).some((v) => v.app.id !== groupId) || this.deps.repo.groups.get(groupId)?.empty === true;
  }

  /** The apps of a Group body (recursively), ids resolved against their enclosing groups. */
  private async appsOfGroupBody(body: JsonObject, groupId: string): Promise<AppDefinition[]> {
    const out: AppDefinition[] = [];
    const details: Array<{ path: string; errors: string[] }> = [];
    const walk = async (g: JsonObject, gid: string, path: string): Promise<void> => {
      const apps = g.apps;
      if (apps !== undefined && apps !== null) {
        if (!Array.isArray(apps)) { details.push({ path: `${path}/apps`, errors: ['error.expected.jsarray'] }); return; }
        for (const [i, raw] of apps.entries()) {
          try {
            out.push(await this.parseApp(raw, gid));
          } catch (err) {
            if (err instanceof ValidationError || err instanceof JsonTypeError) {
              for (const d of err.details) details.push({ path: `${path}/apps(${i})${d.path === '/' ? '' : d.path}`, errors: d.errors });
            } else throw err;
          }
        }
      }
      const groups = g.groups;
      if (Array.isArray(groups)) {
        for (const [i, sub] of groups.entries()) {
          if (!isObject(sub) || typeof sub.id !== 'string') { details.push({ path: `${path}/groups(${i})/id`, errors: ['error.path.missing'] }); continue; }
          const subId = canonicalAppId(sub.id, gid);
          const bad = validateAppId(subId, `${path}/groups(${i})/id`);
          if (bad.length > 0) { for (const b of bad) details.push({ path: b.path, errors: [b.message] }); continue; }
          await walk(sub, subId, `${path}/groups(${i})`);
        }
      }
    };
    await walk(body, groupId, '');
    if (details.length > 0) throw new ValidationError(details);
    return out;
  }

  /** POST /v2/groups (base `/`, body id required) and POST /v2/groups/{base} (body id relative to it, optional). */
  createGroup(raw: unknown, force: boolean, base?: string): Promise<{ groupId: string; plan: DeploymentPlan }> {
    return this.locked(async () => {
      if (!isObject(raw)) throw violationsError([{ path: '/', message: 'error.expected.jsobject', kind: 'type' }]);
      const hasId = typeof raw.id === 'string' && raw.id !== '';
      if (!hasId && base === undefined) throw new ValidationError([{ path: '/id', errors: ['error.path.missing'] }]);
      const groupId = hasId ? canonicalAppId(raw.id as string, base ?? '/') : (base as string);
      // A group id follows the app id rules (it becomes a path prefix and a Location header).
      if (groupId !== '/') {
        const bad = validateAppId(groupId);
        if (bad.length > 0) throw violationsError(bad);
      }
      // The root always exists: POST {"id":"/"} (what the stock UI's Create Group sends for an empty name) is 409, as in Marathon.
      if (groupId === '/' || this.groupExists(groupId)) throw new GroupExistsError(groupId);
      if (this.deps.repo.apps.has(groupId)) throw new AppExistsError(groupId);
      const settings = this.groupSettingsOf(raw, groupId);
      const apps = await this.appsOfGroupBody(raw, groupId);
      const changes = new Map<string, AppVersion | null>();
      for (const app of apps) {
        if (this.deps.repo.apps.has(app.id)) throw new AppExistsError(app.id);
        changes.set(app.id, nextVersion(undefined, app, 'create', this.nowIso()));
      }
      const plan = await this.deploy(changes, { force }, (p) => {
        for (const a of ancestorsOf(`${groupId}/x`)) this.touchGroup(a, p.version);
        for (const [gid, st] of settings) this.touchGroup(gid, p.version, st);
        if (apps.length === 0) this.markEmpty(groupId, true, p.version);
      });
      return { groupId, plan };
    });
  }

  updateGroup(groupId: string, raw: unknown, opts: { force: boolean; dryRun: boolean }): Promise<DeploymentPlan> {
    return this.locked(async () => {
      if (!isObject(raw)) throw violationsError([{ path: '/', message: 'error.expected.jsobject', kind: 'type' }]);
      const changes = new Map<string, AppVersion | null>();
      let settings = new Map<string, { dependencies?: string[]; enforceRole?: boolean }>();
      if (raw.scaleBy !== undefined) {
        if (typeof raw.scaleBy !== 'number' || !Number.isFinite(raw.scaleBy) || raw.scaleBy < 0) {
          throw new IllegalArgumentError('scaleBy must be a non-negative number');
        }
        if (!this.groupExists(groupId)) throw new GroupNotFoundError(groupId);
        // The same admission as a PUT of each app with its new instance count.
        const facts = await this.deps.facts();
        const violations: Violation[] = [];
        for (const v of this.appsIn(groupId)) {
          const app = { ...v.app, instances: Math.ceil(v.app.instances * raw.scaleBy) };
          for (const violation of validateApp(app, facts)) violations.push({ ...violation, message: `${app.id}: ${violation.message}` });
          changes.set(v.app.id, nextVersion(v, app, 'scale', this.nowIso()));
        }
        if (violations.length > 0) throw violationsError(violations);
      } else {
        settings = this.groupSettingsOf(raw, groupId);
        const apps = await this.appsOfGroupBody(raw, groupId);
        const wanted = new Set(apps.map((a) => a.id));
        for (const v of this.appsIn(groupId)) if (!wanted.has(v.app.id)) changes.set(v.app.id, null);
        for (const app of apps) {
          const current = this.deps.repo.apps.get(app.id);
          const kind = current === undefined ? 'create' : classifyChange(current.app, app);
          if (kind === 'none') continue;
          changes.set(app.id, nextVersion(current, app, kind, this.nowIso()));
        }
      }
      if (opts.dryRun) {
        const newApps = new Map(this.deps.repo.apps);
        for (const [id, v] of changes) { if (v === null) newApps.delete(id); else newApps.set(id, v); }
        return planDeployment({ oldApps: this.deps.repo.apps, newApps, now: this.nowIso(), newId: this.deps.newUuid, classify: classifyChange });
      }
      return this.deploy(changes, { force: opts.force }, (p) => {
        if (settings.size > 0) for (const a of ancestorsOf(`${groupId}/x`)) this.touchGroup(a, p.version);
        for (const [gid, st] of settings) this.touchGroup(gid, p.version, st);
      });
    });
  }

  /** PATCH /v2/groups/{id}: sets or clears enforceRole of a top-level group (no deployment). */
  patchGroup(groupId: string, raw: unknown): Promise<void> {
    return this.locked(async () => {
      if (!isObject(raw)) throw violationsError([{ path: '/', message: 'error.expected.jsobject', kind: 'type' }]);
      if (raw.enforceRole !== undefined && raw.enforceRole !== null && typeof raw.enforceRole !== 'boolean') {
        throw new JsonTypeError([{ path: '/enforceRole', errors: ['error.expected.jsboolean'] }]);
      }
      if (groupId === '/' || groupId.lastIndexOf('/') !== 0) {
        throw new ValidationError([{ path: '/', errors: [`Path ${groupId} needs to be a top-level group`] }]);
      }
      if (!this.groupExists(groupId)) throw new GroupNotFoundError(groupId);
      const version = this.nowIso();
      this.groupDraft = new Map();
      this.touchGroup(groupId, version, { enforceRole: raw.enforceRole === true });
      this.touchGroup('/', version);
      try {
        await this.deps.repo.commit(this.takeGroupDraft());
      } catch (err) {
        this.groupDraft = new Map();
        if (err instanceof StoreDown) throw new StoreUnavailableError(err.message);
        throw err;
      }
    });
  }

  deleteGroup(groupId: string, force: boolean): Promise<DeploymentPlan> {
    return this.locked(async () => {
      if (!this.groupExists(groupId)) throw new GroupNotFoundError(groupId);
      const changes = new Map<string, AppVersion | null>();
      for (const v of this.appsIn(groupId)) changes.set(v.app.id, null);
      return this.deploy(changes, { force }, () => {
        for (const g of [...this.deps.repo.groups.keys(), ...this.groupDraft.keys()]) if (g !== '/' && inGroup(g, groupId)) this.groupDraft.set(g, null);
      });
    });
  }
}
