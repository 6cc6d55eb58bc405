// The scheduler-facing semantics of a Mesos 1.11 master, without HTTP: frameworks and their
// subscriptions, offers and filters, launch validation, status updates with acknowledgement,
// kill, reconciliation, teardown and failover. The HTTP shell (master.ts) decodes requests,
// checks transport rules and hands calls and streams to this class.
import type { Encoding } from '../../mesos/codec';
import type {
  Call, ContainerInfo, ContainerStatus, Event, FrameworkInfo, Labels, MasterInfo, Offer, ReconcileTask, TaskInfo, TaskState, TaskStatus,
} from '../../mesos/types';
import { TERMINAL_STATES } from '../../mesos/types';
import {
  hasCapability, taskKey, type Agent, type AgentFramework, type AgentStatusReport,
} from './agent';
import { allocate, liveRefusals, type AllocationFramework, type Refusal } from './allocator';
import type { Ids } from './ids';
import type { Clock, Timer } from '../../lib/clock';
import type { Logger } from '../../lib/log';
import { HttpAnswer } from './http-answer';
import {
  EMPTY, ResourceError, add, agentBag, bagFromMesos, contains, formatBag, formatResourceList, isEmpty,
  scalar, subtract, summarize, toMesos, type ResourceBag,
} from './resources';
import { StatusUpdateManager } from './status-updates';
import { TaskTable } from './task-table';
import { parseLenientIPv4, toNetworkOrderUint32 } from '../../lib/ipv4';

/** One open SUBSCRIBE response stream. */
export interface Subscription {
  readonly streamId: string;
  readonly encoding: Encoding;
  send(event: Event): void;
  /** ends the stream (the framework's connection is gone afterwards) */
  close(): void;
}

export interface MasterCoreOptions {
  masterId: string;
  heartbeatIntervalSeconds: number;
  allocationIntervalMs: number;
  statusUpdateRetryMs: number;
  statusUpdateMaxRetryMs: number;
  offerTimeoutMs?: number;
  clock: Clock;
  ids: Ids;
  logger: Pick<Logger, 'info' | 'warn'>;
}

export interface MasterAddress {
  ip: string;
  port: number;
  hostname: string;
}

interface FrameworkRecord {
  id: string;
  info: FrameworkInfo;
  subscription?: Subscription;
  connected: boolean;
  suppressed: boolean;
  refusals: Refusal[];
  heartbeat?: Timer;
  failover?: Timer;
  registeredAt: number;
  disconnectedAt?: number;
}

interface TaskRecord {
  frameworkId: string;
  agentId: string;
  info: TaskInfo;
  resources: ResourceBag;
  state: TaskState;
  latest?: TaskStatus;
  statuses: TaskStatus[];
  /** its framework is gone; kept only until the agent reports it terminal */
  orphan: boolean;
  resourcesFreed: boolean;
}

interface OfferRecord {
  id: string;
  offeredAtMs: number;
  frameworkId: string;
  agentId: string;
  resources: ResourceBag;
  role: string;
  timer?: Timer;
}

interface AgentRecord {
  id: string;
  agent: Agent;
  total: ResourceBag;
  registeredAt: number;
}

export interface TaskView {
  frameworkId: string;
  taskId: string;
  name: string;
  agentId: string;
  state: TaskState;
  resources: Record<string, number | string>;
  containerId?: string;
  statuses: Array<{ state: TaskState; timestamp?: number; uuid?: string; source?: string; message?: string; containerStatus?: ContainerStatus }>;
  pendingUpdates: number;
  /** TaskInfo.container as launched (network_infos in the order the framework sent them) */
  container?: ContainerInfo;
  labels?: Labels;
}

export interface FrameworkView {
  id: string;
  name: string;
  user: string;
  role: string;
  capabilities: string[];
  connected: boolean;
  suppressed: boolean;
  failoverTimeoutSeconds: number;
  streamId?: string;
  registeredAt: number;
  disconnectedAt?: number;
  offers: string[];
  tasks: TaskView[];
}

export interface AgentView {
  id: string;
  kind: string;
  hostname: string;
  port: number;
  total: Record<string, number | string>;
  used: Record<string, number | string>;
  offered: Record<string, number | string>;
  available: Record<string, number | string>;
}

export interface OfferView {
  id: string;
  frameworkId: string;
  agentId: string;
  resources: Record<string, number | string>;
}

export interface MasterSnapshot {
  id: string;
  frameworks: FrameworkView[];
  completedFrameworks: Array<{ id: string; name: string }>;
  tasks: TaskView[];
  completedTasks: TaskView[];
  agents: AgentView[];
  offers: OfferView[];
  pendingStatusUpdates: number;
}

const MAX_COMPLETED = 1000;
const MAX_REFUSE_SECONDS = 365 * 24 * 3600;
const MASTER_CAPABILITIES = ['AGENT_UPDATE', 'AGENT_DRAINING'];

function isTerminal(state: TaskState): boolean {
  return TERMINAL_STATES.has(state) || state === 'TASK_LOST';
}

function refuseSeconds(filters: { refuse_seconds?: number } | undefined): number {
  const v = filters?.refuse_seconds;
  if (v === undefined || typeof v !== 'number' || !Number.isFinite(v) || v < 0) return 5;
  return Math.min(v, MAX_REFUSE_SECONDS);
}

const LOOPBACK = 0x7f000001;

