/**
 * A windowed list for long transcripts: only the items near the viewport are in the DOM, the rest
 * is two paddings computed from measured (or estimated) heights. Items have any height and may
 * change size (a streamed reply grows, an artifact preview loads); the list keeps the first
 * visible item still on screen through all of it, or follows the bottom while the reader is there,
 * as a chat should. Browser scroll anchoring is off because it fights the paddings.
 */

export interface VirtualListOptions<T> {
  /** The scrolling element; the list owns its content. */
  viewport: HTMLElement;
  key(item: T): string;
  render(item: T): HTMLElement;
  /** A guess for an item not yet measured; good guesses keep the scrollbar honest. */
  estimate(item: T): number;
  /** After each layout: whether the reader is within a screen of the first or last item. */
  onEdges?(nearStart: boolean, nearEnd: boolean): void;
}

type Target = { key: string; align: 'center' | 'nearest' };
/** The first item on screen and how far its top sits from the viewport's top, to hold it still. */
type Anchor = { key: string; delta: number };

/** Extra pixels rendered above and below the viewport, so fast scrolling shows no blank. */
const OVERSCAN = 800;
/** How close to the bottom counts as "at the bottom" (a reader following new messages). */
const STICK_SLACK = 32;

export class VirtualList<T> {
  readonly #o: VirtualListOptions<T>;
  readonly #inner: HTMLElement;
  #items: T[] = [];
  readonly #indexOf = new Map<string, number>();
  readonly #heights = new Map<string, number>();
  #offsets = new Float64Array(1);
  #offsetsStale = false;
  readonly #rendered = new Map<string, HTMLElement>();
  readonly #resize: ResizeObserver;
  #stick = true;
  /** The last scrollTop this list set itself. */
  #writtenTop = -1;
  #frame = 0;
  #width = 0;
  /** Taken before a width change dropped the measured heights, for the layout that follows. */
  #pendingAnchor: Anchor | null = null;

  constructor(options: VirtualListOptions<T>) {
    this.#o = options;
    this.#inner = document.createElement('div');
    this.#inner.className = 'vlist-inner';
    options.viewport.replaceChildren(this.#inner);
    options.viewport.style.overflowAnchor = 'none';
    options.viewport.addEventListener(
      'scroll',
      () => {
        // Our own scrollTop writes fire this too, later, when content may have grown since:
        // only a scroll the reader made decides whether to keep following the bottom.
        if (Math.abs(options.viewport.scrollTop - this.#writtenTop) >= 1) {
          this.#stick = this.#distanceFromBottom() < STICK_SLACK;
        }
        this.#schedule();
      },
      { passive: true },
    );
    this.#resize = new ResizeObserver((entries) => {
      for (const entry of entries) {
        if (entry.target === options.viewport) {
          const width = options.viewport.clientWidth;
          // New width, new line breaks: every measured height is wrong now. Note what the reader
          // sees first, while the offsets still say where things are on screen.
          if (width !== this.#width) {
            this.#pendingAnchor ??= this.#anchor();
            this.#heights.clear();
          }
          this.#width = width;
        }
      }
      this.#offsetsStale = true;
      this.#schedule();
    });
    this.#resize.observe(options.viewport);
  }

  get items(): readonly T[] {
    return this.#items;
  }

  get atBottom(): boolean {
    return this.#stick;
  }

  /** Replaces the items. 'keep' holds the view still (prepend, append); 'bottom' follows the end. */
  setItems(items: T[], position: 'keep' | 'bottom' | Target = 'keep'): void {
    // Read against the old items: after a prepend, the old scrollTop points into the new ones.
    const anchor = this.#anchor();
    this.#items = items;
    this.#indexOf.clear();
    for (const [i, item] of items.entries()) this.#indexOf.set(this.#o.key(item), i);
    this.#offsetsStale = true;
    for (const [key, element] of this.#rendered) {
      if (!this.#indexOf.has(key)) {
        this.#resize.unobserve(element);
        element.remove();
        this.#rendered.delete(key);
      }
    }
    // A target (a search hit) is read where it is: stop following the bottom until the reader does.
    if (position !== 'keep') this.#stick = position === 'bottom';
    this.#layout(typeof position === 'object' ? position : null, anchor);
  }

  /** Swaps in a new version of an item (same key); re-renders it if it is on screen. */
  updateItem(item: T): void {
    const key = this.#o.key(item);
    const index = this.#indexOf.get(key);
    if (index === undefined) return;
    this.#items[index] = item;
    const old = this.#rendered.get(key);
    if (!old) return;
    const hadFocus = old.contains(document.activeElement);
    const next = this.#o.render(item);
    this.#resize.unobserve(old);
    old.replaceWith(next);
    this.#rendered.set(key, next);
    this.#resize.observe(next);
    if (hadFocus) next.focus({ preventScroll: true });
    this.#offsetsStale = true;
    this.#layout(null);
  }

  /** Scrolls an item into view (rendering it first if needed) and returns its element. */
  reveal(key: string, align: Target['align'] = 'center'): HTMLElement | undefined {
    if (!this.#indexOf.has(key)) return undefined;
    this.#stick = false;
    this.#layout({ key, align });
    return this.#rendered.get(key);
  }

  element(key: string): HTMLElement | undefined {
    return this.#rendered.get(key);
  }

  scrollToBottom(): void {
    this.#stick = true;
    this.#layout(null);
  }

  #distanceFromBottom(): number {
    const v = this.#o.viewport;
    return v.scrollHeight - v.scrollTop - v.clientHeight;
  }

