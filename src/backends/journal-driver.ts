/**
 * The driver for stores persisted through an async key-value store: IndexedDB in browsers,
 * a user's `KeyValueStorage` elsewhere. The database lives in memory inside the journal VFS;
 * each write call ends with one journal record, and the call resolves once storage has it.
 */
import type { Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import type { KeyValueStorage } from '../core/types.js';
import type { StorageDriver } from './driver.js';
import { deleteJournaled, openJournaledDatabase } from './journal/index.js';

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