/** IPv4 dotted quad → MasterInfo.ip (network byte order read as a host uint32). */
export function packIp(ip: string): number {
  return toNetworkOrderUint32(parseLenientIPv4(ip) ?? LOOPBACK);
}

export class MasterCore {
  private readonly frameworks = new Map<string, FrameworkRecord>();
  private readonly completedFrameworks = new Map<string, FrameworkRecord>();
  private readonly tasks = new TaskTable<TaskRecord>();
  private readonly completedTasks: TaskRecord[] = [];
  private readonly offers = new Map<string, OfferRecord>();
  private readonly agents = new Map<string, AgentRecord>();
  private readonly removedAgents = new Set<string>();
  private readonly updates: StatusUpdateManager;
  private frameworkCounter = 0;
  private offerCounter = 0;
  private agentCounter = 0;
  private allocationTimer?: Timer;
  private allocationSoon?: Timer;
  private started = false;
  private closed = false;
  private address: MasterAddress = { ip: '127.0.0.1', port: 5050, hostname: '127.0.0.1' };

  constructor(private readonly opts: MasterCoreOptions) {
    this.updates = new StatusUpdateManager({
      clock: opts.clock,
      baseRetryMs: opts.statusUpdateRetryMs,
      maxRetryMs: opts.statusUpdateMaxRetryMs,
      forward: (frameworkId, status) => this.sendToFramework(frameworkId, { type: 'UPDATE', update: { status } }),
    });
  }

  get masterId(): string {
    return this.opts.masterId;
  }

  setAddress(address: MasterAddress): void {
    this.address = address;
  }

  /** Starts the periodic allocation cycle. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    const tick = (): void => {
      this.runAllocation();
      this.allocationTimer = this.opts.clock.setTimer(tick, this.opts.allocationIntervalMs);
    };
    this.allocationTimer = this.opts.clock.setTimer(tick, this.opts.allocationIntervalMs);
    this.scheduleAllocation();
  }

  masterInfo(encoding: Encoding): MasterInfo {
    const { ip, port, hostname } = this.address;
    const capabilities: Array<{ type?: string }> = MASTER_CAPABILITIES.map((type) => ({ type }));
    // A 1.11 master also advertises a capability the v1 proto does not name (QUOTA_V2): JSON
    // shows it as {}, protobuf carries its number. Clients must tolerate both.
    capabilities.push(encoding === 'json' ? {} : ({ type: 3 } as unknown as { type?: string }));
    return {
      id: this.opts.masterId,
      ip: packIp(ip),
      port,
      pid: `master@${ip}:${port}`,
      hostname,
      version: '1.11.0',
      address: { hostname, ip, port },
      capabilities,
    };
  }

  // ---------------------------------------------------------------- agents

  addAgent(agent: Agent): string {
    const id = `${this.opts.masterId}-S${this.agentCounter++}`;
    this.agents.set(id, { id, agent, total: agentBag(agent.resources), registeredAt: this.opts.clock.now() });
    agent.register({ agentId: id, report: (r) => this.onAgentReport(id, r) });
    this.opts.logger.info({}, `agent ${id} (${agent.kind}) registered on ${agent.hostname}`);
    this.scheduleAllocation();
    return id;
  }

  /** Removes an agent as an operator would: offers rescinded, its tasks gone, agent shut down. */
  async removeAgent(agentId: string): Promise<void> {
    const rec = this.agents.get(agentId);
    if (rec === undefined) return;
    this.agents.delete(agentId);
    this.removedAgents.add(agentId);
    for (const offer of [...this.offers.values()]) {
      if (offer.agentId !== agentId) continue;
      this.removeOffer(offer);
      this.sendToFramework(offer.frameworkId, { type: 'RESCIND', rescind: { offer_id: { value: offer.id } } });
    }
    for (const [key, task] of [...this.tasks]) {
      if (task.agentId !== agentId) continue;
      const fw = this.frameworks.get(task.frameworkId);
      if (fw !== undefined && !isTerminal(task.state)) {
        const status = this.masterStatus(task.info.task_id.value, this.partitionAware(fw) ? 'TASK_GONE_BY_OPERATOR' : 'TASK_LOST',
          `Agent ${agentId} has been removed`, 'REASON_AGENT_REMOVED_BY_OPERATOR', agentId);
        task.state = status.state;
        this.sendToFramework(fw.id, { type: 'UPDATE', update: { status } });
      }
      this.updates.dropTask(task.frameworkId, task.info.task_id.value);
      this.tasks.delete(key);
      this.complete(task);
    }
    for (const fw of this.frameworks.values()) {
      this.sendToFramework(fw.id, { type: 'FAILURE', failure: { agent_id: { value: agentId } } });
    }
    await rec.agent.shutdown();
  }

  // ---------------------------------------------------------------- subscription

