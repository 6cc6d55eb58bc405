// A scripted Mesos driver (no master) for API contract tests: it subscribes at once, offers one
// agent every 20 ms and runs every launched task (STAGING → RUNNING); plus HTTP helpers bound to
// a serve instance.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { SchedulerClientEvents } from '../../src/mesos/client';
import type { Filters, KillPolicy, ReconcileTask, TaskInfo, TaskStatus } from '../../src/mesos/types';
import type { MesosDriver } from '../../src/runtime/scheduler';

/** What the one scripted agent offers and reports (defaults: agent-1, 8 cpus, 8 GiB, tasks on 10.0.0.7). */
export interface ScriptedAgent { hostname: string; cpus: number; mem: number; taskAddress: string | undefined }

export class ScriptedMesos extends EventEmitter<SchedulerClientEvents> implements MesosDriver {
  private offerSeq = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly agent: ScriptedAgent;
  /** Every TaskInfo launched, in order. */
  readonly launched: TaskInfo[] = [];
  constructor(private readonly frameworkId: string, agent: Partial<ScriptedAgent> = {}) {
    super();
    this.agent = { hostname: 'agent-1', cpus: 8, mem: 8192, taskAddress: '10.0.0.7', ...agent };
  }
  start(): void {
    setImmediate(() => this.emit('subscribed', { frameworkId: this.frameworkId, heartbeatIntervalSeconds: 15, masterInfo: undefined, resubscribed: false, master: 'http://master.example:5050', streamId: 's1' }));
    this.timer = setInterval(() => this.offer(), 20);
  }
  async stop(): Promise<void> { if (this.timer) clearInterval(this.timer); }
  private offer(): void {
    const n = ++this.offerSeq;
    this.emit('offers', [{
      id: { value: `o${n}` }, framework_id: { value: this.frameworkId }, agent_id: { value: 'ag1' }, hostname: this.agent.hostname,
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: this.agent.cpus } }, { name: 'mem', type: 'SCALAR', scalar: { value: this.agent.mem } },
        { name: 'disk', type: 'SCALAR', scalar: { value: 8192 } }, { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31999 }] } }],
    }]);
  }
  private update(taskId: string, state: TaskStatus['state'], healthy?: boolean): void {
    const address = this.agent.taskAddress;
    this.emit('update', { task_id: { value: taskId }, state, agent_id: { value: 'ag1' }, source: 'SOURCE_EXECUTOR', uuid: 'dQ==',
      ...(address === undefined ? {} : { container_status: { network_infos: [{ ip_addresses: [{ protocol: 'IPv4', ip_address: address }] }] } }),
      ...(healthy === undefined ? {} : { healthy }) });
  }
  /** Tasks whose id starts with one of these fail right after staging (to drive backoff). */
  readonly failing = new Set<string>();
  async launch(_o: string[], tasks: TaskInfo[], _f?: Filters): Promise<void> {
    for (const t of tasks) {
      this.launched.push(t);
      const id = t.task_id.value;
      const fails = [...this.failing].some((p) => id.startsWith(p));
      // A task with a health_check passes it at once, as a healthy executor reports it; one labelled
      // test.unhealthy fails it and is killed by its executor, as Mesos does.
      const sick = (t.labels?.labels ?? []).some((l) => l.key === 'test.unhealthy');
      setImmediate(() => {
        this.update(id, 'TASK_STAGING');
        this.update(id, fails ? 'TASK_FAILED' : 'TASK_RUNNING', fails || t.health_check === undefined ? undefined : !sick);
        if (!fails && sick) this.update(id, 'TASK_KILLED', false);
      });
    }
  }
  async decline(): Promise<void> {}
  async revive(): Promise<void> {}
  async suppress(): Promise<void> {}
  /** While set, kills are not answered (the agent is slow): the task stays until release(). */
  holdKills = false;
  private readonly held: string[] = [];
  release(): void { for (const id of this.held.splice(0)) this.update(id, 'TASK_KILLED'); }
  async kill(taskId: string, _a?: string, _k?: KillPolicy): Promise<void> {
    if (this.holdKills) this.held.push(taskId);
    else setImmediate(() => this.update(taskId, 'TASK_KILLED'));
  }
  async acknowledge(): Promise<boolean> { return true; }
  async reconcile(_t: ReconcileTask[]): Promise<void> {}
}

export type Obj = Record<string, unknown>;
export interface Res { status: number; headers: Headers; body: unknown; text: string }

/** HTTP helpers bound to a serve instance (its URL read at call time). */
export function apiHelpers(base: () => string) {
  const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> => {
    const init: RequestInit = { method, headers: { Accept: 'application/json', ...headers } };
    if (body !== undefined) { init.body = typeof body === 'string' ? body : JSON.stringify(body); (init.headers as Record<string, string>)['Content-Type'] = 'application/json'; }
    const res = await fetch(base() + url, init);
    const text = await res.text();
    let parsed: unknown = text;
    try { parsed = text === '' ? undefined : JSON.parse(text); } catch { /* text */ }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
  const settle = async (id: string, n: number): Promise<void> => {
    for (let i = 0; i < 400; i++) {
      const r = await call('GET', `/v2/apps${id}`);
      const app = (r.body as { app?: Obj }).app;
      if (app !== undefined && app.tasksRunning === n && (app.deployments as unknown[]).length === 0) return;
      await new Promise((res) => setTimeout(res, 10));
    }
    throw new Error(`${id} did not settle at ${n}`);
  };
  const deploymentResult = (r: Res): void => {
    const b = r.body as Obj;
    assert.match(String(b.deploymentId), /^[0-9a-f-]{36}$/);
    assert.match(String(b.version), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(r.headers.get('marathon-deployment-id'), b.deploymentId);
  };
  return { call, settle, deploymentResult };
}

