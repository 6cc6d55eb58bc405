// Marathon's response shapes (spec §5.4, §5.5, §3.4, §3.5, §6.4), built from the in-memory
// state. Pure functions: the routes pass in what they looked up.
import { healthCheckResultJson } from '../../core/scheduler/health';
import type { AppVersion } from '../../core/deploy/app-version';
import type { DeploymentRecord } from '../../core/deploy/plan';
import { fromStatusNetworkInfos, type TaskNetworkInterface } from '../../core/network/network-info';
import { planJson } from '../../runtime/deployment-runner';
import { isLaunched, type Instance, type TaskIpAddress } from '../../core/scheduler/instance';
import { MARATHON_REASON, type RejectReason } from '../../core/scheduler/match-offer';
import type { TaskFailure } from '../../runtime/scheduler';
import type { OfferStats } from '../../core/scheduler/launch-queue';
import type { Offer } from '../../mesos/types';
import type { TaskCounts } from '../../core/scheduler/instance-index';

export interface TaskJson {
  id: string;
  appId: string;
  host: string;
  slaveId: string;
  state: string;
  /** Absent until known (Marathon omits the field rather than writing null). */
  stagedAt?: string;
  startedAt?: string;
  version: string;
  ports: number[];
  servicePorts: number[];
  ipAddresses: TaskIpAddress[];
  healthCheckResults: unknown[];
  localVolumes: unknown[];
  role: string;
  networkInterfaces?: TaskNetworkInterface[];
  /** [project] the last status message that was not a reconciliation answer (e.g. local mode's "image not used"). */
  message?: string;
}

/** Known networks (uuid → subnet): leased addresses get their prefix length from them. */
export type NetworkFacts = Map<string, { subnet: string }> | undefined;

export function renderTask(i: Instance, agentLink: string | null, networks?: NetworkFacts): TaskJson {
  const task: TaskJson = {
    id: i.taskId ?? '',
    appId: i.appId,
    host: i.host ?? '',
    slaveId: i.agentId ?? '',
    state: i.state ?? 'TASK_STAGING',
    ...(i.stagedAt !== null ? { stagedAt: i.stagedAt } : {}),
    ...(i.startedAt !== null ? { startedAt: i.startedAt } : {}),
    version: i.runSpecVersion,
    ports: i.ports,
    servicePorts: i.servicePorts,
    ipAddresses: i.ipAddresses,
    healthCheckResults: healthCheckResultJson(i.instanceId, i.healthy, i.health),
    localVolumes: [],
    role: i.role,
  };
  if (i.launchedNetworkInfos.length > 0) {
    const view = fromStatusNetworkInfos(i.launchedNetworkInfos, i.statusNetworkInfos, {
      ...(agentLink !== null ? { agentLink } : {}),
      ...(networks !== undefined ? { networks } : {}),
    });
    task.networkInterfaces = view.networkInterfaces;
    if (view.ipAddresses.length > 0) task.ipAddresses = view.ipAddresses;
  }
  if (i.message !== '') task.message = i.message;
  return task;
}

/** Instances that are Mesos tasks (launched), as Marathon lists tasks. */
export function tasksOf(instances: readonly Instance[]): Instance[] {
  return instances.filter((i) => isLaunched(i) && i.taskId !== null);
}

export type { TaskCounts } from '../../core/scheduler/instance-index';

