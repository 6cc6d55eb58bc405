// App page: status and counts, actions (scale, suspend, restart, destroy, kill tasks), the tasks
// with each of their network interfaces, the current deployment, the last failure, the
// definition and its versions.
import { api, describeError, HttpError } from '../api';
import { confirmDialog, scaleDialog, withForce } from '../dialogs';
import { h, replaceChildren, uid } from '../dom';
import { formatAddress, formatNumber, formatTime } from '../lib/format';
import { hostWithPorts, overCapacity, queueReason, taskHealth } from '../lib/health';
import { appNetworks } from '../lib/networks';
import { deriveAppStatus, delaySecondsLeft, describeTaskState } from '../lib/status';
import type { App, Deployment, QueueItem, Task } from '../lib/types';
import { keepFocus, statusBadge, type View, type ViewContext } from '../view';

/** The definition as the user wrote it: response-only fields left out. */
function definitionOf(app: App): Record<string, unknown> {
  const skip = new Set(['tasks', 'tasksRunning', 'tasksStaged', 'tasksHealthy', 'tasksUnhealthy', 'deployments', 'lastTaskFailure', 'taskStats', 'tasksStats', 'readinessCheckResults', 'version', 'versionInfo']);
  return Object.fromEntries(Object.entries(app).filter(([k]) => !skip.has(k)));
}

const errorText = describeError;

