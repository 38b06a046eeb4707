/**
 * The messages of one session: a window of its events loaded page by page (`tail` to start,
 * `list({ beforeSeq })` when the reader nears the top, `list({ afterSeq })` below a jump), drawn
 * by a VirtualList so 10 000 events cost what 30 do. Live changes arrive through `onChange`.
 */
import type { Change, Store, StoredEvent } from '../src/index.js';
import { estimateEventHeight } from './event-view.js';
import { runInBackground } from './toasts.js';
import { VirtualList } from './virtual-list.js';

const PAGE = 200;

export interface TranscriptHooks {
  store(): Store;
  render(event: StoredEvent): HTMLElement;
}

export class Transcript {
  readonly #viewport: HTMLElement;
  readonly #hooks: TranscriptHooks;
  readonly #list: VirtualList<StoredEvent>;
  #sessionId: string | null = null;
  #events: StoredEvent[] = [];
  #hasOlder = false;
  #hasNewer = false;
  /** The page loads in flight at each edge of the window on screen (a new window has none). */
  #olderLoad: Promise<void> | null = null;
  #newerLoad: Promise<void> | null = null;
  /** Bumped by every open; work started for an older one is dropped. */
  #generation = 0;
  /** The open whose window is on screen; behind #generation while an open is loading. */
  #shownGeneration = 0;
  /** Loads and live updates run one at a time, in order, so the window never has holes. */
  #queue: Promise<void> = Promise.resolve();
  readonly #updating = new Set<string>();

  constructor(viewport: HTMLElement, hooks: TranscriptHooks) {
    this.#viewport = viewport;
    this.#hooks = hooks;
    this.#list = new VirtualList<StoredEvent>({
      viewport,
      key: (event) => event.id,
      render: (event) => hooks.render(event),
      estimate: estimateEventHeight,
      onEdges: (nearStart, nearEnd) => {
        // The window on screen is about to be replaced (a jump is loading): extending it would
        // only queue reads of pages nobody will see.
        if (this.#shownGeneration !== this.#generation) return;
        if (nearStart && this.#hasOlder && !this.#olderLoad) this.#loadOlder();
        if (nearEnd && this.#hasNewer && !this.#newerLoad) this.#loadNewer();
      },
    });
    viewport.addEventListener('keydown', (event) => this.#onKey(event));
  }

  get sessionId(): string | null {
    return this.#sessionId;
  }

  /** The loaded events, oldest first (a window of the session, not necessarily all of it). */
  get events(): readonly StoredEvent[] {
    return this.#events;
  }

  /** Shows a session: its newest events, or those around `atSeq` with that one in focus. */
  open(sessionId: string | null, atSeq?: number): Promise<void> {
    const generation = ++this.#generation;
    this.#sessionId = sessionId;
    this.#updating.clear();
    return this.#enqueue(generation, async () => {
      if (sessionId === null) {
        this.#show(generation, [], false, false, 'bottom');
        return;
      }
      const events = this.#hooks.store().events;
      if (atSeq === undefined) {
        const page = await events.tail(sessionId, PAGE);
        if (generation !== this.#generation) return;
        this.#show(generation, page, page.length === PAGE, false, 'bottom');
        return;
      }
      const half = PAGE / 2;
      const [before, after] = await Promise.all([
        events.list(sessionId, { beforeSeq: atSeq + 1, order: 'desc', limit: half }),
        events.list(sessionId, { afterSeq: atSeq, limit: half }),
      ]);
      if (generation !== this.#generation) return;
      const page = before.reverse().concat(after);
      const target = page.find((e) => e.seq === atSeq) ?? page.at(-1);
      this.#show(
        generation,
        page,
        before.length === half,
        after.length === half,
        target ? { key: target.id, align: 'center' } : 'bottom',
      );
      if (target) this.#spotlight(target.id);
    });
  }

  /** Follows the newest messages again (after the reader sends one). */
  scrollToBottom(): void {
    // A window still loading (a jump) may not reach the end either.
    const tail = !this.#hasNewer && this.#shownGeneration === this.#generation;
    if (!tail && this.#sessionId) void this.open(this.#sessionId);
    else this.#list.scrollToBottom();
  }

  /** Applies a committed change to this session's events. */
  onChange(change: Change): void {
    if (change.kind !== 'event' || change.sessionId !== this.#sessionId) return;
    const generation = this.#generation;
    if (change.op === 'create') {
      // Whether the window reaches the end is decided when the read runs: a jump may come first.
      void this.#enqueue(generation, async () => {
        if (!this.#hasNewer) await this.#fetchNewer(this.#events.at(-1), 1000);
      });
    } else if (change.op === 'update') {
      const loaded = new Set(this.#events.map((e) => e.id));
      for (const id of change.ids) {
        // A streamed reply is patched many times a second: one re-read per burst is enough.
        if (!loaded.has(id) || this.#updating.has(id)) continue;
        this.#updating.add(id);
        void this.#enqueue(generation, async () => {
          this.#updating.delete(id);
          const event = await this.#hooks.store().events.get(id);
          if (!event || generation !== this.#generation) return;
          const index = this.#events.findIndex((e) => e.id === id);
          if (index < 0) return;
          this.#events[index] = event;
          this.#list.updateItem(event);
        });
      }
    } else if (change.op === 'delete') {
      const gone = new Set(change.ids);
      void this.#enqueue(generation, async () => {
        this.#events = this.#events.filter((e) => !gone.has(e.id));
        this.#list.setItems(this.#events, 'keep');
      });
    }
  }

  /** Re-renders the loaded events (their artifacts' previews may have gone). */
  refresh(): void {
    this.#list.setItems([...this.#events], 'keep');
  }

  #show(
    generation: number,
    page: StoredEvent[],
    hasOlder: boolean,
    hasNewer: boolean,
    position: Parameters<VirtualList<StoredEvent>['setItems']>[1],
  ) {
    this.#shownGeneration = generation;
    this.#events = page;
    this.#hasOlder = hasOlder;
    this.#hasNewer = hasNewer;
    // Loads still queued for the old window drop themselves (their edge is gone); this one may
    // start its own at once, from the layout below.
    this.#olderLoad = null;
    this.#newerLoad = null;
    this.#list.setItems(page, position);
  }

