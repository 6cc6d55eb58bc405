// Live updates from GET /v2/events (SSE). The browser's EventSource retries by itself after a
// dropped stream; when the server refuses the stream outright (readyState CLOSED) we reconnect
// with a growing delay. Every (re)connect asks the views to refresh: events may have been missed.

export type LiveState = 'connecting' | 'live' | 'disconnected';

/** Event types that change what the views show (spec §7). */
export const REFRESH_EVENTS = [
  'api_post_event',
  'status_update_event',
  'instance_changed_event',
  'instance_health_changed_event',
  'health_status_changed_event',
  'deployment_info',
  'deployment_success',
  'deployment_failed',
  'deployment_step_success',
  'deployment_step_failure',
  'group_change_success',
  'app_terminated_event',
  'unknown_instance_terminated_event',
] as const;

export interface LiveOptions {
  url: string;
  onEvent: (type: string, data: unknown) => void;
  onState: (state: LiveState) => void;
  /** reconnect delays in ms after a refused stream; the last one repeats */
  backoffMs?: number[];
}

export function connectLive(opts: LiveOptions): { close(): void } {
  const backoff = opts.backoffMs ?? [1000, 2000, 5000, 10000];
  let attempt = 0;
  let source: EventSource | undefined;
  let timer: number | undefined;
  let closed = false;

  const parse = (ev: MessageEvent): unknown => {
    try {
      return JSON.parse(String(ev.data));
    } catch {
      return undefined;
    }
  };

  const open = (): void => {
    if (closed) return;
    opts.onState('connecting');
    const es = new EventSource(opts.url);
    source = es;
    es.addEventListener('open', () => {
      attempt = 0;
      opts.onState('live');
      opts.onEvent('stream_opened', undefined);
    });
    es.addEventListener('error', () => {
      if (closed) return;
      opts.onState('disconnected');
      if (es.readyState === EventSource.CLOSED) {
        const delay = backoff[Math.min(attempt, backoff.length - 1)];
        attempt += 1;
        timer = window.setTimeout(open, delay);
      }
    });
    for (const type of REFRESH_EVENTS) es.addEventListener(type, (ev) => opts.onEvent(type, parse(ev as MessageEvent)));
    es.addEventListener('message', (ev) => {
      const data = parse(ev);
      const t = data !== null && typeof data === 'object' ? (data as { eventType?: unknown }).eventType : undefined;
      opts.onEvent(typeof t === 'string' ? t : 'message', data);
    });
  };

  open();
  return {
    close(): void {
      closed = true;
      if (timer !== undefined) window.clearTimeout(timer);
      source?.close();
    },
  };
}
