// The Prometheus registry GET /metrics serves: gauges read at scrape time from the runtime (the
// repository, the scheduler, the event bus, the state store) and the leadership.
import { Gauge, Registry } from 'prom-client';
import type { EventBus } from '../runtime/event-bus';
import type { Repository } from '../runtime/repository';
import type { Scheduler } from '../runtime/scheduler';
import type { StateStore } from '../state/store';

export interface MetricsSources {
  repo: Pick<Repository, 'apps' | 'instances' | 'deployments'>;
  scheduler: Pick<Scheduler, 'counters' | 'offerStats' | 'ready'>;
  bus: Pick<EventBus, 'listenerCount'>;
  store: Pick<StateStore, 'counters'>;
  /** Whether this instance leads right now. */
  isLeader(): boolean;
}

export function serveMetrics(s: MetricsSources): Registry {
  const { repo, scheduler, bus, store } = s;
  const metrics = new Registry();
  new Gauge({ name: 'marathon_apps', help: 'Apps stored', registers: [metrics], collect() { this.set(repo.apps.size); } });
  new Gauge({
    name: 'marathon_instances', help: 'Instances by condition', labelNames: ['condition'], registers: [metrics],
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const i of repo.instances.values()) counts.set(i.condition, (counts.get(i.condition) ?? 0) + 1);
      for (const [condition, n] of counts) this.set({ condition }, n);
    },
  });
  new Gauge({ name: 'marathon_deployments', help: 'Running deployments', registers: [metrics], collect() { this.set(repo.deployments.size); } });
  new Gauge({
    name: 'marathon_mesos_calls', help: 'Mesos traffic counters', labelNames: ['kind'], registers: [metrics],
    collect() { for (const [kind, n] of Object.entries(scheduler.counters)) this.set({ kind }, n); },
  });
  new Gauge({
    name: 'marathon_mesos_offers_held', help: 'Offers received and not yet accepted, declined or rescinded', registers: [metrics],
    collect() { this.set(scheduler.offerStats().held); },
  });
  new Gauge({
    name: 'marathon_mesos_offer_oldest_age_seconds', help: 'Age of the oldest offer held (0 when none)', registers: [metrics],
    collect() { this.set(scheduler.offerStats().oldestAgeMs / 1000); },
  });
  new Gauge({ name: 'marathon_event_stream_listeners', help: 'Event bus listeners', registers: [metrics], collect() { this.set(bus.listenerCount()); } });
  new Gauge({ name: 'marathon_leader', help: '1 while this instance leads', registers: [metrics], collect() { this.set(s.isLeader() ? 1 : 0); } });
  new Gauge({
    name: 'marathon_mesos_subscribed', help: '1 while subscribed to Mesos and reconciled (launching allowed)', registers: [metrics],
    collect() { this.set(scheduler.ready ? 1 : 0); },
  });
  new Gauge({
    name: 'marathon_state_store_requests', help: 'Requests sent to the state store backend by this instance (a ZooKeeper multi counts once)',
    labelNames: ['kind'], registers: [metrics],
    collect() { const c = store.counters(); this.set({ kind: 'reads' }, c.reads); this.set({ kind: 'writes' }, c.writes); },
  });
  return metrics;
}
