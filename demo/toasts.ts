/**
 * Visible feedback: errors stay until dismissed and show the ThreadkeepError code, because a code
 * is what a person can search for or report; notices fade on their own.
 */
import { ThreadkeepError } from '../src/index.js';
import { byId, el, ICONS, icon } from './elements.js';

const NOTICE_MS = 4000;

function region(): HTMLElement {
  return byId('toasts');
}

function toast(kind: 'error' | 'notice', title: string, message: string): HTMLElement {
  const close = el(
    'button',
    { type: 'button', class: 'icon-button', 'aria-label': 'Dismiss', onclick: () => item.remove() },
    icon(ICONS.close),
  );
  const item = el(
    'div',
    // role=alert interrupts a screen reader: kept for errors, notices wait politely.
    { class: `toast toast--${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    el('div', { class: 'toast-text' }, el('strong', {}, title), el('span', {}, message)),
    close,
  );
  region().append(item);
  return item;
}

export function showNotice(title: string, message = ''): void {
  const item = toast('notice', title, message);
  setTimeout(() => item.remove(), NOTICE_MS);
}

/** Shows an error with its code; `action` says what the person was doing. */
export function showError(error: unknown, action: string): void {
  console.error(`threadkeep demo: ${action} failed`, error);
  if (error instanceof ThreadkeepError) {
    toast('error', `${action} failed · ${error.code}`, error.message);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    toast('error', `${action} failed`, message);
  }
}

/** Runs an async UI action; a rejection becomes a visible error instead of a silent console line. */
export function runAction(action: string, task: () => Promise<unknown>): Promise<void> {
  return task().then(
    () => {},
    (error: unknown) => showError(error, action),
  );
}

/**
 * For refreshes nobody clicked for (a list re-read after a change): a store closed under them,
 * as "delete all data" does before it reopens one, is expected and not worth a toast.
 */
export function runInBackground(action: string, task: () => Promise<unknown>): Promise<void> {
  return task().then(
    () => {},
    (error: unknown) => {
      if (error instanceof ThreadkeepError && error.code === 'CLOSED') return;
      showError(error, action);
    },
  );
}
