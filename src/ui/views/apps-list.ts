// Apps page: every app with its status, counts, resources and networks; search by id and label.
import { api } from '../api';
import { h, replaceChildren, uid } from '../dom';
import { appRoute, formatNumber } from '../lib/format';
import { filterApps } from '../lib/label-search';
import { appNetworks } from '../lib/networks';
import { deriveAppStatus, delaySecondsLeft } from '../lib/status';
import type { App, QueueItem } from '../lib/types';
import { keepFocus, statusBadge, type View, type ViewContext } from '../view';

export function appsListView(_ctx: ViewContext): View {
  let apps: App[] = [];
  let queue: QueueItem[] = [];
  let loaded = false;

  const idInputId = uid('search-id');
  const labelInputId = uid('search-label');
  const labelHelpId = uid('search-label-help');
  const idInput = h('input', { id: idInputId, type: 'search', autocomplete: 'off', placeholder: 'e.g. vnet', 'data-focus-key': 'search-id' });
  const labelInput = h('input', { id: labelInputId, type: 'search', autocomplete: 'off', placeholder: 'k or k=v, comma-separated', 'aria-describedby': labelHelpId });
  const labelHelp = h('p', { id: labelHelpId, class: 'hint' }, 'Label terms: k (has label), k=v, k!=v; several terms separated by commas must all match.');
  const summary = h('p', { class: 'summary', role: 'status', 'aria-live': 'polite' });
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'data apps' },
    h('caption', { class: 'visually-hidden' }, 'Applications'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'ID'),
        h('th', { scope: 'col' }, 'Status'),
        h('th', { scope: 'col', class: 'num' }, 'Instances'),
        h('th', { scope: 'col', class: 'num' }, 'Running'),
        h('th', { scope: 'col', class: 'num' }, 'Staged'),
        h('th', { scope: 'col', class: 'num' }, 'Healthy'),
        h('th', { scope: 'col', class: 'num' }, 'CPUs'),
        h('th', { scope: 'col', class: 'num' }, 'Memory (MiB)'),
        h('th', { scope: 'col' }, 'Networks'),
      ),
    ),
    tbody,
  );

  const el = h(
    'section',
    { class: 'page apps-page' },
    h('div', { class: 'page-head' }, h('h1', {}, 'Applications'), h('a', { class: 'btn btn-primary', href: '#/create' }, 'Create app')),
    h(
      'div',
      { class: 'filters', role: 'search' },
      h('div', { class: 'field' }, h('label', { for: idInputId }, 'Search by id'), idInput),
      h('div', { class: 'field' }, h('label', { for: labelInputId }, 'Filter by label'), labelInput, labelHelp),
    ),
    summary,
    h('div', { class: 'table-wrap' }, table),
  );
  labelInput.dataset.focusKey = 'search-label';

  const render = (): void => {
    if (!loaded) {
      replaceChildren(tbody, h('tr', {}, h('td', { colspan: 9, class: 'empty' }, 'Loading…')));
      return;
    }
    const { apps: shown, error } = filterApps(apps, idInput.value, labelInput.value);
    labelInput.setAttribute('aria-invalid', error ? 'true' : 'false');
    labelHelp.textContent = error ? `Label filter not applied: ${error}.` : 'Label terms: k (has label), k=v, k!=v; several terms separated by commas must all match.';
    labelHelp.classList.toggle('error-text', Boolean(error));
    const filtered = shown.length !== apps.length;
    summary.textContent = filtered ? `${shown.length} of ${apps.length} applications match.` : `${apps.length} application${apps.length === 1 ? '' : 's'}.`;
    keepFocus(tbody, () => {
      if (shown.length === 0) {
        replaceChildren(tbody, h('tr', {}, h('td', { colspan: 9, class: 'empty' }, apps.length === 0 ? 'No applications yet. Use “Create app” to start one.' : 'No application matches the search.')));
        return;
      }
      replaceChildren(
        tbody,
        shown
          .slice()
          .sort((a, b) => a.id.localeCompare(b.id))
          .map((app) => {
            const status = deriveAppStatus(app, queue);
            const left = delaySecondsLeft(app, queue);
            const nets = appNetworks(app);
            return h(
              'tr',
              { 'data-app-id': app.id },
              h('th', { scope: 'row' }, h('a', { href: appRoute(app.id), 'data-focus-key': `app:${app.id}` }, app.id)),
              h('td', {}, statusBadge(status, left !== undefined ? `(${Math.ceil(left)} s)` : undefined)),
              h('td', { class: 'num', 'data-col': 'instances' }, String(app.instances ?? 0)),
              h('td', { class: 'num', 'data-col': 'running' }, String(app.tasksRunning ?? 0)),
              h('td', { class: 'num', 'data-col': 'staged' }, String(app.tasksStaged ?? 0)),
              h('td', { class: 'num', 'data-col': 'healthy' }, String(app.tasksHealthy ?? 0)),
              h('td', { class: 'num' }, formatNumber(app.cpus)),
              h('td', { class: 'num' }, formatNumber(app.mem)),
              h('td', {}, nets.length === 0 ? h('span', { class: 'muted' }, 'host / none') : h('ul', { class: 'inline-list' }, nets.map((n) => h('li', {}, n)))),
            );
          }),
      );
    });
  };

  idInput.addEventListener('input', render);
  labelInput.addEventListener('input', render);
  render();

  return {
    title: 'Applications',
    el,
    async refresh() {
      const [a, q] = await Promise.all([api.listApps(), api.queue().catch(() => [] as QueueItem[])]);
      apps = a;
      queue = q;
      loaded = true;
      render();
    },
  };
}
