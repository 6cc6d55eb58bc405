// The UI's only door to the server: same-origin requests relative to /ui/ (`../v2/...`), JSON
// in and out, errors as HttpError carrying the status and Marathon's error body.
import { appApiPath } from './lib/format';
import type { App, Deployment, QueueItem } from './lib/types';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }

  /** 409 "App is locked by one or more deployments" (it names them), as opposed to "exists". */
  get isLocked(): boolean {
    const b = this.body as { deployments?: unknown } | null;
    return this.status === 409 && b !== null && typeof b === 'object' && Array.isArray(b.deployments);
  }
}

function messageOf(status: number, body: unknown, fallback: string): string {
  if (body !== null && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') {
    return (body as { message: string }).message;
  }
  return status === 0 ? 'the server cannot be reached' : `${fallback} (HTTP ${status})`;
}

async function request<T>(method: string, url: string, body?: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: { Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body,
    });
  } catch (e) {
    throw new HttpError(0, null, 'the server cannot be reached');
  }
  const text = await res.text();
  let parsed: unknown = null;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (!res.ok) throw new HttpError(res.status, parsed, messageOf(res.status, parsed, res.statusText || 'request failed'));
  return parsed as T;
}

/** The error's message plus Marathon's per-field details, for dialogs and notices. */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  if (!(e instanceof HttpError) || e.body === null || typeof e.body !== 'object') return e.message;
  const details = (e.body as { details?: unknown }).details;
  if (!Array.isArray(details) || details.length === 0) return e.message;
  const parts = details
    .filter((d): d is { path?: string; attribute?: string; errors?: string[] } => d !== null && typeof d === 'object')
    .map((d) => `${d.path ?? d.attribute ?? '/'}: ${(d.errors ?? []).join('; ')}`);
  return `${e.message} — ${parts.join(' · ')}`;
}

const q = (force: boolean): string => (force ? '?force=true' : '');

export const api = {
  listApps: async (): Promise<App[]> =>
    (await request<{ apps: App[] }>('GET', '../v2/apps?embed=apps.counts&embed=apps.deployments&embed=apps.tasks&embed=apps.lastTaskFailure')).apps ?? [],
  getApp: async (id: string): Promise<App> => (await request<{ app: App }>('GET', `${appApiPath(id)}?embed=app.taskStats&embed=app.readiness`)).app,
  queue: async (): Promise<QueueItem[]> => (await request<{ queue: QueueItem[] }>('GET', '../v2/queue')).queue ?? [],
  deployments: async (): Promise<Deployment[]> => (await request<Deployment[]>('GET', '../v2/deployments')) ?? [],
  versions: async (id: string): Promise<string[]> => (await request<{ versions: string[] }>('GET', appApiPath(id, '/versions'))).versions ?? [],
  version: (id: string, ts: string): Promise<App> => request<App>('GET', appApiPath(id, `/versions/${encodeURIComponent(ts)}`)),
  /** undefined when the server has no /v2/networks (the page then derives networks from apps). */
  networks: async (): Promise<unknown | undefined> => {
    try {
      return await request<unknown>('GET', '../v2/networks');
    } catch (e) {
      if (e instanceof HttpError && (e.status === 404 || e.status === 500 || e.status === 501)) return undefined;
      throw e;
    }
  },
  createApp: (json: string): Promise<App> => request<App>('POST', '../v2/apps', json),
  scale: (id: string, instances: number, force: boolean): Promise<unknown> =>
    request('PUT', appApiPath(id) + q(force), JSON.stringify({ instances })),
  restart: (id: string, force: boolean): Promise<unknown> => request('POST', appApiPath(id, '/restart') + q(force), JSON.stringify({ force })),
  destroy: (id: string): Promise<unknown> => request('DELETE', appApiPath(id)),
  killTasks: (ids: string[], scale: boolean, force: boolean): Promise<unknown> => {
    const params = [scale ? 'scale=true' : '', force ? 'force=true' : ''].filter((s) => s !== '').join('&');
    return request('POST', `../v2/tasks/delete${params ? `?${params}` : ''}`, JSON.stringify({ ids }));
  },
  resetDelay: (id: string): Promise<unknown> => {
    const segments = id.split('/').filter((s) => s !== '').map(encodeURIComponent);
    return request('DELETE', `../v2/queue/${segments.join('/')}/delay`);
  },
};