export function countTasks(instances: readonly Instance[]): TaskCounts {
  const c: TaskCounts = { tasksStaged: 0, tasksRunning: 0, tasksHealthy: 0, tasksUnhealthy: 0 };
  for (const i of instances) {
    if (i.condition === 'Provisioned' || i.condition === 'Staging' || i.condition === 'Starting') c.tasksStaged++;
    else if (i.condition === 'Running') {
      c.tasksRunning++;
      if (i.healthy === true) c.tasksHealthy++;
      else if (i.healthy === false) c.tasksUnhealthy++;
    }
  }
  return c;
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function statsOf(instances: readonly Instance[], nowMs: number): Record<string, unknown> | undefined {
  if (instances.length === 0) return undefined;
  const c = countTasks(instances);
  const lifetimes = instances.filter((i) => i.startedAt !== null).map((i) => (nowMs - Date.parse(i.startedAt as string)) / 1000);
  const avg = lifetimes.length === 0 ? 0 : lifetimes.reduce((a, b) => a + b, 0) / lifetimes.length;
  return {
    stats: {
      counts: { staged: c.tasksStaged, running: c.tasksRunning, healthy: c.tasksHealthy, unhealthy: c.tasksUnhealthy },
      lifeTime: { averageSeconds: avg, medianSeconds: median(lifetimes) },
    },
  };
}

export function renderTaskStats(v: AppVersion, instances: readonly Instance[], nowMs: number): Record<string, unknown> {
  const tasks = tasksOf(instances);
  const out: Record<string, unknown> = {};
  const groups: Array<[string, Instance[]]> = [
    ['startedAfterLastScaling', tasks.filter((i) => i.stagedAt !== null && i.stagedAt >= v.versionInfo.lastScalingAt)],
    ['withLatestConfig', tasks.filter((i) => i.configVersion === v.versionInfo.lastConfigChangeAt)],
    ['withOutdatedConfig', tasks.filter((i) => i.configVersion !== v.versionInfo.lastConfigChangeAt)],
    ['totalSummary', tasks],
  ];
  for (const [name, list] of groups) {
    const s = statsOf(list, nowMs);
    if (s !== undefined) out[name] = s;
  }
  return out;
}

export interface AppRenderContext {
  /** The app's instances (needed for `tasks` and `taskStats`; the counts come from `counts` when given). */
  instances: readonly Instance[];
  /** The task counts, kept by the repository as instances change (else counted from `instances`). */
  counts?: TaskCounts;
  deployments: readonly DeploymentRecord[];
  lastTaskFailure?: TaskFailure;
  /** Include `tasks`. */
  tasks: boolean;
  /** Include `lastTaskFailure` (when there is one). */
  lastFailure: boolean;
  taskStats: boolean;
  readiness: boolean;
  agentLink: string | null;
  nowMs: number;
  networks?: NetworkFacts;
  /** The framework's role (`--mesos_role`), shown for apps that name none. */
  defaultRole?: string;
}

/**
 * `networks` as clients read it: the stored list when one was given; `[{mode:"host"}]` for host
 * networking; for an app with networkInterfaces one `{mode:"container", name}` per interface,
 * in interface order (each interface joins that container network).
 */
export function networksView(app: AppVersion['app']): Array<Record<string, unknown>> {
  if (app.networks.length > 0) return app.networks.map((n) => ({ ...n }));
  const interfaces = app.container?.networkInterfaces ?? [];
  if (interfaces.length > 0) return interfaces.map((i) => ({ mode: 'container', name: i.networkName }));
  return [{ mode: 'host' }];
}

/** The stored definition as Marathon prints an app: networks and role always present. */
export function appView(app: AppVersion['app'], defaultRole = '*'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(app)) {
    if (k === 'networks') continue;
    if (k === 'container') out.networks = networksView(app);
    out[k] = value;
  }
  if (out.networks === undefined) out.networks = networksView(app);
  if (out.role === undefined) out.role = defaultRole;
  return out;
}

/** App JSON: the stored definition echoed, plus version fields, counts and deployments always. */
export function renderApp(v: AppVersion, ctx: AppRenderContext): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...appView(v.app, ctx.defaultRole),
    version: v.version,
    versionInfo: v.versionInfo,
    ...(ctx.counts ?? countTasks(ctx.instances)),
    deployments: ctx.deployments.map((d) => ({ id: d.plan.id })),
  };
  if (ctx.tasks) out.tasks = tasksOf(ctx.instances).map((i) => renderTask(i, ctx.agentLink, ctx.networks));
  if (ctx.lastFailure && ctx.lastTaskFailure !== undefined) out.lastTaskFailure = ctx.lastTaskFailure;
  // Marathon 1.10 writes the RAML name `tasksStats` (1.4 and older wrote `taskStats`).
  if (ctx.taskStats) out.tasksStats = renderTaskStats(v, ctx.instances, ctx.nowMs);
  if (ctx.readiness) out.readinessCheckResults = [];
  return out;
}