  #schedule(): void {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#layout(null);
    });
  }

  #height(index: number): number {
    const item = this.#items[index]!;
    return this.#heights.get(this.#o.key(item)) ?? this.#o.estimate(item);
  }

  #ensureOffsets(): Float64Array {
    if (!this.#offsetsStale && this.#offsets.length === this.#items.length + 1) return this.#offsets;
    const offsets = new Float64Array(this.#items.length + 1);
    for (let i = 0; i < this.#items.length; i++) offsets[i + 1] = offsets[i]! + this.#height(i);
    this.#offsets = offsets;
    this.#offsetsStale = false;
    return offsets;
  }

  /** The first index whose bottom edge is below `y`. */
  #indexAt(y: number): number {
    const offsets = this.#offsets;
    let lo = 0;
    let hi = this.#items.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (offsets[mid + 1]! <= y) lo = mid + 1;
      else hi = mid;
    }
    return Math.max(0, lo);
  }

  /** What the reader looks at now, in the model's coordinates (true for everything measured). */
  #anchor(): Anchor | null {
    if (this.#pendingAnchor) return this.#pendingAnchor;
    if (this.#items.length === 0) return null;
    const offsets = this.#ensureOffsets();
    const index = this.#indexAt(this.#o.viewport.scrollTop);
    return { key: this.#o.key(this.#items[index]!), delta: offsets[index]! - this.#o.viewport.scrollTop };
  }

  #layout(target: Target | null, anchor: Anchor | null = this.#anchor()): void {
    const viewport = this.#o.viewport;
    const n = this.#items.length;
    this.#pendingAnchor = null;
    const anchorIndex = anchor ? this.#indexOf.get(anchor.key) : undefined;

    for (let pass = 0; pass < 4; pass++) {
      const offsets = this.#ensureOffsets();
      const height = viewport.clientHeight;
      const total = offsets[n]!;
      let top = viewport.scrollTop;
      const targetIndex = target ? this.#indexOf.get(target.key) : undefined;
      if (targetIndex !== undefined && target) {
        const itemTop = offsets[targetIndex]!;
        const itemHeight = offsets[targetIndex + 1]! - itemTop;
        if (target.align === 'center') top = itemTop - Math.max(0, (height - itemHeight) / 2);
        else if (itemTop < top) top = itemTop;
        else if (itemTop + itemHeight > top + height) top = itemTop + itemHeight - height;
      } else if (this.#stick) {
        top = total - height;
      } else if (anchor && anchorIndex !== undefined) {
        top = offsets[anchorIndex]! - anchor.delta;
      }
      top = Math.max(0, Math.min(top, total - height));
      this.#renderWindow(top, height);
      if (Math.abs(viewport.scrollTop - top) >= 1) {
        viewport.scrollTop = top;
        this.#writtenTop = viewport.scrollTop;
      }
      if (!this.#measure()) break;
    }
    const top = viewport.scrollTop;
    this.#o.onEdges?.(top < viewport.clientHeight, this.#distanceFromBottom() < viewport.clientHeight);
  }

  #renderWindow(top: number, height: number): void {
    const n = this.#items.length;
    const offsets = this.#offsets;
    const first = n === 0 ? 0 : this.#indexAt(Math.max(0, top - OVERSCAN));
    let last = first - 1;
    while (last + 1 < n && offsets[last + 1]! < top + height + OVERSCAN) last++;
    const wanted: HTMLElement[] = [];
    const keep = new Set<string>();
    for (let i = first; i <= last; i++) {
      const item = this.#items[i]!;
      const key = this.#o.key(item);
      keep.add(key);
      let element = this.#rendered.get(key);
      if (!element) {
        element = this.#o.render(item);
        this.#rendered.set(key, element);
        this.#resize.observe(element);
      }
      wanted.push(element);
    }
    for (const [key, element] of this.#rendered) {
      if (keep.has(key)) continue;
      this.#resize.unobserve(element);
      element.remove();
      this.#rendered.delete(key);
    }
    // Move nodes only where order differs: re-inserting a node would drop its focus.
    const inner = this.#inner;
    wanted.forEach((element, i) => {
      if (inner.children[i] !== element) inner.insertBefore(element, inner.children[i] ?? null);
    });
    while (inner.children.length > wanted.length) inner.lastElementChild!.remove();
    inner.style.paddingTop = `${offsets[first] ?? 0}px`;
    inner.style.paddingBottom = `${offsets[n]! - (offsets[last + 1] ?? offsets[n]!)}px`;
  }

  /** Records the real heights of rendered items; true when any differed from the model. */
  #measure(): boolean {
    let changed = false;
    for (const [key, element] of this.#rendered) {
      const height = element.offsetHeight;
      if (this.#heights.get(key) !== height) {
        const index = this.#indexOf.get(key)!;
        const modelled = this.#offsets[index + 1]! - this.#offsets[index]!;
        this.#heights.set(key, height);
        if (modelled !== height) changed = true;
      }
    }
    if (changed) this.#offsetsStale = true;
    return changed;
  }
}
