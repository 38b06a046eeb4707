/**
 * "Storage & data": what `store.info()` says (backend, why not OPFS, leader or follower,
 * persistence, usage and quota, counts, versions), the seeder, export and import, and
 * "delete all data". The one-line summary at the bottom of the sidebar comes from the same info.
 */
import type { Store, StoreInfo } from '../src/index.js';
import { transferSection } from './data-transfer.js';
import { byId, type Child, el, ICONS, icon, replaceChildren } from './elements.js';
import { countOf, formatBytes } from './format.js';
import { seedSection } from './seed-section.js';
import { runAction, runInBackground } from './toasts.js';

export interface StoragePanelHooks {
  store(): Store;
  deleteAll(): Promise<void>;
  openSession(sessionId: string): Promise<void>;
}

const BACKENDS: Record<StoreInfo['backend'], string> = {
  opfs: 'OPFS: SQLite in a dedicated worker, on the origin-private file system',
  indexeddb: 'IndexedDB: SQLite in a worker, its pages journaled to IndexedDB',
  kv: 'Key-value storage',
  memory: 'Memory only: nothing survives a reload',
};

const ROLES: Record<StoreInfo['role'], string> = {
  leader: 'Leader: this tab holds the database',
  follower: 'Follower: this tab forwards its calls to the leader tab',
  single: 'Single: nothing else can share this store',
};

export class StoragePanel {
  readonly #hooks: StoragePanelHooks;
  readonly #dialog = byId<HTMLDialogElement>('storage-dialog');
  readonly #summary = byId<HTMLButtonElement>('storage-summary');
  readonly #facts = el('dl', { class: 'facts' });
  #timer = 0;
  /** Overlapping reads of the counts: only the newest one is shown. */
  #reading = 0;

  constructor(hooks: StoragePanelHooks) {
    this.#hooks = hooks;
    this.#build();
    const open = () => void runAction('Reading storage info', () => this.open());
    byId('storage-open').addEventListener('click', open);
    this.#summary.addEventListener('click', open);
  }

  async open(): Promise<void> {
    if (!this.#dialog.open) {
      this.#dialog.showModal();
      this.#dialog.scrollTop = 0;
    }
    await this.refresh();
  }

  /** Counts move with every change: at most one refresh per interval while they keep coming. */
  onChange(): void {
    if (this.#timer) return;
    this.#timer = window.setTimeout(() => {
      this.#timer = 0;
      void runInBackground('Reading storage info', () => this.refresh());
    }, 400);
  }

  async refresh(): Promise<void> {
    const reading = ++this.#reading;
    const info = await this.#hooks.store().info();
    if (reading !== this.#reading) return;
    this.#renderSummary(info);
    if (this.#dialog.open) this.#renderFacts(info);
  }

  /** Shown while no store could be opened. */
  showUnavailable(reason: string): void {
    this.#summary.textContent = `No store: ${reason}`;
  }

  #renderSummary(info: StoreInfo): void {
    replaceChildren(
      this.#summary,
      icon(ICONS.database),
      el(
        'span',
        {},
        el(
          'strong',
          {},
          `${info.backend === 'opfs' ? 'OPFS' : info.backend === 'indexeddb' ? 'IndexedDB' : info.backend} · ${info.role}`,
        ),
        el(
          'span',
          {},
          `${countOf(info.counts.sessions, 'chat')} · ${countOf(info.counts.events, 'event')} · ${formatBytes(info.usageBytes)}`,
        ),
      ),
    );
    this.#summary.setAttribute('aria-label', `Storage: ${info.backend}, ${info.role}. Open storage and data`);
  }

  #renderFacts(info: StoreInfo): void {
    const share = info.usageBytes !== null && info.quotaBytes ? info.usageBytes / info.quotaBytes : null;
    const row = (label: string, ...value: Child[]) => el('div', {}, el('dt', {}, label), el('dd', {}, value));
    replaceChildren(
      this.#facts,
      row('Store', info.name),
      row('Backend', BACKENDS[info.backend]),
      row(
        'Fallback reason',
        info.fallbackReason ??
          (info.backend === 'opfs' ? 'None: OPFS works here' : 'None: this backend was asked for'),
      ),
      row('This tab', ROLES[info.role]),
      row(
        'Persisted',
        info.persisted === null
          ? 'Unknown'
          : info.persisted
            ? 'Yes: the browser will not evict this data on its own'
            : 'No: the browser may evict it under storage pressure (it asked; browsers grant it to sites you use often)',
      ),
      row(
        'Usage',
        `${formatBytes(info.usageBytes)} of ${formatBytes(info.quotaBytes)}`,
        share !== null &&
          el('meter', {
            min: 0,
            max: 1,
            value: share,
            'aria-label': 'Share of the quota used',
          }),
      ),
      row(
        'Stored',
        `${countOf(info.counts.sessions, 'chat')} · ${countOf(info.counts.events, 'event')} · ${countOf(info.counts.artifacts, 'artifact')}`,
      ),
      row('Durability', info.durability),
      row(
        'Versions',
        `schema ${info.schemaVersion} · SQLite ${info.sqliteVersion} · threadkeep ${info.libraryVersion}`,
      ),
    );
  }

  #build(): void {
    replaceChildren(
      this.#dialog,
      el(
        'div',
        { class: 'sheet-head' },
        el('h2', { id: 'storage-title' }, 'Storage & data'),
        el(
          'button',
          {
            type: 'button',
            class: 'icon-button',
            'aria-label': 'Close',
            onclick: () => this.#dialog.close(),
          },
          icon(ICONS.close),
        ),
      ),
      el(
        'section',
        { 'aria-labelledby': 'facts-title' },
        el('h3', { id: 'facts-title' }, 'Where your data lives'),
        this.#facts,
      ),
      seedSection({
        store: this.#hooks.store,
        open: (sessionId) => {
          this.#dialog.close();
          void this.#hooks.openSession(sessionId);
        },
        seeded: () => this.refresh(),
      }),
      transferSection({ store: this.#hooks.store, imported: () => this.refresh() }),
      el(
        'section',
        { 'aria-labelledby': 'danger-title', class: 'danger-zone' },
        el('h3', { id: 'danger-title' }, 'Delete everything'),
        el(
          'p',
          {},
          'Removes every chat, event and artifact this page stored, in every open tab (deleteStore).',
        ),
        el(
          'button',
          {
            type: 'button',
            class: 'button button--danger',
            onclick: () => void runAction('Deleting all data', () => this.#hooks.deleteAll()),
          },
          icon(ICONS.trash),
          'Delete all data',
        ),
      ),
    );
  }
}
