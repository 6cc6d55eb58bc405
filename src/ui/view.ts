// What every page provides to the shell, and what the shell offers back.
import { h } from './dom';
import { STATUS_ICON, type AppStatus } from './lib/status';

export interface ViewContext {
  notify(text: string, kind?: 'info' | 'error'): void;
  navigate(hash: string): void;
  /** the last non-empty status message seen on /v2/events for a task, if any */
  taskMessage(taskId: string): string | undefined;
}

export interface View {
  /** page title, also the h1 text */
  title: string;
  el: HTMLElement;
  /** reloads the page's data; the shell calls it on events, reconnects and the slow poll */
  refresh(): Promise<void>;
  /** app ids whose changes concern this page; undefined = every change */
  watches?(): string[] | undefined;
  dispose?(): void;
}

export function statusBadge(status: AppStatus, extra?: string): HTMLElement {
  return h(
    'span',
    { class: `status status-${status.toLowerCase()}` },
    h('span', { class: 'status-icon', 'aria-hidden': 'true' }, STATUS_ICON[status]),
    ' ',
    status,
    extra ? h('span', { class: 'status-extra' }, ` ${extra}`) : null,
  );
}

/** Re-renders inside `el` while keeping keyboard focus on the "same" control (data-focus-key). */
export function keepFocus(el: HTMLElement, render: () => void): void {
  const active = document.activeElement;
  const key = active instanceof HTMLElement && el.contains(active) ? active.dataset.focusKey : undefined;
  render();
  if (key !== undefined) {
    const again = el.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(key)}"]`);
    again?.focus();
  }
}