/** Keys renderApp adds after the definition; a definition holding one of them is rendered whole. */
const ADDED_KEYS = ['tasksStaged', 'tasksRunning', 'tasksHealthy', 'tasksUnhealthy', 'deployments', 'tasks', 'lastTaskFailure', 'tasksStats', 'readinessCheckResults'];

/**
 * The part of an app's list JSON that changes only with its version: the definition, version and
 * versionInfo, without the closing brace (undefined when the definition holds a key renderApp
 * adds later). With appListJson it gives exactly JSON.stringify(renderApp(…)) without tasks and
 * task stats, without building the app object again for every request (issue 20).
 */
export function appHeadJson(v: AppVersion, defaultRole?: string): string | undefined {
  const view = appView(v.app, defaultRole);
  if (ADDED_KEYS.some((k) => k in view)) return undefined;
  const json = JSON.stringify({ ...view, version: v.version, versionInfo: v.versionInfo });
  return json.slice(0, -1);
}

/** An app's list JSON from its head (appHeadJson) and what changes between versions. */
export function appListJson(head: string, counts: TaskCounts, deployments: readonly DeploymentRecord[], lastTaskFailure: TaskFailure | undefined, readiness: boolean): string {
  let out = `${head},"tasksStaged":${counts.tasksStaged},"tasksRunning":${counts.tasksRunning},"tasksHealthy":${counts.tasksHealthy},"tasksUnhealthy":${counts.tasksUnhealthy},"deployments":${JSON.stringify(deployments.map((d) => ({ id: d.plan.id })))}`;
  if (lastTaskFailure !== undefined) out += `,"lastTaskFailure":${JSON.stringify(lastTaskFailure)}`;
  if (readiness) out += ',"readinessCheckResults":[]';
  return `${out}}`;
}

/** A stored version as GET /versions/{ts} shows it (no counts). */
export function renderAppVersion(v: AppVersion, defaultRole?: string): Record<string, unknown> {
  return { ...appView(v.app, defaultRole), version: v.version, versionInfo: v.versionInfo };
}

export function renderDeployment(d: DeploymentRecord): Record<string, unknown> {
  const step = d.plan.steps[d.currentStep - 1];
  return {
    ...planJson(d.plan),
    currentActions: (step?.actions ?? []).map((a) => ({ action: a.action, app: a.app, readinessCheckResults: [] })),
    currentStep: Math.max(1, d.currentStep),
    totalSteps: d.plan.steps.length,
  };
}

export interface QueueRenderInput {
  app: Record<string, unknown>;
  count: number;
  role: string;
  since: string;
  timeLeftMs: number;
  stats: OfferStats;
  /** embed=lastUnusedOffers */
  lastUnusedOffers?: boolean;
}

/** A Mesos offer as Marathon's queue shows it (RAML UnusedOffer.offer). */
function renderOffer(o: Offer): Record<string, unknown> {
  return {
    id: o.id.value, agentId: o.agent_id.value, hostname: o.hostname,
    resources: (o.resources ?? []).map((r) => {
      const out: Record<string, unknown> = { name: r.name, role: r.role ?? '*' };
      if (r.scalar !== undefined) out.scalar = r.scalar.value;
      if (r.ranges !== undefined) out.ranges = (r.ranges.range ?? []).map((x) => ({ begin: Number(x.begin), end: Number(x.end) }));
      if (r.set !== undefined) out.set = r.set.item ?? [];
      return out;
    }),
    attributes: (o.attributes ?? []).map((a) => {
      const out: Record<string, unknown> = { name: a.name };
      if (a.text !== undefined) out.text = a.text.value;
      if (a.scalar !== undefined) out.scalar = a.scalar.value;
      if (a.ranges !== undefined) out.ranges = (a.ranges.range ?? []).map((x) => ({ begin: Number(x.begin), end: Number(x.end) }));
      if (a.set !== undefined) out.set = a.set.item ?? [];
      return out;
    }),
  };
}

