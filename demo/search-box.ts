/**
 * Search across every chat as you type (`store.search`, plain syntax, so anything a person types
 * is fine). Snippets are plain text; the `highlights` ranges become <mark> elements around text
 * nodes, never HTML. A combobox: arrows move through hits, Enter opens one at its message.
 */
import type { SearchHit, Store } from '../src/index.js';
import { byId, type Child, el, replaceChildren } from './elements.js';
import { speaker } from './event-view.js';
import { showError } from './toasts.js';

export interface SearchBoxHooks {
  store(): Store;
  open(sessionId: string, seq: number): Promise<void>;
}

const DEBOUNCE_MS = 120;
const LIMIT = 30;

/** The snippet as text nodes, with each highlighted range wrapped in <mark>. */
export function highlightedSnippet(hit: Pick<SearchHit, 'snippet' | 'highlights'>): Child[] {
  const parts: Child[] = [];
  let at = 0;
  for (const [start, end] of hit.highlights) {
    if (start < at || end <= start) continue;
    parts.push(hit.snippet.slice(at, start), el('mark', {}, hit.snippet.slice(start, end)));
    at = end;
  }
  parts.push(hit.snippet.slice(at));
  return parts;
}

export class SearchBox {
  readonly #hooks: SearchBoxHooks;
  readonly #input = byId<HTMLInputElement>('search-input');
  readonly #popup = byId('search-popup');
  readonly #status = byId('search-status');
  readonly #results = byId('search-results');
  #hits: SearchHit[] = [];
  #active = -1;
  #timer = 0;
  /** Answers to older queries that arrive late are dropped. */
  #query = 0;
  readonly #titles = new Map<string, string>();

  constructor(hooks: SearchBoxHooks) {
    this.#hooks = hooks;
    this.#input.addEventListener('input', () => {
      // Hits of the previous query must not sit under the new one, even for a moment.
      this.#query++;
      this.#hits = [];
      this.#active = -1;
      this.#results.replaceChildren();
      this.#status.textContent = 'Searching…';
      clearTimeout(this.#timer);
      this.#timer = window.setTimeout(() => void this.#search(), DEBOUNCE_MS);
    });
    this.#input.addEventListener('keydown', (event) => this.#onKey(event));
    this.#input.addEventListener('focus', () => {
      if (this.#input.value.trim() !== '') this.#setOpen(true);
    });
    document.addEventListener('pointerdown', (event) => {
      if (!(event.target as Element).closest('.search')) this.#setOpen(false);
    });
    document.addEventListener('keydown', (event) => {
      const typing = (event.target as Element).closest('input, textarea, select, [contenteditable]');
      if (event.key === '/' && !typing && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        this.#input.focus();
        this.#input.select();
      }
    });
  }

  /** Forgets cached chat titles (they may have been renamed or deleted). */
  reset(): void {
    this.#titles.clear();
  }

  async #search(): Promise<void> {
    const query = this.#input.value;
    const id = ++this.#query;
    if (query.trim() === '') {
      this.#hits = [];
      this.#setOpen(false);
      return;
    }
    try {
      const started = performance.now();
      const store = this.#hooks.store();
      const hits = await store.search(query, { limit: LIMIT });
      const missing = [...new Set(hits.map((h) => h.event.sessionId))].filter((s) => !this.#titles.has(s));
      const sessions = await Promise.all(missing.map((s) => store.sessions.get(s)));
      for (const [i, s] of sessions.entries()) this.#titles.set(missing[i]!, s?.title ?? 'Untitled chat');
      if (id !== this.#query) return;
      const ms = Math.max(1, Math.round(performance.now() - started));
      this.#hits = hits;
      this.#active = -1;
      this.#status.textContent =
        hits.length === 0
          ? `No message matches “${query.trim()}”.`
          : `${hits.length === LIMIT ? `Best ${LIMIT}` : hits.length} ${hits.length === 1 ? 'match' : 'matches'} in ${ms} ms`;
      this.#render();
      this.#setOpen(true);
    } catch (error) {
      showError(error, 'Searching');
    }
  }

  #render(): void {
    replaceChildren(
      this.#results,
      this.#hits.map((hit, i) =>
        el(
          'div',
          {
            id: `search-hit-${i}`,
            role: 'option',
            class: 'search-hit',
            'aria-selected': String(i === this.#active),
            onpointerdown: (event: PointerEvent) => event.preventDefault(),
            onclick: () => void this.#choose(i),
          },
          el(
            'span',
            { class: 'search-hit-head' },
            el('span', { class: 'search-hit-session' }, this.#titles.get(hit.event.sessionId) ?? ''),
            el('span', { class: 'search-hit-where' }, `${speaker(hit.event)} · #${hit.event.seq}`),
          ),
          el('span', { class: 'search-hit-snippet' }, highlightedSnippet(hit)),
        ),
      ),
    );
  }

  #setOpen(open: boolean): void {
    this.#popup.hidden = !open;
    this.#input.setAttribute('aria-expanded', String(open));
    if (!open) this.#input.removeAttribute('aria-activedescendant');
  }

  #move(step: number): void {
    if (this.#hits.length === 0) return;
    this.#setOpen(true);
    this.#active = (this.#active + step + this.#hits.length) % this.#hits.length;
    for (const [i, option] of [...this.#results.children].entries()) {
      option.setAttribute('aria-selected', String(i === this.#active));
      if (i === this.#active) option.scrollIntoView({ block: 'nearest' });
    }
    this.#input.setAttribute('aria-activedescendant', `search-hit-${this.#active}`);
  }

  async #choose(index: number): Promise<void> {
    const hit = this.#hits[index];
    if (!hit) return;
    this.#setOpen(false);
    await this.#hooks.open(hit.event.sessionId, hit.event.seq);
  }

  #onKey(event: KeyboardEvent): void {
    if (event.key === 'ArrowDown') this.#move(1);
    else if (event.key === 'ArrowUp') this.#move(-1);
    else if (event.key === 'Enter') void this.#choose(Math.max(this.#active, 0));
    else if (event.key === 'Escape') {
      if (this.#popup.hidden) this.#input.value = '';
      this.#setOpen(false);
      return;
    } else return;
    event.preventDefault();
  }
}