  subscribe(call: Call, sub: Subscription): void {
    const subscribe = call.subscribe;
    if (subscribe === undefined || this.closed) { sub.close(); return; }
    const info: FrameworkInfo = { ...subscribe.framework_info };
    const invalid = validateFrameworkInfo(info);
    if (invalid !== undefined) {
      sub.send({ type: 'ERROR', error: { message: invalid } });
      sub.close();
      return;
    }
    let fw: FrameworkRecord | undefined;
    const requestedId = info.id?.value;
    if (requestedId !== undefined) {
      if (this.completedFrameworks.has(requestedId)) {
        sub.send({ type: 'ERROR', error: { message: 'Framework has been removed' } });
        sub.close();
        return;
      }
      fw = this.frameworks.get(requestedId);
      if (fw !== undefined) {
        const old = fw.subscription;
        if (old !== undefined && fw.connected) {
          old.send({ type: 'ERROR', error: { message: 'Framework failed over' } });
        }
        fw.subscription = undefined;
        old?.close();
        fw.heartbeat?.cancel();
        fw.failover?.cancel();
        fw.failover = undefined;
        for (const offer of [...this.offers.values()]) if (offer.frameworkId === fw.id) this.removeOffer(offer);
        // A new scheduler instance knows nothing of its predecessor's declines.
        fw.refusals = [];
        fw.info = info;
        this.opts.logger.info({}, `framework ${fw.id} (${info.name}) failed over`);
      }
    }
    if (fw === undefined) {
      const id = requestedId ?? `${this.opts.masterId}-${String(this.frameworkCounter++).padStart(4, '0')}`;
      info.id = { value: id };
      fw = { id, info, connected: false, suppressed: false, refusals: [], registeredAt: this.opts.clock.now() };
      this.frameworks.set(id, fw);
      this.opts.logger.info({}, `framework ${id} (${info.name}) subscribed`);
    }
    fw.info = { ...info, id: { value: fw.id } };
    fw.subscription = sub;
    fw.connected = true;
    fw.disconnectedAt = undefined;
    const role = this.role(fw);
    fw.suppressed = (subscribe.suppressed_roles ?? []).includes(role);
    sub.send({
      type: 'SUBSCRIBED',
      subscribed: {
        framework_id: { value: fw.id },
        heartbeat_interval_seconds: this.opts.heartbeatIntervalSeconds,
        master_info: this.masterInfo(sub.encoding),
      },
    });
    this.startHeartbeat(fw);
    this.scheduleAllocation();
  }

  /** The HTTP layer reports every stream that ended, whoever ended it. */
  onStreamClosed(sub: Subscription): void {
    for (const fw of this.frameworks.values()) {
      if (fw.subscription !== sub) continue;
      this.disconnect(fw);
    }
  }

  private disconnect(fw: FrameworkRecord): void {
    fw.subscription = undefined;
    fw.connected = false;
    fw.disconnectedAt = this.opts.clock.now();
    fw.heartbeat?.cancel();
    fw.heartbeat = undefined;
    for (const offer of [...this.offers.values()]) if (offer.frameworkId === fw.id) this.removeOffer(offer);
    // As the allocator's deactivateFramework: a deactivated framework's offer filters are dropped.
    fw.refusals = [];
    const timeoutMs = Math.max(0, (fw.info.failover_timeout ?? 0) * 1000);
    this.opts.logger.info({}, `framework ${fw.id} disconnected; failover timeout ${timeoutMs} ms`);
    fw.failover?.cancel();
    fw.failover = this.opts.clock.setTimer(() => {
      fw.failover = undefined;
      if (!fw.connected && this.frameworks.get(fw.id) === fw) {
        this.opts.logger.info({}, `framework ${fw.id} did not fail over within its failover timeout; removing it`);
        this.removeFramework(fw);
      }
    }, timeoutMs);
    this.scheduleAllocation();
  }

  private startHeartbeat(fw: FrameworkRecord): void {
    fw.heartbeat?.cancel();
    const sub = fw.subscription;
    if (sub === undefined) return;
    sub.send({ type: 'HEARTBEAT' });
    const beat = (): void => {
      if (fw.subscription !== sub || this.closed) return;
      sub.send({ type: 'HEARTBEAT' });
      fw.heartbeat = this.opts.clock.setTimer(beat, this.opts.heartbeatIntervalSeconds * 1000);
    };
    fw.heartbeat = this.opts.clock.setTimer(beat, this.opts.heartbeatIntervalSeconds * 1000);
  }

  // ---------------------------------------------------------------- calls

