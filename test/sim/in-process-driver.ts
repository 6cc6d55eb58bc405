// A MesosDriver (what the scheduler needs of src/mesos/client.ts) talking to the in-process
// MasterCore on virtual time, with hooks that inject call-level and event-level faults. Like the
// real client it resubscribes (with the framework id it got) after its stream ended.
import { EventEmitter } from 'node:events';
import * as calls from '../../src/mesos/calls';
import { MesosCallOutcomeUnknownError } from '../../src/mesos/errors';
import type { SchedulerClientEvents } from '../../src/mesos/client';
import type { Call, Event, Filters, FrameworkInfo, KillPolicy, ReconcileTask, TaskInfo, TaskStatus } from '../../src/mesos/types';
import type { MasterCore, Subscription } from '../../src/sim/mesos/master-core';
import type { MesosDriver } from '../../src/runtime/scheduler';
import type { TimerGroup } from './sim-clock';

/**
 * What happens to one call: `ok`; `reset-before` (the connection broke before the master saw it:
 * rejected, not applied); `reset-after` (the master acted, the answer was lost: rejected, applied);
 * `timeout` (no answer within the deadline: rejected after `delayMs`, applied or not per `applied`);
 * `swallowed` (a deliberately broken client: resolved, never sent).
 */
export type CallFault = { kind: 'ok'; delayMs: number } | { kind: 'swallowed' } | { kind: 'reset-before' } | { kind: 'reset-after' } | { kind: 'timeout'; delayMs: number; applied: boolean };

/** What happens to one event on the stream: delivered after `delayMs` (order kept), dropped, or also re-delivered later. */
export interface EventFate { drop: boolean; delayMs: number; duplicateAfterMs?: number }

export interface DriverFaults {
  call(type: string): CallFault;
  event(event: Event): EventFate;
}

export const NO_FAULTS: DriverFaults = {
  call: () => ({ kind: 'ok', delayMs: 0 }),
  event: () => ({ drop: false, delayMs: 0 }),
};

export class CallFailedError extends Error {}

let streamSeq = 0;

export class InProcessDriver extends EventEmitter<SchedulerClientEvents> implements MesosDriver {
  private frameworkId: string | undefined;
  private sub: (Subscription & { closed: boolean }) | undefined;
  private stopped = true;
  private lastDeliveryAt = 0;
  /** Calls by type, for the checker and the tests. */
  readonly sent = new Map<string, number>();
  /** Every LAUNCH that reached the master: task ids. */
  readonly launched: string[] = [];

  constructor(
    private readonly master: () => MasterCore,
    private readonly frameworkInfo: FrameworkInfo,
    frameworkId: string | undefined,
    private readonly timers: TimerGroup,
    private readonly faults: DriverFaults = NO_FAULTS,
    private readonly onLaunch: (task: TaskInfo) => void = () => undefined,
    /** Every KILL the scheduler sends (delivered or not): the task was asked to die. */
    private readonly onKill: (taskId: string) => void = () => undefined,
  ) {
    super();
    this.frameworkId = frameworkId;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.subscribe();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.closeStream();
    this.emit('disconnected', { reason: 'stopped' });
  }

  /** The process died: no event, no call, no resubscription any more. */
  crash(): void {
    this.stopped = true;
    this.closeStream();
  }

  /** The master dropped our stream (master failover, broken connection): resubscribe later. */
  dropStream(): void {
    if (this.sub === undefined) return;
    this.closeStream();
    if (!this.stopped) this.onStreamEnded('stream-error');
  }

  private closeStream(): void {
    const sub = this.sub;
    this.sub = undefined;
    if (sub === undefined) return;
    sub.closed = true;
    this.master().onStreamClosed(sub);
  }

  private subscribe(): void {
    if (this.stopped || this.timers.isDead) return;
    const streamId = `stream-${++streamSeq}`;
    const resubscribed = this.frameworkId !== undefined;
    const sub: Subscription & { closed: boolean } = {
      streamId, encoding: 'json', closed: false,
      send: (event: Event) => { if (!sub.closed) this.deliver(sub, event, resubscribed); },
      close: () => {
        if (sub.closed) return;
        sub.closed = true;
        if (this.sub === sub) { this.sub = undefined; this.onStreamEnded('stream-ended'); }
      },
    };
    this.sub = sub;
    this.master().subscribe(calls.subscribeCall(this.frameworkInfo, this.frameworkId), sub);
  }

  private onStreamEnded(reason: 'stream-ended' | 'stream-error'): void {
    if (this.stopped) return;
    this.emit('disconnected', { reason });
    this.timers.setTimer(() => { if (this.sub === undefined) this.subscribe(); }, 1000);
  }