export function renderQueueItem(q: QueueRenderInput): Record<string, unknown> {
  const reasons = [...q.stats.rejectLastOffers].map(([reason, declined]: [RejectReason, number]) => ({
    reason: MARATHON_REASON[reason], declined, processed: q.stats.processedOffersCount,
  }));
  const summary: Record<string, unknown> = {
    processedOffersCount: q.stats.processedOffersCount,
    unusedOffersCount: q.stats.unusedOffersCount,
    rejectSummaryLastOffers: reasons,
    rejectSummaryLaunchAttempt: reasons,
  };
  if (q.stats.lastUnusedOfferAt !== null) summary.lastUnusedOfferAt = q.stats.lastUnusedOfferAt;
  if (q.stats.lastUsedOfferAt !== null) summary.lastUsedOfferAt = q.stats.lastUsedOfferAt;
  const item: Record<string, unknown> = {
    count: q.count,
    role: q.role,
    since: q.since,
    delay: { timeLeftSeconds: Math.ceil(q.timeLeftMs / 1000), overdue: q.timeLeftMs === 0 },
    processedOffersSummary: summary,
  };
  if (q.lastUnusedOffers === true) {
    item.lastUnusedOffers = q.stats.lastUnusedOffers.map((u) => ({
      offer: renderOffer(u.offer), timestamp: u.timestamp, reason: u.reasons.map((r) => MARATHON_REASON[r]),
    }));
  }
  item.app = q.app;
  return item;
}

// ---- label selectors (GET /v2/apps?label=…) ----------------------------------------------------

export type LabelSelector =
  | { kind: 'exists'; key: string }
  | { kind: 'eq' | 'ne'; key: string; value: string }
  | { kind: 'in' | 'notin'; key: string; values: string[] };

/**
 * Parses Marathon's label selector grammar: selectors joined by `,` (AND), each `k`, `k==v`,
 * `k!=v`, `k in (a,b)` or `k notin (a,b)`. A term is `[-A-Za-z0-9_.]` or any character escaped
 * with a backslash; whitespace between tokens is ignored. Null when malformed.
 */
export function parseLabelSelector(text: string): LabelSelector[] | null {
  let pos = 0;
  const skip = (): void => { while (pos < text.length && /\s/.test(text[pos] ?? '')) pos++; };
  const term = (): string | null => {
    skip();
    let out = '';
    while (pos < text.length) {
      const ch = text[pos] ?? '';
      if (ch === '\\' && pos + 1 < text.length) { out += text[pos + 1]; pos += 2; continue; }
      if (!/[-A-Za-z0-9_.]/.test(ch)) break;
      out += ch;
      pos++;
    }
    return out === '' ? null : out;
  };
  const literal = (word: string): boolean => {
    skip();
    if (!text.startsWith(word, pos)) return false;
    pos += word.length;
    return true;
  };
  const out: LabelSelector[] = [];
  for (;;) {
    const key = term();
    if (key === null) return null;
    const save = pos;
    skip();
    if (literal('==') || literal('!=')) {
      const op = text.slice(pos - 2, pos);
      const value = term();
      if (value === null) return null;
      out.push({ kind: op === '==' ? 'eq' : 'ne', key, value });
    } else {
      const setOp = /^(notin|in)\s*\(/.exec(text.slice(pos));
      if (setOp !== null) {
        pos += setOp[0].length;
        const values: string[] = [];
        skip();
        if (!literal(')')) {
          for (;;) {
            const v = term();
            if (v === null) return null;
            values.push(v);
            if (literal(')')) break;
            if (!literal(',')) return null;
          }
        }
        out.push({ kind: setOp[1] === 'in' ? 'in' : 'notin', key, values });
      } else {
        pos = save;
        out.push({ kind: 'exists', key });
      }
    }
    skip();
    if (pos >= text.length) return out;
    if (!literal(',')) return null;
  }
}

/** Every selector must hold; as Marathon, each one (also `!=` and `notin`) requires the label to exist. */
export function matchesLabels(labels: Record<string, string>, selectors: readonly LabelSelector[]): boolean {
  return selectors.every((s) => {
    if (!Object.prototype.hasOwnProperty.call(labels, s.key)) return false;
    const v = labels[s.key] as string;
    switch (s.kind) {
      case 'exists': return true;
      case 'eq': return v === s.value;
      case 'ne': return v !== s.value;
      case 'in': return s.values.includes(v);
      case 'notin': return !s.values.includes(v);
      default: return false;
    }
  });
}
