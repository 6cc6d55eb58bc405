// Executes deployment plans (src/core/deploy/plan.ts) step by step over the scheduler's instance
// operations. Every evaluation is idempotent and looks only at the current instances, so it is
// simply re-run (coalesced) whenever an instance of an affected app changes.
import { hasReportedHealth } from '../core/scheduler/health';
import type { AppVersion } from '../core/deploy/app-version';
import type { DeploymentAction, DeploymentPlan, DeploymentRecord } from '../core/deploy/plan';
import type { EventBus } from './event-bus';
import type { LaunchQueue } from '../core/scheduler/launch-queue';
import { reconcile } from '../core/scheduler/reconcile';
import type { Repository } from './repository';
import { defer, monotonic, unrefClock, type Clock } from '../lib/clock';
import type { Logger } from '../lib/log';
import { staticCapacity, type InstanceObserver, type Scheduler } from './scheduler';

export interface DeploymentRunnerDeps {
  repo: Repository;
  bus: EventBus;
  scheduler: Scheduler;
  queue: LaunchQueue;
  log: Logger;
  clock?: Clock;
}

/** The plan as events and GET /v2/deployments show it ("light" plan format: no app definitions). */
export function planJson(plan: DeploymentPlan): Record<string, unknown> {
  return {
    id: plan.id,
    version: plan.version,
    affectedApps: plan.affectedApps,
    affectedPods: [],
    steps: plan.steps.map((s) => ({ actions: s.actions.map((a) => ({ action: a.action, app: a.app })) })),
  };
}

export class DeploymentRunner implements InstanceObserver {
  private readonly dirty = new Set<string>();
  private scheduled = false;

  constructor(private readonly deps: DeploymentRunnerDeps) {}

  /** Deployments currently running (their records live in the repository). */
  active(): DeploymentRecord[] {
    return [...this.deps.repo.deployments.values()];
  }

  /** Running deployments touching any of these apps. */
  conflicting(appIds: Iterable<string>): DeploymentRecord[] {
    const ids = new Set(appIds);
    return this.active().filter((d) => d.plan.affectedApps.some((a) => ids.has(a)));
  }

  deploymentsOf(appId: string): DeploymentRecord[] {
    return this.active().filter((d) => d.plan.affectedApps.includes(appId));
  }

  /** Begins a deployment already stored by the caller. */
  start(record: DeploymentRecord): void {
    this.enterStep(record);
  }

  /** After a restart of serve (or of leadership): run the stored deployments again from their first step. */
  resume(): void {
    for (const d of this.active()) {
      if (this.dropIfSuperseded(d)) continue;
      this.deps.repo.apply({ kind: 'deployment-step', id: d.plan.id, currentStep: 0 });
      this.enterStep(d);
    }
  }

  /**
   * A deployment whose target is no longer what is declared (a later forced deployment replaced
   * it, and the store still had the record because its delete failed, or a leader reloaded an
   * older copy) must not run: its actions carry stale instance counts. It is removed.
   */
  private dropIfSuperseded(d: DeploymentRecord): boolean {
    const { repo } = this.deps;
    const stale = d.plan.affectedApps.some((appId) => {
      const target = d.plan.target[appId];
      const current = repo.apps.get(appId);
      if (target === undefined) return false;
      if (target === null) return current !== undefined && current.version > d.plan.version;
      return current === undefined || current.version !== target.version;
    });
    if (!stale) return false;
    this.deps.log.warn({ deploymentId: d.plan.id }, 'deployment superseded by a newer app version; dropped');
    repo.apply({ kind: 'deployment-end', id: d.plan.id });
    this.deps.bus.publish('deployment_failed', { id: d.plan.id, plan: planJson(d.plan) });
    return true;
  }

  /** Cancels without rollback (force); the instances stay as they are. */
  cancel(id: string): DeploymentRecord | undefined {
    const d = this.deps.repo.deployments.get(id);
    if (d === undefined) return undefined;
    this.deps.repo.apply({ kind: 'deployment-end', id });
    this.deps.bus.publish('deployment_failed', { id, plan: planJson(d.plan) });
    return d;
  }

  manages(appId: string): boolean {
    for (const d of this.active()) {
      const step = d.plan.steps[d.currentStep - 1];
      if (step?.actions.some((a) => a.app === appId && a.action !== 'StartApplication')) return true;
    }
    return false;
  }

  onInstanceChanged(appId: string): void {
    this.dirty.add(appId);
    if (this.scheduled) return;
    this.scheduled = true;
    const clock = this.deps.clock ?? unrefClock;
    // An evaluation looks at every instance of the dirty apps: in a launch storm of large apps it
    // would run after every status update. The next one waits so that evaluations take at most
    // ~1/EVALUATION_SHARE of the time (issue 20); a cheap one still runs at once.
    const pauseMs = this.lastEvaluation.endMs + (DeploymentRunner.EVALUATION_SHARE - 1) * this.lastEvaluation.costMs - monotonic(clock);
    if (pauseMs >= 1) clock.setTimer(() => this.processDirty(), pauseMs);
    else defer(clock, () => this.processDirty());
  }

  /** Evaluations take at most 1/EVALUATION_SHARE of the time while instances change. */
  static EVALUATION_SHARE = 10;
  private lastEvaluation = { endMs: 0, costMs: 0 };

