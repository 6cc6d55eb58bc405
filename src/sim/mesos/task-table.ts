// The simulated master's task table: a Map that also keeps, as tasks come and go, the resources
// they hold per agent and the cpus per framework. An allocation cycle used to sum them over every
// task (issue 20: a cycle per offer answer, each costing the number of tasks).
import { add, fromMilli, subtract, type ResourceBag } from './resources';

export interface HoldsResources {
  frameworkId: string;
  agentId: string;
  resources: ResourceBag;
  /** Set once the task is terminal: its resources are back with the agent. */
  resourcesFreed: boolean;
}

export class TaskTable<T extends HoldsResources> extends Map<string, T> {
  private readonly usedByAgent = new Map<string, ResourceBag>();
  private readonly cpusByFramework = new Map<string, number>();

  override set(key: string, rec: T): this {
    const prev = super.get(key);
    if (prev !== rec) {
      if (prev !== undefined) this.release(prev);
      this.hold(rec);
    }
    return super.set(key, rec);
  }

  override delete(key: string): boolean {
    const prev = super.get(key);
    if (prev === undefined) return false;
    this.release(prev);
    return super.delete(key);
  }

  override clear(): void {
    super.clear();
    this.usedByAgent?.clear();
    this.cpusByFramework?.clear();
  }

  /** The task (in the table) ended: its resources are free again. */
  free(rec: T): void {
    if (rec.resourcesFreed) return;
    this.release(rec);
    rec.resourcesFreed = true;
  }

  /** Resources held by live tasks, per agent (read only). */
  used(): ReadonlyMap<string, ResourceBag> {
    return this.usedByAgent;
  }

  /** Cpus held by the framework's live tasks. */
  cpusOf(frameworkId: string): number {
    return fromMilli(this.cpusByFramework.get(frameworkId) ?? 0);
  }

  private hold(rec: T): void {
    if (rec.resourcesFreed) return;
    const bag = this.usedByAgent.get(rec.agentId);
    this.usedByAgent.set(rec.agentId, bag === undefined ? rec.resources : add(bag, rec.resources));
    this.cpusByFramework.set(rec.frameworkId, (this.cpusByFramework.get(rec.frameworkId) ?? 0) + (rec.resources.scalars.get('cpus') ?? 0));
  }

  private release(rec: T): void {
    if (rec.resourcesFreed) return;
    const bag = this.usedByAgent.get(rec.agentId);
    if (bag !== undefined) {
      const left = subtract(bag, rec.resources);
      if (left.scalars.size === 0 && left.ranges.size === 0) this.usedByAgent.delete(rec.agentId);
      else this.usedByAgent.set(rec.agentId, left);
    }
    const cpus = (this.cpusByFramework.get(rec.frameworkId) ?? 0) - (rec.resources.scalars.get('cpus') ?? 0);
    if (cpus <= 0) this.cpusByFramework.delete(rec.frameworkId);
    else this.cpusByFramework.set(rec.frameworkId, cpus);
  }
}
