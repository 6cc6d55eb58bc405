// Marathon's own health checks (HTTP, HTTPS, TCP), run by `serve` while it leads, against the
// task's agent host and host port (`port`, else the task's port at `portIndex`) — the address
// `serve` can reach; apps whose tasks are only on virtual networks are refused these checks at the
// API (health-checks.ts). Marathon's semantics: every `intervalSeconds` one attempt with
// `timeoutSeconds`; failures before the first success within `gracePeriodSeconds` of the task's
// start are ignored; a task whose failures in a row reach `maxConsecutiveFailures` (0 = never) is
// killed and replaced, with the app's launch backoff as for a failed task (Marathon delays the
// replacement of a task its checks killed). A task's health is the conjunction of its checks.
// The runs restart from the task's stored Health record after a restart or leader change.
import type { AppVersion } from '../core/deploy/app-version';
import { readHealthCheck, runsInExecutor, type MarathonHealthCheck } from '../core/apps/health-checks';
import { probeHere, type NetProbe } from '../lib/net-probe';
import type { Repository } from './repository';
import type { Instance } from '../core/scheduler/instance';
import type { Logger } from '../lib/log';

export interface MarathonHealthDeps {
  repo: Pick<Repository, 'apps' | 'instances' | 'instancesOf'>;
  scheduler: {
    noteHealth(inst: Instance, healthy: boolean, cause?: string): void;
    killInstance(inst: Instance, opts: { decommission: boolean }): void;
  };
  /** The launch queue: a kill for failed checks counts as a task failure (backoff). */
  queue?: { onFailure(v: AppVersion, nowMs: number): void };
  now: () => number;
  probe?: (p: NetProbe) => Promise<boolean>;
  log: Pick<Logger, 'info'>;
}

export interface CheckRun { nextAtMs: number; inFlight: boolean; alive: boolean | null; failures: number; succeeded: boolean }

/** The probe for one check of one task, or undefined when the task has no such port. */
export function probeFor(inst: Instance, c: MarathonHealthCheck): NetProbe | undefined {
  const port = c.port ?? inst.ports[c.portIndex ?? 0];
  if (port === undefined || port === 0 || inst.host === null || inst.host === '') return undefined;
  const timeoutMs = c.timeoutSeconds * 1000;
  if (c.protocol === 'TCP') return { kind: 'tcp', host: inst.host, port, timeoutMs };
  return { kind: 'http', host: inst.host, port, scheme: c.protocol === 'HTTPS' ? 'https' : 'http', path: c.path ?? '/', timeoutMs };
}

/**
 * A check's run for a task first seen by this checker. A task already checked before (a restart
 * or a new leader: its Health record is stored with the instance) keeps its standing: a task that
 * once succeeded is past its grace period, and with a single check its failures in a row go on
 * counting from the stored number.
 */
export function seededRun(inst: Instance, checkCount: number, nowMs: number): CheckRun {
  const h = inst.health;
  const failures = checkCount === 1 && inst.healthy === false && h !== undefined ? h.consecutiveFailures : 0;
  return { nextAtMs: nowMs, inFlight: false, alive: null, failures, succeeded: h?.firstSuccess !== null && h?.firstSuccess !== undefined };
}

export class MarathonHealthChecker {
  private readonly runs = new Map<string, CheckRun>();
  private timer: NodeJS.Timeout | undefined;
  private readonly probe: (p: NetProbe) => Promise<boolean>;

  constructor(private readonly deps: MarathonHealthDeps) {
    this.probe = deps.probe ?? probeHere;
  }

  start(tickMs = 250): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.runs.clear();
  }

  /** Starts the attempts that are due; forgets tasks that are gone. */
  tick(): void {
    const nowMs = this.deps.now();
    const live = new Set<string>();
    for (const [appId, v] of this.deps.repo.apps) {
      const checks = v.app.healthChecks.filter((c) => typeof c.protocol === 'string' && !runsInExecutor(c.protocol)).map(readHealthCheck);
      if (checks.length === 0) continue;
      for (const inst of this.deps.repo.instancesOf(appId)) {
        if (inst.condition !== 'Running' || inst.killRequested || inst.taskId === null) continue;
        checks.forEach((c, index) => {
          const key = `${inst.taskId as string}#${index}`;
          live.add(key);
          let run = this.runs.get(key);
          if (run === undefined) {
            run = seededRun(inst, checks.length, nowMs);
            this.runs.set(key, run);
          }
          if (run.inFlight || nowMs < run.nextAtMs) return;
          const p = probeFor(inst, c);
          run.inFlight = true;
          run.nextAtMs = nowMs + c.intervalSeconds * 1000;
          const r = run;
          void (p === undefined ? Promise.resolve(false) : this.probe(p)).then((ok) => this.onResult(inst, c, r, ok, p === undefined ? 'no port to check' : undefined));
        });
      }
    }
    for (const key of [...this.runs.keys()]) if (!live.has(key)) this.runs.delete(key);
  }

  private onResult(inst: Instance, c: MarathonHealthCheck, run: CheckRun, ok: boolean, cause?: string): void {
    run.inFlight = false;
    if (inst.condition !== 'Running' || inst.killRequested || this.deps.repo.instances.get(inst.instanceId) !== inst) return;
    const nowMs = this.deps.now();
    if (ok) {
      run.succeeded = true;
      run.failures = 0;
      run.alive = true;
    } else {
      const started = inst.startedAt === null ? nowMs : Date.parse(inst.startedAt);
      if (!run.succeeded && nowMs - started < c.gracePeriodSeconds * 1000) return;
      run.failures += 1;
      run.alive = false;
    }
    const prefix = `${inst.taskId ?? ''}#`;
    const mine = [...this.runs].filter(([k]) => k.startsWith(prefix)).map(([, r]) => r.alive);
    const healthy = mine.every((a) => a === true);
    if (healthy || !ok) this.deps.scheduler.noteHealth(inst, healthy, ok ? undefined : cause ?? `${c.protocol} check failed`);
    if (!ok && c.maxConsecutiveFailures > 0 && run.failures >= c.maxConsecutiveFailures) {
      this.deps.log.info({ taskId: inst.taskId, appId: inst.appId, failures: run.failures }, 'killing unhealthy task');
      const v = this.deps.repo.apps.get(inst.appId);
      // Only a task of the app's current config delays the next launch (as a failed task does).
      if (v !== undefined && inst.configVersion === v.versionInfo.lastConfigChangeAt) this.deps.queue?.onFailure(v, nowMs);
      this.deps.scheduler.killInstance(inst, { decommission: false });
    }
  }
}