  #enqueue(generation: number, task: () => Promise<void>): Promise<void> {
    const run = async () => {
      if (generation !== this.#generation) return;
      this.#viewport.setAttribute('aria-busy', 'true');
      try {
        await runInBackground('Loading messages', task);
      } finally {
        this.#viewport.removeAttribute('aria-busy');
      }
    };
    this.#queue = this.#queue.then(run);
    return this.#queue;
  }

  /**
   * Each load extends the window at the edge it was asked for, and only while that is still the
   * edge: a request made just before a jump's window replaced this one (its reads were in flight)
   * must not prepend pages of the old place to the new window, a hole that scrolls the target away.
   */
  #loadOlder(): void {
    const sessionId = this.#sessionId;
    const first = this.#events[0];
    if (!sessionId || !first) return;
    const generation = this.#generation;
    const load = this.#enqueue(generation, async () => {
      if (this.#events[0]?.id !== first.id) return;
      const older = await this.#hooks.store().events.list(sessionId, {
        beforeSeq: first.seq,
        order: 'desc',
        limit: PAGE,
      });
      if (generation !== this.#generation || this.#events[0]?.id !== first.id) return;
      this.#hasOlder = older.length === PAGE;
      this.#events = older.reverse().concat(this.#events);
      this.#list.setItems(this.#events, 'keep');
    });
    this.#olderLoad = load;
    void load.finally(() => {
      if (this.#olderLoad === load) this.#olderLoad = null;
    });
  }

  #loadNewer(): void {
    const last = this.#events.at(-1);
    if (!last) return;
    const load = this.#enqueue(this.#generation, () => this.#fetchNewer(last, PAGE));
    this.#newerLoad = load;
    void load.finally(() => {
      if (this.#newerLoad === load) this.#newerLoad = null;
    });
  }

  /** Appends the events after `last`, if it is still the window's last one. */
  async #fetchNewer(last: StoredEvent | undefined, limit: number): Promise<void> {
    const sessionId = this.#sessionId;
    if (!sessionId || this.#events.at(-1)?.id !== last?.id) return;
    const generation = this.#generation;
    const newer = await this.#hooks.store().events.list(sessionId, { afterSeq: last?.seq ?? 0, limit });
    if (generation !== this.#generation || this.#events.at(-1)?.id !== last?.id) return;
    this.#hasNewer = newer.length === limit;
    const known = new Set(this.#events.map((e) => e.id));
    const fresh = newer.filter((e) => !known.has(e.id));
    if (fresh.length === 0) return;
    this.#events = this.#events.concat(fresh);
    this.#list.setItems(this.#events, 'keep');
  }

  /** Puts focus and a brief highlight on a message a search hit pointed at. */
  #spotlight(id: string): void {
    const element = this.#list.reveal(id);
    if (!element) return;
    element.classList.add('msg--spotlight');
    element.focus({ preventScroll: true });
    setTimeout(() => this.#list.element(id)?.classList.remove('msg--spotlight'), 2500);
  }

  /** Feed keys: with a message focused, arrows and Page keys move between messages. */
  #onKey(event: KeyboardEvent): void {
    const keys: Record<string, number> = { ArrowUp: -1, PageUp: -1, ArrowDown: 1, PageDown: 1 };
    const step = keys[event.key];
    const target = event.target as HTMLElement;
    if (step === undefined) return;
    let index: number;
    if (target.matches('article.msg')) {
      index = this.#events.findIndex((e) => e.id === target.dataset.id) + step;
    } else if (target === this.#viewport && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
      const visible = [...this.#viewport.querySelectorAll<HTMLElement>('article.msg')].filter((a) => {
        const r = a.getBoundingClientRect();
        const v = this.#viewport.getBoundingClientRect();
        return r.bottom > v.top && r.top < v.bottom;
      });
      const pick = step < 0 ? visible.at(-1) : visible[0];
      index = pick ? this.#events.findIndex((e) => e.id === pick.dataset.id) : -1;
    } else return;
    const next = this.#events[index];
    if (!next) return;
    event.preventDefault();
    this.#list.reveal(next.id, 'nearest')?.focus({ preventScroll: true });
  }
}
