/** A modal yes/no question for destructive actions; the safe choice has the focus. */
import { byId, el, replaceChildren } from './elements.js';

export interface ConfirmOptions {
  title: string;
  message: string;
  confirmLabel: string;
}

export function confirmAction(options: ConfirmOptions): Promise<boolean> {
  const dialog = byId<HTMLDialogElement>('confirm-dialog');
  return new Promise((resolve) => {
    const cancel = el('button', { type: 'submit', value: 'cancel', class: 'button' }, 'Cancel');
    replaceChildren(
      dialog,
      el(
        'form',
        { method: 'dialog' },
        el('h2', { id: 'confirm-title' }, options.title),
        el('p', { class: 'confirm-message' }, options.message),
        el(
          'div',
          { class: 'dialog-actions' },
          cancel,
          el(
            'button',
            { type: 'submit', value: 'confirm', class: 'button button--danger' },
            options.confirmLabel,
          ),
        ),
      ),
    );
    dialog.returnValue = '';
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
    dialog.showModal();
    cancel.focus();
  });
}
