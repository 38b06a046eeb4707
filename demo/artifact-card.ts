/**
 * The card a tool result shows for each artifact: name, type, size and a few first rows or lines
 * fetched with `drilldown`, never the whole artifact. Previews are cached by handle because the
 * transcript re-renders cards whenever they scroll back into view.
 */
import type { ArtifactRef, Store } from '../src/index.js';
import { delimitedTable, delimiterOf } from './delimited-table.js';
import { el, ICONS, icon, replaceChildren } from './elements.js';
import { formatBytes } from './format.js';

export interface ArtifactPreview {
  ref: ArtifactRef;
  text: string;
}

export interface ArtifactCardHooks {
  store(): Store;
  explore(handle: string): void;
  download(handle: string): void;
}

const PREVIEW_ROWS = 4;
const PREVIEW_LINES = 6;

/** Resolved previews (so a card re-renders synchronously), and those still loading. */
const previews = new Map<string, ArtifactPreview | null>();
const loading = new Map<string, Promise<ArtifactPreview | null>>();

/** Forgets every preview, when the store behind them is deleted or replaced. */
export function clearArtifactPreviews(): void {
  previews.clear();
  loading.clear();
}

async function loadPreview(store: Store, handle: string): Promise<ArtifactPreview | null> {
  const ref = await store.artifacts.ref(handle);
  if (!ref) return null;
  const table = delimiterOf(ref.mime, ref.name) !== null;
  const text = await store.artifacts.drilldown(
    handle,
    table ? { rows: [0, PREVIEW_ROWS] } : { head: PREVIEW_LINES },
  );
  return { ref, text };
}

export function kindLabel(ref: ArtifactRef): string {
  if (delimiterOf(ref.mime, ref.name)) return 'Table';
  if (/json/i.test(ref.mime)) return 'JSON';
  return 'Text';
}

function previewBody(preview: ArtifactPreview): HTMLElement {
  const { ref, text } = preview;
  const delimiter = delimiterOf(ref.mime, ref.name);
  if (delimiter) {
    return el(
      'div',
      { class: 'table-scroll' },
      delimitedTable(text, delimiter, 1, `First ${PREVIEW_ROWS} rows of ${ref.name ?? ref.handle}`),
    );
  }
  return el('pre', { class: 'artifact-lines' }, text);
}

function fill(card: HTMLElement, handle: string, preview: ArtifactPreview | null, hooks: ArtifactCardHooks) {
  if (!preview) {
    replaceChildren(card, el('p', { class: 'artifact-missing' }, `Artifact ${handle} is no longer stored.`));
    return;
  }
  const { ref } = preview;
  const name = ref.name ?? ref.handle;
  card.setAttribute('aria-label', `Artifact ${name}`);
  replaceChildren(
    card,
    el(
      'div',
      { class: 'artifact-head' },
      icon(ICONS.table),
      el('span', { class: 'artifact-name' }, name),
      el('span', { class: 'artifact-meta' }, `${kindLabel(ref)} · ${formatBytes(ref.size)}`),
    ),
    previewBody(preview),
    el(
      'div',
      { class: 'artifact-actions' },
      el(
        'button',
        { type: 'button', class: 'button button--small', onclick: () => hooks.explore(handle) },
        'Explore with drilldown',
      ),
      el(
        'button',
        {
          type: 'button',
          class: 'button button--small button--quiet',
          'aria-label': `Download ${name} (${formatBytes(ref.size)})`,
          onclick: () => hooks.download(handle),
        },
        icon(ICONS.download),
        'Download',
      ),
    ),
  );
}

export function artifactCard(handle: string, hooks: ArtifactCardHooks): HTMLElement {
  const card = el('section', { class: 'artifact-card', 'aria-label': 'Artifact' });
  const ready = previews.get(handle);
  if (ready !== undefined) {
    fill(card, handle, ready, hooks);
    return card;
  }
  card.append(el('p', { class: 'artifact-loading' }, 'Loading artifact preview…'));
  let pending = loading.get(handle);
  if (!pending) {
    pending = loadPreview(hooks.store(), handle).then((preview) => {
      previews.set(handle, preview);
      return preview;
    });
    pending.catch(() => loading.delete(handle));
    loading.set(handle, pending);
  }
  pending.then(
    (preview) => fill(card, handle, preview, hooks),
    (error: unknown) =>
      replaceChildren(
        card,
        el('p', { class: 'artifact-missing' }, `Could not load ${handle}: ${(error as Error).message}`),
      ),
  );
  return card;
}