  private deliver(sub: Subscription & { closed: boolean }, event: Event, resubscribed: boolean): void {
    const fate = event.type === 'UPDATE' ? this.faults.event(event) : { drop: false, delayMs: 0 };
    if (fate.drop) return;
    // One stream keeps its order: an event is never delivered before an earlier one.
    const at = Math.max(this.timers.now() + fate.delayMs, this.lastDeliveryAt);
    this.lastDeliveryAt = at;
    this.timers.setTimer(() => { if (!sub.closed && this.sub === sub) this.handle(event, sub.streamId, resubscribed); }, at - this.timers.now());
    if (fate.duplicateAfterMs !== undefined) {
      this.timers.setTimer(() => { if (!sub.closed && this.sub === sub) this.handle(event, sub.streamId, resubscribed); }, fate.duplicateAfterMs);
    }
  }

  private handle(event: Event, streamId: string, resubscribed: boolean): void {
    switch (event.type) {
      case 'SUBSCRIBED': {
        const s = event.subscribed;
        if (s === undefined) return;
        this.frameworkId = s.framework_id.value;
        this.emit('subscribed', {
          frameworkId: s.framework_id.value, heartbeatIntervalSeconds: s.heartbeat_interval_seconds ?? 15,
          masterInfo: s.master_info, resubscribed, master: 'http://sim-master:5050', streamId,
        });
        return;
      }
      case 'OFFERS': this.emit('offers', event.offers?.offers ?? []); return;
      case 'RESCIND': if (event.rescind !== undefined) this.emit('rescind', event.rescind.offer_id); return;
      case 'UPDATE': if (event.update !== undefined) this.emit('update', structuredClone(event.update.status)); return;
      case 'ERROR': {
        const message = event.error?.message ?? '';
        this.emit('error-event', message);
        if (message === 'Framework has been removed') { this.stopped = true; this.emit('removed', message); }
        return;
      }
      default: return;
    }
  }

  private send(build: (frameworkId: string) => Call | undefined): Promise<void> {
    const call = this.frameworkId === undefined ? undefined : build(this.frameworkId);
    if (call === undefined) return Promise.reject(new CallFailedError('not subscribed'));
    this.sent.set(call.type, (this.sent.get(call.type) ?? 0) + 1);
    if (call.kill !== undefined) this.onKill(call.kill.task_id.value);
    const fault = this.faults.call(call.type);
    const apply = (): void => {
      const sub = this.sub;
      if (this.stopped || sub === undefined) throw new CallFailedError('no connection');
      const m = this.master();
      const refused = m.checkCaller(call, sub.streamId);
      if (refused !== undefined) throw new CallFailedError(`${refused.status} ${refused.body}`);
      if (call.type === 'ACCEPT') for (const op of call.accept?.operations ?? []) for (const t of op.launch?.task_infos ?? []) { this.launched.push(t.task_id.value); this.onLaunch(t); }
      const answer = m.dispatch(call);
      if (answer.status >= 300) throw new CallFailedError(`${answer.status} ${answer.body}`);
    };
    // As the real client: an ACCEPT that may have reached the master ends with "outcome unknown".
    const unknown = (message: string): Error => (call.type === 'ACCEPT' ? new MesosCallOutcomeUnknownError(message) : new CallFailedError(message));
    return new Promise((resolve, reject) => {
      const run = (fn: () => void): void => { try { fn(); } catch (err) { reject(err); } };
      switch (fault.kind) {
        case 'swallowed': resolve(); return; // a broken client: answered, never sent (injected bug)
        case 'reset-before': reject(new CallFailedError(`${call.type}: connection reset before sending`)); return;
        case 'reset-after': run(() => { apply(); reject(unknown(`${call.type}: connection reset after the master acted`)); }); return;
        case 'timeout':
          if (fault.applied) { try { apply(); } catch { /* the answer is lost either way */ } }
          this.timers.setTimer(() => reject(unknown(`${call.type}: timed out`)), fault.delayMs);
          return;
        case 'ok':
          if (fault.delayMs <= 0) { run(() => { apply(); resolve(); }); return; }
          this.timers.setTimer(() => run(() => { apply(); resolve(); }), fault.delayMs);
      }
    });
  }

  launch(offerIds: string[], taskInfos: TaskInfo[], filters?: Filters): Promise<void> {
    return this.send((id) => calls.acceptCall(id, offerIds, [calls.launchOperation(taskInfos)], filters));
  }

  decline(offerIds: string[], filters?: Filters): Promise<void> {
    return this.send((id) => calls.declineCall(id, offerIds, filters));
  }

  revive(roles?: string[]): Promise<void> {
    return this.send((id) => calls.reviveCall(id, roles));
  }

  suppress(roles?: string[]): Promise<void> {
    return this.send((id) => calls.suppressCall(id, roles));
  }

  kill(taskId: string, agentId?: string, killPolicy?: KillPolicy): Promise<void> {
    return this.send((id) => calls.killCall(id, taskId, agentId, killPolicy));
  }

  async acknowledge(status: TaskStatus): Promise<boolean> {
    if (typeof status.uuid !== 'string' || status.uuid.length === 0) return false;
    await this.send((id) => calls.acknowledgeCall(id, status));
    return true;
  }

  reconcile(tasks: ReconcileTask[]): Promise<void> {
    return this.send((id) => calls.reconcileCall(id, tasks));
  }
}
