/**
 * The driver for stores persisted through an async key-value store: IndexedDB in browsers,
 * a user's `KeyValueStorage` elsewhere. The database lives in memory inside the journal VFS;
 * each write call ends with one journal record, and the call resolves once storage has it.
 */
import type { Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import { openImage, withRebuiltPageOne } from '../core/damaged-image.js';
import type { DamagedStore } from '../core/open-engine.js';
import type { KeyValueStorage } from '../core/types.js';
import type { StorageDriver } from './driver.js';
import { BLOCK_SIZE } from './journal/block-file.js';
import {
  copyJournalAside,
  deleteJournaled,
  openJournaledDatabase,
  readDamagedJournal,
  replaceJournal,
} from './journal/index.js';
import { ValueStore } from './journal/value-store.js';

/** Key prefix of one store inside a shared storage: stores of different names never collide. */
export function journalPrefix(name: string): string {
  return `threadkeep/${name}/`;
}

/** Open stores per storage object: a storage that can lock (fileStorage) is unlocked after the last closes. */
const openCounts = new WeakMap<KeyValueStorage, number>();

function release(storage: KeyValueStorage): Promise<void> {
  const left = (openCounts.get(storage) ?? 1) - 1;
  openCounts.set(storage, left);
  const unlock = (storage as { unlock?: () => Promise<void> }).unlock;
  return left === 0 && typeof unlock === 'function' ? unlock.call(storage) : Promise.resolve();
}

export async function journalDriver(
  sqlite3: Sqlite3Static,
  storage: KeyValueStorage,
  name: string,
  backend: 'kv' | 'indexeddb',
  options: { maxValueBytes?: number } = {},
): Promise<StorageDriver> {
  // A storage with a value size limit says so itself (Deno KV: 65536), so openStore needs no option for it.
  const maxValueBytes = options.maxValueBytes ?? storage.maxValueBytes;
  openCounts.set(storage, (openCounts.get(storage) ?? 0) + 1);
  let journal: Awaited<ReturnType<typeof openJournaledDatabase>>;
  try {
    journal = await openJournaledDatabase(sqlite3, storage, {
      prefix: journalPrefix(name),
      ...(maxValueBytes !== undefined && { maxValueBytes }),
    });
  } catch (error) {
    await release(storage).catch(() => {});
    throw error;
  }
  return {
    backend,
    sqlite3,
    db: journal.db,
    persist: () => journal.commit(),
    revert: () => journal.rollback(),
    maintain: () => journal.compact(),
    storedBytes: () => journal.storedBytes(),
    close: () => journal.close().finally(() => release(storage)),
  };
}

export function deleteJournalStore(storage: KeyValueStorage, name: string): Promise<void> {
  return deleteJournaled(storage, journalPrefix(name));
}

/**
 * A damaged journaled store, for openStore({ recover: true }): its values are copied aside under
 * `<prefix>damaged-<time>/`, the database is read from whatever values are intact, and the
 * recovered database replaces it through one manifest switch (see journal/salvage.ts).
 */
export function damagedJournalStore(
  sqlite3: Sqlite3Static,
  storage: KeyValueStorage,
  name: string,
  options: { maxValueBytes?: number; location?: string; close?: () => void } = {},
): DamagedStore {
  const prefix = journalPrefix(name);
  const maxValueBytes = options.maxValueBytes ?? storage.maxValueBytes ?? Number.POSITIVE_INFINITY;
  const values = new ValueStore(storage, prefix, maxValueBytes);
  return {
    // One page per journal block, as a new journaled store gets.
    pageSize: BLOCK_SIZE,
    keepAside: async (at) =>
      `${options.location ?? ''}keys starting with "${prefix}${await copyJournalAside(values, storage, prefix, at)}"`,
    async sources() {
      const { image, problems } = await readDamagedJournal(values);
      return {
        unreadable: problems,
        sources: [
          { label: 'the database the journal holds', open: () => openImage(sqlite3, image) },
          {
            label: 'that database with page 1 rebuilt',
            open: () => {
              const rebuilt = withRebuiltPageOne(sqlite3, image);
              if (!rebuilt) throw new Error('its pages do not look like a threadkeep store');
              return openImage(sqlite3, rebuilt);
            },
          },
        ],
      };
    },
    replace: (image) => replaceJournal(values, image),
    async close() {
      options.close?.();
    },
  };
}
