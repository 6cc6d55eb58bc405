// Create page: a JSON editor prefilled with samples/apps/vnettest.json (embedded at build time).
// The server's 422 details are placed on the editor's lines: the gutter marks the line, the
// offending key is highlighted and the message is written after it; a list below repeats every
// error with its path and jumps to the field.
import { api, HttpError } from '../api';
import { h, replaceChildren, uid } from '../dom';
import { appRoute } from '../lib/format';
import { detailsOf, mapErrorsToEditor, scanJson, type EditorError } from '../lib/error-paths';
import type { ErrorDetail } from '../lib/types';
import type { View, ViewContext } from '../view';

declare const __SAMPLE_APP__: string;

export const SAMPLE_APP: string = typeof __SAMPLE_APP__ === 'string' ? __SAMPLE_APP__ : '{\n  "id": "my-app",\n  "cmd": "sleep 3600"\n}\n';

interface Annotation {
  line: number;
  start: number;
  end: number;
  text: string;
  severity: 'error';
}

export function createAppView(ctx: ViewContext): View {
  const editorId = uid('editor');
  const errorsId = uid('editor-errors');
  const helpId = uid('editor-help');
  let details: ErrorDetail[] = [];
  let generalError = '';

  const textarea = h('textarea', {
    id: editorId,
    class: 'editor-text',
    spellcheck: 'false',
    autocapitalize: 'off',
    autocomplete: 'off',
    wrap: 'off',
    rows: 24,
    'aria-describedby': `${helpId} ${errorsId}`,
  });
  textarea.value = SAMPLE_APP;
  const backdrop = h('pre', { class: 'editor-backdrop', 'aria-hidden': 'true' });
  const gutter = h('div', { class: 'editor-gutter', 'aria-hidden': 'true' });
  const errorsBox = h('div', { id: errorsId, class: 'editor-errors', role: 'alert' });
  const createBtn = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create app');
  const formatBtn = h('button', { type: 'button', class: 'btn' }, 'Format JSON');
  const resetBtn = h('button', { type: 'button', class: 'btn' }, 'Reset to sample');

  const form = h(
    'form',
    { class: 'create-form', novalidate: true },
    h('label', { for: editorId, class: 'editor-label' }, 'App definition (JSON)'),
    h('p', { id: helpId, class: 'hint' }, 'Marathon app JSON with the container.networkInterfaces extension. Tab leaves the editor; errors from the server appear next to the field they concern.'),
    h('div', { class: 'editor' }, gutter, h('div', { class: 'editor-area' }, backdrop, textarea)),
    h('div', { class: 'toolbar' }, createBtn, formatBtn, resetBtn),
    errorsBox,
  );

  const el = h(
    'section',
    { class: 'page create-page' },
    h('nav', { 'aria-label': 'Breadcrumb', class: 'crumbs' }, h('a', { href: '#/apps' }, 'Applications'), ' / ', h('span', { 'aria-current': 'page' }, 'Create')),
    h('h1', {}, 'Create application'),
    form,
  );

  const jumpTo = (e: { start: number; end: number }): void => {
    textarea.focus();
    textarea.setSelectionRange(e.start, e.end);
    // Bring the selection into view: the browser only scrolls for typing, not for selection.
    const line = textarea.value.slice(0, e.start).split('\n').length;
    const lh = parseFloat(getComputedStyle(textarea).lineHeight) || 20;
    textarea.scrollTop = Math.max(0, (line - 4) * lh);
    syncScroll();
  };

  const syncScroll = (): void => {
    backdrop.scrollTop = textarea.scrollTop;
    backdrop.scrollLeft = textarea.scrollLeft;
    gutter.scrollTop = textarea.scrollTop;
  };

  const paint = (): void => {
    const text = textarea.value;
    const scan = scanJson(text);
    const annotations: Annotation[] = [];
    let mapped: EditorError[] = [];
    if (!scan.ok) {
      const lines = text.split('\n');
      let offset = 0;
      for (let i = 0; i < scan.line - 1; i++) offset += lines[i].length + 1;
      const start = offset + scan.column - 1;
      annotations.push({ line: scan.line, start, end: Math.min(start + 1, text.length), text: `JSON syntax: ${scan.message}`, severity: 'error' });
    } else if (details.length > 0) {
      mapped = mapErrorsToEditor(text, details);
      for (const m of mapped) {
        annotations.push({ line: m.line, start: m.start, end: m.end, text: `${m.exact ? '' : `${m.path}: `}${m.messages.join('; ')}`, severity: 'error' });
      }
    }

    // Backdrop: mirrors the text line by line; marks the offending key and writes the message after the line.
    const lines = text.split('\n');
    const byLine = new Map<number, Annotation[]>();
    for (const a of annotations) byLine.set(a.line, [...(byLine.get(a.line) ?? []), a]);
    const frag: Node[] = [];
    let offset = 0;
    lines.forEach((line, i) => {
      const n = i + 1;
      const anns = byLine.get(n);
      if (!anns) {
        frag.push(document.createTextNode(line));
      } else {
        const a = anns[0];
        const s = Math.max(0, Math.min(line.length, a.start - offset));
        const e = Math.max(s, Math.min(line.length, a.end - offset));
        frag.push(
          h(
            'span',
            { class: 'err-line' },
            line.slice(0, s),
            h('mark', { class: 'err-key' }, line.slice(s, e) || ' '),
            line.slice(e),
            h('span', { class: 'err-note' }, `  ◀ ${anns.map((x) => x.text).join(' | ')}`),
          ),
        );
      }
      frag.push(document.createTextNode('\n'));
      offset += line.length + 1;
    });
    replaceChildren(backdrop, frag);
    replaceChildren(
      gutter,
      lines.map((_, i) => (byLine.has(i + 1) ? h('div', { class: 'gutter-line gutter-error' }, h('span', { class: 'gutter-mark' }, '!'), String(i + 1)) : h('div', { class: 'gutter-line' }, String(i + 1)))),
      h('div', { class: 'gutter-line' }, ' '),
    );
    textarea.setAttribute('aria-invalid', annotations.length > 0 || generalError !== '' ? 'true' : 'false');

    // The list: every problem with its line and path; activating it selects the field.
    const items: HTMLElement[] = [];
    if (!scan.ok) {
      const a = annotations[0];
      items.push(h('li', {}, h('button', { type: 'button', class: 'link', onClick: () => jumpTo(a) }, `Line ${scan.line}, column ${scan.column}`), `: JSON syntax error: ${scan.message}.`));
    } else {
      for (const m of mapped) {
        items.push(
          h(
            'li',
            { 'data-path': m.path },
            h('button', { type: 'button', class: 'link', onClick: () => jumpTo(m) }, `Line ${m.line}`),
            ' ',
            h('code', {}, m.path),
            m.exact ? '' : h('span', { class: 'muted' }, ' (field not in the editor; nearest enclosing field marked)'),
            `: ${m.messages.join('; ') || 'invalid'}`,
          ),
        );
      }
    }
    if (generalError === '' && items.length === 0) {
      replaceChildren(errorsBox);
      errorsBox.hidden = true;
      return;
    }
    errorsBox.hidden = false;
    replaceChildren(
      errorsBox,
      h('h2', {}, h('span', { 'aria-hidden': 'true' }, '⚠ '), items.length > 0 ? `${items.length} problem${items.length === 1 ? '' : 's'} to fix` : 'The app was not created'),
      generalError ? h('p', {}, generalError) : null,
      items.length > 0 ? h('ol', {}, items) : null,
    );
  };

  textarea.addEventListener('input', paint);
  textarea.addEventListener('scroll', syncScroll);
  formatBtn.addEventListener('click', () => {
    try {
      textarea.value = `${JSON.stringify(JSON.parse(textarea.value), null, 2)}\n`;
      paint();
    } catch {
      paint();
    }
  });
  resetBtn.addEventListener('click', () => {
    textarea.value = SAMPLE_APP;
    details = [];
    generalError = '';
    paint();
    textarea.focus();
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = textarea.value;
    if (!scanJson(text).ok) {
      details = [];
      generalError = 'Fix the JSON syntax first.';
      paint();
      return;
    }
    createBtn.disabled = true;
    api
      .createApp(text)
      .then((app) => {
        details = [];
        generalError = '';
        paint();
        ctx.notify(`Created ${app.id}.`);
        ctx.navigate(appRoute(app.id));
      })
      .catch((e: unknown) => {
        if (e instanceof HttpError && (e.status === 422 || e.status === 400)) {
          details = detailsOf(e.body);
          generalError = details.length === 0 ? e.message : `The server rejected the definition: ${e.message}.`;
        } else {
          details = [];
          generalError = e instanceof Error ? e.message : String(e);
        }
        paint();
        errorsBox.querySelector<HTMLButtonElement>('button')?.focus();
      })
      .finally(() => {
        createBtn.disabled = false;
      });
  });

  paint();
  return { title: 'Create application', el, refresh: async () => undefined };
}
