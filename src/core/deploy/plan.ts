// Deployment planning (spec §8.1), pure like nomad's reconcile.go: old apps + new apps → Plan.
// The scheduler's deployment runner executes the steps in order.
import type { AppDefinition } from '../apps/types';
import type { AppVersion, ChangeKind } from './app-version';

export type DeploymentActionType = 'StartApplication' | 'StopApplication' | 'ScaleApplication' | 'RestartApplication';

export interface DeploymentAction {
  action: DeploymentActionType;
  app: string;
  /** Scale/Start: the target instance count. */
  instances?: number;
  /** Scale: instance ids named by a kill-and-scale; they go first (spec §8.2). */
  sentenced?: string[];
}

export interface DeploymentStep { actions: DeploymentAction[] }

export interface DeploymentPlan {
  id: string;
  /** The target version timestamp. */
  version: string;
  affectedApps: string[];
  steps: DeploymentStep[];
  /** Affected apps before the deployment (null = did not exist): what a rollback restores. */
  original: Record<string, AppVersion | null>;
  /** Affected apps after the deployment (null = removed). */
  target: Record<string, AppVersion | null>;
}

export interface PlanInput {
  oldApps: ReadonlyMap<string, AppVersion>;
  newApps: ReadonlyMap<string, AppVersion>;
  now: string;
  newId: () => string;
  classify: (oldApp: AppDefinition, newApp: AppDefinition) => ChangeKind;
  /** Apps restarted explicitly (POST /restart): RestartApplication even without a change. */
  restart?: ReadonlySet<string>;
  /** Kill-and-scale: instance ids per app that the scale step kills first. */
  sentenced?: ReadonlyMap<string, readonly string[]>;
}

/**
 * Orders app ids so that every app comes after the apps it depends on; returns the level of each
 * (0 = depends on nothing among `ids`). Unknown dependencies are ignored; a cycle's members share
 * the level where the cycle was found.
 */
export function dependencyLevels(ids: readonly string[], dependenciesOf: (id: string) => readonly string[]): Map<string, number> {
  const inSet = new Set(ids);
  const level = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (id: string): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    let l = 0;
    for (const dep of dependenciesOf(id)) if (inSet.has(dep) && dep !== id) l = Math.max(l, visit(dep) + 1);
    visiting.delete(id);
    level.set(id, l);
    return l;
  };
  for (const id of ids) visit(id);
  return level;
}

export function planDeployment(input: PlanInput): DeploymentPlan {
  const { oldApps, newApps } = input;
  const restart = input.restart ?? new Set<string>();
  const sentenced = input.sentenced ?? new Map<string, readonly string[]>();

  const stops: DeploymentAction[] = [];
  const starts: DeploymentAction[] = [];
  const later: DeploymentAction[] = [];
  const original: Record<string, AppVersion | null> = {};
  const target: Record<string, AppVersion | null> = {};

  for (const [id, old] of [...oldApps].sort(([a], [b]) => a.localeCompare(b))) {
    if (!newApps.has(id)) {
      stops.push({ action: 'StopApplication', app: id });
      original[id] = old;
      target[id] = null;
    }
  }
  for (const [id, next] of [...newApps].sort(([a], [b]) => a.localeCompare(b))) {
    const old = oldApps.get(id);
    const sentencedHere = sentenced.get(id) ?? [];
    if (old === undefined) {
      starts.push({ action: 'StartApplication', app: id, instances: 0 });
      later.push({ action: 'ScaleApplication', app: id, instances: next.app.instances });
    } else {
      const kind = input.classify(old.app, next.app);
      if (kind === 'upgrade' || restart.has(id)) {
        later.push({ action: 'RestartApplication', app: id, instances: next.app.instances });
      } else if (kind === 'scale' || sentencedHere.length > 0) {
        const action: DeploymentAction = { action: 'ScaleApplication', app: id, instances: next.app.instances };
        if (sentencedHere.length > 0) action.sentenced = [...sentencedHere];
        later.push(action);
      } else if (old.version === next.version) {
        continue;
      }
    }
    original[id] = old ?? null;
    target[id] = next;
  }

  const levels = dependencyLevels(later.map((a) => a.app), (id) => newApps.get(id)?.app.dependencies ?? []);
  const byLevel = new Map<number, DeploymentAction[]>();
  for (const a of later) {
    const l = levels.get(a.app) ?? 0;
    const bucket = byLevel.get(l) ?? [];
    bucket.push(a);
    byLevel.set(l, bucket);
  }
  const steps: DeploymentStep[] = [{ actions: stops }, { actions: starts }];
  for (const l of [...byLevel.keys()].sort((a, b) => a - b)) steps.push({ actions: byLevel.get(l) ?? [] });

  return {
    id: input.newId(),
    version: input.now,
    affectedApps: Object.keys(target).sort(),
    steps: steps.filter((s) => s.actions.length > 0),
    original,
    target,
  };
}

/** The app ids a plan touches: two plans conflict when these intersect (spec §3.1 conflict rule). */
export function affectedAppIds(plan: Pick<DeploymentPlan, 'affectedApps'>): Set<string> {
  return new Set(plan.affectedApps);
}

/** A running deployment as stored: the plan and how far it got (1-based step, 0 = not started). */
export interface DeploymentRecord {
  plan: DeploymentPlan;
  currentStep: number;
  startedAt: string;
  /** Stored revision and its writer (see Instance.revision). */
  revision?: number;
  writer?: string;
}
