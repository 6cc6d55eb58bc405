// Modal dialogs on <dialog>: showModal() traps focus and makes the page inert, Escape cancels,
// and focus returns to whatever opened the dialog when it closes.
import { h, uid } from './dom';
import { describeError, HttpError } from './api';

interface DialogParts {
  dialog: HTMLDialogElement;
  form: HTMLFormElement;
  error: HTMLElement;
}

function openDialog(title: string, body: Node[], buttons: HTMLButtonElement[], labelledBy?: string): DialogParts {
  const titleId = labelledBy ?? uid('dlg-title');
  const descId = uid('dlg-desc');
  const error = h('p', { class: 'dialog-error', role: 'alert', hidden: true });
  const form = h('form', { method: 'dialog' }, h('h2', { id: titleId }, title), h('div', { id: descId, class: 'dialog-body' }, ...body), error, h('div', { class: 'dialog-buttons' }, ...buttons));
  const dialog = h('dialog', { 'aria-labelledby': titleId, 'aria-describedby': descId }, form);
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (opener && opener.isConnected) opener.focus();
  });
  document.body.appendChild(dialog);
  dialog.showModal();
  return { dialog, form, error };
}

function showError(error: HTMLElement, text: string): void {
  error.textContent = text;
  error.hidden = false;
}

export interface ConfirmOptions {
  title: string;
  message: string;
  confirmLabel: string;
  danger?: boolean;
}

export function confirmDialog(opts: ConfirmOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const cancel = h('button', { type: 'submit', value: 'cancel', class: 'btn' }, 'Cancel');
    const ok = h('button', { type: 'submit', value: 'ok', class: opts.danger ? 'btn btn-danger' : 'btn btn-primary' }, opts.confirmLabel);
    const { dialog } = openDialog(opts.title, [h('p', {}, opts.message)], [cancel, ok]);
    // The safe choice gets focus, so Enter alone never destroys anything.
    cancel.focus();
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'));
  });
}

/**
 * Asks for a new instance count and runs `submit(n)` (false = the user backed out of a follow-up
 * question: stay open); errors stay in the dialog so the user can correct the number. Resolves
 * to the submitted count, or undefined when cancelled.
 */
export function scaleDialog(appId: string, current: number, submit: (n: number) => Promise<boolean>): Promise<number | undefined> {
  return new Promise((resolve) => {
    const inputId = uid('scale-n');
    const input = h('input', { id: inputId, type: 'number', min: 0, step: 1, required: true, value: current, inputmode: 'numeric' });
    const cancel = h('button', { type: 'button', class: 'btn' }, 'Cancel');
    const ok = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Scale');
    const { dialog, form, error } = openDialog(
      `Scale ${appId}`,
      [h('p', {}, 'How many instances should run?'), h('label', { for: inputId }, 'Instances'), input],
      [cancel, ok],
    );
    input.focus();
    input.select();
    let result: number | undefined;
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => resolve(result));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const n = Number(input.value);
      if (!Number.isInteger(n) || n < 0) {
        showError(error, 'Enter a whole number, 0 or more.');
        input.setAttribute('aria-invalid', 'true');
        input.focus();
        return;
      }
      ok.disabled = true;
      submit(n)
        .then((done) => {
          ok.disabled = false;
          if (!done) return;
          result = n;
          dialog.close();
        })
        .catch((e: unknown) => {
          ok.disabled = false;
          showError(error, describeError(e));
        });
    });
  });
}

/**
 * Runs a write; when the app is locked by a deployment (409 with `deployments`), asks whether
 * to stop that deployment and repeats the same call with force=true (spec §6.1).
 */
export async function withForce(action: (force: boolean) => Promise<unknown>, forceLabel: string): Promise<boolean> {
  try {
    await action(false);
    return true;
  } catch (e) {
    if (!(e instanceof HttpError) || !e.isLocked) throw e;
    const go = await confirmDialog({
      title: 'App is locked by a deployment',
      message: `${e.message} Stopping the current deployment leaves the app as it is now and starts this change instead.`,
      confirmLabel: forceLabel,
      danger: true,
    });
    if (!go) return false;
    await action(true);
    return true;
  }
}