export function appDetailView(ctx: ViewContext, appId: string): View {
  let app: App | undefined;
  let queue: QueueItem[] = [];
  let deployments: Deployment[] = [];
  let versions: string[] = [];
  let missing = false;
  const selected = new Set<string>();

  const heading = h('h1', {}, appId);
  const statusEl = h('div', { class: 'app-status', role: 'status', 'aria-live': 'polite' });
  const summary = h('dl', { class: 'summary-grid' });
  const deploymentSec = h('section', { class: 'card', 'aria-labelledby': 'sec-deploy' });
  const failureSec = h('section', { class: 'card', 'aria-labelledby': 'sec-failure' });
  const tasksTable = h('table', { class: 'data tasks' });
  const killInfo = h('span', { class: 'hint', 'aria-live': 'polite' });
  const killBtn = h('button', { type: 'button', class: 'btn', disabled: true }, 'Kill selected');
  const killScaleBtn = h('button', { type: 'button', class: 'btn', disabled: true }, 'Kill selected and scale down');
  const definitionPre = h('pre', { class: 'json', tabindex: 0, 'aria-label': 'App definition JSON' });
  const versionsList = h('ul', { class: 'versions' });
  const versionPre = h('pre', { class: 'json', tabindex: 0, 'aria-label': 'Selected version JSON', hidden: true });
  const versionTitle = h('h3', { hidden: true });

  const scaleBtn = h('button', { type: 'button', class: 'btn btn-primary' }, 'Scale…');
  const suspendBtn = h('button', { type: 'button', class: 'btn' }, 'Suspend');
  const restartBtn = h('button', { type: 'button', class: 'btn' }, 'Restart');
  const resetDelayBtn = h('button', { type: 'button', class: 'btn', hidden: true }, 'Reset delay');
  const destroyBtn = h('button', { type: 'button', class: 'btn btn-danger' }, 'Destroy');

  const el = h(
    'section',
    { class: 'page app-page' },
    h('nav', { 'aria-label': 'Breadcrumb', class: 'crumbs' }, h('a', { href: '#/apps' }, 'Applications'), ' / ', h('span', { 'aria-current': 'page' }, appId)),
    h('div', { class: 'page-head' }, heading, statusEl),
    h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'App actions' }, scaleBtn, suspendBtn, restartBtn, resetDelayBtn, destroyBtn),
    summary,
    deploymentSec,
    failureSec,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'sec-tasks' },
      h('h2', { id: 'sec-tasks' }, 'Tasks'),
      h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Task actions' }, killBtn, killScaleBtn, killInfo),
      h('div', { class: 'table-wrap' }, tasksTable),
    ),
    h('section', { class: 'card', 'aria-labelledby': 'sec-def' }, h('h2', { id: 'sec-def' }, 'Definition'), definitionPre),
    h('section', { class: 'card', 'aria-labelledby': 'sec-versions' }, h('h2', { id: 'sec-versions' }, 'Versions'), versionsList, versionTitle, versionPre),
  );

  const updateKillButtons = (): void => {
    const n = selected.size;
    killBtn.disabled = n === 0;
    killScaleBtn.disabled = n === 0;
    killInfo.textContent = n === 0 ? 'Select tasks to kill them.' : `${n} task${n === 1 ? '' : 's'} selected.`;
  };

  const renderTasks = (tasks: Task[]): void => {
    const head = h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Select')),
        h('th', { scope: 'col' }, 'Task'),
        h('th', { scope: 'col' }, 'Host:ports'),
        h('th', { scope: 'col' }, 'State'),
        h('th', { scope: 'col' }, 'Started'),
        h('th', { scope: 'col' }, 'Interface'),
        h('th', { scope: 'col' }, 'Network'),
        h('th', { scope: 'col' }, 'MAC'),
        h('th', { scope: 'col' }, 'IP / prefix'),
        h('th', { scope: 'col' }, 'Addressing'),
      ),
    );
    for (const id of [...selected]) if (!tasks.some((t) => t.id === id)) selected.delete(id);
    if (tasks.length === 0) {
      replaceChildren(tasksTable, h('caption', { class: 'visually-hidden' }, 'Tasks'), head, h('tbody', {}, h('tr', {}, h('td', { colspan: 10, class: 'empty' }, 'No tasks.'))));
      updateKillButtons();
      return;
    }
    const bodies = tasks
      .slice()
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((t) => {
        const ifs = t.networkInterfaces ?? [];
        const span = Math.max(1, ifs.length);
        const st = describeTaskState(t.state);
        const note = t.message || ctx.taskMessage(t.id);
        const health = taskHealth(t);
        const cbId = uid('task-sel');
        const cb = h('input', { type: 'checkbox', id: cbId, checked: selected.has(t.id), 'data-focus-key': `sel:${t.id}`, 'aria-label': `Select task ${t.id}` });
        cb.addEventListener('change', () => {
          if (cb.checked) selected.add(t.id);
          else selected.delete(t.id);
          updateKillButtons();
        });
        const taskCells = [
          h('td', { rowspan: span, class: 'select' }, cb),
          h('th', { scope: 'rowgroup', rowspan: span, class: 'task-id' }, h('code', {}, t.id)),
          h('td', { rowspan: span, 'data-col': 'host' }, hostWithPorts(t)),
          h(
            'td',
            { rowspan: span },
            h('span', { class: `task-state task-${st.kind}` }, h('span', { 'aria-hidden': 'true' }, st.icon), ' ', st.text),
            health !== undefined ? h('span', { class: `task-health health-${health}`, 'data-col': 'health' }, ' · ', health) : null,
            // What the agent said about the task (e.g. local mode without Docker: the image was not used).
            note ? h('p', { class: 'task-note' }, note) : null,
          ),
          h('td', { rowspan: span }, formatTime(t.startedAt ?? t.stagedAt) || '—', t.startedAt ? null : t.stagedAt ? h('span', { class: 'muted' }, ' (staged)') : null),
        ];
        const ifCells = (i: number): HTMLElement[] => {
          const ni = ifs[i];
          if (!ni) {
            const ips = (t.ipAddresses ?? []).map((a) => a.ipAddress).join(', ');
            return [h('td', { colspan: 5, class: 'muted' }, ips ? `addresses: ${ips}` : 'no interfaces reported')];
          }
          const mode = (ni.bootproto ?? '').toLowerCase();
          return [
            h('td', {}, h('code', {}, ni.interfaceName ?? `eth${i}`)),
            h('td', {}, ni.networkName ?? ''),
            h('td', {}, h('code', {}, ni.macAddress ?? '')),
            h('td', {}, ni.ipAddress ? h('code', {}, formatAddress(ni.ipAddress, ni.prefixLength)) : h('span', { class: 'muted' }, mode === 'dhcp' ? 'waiting for lease' : '—')),
            h('td', {}, mode === 'dhcp' ? 'DHCP' : mode === 'static' ? 'static' : mode || '—'),
          ];
        };
        const rows = [h('tr', {}, ...taskCells, ...ifCells(0))];
        for (let i = 1; i < span; i++) rows.push(h('tr', {}, ...ifCells(i)));
        return h('tbody', { class: 'task', 'data-task-id': t.id }, ...rows);
      });
    keepFocus(tasksTable, () => replaceChildren(tasksTable, h('caption', { class: 'visually-hidden' }, 'Tasks and their network interfaces'), head, ...bodies));
    updateKillButtons();
  };

  const renderDeployment = (): void => {
    const mine = deployments.filter((d) => (d.affectedApps ?? []).includes(appId) || (app?.deployments ?? []).some((x) => x.id === d.id));
    if (mine.length === 0) {
      deploymentSec.hidden = true;
      return;
    }
    deploymentSec.hidden = false;
    replaceChildren(
      deploymentSec,
      h('h2', { id: 'sec-deploy' }, 'Current deployment'),
      mine.map((d) => {
        const total = d.totalSteps ?? d.steps?.length ?? 0;
        const step = Math.min(d.currentStep ?? 0, total);
        const actions = (d.currentActions ?? []).map((a) => `${a.action}${a.app ? ` ${a.app}` : ''}`).join(', ');
        const pid = uid('dep-progress');
        const waiting = (d.currentActions ?? []).flatMap((a) => (a.app === appId ? a.waitingFor ?? [] : []));
        return h(
          'div',
          { class: 'deployment', 'data-deployment-id': d.id },
          h('p', {}, h('label', { for: pid }, `Step ${step} of ${total} in progress`), actions ? ` — ${actions}` : ''),
          // currentStep is the 1-based step being worked on: the bar shows the steps already done.
          h('progress', { id: pid, max: Math.max(total, 1), value: Math.max(0, step - 1) }, `${Math.max(0, step - 1)} of ${total} steps done`),
          waiting.length > 0
            ? h('p', { class: 'waiting-for', role: 'status' }, 'Waiting for offers: ', waiting.map((w) => `${w.reason} (${w.declined} declined)`).join(', '))
            : '',
          h('p', { class: 'muted' }, 'Deployment ', h('code', {}, d.id), d.version ? ` for version ${formatTime(d.version)}` : ''),
        );
      }),
    );
  };

  const renderFailure = (): void => {
    const f = app?.lastTaskFailure;
    if (!f) {
      failureSec.hidden = true;
      return;
    }
    failureSec.hidden = false;
    replaceChildren(
      failureSec,
      h('h2', { id: 'sec-failure' }, h('span', { 'aria-hidden': 'true' }, '⚠ '), 'Last task failure'),
      h(
        'dl',
        { class: 'kv' },
        h('dt', {}, 'Message'),
        h('dd', {}, f.message || '(none)'),
        h('dt', {}, 'State'),
        h('dd', {}, f.state ?? ''),
        h('dt', {}, 'Task'),
        h('dd', {}, h('code', {}, f.taskId ?? '')),
        h('dt', {}, 'Host'),
        h('dd', {}, f.host ?? ''),
        h('dt', {}, 'When'),
        h('dd', {}, formatTime(f.timestamp)),
      ),
    );
  };

  const renderSummary = (): void => {
    if (!app) return;
    const status = deriveAppStatus(app, queue);
    const left = delaySecondsLeft(app, queue);
    replaceChildren(statusEl, statusBadge(status, left !== undefined ? `(${Math.ceil(left)} s left)` : undefined));
    resetDelayBtn.hidden = status !== 'Delayed';
    // Nothing to suspend at 0 instances; Scale… brings it back.
    suspendBtn.disabled = (app.instances ?? 0) === 0;
    const nets = appNetworks(app);
    const item = (k: string, v: Node | string, col?: string): HTMLElement => h('div', {}, h('dt', {}, k), h('dd', col ? { 'data-col': col } : {}, v));
    replaceChildren(
      summary,
      item('Instances', String(app.instances ?? 0), 'instances'),
      item('Running', String(app.tasksRunning ?? 0), 'running'),
      item('Staged', String(app.tasksStaged ?? 0), 'staged'),
      item('Healthy', String(app.tasksHealthy ?? 0), 'healthy'),
      item('Unhealthy', String(app.tasksUnhealthy ?? 0), 'unhealthy'),
      ...(overCapacity(app) > 0 ? [item('Capacity', `${overCapacity(app)} over capacity`, 'over-capacity')] : []),
      ...(queueReason(app, queue) !== undefined ? [item('Waiting for', queueReason(app, queue) as string, 'queue-reason')] : []),
      item('CPUs', formatNumber(app.cpus) || '—'),
      item('Memory', app.mem === undefined ? '—' : `${formatNumber(app.mem)} MiB`),
      // One chip per network: a name never breaks across lines at its hyphen.
      item('Networks', nets.length > 0 ? h('ul', { class: 'inline-list' }, nets.map((n) => h('li', {}, n))) : 'host / none', 'networks'),
      item('Version', formatTime(app.version)),
      item('Last scaling', formatTime(app.versionInfo?.lastScalingAt)),
      item('Last config change', formatTime(app.versionInfo?.lastConfigChangeAt)),
    );
    definitionPre.textContent = JSON.stringify(definitionOf(app), null, 2);
  };

  const renderVersions = (): void => {
    keepFocus(versionsList, () =>
      replaceChildren(
        versionsList,
        versions.length === 0
          ? h('li', { class: 'muted' }, 'No versions.')
          : versions.map((v) =>
              h(
                'li',
                {},
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'link',
                    'data-focus-key': `ver:${v}`,
                    onClick: () => {
                      api
                        .version(appId, v)
                        .then((body) => {
                          versionTitle.textContent = `Version ${formatTime(v)}`;
                          versionTitle.hidden = false;
                          versionPre.hidden = false;
                          versionPre.textContent = JSON.stringify(body, null, 2);
                        })
                        .catch((e: unknown) => ctx.notify(`Could not load version ${v}: ${errorText(e)}`, 'error'));
                    },
                  },
                  formatTime(v),
                  v === app?.version ? ' (current)' : '',
                ),
              ),
            ),
      ),
    );
  };

  const render = (): void => {
    if (missing) {
      replaceChildren(el, h('nav', { 'aria-label': 'Breadcrumb', class: 'crumbs' }, h('a', { href: '#/apps' }, 'Applications')), h('h1', {}, appId), h('p', { role: 'alert' }, `App ${appId} does not exist (any more).`));
      return;
    }
    renderSummary();
    renderDeployment();
    renderFailure();
    renderTasks(app?.tasks ?? []);
    renderVersions();
  };

  // ---- actions ----
  const act = async (what: string, run: () => Promise<boolean>): Promise<void> => {
    try {
      if (await run()) ctx.notify(`${what}: request accepted.`);
    } catch (e) {
      ctx.notify(`${what} failed: ${errorText(e)}`, 'error');
    }
    await refresh().catch(() => undefined);
  };

  scaleBtn.addEventListener('click', () => {
    void scaleDialog(appId, app?.instances ?? 0, (n) => withForce((force) => api.scale(appId, n, force), 'Stop the current deployment and scale')).then((n) => {
      if (n !== undefined) {
        ctx.notify(`Scaling ${appId} to ${n} instance${n === 1 ? '' : 's'}.`);
        void refresh().catch(() => undefined);
      }
    });
  });
  suspendBtn.addEventListener('click', () => {
    void confirmDialog({ title: `Suspend ${appId}?`, message: 'Suspending scales the app to 0 instances: every task is killed.', confirmLabel: 'Suspend' }).then((ok) => {
      if (ok) void act('Suspend', () => withForce((force) => api.scale(appId, 0, force), 'Stop the current deployment and suspend'));
    });
  });
  restartBtn.addEventListener('click', () => {
    void confirmDialog({ title: `Restart ${appId}?`, message: 'Every task is replaced by a new one, following the upgrade strategy.', confirmLabel: 'Restart' }).then((ok) => {
      if (ok) void act('Restart', () => withForce((force) => api.restart(appId, force), 'Stop the current deployment and restart'));
    });
  });
  resetDelayBtn.addEventListener('click', () => void act('Reset delay', async () => (await api.resetDelay(appId), true)));
  destroyBtn.addEventListener('click', () => {
    void confirmDialog({ title: `Destroy ${appId}?`, message: 'The app, its tasks and its versions are removed. This cannot be undone.', confirmLabel: 'Destroy', danger: true }).then(async (ok) => {
      if (!ok) return;
      try {
        await api.destroy(appId);
        ctx.notify(`Destroying ${appId}.`);
        ctx.navigate('#/apps');
      } catch (e) {
        ctx.notify(`Destroy failed: ${errorText(e)}`, 'error');
      }
    });
  });
  const kill = (scale: boolean): void => {
    const ids = [...selected];
    if (ids.length === 0) return;
    void confirmDialog({
      title: `Kill ${ids.length} task${ids.length === 1 ? '' : 's'}?`,
      message: scale ? 'The tasks are killed and the instance count goes down by as many.' : 'The tasks are killed; replacements are launched to keep the instance count.',
      confirmLabel: scale ? 'Kill and scale down' : 'Kill',
      danger: true,
    }).then((ok) => {
      if (!ok) return;
      void act(scale ? 'Kill and scale' : 'Kill', async () => {
        const done = scale ? await withForce((force) => api.killTasks(ids, true, force), 'Stop the current deployment and kill') : (await api.killTasks(ids, false, false), true);
        if (done) selected.clear();
        return done;
      });
    });
  };
  killBtn.addEventListener('click', () => kill(false));
  killScaleBtn.addEventListener('click', () => kill(true));

  async function refresh(): Promise<void> {
    try {
      const [a, q, d, v] = await Promise.all([
        api.getApp(appId),
        api.queue().catch(() => [] as QueueItem[]),
        api.deployments().catch(() => [] as Deployment[]),
        api.versions(appId).catch(() => [] as string[]),
      ]);
      app = a;
      queue = q;
      deployments = d;
      versions = v;
      missing = false;
    } catch (e) {
      if (e instanceof HttpError && e.status === 404) missing = true;
      else throw e;
    }
    render();
  }

  render();
  return { title: appId, el, refresh, watches: () => [appId] };
}