  private processDirty(): void {
    this.scheduled = false;
    const clock = this.deps.clock ?? unrefClock;
    const startMs = monotonic(clock);
    const apps = new Set(this.dirty);
    this.dirty.clear();
    for (const d of this.active()) {
      if (d.plan.affectedApps.some((a) => apps.has(a))) this.evaluate(d);
    }
    const endMs = monotonic(clock);
    this.lastEvaluation = { endMs, costMs: endMs - startMs };
  }

  private enterStep(d: DeploymentRecord): void {
    const { bus } = this.deps;
    if (d.currentStep === 0) this.deps.repo.apply({ kind: 'deployment-step', id: d.plan.id, currentStep: 1 });
    const step = d.plan.steps[d.currentStep - 1];
    if (step === undefined) { this.finish(d); return; }
    bus.publish('deployment_info', { plan: planJson(d.plan), currentStep: { actions: step.actions.map((a) => ({ action: a.action, app: a.app })) } });
    for (const action of step.actions) this.beginAction(action);
    // Progress is not stored: every step is idempotent, so after a restart the deployment simply
    // runs again from its first step (one store write per deployment start and end, not per step).
    this.evaluate(d);
  }

  private beginAction(action: DeploymentAction): void {
    const { scheduler, queue, repo } = this.deps;
    switch (action.action) {
      case 'StopApplication':
        queue.forget(action.app);
        scheduler.lastTaskFailure.delete(action.app);
        for (const i of repo.instancesOf(action.app)) scheduler.killInstance(i, { decommission: true });
        break;
      case 'RestartApplication':
        queue.reset(action.app);
        break;
      case 'ScaleApplication': {
        const sentenced = new Set(action.sentenced ?? []);
        for (const i of repo.instancesOf(action.app)) if (sentenced.has(i.instanceId)) scheduler.killInstance(i, { decommission: true });
        break;
      }
      case 'StartApplication':
        break;
      default:
        break;
    }
  }

  private evaluate(d: DeploymentRecord): void {
    if (!this.deps.repo.deployments.has(d.plan.id)) return;
    if (this.dropIfSuperseded(d)) return;
    const step = d.plan.steps[d.currentStep - 1];
    if (step === undefined) { this.finish(d); return; }
    let allDone = true;
    for (const action of step.actions) if (!this.evaluateAction(action)) allDone = false;
    if (!allDone) return;
    this.deps.bus.publish('deployment_step_success', { plan: planJson(d.plan), currentStep: { actions: step.actions.map((a) => ({ action: a.action, app: a.app })) } });
    if (d.currentStep >= d.plan.steps.length) { this.finish(d); return; }
    this.deps.repo.apply({ kind: 'deployment-step', id: d.plan.id, currentStep: d.currentStep + 1 });
    this.enterStep(d);
  }

  /** Acts on one action and tells whether it is complete. */
  private evaluateAction(action: DeploymentAction): boolean {
    const { repo } = this.deps;
    const v = repo.apps.get(action.app);
    switch (action.action) {
      case 'StartApplication':
        return true;
      case 'StopApplication':
        if (v !== undefined) return true; // re-created meanwhile: nothing to stop any more
        return repo.instancesOf(action.app).length === 0;
      case 'ScaleApplication':
        return v === undefined ? true : this.carryOut(v, 'scale', action.instances ?? v.app.instances);
      case 'RestartApplication':
        return v === undefined ? true : this.carryOut(v, 'restart', action.instances ?? v.app.instances);
      default:
        return true;
    }
  }

  /** Asks the pure reconciler what to do for this step and does it; true when the step's goal holds. */
  private carryOut(v: AppVersion, step: 'scale' | 'restart', target: number): boolean {
    const { repo, scheduler } = this.deps;
    const all = repo.instancesOf(v.app.id);
    const decision = reconcile({
      target, step, configVersion: v.versionInfo.lastConfigChangeAt, strategy: v.app.upgradeStrategy, killSelection: v.app.killSelection,
      capacityLimit: staticCapacity(v.app), instances: all, healthChecked: hasReportedHealth(v.app),
    });
    const kill = new Set(decision.kill);
    for (const i of all) if (kill.has(i.instanceId)) scheduler.killInstance(i, { decommission: true });
    if (decision.launch > 0) scheduler.scheduleInstances(v, decision.launch);
    return decision.done;
  }

  private finish(d: DeploymentRecord): void {
    const { repo, bus, log } = this.deps;
    if (!repo.deployments.has(d.plan.id)) return;
    // Stopped apps give their static addresses back once their tasks are gone.
    const release = repo.heldAddresses().filter((h) => d.plan.target[h.holder.appId] === null && !repo.apps.has(h.holder.appId));
    repo.apply({ kind: 'deployment-end', id: d.plan.id });
    if (release.length > 0) {
      repo.commit({ release }).catch((err: unknown) => log.warn({ err, deploymentId: d.plan.id }, 'could not release addresses of stopped apps'));
    }
    bus.publish('deployment_success', { id: d.plan.id, plan: planJson(d.plan) });
  }

  /** Resolves when queued deployment writes have landed. */
  flush(): Promise<void> {
    return this.deps.repo.flushDeployments();
  }
}
