// Marathon's event bus (spec §7): everything the system does is published here as a plain
// object with `eventType` and `timestamp`; /v2/events streams it, metrics count it.
import { EventEmitter } from 'node:events';

export interface MarathonEvent {
  eventType: string;
  timestamp: string;
  [field: string]: unknown;
}

export class EventBus {
  private readonly emitter = new EventEmitter();
  constructor(private readonly now: () => number = Date.now) {
    this.emitter.setMaxListeners(0);
  }

  /** The last timestamp made, by its millisecond (a storm publishes many events per millisecond). */
  private lastMs = Number.NaN;
  private lastIso = '';

  publish(eventType: string, fields: Record<string, unknown> = {}): MarathonEvent {
    const ms = this.now();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastIso = new Date(ms).toISOString();
    }
    const event: MarathonEvent = { eventType, timestamp: this.lastIso, ...fields };
    this.emitter.emit('event', event);
    return event;
  }

  subscribe(listener: (e: MarathonEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => { this.emitter.off('event', listener); };
  }

  listenerCount(): number {
    return this.emitter.listenerCount('event');
  }
}
