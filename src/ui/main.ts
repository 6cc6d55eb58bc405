// The shell: header and navigation, hash routing, the live-update connection with its
// "disconnected" banner, notifications, and refresh scheduling for the current page.
import { h, replaceChildren } from './dom';
import { parseRoute } from './lib/format';
import { connectLive, type LiveState } from './live';
import type { View, ViewContext } from './view';
import { appDetailView } from './views/app-detail';
import { appsListView } from './views/apps-list';
import { createAppView } from './views/create-app';
import { networksView } from './views/networks';

const FALLBACK_POLL_MS = 30_000;
const EVENT_DEBOUNCE_MS = 200;
const MAX_TASK_MESSAGES = 1000;

function boot(): void {
  const main = document.getElementById('main');
  const banner = document.getElementById('banner');
  const liveEl = document.getElementById('live');
  const notices = document.getElementById('notices');
  const skip = document.getElementById('skip');
  if (!main || !banner || !liveEl || !notices) throw new Error('index.html is missing the shell elements');

  skip?.addEventListener('click', (ev) => {
    // A plain #main link would change the hash route.
    ev.preventDefault();
    main.focus();
  });

  let view: View | undefined;
  let refreshTimer: number | undefined;
  let inFlight = false;
  let again = false;
  let lastError = '';

  const notify = (text: string, kind: 'info' | 'error' = 'info'): void => {
    const item = h('p', { class: `notice notice-${kind}` }, h('span', { 'aria-hidden': 'true' }, kind === 'error' ? '✖ ' : '✓ '), text, h('button', { type: 'button', class: 'link notice-close', 'aria-label': 'Dismiss message', onClick: () => item.remove() }, '×'));
    notices.appendChild(item);
    while (notices.childElementCount > 3) notices.firstElementChild?.remove();
    if (kind === 'info') window.setTimeout(() => item.remove(), 6000);
  };

  const refreshNow = async (): Promise<void> => {
    if (!view) return;
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    const current = view;
    try {
      await current.refresh();
      if (lastError !== '') {
        lastError = '';
        document.getElementById('load-error')?.remove();
      }
    } catch (e) {
      const text = e instanceof Error ? e.message : String(e);
      if (text !== lastError) {
        lastError = text;
        document.getElementById('load-error')?.remove();
        current.el.prepend(h('p', { id: 'load-error', class: 'notice notice-error', role: 'alert' }, h('span', { 'aria-hidden': 'true' }, '✖ '), `Could not load data: ${text}`));
      }
    } finally {
      inFlight = false;
      if (again) {
        again = false;
        void refreshNow();
      }
    }
  };

  const scheduleRefresh = (): void => {
    if (refreshTimer !== undefined) return;
    refreshTimer = window.setTimeout(() => {
      refreshTimer = undefined;
      void refreshNow();
    }, EVENT_DEBOUNCE_MS);
  };

  // Status messages from the event stream, by task id (the task JSON may not carry them):
  // e.g. local mode's note that a task's image was not used. Bounded, oldest dropped first.
  const taskMessages = new Map<string, string>();
  const rememberTaskMessage = (data: unknown): void => {
    if (data === null || typeof data !== 'object') return;
    const { taskId, message } = data as { taskId?: unknown; message?: unknown };
    if (typeof taskId !== 'string' || typeof message !== 'string' || message === '') return;
    taskMessages.delete(taskId);
    taskMessages.set(taskId, message);
    if (taskMessages.size > MAX_TASK_MESSAGES) taskMessages.delete(taskMessages.keys().next().value as string);
  };

  const ctx: ViewContext = {
    notify,
    taskMessage: (taskId) => taskMessages.get(taskId),
    navigate: (hash) => {
      if (location.hash === hash) route();
      else location.hash = hash;
    },
  };

  const route = (): void => {
    view?.dispose?.();
    const r = parseRoute(location.hash);
    switch (r.view) {
      case 'apps':
        view = appsListView(ctx);
        break;
      case 'app':
        view = appDetailView(ctx, r.appId);
        break;
      case 'create':
        view = createAppView(ctx);
        break;
      case 'networks':
        view = networksView(ctx);
        break;
      default:
        view = { title: 'Not found', el: h('section', { class: 'page' }, h('h1', {}, 'Page not found'), h('p', {}, 'Nothing lives at ', h('code', {}, r.hash), '. ', h('a', { href: '#/apps' }, 'Go to the applications.'))), refresh: async () => undefined };
    }
    lastError = '';
    document.title = `${view.title} · marathon-vnet`;
    replaceChildren(main, view.el);
    for (const a of document.querySelectorAll<HTMLAnchorElement>('header nav a')) {
      const active = (r.view === 'app' && a.dataset.nav === 'apps') || a.dataset.nav === r.view;
      if (active) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    // Move focus to the new page's heading so keyboard and screen-reader users land on it.
    const h1 = view.el.querySelector('h1');
    if (h1) {
      h1.setAttribute('tabindex', '-1');
      h1.focus({ preventScroll: true });
    }
    void refreshNow();
  };

  const setLive = (state: LiveState): void => {
    liveEl.dataset.state = state;
    liveEl.textContent = state === 'live' ? '● Live' : state === 'connecting' ? '○ Connecting…' : '✖ Disconnected';
    if (state === 'disconnected') {
      if (banner.hidden) {
        banner.hidden = false;
        replaceChildren(banner, h('strong', {}, 'Disconnected from the server’s event stream.'), ' Reconnecting… The page may be out of date until then.');
      }
    } else if (state === 'live') {
      banner.hidden = true;
      replaceChildren(banner);
    }
  };

  window.addEventListener('hashchange', route);
  route();
  connectLive({
    url: '../v2/events',
    onState: setLive,
    onEvent: (type, data) => {
      if (type === 'status_update_event') rememberTaskMessage(data);
      const appId = data !== null && typeof data === 'object' ? (data as { appId?: unknown }).appId : undefined;
      const watched = view?.watches?.();
      // Events naming another app do not concern an app page; everything else may.
      if (watched && typeof appId === 'string' && !watched.includes(appId) && type !== 'stream_opened') return;
      scheduleRefresh();
    },
  });
  window.setInterval(() => void refreshNow(), FALLBACK_POLL_MS);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
