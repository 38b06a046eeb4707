/**
 * The list of chats by last activity (`sessions.list` orders by `updatedAt`), with rename and
 * delete. It re-reads the list after changes from any tab; a burst of changes (a streamed reply,
 * a seed) costs one read.
 */
import type { Change, Session, Store } from '../src/index.js';
import { confirmAction } from './confirm-dialog.js';
import { byId, el, ICONS, icon, replaceChildren } from './elements.js';
import { countOf, formatAge } from './format.js';
import { runAction, runInBackground } from './toasts.js';

export interface SidebarHooks {
  store(): Store;
  navigate(sessionId: string | null): Promise<void>;
  href(sessionId: string): string;
}

const LIST_LIMIT = 200;
const NARROW = '(max-width: 760px)';

export class Sidebar {
  readonly #hooks: SidebarHooks;
  readonly #list = byId<HTMLUListElement>('session-list');
  readonly #toggle = byId<HTMLButtonElement>('sidebar-toggle');
  #sessions: Session[] = [];
  #activeId: string | null = null;
  #renaming: string | null = null;
  #timer = 0;
  /** Reads overlap (a change, a rename, a delete): a slow older one must not paint over a newer. */
  #listing = 0;

  constructor(hooks: SidebarHooks) {
    this.#hooks = hooks;
    this.#toggle.addEventListener('click', () =>
      this.setOpen(this.#toggle.getAttribute('aria-expanded') !== 'true'),
    );
    byId('scrim').addEventListener('click', () => this.setOpen(false));
    byId('sidebar').addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && matchMedia(NARROW).matches) {
        this.setOpen(false);
        this.#toggle.focus();
      }
    });
    // "Just now" turns into "2 minutes ago" without any change to the data.
    setInterval(() => this.#render(), 60_000);
  }

  /** On phones the sidebar is a drawer over the chat. */
  setOpen(open: boolean): void {
    document.body.classList.toggle('sidebar-open', open);
    this.#toggle.setAttribute('aria-expanded', String(open));
    this.#toggle.setAttribute('aria-label', open ? 'Hide chats' : 'Show chats');
    byId('scrim').hidden = !open;
    if (open) (this.#list.querySelector<HTMLElement>('a[aria-current]') ?? byId('new-chat')).focus();
  }

  closeIfNarrow(): void {
    if (matchMedia(NARROW).matches) this.setOpen(false);
  }

  setActive(sessionId: string | null): void {
    this.#activeId = sessionId;
    this.#render();
  }

  onChange(change: Change): void {
    if (change.kind === 'artifact') return;
    this.scheduleRefresh();
  }

  /** At most one read per interval while changes keep coming (a reply streams for seconds). */
  scheduleRefresh(delay = 150): void {
    if (this.#timer) return;
    this.#timer = window.setTimeout(() => {
      this.#timer = 0;
      void runInBackground('Listing chats', () => this.refresh());
    }, delay);
  }

  async refresh(): Promise<void> {
    const listing = ++this.#listing;
    const sessions = await this.#hooks.store().sessions.list({ limit: LIST_LIMIT });
    if (listing !== this.#listing) return;
    this.#sessions = sessions;
    this.#render();
  }

  #render(): void {
    // Re-rendering would take the name field away from someone typing in it.
    if (this.#renaming) return;
    if (this.#sessions.length === 0) {
      replaceChildren(
        this.#list,
        el('li', { class: 'session-empty' }, 'No chats yet. Start one, or seed some data.'),
      );
      return;
    }
    replaceChildren(
      this.#list,
      this.#sessions.map((session) => this.#item(session)),
    );
  }

  #item(session: Session): HTMLLIElement {
    const title = session.title ?? 'Untitled chat';
    const active = session.id === this.#activeId;
    const forked = session.metadata.forkedFrom !== undefined;
    return el(
      'li',
      { class: `session${active ? ' session--active' : ''}`, 'data-id': session.id },
      el(
        'a',
        {
          class: 'session-link',
          href: this.#hooks.href(session.id),
          'aria-current': active ? 'page' : null,
          onclick: (event: MouseEvent) => {
            if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
            event.preventDefault();
            void this.#hooks.navigate(session.id);
            this.closeIfNarrow();
          },
        },
        el(
          'span',
          { class: 'session-title' },
          forked && icon(ICONS.branch),
          el('span', { class: 'session-title-text' }, title),
        ),
        el(
          'span',
          { class: 'session-meta' },
          `${formatAge(session.updatedAt)} · ${countOf(session.eventCount, 'event')}`,
        ),
      ),
      el(
        'div',
        { class: 'session-actions' },
        el(
          'button',
          {
            type: 'button',
            class: 'icon-button',
            'aria-label': `Rename chat “${title}”`,
            title: 'Rename',
            onclick: (event: MouseEvent) => this.#startRename(session, event.currentTarget as HTMLElement),
          },
          icon(ICONS.pencil),
        ),
        el(
          'button',
          {
            type: 'button',
            class: 'icon-button',
            'aria-label': `Delete chat “${title}”`,
            title: 'Delete',
            onclick: () => void runAction('Deleting the chat', () => this.#delete(session)),
          },
          icon(ICONS.trash),
        ),
      ),
    );
  }

  #startRename(session: Session, button: HTMLElement): void {
    const item = button.closest('li')!;
    const input = el('input', {
      class: 'session-rename',
      value: session.title ?? '',
      'aria-label': 'New name for the chat',
      maxlength: 120,
    });
    let done = false;
    const finish = (save: boolean) => {
      if (done) return;
      done = true;
      this.#renaming = null;
      const title = input.value.trim();
      if (save && title !== (session.title ?? '')) {
        void runAction('Renaming the chat', async () => {
          await this.#hooks.store().sessions.update(session.id, { title: title === '' ? null : title });
          await this.refresh();
        });
      } else this.#render();
      this.#list.querySelector<HTMLElement>(`li[data-id="${CSS.escape(session.id)}"] .session-link`)?.focus();
    };
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') finish(true);
      else if (event.key === 'Escape') {
        event.stopPropagation();
        finish(false);
      }
    });
    input.addEventListener('blur', () => finish(true));
    this.#renaming = session.id;
    replaceChildren(item, input);
    input.focus();
    input.select();
  }

  async #delete(session: Session): Promise<void> {
    const title = session.title ?? 'Untitled chat';
    const ok = await confirmAction({
      title: `Delete “${title}”?`,
      message: `Its ${countOf(session.eventCount, 'event')} and their artifacts are removed from this browser. This cannot be undone.`,
      confirmLabel: 'Delete chat',
    });
    if (!ok) return;
    // Leave the chat first, so its own "deleted" notice does not fire for a delete made here.
    if (session.id === this.#activeId) await this.#hooks.navigate(null);
    await this.#hooks.store().sessions.delete(session.id);
    await this.refresh();
  }
}