  /**
   * Transport checks for a non-SUBSCRIBE call, in the master's order: framework known (400),
   * connected (403), stream id present (400) and current (400).
   */
  checkCaller(call: Call, streamId: string | undefined): HttpAnswer | undefined {
    const text = { 'Content-Type': 'text/plain; charset=utf-8' };
    const fw = this.frameworks.get(call.framework_id?.value ?? '');
    if (fw === undefined) return new HttpAnswer(400, 'Framework cannot be found', text);
    if (!fw.connected || fw.subscription === undefined) return new HttpAnswer(403, 'Framework is not subscribed', text);
    if (streamId === undefined) {
      return new HttpAnswer(400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header", text);
    }
    if (streamId !== fw.subscription.streamId) {
      return new HttpAnswer(400, `The stream ID '${streamId}' included in this request didn't match the stream ID currently associated with framework ID ${fw.id}`, text);
    }
    return undefined;
  }

  /** Runs a call that passed checkCaller; the answer is 202, 200 (UPDATE_FRAMEWORK) or 501. */
  dispatch(call: Call): HttpAnswer {
    const fw = this.frameworks.get(call.framework_id?.value ?? '');
    if (fw === undefined) return new HttpAnswer(400, 'Framework cannot be found', { 'Content-Type': 'text/plain; charset=utf-8' });
    const accepted = new HttpAnswer(202);
    switch (call.type) {
      case 'TEARDOWN':
        this.opts.logger.info({}, `framework ${fw.id} torn down`);
        this.removeFramework(fw);
        return accepted;
      case 'ACCEPT':
        if (call.accept) this.accept(fw, call.accept);
        return accepted;
      case 'DECLINE':
        if (call.decline) this.decline(fw, call.decline.offer_ids ?? [], call.decline.filters);
        return accepted;
      case 'REVIVE':
        if (this.appliesToRole(fw, call.revive?.roles)) {
          fw.refusals = [];
          fw.suppressed = false;
          this.scheduleAllocation();
        }
        return accepted;
      case 'SUPPRESS':
        if (this.appliesToRole(fw, call.suppress?.roles)) fw.suppressed = true;
        return accepted;
      case 'KILL':
        if (call.kill) this.kill(fw, call.kill.task_id.value, call.kill.agent_id?.value, call.kill.kill_policy?.grace_period?.nanoseconds);
        return accepted;
      case 'SHUTDOWN':
        // Command tasks run under an executor whose id is the task id.
        if (call.shutdown && this.tasks.has(taskKey(fw.id, call.shutdown.executor_id.value))) {
          this.kill(fw, call.shutdown.executor_id.value, call.shutdown.agent_id.value, undefined);
        }
        return accepted;
      case 'ACKNOWLEDGE':
        if (call.acknowledge) this.acknowledge(fw, call.acknowledge.task_id.value, call.acknowledge.uuid);
        return accepted;
      case 'RECONCILE':
        this.reconcile(fw, call.reconcile?.tasks ?? []);
        return accepted;
      case 'UPDATE_FRAMEWORK':
        return this.updateFramework(fw, call);
      case 'MESSAGE':
      case 'REQUEST':
      case 'ACCEPT_INVERSE_OFFERS':
      case 'DECLINE_INVERSE_OFFERS':
      case 'ACKNOWLEDGE_OPERATION_STATUS':
      case 'RECONCILE_OPERATIONS':
        return accepted;
      default:
        return new HttpAnswer(501);
    }
  }

  private appliesToRole(fw: FrameworkRecord, roles: string[] | undefined): boolean {
    return roles === undefined || roles.length === 0 || roles.includes(this.role(fw));
  }

  private updateFramework(fw: FrameworkRecord, call: Call): HttpAnswer {
    const text = { 'Content-Type': 'text/plain; charset=utf-8' };
    const next = call.update_framework?.framework_info;
    if (next === undefined) return new HttpAnswer(400, "Failed to validate scheduler::Call: Expecting 'update_framework' to be present", text);
    if (next.id?.value !== fw.id) {
      return new HttpAnswer(400, "'FrameworkInfo.id' is not equal to the 'framework_id' of the call", text);
    }
    for (const field of ['user', 'principal', 'checkpoint'] as const) {
      if (next[field] !== fw.info[field]) return new HttpAnswer(400, `Updating 'FrameworkInfo.${field}' is unsupported`, text);
    }
    const invalid = validateFrameworkInfo(next);
    if (invalid !== undefined) return new HttpAnswer(400, invalid, text);
    fw.info = { ...next };
    fw.suppressed = (call.update_framework?.suppressed_roles ?? []).includes(this.role(fw));
    this.scheduleAllocation();
    return new HttpAnswer(200);
  }

  // ---------------------------------------------------------------- offers

  private role(fw: FrameworkRecord): string {
    if (hasCapability({ id: fw.id, info: fw.info }, 'MULTI_ROLE')) return fw.info.roles?.[0] ?? '*';
    return fw.info.role ?? '*';
  }

  private multiRole(fw: FrameworkRecord): boolean {
    return hasCapability({ id: fw.id, info: fw.info }, 'MULTI_ROLE');
  }

  private partitionAware(fw: FrameworkRecord): boolean {
    return hasCapability({ id: fw.id, info: fw.info }, 'PARTITION_AWARE');
  }

  private scheduleAllocation(): void {
    if (!this.started || this.closed || this.allocationSoon !== undefined) return;
    this.allocationSoon = this.opts.clock.setTimer(() => {
      this.allocationSoon = undefined;
      this.runAllocation();
    }, 0);
  }

  /** Resources held by live tasks (kept by the task table) and by outstanding offers (one pass), per agent. */
  private usage(): { used: ReadonlyMap<string, ResourceBag>; offered: Map<string, ResourceBag> } {
    const used = this.tasks.used();
    const offered = new Map<string, ResourceBag>();
    for (const o of this.offers.values()) offered.set(o.agentId, add(offered.get(o.agentId) ?? EMPTY, o.resources));
    return { used, offered };
  }

  /** One allocation cycle: offers every agent's available resources to an eligible framework. */
  runAllocation(): void {
    if (this.closed) return;
    const now = this.opts.clock.now();
    const eligible: AllocationFramework[] = [];
    for (const fw of this.frameworks.values()) {
      fw.refusals = liveRefusals(fw.refusals, now);
      if (!fw.connected || fw.suppressed || fw.subscription === undefined) continue;
      let cpus = 0;
      cpus += this.tasks.cpusOf(fw.id);
      for (const o of this.offers.values()) if (o.frameworkId === fw.id) cpus += scalar(o.resources, 'cpus');
      eligible.push({ id: fw.id, allocatedCpus: cpus, refusals: fw.refusals });
    }
    if (eligible.length === 0) return;
    const usage = this.usage();
    const agents = [...this.agents.values()].map((a) => ({
      id: a.id,
      available: subtract(subtract(a.total, usage.used.get(a.id) ?? EMPTY), usage.offered.get(a.id) ?? EMPTY),
    }));
    const byFramework = new Map<string, Offer[]>();
    for (const allocation of allocate(agents, eligible, now)) {
      const fw = this.frameworks.get(allocation.frameworkId);
      const agent = this.agents.get(allocation.agentId);
      if (fw === undefined || agent === undefined) continue;
      const offer = this.createOffer(fw, agent, allocation.resources);
      const list = byFramework.get(fw.id) ?? [];
      list.push(offer);
      byFramework.set(fw.id, list);
    }
    for (const [frameworkId, offers] of byFramework) {
      this.sendToFramework(frameworkId, { type: 'OFFERS', offers: { offers } });
    }
  }

  private createOffer(fw: FrameworkRecord, agent: AgentRecord, resources: ResourceBag): Offer {
    const id = `${this.opts.masterId}-O${this.offerCounter++}`;
    const role = this.role(fw);
    const multiRole = this.multiRole(fw);
    const rec: OfferRecord = { id, frameworkId: fw.id, agentId: agent.id, resources, role, offeredAtMs: this.opts.clock.now() };
    if (this.opts.offerTimeoutMs !== undefined) {
      rec.timer = this.opts.clock.setTimer(() => this.rescind(rec), this.opts.offerTimeoutMs);
    }
    this.offers.set(id, rec);
    const offer: Offer = {
      id: { value: id },
      framework_id: { value: fw.id },
      agent_id: { value: agent.id },
      hostname: agent.agent.hostname,
      url: {
        scheme: 'http',
        address: { hostname: agent.agent.hostname, ip: agent.agent.ip, port: agent.agent.port },
        path: '/slave(1)',
      },
      resources: toMesos(resources, multiRole ? role : undefined),
    };
    if (multiRole) offer.allocation_info = { role };
    return offer;
  }

  private removeOffer(offer: OfferRecord): void {
    offer.timer?.cancel();
    this.offers.delete(offer.id);
  }

  private rescind(offer: OfferRecord): void {
    if (this.offers.get(offer.id) !== offer) return;
    this.removeOffer(offer);
    this.sendToFramework(offer.frameworkId, { type: 'RESCIND', rescind: { offer_id: { value: offer.id } } });
    this.scheduleAllocation();
  }

  /** Rescinds every outstanding offer (all frameworks), e.g. for tests of RESCIND handling. */
  rescindAllOffers(): number {
    const all = [...this.offers.values()];
    for (const o of all) this.rescind(o);
    return all.length;
  }

  private decline(fw: FrameworkRecord, offerIds: Array<{ value: string }>, filters: { refuse_seconds?: number } | undefined): void {
    const seconds = refuseSeconds(filters);
    for (const { value } of offerIds) {
      const offer = this.offers.get(value);
      if (offer === undefined || offer.frameworkId !== fw.id) continue;
      this.removeOffer(offer);
      this.refuse(fw, offer.agentId, offer.resources, seconds);
    }
    this.scheduleAllocation();
  }

  private refuse(fw: FrameworkRecord, agentId: string, resources: ResourceBag, seconds: number): void {
    if (seconds <= 0 || isEmpty(resources)) return;
    fw.refusals.push({ agentId, resources, until: this.opts.clock.now() + seconds * 1000 });
  }

  private validateOffers(fw: FrameworkRecord, offerIds: Array<{ value: string }>): string | undefined {
    if (offerIds.length === 0) return 'No offers specified';
    const seen = new Set<string>();
    for (const { value } of offerIds) {
      if (seen.has(value)) return `Duplicate offer ${value} in offer list`;
      seen.add(value);
    }
    let agentId: string | undefined;
    for (const { value } of offerIds) {
      const offer = this.offers.get(value);
      if (offer === undefined) return `Offer ${value} is no longer valid`;
      if (offer.frameworkId !== fw.id) {
        return `Offer ${value} has invalid framework ${offer.frameworkId} while framework ${fw.id} is expected`;
      }
      if (agentId !== undefined && offer.agentId !== agentId) {
        return `Aggregated offers must belong to one single agent. Offer ${value} uses agent ${offer.agentId} and agent ${agentId}`;
      }
      agentId = offer.agentId;
    }
    return undefined;
  }

  private accept(fw: FrameworkRecord, accept: NonNullable<Call['accept']>): void {
    const offerIds = accept.offer_ids ?? [];
    const invalid = this.validateOffers(fw, offerIds);
    const offers: OfferRecord[] = [];
    for (const { value } of offerIds) {
      const offer = this.offers.get(value);
      if (offer !== undefined && offer.frameworkId === fw.id && !offers.includes(offer)) offers.push(offer);
    }
    for (const offer of offers) this.removeOffer(offer);
    const launches = launchTasks(accept.operations ?? []);
    if (invalid !== undefined) {
      const state: TaskState = this.partitionAware(fw) ? 'TASK_DROPPED' : 'TASK_LOST';
      for (const task of launches) {
        const status = this.masterStatus(task.task_id?.value ?? '', state, `Task launched with invalid offers: ${invalid}`,
          'REASON_INVALID_OFFERS', task.agent_id?.value);
        this.sendToFramework(fw.id, { type: 'UPDATE', update: { status } });
      }
      this.scheduleAllocation();
      return;
    }
    const first = offers[0];
    const agent = first ? this.agents.get(first.agentId) : undefined;
    if (first === undefined || agent === undefined) { this.scheduleAllocation(); return; }
    let pool = offers.reduce((acc, o) => add(acc, o.resources), EMPTY);
    const batch = new Set<string>();
    for (const task of launches) {
      const checked = this.validateTask(fw, task, agent.id, pool, batch, first.role);
      if (typeof checked === 'string') {
        const status = this.masterStatus(task.task_id?.value ?? '', 'TASK_ERROR', checked, 'REASON_TASK_INVALID', task.agent_id?.value);
        this.sendToFramework(fw.id, { type: 'UPDATE', update: { status } });
        continue;
      }
      batch.add(task.task_id.value);
      pool = subtract(pool, checked);
      this.launch(fw, agent, task, checked, first.role);
    }
    this.refuse(fw, agent.id, pool, refuseSeconds(accept.filters));
    this.scheduleAllocation();
  }

  /** The master's task validation; the task's resources, or the TASK_ERROR message. */
  private validateTask(fw: FrameworkRecord, task: TaskInfo, agentId: string, pool: ResourceBag, batch: Set<string>, role: string): ResourceBag | string {
    const id = task.task_id?.value ?? '';
    if (id === '') return 'ID must not be empty';
    if (id === '.' || id === '..' || /[/\x00-\x20\x7f]/.test(id)) return `'${id}' is not a valid task ID`;
    if (batch.has(id) || this.tasks.has(taskKey(fw.id, id))) return `Task has duplicate ID: ${id}`;
    if (task.agent_id?.value !== agentId) return `Task uses invalid agent: ${task.agent_id?.value ?? ''}`;
    const hasExecutor = (task as { executor?: unknown }).executor !== undefined;
    if (hasExecutor === (task.command !== undefined)) {
      return 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present';
    }
    if (hasExecutor) return 'Custom executors are not supported by the local master';
    const resources = task.resources ?? [];
    if (resources.length === 0) return 'Task uses no resources';
    let bag: ResourceBag;
    try {
      bag = bagFromMesos(resources);
    } catch (err) {
      return `Task uses invalid resources: ${err instanceof ResourceError ? err.message : String(err)}`;
    }
    if (!contains(pool, bag)) {
      return `Total resources ${formatResourceList(resources, role)} required by task and its executor is more than available ${formatBag(pool, role)}`;
    }
    return bag;
  }

  private launch(fw: FrameworkRecord, agent: AgentRecord, task: TaskInfo, resources: ResourceBag, role: string): void {
    const launched: TaskInfo = {
      ...task,
      resources: (task.resources ?? []).map((r) => (r.allocation_info ? r : { ...r, allocation_info: { role } })),
    };
    const rec: TaskRecord = {
      frameworkId: fw.id, agentId: agent.id, info: launched, resources, state: 'TASK_STAGING', statuses: [], orphan: false, resourcesFreed: false,
    };
    this.tasks.set(taskKey(fw.id, task.task_id.value), rec);
    this.opts.logger.info({}, `launching task ${task.task_id.value} of framework ${fw.id} on agent ${agent.id}`);
    agent.agent.launch(launched, this.agentFramework(fw));
  }

  private agentFramework(fw: FrameworkRecord): AgentFramework {
    return { id: fw.id, info: fw.info };
  }

  // ---------------------------------------------------------------- status updates

  private onAgentReport(agentId: string, report: AgentStatusReport): void {
    if (this.closed) return;
    const key = taskKey(report.frameworkId, report.taskId);
    const rec = this.tasks.get(key);
    if (rec === undefined || rec.agentId !== agentId) return;
    const status: TaskStatus = {
      task_id: { value: report.taskId },
      state: report.state,
      source: report.source,
      agent_id: { value: agentId },
      executor_id: { value: report.executorId },
      timestamp: this.opts.clock.now() / 1000,
      uuid: this.opts.ids.bytes(16).toString('base64'),
    };
    if (report.message !== undefined) status.message = report.message;
    if (report.reason !== undefined) status.reason = report.reason;
    if (report.containerStatus !== undefined) status.container_status = report.containerStatus;
    if (report.healthy !== undefined) status.healthy = report.healthy;
    rec.state = report.state;
    rec.latest = status;
    rec.statuses.push(status);
    if (rec.statuses.length > 50) rec.statuses.shift();
    if (isTerminal(report.state) && !rec.resourcesFreed) {
      this.tasks.free(rec);
      this.scheduleAllocation();
    }
    if (rec.orphan) {
      if (isTerminal(report.state)) { this.tasks.delete(key); this.complete(rec); }
      return;
    }
    this.updates.enqueue(report.frameworkId, status);
  }

  private acknowledge(fw: FrameworkRecord, taskId: string, uuid: string): void {
    const result = this.updates.acknowledge(fw.id, taskId, uuid);
    if (result.kind !== 'acknowledged') {
      this.opts.logger.warn({}, `unexpected acknowledgement for task ${taskId} of framework ${fw.id}`);
      return;
    }
    const key = taskKey(fw.id, taskId);
    const rec = this.tasks.get(key);
    if (rec !== undefined && isTerminal(result.status.state) && result.remaining === 0) {
      this.tasks.delete(key);
      this.complete(rec);
    }
  }

  private complete(rec: TaskRecord): void {
    this.completedTasks.push(rec);
    if (this.completedTasks.length > MAX_COMPLETED) this.completedTasks.shift();
  }

  private masterStatus(taskId: string, state: TaskState, message: string, reason: string, agentId: string | undefined): TaskStatus {
    const status: TaskStatus = { task_id: { value: taskId }, state, message, source: 'SOURCE_MASTER', reason };
    if (agentId !== undefined) status.agent_id = { value: agentId };
    status.timestamp = this.opts.clock.now() / 1000;
    return status;
  }

  private kill(fw: FrameworkRecord, taskId: string, agentId: string | undefined, graceNs: number | undefined): void {
    const rec = this.tasks.get(taskKey(fw.id, taskId));
    if (rec === undefined) {
      const task: ReconcileTask = { task_id: { value: taskId } };
      if (agentId !== undefined) task.agent_id = { value: agentId };
      this.reconcile(fw, [task]);
      return;
    }
    if (isTerminal(rec.state)) return;
    const agent = this.agents.get(rec.agentId);
    const options = typeof graceNs === 'number' ? { gracePeriodMs: Math.round(graceNs / 1e6) } : undefined;
    agent?.agent.kill(taskId, this.agentFramework(fw), options);
  }

  private reconcile(fw: FrameworkRecord, tasks: ReconcileTask[]): void {
    const send = (status: TaskStatus): void => this.sendToFramework(fw.id, { type: 'UPDATE', update: { status } });
    if (tasks.length === 0) {
      for (const rec of this.tasks.values()) if (rec.frameworkId === fw.id && !rec.orphan) send(this.latestState(rec));
      return;
    }
    const aware = this.partitionAware(fw);
    for (const t of tasks) {
      const rec = this.tasks.get(taskKey(fw.id, t.task_id.value));
      const agentId = t.agent_id?.value;
      if (rec !== undefined && !rec.orphan) send(this.latestState(rec));
      else if (agentId !== undefined && this.agents.has(agentId)) {
        send(this.masterStatus(t.task_id.value, aware ? 'TASK_GONE' : 'TASK_LOST', 'Reconciliation: Task is unknown to the agent', 'REASON_RECONCILIATION', agentId));
      } else if (agentId !== undefined && this.removedAgents.has(agentId)) {
        send(this.masterStatus(t.task_id.value, aware ? 'TASK_GONE_BY_OPERATOR' : 'TASK_LOST', 'Reconciliation: Task is gone', 'REASON_RECONCILIATION', agentId));
      } else {
        send(this.masterStatus(t.task_id.value, aware ? 'TASK_UNKNOWN' : 'TASK_LOST', 'Reconciliation: Task is unknown', 'REASON_RECONCILIATION', agentId));
      }
    }
  }

  private latestState(rec: TaskRecord): TaskStatus {
    const status = this.masterStatus(rec.info.task_id.value, rec.state, 'Reconciliation: Latest task state', 'REASON_RECONCILIATION', rec.agentId);
    if (rec.latest?.container_status !== undefined) status.container_status = rec.latest.container_status;
    if (rec.latest?.healthy !== undefined) status.healthy = rec.latest.healthy;
    if (rec.latest?.labels !== undefined) status.labels = rec.latest.labels;
    return status;
  }

  // ---------------------------------------------------------------- removal

  private removeFramework(fw: FrameworkRecord): void {
    fw.heartbeat?.cancel();
    fw.failover?.cancel();
    for (const offer of [...this.offers.values()]) if (offer.frameworkId === fw.id) this.removeOffer(offer);
    for (const [key, rec] of [...this.tasks]) {
      if (rec.frameworkId !== fw.id) continue;
      rec.orphan = true;
      if (isTerminal(rec.state)) {
        this.tasks.delete(key);
        this.complete(rec);
      } else {
        this.agents.get(rec.agentId)?.agent.kill(rec.info.task_id.value, this.agentFramework(fw));
      }
    }
    this.updates.dropFramework(fw.id);
    this.frameworks.delete(fw.id);
    this.completedFrameworks.set(fw.id, fw);
    const sub = fw.subscription;
    fw.subscription = undefined;
    fw.connected = false;
    sub?.close();
    this.scheduleAllocation();
  }

  private sendToFramework(frameworkId: string, event: Event): void {
    if (this.closed) return;
    const fw = this.frameworks.get(frameworkId);
    if (fw === undefined || !fw.connected || fw.subscription === undefined) return;
    fw.subscription.send(event);
  }

  // ---------------------------------------------------------------- views and shutdown

  private taskView(rec: TaskRecord): TaskView {
    const view: TaskView = {
      frameworkId: rec.frameworkId,
      taskId: rec.info.task_id.value,
      name: rec.info.name,
      agentId: rec.agentId,
      state: rec.state,
      resources: summarize(rec.resources),
      statuses: rec.statuses.map((s) => {
        const v: TaskView['statuses'][number] = { state: s.state };
        if (s.timestamp !== undefined) v.timestamp = s.timestamp;
        if (s.uuid !== undefined) v.uuid = s.uuid;
        if (s.source !== undefined) v.source = s.source;
        if (s.message !== undefined) v.message = s.message;
        if (s.container_status !== undefined) v.containerStatus = s.container_status;
        return v;
      }),
      pendingUpdates: this.updates.pending(rec.frameworkId, rec.info.task_id.value).length,
    };
    const containerId = rec.latest?.container_status?.container_id?.value;
    if (containerId !== undefined) view.containerId = containerId;
    if (rec.info.container !== undefined) view.container = rec.info.container;
    if (rec.info.labels !== undefined) view.labels = rec.info.labels;
    return view;
  }

  /** Cheap view for checkers (the simulation reads it after every step): task id, state, framework, agent. */
  taskStates(): Array<{ frameworkId: string; taskId: string; agentId: string; state: TaskState }> {
    return [...this.tasks.values()].map((t) => ({ frameworkId: t.frameworkId, taskId: t.info.task_id.value, agentId: t.agentId, state: t.state }));
  }

  /** Offers outstanding (made, not yet accepted, declined or rescinded), with when they were made. */
  outstandingOffers(): Array<{ id: string; frameworkId: string; offeredAtMs: number }> {
    return [...this.offers.values()].map((o) => ({ id: o.id, frameworkId: o.frameworkId, offeredAtMs: o.offeredAtMs }));
  }

  /** Ids of the frameworks the master knows (not removed), and of the agents registered. */
  ids(): { frameworks: string[]; agents: string[] } {
    return { frameworks: [...this.frameworks.keys()], agents: [...this.agents.keys()] };
  }

  snapshot(): MasterSnapshot {
    const tasks = [...this.tasks.values()];
    const usage = this.usage();
    return {
      id: this.opts.masterId,
      frameworks: [...this.frameworks.values()].map((fw) => {
        const view: FrameworkView = {
          id: fw.id,
          name: fw.info.name,
          user: fw.info.user,
          role: this.role(fw),
          capabilities: (fw.info.capabilities ?? []).map((c) => c.type ?? 'UNKNOWN'),
          connected: fw.connected,
          suppressed: fw.suppressed,
          failoverTimeoutSeconds: fw.info.failover_timeout ?? 0,
          registeredAt: fw.registeredAt,
          offers: [...this.offers.values()].filter((o) => o.frameworkId === fw.id).map((o) => o.id),
          tasks: tasks.filter((t) => t.frameworkId === fw.id && !t.orphan).map((t) => this.taskView(t)),
        };
        if (fw.subscription !== undefined) view.streamId = fw.subscription.streamId;
        if (fw.disconnectedAt !== undefined) view.disconnectedAt = fw.disconnectedAt;
        return view;
      }),
      completedFrameworks: [...this.completedFrameworks.values()].map((fw) => ({ id: fw.id, name: fw.info.name })),
      tasks: tasks.map((t) => this.taskView(t)),
      completedTasks: this.completedTasks.map((t) => this.taskView(t)),
      agents: [...this.agents.values()].map((a) => {
        const used = usage.used.get(a.id) ?? EMPTY;
        const offered = usage.offered.get(a.id) ?? EMPTY;
        return {
          id: a.id,
          kind: a.agent.kind,
          hostname: a.agent.hostname,
          port: a.agent.port,
          total: summarize(a.total),
          used: summarize(used),
          offered: summarize(offered),
          available: summarize(subtract(subtract(a.total, used), offered)),
        };
      }),
      offers: [...this.offers.values()].map((o) => ({ id: o.id, frameworkId: o.frameworkId, agentId: o.agentId, resources: summarize(o.resources) })),
      pendingStatusUpdates: this.updates.pendingCount(),
    };
  }

  /** Ends every stream, stops timers and shuts the agents down (their processes included). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.allocationTimer?.cancel();
    this.allocationSoon?.cancel();
    this.updates.close();
    for (const fw of this.frameworks.values()) {
      fw.heartbeat?.cancel();
      fw.failover?.cancel();
      const sub = fw.subscription;
      fw.subscription = undefined;
      sub?.close();
    }
    for (const o of this.offers.values()) o.timer?.cancel();
    await Promise.all([...this.agents.values()].map((a) => a.agent.shutdown()));
  }
}

/** LAUNCH task infos (and LAUNCH_GROUP tasks, run as plain tasks) of an ACCEPT, in order. */
function launchTasks(operations: NonNullable<Call['accept']>['operations']): TaskInfo[] {
  const out: TaskInfo[] = [];
  for (const op of operations ?? []) {
    if (op.type === 'LAUNCH') out.push(...(op.launch?.task_infos ?? []));
    else if (op.type === 'LAUNCH_GROUP') {
      const group = (op as { launch_group?: { task_group?: { tasks?: TaskInfo[] } } }).launch_group;
      out.push(...(group?.task_group?.tasks ?? []));
    }
  }
  return out;
}

/** The master's FrameworkInfo checks that answer with an ERROR event instead of SUBSCRIBED. */
export function validateFrameworkInfo(info: FrameworkInfo): string | undefined {
  const multiRole = (info.capabilities ?? []).some((c) => c.type === 'MULTI_ROLE');
  if (multiRole && info.role !== undefined) {
    return "'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable";
  }
  if (!multiRole && (info.roles ?? []).length > 0) {
    return "'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable";
  }
  for (const role of [...(info.roles ?? []), ...(info.role !== undefined ? [info.role] : [])]) {
    if (role === '' || role === '.' || role === '..' || role.startsWith('-') || role.startsWith('/') || role.endsWith('/') || /[\s\\]/.test(role)) {
      return `Invalid role '${role}'`;
    }
  }
  return undefined;
}
